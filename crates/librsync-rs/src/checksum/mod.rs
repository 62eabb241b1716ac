//! Checksums: the two rolling weak sums (rollsum and RabinKarp), the two
//! strong sums (MD4 and BLAKE2b-256) and their lengths, and the `mix32`
//! finaliser. Signature magics ([`SigMagic`](crate::SigMagic)) name pairs of
//! these; this module does not depend on them.
//!
//! ```
//! use librsync_rs::checksum::{mix32, strong_sum, weak_sum, StrongKind, WeakKind};
//! use librsync_rs::{io::signature_of, SigMagic, Signature, SignatureOptions, StrongLen};
//!
//! // A signature holds, per block, the weak sum and a prefix of the strong sum.
//! let opts = SignatureOptions::new().magic(SigMagic::Blake2).strong_len(StrongLen::Exact(8));
//! let sig = Signature::from_bytes(&signature_of(b"block", &opts)?)?;
//! assert_eq!(sig.strong_sum(0), Some(&strong_sum(StrongKind::Blake2, b"block")[..8]));
//! // Rollsums are held mixed (as librsync holds them in memory).
//! assert_eq!(sig.weak_sum(0), Some(mix32(weak_sum(WeakKind::Rollsum, b"block"))));
//! # Ok::<(), librsync_rs::Error>(())
//! ```

mod md4;
mod rabinkarp;
mod rollsum;

pub use md4::{md4, Md4};
pub use rabinkarp::RabinKarp;
pub(crate) use rabinkarp::{
    pow as rabinkarp_pow, ADJ as RABINKARP_ADJ, INVM as RABINKARP_INVM, MULT as RABINKARP_MULT,
};
pub use rollsum::Rollsum;

/// Length of an MD4 strong sum (`RS_MD4_SUM_LENGTH`).
///
/// ```
/// use librsync_rs::checksum::{md4, MD4_SUM_LENGTH};
///
/// assert_eq!(md4(b"").len(), MD4_SUM_LENGTH);
/// ```
pub const MD4_SUM_LENGTH: usize = 16;

/// Length of a BLAKE2b-256 strong sum (`RS_BLAKE2_SUM_LENGTH`).
///
/// ```
/// use librsync_rs::checksum::{StrongKind, BLAKE2_SUM_LENGTH};
///
/// assert_eq!(StrongKind::Blake2.digest_len(), BLAKE2_SUM_LENGTH);
/// ```
pub const BLAKE2_SUM_LENGTH: usize = 32;

/// Largest strong sum a signature can hold (`RS_MAX_STRONG_SUM_LENGTH`).
///
/// ```
/// use librsync_rs::checksum::{strong_sum, StrongKind, MAX_STRONG_SUM_LENGTH};
///
/// assert_eq!(strong_sum(StrongKind::Md4, b"x").len(), MAX_STRONG_SUM_LENGTH);
/// ```
pub const MAX_STRONG_SUM_LENGTH: usize = 32;

const _: () = assert!(MD4_SUM_LENGTH <= MAX_STRONG_SUM_LENGTH);
const _: () = assert!(BLAKE2_SUM_LENGTH <= MAX_STRONG_SUM_LENGTH);

/// Which rolling checksum a signature uses (librsync's `weaksum_kind_t`).
///
/// ```
/// use librsync_rs::checksum::WeakKind;
/// use librsync_rs::SigMagic;
///
/// assert_eq!(SigMagic::Blake2.weak_kind(), WeakKind::Rollsum);
/// assert_eq!(SigMagic::RkBlake2.weak_kind(), WeakKind::RabinKarp);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WeakKind {
    /// The original rsync/adler-like rollsum (signature magics `...3x`).
    Rollsum,
    /// The polynomial RabinKarp rolling hash (signature magics `...4x`).
    RabinKarp,
}

/// Which strong checksum a signature uses (librsync's `strongsum_kind_t`).
///
/// ```
/// use librsync_rs::checksum::StrongKind;
/// use librsync_rs::SigMagic;
///
/// assert_eq!(SigMagic::Md4.strong_kind(), StrongKind::Md4);
/// assert_eq!(SigMagic::RkBlake2.strong_kind(), StrongKind::Blake2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StrongKind {
    /// MD4, 16 bytes.
    Md4,
    /// BLAKE2b with a 32-byte digest length parameter.
    Blake2,
}

