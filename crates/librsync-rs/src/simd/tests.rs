//! Every kernel against its scalar twin and against plain reference loops,
//! for every length up to 4100 bytes and every alignment within 64 bytes
//! (window keys: every stretch of up to 600 windows).
//! The AVX2 kernels are called directly whenever the CPU has AVX2, so they
//! are checked even under `LIBRSYNC_RS_SIMD=scalar`.

use super::*;
use crate::checksum::{md4, mix32, nozero};

/// SplitMix64: deterministic pseudo-random test data.
struct Rng(u64);

impl Rng {
    /// The next 64 pseudo-random bits.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// The next 32 pseudo-random bits.
    fn u32(&mut self) -> u32 {
        (self.next() >> 32) as u32
    }

    /// `n` pseudo-random bytes.
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Test bytes laid out from a 64-byte aligned address, so that slices can
/// start at any chosen alignment.
struct Aligned {
    /// The bytes, preceded by up to 63 bytes of padding.
    buf: Vec<u8>,
    /// Index of the first 64-byte aligned byte of `buf`.
    base: usize,
}

impl Aligned {
    /// `content` copied to a 64-byte aligned address.
    fn new(content: &[u8]) -> Aligned {
        let mut buf = vec![0u8; content.len() + 64];
        let base = buf.as_ptr().align_offset(64);
        buf[base..base + content.len()].copy_from_slice(content);
        Aligned { buf, base }
    }

