//! The signature index: finds the lowest-numbered block whose weak and strong
//! sums match a window of the new file (`rs_build_hash_table` and
//! `rs_signature_find_match`).
//!
//! The table has the very layout of librsync's open-addressing hashtable
//! (same size, keys, triangular probing, k=1 bloom filter), so that the
//! match statistics `rdiff -s` prints come out identical.
//!
//! For the delta scan, which looks up nearly every byte of the new file and
//! nearly always finds nothing, each bucket also has a 16-bit word
//! ([`Index::scan`]): 12 filter bits, set from the top bits of the keys
//! whose probe path starts there, and the number of buckets a lookup of an
//! absent key starting there inspects. One load then answers, for all but
//! about one window in twenty-five, that no block matches and what librsync
//! would have counted (its bloom filter decides whether that walk happens).
//!
//! librsync walks
//! every bucket of a probe path, which is quadratic when many blocks share a
//! weak sum (a hash flood). Here a path longer than a few dozen buckets is
//! summarised once in a [`PathSummary`]: a map from (weak sum, strong sum)
//! to the bucket's position on the path, from which the same counts C would
//! have produced follow in O(1).

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;

use crate::checksum::{nozero, strong_sum, StrongKind, StrongSum};
use crate::error::{Error, ErrorKind, Result};

/// Counters librsync keeps while matching (its hashtable's `find_count`,
/// `match_count`, `hashcmp_count`, `entrycmp_count`, and the signature's
/// `calc_strong_count`), as `rdiff -s` prints them.
///
/// ```
/// use librsync_rs::io::{delta_of, load_signature_of, signature_of};
///
/// let basis: Vec<u8> = (0..8192u32).map(|i| (i % 251) as u8).collect();
/// let sig = load_signature_of(&signature_of(&basis, &Default::default())?)?;
/// delta_of(&sig, &basis)?;
/// let stats = sig.match_stats();
/// assert_eq!(stats.match_count, sig.block_count() as i64); // every block found
/// # Ok::<(), librsync_rs::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatchStats {
    /// Lookups made.
    pub find_count: i64,
    /// Lookups that found a block.
    pub match_count: i64,
    /// Hash buckets inspected ("weak sum compares").
    pub hashcmp_count: i64,
    /// Strong sum comparisons.
    pub entrycmp_count: i64,
    /// Strong sums computed from the new file.
    pub calc_strong_count: i64,
}

impl MatchStats {
    /// Adds another set of counters to this one.
    ///
    /// ```
    /// use librsync_rs::MatchStats;
    ///
    /// let mut total = MatchStats::default();
    /// let one = MatchStats { find_count: 10, match_count: 2, ..Default::default() };
    /// total.add(&one);
    /// total.add(&one);
    /// assert_eq!((total.find_count, total.match_count), (20, 4));
    /// ```
    pub fn add(&mut self, other: &MatchStats) {
        self.find_count += other.find_count;
        self.match_count += other.match_count;
        self.hashcmp_count += other.hashcmp_count;
        self.entrycmp_count += other.entrycmp_count;
        self.calc_strong_count += other.calc_strong_count;
    }
}

/// Walks longer than this are summarised instead of repeated.
const WALK_LIMIT: u64 = 48;

/// The sums of a signature's blocks: in-memory weak sums and `len` bytes of
/// strong sum per block.
#[derive(Clone, Copy)]
pub(crate) struct BlockSums<'a> {
    pub weak: &'a [u32],
    pub strong: &'a [u8],
    pub len: usize,
}

impl<'a> BlockSums<'a> {
    /// The block's strong sum prefix.
    #[inline]
    fn strong(&self, block: u32) -> &'a [u8] {
        let start = block as usize * self.len;
        &self.strong[start..start + self.len]
    }

    /// Whether the block has this key and strong sum prefix.
    fn is(&self, block: u32, key: u32, strong: &[u8]) -> bool {
        nozero(self.weak[block as usize]) == key && self.strong(block) == strong
    }
}

/// The strong sum of the window being looked up, computed at most once and
/// only when some block has the same weak sum.
pub(crate) struct WindowStrong<'w> {
    data: &'w [u8],
    kind: StrongKind,
    sum: Option<StrongSum>,
    /// An earlier window and its strong sum: if its bytes are the same,
    /// its sum is reused (runs of zeros hash the same window again and again).
    previous: Option<(&'w [u8], StrongSum)>,
    /// The window's sum if it is already known (hashed ahead in a batch).
    known: Option<StrongSum>,
    /// Whether the sum was worked out during this lookup.
    computed: bool,
}

