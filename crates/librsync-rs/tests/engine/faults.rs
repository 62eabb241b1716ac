//! I/O faults on every read and write path of the Rust API (bad-inputs.md
//! F2, F6, F7): a writer that fails after N bytes (N over a range), a
//! reader that fails after N bytes, a [`Basis`] that fails mid-copy, for
//! the whole-stream helpers (`signature`, `load_signature`, `delta`,
//! `patch`) and the `io` adapters (pull and push).
//!
//! Every fault must end in `RS_IO_ERROR` (code 100), the whole-stream
//! helpers must log C's message for it (`rs_outfilebuf_drain`,
//! `rs_infilebuf_fill`, `rs_file_copy_cb`, or `rs_job_complete` for a
//! basis error), what was written must be the start of the right output,
//! and nothing may be written after the error: no write after the failing
//! write or read, and none by a failed adapter called again. The adapters
//! return the inner reader's or writer's own `io::Error` (same OS error).

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::bad_inputs::take_log;
use crate::common::Rng;
use librsync_rs::io::{
    DeltaReader, DeltaWriter, PatchReader, PatchWriter, SignatureReader, SignatureWriter,
};
use librsync_rs::{
    delta, load_signature, patch, signature, Basis, BufferSizes, Error, SeekBasis, SigMagic,
    Signature, SignatureOptions, StrongLen,
};

/// `ENOSPC`, what a full disk gives.
const ENOSPC: i32 = 28;
/// `EIO`, what a failing disk gives.
const EIO: i32 = 5;

/// The error a full disk gives.
fn enospc() -> io::Error {
    io::Error::from_raw_os_error(ENOSPC)
}

/// The error a failing disk gives.
fn eio() -> io::Error {
    io::Error::from_raw_os_error(EIO)
}

/// C's log line for a failed write of the whole-stream helpers.
const DRAIN_FAILED: &str =
    "librsync: ERROR: (rs_outfilebuf_drain) error draining buf to file: No space left on device\n";
/// C's log line for a failed read of the whole-stream helpers.
const FILL_FAILED: &str =
    "librsync: ERROR: (rs_infilebuf_fill) error filling buf from file: Input/output error\n";

/// A writer that takes `limit` bytes, then fails with `ENOSPC` until
/// [`heal`](Self::heal)ed. It counts writes made after its last failure
/// (`late_writes`) and notes how many read failures `reads_failed` (shared
/// with a [`FailingReader`] or [`FailingBasis`]) had counted at its last
/// write.
struct FailingWriter {
    out: Vec<u8>,
    limit: usize,
    failed: bool,
    late_writes: usize,
    reads_failed: Arc<AtomicUsize>,
    reads_failed_at_last_write: usize,
}

impl FailingWriter {
    /// A writer failing after `limit` bytes, noting `reads_failed`.
    fn new(limit: usize, reads_failed: Arc<AtomicUsize>) -> FailingWriter {
        FailingWriter {
            out: Vec::new(),
            limit,
            failed: false,
            late_writes: 0,
            reads_failed,
            reads_failed_at_last_write: 0,
        }
    }

    /// Takes everything from now on (the fault was transient).
    fn heal(&mut self) {
        self.limit = usize::MAX;
        self.failed = false;
    }

    /// Whether the last write came before the last read failure, that is,
    /// nothing was written after the read error that ended the run.
    fn quiet_after_read_error(&self) -> bool {
        self.out.is_empty()
            || self.reads_failed_at_last_write < self.reads_failed.load(Ordering::SeqCst)
    }
}

impl Write for FailingWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.failed {
            self.late_writes += 1;
        }
        self.reads_failed_at_last_write = self.reads_failed.load(Ordering::SeqCst);
        if data.is_empty() {
            return Ok(0);
        }
        let room = self.limit.saturating_sub(self.out.len());
        if room == 0 {
            self.failed = true;
            return Err(enospc());
        }
        let n = room.min(data.len());
        self.out.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A reader over `data` that gives `limit` bytes, then fails with `EIO`
/// on every read (counting them in `failures`) until healed.
struct FailingReader<'a> {
    data: &'a [u8],
    pos: usize,
    limit: usize,
    failures: Arc<AtomicUsize>,
}