    /// `len` bytes starting `align` bytes past the aligned address.
    fn slice(&self, align: usize, len: usize) -> &[u8] {
        let s = &self.buf[self.base + align..self.base + align + len];
        assert_eq!(s.as_ptr() as usize % 64, align);
        s
    }
}

/// The AVX2 kernels, as plain functions that call them directly (whatever
/// `LIBRSYNC_RS_SIMD` says), if this CPU has AVX2.
struct Avx2 {
    /// `avx2::md4_blocks`.
    md4_blocks: fn(&[u8], usize, &mut [[u8; 16]]),
    /// `avx2::rollsum_sums`.
    rollsum_sums: fn(u32, u32, &[u8]) -> (u32, u32),
    /// `avx2::rabinkarp_hash`.
    rabinkarp_hash: fn(u32, &[u8]) -> u32,
    /// `avx2::rollsum_window_keys`.
    rollsum_window_keys: RollsumKeys,
    /// `avx2::rabinkarp_window_keys`.
    rabinkarp_window_keys: RabinKarpKeys,
}

/// The signature of the `rollsum_window_keys` kernels.
type RollsumKeys = fn(u32, u32, u32, &[u8], &[u8], &mut [u32]) -> (u32, u32);

/// The signature of the `rabinkarp_window_keys` kernels.
type RabinKarpKeys = fn(u32, u32, &[u8], &[u8], &mut [u32]) -> u32;

/// The AVX2 kernels, if this CPU has AVX2.
#[cfg(target_arch = "x86_64")]
fn avx2_kernels() -> Option<Avx2> {
    if !std::is_x86_feature_detected!("avx2") {
        return None;
    }
    Some(Avx2 {
        // SAFETY: AVX2 was detected on this CPU, just above.
        md4_blocks: |d, b, o| unsafe { avx2::md4_blocks(d, b, o) },
        // SAFETY: AVX2 was detected on this CPU, just above.
        rollsum_sums: |s1, s2, d| unsafe { avx2::rollsum_sums(s1, s2, d) },
        // SAFETY: AVX2 was detected on this CPU, just above.
        rabinkarp_hash: |h, d| unsafe { avx2::rabinkarp_hash(h, d) },
        rollsum_window_keys: |s1, s2, count, o, i, k| {
            // SAFETY: AVX2 was detected on this CPU, just above.
            unsafe { avx2::rollsum_window_keys(s1, s2, count, o, i, k) }
        },
        rabinkarp_window_keys: |h, m, o, i, k| {
            // SAFETY: AVX2 was detected on this CPU, just above.
            unsafe { avx2::rabinkarp_window_keys(h, m, o, i, k) }
        },
    })
}

/// The AVX2 kernels: none, off x86_64.
#[cfg(not(target_arch = "x86_64"))]
fn avx2_kernels() -> Option<Avx2> {
    None
}

/// The longest length the sweeps try at every value.
const MAX_LEN: usize = 4100;

/// Lengths also tried at all 64 alignments: around the vector widths and
/// chunk sizes of the kernels, and a few larger ones.
const FEW_LENS: [usize; 34] = [
    0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 95, 96, 97, 127, 128, 129, 255,
    256, 257, 1000, 1023, 1024, 2047, 2048, 2049, 4096, 4100,
];

/// Calls `check(data, x, y)` on every length `0..=MAX_LEN` (at alignment
/// `len % 64`) and on [`FEW_LENS`] at every alignment `0..64`, over
/// pseudo-random data and all-0xFF data, with initial states `x, y` that
/// cycle through zeros, ones, all-ones and pseudo-random values.
fn sweep(mut check: impl FnMut(&[u8], u32, u32)) {
    let mut rng = Rng(0x5eed_0f5e);
    let random = Aligned::new(&rng.bytes(MAX_LEN + 64));
    let all_ff = Aligned::new(&[0xff; MAX_LEN + 64]);
    let mut i = 0u32;
    let mut state = |rng: &mut Rng| {
        i += 1;
        match i % 5 {
            0 => (0, 0),
            1 => (1, 1),
            2 => (u32::MAX, u32::MAX),
            _ => (rng.u32(), rng.u32()),
        }
    };
    for buf in [&random, &all_ff] {
        for len in 0..=MAX_LEN {
            let (x, y) = state(&mut rng);
            check(buf.slice(len % 64, len), x, y);
        }
        for len in FEW_LENS {
            for align in 0..64 {
                let (x, y) = state(&mut rng);
                check(buf.slice(align, len), x, y);
            }
        }
    }
}

/// The rollsum loop, byte by byte.
fn reference_rollsum(mut s1: u32, mut s2: u32, data: &[u8]) -> (u32, u32) {
    for &b in data {
        s1 = s1.wrapping_add(b as u32);
        s2 = s2.wrapping_add(s1);
    }
    (s1, s2)
}

/// The RabinKarp loop, byte by byte.
fn reference_rabinkarp(mut hash: u32, data: &[u8]) -> u32 {
    for &b in data {
        hash = hash.wrapping_mul(0x0810_4225).wrapping_add(b as u32);
    }
    hash
}

/// Checks every rollsum implementation against the reference loop.
fn check_rollsum(s1: u32, s2: u32, data: &[u8]) {
    let want = reference_rollsum(s1, s2, data);
    let what = || format!("len {} at {:p}, s1 {s1:#x}, s2 {s2:#x}", data.len(), data);
    assert_eq!(
        scalar::rollsum_sums(s1, s2, data),
        want,
        "scalar, {}",
        what()
    );
    assert_eq!(rollsum_sums(s1, s2, data), want, "dispatched, {}", what());
    if let Some(avx2) = avx2_kernels() {
        let got = (avx2.rollsum_sums)(s1, s2, data);
        assert_eq!(got, want, "avx2, {}", what());
    }
}

/// Checks every RabinKarp implementation against the reference loop.
fn check_rabinkarp(hash: u32, data: &[u8]) {
    let want = reference_rabinkarp(hash, data);
    let what = || format!("len {} at {:p}, hash {hash:#x}", data.len(), data);
    assert_eq!(
        scalar::rabinkarp_hash(hash, data),
        want,
        "scalar, {}",
        what()
    );
    assert_eq!(rabinkarp_hash(hash, data), want, "dispatched, {}", what());
    if let Some(avx2) = avx2_kernels() {
        let got = (avx2.rabinkarp_hash)(hash, data);
        assert_eq!(got, want, "avx2, {}", what());
    }
}

/// Checks every `md4_blocks` against `checksum::md4` of each block.
fn check_md4_blocks(data: &[u8], block_len: usize) {
    let count = data.len() / block_len;
    let want: Vec<[u8; 16]> = data.chunks_exact(block_len).map(md4).collect();
    assert_eq!(want.len(), count);
    let what = || format!("{count} blocks of {block_len} at {:p}", data);
    let mut out = vec![[0u8; 16]; count];
    scalar::md4_blocks(data, block_len, &mut out);
    assert!(out == want, "scalar, {}", what());
    out.fill([0; 16]);
    md4_blocks(data, block_len, &mut out);
    assert!(out == want, "dispatched, {}", what());
    if let Some(avx2) = avx2_kernels() {
        out.fill([0; 16]);
        (avx2.md4_blocks)(data, block_len, &mut out);
        assert!(out == want, "avx2, {}", what());
    }
}

/// `simd_enabled` is AVX2 detection, unless `LIBRSYNC_RS_SIMD=scalar`.
#[test]
fn dispatch_follows_the_cpu_and_the_environment() {
    let forced = std::env::var_os(ENV_VAR).is_some_and(|v| v == "scalar");
    assert_eq!(simd_enabled(), !forced && avx2_detected());
    if avx2_kernels().is_none() {
        eprintln!("note: no AVX2 on this CPU, only the scalar kernels were tested");
    }
}

/// Every rollsum kernel equals the byte loop, over the whole [`sweep`].
#[test]
fn rollsum_kernels_match_the_byte_loop() {
    sweep(|data, s1, s2| check_rollsum(s1, s2, data));
}

/// Every RabinKarp kernel equals the byte loop, over the whole [`sweep`].
#[test]
fn rabinkarp_kernels_match_the_byte_loop() {
    sweep(|data, hash, _| check_rabinkarp(hash, data));
}

/// Over 1 MiB, the sums wrap around 2^32 in every lane: still equal.
#[test]
fn long_inputs_wrap_like_the_byte_loop() {
    // Long enough for every 32-bit lane sum of the AVX2 kernels to wrap.
    let random = Rng(7).bytes(1 << 20);
    let all_ff = vec![0xff; 1 << 20];
    for data in [&random, &all_ff] {
        for (x, y) in [(0, 0), (u32::MAX, u32::MAX), (0x1234_5678, 0x9abc_def0)] {
            check_rollsum(x, y, data);
            check_rabinkarp(x, data);
        }
    }
}

/// The rollsum window keys into `keys` and the final sums, one window at
/// a time as the delta scan did it: `nozero(mix32(digest))`, then a
/// rotation with a table of `count·(b + 31)`.
fn reference_rollsum_keys(
    mut s1: u32,
    mut s2: u32,
    count: u32,
    outgoing: &[u8],
    incoming: &[u8],
    keys: &mut [u32],
) -> (u32, u32) {
    let table: [u32; 256] = std::array::from_fn(|b| count.wrapping_mul(b as u32 + 31));
    for ((key, &out), &inp) in keys.iter_mut().zip(outgoing).zip(incoming) {
        *key = nozero(mix32((s2 << 16) | (s1 & 0xffff)));
        s1 = s1.wrapping_add(inp as u32).wrapping_sub(out as u32);
        s2 = s2.wrapping_add(s1).wrapping_sub(table[out as usize]);
    }
    (s1, s2)
}

/// The RabinKarp window keys into `keys` and the final hash, one window at
/// a time as the delta scan did it: `nozero(hash)`, then a rotation with a
/// table of `mult_out·(b + ADJ)`.
fn reference_rabinkarp_keys(
    mut hash: u32,
    mult_out: u32,
    outgoing: &[u8],
    incoming: &[u8],
    keys: &mut [u32],
) -> u32 {
    let table: [u32; 256] =
        std::array::from_fn(|b| mult_out.wrapping_mul((b as u32).wrapping_add(0x0810_4224)));
    for ((key, &out), &inp) in keys.iter_mut().zip(outgoing).zip(incoming) {
        *key = nozero(hash);
        hash = hash
            .wrapping_mul(0x0810_4225)
            .wrapping_add(inp as u32)
            .wrapping_sub(table[out as usize]);
    }
    hash
}

/// Checks every `rollsum_window_keys` against the reference loop; returns
/// the keys.
fn check_rollsum_keys(s1: u32, s2: u32, count: u32, outgoing: &[u8], incoming: &[u8]) -> Vec<u32> {
    let mut want = vec![0u32; outgoing.len()];
    let want_sums = reference_rollsum_keys(s1, s2, count, outgoing, incoming, &mut want);
    let what = || {
        format!(
            "{} windows of {count} bytes at {:p}, s1 {s1:#x}, s2 {s2:#x}",
            outgoing.len(),
            outgoing
        )
    };
    let avx2 = avx2_kernels().map(|avx2| avx2.rollsum_window_keys);
    let kernels: [(&str, Option<RollsumKeys>); 3] = [
        ("scalar", Some(scalar::rollsum_window_keys)),
        ("dispatched", Some(rollsum_window_keys)),
        ("avx2", avx2),
    ];
    let mut keys = vec![0u32; outgoing.len()];
    for (name, kernel) in kernels {
        let Some(kernel) = kernel else { continue };
        keys.fill(0);
        let sums = kernel(s1, s2, count, outgoing, incoming, &mut keys);
        assert!(keys == want, "{name} keys, {}", what());
        assert_eq!(sums, want_sums, "{name} sums, {}", what());
    }
    want
}

/// Checks every `rabinkarp_window_keys` against the reference loop;
/// returns the keys.
fn check_rabinkarp_keys(hash: u32, mult_out: u32, outgoing: &[u8], incoming: &[u8]) -> Vec<u32> {
    let mut want = vec![0u32; outgoing.len()];
    let want_hash = reference_rabinkarp_keys(hash, mult_out, outgoing, incoming, &mut want);
    let what = || {
        format!(
            "{} windows at {:p}, mult_out {mult_out:#x}, hash {hash:#x}",
            outgoing.len(),
            outgoing
        )
    };
    let avx2 = avx2_kernels().map(|avx2| avx2.rabinkarp_window_keys);
    let kernels: [(&str, Option<RabinKarpKeys>); 3] = [
        ("scalar", Some(scalar::rabinkarp_window_keys)),
        ("dispatched", Some(rabinkarp_window_keys)),
        ("avx2", avx2),
    ];
    let mut keys = vec![0u32; outgoing.len()];
    for (name, kernel) in kernels {
        let Some(kernel) = kernel else { continue };
        keys.fill(0);
        let got = kernel(hash, mult_out, outgoing, incoming, &mut keys);
        assert!(keys == want, "{name} keys, {}", what());
        assert_eq!(got, want_hash, "{name} hash, {}", what());
    }
    want
}

/// The longest stretch of windows the window key sweeps try.
const MAX_WINDOWS: usize = 600;

/// Window lengths the window key sweeps try, up to one that wraps 32 bits
/// (the rollsum takes it modulo 2^32, RabinKarp as a power of MULT).
const WINDOW_LENS: [u64; 10] = [
    1,
    2,
    7,
    31,
    64,
    700,
    2048,
    65536,
    3_000_000_007,
    (1 << 32) + 5,
];

/// Calls `check(outgoing, incoming, window_len, x, y)` on every stretch
/// length `0..=MAX_WINDOWS` for every window length of [`WINDOW_LENS`],
/// over pseudo-random, all-0 and all-0xFF data, from zero and pseudo-random
/// initial states `x, y`.
fn sweep_windows(mut check: impl FnMut(&[u8], &[u8], u64, u32, u32)) {
    let mut rng = Rng(0x6b65_7973);
    let len = 2 * MAX_WINDOWS + 64;
    for data in [rng.bytes(len), vec![0; len], vec![0xff; len]] {
        for window_len in WINDOW_LENS {
            for n in 0..=MAX_WINDOWS {
                // Stretches at every alignment, incoming ahead of outgoing.
                let at = n % 32;
                let gap = 1 + (window_len % 500) as usize;
                let outgoing = &data[at..at + n];
                let incoming = &data[at + gap..at + gap + n];
                check(outgoing, incoming, window_len, 0, 0);
                check(outgoing, incoming, window_len, rng.u32(), rng.u32());
            }
        }
    }
}

/// Every `rollsum_window_keys` equals the reference loop, over the whole
/// [`sweep_windows`].
#[test]
fn rollsum_window_keys_match_the_loop() {
    sweep_windows(|outgoing, incoming, window_len, s1, s2| {
        check_rollsum_keys(s1, s2, window_len as u32, outgoing, incoming);
    });
}

/// Every `rabinkarp_window_keys` equals the reference loop, over the whole
/// [`sweep_windows`].
#[test]
fn rabinkarp_window_keys_match_the_loop() {
    sweep_windows(|outgoing, incoming, window_len, hash, _| {
        let mult_out = pow(RABINKARP_MULT, window_len);
        check_rabinkarp_keys(hash, mult_out, outgoing, incoming);
    });
}

/// Windows whose value is 0 before `nozero` get key `0xFFFFFFFF` in every
/// kernel, wherever they fall in a stretch: the initial state is chosen so
/// that window `p` has rollsum digest 0 (`mix32(0) = 0`) or RabinKarp hash
/// 0.
#[test]
fn window_keys_map_zero_to_all_ones() {
    let data = Rng(0x7a65_726f).bytes(1000);
    let (outgoing, incoming) = data.split_at(500);
    for n in [1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100, 256, 300] {
        let (outgoing, incoming) = (&outgoing[..n], &incoming[..n]);
        for p in 0..n {
            for window_len in [7u64, 2048, 3_000_000_007] {
                // The sums after p windows are linear in the initial ones:
                // s1 + a and s2 + p·s1 + b from (0, 0).
                let count = window_len as u32;
                let (out_p, in_p) = (&outgoing[..p], &incoming[..p]);
                let (a, b) = reference_rollsum_keys(0, 0, count, out_p, in_p, &mut [0; 300]);
                let s1 = a.wrapping_neg();
                let s2 = (p as u32).wrapping_mul(a).wrapping_sub(b);
                let keys = check_rollsum_keys(s1, s2, count, outgoing, incoming);
                assert_eq!(keys[p], u32::MAX, "rollsum, window {p} of {n}");
                // The hash after p windows is hash·MULT^p + h from 0.
                let mult_out = pow(RABINKARP_MULT, window_len);
                let h = reference_rabinkarp_keys(0, mult_out, out_p, in_p, &mut [0; 300]);
                let hash = h.wrapping_neg().wrapping_mul(pow(RABINKARP_INVM, p as u64));
                let keys = check_rabinkarp_keys(hash, mult_out, outgoing, incoming);
                assert_eq!(keys[p], u32::MAX, "rabinkarp, window {p} of {n}");
            }
        }
    }
    // 65536-byte windows of zeros from a zero rollsum: every digest is 0.
    let zeros = [0u8; 300];
    let keys = check_rollsum_keys(0, 0, 65536, &zeros, &zeros);
    assert!(keys.iter().all(|&k| k == u32::MAX));
}

/// Over a long stretch (far longer than the delta scan's), still equal.
#[test]
fn long_window_stretches_match_the_loop() {
    let mut rng = Rng(11);
    let data = rng.bytes(1 << 18);
    let (outgoing, incoming) = data.split_at(1 << 17);
    check_rollsum_keys(rng.u32(), rng.u32(), 2048, outgoing, incoming);
    check_rabinkarp_keys(rng.u32(), pow(RABINKARP_MULT, 2048), outgoing, incoming);
}

/// Every window key kernel panics (safely) unless its three slices have
/// the same length.
#[test]
fn window_keys_reject_unequal_lengths() {
    let data = [0u8; 40];
    let mut keys = [0u32; 40];
    let avx2 = avx2_kernels();
    let rollsums: Vec<RollsumKeys> = [scalar::rollsum_window_keys, rollsum_window_keys]
        .into_iter()
        .chain(avx2.as_ref().map(|avx2| avx2.rollsum_window_keys))
        .collect();
    let rabinkarps: Vec<RabinKarpKeys> = [scalar::rabinkarp_window_keys, rabinkarp_window_keys]
        .into_iter()
        .chain(avx2.as_ref().map(|avx2| avx2.rabinkarp_window_keys))
        .collect();
    for (out, inp, n) in [
        (40, 40, 39),
        (39, 40, 40),
        (40, 39, 40),
        (0, 0, 1),
        (33, 32, 32),
    ] {
        let (out, inp) = (&data[..out], &data[..inp]);
        for kernel in &rollsums {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                kernel(1, 2, 3, out, inp, &mut keys[..n])
            }));
            assert!(result.is_err(), "rollsum {}, {}, {n}", out.len(), inp.len());
        }
        for kernel in &rabinkarps {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                kernel(1, 2, out, inp, &mut keys[..n])
            }));
            assert!(
                result.is_err(),
                "rabinkarp {}, {}, {n}",
                out.len(),
                inp.len()
            );
        }
    }
}