impl<'w> WindowStrong<'w> {
    #[cfg(test)]
    pub fn new(data: &'w [u8], kind: StrongKind) -> WindowStrong<'w> {
        WindowStrong::with_previous(data, kind, None)
    }

    /// A window that may reuse the strong sum of `previous` if it has the
    /// same bytes.
    pub fn with_previous(
        data: &'w [u8],
        kind: StrongKind,
        previous: Option<(&'w [u8], StrongSum)>,
    ) -> WindowStrong<'w> {
        WindowStrong {
            data,
            kind,
            sum: None,
            previous,
            known: None,
            computed: false,
        }
    }

    /// The same window, whose strong sum is already known: a lookup that
    /// needs it takes it (and counts it as computed, as librsync would).
    pub fn with_known_sum(mut self, known: Option<StrongSum>) -> WindowStrong<'w> {
        self.known = known;
        self
    }

    /// The strong sum, if this lookup needed it.
    pub fn computed_sum(&self) -> Option<StrongSum> {
        if self.computed {
            self.sum
        } else {
            None
        }
    }

    #[inline]
    fn get(&mut self, counters: &mut Counters) -> &StrongSum {
        if self.sum.is_none() {
            counters.calc = 1;
            self.computed = true;
            self.sum = Some(match (self.known, self.previous) {
                (Some(sum), _) => sum,
                (None, Some((bytes, sum))) if bytes == self.data => sum,
                _ => self.compute(),
            });
        }
        self.sum.as_ref().expect("just computed")
    }

    #[cfg(not(test))]
    fn compute(&self) -> StrongSum {
        strong_sum(self.kind, self.data)
    }

    /// In tests a window may carry its strong sum in `data` directly.
    #[cfg(test)]
    fn compute(&self) -> StrongSum {
        if self.kind == StrongKind::Md4 && self.data.len() == 32 && self.data[..4] == *b"SUM:" {
            let mut sum = [0u8; 32];
            sum[..28].copy_from_slice(&self.data[4..]);
            sum
        } else {
            strong_sum(self.kind, self.data)
        }
    }
}

/// Counters of one lookup, committed to [`MatchStats`] when it ends.
#[derive(Default)]
struct Counters {
    hashcmp: i64,
    entrycmp: i64,
    calc: i64,
}

/// A keyed 64-bit fingerprint of (key, strong prefix); the seed is random so
/// that nobody can make fingerprints collide on purpose. Collisions are still
/// handled (see [`FpMap`]): fuzz builds (`cfg(fuzzing)`, set by cargo-fuzz)
/// and the unit tests keep only 3 bits, so that fingerprints collide all
/// the time and the fuzzers and the tests against librsync's literal hash
/// table exercise that handling.
fn fingerprint(hasher: &RandomState, key: u32, strong: &[u8]) -> u64 {
    let fp = hasher.hash_one((key, strong));
    if cfg!(any(test, fuzzing)) {
        fp & 7
    } else {
        fp
    }
}

/// Hashes a fingerprint to itself: fingerprints are already keyed hashes.
#[derive(Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// A map from fingerprints to values, tolerant of fingerprint collisions:
/// a value is only returned if `same` confirms it.
struct FpMap<V> {
    map: HashMap<u64, V, std::hash::BuildHasherDefault<PassThrough>>,
    collided: Vec<(u64, V)>,
}

impl<V> FpMap<V> {
    fn new() -> FpMap<V> {
        FpMap {
            map: HashMap::default(),
            collided: Vec::new(),
        }
    }

    fn get(&self, fp: u64, same: impl Fn(&V) -> bool) -> Option<&V> {
        match self.map.get(&fp) {
            Some(v) if same(v) => Some(v),
            Some(_) => self
                .collided
                .iter()
                .find(|(f, v)| *f == fp && same(v))
                .map(|(_, v)| v),
            None => None,
        }
    }

