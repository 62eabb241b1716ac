//! Signatures hashed on several threads, with the bytes one thread writes.
//!
//! A signature is a header and then one record per block, and each record
//! depends only on its block. So the input is cut into pieces of whole
//! blocks, each piece is hashed by a signature job of its own, and the
//! records are written in input order after the one header. The calling
//! thread is one of the threads: it reads the pieces, queues them for the
//! workers (`threads - 1` of them) while they have few waiting, and
//! otherwise hashes the piece it has just read itself, while it is in its
//! cache (into a buffer of its own that no other thread touches), or a
//! queued one when it may not read on. At most eight pieces per thread
//! (and no more than 16 MiB unless one piece per thread needs more), and
//! the calling thread's own piece, are in memory at once, whatever the size
//! of the input.
//!
//! A streaming [`Job`] stays on its caller's thread: only the whole-stream
//! helpers (the Rust [`signature`](crate::signature) with
//! [`SignatureOptions::threads`](crate::SignatureOptions::threads), the C
//! library's `rs_sig_file` and `rdiff signature` with `LIBRSYNC_RS_THREADS`)
//! come here.

use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Read, Write};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use crate::basis::os_error_text;
use crate::buffers::Buffers;
use crate::error::{Error, ErrorKind, Result, Status};
use crate::job::Job;
use crate::magic::SigMagic;
use crate::trace::fail;
use crate::whole::run;

/// Input bytes per piece, rounded down to whole blocks (one block at least).
/// Small enough that a piece is still in cache when it is hashed after the
/// reading thread has just copied it (1 MiB pieces cost MD4 a third more CPU
/// time; 256 KiB pieces a sixth).
const PIECE: usize = 256 << 10;

/// Blocks longer than this are hashed on the calling thread: a piece holds
/// whole blocks, and at least one piece per thread is held at once.
const MAX_PARALLEL_BLOCK: usize = 4 << 20;

/// Input bytes held in the pieces between threads at once, when blocks are
/// long; at least one piece per thread is held whatever this says.
const MAX_IN_FLIGHT: usize = 16 << 20;

/// Pieces held at once per thread (read and not yet written), when pieces
/// are short: room for the workers' queue, the pieces being hashed and
/// those hashed early that wait for an earlier one to be written, and
/// enough buffers that one comes back to be read into only when the
/// worker that hashed it has long moved on (writing into a buffer whose
/// bytes are still in another core's cache makes reading MD4's input
/// slower than hashing it).
const IN_FLIGHT_PER_THREAD: usize = 8;

/// Pieces queued per worker before the calling thread hashes the pieces it
/// reads itself: enough that a worker finds the next piece waiting.
const QUEUED_PER_WORKER: usize = 3;

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
/// If it fails part-way, what it wrote before the error may differ from
/// what [`run`] writes.
pub fn run_signature(
    job: &mut Job<'_>,
    input: &mut dyn Read,
    output: &mut dyn Write,
    in_len: usize,
    out_len: usize,
    threads: usize,
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
    let piece_len = block_len * (PIECE / block_len).max(1);
    let hasher = Hasher {
        magic,
        block_len,
        strong_len,
    };
    let shared = Shared::default();
    std::thread::scope(|scope| {
        let mut workers = Vec::new();
        for _ in 1..threads {
            // Counted in first: a worker counts itself out when it ends.
            shared.lock().workers += 1;
            let (shared, hasher) = (&shared, &hasher);
            let worker = std::thread::Builder::new().spawn_scoped(scope, move || {
                let _gone = Gone(shared);
                shared.work(hasher);
            });
            match worker {
                Ok(worker) => workers.push(worker),
                Err(_) => {
                    shared.lock().workers -= 1;
                    break;
                }
            }
        }
        // The workers stop when this goes, however the calling thread ends.
        let close = Close(&shared);
        if workers.is_empty() {
            // No threads here (as on wasm32): the calling thread does it all.
            return run(job, input, Some(output), in_len, out_len);
        }
        let feeder = Feeder {
            shared: &shared,
            hasher: &hasher,
            piece_len,
            in_flight: (IN_FLIGHT_PER_THREAD * threads)
                .min(MAX_IN_FLIGHT / piece_len)
                .max(threads) as u64,
            queued: QUEUED_PER_WORKER * workers.len(),
        };
        let result = feeder.feed(job, input, output, &header[..header_len]);
        drop(close);
        join_all(workers);
        result
    })?;
    // Tell the job the input ended: it has nothing more to write.
    let mut bufs = Buffers::new(&[], &mut []).with_eof(true);
    match job.process(&mut bufs)? {
        Status::Done => Ok(()),
        Status::Blocked => Err(Error::new(ErrorKind::Internal)),
    }
}