/// The window key part of [`kernel_speed`]: keys of 2048-byte windows in
/// stretches of `n` windows (256, as the delta scan asks, and shorter) over
/// `data`, each kernel against the one-window-at-a-time loop it replaces
/// (the `Rolling` default before it), in GB/s of data scanned (a window
/// per byte).
fn window_keys_speed(data: &[u8], avx2: Option<&Avx2>) {
    use std::hint::black_box;
    use std::time::Instant;

    const WINDOW: usize = 2048;
    /// G windows per second, from the fastest of 16 passes over `data`.
    fn rate(data: &[u8], n: usize, mut f: impl FnMut(&[u8], &[u8], &mut [u32])) -> f64 {
        let stretches = (data.len() - WINDOW) / n;
        let mut keys = [0u32; 256];
        let mut best = f64::INFINITY;
        for _ in 0..16 {
            let start = Instant::now();
            for s in 0..stretches {
                let pos = s * n;
                let outgoing = &data[pos..pos + n];
                let incoming = &data[pos + WINDOW..pos + WINDOW + n];
                f(black_box(outgoing), black_box(incoming), &mut keys[..n]);
                black_box(&keys);
            }
            best = best.min(start.elapsed().as_secs_f64());
        }
        (stretches * n) as f64 / best / 1e9
    }

    let count = WINDOW as u32;
    let mult_out = pow(RABINKARP_MULT, WINDOW as u64);
    let (mut s1, mut s2, mut hash) = (0x1234_5678u32, 0x9abc_def0u32, 1u32);
    println!(
        "window keys, {WINDOW}-byte windows over {} MiB, G windows/s (= GB/s scanned):",
        data.len() >> 20
    );
    for n in [256, 64, 16] {
        let roll_loop = rate(data, n, |o, i, k| {
            (s1, s2) = reference_rollsum_keys(s1, s2, count, o, i, k);
        });
        let roll_scalar = rate(data, n, |o, i, k| {
            (s1, s2) = scalar::rollsum_window_keys(s1, s2, count, o, i, k);
        });
        let rk_loop = rate(data, n, |o, i, k| {
            hash = reference_rabinkarp_keys(hash, mult_out, o, i, k);
        });
        let rk_scalar = rate(data, n, |o, i, k| {
            hash = scalar::rabinkarp_window_keys(hash, mult_out, o, i, k);
        });
        let roll_avx2 = avx2.map(|avx2| {
            rate(data, n, |o, i, k| {
                (s1, s2) = (avx2.rollsum_window_keys)(s1, s2, count, o, i, k);
            })
        });
        let rk_avx2 = avx2.map(|avx2| {
            rate(data, n, |o, i, k| {
                hash = (avx2.rabinkarp_window_keys)(hash, mult_out, o, i, k);
            })
        });
        let show = |v: Option<f64>| v.map_or("   -  ".to_string(), |v| format!("{v:6.2}"));
        println!(
            "  {n:>3} windows  rollsum:   loop {roll_loop:6.2}  scalar {roll_scalar:6.2}  avx2 {}",
            show(roll_avx2)
        );
        println!(
            "  {n:>3} windows  rabinkarp: loop {rk_loop:6.2}  scalar {rk_scalar:6.2}  avx2 {}",
            show(rk_avx2)
        );
    }
    black_box((s1, s2, hash));
}

