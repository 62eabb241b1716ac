//! Signatures and deltas on 1 and 2 threads, in one run: wall time and CPU
//! time (all threads of the process) of `librsync_rs::signature` and
//! `delta_with` (of an edited and of an unrelated file) over 128 MiB inputs
//! held in memory and fed in 256 KiB reads, as `rdiff` reads; the rounds of
//! the two counts alternate, and medians are compared. Prints the speed-up
//! of wall time (1 thread / 2 threads; above 1 is faster) and the CPU-time
//! ratio (2 threads / 1 thread; 1.00 means no extra work). The outputs are
//! checked identical first. Run with `cargo bench --bench threads`;
//! `THREADS_MIB` sets the size and `THREADS_ROUNDS` the rounds.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use librsync_rs::{
    delta_with, load_signature, signature, DeltaOptions, SigMagic, SignatureOptions, StrongLen,
};
use librsync_rs_scenarios::bench::{env_or, sample};

/// A reader over `data` that hands out at most 256 KiB per read.
struct Pieces<'a>(&'a [u8]);

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.0.len()).min(256 << 10);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// CPU time of every thread of this process so far.
fn process_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// Wall and CPU time of `work` writing into `out` (cleared, capacity
/// kept).
fn timed(out: &mut Vec<u8>, work: impl FnOnce(&mut Vec<u8>)) -> (Duration, Duration) {
    out.clear();
    let (wall, cpu) = (Instant::now(), process_cpu());
    work(out);
    (wall.elapsed(), process_cpu() - cpu)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Checks that 2 threads write what 1 writes, then times `rounds`
/// alternating rounds of each and prints a line of medians.
fn compare(name: &str, rounds: usize, run: impl Fn(usize, &mut Vec<u8>)) {
    let (mut one_out, mut two_out) = (Vec::new(), Vec::new());
    run(1, &mut one_out);
    run(2, &mut two_out);
    assert!(one_out == two_out, "{name}: 2 threads wrote other bytes");
    let (mut wall, mut cpu) = ([vec![], vec![]], [vec![], vec![]]);
    for _ in 0..rounds {
        for (i, threads) in [1, 2].into_iter().enumerate() {
            let (w, c) = timed(&mut one_out, |out| run(threads, out));
            wall[i].push(w);
            cpu[i].push(c);
        }
    }
    let [w1, w2] = wall.map(median);
    let [c1, c2] = cpu.map(median);
    println!(
        "{name:<44} {:>10.1}ms {:>10.1}ms {:>9.2}× {:>10.2}",
        w1.as_secs_f64() * 1e3,
        w2.as_secs_f64() * 1e3,
        w1.as_secs_f64() / w2.as_secs_f64(),
        c2.as_secs_f64() / c1.as_secs_f64(),
    );
}

/// `data` with `edits` changes, insertions and deletions of up to 3000
/// bytes at random places.
fn edited(data: &[u8], edits: usize) -> Vec<u8> {
    let mut out = data.to_vec();
    let noise = sample(3000, 12);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    for _ in 0..edits {
        let at = next(out.len() - 3000);
        let len = 1 + next(3000);
        match next(3) {
            0 => drop(out.splice(at..at, noise[..len].iter().copied())),
            1 => drop(out.drain(at..at + len)),
            _ => out[at..at + len].copy_from_slice(&noise[..len]),
        }
    }
    out
}

fn main() {
    let mib = env_or("THREADS_MIB", 128);
    let rounds = env_or("THREADS_ROUNDS", 5).max(1);
    let data = sample(mib << 20, 11);
    let size = Some(data.len() as u64);
    let formats = [
        (
            "MD4, 8-byte sums (rdiff-backup)",
            SignatureOptions::new()
                .magic(SigMagic::Md4)
                .strong_len(StrongLen::Exact(8)),
        ),
        ("RabinKarp + BLAKE2 (default)", SignatureOptions::new()),
    ];
    println!("{mib} MiB, fed in 256 KiB reads; median of {rounds} alternating rounds");
    println!(
        "{:<44} {:>12} {:>12} {:>10} {:>10}",
        "", "wall 1 thr", "wall 2 thr", "speed-up", "CPU 2/1"
    );
    for (name, opts) in &formats {
        let opts = SignatureOptions {
            basis_size: size,
            ..*opts
        };
        compare(&format!("signature, {name}"), rounds, |threads, out| {
            signature(Pieces(&data), out, &opts.threads(threads)).expect("signature");
        });
    }
    let new_files = [
        ("edited", edited(&data, 300)),
        ("unrelated", sample(mib << 20, 13)),
    ];
    for (name, opts) in &formats {
        let opts = SignatureOptions {
            basis_size: size,
            ..*opts
        };
        let mut sig = Vec::new();
        signature(&data[..], &mut sig, &opts).expect("signature");
        let (mut sig, _) = load_signature(&sig[..], None).expect("load");
        sig.build_index().expect("index");
        for (kind, new) in &new_files {
            compare(&format!("delta {kind}, {name}"), rounds, |threads, out| {
                let opts = DeltaOptions::new().threads(threads);
                delta_with(&sig, Pieces(new), out, &opts).expect("delta");
            });
        }
    }
}
