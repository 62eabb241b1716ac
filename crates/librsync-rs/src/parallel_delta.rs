//! Deltas scanned on several threads, with the bytes one thread writes.
//!
//! The matching scan is sequential: where it looks next depends on what it
//! found last. But what it finds at a position depends only on the window
//! there (see [`Chain`]), so scans started at different places fall into
//! step as soon as they visit a common position, which in data that does
//! not match is the next byte, and in data that does is the first window
//! in phase with the basis's blocks.
//!
//! So the new file is cut into segments of whole blocks. Every thread (the
//! calling thread and `threads - 1` workers) takes the next segment from
//! the input itself and scans it from its own start, recording where it
//! found blocks (speculatively: only the first segment starts where the
//! true scan does). The calling thread stitches the chains in order: the
//! true scan takes a segment's chain over from the first position both
//! visit, and where they do not meet (runs of matches out of phase, as in
//! long runs of a repeated block) it scans on by itself until they do.
//! From the matches it writes the very commands, and counts the very
//! statistics, of the single-threaded scan; it scans segments too while it
//! has none to stitch. At most two segments per thread are read and not
//! yet stitched, whatever the size of the input.
//!
//! A streaming [`Job`] stays on its caller's thread: only the whole-stream
//! helpers come here.

use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};

use crate::buffers::Buffers;
use crate::command::{encode_copy, encode_literal};
use crate::crew::{take_in_order, Crew};
use crate::error::{Error, ErrorKind, Result, Status};
use crate::feed::{write_out, Feed, Fill};
use crate::index::MatchStats;
use crate::job::delta::MAX_MISS;
use crate::job::{Chain, Job, ScanParts, Stretch};
use crate::parallel::{run_signature_in, PIECE};
use crate::stats::Stats;
use crate::whole::run;

/// Segment length, before rounding to whole blocks.
const SEGMENT: usize = 1 << 20;

/// Blocks longer than this are scanned on the calling thread alone.
const MAX_PARALLEL_BLOCK: usize = 256 << 10;

/// How far the calling thread scans by itself before it looks again for
/// a position in common with a segment's chain.
const RESCAN: u64 = 64 << 10;

/// Runs any job to the end as [`run`] does (the same bytes, the same
/// statistics), on up to `threads` threads where its kind allows:
/// signatures ([`run_signature_in`], in pieces of 256 KiB) and deltas
/// ([`run_delta_in`], in segments of about 1 MiB).
pub fn run_threaded(
    job: &mut Job<'_>,
    input: &mut (dyn Read + Send),
    output: &mut dyn Write,
    in_len: usize,
    out_len: usize,
    threads: usize,
) -> Result<()> {
    if job.fresh_delta_scan().is_some() {
        run_delta_in(job, input, output, in_len, out_len, threads, SEGMENT)
    } else {
        run_signature_in(job, input, output, in_len, out_len, threads, PIECE)
    }
}

/// Runs a delta job to the end as [`run`] does (the same bytes, the same
/// statistics, and the same match statistics added to the signature),
/// scanning on up to `threads` threads when that is more than one. With
/// one thread, or a job that is not a fresh delta job with a signature
/// that has blocks, or blocks over 256 KiB, it is [`run`].
///
/// The segments are of about `segment` bytes ([`run_threaded`] uses 1 MiB;
/// tests and fuzzing need segments much shorter than the input).
///
/// If it fails part-way, what it wrote before the error may differ from
/// what [`run`] writes.
pub fn run_delta_in(
    job: &mut Job<'_>,
    input: &mut (dyn Read + Send),
    output: &mut dyn Write,
    in_len: usize,
    out_len: usize,
    threads: usize,
    segment: usize,
) -> Result<()> {
    let parts = match job.fresh_delta_scan() {
        Some(parts) if threads > 1 && parts.block_len() <= MAX_PARALLEL_BLOCK => parts,
        _ => return run(job, input, Some(output), in_len, out_len),
    };
    // The job writes the header; it then waits for input it will not get.
    // The header goes out with the first commands, as C drains it after
    // its first read, and not at all if that read fails.
    let mut header = [0u8; 4];
    let mut bufs = Buffers::new(&[], &mut header);
    job.process(&mut bufs)?;
    let n = bufs.output_produced();

    let block_len = parts.block_len();
    let seg_len = segment_len(block_len, segment);
    let mut stitcher = Stitcher::new(parts, out_len);
    stitcher.commands.out.extend_from_slice(&header[..n]);
    let shared = Crew::new(State {
        feed: Feed::new(input),
        seg_len,
        block_len,
        next: 0,
        next_start: 0,
        overlap: Vec::new(),
        spare: Vec::new(),
        ready: BTreeMap::new(),
        stitched: 0,
        in_flight: 2 * threads as u64,
    });
    let fed = shared.run(
        threads,
        || while shared.scan_next(parts, true) {},
        || shared.stitch_in_order(parts, &mut stitcher, job, output),
    )?;
    if let Fed::ReadFailed(e) = fed {
        if stitcher.read_any {
            // The commands complete so far go out, as C drains them before
            // its failing read.
            write_out(job, output, &stitcher.commands.out)?;
        }
        return Err(e);
    }
    stitcher.finish(job, output)?;
    parts.signature().add_match_stats(&stitcher.match_stats);
    // The job writes END.
    let mut end = [0u8; 1];
    let mut bufs = Buffers::new(&[], &mut end).with_eof(true);
    match job.process(&mut bufs)? {
        Status::Done => {
            let n = bufs.output_produced();
            write_out(job, output, &end[..n])
        }
        Status::Blocked => Err(Error::new(ErrorKind::Internal)),
    }
}