impl<'a> FailingReader<'a> {
    /// A reader of `data` failing after `limit` bytes, counting failures.
    fn new(data: &'a [u8], limit: usize, failures: Arc<AtomicUsize>) -> FailingReader<'a> {
        FailingReader {
            data,
            pos: 0,
            limit,
            failures,
        }
    }

    /// Reads everything from now on (the fault was transient).
    fn heal(&mut self) {
        self.limit = usize::MAX;
    }
}

impl Read for FailingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let end = self.data.len().min(self.limit);
        if self.pos >= end && self.pos < self.data.len() {
            self.failures.fetch_add(1, Ordering::SeqCst);
            return Err(eio());
        }
        let n = buf.len().min(end.saturating_sub(self.pos));
        if n == 0 {
            return Ok(0);
        }
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl io::Seek for FailingReader<'_> {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        match to {
            io::SeekFrom::Start(p) => self.pos = p as usize,
            _ => unreachable!("SeekBasis seeks from the start"),
        }
        Ok(self.pos as u64)
    }
}

/// A basis over `data` whose reads at or past `fail_at` fail with `EIO`
/// (counted in `failures`); a read that starts before it is cut short
/// there.
struct FailingBasis<'a> {
    data: &'a [u8],
    fail_at: u64,
    failures: Arc<AtomicUsize>,
}

impl Basis for FailingBasis<'_> {
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        if pos >= self.fail_at {
            self.failures.fetch_add(1, Ordering::SeqCst);
            return Err(eio());
        }
        let end = (self.fail_at as usize).min(self.data.len());
        let start = pos as usize;
        if start >= end {
            return Ok(0);
        }
        let n = buf.len().min(end - start);
        buf[..n].copy_from_slice(&self.data[start..start + n]);
        Ok(n)
    }
}

/// The test data and the right outputs, made without faults.
struct Fixture {
    basis: Vec<u8>,
    new: Vec<u8>,
    opts: SignatureOptions,
    sig_bytes: Vec<u8>,
    sig: Signature,
    delta: Vec<u8>,
}

/// A 150 kB text basis, an edited new file with 60 kB of random data
/// appended, and their signature (RabinKarp + BLAKE2, 256-byte blocks) and
/// delta.
fn fixture() -> Fixture {
    let mut rng = Rng::new(4711);
    let basis = rng.text(150_000);
    let mut new = rng.mutate(&basis, 20);
    new.extend(rng.bytes(60_000));
    let opts = SignatureOptions::new()
        .magic(SigMagic::RkBlake2)
        .block_len(256)
        .strong_len(StrongLen::Max);
    let mut sig_bytes = Vec::new();
    signature(&basis[..], &mut sig_bytes, &opts).unwrap();
    let (sig, _) = load_signature(&sig_bytes[..], None).unwrap();
    let mut d = Vec::new();
    delta(&sig, &new[..], &mut d, BufferSizes::default()).unwrap();
    take_log();
    Fixture {
        basis,
        new,
        opts,
        sig_bytes,
        sig,
        delta: d,
    }
}

/// Byte counts at which faults are injected for an output or input of
/// `len` bytes: the first bytes, buffer boundaries, the end.
fn fault_points(len: usize) -> Vec<usize> {
    let mut at = vec![
        0, 1, 3, 4, 5, 11, 12, 13, 100, 255, 256, 257, 4095, 4096, 4097, 16384, 65535, 65536,
        65537, 100_000,
    ];
    at.extend([len / 2, len.saturating_sub(1)]);
    at.retain(|&n| n < len);
    at.sort_unstable();
    at.dedup();
    at
}

/// Checks a failed run: code 100, `written` is the start of `want`,
/// nothing written after the error (`quiet`), and (for the whole-stream
/// helpers) C's log line.
fn check_failure(
    what: &str,
    code: i32,
    written: &[u8],
    want: &[u8],
    quiet: bool,
    log: Option<&[&str]>,
) {
    assert_eq!(code, 100, "{what}: result");
    assert!(
        written.len() <= want.len() && written == &want[..written.len()],
        "{what}: wrote {} bytes that are not the start of the output",
        written.len()
    );
    assert!(quiet, "{what}: written to after the error");
    let lines = take_log();
    if let Some(want) = log {
        assert_eq!(lines, want, "{what}: log");
    }
}

