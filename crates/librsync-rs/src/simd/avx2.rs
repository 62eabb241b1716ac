//! The AVX2 kernels. Every function here is an `unsafe fn` compiled with
//! `#[target_feature(enable = "avx2")]`: calling one is sound only on a CPU
//! with AVX2, which [`super::simd_enabled`] (or a test) has checked. Memory
//! is only touched through references of the exact size (`&[u8; 32]`,
//! `&[u8; 16]`, `&[u8; 8]`, `&[u32; 8]`, `&mut [u32; 8]`), so no bounds
//! reasoning hides in pointers.

use std::arch::x86_64::*;

use super::{
    check_md4_blocks, check_window_keys, pow, scalar, RABINKARP_ADJ, RABINKARP_INVM, RABINKARP_MULT,
};

/// The `N` bytes of `s` from `off` on, as an array reference (panics if
/// they are not all there).
#[inline(always)]
fn at<const N: usize>(s: &[u8], off: usize) -> &[u8; N] {
    s[off..off + N].try_into().expect("slice of N bytes")
}

/// Loads 32 bytes.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load32(bytes: &[u8; 32]) -> __m256i {
    // SAFETY: `bytes` refers to 32 readable bytes, and `loadu` has no
    // alignment requirement.
    unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) }
}

/// Loads 8 bytes, zero-extended into the eight 32-bit lanes.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load8_widen(bytes: &[u8; 8]) -> __m256i {
    // SAFETY: `bytes` refers to 8 readable bytes, and `_mm_loadl_epi64`
    // reads exactly 8 bytes with no alignment requirement.
    let v = unsafe { _mm_loadl_epi64(bytes.as_ptr().cast()) };
    _mm256_cvtepu8_epi32(v)
}

/// Loads eight `u32`s into the eight 32-bit lanes.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load_u32s(words: &[u32; 8]) -> __m256i {
    // SAFETY: `words` refers to 32 readable bytes, and `loadu` has no
    // alignment requirement.
    unsafe { _mm256_loadu_si256(words.as_ptr().cast()) }
}

/// The eight 32-bit lanes of `v`.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn store_u32s(v: __m256i) -> [u32; 8] {
    let mut words = [0u32; 8];
    // SAFETY: `words` is 32 writable bytes, and `storeu` has no alignment
    // requirement.
    unsafe { _mm256_storeu_si256(words.as_mut_ptr().cast(), v) };
    words
}

/// Stores the eight 32-bit lanes of `v` into `words`.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn store_into(words: &mut [u32; 8], v: __m256i) {
    // SAFETY: `words` is 32 writable bytes, and `storeu` has no alignment
    // requirement.
    unsafe { _mm256_storeu_si256(words.as_mut_ptr().cast(), v) };
}

/// Loads 16 bytes.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load16(bytes: &[u8; 16]) -> __m128i {
    // SAFETY: `bytes` refers to 16 readable bytes, and `loadu` has no
    // alignment requirement.
    unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) }
}

/// The wrapping sum of the four 32-bit lanes of `v`.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn hsum128(v: __m128i) -> u32 {
    let v = _mm_add_epi32(v, _mm_unpackhi_epi64(v, v));
    let v = _mm_add_epi32(v, _mm_shuffle_epi32::<0b01>(v));
    _mm_cvtsi128_si32(v) as u32
}

/// The wrapping sum of the eight 32-bit lanes of `v`.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn hsum(v: __m256i) -> u32 {
    hsum128(_mm_add_epi32(
        _mm256_castsi256_si128(v),
        _mm256_extracti128_si256::<1>(v),
    ))
}

// ---------------------------------------------------------------- MD4 ----

/// Blocks hashed at once by one set of MD4 state vectors, one per 32-bit
/// lane. The kernel runs two sets, sixteen blocks, interleaved.
const LANES: usize = 8;

/// A last group of at most [`LANES`] blocks goes through one set of lanes
/// (some duplicated) from this many blocks on, and through the scalar code
/// one block at a time below it: one set of lanes hashes two blocks faster
/// than the scalar code (measured by the `kernel_speed` test).
const MIN_GROUP: usize = 2;

/// MD4 digests of the consecutive `block_len`-byte blocks of `data` into
/// `out` (see [`super::md4_blocks`]), sixteen blocks at a time.
///
/// # Panics
///
/// Unless `block_len > 0` and `data.len() == out.len() * block_len`.
///
/// # Safety
///
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn md4_blocks(data: &[u8], block_len: usize, out: &mut [[u8; 16]]) {
    check_md4_blocks(data.len(), block_len, out.len());
    // Sixteen blocks at a time; in a last group of fewer, lanes past the
    // last block hash that block again.
    let group_len = block_len.saturating_mul(2 * LANES);
    for (group, digests) in data.chunks(group_len).zip(out.chunks_mut(2 * LANES)) {
        let n = digests.len();
        let block = |i: usize| {
            let i = i.min(n - 1);
            &group[i * block_len..(i + 1) * block_len]
        };
        macro_rules! lanes {
            ($first:expr) => {
                [
                    block($first),
                    block($first + 1),
                    block($first + 2),
                    block($first + 3),
                    block($first + 4),
                    block($first + 5),
                    block($first + 6),
                    block($first + 7),
                ]
            };
        }
        if n > LANES {
            let [lo, hi] = md4_lanes(&[lanes!(0), lanes!(LANES)]);
            digests[..LANES].copy_from_slice(&lo);
            digests[LANES..].copy_from_slice(&hi[..n - LANES]);
        } else if n >= MIN_GROUP {
            let [all] = md4_lanes(&[lanes!(0)]);
            digests.copy_from_slice(&all[..n]);
        } else {
            scalar::md4_blocks(group, block_len, digests);
        }
    }
}

