//! Targets over the engine's Rust API.

use std::io::{self, Read, Seek, SeekFrom, Write};

use arbitrary::Unstructured;
use librsync_rs::io::{
    delta_of, load_signature_of, patch_of, patch_of_limited, signature_of, DeltaReader,
    PatchReader, SignatureReader, SignatureWriter,
};
use librsync_rs::ops::{ops, DeltaDecoder, DeltaEncoder, DeltaOp, DeltaPiece};
use librsync_rs::{
    compat, Basis, BufferSizes, Job, SeekBasis, SigMagic, Signature, SignatureOptions, SizedBasis,
    StrongLen, DELTA_MAGIC, MAX_STRONG_SUM_LENGTH,
};

use crate::drive::{drive, pattern, split, End, Schedule};

/// Output cap for patches (COPY bombs): a few times the largest output a
/// small delta over a small basis makes in practice.
const MAX_PATCH_OUT: usize = 4 << 20;

/// `Ok(())` or the error's code.
fn code<T>(r: &librsync_rs::Result<T>) -> Result<(), i32> {
    r.as_ref().map(|_| ()).map_err(|e| e.code())
}

/// Panics unless two signatures hold the same format, lengths and sums.
pub fn assert_same_signature(a: &Signature, b: &Signature) {
    assert_eq!(a.magic(), b.magic());
    assert_eq!(a.block_len(), b.block_len());
    assert_eq!(a.strong_len(), b.strong_len());
    assert_eq!(a.block_count(), b.block_count());
    for i in 0..a.block_count() {
        assert_eq!(a.weak_sum(i), b.weak_sum(i), "weak sum of block {i}");
        assert_eq!(a.strong_sum(i), b.strong_sum(i), "strong sum of block {i}");
    }
}

/// A magic from one byte: the four formats, 0 (the default) or garbage.
pub fn magic_from(b: u8, garbage: u32) -> u32 {
    match b % 6 {
        0..=3 => SigMagic::ALL[b as usize % 4] as u32,
        4 => 0,
        _ => garbage,
    }
}

/// Raw `rs_sig_begin` parameters from `u`: any magic (0 and unknown ones
/// too), block lengths 0 to 4096, strong lengths 0 to 39 or the minimum
/// (`usize::MAX`); now and then 2^32 more on the block or strong length,
/// which C keeps as an `int` (so the low 32 bits count). Never a length
/// that is negative as an `int` (C aborts: DEVIATIONS.md).
pub fn raw_sig_params(u: &mut Unstructured<'_>) -> (u32, usize, usize) {
    let mb: u8 = u.arbitrary().unwrap_or(0);
    let garbage: u32 = u.arbitrary().unwrap_or(0);
    let magic = magic_from(mb, garbage);
    let mut block_len = u.int_in_range(0..=4096u16).unwrap_or(0) as usize;
    let s: u8 = u.arbitrary().unwrap_or(0);
    let mut strong_len = if s == 255 {
        usize::MAX
    } else {
        s as usize % 40
    };
    match u.arbitrary::<u8>().unwrap_or(0) % 8 {
        6 => block_len += 1 << 32,
        7 if strong_len != usize::MAX => strong_len += 1 << 32,
        _ => {}
    }
    (magic, block_len, strong_len)
}

/// Loads `bytes` as a signature with the one-shot helper, the whole-stream
/// helper (with and without a size) and a streaming job over `sched`;
/// all must agree. Returns the signature if it loaded.
pub fn load_all_ways(bytes: &[u8], sched: &Schedule, size_hint: i64) -> Option<Signature> {
    let one_shot = load_signature_of(bytes);
    let whole = librsync_rs::load_signature(bytes, None).map(|(s, _)| s);
    let sized = librsync_rs::load_signature(bytes, Some(size_hint.unsigned_abs())).map(|(s, _)| s);
    let mut job = Job::load_signature();
    if size_hint >= 0 {
        job.set_signature_size(size_hint);
    }
    let run = drive(&mut job, bytes, sched, usize::MAX);
    assert!(run.out.is_empty(), "loadsig wrote output");
    let streamed = match run.end {
        End::Done => Ok(job
            .take_signature()
            .expect("a done loadsig job has a signature")),
        End::Failed(c) => Err(c),
        End::Capped => unreachable!(),
    };
    let expect = code(&one_shot);
    assert_eq!(code(&whole), expect, "whole-stream loadsig");
    assert_eq!(code(&sized), expect, "sized loadsig");
    assert_eq!(
        streamed.as_ref().map(|_| ()).map_err(|c| *c),
        expect,
        "streamed loadsig"
    );
    let sig = one_shot.ok()?;
    for other in [&whole.unwrap(), &sized.unwrap(), &streamed.unwrap()] {
        assert_same_signature(&sig, other);
    }
    Some(sig)
}

/// Deltas of `new` against `sig` three ways (one-shot, pull adapter,
/// streaming job over `sched`); all must agree, byte for byte when the
/// signature has blocks (a slack delta depends on chunking). Returns the
/// one-shot delta.
pub fn delta_all_ways(sig: &Signature, new: &[u8], sched: &Schedule) -> Vec<u8> {
    let one_shot = delta_of(sig, new);
    let mut pulled = Vec::new();
    let pull = DeltaReader::new(sig, new).and_then(|mut r| {
        r.read_to_end(&mut pulled)
            .map_err(librsync_rs::Error::from_io)
    });
    let mut job = Job::delta(sig);
    let run = drive(&mut job, new, sched, usize::MAX);
    assert_eq!(run.end, End::Done, "streamed delta");
    let d = one_shot.unwrap_or_else(|e| panic!("delta failed: {e}"));
    pull.unwrap_or_else(|e| panic!("delta reader failed: {e}"));
    if sig.block_count() > 0 {
        assert_eq!(pulled, d, "pull adapter delta");
        assert_eq!(run.out, d, "streamed delta");
    }
    for delta in [&d, &pulled, &run.out] {
        check_delta_shape(sig, new.len(), delta);
    }
    d
}