/// Every `md4_blocks` gives `checksum::md4` of each block, for block
/// lengths, counts and alignments that take every path of the kernels.
#[test]
fn md4_kernels_match_md4() {
    let mut rng = Rng(0x4d44);
    let random = Aligned::new(&rng.bytes(17 * MAX_LEN + 64));
    let all_ff = Aligned::new(&vec![0xff; 17 * MAX_LEN + 64]);
    // Every residue of the length modulo 64 (tails that need one padding
    // block or two), and counts 1..=17 in turn, or up to 33: the kernel
    // hashes groups of sixteen, and a last group of up to eight blocks, or
    // of more, or a single block, each its own way.
    let mut case = 0usize;
    let mut check = |block_len: usize, count: usize, align: usize| {
        case += 1;
        let buf = if case % 8 == 0 { &all_ff } else { &random };
        check_md4_blocks(buf.slice(align, count * block_len), block_len);
    };
    for block_len in (1..=256)
        .chain((257..=MAX_LEN).step_by(31))
        .chain([MAX_LEN])
    {
        let count = 1 + (block_len * 7) % 17;
        check(block_len, count, block_len % 64);
    }
    for block_len in [1, 55, 56, 63, 64, 65, 119, 120, 2048, MAX_LEN] {
        let most = if block_len < 1000 { 33 } else { 17 };
        for count in 1..=most {
            check(block_len, count, (count * 5) % 64);
        }
    }
    for block_len in [1, 64, 100, 2048] {
        for align in 0..64 {
            check(block_len, 9, align);
        }
    }
    // No blocks at all.
    check_md4_blocks(&[], 64);
}