/// Waits for each thread to end, thread-local destructors and all (a
/// scope only waits for their closures: a leak checker that looks right
/// after the call would see what their thread-locals hold as leaked).
pub(crate) fn join_all<T>(threads: Vec<std::thread::ScopedJoinHandle<'_, T>>) {
    for thread in threads {
        // A worker's panic was counted when it happened.
        let _ = thread.join();
    }
}

/// A piece of input on its way to a worker and back: its place, its bytes
/// and, once hashed, its records.
struct Piece {
    /// Its place in the input, counted in pieces.
    index: u64,
    /// The input bytes: whole blocks, or the input's last bytes.
    data: Vec<u8>,
    /// Once hashed: the records of its blocks, after the 12-byte header a
    /// signature job writes first (a reused buffer).
    records: Vec<u8>,
    /// Once hashed: how many blocks the records cover, or why hashing
    /// failed.
    blocks: Result<i64>,
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
}

impl Hasher {
    /// Hashes `piece`: fills its records and block count, or the error.
    fn hash(&self, piece: &mut Piece) {
        piece.blocks = self.records(&piece.data, &mut piece.records);
    }

    /// Puts in `out` (cleared, its capacity reused) the signature records
    /// of `data` (whole blocks, or the input's last bytes), after the
    /// 12-byte header a signature job writes first, and returns how many
    /// blocks they cover.
    fn records(&self, data: &[u8], out: &mut Vec<u8>) -> Result<i64> {
        let mut job = Job::signature(self.magic, self.block_len, self.strong_len);
        let blocks = data.len().div_ceil(self.block_len);
        let len = 12 + blocks * (4 + self.strong_len);
        out.clear();
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

/// What the calling thread and the workers share: the pieces between them,
/// under one lock.
#[derive(Default)]
struct Shared {
    /// The pieces and flags.
    queue: Mutex<Queue>,
    /// Signalled when a piece is queued or the work ends (workers wait).
    queued: Condvar,
    /// Signalled when a worker has hashed a piece or stopped (the calling
    /// thread waits).
    hashed: Condvar,
}

/// The pieces between the calling thread and the workers.
#[derive(Default)]
struct Queue {
    /// Pieces read and waiting to be hashed, oldest first.
    todo: VecDeque<Piece>,
    /// Pieces hashed by workers, for the calling thread to take.
    done: Vec<Piece>,
    /// Workers running.
    workers: usize,
    /// Workers waiting for a piece (only they need waking).
    idle: usize,
    /// The calling thread waits for a worker (only then it needs waking).
    waiting: bool,
    /// The calling thread is finished: workers stop.
    closed: bool,
}

impl Shared {
    /// Locks the queue (a worker that panicked leaves it usable: every
    /// change under the lock is whole).
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A worker: hashes queued pieces, oldest first, until the calling
    /// thread is finished.
    fn work(&self, hasher: &Hasher) {
        let mut queue = self.lock();
        loop {
            if let Some(mut piece) = queue.todo.pop_front() {
                drop(queue);
                hasher.hash(&mut piece);
                queue = self.lock();
                queue.done.push(piece);
                if queue.waiting {
                    self.hashed.notify_one();
                }
            } else if queue.closed {
                return;
            } else {
                queue.idle += 1;
                queue = self
                    .queued
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
                queue.idle -= 1;
            }
        }
    }
}

/// Counts a worker out when it ends, even by a panic, so that the calling
/// thread does not wait for it.
struct Gone<'a>(&'a Shared);

impl Drop for Gone<'_> {
    /// Counts the worker out and wakes the calling thread.
    fn drop(&mut self) {
        self.0.lock().workers -= 1;
        self.0.hashed.notify_all();
    }
}

/// Tells the workers to stop when the calling thread is finished, even by
/// an error or a panic.
struct Close<'a>(&'a Shared);

impl Drop for Close<'_> {
    /// Marks the queue closed and wakes every worker.
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.queued.notify_all();
    }
}

/// The calling thread's part.
struct Feeder<'a> {
    /// What it shares with the workers.
    shared: &'a Shared,
    /// How it hashes pieces itself.
    hasher: &'a Hasher,
    /// Input bytes per piece (whole blocks).
    piece_len: usize,
    /// Pieces read and not yet written, at most.
    in_flight: u64,
    /// Pieces waiting for the workers, at most, before it hashes those it
    /// reads itself.
    queued: usize,
}