impl StrongKind {
    /// Full digest length of this hash.
    ///
    /// ```
    /// use librsync_rs::checksum::StrongKind;
    ///
    /// assert_eq!(StrongKind::Md4.digest_len(), 16);
    /// assert_eq!(StrongKind::Blake2.digest_len(), 32);
    /// ```
    pub fn digest_len(self) -> usize {
        match self {
            StrongKind::Md4 => MD4_SUM_LENGTH,
            StrongKind::Blake2 => BLAKE2_SUM_LENGTH,
        }
    }
}

/// A strong sum, padded with zeros to [`MAX_STRONG_SUM_LENGTH`] bytes.
///
/// ```
/// use librsync_rs::checksum::{md4, strong_sum, StrongKind, StrongSum};
///
/// let sum: StrongSum = strong_sum(StrongKind::Md4, b"abc");
/// assert_eq!(sum[..16], md4(b"abc"));
/// assert_eq!(sum[16..], [0; 16]);
/// ```
pub type StrongSum = [u8; MAX_STRONG_SUM_LENGTH];

/// The MurmurHash3 finaliser librsync applies to rollsums before matching.
///
/// ```
/// use librsync_rs::checksum::mix32;
///
/// assert_eq!(mix32(0), 0);
/// assert_ne!(mix32(1), 1);
/// ```
#[inline]
pub fn mix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// The inverse of [`mix32`]: the rollsum a signature file stores, from the
/// value librsync holds in memory.
#[inline]
pub(crate) fn unmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x7ed1_b41d); // 0xc2b2ae35⁻¹ mod 2³²
    h ^= (h >> 13) ^ (h >> 26);
    h = h.wrapping_mul(0xa5cb_9243); // 0x85ebca6b⁻¹ mod 2³²
    h ^= h >> 16;
    h
}

/// Maps 0 to `0xFFFFFFFF` so that 0 can mark empty hash buckets (librsync's
/// `nozero`).
#[inline]
pub(crate) fn nozero(h: u32) -> u32 {
    if h == 0 {
        u32::MAX
    } else {
        h
    }
}

/// The weak sum of a block as stored in signature files
/// (`rs_calc_weak_sum`): a raw rollsum (without `mix32`) or RabinKarp hash.
///
/// ```
/// use librsync_rs::checksum::{weak_sum, WeakKind};
///
/// // rollsum: s1 = s2 = b'a' + 31 = 0x80.
/// assert_eq!(weak_sum(WeakKind::Rollsum, b"a"), 0x0080_0080);
/// // RabinKarp: MULT * 1 + b'a', MULT = 0x08104225.
/// assert_eq!(weak_sum(WeakKind::RabinKarp, b"a"), 0x0810_4225 + 0x61);
/// ```
pub fn weak_sum(kind: WeakKind, data: &[u8]) -> u32 {
    match kind {
        WeakKind::Rollsum => {
            let mut sum = Rollsum::new();
            sum.update(data);
            sum.digest()
        }
        WeakKind::RabinKarp => {
            let mut sum = RabinKarp::new();
            sum.update(data);
            sum.digest()
        }
    }
}

/// BLAKE2b with librsync's parameters: a 32-byte digest, no key.
fn blake2_params() -> blake2b_simd::Params {
    let mut params = blake2b_simd::Params::new();
    params.hash_length(BLAKE2_SUM_LENGTH);
    params
}

/// The full strong sum of a block (`rs_calc_strong_sum`); MD4 fills the first
/// 16 bytes and leaves the rest zero.
///
/// ```
/// use librsync_rs::checksum::{md4, strong_sum, StrongKind};
///
/// assert_eq!(strong_sum(StrongKind::Md4, b"abc")[..16], md4(b"abc"));
/// let blake2 = strong_sum(StrongKind::Blake2, b"abc");
/// assert_ne!(blake2[16..], [0; 16]); // BLAKE2b fills all 32 bytes
/// ```
pub fn strong_sum(kind: StrongKind, data: &[u8]) -> StrongSum {
    let mut out: StrongSum = [0; MAX_STRONG_SUM_LENGTH];
    match kind {
        StrongKind::Md4 => out[..MD4_SUM_LENGTH].copy_from_slice(&md4(data)),
        StrongKind::Blake2 => out.copy_from_slice(blake2_params().hash(data).as_bytes()),
    }
    out
}

