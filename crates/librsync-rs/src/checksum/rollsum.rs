//! The rsync rolling checksum (librsync's `Rollsum`).
//!
//! `s1` is the sum of `byte + 31` over the window and `s2` the sum of the
//! running `s1` values; only their low 16 bits matter, so 32-bit wrapping
//! arithmetic gives the same digests as C's `uint_fast16_t`.

use super::{mix32, Rolling};

const CHAR_OFFSET: u32 = 31;

/// Rolling checksum state (`Rollsum` in librsync's `rollsum.h`).
///
/// ```
/// use librsync_rs::checksum::Rollsum;
///
/// // Rolling a 4-byte window over "abcde" gives the sum of "bcde".
/// let mut sum = Rollsum::new();
/// sum.update(b"abcd");
/// sum.rotate(b'a', b'e');
/// let mut fresh = Rollsum::new();
/// fresh.update(b"bcde");
/// assert_eq!(sum.digest(), fresh.digest());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rollsum {
    count: usize,
    s1: u32,
    s2: u32,
}

impl Rollsum {
    /// An empty sum (`RollsumInit`).
    ///
    /// ```
    /// use librsync_rs::checksum::Rollsum;
    ///
    /// let sum = Rollsum::new();
    /// assert_eq!(sum.count(), 0);
    /// ```
    pub fn new() -> Rollsum {
        Rollsum::default()
    }

    /// Adds bytes at the end of the window (`RollsumUpdate`).
    ///
    /// ```
    /// use librsync_rs::checksum::Rollsum;
    ///
    /// let mut a = Rollsum::new();
    /// a.update(b"hello ");
    /// a.update(b"world");
    /// let mut b = Rollsum::new();
    /// b.update(b"hello world");
    /// assert_eq!((a.digest(), a.count()), (b.digest(), 11));
    /// ```
    pub fn update(&mut self, data: &[u8]) {
        let (mut s1, mut s2) = crate::simd::rollsum_sums(self.s1, self.s2, data);
        let len = data.len() as u64;
        s1 = s1.wrapping_add((len as u32).wrapping_mul(CHAR_OFFSET));
        let tri = (len.wrapping_mul(len.wrapping_add(1)) / 2) as u32;
        s2 = s2.wrapping_add(tri.wrapping_mul(CHAR_OFFSET));
        self.count += data.len();
        self.s1 = s1;
        self.s2 = s2;
    }

    /// Adds one byte at the end (`RollsumRollin`).
    ///
    /// ```
    /// use librsync_rs::checksum::Rollsum;
    ///
    /// let mut a = Rollsum::new();
    /// for &byte in b"abc" {
    ///     a.rollin(byte);
    /// }
    /// let mut b = Rollsum::new();
    /// b.update(b"abc");
    /// assert_eq!(a, b);
    /// ```
    pub fn rollin(&mut self, inp: u8) {
        self.s1 = self.s1.wrapping_add(inp as u32 + CHAR_OFFSET);
        self.s2 = self.s2.wrapping_add(self.s1);
        self.count += 1;
    }

    /// Removes the first byte of the window (`RollsumRollout`).
    ///
    /// ```
    /// use librsync_rs::checksum::Rollsum;
    ///
    /// let mut sum = Rollsum::new();
    /// sum.update(b"xabc");
    /// sum.rollout(b'x');
    /// let mut fresh = Rollsum::new();
    /// fresh.update(b"abc");
    /// assert_eq!((sum.digest(), sum.count()), (fresh.digest(), 3));
    /// ```
    pub fn rollout(&mut self, out: u8) {
        let o = out as u32 + CHAR_OFFSET;
        self.s1 = self.s1.wrapping_sub(o);
        self.s2 = self.s2.wrapping_sub((self.count as u32).wrapping_mul(o));
        self.count -= 1;
    }

    /// Slides the window by one byte (`RollsumRotate`).
    ///
    /// ```
    /// use librsync_rs::checksum::Rollsum;
    ///
    /// let mut sum = Rollsum::new();
    /// sum.update(b"abc");
    /// sum.rotate(b'a', b'd'); // the window is now "bcd"
    /// let mut fresh = Rollsum::new();
    /// fresh.update(b"bcd");
    /// assert_eq!(sum.digest(), fresh.digest());
    /// assert_eq!(sum.count(), 3);
    /// ```
    pub fn rotate(&mut self, out: u8, inp: u8) {
        self.s1 = self.s1.wrapping_add(inp as u32).wrapping_sub(out as u32);
        let o = out as u32 + CHAR_OFFSET;
        self.s2 = self
            .s2
            .wrapping_add(self.s1)
            .wrapping_sub((self.count as u32).wrapping_mul(o));
    }

    /// Number of bytes in the window.
    ///
    /// ```
    /// use librsync_rs::checksum::Rollsum;
    ///
    /// let mut sum = Rollsum::new();
    /// sum.update(b"abcd");
    /// sum.rollin(b'e');
    /// assert_eq!(sum.count(), 5);
    /// ```
    pub fn count(&self) -> usize {
        self.count
    }

    /// The 32-bit digest `s2 << 16 | s1 & 0xffff` (`RollsumDigest`), as
    /// stored in signatures.
    ///
    /// ```
    /// use librsync_rs::checksum::{weak_sum, Rollsum, WeakKind};
    ///
    /// let mut sum = Rollsum::new();
    /// sum.update(b"block");
    /// assert_eq!(sum.digest(), weak_sum(WeakKind::Rollsum, b"block"));
    /// ```
    pub fn digest(&self) -> u32 {
        (self.s2 << 16) | (self.s1 & 0xffff)
    }
}

