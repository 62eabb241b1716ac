//! The portable twins of the AVX2 kernels: same signatures, same results,
//! no `unsafe`. They run when AVX2 is missing or turned off, and finish the
//! tails the AVX2 kernels leave.

use super::{check_md4_blocks, check_window_keys, pow, RABINKARP_ADJ, RABINKARP_MULT};
use crate::checksum::{md4, mix32, nozero};

/// MD4 digests of the consecutive `block_len`-byte blocks of `data` into
/// `out`, one block at a time (see [`super::md4_blocks`]).
///
/// # Panics
///
/// Unless `block_len > 0` and `data.len() == out.len() * block_len`.
pub(crate) fn md4_blocks(data: &[u8], block_len: usize, out: &mut [[u8; 16]]) {
    check_md4_blocks(data.len(), block_len, out.len());
    for (digest, block) in out.iter_mut().zip(data.chunks_exact(block_len)) {
        *digest = md4(block);
    }
}

/// The rollsum byte loop (see [`super::rollsum_sums`]), 32 bytes at a time
/// in a form the compiler vectorises with the baseline instruction set.
pub(crate) fn rollsum_sums(mut s1: u32, mut s2: u32, data: &[u8]) -> (u32, u32) {
    let mut chunks = data.chunks_exact(32);
    for chunk in &mut chunks {
        // s2 gains 32·s1 plus each byte weighted by how many running sums
        // include it.
        let mut sum = 0u32;
        let mut weighted = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            sum = sum.wrapping_add(b as u32);
            weighted = weighted.wrapping_add((32 - i as u32) * b as u32);
        }
        s2 = s2.wrapping_add(s1.wrapping_mul(32)).wrapping_add(weighted);
        s1 = s1.wrapping_add(sum);
    }
    for &b in chunks.remainder() {
        s1 = s1.wrapping_add(b as u32);
        s2 = s2.wrapping_add(s1);
    }
    (s1, s2)
}

/// Bytes per step of [`rabinkarp_hash`].
const CHUNK: usize = 16;

/// `MULT^CHUNK`.
const MULT_CHUNK: u32 = pow(RABINKARP_MULT, CHUNK as u64);

/// `WEIGHTS[i] = MULT^(CHUNK-1-i)`: the weight of byte i within a chunk.
const WEIGHTS: [u32; CHUNK] = {
    let mut w = [0u32; CHUNK];
    let mut i = 0;
    while i < CHUNK {
        w[i] = pow(RABINKARP_MULT, (CHUNK - 1 - i) as u64);
        i += 1;
    }
    w
};

/// The RabinKarp hash loop (see [`super::rabinkarp_hash`]), 16 bytes at a
/// time as a dot product with the powers of the multiplier.
pub(crate) fn rabinkarp_hash(mut hash: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(CHUNK);
    for chunk in &mut chunks {
        let mut dot = 0u32;
        for (w, &b) in WEIGHTS.iter().zip(chunk) {
            dot = dot.wrapping_add(w.wrapping_mul(b as u32));
        }
        hash = hash.wrapping_mul(MULT_CHUNK).wrapping_add(dot);
    }
    for &b in chunks.remainder() {
        hash = hash.wrapping_mul(RABINKARP_MULT).wrapping_add(b as u32);
    }
    hash
}

/// The keys of consecutive rollsum windows (see
/// [`super::rollsum_window_keys`]), one window at a time: the chain from
/// one window to the next is two additions, and the `mix32` of each window
/// overlaps the next ones.
///
/// # Panics
///
/// Unless `outgoing`, `incoming` and `keys` have the same length.
pub(crate) fn rollsum_window_keys(
    mut s1: u32,
    mut s2: u32,
    count: u32,
    outgoing: &[u8],
    incoming: &[u8],
    keys: &mut [u32],
) -> (u32, u32) {
    check_window_keys(outgoing.len(), incoming.len(), keys.len());
    for ((key, &out), &inp) in keys.iter_mut().zip(outgoing).zip(incoming) {
        *key = nozero(mix32((s2 << 16) | (s1 & 0xffff)));
        s1 = s1.wrapping_add(inp as u32).wrapping_sub(out as u32);
        s2 = s2
            .wrapping_add(s1)
            .wrapping_sub(count.wrapping_mul(out as u32 + 31));
    }
    (s1, s2)
}

/// `MULT^2`, `MULT^3` and `MULT^4`.
const MULT_2: u32 = pow(RABINKARP_MULT, 2);
const MULT_3: u32 = pow(RABINKARP_MULT, 3);
const MULT_4: u32 = pow(RABINKARP_MULT, 4);

/// The keys of consecutive RabinKarp windows (see
/// [`super::rabinkarp_window_keys`]), four at a time.
///
/// Each slide is `hash = hash·MULT + c` with `c = incoming - mult_out·
/// (outgoing + ADJ)`. From the hash `h` of the first of four windows, the
/// next ones are `h·MULT^k` plus a sum of the `c`s that does not depend on
/// `h`, so the chain from one group to the next is one multiplication and
/// one addition, not four of each.
///
/// # Panics
///
/// Unless `outgoing`, `incoming` and `keys` have the same length.
pub(crate) fn rabinkarp_window_keys(
    mut hash: u32,
    mult_out: u32,
    outgoing: &[u8],
    incoming: &[u8],
    keys: &mut [u32],
) -> u32 {
    check_window_keys(outgoing.len(), incoming.len(), keys.len());
    let out_adj = mult_out.wrapping_mul(RABINKARP_ADJ);
    // mult_out·(out + ADJ), which `out + ADJ` does not overflow.
    let slide = |out: u8, inp: u8| {
        (inp as u32).wrapping_sub(mult_out.wrapping_mul(out as u32).wrapping_add(out_adj))
    };
    let mut keys4 = keys.chunks_exact_mut(4);
    let mut outs = outgoing.chunks_exact(4);
    let mut ins = incoming.chunks_exact(4);
    for ((k, out), inp) in (&mut keys4).zip(&mut outs).zip(&mut ins) {
        let c1 = slide(out[0], inp[0]);
        let c2 = c1
            .wrapping_mul(RABINKARP_MULT)
            .wrapping_add(slide(out[1], inp[1]));
        let c3 = c2
            .wrapping_mul(RABINKARP_MULT)
            .wrapping_add(slide(out[2], inp[2]));
        let c4 = c3
            .wrapping_mul(RABINKARP_MULT)
            .wrapping_add(slide(out[3], inp[3]));
        k[0] = nozero(hash);
        k[1] = nozero(hash.wrapping_mul(RABINKARP_MULT).wrapping_add(c1));
        k[2] = nozero(hash.wrapping_mul(MULT_2).wrapping_add(c2));
        k[3] = nozero(hash.wrapping_mul(MULT_3).wrapping_add(c3));
        hash = hash.wrapping_mul(MULT_4).wrapping_add(c4);
    }
    let rest = keys4.into_remainder();
    for ((key, &out), &inp) in rest.iter_mut().zip(outs.remainder()).zip(ins.remainder()) {
        *key = nozero(hash);
        hash = hash
            .wrapping_mul(RABINKARP_MULT)
            .wrapping_add(slide(out, inp));
    }
    hash
}
