//! Signatures hashed on several threads, with the bytes one thread writes.
//!
//! A signature is a header and then one record per block, and each record
//! depends only on its block. So the input is cut into pieces of whole
//! blocks, each piece is hashed by a signature job of its own, and the
//! records are written in input order after the one header. Every thread
//! (the calling thread and `threads - 1` workers) takes the next piece
//! from the input itself, into a buffer of its own, and hashes it while it
//! is in its cache: bytes that one core reads and another hashes cost a
//! fast hash like MD4 as much again in moving them between the cores. The
//! calling thread also writes the records, in order. Each thread holds one
//! piece; records wait for their turn in a window of at most 64 pieces.
//!
//! A streaming [`Job`] stays on its caller's thread: only the whole-stream
//! helpers (the Rust [`signature`](crate::signature) with
//! [`SignatureOptions::threads`](crate::SignatureOptions::threads), the C
//! library's `rs_sig_file` and `rdiff signature` with `LIBRSYNC_RS_THREADS`)
//! come here.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use crate::buffers::Buffers;
use crate::crew::{take_in_order, Crew};
use crate::error::{Error, ErrorKind, Result, Status};
use crate::feed::{write_out, Feed, Fill};
use crate::job::Job;
use crate::magic::SigMagic;
use crate::whole::run;

/// Input bytes per piece, rounded down to whole blocks (one block at least):
/// a piece stays in its thread's cache between the read and the hashing.
pub(crate) const PIECE: usize = 256 << 10;

/// Blocks longer than this are hashed on the calling thread: each thread
/// holds a piece of whole blocks.
const MAX_PARALLEL_BLOCK: usize = 4 << 20;

/// Pieces read and not yet written, at most: how far a thread may run
/// ahead of the one whose piece is to be written next.
const WINDOW: u64 = 64;

/// The environment variable that sets the number of threads of the C
/// library's whole-file functions and of `rdiff`.
pub const THREADS_VAR: &str = "LIBRSYNC_RS_THREADS";

/// The thread count `LIBRSYNC_RS_THREADS` asks for: a positive decimal
/// number; unset, empty, 0 or anything else means 1 (exactly librsync's
/// single-threaded behaviour).
pub fn threads_from_env() -> usize {
    thread_count(std::env::var(THREADS_VAR).ok().as_deref())
}

/// The thread count a value of [`THREADS_VAR`] asks for.
fn thread_count(value: Option<&str>) -> usize {
    value
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(1)
}

/// Runs a signature job to the end as [`run`] does (the same bytes, the
/// same statistics), hashing on up to `threads` threads (the calling thread
/// and `threads - 1` workers) when that is more than one. With one thread,
/// or a job that is not a fresh signature job, or blocks too long to hold
/// several at once, or no thread to be had, it is [`run`].
///
/// Each thread reads and hashes pieces of about `piece` bytes (whole
/// blocks, one at least; [`run_threaded`](crate::parallel_delta::run_threaded)
/// uses 256 KiB; tests and fuzzing need pieces much shorter than the input).
///
/// If it fails part-way, what it wrote before the error may differ from
/// what [`run`] writes.
pub fn run_signature_in(
    job: &mut Job<'_>,
    input: &mut (dyn Read + Send),
    output: &mut dyn Write,
    in_len: usize,
    out_len: usize,
    threads: usize,
    piece: usize,
) -> Result<()> {
    // Unusual requests (blocks too long to hold several, a negative block
    // length, C's zero-byte buffers) fail or run exactly as one thread.
    let parallel = threads > 1
        && in_len > 0
        && out_len > 0
        && job.signature_settings().is_none()
        && job
            .requested_block_len()
            .is_some_and(|b| b <= MAX_PARALLEL_BLOCK);
    if !parallel {
        return run(job, input, Some(output), in_len, out_len);
    }
    // The job settles its parameters (or fails) and writes the header,
    // which goes out after the first read, as C drains it, and not at all
    // if that read fails.
    let mut header = [0u8; 12];
    let mut bufs = Buffers::new(&[], &mut header);
    job.process(&mut bufs)?;
    let header_len = bufs.output_produced();
    let Some((magic, block_len, strong_len)) = job.signature_settings() else {
        return Err(Error::new(ErrorKind::Internal));
    };
    let piece_len = block_len * (piece / block_len).max(1);
    let hasher = Hasher {
        magic,
        block_len,
        strong_len,
        piece_len,
    };
    let shared = Crew::new(State {
        feed: Feed::new(input),
        next: 0,
        written: 0,
        ready: BTreeMap::new(),
    });
    shared.run(
        threads,
        || {
            let mut buf = Vec::new();
            while shared.hash_next(&hasher, &mut buf, true) {}
        },
        || shared.write_in_order(&hasher, job, output, &header[..header_len]),
    )?;
    // Tell the job the input ended: it has nothing more to write.
    let mut bufs = Buffers::new(&[], &mut []).with_eof(true);
    match job.process(&mut bufs)? {
        Status::Done => Ok(()),
        Status::Blocked => Err(Error::new(ErrorKind::Internal)),
    }
}