/// Most blocks hashed together by [`strong_sums`]: the 16 lanes of the MD4
/// kernel, four rounds of four BLAKE2b lanes.
pub(crate) const STRONG_BATCH: usize = 16;

/// The strong sums of consecutive blocks `data[i * block_len..][..block_len]`,
/// one per element of `out` ([`strong_sum`] of each, computed several blocks
/// at a time where the CPU allows).
pub(crate) fn strong_sums(kind: StrongKind, data: &[u8], block_len: usize, out: &mut [StrongSum]) {
    assert!(block_len > 0 && data.len() == out.len() * block_len);
    match kind {
        StrongKind::Md4 => {
            let mut digests = [[0u8; MD4_SUM_LENGTH]; STRONG_BATCH];
            for (blocks, sums) in data
                .chunks(STRONG_BATCH * block_len)
                .zip(out.chunks_mut(STRONG_BATCH))
            {
                let digests = &mut digests[..sums.len()];
                crate::simd::md4_blocks(blocks, block_len, digests);
                for (sum, digest) in sums.iter_mut().zip(digests.iter()) {
                    *sum = [0; MAX_STRONG_SUM_LENGTH];
                    sum[..MD4_SUM_LENGTH].copy_from_slice(digest);
                }
            }
        }
        StrongKind::Blake2 => {
            let params = blake2_params();
            let mut blocks = data.chunks_exact(block_len);
            let mut sums = out.iter_mut();
            // Four lanes at a time; what is left one by one.
            while blocks.len() >= 4 {
                let mut jobs: [blake2b_simd::many::HashManyJob<'_>; 4] =
                    std::array::from_fn(|_| {
                        let block = blocks.next().expect("four blocks left");
                        blake2b_simd::many::HashManyJob::new(&params, block)
                    });
                blake2b_simd::many::hash_many(jobs.iter_mut());
                for job in &jobs {
                    let sum = sums.next().expect("one sum per block");
                    sum.copy_from_slice(job.to_hash().as_bytes());
                }
            }
            for (sum, block) in sums.zip(blocks) {
                sum.copy_from_slice(params.hash(block).as_bytes());
            }
        }
    }
}

/// A rolling checksum as the delta scanner uses it: generic so that the scan
/// loop is compiled once per kind, with no per-byte dispatch.
pub(crate) trait Rolling: Copy {
    /// A fresh, empty sum.
    fn fresh() -> Self;
    /// Adds bytes at the end.
    fn extend(&mut self, data: &[u8]);
    /// Removes the first byte of the window.
    fn roll_out(&mut self, out: u8);
    /// Number of bytes in the window.
    fn len(&self) -> usize;
    /// The value librsync matches on: `mix32(rollsum)` or the raw RabinKarp
    /// hash (before `nozero`).
    fn match_value(&self) -> u32;
    /// A table for [`Rolling::rotate`] for windows of `len` bytes.
    fn table_for_len(len: usize) -> [u32; 256];
    /// Slides a window by one byte using a table from
    /// [`Rolling::table_for_len`] for its length.
    fn rotate(&mut self, out: u8, inp: u8, table: &[u32; 256]);
    /// For each pair of `outgoing` and `incoming` bytes: the window's key
    /// (`nozero` of its match value) into `keys`, then a rotation with
    /// `table` (from [`Rolling::table_for_len`]), as if by
    /// `*key = nozero(self.match_value()); self.rotate(out, inp, table)`.
    ///
    /// # Panics
    ///
    /// Unless `outgoing`, `incoming` and `keys` have the same length.
    fn window_keys(
        &mut self,
        table: &[u32; 256],
        outgoing: &[u8],
        incoming: &[u8],
        keys: &mut [u32],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that `Rolling::window_keys` from `start` gives the keys and
    /// final state of the loop it stands for (`nozero(match_value)`, then
    /// `rotate`), for every stretch `outgoing[..n]`, `incoming[..n]`.
    pub(super) fn check_window_keys<W: Rolling + PartialEq + std::fmt::Debug>(
        start: W,
        table: &[u32; 256],
        outgoing: &[u8],
        incoming: &[u8],
    ) {
        assert_eq!(outgoing.len(), incoming.len());
        let mut keys = vec![0u32; outgoing.len()];
        for n in 0..=outgoing.len() {
            let (outgoing, incoming) = (&outgoing[..n], &incoming[..n]);
            let mut want_state = start;
            let want: Vec<u32> = outgoing
                .iter()
                .zip(incoming)
                .map(|(&out, &inp)| {
                    let key = nozero(want_state.match_value());
                    want_state.rotate(out, inp, table);
                    key
                })
                .collect();
            let mut state = start;
            keys.fill(0);
            state.window_keys(table, outgoing, incoming, &mut keys[..n]);
            assert_eq!(&keys[..n], &want[..], "keys of {n} windows from {start:?}");
            assert_eq!(state, want_state, "after {n} windows from {start:?}");
        }
    }

    /// `Rolling::window_keys` equals the rotation loop for both kinds, with
    /// windows of various lengths over random, all-0 and all-0xFF data.
    #[test]
    fn window_keys_equal_the_rotation_loop() {
        const STRETCH: usize = 300;
        let random: Vec<u8> = (0..5000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect();
        for data in [random, vec![0; 5000], vec![0xff; 5000]] {
            for window in [1, 2, 7, 31, 64, 700, 2048] {
                let outgoing = &data[..STRETCH];
                let incoming = &data[window..window + STRETCH];
                let mut rollsum = Rollsum::new();
                rollsum.update(&data[..window]);
                let table = <Rollsum as Rolling>::table_for_len(window);
                check_window_keys(rollsum, &table, outgoing, incoming);
                let mut rabinkarp = RabinKarp::new();
                rabinkarp.update(&data[..window]);
                let table = <RabinKarp as Rolling>::table_for_len(window);
                check_window_keys(rabinkarp, &table, outgoing, incoming);
            }
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn mix32_is_murmur_fmix() {
        assert_eq!(mix32(0), 0);
        assert_eq!(mix32(1), 0x514e_28b7);
        assert_eq!(nozero(0), 0xffff_ffff);
        let mut x = 1u32;
        for _ in 0..100_000 {
            x = x.wrapping_mul(0x9e37_79b9).wrapping_add(0x7f4a_7c15);
            assert_eq!(unmix32(mix32(x)), x);
        }
        assert_eq!(unmix32(u32::MAX), unmix32(mix32(unmix32(u32::MAX))));
        assert_eq!(nozero(5), 5);
    }

    #[test]
    fn weak_sums_of_0_to_255() {
        let data: Vec<u8> = (0..=255).collect();
        assert_eq!(weak_sum(WeakKind::Rollsum, &data), 0x3a00_9e80);
        assert_eq!(weak_sum(WeakKind::RabinKarp, &data), 0xc197_2381);
        assert_eq!(weak_sum(WeakKind::Rollsum, b"hello world"), 0x21fe_05b1);
        assert_eq!(weak_sum(WeakKind::RabinKarp, b"hello world"), 0xab36_3389);
    }

    #[test]
    fn batched_strong_sums_equal_one_by_one() {
        let data: Vec<u8> = (0..40_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for kind in [StrongKind::Md4, StrongKind::Blake2] {
            for block_len in [1, 2, 55, 63, 64, 65, 128, 129, 1000, 2048] {
                for count in 0..=17 {
                    let blocks = &data[..count * block_len];
                    let mut batched = vec![[0xaa; 32]; count];
                    strong_sums(kind, blocks, block_len, &mut batched);
                    for (i, block) in blocks.chunks_exact(block_len).enumerate() {
                        assert_eq!(
                            batched[i],
                            strong_sum(kind, block),
                            "{kind:?} block {i} of {count}, {block_len} bytes"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn strong_sums_of_0_to_255() {
        let data: Vec<u8> = (0..=255).collect();
        assert_eq!(
            hex(&strong_sum(StrongKind::Md4, &data)[..16]),
            "298a05bc506e1ecd5a47fd41f874f1d2"
        );
        assert_eq!(&strong_sum(StrongKind::Md4, &data)[16..], &[0u8; 16]);
        assert_eq!(
            hex(&strong_sum(StrongKind::Blake2, &data)),
            "39a7eb9fedc19aabc83425c6755dd90e6f9d0c804964a1f4aaeea3b9fb599835"
        );
        assert_eq!(
            hex(&strong_sum(StrongKind::Blake2, b"hello world")),
            "256c83b297114d201b30179f3f0ef0cace9783622da5974326b436178aeef610"
        );
        assert_eq!(
            hex(&strong_sum(StrongKind::Md4, b"hello world")[..16]),
            "aa010fbc1d14c795d86ef98c95479d17"
        );
    }
}
