//! The `rdiff_args` target's other half (issue 10): our `rdiff` gives the
//! same verdict as Debian's `/usr/bin/rdiff` on the option syntax it
//! accepts or rejects. Every argument vector of the committed corpus and
//! regressions of `rdiff_args` (decoded by [`rdiff_argv`], as the target
//! decodes them), and a few hundred generated ones (written as target
//! inputs and decoded the same way), are run by both binaries, each in a
//! working directory of its own holding the same small files (`a`, `b`, a
//! signature `sig` of `a`, a delta `delta` from it to `b`; any other name
//! is absent), with standard input from `/dev/null`, `argv[0]` = `rdiff`,
//! the C locale, `POSIXLY_CORRECT=1` when the input asks for popt's POSIX
//! mode, and a timeout. Exit status, standard output, standard error (the
//! figures of `-s`'s `speed[...]` masked) and the files left in the
//! working directory must be identical.
//!
//! Excluded, explicitly (and listed in the test's output):
//! - command lines where Debian's rdiff aborts (exit 134 or a signal: a
//!   negative block length makes C's buffer size negative, DEVIATIONS.md,
//!   rdiff); there ours must exit 102 or 108 without a signal;
//! - command lines where Debian's rdiff never ends: popt 1.19's
//!   `findNextArg`, which expands `!#:+` in an option's value, loops
//!   forever when words are left but each of them starts with `-` or was
//!   already taken (`rdiff -b '1!#:+' -`, `rdiff -H '!#:+' --`); ours takes
//!   no word, keeps the value as written and must end with an exit code.
//!
//! Debian's rdiff is not nondeterministic on any of these lines apart from
//! the `speed[...]` figures.
//!
//! Our binary is built by `cargo build -p librsync-rs-rdiff --bin rdiff`
//! in the profile of this test (this crate depends on rdiff's library, not
//! its binary), or taken from `RDIFF_OURS`; Debian's from `RDIFF_REFERENCE`
//! or `/usr/bin/rdiff`. Without Debian's rdiff the test is skipped loudly,
//! and fails under `CI`. More generated lines: `RDIFF_ARGS_LINES=5000`;
//! the inputs of other directories too (a campaign's corpus):
//! `RDIFF_ARGS_EXTRA=dir1:dir2`. Lines with a word holding `/` other than
//! `/dev/null` are not run (counted as such), since they could write
//! outside the working directory.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use librsync_rs_fuzzing::{rdiff_args_input, rdiff_argv};
use librsync_rs_scenarios::{mask_speed, reference_rdiff, Rng};

/// How long one run may take (each takes milliseconds, but Debian's rdiff
/// loops forever on some lines, see above).
const TIMEOUT: Duration = Duration::from_secs(5);

/// The cargo-fuzz package.
fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Our rdiff: `RDIFF_OURS`, or built by cargo in this test's profile and
/// target directory (`target/<profile>/deps/<this test>`).
fn our_rdiff() -> PathBuf {
    if let Some(p) = std::env::var_os("RDIFF_OURS") {
        return p.into();
    }
    let exe = std::env::current_exe().expect("test executable");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev".to_string(),
        Some(p) => p.to_string(),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "build",
        "--quiet",
        "-p",
        "librsync-rs-rdiff",
        "--bin",
        "rdiff",
        "--message-format=json",
        "--profile",
        &profile,
    ]);
    // The target directory: target/<profile> or target/<triple>/<profile>.
    let root = profile_dir.parent();
    if let Some(dir) = root
        .into_iter()
        .chain(root.and_then(Path::parent))
        .find(|d| d.join("CACHEDIR.TAG").exists())
    {
        cmd.arg("--target-dir").arg(dir);
    }
    let out = cmd.output().expect("run cargo build for rdiff");
    assert!(
        out.status.success(),
        "cargo build -p librsync-rs-rdiff failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = "\"executable\":\"";
    let text = String::from_utf8_lossy(&out.stdout);
    let path = text
        .lines()
        .filter(|l| l.contains("\"name\":\"rdiff\""))
        .find_map(|l| {
            let at = l.find(key)? + key.len();
            Some(l[at..].split('"').next()?.to_string())
        })
        .expect("cargo reported no rdiff executable");
    PathBuf::from(path)
}

