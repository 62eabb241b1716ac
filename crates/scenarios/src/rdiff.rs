//! A pair of `rdiff` commands run side by side: the subject (our `rdiff`,
//! or Debian's `rdiff` on our `librsync.so.2`) and the reference (Debian's
//! `rdiff` on its own library). Every run is made by both with the same
//! arguments and standard input, each in a working directory of its own
//! (shared inputs are `../in/NAME`), and must give the same exit status,
//! standard output, standard error (the figures of `speed[...]` masked)
//! and files.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{mask_speed, reference_rdiff, scratch, Tally};

/// The subject, side 0 of a pair.
pub const SUBJECT: usize = 0;
/// The reference, side 1 of a pair.
pub const REFERENCE: usize = 1;

/// One `rdiff` command: a program and its environment.
#[derive(Clone, Debug)]
pub struct Rdiff {
    pub program: PathBuf,
    /// Variables set (`Some`) or removed (`None`).
    pub env: Vec<(OsString, Option<OsString>)>,
}

impl Rdiff {
    /// `program` in the C locale, without `LD_LIBRARY_PATH`, `LD_PRELOAD`
    /// or popt's POSIX switches.
    pub fn new(program: impl Into<PathBuf>) -> Rdiff {
        Rdiff {
            program: program.into(),
            env: vec![
                ("LC_ALL".into(), Some("C".into())),
                ("LD_LIBRARY_PATH".into(), None),
                ("LD_PRELOAD".into(), None),
                ("POSIXLY_CORRECT".into(), None),
                ("POSIX_ME_HARDER".into(), None),
            ],
        }
    }

    /// Debian's `rdiff` on its own library, or `None` (loudly; a failure
    /// under CI) when it is not installed.
    pub fn debian() -> Option<Rdiff> {
        Some(Rdiff::new(reference_rdiff()?))
    }

    /// The same with `name` set to `value`.
    pub fn with_env(mut self, name: &str, value: impl AsRef<OsStr>) -> Rdiff {
        self.env.retain(|(n, _)| n != name);
        self.env
            .push((name.into(), Some(value.as_ref().to_owned())));
        self
    }

    /// A command for this rdiff in `dir`.
    pub fn command(&self, dir: &Path) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.current_dir(dir);
        for (name, value) in &self.env {
            match value {
                Some(v) => cmd.env(name, v),
                None => cmd.env_remove(name),
            };
        }
        cmd
    }
}

/// What one run showed: exit status, outputs, and the files of its working
/// directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: Vec<u8>,
    /// Standard error, with [`mask_speed`] applied.
    pub stderr: String,
    pub files: BTreeMap<OsString, Vec<u8>>,
}