/// The match statistics `run` adds to `sig`'s, and what it returns.
fn with_match_stats<T>(sig: &Signature, run: impl FnOnce() -> T) -> (T, [i64; 5]) {
    let counts = |m: librsync_rs::MatchStats| {
        [
            m.find_count,
            m.match_count,
            m.hashcmp_count,
            m.entrycmp_count,
            m.calc_strong_count,
        ]
    };
    let before = counts(sig.match_stats());
    let value = run();
    let after = counts(sig.match_stats());
    (value, std::array::from_fn(|i| after[i] - before[i]))
}

/// The parallel delta, with 2 or 3 threads and segments of one block up
/// to a third of the input (so that inputs of a few KiB make several),
/// writes `one_shot` and counts the statistics and match statistics of
/// the single-threaded whole-stream delta (for signatures with blocks).
fn parallel_delta_agrees(sig: &Signature, new: &[u8], one_shot: &[u8], fail: &ReadFailure) {
    if sig.block_count() == 0 {
        return;
    }
    parallel_delta_fails_alike(sig, new, one_shot, fail);
    // Buffer sizes do not change a delta's bytes.
    let (in_len, out_len) = (1 << 16, 1 << 16);
    let (single, single_counts) = with_match_stats(sig, || {
        let mut out = Vec::new();
        let stats = librsync_rs::delta(sig, new, &mut out, BufferSizes::default());
        (out, stats.expect("delta"))
    });
    assert_eq!(single.0, one_shot, "whole-stream delta");
    let (threads, segment) = threads_and_chunk(new.len(), sig.block_len());
    let (many, many_counts) = with_match_stats(sig, || {
        let mut job = Job::delta(sig);
        let mut out = Vec::new();
        compat::run_delta_in(
            &mut job,
            &mut &new[..],
            &mut out,
            in_len,
            out_len,
            threads,
            segment,
        )
        .expect("parallel delta");
        (out, job.stats().clone())
    });
    assert!(
        many.0 == one_shot,
        "parallel delta ({threads} threads, segments of {segment})"
    );
    assert_eq!(
        without_times(&many.1),
        without_times(&single.1),
        "parallel delta statistics"
    );
    assert_eq!(
        many_counts, single_counts,
        "parallel delta match statistics"
    );
}

/// A thread count (2 or 3) and a piece or segment length (one byte, so
/// one block; a few blocks; or a third of the input) for a parallel run
/// over `len` bytes in blocks of `block_len`: inputs of a few KiB make
/// several pieces.
fn threads_and_chunk(len: usize, block_len: usize) -> (usize, usize) {
    let chunk = match len % 3 {
        0 => 1,
        1 => block_len * (1 + len % 7),
        _ => len / 3 + 1,
    };
    (2 + len % 2, chunk)
}

/// Statistics without their clock times.
fn without_times(s: &librsync_rs::Stats) -> librsync_rs::Stats {
    librsync_rs::Stats {
        start: 0,
        end: 0,
        ..s.clone()
    }
}

/// Where a reader fails: after `at` bytes (taken modulo the input's length
/// plus one), in reads of at most `max_read` bytes; and the buffer sizes of
/// the single-threaded run it fails.
pub struct ReadFailure {
    at: usize,
    max_read: usize,
    in_len: usize,
    out_len: usize,
}

impl ReadFailure {
    /// A failure drawn from `u`.
    pub fn arbitrary(u: &mut Unstructured<'_>) -> ReadFailure {
        let mut int = || 1 + u.arbitrary::<u16>().unwrap_or(0) as usize;
        ReadFailure {
            at: int(),
            max_read: int(),
            in_len: int(),
            out_len: int(),
        }
    }

    /// A reader of `data` that fails this way.
    fn reader<'a>(&self, data: &'a [u8]) -> FailingReader<'a> {
        FailingReader {
            data,
            left: self.at % (data.len() + 1),
            max_read: self.max_read,
        }
    }
}

/// A reader that fails after `left` bytes, in reads of at most
/// `max_read` bytes.
struct FailingReader<'a> {
    data: &'a [u8],
    left: usize,
    max_read: usize,
}

impl Read for FailingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("scripted read failure"));
        }
        let n = buf.len().min(self.left).min(self.max_read);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.left -= n;
        Ok(n)
    }
}

/// A run of a signature or delta job over a failing reader: `(threads,
/// chunk, in_len, out_len, input, output)`.
type FailingRun<'r> = &'r dyn Fn(
    usize,
    usize,
    usize,
    usize,
    &mut FailingReader<'_>,
    &mut Vec<u8>,
) -> librsync_rs::Result<()>;

/// After a read error (`fail`) in `data`, every run fails with an I/O
/// error having written a prefix of `whole`: one thread with the failure's
/// buffer sizes, and one thread with the default sizes `defaults` (when C
/// has them) and `threads` threads in chunks of `chunk`, which write the
/// same (DEVIATIONS.md, threads).
fn fails_alike(
    what: &str,
    data: &[u8],
    whole: &[u8],
    fail: &ReadFailure,
    defaults: Option<(usize, usize)>,
    (threads, chunk): (usize, usize),
    run: FailingRun<'_>,
) {
    let written = |threads, chunk, in_len, out_len| {
        let mut out = Vec::new();
        let e = run(
            threads,
            chunk,
            in_len,
            out_len,
            &mut fail.reader(data),
            &mut out,
        )
        .expect_err("the reader fails");
        assert_eq!(e.kind(), librsync_rs::ErrorKind::Io, "failing {what}: {e}");
        assert!(
            whole.starts_with(&out),
            "failing {what} on {threads} threads: not a prefix of the whole output"
        );
        out
    };
    written(1, 1, fail.in_len, fail.out_len);
    let Some((in_len, out_len)) = defaults else {
        return;
    };
    let one = written(1, 1, in_len, out_len);
    let many = written(threads, chunk, 1 << 16, 1 << 16);
    assert!(
        many == one,
        "failing {what}: {threads} threads wrote {} bytes, one thread {}",
        many.len(),
        one.len()
    );
}