/// Which whole-stream operation writes.
#[derive(Clone, Copy, Debug)]
enum Op {
    Signature,
    Delta,
    Patch,
}

/// Runs `op` on the fixture's inputs into `out`, reading its main input
/// through `input` (`None`: from memory).
fn run_op(
    f: &Fixture,
    op: Op,
    input: Option<&mut (dyn Read + Send)>,
    out: &mut dyn Write,
) -> librsync_rs::Result<()> {
    let sizes = BufferSizes::default();
    match op {
        Op::Signature => match input {
            Some(r) => signature(r, out, &f.opts).map(drop),
            None => signature(&f.basis[..], out, &f.opts).map(drop),
        },
        Op::Delta => match input {
            Some(r) => delta(&f.sig, r, out, sizes).map(drop),
            None => delta(&f.sig, &f.new[..], out, sizes).map(drop),
        },
        Op::Patch => match input {
            Some(r) => patch(&f.basis[..], r, out, sizes).map(drop),
            None => patch(&f.basis[..], &f.delta[..], out, sizes).map(drop),
        },
    }
}

impl Fixture {
    /// The right output of `op`, and its main input.
    fn of(&self, op: Op) -> (&[u8], &[u8]) {
        match op {
            Op::Signature => (&self.sig_bytes, &self.basis),
            Op::Delta => (&self.delta, &self.new),
            Op::Patch => (&self.new, &self.delta),
        }
    }
}

/// The result code of `r`, 0 for success.
fn code_of<T>(r: &librsync_rs::Result<T>) -> i32 {
    r.as_ref().map_or_else(|e| e.code(), |_| 0)
}

#[test]
fn whole_stream_writers_failing_after_n_bytes() {
    let f = fixture();
    let mut runs = 0;
    for op in [Op::Signature, Op::Delta, Op::Patch] {
        let (want, _) = f.of(op);
        for n in fault_points(want.len()) {
            let mut w = FailingWriter::new(n, Arc::default());
            let r = run_op(&f, op, None, &mut w);
            let what = format!("{op:?} to a writer failing after {n} bytes");
            let quiet = w.late_writes == 0;
            check_failure(
                &what,
                code_of(&r),
                &w.out,
                want,
                quiet,
                Some(&[DRAIN_FAILED]),
            );
            assert_eq!(w.out.len(), n, "{what}: bytes taken");
            runs += 1;
        }
        // And with room for all of it: no error.
        let mut w = FailingWriter::new(want.len(), Arc::default());
        run_op(&f, op, None, &mut w).unwrap();
        assert_eq!(w.out, want);
        assert!(take_log().is_empty());
    }
    println!("{runs} failing writers: all RS_IO_ERROR, prefixes, C's message");
}

#[test]
fn whole_stream_readers_failing_mid_stream() {
    let f = fixture();
    let mut runs = 0;
    for op in [Op::Signature, Op::Delta, Op::Patch] {
        let (want, input) = f.of(op);
        for n in fault_points(input.len()) {
            // As C's fread, a read that gives data and then fails gives the
            // data; the next one fails and ends the run.
            let failures = Arc::new(AtomicUsize::new(0));
            let mut r = FailingReader::new(input, n, failures.clone());
            let mut w = FailingWriter::new(usize::MAX, failures);
            let result = run_op(&f, op, Some(&mut r), &mut w);
            let what = format!("{op:?} reading input failing after {n} bytes");
            let quiet = w.quiet_after_read_error();
            check_failure(
                &what,
                code_of(&result),
                &w.out,
                want,
                quiet,
                Some(&[FILL_FAILED]),
            );
            assert_eq!(
                r.pos, n,
                "{what}: all of the input before the error is read"
            );
            runs += 1;
        }
    }
    for n in fault_points(f.sig_bytes.len()) {
        let mut r = FailingReader::new(&f.sig_bytes, n, Arc::default());
        let result = load_signature(&mut r, Some(f.sig_bytes.len() as u64));
        let what = format!("load_signature failing after {n} bytes");
        check_failure(
            &what,
            code_of(&result),
            &[],
            &[],
            true,
            Some(&[FILL_FAILED]),
        );
        runs += 1;
    }
    println!("{runs} failing readers: all RS_IO_ERROR, prefixes, C's message");
}

