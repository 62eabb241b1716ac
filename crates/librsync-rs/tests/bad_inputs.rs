//! Bad inputs, API misuse and basis faults (docs `bad-inputs.md` §5.1, §5.2,
//! §5.3 M2/M3/M8 and §6 F1–F5/F9).
//!
//! Every row is run through
//! * the whole-stream API (`librsync_rs::load_signature`, `librsync_rs::patch` with a
//!   1000-byte in-memory basis), and
//! * the streaming API, driving `Job::iter` with 1-byte input and 1-byte
//!   output buffers (twice: once setting the end-of-input flag on the call
//!   that carries the last byte, once only on a later call with no input);
//!
//! and, where Debian's `rdiff` is installed, `rdiff delta` / `rdiff patch`
//! must exit with the same code (its exit code is the `rs_result`). Without
//! `rdiff` that check is skipped with a warning, unless `CI` is set.

use std::cell::RefCell;
use std::ffi::OsStr;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Once, OnceLock};
use std::time::Duration;

use librsync_rs::compat::PATCH_BUFFER;
use librsync_rs::{
    Basis, BufferSizes, Buffers, Error, Job, SeekBasis, SigMagic, Signature, SignatureOptions,
    Status,
};

// ---------------------------------------------------------------------------
// Constants and input builders
// ---------------------------------------------------------------------------

const MD4_MAGIC: u32 = 0x7273_0136;
const BLAKE2_MAGIC: u32 = 0x7273_0137;
const RK_MD4_MAGIC: u32 = 0x7273_0146;
const RK_BLAKE2_MAGIC: u32 = 0x7273_0147;
const DELTA_MAGIC: u32 = 0x7273_0236;

const DONE: i32 = 0;
const IO_ERROR: i32 = 100;
const INPUT_ENDED: i32 = 103;
const BAD_MAGIC: i32 = 104;
const CORRUPT: i32 = 106;
const INTERNAL: i32 = 107;
const PARAM_ERROR: i32 = 108;

/// The 1000-byte basis of every patch case (pseudo-random, fixed).
fn basis() -> &'static [u8] {
    capture_logs();
    static BASIS: OnceLock<Vec<u8>> = OnceLock::new();
    BASIS.get_or_init(|| {
        let mut x: u32 = 0x9e37_79b9;
        (0..1000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 24) as u8
            })
            .collect()
    })
}

/// A 12-byte signature header.
fn sig_header(magic: u32, block_len: u32, strong_len: u32) -> Vec<u8> {
    capture_logs();
    let mut v = Vec::with_capacity(12);
    v.extend_from_slice(&magic.to_be_bytes());
    v.extend_from_slice(&block_len.to_be_bytes());
    v.extend_from_slice(&strong_len.to_be_bytes());
    v
}

/// Appends a made-up block record: `weak`, then `strong_len` bytes derived
/// from `seed`.
fn push_block(sig: &mut Vec<u8>, weak: u32, strong_len: usize, seed: u32) {
    sig.extend_from_slice(&weak.to_be_bytes());
    sig.extend(
        (0..strong_len)
            .map(|i| (seed.wrapping_mul(31).wrapping_add(i as u32 * 7) ^ (seed >> 8)) as u8),
    );
}

/// A real signature of `data`.
fn real_sig(data: &[u8], magic: SigMagic, block_len: usize, strong_len: usize) -> Vec<u8> {
    let opts = SignatureOptions {
        magic,
        block_len,
        strong_len,
        basis_size: Some(data.len() as u64),
        buffers: BufferSizes::default(),
    };
    let mut sig = Vec::new();
    librsync_rs::signature(data, &mut sig, &opts).expect("signature of test data");
    sig
}

/// A delta stream: the delta magic followed by `cmds`.
fn delta_of(cmds: &[u8]) -> Vec<u8> {
    capture_logs();
    let mut v = DELTA_MAGIC.to_be_bytes().to_vec();
    v.extend_from_slice(cmds);
    v
}

fn code_of<T>(r: &librsync_rs::Result<T>) -> i32 {
    match r {
        Ok(_) => DONE,
        Err(e) => e.code(),
    }
}

thread_local! {
    /// Log lines the library wrote on this thread.
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Routes the library's log lines through `eprint!` (so the test harness
/// shows them only for failing tests) and records them per thread for
/// [`take_log`]. The input builders and helpers call it, so that it is
/// installed before any test reaches the library.
fn capture_logs() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        librsync_rs::trace::set_sink(librsync_rs::trace::Sink::Custom(Arc::new(
            |_level, line: &[u8]| {
                let line = String::from_utf8_lossy(line).into_owned();
                eprint!("{line}");
                LOG.with(|log| log.borrow_mut().push(line));
            },
        )));
    });
}

/// The log lines written on this thread since the last call.
fn take_log() -> Vec<String> {
    capture_logs();
    LOG.with(|log| std::mem::take(&mut *log.borrow_mut()))
}

/// Runs `f` on another thread and fails the test if it takes longer than
/// `secs` (a hang inside one `Job::iter` call cannot be caught otherwise).
fn within<T: Send + 'static>(secs: u64, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    capture_logs();
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let v = f();
        let _ = tx.send(());
        v
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Ok(v) => v,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still running after {secs} s (hang?)")
        }
    }
}

// ---------------------------------------------------------------------------
// Streaming driver: 1-byte input and 1-byte output buffers
// ---------------------------------------------------------------------------

/// When the end-of-input flag is set.
#[derive(Clone, Copy, Debug)]
enum Eof {
    /// On the call whose buffer holds the last input byte.
    WithLastByte,
    /// Only on calls after all input has been given (empty input).
    AfterInput,
}

const EOF_MODES: [Eof; 2] = [Eof::WithLastByte, Eof::AfterInput];

/// Upper bound on `Job::iter` calls before a run counts as a hang.
const MAX_CALLS: usize = 1_000_000;

#[derive(Debug)]
struct Run {
    result: librsync_rs::Result<Status>,
    output: Vec<u8>,
    /// Input bytes the job took.
    consumed: usize,
    /// `Job::iter` calls made.
    calls: usize,
}

impl Run {
    fn code(&self) -> i32 {
        match &self.result {
            Ok(Status::Done) => DONE,
            Ok(Status::Blocked) => 1,
            Err(e) => e.code(),
        }
    }
}

/// Calls `job.iter` with 1 byte of input and 1 byte of output space at a
/// time while it returns `Blocked`.
fn drive(job: &mut Job<'_>, input: &[u8], eof: Eof) -> Run {
    capture_logs();
    let mut pos = 0;
    let mut output = Vec::new();
    let mut calls = 0;
    loop {
        let end = (pos + 1).min(input.len());
        let at_eof = match eof {
            Eof::WithLastByte => end == input.len(),
            Eof::AfterInput => pos == input.len(),
        };
        let mut out = [0u8; 1];
        let mut bufs = Buffers::new(&input[pos..end], &mut out).with_eof(at_eof);
        let result = job.iter(&mut bufs);
        calls += 1;
        pos += bufs.input_consumed();
        output.extend_from_slice(bufs.produced());
        match result {
            Ok(Status::Blocked) => {
                assert!(
                    calls < MAX_CALLS,
                    "job still blocked after {calls} calls (hang?)"
                );
            }
            result => {
                return Run {
                    result,
                    output,
                    consumed: pos,
                    calls,
                }
            }
        }
    }
}