/// After a read error, the parallel delta (2 or 3 threads, segments as in
/// [`parallel_delta_agrees`]) has written what one thread writes
/// ([`fails_alike`]).
fn parallel_delta_fails_alike(sig: &Signature, new: &[u8], whole: &[u8], fail: &ReadFailure) {
    // (C's default sizes fail for blocks from about 2^29 bytes up.)
    let defaults = compat::delta_buffers(sig, BufferSizes::default()).ok();
    let parallel = threads_and_chunk(new.len(), sig.block_len());
    fails_alike(
        "delta",
        new,
        whole,
        fail,
        defaults,
        parallel,
        &|threads, segment, i, o, input, out| {
            let mut job = Job::delta(sig);
            compat::run_delta_in(&mut job, input, out, i, o, threads, segment)
        },
    );
}

/// The parallel signature of `basis` (2 or 3 threads, pieces of one block
/// up to a third of the input) writes `whole`, the whole-stream
/// signature, and counts what one thread counts; after a read error, it
/// has written what one thread writes.
fn parallel_signature_agrees(p: &SigParams, basis: &[u8], whole: &[u8], fail: &ReadFailure) {
    let run = |threads, piece| {
        let mut job = Job::signature(p.magic, p.block_len, p.strong_len);
        let mut out = Vec::new();
        let (in_len, out_len) = (1 << 16, 1 << 16);
        compat::run_signature_in(
            &mut job,
            &mut &basis[..],
            &mut out,
            in_len,
            out_len,
            threads,
            piece,
        )
        .expect("signature");
        (out, without_times(job.stats()))
    };
    let single = run(1, 1);
    assert!(single.0 == whole, "single-threaded signature");
    let (threads, piece) = threads_and_chunk(basis.len(), p.block_len);
    let many = run(threads, piece);
    assert!(
        many.0 == whole,
        "parallel signature ({threads} threads, pieces of {piece})"
    );
    assert_eq!(many.1, single.1, "parallel signature statistics");

    let args = compat::sig_args(-1, p.magic as u32, p.block_len, p.strong_len).expect("valid");
    let defaults = compat::signature_buffers(&args, BufferSizes::default()).ok();
    fails_alike(
        "signature",
        basis,
        whole,
        fail,
        defaults,
        (threads, piece),
        &|threads, piece, i, o, input, out| {
            let mut job = Job::signature(p.magic, p.block_len, p.strong_len);
            compat::run_signature_in(&mut job, input, out, i, o, threads, piece)
        },
    );
}

/// Panics unless `delta` is a well-formed delta that makes `new_len` bytes
/// and copies only from blocks of `sig`.
fn check_delta_shape(sig: &Signature, new_len: usize, delta: &[u8]) {
    let covered = sig.block_count() as u64 * sig.block_len() as u64;
    let mut total = 0u64;
    let mut iter = ops(delta);
    for op in iter.by_ref() {
        let op = op.unwrap_or_else(|e| panic!("our delta does not decode: {e}"));
        if let DeltaOp::Copy { pos, len } = op {
            assert!(pos % sig.block_len() as u64 == 0, "COPY not at a block");
            assert!(pos + len <= covered, "COPY past the signature's blocks");
        }
        total += op.output_len();
    }
    assert!(iter.trailing().is_empty(), "bytes after END");
    assert_eq!(total, new_len as u64, "delta output length");
    // Decode and encode give back every delta the engine writes.
    let ops: Vec<_> = ops(delta).map(|o| o.unwrap()).collect();
    let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
    for op in &ops {
        enc.write_op(op).unwrap();
    }
    assert_eq!(enc.finish().unwrap(), delta, "decode + encode");
}

/// `loadsig`: arbitrary bytes as a signature, loaded every way; if it
/// loads, its index is built and a small delta runs against it.
pub fn loadsig(data: &[u8]) {
    let (cfg, sig_bytes) = split(data, 24);
    let mut u = Unstructured::new(&cfg);
    let sched = Schedule::arbitrary(&mut u);
    let hint: i16 = u.arbitrary().unwrap_or(-1);
    let new_len = u.int_in_range(0..=3000u16).unwrap_or(0) as usize;
    let seed: u64 = u.arbitrary().unwrap_or(0);
    let Some(mut sig) = load_all_ways(sig_bytes, &sched, hint as i64) else {
        return;
    };
    assert!(sig.build_index().is_ok() || sig.block_count() > 0);
    let _ = sig.format_match_stats();
    if sig.block_count() <= 64 {
        let _ = sig.dump_lines();
    }
    // The new file: the signature's own bytes, then a pattern.
    let mut new = sig_bytes[..sig_bytes.len().min(new_len)].to_vec();
    new.extend(pattern(seed, new_len - new.len()));
    delta_all_ways(&sig, &new, &sched);
}

/// `delta`: an arbitrary signature and new data.
pub fn delta(data: &[u8]) {
    let (cfg, rest) = split(data, 24);
    let mut u = Unstructured::new(&cfg);
    let sched = Schedule::arbitrary(&mut u);
    let sig_len = u.arbitrary::<u16>().unwrap_or(0) as usize;
    let (sig_bytes, new) = rest.split_at(sig_len.min(rest.len()));
    let Ok(sig) = load_signature_of(sig_bytes) else {
        return;
    };
    let fail = ReadFailure::arbitrary(&mut u);
    let d = delta_all_ways(&sig, new, &sched);
    parallel_delta_agrees(&sig, new, &d, &fail);
}

/// A basis of `len` bytes from a seed, with repeats so that COPYs of
/// identical blocks occur.
fn basis_from(seed: u64, len: usize) -> Vec<u8> {
    let mut b = pattern(seed, len);
    if seed & 2 != 0 && len > 64 {
        let (head, tail) = b.split_at_mut(32);
        for (i, x) in tail.iter_mut().enumerate() {
            if (i / 32) % 3 == 0 {
                *x = head[i % 32];
            }
        }
    }
    b
}

