//! Our `rdiff` against Debian's, side by side (`librsync_rs_scenarios::rdiff::Pair`):
//! every run is made by both binaries with the same arguments and standard
//! input, each in a working directory of its own, and must give the same
//! exit status, standard output, standard error (`speed[...]` figures
//! masked) and files.
//!
//! The shared scenarios (librsync's shell tests: help, bad option,
//! signature, delta, triple, changes, mutate; slack deltas; options and
//! file errors that go through the library; the bad-input catalogue
//! S1–S16/P1–P21; the documented deviations where C aborts) are run here
//! with our `rdiff` as the subject, and in the root crate's tests with
//! Debian's `rdiff` on our library. This file adds what only the command
//! line has: popt's option syntax, files and streams, random command lines,
//! SIGPIPE, and the >4 GiB round trip, which is `#[ignore]`d: run it with
//! `cargo test --release -p librsync-rs-rdiff --test rdiff_cli -- --ignored big`.
//! The `faults` module adds write errors (`/dev/full`), read errors and
//! existing outputs.

use librsync_rs_scenarios as common;

use std::ffi::OsString;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::rdiff::{os_args, Pair, Rdiff, REFERENCE, SUBJECT};
use common::{reference_rdiff, scratch, shell, Rng};

mod faults;

/// Our binary.
fn ours() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_rdiff"))
}

/// A pair of our rdiff and Debian's for the test `name`, or `None` when
/// Debian's rdiff is missing (which `reference_rdiff` reports loudly, and
/// fails under CI).
fn pair(name: &str) -> Option<Pair> {
    Some(Pair::new(name, Rdiff::new(ours()), Rdiff::debian()?))
}

/// Runs a shared scenario with our rdiff as the subject.
fn scenario(name: &str, run: impl FnOnce(&mut Pair)) {
    if let Some(mut pair) = pair(name) {
        run(&mut pair);
        pair.finish();
    }
}

#[test]
fn help_version_and_bad_option() {
    scenario("rdiff help", shell::help);
}

#[test]
fn signature_test() {
    scenario("rdiff signature.test", shell::signature);
}

#[test]
fn threaded_signatures() {
    scenario("rdiff threaded signatures", shell::threaded_signatures);
}

#[test]
fn threaded_deltas() {
    scenario("rdiff threaded deltas", shell::threaded_deltas);
}

#[test]
fn delta_test() {
    scenario("rdiff delta.test", shell::delta_test);
}

#[test]
fn triple_test_md4() {
    scenario("rdiff triple.test md4", |p| shell::triple(p, "-Hmd4"));
}

#[test]
fn triple_test_blake2() {
    scenario("rdiff triple.test blake2", |p| shell::triple(p, "-Hblake2"));
}

#[test]
fn triple_test_io_sizes() {
    scenario("rdiff triple.test -I x -O", shell::triple_io_sizes);
}

#[test]
fn changes_test() {
    scenario("rdiff changes.test", shell::changes);
}

#[test]
fn mutate_test() {
    scenario("rdiff mutate.test", |p| shell::mutate(p, 100));
}

#[test]
fn slack_deltas() {
    scenario("rdiff slack deltas", shell::slack_deltas);
}

#[test]
fn options_through_the_library() {
    scenario("rdiff library options", shell::library_options);
}

#[test]
fn file_and_parameter_errors() {
    scenario(
        "rdiff file and parameter errors",
        shell::file_and_parameter_errors,
    );
}

#[test]
fn bad_signatures_s1_to_s16() {
    scenario("rdiff bad signatures (S1-S16)", |p| {
        shell::bad_signatures(p, &shell::CLI_RUNS)
    });
}

#[test]
fn bad_deltas_p1_to_p21() {
    scenario("rdiff bad deltas (P1-P21)", |p| {
        shell::bad_deltas(p, &shell::CLI_RUNS)
    });
}

/// Where Debian's rdiff aborts (exit 134), ours fails with a result code
/// (DEVIATIONS.md, rdiff).
#[test]
fn deviations_instead_of_aborts() {
    scenario("rdiff deviations", shell::deviations);
}