/// A word of `from`, at random.
fn pick<'a>(rng: &mut Rng, from: &[&'a str]) -> &'a str {
    from[rng.below(from.len())]
}

/// Options as words, alone, bundled, with values attached, abbreviated,
/// unknown, and popt's oddities.
const OPTIONS: &[&str] = &[
    "-s",
    "-f",
    "-v",
    "-V",
    "-h",
    "-?",
    "--help",
    "--version",
    "--verbose",
    "-sf",
    "-fs",
    "-vs",
    "-sv",
    "-vv",
    "-b",
    "-b16",
    "-b=16",
    "-b=",
    "-b==5",
    "--block-size",
    "--block-size=64",
    "--block-size=",
    "-S",
    "-S8",
    "-S-1",
    "-S=",
    "--sum-size=-1",
    "--sum-size",
    "-I",
    "-I1",
    "-I=7",
    "-O",
    "-O3",
    "--input-size=100",
    "--output-size",
    "--output-size=2",
    "-H",
    "-Hmd4",
    "-H=md4",
    "-Hblake2",
    "--hash=blake2",
    "--hash=md4",
    "--hash",
    "--hash=",
    "-R",
    "-Rrollsum",
    "-R=rabinkarp",
    "--rollsum=rabinkarp",
    "--rollsum",
    "--stats",
    "--statistics",
    "--force",
    "--force=1",
    "--stat",
    "--sta",
    "--bl",
    "--block",
    "--hash-",
    "-x",
    "-Z",
    "-z",
    "-i",
    "--gzip",
    "--bzip2=9",
    "--nope",
    "--",
    "-",
    "-=",
    "--=5",
    "---x",
    "-sbx",
    "-sb",
    "-bs",
    "-vfb",
    "-sH",
    "-Hs",
    "-sR",
    "-b!#:+",
    "-s=",
    "-sf=",
    "-?x",
    "-h=",
    "--help=foo",
    "--version=1",
    "-fV",
    "-sfv",
    "-bS",
    "-Sb",
    "-S!#:+",
    "-H!#:+",
];

/// Values for options that take one.
const VALUES: &[&str] = &[
    "16",
    "64",
    "0x10",
    "0X1F",
    "010",
    "08",
    "0x",
    "",
    " 12",
    "12 ",
    "+5",
    "-1",
    "-2",
    "0",
    "1",
    "17",
    "33",
    "99999999999",
    "-99999999999",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-5",
    "1!#:+",
    "!#:+",
    "md4",
    "blake2",
    "MD4",
    "sha1",
    "rollsum",
    "rabinkarp",
    "x",
    "-",
    "--",
];

/// Action words, whole, abbreviated, wrong.
const ACTIONS: &[&str] = &[
    "signature",
    "sig",
    "s",
    "si",
    "sign",
    "signaturex",
    "SIGNATURE",
    "delta",
    "d",
    "de",
    "del",
    "deltax",
    "patch",
    "p",
    "pa",
    "pat",
    "x",
    "",
];

/// File names: the files of the working directory, absent ones, stdio.
const NAMES: &[&str] = &["a", "b", "sig", "delta", "missing", "out", "-", "/dev/null"];

/// Options that rdiff accepts, with their values.
const GOOD_OPTIONS: &[&[&str]] = &[
    &["-s"],
    &["-f"],
    &["-v"],
    &["-sf"],
    &["-b", "64"],
    &["-b16"],
    &["-b=0x80"],
    &["--block-size=128"],
    &["--block-size", "010"],
    &["-S", "-1"],
    &["-S8"],
    &["--sum-size=12"],
    &["-I", "7"],
    &["-I1"],
    &["--input-size=100"],
    &["-O", "3"],
    &["--output-size=15"],
    &["-H", "md4"],
    &["-Hblake2"],
    &["--hash=md4"],
    &["-R", "rollsum"],
    &["-Rrabinkarp"],
    &["--rollsum=rollsum"],
    &["--stats"],
    &["--statistics"],
    &["--force"],
    &["-sb", "32"],
    &["-fH", "md4"],
    &["-b", "1!#:+", "6"],
];