/// The MD4 digests of `G` groups of eight byte strings, all of the same
/// length; the groups' steps are interleaved, so that each hides the
/// latency of the others'.
///
/// # Safety
///
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn md4_lanes<const G: usize>(
    lanes: &[[&[u8]; LANES]; G],
) -> [[[u8; 16]; LANES]; G] {
    let len = lanes[0][0].len();
    assert!(lanes.iter().flatten().all(|lane| lane.len() == len));
    let init = [
        _mm256_set1_epi32(0x6745_2301),
        _mm256_set1_epi32(0xefcd_ab89_u32 as i32),
        _mm256_set1_epi32(0x98ba_dcfe_u32 as i32),
        _mm256_set1_epi32(0x1032_5476),
    ];
    let mut state = [init; G];
    // The padding, 0x80, zeros and the bit length, is the same in every
    // lane but for the tail bytes it follows; it takes one block or two.
    let full = len / 64;
    let rest = len % 64;
    let end = if rest < 56 { 64 } else { 128 };
    let bits = ((len as u64) << 3).to_le_bytes();
    let mut tails = [[[0u8; 128]; LANES]; G];
    for (tails, lanes) in tails.iter_mut().zip(lanes) {
        for (tail, lane) in tails.iter_mut().zip(lanes) {
            tail[..rest].copy_from_slice(&lane[64 * full..]);
            tail[rest] = 0x80;
            tail[end - 8..end].copy_from_slice(&bits);
        }
    }
    let mut tail_lanes = [[&[][..]; LANES]; G];
    for (refs, tails) in tail_lanes.iter_mut().zip(&tails) {
        for (r, tail) in refs.iter_mut().zip(tails) {
            *r = &tail[..end];
        }
    }
    let zero = _mm256_setzero_si256();
    let mut words = [[zero; 16]; G];
    // One call site, so that `compress` is inlined into the loop.
    for j in 0..full + end / 64 {
        for g in 0..G {
            words[g] = if j < full {
                load_words(&lanes[g], 64 * j)
            } else {
                load_words(&tail_lanes[g], 64 * (j - full))
            };
        }
        compress(&mut state, &words);
    }

    let mut digests = [[[0u8; 16]; LANES]; G];
    for (digests, state) in digests.iter_mut().zip(&state) {
        let words = [
            store_u32s(state[0]),
            store_u32s(state[1]),
            store_u32s(state[2]),
            store_u32s(state[3]),
        ];
        for (lane, digest) in digests.iter_mut().enumerate() {
            for (k, word) in words.iter().enumerate() {
                digest[4 * k..4 * k + 4].copy_from_slice(&word[lane].to_le_bytes());
            }
        }
    }
    digests
}

/// The sixteen message words of the 64 bytes at `off` in each lane,
/// transposed: word `k` of lane `l` lands in lane `l` of vector `k`.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load_words(lanes: &[&[u8]; LANES], off: usize) -> [__m256i; 16] {
    macro_rules! rows {
        ($off:expr) => {
            [
                at::<32>(lanes[0], $off),
                at::<32>(lanes[1], $off),
                at::<32>(lanes[2], $off),
                at::<32>(lanes[3], $off),
                at::<32>(lanes[4], $off),
                at::<32>(lanes[5], $off),
                at::<32>(lanes[6], $off),
                at::<32>(lanes[7], $off),
            ]
        };
    }
    let lo = transpose(rows!(off));
    let hi = transpose(rows!(off + 32));
    [
        lo[0], lo[1], lo[2], lo[3], lo[4], lo[5], lo[6], lo[7], //
        hi[0], hi[1], hi[2], hi[3], hi[4], hi[5], hi[6], hi[7],
    ]
}

/// Loads eight rows of eight 32-bit words and transposes them: lane `l` of
/// vector `k` is word `k` of row `l`.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn transpose(rows: [&[u8; 32]; 8]) -> [__m256i; 8] {
    let r = [
        load32(rows[0]),
        load32(rows[1]),
        load32(rows[2]),
        load32(rows[3]),
        load32(rows[4]),
        load32(rows[5]),
        load32(rows[6]),
        load32(rows[7]),
    ];
    // Within each 128-bit half (words 0-3 below, 4-7 above), pair rows...
    let t0 = _mm256_unpacklo_epi32(r[0], r[1]); // 00 10 01 11 | 04 14 05 15
    let t1 = _mm256_unpackhi_epi32(r[0], r[1]); // 02 12 03 13 | 06 16 07 17
    let t2 = _mm256_unpacklo_epi32(r[2], r[3]);
    let t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    let t4 = _mm256_unpacklo_epi32(r[4], r[5]);
    let t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    let t6 = _mm256_unpacklo_epi32(r[6], r[7]);
    let t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    // ...then quadruples: word k of rows 0-3 (or 4-7), word k+4 above...
    let u0 = _mm256_unpacklo_epi64(t0, t2); // 00 10 20 30 | 04 14 24 34
    let u1 = _mm256_unpackhi_epi64(t0, t2); // 01 11 21 31 | 05 15 25 35
    let u2 = _mm256_unpacklo_epi64(t1, t3); // 02 .. | 06 ..
    let u3 = _mm256_unpackhi_epi64(t1, t3); // 03 .. | 07 ..
    let u4 = _mm256_unpacklo_epi64(t4, t6); // 40 50 60 70 | 44 54 64 74
    let u5 = _mm256_unpackhi_epi64(t4, t6);
    let u6 = _mm256_unpacklo_epi64(t5, t7);
    let u7 = _mm256_unpackhi_epi64(t5, t7);
    // ...and join the halves of rows 0-3 and 4-7.
    [
        _mm256_permute2x128_si256::<0x20>(u0, u4),
        _mm256_permute2x128_si256::<0x20>(u1, u5),
        _mm256_permute2x128_si256::<0x20>(u2, u6),
        _mm256_permute2x128_si256::<0x20>(u3, u7),
        _mm256_permute2x128_si256::<0x31>(u0, u4),
        _mm256_permute2x128_si256::<0x31>(u1, u5),
        _mm256_permute2x128_si256::<0x31>(u2, u6),
        _mm256_permute2x128_si256::<0x31>(u3, u7),
    ]
}

