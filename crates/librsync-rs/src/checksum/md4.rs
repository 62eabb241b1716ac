//! MD4 (RFC 1320) with the exact incremental state of librsync's
//! `rs_mdfour_t`, so that the C ABI can keep that state in the caller's
//! struct.

/// Incremental MD4 state, field for field librsync's `struct rs_mdfour`.
///
/// ```
/// use librsync_rs::checksum::{md4, Md4};
///
/// let mut h = Md4::new();
/// h.update(b"ab");
/// h.update(b"c");
/// assert_eq!(h.result(), md4(b"abc"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Md4 {
    pub(crate) a: u32,
    pub(crate) b: u32,
    pub(crate) c: u32,
    pub(crate) d: u32,
    /// Total bytes fed, padding included.
    pub(crate) total_n: u64,
    /// Bytes waiting in `tail` (0..64).
    pub(crate) tail_len: usize,
    pub(crate) tail: [u8; 64],
}

impl Default for Md4 {
    fn default() -> Md4 {
        Md4::new()
    }
}

/// MD4's initial chaining values A, B, C, D.
const INIT: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

/// One MD4 compression of the 64-byte block `p` into the chaining values
/// `[a, b, c, d]`. The message words are read in place, and every step is
/// written out, so that all indices are constants.
#[inline(always)]
fn compress(state: [u32; 4], p: &[u8; 64]) -> [u32; 4] {
    macro_rules! x {
        ($k:literal) => {
            u32::from_le_bytes([p[4 * $k], p[4 * $k + 1], p[4 * $k + 2], p[4 * $k + 3]])
        };
    }
    macro_rules! step {
        ($f:expr, $a:ident, $k:literal, $t:expr, $s:literal) => {
            $a = $a
                .wrapping_add(x!($k))
                .wrapping_add($t)
                .wrapping_add($f)
                .rotate_left($s)
        };
    }
    // The rounds' functions F, G and H: their first argument `b` is the
    // value the step before computed, and the step adds what depends on it
    // last, so that it waits on that step for as few operations as
    // possible. G(b, c, d), the bitwise majority, is `c & d` where c and d
    // agree and `b` where they differ: the sum (with no carries) of
    // `c & d`, which need not wait for `b`, and `b & (c ^ d)`.
    macro_rules! r1 {
        ($a:ident, $b:ident, $c:ident, $d:ident, $k:literal, $s:literal) => {
            step!($d ^ ($b & ($c ^ $d)), $a, $k, 0, $s)
        };
    }
    macro_rules! r2 {
        ($a:ident, $b:ident, $c:ident, $d:ident, $k:literal, $s:literal) => {
            step!(
                $b & ($c ^ $d),
                $a,
                $k,
                0x5a82_7999u32.wrapping_add($c & $d),
                $s
            )
        };
    }
    macro_rules! r3 {
        ($a:ident, $b:ident, $c:ident, $d:ident, $k:literal, $s:literal) => {
            step!($b ^ ($c ^ $d), $a, $k, 0x6ed9_eba1, $s)
        };
    }
    let [mut a, mut b, mut c, mut d] = state;
    r1!(a, b, c, d, 0, 3);
    r1!(d, a, b, c, 1, 7);
    r1!(c, d, a, b, 2, 11);
    r1!(b, c, d, a, 3, 19);
    r1!(a, b, c, d, 4, 3);
    r1!(d, a, b, c, 5, 7);
    r1!(c, d, a, b, 6, 11);
    r1!(b, c, d, a, 7, 19);
    r1!(a, b, c, d, 8, 3);
    r1!(d, a, b, c, 9, 7);
    r1!(c, d, a, b, 10, 11);
    r1!(b, c, d, a, 11, 19);
    r1!(a, b, c, d, 12, 3);
    r1!(d, a, b, c, 13, 7);
    r1!(c, d, a, b, 14, 11);
    r1!(b, c, d, a, 15, 19);

    r2!(a, b, c, d, 0, 3);
    r2!(d, a, b, c, 4, 5);
    r2!(c, d, a, b, 8, 9);
    r2!(b, c, d, a, 12, 13);
    r2!(a, b, c, d, 1, 3);
    r2!(d, a, b, c, 5, 5);
    r2!(c, d, a, b, 9, 9);
    r2!(b, c, d, a, 13, 13);
    r2!(a, b, c, d, 2, 3);
    r2!(d, a, b, c, 6, 5);
    r2!(c, d, a, b, 10, 9);
    r2!(b, c, d, a, 14, 13);
    r2!(a, b, c, d, 3, 3);
    r2!(d, a, b, c, 7, 5);
    r2!(c, d, a, b, 11, 9);
    r2!(b, c, d, a, 15, 13);

    r3!(a, b, c, d, 0, 3);
    r3!(d, a, b, c, 8, 9);
    r3!(c, d, a, b, 4, 11);
    r3!(b, c, d, a, 12, 15);
    r3!(a, b, c, d, 2, 3);
    r3!(d, a, b, c, 10, 9);
    r3!(c, d, a, b, 6, 11);
    r3!(b, c, d, a, 14, 15);
    r3!(a, b, c, d, 1, 3);
    r3!(d, a, b, c, 9, 9);
    r3!(c, d, a, b, 5, 11);
    r3!(b, c, d, a, 13, 15);
    r3!(a, b, c, d, 3, 3);
    r3!(d, a, b, c, 11, 9);
    r3!(c, d, a, b, 7, 11);
    r3!(b, c, d, a, 15, 15);

    [
        state[0].wrapping_add(a),
        state[1].wrapping_add(b),
        state[2].wrapping_add(c),
        state[3].wrapping_add(d),
    ]
}