/// A command line rdiff should accept: good options, an action and its
/// files (some absent, some stdio), sometimes one odd word among them.
fn well_formed(rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut line: Vec<Vec<u8>> = Vec::new();
    for _ in 0..rng.below(4) {
        let opt = GOOD_OPTIONS[rng.below(GOOD_OPTIONS.len())];
        line.extend(opt.iter().map(|w| w.as_bytes().to_vec()));
    }
    // The action, its files, and how many of them it needs.
    let (action, files, min): (&[&str], &[&[&str]], usize) = match rng.below(3) {
        0 => (
            &["signature", "sig", "s"],
            &[&["a", "b", "-"], &["out", "-", "a"]],
            0,
        ),
        1 => (
            &["delta", "de", "d"],
            &[&["sig", "-"], &["b", "a", "-"], &["out", "-"]],
            1,
        ),
        _ => (
            &["patch", "pa", "p"],
            &[&["a", "-"], &["delta", "-"], &["out", "-", "b"]],
            1,
        ),
    };
    line.push(pick(rng, action).into());
    // Rarely one file too few.
    let n =
        (min + rng.below(files.len() + 1 - min)).saturating_sub(usize::from(rng.below(10) == 0));
    for choices in &files[..n] {
        line.push(pick(rng, choices).into());
    }
    for _ in 0..rng.below(2) {
        // Options may come after the action and the files too.
        let opt = GOOD_OPTIONS[rng.below(GOOD_OPTIONS.len())];
        let at = rng.below(line.len() + 1);
        for (i, w) in opt.iter().enumerate() {
            line.insert(at + i, w.as_bytes().to_vec());
        }
    }
    if rng.below(8) == 0 {
        let at = rng.below(line.len() + 1);
        line.insert(at, pick(rng, OPTIONS).into());
    }
    line
}

/// Lines written by hand: each exclusion once, and popt's corners.
const HANDWRITTEN: &[&[&str]] = &[
    // Debian's rdiff aborts (M5): excluded, ours exits 102.
    &["-b", "-5", "signature", "a", "out"],
    // Debian's rdiff never ends (popt's findNextArg): excluded.
    &["-b", "1!#:+", "-"],
    // The same expansion with a word to take: no loop.
    &["-b", "1!#:+", "-s", "6", "signature", "a", "out"],
    &["-H", "md!#:+", "4", "signature", "a"],
    &["-VVVVVVVV"],
    &["-vV"],
    &["-Vv"],
    &["--version", "--help"],
    &["-?", "-V"],
    &["-h", "-x"],
    &["-x", "-h"],
    &["-sx"],
    &["-="],
    &["--=5"],
    &["---x"],
    &["--"],
    &["-"],
    &[""],
    &["--", "-f", "sig"],
    &["sig", "--", "a"],
    &["signature", "a", "-", "-f"],
    &["signature", "a", "out", "extra"],
    &["-b", "08", "signature", "a"],
    &["-b", "0x", "signature", "a"],
    &["-b", " 12", "signature", "a"],
    &["-b", "12 ", "signature", "a"],
    &["-b", "99999999999", "signature", "a"],
    &["-S", "33", "signature", "a"],
    &["-H", "md4", "-S", "17", "signature", "a"],
    &["--stat", "signature", "a"],
    &["--force=xyz", "signature", "a"],
    &["-s", "delta", "sig", "b", "out"],
    &["-s", "patch", "a", "delta", "out"],
    &["patch", "a", "delta", "b"],
    &["-f", "patch", "a", "delta", "b"],
];

