//! What the C library (`librsync-rs-sys`) and `rdiff` (`librsync-rs-rdiff`)
//! need from the engine beyond the Rust API: C's buffer sizes and driving
//! loop, the job forms and hooks behind `rs_*` functions, and librsync's log
//! line builder. Not for Rust users: nothing here is covered by semver, and
//! the crate's documented API does everything these items are used for.

use crate::job::Job;
use crate::signature::Signature;

pub use crate::command::{int_len, Command};
pub use crate::error::{c_strerror, codes, ResultCode, RESULT_CODES};
pub use crate::job::StatsObserver;
pub use crate::parallel::{run_signature_in, threads_from_env, THREADS_VAR};
pub use crate::parallel_delta::{run_delta_in, run_threaded};
pub use crate::sig_args::{recommended_block_len, sig_args, STRONG_LEN_MIN};
pub use crate::simd::kernels_agree as simd_kernels_agree;
pub use crate::stats::{format_stats, log_stats_text, set_clock, OP_NAMES};
pub use crate::whole::{
    delta_buffer_defaults, delta_buffers, run, signature_buffer_defaults, signature_buffers,
    LOADSIG_BUFFER, PATCH_BUFFER,
};

/// Flag added to a log level to leave the function name out of the line
/// (`RS_LOG_NONAME`).
pub const NONAME: i32 = crate::trace::NONAME;

/// Logs a message given as bytes, as librsync's `rs_log0` does: `func` is
/// the C function name librsync would show; `flags` is a level, optionally
/// with [`NONAME`].
pub fn log_bytes(flags: i32, func: &str, message: &[u8]) {
    crate::trace::log_bytes(flags, func, message)
}

/// Logs a formatted message (see [`log_bytes`]).
pub fn log(flags: i32, func: &str, args: std::fmt::Arguments<'_>) {
    crate::trace::log(flags, func, args)
}

/// Sets the log level to any integer, as C's `rs_trace_set_level` accepts.
pub fn set_log_level_raw(level: i32) {
    crate::trace::set_level_raw(level)
}

/// Replaces how the standard-error log sink writes a line (the C library
/// writes through C's `stderr` stream, as `rs_trace_stderr` does).
pub fn set_stderr_writer(writer: fn(&[u8])) {
    crate::trace::set_stderr_writer(writer)
}

/// A load-signature job that leaves its result in `slot`, as
/// `rs_loadsig_begin` fills the caller's `rs_signature_t **`; `file_size`
/// (or -1) sizes the table as `rs_build_hash_table` will.
pub fn load_signature_into(slot: &mut Option<Signature>, file_size: i64) -> Job<'_> {
    Job::load_signature_into(slot, file_size)
}

/// Calls `observer` with the job's statistics before the job calls out to
/// its caller's code in the middle of a step (C's `rs_job_statistics`
/// pointer stays current).
pub fn set_stats_observer(job: &mut Job<'_>, observer: StatsObserver) {
    job.set_stats_observer(observer)
}

/// Sets the descriptor number a [`SeekBasis`](crate::SeekBasis) shows in
/// its end-of-file message (`unexpected eof on fdN`), e.g. 0 for a basis
/// read from stdin.
pub fn seek_basis_fd<R>(basis: crate::SeekBasis<R>, fd: i32) -> crate::SeekBasis<R> {
    basis.with_fd(fd)
}

/// The sizes a whole-stream run uses given an operation's defaults (C `int`
/// expressions that may have wrapped: a negative default is a failed
/// allocation in C, [`ErrorKind::Mem`](crate::ErrorKind::Mem)).
pub fn resolve_buffer_sizes(
    sizes: crate::BufferSizes,
    input_default: i32,
    output_default: i32,
) -> crate::Result<(usize, usize)> {
    sizes.resolve(input_default, output_default)
}

/// The state of an MD4 computation, field by field as `rs_mdfour_t` keeps
/// it, so that the C library can store it in the caller's struct.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Md4State {
    /// Chaining values A, B, C, D.
    pub abcd: [u32; 4],
    /// Total bytes fed, padding included.
    pub total_n: u64,
    /// Bytes waiting in `tail` (0..64).
    pub tail_len: usize,
    /// Bytes of an incomplete 64-byte block.
    pub tail: [u8; 64],
}