    fn insert(&mut self, fp: u64, v: V) -> Result<()> {
        if self.map.contains_key(&fp) {
            self.collided
                .try_reserve(1)
                .map_err(|_| Error::new(ErrorKind::Mem))?;
            self.collided.push((fp, v));
        } else {
            self.map
                .try_reserve(1)
                .map_err(|_| Error::new(ErrorKind::Mem))?;
            self.map.insert(fp, v);
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.map.len() + self.collided.len()
    }
}

/// A block on a summarised probe path.
#[derive(Clone, Copy)]
struct PathEntry {
    block: u32,
    /// Position on the probe path (0 = the start bucket).
    pos: u64,
    /// How many buckets with the same key come before it on the path.
    rank: u64,
}

/// Everything about one long probe path that a lookup needs.
pub(crate) struct PathSummary {
    /// Position of the first empty bucket.
    empty_pos: u64,
    /// Number of buckets per key on the path.
    key_counts: HashMap<u32, u64>,
    entries: FpMap<PathEntry>,
}

/// Summaries of long probe paths met during one delta, by start bucket.
#[derive(Default)]
pub(crate) struct PathCache {
    hasher: RandomState,
    summaries: HashMap<u32, PathSummary>,
    entries: usize,
    /// The last lookup answered from a summary, replayed when the same window
    /// sum comes again (a run of equal windows in a flood).
    last: Option<LastLookup>,
}

/// A summary lookup and what it counted.
#[derive(Clone, Copy)]
struct LastLookup {
    start: u32,
    key: u32,
    strong: StrongSum,
    found: Option<u32>,
    hashcmp: i64,
    entrycmp: i64,
}

/// A probe path that was too long to walk block by block while building.
struct BuildPath {
    /// Path positions below this are known to be occupied.
    cursor: u64,
    members: FpMap<u32>,
}

/// librsync's hashtable for one signature, without the entries' data.
pub(crate) struct Index {
    mask: u32,
    /// `32 - log2(buckets)`: a key's top bits select its bloom filter bit.
    bloom_shift: u32,
    /// Bucket keys: `nozero(weak)`, 0 for an empty bucket.
    keys: Box<[u32]>,
    /// Block number held by each occupied bucket.
    blocks: Box<[u32]>,
    /// librsync's bloom filter: bit `key >> bloom_shift` is set when some
    /// block has a key with those top bits.
    bloom: Box<[u8]>,
    /// Per start bucket: bit [`filter_bit`]`(key)` is set for the keys of
    /// blocks whose probe path starts there, and the top
    /// [`WALK_BITS`] bits hold the buckets a lookup of an absent key
    /// starting there inspects (1 when the bucket is empty), or 0 when that
    /// walk is longer than fits.
    scan: Box<[u16]>,
}

/// Bits of an [`Index::scan`] word that hold the walk length.
const WALK_BITS: u32 = 4;
/// Filter bits of an [`Index::scan`] word.
const FILTER_BITS: u32 = 16 - WALK_BITS;

/// The filter bit of a key in its [`Index::scan`] word, from its top 12
/// bits (the start bucket comes from the bottom ones).
#[inline(always)]
fn filter_bit(key: u32) -> u16 {
    1 << (((key >> 20) * FILTER_BITS) >> 12)
}

/// The index's scan words and bloom filter, borrowed for the delta scan's
/// inner loop (where the index's fields would be reloaded on every byte).
#[derive(Clone, Copy)]
pub(crate) struct MissFilter<'a> {
    scan: &'a [u16],
    bloom: &'a [u8],
    bloom_shift: u32,
}

impl MissFilter<'_> {
    /// What [`Index::miss_cost`] answers for a key that the filter shows
    /// no block has, if its walk is short; `None` for every other key.
    /// (Both tables' lengths are powers of two: the masks only let the
    /// compiler drop the bounds checks.)
    #[inline(always)]
    pub fn quick_cost(&self, key: u32) -> Option<u32> {
        let word = self.scan[key as usize & (self.scan.len() - 1)];
        let walk = (word >> FILTER_BITS) as u32;
        if word & filter_bit(key) != 0 || walk == 0 {
            return None;
        }
        let b = (key >> self.bloom_shift) as usize;
        let bloom = (self.bloom[(b >> 3) & (self.bloom.len() - 1)] >> (b & 7)) & 1;
        Some(walk * bloom as u32)
    }

    /// [`MissFilter::quick_cost`] of each key in turn: the sum of the costs
    /// up to the first key that has none (`keys.len()` if every key has
    /// one), and that key's index.
    #[inline(never)]
    pub fn quick_costs(&self, keys: &[u32]) -> (u64, usize) {
        const AHEAD: usize = 16;
        let mut total = 0u64;
        for (i, &key) in keys.iter().enumerate() {
            if let Some(&later) = keys.get(i + AHEAD) {
                crate::simd::prefetch(self.scan, later as usize & (self.scan.len() - 1));
            }
            match self.quick_cost(key) {
                Some(cost) => total += cost as u64,
                None => return (total, i),
            }
        }
        (total, keys.len())
    }
}