#[test]
fn basis_failing_mid_copy() {
    let f = fixture();
    let mut runs = 0;
    let job_failed = "librsync: ERROR: (rs_job_complete) patch job failed: IO error\n";
    // Faults well before the end: the delta copies from there on (the last
    // bytes of the basis may be edited away).
    for n in fault_points(f.basis.len() - 1000) {
        let what = format!("patch with a basis failing at {n}");
        let failures = Arc::new(AtomicUsize::new(0));
        let basis = FailingBasis {
            data: &f.basis,
            fail_at: n as u64,
            failures: failures.clone(),
        };
        let mut w = FailingWriter::new(usize::MAX, failures);
        let r = patch(basis, &f.delta[..], &mut w, BufferSizes::default());
        let quiet = w.quiet_after_read_error();
        check_failure(
            &what,
            code_of(&r),
            &w.out,
            &f.new,
            quiet,
            Some(&[job_failed]),
        );

        // The same through SeekBasis, which logs as rs_file_copy_cb.
        let failures = Arc::new(AtomicUsize::new(0));
        let basis = SeekBasis::new(FailingReader::new(&f.basis, n, failures.clone()));
        let mut w = FailingWriter::new(usize::MAX, failures);
        let r = patch(basis, &f.delta[..], &mut w, BufferSizes::default());
        let quiet = w.quiet_after_read_error();
        let read_error = "librsync: ERROR: (rs_file_copy_cb) read error: Input/output error\n";
        let log = [read_error, job_failed];
        check_failure(&what, code_of(&r), &w.out, &f.new, quiet, Some(&log));

        // A basis error fails the adapters for good: the job failed.
        let basis = FailingBasis {
            data: &f.basis,
            fail_at: n as u64,
            failures: Arc::default(),
        };
        let mut reader = PatchReader::new(basis, &f.delta[..]);
        let (out, e) = read_until_error(&mut reader);
        check_failure(&what, Error::from_io(e).code(), &out, &f.new, true, None);
        assert!(
            reader.read(&mut [0; 100]).is_err(),
            "a failed reader stays failed"
        );

        let failures = Arc::new(AtomicUsize::new(0));
        let basis = FailingBasis {
            data: &f.basis,
            fail_at: n as u64,
            failures: failures.clone(),
        };
        let mut writer = PatchWriter::new(basis, FailingWriter::new(usize::MAX, failures));
        let r = crate::common::chunked::write_in_steps(&mut writer, &f.delta, 4096)
            .map_err(Error::from_io)
            .and_then(|()| writer.try_finish());
        assert_eq!(code_of(&r), 100, "{what} (PatchWriter)");
        let late = writer.write(b"more").is_ok() || writer.try_finish().is_ok();
        assert!(!late, "{what}: a failed writer stays failed");
        let inner = writer.into_inner();
        let quiet = inner.quiet_after_read_error();
        check_failure(&what, 100, &inner.out, &f.new, quiet, None);
        take_log();
        runs += 4;
    }
    println!("{runs} failing bases: all RS_IO_ERROR, prefixes, C's messages");
}

/// Reads `r` until it fails; returns what it gave and the error.
fn read_until_error(mut r: impl Read) -> (Vec<u8>, io::Error) {
    let mut out = Vec::new();
    let e = r.read_to_end(&mut out).expect_err("the read must fail");
    (out, e)
}

/// A pull adapter over a [`FailingReader`], boxed.
type Pull<'a> = Box<dyn Read + 'a>;

#[test]
fn pull_adapters_with_failing_readers() {
    // The inner reader's error comes back as it was (code 100 through
    // `Error::from_io`), after a prefix of the output; the adapter keeps
    // what it read, so once the reader works again (a transient fault)
    // the output goes on and ends complete and right.
    let f = fixture();
    let mut runs = 0;
    for op in [Op::Signature, Op::Delta, Op::Patch] {
        let (want, input) = f.of(op);
        for n in fault_points(input.len()) {
            let what = format!("{op:?} reader over input failing after {n} bytes");
            let failing = std::cell::RefCell::new(FailingReader::new(input, n, Arc::default()));
            let inner = ReadRef(&failing);
            let mut adapter: Pull = match op {
                Op::Signature => Box::new(SignatureReader::new(inner, &f.opts).unwrap()),
                Op::Delta => Box::new(DeltaReader::new(&f.sig, inner).unwrap()),
                Op::Patch => Box::new(PatchReader::new(&f.basis[..], inner)),
            };
            let (mut out, e) = read_until_error(&mut adapter);
            assert_eq!(e.kind(), eio().kind(), "{what}: {e:?}");
            check_failure(&what, Error::from_io(e).code(), &out, want, true, None);
            failing.borrow_mut().heal();
            adapter.read_to_end(&mut out).unwrap();
            assert!(out == want, "{what}: output after the reader healed");
            runs += 1;
        }
    }
    println!("{runs} pull adapters over failing readers: the reader's error, then resumed");
}