/// Bytes per segment of about `segment` bytes for blocks of `block_len`
/// bytes: whole blocks, so that in a file that starts with a long run of
/// matches the segments start in phase; at least one block; at most
/// 65,536 blocks, which bounds the matches a segment can record.
fn segment_len(block_len: usize, segment: usize) -> usize {
    block_len * (segment / block_len).clamp(1, 1 << 16)
}

/// A piece of the new file to scan: `data` from stream offset `start`,
/// windows looked up at positions before `end`.
struct Segment {
    index: u64,
    start: u64,
    end: u64,
    at_eof: bool,
    data: Vec<u8>,
}

impl Segment {
    /// The segment as a recording scan reads it.
    fn stretch(&self) -> Stretch<'_> {
        Stretch {
            data: &self.data,
            base: self.start,
            at_eof: self.at_eof,
        }
    }
}

/// How the stitching ended.
enum Fed {
    /// All the input was read and stitched.
    All,
    /// A read failed; what was read before it was stitched.
    ReadFailed(Error),
}

/// What the threads share: the state, and the crew's condition variables
/// (`ready` when a segment is scanned or a worker stops, `room` when
/// segments are stitched or the work stops).
type Shared<'i> = Crew<State<'i>>;

/// The input and the segments between the threads, under one lock.
struct State<'i> {
    /// The input: read under the lock, one segment at a time.
    feed: Feed<'i>,
    seg_len: usize,
    block_len: usize,
    /// Index and stream offset of the next segment.
    next: u64,
    next_start: u64,
    /// The last `block_len` bytes read: the start of the next segment.
    overlap: Vec<u8>,
    /// Segment buffers to reuse.
    spare: Vec<Vec<u8>>,
    /// Scanned segments waiting for their turn, by index.
    ready: BTreeMap<u64, (Segment, Result<Chain>)>,
    /// Segments stitched.
    stitched: u64,
    /// Segments read and not yet stitched, at most.
    in_flight: u64,
}

impl State<'_> {
    /// Reads the next segment (its first bytes are the last of the one
    /// before), if there is one.
    fn read_segment(&mut self) -> Result<Option<Segment>> {
        let mut data = self.spare.pop().unwrap_or_default();
        let kept = self.overlap.len();
        if data.len() < kept {
            data.resize(kept, 0);
        }
        data[..kept].copy_from_slice(&self.overlap);
        let want = self.seg_len + self.block_len - kept;
        let fill = self.feed.fill(&mut data, kept, want)?;
        let start = self.next_start;
        let end = match fill {
            // Windows that fit with a byte to spare, as without an error.
            Fill::Failed => start + data.len().saturating_sub(self.block_len) as u64,
            Fill::Ended => start + data.len() as u64,
            Fill::Full => {
                self.overlap.clear();
                self.overlap.extend_from_slice(&data[self.seg_len..]);
                start + self.seg_len as u64
            }
        };
        if data.is_empty() || (fill == Fill::Failed && end == start) {
            self.spare.push(data);
            return Ok(None);
        }
        self.next_start = end;
        let index = self.next;
        self.next += 1;
        Ok(Some(Segment {
            index,
            start,
            end,
            at_eof: fill == Fill::Ended,
            data,
        }))
    }
}