/// The digest of chaining values `[a, b, c, d]`: each little-endian.
fn digest(state: [u32; 4]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_le_bytes());
    }
    out
}

impl Md4 {
    /// A fresh state (`rs_mdfour_begin`).
    ///
    /// ```
    /// use librsync_rs::checksum::Md4;
    ///
    /// // MD4 of the empty string (RFC 1320's first test vector).
    /// assert_eq!(Md4::new().result()[..4], [0x31, 0xd6, 0xcf, 0xe0]);
    /// ```
    pub fn new() -> Md4 {
        let [a, b, c, d] = INIT;
        Md4 {
            a,
            b,
            c,
            d,
            total_n: 0,
            tail_len: 0,
            tail: [0; 64],
        }
    }

    /// Compresses one 64-byte block into the chaining values.
    #[inline]
    fn block(&mut self, p: &[u8; 64]) {
        [self.a, self.b, self.c, self.d] = compress([self.a, self.b, self.c, self.d], p);
    }

    /// Feeds bytes (`rs_mdfour_update`).
    ///
    /// ```
    /// use librsync_rs::checksum::{md4, Md4};
    ///
    /// let data = [7u8; 100];
    /// let mut h = Md4::new();
    /// for piece in data.chunks(33) {
    ///     h.update(piece);
    /// }
    /// assert_eq!(h.result(), md4(&data));
    /// ```
    pub fn update(&mut self, mut input: &[u8]) {
        self.total_n = self.total_n.wrapping_add(input.len() as u64);
        if self.tail_len > 0 {
            let gap = 64 - self.tail_len;
            if gap <= input.len() {
                self.tail[self.tail_len..].copy_from_slice(&input[..gap]);
                let tail = self.tail;
                self.block(&tail);
                input = &input[gap..];
                self.tail_len = 0;
            }
        }
        let mut blocks = input.chunks_exact(64);
        for block in &mut blocks {
            self.block(block.try_into().expect("64-byte chunk"));
        }
        let rest = blocks.remainder();
        if !rest.is_empty() {
            self.tail[self.tail_len..self.tail_len + rest.len()].copy_from_slice(rest);
            self.tail_len += rest.len();
        }
    }