/// One generated command line.
fn generate(rng: &mut Rng) -> (bool, Vec<Vec<u8>>) {
    let mut line: Vec<Vec<u8>> = Vec::new();
    let mode = rng.below(20);
    if mode < 9 {
        line = well_formed(rng);
    } else if mode < 15 {
        // Options, an action and names, options moved among them.
        for _ in 0..rng.below(4) {
            line.push(pick(rng, OPTIONS).into());
            if rng.below(3) == 0 {
                line.push(pick(rng, VALUES).into());
            }
        }
        line.push(pick(rng, ACTIONS).into());
        for _ in 0..rng.below(4) {
            line.push(pick(rng, NAMES).into());
        }
        for _ in 0..rng.below(2) {
            let at = rng.below(line.len() + 1);
            line.insert(at, pick(rng, OPTIONS).into());
        }
    } else {
        // Any words from the vocabulary, in any order.
        for _ in 0..1 + rng.below(6) {
            let word = match rng.below(4) {
                0 => pick(rng, OPTIONS),
                1 => pick(rng, VALUES),
                2 => pick(rng, ACTIONS),
                _ => pick(rng, NAMES),
            };
            line.push(word.into());
        }
    }
    // Rarely a byte changed: any byte but NUL and `/`, UTF-8 or not, in a
    // word without `/` (see `confined`).
    let w = rng.below(line.len());
    if rng.below(6) == 0 && !line[w].contains(&b'/') {
        let byte = match 1 + rng.below(255) as u8 {
            b'/' => b'\\',
            b => b,
        };
        let word = &mut line[w];
        if word.is_empty() {
            word.push(byte);
        } else {
            let at = rng.below(word.len());
            word[at] = byte;
        }
    }
    let posix = rng.below(5) == 0;
    let words: Vec<&[u8]> = line.iter().map(Vec::as_slice).collect();
    // Through the target's own encoding and decoding.
    rdiff_argv(&rdiff_args_input(posix, &words))
}

/// What one run did.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    /// Killed after [`TIMEOUT`].
    timed_out: bool,
    code: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    files: BTreeMap<OsString, Vec<u8>>,
}

/// The working directory's files: `a`, `b`, `sig`, `delta`.
struct Inputs {
    files: Vec<(&'static str, Vec<u8>)>,
}

impl Inputs {
    fn new(debian: &Path, scratch: &Path) -> Inputs {
        let a: Vec<u8> = (0..3000u32)
            .flat_map(|i| format!("line {i} of a\n").into_bytes())
            .collect();
        let mut b = a.clone();
        b.splice(5000..5100, b"an edit".iter().copied());
        let dir = scratch.join("make");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("a"), &a).unwrap();
        fs::write(dir.join("b"), &b).unwrap();
        for args in [
            &["signature", "a", "sig"][..],
            &["delta", "sig", "b", "delta"],
        ] {
            let st = Command::new(debian)
                .args(args)
                .current_dir(&dir)
                .status()
                .unwrap();
            assert!(st.success(), "rdiff {args:?}");
        }
        let sig = fs::read(dir.join("sig")).unwrap();
        let delta = fs::read(dir.join("delta")).unwrap();
        Inputs {
            files: vec![("a", a), ("b", b), ("sig", sig), ("delta", delta)],
        }
    }

    /// Empties `dir` and puts the files there.
    fn place(&self, dir: &Path) {
        let _ = fs::remove_dir_all(dir);
        fs::create_dir_all(dir).unwrap();
        for (name, data) in &self.files {
            fs::write(dir.join(name), data).unwrap();
        }
    }
}

/// Runs `program` with `argv` (its `argv[0]` included) in a fresh `dir`.
fn run(program: &Path, posix: bool, argv: &[Vec<u8>], dir: &Path, inputs: &Inputs) -> Seen {
    inputs.place(dir);
    let out_path = dir.with_extension("stdout");
    let err_path = dir.with_extension("stderr");
    let mut cmd = Command::new(program);
    cmd.arg0(OsString::from_vec(argv[0].clone()))
        .args(argv[1..].iter().map(|w| OsString::from_vec(w.clone())))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&err_path).unwrap())
        .env("LC_ALL", "C");
    for var in [
        "LD_LIBRARY_PATH",
        "LD_PRELOAD",
        "POSIXLY_CORRECT",
        "POSIX_ME_HARDER",
        "LIBRSYNC_RS_THREADS",
    ] {
        cmd.env_remove(var);
    }
    if posix {
        cmd.env("POSIXLY_CORRECT", "1");
    }
    let mut child = cmd.spawn().expect("spawn rdiff");
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait for rdiff") {
            break Some(st);
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let data = fs::read(entry.path()).unwrap_or_else(|e| format!("<{e}>").into_bytes());
        files.insert(entry.file_name(), data);
    }
    Seen {
        timed_out: status.is_none(),
        code: status.and_then(|s| s.code()),
        signal: status.and_then(|s| s.signal()),
        stdout: fs::read(&out_path).unwrap(),
        stderr: mask_speed(&String::from_utf8_lossy(&fs::read(&err_path).unwrap())),
        files,
    }
}

