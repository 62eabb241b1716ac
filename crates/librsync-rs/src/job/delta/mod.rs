//! Delta generation (`delta.c`, 2.3.2 behaviour).
//!
//! Matching mode scans the new file with a rolling weak sum and looks each
//! window up in the signature index; the commands it emits depend only on
//! the data and the signature, never on how the caller chunks its buffers.
//! Unlike librsync, which copies all available input into its scoop, the
//! scanner reads the caller's input in place where it can and keeps at most
//! one block plus 64 KiB beyond the scan position between calls, so memory
//! stays bounded whatever the caller passes in.
//!
//! Slack mode (no signature blocks) emits one literal command per input
//! buffer, as librsync does.
//!
//! The same scanner also runs without output, recording its decisions
//! ([`chain`]), for the parallel delta.

pub(crate) mod chain;

use std::ops::Range;

use super::{Core, Step};
use crate::buffers::Buffers;
use crate::checksum::{
    nozero, strong_sums, RabinKarp, Rolling, Rollsum, StrongKind, StrongSum, WeakKind, STRONG_BATCH,
};
use crate::command::{encode_copy, encode_literal, OP_END};
use crate::error::{Error, ErrorKind, Result};
use crate::index::{BlockSums, Index, MatchStats, PathCache, WindowStrong};
use crate::magic::DELTA_MAGIC;
use crate::signature::Signature;

/// Longest literal command the 2.3.2 encoder emits.
pub(crate) const MAX_MISS: usize = 32768;
/// Windows whose keys the scan works out before it looks them up.
const KEY_STRETCH: usize = 256;
/// Caller bytes copied beyond a block at first, when the own buffer still
/// holds data the scan needs.
const BRIDGE: usize = 4096;
/// Input taken beyond one block ahead of the scan position.
const READ_AHEAD: usize = 64 * 1024;

pub(crate) struct Delta<'a> {
    header_sent: bool,
    mode: Mode<'a>,
}