fn zeroed<T: Clone + Default>(n: usize) -> Result<Box<[T]>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| Error::new(ErrorKind::Mem))?;
    v.resize(n, T::default());
    Ok(v.into_boxed_slice())
}

impl Index {
    /// Builds the table for blocks with in-memory weak sums `weak` and strong
    /// sums `strong` (`rs_build_hash_table`). Of blocks with equal weak and
    /// strong sums only the first is entered.
    pub fn build(sums: BlockSums<'_>) -> Result<Index> {
        // C: size = 1 + n * 10 / 7, then the next power of two, at least 2.
        let wanted = 1 + (sums.weak.len() as u64) * 10 / 7;
        let mut size: u64 = 2;
        let mut bits = 1;
        while size < wanted {
            size <<= 1;
            bits += 1;
        }
        if bits > 32 {
            return Err(Error::new(ErrorKind::Mem));
        }
        let size_usize = usize::try_from(size).map_err(|_| Error::new(ErrorKind::Mem))?;
        let mut index = Index {
            mask: (size - 1) as u32,
            bloom_shift: 32 - bits,
            keys: zeroed(size_usize)?,
            blocks: zeroed(size_usize)?,
            bloom: zeroed(size_usize.div_ceil(8))?,
            scan: zeroed(size_usize)?,
        };
        let hasher = RandomState::new();
        let mut long_paths: HashMap<u32, BuildPath> = HashMap::new();
        for (block, &w) in sums.weak.iter().enumerate() {
            index.insert_unique(nozero(w), block as u32, sums, &hasher, &mut long_paths)?;
        }
        index.set_miss_walks();
        Ok(index)
    }

    #[inline]
    fn bloom_bit(&self, key: u32) -> (usize, u8) {
        let i = key >> self.bloom_shift;
        ((i / 8) as usize, 1u8 << (i % 8))
    }

    /// Puts into each [`Index::scan`] word the buckets a lookup of an absent
    /// key starting there inspects, if that fits.
    fn set_miss_walks(&mut self) {
        let longest = (1 << WALK_BITS) - 1;
        let mask = self.mask as usize;
        for start in 0..self.scan.len() {
            let mut bucket = start;
            let mut walk = 1;
            while self.keys[bucket] != 0 && walk <= longest {
                bucket = (bucket + walk) & mask;
                walk += 1;
            }
            if walk <= longest {
                self.scan[start] |= (walk as u16) << FILTER_BITS;
            }
        }
    }

    #[inline]
    fn bucket(&self, start: u32, pos: u64) -> usize {
        let tri = pos.wrapping_mul(pos.wrapping_add(1)) / 2;
        (start as u64).wrapping_add(tri) as u32 as usize & self.mask as usize
    }

    fn place(&mut self, bucket: usize, key: u32, block: u32) {
        let (byte, bit) = self.bloom_bit(key);
        self.bloom[byte] |= bit;
        self.scan[(key & self.mask) as usize] |= filter_bit(key);
        self.keys[bucket] = key;
        self.blocks[bucket] = block;
    }

