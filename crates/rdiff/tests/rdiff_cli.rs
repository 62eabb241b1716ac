//! Our `rdiff` against Debian's, side by side: every run is made by both
//! binaries with the same arguments and standard input, each in a working
//! directory of its own (inputs are shared, as `../in/NAME`), and must give
//! the same exit code, standard output, standard error (statistics lines
//! compared without their `speed[...]` figures) and files.
//!
//! Covers librsync's shell tests (help, bad option, signature, delta,
//! triple, changes, mutate; every `-I`/`-O` buffer size; pipes), popt's
//! option syntax, file errors, and the bad-input matrix of bad-inputs.md
//! §5.1/§5.2. The >4 GiB round trip is `#[ignore]`d: run it with
//! `cargo test --release --test rdiff_cli -- --ignored big`.

use librsync_rs_scenarios as common;

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{reference_rdiff, scratch, Rng, Tally};

/// librsync's test buffer sizes (`bufsizes` in testcommon.sh); 0 is the
/// default.
const BUFSIZES: [&str; 9] = ["0", "1", "2", "3", "7", "15", "100", "10000", "200000"];

/// Our binary.
fn ours() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_rdiff"))
}

/// Standard error with each line cut before ` speed[` (timings differ).
fn mask_speed(stderr: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(stderr.len());
    for line in stderr.split_inclusive(|&b| b == b'\n') {
        match line.windows(7).position(|w| w == b" speed[") {
            Some(at) => {
                out.extend_from_slice(&line[..at]);
                out.extend_from_slice(b" speed[...]\n");
            }
            None => out.extend_from_slice(line),
        }
    }
    out
}

/// What one run showed: exit code, outputs, and the files it left behind.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    files: BTreeMap<OsString, Vec<u8>>,
}

impl Seen {
    /// A short text of the differences from `other`.
    fn diff(&self, other: &Seen) -> String {
        let mut d = Vec::new();
        if self.code != other.code {
            d.push(format!("exit {:?} vs {:?}", self.code, other.code));
        }
        if self.stdout != other.stdout {
            d.push(format!(
                "stdout {} vs {} bytes",
                self.stdout.len(),
                other.stdout.len()
            ));
        }
        if self.stderr != other.stderr {
            d.push(format!(
                "stderr {:?} vs {:?}",
                String::from_utf8_lossy(&self.stderr),
                String::from_utf8_lossy(&other.stderr)
            ));
        }
        if self.files != other.files {
            let sizes = |f: &BTreeMap<OsString, Vec<u8>>| {
                f.iter()
                    .map(|(k, v)| format!("{}:{}", k.to_string_lossy(), v.len()))
                    .collect::<Vec<_>>()
            };
            d.push(format!(
                "files {:?} vs {:?}",
                sizes(&self.files),
                sizes(&other.files)
            ));
        }
        d.join("; ")
    }
}

/// Runs `bin` in `dir` with `args`, feeding `stdin` through a pipe (or
/// `/dev/null` when `None`), with `env` added.
fn run_bin(
    bin: &Path,
    dir: &Path,
    args: &[OsString],
    stdin: Option<&[u8]>,
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .current_dir(dir)
        .env_remove("POSIXLY_CORRECT")
        .env_remove("POSIX_ME_HARDER")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn rdiff");
    let feeder = stdin.map(|data| {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        let data = data.to_vec();
        // The child may exit without reading it all: ignore EPIPE.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })
    });
    let out = child.wait_with_output().expect("wait for rdiff");
    if let Some(f) = feeder {
        let _ = f.join();
    }
    out
}

/// The regular files in `dir` and their contents (directories by name).
fn snapshot(dir: &Path) -> BTreeMap<OsString, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir).expect("read work dir").flatten() {
        let data = if entry.path().is_dir() {
            b"<dir>".to_vec()
        } else {
            fs::read(entry.path()).unwrap_or_else(|e| format!("<{e}>").into_bytes())
        };
        files.insert(entry.file_name(), data);
    }
    files
}

/// A test's pair of working directories, one per binary, over shared
/// inputs in `in/`.
struct Pair {
    reference: PathBuf,
    base: PathBuf,
    /// Side-by-side runs: identical or not.
    tally: Tally,
    /// Checks of our side alone (e.g. the patched file equals the new one).
    checks: Tally,
    /// Our exit codes, to show what the runs covered.
    codes: BTreeMap<Option<i32>, usize>,
}

