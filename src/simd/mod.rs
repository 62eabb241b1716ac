//! The crate's SIMD kernels: batched MD4, the rollsum byte loop and the
//! RabinKarp hash loop, each with an AVX2 version and a portable scalar twin
//! that gives exactly the same results.
//!
//! This is the only place outside `src/capi` allowed to use `unsafe`, and
//! only for two things: calling `#[target_feature(enable = "avx2")]`
//! functions once AVX2 has been detected at run time, and unaligned vector
//! loads and stores through pointers taken from references of the right
//! size.
//!
//! The choice between AVX2 and scalar code is made once, at first use
//! ([`simd_enabled`]): AVX2 must be detected on the running CPU (x86_64
//! only; other architectures always run the scalar twins), and the
//! environment variable `LIBRSYNC_RS_SIMD=scalar` (read once, at that first
//! use) forces the scalar twins everywhere.

#![allow(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks)]

#[cfg(target_arch = "x86_64")]
mod avx2;
mod scalar;
#[cfg(test)]
mod tests;

use std::sync::OnceLock;

/// The environment variable that, set to `scalar`, turns the AVX2 kernels
/// off. Any other value (or none) leaves the choice to CPU detection.
pub(crate) const ENV_VAR: &str = "LIBRSYNC_RS_SIMD";

/// The multiplier of librsync's RabinKarp hash (`RABINKARP_MULT`).
const RABINKARP_MULT: u32 = 0x0810_4225;

/// Inputs shorter than this go straight to the scalar rollsum and RabinKarp
/// loops: the AVX2 versions only pay off from a few vectors on.
#[cfg(target_arch = "x86_64")]
const SHORT: usize = 64;

/// Whether the AVX2 kernels are used: AVX2 was detected on this CPU and
/// `LIBRSYNC_RS_SIMD` is not `scalar`. Decided once, at the first call.
#[cfg_attr(not(any(target_arch = "x86_64", test)), allow(dead_code))]
pub(crate) fn simd_enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| !forced_scalar() && avx2_detected())
}

/// Whether `LIBRSYNC_RS_SIMD=scalar` is set in the environment.
fn forced_scalar() -> bool {
    std::env::var_os(ENV_VAR).is_some_and(|v| v == "scalar")
}

/// Whether the running CPU supports AVX2.
#[cfg(target_arch = "x86_64")]
fn avx2_detected() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// Whether the running CPU supports AVX2: never, off x86_64.
#[cfg(not(target_arch = "x86_64"))]
fn avx2_detected() -> bool {
    false
}

/// Panics unless `block_len > 0` and `data_len == count * block_len`: the
/// precondition of [`md4_blocks`].
#[inline]
fn check_md4_blocks(data_len: usize, block_len: usize, count: usize) {
    assert!(block_len > 0, "md4_blocks: zero block length");
    assert!(
        count.checked_mul(block_len) == Some(data_len),
        "md4_blocks: {data_len} bytes are not {count} blocks of {block_len}"
    );
}

/// MD4 digests (RFC 1320, the same as [`crate::checksum::md4`]) of the
/// consecutive blocks `data[i * block_len..(i + 1) * block_len]`, for `i` in
/// `0..out.len()`, into `out[i]`.
///
/// # Panics
///
/// Unless `block_len > 0` and `data.len() == out.len() * block_len`.
pub(crate) fn md4_blocks(data: &[u8], block_len: usize, out: &mut [[u8; 16]]) {
    #[cfg(target_arch = "x86_64")]
    if simd_enabled() {
        // SAFETY: simd_enabled() is only true once AVX2 has been detected on
        // the running CPU, the sole requirement of the AVX2 kernels.
        return unsafe { avx2::md4_blocks(data, block_len, out) };
    }
    scalar::md4_blocks(data, block_len, out)
}

/// The rollsum byte loop without its offsets: returns `(s1, s2)` after
/// `for b in data { s1 += b; s2 += s1 }`, all modulo 2^32. (The caller adds
/// the `+31` per byte terms itself.)
#[inline]
pub(crate) fn rollsum_sums(s1: u32, s2: u32, data: &[u8]) -> (u32, u32) {
    #[cfg(target_arch = "x86_64")]
    if data.len() >= SHORT && simd_enabled() {
        // SAFETY: simd_enabled() is only true once AVX2 has been detected on
        // the running CPU, the sole requirement of the AVX2 kernels.
        return unsafe { avx2::rollsum_sums(s1, s2, data) };
    }
    scalar::rollsum_sums(s1, s2, data)
}

/// The RabinKarp hash loop: returns `hash` after
/// `for b in data { hash = hash * 0x08104225 + b }`, all modulo 2^32.
#[inline]
pub(crate) fn rabinkarp_hash(hash: u32, data: &[u8]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if data.len() >= SHORT && simd_enabled() {
        // SAFETY: simd_enabled() is only true once AVX2 has been detected on
        // the running CPU, the sole requirement of the AVX2 kernels.
        return unsafe { avx2::rabinkarp_hash(hash, data) };
    }
    scalar::rabinkarp_hash(hash, data)
}

/// `base^exp` modulo 2^32.
const fn pow(mut base: u32, mut exp: u64) -> u32 {
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
