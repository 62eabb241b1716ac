//! Signatures hashed on several threads, with the bytes one thread writes.
//!
//! A signature is a header and then one record per block, and each record
//! depends only on its block. So the input is cut into pieces of whole
//! blocks, each piece is hashed by a signature job of its own on a worker
//! thread, and the records are written in input order after the one header.
//! At most two pieces per thread (and no more than 16 MiB unless one piece
//! per thread needs more) are in memory at once, whatever the size of the
//! input.
//!
//! A streaming [`Job`] stays on its caller's thread: only the whole-stream
//! helpers (the Rust [`signature`](crate::signature) with
//! [`SignatureOptions::threads`](crate::SignatureOptions::threads), the C
//! library's `rs_sig_file` and `rdiff signature` with `LIBRSYNC_RS_THREADS`)
//! come here.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::sync::{mpsc, Mutex};

use crate::basis::os_error_text;
use crate::buffers::Buffers;
use crate::error::{Error, ErrorKind, Result, Status};
use crate::job::Job;
use crate::magic::SigMagic;
use crate::trace::fail;
use crate::whole::run;

/// Input bytes per piece, rounded down to whole blocks (one block at least).
/// Small enough that a piece is still in cache when a worker hashes what the
/// reading thread has just copied (1 MiB pieces cost MD4 a third more CPU
/// time; 256 KiB pieces a sixth).
const PIECE: usize = 256 << 10;

/// Blocks longer than this are hashed on the calling thread: a piece holds
/// whole blocks, and up to two pieces per thread are held at once.
const MAX_PARALLEL_BLOCK: usize = 4 << 20;

/// Input bytes held in pieces at once, when blocks are long; at least one
/// piece per thread is held whatever this says.
const MAX_IN_FLIGHT: usize = 16 << 20;

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
/// same statistics), hashing on up to `threads` threads when that is more
/// than one. With one thread, or a job that is not a fresh signature job,
/// or blocks too long to hold several at once, it is [`run`].
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
    if threads <= 1 || job.signature_settings().is_some() {
        return run(job, input, Some(output), in_len, out_len);
    }
    // The job writes the header and settles its parameters (or fails).
    let mut header = [0u8; 12];
    let mut bufs = Buffers::new(&[], &mut header);
    job.process(&mut bufs)?;
    let header_len = bufs.output_produced();
    let Some((magic, block_len, strong_len)) = job.signature_settings() else {
        // Not a signature job: it goes on as run drives it.
        write_out(job, output, &header[..header_len])?;
        return run(job, input, Some(output), in_len, out_len);
    };
    write_out(job, output, &header[..header_len])?;
    if block_len > MAX_PARALLEL_BLOCK {
        return run(job, input, Some(output), in_len, out_len);
    }
    let piece_len = block_len * (PIECE / block_len).max(1);
    let hasher = Hasher {
        magic,
        block_len,
        strong_len,
    };
    let (work_tx, work_rx) = mpsc::channel::<(u64, Vec<u8>)>();
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<Hashed>();
    std::thread::scope(|scope| {
        let mut workers = 0;
        for _ in 0..threads {
            let (work_rx, done_tx, hasher) = (&work_rx, done_tx.clone(), &hasher);
            let worker = std::thread::Builder::new().spawn_scoped(scope, move || loop {
                let next = work_rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                let Ok((index, piece)) = next else { break };
                let records = hasher.records(&piece);
                if done_tx.send((index, piece, records)).is_err() {
                    break;
                }
            });
            if worker.is_ok() {
                workers += 1;
            }
        }
        drop(done_tx);
        if workers == 0 {
            // No threads here (as on wasm32): the calling thread does it all.
            return run(job, input, Some(output), in_len, out_len);
        }
        // Two pieces per thread, fewer when blocks make pieces large.
        let in_flight = (2 * threads).min(MAX_IN_FLIGHT / piece_len).max(threads);
        let result = feed(job, input, output, piece_len, in_flight, &work_tx, &done_rx);
        // Workers stop when the queue closes.
        drop(work_tx);
        result
    })?;
    // Tell the job the input ended: it has nothing more to write.
    let mut bufs = Buffers::new(&[], &mut []).with_eof(true);
    match job.process(&mut bufs)? {
        Status::Done => Ok(()),
        Status::Blocked => Err(Error::new(ErrorKind::Internal)),
    }
}