enum Mode<'a> {
    Slack,
    Rollsum(Box<Matcher<'a, Rollsum>>),
    RabinKarp(Box<Matcher<'a, RabinKarp>>),
    Broken(Error),
}

impl<'a> Delta<'a> {
    pub fn new(sig: Option<&'a Signature>) -> Delta<'a> {
        let mode = match sig {
            Some(sig) if sig.block_count() > 0 => match sig.index() {
                Ok((index, sums)) => match sig.magic().weak_kind() {
                    WeakKind::Rollsum => Mode::Rollsum(Box::new(Matcher::new(sig, index, sums))),
                    WeakKind::RabinKarp => {
                        Mode::RabinKarp(Box::new(Matcher::new(sig, index, sums)))
                    }
                },
                Err(e) => Mode::Broken(e),
            },
            _ => Mode::Slack,
        };
        Delta {
            header_sent: false,
            mode,
        }
    }

    pub fn step(&mut self, core: &mut Core, bufs: &mut Buffers<'_>) -> Step {
        if !self.header_sent {
            // rs_delta_s_header
            core.tube.write_through(bufs, &DELTA_MAGIC.to_be_bytes());
            self.header_sent = true;
            return Step::Running;
        }
        match &mut self.mode {
            Mode::Slack => slack(core, bufs),
            Mode::Rollsum(m) => m.step(core, bufs),
            Mode::RabinKarp(m) => m.step(core, bufs),
            Mode::Broken(e) => Step::Failed(e.clone()),
        }
    }

    /// What a scan of this delta needs, if it is a matching delta that has
    /// not scanned anything yet.
    pub fn fresh_scan_parts(&self) -> Option<chain::ScanParts<'a>> {
        match &self.mode {
            Mode::Rollsum(m) => m.fresh_parts(),
            Mode::RabinKarp(m) => m.fresh_parts(),
            _ => None,
        }
    }

    /// Adds the lookups made so far to the signature's match statistics.
    pub fn publish_match_stats(&mut self) {
        match &mut self.mode {
            Mode::Rollsum(m) => m.publish(),
            Mode::RabinKarp(m) => m.publish(),
            _ => {}
        }
    }
}

/// `rs_delta_s_slack`: one literal command for whatever input there is.
fn slack(core: &mut Core, bufs: &mut Buffers<'_>) -> Step {
    let avail = bufs.avail_in();
    if avail > 0 {
        // C casts the length to int; longer buffers are split here instead.
        let len = avail.min(i32::MAX as usize) as u32;
        let mut header = [0u8; 5];
        let n = encode_literal(&mut header, len, &mut core.stats);
        core.tube.write_through(bufs, &header[..n]);
        core.tube.copy(len as u64);
        Step::Running
    } else if bufs.eof_in() {
        core.tube.write_through(bufs, &[OP_END]);
        Step::Done
    } else {
        Step::Blocked
    }
}

/// What a scan pass stopped for.
enum Scan {
    /// A command was emitted; its output must go out before scanning on.
    Emitted,
    /// More input is needed.
    NeedInput,
    /// All input has been scanned (at end of input).
    Finished,
}

/// The matching scan.
///
/// It scans either its own buffer, which holds what one call leaves for the
/// next (the pending literal run and the unscanned lookahead) followed by
/// caller bytes copied after it, or, once nothing before the caller's input
/// is needed any more, the caller's input in place (`direct`). Within a
/// call the caller's input is only read: what the scan used is consumed
/// when the call ends ([`Matcher::settle`]), and in direct mode the part
/// still needed is copied to the own buffer then. So in a long run of
/// matches only about a block per call is copied.
struct Matcher<'a, W: Rolling> {
    sig: &'a Signature,
    index: &'a Index,
    sums: BlockSums<'a>,
    strong_kind: StrongKind,
    block_len: usize,
    /// Rotation table for full windows.
    table: [u32; 256],
    /// Weak sum of the window `data[pos..pos + weak.len()]`; empty when it
    /// must be computed afresh.
    weak: W,
    /// Own buffer: `buf[..end]` is the data scanned unless `direct`.
    buf: Vec<u8>,
    /// Scanning the caller's input in place (only within one call).
    direct: bool,
    /// End of the data: in `buf`, or of the caller's input when `direct`.
    end: usize,
    /// Window start, in the data.
    pos: usize,
    /// Start of the pending literal run `data[lit_start..pos]`.
    lit_start: usize,
    /// Literal data of an emitted command, still to be written.
    out_data: Range<usize>,
    /// Stream offset of the data's first byte.
    data_offset: u64,
    /// In own mode, within a call: caller bytes copied to `buf[call_start..]`
    /// and not yet consumed.
    taken: usize,
    call_start: usize,
    /// The last window whose strong sum was computed: stream offset, length
    /// and sum.
    last_hashed: Option<(u64, usize, StrongSum)>,
    /// Strong sums of the full windows that follow a match, hashed together
    /// in one batch when the match run reached them.
    ahead: HashedAhead,
    /// Windows per stretch of [`Matcher::skip_misses`]: up to
    /// [`KEY_STRETCH`], fewer after stretches cut short.
    stretch: usize,
    /// The keys of a stretch.
    keys: [u32; KEY_STRETCH],
    /// Pending match, if `match_len > 0`.
    match_pos: u64,
    match_len: u64,
    /// All input scanned and the last command emitted: END is next.
    scanned: bool,
    match_stats: MatchStats,
    cache: PathCache,
    /// Windows at or beyond this data offset are not looked up (only
    /// when recording; `usize::MAX` otherwise).
    limit: usize,
    /// When recording: the matches found, and nothing is written.
    chain: Option<Vec<chain::ChainMatch>>,
}