impl Feeder<'_> {
    /// Reads the input into pieces, keeping at most `in_flight` of them
    /// unwritten: while the workers have fewer than `queued` pieces waiting,
    /// into a buffer of their own that it queues, else into its own buffer,
    /// which it hashes at once while the bytes are in its cache. When it
    /// may not read (the window is full, or the input ended) it hashes a
    /// queued piece itself or waits for the workers. It writes the records
    /// in input order.
    ///
    /// `header` goes out after the first read that gets any input. After a
    /// read error, the records of the whole blocks read before it go out,
    /// as C writes them, and then the error is returned.
    fn feed(
        &self,
        job: &mut Job<'_>,
        input: &mut dyn Read,
        output: &mut dyn Write,
        header: &[u8],
    ) -> Result<()> {
        let mut header = Some(header);
        let mut failed = None;
        // Buffers for the workers' pieces, reused oldest first: by then the
        // worker's cache has let go of them, so writing them is cheap.
        let mut spare: VecDeque<Vec<u8>> = VecDeque::new();
        // Record buffers, reused.
        let mut records: Vec<Vec<u8>> = Vec::new();
        // The calling thread's own input buffer.
        let mut own = Vec::new();
        let mut ready: BTreeMap<u64, Hashed> = BTreeMap::new();
        let (mut read, mut written) = (0u64, 0u64);
        let mut at_end = false;
        loop {
            while let Some((bytes, blocks)) = ready.remove(&written) {
                let blocks = blocks?;
                write_out(job, output, &bytes[12..])?;
                job.stats_mut().sig_blocks += blocks;
                records.push(bytes);
                written += 1;
            }
            if !at_end && read - written < self.in_flight {
                let to_worker = {
                    let mut queue = self.shared.lock();
                    take_done(&mut queue, &mut ready, &mut spare);
                    queue.todo.len() < self.queued
                };
                let mut data = if to_worker {
                    spare.pop_front().unwrap_or_default()
                } else {
                    std::mem::take(&mut own)
                };
                let (ended, error) = read_after(input, &mut data, 0, self.piece_len)?;
                job.stats_mut().in_bytes += data.len() as i64;
                if !data.is_empty() {
                    if let Some(header) = header.take() {
                        write_out(job, output, header)?;
                    }
                }
                at_end = ended || error.is_some();
                if let Some(e) = error {
                    // Only whole blocks are hashed before more input.
                    data.truncate(data.len() / self.hasher.block_len * self.hasher.block_len);
                    failed = Some(e);
                }
                if data.is_empty() {
                    if to_worker {
                        spare.push_front(data);
                    } else {
                        own = data;
                    }
                    continue;
                }
                if to_worker {
                    let piece = Piece {
                        index: read,
                        data,
                        records: records.pop().unwrap_or_default(),
                        blocks: Ok(0),
                    };
                    let mut queue = self.shared.lock();
                    queue.todo.push_back(piece);
                    let wake = queue.idle > 0;
                    drop(queue);
                    if wake {
                        self.shared.queued.notify_one();
                    }
                } else {
                    own = data;
                    let mut bytes = records.pop().unwrap_or_default();
                    let blocks = self.hasher.records(&own, &mut bytes);
                    ready.insert(read, (bytes, blocks));
                }
                read += 1;
                continue;
            }
            if written == read {
                if let Some(e) = failed {
                    return Err(e);
                }
                if let Some(header) = header {
                    // The input was empty.
                    write_out(job, output, header)?;
                }
                return Ok(());
            }
            // Nothing to read now: hash the newest queued piece (the
            // workers take the oldest) unless that would leave the workers
            // short, or wait for a worker.
            let mut queue = self.shared.lock();
            loop {
                if take_done(&mut queue, &mut ready, &mut spare) {
                    break;
                }
                let steal = if at_end || queue.todo.len() > queue.workers {
                    queue.todo.pop_back()
                } else {
                    None
                };
                if let Some(mut piece) = steal {
                    drop(queue);
                    self.hasher.hash(&mut piece);
                    ready.insert(piece.index, (piece.records, piece.blocks));
                    spare.push_back(piece.data);
                    break;
                }
                if queue.workers == 0 {
                    // A worker stopped with a piece (it panicked).
                    return Err(Error::new(ErrorKind::Internal));
                }
                queue.waiting = true;
                queue = self
                    .shared
                    .hashed
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
                queue.waiting = false;
            }
        }
    }
}