impl Shared<'_> {
    /// Reads the next segment and scans it; false if there is none to read
    /// (the input ended or the work stopped) or, unless `wait`, the window
    /// is full.
    fn scan_next(&self, parts: ScanParts<'_>, wait: bool) -> bool {
        let mut st = self.lock();
        loop {
            if st.stop || st.feed.at_end {
                return false;
            }
            if st.next - st.stitched < st.in_flight {
                break;
            }
            if !wait {
                return false;
            }
            st = self.wait(&self.room, st);
        }
        let index = st.next;
        let scanned = match st.read_segment() {
            Ok(None) => return true,
            Ok(Some(seg)) => {
                drop(st);
                let chain = parts.record(seg.stretch(), seg.start, seg.end);
                (seg, chain)
            }
            Err(e) => {
                // Memory ran out: the segment fails in its turn.
                st.next += 1;
                drop(st);
                let seg = Segment {
                    index,
                    start: 0,
                    end: 0,
                    at_eof: false,
                    data: Vec::new(),
                };
                (seg, Err(e))
            }
        };
        self.lock().ready.insert(scanned.0.index, scanned);
        self.ready.notify_one();
        true
    }

    /// The calling thread's part: stitches the segments in input order
    /// and writes the output, and reads and scans segments itself while it
    /// has nothing to stitch.
    fn stitch_in_order(
        &self,
        parts: ScanParts<'_>,
        stitcher: &mut Stitcher<'_>,
        job: &mut Job<'_>,
        output: &mut dyn Write,
    ) -> Result<Fed> {
        loop {
            let mut st = self.lock();
            let from = st.stitched;
            let batch = take_in_order(&mut st.ready, from);
            stitcher.read_any = st.feed.read_any;
            job.stats_mut().in_bytes = st.feed.in_bytes;
            let finished = st.feed.at_end && st.next == st.stitched + batch.len() as u64;
            if batch.is_empty() && !finished {
                // Nothing to stitch yet: scan a segment, or wait for one.
                drop(st);
                if self.scan_next(parts, false) {
                    continue;
                }
                let mut st = self.lock();
                loop {
                    let next_ready = st.ready.contains_key(&st.stitched);
                    if next_ready || (st.feed.at_end && st.next == st.stitched) {
                        break;
                    }
                    if st.lost {
                        // A worker stopped with a segment (it panicked).
                        return Err(Error::new(ErrorKind::Internal));
                    }
                    if st.workers == 0 {
                        // No worker: the calling thread reads on itself.
                        break;
                    }
                    st = self.wait(&self.ready, st);
                }
                continue;
            }
            drop(st);
            let count = batch.len() as u64;
            let mut spare = Vec::new();
            for (seg, chain) in batch {
                spare.extend(stitcher.stitch(seg, chain?, job.stats_mut())?);
                if stitcher.commands.out.len() >= stitcher.out_len {
                    write_out(job, output, &stitcher.commands.out)?;
                    stitcher.commands.out.clear();
                }
            }
            let mut st = self.lock();
            st.stitched += count;
            st.spare.extend(spare);
            if finished {
                return Ok(st.feed.failed.take().map_or(Fed::All, Fed::ReadFailed));
            }
            drop(st);
            self.room.notify_all();
        }
    }
}

/// The true scan, put together from the segments' chains.
struct Stitcher<'a> {
    parts: ScanParts<'a>,
    commands: Commands,
    /// Statistics of the true scan's lookups.
    match_stats: MatchStats,
    /// Output is written when it reaches this many bytes.
    out_len: usize,
    /// The segment being stitched last, and those before it that the
    /// pending literal run reaches back into.
    held: VecDeque<Segment>,
    /// Whether any input was read.
    read_any: bool,
}