/// A readable command line.
fn show(posix: bool, argv: &[Vec<u8>]) -> String {
    let words: Vec<String> = argv[1..]
        .iter()
        .map(|w| format!("{:?}", OsString::from_vec(w.clone())))
        .collect();
    let env = if posix { "POSIXLY_CORRECT=1 " } else { "" };
    format!("{env}rdiff [{}]", words.join(", "))
}

/// What differs between two runs, with both outputs.
fn differences(ours: &Seen, debian: &Seen) -> String {
    let mut d = Vec::new();
    if (ours.code, ours.signal) != (debian.code, debian.signal) {
        d.push(format!(
            "exit {:?}/signal {:?} vs Debian's {:?}/{:?}",
            ours.code, ours.signal, debian.code, debian.signal
        ));
    }
    if ours.stdout != debian.stdout {
        d.push(format!(
            "stdout {:?} vs Debian's {:?}",
            String::from_utf8_lossy(&ours.stdout[..ours.stdout.len().min(300)]),
            String::from_utf8_lossy(&debian.stdout[..debian.stdout.len().min(300)])
        ));
    }
    if ours.stderr != debian.stderr {
        d.push(format!(
            "stderr {:?} vs Debian's {:?}",
            ours.stderr, debian.stderr
        ));
    }
    if ours.files != debian.files {
        let names = |s: &Seen| {
            s.files
                .iter()
                .map(|(k, v)| format!("{}:{}", k.to_string_lossy(), v.len()))
                .collect::<Vec<_>>()
        };
        d.push(format!(
            "files {:?} vs Debian's {:?}",
            names(ours),
            names(debian)
        ));
    }
    d.join("; ")
}

/// Whether every file a line may name is in the working directory or is
/// `/dev/null`: no word holds a `/` but `/dev/null` itself. The tests run
/// both programs as whoever runs them, possibly root, with `-f` on some
/// lines: a line that could write elsewhere (`/dev/nul`, `../x`) is not run.
fn confined(argv: &[Vec<u8>]) -> bool {
    argv.iter()
        .all(|w| !w.contains(&b'/') || w.as_slice() == b"/dev/null")
}

/// The committed inputs of `rdiff_args` (`fuzz/corpus/rdiff_args`,
/// `fuzz/regressions/rdiff_args`) and those of the directories in
/// `RDIFF_ARGS_EXTRA` (separated by `:`, a fuzzing campaign's corpus, say),
/// decoded as the target decodes them.
fn committed() -> Vec<(String, bool, Vec<Vec<u8>>)> {
    let mut cases = Vec::new();
    let mut dirs: Vec<(String, PathBuf)> = ["corpus", "regressions"]
        .iter()
        .map(|kind| (kind.to_string(), fuzz_dir().join(kind).join("rdiff_args")))
        .collect();
    if let Some(extra) = std::env::var_os("RDIFF_ARGS_EXTRA") {
        dirs.extend(std::env::split_paths(&extra).map(|d| (d.display().to_string(), d)));
    }
    for (kind, dir) in dirs {
        let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        for path in paths {
            let (posix, argv) = rdiff_argv(&fs::read(&path).unwrap());
            let name = format!("{kind}/{}", path.file_name().unwrap().to_string_lossy());
            cases.push((name, posix, argv));
        }
    }
    assert!(!cases.is_empty(), "no committed rdiff_args inputs");
    cases
}

