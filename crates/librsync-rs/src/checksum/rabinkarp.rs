//! The RabinKarp rolling hash (librsync's `rabinkarp_t`), all arithmetic
//! modulo 2^32: `hash(b1..bn) = MULT^n·SEED + Σ b_i·MULT^(n-i)`.

use super::Rolling;

const SEED: u32 = 1;
/// The multiplier (`RABINKARP_MULT`).
pub(crate) const MULT: u32 = 0x0810_4225;
/// The inverse of [`MULT`] modulo 2^32.
pub(crate) const INVM: u32 = 0x98f0_09ad;
/// `(MULT - 1) * SEED`: a window's first byte `b` counts as `b + ADJ` when
/// it rolls out.
pub(crate) const ADJ: u32 = 0x0810_4224;

/// `base^exp` modulo 2^32.
pub(crate) const fn pow(mut base: u32, mut exp: u64) -> u32 {
    let mut acc = 1u32;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = acc.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        exp >>= 1;
    }
    acc
}

/// RabinKarp rolling hash state.
///
/// ```
/// use librsync_rs::checksum::RabinKarp;
///
/// // Rolling a 4-byte window over "abcde" gives the sum of "bcde".
/// let mut sum = RabinKarp::new();
/// sum.update(b"abcd");
/// sum.rotate(b'a', b'e');
/// let mut fresh = RabinKarp::new();
/// fresh.update(b"bcde");
/// assert_eq!(sum.digest(), fresh.digest());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RabinKarp {
    count: usize,
    hash: u32,
    /// Always `MULT^count`.
    mult: u32,
}

impl Default for RabinKarp {
    fn default() -> RabinKarp {
        RabinKarp::new()
    }
}

impl RabinKarp {
    /// An empty hash (`rabinkarp_init`): hash 1.
    ///
    /// ```
    /// use librsync_rs::checksum::RabinKarp;
    ///
    /// let sum = RabinKarp::new();
    /// assert_eq!(sum.count(), 0);
    /// ```
    pub fn new() -> RabinKarp {
        RabinKarp {
            count: 0,
            hash: SEED,
            mult: 1,
        }
    }

    /// Adds bytes at the end (`rabinkarp_update`).
    ///
    /// ```
    /// use librsync_rs::checksum::RabinKarp;
    ///
    /// let mut a = RabinKarp::new();
    /// a.update(b"hello ");
    /// a.update(b"world");
    /// let mut b = RabinKarp::new();
    /// b.update(b"hello world");
    /// assert_eq!((a.digest(), a.count()), (b.digest(), 11));
    /// ```
    pub fn update(&mut self, data: &[u8]) {
        self.hash = crate::simd::rabinkarp_hash(self.hash, data);
        self.count += data.len();
        // MULT has multiplicative order 2^30, so truncating to 32 bits is
        // harmless (C does the same).
        self.mult = self.mult.wrapping_mul(pow(MULT, data.len() as u64));
    }

    /// Adds one byte at the end (`rabinkarp_rollin`).
    ///
    /// ```
    /// use librsync_rs::checksum::RabinKarp;
    ///
    /// let mut a = RabinKarp::new();
    /// for &byte in b"abc" {
    ///     a.rollin(byte);
    /// }
    /// let mut b = RabinKarp::new();
    /// b.update(b"abc");
    /// assert_eq!(a, b);
    /// ```
    pub fn rollin(&mut self, inp: u8) {
        self.hash = self.hash.wrapping_mul(MULT).wrapping_add(inp as u32);
        self.count += 1;
        self.mult = self.mult.wrapping_mul(MULT);
    }

    /// Removes the first byte (`rabinkarp_rollout`).
    ///
    /// ```
    /// use librsync_rs::checksum::RabinKarp;
    ///
    /// let mut sum = RabinKarp::new();
    /// sum.update(b"xabc");
    /// sum.rollout(b'x');
    /// let mut fresh = RabinKarp::new();
    /// fresh.update(b"abc");
    /// assert_eq!((sum.digest(), sum.count()), (fresh.digest(), 3));
    /// ```
    pub fn rollout(&mut self, out: u8) {
        self.count -= 1;
        self.mult = self.mult.wrapping_mul(INVM);
        self.hash = self
            .hash
            .wrapping_sub(self.mult.wrapping_mul((out as u32).wrapping_add(ADJ)));
    }