/// One MD4 compression of a 64-byte block per lane, in each of `G` groups
/// of lanes: `x[g][k]` holds message word `k` of every lane of group `g`.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn compress<const G: usize>(state: &mut [[__m256i; 4]; G], x: &[[__m256i; 16]; G]) {
    let mut a = [_mm256_setzero_si256(); G];
    let (mut b, mut c, mut d) = (a, a, a);
    for g in 0..G {
        [a[g], b[g], c[g], d[g]] = state[g];
    }
    // Each step adds to `a` a word, a round constant and a function of
    // `b, c, d`, where `b` is what the step before computed. The macros f,
    // g, h (the rounds' F, G, H plus their constants) return what does not
    // depend on `b`, added first, and what does, added last, so that a step
    // waits on the one before for as few operations as possible. G(b, c, d),
    // the bitwise majority, is `c & d` where c and d agree and `b` where they
    // differ: the sum (with no carries) of `c & d` and `b & (c ^ d)`.
    macro_rules! step {
        ($f:ident, $a:ident, $b:ident, $c:ident, $d:ident, $k:literal, $s:literal) => {
            for g in 0..G {
                let (early, late) = $f!($b[g], $c[g], $d[g]);
                let sum = _mm256_add_epi32(_mm256_add_epi32($a[g], x[g][$k]), early);
                let sum = _mm256_add_epi32(sum, late);
                $a[g] = _mm256_or_si256(
                    _mm256_slli_epi32::<$s>(sum),
                    _mm256_srli_epi32::<{ 32 - $s }>(sum),
                );
            }
        };
    }
    let zero = _mm256_setzero_si256();
    let k2 = _mm256_set1_epi32(0x5a82_7999);
    let k3 = _mm256_set1_epi32(0x6ed9_eba1);
    macro_rules! f {
        ($b:expr, $c:expr, $d:expr) => {
            (
                zero,
                _mm256_xor_si256($d, _mm256_and_si256($b, _mm256_xor_si256($c, $d))),
            )
        };
    }
    macro_rules! g {
        ($b:expr, $c:expr, $d:expr) => {
            (
                _mm256_add_epi32(k2, _mm256_and_si256($c, $d)),
                _mm256_and_si256($b, _mm256_xor_si256($c, $d)),
            )
        };
    }
    macro_rules! h {
        ($b:expr, $c:expr, $d:expr) => {
            (k3, _mm256_xor_si256($b, _mm256_xor_si256($c, $d)))
        };
    }
    // Written out, so that every index is a constant.
    step!(f, a, b, c, d, 0, 3);
    step!(f, d, a, b, c, 1, 7);
    step!(f, c, d, a, b, 2, 11);
    step!(f, b, c, d, a, 3, 19);
    step!(f, a, b, c, d, 4, 3);
    step!(f, d, a, b, c, 5, 7);
    step!(f, c, d, a, b, 6, 11);
    step!(f, b, c, d, a, 7, 19);
    step!(f, a, b, c, d, 8, 3);
    step!(f, d, a, b, c, 9, 7);
    step!(f, c, d, a, b, 10, 11);
    step!(f, b, c, d, a, 11, 19);
    step!(f, a, b, c, d, 12, 3);
    step!(f, d, a, b, c, 13, 7);
    step!(f, c, d, a, b, 14, 11);
    step!(f, b, c, d, a, 15, 19);
    step!(g, a, b, c, d, 0, 3);
    step!(g, d, a, b, c, 4, 5);
    step!(g, c, d, a, b, 8, 9);
    step!(g, b, c, d, a, 12, 13);
    step!(g, a, b, c, d, 1, 3);
    step!(g, d, a, b, c, 5, 5);
    step!(g, c, d, a, b, 9, 9);
    step!(g, b, c, d, a, 13, 13);
    step!(g, a, b, c, d, 2, 3);
    step!(g, d, a, b, c, 6, 5);
    step!(g, c, d, a, b, 10, 9);
    step!(g, b, c, d, a, 14, 13);
    step!(g, a, b, c, d, 3, 3);
    step!(g, d, a, b, c, 7, 5);
    step!(g, c, d, a, b, 11, 9);
    step!(g, b, c, d, a, 15, 13);
    step!(h, a, b, c, d, 0, 3);
    step!(h, d, a, b, c, 8, 9);
    step!(h, c, d, a, b, 4, 11);
    step!(h, b, c, d, a, 12, 15);
    step!(h, a, b, c, d, 2, 3);
    step!(h, d, a, b, c, 10, 9);
    step!(h, c, d, a, b, 6, 11);
    step!(h, b, c, d, a, 14, 15);
    step!(h, a, b, c, d, 1, 3);
    step!(h, d, a, b, c, 9, 9);
    step!(h, c, d, a, b, 5, 11);
    step!(h, b, c, d, a, 13, 15);
    step!(h, a, b, c, d, 3, 3);
    step!(h, d, a, b, c, 11, 9);
    step!(h, c, d, a, b, 7, 11);
    step!(h, b, c, d, a, 15, 15);
    for g in 0..G {
        state[g][0] = _mm256_add_epi32(state[g][0], a[g]);
        state[g][1] = _mm256_add_epi32(state[g][1], b[g]);
        state[g][2] = _mm256_add_epi32(state[g][2], c[g]);
        state[g][3] = _mm256_add_epi32(state[g][3], d[g]);
    }
}