#[test]
fn decoding_round_trips() {
    let words: [&[u8]; 4] = [b"-s", b"", b"sig\xff", b"a"];
    for posix in [false, true] {
        let (p, argv) = rdiff_argv(&rdiff_args_input(posix, &words));
        assert_eq!(p, posix);
        assert_eq!(argv[0], b"rdiff");
        assert_eq!(argv[1..], words.map(<[u8]>::to_vec));
    }
    // The empty input: no POSIX mode, one empty word.
    assert_eq!(
        rdiff_argv(b""),
        (false, vec![b"rdiff".to_vec(), Vec::new()])
    );
}

#[test]
fn same_verdict_as_debian() {
    let Some(debian) = reference_rdiff() else {
        return;
    };
    let ours = our_rdiff();
    let scratch = std::env::temp_dir().join(format!("rdiff-args-vs-debian-{}", std::process::id()));
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).unwrap();
    let inputs = Inputs::new(debian, &scratch);
    let lines: usize = std::env::var("RDIFF_ARGS_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let mut cases = committed();
    let n_committed = cases.len();
    for (i, words) in HANDWRITTEN.iter().enumerate() {
        let words: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        let (posix, argv) = rdiff_argv(&rdiff_args_input(false, &words));
        cases.push((format!("handwritten #{i}"), posix, argv));
    }
    let mut rng = Rng::new(10);
    for i in 0..lines {
        let (posix, argv) = generate(&mut rng);
        cases.push((format!("generated #{i}"), posix, argv));
    }
    let (mut identical, mut excluded) = (0, Vec::new());
    let mut codes = BTreeMap::<Option<i32>, usize>::new();
    let mut failures = Vec::new();
    let mut skipped = 0;
    for (name, posix, argv) in &cases {
        if !confined(argv) {
            skipped += 1;
            continue;
        }
        let c = run(debian, *posix, argv, &scratch.join("debian"), &inputs);
        let o = run(&ours, *posix, argv, &scratch.join("ours"), &inputs);
        let line = show(*posix, argv);
        assert!(
            !o.timed_out,
            "{name}: {line}: our rdiff took more than {TIMEOUT:?}"
        );
        // Excluded: Debian's rdiff loops forever in popt's findNextArg
        // (`!#:+` with only words starting with `-` left); ours must end
        // with an exit code.
        if c.timed_out {
            println!(
                "excluded, Debian's rdiff never ends: {name}: {line}; ours: exit {:?}",
                o.code
            );
            excluded.push(line.clone());
            if o.code.is_none() {
                failures.push(format!("{name}: {line}: Debian's rdiff hangs, ours {o:?}"));
            }
            continue;
        }
        // Excluded: Debian's rdiff aborts (M5, a negative buffer size) or
        // is killed; ours must fail with a result code instead.
        if c.code == Some(134) || c.code.is_none() {
            println!(
                "excluded, Debian's rdiff aborts: {name}: {line}; ours: exit {:?}",
                o.code
            );
            excluded.push(line.clone());
            if !matches!(o.code, Some(102) | Some(108)) {
                failures.push(format!(
                    "{name}: {line}: Debian's rdiff aborted ({:?}/{:?}, {:?}), ours gave {:?}/{:?}",
                    c.code, c.signal, c.stderr, o.code, o.signal
                ));
            }
            continue;
        }
        *codes.entry(o.code).or_default() += 1;
        if o == c {
            identical += 1;
        } else {
            failures.push(format!("{name}: {line}: {}", differences(&o, &c)));
        }
    }
    let compared = cases.len() - skipped - excluded.len();
    println!(
        "[rdiff_args vs Debian] identical/total = {identical}/{compared} \
         ({n_committed} corpus and regression inputs, {} by hand, {lines} generated; {} excluded where \
         Debian's rdiff aborts or hangs, {skipped} not run: a name outside the working \
         directory); our exit codes: {codes:?}",
        HANDWRITTEN.len(),
        excluded.len()
    );
    if failures.is_empty() {
        let _ = fs::remove_dir_all(&scratch);
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