impl Pair {
    /// A fresh pair for `test`, or `None` when Debian's rdiff is missing
    /// (which `reference_rdiff` reports loudly, and fails under CI).
    fn new(test: &'static str) -> Option<Pair> {
        let reference = reference_rdiff()?.to_path_buf();
        let base = scratch(&format!("rdiff-cli-{test}"));
        for d in ["in", "ours", "ref"] {
            fs::create_dir_all(base.join(d)).unwrap();
        }
        Some(Pair {
            reference,
            base,
            tally: Tally::new(test),
            checks: Tally::new(Box::leak(format!("{test}: own checks").into_boxed_str())),
            codes: BTreeMap::new(),
        })
    }

    /// Writes an input file, named `../in/NAME` from the working dirs.
    fn input(&self, name: &str, data: &[u8]) -> String {
        fs::write(self.base.join("in").join(name), data).unwrap();
        format!("../in/{name}")
    }

    /// The working directory of one binary.
    fn dir(&self, ours: bool) -> PathBuf {
        self.base.join(if ours { "ours" } else { "ref" })
    }

    /// Empties both working directories.
    fn clear(&self) {
        for ours in [true, false] {
            let dir = self.dir(ours);
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
        }
    }

    /// Puts the same file in both working directories.
    fn place(&self, name: &str, data: &[u8]) {
        for ours in [true, false] {
            fs::write(self.dir(ours).join(name), data).unwrap();
        }
    }

    /// Runs one binary and records what it did.
    fn seen(
        &self,
        ours: bool,
        args: &[OsString],
        stdin: Option<&[u8]>,
        env: &[(&str, &str)],
    ) -> Seen {
        let bin = if ours {
            ours_path()
        } else {
            self.reference.as_path()
        };
        let dir = self.dir(ours);
        let out = run_bin(bin, &dir, args, stdin, env);
        Seen {
            code: out.status.code(),
            stdout: out.stdout,
            stderr: mask_speed(&out.stderr),
            files: snapshot(&dir),
        }
    }

    /// Runs both binaries with `args`, each given its own standard input,
    /// and counts the run as identical or not.
    fn run_with(
        &mut self,
        args: &[OsString],
        stdin_ours: Option<&[u8]>,
        stdin_ref: Option<&[u8]>,
        env: &[(&str, &str)],
    ) -> (Seen, Seen) {
        let a = self.seen(true, args, stdin_ours, env);
        let b = self.seen(false, args, stdin_ref, env);
        *self.codes.entry(a.code).or_default() += 1;
        self.tally.check(a == b, || {
            format!("rdiff {:?} {env:?}: {}", args, a.diff(&b))
        });
        (a, b)
    }

    /// Runs both binaries with standard input and/or output redirected to
    /// files (`None`: `/dev/null` in, a pipe out).
    fn run_redirected(&mut self, args: &[&str], stdin: Option<&Path>, stdout: Option<&Path>) {
        let mut seen = Vec::new();
        for ours in [true, false] {
            let bin = if ours {
                ours_path()
            } else {
                self.reference.as_path()
            };
            let dir = self.dir(ours);
            let mut cmd = Command::new(bin);
            cmd.args(args).current_dir(&dir);
            cmd.stdin(match stdin {
                Some(f) => Stdio::from(fs::File::open(f).unwrap()),
                None => Stdio::null(),
            });
            if let Some(f) = stdout {
                cmd.stdout(fs::OpenOptions::new().write(true).open(f).unwrap());
            }
            let out = cmd.output().expect("run rdiff");
            seen.push(Seen {
                code: out.status.code(),
                stdout: out.stdout,
                stderr: mask_speed(&out.stderr),
                files: snapshot(&dir),
            });
        }
        *self.codes.entry(seen[0].code).or_default() += 1;
        let (a, b) = (&seen[0], &seen[1]);
        self.tally.check(a == b, || {
            format!("rdiff {args:?} <{stdin:?} >{stdout:?}: {}", a.diff(b))
        });
    }

    /// Runs both binaries with `args` and the same standard input.
    fn run(&mut self, args: &[&str], stdin: Option<&[u8]>) -> (Seen, Seen) {
        self.run_with(&os_args(args), stdin, stdin, &[])
    }

