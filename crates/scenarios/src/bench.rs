//! Helpers for the benchmarks: CPU time from /proc, sample data, settings
//! from the environment.

use std::fs;
use std::time::Duration;

/// User + system CPU time from /proc/self/stat, in clock ticks of 10 ms:
/// fields 14-15 for this process, 16-17 for its waited-for children.
pub fn proc_cpu(children: bool) -> Duration {
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let first = if children { 13 } else { 11 };
    let ticks: u64 = fields[first..first + 2]
        .iter()
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// Deterministic pseudo-random bytes: the [`Rng`](crate::Rng) stream
/// seeded with `seed`, eight bytes per step.
pub fn sample(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = crate::Rng::new(seed);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A number from the environment, or `default`.
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
