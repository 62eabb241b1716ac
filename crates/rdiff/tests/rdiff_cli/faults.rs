//! Write and read faults on the command line, ours against Debian's
//! `rdiff` (same exit code, standard error and files):
//!
//! * outputs of many sizes, around stdio's buffer sizes, written to
//!   `/dev/full` as a named output (with `-f`: without it, `/dev/full`
//!   exists and is refused) and as standard output: small outputs stay in
//!   the stdio buffer and the run succeeds as in C, larger ones fail with
//!   `rs_outfilebuf_drain`'s message and exit 100;
//! * an input whose reads fail after a few pages (standard input on this
//!   process's `/proc/self/mem`, positioned on a mapping of a file that
//!   ends before the mapping does), for each action and each input: exit
//!   100 with `rs_infilebuf_fill`'s or `rs_file_copy_cb`'s message;
//! * an existing output is left untouched without `-f` whichever input is
//!   missing or bad, and is replaced with `-f`, as in C.

use std::fs;
use std::io::{Seek, SeekFrom};
use std::process::Stdio;

use crate::common::{mask_speed, Rng};
use crate::pair;
use librsync_rs_scenarios::rdiff::{REFERENCE, SUBJECT};

#[test]
fn outputs_of_every_size_on_a_full_device() {
    let Some(mut pair) = pair("rdiff faults: /dev/full") else {
        return;
    };
    let mut rng = Rng::new(404);
    let mut cases = 0;
    for len in [0usize, 100, 4000, 4096, 8192, 20_000, 70_000, 300_000] {
        let old = rng.text(len);
        let mut new = rng.mutate(&old, 5);
        new.extend(rng.bytes(len / 3));
        pair.clear();
        pair.place("old", &old);
        pair.place("new", &new);
        // The signature and delta both sides use, made by Debian's rdiff.
        let reference = pair.sides[REFERENCE].clone();
        for (args, out) in [
            (vec!["signature", "old"], "sig"),
            (vec!["delta", "sig", "new"], "delta"),
        ] {
            let made = reference
                .command(&pair.dir(REFERENCE))
                .args(&args)
                .output()
                .expect("run Debian's rdiff");
            assert!(made.status.success(), "{args:?}");
            pair.place(out, &made.stdout);
        }
        for args in [
            &["-f", "signature", "old", "/dev/full"][..],
            &["-f", "-b", "64", "signature", "old", "/dev/full"],
            &["-f", "delta", "sig", "new", "/dev/full"],
            &["-f", "patch", "old", "delta", "/dev/full"],
            &["-f", "-O", "100", "patch", "old", "delta", "/dev/full"],
            &["signature", "old", "/dev/full"],
        ] {
            pair.run(args, None);
            cases += 1;
        }
        for args in [
            &["signature", "old"][..],
            &["delta", "sig", "new"],
            &["patch", "old", "delta"],
        ] {
            pair.run_redirected(args, None, Some(std::path::Path::new("/dev/full")));
            cases += 1;
        }
    }
    println!("{cases} runs onto /dev/full");
    pair.finish();
}

/// A file of `pages` pages mapped into this process over `pages + 2`
/// pages: reading the mapping through `/proc/self/mem` gives the file's
/// bytes, then fails with EIO. Returns the mapping's address (the mapping
/// lives as long as the process).
fn mapping_that_fails_after(data: &[u8], dir: &std::path::Path) -> u64 {
    let page = 4096usize;
    assert_eq!(data.len() % page, 0);
    let path = dir.join("mapped");
    fs::write(&path, data).unwrap();
    let file = fs::File::open(&path).unwrap();
    let len = data.len() + 2 * page;
    // SAFETY: a new shared read-only mapping of a file we opened; nothing
    // reads it in this process (only the child, through /proc/PID/mem).
    let addr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            std::os::unix::io::AsRawFd::as_raw_fd(&file),
            0,
        )
    };
    assert_ne!(addr, libc::MAP_FAILED, "mmap");
    addr as u64
}