impl<'a, W: Rolling> Matcher<'a, W> {
    fn new(sig: &'a Signature, index: &'a Index, sums: BlockSums<'a>) -> Matcher<'a, W> {
        let block_len = sig.block_len();
        Matcher {
            sig,
            index,
            sums,
            strong_kind: sig.magic().strong_kind(),
            block_len,
            table: W::table_for_len(block_len),
            weak: W::fresh(),
            buf: Vec::new(),
            direct: false,
            end: 0,
            pos: 0,
            lit_start: 0,
            out_data: 0..0,
            data_offset: 0,
            taken: 0,
            call_start: 0,
            last_hashed: None,
            ahead: HashedAhead::default(),
            stretch: KEY_STRETCH,
            keys: [0; KEY_STRETCH],
            match_pos: 0,
            match_len: 0,
            scanned: false,
            match_stats: MatchStats::default(),
            cache: PathCache::default(),
            limit: usize::MAX,
            chain: None,
        }
    }

    /// The parts of a scan, if this matcher has not scanned anything yet.
    fn fresh_parts(&self) -> Option<chain::ScanParts<'a>> {
        let fresh =
            self.data_offset == 0 && self.end == 0 && self.match_stats == MatchStats::default();
        fresh.then(|| chain::ScanParts::new(self.sig, self.index, self.sums))
    }

    fn publish(&mut self) {
        if self.match_stats != MatchStats::default() {
            self.sig.add_match_stats(&self.match_stats);
            self.match_stats = MatchStats::default();
        }
    }

    fn step(&mut self, core: &mut Core, bufs: &mut Buffers<'_>) -> Step {
        self.call_start = self.end;
        self.taken = 0;
        let step = self.run(core, bufs);
        match self.settle(bufs) {
            Ok(()) => step,
            Err(e) => Step::Failed(e),
        }
    }

    /// The first byte of the data still needed: the pending literal data,
    /// the pending literal run, or the window.
    fn live(&self) -> usize {
        let live = self.pos.min(self.lit_start);
        if self.out_data.is_empty() {
            live
        } else {
            live.min(self.out_data.start)
        }
    }

    fn run(&mut self, core: &mut Core, bufs: &mut Buffers<'_>) -> Step {
        loop {
            // Command bytes go first, then their literal data.
            if core.tube.has_writes() {
                return Step::Running;
            }
            if !self.out_data.is_empty() {
                let data = if self.direct {
                    bufs.next_in()
                } else {
                    &self.buf[..]
                };
                let n = bufs.write(&data[self.out_data.clone()]);
                self.out_data.start += n;
                if !self.out_data.is_empty() {
                    return Step::Blocked;
                }
            }
            if self.scanned {
                // rs_delta_s_end
                core.tube.write_through(bufs, &[OP_END]);
                self.buf = Vec::new();
                return Step::Done;
            }
            if !self.direct && self.live() >= self.call_start && bufs.avail_in() > 0 {
                // Nothing before the caller's input is needed: scan it in
                // place.
                self.direct = true;
                self.taken = 0;
                self.shift_down(self.call_start);
                self.end = bufs.avail_in();
            }
            let scan = if self.direct {
                let at_eof = bufs.eof_in();
                self.scan(bufs.next_in(), at_eof, core, bufs)
            } else {
                if let Err(e) = self.take_input(bufs) {
                    return Step::Failed(e);
                }
                let at_eof = bufs.eof_in() && self.taken == bufs.avail_in();
                let buf = std::mem::take(&mut self.buf);
                let scan = self.scan(&buf[..self.end], at_eof, core, bufs);
                self.buf = buf;
                scan
            };
            match scan {
                Scan::Emitted => {}
                Scan::NeedInput => {
                    if self.direct || self.taken == bufs.avail_in() {
                        return Step::Blocked;
                    }
                }
                Scan::Finished => {
                    self.emit_pending(core, bufs);
                    self.scanned = true;
                }
            }
        }
    }

