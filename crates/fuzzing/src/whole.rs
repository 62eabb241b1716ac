//! The C library's whole-file functions against the engine's whole-stream
//! helpers, for any library that exports them: `rs_sig_file` (with the
//! parameters defaulted from the basis file's size: block length 0, strong
//! length 0 or the minimum, magic 0), `rs_loadsig_file`,
//! `rs_build_hash_table`, `rs_delta_file` and `rs_patch_file` over
//! `tmpfile()` streams, their result codes, outputs and statistics;
//! `rs_file_size`; and what `rs_sumset_dump`, `rs_signature_log_stats` and
//! `rs_log_stats` log after the delta. The `capi` target checks our library
//! with it, the `differential` target Debian's.

use std::ffi::{c_char, c_int, c_void, CStr};

use arbitrary::Unstructured;
use librsync_rs::{SeekBasis, SignatureOptions, Stats, StrongLen};

use crate::engine::{corrupt, edited, magic_from};
use crate::utils::{CStats, Library};

/// Room for an `rs_stats_t` (about 100 bytes), aligned.
type StatsRoom = [u64; 32];

/// The whole-file functions of one librsync library, and what it needs
/// besides.
pub struct WholeFns {
    /// `rs_sig_file`.
    pub sig_file: unsafe extern "C" fn(
        *mut libc::FILE,
        *mut libc::FILE,
        usize,
        usize,
        u32,
        *mut CStats,
    ) -> c_int,
    /// `rs_loadsig_file`.
    pub loadsig_file: unsafe extern "C" fn(*mut libc::FILE, *mut *mut c_void, *mut CStats) -> c_int,
    /// `rs_delta_file`.
    pub delta_file:
        unsafe extern "C" fn(*mut c_void, *mut libc::FILE, *mut libc::FILE, *mut CStats) -> c_int,
    /// `rs_patch_file`.
    pub patch_file: unsafe extern "C" fn(
        *mut libc::FILE,
        *mut libc::FILE,
        *mut libc::FILE,
        *mut CStats,
    ) -> c_int,
    /// `rs_file_size`.
    pub file_size: unsafe extern "C" fn(*mut libc::FILE) -> i64,
    /// `rs_build_hash_table`.
    pub build_hash_table: unsafe extern "C" fn(*mut c_void) -> c_int,
    /// `rs_free_sumset`.
    pub free_sumset: unsafe extern "C" fn(*mut c_void),
    /// `rs_sumset_dump`.
    pub sumset_dump: unsafe extern "C" fn(*const c_void),
    /// `rs_signature_log_stats`.
    pub signature_log_stats: unsafe extern "C" fn(*const c_void),
    /// `rs_log_stats`.
    pub log_stats: unsafe extern "C" fn(*const CStats) -> c_int,
    /// `rs_format_stats`.
    pub format_stats: unsafe extern "C" fn(*const CStats, *mut c_char, usize) -> *mut c_char,
    /// The lines the library logs while the closure runs (see
    /// [`Utils::logged`](crate::utils::Utils::logged)).
    pub logged: fn(&mut dyn FnMut()) -> Vec<String>,
}

/// A temporary `FILE*` holding `data`, rewound.
fn file_with(data: &[u8]) -> *mut libc::FILE {
    // SAFETY: tmpfile/fwrite/rewind on a fresh stream and a live slice.
    unsafe {
        let f = libc::tmpfile();
        assert!(!f.is_null(), "tmpfile");
        if !data.is_empty() {
            assert_eq!(
                libc::fwrite(data.as_ptr().cast(), 1, data.len(), f),
                data.len()
            );
        }
        libc::rewind(f);
        f
    }
}

/// Everything in `f` (rewound first), and closes it.
fn contents(f: *mut libc::FILE) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    // SAFETY: f is a live stream, closed once at the end.
    unsafe {
        libc::rewind(f);
        loop {
            let n = libc::fread(chunk.as_mut_ptr().cast(), 1, chunk.len(), f);
            out.extend_from_slice(&chunk[..n]);
            if n < chunk.len() {
                break;
            }
        }
        libc::fclose(f);
    }
    out
}

/// Closes `f`.
fn close(f: *mut libc::FILE) {
    // SAFETY: a live stream, closed once.
    unsafe { libc::fclose(f) };
}

/// The statistics a whole-file function wrote, as the engine's [`Stats`]
/// (the operation name included; the times left out).
fn stats_of(room: &StatsRoom) -> Stats {
    // SAFETY: the library wrote an rs_stats_t at the start of `room`.
    let c = unsafe { &*room.as_ptr().cast::<CStats>() };
    let mut s = c.to_stats();
    s.start = 0;
    s.end = 0;
    s
}

