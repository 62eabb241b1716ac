//! Bad inputs, API misuse and basis faults (docs `bad-inputs.md` §5.1, §5.2,
//! §5.3 M2/M3/M8 and §6 F1–F5/F9).
//!
//! Every row of the catalogue (`librsync_rs_scenarios::catalogue`) is run
//! through
//! * the whole-stream API (`librsync_rs::load_signature`, `librsync_rs::patch`
//!   with the catalogue's 1000-byte in-memory basis), and
//! * the streaming API, driving `Job::process` with 1-byte input and 1-byte
//!   output buffers (twice: once setting the end-of-input flag on the call
//!   that carries the last byte, once only on a later call with no input);
//!
//! must give the row's result code (and output, where the row gives one),
//! and, where Debian's `rdiff` is installed, `rdiff delta` / `rdiff patch`
//! must exit with the same code (its exit code is the `rs_result`) and the
//! same delta or output. The tests are named after the rows they run.

use std::cell::RefCell;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Once, OnceLock};
use std::time::Duration;

use crate::common::bytes::*;
use crate::common::catalogue::{self, BadInput};
use crate::common::{reference_rdiff, run_rdiff};
use crate::{drive_bytewise as drive, Eof, Run, EOF_MODES};
use librsync_rs::compat::PATCH_BUFFER;
use librsync_rs::{
    Basis, BufferSizes, Buffers, Error, ErrorKind, Job, SeekBasis, SigMagic, Signature,
    SignatureOptions, Status, StrongLen,
};

// ---------------------------------------------------------------------------
// The catalogue and helpers
// ---------------------------------------------------------------------------

/// The catalogue's 1000-byte basis of every patch case.
fn basis() -> &'static [u8] {
    capture_logs();
    static BASIS: OnceLock<Vec<u8>> = OnceLock::new();
    BASIS.get_or_init(catalogue::basis)
}

/// A real signature of `data`, made by the library.
pub(crate) fn real_sig(data: &[u8], magic: u32, block_len: u32, strong_len: u32) -> Vec<u8> {
    let opts = SignatureOptions {
        magic: SigMagic::from_u32(magic).expect("a signature magic"),
        block_len: Some(block_len as usize),
        strong_len: StrongLen::from_c(strong_len as i64),
        basis_size: Some(data.len() as u64),
        buffers: BufferSizes::default(),
        threads: 1,
    };
    let mut sig = Vec::new();
    librsync_rs::signature(data, &mut sig, &opts).expect("signature of test data");
    sig
}

/// The signature rows of `id`.
fn sig_rows_of(id: &str) -> Vec<BadInput> {
    capture_logs();
    let rows: Vec<BadInput> = catalogue::bad_signatures(&real_sig)
        .into_iter()
        .filter(|r| r.id == id)
        .collect();
    assert!(!rows.is_empty(), "no catalogue rows for {id}");
    rows
}

/// The delta rows of `id`.
fn delta_rows_of(id: &str) -> Vec<BadInput> {
    capture_logs();
    let rows: Vec<BadInput> = catalogue::bad_deltas()
        .into_iter()
        .filter(|r| r.id == id)
        .collect();
    assert!(!rows.is_empty(), "no catalogue rows for {id}");
    rows
}

/// Runs every signature row of `id` ([`check_sig`]); returns the rows and
/// the signatures that loaded.
fn sig_rows(id: &str) -> Vec<(BadInput, Option<Signature>)> {
    sig_rows_of(id)
        .into_iter()
        .map(|row| {
            let sig = check_sig(&row.name(), &row.bytes, row.code);
            (row, sig)
        })
        .collect()
}