/// A reader that reads through a shared [`FailingReader`] (so the test
/// can heal it while an adapter holds this).
struct ReadRef<'r, 'a>(&'r std::cell::RefCell<FailingReader<'a>>);

impl Read for ReadRef<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.borrow_mut().read(buf)
    }
}

#[test]
fn push_adapters_with_failing_writers() {
    // The inner writer's error comes back as it was, with nothing written
    // after it in that call and a prefix of the output written; the
    // adapter keeps its output, so once the writer works again the stream
    // goes on and ends complete and right.
    let f = fixture();
    let mut runs = 0;
    for op in [Op::Signature, Op::Delta, Op::Patch] {
        let (want, input) = f.of(op);
        for n in fault_points(want.len()) {
            for step in [1000, 1 << 20] {
                let w = FailingWriter::new(n, Arc::default());
                let what = format!("{op:?} writer failing after {n} bytes, input steps {step}");
                let inner = match op {
                    Op::Signature => push(SignatureWriter::new(w, &f.opts).unwrap(), input, step),
                    Op::Delta => push(DeltaWriter::new(&f.sig, w).unwrap(), input, step),
                    Op::Patch => push(PatchWriter::new(&f.basis[..], w), input, step),
                };
                assert!(inner.out == want, "{what}: output after the writer healed");
                runs += 1;
            }
        }
    }
    println!("{runs} push adapters over failing writers: the writer's error, then resumed");
}

/// What a push adapter needs for [`push`].
trait Push: Write {
    /// The inner writer.
    type Inner;
    /// `try_finish`.
    fn end(&mut self) -> librsync_rs::Result<()>;
    /// `get_mut`.
    fn inner_mut(&mut self) -> &mut Self::Inner;
    /// `into_inner`.
    fn inner(self) -> Self::Inner;
}

/// Implements [`Push`] for the push adapters.
macro_rules! push_impl {
    ($($ty:ty),*) => {$(
        impl<W: Write> Push for $ty {
            type Inner = W;
            fn end(&mut self) -> librsync_rs::Result<()> {
                self.try_finish()
            }
            fn inner_mut(&mut self) -> &mut W {
                self.get_mut()
            }
            fn inner(self) -> W {
                self.into_inner()
            }
        }
    )*};
}

push_impl!(SignatureWriter<W>, DeltaWriter<'_, W>, PatchWriter<'_, W>);

/// Writes `input` to the adapter in writes of at most `step` bytes and
/// finishes it. The first error (there must be one) is checked: the inner
/// writer's `ENOSPC`, a prefix written, no write after it; then the inner
/// writer is healed and the stream resumed from where the failed call
/// left it. Returns the inner writer.
fn push<P: Push<Inner = FailingWriter>>(mut p: P, input: &[u8], step: usize) -> FailingWriter {
    let mut pos = 0;
    let mut failed = false;
    let mut on_error = |p: &mut P, e: io::Error| {
        assert!(!failed, "a second error: {e:?}");
        failed = true;
        assert_eq!(e.kind(), enospc().kind(), "{e:?}");
        assert_eq!(Error::from_io(e).code(), 100);
        let w = p.inner_mut();
        assert_eq!(w.late_writes, 0, "written after the error");
        w.heal();
    };
    while pos < input.len() {
        let end = (pos + step).min(input.len());
        match p.write(&input[pos..end]) {
            Ok(n) => pos += n,
            Err(e) => on_error(&mut p, e),
        }
    }
    if let Err(e) = p.end() {
        on_error(&mut p, e.into_io());
        p.end().unwrap();
    }
    assert!(failed, "no error");
    p.inner()
}