#[test]
fn option_syntax() {
    let Some(mut pair) = pair("options") else {
        return;
    };
    let mut rng = Rng::new(7);
    let a = pair.input("a", b"hello\n");
    let big = pair.input("big", &rng.text(108_894));
    let long_name = "x".repeat(300);
    let cases: Vec<Vec<&str>> = vec![
        vec![],
        vec![""],
        vec!["sigx"],
        vec!["x", &a],
        vec!["s", &a],
        vec!["sig", &a],
        vec!["signature", &a],
        vec!["signaturex", &a],
        vec!["d"],
        vec!["delta"],
        vec!["p"],
        vec!["patch"],
        vec!["-x"],
        vec!["-sx"],
        vec!["-s="],
        vec!["-sf="],
        vec!["-b="],
        vec!["-b=", "sig", &a],
        vec!["-b==5", "sig", &a],
        vec!["--stat", &a],
        vec!["--help=foo"],
        vec!["--force=xyz", "sig", &a],
        vec!["-b", "xyz", "sig", &a],
        vec!["-bxyz", "sig", &a],
        vec!["--block-size=xyz", "sig", &a],
        vec!["-sbxyz"],
        vec!["-b"],
        vec!["--block-size"],
        vec!["-H"],
        vec!["sig", &a, "-S"],
        vec!["sig", &a, "--hash"],
        vec!["-vb"],
        vec!["-vfb", "8", "sig", &a],
        vec!["-b", "99999999999", "sig", &a],
        vec!["-b", "-99999999999", "sig", &a],
        vec!["-b", "0x", "sig", &a],
        vec!["-b", "08", "sig", &a],
        vec!["-b", " 12", "sig", &a],
        vec!["-b", "12 ", "sig", &a],
        vec!["-b", "", "sig", &a],
        vec!["-b", "+0x10", "sig", &a],
        vec!["-b", "-", "sig", &a],
        vec!["--block-size=", "sig", &a],
        vec!["--block-size", "64", "sig", &big],
        vec!["-b1024", "sig", &big],
        vec!["-b=1024", "sig", &big],
        vec!["--block-size=0x400", "sig", &big],
        vec!["-b", "010", "sig", &big],
        vec!["-b", "0X1F", "sig", &big],
        vec!["-S-1", "sig", &big],
        vec!["-S", "-1", "sig", &big],
        vec!["--sum-size=-1", "sig", &big],
        vec!["-S", "8", "sig", &big],
        vec!["-S", "1", "sig", &big],
        vec!["-S", "33", "sig", &big],
        vec!["-S", "-2", "sig", &big],
        vec!["-S", "16", "-H", "md4", "sig", &big],
        vec!["-S", "17", "-H", "md4", "sig", &big],
        vec!["-b", "1!#:+", "5", "sig", &big],
        vec!["-b", "1!#:+!#:+", "5", "sig", &big],
        vec!["-b", "x!#:+", "5", "sig", &big],
        vec!["-b", "1!#:+", "-s", "sig", &big],
        vec!["-H", "!#:+", "md4", "sig", &big],
        vec!["-H", "md!#:+", "4", "sig", &big],
        vec!["-="],
        vec!["--=5"],
        vec!["---x"],
        vec!["--"],
        vec!["-"],
        vec!["-z"],
        vec!["-i"],
        vec!["--gzip"],
        vec!["--bzip2=9"],
        vec!["-v", "--bogus"],
        vec!["-vv", "sig", &a],
        vec!["-vs", "sig", &big],
        vec!["-sv", "sig", &big],
        vec!["--verbose", "sig", &a],
        vec!["-s", "sig", &big],
        vec!["--stats", "sig", &big],
        vec!["--statistics", "sig", &big],
        vec!["-H", "md4", "sig", &big],
        vec!["-Hmd4", "sig", &big],
        vec!["-H=md4", "sig", &big],
        vec!["--hash=md4", "sig", &big],
        vec!["--hash", "md4", "sig", &big],
        vec!["--hash=", "sig", &a],
        vec!["-H", "", "sig", &a],
        vec!["-H", "MD4", "sig", &a],
        vec!["-H", "bad", "-H", "md4", "sig", &a],
        vec!["-H", &long_name, "sig", &a],
        vec!["-R", "rollsum", "sig", &big],
        vec!["--rollsum=rabinkarp", "sig", &big],
        vec!["-R", "foo", "sig", &a],
        vec!["-R", &long_name, "sig", &a],
        vec!["-H", "bad", "-R", "bad", "sig", &a],
        vec!["-Hxx", "d"],
        vec!["-Hxx", "delta", "-"],
        vec!["-I", "2147483647", "sig", &big],
        vec!["-O", "2147483647", "sig", &big],
        vec!["-I", "2147483648", "sig", &big],
        vec!["-b", "0x40000000", "sig", &a],
        vec!["-b", "-2147483648", "sig", &a],
        vec!["-b", "0x10000000", "sig", &a],
        vec!["-b", "0x3FFFFFFE", "-I", "4096", "sig", &a],
        vec!["sig", &a, "-", "-f"],
        vec!["sig", "--", &a],
        vec!["--", "-f", "sig"],
        vec!["sig", &a, "out", "extra"],
        vec!["sig", &a, "-", "extra"],
        vec!["-H", "bad", "sig", &a, "out2", "extra"],
        vec!["delta", "-", &a, "out3", "extra"],
        vec!["patch", &a, "-", "out4", "extra"],
        vec!["sig", &a, "out5"],
        vec!["-f", "sig", &a, "out5"],
        vec!["-H", "bad", "-f", "sig", &a, "out6"],
    ];
    for args in &cases {
        pair.clear();
        pair.run(args, Some(b"stdin data"));
    }
    // Options after the action and the files; --force anywhere.
    pair.clear();
    pair.place("out", b"old");
    pair.run(&["sig", &big, "out", "-f", "-s"], None);
    // popt's POSIXLY_CORRECT mode: options end at the first name.
    for env in [("POSIXLY_CORRECT", "1"), ("POSIX_ME_HARDER", "")] {
        for args in [
            &["sig", "-s", &a][..],
            &["-s", "sig", &big, "-"],
            &["sig", &a, "--", "-f"],
        ] {
            pair.clear();
            pair.run_with(args, [None, None], &[env]);
        }
    }
    // Names that are not UTF-8, and one too long for a message line.
    let odd = OsString::from_vec(b"\xffodd\xfe".to_vec());
    let huge = OsString::from("n".repeat(1200));
    for args in [
        vec![OsString::from("sig"), odd.clone()],
        vec!["-H".into(), odd.clone(), "sig".into(), a.clone().into()],
        vec!["sig".into(), a.clone().into(), odd.clone()],
        vec!["sig".into(), a.clone().into(), odd.clone()],
        vec!["sig".into(), huge.clone()],
        vec!["sig".into(), a.clone().into(), huge],
    ] {
        pair.run_with(&args, [None, None], &[]);
    }
    pair.finish();
}

