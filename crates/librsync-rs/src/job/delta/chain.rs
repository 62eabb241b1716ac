//! The matching scan's decisions, recorded instead of written.
//!
//! At each window position the scan looks the window up and either finds a
//! block (the next position is a block further on) or not (the next
//! position is the next byte). Which it is depends only on the window's
//! bytes, not on the commands pending, so the positions a scan visits from
//! a given position on (its *chain*) are the same whoever started it and
//! wherever. Two scans that visit one position visit the same positions
//! from there on, and make the same lookups with the same counts.
//!
//! The parallel delta relies on this: each piece of the new file is
//! scanned from its own start, recording a [`Chain`]; the true scan, which
//! starts at the file's first byte, takes a piece's chain over from the
//! first position both visit.

use super::Matcher;
use crate::buffers::Buffers;
use crate::checksum::{RabinKarp, Rolling, Rollsum, WeakKind};
use crate::error::{Error, ErrorKind, Result};
use crate::index::{BlockSums, Index, MatchStats};
use crate::job::Core;
use crate::signature::Signature;

/// What a recording scan needs: a signature with its index.
#[derive(Clone, Copy)]
pub(crate) struct ScanParts<'a> {
    sig: &'a Signature,
    index: &'a Index,
    sums: BlockSums<'a>,
}

/// A stretch of the new file a recording scan reads: `data`, whose first
/// byte is at stream offset `base`. The input ends at the end of `data` if
/// `at_eof`.
#[derive(Clone, Copy)]
pub(crate) struct Stretch<'d> {
    pub data: &'d [u8],
    pub base: u64,
    pub at_eof: bool,
}

/// A match found by a recording scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChainMatch {
    /// Stream offset of the window.
    pub pos: u64,
    /// The block found.
    pub block: u32,
    /// The window's length: the block length, or less at the end of input.
    pub len: u64,
    /// The scan's match statistics before this lookup and after it.
    pub before: MatchStats,
    pub after: MatchStats,
}

/// The positions a scan visited from `start`, up to `exit`, the first it
/// did not look up: every position in between except those inside a
/// matched window.
#[derive(Debug)]
pub(crate) struct Chain {
    pub start: u64,
    pub exit: u64,
    /// In order of position.
    pub matches: Vec<ChainMatch>,
    /// The statistics of all lookups from `start` to `exit`.
    pub total: MatchStats,
}

impl<'a> ScanParts<'a> {
    pub(super) fn new(sig: &'a Signature, index: &'a Index, sums: BlockSums<'a>) -> Self {
        ScanParts { sig, index, sums }
    }

    /// The signature's block length.
    pub fn block_len(&self) -> usize {
        self.sig.block_len()
    }

    /// The signature scanned against.
    pub fn signature(&self) -> &'a Signature {
        self.sig
    }

    /// Scans `stretch` from stream offset `from`, looking up windows at
    /// positions before `until` (stream offsets). Unless the input ends
    /// with the stretch, every window before `until` must fit in it, with a
    /// byte to spare.
    pub fn record(&self, stretch: Stretch<'_>, from: u64, until: u64) -> Result<Chain> {
        match self.sig.magic().weak_kind() {
            WeakKind::Rollsum => self.record_with::<Rollsum>(stretch, from, until),
            WeakKind::RabinKarp => self.record_with::<RabinKarp>(stretch, from, until),
        }
    }

    fn record_with<W: Rolling>(
        &self,
        stretch: Stretch<'_>,
        from: u64,
        until: u64,
    ) -> Result<Chain> {
        let Stretch { data, base, at_eof } = stretch;
        let offset = |at: u64| {
            at.checked_sub(base)
                .and_then(|o| usize::try_from(o).ok())
                .ok_or(Error::new(ErrorKind::Internal))
        };
        let from_at = offset(from)?;
        let until_at = offset(until)?;
        if from_at > data.len() || from_at > until_at {
            return Err(Error::new(ErrorKind::Internal));
        }
        let mut m = Matcher::<W>::new(self.sig, self.index, self.sums);
        m.chain = Some(Vec::new());
        m.data_offset = base;
        m.end = data.len();
        m.pos = from_at;
        m.lit_start = from_at;
        m.limit = until_at;
        let mut core = Core::scratch();
        let mut bufs = Buffers::new(&[], &mut []);
        // With nothing written, the scan only stops for the end of the
        // data or the limit.
        m.scan(data, at_eof, &mut core, &mut bufs);
        let exit = base + m.pos as u64;
        if exit < until && !(at_eof && m.pos >= data.len()) {
            // The data did not reach the limit.
            return Err(Error::new(ErrorKind::Internal));
        }
        Ok(Chain {
            start: from,
            exit,
            matches: m.chain.take().unwrap_or_default(),
            total: m.match_stats,
        })
    }

    /// The statistics `chain` had gathered on reaching `at`, one of its
    /// positions or its exit. `stretch` is the one the chain was recorded
    /// from.
    pub fn stats_at(&self, chain: &Chain, stretch: Stretch<'_>, at: u64) -> Result<MatchStats> {
        if at == chain.exit {
            return Ok(chain.total);
        }
        // The last match at or before `at`; after it, only misses.
        let i = chain.matches.partition_point(|m| m.pos <= at);
        let (from, mut stats) = match i.checked_sub(1).map(|i| &chain.matches[i]) {
            Some(m) if m.pos == at => return Ok(m.before),
            Some(m) => (m.pos + m.len, m.after),
            None => (chain.start, MatchStats::default()),
        };
        if from != at {
            let misses = self.record(stretch, from, at)?;
            stats.add(&misses.total);
        }
        Ok(stats)
    }
}

impl Chain {
    /// Whether the chain looked up the window at `at`.
    pub fn visits(&self, at: u64) -> bool {
        at >= self.start && at < self.exit && self.inside_match(at).is_none()
    }

    /// The match whose window holds `at` past its first byte, if any.
    fn inside_match(&self, at: u64) -> Option<&ChainMatch> {
        let i = self.matches.partition_point(|m| m.pos < at);
        let m = self.matches.get(i.checked_sub(1)?)?;
        (at < m.pos + m.len).then_some(m)
    }

    /// The first position from `at` on that the chain visits, if it visits
    /// one before `below`.
    fn next_visited(&self, at: u64, below: u64) -> Option<u64> {
        let at = at.max(self.start);
        let next = match self.inside_match(at) {
            Some(m) => m.pos + m.len,
            None => at,
        };
        (next < below.min(self.exit)).then_some(next)
    }

    /// The first position both this chain and `other` visit.
    pub fn first_common(&self, other: &Chain) -> Option<u64> {
        let mut at = self.start;
        for m in &self.matches {
            // Misses from `at` to the match, then the match's position.
            if let Some(common) = other.next_visited(at, m.pos) {
                return Some(common);
            }
            if other.visits(m.pos) {
                return Some(m.pos);
            }
            at = m.pos + m.len;
        }
        other.next_visited(at, self.exit)
    }

    /// The chain's matches from position `at` on.
    pub fn matches_from(&self, at: u64) -> &[ChainMatch] {
        &self.matches[self.matches.partition_point(|m| m.pos < at)..]
    }
}