/// `patch`: basis length and delta bytes → patch, one-shot and streaming,
/// with and without an output limit.
pub fn patch(data: &[u8]) {
    let (cfg, delta) = split(data, 24);
    let mut u = Unstructured::new(&cfg);
    let sched = Schedule::arbitrary(&mut u);
    let basis_len = u.int_in_range(0..=5000u16).unwrap_or(0) as usize;
    let seed: u64 = u.arbitrary().unwrap_or(0);
    let limit = u.int_in_range(0..=20_000u32).unwrap_or(0) as usize;
    let basis = basis_from(seed, basis_len);
    let mut job = Job::patch(&basis[..]);
    let run = drive(&mut job, delta, &sched, MAX_PATCH_OUT);
    let Some(verdict) = run.verdict() else {
        // A COPY bomb: the limited forms must refuse it.
        assert_eq!(
            code(&patch_of_limited(&basis, delta, MAX_PATCH_OUT)),
            Err(106)
        );
        return;
    };
    let one_shot = patch_of(&basis, delta);
    match (&one_shot, verdict) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "streamed patch output"),
        (Err(e), Err(c)) => assert_eq!(e.code(), c, "streamed patch error"),
        (a, b) => panic!("one-shot {:?} but streamed {:?}", code(a), b.map(|_| ())),
    }
    // On success the job consumed the delta up to END and no further.
    if let Ok(out) = &one_shot {
        let mut it = ops(delta);
        it.by_ref().for_each(drop);
        assert_eq!(run.consumed, it.consumed(), "patch consumed");
        let _ = out;
    }
    let limited = patch_of_limited(&basis, delta, limit);
    match (&one_shot, &limited) {
        (Ok(a), Ok(b)) => {
            assert!(a.len() <= limit);
            assert_eq!(a, b);
        }
        (Ok(a), Err(e)) => {
            assert!(a.len() > limit, "limited patch failed under the limit");
            assert_eq!(e.code(), 106);
        }
        (Err(a), Err(b)) => assert!(a.code() == b.code() || b.code() == 106),
        (Err(a), Ok(_)) => panic!("limited patch succeeded where patch failed: {a}"),
    }
    let mut job = Job::patch_with_limit(&basis[..], limit as u64);
    let run = drive(&mut job, delta, &sched, usize::MAX);
    match (&limited, run.verdict().unwrap()) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(e), Err(c)) => assert_eq!(e.code(), c),
        (a, b) => panic!(
            "limited one-shot {:?}, streamed {:?}",
            code(a),
            b.map(|_| ())
        ),
    }
}

/// How a misbehaving basis answers one read.
#[derive(Clone, Copy, Debug)]
enum Act {
    /// Reads as asked.
    Normal,
    /// Reads at most this many bytes (at least 1).
    Short(usize),
    /// Returns 0 bytes.
    Zero,
    /// Fails with an I/O error of this kind.
    Fail(io::ErrorKind),
    /// Claims this many bytes more than asked (after a full read).
    TooMuch(usize),
}

/// A basis whose reads follow a script, then behave.
struct Misbehaving {
    data: Vec<u8>,
    script: Vec<Act>,
    next: usize,
}

impl Basis for Misbehaving {
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        let act = self.script.get(self.next).copied().unwrap_or(Act::Normal);
        self.next += 1;
        let mut honest = |limit: usize| {
            let start = usize::try_from(pos)
                .unwrap_or(usize::MAX)
                .min(self.data.len());
            let n = (self.data.len() - start).min(buf.len()).min(limit);
            buf[..n].copy_from_slice(&self.data[start..start + n]);
            n
        };
        match act {
            Act::Normal => Ok(honest(usize::MAX)),
            Act::Short(n) => Ok(honest(n)),
            Act::Zero => Ok(0),
            Act::Fail(kind) => Err(io::Error::new(kind, "scripted basis failure")),
            Act::TooMuch(extra) => {
                let n = honest(usize::MAX);
                Ok(if n == buf.len() { n + extra } else { n })
            }
        }
    }
}

/// A seekable file whose reads follow a script, then behave; an over-long
/// claim reads as asked (`Read` cannot claim more than the buffer). Its
/// `seek_fails`-th seek fails.
struct ScriptedFile {
    data: Vec<u8>,
    pos: u64,
    script: Vec<Act>,
    next: usize,
    seeks: usize,
    seek_fails: Option<usize>,
}

impl Read for ScriptedFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let act = self.script.get(self.next).copied().unwrap_or(Act::Normal);
        self.next += 1;
        let start = usize::try_from(self.pos)
            .unwrap_or(usize::MAX)
            .min(self.data.len());
        let limit = match act {
            Act::Zero => return Ok(0),
            Act::Fail(kind) => return Err(io::Error::new(kind, "scripted read failure")),
            Act::Short(n) => n,
            Act::Normal | Act::TooMuch(_) => usize::MAX,
        };
        let n = (self.data.len() - start).min(buf.len()).min(limit);
        buf[..n].copy_from_slice(&self.data[start..start + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for ScriptedFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.seeks += 1;
        if Some(self.seeks) == self.seek_fails {
            return Err(io::Error::other("scripted seek failure"));
        }
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => (self.data.len() as u64).checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        Ok(self.pos)
    }
}