// ------------------------------------------------------------ rollsum ----

/// The rollsum byte loop (see [`super::rollsum_sums`]), 64 bytes at a time
/// in the style of SIMD Adler-32; the last `len % 64` bytes go to the
/// scalar twin.
///
/// Over `n` bytes, `s2` gains `n·s1 + Σ (n - i)·b[i]`. Per 64-byte chunk,
/// `_mm256_sad_epu8` sums the bytes (into `sums`), `_mm256_maddubs_epi16`
/// weighs them 64 down to 1 (pairs of products stay below 2^15) and
/// `_mm256_madd_epi16` widens to 32 bits (into `weighted`); `prefix` adds up
/// `sums` as it stood before each chunk, which counts 64 times. All lanes
/// wrap modulo 2^32 like the scalar loop.
///
/// # Safety
///
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn rollsum_sums(s1: u32, s2: u32, data: &[u8]) -> (u32, u32) {
    let zero = _mm256_setzero_si256();
    let ones = _mm256_set1_epi16(1);
    let weights_lo = _mm256_setr_epi8(
        64, 63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, //
        48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33,
    );
    let weights_hi = _mm256_setr_epi8(
        32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, //
        16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1,
    );
    let mut sums = zero;
    let mut prefix = zero;
    let mut weighted = zero;
    let mut chunks = data.chunks_exact(64);
    for chunk in &mut chunks {
        let lo = load32(at(chunk, 0));
        let hi = load32(at(chunk, 32));
        prefix = _mm256_add_epi32(prefix, sums);
        // Each 64-bit lane of a sad holds a sum below 2^11: its upper
        // 32 bits stay zero under 32-bit lane additions.
        let sad = _mm256_add_epi32(_mm256_sad_epu8(lo, zero), _mm256_sad_epu8(hi, zero));
        sums = _mm256_add_epi32(sums, sad);
        let w_lo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, weights_lo), ones);
        let w_hi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, weights_hi), ones);
        weighted = _mm256_add_epi32(weighted, _mm256_add_epi32(w_lo, w_hi));
    }
    let rest = chunks.remainder();
    let n = (data.len() - rest.len()) as u32; // modulo 2^32, as it is used
    let s2 = s2
        .wrapping_add(n.wrapping_mul(s1))
        .wrapping_add(hsum(prefix).wrapping_mul(64))
        .wrapping_add(hsum(weighted));
    let s1 = s1.wrapping_add(hsum(sums));
    scalar::rollsum_sums(s1, s2, rest)
}

// ---------------------------------------------------------- RabinKarp ----

/// `RK_WEIGHTS[p] = MULT^(31 - p)`: the weight of byte `p` of a 32-byte
/// chunk relative to the chunk's end.
const RK_WEIGHTS: [u32; 32] = {
    let mut w = [0u32; 32];
    let mut p = 0;
    while p < 32 {
        w[p] = pow(RABINKARP_MULT, (31 - p) as u64);
        p += 1;
    }
    w
};

/// The RabinKarp hash loop (see [`super::rabinkarp_hash`]), 32 bytes at a
/// time; the last `len % 32` bytes go to the scalar twin.
///
/// Four accumulators of eight 32-bit lanes each take one of the four
/// 8-byte quarters of every chunk, zero-extended: `acc = acc·MULT^32 +
/// bytes`, so lane `l` of accumulator `q` sums the bytes at chunk position
/// `p = 8q + l`, weighted by `MULT^(32·chunks after)`. The end multiplies
/// each by `MULT^(31 - p)` and adds all lanes, plus `hash·MULT^len`.
///
/// # Safety
///
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn rabinkarp_hash(hash: u32, data: &[u8]) -> u32 {
    let step = _mm256_set1_epi32(pow(RABINKARP_MULT, 32) as i32);
    let zero = _mm256_setzero_si256();
    let (mut acc0, mut acc1, mut acc2, mut acc3) = (zero, zero, zero, zero);
    let mut chunks = data.chunks_exact(32);
    for chunk in &mut chunks {
        acc0 = _mm256_add_epi32(_mm256_mullo_epi32(acc0, step), load8_widen(at(chunk, 0)));
        acc1 = _mm256_add_epi32(_mm256_mullo_epi32(acc1, step), load8_widen(at(chunk, 8)));
        acc2 = _mm256_add_epi32(_mm256_mullo_epi32(acc2, step), load8_widen(at(chunk, 16)));
        acc3 = _mm256_add_epi32(_mm256_mullo_epi32(acc3, step), load8_widen(at(chunk, 24)));
    }
    let rest = chunks.remainder();
    let weights =
        |q: usize| -> &[u32; 8] { RK_WEIGHTS[8 * q..8 * q + 8].try_into().expect("8 weights") };
    let w0 = _mm256_mullo_epi32(acc0, load_u32s(weights(0)));
    let w1 = _mm256_mullo_epi32(acc1, load_u32s(weights(1)));
    let w2 = _mm256_mullo_epi32(acc2, load_u32s(weights(2)));
    let w3 = _mm256_mullo_epi32(acc3, load_u32s(weights(3)));
    let dot = hsum(_mm256_add_epi32(
        _mm256_add_epi32(w0, w1),
        _mm256_add_epi32(w2, w3),
    ));
    let n = (data.len() - rest.len()) as u64;
    let hash = hash.wrapping_mul(pow(RABINKARP_MULT, n)).wrapping_add(dot);
    scalar::rabinkarp_hash(hash, rest)
}