impl Rolling for Rollsum {
    fn fresh() -> Self {
        Rollsum::new()
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
        mix32(self.digest())
    }

    fn table_for_len(len: usize) -> [u32; 256] {
        let count = len as u32;
        std::array::from_fn(|b| count.wrapping_mul(b as u32 + CHAR_OFFSET))
    }

    #[inline]
    fn rotate(&mut self, out: u8, inp: u8, table: &[u32; 256]) {
        self.s1 = self.s1.wrapping_add(inp as u32).wrapping_sub(out as u32);
        self.s2 = self
            .s2
            .wrapping_add(self.s1)
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
        // table[b] = count·(b + 31), so the count the table rotates with is
        // table[1] - table[0], exactly (modulo 2^32).
        let count = table[1].wrapping_sub(table[0]);
        (self.s1, self.s2) =
            crate::simd::rollsum_window_keys(self.s1, self.s2, count, outgoing, incoming, keys);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum_of(data: &[u8]) -> u32 {
        let mut r = Rollsum::new();
        r.update(data);
        r.digest()
    }

    #[test]
    fn spec_vectors() {
        assert_eq!(sum_of(&[]), 0);
        assert_eq!(sum_of(&[0]), 0x001f_001f);
        assert_eq!(sum_of(&[0, 1, 2, 3]), 0x0140_0082);
        assert_eq!(sum_of(&[1, 2, 3, 4]), 0x014a_0086);
        assert_eq!(sum_of(&[4, 5, 6, 7]), 0x0168_0092);
        assert_eq!(sum_of(&[5, 6, 7]), 0x00dc_006f);
    }

    #[test]
    fn rollsum_test_sequence() {
        // The sequence of librsync's rollsum_test.c.
        let mut r = Rollsum::new();
        assert_eq!((r.count(), r.digest()), (0, 0));
        r.rollin(0);
        assert_eq!((r.count(), r.digest()), (1, 0x001f_001f));
        r.rollin(1);
        r.rollin(2);
        r.rollin(3);
        assert_eq!((r.count(), r.digest()), (4, 0x0140_0082));
        r.rotate(0, 4);
        assert_eq!((r.count(), r.digest()), (4, 0x014a_0086));
        r.rotate(1, 5);
        r.rotate(2, 6);
        r.rotate(3, 7);
        assert_eq!((r.count(), r.digest()), (4, 0x0168_0092));
        r.rollout(4);
        assert_eq!((r.count(), r.digest()), (3, 0x00dc_006f));
        r.rollout(5);
        r.rollout(6);
        r.rollout(7);
        assert_eq!((r.count(), r.digest()), (0, 0));
        let buf: Vec<u8> = (0..=255).collect();
        r.update(&buf);
        assert_eq!((r.count(), r.digest()), (256, 0x3a00_9e80));
    }

    #[test]
    fn update_agrees_with_rollin_for_all_lengths() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7919 % 251) as u8).collect();
        for len in 0..data.len() {
            let mut a = Rollsum::new();
            a.update(&data[..len]);
            let mut b = Rollsum::new();
            data[..len].iter().for_each(|&x| b.rollin(x));
            assert_eq!(a.digest(), b.digest(), "len {len}");
        }
    }

    /// `Rolling::window_keys` equals the rotation loop from states no
    /// window of real data reaches: counts that wrap 32 bits, arbitrary
    /// sums, and the all-zero state whose keys are 0 before `nozero`.
    #[test]
    fn window_keys_from_any_state() {
        let data: Vec<u8> = (0..600u32).map(|i| (i * 7919 % 251) as u8).collect();
        let (outgoing, incoming) = data.split_at(300);
        for count in [
            1usize,
            65536,
            3_000_000_007,
            (1 << 32) + 5,
            u32::MAX as usize,
        ] {
            let table = <Rollsum as Rolling>::table_for_len(count);
            for (s1, s2) in [(0, 0), (0x1234_5678, 0x9abc_def0), (u32::MAX, u32::MAX)] {
                let start = Rollsum { count, s1, s2 };
                super::super::tests::check_window_keys(start, &table, outgoing, incoming);
            }
        }
        // With 65536-byte windows of zeros, every key is nozero(mix32(0)).
        let zeros = [0u8; 40];
        let table = <Rollsum as Rolling>::table_for_len(65536);
        let start = Rollsum {
            count: 65536,
            s1: 0,
            s2: 0,
        };
        super::super::tests::check_window_keys(start, &table, &zeros, &zeros);
        let mut keys = [0; 40];
        let mut state = start;
        state.window_keys(&table, &zeros, &zeros, &mut keys);
        assert_eq!(keys, [u32::MAX; 40]);
    }

    #[test]
    fn table_rotation_equals_rotation() {
        let data: Vec<u8> = (0..400u32).map(|i| (i * 31 % 256) as u8).collect();
        let mut a = Rollsum::new();
        a.update(&data[..100]);
        let mut b = a;
        let table = <Rollsum as Rolling>::table_for_len(100);
        for i in 0..300 {
            a.rotate(data[i], data[i + 100]);
            Rolling::rotate(&mut b, data[i], data[i + 100], &table);
            let mut fresh = Rollsum::new();
            fresh.update(&data[i + 1..i + 101]);
            assert_eq!(a.digest(), fresh.digest());
            assert_eq!(b.digest(), fresh.digest());
        }
    }
}