impl From<&crate::checksum::Md4> for Md4State {
    fn from(m: &crate::checksum::Md4) -> Md4State {
        Md4State {
            abcd: [m.a, m.b, m.c, m.d],
            total_n: m.total_n,
            tail_len: m.tail_len,
            tail: m.tail,
        }
    }
}

impl From<Md4State> for crate::checksum::Md4 {
    /// A `tail_len` over 63 (a corrupted C struct) is read as 63.
    fn from(s: Md4State) -> crate::checksum::Md4 {
        let [a, b, c, d] = s.abcd;
        crate::checksum::Md4 {
            a,
            b,
            c,
            d,
            total_n: s.total_n,
            tail_len: s.tail_len.min(63),
            tail: s.tail,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    /// The `rs_*` names `nm` lists as defined in `file`, or `None` without
    /// `nm`.
    fn c_names(file: &Path) -> Option<Vec<String>> {
        let nm = Command::new("nm")
            .arg("--defined-only")
            .arg(file)
            .output()
            .ok()?;
        assert!(nm.status.success(), "nm failed on {}", file.display());
        let symbols = String::from_utf8_lossy(&nm.stdout);
        assert!(
            symbols.lines().count() > 100,
            "nm listed too little in {}",
            file.display()
        );
        Some(
            symbols
                .lines()
                .filter_map(|line| line.split_whitespace().nth(2))
                .filter(|name| name.starts_with("rs_"))
                .map(str::to_owned)
                .collect(),
        )
    }

    /// A Rust program built on this crate alone (this test binary is one)
    /// contains none of the C library's `rs_*` symbols, and neither does
    /// the crate's compiled library, so a Rust program can live in a
    /// process beside a system librsync.
    #[test]
    #[cfg(target_os = "linux")]
    fn the_core_has_no_c_symbols() {
        let exe = std::env::current_exe().expect("test executable path");
        let Some(in_exe) = c_names(&exe) else {
            eprintln!("nm not found: skipping the symbol check");
            return;
        };
        assert!(
            in_exe.is_empty(),
            "C symbols in a core-only program: {in_exe:?}"
        );
        // The rlib holds every object file of the crate, used or not.
        let deps = exe.parent().expect("target/<profile>/deps");
        let rlibs: Vec<_> = std::fs::read_dir(deps)
            .expect("read deps")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                name.starts_with("liblibrsync_rs-") && name.ends_with(".rlib")
            })
            .collect();
        for rlib in &rlibs {
            let names = c_names(rlib).unwrap_or_default();
            assert!(
                names.is_empty(),
                "C symbols in {}: {names:?}",
                rlib.display()
            );
        }
    }

    /// The crate denies `unsafe_code` and only `src/simd` (the SIMD kernels
    /// and their CPU detection) may allow it: no other source file has an
    /// `unsafe` block, function, impl or extern, or allows `unsafe_code`.
    #[test]
    fn unsafe_code_only_in_the_simd_kernels() {
        // Built from pieces so that this file does not match itself.
        let kw = "unsafe";
        let patterns = [
            format!("{kw} {{"),
            format!("{kw} fn"),
            format!("{kw} impl"),
            format!("{kw} extern"),
            format!("allow({kw}_code)"),
        ];
        fn visit(dir: &Path, patterns: &[String], found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("read src") {
                let path = entry.expect("dir entry").path();
                if path.is_dir() {
                    if path.file_name().is_some_and(|n| n != "simd") {
                        visit(&path, patterns, found);
                    }
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("read source");
                    for (n, line) in text.lines().enumerate() {
                        let code = line.split("//").next().unwrap_or("");
                        if patterns.iter().any(|p| code.contains(p.as_str())) {
                            found.push(format!("{}:{}: {line}", path.display(), n + 1));
                        }
                    }
                }
            }
        }
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut found = Vec::new();
        visit(&src, &patterns, &mut found);
        assert!(found.is_empty(), "unsafe outside src/simd: {found:#?}");
        let lib = std::fs::read_to_string(src.join("lib.rs")).expect("read lib.rs");
        assert!(lib.contains("#![deny(unsafe_code)]"));
    }
}