    /// Slides the window by one byte (`rabinkarp_rotate`).
    ///
    /// ```
    /// use librsync_rs::checksum::RabinKarp;
    ///
    /// let mut sum = RabinKarp::new();
    /// sum.update(b"abc");
    /// sum.rotate(b'a', b'd'); // the window is now "bcd"
    /// let mut fresh = RabinKarp::new();
    /// fresh.update(b"bcd");
    /// assert_eq!(sum.digest(), fresh.digest());
    /// assert_eq!(sum.count(), 3);
    /// ```
    pub fn rotate(&mut self, out: u8, inp: u8) {
        self.hash = self
            .hash
            .wrapping_mul(MULT)
            .wrapping_add(inp as u32)
            .wrapping_sub(self.mult.wrapping_mul((out as u32).wrapping_add(ADJ)));
    }

    /// Number of bytes hashed.
    ///
    /// ```
    /// use librsync_rs::checksum::RabinKarp;
    ///
    /// let mut sum = RabinKarp::new();
    /// sum.update(b"abcd");
    /// sum.rollin(b'e');
    /// assert_eq!(sum.count(), 5);
    /// ```
    pub fn count(&self) -> usize {
        self.count
    }

    /// The hash value (`rabinkarp_digest`), stored as is in signatures.
    ///
    /// ```
    /// use librsync_rs::checksum::{weak_sum, RabinKarp, WeakKind};
    ///
    /// let mut sum = RabinKarp::new();
    /// sum.update(b"block");
    /// assert_eq!(sum.digest(), weak_sum(WeakKind::RabinKarp, b"block"));
    /// ```
    pub fn digest(&self) -> u32 {
        self.hash
    }
}

impl Rolling for RabinKarp {
    fn fresh() -> Self {
        RabinKarp::new()
    }

    fn extend(&mut self, data: &[u8]) {
        self.update(data)
    }

    fn roll_out(&mut self, out: u8) {
        self.rollout(out)
    }

    fn len(&self) -> usize {
        self.count
    }

    #[inline]
    fn match_value(&self) -> u32 {
        self.hash
    }

    fn table_for_len(len: usize) -> [u32; 256] {
        let mult = pow(MULT, len as u64);
        std::array::from_fn(|b| mult.wrapping_mul((b as u32).wrapping_add(ADJ)))
    }

    #[inline]
    fn rotate(&mut self, out: u8, inp: u8, table: &[u32; 256]) {
        self.hash = self
            .hash
            .wrapping_mul(MULT)
            .wrapping_add(inp as u32)
            .wrapping_sub(table[out as usize]);
    }