    /// Checks something about our side only, counted with the rest.
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.checks.check(ok, what);
    }

    /// Prints the counts and fails on any difference.
    fn finish(self) {
        let _ = fs::remove_dir_all(&self.base);
        println!("exit codes seen (ours): {:?}", self.codes);
        self.checks.finish();
        self.tally.finish();
    }
}

/// Our binary's path (a function so that `Pair::seen` reads clearly).
fn ours_path() -> &'static Path {
    ours()
}

/// Arguments as `OsString`s.
fn os_args(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// `args` with `-I$buf -O$buf` in front.
fn with_bufs(buf: &str, args: &[&str]) -> Vec<String> {
    let mut v = vec![format!("-I{buf}"), format!("-O{buf}")];
    v.extend(args.iter().map(|s| s.to_string()));
    v
}

/// Borrowed view of owned arguments.
fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A uniform double in [0, 1), like Perl's `rand`.
fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// librsync's `mutate.pl SEED 5`: 1 to 5 edits, each a copy-and-overwrite,
/// copy-and-insert or delete of random ranges (lengths skewed short).
fn mutate_pl(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let mut corpus = data.to_vec();
    let n = 1 + (unit(rng) * 5.0) as usize;
    for _ in 0..n {
        let len = corpus.len() as f64;
        let from_off = (unit(rng) * len) as usize;
        let from_len = (unit(rng) * unit(rng) * len) as usize;
        let to_off = (unit(rng) * len) as usize;
        let to_len = (unit(rng) * unit(rng) * len) as usize;
        let substr = |c: &[u8], off: usize, len: usize| -> (usize, usize) {
            let start = off.min(c.len());
            (start, (start + len).min(c.len()))
        };
        let (fs_, fe) = substr(&corpus, from_off, from_len);
        let piece = corpus[fs_..fe].to_vec();
        match (unit(rng) * 3.0) as usize {
            0 => {
                let (ts, te) = substr(&corpus, to_off, to_len);
                corpus.splice(ts..te, piece);
            }
            1 => {
                let (ts, _) = substr(&corpus, to_off, 0);
                corpus.splice(ts..ts, piece);
            }
            _ => {
                let (ts, te) = substr(&corpus, to_off, to_len);
                corpus.drain(ts..te);
            }
        }
    }
    corpus
}

#[test]
fn help_version_and_bad_option() {
    let Some(mut pair) = Pair::new("help") else {
        return;
    };
    for args in [
        &["--help"][..],
        &["-?"],
        &["-h"],
        &["-help"],
        &["--version"],
        &["-V"],
        &["-vV"],
        &["-v", "--version"],
        &["--imaginary-option"],
        &["--help", "--imaginary-option"],
        &["--imaginary-option", "--help"],
    ] {
        pair.run(args, None);
    }
    // librsync's help.test and rdiff_bad_option.
    let (help, _) = pair.run(&["--help"], None);
    pair.check(
        help.code == Some(0) && String::from_utf8_lossy(&help.stdout).contains(" --statistics"),
        || "--help lacks --statistics".into(),
    );
    let (version, _) = pair.run(&["--version"], None);
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    pair.check(
        version.starts_with("rdiff (librsync 2.3.2)\n") && version.contains("Copyright"),
        || format!("--version: {version}"),
    );
    let (bad, _) = pair.run(&["--imaginary-option"], None);
    pair.check(
        bad.code != Some(0)
            && String::from_utf8_lossy(&bad.stderr).contains("unknown option: --imaginary-option"),
        || "bad option message".into(),
    );
    pair.finish();
}

#[test]
fn option_syntax() {
    let Some(mut pair) = Pair::new("options") else {
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
            pair.run_with(&os_args(args), None, None, &[env]);
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
        pair.run_with(&args, None, None, &[]);
    }
    pair.finish();
}

#[test]
fn files_and_streams() {
    let Some(mut pair) = Pair::new("files") else {
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
        common::rdiff_ok(&pair.reference, &args);
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
        let (a, _) = pair.run(args, None);
        pair.check(
            a.code == Some(100) && a.files[OsStr::new("out")] == b"precious",
            || format!("{args:?} overwrote an existing file"),
        );
    }
    pair.finish();
}

#[test]
fn signature_matrix() {
    let Some(mut pair) = Pair::new("signature") else {
        return;
    };
    // signature.test: a 26532-byte text, so 256-byte blocks.
    let data = Rng::new(1).text(26_532);
    let input = pair.input("01.in", &data);
    for rollsum in ["rollsum", "rabinkarp"] {
        for hash in ["md4", "blake2"] {
            for strong in ["0", "-1", "8"] {
                for buf in BUFSIZES {
                    let args = [
                        format!("-R{rollsum}"),
                        format!("-H{hash}"),
                        format!("-S{strong}"),
                        format!("-I{buf}"),
                        "-f".into(),
                        "signature".into(),
                        input.clone(),
                        "sig".into(),
                    ];
                    pair.run(&strs(&args), None);
                    // And through a pipe, where the size is unknown.
                    let mut piped = strs(&args[..4]);
                    piped.push("signature");
                    pair.run(&piped, Some(&data));
                }
            }
        }
    }
    // The sizes signature.test expects, on our side.
    for (args, size) in [
        (&["-Rrabinkarp", "-Hblake2", "-S0"][..], 3756),
        (&["-Rrollsum", "-Hmd4", "-S0"], 2092),
        (&["-Rrabinkarp", "-Hmd4", "-S-1"], 1052),
        (&["-Rrollsum", "-Hblake2", "-S8"], 1260),
    ] {
        let mut v: Vec<&str> = args.to_vec();
        v.extend(["-f", "signature", &input, "sig"]);
        let (a, _) = pair.run(&v, None);
        pair.check(a.files[OsStr::new("sig")].len() == size, || {
            format!("{args:?}: signature size")
        });
    }
    pair.finish();
}

#[test]
fn canned_deltas() {
    let Some(mut pair) = Pair::new("delta") else {
        return;
    };
    // delta.test: hand-made deltas applied to /dev/null.
    let deltas: [(&[u8], &[u8]); 3] = [
        (b"rs\x026\x00", b""),
        (b"rs\x026\x05hello\x00", b"hello"),
        (b"rs\x026\x05hello\x07 world\n\x00", b"hello world\n"),
    ];
    let mut names = Vec::new();
    for (i, (delta, expect)) in deltas.iter().enumerate() {
        let name = pair.input(&format!("0{}.delta", i + 1), delta);
        for buf in BUFSIZES {
            pair.clear();
            let i_opt = format!("-I{buf}");
            let (a, _) = pair.run(&[&i_opt, "-f", "patch", "/dev/null", &name, "new"], None);
            pair.check(a.files[OsStr::new("new")] == *expect, || {
                format!("{name} -I{buf}: wrong output")
            });
        }
        names.push(name);
    }
    // Without -f an existing file is refused and left as it was.
    pair.clear();
    pair.place("new", b"File exists \".*\", aborting!\n");
    let (a, _) = pair.run(&["patch", "/dev/null", &names[2], "new"], None);
    pair.check(
        a.code == Some(100)
            && String::from_utf8_lossy(&a.stderr).contains("File exists \"new\", aborting!")
            && a.files[OsStr::new("new")] == b"File exists \".*\", aborting!\n",
        || "patch without -f".into(),
    );
    pair.finish();
}

/// One `triple_test`: signature, delta and patch in files, with `extra`
/// options; our patched file must equal `new`.
fn triple_files(pair: &mut Pair, extra: &[&str], old: &str, new: &str, new_data: &[u8]) {
    pair.clear();
    let steps = [
        vec!["signature", old, "sig"],
        vec!["delta", "sig", new, "delta"],
        vec!["patch", old, "delta", "new"],
    ];
    let mut last = None;
    for step in steps {
        let mut args: Vec<&str> = extra.to_vec();
        args.extend(step);
        last = Some(pair.run(&args, None).0);
    }
    let ours = last.unwrap();
    pair.check(
        ours.files.get(OsStr::new("new")).map(Vec::as_slice) == Some(new_data),
        || format!("{extra:?} {old} {new}: patched file differs"),
    );
}

/// The same through pipes: `cat old | rdiff sig > sig`, `cat sig | rdiff
/// delta - new > delta`, `cat delta | rdiff patch old > new`.
fn triple_pipes(pair: &mut Pair, extra: &[&str], old: &[u8], new: &str, new_data: &[u8]) {
    pair.clear();
    let mut args: Vec<&str> = extra.to_vec();
    args.push("signature");
    let (a, b) = pair.run(&args, Some(old));
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(["delta", "-", new]);
    let (a, b) = pair.run_with(&os_args(&args), Some(&a.stdout), Some(&b.stdout), &[]);
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(["patch", "../in/old"]);
    let (a, _) = pair.run_with(&os_args(&args), Some(&a.stdout), Some(&b.stdout), &[]);
    pair.check(a.stdout == new_data, || {
        format!("{extra:?} pipes {new}: patched output differs")
    });
}

#[test]
fn triple() {
    let Some(mut pair) = Pair::new("triple") else {
        return;
    };
    let mut rng = Rng::new(3);
    let copying = rng.text(26_532);
    let mut half = copying[..10_480].to_vec();
    half[5000] ^= 1;
    let files: [(&str, Vec<u8>); 4] = [
        ("copying", copying),
        ("half", half),
        ("hello", b"hello!\n".to_vec()),
        ("zero", Vec::new()),
    ];
    for (name, data) in &files {
        pair.input(name, data);
    }
    for buf in BUFSIZES {
        for (old_name, old_data) in &files {
            pair.input("old", old_data);
            for (new_name, new_data) in &files {
                let new = format!("../in/{new_name}");
                for hash in ["-Hmd4", "-Hblake2"] {
                    let opts = with_bufs(buf, &[hash, "-f"]);
                    triple_files(
                        &mut pair,
                        &strs(&opts),
                        &format!("../in/{old_name}"),
                        &new,
                        new_data,
                    );
                    let opts = with_bufs(buf, &[hash]);
                    triple_pipes(&mut pair, &strs(&opts), old_data, &new, new_data);
                }
            }
        }
    }
    pair.finish();
}

#[test]
fn changes() {
    let Some(mut pair) = Pair::new("changes") else {
        return;
    };
    // changes.test's shapes: a text, edits of it, it doubled, binary data,
    // an empty file and a tiny one.
    let mut rng = Rng::new(5);
    let base = rng.text(4818);
    let mut deleted = base.clone();
    deleted.drain(1000..1113);
    let edited = rng.mutate(&base, 3);
    let mut doubled = base.clone();
    doubled.extend_from_slice(&base);
    let files: Vec<(String, Vec<u8>)> = vec![
        ("01".into(), base),
        ("02".into(), deleted),
        ("03".into(), edited),
        ("04".into(), doubled),
        ("05".into(), rng.bytes(7168)),
        ("06".into(), Vec::new()),
        ("07".into(), b"hello\n".to_vec()),
    ];
    let first = pair.input("01", &files[0].1);
    for (name, data) in &files {
        pair.input(name, data);
    }
    for buf in BUFSIZES {
        for (name, data) in &files {
            let other = format!("../in/{name}");
            for hash in [None, Some("-Hmd4"), Some("-Hblake2")] {
                let mut opts = vec![
                    format!("-I{buf}"),
                    format!("-O{buf}"),
                    "-f".into(),
                    "-s".into(),
                ];
                opts.extend(hash.map(String::from));
                // triple_test's signature uses --block-size=2048.
                let mut sig_opts = opts.clone();
                sig_opts.push("--block-size=2048".into());
                for (old, new, new_data) in [(&first, &other, data), (&other, &first, &files[0].1)]
                {
                    pair.clear();
                    let mut a: Vec<&str> = strs(&sig_opts);
                    a.extend(["signature", old, "sig"]);
                    pair.run(&a, None);
                    let mut a: Vec<&str> = strs(&opts);
                    a.extend(["delta", "sig", new, "delta"]);
                    pair.run(&a, None);
                    let mut a: Vec<&str> = strs(&opts);
                    a.extend(["patch", old, "delta", "new"]);
                    let (ours, _) = pair.run(&a, None);
                    pair.check(ours.files[OsStr::new("new")] == *new_data, || {
                        format!("changes {old} {new} -I{buf}: patched file differs")
                    });
                }
            }
        }
    }
    pair.finish();
}

#[test]
fn mutate() {
    let Some(mut pair) = Pair::new("mutate") else {
        return;
    };
    // mutate.test: 100 rounds of mutate.pl edits of a source-like text.
    let mut rng = Rng::new(9);
    let old_data = rng.text(120_000);
    let old = pair.input("old", &old_data);
    let rounds: usize = std::env::var("RDIFF_CLI_MUTATE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    for round in 0..rounds {
        let new_data = mutate_pl(&mut rng, &old_data);
        let new = pair.input("new", &new_data);
        for hash in [None, Some("-Hmd4"), Some("-Hblake2")] {
            pair.clear();
            let mut a = vec!["-f"];
            a.extend(hash);
            a.extend(["signature", &old, "sig"]);
            pair.run(&a, None);
            pair.run(&["-f", "-s", "delta", "sig", &new, "delta"], None);
            let (ours, _) = pair.run(&["-f", "patch", &old, "delta", "out"], None);
            pair.check(ours.files[OsStr::new("out")] == new_data, || {
                format!("mutate round {round} {hash:?}: patched file differs")
            });
        }
    }
    pair.finish();
}

/// Random command lines from a vocabulary of options, values, action words
/// and file names, run by both binaries. Where Debian's rdiff aborts (a
/// negative buffer size), ours must fail with a result code instead
/// (DEVIATIONS.md, rdiff).
#[test]
fn random_command_lines() {
    let Some(mut pair) = Pair::new("random-lines") else {
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
        &pair.reference,
        &[
            "-f",
            "sig",
            in_dir.join("a").to_str().unwrap(),
            sig_path.to_str().unwrap(),
        ],
    );
    common::rdiff_ok(
        &pair.reference,
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
        let c = pair.seen(false, &args, stdin.as_deref(), &[]);
        let o = pair.seen(true, &args, stdin.as_deref(), &[]);
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

/// Hex to bytes; spaces are ignored.
fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// A delta: its magic, then `cmds` (hex).
fn delta_hex(cmds: &str) -> Vec<u8> {
    let mut d = hex("72730236");
    d.extend(hex(cmds));
    d
}

/// A signature header.
fn sig_header(magic: u32, block_len: u32, strong_len: u32) -> Vec<u8> {
    let mut v = magic.to_be_bytes().to_vec();
    v.extend(block_len.to_be_bytes());
    v.extend(strong_len.to_be_bytes());
    v
}

#[test]
fn bad_inputs() {
    let Some(mut pair) = Pair::new("bad-inputs") else {
        return;
    };
    let mut rng = Rng::new(13);
    let basis_data = rng.bytes(1000);
    let basis = pair.input("basis", &basis_data);
    let new = pair.input("new", &rng.mutate(&basis_data, 3));
    // A real signature of the basis (64-byte blocks, full BLAKE2 sums) to
    // cut and garble.
    let real_path = pair.base.join("in/real.sig");
    common::rdiff_ok(
        &pair.reference,
        &[
            "-f",
            "-b",
            "64",
            "signature",
            &format!("{}/in/basis", pair.base.display()),
            real_path.to_str().unwrap(),
        ],
    );
    let real = fs::read(&real_path).unwrap();
    let block = &real[12..12 + 36];
    let rk = 0x7273_0147;
    let mut sigs: Vec<(&str, Vec<u8>)> = vec![
        ("S1 empty", vec![]),
        ("S2 6 bytes", real[..6].to_vec()),
        ("S2 11 bytes", real[..11].to_vec()),
        ("S3 unknown magic", hex("deadbeef 00000800 00000020")),
        ("S4 unknown magic, short", hex("deadbeef 0000")),
        ("S5 delta magic", sig_header(0x7273_0236, 2048, 32)),
        ("S7 block_len 0", sig_header(rk, 0, 32)),
        ("S7 block_len negative", sig_header(rk, 0x8000_0000, 32)),
        ("S8 block_len i32 max", sig_header(rk, 0x7fff_ffff, 32)),
        ("S10 strong 33", sig_header(rk, 64, 33)),
        ("S10 strong negative", sig_header(rk, 64, 0xffff_ffff)),
        ("S11 md4 strong 17", sig_header(0x7273_0136, 64, 17)),
        ("S11 rk-md4 strong 32", sig_header(0x7273_0146, 64, 32)),
        ("S12 header only", sig_header(rk, 256, 32)),
        ("real", real.clone()),
        ("S14 truncated strong", real[..real.len() - 5].to_vec()),
        ("S14 weak only", real[..12 + 36 + 4].to_vec()),
        // rs_delta_file's output buffer 10 + 4 * block_len is negative as a
        // C int only from 0x20000000 on; these stay valid.
        ("block_len 0x3ffffffe", sig_header(rk, 0x3fff_fffe, 32)),
        ("block_len 0x40000000", sig_header(rk, 0x4000_0000, 32)),
    ];
    let mut s6 = sig_header(0, 64, 32);
    s6.extend_from_slice(block);
    sigs.push(("S6 magic 0", s6));
    let mut s9 = sig_header(rk, 64, 0);
    s9.extend_from_slice(&real[12..]);
    sigs.push(("S9 strong 0", s9));
    for stray in 1..=3 {
        let mut s13 = real.clone();
        s13.extend(vec![0xab; stray]);
        sigs.push(("S13 stray bytes", s13));
    }
    let mut s15 = sig_header(rk, 64, 32);
    for _ in 0..200 {
        s15.extend_from_slice(block);
    }
    sigs.push(("S15 identical blocks", s15));
    let mut s16 = sig_header(rk, 64, 32);
    for i in 0..2000u32 {
        s16.extend_from_slice(&block[..4]);
        s16.extend((0..32).map(|j| (i.wrapping_mul(31).wrapping_add(j)) as u8));
    }
    sigs.push(("S16 one weak sum", s16));
    for md4_sig in [0x7273_0136u32, 0x7273_0146] {
        let mut s = sig_header(md4_sig, 64, 8);
        s.extend_from_slice(&block[..12]);
        sigs.push(("md4 strong 8", s));
    }
    for (i, (what, sig)) in sigs.iter().enumerate() {
        let name = pair.input(&format!("s{i}.sig"), sig);
        for args in [
            vec!["delta", &name, &new, "out"],
            vec!["-s", "delta", &name, &new],
            vec!["-I1", "-O1", "delta", &name, &new],
        ] {
            pair.clear();
            pair.run(&args, None);
        }
        pair.clear();
        pair.place("out", b"keep");
        let (a, _) = pair.run(&["delta", &name, &new, "out"], None);
        pair.check(a.files[OsStr::new("out")] == b"keep", || {
            format!("{what}: output touched")
        });
    }

    let mut deltas: Vec<(&str, Vec<u8>)> = vec![
        ("P1 empty", vec![]),
        ("P2 1 byte", hex("72")),
        ("P2 3 bytes", hex("727302")),
        ("P3 signature magic", hex("72730147 00")),
        ("P4 magic only", delta_hex("")),
        ("P5 END", delta_hex("00")),
        ("P6 trailing garbage", delta_hex("00 41 09 09")),
        ("P7 literal truncated", delta_hex("05 68656c")),
        ("P8 no END", delta_hex("45 00 0a 03 616263")),
        ("P9 literal len 0 (1)", delta_hex("41 00")),
        ("P9 literal len 0 (2)", delta_hex("42 0000")),
        ("P9 literal len 0 (4)", delta_hex("43 00000000")),
        ("P9 literal len 0 (8)", delta_hex("44 0000000000000000")),
        ("P10 literal len >= 2^63", delta_hex("44 8000000000000000")),
        ("P11 huge literal", delta_hex("44 7fffffffffffffff 616263")),
        ("P11 4 GiB literal", delta_hex("44 0000000100000001 616263")),
        ("P12 truncated params (1)", delta_hex("41")),
        ("P12 truncated params (2)", delta_hex("43 0001")),
        ("P12 truncated params (3)", delta_hex("4f 00000000")),
        ("P13 COPY len 0", delta_hex("45 00 00")),
        ("P14 COPY pos < 0", delta_hex("51 ffffffffffffffff 0a")),
        ("P14 COPY len < 0", delta_hex("48 00 ffffffffffffffff")),
        ("P15 COPY beyond basis", delta_hex("49 1388 0a")),
        ("P16 COPY at basis end", delta_hex("49 03e8 01")),
        ("P17 COPY straddles end", delta_hex("4a 03de 0064")),
        (
            "P18 COPY longer than basis",
            delta_hex("4f 00000000 000f4240"),
        ),
        (
            "P19 COPY at 2^62",
            delta_hex("54 4000000000000000 4000000000000005"),
        ),
        ("P20 opcode 55", delta_hex("55")),
        ("P20 opcode 80", delta_hex("80 00")),
        ("P20 opcode ff", delta_hex("ff")),
        ("literal and copy", delta_hex("03 616263 4a 0010 0100 00")),
    ];
    let mut bomb = delta_hex("");
    for _ in 0..100 {
        bomb.extend(hex("4a 0000 03e8"));
    }
    bomb.push(0);
    deltas.push(("P21 COPY bomb", bomb));
    let mut long = delta_hex("");
    for _ in 0..40 {
        long.extend(hex("43 00001000"));
        long.extend(rng.bytes(0x1000));
    }
    long.extend(hex("4a 0005 0020 05 6865"));
    deltas.push(("long literal run, then truncated", long));
    for (i, (what, delta)) in deltas.iter().enumerate() {
        let name = pair.input(&format!("p{i}.delta"), delta);
        for args in [
            vec!["patch", &basis, &name, "out"],
            vec!["-s", "patch", &basis, &name],
            vec!["-I1", "-O1", "patch", &basis, &name, "out"],
            vec!["-I7", "-O3", "patch", &basis, &name],
        ] {
            pair.clear();
            pair.run(&args, None);
        }
        pair.clear();
        pair.place("out", b"keep");
        let (a, _) = pair.run(&["patch", &basis, &name, "out"], None);
        pair.check(a.files[OsStr::new("out")] == b"keep", || {
            format!("{what}: output touched")
        });
    }
    pair.finish();
}

/// Where Debian's rdiff aborts (exit 134) because `malloc` fails or an
/// assertion trips, ours fails with a result code (DEVIATIONS.md, rdiff).
#[test]
fn deviations_instead_of_aborts() {
    let Some(mut pair) = Pair::new("deviations") else {
        return;
    };
    let a = pair.input("a", b"hello\n");
    let sig = pair.input("sig", &sig_header(0x7273_0147, 256, 32));
    let big_block = pair.input("big-block.sig", &sig_header(0x7273_0147, 0x2000_0000, 32));
    let delta = pair.input("delta", &delta_hex("05 68656c6c6f 00"));
    let cases: [(&[&str], i32, &str); 13] = [
        (
            &["-b", "-5", "sig", &a],
            102,
            "rdiff: Failed, out of memory.\n",
        ),
        (
            &["-b", "0x20000000", "sig", &a],
            102,
            "rdiff: Failed, out of memory.\n",
        ),
        (
            &["-I", "-1", "sig", &a],
            102,
            "rdiff: Failed, out of memory.\n",
        ),
        (
            &["-O", "-1", "sig", &a],
            102,
            "rdiff: Failed, out of memory.\n",
        ),
        (
            &["-I", "-1", "delta", &sig, &a],
            102,
            "rdiff: Failed, out of memory.\n",
        ),
        (
            &["-O", "-1", "delta", &sig, &a],
            102,
            "rdiff: Failed, out of memory.\n",
        ),
        (
            &["delta", &big_block, &a],
            102,
            "rdiff: Failed, out of memory.\n",
        ),
        (
            &["-I", "-1", "patch", &a, &delta],
            102,
            "rdiff: Failed, out of memory.\n",
        ),
        (
            &["-O", "-2147483648", "patch", &a, &delta],
            102,
            "rdiff: Failed, out of memory.\n",
        ),
        (
            &["-b", "0x7fffffff", "sig", &a],
            102,
            "rdiff: Failed, out of memory.\n",
        ),
        (
            &["-b", "-0x20000001", "sig", &a],
            108,
            "librsync: ERROR: (rs_job_complete) signature job failed: unexplained problem\n\
             rdiff: Failed, unexplained problem.\n",
        ),
        (
            &["-b", "-5", "-I", "100", "sig", &a],
            108,
            "librsync: ERROR: (rs_job_complete) signature job failed: unexplained problem\n\
             rdiff: Failed, unexplained problem.\n",
        ),
        (
            &["-s", "-O", "-1", "delta", &sig, &a],
            102,
            "speed[...]\nrdiff: Failed, out of memory.\n",
        ),
    ];
    for (args, code, stderr) in cases {
        pair.clear();
        let c = pair.seen(false, &os_args(args), None, &[]);
        let o = pair.seen(true, &os_args(args), None, &[]);
        let stderr_ok = if stderr.starts_with("speed[") {
            let text = String::from_utf8_lossy(&o.stderr);
            text.starts_with("librsync: loadsig statistics: ") && text.ends_with(stderr)
        } else {
            o.stderr == stderr.as_bytes()
        };
        pair.check(c.code == Some(134) || c.code.is_none(), || {
            format!("{args:?}: Debian's rdiff no longer aborts ({:?})", c.code)
        });
        pair.check(o.code == Some(code) && stderr_ok, || {
            format!(
                "{args:?}: {:?} {:?}",
                o.code,
                String::from_utf8_lossy(&o.stderr)
            )
        });
    }
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