/// `stats` without its times, for comparison with [`stats_of`].
fn timeless(mut stats: Stats) -> Stats {
    stats.start = 0;
    stats.end = 0;
    stats
}

/// The basis as `rs_file_copy_cb` reads it: a file like `tmpfile()`'s (an
/// unnamed file in `/tmp`), so that seeking fails where C's `fseeko` does
/// (beyond the file system's largest file: `RS_IO_ERROR`, bad-inputs P19).
fn stdio_basis(data: &[u8]) -> SeekBasis<std::fs::File> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_TMPFILE)
        .open("/tmp")
        .expect("an unnamed file in /tmp");
    file.write_all(data).expect("write");
    SeekBasis::from_file(file)
}

/// Signature parameters for `rs_sig_file`: a magic (0 and, rarely, an
/// unknown one too), a block length (0: recommended for the file's size),
/// and a strong length (0: the maximum; `usize::MAX`: the minimum for the
/// size; rarely one over the maximum).
fn sig_file_params(u: &mut Unstructured<'_>) -> (u32, usize, usize) {
    let mb: u8 = u.arbitrary().unwrap_or(0);
    let magic = if mb >= 250 {
        magic_from(5, u.arbitrary().unwrap_or(0))
    } else {
        magic_from(mb % 5, 0)
    };
    let b: u16 = u.arbitrary().unwrap_or(0);
    let block_len = match b >> 13 {
        0 => 0,
        1..=4 => 1 + (b as usize % 64),
        _ => 1 + (b as usize & 0xfff),
    };
    let s: u8 = u.arbitrary().unwrap_or(0);
    let strong_len = match s {
        0..=31 => 0,
        32..=63 => usize::MAX,
        250.. => 17 + (s as usize - 250) * 4,
        _ => 1 + s as usize % 16,
    };
    (magic, block_len, strong_len)
}

/// Checks `lib`'s whole-file functions on `payload` (a basis and extra
/// bytes for the new file), with parameters and edits from `u`. For
/// Debian's library, deltas against signatures with blocks over 1 MiB are
/// left out (it allocates a buffer of the block length).
pub fn check(lib: &WholeFns, u: &mut Unstructured<'_>, payload: &[u8], which: Library) {
    let (magic, block_len, strong_len) = sig_file_params(u);
    let cut = u.arbitrary::<u16>().unwrap_or(0) as usize % (payload.len() + 1);
    let (basis, extra) = payload.split_at(cut);
    let new = edited(u, basis, extra);

    // Signature, its parameters settled from the basis file's size.
    let mut room: StatsRoom = [0; 32];
    let (old_f, sig_f) = (file_with(basis), file_with(&[]));
    // SAFETY: live streams.
    unsafe {
        assert_eq!((lib.file_size)(old_f), basis.len() as i64, "rs_file_size");
        assert_eq!((lib.file_size)(sig_f), 0, "rs_file_size");
    }
    // SAFETY: live streams and statistics.
    let r = unsafe {
        (lib.sig_file)(
            old_f,
            sig_f,
            block_len,
            strong_len,
            magic,
            room.as_mut_ptr().cast(),
        )
    };
    close(old_f);
    let sig_bytes = contents(sig_f);
    let args = librsync_rs::compat::sig_args(basis.len() as i64, magic, block_len, strong_len);
    let params = format!("rs_sig_file({magic:#x}, {block_len}, {strong_len})");
    let args = match args {
        Err(e) => {
            assert_eq!(r, e.code(), "{params}");
            assert_eq!(sig_bytes, b"", "{params}: output after an error");
            return;
        }
        Ok(args) => args,
    };
    let mut want = Vec::new();
    let opts = SignatureOptions::new()
        .magic(args.magic)
        .block_len(args.block_len)
        .strong_len(StrongLen::Exact(args.strong_len));
    let stats = librsync_rs::signature(basis, &mut want, &opts).expect("signature");
    assert_eq!(r, 0, "{params}");
    assert_eq!(sig_bytes, want, "{params}: output");
    assert_eq!(stats_of(&room), timeless(stats), "{params}: statistics");

    // Load it, maybe corrupted.
    let mut sig_bytes = sig_bytes;
    corrupt(u, &mut sig_bytes);
    let ours = librsync_rs::load_signature(&sig_bytes[..], Some(sig_bytes.len() as u64));
    let f = file_with(&sig_bytes);
    let mut csig: *mut c_void = std::ptr::null_mut();
    let mut room: StatsRoom = [0; 32];
    // SAFETY: live stream, pointer and statistics.
    let r = unsafe { (lib.loadsig_file)(f, &mut csig, room.as_mut_ptr().cast()) };
    close(f);
    assert_eq!(
        r,
        ours.as_ref().map_or_else(|e| e.code(), |_| 0),
        "rs_loadsig_file"
    );
    if let Ok((sig, stats)) = ours {
        assert_eq!(
            stats_of(&room),
            timeless(stats),
            "rs_loadsig_file statistics"
        );
        if which == Library::Ours || sig.block_len() <= 1 << 20 {
            delta_and_patch(lib, csig, &sig, basis, &new, u);
        }
    }
    // SAFETY: frees once (NULL allowed).
    unsafe { (lib.free_sumset)(csig) };
}

