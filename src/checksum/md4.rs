//! MD4 (RFC 1320) with the exact incremental state of librsync's
//! `rs_mdfour_t`, so that the C ABI can keep that state in the caller's
//! struct.

/// Incremental MD4 state, field for field librsync's `struct rs_mdfour`.
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

#[inline(always)]
fn f(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | (!x & z)
}

#[inline(always)]
fn g(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | (x & z) | (y & z)
}

#[inline(always)]
fn h(x: u32, y: u32, z: u32) -> u32 {
    x ^ y ^ z
}

impl Md4 {
    /// A fresh state (`rs_mdfour_begin`).
    pub fn new() -> Md4 {
        Md4 {
            a: 0x6745_2301,
            b: 0xefcd_ab89,
            c: 0x98ba_dcfe,
            d: 0x1032_5476,
            total_n: 0,
            tail_len: 0,
            tail: [0; 64],
        }
    }

    fn block(&mut self, p: &[u8; 64]) {
        let mut x = [0u32; 16];
        for (word, bytes) in x.iter_mut().zip(p.chunks_exact(4)) {
            *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        let (mut a, mut b, mut c, mut d) = (self.a, self.b, self.c, self.d);
        macro_rules! round1 {
            ($a:ident, $b:ident, $c:ident, $d:ident, $k:expr, $s:expr) => {
                $a = $a
                    .wrapping_add(f($b, $c, $d))
                    .wrapping_add(x[$k])
                    .rotate_left($s)
            };
        }
        macro_rules! round2 {
            ($a:ident, $b:ident, $c:ident, $d:ident, $k:expr, $s:expr) => {
                $a = $a
                    .wrapping_add(g($b, $c, $d))
                    .wrapping_add(x[$k])
                    .wrapping_add(0x5a82_7999)
                    .rotate_left($s)
            };
        }
        macro_rules! round3 {
            ($a:ident, $b:ident, $c:ident, $d:ident, $k:expr, $s:expr) => {
                $a = $a
                    .wrapping_add(h($b, $c, $d))
                    .wrapping_add(x[$k])
                    .wrapping_add(0x6ed9_eba1)
                    .rotate_left($s)
            };
        }
        for i in [0, 4, 8, 12] {
            round1!(a, b, c, d, i, 3);
            round1!(d, a, b, c, i + 1, 7);
            round1!(c, d, a, b, i + 2, 11);
            round1!(b, c, d, a, i + 3, 19);
        }
        for i in [0, 1, 2, 3] {
            round2!(a, b, c, d, i, 3);
            round2!(d, a, b, c, i + 4, 5);
            round2!(c, d, a, b, i + 8, 9);
            round2!(b, c, d, a, i + 12, 13);
        }
        for i in [0, 2, 1, 3] {
            round3!(a, b, c, d, i, 3);
            round3!(d, a, b, c, i + 8, 9);
            round3!(c, d, a, b, i + 4, 11);
            round3!(b, c, d, a, i + 12, 15);
        }
        self.a = self.a.wrapping_add(a);
        self.b = self.b.wrapping_add(b);
        self.c = self.c.wrapping_add(c);
        self.d = self.d.wrapping_add(d);
    }

    /// Feeds bytes (`rs_mdfour_update`).
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
        let mut out = [0u8; 16];
        out[..4].copy_from_slice(&self.a.to_le_bytes());
        out[4..8].copy_from_slice(&self.b.to_le_bytes());
        out[8..12].copy_from_slice(&self.c.to_le_bytes());
        out[12..].copy_from_slice(&self.d.to_le_bytes());
        out
    }
}

/// MD4 of a buffer in one call (`rs_mdfour`).
pub fn md4(data: &[u8]) -> [u8; 16] {
    let mut state = Md4::new();
    state.update(data);
    state.result()
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
}