#[test]
fn files_and_streams() {
    let Some(mut pair) = pair("files") else {
        return;
    };
    let mut rng = Rng::new(11);
    let text = rng.text(108_894);
    let mut edited = text.clone();
    edited.splice(50_000..50_000, b"an insertion".iter().copied());
    let old = pair.input("old", &text);
    let new = pair.input("new", &edited);
    let small = pair.input("small", b"hi\n");
    fs::create_dir_all(pair.base.join("in/dir")).unwrap();
    let dir = "../in/dir";
    // Reference signature and delta made by Debian's rdiff, used by both.
    let sig_path = pair.base.join("in/sig");
    let delta_path = pair.base.join("in/delta");
    let in_dir = pair.base.join("in");
    let (old_abs, new_abs) = (in_dir.join("old"), in_dir.join("new"));
    for args in [
        vec![
            "-f",
            "sig",
            old_abs.to_str().unwrap(),
            sig_path.to_str().unwrap(),
        ],
        vec![
            "-f",
            "delta",
            sig_path.to_str().unwrap(),
            new_abs.to_str().unwrap(),
            delta_path.to_str().unwrap(),
        ],
    ] {
        common::rdiff_ok(&pair.sides[REFERENCE].program, &args);
    }
    let sig = "../in/sig";
    let delta = "../in/delta";
    let sig_bytes = fs::read(&sig_path).unwrap();
    let delta_bytes = fs::read(&delta_path).unwrap();
    let cases: Vec<(Vec<&str>, Option<&[u8]>)> = vec![
        (vec!["sig", "missing"], None),
        (vec!["sig", ""], None),
        (vec!["sig", dir], None),
        (vec!["sig", &old, dir], None),
        (vec!["-f", "sig", &old, dir], None),
        (vec!["-f", "sig", &small, "/dev/full"], None),
        (vec!["-f", "sig", &old, "/dev/full"], None),
        (vec!["-f", "-O1", "sig", &old, "/dev/full"], None),
        (vec!["-f", "delta", sig, &new, "/dev/full"], None),
        (vec!["-f", "patch", &old, delta, "/dev/full"], None),
        (vec!["sig", "/dev/null"], None),
        // Opens, then fails to read (EIO at offset 0).
        (vec!["sig", "/proc/self/mem"], None),
        (vec!["delta", sig, "/proc/self/mem"], None),
        (vec!["patch", "/proc/self/mem", delta], None),
        (vec!["sig"], Some(&text)),
        (vec!["sig", "-"], Some(&text)),
        (vec!["sig", "-", "-"], Some(&text)),
        (vec!["sig", "-", "out"], Some(&text)),
        (vec!["-s", "sig"], Some(&text)),
        (vec!["delta", "missing", &new], None),
        (vec!["delta", sig, "missing"], None),
        (vec!["delta", dir, &new], None),
        (vec!["delta", sig, dir], None),
        (vec!["delta", "/dev/null", &new], None),
        (vec!["delta", sig, &new], None),
        (vec!["-s", "delta", sig, &new, "out"], None),
        (vec!["delta", "-", &new], Some(&sig_bytes)),
        (vec!["delta", "-"], Some(&sig_bytes)),
        (vec!["delta", "-", "-", "out"], Some(&sig_bytes)),
        (vec!["delta", sig], Some(&edited)),
        (vec!["delta", sig, "-", "-"], Some(&edited)),
        (vec!["patch", "missing", delta], None),
        (vec!["patch", &old, "missing"], None),
        (vec!["patch", dir, delta], None),
        (vec!["patch", &old, dir], None),
        (vec!["patch", "/dev/null", delta], None),
        (vec!["-s", "patch", "/dev/null", delta, "out"], None),
        (vec!["patch", &old, delta], None),
        (vec!["-s", "patch", &old, delta, "out"], None),
        (vec!["patch", &old], Some(&delta_bytes)),
        (vec!["patch", &old, "-", "out"], Some(&delta_bytes)),
        // A pipe as basis: the first COPY's seek fails.
        (vec!["patch", "-", delta], Some(&text)),
        (vec!["-s", "patch", "-", delta, "out"], Some(&text)),
        (vec!["patch", "-"], Some(&delta_bytes)),
        (vec!["patch", "-", "-"], Some(&delta_bytes)),
    ];
    for (args, stdin) in &cases {
        pair.clear();
        pair.run(args, *stdin);
    }
    // Standard input redirected from a file: seekable, with a size.
    let old_file = pair.base.join("in/old");
    for args in [
        &["sig"][..],
        &["-s", "patch", "-", delta, "out"],
        &["patch", "-"],
        &["delta", "-", "-"],
    ] {
        pair.clear();
        pair.run_redirected(args, Some(&old_file), None);
    }
    // Standard output on a full device: small outputs never reach it.
    for args in [
        &["sig", &small][..],
        &["sig", &old],
        &["sig", &old, "-"],
        &["-O1", "sig", &old],
        &["delta", sig, &new],
        &["patch", &old, delta],
    ] {
        pair.clear();
        pair.run_redirected(args, None, Some(Path::new("/dev/full")));
    }
    // An output that is also an input: opening it for writing empties it
    // first, as in C.
    let text_bytes = text.clone();
    for args in [
        &["-f", "sig", "self", "self"][..],
        &["-f", "delta", "self", &new, "self"],
        &["-f", "patch", "self", delta, "self"],
        &["-f", "-s", "patch", "self", delta, "self"],
    ] {
        pair.clear();
        pair.place("self", &text_bytes);
        pair.run(args, None);
    }
    // Existing outputs are kept without -f, for every action.
    for args in [
        &["sig", &old, "out"][..],
        &["delta", sig, &new, "out"],
        &["patch", &old, delta, "out"],
        &["patch", "/dev/null", delta, "out"],
    ] {
        pair.clear();
        pair.place("out", b"precious");
        let [a, _] = pair.run(args, None);
        pair.check(
            a.code == Some(100) && a.file("out") == Some(&b"precious"[..]),
            || format!("{args:?} overwrote an existing file"),
        );
    }
    pair.finish();
}

