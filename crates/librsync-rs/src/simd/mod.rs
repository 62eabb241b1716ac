//! The crate's SIMD kernels: batched MD4, the rollsum byte loop, the
//! RabinKarp hash loop and the window keys of both rolling sums, each with
//! an AVX2 version and a portable scalar twin that gives exactly the same
//! results.
//!
//! This is the only module of the engine crate allowed to use `unsafe`, and
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

// librsync's RabinKarp constants, for the kernels.
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_imports))]
use crate::checksum::{rabinkarp_pow as pow, RABINKARP_ADJ, RABINKARP_INVM, RABINKARP_MULT};

/// Inputs shorter than this go straight to the scalar rollsum and RabinKarp
/// loops: the AVX2 versions only pay off from a few vectors on.
#[cfg(target_arch = "x86_64")]
const SHORT: usize = 64;

/// Stretches of fewer windows than this, less than one vector's worth, go
/// straight to the scalar window key loops.
#[cfg(target_arch = "x86_64")]
const SHORT_KEYS: usize = 8;

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

/// Panics unless `outgoing`, `incoming` and `keys` (of these lengths) have
/// the same length: the precondition of the window key kernels.
#[inline]
fn check_window_keys(outgoing: usize, incoming: usize, keys: usize) {
    assert!(
        outgoing == keys && incoming == keys,
        "window keys: {outgoing} outgoing and {incoming} incoming bytes for {keys} keys"
    );
}

/// The keys of consecutive rollsum windows, and the sums after them.
///
/// The rollsum of a window of `count` bytes is `(s1, s2)`; for each `j` in
/// `0..keys.len()`, `keys[j]` gets the window's key, `nozero(mix32(s2 << 16
/// | s1 & 0xffff))`, and the window slides by one byte, `outgoing[j]` out and
/// `incoming[j]` in: `s1 += incoming[j] - outgoing[j]`, then `s2 += s1 -
/// count * (outgoing[j] + 31)`, all modulo 2^32. Returns the final `(s1,
/// s2)`.
///
/// # Panics
///
/// Unless `outgoing`, `incoming` and `keys` have the same length.
#[inline]
pub(crate) fn rollsum_window_keys(
    s1: u32,
    s2: u32,
    count: u32,
    outgoing: &[u8],
    incoming: &[u8],
    keys: &mut [u32],
) -> (u32, u32) {
    #[cfg(target_arch = "x86_64")]
    if keys.len() >= SHORT_KEYS && simd_enabled() {
        // SAFETY: simd_enabled() is only true once AVX2 has been detected on
        // the running CPU, the sole requirement of the AVX2 kernels.
        return unsafe { avx2::rollsum_window_keys(s1, s2, count, outgoing, incoming, keys) };
    }
    scalar::rollsum_window_keys(s1, s2, count, outgoing, incoming, keys)
}

/// The keys of consecutive RabinKarp windows, and the hash after them.
///
/// The hash of a window is `hash`, and `mult_out` is `0x08104225^len` for
/// its length `len`; for each `j` in `0..keys.len()`, `keys[j]` gets the
/// window's key, `nozero(hash)`, and the window slides by one byte,
/// `outgoing[j]` out and `incoming[j]` in: `hash = hash * 0x08104225 +
/// incoming[j] - mult_out * (outgoing[j] + 0x08104224)`, all modulo 2^32.
/// Returns the final hash.
///
/// # Panics
///
/// Unless `outgoing`, `incoming` and `keys` have the same length.
#[inline]
pub(crate) fn rabinkarp_window_keys(
    hash: u32,
    mult_out: u32,
    outgoing: &[u8],
    incoming: &[u8],
    keys: &mut [u32],
) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if keys.len() >= SHORT_KEYS && simd_enabled() {
        // SAFETY: simd_enabled() is only true once AVX2 has been detected on
        // the running CPU, the sole requirement of the AVX2 kernels.
        return unsafe { avx2::rabinkarp_window_keys(hash, mult_out, outgoing, incoming, keys) };
    }
    scalar::rabinkarp_window_keys(hash, mult_out, outgoing, incoming, keys)
}