/// Streams `delta` through a patch job over the 1000-byte basis in both
/// end-of-input modes, checks they agree, and returns one run.
fn stream_patch(test: &str, delta: &[u8]) -> Run {
    let runs: Vec<Run> = EOF_MODES
        .iter()
        .map(|&eof| drive(&mut Job::patch(basis()), delta, eof))
        .collect();
    assert_eq!(
        runs[0].code(),
        runs[1].code(),
        "{test}: streaming result depends on when eof is set: {runs:?}"
    );
    assert_eq!(
        runs[0].output, runs[1].output,
        "{test}: streaming output depends on when eof is set"
    );
    runs.into_iter().next().unwrap()
}

/// `librsync_rs::patch` over the 1000-byte basis: (code, output).
fn whole_patch(delta: &[u8]) -> (i32, Vec<u8>) {
    capture_logs();
    let mut out = Vec::new();
    let r = librsync_rs::patch(basis(), delta, &mut out, BufferSizes::default());
    (code_of(&r), out)
}

// ---------------------------------------------------------------------------
// rdiff (differential check against Debian's librsync 2.3.2)
// ---------------------------------------------------------------------------

/// Whether `rdiff` can be run. Without it, warns once on stderr (written
/// directly, not with `eprintln!`, which the test harness captures), or
/// panics when `CI` is set.
fn rdiff_available(test: &str) -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    static WARNED: std::sync::Once = std::sync::Once::new();
    let available = *AVAILABLE.get_or_init(|| {
        Command::new("rdiff")
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    });
    if !available {
        if std::env::var_os("CI").is_some() {
            panic!(
                "{test}: `rdiff` is not installed, but CI is set: install Debian's `rdiff` package"
            );
        }
        WARNED.call_once(|| {
            let _ = writeln!(
                io::stderr(),
                "\n**************************************************************************\n\
                 *** WARNING: `rdiff` (Debian's librsync 2.3.2) was not found on PATH:   ***\n\
                 *** SKIPPING every differential check against librsync in bad_inputs.  ***\n\
                 **************************************************************************\n"
            );
        });
    }
    available
}

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let name: String = test
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let dir = std::env::temp_dir().join(format!(
            "librsync-rs-bad_inputs-{name}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        Scratch(dir)
    }

    fn file(&self, name: &str, data: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, data).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs rdiff; returns its exit code and the contents of `out` (empty if
/// it wrote none).
fn run_rdiff(args: &[&OsStr], out: &Path) -> (i32, Vec<u8>) {
    let result = Command::new("rdiff")
        .args(args)
        .output()
        .expect("running rdiff");
    let code = result.status.code().unwrap_or_else(|| {
        panic!(
            "rdiff {args:?} died: {:?}; stderr: {}",
            result.status,
            String::from_utf8_lossy(&result.stderr)
        )
    });
    (code, std::fs::read(out).unwrap_or_default())
}

/// `rdiff delta SIG NEW OUT`: exit code and delta, or `None` without rdiff.
fn rdiff_delta(test: &str, sig: &[u8], new: &[u8]) -> Option<(i32, Vec<u8>)> {
    if !rdiff_available(test) {
        return None;
    }
    let dir = Scratch::new(test);
    let (sig, new, out) = (dir.file("sig", sig), dir.file("new", new), dir.path("out"));
    Some(run_rdiff(
        &[
            OsStr::new("delta"),
            sig.as_os_str(),
            new.as_os_str(),
            out.as_os_str(),
        ],
        &out,
    ))
}

/// `rdiff patch BASIS DELTA OUT`: exit code and output, or `None` without
/// rdiff.
fn rdiff_patch(test: &str, basis: &[u8], delta: &[u8]) -> Option<(i32, Vec<u8>)> {
    if !rdiff_available(test) {
        return None;
    }
    let dir = Scratch::new(test);
    let (basis, delta, out) = (
        dir.file("basis", basis),
        dir.file("delta", delta),
        dir.path("out"),
    );
    Some(run_rdiff(
        &[
            OsStr::new("patch"),
            basis.as_os_str(),
            delta.as_os_str(),
            out.as_os_str(),
        ],
        &out,
    ))
}

// ---------------------------------------------------------------------------
// Row checkers
// ---------------------------------------------------------------------------

fn assert_same_sig(test: &str, a: &Signature, b: &Signature) {
    assert_eq!(
        (a.magic(), a.block_len(), a.strong_len(), a.block_count()),
        (b.magic(), b.block_len(), b.strong_len(), b.block_count()),
        "{test}: signatures differ"
    );
    for i in 0..a.block_count() {
        assert_eq!(
            a.weak_sum(i),
            b.weak_sum(i),
            "{test}: weak sum of block {i}"
        );
        assert_eq!(
            a.strong_sum(i),
            b.strong_sum(i),
            "{test}: strong sum of block {i}"
        );
    }
}

/// Loads `sig` through both APIs (and `rdiff delta`) and checks the result
/// code. On success returns the signature; the delta of the basis against
/// it must then also be byte-identical to rdiff's.
fn check_sig(test: &str, sig: &[u8], expected: i32) -> Option<Signature> {
    capture_logs();
    // (a) whole stream, size unknown (pipe) and known (regular file)
    let whole = librsync_rs::load_signature(sig, None);
    assert_eq!(
        code_of(&whole),
        expected,
        "{test}: load_signature(size unknown)"
    );
    let sized = librsync_rs::load_signature(sig, Some(sig.len() as u64));
    assert_eq!(
        code_of(&sized),
        expected,
        "{test}: load_signature(size known)"
    );
    let whole = whole.ok().map(|(s, _)| s);
    if let (Some(a), Ok((b, _))) = (&whole, &sized) {
        assert_same_sig(test, a, b);
    }

    // (b) streaming, 1-byte buffers
    for eof in EOF_MODES {
        let mut job = Job::load_signature();
        let run = drive(&mut job, sig, eof);
        assert_eq!(
            run.code(),
            expected,
            "{test}: streaming loadsig ({eof:?}): {:?}",
            run.result
        );
        assert!(run.output.is_empty(), "{test}: loadsig wrote output");
        if let Some(whole) = &whole {
            let streamed = job
                .take_signature()
                .unwrap_or_else(|| panic!("{test}: no signature after Done"));
            assert_same_sig(test, whole, &streamed);
        }
    }

    // (c) rdiff
    if let Some((code, rdiff_out)) = rdiff_delta(test, sig, basis()) {
        assert_eq!(code, expected, "{test}: `rdiff delta` exit code");
        if let Some(s) = whole.as_ref().filter(|s| s.block_len() <= 1 << 16) {
            let mut ours = Vec::new();
            librsync_rs::delta(s, basis(), &mut ours, BufferSizes::default()).expect("delta");
            assert_eq!(ours, rdiff_out, "{test}: delta differs from rdiff's");
        }
    }
    whole
}

/// Outputs of a patch row.
struct Patched {
    whole: Vec<u8>,
    streamed: Vec<u8>,
    consumed: usize,
    /// `Job::iter` calls of the streaming run.
    calls: usize,
}

/// Applies `delta` to the 1000-byte basis through both APIs (and `rdiff
/// patch`) and checks the result code; on success all outputs must agree.
fn check_patch(test: &str, delta: &[u8], expected: i32) -> Patched {
    capture_logs();
    let (code, whole) = whole_patch(delta);
    assert_eq!(code, expected, "{test}: librsync_rs::patch");
    let run = stream_patch(test, delta);
    assert_eq!(
        run.code(),
        expected,
        "{test}: streaming patch: {:?}",
        run.result
    );
    if expected == DONE {
        assert_eq!(
            whole, run.output,
            "{test}: whole and streamed outputs differ"
        );
    }
    if let Some((code, out)) = rdiff_patch(test, basis(), delta) {
        assert_eq!(code, expected, "{test}: `rdiff patch` exit code");
        if expected == DONE {
            assert_eq!(out, whole, "{test}: output differs from rdiff's");
        }
    }
    Patched {
        whole,
        streamed: run.output,
        consumed: run.consumed,
        calls: run.calls,
    }
}

// ---------------------------------------------------------------------------
// §5.1 Signature loading
// ---------------------------------------------------------------------------

#[test]
fn s1_empty_signature_is_input_ended() {
    check_sig("s1", &[], INPUT_ENDED);
}

#[test]
fn s2_truncated_header_is_input_ended() {
    for magic in [RK_BLAKE2_MAGIC, MD4_MAGIC] {
        let header = sig_header(magic, 2048, 8);
        for n in 1..12 {
            check_sig(&format!("s2_{magic:08x}_{n}"), &header[..n], INPUT_ENDED);
        }
    }
}

#[test]
fn s3_unknown_magic_with_full_header_is_bad_magic() {
    let mut sig = sig_header(0xdead_beef, 0x800, 0x20);
    check_sig("s3_header", &sig, BAD_MAGIC);
    push_block(&mut sig, 1, 32, 1);
    check_sig("s3_with_block", &sig, BAD_MAGIC);
}

#[test]
fn s4_unknown_magic_with_truncated_header_is_input_ended() {
    let header = sig_header(0xdead_beef, 0x800, 0x20);
    for n in 4..12 {
        check_sig(&format!("s4_{n}"), &header[..n], INPUT_ENDED);
    }
}

#[test]
fn s5_delta_magic_as_signature_is_bad_magic() {
    check_sig("s5", &sig_header(DELTA_MAGIC, 0x800, 0x20), BAD_MAGIC);
}

#[test]
fn s6_magic_zero_is_accepted_as_rk_blake2() {
    let header = sig_header(0, 2048, 32);
    let sig = check_sig("s6_header", &header, DONE).unwrap();
    assert_eq!(
        (
            sig.magic(),
            sig.block_len(),
            sig.strong_len(),
            sig.block_count()
        ),
        (SigMagic::RkBlake2, 2048, 32, 0)
    );

    let mut with_block = header;
    push_block(&mut with_block, 0x1234_5678, 32, 6);
    let sig = check_sig("s6_block", &with_block, DONE).unwrap();
    assert_eq!(
        (
            sig.magic(),
            sig.block_len(),
            sig.strong_len(),
            sig.block_count()
        ),
        (SigMagic::RkBlake2, 2048, 32, 1)
    );
    assert_eq!(sig.weak_sum(0), Some(0x1234_5678)); // RabinKarp: stored as is
}

#[test]
fn s7_block_len_zero_or_negative_is_corrupt() {
    for block_len in [0, 0x8000_0000, 0x8000_0001, 0xffff_ffff] {
        let mut sig = sig_header(RK_BLAKE2_MAGIC, block_len, 32);
        check_sig(&format!("s7_{block_len:08x}"), &sig, CORRUPT);
        push_block(&mut sig, 7, 32, 7);
        check_sig(&format!("s7_{block_len:08x}_block"), &sig, CORRUPT);
    }
    // Checked before the magic: a bad magic with block_len 0 is still 106.
    check_sig("s7_bad_magic", &sig_header(0xdead_beef, 0, 32), CORRUPT);
}

#[test]
fn s8_block_len_i32_max_is_accepted() {
    let header = sig_header(RK_BLAKE2_MAGIC, 0x7fff_ffff, 32);
    let sig = check_sig("s8_header", &header, DONE).unwrap();
    assert_eq!(
        (sig.block_len(), sig.strong_len(), sig.block_count()),
        (0x7fff_ffff, 32, 0)
    );

    let mut with_block = header;
    push_block(&mut with_block, 8, 32, 8);
    let sig = check_sig("s8_block", &with_block, DONE).unwrap();
    assert_eq!(
        (sig.block_len(), sig.strong_len(), sig.block_count()),
        (0x7fff_ffff, 32, 1)
    );

    // A delta against it works (with explicit buffer sizes: the defaults are
    // sized from block_len) and patches back to the new file.
    let new = basis().to_vec();
    let d = within(20, "s8 delta", move || {
        let mut d = Vec::new();
        let sizes = BufferSizes {
            input: 4096,
            output: 4096,
        };
        librsync_rs::delta(&sig, &new[..], &mut d, sizes)
            .expect("delta against block_len 0x7fffffff");
        d
    });
    let mut rebuilt = Vec::new();
    librsync_rs::patch(basis(), &d[..], &mut rebuilt, BufferSizes::default()).unwrap();
    assert_eq!(rebuilt, basis());
}

/// S8's note points at R3: a delta against such a signature must not cost
/// memory (or time) in proportion to block_len when the new file is small.
#[test]
fn s8_delta_with_default_buffer_sizes_does_not_allocate_block_len() {
    let header = sig_header(RK_BLAKE2_MAGIC, 0x7fff_ffff, 32);
    let (sig, _) = librsync_rs::load_signature(&header[..], None).unwrap();
    let d = within(5, "s8 delta with default buffers", move || {
        let mut d = Vec::new();
        librsync_rs::delta(&sig, &b"hello world"[..], &mut d, BufferSizes::default()).unwrap();
        d
    });
    assert_eq!(d, delta_of(b"\x0bhello world\x00"));
}

#[test]
fn s9_strong_len_zero_means_the_maximum() {
    for (magic, full, sig_magic) in [
        (RK_BLAKE2_MAGIC, 32, SigMagic::RkBlake2),
        (BLAKE2_MAGIC, 32, SigMagic::Blake2),
        (MD4_MAGIC, 16, SigMagic::Md4),
        (RK_MD4_MAGIC, 16, SigMagic::RkMd4),
    ] {
        let test = format!("s9_{magic:08x}");
        let mut sig = sig_header(magic, 512, 0);
        // Blocks are read at the full strong length.
        push_block(&mut sig, 1, full, 1);
        push_block(&mut sig, 2, full, 2);
        let loaded = check_sig(&test, &sig, DONE).unwrap();
        assert_eq!(
            (
                loaded.magic(),
                loaded.block_len(),
                loaded.strong_len(),
                loaded.block_count()
            ),
            (sig_magic, 512, full, 2),
            "{test}"
        );
        assert_eq!(
            loaded.strong_sum(1),
            Some(&sig[12 + (4 + full) + 4..]),
            "{test}"
        );
    }
}

#[test]
fn s10_strong_len_too_long_or_negative_is_corrupt() {
    for magic in [RK_BLAKE2_MAGIC, MD4_MAGIC, 0xdead_beef] {
        for strong_len in [33, 0x100, 0x8000_0000, 0xffff_ffff] {
            check_sig(
                &format!("s10_{magic:08x}_{strong_len:x}"),
                &sig_header(magic, 2048, strong_len),
                CORRUPT,
            );
        }
    }
}

#[test]
fn s11_md4_strong_len_over_16_is_param_error() {
    for magic in [MD4_MAGIC, RK_MD4_MAGIC] {
        for strong_len in [17, 24, 32] {
            check_sig(
                &format!("s11_{magic:08x}_{strong_len}"),
                &sig_header(magic, 2048, strong_len),
                PARAM_ERROR,
            );
        }
        // 16 itself is fine.
        check_sig(
            &format!("s11_{magic:08x}_16"),
            &sig_header(magic, 2048, 16),
            DONE,
        );
    }
}

#[test]
fn s12_header_only_gives_no_blocks_and_a_slack_delta() {
    let header = sig_header(RK_BLAKE2_MAGIC, 256, 32);
    let sig = check_sig("s12", &header, DONE).unwrap();
    assert_eq!(
        (sig.block_len(), sig.strong_len(), sig.block_count()),
        (256, 32, 0)
    );

    let mut d = Vec::new();
    librsync_rs::delta(&sig, &b"hello world"[..], &mut d, BufferSizes::default()).unwrap();
    assert_eq!(d, delta_of(b"\x0bhello world\x00"));
    // Against the 1000-byte basis: one literal command per input buffer
    // (rs_delta_file reads block_len = 256 bytes at a time), as in C (the
    // bytes were compared with rdiff's above).
    let mut d = Vec::new();
    librsync_rs::delta(&sig, basis(), &mut d, BufferSizes::default()).unwrap();
    let mut expected = delta_of(&[]);
    for chunk in basis().chunks(256) {
        match chunk.len() {
            n @ 1..=64 => expected.push(n as u8),
            n @ 65..=255 => expected.extend_from_slice(&[0x41, n as u8]),
            n => expected.extend_from_slice(&[0x42, (n >> 8) as u8, n as u8]),
        }
        expected.extend_from_slice(chunk);
    }
    expected.push(0);
    assert_eq!(d, expected);
}

#[test]
fn s13_one_to_three_stray_bytes_after_the_last_block_are_ignored() {
    let real = real_sig(basis(), SigMagic::RkBlake2, 512, 8);
    assert_eq!(real.len(), 12 + 2 * 12);
    let header_only = sig_header(RK_BLAKE2_MAGIC, 512, 8);
    for (base, blocks) in [(&header_only, 0), (&real, 2)] {
        for stray in 1..=3 {
            let mut sig = base.clone();
            sig.extend_from_slice(&[0xa5; 3][..stray]);
            let test = format!("s13_{blocks}_blocks_{stray}");
            take_log();
            let loaded = check_sig(&test, &sig, DONE).unwrap();
            // Silently: nothing is logged (C logs nothing either).
            assert_eq!(take_log(), Vec::<String>::new(), "{test}");
            assert_eq!(
                (
                    loaded.block_len(),
                    loaded.strong_len(),
                    loaded.block_count()
                ),
                (512, 8, blocks),
                "{test}"
            );
        }
    }
}

#[test]
fn s14_incomplete_block_is_input_ended() {
    let real = real_sig(basis(), SigMagic::Md4, 512, 8);
    assert_eq!(real.len(), 12 + 2 * 12);
    // Cut inside the first record (weak complete, strong short) and inside
    // the second one (4 or more bytes of it).
    for len in [
        12 + 4,
        12 + 5,
        12 + 11,
        12 + 12 + 4,
        12 + 12 + 7,
        12 + 12 + 11,
    ] {
        check_sig(&format!("s14_{len}"), &real[..len], INPUT_ENDED);
    }
}

#[test]
fn s15_many_identical_blocks_load_and_a_delta_works() {
    let chunk: Vec<u8> = basis()[..256].to_vec();
    let old: Vec<u8> = chunk.repeat(64);
    let sig_bytes = real_sig(&old, SigMagic::RkBlake2, 256, 16);
    let sig = check_sig("s15", &sig_bytes, DONE).unwrap();
    assert_eq!(
        (sig.block_len(), sig.strong_len(), sig.block_count()),
        (256, 16, 64)
    );
    for i in 1..64 {
        assert_eq!(
            (sig.weak_sum(i), sig.strong_sum(i)),
            (sig.weak_sum(0), sig.strong_sum(0))
        );
    }

    let mut new = old.clone();
    new.splice(5000..5000, b"inserted text".iter().copied());
    new.extend_from_slice(b"and a tail");
    let mut d = Vec::new();
    librsync_rs::delta(&sig, &new[..], &mut d, BufferSizes::default()).unwrap();
    // Every block matches block 0, so each is its own COPY(0, 256).
    assert!(
        d.len() < new.len() / 10,
        "delta of {} bytes should be mostly copies",
        d.len()
    );
    let mut rebuilt = Vec::new();
    librsync_rs::patch(&old[..], &d[..], &mut rebuilt, BufferSizes::default()).unwrap();
    assert_eq!(rebuilt, new);

    if let Some((code, rdiff_d)) = rdiff_delta("s15_new", &sig_bytes, &new) {
        assert_eq!(code, DONE);
        assert_eq!(d, rdiff_d, "s15: delta differs from rdiff's");
    }
}

#[test]
fn s16_many_blocks_with_the_same_weak_sum_load() {
    within(60, "s16", || {
        const N: u32 = 2000;
        let mut sig_bytes = sig_header(RK_BLAKE2_MAGIC, 64, 8);
        for i in 0..N {
            sig_bytes.extend_from_slice(&0x1234_5678u32.to_be_bytes());
            sig_bytes.extend_from_slice(&u64::from(i).to_be_bytes());
        }
        let sig = check_sig("s16", &sig_bytes, DONE).unwrap();
        assert_eq!(sig.block_count(), N as usize);
        let mut d = Vec::new();
        librsync_rs::delta(&sig, basis(), &mut d, BufferSizes::default()).unwrap();
        let mut rebuilt = Vec::new();
        librsync_rs::patch(&b""[..], &d[..], &mut rebuilt, BufferSizes::default()).unwrap();
        assert_eq!(rebuilt, basis());
    });
}

// ---------------------------------------------------------------------------
// §5.2 Delta application
// ---------------------------------------------------------------------------

#[test]
fn p1_empty_delta_is_input_ended() {
    let p = check_patch("p1", &[], INPUT_ENDED);
    assert!(p.streamed.is_empty());
}

#[test]
fn p2_partial_magic_is_input_ended() {
    let magic = DELTA_MAGIC.to_be_bytes();
    for n in 1..4 {
        check_patch(&format!("p2_{n}"), &magic[..n], INPUT_ENDED);
    }
}

#[test]
fn p3_wrong_magic_is_bad_magic() {
    for magic in [
        RK_BLAKE2_MAGIC,
        BLAKE2_MAGIC,
        MD4_MAGIC,
        RK_MD4_MAGIC,
        0xdead_beef,
        0,
    ] {
        let mut d = magic.to_be_bytes().to_vec();
        d.push(0);
        let p = check_patch(&format!("p3_{magic:08x}"), &d, BAD_MAGIC);
        assert!(p.streamed.is_empty());
    }
}

#[test]
fn p4_magic_only_is_input_ended() {
    check_patch("p4", &delta_of(&[]), INPUT_ENDED);
}

#[test]
fn p5_end_only_gives_an_empty_output() {
    let d = delta_of(&[0x00]);
    let p = check_patch("p5", &d, DONE);
    assert!(p.whole.is_empty() && p.streamed.is_empty());
    assert_eq!(p.consumed, 5);

    // END does not need the end-of-input flag.
    let mut job = Job::patch(basis());
    let mut out = [0u8; 16];
    let mut bufs = Buffers::new(&d, &mut out);
    assert_eq!(job.iter(&mut bufs), Ok(Status::Done));
    assert_eq!(bufs.output_produced(), 0);
}

#[test]
fn p6_bytes_after_end_are_left_unconsumed() {
    let d = delta_of(&[0x00, 0x41, 0x09, 0x09]);
    let p = check_patch("p6", &d, DONE);
    assert!(p.whole.is_empty() && p.streamed.is_empty());
    assert_eq!(
        p.consumed, 5,
        "the 1-byte driver must not be asked for the trailing bytes"
    );

    // All in one buffer, with and without eof: the garbage stays in the input.
    for eof in [false, true] {
        let mut job = Job::patch(basis());
        let mut out = [0u8; 16];
        let mut bufs = Buffers::new(&d, &mut out).with_eof(eof);
        assert_eq!(job.iter(&mut bufs), Ok(Status::Done), "eof={eof}");
        assert_eq!(bufs.remaining_input(), &[0x41, 0x09, 0x09], "eof={eof}");
        assert_eq!(bufs.output_produced(), 0);
    }
}

#[test]
fn p7_truncated_literal_is_input_ended_after_streaming_what_there_was() {
    let p = check_patch("p7", &delta_of(b"\x05hel"), INPUT_ENDED);
    assert_eq!(p.streamed, b"hel");
    // rs_patch_file-like runs do not drain their buffer on failure.
    assert!(p.whole.is_empty());
}

#[test]
fn p8_missing_end_is_input_ended_with_complete_output() {
    let p = check_patch(
        "p8",
        &delta_of(b"\x05hello\x4a\x00\x00\x00\x0a"),
        INPUT_ENDED,
    );
    let mut expected = b"hello".to_vec();
    expected.extend_from_slice(&basis()[..10]);
    assert_eq!(p.streamed, expected);

    let p = check_patch("p8_literal_only", &delta_of(b"\x05hello"), INPUT_ENDED);
    assert_eq!(p.streamed, b"hello");
}

#[test]
fn p9_zero_length_literal_is_corrupt() {
    for cmds in [
        &b"\x41\x00"[..],
        b"\x42\x00\x00",
        b"\x43\x00\x00\x00\x00",
        b"\x44\x00\x00\x00\x00\x00\x00\x00\x00",
    ] {
        let mut cmds = cmds.to_vec();
        cmds.extend_from_slice(b"abc\x00");
        check_patch(&format!("p9_{:02x}", cmds[0]), &delta_of(&cmds), CORRUPT);
    }
}

#[test]
fn p10_literal_n8_with_the_top_bit_set_is_corrupt() {
    for len in [
        0x8000_0000_0000_0000u64,
        0xffff_ffff_ffff_ffff,
        0x8000_0000_0000_0005,
    ] {
        let mut cmds = vec![0x44];
        cmds.extend_from_slice(&len.to_be_bytes());
        cmds.extend_from_slice(b"abc\x00");
        check_patch(&format!("p10_{len:016x}"), &delta_of(&cmds), CORRUPT);
    }
}

#[test]
fn p11_huge_literal_streams_its_bytes_then_input_ended() {
    for len in [0x7fff_ffff_ffff_ffffu64, 0x0000_0001_0000_0001] {
        let mut cmds = vec![0x44];
        cmds.extend_from_slice(&len.to_be_bytes());
        cmds.extend_from_slice(b"abc");
        let d = delta_of(&cmds);
        let n = d.len();
        let test = format!("p11_{len:016x}");
        // Must not allocate anything like `len`: that would fail or take
        // far longer than this.
        let p = within(20, &test.clone(), move || {
            check_patch(&test, &d, INPUT_ENDED)
        });
        assert_eq!(p.streamed, b"abc");
        // One call per delta byte (plus one with eof): nothing that grows
        // with `len`.
        assert!(p.calls <= n + 1, "p11: {} calls for {n} bytes", p.calls);
    }
}

#[test]
fn p12_truncated_parameters_are_input_ended() {
    for cmds in [
        &b"\x41"[..],
        b"\x42\x00",
        b"\x43\x00\x01",
        b"\x44\x00\x00\x00\x00\x00\x00\x00",
        b"\x45",
        b"\x45\x00",
        b"\x4f\x00\x00\x00\x00",
        b"\x54\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    ] {
        let p = check_patch(
            &format!("p12_{:02x}_{}", cmds[0], cmds.len()),
            &delta_of(cmds),
            INPUT_ENDED,
        );
        assert!(p.streamed.is_empty());
    }
}

#[test]
fn p13_copy_length_zero_is_corrupt() {
    check_patch("p13", &delta_of(b"\x45\x00\x00\x00"), CORRUPT);
    let mut cmds = vec![0x54];
    cmds.extend_from_slice(&[0; 16]);
    cmds.push(0);
    check_patch("p13_n8", &delta_of(&cmds), CORRUPT);
}

#[test]
fn p14_negative_copy_position_or_length_is_corrupt() {
    let mut neg_pos = vec![0x51];
    neg_pos.extend_from_slice(&u64::MAX.to_be_bytes());
    neg_pos.extend_from_slice(&[0x0a, 0x00]);
    check_patch("p14_pos", &delta_of(&neg_pos), CORRUPT);

    let mut neg_len = vec![0x48, 0x00];
    neg_len.extend_from_slice(&u64::MAX.to_be_bytes());
    neg_len.push(0x00);
    check_patch("p14_len", &delta_of(&neg_len), CORRUPT);

    let mut min_pos = vec![0x51];
    min_pos.extend_from_slice(&0x8000_0000_0000_0000u64.to_be_bytes());
    min_pos.extend_from_slice(&[0x0a, 0x00]);
    check_patch("p14_min_pos", &delta_of(&min_pos), CORRUPT);
}

#[test]
fn p15_copy_beyond_the_basis_is_input_ended() {
    let p = check_patch("p15", &delta_of(b"\x49\x13\x88\x0a\x00"), INPUT_ENDED);
    assert!(p.streamed.is_empty());
}

#[test]
fn p16_copy_at_exactly_the_basis_length_is_input_ended() {
    let p = check_patch("p16", &delta_of(b"\x49\x03\xe8\x01\x00"), INPUT_ENDED);
    assert!(p.streamed.is_empty());
}

#[test]
fn p17_copy_straddling_the_basis_end_copies_the_prefix_then_input_ended() {
    let p = check_patch("p17", &delta_of(b"\x4a\x03\xde\x00\x64\x00"), INPUT_ENDED);
    assert_eq!(p.streamed, &basis()[990..]);
}

#[test]
fn p18_copy_longer_than_the_basis_copies_it_all_then_input_ended() {
    let p = check_patch(
        "p18",
        &delta_of(b"\x4f\x00\x00\x00\x00\x00\x0f\x42\x40\x00"),
        INPUT_ENDED,
    );
    assert_eq!(p.streamed, basis());
}

#[test]
fn p19_copy_at_2_pow_62_is_input_ended_without_overflow() {
    let mut cmds = vec![0x54];
    cmds.extend_from_slice(&(1u64 << 62).to_be_bytes());
    cmds.extend_from_slice(&((1u64 << 62) + 5).to_be_bytes());
    cmds.push(0);
    let d = delta_of(&cmds);

    // In-memory basis: 103 (the Basis-level check runs without rdiff; rdiff
    // uses a stdio basis, checked below).
    let (code, _) = whole_patch(&d);
    assert_eq!(code, INPUT_ENDED, "p19: librsync_rs::patch");
    let run = stream_patch("p19", &d);
    assert_eq!(run.code(), INPUT_ENDED, "p19: streaming: {:?}", run.result);
    assert!(run.output.is_empty());

    // Largest position and length: pos + len overflows i64.
    let mut max = vec![0x54];
    max.extend_from_slice(&(i64::MAX as u64).to_be_bytes());
    max.extend_from_slice(&(i64::MAX as u64).to_be_bytes());
    max.push(0);
    assert_eq!(
        whole_patch(&delta_of(&max)).0,
        INPUT_ENDED,
        "p19: pos = len = i64::MAX"
    );

    // A basis that has data everywhere: the copy streams from 2^63 - 1 on
    // without overflowing.
    struct Endless;
    impl Basis for Endless {
        fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
            for (i, b) in buf.iter_mut().enumerate() {
                *b = (pos.wrapping_add(i as u64) % 251) as u8;
            }
            Ok(buf.len())
        }
    }
    let max_d = delta_of(&max);
    let mut job = Job::patch(Endless);
    let mut at = 0;
    for i in 0..300u64 {
        let mut out = [0u8; 1];
        let mut bufs = Buffers::new(&max_d[at..], &mut out).with_eof(true);
        assert_eq!(job.iter(&mut bufs), Ok(Status::Blocked));
        at += bufs.input_consumed();
        assert_eq!(bufs.produced(), &[((i64::MAX as u64 + i) % 251) as u8]);
    }

    // rdiff reads the basis with fseeko/fread: 100 where the seek fails, 103
    // where it succeeds. Our stdio-like SeekBasis must agree with it.
    if rdiff_available("p19") {
        let dir = Scratch::new("p19_seek");
        let basis_path = dir.file("basis", basis());
        let (rdiff_code, _) = rdiff_patch("p19", basis(), &d).unwrap();
        assert!(
            rdiff_code == IO_ERROR || rdiff_code == INPUT_ENDED,
            "p19: rdiff exit {rdiff_code}"
        );
        let file = std::fs::File::open(&basis_path).unwrap();
        let r = librsync_rs::patch(
            SeekBasis::from_file(file),
            &d[..],
            io::sink(),
            BufferSizes::default(),
        );
        assert_eq!(
            code_of(&r),
            rdiff_code,
            "p19: SeekBasis over a file vs rdiff"
        );
    }
}

#[test]
fn p20_reserved_opcodes_are_corrupt() {
    for op in 0x55..=0xffu8 {
        let test = format!("p20_{op:02x}");
        let d = delta_of(&[op, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let (code, _) = whole_patch(&d);
        assert_eq!(code, CORRUPT, "{test}: librsync_rs::patch");
        let run = stream_patch(&test, &d);
        assert_eq!(run.code(), CORRUPT, "{test}: streaming: {:?}", run.result);
        // A bogus command fails as soon as its byte is read.
        assert_eq!(run.consumed, 5, "{test}");
    }
    // rdiff for a sample (one process per opcode would be slow).
    for op in [0x55u8, 0x56, 0x80, 0xc3, 0xfe, 0xff] {
        check_patch(&format!("p20_rdiff_{op:02x}"), &delta_of(&[op, 0]), CORRUPT);
    }
}

#[test]
fn p21_copy_bomb_is_stopped_by_patch_with_limit() {
    const COPIES: usize = 20;
    let mut cmds = Vec::new();
    for _ in 0..COPIES {
        cmds.extend_from_slice(&[0x4a, 0x00, 0x00, 0x03, 0xe8]); // COPY(0, 1000)
    }
    cmds.push(0);
    let bomb = delta_of(&cmds);
    let full = basis().repeat(COPIES);

    // Plain patch: 0, output 190 times the delta's size (as in C).
    let p = check_patch("p21", &bomb, DONE);
    assert_eq!(p.whole, full);

    // With a limit, streaming with 1-byte buffers: fails once the next
    // command would exceed it, and never writes past it.
    for eof in EOF_MODES {
        let mut job = Job::patch_with_limit(basis(), 4500);
        let run = drive(&mut job, &bomb, eof);
        assert_eq!(
            run.code(),
            CORRUPT,
            "p21 limited ({eof:?}): {:?}",
            run.result
        );
        assert_eq!(run.output, basis().repeat(4));
    }
    // Whole stream with a limit.
    for (limit, expected) in [
        (4500, CORRUPT),
        (19_999, CORRUPT),
        (20_000, DONE),
        (u64::MAX, DONE),
    ] {
        let mut job = Job::patch_with_limit(basis(), limit);
        let mut out = Vec::new();
        let r = librsync_rs::compat::run(
            &mut job,
            &mut &bomb[..],
            Some(&mut out),
            PATCH_BUFFER,
            PATCH_BUFFER,
        );
        assert_eq!(code_of(&r), expected, "p21 whole stream, limit {limit}");
        assert!(out.len() as u64 <= limit);
        if expected == DONE {
            assert_eq!(out, full);
        }
    }
    // Literal data counts too.
    let mut job = Job::patch_with_limit(basis(), 3);
    let run = drive(&mut job, &delta_of(b"\x05hello\x00"), Eof::AfterInput);
    assert_eq!(run.code(), CORRUPT, "p21 literal over the limit");
    assert!(run.output.len() <= 3);
}

// ---------------------------------------------------------------------------
// §5.3 API misuse and zero-length files
// ---------------------------------------------------------------------------

#[test]
fn m2_iter_after_done_with_input_and_output_is_internal_error() {
    // Patch job.
    let d = delta_of(&[0x00]);
    let mut job = Job::patch(basis());
    let mut out = [0u8; 8];
    assert_eq!(
        job.iter(&mut Buffers::new(&d, &mut out).with_eof(true)),
        Ok(Status::Done)
    );
    assert_eq!(
        job.iter(&mut Buffers::new(b"x", &mut out).with_eof(true)),
        Err(Error::Internal)
    );
    assert_eq!(
        job.iter(&mut Buffers::new(b"x", &mut out)),
        Err(Error::Internal)
    );
    assert_eq!(
        job.iter(&mut Buffers::new(b"", &mut out).with_eof(true)),
        Ok(Status::Done)
    );
    assert_eq!(job.iter(&mut Buffers::new(b"", &mut out)), Ok(Status::Done));
    assert_eq!(job.iter(&mut Buffers::new(b"x", &mut [])), Ok(Status::Done));

    // Loadsig job.
    let sig = sig_header(RK_BLAKE2_MAGIC, 2048, 32);
    let mut job = Job::load_signature();
    assert_eq!(
        job.iter(&mut Buffers::new(&sig, &mut out).with_eof(true)),
        Ok(Status::Done)
    );
    assert_eq!(
        job.iter(&mut Buffers::new(b"xyzw", &mut out).with_eof(true)),
        Err(Error::Internal)
    );
    assert_eq!(
        job.iter(&mut Buffers::new(b"", &mut out).with_eof(true)),
        Ok(Status::Done)
    );
    assert!(job.take_signature().is_some());
}

#[test]
fn m3_no_input_and_no_eof_stays_blocked() {
    let mut out = [0u8; 8];
    let mut patch = Job::patch(basis());
    let mut loadsig = Job::load_signature();
    for _ in 0..100 {
        assert_eq!(
            patch.iter(&mut Buffers::new(b"", &mut out)),
            Ok(Status::Blocked)
        );
        assert_eq!(
            loadsig.iter(&mut Buffers::new(b"", &mut out)),
            Ok(Status::Blocked)
        );
    }
    // With no output space the header is still consumed, then Blocked.
    let d = delta_of(&[0x00]);
    let mut bufs = Buffers::new(&d[..4], &mut []);
    assert_eq!(patch.iter(&mut bufs), Ok(Status::Blocked));
    assert_eq!(bufs.input_consumed(), 4);
    for _ in 0..10 {
        assert_eq!(
            patch.iter(&mut Buffers::new(b"", &mut out)),
            Ok(Status::Blocked)
        );
    }
    assert_eq!(
        patch.iter(&mut Buffers::new(&d[4..], &mut out)),
        Ok(Status::Done)
    );

    let sig = sig_header(RK_BLAKE2_MAGIC, 2048, 32);
    let mut bufs = Buffers::new(&sig, &mut []);
    assert_eq!(loadsig.iter(&mut bufs), Ok(Status::Blocked));
    assert_eq!(bufs.input_consumed(), 12);
    assert_eq!(
        loadsig.iter(&mut Buffers::new(b"", &mut out)),
        Ok(Status::Blocked)
    );
    assert_eq!(
        loadsig.iter(&mut Buffers::new(b"", &mut out).with_eof(true)),
        Ok(Status::Done)
    );
}

#[test]
fn m8_empty_files() {
    let expected_sig = [0x72, 0x73, 0x01, 0x47, 0, 0, 1, 0, 0, 0, 0, 0x20];
    let expected_delta = delta_of(&[0x00]);

    let opts = SignatureOptions {
        basis_size: Some(0),
        ..SignatureOptions::default()
    };
    let mut sig_bytes = Vec::new();
    librsync_rs::signature(&b""[..], &mut sig_bytes, &opts).unwrap();
    assert_eq!(sig_bytes, expected_sig);
    // The streaming job with the same parameters, 1-byte buffers.
    let args = librsync_rs::sig_args(0, opts.magic as u32, 0, 0).unwrap();
    let run = drive(
        &mut Job::signature(args.block_len, args.strong_len, args.magic),
        b"",
        Eof::AfterInput,
    );
    assert_eq!((run.code(), &run.output[..]), (DONE, &expected_sig[..]));

    let sig = check_sig("m8_sig", &sig_bytes, DONE).unwrap();
    assert_eq!(
        (sig.block_len(), sig.strong_len(), sig.block_count()),
        (256, 32, 0)
    );
    let mut d = Vec::new();
    librsync_rs::delta(&sig, &b""[..], &mut d, BufferSizes::default()).unwrap();
    assert_eq!(d, expected_delta);

    let p = check_patch("m8_patch", &d, DONE);
    assert!(p.whole.is_empty() && p.streamed.is_empty());
    let mut out = Vec::new();
    librsync_rs::patch(&b""[..], &d[..], &mut out, BufferSizes::default()).unwrap();
    assert!(out.is_empty());
    let run = drive(&mut Job::patch(&b""[..]), &d, Eof::AfterInput);
    assert_eq!((run.code(), run.output.len()), (DONE, 0));

    if rdiff_available("m8") {
        let dir = Scratch::new("m8");
        let empty = dir.file("empty", b"");
        let sig_path = dir.path("sig");
        let (code, rdiff_sig) = run_rdiff(
            &[
                OsStr::new("signature"),
                empty.as_os_str(),
                sig_path.as_os_str(),
            ],
            &sig_path,
        );
        assert_eq!(
            (code, &rdiff_sig[..]),
            (DONE, &expected_sig[..]),
            "m8: rdiff signature"
        );
        let (code, rdiff_d) = rdiff_delta("m8_delta", &sig_bytes, b"").unwrap();
        assert_eq!(
            (code, rdiff_d),
            (DONE, expected_delta.clone()),
            "m8: rdiff delta"
        );
        let (code, rdiff_out) = rdiff_patch("m8_patch_empty", b"", &expected_delta).unwrap();
        assert_eq!((code, rdiff_out.len()), (DONE, 0), "m8: rdiff patch");
    }
}

// ---------------------------------------------------------------------------
// §6 Basis faults and output driving
// ---------------------------------------------------------------------------

/// COPY(0, 5), LITERAL "!", END.
fn small_copy_delta() -> Vec<u8> {
    delta_of(b"\x45\x00\x05\x01!\x00")
}

#[test]
fn f1_basis_returning_no_data_is_input_ended_not_a_hang() {
    struct Empty;
    impl Basis for Empty {
        fn read_at(&mut self, _pos: u64, _buf: &mut [u8]) -> io::Result<usize> {
            Ok(0)
        }
    }
    within(20, "f1", || {
        let d = small_copy_delta();
        let mut out = Vec::new();
        let r = librsync_rs::patch(Empty, &d[..], &mut out, BufferSizes::default());
        assert_eq!(code_of(&r), INPUT_ENDED, "f1: librsync_rs::patch");
        for eof in EOF_MODES {
            let run = drive(&mut Job::patch(Empty), &d, eof);
            assert_eq!(
                run.code(),
                INPUT_ENDED,
                "f1: streaming ({eof:?}): {:?}",
                run.result
            );
            assert!(run.output.is_empty());
        }
    });
}

#[test]
fn f2_basis_errors_are_propagated() {
    struct Failing(fn() -> io::Error);
    impl Basis for Failing {
        fn read_at(&mut self, _pos: u64, _buf: &mut [u8]) -> io::Result<usize> {
            Err((self.0)())
        }
    }
    let cases: [(fn() -> io::Error, i32); 4] = [
        (
            || io::Error::new(io::ErrorKind::PermissionDenied, "no"),
            IO_ERROR,
        ),
        (|| Error::Io(None).into_io(), IO_ERROR),
        (|| Error::Corrupt.into_io(), CORRUPT),
        (|| Error::Other(77).into_io(), 77),
    ];
    let d = small_copy_delta();
    for (make, expected) in cases {
        let mut out = Vec::new();
        let r = librsync_rs::patch(Failing(make), &d[..], &mut out, BufferSizes::default());
        assert_eq!(code_of(&r), expected, "f2: librsync_rs::patch");
        for eof in EOF_MODES {
            let run = drive(&mut Job::patch(Failing(make)), &d, eof);
            assert_eq!(
                run.code(),
                expected,
                "f2: streaming ({eof:?}): {:?}",
                run.result
            );
        }
    }
}

#[test]
fn f3_basis_claiming_more_than_requested_is_clamped() {
    struct Boastful;
    impl Basis for Boastful {
        fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
            let n = basis().read_at(pos, buf)?;
            Ok(if n == 0 { 0 } else { buf.len() + 7 })
        }
    }
    // COPY(10, 100), LITERAL "!", END.
    let d = delta_of(b"\x4a\x00\x0a\x00\x64\x01!\x00");
    let mut expected = basis()[10..110].to_vec();
    expected.push(b'!');
    take_log();
    let mut out = Vec::new();
    librsync_rs::patch(Boastful, &d[..], &mut out, BufferSizes::default()).unwrap();
    assert_eq!(out, expected);
    let warned = |log: Vec<String>| {
        log.iter()
            .any(|l| l.contains("Warning: ") && l.contains("more than the requested length"))
    };
    assert!(
        warned(take_log()),
        "f3: the clamp must be logged as a warning"
    );
    for eof in EOF_MODES {
        let run = drive(&mut Job::patch(Boastful), &d, eof);
        assert_eq!(run.code(), DONE, "f3 ({eof:?}): {:?}", run.result);
        assert_eq!(run.output, expected);
        assert!(
            warned(take_log()),
            "f3 ({eof:?}): the clamp must be logged as a warning"
        );
    }
}

#[test]
fn f4_blocking_basis_then_no_progress_is_internal_error() {
    struct Blocking;
    impl Basis for Blocking {
        fn read_at(&mut self, _pos: u64, _buf: &mut [u8]) -> io::Result<usize> {
            Err(io::ErrorKind::WouldBlock.into())
        }
    }
    let d = small_copy_delta();
    let mut job = Job::patch(Blocking);
    let mut out = [0u8; 16];
    let mut bufs = Buffers::new(&d, &mut out).with_eof(true);
    assert_eq!(job.iter(&mut bufs), Ok(Status::Blocked));
    let at = bufs.input_consumed();
    assert_eq!(at, 7);
    assert_eq!(bufs.output_produced(), 0);
    // Input and output left, and nothing moves: librsync #258.
    let mut out = [0u8; 16];
    assert_eq!(
        job.iter(&mut Buffers::new(&d[at..], &mut out).with_eof(true)),
        Err(Error::Internal)
    );
    // The whole-stream driver gets the same.
    let r = librsync_rs::patch(Blocking, &d[..], io::sink(), BufferSizes::default());
    assert_eq!(code_of(&r), INTERNAL);

    // A basis that blocks once and then delivers: the retry makes progress.
    struct BlocksOnce(bool);
    impl Basis for BlocksOnce {
        fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
            if !self.0 {
                self.0 = true;
                return Err(io::ErrorKind::WouldBlock.into());
            }
            basis().read_at(pos, buf)
        }
    }
    let mut job = Job::patch(BlocksOnce(false));
    let mut out = [0u8; 16];
    let mut bufs = Buffers::new(&d, &mut out).with_eof(true);
    assert_eq!(job.iter(&mut bufs), Ok(Status::Blocked));
    let at = bufs.input_consumed();
    let mut out = [0u8; 16];
    let mut bufs = Buffers::new(&d[at..], &mut out).with_eof(true);
    assert_eq!(job.iter(&mut bufs), Ok(Status::Done));
    let mut expected = basis()[..5].to_vec();
    expected.push(b'!');
    assert_eq!(bufs.produced(), expected);
}

#[test]
fn f5_basis_serving_from_its_own_buffer_in_short_reads() {
    /// Copies from its own storage, at most 3 bytes per call.
    struct OwnBuffer(Vec<u8>);
    impl Basis for OwnBuffer {
        fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
            let start = usize::try_from(pos).unwrap_or(usize::MAX).min(self.0.len());
            let src = &self.0[start..];
            let n = src.len().min(buf.len()).min(3);
            buf[..n].copy_from_slice(&src[..n]);
            Ok(n)
        }
    }
    // COPY(100, 50), COPY(0, 20), END.
    let d = delta_of(b"\x45\x64\x32\x45\x00\x14\x00");
    let mut expected = basis()[100..150].to_vec();
    expected.extend_from_slice(&basis()[..20]);
    let mut out = Vec::new();
    librsync_rs::patch(
        OwnBuffer(basis().to_vec()),
        &d[..],
        &mut out,
        BufferSizes::default(),
    )
    .unwrap();
    assert_eq!(out, expected);
    for eof in EOF_MODES {
        let run = drive(&mut Job::patch(OwnBuffer(basis().to_vec())), &d, eof);
        assert_eq!(run.code(), DONE, "f5 ({eof:?}): {:?}", run.result);
        assert_eq!(run.output, expected);
    }
}

#[test]
fn f9_one_byte_of_output_per_call() {
    // COPY(0, 10), LITERAL "hello", END: 15 bytes in 15 calls.
    let d = delta_of(b"\x45\x00\x0a\x05hello\x00");
    let mut expected = basis()[..10].to_vec();
    expected.extend_from_slice(b"hello");

    let mut job = Job::patch(basis());
    let mut output = Vec::new();
    let mut at = 0;
    let mut calls = 0;
    loop {
        let mut out = [0u8; 1];
        let mut bufs = Buffers::new(&d[at..], &mut out).with_eof(true);
        let status = job.iter(&mut bufs).expect("f9 patch");
        calls += 1;
        at += bufs.input_consumed();
        output.extend_from_slice(bufs.produced());
        if status == Status::Done {
            break;
        }
        assert!(calls < 100, "f9: no end after {calls} calls");
    }
    assert_eq!(output, expected);
    assert_eq!(calls, 15);
    assert_eq!(at, d.len());

    check_patch("f9", &d, DONE);
}