// -------------------------------------------------------- window keys ----

/// Windows per vector: one per 32-bit lane.
const WINDOWS: usize = 8;

/// The `WINDOWS` bytes of `s` from `off` on, zero-extended into the eight
/// 32-bit lanes (panics if they are not all there).
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn widen_at(s: &[u8], off: usize) -> __m256i {
    load8_widen(at(s, off))
}

/// Lane 7 of `v` in every lane.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn broadcast_last(v: __m256i) -> __m256i {
    _mm256_permutevar8x32_epi32(v, _mm256_set1_epi32(7))
}

/// Lane 3 of `v` in lanes 4 to 7, zeros in lanes 0 to 3.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn low_last_to_high(v: __m256i) -> __m256i {
    // Lane 3 of each 128-bit half across that half, then the low half
    // moved up and zeros below.
    let lane3 = _mm256_shuffle_epi32::<0b11_11_11_11>(v);
    _mm256_permute2x128_si256::<0x08>(lane3, lane3)
}

/// The inclusive prefix sums of the eight 32-bit lanes of `v`: lane `l` of
/// the result is the wrapping sum of lanes `0..=l`.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn prefix_sums(v: __m256i) -> __m256i {
    // Within each 128-bit half, then the low half's total to the high one.
    let v = _mm256_add_epi32(v, _mm256_slli_si256::<4>(v));
    let v = _mm256_add_epi32(v, _mm256_slli_si256::<8>(v));
    _mm256_add_epi32(v, low_last_to_high(v))
}

/// `nozero(mix32(h))` in each 32-bit lane (see [`crate::checksum::mix32`]).
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn mix32_nozero(h: __m256i) -> __m256i {
    let h = _mm256_xor_si256(h, _mm256_srli_epi32::<16>(h));
    let h = _mm256_mullo_epi32(h, _mm256_set1_epi32(0x85eb_ca6b_u32 as i32));
    let h = _mm256_xor_si256(h, _mm256_srli_epi32::<13>(h));
    let h = _mm256_mullo_epi32(h, _mm256_set1_epi32(0xc2b2_ae35_u32 as i32));
    let h = _mm256_xor_si256(h, _mm256_srli_epi32::<16>(h));
    nozero(h)
}

/// `nozero(h)` in each 32-bit lane: 0 becomes `0xFFFFFFFF`.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn nozero(h: __m256i) -> __m256i {
    // All ones where h is 0, zero elsewhere.
    _mm256_or_si256(h, _mm256_cmpeq_epi32(h, _mm256_setzero_si256()))
}

/// Windows per iteration of [`rollsum_keys_paired`]: sixteen from each
/// half of the stretch.
const PAIRED: usize = 32;

/// The keys of consecutive rollsum windows (see
/// [`super::rollsum_window_keys`]): a multiple of 32 windows by
/// [`rollsum_keys_paired`], then groups of eight by [`rollsum_keys_by_8`],
/// then the last `len % 8` by the scalar twin.
///
/// # Panics
///
/// Unless `outgoing`, `incoming` and `keys` have the same length.
///
/// # Safety
///
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn rollsum_window_keys(
    s1: u32,
    s2: u32,
    count: u32,
    outgoing: &[u8],
    incoming: &[u8],
    keys: &mut [u32],
) -> (u32, u32) {
    check_window_keys(outgoing.len(), incoming.len(), keys.len());
    let paired = keys.len() / PAIRED * PAIRED;
    let (out_paired, out_rest) = outgoing.split_at(paired);
    let (in_paired, in_rest) = incoming.split_at(paired);
    let (keys_paired, keys_rest) = keys.split_at_mut(paired);
    let (s1, s2) = if paired > 0 {
        rollsum_keys_paired(s1, s2, count, out_paired, in_paired, keys_paired)
    } else {
        (s1, s2)
    };
    rollsum_keys_by_8(s1, s2, count, out_rest, in_rest, keys_rest)
}