/// `rs_delta_file` with the loaded signature `csig` (the engine's is
/// `sig`), what the library logs about it, then `rs_patch_file` with that
/// delta, maybe corrupted.
fn delta_and_patch(
    lib: &WholeFns,
    csig: *mut c_void,
    sig: &librsync_rs::Signature,
    basis: &[u8],
    new: &[u8],
    u: &mut Unstructured<'_>,
) {
    // SAFETY: a loaded signature.
    assert_eq!(unsafe { (lib.build_hash_table)(csig) }, 0);
    let (new_f, delta_f) = (file_with(new), file_with(&[]));
    let mut room: StatsRoom = [0; 32];
    // SAFETY: live streams, signature and statistics.
    let r = unsafe { (lib.delta_file)(csig, new_f, delta_f, room.as_mut_ptr().cast()) };
    close(new_f);
    let d = contents(delta_f);
    let mut want = Vec::new();
    let e = librsync_rs::delta(sig, new, &mut want, Default::default());
    // rs_delta_file keeps C's `int` output size, which is negative for
    // some block lengths over 2^29: RS_MEM_ERROR (DEVIATIONS.md; C
    // aborts). The Rust API has no such limit.
    let c_overflows = librsync_rs::compat::delta_buffers(sig, Default::default()).is_err();
    let code = if c_overflows {
        102
    } else {
        e.as_ref().map_or_else(|e| e.code(), |_| 0)
    };
    assert_eq!(r, code, "rs_delta_file");
    let (0, Ok(stats)) = (r, e) else {
        return;
    };
    assert_eq!(d, want, "rs_delta_file output");
    assert_eq!(stats_of(&room), timeless(stats), "rs_delta_file statistics");

    // What the signature and the statistics log: the blocks as loaded, the
    // delta's matches, its counters.
    let mut text = [0u8; 1024];
    // SAFETY: live statistics; 1024 writable bytes.
    unsafe { (lib.format_stats)(room.as_ptr().cast(), text.as_mut_ptr().cast(), 1024) };
    let text = CStr::from_bytes_until_nul(&text).unwrap().to_str().unwrap();
    let logged = (lib.logged)(&mut || {
        // SAFETY: a loaded signature; live statistics.
        unsafe {
            (lib.sumset_dump)(csig);
            (lib.signature_log_stats)(csig);
            (lib.log_stats)(room.as_ptr().cast());
        }
    });
    let want_lines: Vec<String> = sig
        .dump_lines()
        .into_iter()
        .chain([sig.format_match_stats(), text.to_string()])
        .map(|line| format!("librsync: {line}\n"))
        .collect();
    assert_eq!(
        logged, want_lines,
        "rs_sumset_dump, rs_signature_log_stats, rs_log_stats"
    );

    let mut d = d;
    corrupt(u, &mut d);
    let (basis_f, d_f, out_f) = (file_with(basis), file_with(&d), file_with(&[]));
    let mut room: StatsRoom = [0; 32];
    // SAFETY: live streams and statistics.
    let r = unsafe { (lib.patch_file)(basis_f, d_f, out_f, room.as_mut_ptr().cast()) };
    close(basis_f);
    close(d_f);
    let out = contents(out_f);
    let mut want = Vec::new();
    match librsync_rs::patch(stdio_basis(basis), &d[..], &mut want, Default::default()) {
        Ok(stats) => {
            assert_eq!(r, 0, "rs_patch_file");
            assert_eq!(out, want, "rs_patch_file output");
            assert_eq!(stats_of(&room), timeless(stats), "rs_patch_file statistics");
        }
        Err(e) => assert_eq!(r, e.code(), "rs_patch_file: {e}"),
    }
}