    /// Copies more of the caller's input after the own data (without
    /// consuming it yet): a block and a little more at first, then doubling,
    /// up to a block plus [`READ_AHEAD`] beyond the scan position.
    fn take_input(&mut self, bufs: &Buffers<'_>) -> Result<()> {
        let b = self.block_len;
        let left = bufs.avail_in() - self.taken;
        let ahead = self.end - self.pos;
        let most = b.saturating_add(READ_AHEAD);
        if left == 0 || ahead >= most {
            return Ok(());
        }
        let step = b.saturating_add(1).saturating_add(BRIDGE.max(self.taken));
        let take = left.min(step).min(most - ahead);
        if self.taken == 0 {
            // Drop what is no longer needed before the buffer grows.
            let live = self.live();
            if live > 0 {
                self.buf.copy_within(live..self.end, 0);
                self.shift_down(live);
                self.call_start = self.end;
            }
        }
        let need = self.end + take;
        if self.buf.len() < need {
            let target = most.saturating_add(MAX_MISS);
            let grown = need.max(self.buf.len().saturating_mul(2).min(target));
            self.buf
                .try_reserve_exact(grown - self.buf.len())
                .map_err(|_| Error::new(ErrorKind::Mem))?;
            self.buf.resize(grown, 0);
        }
        let from = &bufs.next_in()[self.taken..self.taken + take];
        self.buf[self.end..need].copy_from_slice(from);
        self.end = need;
        self.taken += take;
        Ok(())
    }

    /// Moves the data's origin `by` bytes on.
    fn shift_down(&mut self, by: usize) {
        self.data_offset += by as u64;
        self.end -= by;
        self.pos -= by;
        self.lit_start -= by;
        self.out_data =
            self.out_data.start.saturating_sub(by)..self.out_data.end.saturating_sub(by);
    }

    /// Ends a call: consumes the caller bytes the scan used and, after
    /// scanning in place, copies what is still needed to the own buffer.
    fn settle(&mut self, bufs: &mut Buffers<'_>) -> Result<()> {
        if !self.direct {
            bufs.consume(self.taken);
            self.taken = 0;
            return Ok(());
        }
        let keep = self.live();
        let to = self
            .end
            .min(
                self.pos
                    .saturating_add(self.block_len)
                    .saturating_add(READ_AHEAD),
            )
            .max(keep);
        let kept = &bufs.next_in()[keep..to];
        if self.buf.len() < kept.len() {
            self.buf
                .try_reserve_exact(kept.len() - self.buf.len())
                .map_err(|_| Error::new(ErrorKind::Mem))?;
            self.buf.resize(kept.len(), 0);
        }
        self.buf[..kept.len()].copy_from_slice(kept);
        self.direct = false;
        self.end = to;
        self.shift_down(keep);
        bufs.consume(to);
        Ok(())
    }

    /// Emits the pending match or literal run, if any (`rs_appendflush`);
    /// true if something was emitted.
    fn emit_pending(&mut self, core: &mut Core, bufs: &mut Buffers<'_>) -> bool {
        if self.chain.is_some() {
            // Recording: only the state moves, and scanning goes on.
            self.match_len = 0;
            self.lit_start = self.pos;
            return false;
        }
        if self.match_len > 0 {
            let mut cmd = [0u8; 17];
            let n = encode_copy(&mut cmd, self.match_pos, self.match_len, &mut core.stats);
            core.tube.write_through(bufs, &cmd[..n]);
            self.match_len = 0;
            true
        } else if self.pos > self.lit_start {
            let mut cmd = [0u8; 5];
            let n = encode_literal(
                &mut cmd,
                (self.pos - self.lit_start) as u32,
                &mut core.stats,
            );
            core.tube.write_through(bufs, &cmd[..n]);
            self.out_data = self.lit_start..self.pos;
            self.lit_start = self.pos;
            true
        } else {
            false
        }
    }