    /// C's find-then-add for one block while building.
    fn insert_unique(
        &mut self,
        key: u32,
        block: u32,
        sums: BlockSums<'_>,
        hasher: &RandomState,
        long_paths: &mut HashMap<u32, BuildPath>,
    ) -> Result<()> {
        let start = key & self.mask;
        let own = sums.strong(block);
        if !long_paths.contains_key(&start) {
            let mut bucket = start as usize;
            let mut pos = 0u64;
            loop {
                let k = self.keys[bucket];
                if k == 0 {
                    self.place(bucket, key, block);
                    return Ok(());
                }
                if k == key && sums.strong(self.blocks[bucket]) == own {
                    return Ok(());
                }
                pos += 1;
                if pos == WALK_LIMIT {
                    break;
                }
                bucket = (bucket + pos as usize) & self.mask as usize;
            }
            // This path is long: remember its blocks by fingerprint.
            let mut members = FpMap::new();
            let pos = self.walk_path(start, |_, k, b| {
                members.insert(fingerprint(hasher, k, sums.strong(b)), b)
            })?;
            long_paths
                .try_reserve(1)
                .map_err(|_| Error::new(ErrorKind::Mem))?;
            long_paths.insert(
                start,
                BuildPath {
                    cursor: pos,
                    members,
                },
            );
        }
        let path = long_paths.get_mut(&start).expect("inserted above");
        let fp = fingerprint(hasher, key, own);
        if path.members.get(fp, |&b| sums.is(b, key, own)).is_some() {
            return Ok(());
        }
        let mut pos = path.cursor;
        let mut bucket = self.bucket(start, pos);
        while self.keys[bucket] != 0 {
            pos += 1;
            bucket = (bucket + pos as usize) & self.mask as usize;
        }
        path.cursor = pos + 1;
        path.members.insert(fp, block)?;
        self.place(bucket, key, block);
        Ok(())
    }

    /// Finds the lowest-numbered block with key `key` (`nozero` of the
    /// window's match value) whose strong sum equals the window's, counting
    /// exactly what librsync's `hashtable_find` counts.
    #[inline]
    pub fn find(
        &self,
        key: u32,
        sums: BlockSums<'_>,
        window: &mut WindowStrong<'_>,
        stats: &mut MatchStats,
        cache: &mut PathCache,
    ) -> Option<u32> {
        stats.find_count += 1;
        if !self.may_contain(key) {
            return None;
        }
        self.find_in_table(key, sums, window, stats, cache)
    }

    /// Whether some block may have this key: false when the filter shows
    /// that none has.
    #[inline]
    pub fn may_have_key(&self, key: u32) -> bool {
        self.scan[(key & self.mask) as usize] & filter_bit(key) != 0
    }

    /// The bloom filter test `find` starts with: false means no block has
    /// this key (and librsync counts nothing but the lookup itself).
    #[inline(always)]
    pub fn may_contain(&self, key: u32) -> bool {
        let (byte, bit) = self.bloom_bit(key);
        self.bloom[byte] & bit != 0
    }