/// The rollsum `(s1, s2)` after sliding over all of `outgoing` and
/// `incoming` (as [`super::rollsum_window_keys`] returns it), in closed
/// form, 16 bytes of each at a time.
///
/// With `d_k = incoming_k - outgoing_k`, `n` slides add `Σ d_k` to `s1`
/// and `n·s1 + Σ (n - k)·d_k - count·Σ (outgoing_k + 31)` to `s2`. As in
/// [`rollsum_sums`], per 16-byte chunk `_mm_sad_epu8` sums the bytes,
/// `_mm_maddubs_epi16` and `_mm_madd_epi16` weigh them 16 down to 1, and
/// `prefix` adds up the sums before each chunk, which count 16 times more.
///
/// # Panics
///
/// Unless `outgoing` and `incoming` have the same length, a multiple of 16.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn rollsum_slide(
    s1: u32,
    s2: u32,
    count: u32,
    outgoing: &[u8],
    incoming: &[u8],
) -> (u32, u32) {
    assert!(outgoing.len() == incoming.len() && outgoing.len() % 16 == 0);
    let weights = _mm_setr_epi8(16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
    let ones = _mm_set1_epi16(1);
    let zero = _mm_setzero_si128();
    let (mut sum_d, mut sum_out, mut prefix, mut weighted) = (zero, zero, zero, zero);
    for (out, inp) in outgoing.chunks_exact(16).zip(incoming.chunks_exact(16)) {
        let out = load16(at(out, 0));
        let inp = load16(at(inp, 0));
        prefix = _mm_add_epi32(prefix, sum_d);
        // Each 64-bit lane of a sad holds a sum below 2^11: its upper
        // 32 bits stay zero under 32-bit lane arithmetic.
        let sad_out = _mm_sad_epu8(out, zero);
        sum_out = _mm_add_epi32(sum_out, sad_out);
        sum_d = _mm_add_epi32(sum_d, _mm_sub_epi32(_mm_sad_epu8(inp, zero), sad_out));
        let w_in = _mm_madd_epi16(_mm_maddubs_epi16(inp, weights), ones);
        let w_out = _mm_madd_epi16(_mm_maddubs_epi16(out, weights), ones);
        weighted = _mm_add_epi32(weighted, _mm_sub_epi32(w_in, w_out));
    }
    let n = outgoing.len() as u32; // modulo 2^32, as it is used
    let offsets = count.wrapping_mul(hsum128(sum_out).wrapping_add(n.wrapping_mul(31)));
    let s2 = s2
        .wrapping_add(n.wrapping_mul(s1))
        .wrapping_add(hsum128(prefix).wrapping_mul(16))
        .wrapping_add(hsum128(weighted))
        .wrapping_sub(offsets);
    (s1.wrapping_add(hsum128(sum_d)), s2)
}

/// Loads 16 bytes into each 128-bit half: `lo` below, `hi` above.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load_halves(lo: &[u8; 16], hi: &[u8; 16]) -> __m256i {
    // SAFETY: `lo` and `hi` each refer to 16 readable bytes, and `loadu2`
    // has no alignment requirement.
    unsafe { _mm256_loadu2_m128i(hi.as_ptr().cast(), lo.as_ptr().cast()) }
}

/// The inclusive prefix sums of the eight 16-bit lanes of each 128-bit
/// half of `v`, separately: lane `l` of a half gets the wrapping sum of
/// that half's lanes `0..=l`.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn half_prefix_sums16(v: __m256i) -> __m256i {
    let v = _mm256_add_epi16(v, _mm256_slli_si256::<2>(v));
    let v = _mm256_add_epi16(v, _mm256_slli_si256::<4>(v));
    _mm256_add_epi16(v, _mm256_slli_si256::<8>(v))
}

/// The last 16-bit lane of each 128-bit half of `v` across that half.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn last_of_half16(v: __m256i) -> __m256i {
    _mm256_shuffle_epi32::<0b11_11_11_11>(_mm256_shufflehi_epi16::<0b11_11_11_11>(v))
}

/// The keys of consecutive rollsum windows, a multiple of [`PAIRED`] of
/// them, 32 per iteration; returns the sums after them (see
/// [`super::rollsum_window_keys`]).
///
/// A key only depends on the low 16 bits of `s1` and `s2`, and these only
/// on the low 16 bits of the bytes, `count` and the initial sums (the
/// sums are made of additions, subtractions and multiplications), so the
/// lanes are 16 bits wide. The two halves of the stretch are worked on side
/// by side, the first in the low 128 bits of each vector and the second in
/// the high 128 bits, so that no prefix sum nor carry crosses between the
/// 128-bit halves; the sums where the second half starts and where it ends
/// come from [`rollsum_slide`].
///
/// # Panics
///
/// Unless `outgoing`, `incoming` and `keys` have the same length, a
/// multiple of [`PAIRED`].
///
/// # Safety
///
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
unsafe fn rollsum_keys_paired(
    s1: u32,
    s2: u32,
    count: u32,
    outgoing: &[u8],
    incoming: &[u8],
    keys: &mut [u32],
) -> (u32, u32) {
    check_window_keys(outgoing.len(), incoming.len(), keys.len());
    assert!(keys.len() % PAIRED == 0, "{} windows", keys.len());
    let half = keys.len() / 2;
    let (mid_s1, mid_s2) = rollsum_slide(s1, s2, count, &outgoing[..half], &incoming[..half]);
    let end = rollsum_slide(mid_s1, mid_s2, count, &outgoing[half..], &incoming[half..]);
    let halves =
        |lo: u32, hi: u32| _mm256_setr_m128i(_mm_set1_epi16(lo as i16), _mm_set1_epi16(hi as i16));
    let mut s1_v = halves(s1, mid_s1);
    let mut s2_v = halves(s2, mid_s2);
    let count_v = _mm256_set1_epi16(count as i16);
    let count_31 = _mm256_set1_epi16(count.wrapping_mul(31) as i16);
    let zero = _mm256_setzero_si256();
    let (first, second) = keys.split_at_mut(half);
    let groups = first.chunks_exact_mut(16).zip(second.chunks_exact_mut(16));
    for (i, (first, second)) in groups.enumerate() {
        let off = 16 * i;
        let out = load_halves(at(outgoing, off), at(outgoing, half + off));
        let inp = load_halves(at(incoming, off), at(incoming, half + off));
        let (first_lo, first_hi) = first.split_at_mut(8);
        let (second_lo, second_hi) = second.split_at_mut(8);
        // Bytes 0-7 of each half, then bytes 8-15, widened to 16 bits.
        let [a, b] = rollsum_keys_16(
            &mut s1_v,
            &mut s2_v,
            _mm256_unpacklo_epi8(out, zero),
            _mm256_unpacklo_epi8(inp, zero),
            count_v,
            count_31,
        );
        store_into(first_lo.try_into().expect("8 keys"), a);
        store_into(second_lo.try_into().expect("8 keys"), b);
        let [a, b] = rollsum_keys_16(
            &mut s1_v,
            &mut s2_v,
            _mm256_unpackhi_epi8(out, zero),
            _mm256_unpackhi_epi8(inp, zero),
            count_v,
            count_31,
        );
        store_into(first_hi.try_into().expect("8 keys"), a);
        store_into(second_hi.try_into().expect("8 keys"), b);
    }
    end
}

