//! CPU time of our `rdiff` (this package's binary, release build) against
//! Debian's on a 128 MiB file: signature; delta of an edited, an identical
//! and an unrelated new file; patch. The two are run alternately, several
//! rounds, and each run's user + system time is read from
//! `/proc/self/stat` (children's times, 10 ms ticks). Prints the ratio ours
//! / Debian's (below 1 means faster) of the summed times, and checks that
//! both wrote the same bytes. Run with `cargo bench --bench rdiff_cli`;
//! `RDIFF_BENCH_MIB` sets the size, `RDIFF_BENCH_ROUNDS` the rounds.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use librsync_rs_scenarios::bench as support;

use support::{env_or, sample};

/// User + system time of this process's waited-for children so far.
fn children_cpu() -> Duration {
    support::proc_cpu(true)
}

/// Runs `bin args` and returns the CPU time it used.
fn cpu_of(bin: &Path, args: &[&Path]) -> Duration {
    let before = children_cpu();
    let status = Command::new(bin).args(args).status().expect("run rdiff");
    assert!(status.success(), "{} {args:?} failed", bin.display());
    children_cpu() - before
}

/// One measured operation: its name and the arguments between `-f` and
/// the output file.
struct Op {
    name: &'static str,
    args: Vec<PathBuf>,
}

fn main() {
    let reference = PathBuf::from("/usr/bin/rdiff");
    if Command::new(&reference).arg("--version").output().is_err() {
        eprintln!(
            "Debian's rdiff is not installed (apt-get install rdiff): nothing to compare with."
        );
        return;
    }
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_rdiff"));
    let mib = env_or("RDIFF_BENCH_MIB", 128);
    let rounds = env_or("RDIFF_BENCH_ROUNDS", 5);
    let dir = std::env::temp_dir().join("librsync-rs-rdiff-bench");
    fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name);

    let data = sample(mib << 20, 1);
    let mut edited = data.clone();
    for i in 0..64 {
        let at = (i * 2_000_003) % (edited.len() - 1000);
        edited[at..at + 100].copy_from_slice(&sample(100, i as u64 + 9));
    }
    fs::write(path("old"), &data).unwrap();
    fs::write(path("edited"), &edited).unwrap();
    fs::write(path("unrelated"), sample(mib << 20, 99)).unwrap();
    drop((data, edited));
    // The signature and delta the later steps read, made once.
    let status = Command::new(&reference)
        .args(["-f", "signature"])
        .args([path("old"), path("sig")])
        .status()
        .unwrap();
    assert!(status.success());
    let status = Command::new(&reference)
        .args(["-f", "delta"])
        .args([path("sig"), path("edited"), path("delta")])
        .status()
        .unwrap();
    assert!(status.success());

    let ops = [
        Op {
            name: "signature",
            args: vec!["signature".into(), path("old")],
        },
        Op {
            name: "delta (edited)",
            args: vec!["delta".into(), path("sig"), path("edited")],
        },
        Op {
            name: "delta (identical)",
            args: vec!["delta".into(), path("sig"), path("old")],
        },
        Op {
            name: "delta (unrelated)",
            args: vec!["delta".into(), path("sig"), path("unrelated")],
        },
        Op {
            name: "patch",
            args: vec!["patch".into(), path("old"), path("delta")],
        },
    ];
    println!("rdiff CPU time, {mib} MiB, {rounds} rounds, ours vs Debian's (user + system):");
    for op in &ops {
        let (mut total_ours, mut total_c) = (Duration::ZERO, Duration::ZERO);
        for round in 0..rounds {
            // Alternate which goes first.
            let order: [(&Path, &str); 2] = if round % 2 == 0 {
                [(&ours, "out.ours"), (&reference, "out.c")]
            } else {
                [(&reference, "out.c"), (&ours, "out.ours")]
            };
            for (bin, out) in order {
                let out = path(out);
                let mut args: Vec<&Path> = vec![Path::new("-f")];
                args.extend(op.args.iter().map(PathBuf::as_path));
                args.push(&out);
                let t = cpu_of(bin, &args);
                if bin == ours.as_path() {
                    total_ours += t;
                } else {
                    total_c += t;
                }
            }
            let same = fs::read(path("out.ours")).unwrap() == fs::read(path("out.c")).unwrap();
            assert!(same, "{}: outputs differ", op.name);
        }
        let n = rounds as u32;
        println!(
            "  {:<18} ours {:>7.3} s  Debian {:>7.3} s  ratio {:.2}",
            op.name,
            (total_ours / n).as_secs_f64(),
            (total_c / n).as_secs_f64(),
            total_ours.as_secs_f64() / total_c.as_secs_f64().max(0.001)
        );
    }
    let _ = fs::remove_dir_all(&dir);
}