    /// The loops of `rs_delta_s_scan` (full windows, while a byte beyond the
    /// window is available) and, at end of input, `rs_delta_s_flush` (the
    /// window shrinks at the tail), over `data[..self.end]`. Returns after
    /// each emitted command.
    fn scan(&mut self, data: &[u8], at_eof: bool, core: &mut Core, bufs: &mut Buffers<'_>) -> Scan {
        let b = self.block_len;
        let data = &data[..self.end];
        loop {
            self.skip_misses(data);
            if at_eof {
                self.skip_tail_misses(data);
            }
            let pos = self.pos;
            let end = self.end;
            if pos >= self.limit {
                return Scan::NeedInput;
            }
            if at_eof {
                if pos >= end {
                    return Scan::Finished;
                }
            } else if pos.saturating_add(b) >= end {
                return Scan::NeedInput;
            }
            let len = if self.weak.len() == 0 {
                let len = b.min(end - pos);
                self.weak.extend(&data[pos..pos + len]);
                len
            } else {
                self.weak.len()
            };
            let key = nozero(self.weak.match_value());
            let data_offset = self.data_offset;
            let previous = self.last_hashed.and_then(|(at, n, sum)| {
                let start = usize::try_from(at.checked_sub(data_offset)?).ok()?;
                Some((data.get(start..start.checked_add(n)?)?, sum))
            });
            // In a run of matches the next windows will most likely match
            // too: hash them together.
            // (Unless this window repeats the last one hashed, as in runs of
            // zeros: then its sum is that one's.)
            let window_data = &data[pos..pos + len];
            let known = if len == b && self.match_len > 0 && self.index.may_have_key(key) {
                match previous {
                    Some((bytes, sum)) if bytes == window_data => Some(sum),
                    _ => self.ahead.sum_at(
                        data_offset + pos as u64,
                        &data[pos..end],
                        b,
                        self.strong_kind,
                    ),
                }
            } else {
                None
            };
            let mut window = WindowStrong::with_previous(window_data, self.strong_kind, previous)
                .with_known_sum(known);
            let before = self.match_stats;
            let found = self.index.find(
                key,
                self.sums,
                &mut window,
                &mut self.match_stats,
                &mut self.cache,
            );
            if let Some(sum) = window.computed_sum() {
                self.last_hashed = Some((data_offset + pos as u64, len, sum));
            }
            match found {
                Some(block) => {
                    if let Some(chain) = &mut self.chain {
                        chain.push(chain::ChainMatch {
                            pos: data_offset + pos as u64,
                            block,
                            len: len as u64,
                            before,
                            after: self.match_stats,
                        });
                    }
                    // rs_appendmatch
                    let at = block as u64 * b as u64;
                    let emitted = if self.match_len > 0
                        && self.match_pos.checked_add(self.match_len) == Some(at)
                    {
                        self.match_len += len as u64;
                        false
                    } else {
                        let emitted = self.emit_pending(core, bufs);
                        self.match_pos = at;
                        self.match_len = len as u64;
                        emitted
                    };
                    self.pos += len;
                    self.lit_start = self.pos;
                    self.weak = W::fresh();
                    if emitted {
                        return Scan::Emitted;
                    }
                }
                None => {
                    if pos + b < end {
                        self.weak.rotate(data[pos], data[pos + b], &self.table);
                    } else {
                        self.weak.roll_out(data[pos]);
                    }
                    // rs_appendmiss
                    let emitted = (self.match_len > 0 || pos - self.lit_start >= MAX_MISS)
                        && self.emit_pending(core, bufs);
                    self.pos += 1;
                    if emitted {
                        return Scan::Emitted;
                    }
                }
            }
        }
    }

