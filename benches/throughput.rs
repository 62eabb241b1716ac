//! Throughput of the library against Debian's `rdiff` (librsync 2.3.2) on a
//! 128 MiB file, measured in the same run: signature; delta of an edited, an
//! identical and an unrelated new file; patch. Prints CPU-time ratios
//! (ours / C; below 1 means faster). Run with `cargo bench --bench throughput`.
//! `THROUGHPUT_MIB` sets the size, `THROUGHPUT_ROUNDS` the repetitions (best of).

use std::fs::{self, File};
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use librsync_rs::{BufferSizes, SeekBasis, SigMagic, SignatureOptions};

use librsync_rs_scenarios::bench as support;

use support::{env_or, sample};

fn cpu_time_self() -> Duration {
    support::proc_cpu(false)
}

fn cpu_time_children() -> Duration {
    support::proc_cpu(true)
}

fn time_rdiff(args: &[&str]) -> Duration {
    let before = cpu_time_children();
    let status = Command::new("rdiff")
        .args(args)
        .status()
        .expect("run rdiff");
    assert!(status.success(), "rdiff {args:?} failed");
    cpu_time_children() - before
}

fn time_ours(f: impl FnOnce()) -> Duration {
    let before = cpu_time_self();
    f();
    cpu_time_self() - before
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn main() {
    if Command::new("rdiff").arg("--version").output().is_err() {
        eprintln!(
            "Debian's rdiff is not installed (apt-get install rdiff): nothing to compare with."
        );
        return;
    }
    let mib = env_or("THROUGHPUT_MIB", 128);
    let rounds = env_or("THROUGHPUT_ROUNDS", 3);
    let dir: PathBuf = std::env::temp_dir().join("librsync-rs-throughput");
    fs::create_dir_all(&dir).unwrap();
    let old = dir.join("old");
    let edited = dir.join("edited");
    let unrelated = dir.join("unrelated");
    let data = sample(mib << 20, 1);
    fs::write(&old, &data).unwrap();
    let mut e = data.clone();
    for i in 0..64 {
        let at = (i * 2_000_003) % (e.len() - 1000);
        e[at..at + 100].copy_from_slice(&sample(100, i as u64 + 9));
    }
    fs::write(&edited, &e).unwrap();
    fs::write(&unrelated, sample(mib << 20, 99)).unwrap();
    drop((data, e));

    let sig_c = dir.join("c.sig");
    let sig_r = dir.join("r.sig");
    let size = fs::metadata(&old).unwrap().len();
    let mut rows: Vec<(String, Duration, Duration)> = Vec::new();
    let mut record = |name: &str, c: Duration, r: Duration| {
        if let Some(row) = rows.iter_mut().find(|row| row.0 == name) {
            row.1 = row.1.min(c);
            row.2 = row.2.min(r);
        } else {
            rows.push((name.to_string(), c, r));
        }
    };
    for _ in 0..rounds {
        for (hash, magic) in [("blake2", SigMagic::RkBlake2), ("md4", SigMagic::RkMd4)] {
            let c = time_rdiff(&["-f", "-H", hash, "signature", p(&old), p(&sig_c)]);
            let r = time_ours(|| {
                let opts = SignatureOptions {
                    magic,
                    basis_size: Some(size),
                    ..SignatureOptions::default()
                };
                librsync_rs::signature(
                    BufReader::new(File::open(&old).unwrap()),
                    BufWriter::new(File::create(&sig_r).unwrap()),
                    &opts,
                )
                .unwrap();
            });
            assert_eq!(fs::read(&sig_c).unwrap(), fs::read(&sig_r).unwrap());
            record(&format!("signature ({hash})"), c, r);
        }
        rdiff_sig_default(&old, &sig_c);
        for (name, new) in [
            ("edited", &edited),
            ("identical", &old),
            ("unrelated", &unrelated),
        ] {
            let d_c = dir.join(format!("{name}.c.delta"));
            let d_r = dir.join(format!("{name}.r.delta"));
            let c = time_rdiff(&["-f", "delta", p(&sig_c), p(new), p(&d_c)]);
            let r = time_ours(|| {
                let sig_len = fs::metadata(&sig_c).unwrap().len();
                let (sig, _) = librsync_rs::load_signature(
                    BufReader::new(File::open(&sig_c).unwrap()),
                    Some(sig_len),
                )
                .unwrap();
                librsync_rs::delta(
                    &sig,
                    BufReader::new(File::open(new).unwrap()),
                    BufWriter::new(File::create(&d_r).unwrap()),
                    BufferSizes::default(),
                )
                .unwrap();
            });
            assert_eq!(
                fs::read(&d_c).unwrap(),
                fs::read(&d_r).unwrap(),
                "{name} delta differs"
            );
            record(&format!("delta ({name})"), c, r);
        }
        let d = dir.join("edited.c.delta");
        let out_c = dir.join("patched.c");
        let out_r = dir.join("patched.r");
        let c = time_rdiff(&["-f", "patch", p(&old), p(&d), p(&out_c)]);
        let r = time_ours(|| {
            librsync_rs::patch(
                SeekBasis::from_file(File::open(&old).unwrap()),
                BufReader::new(File::open(&d).unwrap()),
                BufWriter::new(File::create(&out_r).unwrap()),
                BufferSizes::default(),
            )
            .unwrap();
        });
        record("patch (edited)", c, r);
    }
    println!(
        "{mib} MiB, best of {rounds}: CPU seconds, Debian rdiff vs librsync-rs (ratio ours/C)"
    );
    for (name, c, r) in rows {
        println!(
            "{name:<22} C {:>7.3}  Rust {:>7.3}  ratio {:.2}",
            c.as_secs_f64(),
            r.as_secs_f64(),
            r.as_secs_f64() / c.as_secs_f64().max(1e-9)
        );
    }
}

fn rdiff_sig_default(old: &Path, sig: &Path) {
    let status = Command::new("rdiff")
        .args(["-f", "signature", p(old), p(sig)])
        .status()
        .unwrap();
    assert!(status.success());
}