/// A piece's records waiting for their turn to be written: the records
/// (after the 12-byte header) and how many blocks they cover, or why
/// hashing failed.
type Hashed = (Vec<u8>, Result<i64>);

/// What a thread needs to hash pieces.
struct Hasher {
    /// The signature's format.
    magic: SigMagic,
    /// Bytes per block.
    block_len: usize,
    /// Bytes of each block's strong sum kept.
    strong_len: usize,
    /// Input bytes per piece (whole blocks).
    piece_len: usize,
}

impl Hasher {
    /// The signature records of `data` (whole blocks, or the input's last
    /// bytes), after the 12-byte header a signature job writes first, and
    /// how many blocks they cover.
    fn records(&self, data: &[u8]) -> Hashed {
        let mut out = Vec::new();
        let blocks = self.records_into(data, &mut out);
        (out, blocks)
    }

    fn records_into(&self, data: &[u8], out: &mut Vec<u8>) -> Result<i64> {
        let mut job = Job::signature(self.magic, self.block_len, self.strong_len);
        let blocks = data.len().div_ceil(self.block_len);
        let len = 12 + blocks * (4 + self.strong_len);
        out.try_reserve_exact(len)
            .map_err(|_| Error::new(ErrorKind::Mem))?;
        out.resize(len, 0);
        let mut bufs = Buffers::new(data, out).with_eof(true);
        match job.process(&mut bufs)? {
            Status::Done if bufs.output_produced() == len => Ok(blocks as i64),
            _ => Err(Error::new(ErrorKind::Internal)),
        }
    }
}

/// What the threads share: the state, and the crew's condition variables
/// (`ready` when a piece is hashed or a worker stops, `room` when records
/// are written or the work stops).
type Shared<'i> = Crew<State<'i>>;

/// The input and the pieces between the threads, under one lock.
struct State<'i> {
    /// The input: read under the lock, one piece at a time (once some
    /// was read, the header goes out, as C writes it).
    feed: Feed<'i>,
    /// Index of the next piece to read.
    next: u64,
    /// Pieces written.
    written: u64,
    /// Hashed pieces waiting for their turn, by index.
    ready: BTreeMap<u64, Hashed>,
}