/// `patch_basis`: a patch whose Rust basis misbehaves (short reads, no
/// data, errors, would-block, interrupted, more than asked). It must end
/// in success or an error; with only honest short reads and over-long
/// claims it must give the output of a well-behaved basis.
pub fn patch_basis(data: &[u8]) {
    let (cfg, delta) = split(data, 40);
    let mut u = Unstructured::new(&cfg);
    let sched = Schedule::arbitrary(&mut u);
    let basis_len = u.int_in_range(0..=5000u16).unwrap_or(0) as usize;
    let seed: u64 = u.arbitrary().unwrap_or(0);
    let n = u.int_in_range(0..=12u8).unwrap_or(0);
    let mut script = Vec::new();
    for _ in 0..n {
        let k: u8 = u.arbitrary().unwrap_or(0);
        let m: u8 = u.arbitrary().unwrap_or(0);
        script.push(match k % 9 {
            0 | 1 => Act::Normal,
            2 | 3 => Act::Short(1 + m as usize),
            4 => Act::Zero,
            5 => Act::Fail(io::ErrorKind::Other),
            6 => Act::Fail(io::ErrorKind::WouldBlock),
            7 => Act::Fail(io::ErrorKind::Interrupted),
            _ => Act::TooMuch(1 + m as usize),
        });
    }
    let basis = basis_from(seed, basis_len);
    let honest = script
        .iter()
        .all(|a| matches!(a, Act::Normal | Act::Short(_) | Act::TooMuch(_)));
    let mut b = Misbehaving {
        data: basis.clone(),
        script: script.clone(),
        next: 0,
    };
    let run = drive(&mut Job::patch(&mut b), delta, &sched, MAX_PATCH_OUT);
    let expect = drive(&mut Job::patch(&basis[..]), delta, &sched, MAX_PATCH_OUT);
    if honest && expect.end != End::Capped && run.end != End::Capped {
        assert_eq!(run.end, expect.end, "honest basis, different end");
        if run.end == End::Done {
            assert_eq!(run.out, expect.out, "honest basis, different output");
        }
    }
    // The same script as reads of a seekable file behind SeekBasis (C's
    // rs_file_copy_cb); with honest reads (short, interrupted, claims of
    // more) and seeks it patches as the well-behaved basis.
    let seek_fails = u.int_in_range(0..=8u8).unwrap_or(0);
    let mut f = SeekBasis::new(ScriptedFile {
        data: basis.clone(),
        pos: 0,
        script: script.clone(),
        next: 0,
        seeks: 0,
        seek_fails: (seek_fails > 0).then_some(seek_fails as usize),
    });
    let run = drive(&mut Job::patch(&mut f), delta, &sched, MAX_PATCH_OUT);
    let file_honest = seek_fails == 0
        && script.iter().all(|a| {
            matches!(
                a,
                Act::Normal
                    | Act::Short(_)
                    | Act::TooMuch(_)
                    | Act::Fail(io::ErrorKind::Interrupted)
            )
        });
    if file_honest && expect.end != End::Capped && run.end != End::Capped {
        assert_eq!(run.end, expect.end, "honest file basis, different end");
        assert_eq!(run.out, expect.out, "honest file basis, different output");
    }
    // The well-behaved basis with its length known: the same output when
    // the patch succeeds, and success exactly when it does.
    let sized = SizedBasis::new(&basis[..], basis.len() as u64);
    let run = drive(&mut Job::patch(sized), delta, &sched, MAX_PATCH_OUT);
    if expect.end != End::Capped && run.end != End::Capped {
        assert_eq!(
            run.end == End::Done,
            expect.end == End::Done,
            "sized basis: {:?} where the plain basis gives {:?}",
            run.end,
            expect.end
        );
        if run.end == End::Done {
            assert_eq!(run.out, expect.out, "sized basis, different output");
        }
    }
    // The whole-stream helper over the same kind of basis: no panic.
    let mut b = Misbehaving {
        data: basis,
        script,
        next: 0,
    };
    let mut sink = CappedSink(0);
    let _ = librsync_rs::patch(&mut b, delta, &mut sink, BufferSizes::default());
}

/// A writer that discards data and fails after [`MAX_PATCH_OUT`] bytes.
struct CappedSink(usize);

impl io::Write for CappedSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        if self.0 > MAX_PATCH_OUT {
            return Err(io::Error::other("sink full"));
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Signature parameters drawn from fuzz input.
#[derive(Clone, Copy, Debug)]
pub struct SigParams {
    /// Format.
    pub magic: SigMagic,
    /// Block length, 1 or more.
    pub block_len: usize,
    /// Strong sum length, 1 up to the maximum for the format.
    pub strong_len: usize,
}

impl SigParams {
    /// Parameters from `u`: any format, block lengths 1 to 4096 (mostly
    /// small), any valid strong length.
    pub fn arbitrary(u: &mut Unstructured<'_>) -> SigParams {
        let magic = SigMagic::ALL[u.int_in_range(0..=3u8).unwrap_or(0) as usize];
        let b: u16 = u.arbitrary().unwrap_or(0);
        let block_len = if b & 0x8000 != 0 {
            1 + (b as usize & 0xfff)
        } else {
            1 + (b as usize % 64)
        };
        let s: u8 = u.arbitrary().unwrap_or(0);
        let strong_len = 1 + s as usize % magic.max_strong_len();
        SigParams {
            magic,
            block_len,
            strong_len,
        }
    }

    /// The options that make this signature with the whole-stream helper.
    pub fn options(&self) -> SignatureOptions {
        SignatureOptions::new()
            .magic(self.magic)
            .block_len(self.block_len)
            .strong_len(StrongLen::Exact(self.strong_len))
    }