/// One step of [`rollsum_keys_paired`]: the keys of eight consecutive
/// windows in each half of the stretch, whose outgoing and incoming bytes
/// are the 16-bit lanes of `out` and `inp` (the first half's in the low 128
/// bits), from the low 16 bits of the sums of the first window in each half
/// (`s1` and `s2`, in every lane of that half), which move on by eight
/// windows. Returns the first half's keys, then the second half's.
///
/// Window `l` of a half that starts at sums `(S1, S2)`, with `d_k =
/// inp_k - out_k` and `e_k = count·(out_k + 31)`, has `s1_l = S1 +
/// Σ_{k<l} d_k` and `s2_l = S2 + l·S1 + Σ_{k<l} t_k`, where `t_k =
/// Σ_{i≤k} d_i - e_k`: two prefix sums over lanes that do not depend on
/// `(S1, S2)`, so the chain from one step to the next is three additions.
///
/// # Safety
///
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn rollsum_keys_16(
    s1: &mut __m256i,
    s2: &mut __m256i,
    out: __m256i,
    inp: __m256i,
    count: __m256i,
    count_31: __m256i,
) -> [__m256i; 2] {
    let lanes = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7);
    let d = _mm256_sub_epi16(inp, out);
    let e = _mm256_add_epi16(_mm256_mullo_epi16(out, count), count_31);
    let d_incl = half_prefix_sums16(d);
    let t = _mm256_sub_epi16(d_incl, e);
    let t_incl = half_prefix_sums16(t);
    // The sums of each window, before it slides: exclusive prefixes.
    let win_s1 = _mm256_add_epi16(*s1, _mm256_sub_epi16(d_incl, d));
    let win_s2 = _mm256_add_epi16(
        _mm256_add_epi16(*s2, _mm256_mullo_epi16(*s1, lanes)),
        _mm256_sub_epi16(t_incl, t),
    );
    // s2 << 16 | s1 & 0xffff, in 32-bit lanes: windows 0-3 of each half,
    // then windows 4-7.
    let lo = mix32_nozero(_mm256_unpacklo_epi16(win_s1, win_s2));
    let hi = mix32_nozero(_mm256_unpackhi_epi16(win_s1, win_s2));
    // The sums after all eight slides.
    *s2 = _mm256_add_epi16(
        _mm256_add_epi16(*s2, _mm256_slli_epi16::<3>(*s1)),
        last_of_half16(t_incl),
    );
    *s1 = _mm256_add_epi16(*s1, last_of_half16(d_incl));
    [
        _mm256_permute2x128_si256::<0x20>(lo, hi),
        _mm256_permute2x128_si256::<0x31>(lo, hi),
    ]
}