/// Random command lines from a vocabulary of options, values, action words
/// and file names, run by both binaries. Where Debian's rdiff aborts (a
/// negative buffer size), ours must fail with a result code instead
/// (DEVIATIONS.md, rdiff).
#[test]
fn random_command_lines() {
    let Some(mut pair) = pair("random-lines") else {
        return;
    };
    let mut rng = Rng::new(21);
    let text = rng.text(5000);
    pair.input("a", &text);
    let mut edited = text.clone();
    edited.splice(100..200, b"changed".iter().copied());
    pair.input("b", &edited);
    let sig_path = pair.base.join("in/sig");
    let delta_path = pair.base.join("in/delta");
    let in_dir = pair.base.join("in");
    common::rdiff_ok(
        &pair.sides[REFERENCE].program,
        &[
            "-f",
            "sig",
            in_dir.join("a").to_str().unwrap(),
            sig_path.to_str().unwrap(),
        ],
    );
    common::rdiff_ok(
        &pair.sides[REFERENCE].program,
        &[
            "-f",
            "delta",
            sig_path.to_str().unwrap(),
            in_dir.join("b").to_str().unwrap(),
            delta_path.to_str().unwrap(),
        ],
    );
    // Options (some with their value in the next word), actions and names:
    // a line is options, an action and names, with some options moved
    // among the names and, rarely, a random word anywhere.
    let options: Vec<&[&str]> = vec![
        &["-s"],
        &["-f"],
        &["-v"],
        &["-sf"],
        &["-b", "64"],
        &["-b16"],
        &["-b=0x80"],
        &["-S", "-1"],
        &["-S8"],
        &["-S", "33"],
        &["-S="],
        &["-I", "7"],
        &["-I1"],
        &["-O", "3"],
        &["-O15"],
        &["-H", "md4"],
        &["-Hblake2"],
        &["-H", "sha1"],
        &["-R", "rollsum"],
        &["-Rrabinkarp"],
        &["--hash=md4"],
        &["--rollsum", "x"],
        &["--block-size=128"],
        &["--sum-size", "12"],
        &["--input-size=100"],
        &["--output-size", "2"],
        &["--stats"],
        &["--statistics"],
        &["--force"],
        &["-b", "1!#:+"],
        &["--"],
    ];
    let actions = [
        "sig",
        "signature",
        "s",
        "",
        "delta",
        "d",
        "de",
        "patch",
        "p",
        "pat",
        "x",
    ];
    let names = [
        "-",
        "../in/a",
        "../in/b",
        "../in/sig",
        "../in/delta",
        "out",
        "missing",
        "/dev/null",
    ];
    let odd = [
        "-x",
        "--bogus",
        "-s=",
        "--force=1",
        "0x",
        "!#:+",
        "-b",
        "--hash",
    ];
    let rounds: usize = std::env::var("RDIFF_CLI_RANDOM_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let mut aborted = 0;
    for _ in 0..rounds {
        let mut line: Vec<&str> = Vec::new();
        for _ in 0..rng.below(4) {
            line.extend(options[rng.below(options.len())]);
        }
        line.push(actions[rng.below(actions.len())]);
        for _ in 0..rng.below(4) {
            let at = line.len() - rng.below(2).min(line.len());
            let name = names[rng.below(names.len())];
            line.insert(at, name);
        }
        if rng.below(3) == 0 {
            let opt = options[rng.below(options.len())];
            let at = rng.below(line.len() + 1);
            for (i, w) in opt.iter().enumerate() {
                line.insert(at + i, w);
            }
        }
        if rng.below(8) == 0 {
            let at = rng.below(line.len() + 1);
            line.insert(at, odd[rng.below(odd.len())]);
        }
        let args = os_args(&line);
        pair.clear();
        if rng.below(3) == 0 {
            pair.place("out", b"existing");
        }
        let stdin = match rng.below(3) {
            0 => None,
            1 => Some(text.clone()),
            _ => Some(fs::read(&delta_path).unwrap()),
        };
        let c = pair.seen(REFERENCE, &args, stdin.as_deref(), &[]);
        let o = pair.seen(SUBJECT, &args, stdin.as_deref(), &[]);
        if c.code == Some(134) || c.code.is_none() {
            aborted += 1;
            pair.check(matches!(o.code, Some(102) | Some(108)), || {
                format!("{args:?}: C aborted, ours gave {:?}", o.code)
            });
            continue;
        }
        *pair.codes.entry(o.code).or_default() += 1;
        pair.tally
            .check(o == c, || format!("rdiff {args:?}: {}", o.diff(&c)));
    }
    println!("command lines where Debian's rdiff aborted: {aborted}");
    pair.finish();
}

/// Peak resident memory (`VmHWM`, KiB) of a running process, polled until
/// it exits; returns its output and the peak.
fn run_measured(
    mut cmd: Command,
    mut sink: impl FnMut(&[u8]),
) -> (std::process::ExitStatus, u64, Duration) {
    let start = Instant::now();
    let mut child = cmd.stdout(Stdio::piped()).spawn().expect("spawn");
    let status_path = format!("/proc/{}/status", child.id());
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(s) = fs::read_to_string(&status_path) {
                    if let Some(kb) = s
                        .lines()
                        .find(|l| l.starts_with("VmHWM:"))
                        .and_then(|l| l.split_whitespace().nth(1))
                        .and_then(|v| v.parse::<u64>().ok())
                    {
                        peak.fetch_max(kb, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let mut out = child.stdout.take().unwrap();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = out.read(&mut buf).expect("read child output");
        if n == 0 {
            break;
        }
        sink(&buf[..n]);
    }
    // Give the poller a last look while the process is still a zombie-free
    // runner: it exits right after closing stdout.
    let status = child.wait().expect("wait");
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    poller.join().unwrap();
    (
        status,
        peak.load(std::sync::atomic::Ordering::Relaxed),
        start.elapsed(),
    )
}

/// Writes `chunks` (offset, data) into a sparse file of `len` bytes.
fn sparse_file(path: &Path, len: u64, chunks: &[(u64, Vec<u8>)]) {
    use std::io::{Seek, SeekFrom};
    let mut f = fs::File::create(path).unwrap();
    f.set_len(len).unwrap();
    for (at, data) in chunks {
        f.seek(SeekFrom::Start(*at)).unwrap();
        f.write_all(data).unwrap();
    }
}

/// A >4 GiB sparse round trip through our rdiff: COPY offsets past 4 GiB
/// (8-byte fields), memory that does not grow with the file.
#[test]
#[ignore = "writes 9 GiB of sparse files and hashes them: run with --ignored big (release)"]
fn big_sparse_file_round_trip() {
    const GIB: u64 = 1 << 30;
    let dir = scratch("rdiff-cli-big");
    let mut rng = Rng::new(4242);
    let len = 4 * GIB + 512 * (1 << 20);
    let mut old_chunks: Vec<(u64, Vec<u8>)> = [
        0,
        GIB + 12_345,
        2 * GIB,
        3 * GIB + 7,
        4 * GIB + 100_003,
        len - (1 << 20),
    ]
    .iter()
    .map(|&at| (at, rng.bytes(1 << 20)))
    .collect();
    let old = dir.join("old");
    sparse_file(&old, len, &old_chunks);
    // The new file: 1000 bytes inserted at 3 GiB (everything after moves),
    // one chunk replaced, one new chunk beyond 4 GiB.
    let shift = 1000;
    let mut new_chunks: Vec<(u64, Vec<u8>)> = old_chunks
        .drain(..)
        .map(|(at, d)| {
            if at >= 3 * GIB {
                (at + shift, d)
            } else {
                (at, d)
            }
        })
        .collect();
    new_chunks[1].1 = rng.bytes(1 << 20);
    new_chunks.push((3 * GIB, rng.bytes(shift as usize)));
    new_chunks.push((4 * GIB + 300 * (1 << 20), rng.bytes(4096)));
    let new = dir.join("new");
    sparse_file(&new, len + shift, &new_chunks);

    let sig = dir.join("sig");
    let delta = dir.join("delta");
    let mut report = Vec::new();
    for (what, args) in [
        (
            "signature",
            vec![
                OsString::from("-f"),
                "signature".into(),
                old.clone().into(),
                sig.clone().into(),
            ],
        ),
        (
            "delta",
            vec![
                "-f".into(),
                "delta".into(),
                sig.clone().into(),
                new.clone().into(),
                delta.clone().into(),
            ],
        ),
    ] {
        let mut cmd = Command::new(ours());
        cmd.args(&args);
        let (status, peak_kib, took) = run_measured(cmd, |_| {});
        assert!(status.success(), "{what} failed");
        report.push(format!("{what}: {took:.1?}, peak RSS {peak_kib} KiB"));
        assert!(peak_kib < 64 * 1024, "{what} used {peak_kib} KiB");
    }
    let delta_len = fs::metadata(&delta).unwrap().len();
    assert!(delta_len < 8 << 20, "delta is {delta_len} bytes");
    // Patch to a pipe, compared as it streams with the new file.
    let mut expect = fs::File::open(&new).unwrap();
    let mut compared = 0u64;
    let mut want = vec![0u8; 1 << 20];
    let mut cmd = Command::new(ours());
    cmd.arg("patch").arg(&old).arg(&delta);
    let (status, peak_kib, took) = run_measured(cmd, |got| {
        expect
            .read_exact(&mut want[..got.len()])
            .expect("patched output too long");
        assert!(
            want[..got.len()] == *got,
            "patched output differs near {compared}"
        );
        compared += got.len() as u64;
    });
    assert!(status.success(), "patch failed");
    assert_eq!(compared, len + shift, "patched output too short");
    report.push(format!("patch: {took:.1?}, peak RSS {peak_kib} KiB"));
    assert!(peak_kib < 64 * 1024, "patch used {peak_kib} KiB");
    println!("{}", report.join("\n"));
    let _ = fs::remove_dir_all(&dir);
}

/// Writing to a pipe whose reader has gone: C's rdiff is killed by SIGPIPE
/// without a message, and so is ours.
#[test]
fn closed_output_pipe_kills_like_c() {
    use std::os::unix::process::ExitStatusExt;

    let dir = scratch("rdiff-sigpipe");
    let old = dir.join("old");
    let delta = dir.join("delta");
    let mut rng = Rng::new(141);
    // A literal-only delta of 1 MiB: far more than a pipe holds.
    fs::write(&old, b"").unwrap();
    let mut d = vec![0x72, 0x73, 0x02, 0x36];
    for _ in 0..32 {
        d.extend_from_slice(&[0x42, 0x80, 0x00]);
        d.extend(rng.bytes(32768));
    }
    d.push(0);
    fs::write(&delta, d).unwrap();
    let mut programs = vec![ours().to_path_buf()];
    programs.extend(reference_rdiff().map(Path::to_path_buf));
    for program in programs {
        let mut child = Command::new(&program)
            .args(["patch", old.to_str().unwrap(), delta.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 10];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The read end is dropped here.
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.signal(),
            Some(13),
            "{program:?}: {:?}",
            out.status
        );
        assert!(
            out.stderr.is_empty(),
            "{program:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