    #[inline]
    fn window_keys(
        &mut self,
        table: &[u32; 256],
        outgoing: &[u8],
        incoming: &[u8],
        keys: &mut [u32],
    ) {
        // table[b] = MULT^len·(b + ADJ), so the power the table rotates with
        // is table[1] - table[0], exactly (modulo 2^32).
        let mult_out = table[1].wrapping_sub(table[0]);
        self.hash =
            crate::simd::rabinkarp_window_keys(self.hash, mult_out, outgoing, incoming, keys);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(data: &[u8]) -> u32 {
        let mut r = RabinKarp::new();
        r.update(data);
        r.digest()
    }

    #[test]
    fn constants() {
        assert_eq!(MULT.wrapping_mul(INVM), 1);
        assert_eq!(ADJ, (MULT - 1) * SEED);
        assert_eq!(pow(MULT, 2), 0xa5b7_1959);
        assert_eq!(pow(MULT, 1 << 30), 1);
    }

    #[test]
    fn spec_vectors() {
        assert_eq!(hash_of(&[]), 0x0000_0001);
        assert_eq!(hash_of(&[0]), 0x0810_4225);
        assert_eq!(hash_of(&[0, 1, 2, 3]), 0xaf98_1e97);
        assert_eq!(hash_of(&[1, 2, 3, 4]), 0xe2ef_15f3);
        assert_eq!(hash_of(&[4, 5, 6, 7]), 0x7cf3_fc07);
        assert_eq!(hash_of(&[5, 6, 7]), 0xf284_a77f);
    }

    #[test]
    fn rabinkarp_test_sequence() {
        // The sequence of librsync's rabinkarp_test.c.
        let mut r = RabinKarp::new();
        assert_eq!((r.count(), r.digest()), (0, 1));
        r.rollin(0);
        assert_eq!((r.count(), r.digest()), (1, 0x0810_4225));
        r.rollin(1);
        r.rollin(2);
        r.rollin(3);
        assert_eq!((r.count(), r.digest()), (4, 0xaf98_1e97));
        r.rotate(0, 4);
        assert_eq!((r.count(), r.digest()), (4, 0xe2ef_15f3));
        r.rotate(1, 5);
        r.rotate(2, 6);
        r.rotate(3, 7);
        assert_eq!((r.count(), r.digest()), (4, 0x7cf3_fc07));
        r.rollout(4);
        assert_eq!((r.count(), r.digest()), (3, 0xf284_a77f));
        r.rollout(5);
        r.rollout(6);
        r.rollout(7);
        assert_eq!((r.count(), r.digest()), (0, 1));
        let buf: Vec<u8> = (0..=255).collect();
        r.update(&buf);
        assert_eq!((r.count(), r.digest()), (256, 0xc197_2381));
    }

    #[test]
    fn update_agrees_with_rollin() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7919 % 251) as u8).collect();
        for len in 0..data.len() {
            let mut b = RabinKarp::new();
            data[..len].iter().for_each(|&x| b.rollin(x));
            assert_eq!(hash_of(&data[..len]), b.digest(), "len {len}");
            let mut a = RabinKarp::new();
            a.update(&data[..len]);
            assert_eq!(a.mult, b.mult);
        }
    }

    /// `Rolling::window_keys` equals the rotation loop from states no
    /// window of real data reaches: arbitrary hashes, long windows, and
    /// hashes that are 0 before `nozero`.
    #[test]
    fn window_keys_from_any_state() {
        let data: Vec<u8> = (0..600u32).map(|i| (i * 7919 % 251) as u8).collect();
        let (outgoing, incoming) = data.split_at(300);
        for count in [1usize, 65536, 3_000_000_007, (1 << 32) + 5] {
            let table = <RabinKarp as Rolling>::table_for_len(count);
            let mult = pow(MULT, count as u64);
            for hash in [0, 1, 0x9abc_def0, u32::MAX] {
                let start = RabinKarp { count, hash, mult };
                super::super::tests::check_window_keys(start, &table, outgoing, incoming);
            }
            // A hash that reaches 0 at window 37: the hash after `i` slides
            // is `hash·MULT^i` plus what the slides add, so start from
            // minus that sum over MULT^37.
            let mut from_zero = RabinKarp {
                count,
                hash: 0,
                mult,
            };
            for i in 0..37 {
                Rolling::rotate(&mut from_zero, outgoing[i], incoming[i], &table);
            }
            let hash = from_zero.hash.wrapping_neg().wrapping_mul(pow(INVM, 37));
            let start = RabinKarp { count, hash, mult };
            let mut keys = [0; 300];
            let mut state = start;
            state.window_keys(&table, outgoing, incoming, &mut keys);
            assert_eq!(keys[37], u32::MAX);
            super::super::tests::check_window_keys(start, &table, outgoing, incoming);
        }
    }

    #[test]
    fn table_rotation_equals_fresh_hash() {
        let data: Vec<u8> = (0..400u32).map(|i| (i * 31 % 256) as u8).collect();
        let mut a = RabinKarp::new();
        a.update(&data[..100]);
        let table = <RabinKarp as Rolling>::table_for_len(100);
        for i in 0..300 {
            Rolling::rotate(&mut a, data[i], data[i + 100], &table);
            assert_eq!(a.digest(), hash_of(&data[i + 1..i + 101]));
        }
    }
}