/// The keys of consecutive rollsum windows (see
/// [`super::rollsum_window_keys`]), eight at a time with 32-bit lanes; the
/// last `len % 8` go to the scalar twin.
///
/// Window `l` of a vector that starts at sums `(S1, S2)` has the sums that
/// [`rollsum_keys_16`] describes; here the prefix sums span all eight
/// lanes. Everything wraps modulo 2^32 like the scalar loop.
///
/// # Panics
///
/// Unless `outgoing`, `incoming` and `keys` have the same length.
///
/// # Safety
///
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
unsafe fn rollsum_keys_by_8(
    s1: u32,
    s2: u32,
    count: u32,
    outgoing: &[u8],
    incoming: &[u8],
    keys: &mut [u32],
) -> (u32, u32) {
    check_window_keys(outgoing.len(), incoming.len(), keys.len());
    let count_v = _mm256_set1_epi32(count as i32);
    let count_31 = _mm256_set1_epi32(count.wrapping_mul(31) as i32);
    let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let mut s1_v = _mm256_set1_epi32(s1 as i32);
    let mut s2_v = _mm256_set1_epi32(s2 as i32);
    let mut groups = keys.chunks_exact_mut(WINDOWS);
    let mut off = 0;
    for group in &mut groups {
        let group: &mut [u32; WINDOWS] = group.try_into().expect("8 keys");
        let out = widen_at(outgoing, off);
        let inp = widen_at(incoming, off);
        let d = _mm256_sub_epi32(inp, out);
        let e = _mm256_add_epi32(_mm256_mullo_epi32(out, count_v), count_31);
        let d_incl = prefix_sums(d);
        let t = _mm256_sub_epi32(d_incl, e);
        let t_incl = prefix_sums(t);
        // The sums of each window, before it slides: exclusive prefixes.
        let win_s1 = _mm256_add_epi32(s1_v, _mm256_sub_epi32(d_incl, d));
        let win_s2 = _mm256_add_epi32(
            _mm256_add_epi32(s2_v, _mm256_mullo_epi32(s1_v, lanes)),
            _mm256_sub_epi32(t_incl, t),
        );
        // s2 << 16 | s1 & 0xffff: the low 16-bit half of each lane from s1.
        let digest = _mm256_blend_epi16::<0b0101_0101>(_mm256_slli_epi32::<16>(win_s2), win_s1);
        store_into(group, mix32_nozero(digest));
        // The sums after all eight slides.
        s2_v = _mm256_add_epi32(
            _mm256_add_epi32(s2_v, _mm256_slli_epi32::<3>(s1_v)),
            broadcast_last(t_incl),
        );
        s1_v = _mm256_add_epi32(s1_v, broadcast_last(d_incl));
        off += WINDOWS;
    }
    let s1 = _mm256_cvtsi256_si32(s1_v) as u32;
    let s2 = _mm256_cvtsi256_si32(s2_v) as u32;
    scalar::rollsum_window_keys(
        s1,
        s2,
        count,
        &outgoing[off..],
        &incoming[off..],
        groups.into_remainder(),
    )
}

/// `MULT^l` in lane `l`.
const RK_LANE_POWERS: [u32; 8] = {
    let mut w = [0u32; 8];
    let mut l = 0;
    while l < 8 {
        w[l] = pow(RABINKARP_MULT, l as u64);
        l += 1;
    }
    w
};

/// The keys of consecutive RabinKarp windows (see
/// [`super::rabinkarp_window_keys`]), eight at a time; the last `len % 8`
/// go to the scalar twin.
///
/// Each slide is `hash = hash·MULT + c` with `c_k = incoming_k -
/// mult_out·(outgoing_k + ADJ)`. Over a vector of eight windows from hash
/// `H`, the weighted prefix sums `q_l = Σ_{k≤l} c_k·MULT^(l-k)` (three
/// log steps, shifts and multiplications by powers of MULT) give window
/// `l`'s hash `H·MULT^l + (q_l - c_l)·MULT^-1`, and the hash after the
/// vector, `H·MULT^8 + q_7`: the chain from one vector to the next is one
/// multiplication and one addition.
///
/// # Panics
///
/// Unless `outgoing`, `incoming` and `keys` have the same length.
///
/// # Safety
///
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn rabinkarp_window_keys(
    hash: u32,
    mult_out: u32,
    outgoing: &[u8],
    incoming: &[u8],
    keys: &mut [u32],
) -> u32 {
    check_window_keys(outgoing.len(), incoming.len(), keys.len());
    let set = |x: u32| _mm256_set1_epi32(x as i32);
    let mult = set(RABINKARP_MULT);
    let mult_2 = set(pow(RABINKARP_MULT, 2));
    let mult_8 = set(pow(RABINKARP_MULT, 8));
    let invm = set(RABINKARP_INVM);
    // MULT^1..MULT^4 in the high half, for the last prefix step (the low
    // half multiplies zeros).
    let m = |e: u64| pow(RABINKARP_MULT, e) as i32;
    let high_powers = _mm256_setr_epi32(0, 0, 0, 0, m(1), m(2), m(3), m(4));
    let lane_powers = load_u32s(&RK_LANE_POWERS);
    let mult_out_v = set(mult_out);
    let out_adj = set(mult_out.wrapping_mul(RABINKARP_ADJ));
    let mut hash_v = set(hash);
    let mut groups = keys.chunks_exact_mut(WINDOWS);
    let mut off = 0;
    for group in &mut groups {
        let group: &mut [u32; WINDOWS] = group.try_into().expect("8 keys");
        let out = widen_at(outgoing, off);
        let inp = widen_at(incoming, off);
        let c = _mm256_sub_epi32(
            inp,
            _mm256_add_epi32(_mm256_mullo_epi32(out, mult_out_v), out_adj),
        );
        // Weighted prefix sums: within each 128-bit half, then the low
        // half's last to the high one.
        let q = _mm256_add_epi32(c, _mm256_mullo_epi32(_mm256_slli_si256::<4>(c), mult));
        let q = _mm256_add_epi32(q, _mm256_mullo_epi32(_mm256_slli_si256::<8>(q), mult_2));
        let q = _mm256_add_epi32(q, _mm256_mullo_epi32(low_last_to_high(q), high_powers));
        let before = _mm256_mullo_epi32(_mm256_sub_epi32(q, c), invm);
        let win = _mm256_add_epi32(_mm256_mullo_epi32(hash_v, lane_powers), before);
        store_into(group, nozero(win));
        hash_v = _mm256_add_epi32(_mm256_mullo_epi32(hash_v, mult_8), broadcast_last(q));
        off += WINDOWS;
    }
    let hash = _mm256_cvtsi256_si32(hash_v) as u32;
    scalar::rabinkarp_window_keys(
        hash,
        mult_out,
        &outgoing[off..],
        &incoming[off..],
        groups.into_remainder(),
    )
}