impl Shared<'_> {
    /// Reads the next piece into `buf` and hashes it; false if there is
    /// none to read (the input ended or the work stopped) or, unless `wait`,
    /// the window is full.
    fn hash_next(&self, hasher: &Hasher, buf: &mut Vec<u8>, wait: bool) -> bool {
        let mut st = self.lock();
        let index = loop {
            if st.stop || st.feed.at_end {
                return false;
            }
            if st.next - st.written < WINDOW {
                break st.next;
            }
            if !wait {
                return false;
            }
            st = self.wait(&self.room, st);
        };
        st.next += 1;
        let filled = st.feed.fill(buf, 0, hasher.piece_len);
        drop(st);
        let hashed = match filled {
            Ok(fill) => {
                if fill == Fill::Failed {
                    // Only whole blocks are hashed before more input.
                    buf.truncate(buf.len() / hasher.block_len * hasher.block_len);
                }
                hasher.records(buf)
            }
            Err(e) => (Vec::new(), Err(e)),
        };
        self.lock().ready.insert(index, hashed);
        self.ready.notify_one();
        true
    }

    /// The calling thread's part: writes the records in input order (after
    /// `header`, once some input was read), and reads and hashes pieces
    /// itself while it has nothing to write. After a read error, the
    /// records of the whole blocks read before it go out, as C writes
    /// them, and then the error is returned.
    fn write_in_order(
        &self,
        hasher: &Hasher,
        job: &mut Job<'_>,
        output: &mut dyn Write,
        header: &[u8],
    ) -> Result<()> {
        let mut header = Some(header);
        let mut buf = Vec::new();
        loop {
            let mut st = self.lock();
            let from = st.written;
            let batch = take_in_order(&mut st.ready, from);
            let (read_any, in_bytes) = (st.feed.read_any, st.feed.in_bytes);
            let finished = st.feed.at_end && st.next == st.written + batch.len() as u64;
            if batch.is_empty() && !finished {
                // Nothing to write yet: hash a piece, or wait for one.
                drop(st);
                if self.hash_next(hasher, &mut buf, false) {
                    continue;
                }
                let mut st = self.lock();
                while !st.ready.contains_key(&st.written) && st.workers > 0 && !st.lost {
                    st = self.wait(&self.ready, st);
                }
                if !st.ready.contains_key(&st.written) {
                    // A worker stopped with a piece (it panicked).
                    return Err(Error::new(ErrorKind::Internal));
                }
                continue;
            }
            drop(st);
            job.stats_mut().in_bytes = in_bytes;
            if read_any {
                if let Some(header) = header.take() {
                    write_out(job, output, header)?;
                }
            }
            let count = batch.len() as u64;
            for (records, blocks) in batch {
                let blocks = blocks?;
                write_out(job, output, &records[12..])?;
                job.stats_mut().sig_blocks += blocks;
            }
            let mut st = self.lock();
            st.written += count;
            drop(st);
            self.room.notify_all();
            if finished {
                let mut st = self.lock();
                job.stats_mut().in_bytes = st.feed.in_bytes;
                if let Some(e) = st.feed.failed.take() {
                    return Err(e);
                }
                drop(st);
                if let Some(header) = header {
                    // The input was empty.
                    write_out(job, output, header)?;
                }
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::whole::signature_buffers;
    use crate::SignatureOptions;
    use std::io;

    /// A reader of `data` that fails after `left` bytes, in reads of at
    /// most 5000 bytes.
    pub(crate) struct FailingAfter<'a>(pub &'a [u8], pub usize);

    impl Read for FailingAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.1 == 0 {
                return Err(io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.1).min(5000);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            self.1 -= n;
            Ok(n)
        }
    }

    /// Runs `run(threads, chunk, input, output)` for each `(threads, chunk)`
    /// of `runs`, reading `data` through a reader that fails after
    /// `fail_at` bytes: each run must fail with an I/O error having written
    /// the same bytes, which are returned.
    pub(crate) fn same_output_before_read_error(
        data: &[u8],
        fail_at: usize,
        runs: &[(usize, usize)],
        run: impl Fn(usize, usize, &mut FailingAfter<'_>, &mut Vec<u8>) -> Result<()>,
    ) -> Vec<u8> {
        let _guard = crate::trace::TEST_LOCK
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        crate::trace::set_sink(crate::trace::Sink::Silent);
        let outs: Vec<Vec<u8>> = runs
            .iter()
            .map(|&(threads, chunk)| {
                let mut out = Vec::new();
                let err =
                    run(threads, chunk, &mut FailingAfter(data, fail_at), &mut out).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Io);
                out
            })
            .collect();
        let lens: Vec<usize> = outs.iter().map(Vec::len).collect();
        assert!(
            outs.iter().all(|o| *o == outs[0]),
            "failing at {fail_at}: {runs:?} wrote {lens:?}"
        );
        outs.into_iter().next().unwrap_or_default()
    }

    /// The signature and statistics of `data` with `threads` threads.
    fn sign(data: &[u8], opts: &SignatureOptions, threads: usize) -> (Vec<u8>, crate::Stats) {
        let args = opts.resolve().unwrap();
        let (in_len, out_len) = signature_buffers(&args, opts.buffers).unwrap();
        let mut job = Job::signature(args.magic, args.block_len, args.strong_len);
        let mut out = Vec::new();
        run_signature_in(
            &mut job,
            &mut &data[..],
            &mut out,
            in_len,
            out_len,
            threads,
            PIECE,
        )
        .unwrap();
        let mut stats = job.stats().clone();
        (stats.start, stats.end) = (0, 0);
        (out, stats)
    }

    /// Any thread count gives the bytes and statistics of one thread, for
    /// every format, for inputs shorter than a block, one byte either side
    /// of a piece, and several pieces with a short last block.
    #[test]
    fn any_thread_count_gives_the_same_signature() {
        let data: Vec<u8> = (0..4_000_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect();
        for magic in SigMagic::ALL {
            for block_len in [1usize, 700, 2048, 3 << 20] {
                let opts = SignatureOptions::new().magic(magic).block_len(block_len);
                let piece = block_len * (PIECE / block_len).max(1);
                let lens: &[usize] = if block_len == 1 {
                    &[0, 1, 5000]
                } else {
                    &[0, 1, 699, piece - 1, piece, piece + 1, 4_000_000]
                };
                for &len in lens {
                    let len = len.min(data.len());
                    let one = sign(&data[..len], &opts, 1);
                    for threads in [2, 3, 8] {
                        let many = sign(&data[..len], &opts, threads);
                        assert!(
                            one == many,
                            "{magic:?} block {block_len} len {len} × {threads}"
                        );
                    }
                }
            }
        }
    }

    /// A read error part-way fails with an I/O error, logged as the
    /// single-threaded helper logs it.
    #[test]
    fn a_read_error_fails_the_run() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("disk on fire"));
                }
                let n = buf.len().min(self.0);
                buf[..n].fill(1);
                self.0 -= n;
                Ok(n)
            }
        }
        let mut job = Job::signature(SigMagic::Md4, 2048, 8);
        let mut out = Vec::new();
        let err = run_signature_in(
            &mut job,
            &mut Failing(3 << 20),
            &mut out,
            1 << 16,
            1 << 16,
            2,
            PIECE,
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err
            .message()
            .unwrap()
            .starts_with("error filling buf from file"));
    }

    /// After a read error, the threads write what one thread writes: the
    /// header and the records of the whole blocks read, or nothing if
    /// nothing was read.
    #[test]
    fn a_read_error_writes_what_one_thread_writes() {
        let data: Vec<u8> = (0..(3 << 20) + 1).map(|i| (i % 251) as u8).collect();
        for fail_at in [0, 1, 2047, 2048, 300_001, 3 << 20] {
            let runs = [(1, PIECE), (2, PIECE), (3, PIECE)];
            let out = same_output_before_read_error(
                &data,
                fail_at,
                &runs,
                |threads, piece, input, out| {
                    let mut job = Job::signature(SigMagic::Md4, 2048, 8);
                    run_signature_in(&mut job, input, out, 1 << 16, 1 << 16, threads, piece)
                },
            );
            assert_eq!(out.is_empty(), fail_at == 0);
        }
    }

    /// With tiny blocks, a batched input buffer makes more sums than
    /// 64 KiB: the default output buffer holds a whole input buffer's (the
    /// input is cut to fit 1 MiB of sums), so one thread, like the threads
    /// (and C, with four blocks in and their sums out), has written every
    /// sum of the blocks before a failing read.
    #[test]
    fn a_read_error_with_tiny_blocks_writes_every_sum() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for (magic, block_len, strong_len) in [
            (SigMagic::Blake2, 1, 32),
            (SigMagic::Md4, 1, 8),
            (SigMagic::RkMd4, 3, 16),
        ] {
            let args = crate::compat::sig_args(-1, magic as u32, block_len, strong_len).unwrap();
            let (in_len, out_len) = signature_buffers(&args, Default::default()).unwrap();
            for fail_at in [1, 70_000, 250_000] {
                let runs = [(1, PIECE), (2, PIECE), (3, 1000)];
                let out = same_output_before_read_error(
                    &data,
                    fail_at,
                    &runs,
                    |threads, piece, input, out| {
                        let mut job = Job::signature(magic, block_len, strong_len);
                        run_signature_in(&mut job, input, out, in_len, out_len, threads, piece)
                    },
                );
                assert_eq!(out.len(), 12 + fail_at / block_len * (4 + strong_len));
            }
        }
    }

    /// The variable's values: a positive number, or 1.
    #[test]
    fn thread_counts_from_text() {
        assert_eq!(thread_count(Some("4")), 4);
        assert_eq!(thread_count(Some(" 2 ")), 2);
        for one in [
            None,
            Some(""),
            Some("0"),
            Some("-3"),
            Some("two"),
            Some("1"),
        ] {
            assert_eq!(thread_count(one), 1, "{one:?}");
        }
    }
}