    /// The common case of the scan, kept tight: full windows whose weak sum
    /// no block has, while a literal run is pending and below its length
    /// limit. Each is a lookup that finds nothing and a miss that emits
    /// nothing, so only the window and the lookup counters move.
    #[inline]
    fn skip_misses(&mut self, data: &[u8]) {
        let b = self.block_len;
        if self.match_len > 0 || self.weak.len() != b {
            return;
        }
        let stop = self
            .end
            .saturating_sub(b)
            .min(self.lit_start + MAX_MISS)
            .min(self.limit);
        if self.pos >= stop {
            return;
        }
        let index = self.index;
        let filter = index.miss_filter();
        let table = &self.table;
        let mut weak = self.weak;
        let mut pos = self.pos;
        let mut hashcmp = 0u64;
        // The keys of a stretch of windows first (a chain of cheap updates),
        // then their filter lookups (independent loads that overlap).
        let keys = &mut self.keys;
        let mut stretch = self.stretch;
        'stretches: while pos < stop {
            let n = (stop - pos).min(stretch);
            let from = weak;
            let outgoing = &data[pos..pos + n];
            let incoming = &data[pos + b..pos + b + n];
            W::window_keys(&mut weak, table, outgoing, incoming, &mut keys[..n]);
            let mut done = 0;
            while done < n {
                let (cost, stopped) = filter.quick_costs(&keys[done..n]);
                hashcmp += cost;
                done += stopped;
                if done == n {
                    break;
                }
                match index.miss_cost_slow(keys[done]) {
                    Some(cost) => {
                        hashcmp += cost as u64;
                        done += 1;
                    }
                    None => {
                        // Back to the window of this key. Where such keys
                        // are common (a flood), shorter stretches waste less.
                        weak = from;
                        for (&out, &inp) in outgoing[..done].iter().zip(incoming) {
                            weak.rotate(out, inp, table);
                        }
                        pos += done;
                        stretch = (done + 1).next_power_of_two();
                        break 'stretches;
                    }
                }
            }
            pos += n;
            stretch = (stretch * 2).min(KEY_STRETCH);
        }
        self.stretch = stretch;
        self.match_stats.find_count += (pos - self.pos) as i64;
        self.match_stats.hashcmp_count += hashcmp as i64;
        self.weak = weak;
        self.pos = pos;
    }

    /// [`Matcher::skip_misses`] for the windows that shrink at the end of
    /// the input (`rs_delta_s_flush`): each miss drops the window's first
    /// byte.
    fn skip_tail_misses(&mut self, data: &[u8]) {
        if self.match_len > 0 || self.weak.len() == 0 || self.weak.len() != self.end - self.pos {
            return;
        }
        let stop = self.end.min(self.lit_start + MAX_MISS).min(self.limit);
        let index = self.index;
        let mut weak = self.weak;
        let mut pos = self.pos;
        let mut hashcmp = 0u64;
        while pos < stop {
            match index.miss_cost(nozero(weak.match_value())) {
                Some(inspected) => hashcmp += inspected as u64,
                None => break,
            }
            weak.roll_out(data[pos]);
            pos += 1;
        }
        self.match_stats.find_count += (pos - self.pos) as i64;
        self.match_stats.hashcmp_count += hashcmp as i64;
        self.weak = weak;
        self.pos = pos;
    }
}

/// Strong sums of consecutive full windows hashed ahead of the scan.
#[derive(Default)]
struct HashedAhead {
    /// Stream offset of the first window.
    at: u64,
    /// The windows' sums; `sums[next..]` have not been used yet.
    sums: [StrongSum; STRONG_BATCH],
    count: usize,
    next: usize,
}

impl HashedAhead {
    /// The strong sum of the window of `block_len` bytes at stream offset
    /// `at`, whose data with what follows it is `data`: from the last batch
    /// if it holds that window, else from a new batch of the windows at
    /// `at`, `at + block_len`, ... that `data` holds.
    fn sum_at(
        &mut self,
        at: u64,
        data: &[u8],
        block_len: usize,
        kind: StrongKind,
    ) -> Option<StrongSum> {
        let step = block_len as u64;
        if at >= self.at && (at - self.at) % step == 0 {
            let i = ((at - self.at) / step) as usize;
            if i >= self.next && i < self.count {
                self.next = i + 1;
                return Some(self.sums[i]);
            }
        }
        let count = (data.len() / block_len).min(STRONG_BATCH);
        if count == 0 {
            return None;
        }
        strong_sums(
            kind,
            &data[..count * block_len],
            block_len,
            &mut self.sums[..count],
        );
        self.at = at;
        self.count = count;
        self.next = 1;
        Some(self.sums[0])
    }
}