impl Seen {
    /// A file the run left in its working directory.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files.get(OsStr::new(name)).map(Vec::as_slice)
    }

    /// A short text of the differences from `other`.
    pub fn diff(&self, other: &Seen) -> String {
        let mut d = Vec::new();
        if (self.code, self.signal) != (other.code, other.signal) {
            d.push(format!(
                "status {:?}/{:?} vs {:?}/{:?}",
                self.code, self.signal, other.code, other.signal
            ));
        }
        if self.stdout != other.stdout {
            d.push(format!(
                "stdout {} vs {} bytes, first difference at {}",
                self.stdout.len(),
                other.stdout.len(),
                first_difference(&self.stdout, &other.stdout)
            ));
        }
        if self.stderr != other.stderr {
            d.push(format!("stderr {:?} vs {:?}", self.stderr, other.stderr));
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

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

/// Runs `cmd` with `args`, feeding `stdin` through a pipe (or `/dev/null`
/// when `None`), and records what it did in `dir`.
fn observe(mut cmd: Command, args: &[OsString], stdin: Option<&[u8]>, dir: &Path) -> Seen {
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = cmd.spawn().expect("spawn rdiff");
    let pipe = child.stdin.take();
    let out = std::thread::scope(|s| {
        if let (Some(mut pipe), Some(data)) = (pipe, stdin) {
            // The child may exit without reading it all: ignore EPIPE.
            s.spawn(move || {
                let _ = pipe.write_all(data);
            });
        }
        child.wait_with_output().expect("wait for rdiff")
    });
    Seen {
        code: out.status.code(),
        signal: out.status.signal(),
        stdout: out.stdout,
        stderr: mask_speed(&String::from_utf8_lossy(&out.stderr)),
        files: snapshot(dir),
    }
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

/// Arguments as `OsString`s.
pub fn os_args<S: AsRef<OsStr>>(args: &[S]) -> Vec<OsString> {
    args.iter().map(|a| a.as_ref().to_owned()).collect()
}

/// A test's pair of rdiff commands and their working directories
/// (`BASE/a`, `BASE/b`) over shared inputs in `BASE/in`.
pub struct Pair {
    name: &'static str,
    started: std::time::Instant,
    pub sides: [Rdiff; 2],
    pub base: PathBuf,
    /// Side-by-side runs: identical or not.
    pub tally: Tally,
    /// Checks of the subject alone (the patched file is the new one, an
    /// expected exit code).
    pub checks: Tally,
    /// The subject's exit codes, to show what the runs covered.
    pub codes: BTreeMap<Option<i32>, usize>,
}

impl Pair {
    /// A pair for the test `name` (the name of its tally).
    pub fn new(name: &str, subject: Rdiff, reference: Rdiff) -> Pair {
        let base = scratch(&name.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
        for d in ["in", "a", "b"] {
            fs::create_dir_all(base.join(d)).unwrap();
        }
        let name: &'static str = Box::leak(name.to_string().into_boxed_str());
        Pair {
            name,
            started: std::time::Instant::now(),
            sides: [subject, reference],
            base,
            tally: Tally::new(name),
            checks: Tally::new(Box::leak(format!("{name}: own checks").into_boxed_str())),
            codes: BTreeMap::new(),
        }
    }

    /// Writes a shared input; returns its name from the working dirs,
    /// `../in/NAME`.
    pub fn input(&self, name: &str, data: &[u8]) -> String {
        fs::write(self.base.join("in").join(name), data).unwrap();
        format!("../in/{name}")
    }

    /// The absolute path of a shared input.
    pub fn input_path(&self, name: &str) -> PathBuf {
        self.base.join("in").join(name)
    }

    /// The working directory of one side.
    pub fn dir(&self, side: usize) -> PathBuf {
        self.base.join(["a", "b"][side])
    }

    /// Empties both working directories.
    pub fn clear(&self) {
        for side in [SUBJECT, REFERENCE] {
            let dir = self.dir(side);
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
        }
    }

    /// Puts the same file in both working directories.
    pub fn place(&self, name: &str, data: &[u8]) {
        for side in [SUBJECT, REFERENCE] {
            fs::write(self.dir(side).join(name), data).unwrap();
        }
    }

    /// Removes files from both working directories.
    pub fn remove(&self, names: &[&str]) {
        for side in [SUBJECT, REFERENCE] {
            for name in names {
                let _ = fs::remove_file(self.dir(side).join(name));
            }
        }
    }

    /// A command for one side, in its working directory.
    pub fn command(&self, side: usize) -> Command {
        self.sides[side].command(&self.dir(side))
    }

    /// Runs one side and records what it did.
    pub fn seen<S: AsRef<OsStr>>(
        &self,
        side: usize,
        args: &[S],
        stdin: Option<&[u8]>,
        env: &[(&str, &str)],
    ) -> Seen {
        let mut cmd = self.command(side);
        for (k, v) in env {
            cmd.env(k, v);
        }
        observe(cmd, &os_args(args), stdin, &self.dir(side))
    }

    /// Runs both sides with `args`, side `i` reading `stdin[i]`, with
    /// `env` added, and counts the run as identical or not.
    pub fn run_with<S: AsRef<OsStr> + std::fmt::Debug>(
        &mut self,
        args: &[S],
        stdin: [Option<&[u8]>; 2],
        env: &[(&str, &str)],
    ) -> [Seen; 2] {
        let a = self.seen(SUBJECT, args, stdin[SUBJECT], env);
        let b = self.seen(REFERENCE, args, stdin[REFERENCE], env);
        *self.codes.entry(a.code).or_default() += 1;
        self.tally.check(a == b, || {
            let pipe = if stdin[0].is_some() { " <pipe" } else { "" };
            format!("rdiff {args:?}{pipe} {env:?}: {}", a.diff(&b))
        });
        [a, b]
    }

    /// Runs both sides with `args` and the same standard input.
    pub fn run<S: AsRef<OsStr> + std::fmt::Debug>(
        &mut self,
        args: &[S],
        stdin: Option<&[u8]>,
    ) -> [Seen; 2] {
        self.run_with(args, [stdin, stdin], &[])
    }

    /// Runs both sides with standard input and/or output redirected to
    /// files (`None`: `/dev/null` in, a pipe out).
    pub fn run_redirected(&mut self, args: &[&str], stdin: Option<&Path>, stdout: Option<&Path>) {
        let mut seen = Vec::new();
        for side in [SUBJECT, REFERENCE] {
            let mut cmd = self.command(side);
            cmd.args(args);
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
                signal: out.status.signal(),
                stdout: out.stdout,
                stderr: mask_speed(&String::from_utf8_lossy(&out.stderr)),
                files: snapshot(&self.dir(side)),
            });
        }
        *self.codes.entry(seen[0].code).or_default() += 1;
        let (a, b) = (&seen[0], &seen[1]);
        self.tally.check(a == b, || {
            format!("rdiff {args:?} <{stdin:?} >{stdout:?}: {}", a.diff(b))
        });
    }

    /// Checks something about the subject alone, counted in `checks`.
    pub fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.checks.check(ok, what);
    }

    /// Prints the counts and fails on any difference.
    pub fn finish(self) {
        if self.tally.failures.is_empty() && self.checks.failures.is_empty() {
            let _ = fs::remove_dir_all(&self.base);
        }
        println!(
            "[{}] the subject's exit codes: {:?} ({:.1?})",
            self.name,
            self.codes,
            self.started.elapsed()
        );
        self.checks.finish();
        self.tally.finish();
    }
}