#[test]
fn inputs_failing_after_a_few_pages() {
    let Some(mut pair) = pair("rdiff faults: failing reads") else {
        return;
    };
    let mut rng = Rng::new(405);
    let old = rng.text(200_000);
    let mut new = rng.mutate(&old, 4);
    new.extend(rng.bytes(30_000));
    pair.place("old", &old);
    pair.place("new", &new);
    let reference = pair.sides[REFERENCE].clone();
    let made = |args: &[&str]| {
        let out = reference
            .command(&pair.dir(REFERENCE))
            .args(args)
            .output()
            .expect("run Debian's rdiff");
        assert!(out.status.success(), "{args:?}");
        out.stdout
    };
    let sig = made(&["-b", "256", "signature", "old"]);
    pair.place("sig", &sig);
    let delta = made(&["delta", "sig", "new"]);
    pair.place("delta", &delta);
    // Each input, cut to whole pages (all are longer), then failing.
    let cut = |d: &[u8], pages: usize| {
        assert!(d.len() > pages * 4096);
        d[..pages * 4096].to_vec()
    };
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("old", cut(&old, 3)),
        ("new", cut(&new, 2)),
        ("sig", cut(&sig, 2)),
        ("delta", cut(&delta, 2)),
    ];
    let mut cases = 0;
    for (name, data) in &inputs {
        let addr = mapping_that_fails_after(data, &pair.base);
        let runs: Vec<Vec<&str>> = match *name {
            "old" => vec![
                vec!["signature", "-", "out"],
                vec!["-f", "patch", "-", "delta", "out"],
            ],
            "new" => vec![vec!["delta", "sig", "-", "out"]],
            "sig" => vec![vec!["delta", "-", "new", "out"]],
            _ => vec![vec!["patch", "old", "-", "out"]],
        };
        for args in runs {
            let mut seen = Vec::new();
            for side in [SUBJECT, REFERENCE] {
                let _ = fs::remove_file(pair.dir(side).join("out"));
                let mut mem = fs::File::open("/proc/self/mem").expect("/proc/self/mem");
                mem.seek(SeekFrom::Start(addr)).unwrap();
                let out = pair
                    .command(side)
                    .args(&args)
                    .stdin(Stdio::from(mem))
                    .output()
                    .expect("run rdiff");
                let file = fs::read(pair.dir(side).join("out")).ok();
                seen.push((
                    out.status.code(),
                    mask_speed(&String::from_utf8_lossy(&out.stderr)),
                    file,
                ));
            }
            let (a, b) = (&seen[0], &seen[1]);
            *pair.codes.entry(a.0).or_default() += 1;
            println!(
                "{args:?} < {name} failing: exit {:?}, {:?}",
                a.0,
                a.1.trim()
            );
            pair.tally.check(a == b, || {
                format!("{args:?} < {name} failing: ours {a:?}, Debian's {b:?}")
            });
            pair.checks.check(a.0 == Some(100), || {
                format!("{args:?} < {name} failing: exit {:?}, not 100", a.0)
            });
            cases += 1;
        }
    }
    println!("{cases} runs over failing inputs");
    pair.finish();
}

#[test]
fn existing_outputs_are_kept_without_force() {
    let Some(mut pair) = pair("rdiff faults: existing outputs") else {
        return;
    };
    let mut rng = Rng::new(406);
    let old = rng.text(30_000);
    let new = rng.mutate(&old, 6);
    let mut cases = 0;
    for args in [
        &["signature", "old", "out"][..],
        &["signature", "missing", "out"],
        &["delta", "sig", "new", "out"],
        &["delta", "missing", "new", "out"],
        &["delta", "sig", "missing", "out"],
        &["delta", "bad", "new", "out"],
        &["patch", "old", "delta", "out"],
        &["patch", "missing", "delta", "out"],
        &["patch", "old", "missing", "out"],
        &["patch", "old", "bad", "out"],
        &["-f", "patch", "old", "bad", "out"],
        &["-f", "delta", "bad", "new", "out"],
        &["-f", "signature", "old", "out"],
    ] {
        pair.clear();
        pair.place("old", &old);
        pair.place("new", &new);
        pair.place("bad", b"not a signature nor a delta");
        let sig = librsync_rs::io::signature_of(&old, &Default::default()).unwrap();
        let s = librsync_rs::io::load_signature_of(&sig).unwrap();
        pair.place("sig", &sig);
        pair.place("delta", &librsync_rs::io::delta_of(&s, &new).unwrap());
        pair.place("out", b"precious");
        let [a, _] = pair.run(args, None);
        let forced = args[0] == "-f";
        pair.check(
            forced || (a.code == Some(100) && a.file("out") == Some(&b"precious"[..])),
            || format!("{args:?} touched an existing output without -f"),
        );
        cases += 1;
    }
    println!("{cases} runs onto an existing output");
    pair.finish();
}