/// Runs every delta row of `id` ([`check_patch_row`]).
fn delta_rows(id: &str) -> Vec<(BadInput, Patched)> {
    delta_rows_of(id)
        .into_iter()
        .map(|row| {
            let p = check_patch_row(&row);
            (row, p)
        })
        .collect()
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
/// [`take_log`]. The helpers call it, so that it is installed before any
/// test reaches the library.
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
pub(crate) fn take_log() -> Vec<String> {
    capture_logs();
    LOG.with(|log| std::mem::take(&mut *log.borrow_mut()))
}

/// Runs `f` on another thread and fails the test if it takes longer than
/// `secs` (a hang inside one `Job::process` call cannot be caught otherwise).
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

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let name: String = test
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(40)
            .collect();
        Scratch(crate::common::scratch(&format!(
            "bad_inputs-{name}-{}",
            SEQ.fetch_add(1, Ordering::Relaxed)
        )))
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

/// Runs Debian's rdiff with `args`; returns its exit code and the contents
/// of `out` (empty if it wrote none), or `None` without rdiff.
fn rdiff_run(args: &[&Path], out: &Path) -> Option<(i32, Vec<u8>)> {
    let rdiff = reference_rdiff()?;
    let args: Vec<&str> = args.iter().map(|p| p.to_str().unwrap()).collect();
    let result = run_rdiff(rdiff, &args);
    let code = result.status.code().unwrap_or_else(|| {
        panic!(
            "rdiff {args:?} died: {:?}; stderr: {}",
            result.status,
            String::from_utf8_lossy(&result.stderr)
        )
    });
    Some((code, std::fs::read(out).unwrap_or_default()))
}

/// `rdiff delta SIG NEW OUT`: exit code and delta, or `None` without rdiff.
fn rdiff_delta(test: &str, sig: &[u8], new: &[u8]) -> Option<(i32, Vec<u8>)> {
    let dir = Scratch::new(test);
    let (sig, new, out) = (dir.file("sig", sig), dir.file("new", new), dir.path("out"));
    rdiff_run(&[Path::new("delta"), &sig, &new, &out], &out)
}

/// `rdiff patch BASIS DELTA OUT`: exit code and output, or `None` without
/// rdiff.
fn rdiff_patch(test: &str, basis: &[u8], delta: &[u8]) -> Option<(i32, Vec<u8>)> {
    let dir = Scratch::new(test);
    let (basis, delta, out) = (
        dir.file("basis", basis),
        dir.file("delta", delta),
        dir.path("out"),
    );
    rdiff_run(&[Path::new("patch"), &basis, &delta, &out], &out)
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
#[derive(Debug)]
struct Patched {
    whole: Vec<u8>,
    streamed: Vec<u8>,
    consumed: usize,
    /// `Job::process` calls of the streaming run.
    calls: usize,
}

/// Applies `delta` to the 1000-byte basis through both APIs (and, when
/// `rdiff_code` is given, `rdiff patch`) and checks the result code; on
/// success all outputs must agree.
fn check_patch_with(test: &str, delta: &[u8], expected: i32, rdiff_code: Option<i32>) -> Patched {
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
    if let Some(rdiff_code) = rdiff_code {
        if let Some((code, out)) = rdiff_patch(test, basis(), delta) {
            assert_eq!(code, rdiff_code, "{test}: `rdiff patch` exit code");
            if rdiff_code == DONE {
                assert_eq!(out, whole, "{test}: output differs from rdiff's");
            }
        }
    }
    Patched {
        whole,
        streamed: run.output,
        consumed: run.consumed,
        calls: run.calls,
    }
}

fn check_patch(test: &str, delta: &[u8], expected: i32) -> Patched {
    check_patch_with(test, delta, expected, Some(expected))
}

/// [`check_patch_with`] for a catalogue row, and the outputs it gives.
fn check_patch_row(row: &BadInput) -> Patched {
    let test = row.name();
    let p = check_patch_with(&test, &row.bytes, row.code, row.rdiff_code);
    if let Some(streamed) = &row.streamed {
        assert_eq!(&p.streamed, streamed, "{test}: streamed output");
    }
    if let Some(whole) = &row.whole {
        assert_eq!(&p.whole, whole, "{test}: whole-stream output");
    }
    if let Some(consumed) = row.consumed {
        assert_eq!(
            p.consumed, consumed,
            "{test}: the 1-byte driver must not be asked for more"
        );
    }
    p
}

// ---------------------------------------------------------------------------
// §5.1 Signature loading
// ---------------------------------------------------------------------------

#[test]
fn s1_empty_signature_is_input_ended() {
    sig_rows("S1");
}

#[test]
fn s2_truncated_header_is_input_ended() {
    sig_rows("S2");
}

#[test]
fn s3_unknown_magic_with_full_header_is_bad_magic() {
    sig_rows("S3");
}

#[test]
fn s4_unknown_magic_with_truncated_header_is_input_ended() {
    sig_rows("S4");
}

#[test]
fn s5_delta_magic_as_signature_is_bad_magic() {
    sig_rows("S5");
}

#[test]
fn s6_magic_zero_is_accepted_as_rk_blake2() {
    let rows = sig_rows("S6");
    let shape = |s: &Signature| (s.magic(), s.block_len(), s.strong_len(), s.block_count());
    let header = rows[0].1.as_ref().unwrap();
    assert_eq!(shape(header), (SigMagic::RkBlake2, 2048, 32, 0));
    let with_block = rows[1].1.as_ref().unwrap();
    assert_eq!(shape(with_block), (SigMagic::RkBlake2, 2048, 32, 1));
    assert_eq!(with_block.weak_sum(0), Some(0x1234_5678)); // RabinKarp: stored as is
    for (row, sig) in &rows[2..] {
        assert_eq!(
            sig.as_ref().unwrap().magic(),
            SigMagic::RkBlake2,
            "{}",
            row.name()
        );
    }
}

#[test]
fn s7_block_len_zero_or_negative_is_corrupt() {
    // Including a bad magic with block_len 0: checked before the magic.
    sig_rows("S7");
}

#[test]
fn s8_block_len_i32_max_is_accepted() {
    let mut rows = sig_rows("S8");
    let shape = |s: &Signature| (s.block_len(), s.strong_len(), s.block_count());
    assert_eq!(shape(rows[0].1.as_ref().unwrap()), (0x7fff_ffff, 32, 0));
    let at = rows
        .iter()
        .position(|(r, _)| r.case == "one block")
        .unwrap();
    let sig = rows[at].1.take().unwrap();
    assert_eq!(shape(&sig), (0x7fff_ffff, 32, 1));

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
    let rows = sig_rows("S9");
    for ((row, loaded), (magic, full)) in rows.iter().zip([
        (SigMagic::RkBlake2, 32),
        (SigMagic::Blake2, 32),
        (SigMagic::Md4, 16),
        (SigMagic::RkMd4, 16),
    ]) {
        let loaded = loaded.as_ref().unwrap();
        let test = row.name();
        assert_eq!(
            (
                loaded.magic(),
                loaded.block_len(),
                loaded.strong_len(),
                loaded.block_count()
            ),
            (magic, 512, full, 2),
            "{test}"
        );
        // Blocks are read at the full strong length.
        assert_eq!(
            loaded.strong_sum(1),
            Some(&row.bytes[12 + (4 + full) + 4..]),
            "{test}"
        );
    }
}

#[test]
fn s10_strong_len_too_long_or_negative_is_corrupt() {
    sig_rows("S10");
}

#[test]
fn s11_md4_strong_len_over_16_is_param_error() {
    // 16 itself is fine.
    sig_rows("S11");
}

#[test]
fn s12_header_only_gives_no_blocks_and_a_slack_delta() {
    let rows = sig_rows("S12");
    let sig = rows[0].1.as_ref().unwrap();
    assert_eq!(
        (sig.block_len(), sig.strong_len(), sig.block_count()),
        (256, 32, 0)
    );

    let mut d = Vec::new();
    librsync_rs::delta(sig, &b"hello world"[..], &mut d, BufferSizes::default()).unwrap();
    assert_eq!(d, delta_of(b"\x0bhello world\x00"));
    // Against the 1000-byte basis: one literal command per input buffer
    // (rs_delta_file reads block_len = 256 bytes at a time), as in C (the
    // bytes were compared with rdiff's above).
    let mut d = Vec::new();
    librsync_rs::delta(sig, basis(), &mut d, BufferSizes::default()).unwrap();
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
    for row in sig_rows_of("S13") {
        let test = row.name();
        take_log();
        let loaded = check_sig(&test, &row.bytes, row.code).unwrap();
        // Silently: nothing is logged (C logs nothing either).
        assert_eq!(take_log(), Vec::<String>::new(), "{test}");
        let record = 4 + loaded.strong_len();
        assert_eq!(
            loaded.block_count(),
            (row.bytes.len() - 12) / record,
            "{test}"
        );
        assert!(
            (1..=3).contains(&((row.bytes.len() - 12) % record)),
            "{test}"
        );
    }
}

#[test]
fn s14_incomplete_block_is_input_ended() {
    sig_rows("S14");
}

#[test]
fn s15_many_identical_blocks_load_and_a_delta_works() {
    let rows = sig_rows("S15");
    let (row, sig) = &rows[0];
    let sig = sig.as_ref().unwrap();
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

    let old: Vec<u8> = basis()[..256].repeat(64);
    let mut new = old.clone();
    new.splice(5000..5000, b"inserted text".iter().copied());
    new.extend_from_slice(b"and a tail");
    let mut d = Vec::new();
    librsync_rs::delta(sig, &new[..], &mut d, BufferSizes::default()).unwrap();
    // Every block matches block 0, so each is its own COPY(0, 256).
    assert!(
        d.len() < new.len() / 10,
        "delta of {} bytes should be mostly copies",
        d.len()
    );
    let mut rebuilt = Vec::new();
    librsync_rs::patch(&old[..], &d[..], &mut rebuilt, BufferSizes::default()).unwrap();
    assert_eq!(rebuilt, new);

    if let Some((code, rdiff_d)) = rdiff_delta("s15_new", &row.bytes, &new) {
        assert_eq!(code, DONE);
        assert_eq!(d, rdiff_d, "s15: delta differs from rdiff's");
    }
}

#[test]
fn s16_many_blocks_with_the_same_weak_sum_load() {
    within(60, "s16", || {
        let rows = sig_rows("S16");
        for (row, sig) in rows {
            let sig = sig.unwrap();
            let record = 4 + sig.strong_len();
            assert_eq!(sig.block_count(), (row.bytes.len() - 12) / record);
            let mut d = Vec::new();
            librsync_rs::delta(&sig, basis(), &mut d, BufferSizes::default()).unwrap();
            let mut rebuilt = Vec::new();
            librsync_rs::patch(&b""[..], &d[..], &mut rebuilt, BufferSizes::default()).unwrap();
            assert_eq!(rebuilt, basis(), "{}", row.name());
        }
    });
}

/// Not rows of the table: real signatures, and real ones with a flipped
/// weak or strong sum (they load; only the matches change).
#[test]
fn x_other_signatures() {
    sig_rows("X");
}

// ---------------------------------------------------------------------------
// §5.2 Delta application
// ---------------------------------------------------------------------------

#[test]
fn p1_empty_delta_is_input_ended() {
    delta_rows("P1");
}

#[test]
fn p2_partial_magic_is_input_ended() {
    delta_rows("P2");
}

#[test]
fn p3_wrong_magic_is_bad_magic() {
    delta_rows("P3");
}

#[test]
fn p4_magic_only_is_input_ended() {
    delta_rows("P4");
}

#[test]
fn p5_end_only_gives_an_empty_output() {
    delta_rows("P5");
    // END does not need the end-of-input flag.
    let d = delta_of(&[0x00]);
    let mut job = Job::patch(basis());
    let mut out = [0u8; 16];
    let mut bufs = Buffers::new(&d, &mut out);
    assert_eq!(job.process(&mut bufs), Ok(Status::Done));
    assert_eq!(bufs.output_produced(), 0);
}

#[test]
fn p6_bytes_after_end_are_left_unconsumed() {
    let rows = delta_rows("P6");
    let d = &rows[0].0.bytes;
    // All in one buffer, with and without eof: the garbage stays in the input.
    for eof in [false, true] {
        let mut job = Job::patch(basis());
        let mut out = [0u8; 16];
        let mut bufs = Buffers::new(d, &mut out).with_eof(eof);
        assert_eq!(job.process(&mut bufs), Ok(Status::Done), "eof={eof}");
        assert_eq!(bufs.remaining_input(), &[0x41, 0x09, 0x09], "eof={eof}");
        assert_eq!(bufs.output_produced(), 0);
    }
}

#[test]
fn p7_truncated_literal_is_input_ended_after_streaming_what_there_was() {
    // rs_patch_file-like runs do not drain their buffer on failure.
    delta_rows("P7");
}

#[test]
fn p8_missing_end_is_input_ended_with_complete_output() {
    delta_rows("P8");
}

#[test]
fn p9_zero_length_literal_is_corrupt() {
    delta_rows("P9");
}

#[test]
fn p10_literal_n8_with_the_top_bit_set_is_corrupt() {
    delta_rows("P10");
}

#[test]
fn p11_huge_literal_streams_its_bytes_then_input_ended() {
    // Must not allocate anything like the length: that would fail or take
    // far longer than this.
    let rows = within(20, "p11", || delta_rows("P11"));
    for (row, p) in rows {
        // One call per delta byte (plus one with eof): nothing that grows
        // with the length.
        let n = row.bytes.len();
        assert!(
            p.calls <= n + 1,
            "{}: {} calls for {n} bytes",
            row.name(),
            p.calls
        );
    }
}

#[test]
fn p12_truncated_parameters_are_input_ended() {
    delta_rows("P12");
}

#[test]
fn p13_copy_length_zero_is_corrupt() {
    delta_rows("P13");
}

#[test]
fn p14_negative_copy_position_or_length_is_corrupt() {
    delta_rows("P14");
}

#[test]
fn p15_copy_beyond_the_basis_is_input_ended() {
    delta_rows("P15");
}

#[test]
fn p16_copy_at_exactly_the_basis_length_is_input_ended() {
    delta_rows("P16");
}

#[test]
fn p17_copy_straddling_the_basis_end_copies_the_prefix_then_input_ended() {
    delta_rows("P17");
}

#[test]
fn p18_copy_longer_than_the_basis_copies_it_all_then_input_ended() {
    delta_rows("P18");
}

/// Not rows of the table: valid deltas, cuts of a real one, a COPY made
/// bad in it.
#[test]
fn x_other_deltas() {
    delta_rows("X");
}

#[test]
fn p19_copy_at_2_pow_62_is_input_ended_without_overflow() {
    let mut cmds = vec![0x54];
    cmds.extend_from_slice(&(1u64 << 62).to_be_bytes());
    cmds.extend_from_slice(&((1u64 << 62) + 5).to_be_bytes());
    cmds.push(0);
    let d = delta_of(&cmds);
    // The rows (in-memory basis: 103; rdiff's code is checked below).
    delta_rows("P19");

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
        assert_eq!(job.process(&mut bufs), Ok(Status::Blocked));
        at += bufs.input_consumed();
        assert_eq!(bufs.produced(), &[((i64::MAX as u64 + i) % 251) as u8]);
    }

    // rdiff reads the basis with fseeko/fread: 100 where the seek fails, 103
    // where it succeeds. Our stdio-like SeekBasis must agree with it.
    if reference_rdiff().is_some() {
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
    // The rows, with rdiff, for a sample (one process per opcode would be
    // slow).
    delta_rows("P20");
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
    delta_rows("P21");

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
        job.process(&mut Buffers::new(&d, &mut out).with_eof(true)),
        Ok(Status::Done)
    );
    assert_eq!(
        job.process(&mut Buffers::new(b"x", &mut out).with_eof(true)),
        Err(Error::new(ErrorKind::Internal))
    );
    assert_eq!(
        job.process(&mut Buffers::new(b"x", &mut out)),
        Err(Error::new(ErrorKind::Internal))
    );
    assert_eq!(
        job.process(&mut Buffers::new(b"", &mut out).with_eof(true)),
        Ok(Status::Done)
    );
    assert_eq!(
        job.process(&mut Buffers::new(b"", &mut out)),
        Ok(Status::Done)
    );
    assert_eq!(
        job.process(&mut Buffers::new(b"x", &mut [])),
        Ok(Status::Done)
    );

    // Loadsig job.
    let sig = sig_header(RK_BLAKE2_MAGIC, 2048, 32);
    let mut job = Job::load_signature();
    assert_eq!(
        job.process(&mut Buffers::new(&sig, &mut out).with_eof(true)),
        Ok(Status::Done)
    );
    assert_eq!(
        job.process(&mut Buffers::new(b"xyzw", &mut out).with_eof(true)),
        Err(Error::new(ErrorKind::Internal))
    );
    assert_eq!(
        job.process(&mut Buffers::new(b"", &mut out).with_eof(true)),
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
            patch.process(&mut Buffers::new(b"", &mut out)),
            Ok(Status::Blocked)
        );
        assert_eq!(
            loadsig.process(&mut Buffers::new(b"", &mut out)),
            Ok(Status::Blocked)
        );
    }
    // With no output space the header is still consumed, then Blocked.
    let d = delta_of(&[0x00]);
    let mut bufs = Buffers::new(&d[..4], &mut []);
    assert_eq!(patch.process(&mut bufs), Ok(Status::Blocked));
    assert_eq!(bufs.input_consumed(), 4);
    for _ in 0..10 {
        assert_eq!(
            patch.process(&mut Buffers::new(b"", &mut out)),
            Ok(Status::Blocked)
        );
    }
    assert_eq!(
        patch.process(&mut Buffers::new(&d[4..], &mut out)),
        Ok(Status::Done)
    );

    let sig = sig_header(RK_BLAKE2_MAGIC, 2048, 32);
    let mut bufs = Buffers::new(&sig, &mut []);
    assert_eq!(loadsig.process(&mut bufs), Ok(Status::Blocked));
    assert_eq!(bufs.input_consumed(), 12);
    assert_eq!(
        loadsig.process(&mut Buffers::new(b"", &mut out)),
        Ok(Status::Blocked)
    );
    assert_eq!(
        loadsig.process(&mut Buffers::new(b"", &mut out).with_eof(true)),
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
    let args = opts.resolve().unwrap();
    let run = drive(
        &mut Job::signature(args.magic, args.block_len, args.strong_len),
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

    if reference_rdiff().is_some() {
        let dir = Scratch::new("m8");
        let empty = dir.file("empty", b"");
        let sig_path = dir.path("sig");
        let (code, rdiff_sig) =
            rdiff_run(&[Path::new("signature"), &empty, &sig_path], &sig_path).unwrap();
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
        (|| Error::new(ErrorKind::Io).into_io(), IO_ERROR),
        (|| Error::new(ErrorKind::Corrupt).into_io(), CORRUPT),
        (|| Error::new(ErrorKind::Other(77)).into_io(), 77),
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
    assert_eq!(job.process(&mut bufs), Ok(Status::Blocked));
    let at = bufs.input_consumed();
    assert_eq!(at, 7);
    assert_eq!(bufs.output_produced(), 0);
    // Input and output left, and nothing moves: librsync #258.
    let mut out = [0u8; 16];
    assert_eq!(
        job.process(&mut Buffers::new(&d[at..], &mut out).with_eof(true)),
        Err(Error::new(ErrorKind::Internal))
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
    assert_eq!(job.process(&mut bufs), Ok(Status::Blocked));
    let at = bufs.input_consumed();
    let mut out = [0u8; 16];
    let mut bufs = Buffers::new(&d[at..], &mut out).with_eof(true);
    assert_eq!(job.process(&mut bufs), Ok(Status::Done));
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
        let status = job.process(&mut bufs).expect("f9 patch");
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