/// Asks the CPU to start loading the cache line that holds `data[index]`
/// (nothing if `index` is out of bounds): a hint, with no effect on
/// results.
#[inline(always)]
pub(crate) fn prefetch<T>(data: &[T], index: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(item) = data.get(index) {
        // SAFETY: a prefetch reads nothing and writes nothing: it only warms
        // the cache for an address, here one of a live slice. SSE, which
        // the instruction needs, is part of every x86_64 CPU.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (item as *const T).cast::<i8>(),
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, index);
}

/// Fuzzing hook (re-exported, hidden, as `compat::simd_kernels_agree`):
/// runs every AVX2 kernel, when this CPU has AVX2 (whatever
/// `LIBRSYNC_RS_SIMD` says), and its scalar twin on the same arguments taken
/// from `data` (at whatever alignment the caller's slice has), and panics
/// if any result differs. `block_len` (used modulo 1024, plus 1) cuts
/// `data` into MD4 blocks; `states` are the initial sums, hash and window
/// length of the rolling kernels. Without AVX2 it only runs the scalar
/// twins.
pub fn kernels_agree(data: &[u8], block_len: usize, states: [u32; 4]) {
    let [s1, s2, hash, count] = states;
    let block_len = block_len % 1024 + 1;
    let blocks = data.len() / block_len;
    let md4_data = &data[..blocks * block_len];
    let mut md4_scalar = vec![[0u8; 16]; blocks];
    scalar::md4_blocks(md4_data, block_len, &mut md4_scalar);
    let sums_scalar = scalar::rollsum_sums(s1, s2, data);
    let hash_scalar = scalar::rabinkarp_hash(hash, data);
    let n = data.len() / 2;
    let (outgoing, incoming) = (&data[..n], &data[n..2 * n]);
    let mut rs_keys_scalar = vec![0u32; n];
    let rs_end_scalar =
        scalar::rollsum_window_keys(s1, s2, count, outgoing, incoming, &mut rs_keys_scalar);
    let mut rk_keys_scalar = vec![0u32; n];
    let rk_end_scalar =
        scalar::rabinkarp_window_keys(hash, count, outgoing, incoming, &mut rk_keys_scalar);
    #[cfg(target_arch = "x86_64")]
    if avx2_detected() {
        let mut md4_avx2 = vec![[0u8; 16]; blocks];
        // SAFETY: AVX2 was detected on the running CPU just above, the sole
        // requirement of the AVX2 kernels (this and the calls below); the
        // slices meet each kernel's length precondition by construction.
        unsafe { avx2::md4_blocks(md4_data, block_len, &mut md4_avx2) };
        assert_eq!(md4_avx2, md4_scalar, "md4_blocks, block_len {block_len}");
        // SAFETY: as above.
        let sums = unsafe { avx2::rollsum_sums(s1, s2, data) };
        assert_eq!(sums, sums_scalar, "rollsum_sums");
        // SAFETY: as above.
        let h = unsafe { avx2::rabinkarp_hash(hash, data) };
        assert_eq!(h, hash_scalar, "rabinkarp_hash");
        let mut keys = vec![0u32; n];
        // SAFETY: as above.
        let end =
            unsafe { avx2::rollsum_window_keys(s1, s2, count, outgoing, incoming, &mut keys) };
        assert_eq!(
            (end, &keys),
            (rs_end_scalar, &rs_keys_scalar),
            "rollsum_window_keys"
        );
        let mut keys = vec![0u32; n];
        // SAFETY: as above.
        let end =
            unsafe { avx2::rabinkarp_window_keys(hash, count, outgoing, incoming, &mut keys) };
        assert_eq!(
            (end, &keys),
            (rk_end_scalar, &rk_keys_scalar),
            "rabinkarp_window_keys"
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (
        md4_scalar,
        sums_scalar,
        hash_scalar,
        rs_end_scalar,
        rk_end_scalar,
    );
}