impl<'a> Stitcher<'a> {
    fn new(parts: ScanParts<'a>, out_len: usize) -> Stitcher<'a> {
        Stitcher {
            parts,
            commands: Commands {
                block_len: parts.block_len() as u64,
                pos: 0,
                lit_start: 0,
                match_pos: 0,
                match_len: 0,
                out: Vec::new(),
            },
            match_stats: MatchStats::default(),
            out_len: out_len.max(1),
            held: VecDeque::new(),
            read_any: false,
        }
    }

    /// Follows the true scan through `seg`, whose chain is `chain`; returns
    /// the buffers of segments no longer needed.
    fn stitch(&mut self, seg: Segment, chain: Chain, stats: &mut Stats) -> Result<Vec<Vec<u8>>> {
        self.held.push_back(seg);
        let Some(seg) = self.held.back() else {
            return Ok(Vec::new());
        };
        let stretch = seg.stretch();
        let cmds = &mut self.commands;
        let bytes = Bytes(&self.held);
        while cmds.pos < seg.end {
            let at = cmds.pos;
            if chain.visits(at) {
                let before = self.parts.stats_at(&chain, stretch, at)?;
                cmds.follow(&chain, chain.exit, stats, &bytes);
                add_difference(&mut self.match_stats, &chain.total, &before);
                break;
            }
            // Out of step: scan on alone, until the chains meet.
            let until = at.saturating_add(RESCAN).min(seg.end);
            let own = self.parts.record(stretch, at, until)?;
            let meet = own.first_common(&chain).unwrap_or(own.exit);
            let upto = self.parts.stats_at(&own, stretch, meet)?;
            cmds.follow(&own, meet, stats, &bytes);
            self.match_stats.add(&upto);
        }
        // Keep the last segment, and those the literal run reaches into.
        let mut done_with = Vec::new();
        while self.held.len() > 1
            && self
                .held
                .front()
                .is_some_and(|s| s.start + s.data.len() as u64 <= cmds.lit_start)
        {
            done_with.extend(self.held.pop_front().map(|s| s.data));
        }
        Ok(done_with)
    }

    /// Emits what is pending at the end of the input and writes the
    /// output.
    fn finish(&mut self, job: &mut Job<'_>, output: &mut dyn Write) -> Result<()> {
        self.commands.flush(job.stats_mut(), &Bytes(&self.held));
        write_out(job, output, &self.commands.out)?;
        self.commands.out.clear();
        Ok(())
    }
}

/// Adds `total` less `before` to `stats`.
fn add_difference(stats: &mut MatchStats, total: &MatchStats, before: &MatchStats) {
    stats.find_count += total.find_count - before.find_count;
    stats.match_count += total.match_count - before.match_count;
    stats.hashcmp_count += total.hashcmp_count - before.hashcmp_count;
    stats.entrycmp_count += total.entrycmp_count - before.entrycmp_count;
    stats.calc_strong_count += total.calc_strong_count - before.calc_strong_count;
}

/// The new file's bytes that literal commands may need: the segments
/// held, in order.
struct Bytes<'s>(&'s VecDeque<Segment>);

impl Bytes<'_> {
    /// Appends the bytes `[from, to)` to `out`.
    fn append(&self, mut from: u64, to: u64, out: &mut Vec<u8>) {
        for seg in self.0 {
            let seg_end = seg.start + seg.data.len() as u64;
            if from >= seg.start && from < seg_end && from < to {
                let upto = to.min(seg_end);
                let range = (from - seg.start) as usize..(upto - seg.start) as usize;
                out.extend_from_slice(&seg.data[range]);
                from = upto;
            }
        }
        debug_assert!(from >= to, "literal data not held");
    }
}

/// The commands of the true scan, built as the single-threaded scanner
/// builds them, and the output not yet written.
struct Commands {
    block_len: u64,
    /// The next position the true scan looks up.
    pos: u64,
    /// Start of the pending literal run `[lit_start, pos)`.
    lit_start: u64,
    /// Pending copy, if `match_len > 0`.
    match_pos: u64,
    match_len: u64,
    out: Vec<u8>,
}

impl Commands {
    /// Moves the true scan along `chain`, from its position (which the
    /// chain visits) to `to`.
    fn follow(&mut self, chain: &Chain, to: u64, stats: &mut Stats, bytes: &Bytes<'_>) {
        for m in chain.matches_from(self.pos) {
            if m.pos >= to {
                break;
            }
            self.missed(m.pos, stats, bytes);
            self.matched(m.pos, m.block, m.len, stats, bytes);
        }
        self.missed(to, stats, bytes);
    }

    /// A block found at the scan position (`rs_appendmatch`).
    fn matched(&mut self, at: u64, block: u32, len: u64, stats: &mut Stats, bytes: &Bytes<'_>) {
        debug_assert_eq!(at, self.pos);
        let copy_at = block as u64 * self.block_len;
        if self.match_len > 0 && self.match_pos.checked_add(self.match_len) == Some(copy_at) {
            self.match_len += len;
        } else {
            self.flush(stats, bytes);
            self.match_pos = copy_at;
            self.match_len = len;
        }
        self.pos = at + len;
        self.lit_start = self.pos;
    }