/// Every `md4_blocks` panics (safely) on a zero block length or a data
/// length that is not `count` blocks.
#[test]
fn md4_blocks_rejects_bad_arguments() {
    let data = [0u8; 100];
    let mut out = [[0u8; 16]; 3];
    type Kernel = fn(&[u8], usize, &mut [[u8; 16]]);
    let avx2 = avx2_kernels().map(|avx2| avx2.md4_blocks);
    let kernels: Vec<Kernel> = [scalar::md4_blocks, md4_blocks]
        .into_iter()
        .chain(avx2)
        .collect();
    for kernel in kernels {
        for (len, block_len, count) in [(0, 0, 0), (30, 0, 3), (100, 33, 3), (99, 33, 2)] {
            let (data, out) = (&data[..len], &mut out[..count]);
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                kernel(data, block_len, out)
            }));
            assert!(
                result.is_err(),
                "{len} bytes, block_len {block_len}, {count}"
            );
        }
    }
}

/// Throughput of each kernel, AVX2 and scalar, on 2 KiB blocks, once
/// streaming 64 MiB from memory and once cycling over 256 KiB that stay in
/// cache: `cargo test --release --lib -- --ignored kernel_speed --nocapture`.
#[test]
#[ignore = "a benchmark; run it in release with --nocapture"]
fn kernel_speed() {
    use std::hint::black_box;
    use std::time::Instant;

    const TOTAL: usize = 64 << 20;
    const BLOCK: usize = 2048;
    const CACHED: usize = 256 << 10;
    let data = Rng(1).bytes(TOTAL);
    let mut out = vec![[0u8; 16]; TOTAL / BLOCK];
    let avx2 = avx2_kernels();

    /// GB/s of `f`, from the fastest of 64 timed runs over 1 MiB each (the
    /// machine may be shared: the fastest run is the least disturbed one):
    /// 64 consecutive MiB of `data`, or 4 passes over its first `CACHED`
    /// bytes each time.
    fn rate(data: &[u8], cached: bool, mut f: impl FnMut(&[u8])) -> f64 {
        const RUN: usize = 1 << 20;
        let mut best = f64::INFINITY;
        f(black_box(&data[..CACHED]));
        for run in 0..TOTAL / RUN {
            let start = Instant::now();
            if cached {
                for _ in 0..RUN / CACHED {
                    f(black_box(&data[..CACHED]));
                }
            } else {
                f(black_box(&data[run * RUN..(run + 1) * RUN]));
            }
            best = best.min(start.elapsed().as_secs_f64());
        }
        RUN as f64 / best / 1e9
    }
    fn report(name: &str, scalar: f64, avx2: Option<f64>) {
        match avx2 {
            Some(v) => println!(
                "  {name:<10} scalar {scalar:6.2} GB/s   avx2 {v:6.2} GB/s   x{:.1}",
                v / scalar
            ),
            None => println!("  {name:<10} scalar {scalar:6.2} GB/s   (no AVX2)"),
        }
    }

    let mut sink = 0u32;
    for cached in [false, true] {
        if cached {
            println!("{BLOCK}-byte blocks, 256 KiB in cache, 64 MiB in all:");
        } else {
            println!("{BLOCK}-byte blocks, 64 MiB streamed from memory:");
        }
        let md4_scalar = rate(&data, cached, |d| {
            scalar::md4_blocks(d, BLOCK, &mut out[..d.len() / BLOCK])
        });
        let rollsum_scalar = rate(&data, cached, |d| {
            for block in d.chunks_exact(BLOCK) {
                let (s1, s2) = scalar::rollsum_sums(1, 2, block);
                sink ^= s1 ^ s2;
            }
        });
        let rk_scalar = rate(&data, cached, |d| {
            for block in d.chunks_exact(BLOCK) {
                sink ^= scalar::rabinkarp_hash(1, block);
            }
        });
        let md4_avx2 = avx2.as_ref().map(|avx2| {
            rate(&data, cached, |d| {
                (avx2.md4_blocks)(d, BLOCK, &mut out[..d.len() / BLOCK])
            })
        });
        let rollsum_avx2 = avx2.as_ref().map(|avx2| {
            rate(&data, cached, |d| {
                for block in d.chunks_exact(BLOCK) {
                    let (s1, s2) = (avx2.rollsum_sums)(1, 2, block);
                    sink ^= s1 ^ s2;
                }
            })
        });
        let rk_avx2 = avx2.as_ref().map(|avx2| {
            rate(&data, cached, |d| {
                for block in d.chunks_exact(BLOCK) {
                    sink ^= (avx2.rabinkarp_hash)(1, block);
                }
            })
        });
        report("md4", md4_scalar, md4_avx2);
        report("rollsum", rollsum_scalar, rollsum_avx2);
        report("rabinkarp", rk_scalar, rk_avx2);
    }
    black_box(sink);

    window_keys_speed(&data[..4 << 20], avx2.as_ref());

    // Whether a last group of k < 8 blocks is better hashed by the 8-lane
    // kernel (lanes duplicated) or one block at a time.
    #[cfg(target_arch = "x86_64")]
    if avx2.is_some() {
        println!("md4, a group of k blocks (cached):");
        for k in 1..8 {
            let scalar_k = rate(&data, true, |d| {
                for group in d.chunks_exact(8 * BLOCK) {
                    scalar::md4_blocks(&group[..k * BLOCK], BLOCK, &mut out[..k]);
                }
            }) * k as f64
                / 8.0;
            let lanes_k = rate(&data, true, |d| {
                for group in d.chunks_exact(8 * BLOCK) {
                    let b = |i: usize| &group[i.min(k - 1) * BLOCK..][..BLOCK];
                    let lanes = [b(0), b(1), b(2), b(3), b(4), b(5), b(6), b(7)];
                    // SAFETY: AVX2 was detected on this CPU.
                    black_box(unsafe { avx2::md4_lanes(&[lanes]) });
                }
            }) * k as f64
                / 8.0;
            println!("  k = {k}: scalar {scalar_k:5.2} GB/s, 8-lane kernel {lanes_k:5.2} GB/s");
        }
    }
}