    /// Pads, and returns the digest (`rs_mdfour_result`). Like C, it leaves
    /// the padding in the state: calling it twice gives a different value.
    ///
    /// ```
    /// use librsync_rs::checksum::Md4;
    ///
    /// let mut h = Md4::new();
    /// h.update(b"abc");
    /// let digest = h.result();
    /// assert_eq!(digest[..4], [0xa4, 0x48, 0x01, 0x7a]); // a448017a...
    /// assert_ne!(h.result(), digest); // the padding stayed in the state
    /// ```
    pub fn result(&mut self) -> [u8; 16] {
        let bits = self.total_n.wrapping_shl(3).to_le_bytes();
        let pad_len = if self.tail_len < 56 {
            56 - self.tail_len
        } else {
            120 - self.tail_len
        };
        let mut padding = [0u8; 64];
        padding[0] = 0x80;
        self.update(&padding[..pad_len]);
        self.update(&bits);
        digest([self.a, self.b, self.c, self.d])
    }
}

/// MD4 of a buffer in one call (`rs_mdfour`): the same digest as
/// [`Md4::update`] and [`Md4::result`], going straight over the buffer's
/// 64-byte blocks and padding the rest on the stack.
///
/// ```
/// use librsync_rs::checksum::md4;
///
/// assert_eq!(
///     md4(b"abc"),
///     [0xa4, 0x48, 0x01, 0x7a, 0xaf, 0x21, 0xd8, 0x52, 0x5f, 0xc1, 0x0a, 0xe8, 0x7a, 0xa6, 0x72, 0x9d]
/// );
/// ```
pub fn md4(data: &[u8]) -> [u8; 16] {
    let mut state = INIT;
    let mut blocks = data.chunks_exact(64);
    for block in &mut blocks {
        state = compress(state, block.try_into().expect("64-byte chunk"));
    }
    // The rest, 0x80, zeros, and the length in bits (modulo 2^64) end the
    // last block, or spill into one more.
    let rest = blocks.remainder();
    let end = if rest.len() < 56 { 64 } else { 128 };
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    tail[end - 8..end].copy_from_slice(&(data.len() as u64).wrapping_shl(3).to_le_bytes());
    for block in tail[..end].chunks_exact(64) {
        state = compress(state, block.try_into().expect("64-byte chunk"));
    }
    digest(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::md4::Digest;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn rfc1320_vectors() {
        let cases = [
            ("", "31d6cfe0d16ae931b73c59d7e0c089c0"),
            ("a", "bde52cb31de33e46245e05fbdbd6fb24"),
            ("abc", "a448017aaf21d8525fc10ae87aa6729d"),
            ("message digest", "d9130a8164549fe818874806e1c7014b"),
            (
                "abcdefghijklmnopqrstuvwxyz",
                "d79e1c308aa5bbcdeea8ed63df412da9",
            ),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "e33b4ddc9c38f2199c3e7b164fcc0536",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(hex(&md4(input.as_bytes())), want, "{input:?}");
        }
    }

    #[test]
    fn agrees_with_the_md4_crate_for_any_split() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 131 % 256) as u8).collect();
        for len in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 500, 1000] {
            let want = ::md4::Md4::digest(&data[..len]);
            assert_eq!(md4(&data[..len])[..], want[..], "len {len}");
            for split in [0, 1, 3, 63, 64, 100] {
                let split = split.min(len);
                let mut state = Md4::new();
                state.update(&data[..split]);
                state.update(&data[split..len]);
                assert_eq!(state.result()[..], want[..], "len {len} split {split}");
            }
        }
    }

    #[test]
    fn one_shot_agrees_with_incremental_for_every_length() {
        let data: Vec<u8> = (0..700u32).map(|i| (i * 7919 % 256) as u8).collect();
        for len in 0..=data.len() {
            let want = ::md4::Md4::digest(&data[..len]);
            assert_eq!(md4(&data[..len])[..], want[..], "len {len}");
            let mut state = Md4::new();
            state.update(&data[..len / 3]);
            state.update(&data[len / 3..len]);
            assert_eq!(state.result()[..], want[..], "len {len}");
        }
        let ones = [0xffu8; 200];
        for len in 0..=ones.len() {
            let want = ::md4::Md4::digest(&ones[..len]);
            assert_eq!(md4(&ones[..len])[..], want[..], "len {len} of 0xff");
        }
    }
}