    /// No block found at each position from the scan position to `to`
    /// (`rs_appendmiss`): a pending copy is emitted at the first, and the
    /// literal run is cut every [`MAX_MISS`] bytes.
    fn missed(&mut self, to: u64, stats: &mut Stats, bytes: &Bytes<'_>) {
        if to <= self.pos {
            return;
        }
        if self.match_len > 0 {
            self.flush(stats, bytes);
        }
        let max = MAX_MISS as u64;
        while self.lit_start + max < to {
            self.pos = self.lit_start + max;
            self.flush(stats, bytes);
        }
        self.pos = to;
    }

    /// Emits the pending copy or literal run (`rs_appendflush`).
    fn flush(&mut self, stats: &mut Stats, bytes: &Bytes<'_>) {
        if self.match_len > 0 {
            let mut cmd = [0u8; 17];
            let n = encode_copy(&mut cmd, self.match_pos, self.match_len, stats);
            self.out.extend_from_slice(&cmd[..n]);
            self.match_len = 0;
        } else if self.pos > self.lit_start {
            let mut cmd = [0u8; 5];
            let n = encode_literal(&mut cmd, (self.pos - self.lit_start) as u32, stats);
            self.out.extend_from_slice(&cmd[..n]);
            bytes.append(self.lit_start, self.pos, &mut self.out);
            self.lit_start = self.pos;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{load_signature_of, signature_of};
    use crate::parallel::tests::same_output_before_read_error;
    use crate::whole::delta_buffers;
    use crate::{BufferSizes, SigMagic, Signature, SignatureOptions};

    /// A reader that hands out at most `piece` bytes per read.
    struct Pieces<'a>(&'a [u8], usize);

    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(self.1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// The delta of `new` against `sig` (loaded afresh, so its match
    /// statistics are this run's), its statistics and match statistics.
    fn delta(
        sig: &[u8],
        new: &[u8],
        threads: usize,
        segment: usize,
    ) -> (Vec<u8>, Stats, MatchStats) {
        let sig: Signature = load_signature_of(sig).unwrap();
        let (in_len, out_len) = delta_buffers(&sig, BufferSizes::default()).unwrap();
        let mut job = Job::delta(&sig);
        let mut out = Vec::new();
        run_delta_in(
            &mut job,
            &mut Pieces(new, 100_000),
            &mut out,
            in_len,
            out_len,
            threads,
            segment,
        )
        .unwrap();
        let mut stats = job.stats().clone();
        (stats.start, stats.end) = (0, 0);
        (out, stats, sig.match_stats())
    }

    /// Checks every thread count against one thread, for small segments.
    fn check(basis: &[u8], new: &[u8], magic: SigMagic, block_len: usize, what: &str) {
        let opts = SignatureOptions::new().magic(magic).block_len(block_len);
        let sig = signature_of(basis, &opts).unwrap();
        let one = delta(&sig, new, 1, SEGMENT);
        for threads in [2, 3, 8] {
            for segment in [1, 5000, 100_000, SEGMENT] {
                let many = delta(&sig, new, threads, segment);
                assert!(
                    one.0 == many.0,
                    "{what}: {magic:?} b={block_len} ×{threads} seg {segment}: bytes differ"
                );
                assert_eq!(
                    one.1, many.1,
                    "{what}: {magic:?} b={block_len} ×{threads} seg {segment}"
                );
                assert_eq!(
                    one.2, many.2,
                    "{what}: {magic:?} b={block_len} ×{threads} seg {segment}"
                );
            }
        }
    }

    fn noise(len: usize, seed: u32) -> Vec<u8> {
        let mut x = seed.wrapping_mul(2_654_435_761) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    }

    /// `basis` with bytes changed, inserted and deleted here and there.
    fn edited(basis: &[u8], seed: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut at = 0;
        let mut step = 0;
        let extra = noise(5000, seed);
        while at < basis.len() {
            let run = 10_000 + (seed as usize * 7919 + step * 104_729) % 150_000;
            let end = (at + run).min(basis.len());
            out.extend_from_slice(&basis[at..end]);
            at = end;
            match step % 3 {
                0 => out.extend_from_slice(&extra[..(step * 37) % 3000 + 1]),
                1 => at += (step * 53) % 2000 + 1,
                _ => {
                    out.extend_from_slice(&extra[..100]);
                    at += 100;
                }
            }
            step += 1;
        }
        out
    }

    #[test]
    fn edited_and_unrelated_files() {
        let basis = noise(1_500_000, 1);
        let new = edited(&basis, 2);
        for magic in SigMagic::ALL {
            check(&basis, &new, magic, 2048, "edited");
        }
        check(&basis, &noise(700_000, 3), SigMagic::Md4, 2048, "unrelated");
        check(&basis, &basis, SigMagic::Blake2, 1000, "identical");
        for block_len in [1, 7, 64, 4096, 70_000, 300_000] {
            let (b, n) = if block_len == 1 {
                (&basis[..20_000], edited(&basis[..20_000], 4))
            } else {
                (&basis[..], new.clone())
            };
            check(b, &n, SigMagic::Md4, block_len, "block lengths");
        }
    }

    /// After a read error, what was read before it gives the commands the
    /// single-threaded delta had written (C drains them before its failing
    /// read), or nothing if nothing was read.
    #[test]
    fn a_read_error_writes_the_complete_commands() {
        let basis = noise(400_000, 10);
        let new = edited(&basis, 11);
        let sig = signature_of(&basis, &SignatureOptions::new()).unwrap();
        for fail_at in [0, 1, 2048, 2049, 70_000, 200_001, 380_000] {
            let runs = [(1, SEGMENT), (2, 5000), (3, 100_000), (2, SEGMENT)];
            let out = same_output_before_read_error(
                &new,
                fail_at,
                &runs,
                |threads, segment, input, out| {
                    let sig = load_signature_of(&sig).unwrap();
                    let mut job = Job::delta(&sig);
                    run_delta_in(&mut job, input, out, 4096, 1 << 20, threads, segment)
                },
            );
            assert_eq!(out.is_empty(), fail_at == 0);
        }
    }

    /// With tiny blocks, a batched input buffer makes far more commands
    /// than C's one-block output buffer holds: the default output buffer
    /// holds them, so one thread, like the threads (and C, which reads one
    /// block at a time), has written every command complete before a
    /// failing read.
    #[test]
    fn a_read_error_with_tiny_blocks_writes_the_complete_commands() {
        let basis = noise(6000, 3);
        let new = edited(&basis, 4);
        for block_len in [1, 3] {
            let opts = SignatureOptions::new().block_len(block_len);
            let sig = signature_of(&basis, &opts).unwrap();
            for fail_at in [1, 100, 2500, new.len() - 1] {
                let runs = [(1, SEGMENT), (2, 100), (3, 1000)];
                same_output_before_read_error(
                    &new,
                    fail_at,
                    &runs,
                    |threads, segment, input, out| {
                        let sig = load_signature_of(&sig).unwrap();
                        let (in_len, out_len) =
                            delta_buffers(&sig, BufferSizes::default()).unwrap();
                        let mut job = Job::delta(&sig);
                        run_delta_in(&mut job, input, out, in_len, out_len, threads, segment)
                    },
                );
            }
        }
    }

    #[test]
    fn short_and_empty_inputs() {
        let basis = noise(300_000, 5);
        for len in [0, 1, 2047, 2048, 2049, 65_535, 65_536 + 2048, 200_000] {
            check(&basis, &basis[..len], SigMagic::Blake2, 2048, "short");
        }
    }

    /// Runs of matches out of phase with the segments: zeros after one
    /// byte, a pattern whose period is not the block length, and a block
    /// repeated at every phase.
    #[test]
    fn matches_out_of_phase() {
        let zeros = vec![0u8; 400_000];
        let mut shifted = vec![9u8];
        shifted.extend_from_slice(&zeros);
        check(&zeros, &shifted, SigMagic::Md4, 2048, "zeros");
        check(&zeros, &shifted, SigMagic::RkBlake2, 333, "zeros");
        let pattern: Vec<u8> = (0..600_000u32).map(|i| (i % 1000) as u8).collect();
        let mut new = noise(77, 6);
        new.extend_from_slice(&pattern);
        check(&pattern, &new, SigMagic::Blake2, 2048, "period 1000");
        let block = noise(2048, 7);
        let mut basis = Vec::new();
        for phase in 0..50 {
            basis.extend_from_slice(&block);
            basis.extend_from_slice(&noise(phase * 41 + 1, 8));
        }
        let mut new = Vec::new();
        for phase in 0..300 {
            new.extend_from_slice(&noise(phase % 5, 9));
            new.extend_from_slice(&block);
            new.extend_from_slice(&block);
        }
        check(&basis, &new, SigMagic::Md4, 2048, "repeated block");
    }
}