    /// The tables [`MissFilter`] reads, for the scan's inner loop.
    pub fn miss_filter(&self) -> MissFilter<'_> {
        MissFilter {
            scan: &self.scan,
            bloom: &self.bloom,
            bloom_shift: self.bloom_shift,
        }
    }

    /// For a window that no block matches: the buckets librsync's lookup of
    /// `key` inspects (0 when its bloom filter stops it), if no block has
    /// this key. `None` when some block has it or the walk is long: then
    /// [`Index::find_in_table`] must decide. Counts nothing.
    #[inline]
    pub fn miss_cost(&self, key: u32) -> Option<u32> {
        match self.miss_filter().quick_cost(key) {
            Some(cost) => Some(cost),
            None => self.miss_cost_slow(key),
        }
    }

    /// [`Index::miss_cost`] when the filter lets the key through or the
    /// walk is long: walks the table.
    #[cold]
    #[inline(never)]
    pub fn miss_cost_slow(&self, key: u32) -> Option<u32> {
        if !self.may_contain(key) {
            Some(0)
        } else {
            self.probe_misses(key)
        }
    }

    /// Walks the probe path of `key` as `find` would, as long as no bucket
    /// has this key: `Some(buckets inspected)` when it reaches an empty
    /// bucket, `None` when a bucket has the key or the path is long (then
    /// [`Index::find_in_table`] must decide). Counts nothing.
    fn probe_misses(&self, key: u32) -> Option<u32> {
        let mask = self.mask as usize;
        let mut bucket = key as usize & mask;
        let mut step = 0usize;
        loop {
            let k = *self.keys.get(bucket)?;
            if k == 0 {
                return Some(step as u32 + 1);
            }
            if k == key || step as u64 == WALK_LIMIT {
                return None;
            }
            step += 1;
            bucket = (bucket + step) & mask;
        }
    }

    /// [`Index::find`] after the lookup has been counted and the bloom
    /// filter has passed.
    pub fn find_in_table(
        &self,
        key: u32,
        sums: BlockSums<'_>,
        window: &mut WindowStrong<'_>,
        stats: &mut MatchStats,
        cache: &mut PathCache,
    ) -> Option<u32> {
        let start = key & self.mask;
        if !cache.summaries.is_empty() {
            if let Some(found) = self.find_on_summary(key, start, sums, window, stats, cache) {
                return found;
            }
        }
        let mut c = Counters::default();
        let mut bucket = start as usize;
        let mut pos = 0u64;
        loop {
            let k = self.keys[bucket];
            c.hashcmp += 1;
            if k == 0 {
                commit(stats, &c, false);
                return None;
            }
            if k == key {
                c.entrycmp += 1;
                let block = self.blocks[bucket];
                if window.get(&mut c)[..sums.len] == *sums.strong(block) {
                    commit(stats, &c, true);
                    return Some(block);
                }
            }
            pos += 1;
            if pos == WALK_LIMIT && self.summarise(start, sums, cache).is_ok() {
                // Only the strong sum computed so far carries over.
                stats.calc_strong_count += c.calc;
                return self
                    .find_on_summary(key, start, sums, window, stats, cache)
                    .flatten();
            }
            bucket = (bucket + pos as usize) & self.mask as usize;
        }
    }

    /// Answers a lookup from the summary of its probe path; `None` if that
    /// path has no summary.
    fn find_on_summary(
        &self,
        key: u32,
        start: u32,
        sums: BlockSums<'_>,
        window: &mut WindowStrong<'_>,
        stats: &mut MatchStats,
        cache: &mut PathCache,
    ) -> Option<Option<u32>> {
        let mut c = Counters::default();
        // The same key with the same strong sum as last time: same answer.
        if let Some(last) = cache.last.filter(|l| l.start == start && l.key == key) {
            if last.strong[..sums.len] == window.get(&mut c)[..sums.len] {
                c.hashcmp = last.hashcmp;
                c.entrycmp = last.entrycmp;
                commit(stats, &c, last.found.is_some());
                return Some(last.found);
            }
        }
        let summary = cache.summaries.get(&start)?;
        let Some(&count) = summary.key_counts.get(&key) else {
            c.hashcmp = summary.empty_pos as i64 + 1;
            commit(stats, &c, false);
            return Some(None);
        };
        let sum = *window.get(&mut c);
        let prefix = &sum[..sums.len];
        let fp = fingerprint(&cache.hasher, key, prefix);
        let found = match summary.entries.get(fp, |e| sums.is(e.block, key, prefix)) {
            Some(e) => {
                c.hashcmp = e.pos as i64 + 1;
                c.entrycmp = e.rank as i64 + 1;
                Some(e.block)
            }
            None => {
                c.hashcmp = summary.empty_pos as i64 + 1;
                c.entrycmp = count as i64;
                None
            }
        };
        cache.last = Some(LastLookup {
            start,
            key,
            strong: sum,
            found,
            hashcmp: c.hashcmp,
            entrycmp: c.entrycmp,
        });
        commit(stats, &c, found.is_some());
        Some(found)
    }

    /// Walks the probe path from bucket `start` up to its first empty
    /// bucket, calling `visit(position, key, block)` for each bucket whose
    /// entry starts there (the only ones a lookup from `start` can match);
    /// returns the position of the empty bucket.
    fn walk_path(
        &self,
        start: u32,
        mut visit: impl FnMut(u64, u32, u32) -> Result<()>,
    ) -> Result<u64> {
        let mut pos = 0u64;
        loop {
            let bucket = self.bucket(start, pos);
            let k = self.keys[bucket];
            if k == 0 {
                return Ok(pos);
            }
            if k & self.mask == start {
                visit(pos, k, self.blocks[bucket])?;
            }
            pos += 1;
        }
    }

    /// Summarises the probe path from `start` into the cache, unless the
    /// cache is already as big as the table.
    fn summarise(&self, start: u32, sums: BlockSums<'_>, cache: &mut PathCache) -> Result<()> {
        if cache.entries > self.keys.len() {
            return Err(Error::new(ErrorKind::Mem));
        }
        let mut summary = PathSummary {
            empty_pos: 0,
            key_counts: HashMap::new(),
            entries: FpMap::new(),
        };
        let pos = self.walk_path(start, |pos, k, block| {
            let rank = summary.key_counts.entry(k).or_insert(0);
            let entry = PathEntry {
                block,
                pos,
                rank: *rank,
            };
            *rank += 1;
            summary
                .entries
                .insert(fingerprint(&cache.hasher, k, sums.strong(block)), entry)
        })?;
        summary.empty_pos = pos;
        cache.entries += summary.entries.len() + 1;
        cache
            .summaries
            .try_reserve(1)
            .map_err(|_| Error::new(ErrorKind::Mem))?;
        cache.summaries.insert(start, summary);
        Ok(())
    }

    /// Number of blocks entered (duplicates left out).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.keys.iter().filter(|&&k| k != 0).count()
    }
}