    /// The signature of `basis` (whole-stream helper, size unknown).
    pub fn signature(&self, basis: &[u8]) -> Vec<u8> {
        let mut sig = Vec::new();
        librsync_rs::signature(basis, &mut sig, &self.options()).expect("signature");
        sig
    }
}

/// A new file made from `basis` by edits that `u` describes: copied
/// ranges (so blocks match), inserted bytes, repeated pieces.
pub fn edited(u: &mut Unstructured<'_>, basis: &[u8], extra: &[u8]) -> Vec<u8> {
    let mut new = Vec::new();
    let mut extra = extra;
    let n = u.int_in_range(0..=10u8).unwrap_or(0);
    for _ in 0..n {
        let k: u8 = u.arbitrary().unwrap_or(0);
        let a: u16 = u.arbitrary().unwrap_or(0);
        let l: u16 = u.arbitrary().unwrap_or(0);
        match k % 3 {
            0 | 1 if !basis.is_empty() => {
                let start = a as usize % basis.len();
                let end = (start + l as usize % 2048).min(basis.len());
                new.extend_from_slice(&basis[start..end]);
            }
            _ => {
                let take = (l as usize % 64).min(extra.len());
                new.extend_from_slice(&extra[..take]);
                extra = &extra[take..];
            }
        }
    }
    if n == 0 {
        new.extend_from_slice(basis);
        new.extend_from_slice(extra);
    }
    new
}

/// `roundtrip`: patch(basis, delta(sig(basis), new)) == new for any
/// format, block and strong length. With strong sums under 6 bytes a
/// fuzzer can find real collisions (weak and strong sums of a new window
/// equal to a different basis block); then each COPY must be such a
/// collision.
pub fn roundtrip(data: &[u8]) {
    let (cfg, payload) = split(data, 48);
    let mut u = Unstructured::new(&cfg);
    let p = SigParams::arbitrary(&mut u);
    let sched = Schedule::arbitrary(&mut u);
    let cut = u.arbitrary::<u16>().unwrap_or(0) as usize % (payload.len() + 1);
    let (basis, extra) = payload.split_at(cut);
    let new = edited(&mut u, basis, extra);
    let fail = ReadFailure::arbitrary(&mut u);
    let sig_bytes = p.signature(basis);
    parallel_signature_agrees(&p, basis, &sig_bytes, &fail);
    let sig = load_signature_of(&sig_bytes).expect("our signature loads");
    assert_eq!(sig.block_count(), basis.len().div_ceil(p.block_len));
    let d = delta_all_ways(&sig, &new, &sched);
    parallel_delta_agrees(&sig, &new, &d, &fail);
    let out = patch_of(basis, &d).expect("patch of our delta");
    assert_eq!(out.len(), new.len());
    if p.strong_len >= 6 {
        assert!(out == new, "round trip differs");
        return;
    }
    // Every COPY must be a block whose sums match those of the window.
    let mut at = 0usize;
    for op in ops(&d) {
        match op.unwrap() {
            DeltaOp::Copy { pos, len } => {
                let (pos, len) = (pos as usize, len as usize);
                let mut off = 0;
                while off < len {
                    let block_start = pos + off;
                    let blen = p.block_len.min(basis.len() - block_start).min(len - off);
                    let a = p.signature(&basis[block_start..block_start + blen]);
                    let b = p.signature(&new[at + off..at + off + blen]);
                    assert_eq!(a, b, "COPY of a block whose sums differ from the window's");
                    off += blen;
                }
                at += len;
            }
            DeltaOp::Literal(bytes) => {
                assert_eq!(bytes, &new[at..at + bytes.len()]);
                at += bytes.len();
            }
            DeltaOp::End => {}
        }
    }
}

/// A basis of infinite zeros.
struct Zeros;

impl Basis for Zeros {
    fn read_at(&mut self, _pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        buf.fill(0);
        Ok(buf.len())
    }
}

/// `ops`: the delta operations decoder (slice and `Read` forms) agrees
/// with the patch job's verdict on arbitrary bytes; decoded operations
/// encode back to a delta that decodes to the same operations; engine-made
/// deltas encode back byte for byte.
pub fn ops_target(data: &[u8]) {
    let (cfg, body) = split(data, 8);
    let mut u = Unstructured::new(&cfg);
    let with_magic: bool = u.arbitrary().unwrap_or(true);
    let chunk = 1 + u.arbitrary::<u16>().unwrap_or(0) as usize % 300;
    let mut delta = Vec::new();
    if with_magic {
        delta.extend_from_slice(&DELTA_MAGIC.to_be_bytes());
    }
    delta.extend_from_slice(body);
    let mut list = Vec::new();
    let mut total = 0u64;
    let mut err = None;
    let mut it = ops(&delta);
    for op in it.by_ref() {
        match op {
            Ok(op) => {
                total = total.saturating_add(op.output_len());
                list.push(op);
            }
            Err(e) => err = Some(e.code()),
        }
    }
    let consumed = it.consumed();
    let stats = it.stats().clone();
    // The Read form yields the same operations in pieces.
    let mut dec = DeltaDecoder::with_chunk_size(&delta[..], chunk);
    let mut pieces_ops = Vec::new();
    let mut dec_err = None;
    let mut lit: Vec<u8> = Vec::new();
    for piece in dec.by_ref() {
        match piece {
            Ok(DeltaPiece::Copy { pos, len }) => pieces_ops.push(Ok((pos, len))),
            Ok(DeltaPiece::Literal(p)) => {
                lit.extend_from_slice(&p.data);
                if p.is_last() {
                    pieces_ops.push(Err(std::mem::take(&mut lit)));
                }
            }
            Ok(DeltaPiece::End) => {}
            Err(e) => dec_err = Some(e.code()),
        }
    }
    let list_ops: Vec<_> = list
        .iter()
        .filter_map(|op| match *op {
            DeltaOp::Copy { pos, len } => Some(Ok((pos, len))),
            DeltaOp::Literal(d) => Some(Err(d.to_vec())),
            DeltaOp::End => None,
        })
        .collect();
    assert_eq!(dec_err, err, "decoder and ops disagree on the error");
    if err.is_none() {
        assert_eq!(pieces_ops, list_ops, "decoder and ops disagree");
        assert_eq!(dec.consumed(), consumed as u64);
        assert_eq!(dec.stats().lit_cmds, stats.lit_cmds);
        assert_eq!(dec.stats().copy_bytes, stats.copy_bytes);
    }
    // Patch's verdict, over a basis of zeros, when the output is bounded.
    if total <= 1 << 20 {
        let mut job = Job::patch(Zeros);
        let run = drive(&mut job, &delta, &Schedule::whole(), usize::MAX);
        match (err, &run.end) {
            (None, End::Done) => {
                let mut expect = Vec::new();
                for op in &list {
                    match *op {
                        DeltaOp::Copy { len, .. } => expect.resize(expect.len() + len as usize, 0),
                        DeltaOp::Literal(d) => expect.extend_from_slice(d),
                        DeltaOp::End => {}
                    }
                }
                assert_eq!(run.out, expect, "patch output");
                assert_eq!(run.consumed, consumed, "patch consumed");
            }
            (Some(c), End::Failed(p)) => assert_eq!(c, *p, "patch error"),
            (e, r) => panic!("ops says {e:?}, patch says {r:?}"),
        }
    }
    // Encoding the operations gives a delta that decodes to them.
    if err.is_none() {
        let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
        for op in &list {
            enc.write_op(op).unwrap();
        }
        let re = enc.finish().unwrap();
        let again: Vec<_> = ops(&re).map(|o| o.unwrap()).collect();
        assert_eq!(again, list, "encode + decode");
        assert!(re.len() <= consumed, "smallest encoding is longer");
    }
    // An engine-made delta of the body against part of itself re-encodes
    // byte for byte (checked inside delta_all_ways).
    let half = body.len() / 2;
    let p = SigParams::arbitrary(&mut u);
    let sig = load_signature_of(&p.signature(&body[..half])).unwrap();
    delta_all_ways(&sig, body, &Schedule::whole());
}

/// `rdiff_args`: rdiff's option parser on arbitrary argument vectors (NUL
/// separates the words): it must not panic, must end, and an accepted
/// command line must leave file names that were words of it.
pub fn rdiff_args(data: &[u8]) {
    use librsync_rs_rdiff::options::Parser;
    let (posix, argv) = crate::rdiff_argv(data);
    let n = argv.len();
    // At most one event per byte (a bundle such as -VVVV) or word.
    let max_events = argv.iter().map(|w| w.len() + 1).sum::<usize>();
    let mut p = Parser::new(argv.clone(), posix);
    let mut events = 0usize;
    loop {
        match p.next_event() {
            Ok(Some(_)) => {
                events += 1;
                assert!(events <= max_events, "parser does not end");
            }
            Ok(None) => break,
            Err(e) => {
                assert!(!e.kind.text().is_empty());
                assert!(argv.contains(&e.word), "error names a word not on the line");
                return;
            }
        }
    }
    let mut names = 0;
    while let Some(arg) = p.next_arg() {
        names += 1;
        assert!(names < n, "more names than words");
        let _ = arg;
    }
    let _ = compat::sig_args(-1, 0, p.settings.block_len.max(0) as usize, 0);
}

/// `simd`: every SIMD kernel equals its scalar twin on arbitrary input at
/// an arbitrary alignment (the engine's `compat::simd_kernels_agree`).
pub fn simd(data: &[u8]) {
    let (cfg, body) = split(data, 20);
    let mut u = Unstructured::new(&cfg);
    let align = u.int_in_range(0..=63u8).unwrap_or(0) as usize;
    let block_len: u16 = u.arbitrary().unwrap_or(0);
    let states: [u32; 4] = u.arbitrary().unwrap_or([0; 4]);
    let mut buf = vec![0u8; body.len() + 128];
    let base = buf.as_ptr().align_offset(64) + align;
    buf[base..base + body.len()].copy_from_slice(body);
    compat::simd_kernels_agree(&buf[base..base + body.len()], block_len as usize, states);
}

/// Flips, truncates or extends `bytes` as `u` says (or leaves them).
pub fn corrupt(u: &mut Unstructured<'_>, bytes: &mut Vec<u8>) {
    let k: u8 = u.arbitrary().unwrap_or(0);
    let at: u16 = u.arbitrary().unwrap_or(0);
    let v: u8 = u.arbitrary().unwrap_or(0);
    if bytes.is_empty() {
        return;
    }
    let i = at as usize % bytes.len();
    match k % 5 {
        0 => bytes[i] ^= v | 1,
        1 => bytes.truncate(i),
        2 => bytes.insert(i, v),
        _ => {}
    }
}

/// A reader that hands out `data` in reads of at most the sizes of
/// `sizes`, cycled (0 taken as 1: a read of 0 bytes means the end).
struct Chunked<'a> {
    data: &'a [u8],
    sizes: &'a [usize],
    next: usize,
}