/// Moves the pieces the workers have hashed out of `queue`: their records
/// into `ready`, by index, and their input buffers to the back of `spare`.
/// Returns whether there were any.
fn take_done(
    queue: &mut Queue,
    ready: &mut BTreeMap<u64, Hashed>,
    spare: &mut VecDeque<Vec<u8>>,
) -> bool {
    let any = !queue.done.is_empty();
    for piece in queue.done.drain(..) {
        ready.insert(piece.index, (piece.records, piece.blocks));
        spare.push_back(piece.data);
    }
    any
}

/// Reads up to `len` bytes of `input` into `data` after its first `kept`
/// bytes, as C's `fread` fills its buffer, and truncates `data` to what it
/// holds. Returns whether the input ended, and the read error that stopped
/// it, if one did (logged as the whole-stream helpers log it).
pub(crate) fn read_after(
    input: &mut dyn Read,
    data: &mut Vec<u8>,
    kept: usize,
    len: usize,
) -> Result<(bool, Option<Error>)> {
    let want = kept + len;
    if data.len() < want {
        // A reused buffer is already long enough: no filling with zeros.
        data.try_reserve_exact(want - data.len())
            .map_err(|_| Error::new(ErrorKind::Mem))?;
        data.resize(want, 0);
    }
    let mut filled = kept;
    let result = loop {
        if filled == want {
            break (false, None);
        }
        match input.read(&mut data[filled..want]) {
            Ok(0) => break (true, None),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let text = os_error_text(&e);
                let e = fail!(
                    error = e,
                    "rs_infilebuf_fill",
                    "error filling buf from file: {text}"
                );
                break (false, Some(e));
            }
        }
    };
    data.truncate(filled);
    Ok(result)
}

/// Writes `bytes` to `output` and counts them, logging a failure as the
/// whole-stream helpers do.
pub(crate) fn write_out(job: &mut Job<'_>, output: &mut dyn Write, bytes: &[u8]) -> Result<()> {
    if let Err(e) = output.write_all(bytes) {
        let text = os_error_text(&e);
        return Err(fail!(
            error = e,
            "rs_outfilebuf_drain",
            "error draining buf to file: {text}"
        ));
    }
    job.stats_mut().out_bytes += bytes.len() as i64;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whole::signature_buffers;
    use crate::SignatureOptions;

    /// The signature and statistics of `data` with `threads` threads.
    fn sign(data: &[u8], opts: &SignatureOptions, threads: usize) -> (Vec<u8>, crate::Stats) {
        let args = opts.resolve().unwrap();
        let (in_len, out_len) = signature_buffers(&args, opts.buffers).unwrap();
        let mut job = Job::signature(args.magic, args.block_len, args.strong_len);
        let mut out = Vec::new();
        run_signature(&mut job, &mut &data[..], &mut out, in_len, out_len, threads).unwrap();
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
        let err = run_signature(
            &mut job,
            &mut Failing(3 << 20),
            &mut out,
            1 << 16,
            1 << 16,
            2,
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
        /// Bytes that depend on their position, then an error.
        struct FailingAfter(usize, usize);
        impl Read for FailingAfter {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.1 == self.0 {
                    return Err(io::Error::other("disk on fire"));
                }
                let n = buf.len().min(self.0 - self.1).min(5000);
                for (i, b) in buf[..n].iter_mut().enumerate() {
                    *b = ((self.1 + i) % 251) as u8;
                }
                self.1 += n;
                Ok(n)
            }
        }
        let _guard = crate::trace::TEST_LOCK
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        crate::trace::set_sink(crate::trace::Sink::Silent);
        for fail_at in [0, 1, 2047, 2048, 300_001, 3 << 20] {
            let outs: Vec<Vec<u8>> = [1, 2, 3]
                .into_iter()
                .map(|threads| {
                    let mut job = Job::signature(SigMagic::Md4, 2048, 8);
                    let mut out = Vec::new();
                    let mut input = FailingAfter(fail_at, 0);
                    let err =
                        run_signature(&mut job, &mut input, &mut out, 1 << 16, 1 << 16, threads)
                            .unwrap_err();
                    assert_eq!(err.kind(), ErrorKind::Io);
                    out
                })
                .collect();
            let lens: Vec<usize> = outs.iter().map(Vec::len).collect();
            assert!(outs.iter().all(|o| *o == outs[0]), "failing at {fail_at}: {lens:?}");
            assert_eq!(outs[0].is_empty(), fail_at == 0);
        }
        crate::trace::set_sink(crate::trace::Sink::Silent);
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