#[inline]
fn commit(stats: &mut MatchStats, c: &Counters, matched: bool) {
    stats.hashcmp_count += c.hashcmp;
    stats.entrycmp_count += c.entrycmp;
    stats.calc_strong_count += c.calc;
    if matched {
        stats.match_count += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_map_tells_colliding_values_apart() {
        let mut map = FpMap::new();
        for v in [10u32, 11, 12, 11] {
            map.insert(7, v).unwrap();
        }
        map.insert(8, 20).unwrap();
        assert_eq!(map.len(), 5);
        assert_eq!(map.get(7, |&v| v == 10), Some(&10));
        assert_eq!(map.get(7, |&v| v == 12), Some(&12));
        assert_eq!(map.get(7, |&v| v == 20), None);
        assert_eq!(map.get(8, |&v| v == 20), Some(&20));
        assert_eq!(map.get(9, |_| true), None);
        // The first value inserted of those that match, as a path walk
        // finds the first of equal entries.
        let first_11 = map.collided.iter().position(|(_, v)| *v == 11).unwrap();
        assert!(std::ptr::eq(
            map.get(7, |&v| v == 11).unwrap(),
            &map.collided[first_11].1
        ));
    }

    /// librsync's hashtable, transcribed literally: the reference for the
    /// counts and results of [`Index`].
    struct Reference {
        mask: u32,
        bshift: u32,
        keys: Vec<u32>,
        blocks: Vec<u32>,
        bloom: Vec<u8>,
    }

    impl Reference {
        fn build(sums: BlockSums<'_>) -> Reference {
            let size = 1 + sums.weak.len() * 10 / 7;
            let (mut size2, mut bits) = (2usize, 1u32);
            while size2 < size {
                size2 <<= 1;
                bits += 1;
            }
            let mut t = Reference {
                mask: size2 as u32 - 1,
                bshift: 32 - bits,
                keys: vec![0; size2],
                blocks: vec![0; size2],
                bloom: vec![0; size2.div_ceil(8)],
            };
            for (i, &w) in sums.weak.iter().enumerate() {
                let key = nozero(w);
                let mut stats = MatchStats::default();
                if t.find(key, sums.strong(i as u32), sums, &mut stats)
                    .is_none()
                {
                    let b = key >> t.bshift;
                    t.bloom[(b / 8) as usize] |= 1 << (b % 8);
                    let (mut j, mut s) = (key & t.mask, 0u32);
                    while t.keys[j as usize] != 0 {
                        s += 1;
                        j = (j + s) & t.mask;
                    }
                    t.keys[j as usize] = key;
                    t.blocks[j as usize] = i as u32;
                }
            }
            t
        }

        fn find(
            &self,
            key: u32,
            strong: &[u8],
            sums: BlockSums<'_>,
            stats: &mut MatchStats,
        ) -> Option<u32> {
            stats.find_count += 1;
            let b = key >> self.bshift;
            if self.bloom[(b / 8) as usize] >> (b % 8) & 1 == 0 {
                return None;
            }
            let mut calculated = false;
            let (mut j, mut s) = (key & self.mask, 0u32);
            while self.keys[j as usize] != 0 {
                stats.hashcmp_count += 1;
                if self.keys[j as usize] == key {
                    stats.entrycmp_count += 1;
                    if !calculated {
                        calculated = true;
                        stats.calc_strong_count += 1;
                    }
                    let block = self.blocks[j as usize];
                    if sums.strong(block) == strong {
                        stats.match_count += 1;
                        return Some(block);
                    }
                }
                s += 1;
                j = (j + s) & self.mask;
            }
            stats.hashcmp_count += 1;
            None
        }
    }

    fn strong_of(i: u32) -> Vec<u8> {
        let mut s = vec![0u8; 8];
        s[..4].copy_from_slice(&i.to_le_bytes());
        s[7] = 0xa5;
        s
    }

    fn window_data(strong: &[u8]) -> Vec<u8> {
        let mut d = b"SUM:".to_vec();
        d.extend_from_slice(strong);
        d.resize(32, 0);
        d
    }

    /// Compares results and every counter with the reference for a set of
    /// queries, twice (the second time long paths come from the cache).
    fn check(weak: &[u32], strongs: &[Vec<u8>], queries: &[(u32, Vec<u8>)]) {
        let flat: Vec<u8> = strongs.concat();
        let sums = BlockSums {
            weak,
            strong: &flat,
            len: 8,
        };
        let reference = Reference::build(sums);
        let index = Index::build(sums).unwrap();
        assert_eq!(index.keys[..], reference.keys[..]);
        assert_eq!(index.blocks[..], reference.blocks[..]);
        assert_eq!(index.bloom[..], reference.bloom[..]);
        let mut cache = PathCache::default();
        for round in 0..2 {
            for (key, strong) in queries {
                let mut want = MatchStats::default();
                let found_want = reference.find(*key, strong, sums, &mut want);
                let mut got = MatchStats::default();
                let data = window_data(strong);
                let mut window = WindowStrong::new(&data, StrongKind::Md4);
                let found = index.find(*key, sums, &mut window, &mut got, &mut cache);
                assert_eq!(found, found_want, "round {round} key {key:#x}");
                assert_eq!(got, want, "round {round} key {key:#x}");
                if let Some(cost) = index.miss_cost(*key) {
                    assert_eq!(want.entrycmp_count, 0, "key {key:#x} is in the table");
                    assert_eq!(cost as i64, want.hashcmp_count, "key {key:#x}");
                }
            }
            // Stretches of keys: the costs up to the first key that needs
            // the table.
            let keys: Vec<u32> = queries.iter().map(|q| q.0).collect();
            let filter = index.miss_filter();
            for start in (0..keys.len()).step_by(5) {
                let stretch = &keys[start..];
                let (sum, stop) = filter.quick_costs(stretch);
                let quick: Vec<Option<u32>> =
                    stretch.iter().map(|&k| filter.quick_cost(k)).collect();
                let want_stop = quick
                    .iter()
                    .position(Option::is_none)
                    .unwrap_or(stretch.len());
                let want_sum: u64 = quick[..want_stop].iter().map(|c| c.unwrap() as u64).sum();
                assert_eq!((sum, stop), (want_sum, want_stop));
            }
        }
    }

    /// 32 random bits from the test suite's one generator.
    fn rng(seed: &mut librsync_rs_scenarios::Rng) -> u32 {
        (seed.next_u64() >> 32) as u32
    }

    #[test]
    fn random_tables_agree_with_librsync() {
        let mut seed = librsync_rs_scenarios::Rng::new(99);
        let n = 5000;
        let weak: Vec<u32> = (0..n)
            .map(|i| if i % 10 == 0 { 0 } else { rng(&mut seed) })
            .collect();
        let strongs: Vec<Vec<u8>> = (0..n as u32).map(|i| strong_of(i % 4000)).collect();
        let mut queries: Vec<(u32, Vec<u8>)> = Vec::new();
        for i in (0..n).step_by(7) {
            queries.push((nozero(weak[i]), strongs[i].clone()));
            queries.push((nozero(weak[i]), strong_of(999_999)));
            queries.push((rng(&mut seed), strong_of(i as u32)));
        }
        check(&weak, &strongs, &queries);
    }

    #[test]
    fn floods_agree_with_librsync() {
        let mut seed = librsync_rs_scenarios::Rng::new(5);
        // 3000 blocks with one weak sum, 600 with keys that share its start
        // bucket, 400 random ones, and duplicates among them.
        let mut weak = Vec::new();
        let mut strongs = Vec::new();
        for i in 0..3000u32 {
            weak.push(0xdead_beef);
            strongs.push(strong_of(i % 2500));
        }
        for i in 0..600u32 {
            weak.push(0xbeef | (rng(&mut seed) << 16));
            strongs.push(strong_of(i));
        }
        for i in 0..400u32 {
            weak.push(rng(&mut seed));
            strongs.push(strong_of(i));
        }
        let mut queries = Vec::new();
        for i in (0..weak.len()).step_by(3) {
            queries.push((weak[i], strongs[i].clone()));
            queries.push((weak[i], strong_of(123_456)));
        }
        for _ in 0..500 {
            queries.push((0xbeef | (rng(&mut seed) << 16), strong_of(1)));
        }
        check(&weak, &strongs, &queries);
    }
}
