//! Hash-flood resistance (bad-inputs.md R4 and R4b), against Debian's rdiff
//! in the same run.
//!
//! R4: a signature of N blocks with one weak sum and random strong sums;
//! time to load it and build the index. R4b: N blocks whose weak sum is that
//! of a 2048-byte zero block; time of a delta of 4 MiB of zeros, which must
//! not grow with N. C is quadratic here, so by default it is run only at the
//! smaller sizes; `FLOOD_C_ALL=1` runs it at every size.
//! Run with `cargo bench --bench hash_flood`.

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use librsync_rs::checksum::{strong_sum, weak_sum, StrongKind, WeakKind};
use librsync_rs::BufferSizes;
use librsync_rs_scenarios::Rng;

fn flood(n: usize, weak: u32, rng: &mut Rng) -> Vec<u8> {
    let mut sig = vec![0x72, 0x73, 0x01, 0x47, 0, 0, 8, 0, 0, 0, 0, 32];
    for _ in 0..n {
        sig.extend_from_slice(&weak.to_be_bytes());
        sig.extend(rng.bytes(32));
    }
    sig
}

fn time_c(args: &[&str]) -> Duration {
    let t = Instant::now();
    let status = Command::new("rdiff")
        .args(args)
        .status()
        .expect("run rdiff");
    assert!(status.success());
    t.elapsed()
}

fn main() {
    let have_c = Command::new("rdiff").arg("--version").output().is_ok();
    let all_c = std::env::var_os("FLOOD_C_ALL").is_some();
    let dir = std::env::temp_dir().join("librsync-rs-flood");
    fs::create_dir_all(&dir).unwrap();
    let sig_path = dir.join("flood.sig");
    let sig = sig_path.to_str().unwrap();
    let empty = dir.join("empty");
    fs::write(&empty, b"").unwrap();
    let mut rng = Rng::new(12345);

    println!("R4: load + index build of N blocks sharing one weak sum (seconds)");
    for n in [20_000usize, 40_000, 80_000] {
        let bytes = flood(n, 0x1234_5678, &mut rng);
        let t = Instant::now();
        let (mut s, _) = librsync_rs::load_signature(&bytes[..], None).unwrap();
        s.build_index().unwrap();
        let ours = t.elapsed();
        let c = if have_c && (all_c || n <= 20_000) {
            fs::write(&sig_path, &bytes).unwrap();
            // An empty new file: rdiff loads the signature, builds the hash
            // table and writes a 5-byte delta.
            let c = time_c(&["-f", "delta", sig, empty.to_str().unwrap(), "/dev/null"]);
            format!("C {:>8.3}", c.as_secs_f64())
        } else {
            "C (skipped; FLOOD_C_ALL=1)".into()
        };
        println!("  N={n:<6} ours {:>8.3}  {c}", ours.as_secs_f64());
    }

    println!(
        "R4b: delta of 4 MiB of zeros against N blocks with the zero block's weak sum (seconds)"
    );
    let zeros = vec![0u8; 4 << 20];
    let zeros_path = dir.join("zeros");
    fs::write(&zeros_path, &zeros).unwrap();
    let zero_weak = weak_sum(WeakKind::RabinKarp, &zeros[..2048]);
    let _ = strong_sum(StrongKind::Blake2, &zeros[..2048]);
    let mut base = None;
    for n in [1usize, 1000, 2000, 4000] {
        let bytes = flood(n, zero_weak, &mut rng);
        let (s, _) = librsync_rs::load_signature(&bytes[..], None).unwrap();
        let t = Instant::now();
        let mut out = Vec::new();
        librsync_rs::delta(&s, &zeros[..], &mut out, BufferSizes::default()).unwrap();
        let ours = t.elapsed().as_secs_f64();
        let base = *base.get_or_insert(ours);
        let c = if have_c && (all_c || n == 1) {
            fs::write(&sig_path, &bytes).unwrap();
            let c = time_c(&[
                "-f",
                "delta",
                sig,
                zeros_path.to_str().unwrap(),
                "/dev/null",
            ]);
            format!("C {:>8.3}", c.as_secs_f64())
        } else {
            "C (skipped; FLOOD_C_ALL=1)".into()
        };
        println!(
            "  N={n:<5} ours {ours:>8.3} (x{:.2} of N=1)  {c}",
            ours / base
        );
    }
}