impl<'a> Chunked<'a> {
    fn new(data: &'a [u8], sizes: &'a [usize]) -> Chunked<'a> {
        Chunked {
            data,
            sizes,
            next: 0,
        }
    }

    /// The next size, at least 1 (everything when there are none).
    fn size(&mut self) -> usize {
        let n = match self.sizes {
            [] => usize::MAX,
            s => s[self.next % s.len()],
        };
        self.next += 1;
        n.max(1)
    }
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.size().min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Reads `r` to its end in reads of the `sizes` given (cycled; at most
/// 64 KiB each).
fn read_in(r: &mut impl Read, sizes: &[usize]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut sizes = Chunked::new(&[], sizes);
    loop {
        let mut buf = vec![0; sizes.size().min(1 << 16)];
        match r.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Writes `data` to `w` in writes of the `sizes` given (cycled).
fn write_in(w: &mut impl Write, data: &[u8], sizes: &[usize]) -> io::Result<()> {
    let mut chunks = Chunked::new(data, sizes);
    let mut buf = vec![0; 1 << 16];
    loop {
        let n = chunks.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        w.write_all(&buf[..n])?;
    }
}

/// The `Read` and `Write` adapters with arbitrary read and write sizes
/// equal the one-shots: `SignatureReader`, `SignatureWriter` and
/// `signature_of`; `DeltaReader::with_limit`; `PatchReader` with and
/// without a limit, over the delta or a corruption of it.
fn adapters(u: &mut Unstructured<'_>, p: &SigParams, payload: &[u8], sched: &Schedule) {
    let (ins, outs) = (&sched.input[..], &sched.output[..]);
    let opts = p.options();
    let whole = p.signature(payload);
    let mut r = SignatureReader::new(Chunked::new(payload, ins), &opts).expect("signature options");
    assert!(
        read_in(&mut r, outs).expect("SignatureReader") == whole,
        "SignatureReader"
    );
    let mut w = SignatureWriter::new(Vec::new(), &opts).expect("signature options");
    write_in(&mut w, payload, ins).expect("SignatureWriter");
    assert!(
        w.finish().expect("SignatureWriter") == whole,
        "SignatureWriter"
    );
    assert!(
        signature_of(payload, &opts).expect("signature_of") == whole,
        "signature_of"
    );

    let cut = u.arbitrary::<u16>().unwrap_or(0) as usize % (payload.len() + 1);
    let (basis, extra) = payload.split_at(cut);
    let new = edited(u, basis, extra);
    let sig = load_signature_of(&p.signature(basis)).expect("our signature loads");
    let d = delta_of(&sig, &new).expect("delta");
    let limit = u.int_in_range(0..=d.len() as u64 + 8).unwrap_or(0);
    let limited = DeltaReader::with_limit(&sig, Chunked::new(&new, ins), limit)
        .and_then(|mut r| read_in(&mut r, outs).map_err(librsync_rs::Error::from_io));
    if sig.block_count() > 0 {
        // (A slack delta's bytes follow the input's chunks.)
        match limited {
            Ok(out) => assert!(out == d, "DeltaReader with a limit"),
            Err(e) => assert!(
                d.len() as u64 > limit,
                "DeltaReader fails under its limit: {e}"
            ),
        }
    }

    let mut d = d;
    corrupt(u, &mut d);
    let read = |r: &mut PatchReader<'_, Chunked<'_>>,
                expect: librsync_rs::Result<Vec<u8>>,
                what| {
        match (read_in(r, outs), &expect) {
            (Ok(out), Ok(want)) => assert!(&out == want, "{what}"),
            (Err(_), Err(_)) => {}
            (got, want) => panic!(
                "{what}: {:?} where the one-shot gives {:?}",
                got.map(|o| o.len()),
                want.as_ref().map(|o| o.len())
            ),
        }
    };
    let mut r = PatchReader::new(basis, Chunked::new(&d, ins));
    read(&mut r, patch_of(basis, &d), "PatchReader");
    let limit = u.int_in_range(0..=2 * new.len() + 8).unwrap_or(0);
    let mut r = PatchReader::with_limit(basis, Chunked::new(&d, ins), limit as u64);
    read(
        &mut r,
        patch_of_limited(basis, &d, limit),
        "PatchReader with a limit",
    );
}

/// `streaming`: arbitrary data and an arbitrary schedule of input and
/// output chunk sizes through the job API for each of the four jobs;
/// outputs equal the whole-buffer outputs (slack deltas excepted). Inputs
/// whose first byte is 250 or more go through the `Read` and `Write`
/// adapters instead (`adapters`).
pub fn streaming(data: &[u8]) {
    let (cfg, payload) = split(data, 48);
    let mut u = Unstructured::new(&cfg);
    let kind: u8 = u.arbitrary().unwrap_or(0);
    let p = SigParams::arbitrary(&mut u);
    let sched = Schedule::arbitrary(&mut u);
    if kind >= 250 {
        adapters(&mut u, &p, payload, &sched);
        return;
    }
    match kind % 5 {
        0 => {
            let mut job = Job::signature(p.magic, p.block_len, p.strong_len);
            let run = drive(&mut job, payload, &sched, usize::MAX);
            assert_eq!(run.end, End::Done);
            let whole = p.signature(payload);
            assert_eq!(run.out, whole, "streamed signature");
            let fail = ReadFailure::arbitrary(&mut u);
            parallel_signature_agrees(&p, payload, &whole, &fail);
        }
        1 => {
            // Raw parameters as C passes them, and sig_args with a size.
            let mb: u8 = u.arbitrary().unwrap_or(0);
            let garbage: u32 = u.arbitrary().unwrap_or(0);
            let magic = magic_from(mb, garbage);
            let block_len = u.int_in_range(0..=300u16).unwrap_or(0) as usize;
            let s: u8 = u.arbitrary().unwrap_or(0);
            let strong_len = if s == 255 {
                compat::STRONG_LEN_MIN
            } else {
                s as usize % 40
            };
            let fsize: i64 = u.arbitrary().unwrap_or(-1);
            if let Ok(a) = compat::sig_args(fsize, magic, block_len, strong_len) {
                assert!(a.block_len >= 1);
                // As C's rs_sig_args_check: the minimum strong length for a
                // huge size and tiny blocks may pass the hash's length (it
                // is then refused when the signature is made); never 0 or
                // past MAX_STRONG_SUM_LENGTH.
                assert!(a.strong_len >= 1 && a.strong_len <= MAX_STRONG_SUM_LENGTH);
                if a.strong_len > a.magic.max_strong_len() {
                    let mut job = Job::signature(a.magic, a.block_len, a.strong_len);
                    let run = drive(&mut job, payload, &sched, usize::MAX);
                    assert_eq!(run.end, End::Failed(108), "strong length past the hash");
                }
            }
            let expect = compat::sig_args(-1, magic, block_len, strong_len);
            let mut job = Job::signature_raw(magic, block_len, strong_len);
            let run = drive(&mut job, payload, &sched, usize::MAX);
            match expect {
                Err(e) => assert_eq!(run.end, End::Failed(e.code())),
                Ok(a) => {
                    assert_eq!(run.end, End::Done);
                    let q = SigParams {
                        magic: a.magic,
                        block_len: a.block_len,
                        strong_len: a.strong_len,
                    };
                    assert_eq!(run.out, q.signature(payload));
                }
            }
        }
        2 => {
            let mut bytes = p.signature(payload);
            corrupt(&mut u, &mut bytes);
            let hint: i32 = u.arbitrary().unwrap_or(-1);
            load_all_ways(&bytes, &sched, hint as i64);
        }
        3 => {
            let cut = u.arbitrary::<u16>().unwrap_or(0) as usize % (payload.len() + 1);
            let (basis, extra) = payload.split_at(cut);
            let new = edited(&mut u, basis, extra);
            let sig = load_signature_of(&p.signature(basis)).unwrap();
            delta_all_ways(&sig, &new, &sched);
        }
        _ => {
            let cut = u.arbitrary::<u16>().unwrap_or(0) as usize % (payload.len() + 1);
            let (basis, extra) = payload.split_at(cut);
            let new = edited(&mut u, basis, extra);
            let sig = load_signature_of(&p.signature(basis)).unwrap();
            let mut d = delta_of(&sig, &new).unwrap();
            corrupt(&mut u, &mut d);
            let mut job = Job::patch(basis);
            let run = drive(&mut job, &d, &sched, MAX_PATCH_OUT);
            let whole = patch_of(basis, &d);
            match (run.verdict(), &whole) {
                (None, _) => {}
                (Some(Ok(a)), Ok(b)) => assert_eq!(a, &b[..], "streamed patch"),
                (Some(Err(c)), Err(e)) => assert_eq!(c, e.code(), "streamed patch error"),
                (a, b) => panic!(
                    "streamed {:?}, whole {:?}",
                    a.map(|r| r.map(|_| ())),
                    code(b)
                ),
            }
        }
    }
}
