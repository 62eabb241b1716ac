//! The portable twins of the AVX2 kernels: same signatures, same results,
//! no `unsafe`. They run when AVX2 is missing or turned off, and finish the
//! tails the AVX2 kernels leave.

use super::{check_md4_blocks, pow, RABINKARP_MULT};
use crate::checksum::md4;

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