/// A piece back from a worker: its index, its buffer (for reuse) and its
/// records (after a 12-byte header) with their block count.
type Hashed = (u64, Vec<u8>, Result<(Vec<u8>, i64)>);

/// What a worker needs to hash pieces.
struct Hasher {
    magic: SigMagic,
    block_len: usize,
    strong_len: usize,
}

impl Hasher {
    /// The signature records of `piece` (whole blocks, or the input's
    /// last bytes), after the 12-byte header a signature job writes first,
    /// and how many blocks they cover.
    fn records(&self, piece: &[u8]) -> Result<(Vec<u8>, i64)> {
        let mut job = Job::signature(self.magic, self.block_len, self.strong_len);
        let blocks = piece.len().div_ceil(self.block_len);
        let mut out = Vec::new();
        out.try_reserve_exact(12 + blocks * (4 + self.strong_len))
            .map_err(|_| Error::new(ErrorKind::Mem))?;
        out.resize(12 + blocks * (4 + self.strong_len), 0);
        let mut bufs = Buffers::new(piece, &mut out).with_eof(true);
        match job.process(&mut bufs)? {
            Status::Done if bufs.output_produced() == out.len() => Ok((out, blocks as i64)),
            _ => Err(Error::new(ErrorKind::Internal)),
        }
    }
}

/// The calling thread's part: reads pieces and queues them, keeping at most
/// `in_flight` out, and writes the records back in input order.
fn feed(
    job: &mut Job<'_>,
    input: &mut dyn Read,
    output: &mut dyn Write,
    piece_len: usize,
    in_flight: usize,
    work: &mpsc::Sender<(u64, Vec<u8>)>,
    done: &mpsc::Receiver<Hashed>,
) -> Result<()> {
    let mut spare: Vec<Vec<u8>> = Vec::new();
    let mut ready = BTreeMap::new();
    let (mut queued, mut written) = (0u64, 0u64);
    let mut at_end = false;
    loop {
        while !at_end && queued - written < in_flight as u64 {
            let mut piece = spare.pop().unwrap_or_default();
            at_end = read_piece(input, &mut piece, piece_len)?;
            if piece.is_empty() {
                break;
            }
            job.stats_mut().in_bytes += piece.len() as i64;
            work.send((queued, piece))
                .map_err(|_| Error::new(ErrorKind::Internal))?;
            queued += 1;
        }
        if written == queued {
            return Ok(());
        }
        let (index, piece, records) = done.recv().map_err(|_| Error::new(ErrorKind::Internal))?;
        spare.push(piece);
        ready.insert(index, records);
        while let Some(records) = ready.remove(&written) {
            let (records, blocks) = records?;
            write_out(job, output, &records[12..])?;
            job.stats_mut().sig_blocks += blocks;
            written += 1;
        }
    }
}

/// Fills `piece` with up to `len` bytes of `input`, as C's `fread` fills
/// its buffer; returns whether the input ended. Read errors are logged as
/// the whole-stream helpers log them.
fn read_piece(input: &mut dyn Read, piece: &mut Vec<u8>, len: usize) -> Result<bool> {
    if piece.len() != len {
        piece.clear();
        piece
            .try_reserve_exact(len)
            .map_err(|_| Error::new(ErrorKind::Mem))?;
        piece.resize(len, 0);
    }
    let mut filled = 0;
    while filled < len {
        match input.read(&mut piece[filled..]) {
            Ok(0) => {
                piece.truncate(filled);
                return Ok(true);
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let text = os_error_text(&e);
                return Err(fail!(
                    error = e,
                    "rs_infilebuf_fill",
                    "error filling buf from file: {text}"
                ));
            }
        }
    }
    Ok(false)
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
