//! Debian's unchanged `/usr/bin/rdiff` on our `librsync.so.2`.
//!
//! Every case runs the same binary twice, as separate processes: once with
//! `LD_LIBRARY_PATH` pointing at a directory whose `librsync.so.2` is a
//! symlink to our `target/<profile>/librsync.so`, once on Debian's library.
//! Exit status, stdout, stderr (with the figures inside `speed[...]`
//! masked) and every output file must be identical. The cases are the corpus
//! of the core engine, the scenarios of librsync 2.3.2's shell tests
//! (signature, delta, triple, changes, mutate, help, bad option) with inputs
//! generated here, slack deltas, and the bad inputs of `bad-inputs.md` §5.
//! Where `DEVIATIONS.md` says we differ from C (C aborts), our documented
//! behaviour is asserted instead.
//!
//! A second test compares the exported symbols with Debian's library.

use librsync_rs_scenarios as common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{corpus, reference_rdiff, scratch, Rng, Tally};

/// Debian's librsync 2.3.2.
const REFERENCE_LIB: &str = "/usr/lib/x86_64-linux-gnu/librsync.so.2";

/// The buffer sizes of librsync's `testcommon.sh`, for `-I` and `-O`.
const BUFSIZES: [&str; 9] = ["0", "1", "2", "3", "7", "15", "100", "10000", "200000"];

const OURS: usize = 0;
const DEBIAN: usize = 1;

/// Prints a loud message and returns `None`, or fails under CI.
fn missing(what: &str) -> Option<()> {
    let msg = format!(
        "\n\n!!!!!!!! {what}: DEBIAN RDIFF ABI TESTS ARE SKIPPED. \
         Install it with `apt-get install rdiff librsync-dev binutils`. !!!!!!!!\n\n"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("{msg}");
    None
}

/// Our library: `target/<profile>/librsync.so` (this test is
/// `target/<profile>/deps/debian_rdiff_abi-XXXX`). `cargo test` alone
/// builds the cdylib next to the test as `deps/librsync.so` without copying
/// it up, so the newer of the two is taken.
fn our_library() -> PathBuf {
    common::our_artifact("librsync.so")
}

/// Replaces the numbers inside every `speed[...]` with `#`.
fn mask_speed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("speed[") {
        let (head, tail) = rest.split_at(at + "speed[".len());
        out.push_str(head);
        let end = tail.find(']').unwrap_or(tail.len());
        let mut in_number = false;
        for c in tail[..end].chars() {
            if c.is_ascii_digit() || (in_number && c == '.') {
                if !in_number {
                    out.push('#');
                }
                in_number = true;
            } else {
                in_number = false;
                out.push(c);
            }
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// What one run of rdiff did.
#[derive(PartialEq)]
struct Observed {
    status: String,
    stdout: Vec<u8>,
    stderr: String,
    files: Vec<Option<Vec<u8>>>,
}

fn status_text(out: &Output) -> String {
    match (out.status.code(), out.status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(sig)) => format!("signal {sig}"),
        _ => "unknown".into(),
    }
}

fn short(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(600)]).into_owned();
    if bytes.len() > 600 {
        format!("{text:?}... ({} bytes)", bytes.len())
    } else {
        format!("{text:?}")
    }
}

fn bytes_diff(a: &[u8], b: &[u8]) -> String {
    let first = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    format!(
        "{} vs {} bytes, first difference at {first}",
        a.len(),
        b.len()
    )
}

fn describe(outputs: &[&str], o: &Observed, d: &Observed) -> String {
    let mut parts = Vec::new();
    if o.status != d.status {
        parts.push(format!("status: ours {} vs debian {}", o.status, d.status));
    }
    if o.stdout != d.stdout {
        parts.push(format!(
            "stdout: {}; ours {} debian {}",
            bytes_diff(&o.stdout, &d.stdout),
            short(&o.stdout),
            short(&d.stdout)
        ));
    }
    if o.stderr != d.stderr {
        parts.push(format!(
            "stderr: ours {:?} vs debian {:?}",
            o.stderr, d.stderr
        ));
    }
    for (i, name) in outputs.iter().enumerate() {
        match (&o.files[i], &d.files[i]) {
            (a, b) if a == b => {}
            (Some(a), Some(b)) => {
                parts.push(format!("file {name}: {}", bytes_diff(a, b)));
            }
            (a, b) => parts.push(format!(
                "file {name}: ours {} vs debian {}",
                if a.is_some() { "exists" } else { "missing" },
                if b.is_some() { "exists" } else { "missing" }
            )),
        }
    }
    parts.join("; ")
}

/// Two working directories, `ours/` and `debian/`, holding the same inputs;
/// each side runs rdiff in its own directory with the same relative names,
/// so that messages naming files are comparable.
struct Abi {
    rdiff: PathBuf,
    root: PathBuf,
    libdir: PathBuf,
    sides: [PathBuf; 2],
}

impl Abi {
    fn new(name: &str) -> Option<Abi> {
        let rdiff = reference_rdiff()?.to_path_buf();
        if !Path::new(REFERENCE_LIB).exists() {
            missing(&format!("Debian's library {REFERENCE_LIB} was not found"))?;
        }
        let lib = our_library();
        let root = scratch(&format!("abi-{name}"));
        let libdir = root.join("lib");
        fs::create_dir_all(&libdir).unwrap();
        std::os::unix::fs::symlink(&lib, libdir.join("librsync.so.2")).unwrap();
        let sides = [root.join("ours"), root.join("debian")];
        for dir in &sides {
            fs::create_dir_all(dir).unwrap();
        }
        let abi = Abi {
            rdiff,
            root,
            libdir,
            sides,
        };
        abi.assert_loads_ours();
        Some(abi)
    }

    fn command(&self, side: usize) -> Command {
        let mut cmd = Command::new(&self.rdiff);
        cmd.current_dir(&self.sides[side]).env("LC_ALL", "C");
        if side == OURS {
            cmd.env("LD_LIBRARY_PATH", &self.libdir);
        } else {
            cmd.env_remove("LD_LIBRARY_PATH");
        }
        cmd.env_remove("LD_PRELOAD");
        cmd
    }

    /// Checks with `LD_DEBUG` (and `ldd` when present) that the first side
    /// really runs on our library and the second on Debian's.
    fn assert_loads_ours(&self) {
        let ours = self.libdir.join("librsync.so.2");
        let init = |side: usize| {
            let out = self
                .command(side)
                .env("LD_DEBUG", "libs")
                .arg("--version")
                .output()
                .expect("run rdiff");
            assert!(out.status.success());
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .filter_map(|l| {
                    l.split_once("calling init: ")
                        .map(|(_, p)| p.trim().to_string())
                })
                .find(|p| p.contains("librsync"))
                .unwrap_or_default()
        };
        assert_eq!(
            init(OURS),
            ours.display().to_string(),
            "LD_DEBUG: rdiff did not load our library"
        );
        let debian = init(DEBIAN);
        assert!(
            !debian.is_empty() && !debian.starts_with(&*self.root.to_string_lossy()),
            "LD_DEBUG: Debian's side loaded {debian:?}"
        );
        assert_eq!(
            fs::canonicalize(&debian).unwrap(),
            fs::canonicalize(REFERENCE_LIB).unwrap()
        );
        assert_ne!(
            fs::canonicalize(&ours).unwrap(),
            fs::canonicalize(REFERENCE_LIB).unwrap()
        );
        let ldd = |side: usize| {
            let mut cmd = Command::new("ldd");
            cmd.arg(&self.rdiff);
            if side == OURS {
                cmd.env("LD_LIBRARY_PATH", &self.libdir);
            } else {
                cmd.env_remove("LD_LIBRARY_PATH");
            }
            cmd.output().ok().map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .find(|l| l.contains("librsync.so.2 =>"))
                    .unwrap_or("")
                    .to_string()
            })
        };
        if let Some(line) = ldd(OURS) {
            assert!(
                line.contains(&format!("=> {} (", ours.display())),
                "ldd: rdiff resolves librsync.so.2 as {line:?}, not ours"
            );
            let line = ldd(DEBIAN).unwrap_or_default();
            assert!(
                !line.contains(&*self.root.to_string_lossy()),
                "ldd: Debian's side resolves {line:?}"
            );
        } else {
            println!("ldd not found; relied on LD_DEBUG");
        }
    }

    /// Writes an input file to both sides.
    fn write(&self, name: &str, data: &[u8]) {
        for dir in &self.sides {
            fs::write(dir.join(name), data).unwrap();
        }
    }

    fn remove(&self, names: &[&str]) {
        for dir in &self.sides {
            for name in names {
                let _ = fs::remove_file(dir.join(name));
            }
        }
    }

    fn read(&self, side: usize, name: &str) -> Option<Vec<u8>> {
        fs::read(self.sides[side].join(name)).ok()
    }

    fn run(&self, side: usize, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut cmd = self.command(side);
        cmd.args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn rdiff");
        let pipe = child.stdin.take();
        std::thread::scope(|s| {
            if let (Some(mut pipe), Some(data)) = (pipe, stdin) {
                // The child may exit without reading everything.
                s.spawn(move || {
                    let _ = pipe.write_all(data);
                });
            }
            child.wait_with_output().expect("wait for rdiff")
        })
    }

    fn observe(
        &self,
        side: usize,
        args: &[&str],
        stdin: Option<&[u8]>,
        outputs: &[&str],
    ) -> Observed {
        let out = self.run(side, args, stdin);
        Observed {
            status: status_text(&out),
            stdout: out.stdout,
            stderr: mask_speed(&String::from_utf8_lossy(&out.stderr)),
            files: outputs.iter().map(|n| self.read(side, n)).collect(),
        }
    }

    /// Runs `rdiff args` on both libraries (side `i` reads `stdin[i]` from a
    /// pipe) and counts whether everything observable is identical.
    fn compare_with(
        &self,
        tally: &mut Tally,
        args: &[&str],
        stdin: [Option<&[u8]>; 2],
        outputs: &[&str],
    ) -> [Observed; 2] {
        let ours = self.observe(OURS, args, stdin[OURS], outputs);
        let debian = self.observe(DEBIAN, args, stdin[DEBIAN], outputs);
        tally.check(ours == debian, || {
            format!(
                "rdiff {}{}: {}",
                args.join(" "),
                if stdin[0].is_some() { " <pipe" } else { "" },
                describe(outputs, &ours, &debian)
            )
        });
        [ours, debian]
    }

    fn compare(&self, tally: &mut Tally, args: &[&str], outputs: &[&str]) -> [Observed; 2] {
        self.compare_with(tally, args, [None, None], outputs)
    }

    fn compare_piped(
        &self,
        tally: &mut Tally,
        args: &[&str],
        stdin: &[u8],
        outputs: &[&str],
    ) -> [Observed; 2] {
        self.compare_with(tally, args, [Some(stdin), Some(stdin)], outputs)
    }

    fn finish(self, tally: Tally) {
        let ok = tally.failures.is_empty();
        tally.finish();
        if ok {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}

// ---------------------------------------------------------------------------
// Library identity

#[test]
fn rdiff_loads_our_library() {
    // Abi::new asserts it with LD_DEBUG and ldd.
    if let Some(abi) = Abi::new("loads") {
        println!("our library: {}", our_library().display());
        let mut tally = Tally::new("abi loads ours: --version");
        abi.compare(&mut tally, &["--version"], &[]);
        abi.finish(tally);
    }
}

fn tool(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn nm_symbols(lib: &Path) -> BTreeMap<String, (String, Option<u64>)> {
    let out = Command::new("nm")
        .args(["-D", "--defined-only", "-S"])
        .arg(lib)
        .output()
        .expect("nm");
    assert!(out.status.success(), "nm -D {}", lib.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            match f.len() {
                4 => Some((
                    f[3].to_string(),
                    (f[2].to_string(), u64::from_str_radix(f[1], 16).ok()),
                )),
                3 => Some((f[2].to_string(), (f[1].to_string(), None))),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn exported_symbols_match_debian() {
    if !Path::new(REFERENCE_LIB).exists() {
        missing(&format!("Debian's library {REFERENCE_LIB} was not found"));
        return;
    }
    if !tool("nm") || !tool("readelf") {
        missing("nm or readelf (binutils) was not found");
        return;
    }
    let ours = our_library();
    let want = nm_symbols(Path::new(REFERENCE_LIB));
    let got = nm_symbols(&ours);
    assert_eq!(want.len(), 40, "Debian's library: {want:?}");
    let names = |m: &BTreeMap<String, (String, Option<u64>)>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&got), names(&want), "exported symbol names");
    let mut data = 0;
    for (name, (kind, size)) in &want {
        let (our_kind, our_size) = &got[name];
        assert_eq!(our_kind, kind, "symbol type of {name}");
        if kind != "T" {
            data += 1;
            assert_eq!(our_size, size, "size of data object {name}");
        }
    }
    assert_eq!(data, 5, "data objects");
    assert_eq!(got["rs_librsync_version"].1, Some(15));
    assert_eq!(got["rs_inbuflen"], ("B".to_string(), Some(4)));

    let dynamic = Command::new("readelf")
        .arg("-d")
        .arg(&ours)
        .output()
        .unwrap();
    let dynamic = String::from_utf8_lossy(&dynamic.stdout);
    let sonames: Vec<&str> = dynamic.lines().filter(|l| l.contains("(SONAME)")).collect();
    assert_eq!(sonames.len(), 1, "{dynamic}");
    assert!(
        sonames[0].ends_with("Library soname: [librsync.so.2]"),
        "{}",
        sonames[0]
    );

    // No symbol versions defined: no .gnu.version_d section, and the
    // exported names carry no version.
    for lib in [ours.as_path(), Path::new(REFERENCE_LIB)] {
        let versions = Command::new("readelf").arg("-V").arg(lib).output().unwrap();
        let versions = String::from_utf8_lossy(&versions.stdout);
        assert!(
            !versions.contains("Version definition section"),
            "{} defines symbol versions:\n{versions}",
            lib.display()
        );
    }
    let syms = Command::new("readelf")
        .args(["--dyn-syms", "-W"])
        .arg(&ours)
        .output()
        .unwrap();
    for line in String::from_utf8_lossy(&syms.stdout).lines() {
        if let Some(name) = line.split_whitespace().nth(7) {
            let base = name.split('@').next().unwrap();
            if want.contains_key(base) {
                assert_eq!(name, base, "exported symbol with a version: {line}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The corpus of the core engine (tests/common, shared with differential.rs)

const CORPUS_BLOCKS: [&str; 6] = ["1", "7", "64", "256", "2048", "default"];
const STRONG: [&str; 3] = ["0", "-1", "8"];

/// signature, delta and patch of the corpus for one hash and rollsum, at
/// every block and strong length, with and without `-s`.
fn corpus_case(hash: &'static str, rollsum: &'static str, name: &'static str) {
    let Some(abi) = Abi::new(&format!("corpus-{hash}-{rollsum}")) else {
        return;
    };
    let mut tally = Tally::new(name);
    let corpus = corpus();
    for o in &corpus {
        abi.write(&format!("{}.old", o.name), &o.data);
        for (n, data) in &o.news {
            abi.write(&format!("{}.{n}.new", o.name), data);
        }
    }
    for (bi, block) in CORPUS_BLOCKS.iter().enumerate() {
        for (si, strong) in STRONG.iter().enumerate() {
            let stats = (bi + si) % 2 == 0;
            let mut common = vec!["-f"];
            if stats {
                common.push("-s");
            }
            let mut sig_args = common.clone();
            sig_args.extend(["-H", hash, "-R", rollsum, "-S", strong]);
            if *block != "default" {
                sig_args.extend(["-b", block]);
            }
            for o in &corpus {
                // Tiny blocks of big files make huge signatures; keep them
                // to the small files.
                if o.data.len() > 100_000 && bi < 3 {
                    continue;
                }
                let old_name = format!("{}.old", o.name);
                let mut a = sig_args.clone();
                a.extend(["signature", &old_name, "sig"]);
                abi.compare(&mut tally, &a, &["sig"]);
                for (n, new) in &o.news {
                    let new_name = format!("{}.{n}.new", o.name);
                    let mut a = common.clone();
                    a.extend(["delta", "sig", &new_name, "delta"]);
                    abi.compare(&mut tally, &a, &["delta"]);
                    let mut a = common.clone();
                    a.extend(["patch", &old_name, "delta", "out"]);
                    let [ours, _] = abi.compare(&mut tally, &a, &["out"]);
                    assert_eq!(ours.files[0].as_ref(), Some(new), "round trip: {a:?}");
                }
            }
        }
    }
    abi.finish(tally);
}

#[test]
fn corpus_md4_rollsum() {
    corpus_case("md4", "rollsum", "abi corpus md4+rollsum");
}

#[test]
fn corpus_md4_rabinkarp() {
    corpus_case("md4", "rabinkarp", "abi corpus md4+rabinkarp");
}

#[test]
fn corpus_blake2_rollsum() {
    corpus_case("blake2", "rollsum", "abi corpus blake2+rollsum");
}

#[test]
fn corpus_blake2_rabinkarp() {
    corpus_case("blake2", "rabinkarp", "abi corpus blake2+rabinkarp");
}

// ---------------------------------------------------------------------------
// librsync's shell tests (spec §6.2), with inputs generated here

/// Text standing in for COPYING (26532 bytes) and a file sharing half of it.
fn copying_and_half() -> (Vec<u8>, Vec<u8>) {
    let mut rng = Rng::new(26532);
    let copying = rng.text(26532);
    let mut half = copying[..5240].to_vec();
    half.extend_from_slice(&copying[15_000..20_240]);
    (copying, half)
}

/// signature.test: every rollsum, hash and strong length at every `-I`.
#[test]
fn shell_signature() {
    let Some(abi) = Abi::new("signature") else {
        return;
    };
    let mut tally = Tally::new("abi shell signature.test");
    abi.write("01.in", &copying_and_half().0);
    for rollsum in ["rollsum", "rabinkarp"] {
        for hash in ["md4", "blake2"] {
            for strong in STRONG {
                for buf in BUFSIZES {
                    let opts = [
                        format!("-R{rollsum}"),
                        format!("-H{hash}"),
                        format!("-S{strong}"),
                        format!("-I{buf}"),
                    ];
                    let mut a: Vec<&str> = opts.iter().map(String::as_str).collect();
                    a.extend(["-f", "signature", "01.in", "sig"]);
                    abi.compare(&mut tally, &a, &["sig"]);
                }
            }
        }
    }
    abi.finish(tally);
}

/// Encodes a literal command with the opcode width `width` (0 = immediate).
fn literal(width: usize, data: &[u8]) -> Vec<u8> {
    let len = data.len() as u64;
    let mut out = match width {
        0 => vec![len as u8],
        1 => vec![0x41, len as u8],
        2 => [vec![0x42], (len as u16).to_be_bytes().to_vec()].concat(),
        4 => [vec![0x43], (len as u32).to_be_bytes().to_vec()].concat(),
        _ => [vec![0x44], len.to_be_bytes().to_vec()].concat(),
    };
    out.extend_from_slice(data);
    out
}

/// A COPY command with 2-byte position and length.
fn copy(pos: u16, len: u16) -> Vec<u8> {
    [
        vec![0x4a],
        pos.to_be_bytes().to_vec(),
        len.to_be_bytes().to_vec(),
    ]
    .concat()
}

const DELTA_MAGIC: [u8; 4] = [0x72, 0x73, 0x02, 0x36];

fn delta(commands: &[Vec<u8>]) -> Vec<u8> {
    let mut out = DELTA_MAGIC.to_vec();
    for c in commands {
        out.extend_from_slice(c);
    }
    out.push(0);
    out
}

/// delta.test: hand-made deltas applied to /dev/null at every `-I`, then a
/// patch without `-f` onto an existing file.
#[test]
fn shell_delta() {
    let Some(abi) = Abi::new("delta") else {
        return;
    };
    let mut tally = Tally::new("abi shell delta.test");
    let mut rng = Rng::new(3);
    let deltas = [
        delta(&[]),
        delta(&[literal(0, b"hello")]),
        delta(&[literal(0, b"hello"), literal(0, b" world\n")]),
        delta(&[literal(1, &rng.text(200))]),
        delta(&[literal(2, &rng.bytes(1000)), literal(0, &[0; 64])]),
        delta(&[literal(4, &rng.bytes(70_000))]),
        delta(&[literal(8, b"eight"), literal(0, b"!")]),
    ];
    for (i, d) in deltas.iter().enumerate() {
        let name = format!("{i:02}.delta");
        abi.write(&name, d);
        for buf in BUFSIZES {
            let a = format!("-I{buf}");
            let [o, _] = abi.compare(
                &mut tally,
                &[&a, "-f", "patch", "/dev/null", &name, "new"],
                &["new"],
            );
            assert_eq!(o.status, "exit 0", "patch /dev/null {name}: {}", o.stderr);
        }
    }
    // Without -f an existing output is refused (exit 100) and left alone.
    let kept = b"File exists \".*\", aborting!\n";
    abi.write("new", kept);
    let observed = abi.compare(
        &mut tally,
        &["patch", "/dev/null", "02.delta", "new"],
        &["new"],
    );
    for o in &observed {
        assert_eq!(o.status, "exit 100");
        assert!(
            o.stderr.contains("File exists \"new\", aborting!"),
            "{}",
            o.stderr
        );
        assert_eq!(o.files[0].as_deref(), Some(&kept[..]));
    }
    abi.finish(tally);
}

/// One signature → delta → patch round trip in files (`triple_test`).
/// Asserts that our side rebuilt `want`.
fn triple_files(abi: &Abi, tally: &mut Tally, opts: &[&str], old: &str, new: &str, want: &[u8]) {
    let run = |tally: &mut Tally, tail: &[&str], out: &str| {
        let a = [opts, &["-f"], tail].concat();
        abi.compare(tally, &a, &[out])
    };
    run(tally, &["signature", old, "sig"], "sig");
    run(tally, &["delta", "sig", new, "delta"], "delta");
    let [ours, _] = run(tally, &["patch", old, "delta", "out"], "out");
    assert_eq!(
        ours.files[0].as_deref(),
        Some(want),
        "round trip {opts:?} {old} {new}"
    );
}

/// The same through pipes: the basis piped into `signature`, the signature
/// piped into `delta -`, the delta piped into `patch`.
fn triple_pipes(
    abi: &Abi,
    tally: &mut Tally,
    opts: &[&str],
    old: &[u8],
    old_name: &str,
    new: &str,
    want: &[u8],
) {
    let [sig_o, sig_d] = abi.compare_piped(tally, &[opts, &["signature"]].concat(), old, &[]);
    let [delta_o, delta_d] = abi.compare_with(
        tally,
        &[opts, &["delta", "-", new]].concat(),
        [Some(&sig_o.stdout), Some(&sig_d.stdout)],
        &[],
    );
    let [ours, _] = abi.compare_with(
        tally,
        &[opts, &["patch", old_name]].concat(),
        [Some(&delta_o.stdout), Some(&delta_d.stdout)],
        &[],
    );
    assert_eq!(
        ours.stdout, want,
        "piped round trip {opts:?} {old_name} {new}"
    );
}

/// triple.test: every old × new of four files, md4 and blake2, every
/// buffer size, in files and through pipes.
#[test]
fn shell_triple() {
    let Some(abi) = Abi::new("triple") else {
        return;
    };
    let mut tally = Tally::new("abi shell triple.test");
    let (copying, half) = copying_and_half();
    let files: [(&str, Vec<u8>); 4] = [
        ("copying.in", copying),
        ("half.in", half),
        ("hello.in", b"hello!\n".to_vec()),
        ("zero.in", vec![]),
    ];
    for (name, data) in &files {
        abi.write(name, data);
    }
    for buf in BUFSIZES {
        let i = format!("-I{buf}");
        let o = format!("-O{buf}");
        for (old, old_data) in &files {
            for (new, new_data) in &files {
                for hash in ["-Hmd4", "-Hblake2"] {
                    let opts = [hash, i.as_str(), o.as_str()];
                    triple_files(&abi, &mut tally, &opts, old, new, new_data);
                    triple_pipes(&abi, &mut tally, &opts, old_data, old, new, new_data);
                }
            }
        }
    }
    abi.finish(tally);
}

/// Every `-I` with every `-O`, independently, for one pair and both hashes.
#[test]
fn shell_triple_input_output_sizes() {
    let Some(abi) = Abi::new("triple-io") else {
        return;
    };
    let mut tally = Tally::new("abi -I x -O cross product");
    let (copying, half) = copying_and_half();
    abi.write("copying.in", &copying);
    abi.write("half.in", &half);
    for (n, inbuf) in BUFSIZES.iter().enumerate() {
        for (m, outbuf) in BUFSIZES.iter().enumerate() {
            let i = format!("-I{inbuf}");
            let o = format!("-O{outbuf}");
            let hash = if (n + m) % 2 == 0 {
                "-Hmd4"
            } else {
                "-Hblake2"
            };
            let opts = [hash, "-s", i.as_str(), o.as_str()];
            triple_files(&abi, &mut tally, &opts, "half.in", "copying.in", &copying);
            triple_pipes(
                &abi,
                &mut tally,
                &opts,
                &half,
                "half.in",
                "copying.in",
                &copying,
            );
        }
    }
    abi.finish(tally);
}

/// changes.test: a file against edited versions of it, both directions, with
/// the default hash, md4 and blake2, at every buffer size (block 2048 as in
/// `triple_test`).
#[test]
fn shell_changes() {
    let Some(abi) = Abi::new("changes") else {
        return;
    };
    let mut tally = Tally::new("abi shell changes.test");
    let mut rng = Rng::new(4818);
    let first = rng.text(4818);
    let mut second = first.clone();
    second.drain(2_000..2_113);
    let mut third = first.clone();
    third[100..140].copy_from_slice(&rng.text(40));
    third.splice(3_000..3_000, rng.text(55));
    third.drain(4_000..4_100);
    let fourth = [first.clone(), first.clone()].concat();
    let files: [(&str, Vec<u8>); 7] = [
        ("01.in", first),
        ("02.in", second),
        ("03.in", third),
        ("04.in", fourth),
        ("05.in", rng.bytes(7168)),
        ("06.in", vec![]),
        ("07.in", b"hello\n".to_vec()),
    ];
    for (name, data) in &files {
        abi.write(name, data);
    }
    for (b, buf) in BUFSIZES.iter().enumerate() {
        let i = format!("-I{buf}");
        let o = format!("-O{buf}");
        for (new, _) in &files {
            for hash in [None, Some("-Hmd4"), Some("-Hblake2")] {
                let mut opts: Vec<&str> = hash.into_iter().collect();
                opts.extend([i.as_str(), o.as_str()]);
                if b % 3 == 0 {
                    opts.push("-s");
                }
                let sig = [&opts[..], &["--block-size=2048"]].concat();
                for (x, y) in [("01.in", *new), (*new, "01.in")] {
                    abi.compare(
                        &mut tally,
                        &[&sig[..], &["-f", "signature", x, "sig"]].concat(),
                        &["sig"],
                    );
                    abi.compare(
                        &mut tally,
                        &[&opts[..], &["-f", "delta", "sig", y, "delta"]].concat(),
                        &["delta"],
                    );
                    abi.compare(
                        &mut tally,
                        &[&opts[..], &["-f", "patch", x, "delta", "out"]].concat(),
                        &["out"],
                    );
                }
            }
        }
    }
    abi.finish(tally);
}

/// Like tests/mutate.pl: 1 to `max` edits, each a copy-and-overwrite, a
/// copy-and-insert or a delete, with lengths from `rand * rand(len)`.
fn mutate_like_upstream(rng: &mut Rng, data: &[u8], max: usize) -> Vec<u8> {
    let mut corpus = data.to_vec();
    let frac = |rng: &mut Rng, n: usize| {
        if n == 0 {
            0
        } else {
            rng.below(n) * rng.below(1001) / 1000
        }
    };
    for _ in 0..1 + rng.below(max) {
        let len = corpus.len();
        let at = |rng: &mut Rng| if len == 0 { 0 } else { rng.below(len) };
        let from = at(rng);
        let from_len = frac(rng, len).min(len - from);
        let to = at(rng);
        let to_len = frac(rng, len).min(len - to);
        let piece = corpus[from..from + from_len].to_vec();
        match rng.below(3) {
            0 => {
                corpus.splice(to..to + to_len, piece);
            }
            1 => {
                corpus.splice(to..to, piece);
            }
            _ => {
                corpus.drain(to..to + to_len);
            }
        }
    }
    corpus
}

/// mutate.test: random edits of a source-like file, default options and
/// each hash.
#[test]
fn shell_mutate() {
    let Some(abi) = Abi::new("mutate") else {
        return;
    };
    let mut tally = Tally::new("abi shell mutate.test");
    let mut rng = Rng::new(100);
    let old = rng.text(90_000);
    abi.write("old", &old);
    for i in 0..50 {
        let new = mutate_like_upstream(&mut rng, &old, 5);
        abi.write("new", &new);
        for hash in [None, Some("-Hmd4"), Some("-Hblake2")] {
            let h: Vec<&str> = hash.into_iter().collect();
            let stats: &[&str] = if i % 5 == 0 { &["-s"] } else { &[] };
            abi.compare(
                &mut tally,
                &[&h[..], stats, &["-f", "signature", "old", "sig"]].concat(),
                &["sig"],
            );
            abi.compare(
                &mut tally,
                &[stats, &["-f", "delta", "sig", "new", "delta"]].concat(),
                &["delta"],
            );
            let [o, _] = abi.compare(
                &mut tally,
                &[stats, &["-f", "patch", "old", "delta", "out"]].concat(),
                &["out"],
            );
            assert_eq!(
                o.files[0].as_deref(),
                Some(&new[..]),
                "mutate {i}: patched file"
            );
        }
    }
    abi.finish(tally);
}

/// help.test, rdiff_bad_option, and the rest of the command line that goes
/// through the library (version string, trace support, file opening).
#[test]
fn help_version_and_options() {
    let Some(abi) = Abi::new("options") else {
        return;
    };
    let mut tally = Tally::new("abi help/version/options");
    let mut rng = Rng::new(7);
    let basis = rng.text(5000);
    abi.write("basis", &basis);
    abi.write("new", &rng.mutate(&basis, 3));
    // A signature and a delta made by Debian's library, restored before
    // every case.
    let sig = abi.run(DEBIAN, &["signature", "basis"], None).stdout;
    abi.write("sig", &sig);
    let delta = abi.run(DEBIAN, &["delta", "sig", "new"], None).stdout;
    let [help, _] = abi.compare(&mut tally, &["--help"], &[]);
    assert!(String::from_utf8_lossy(&help.stdout).contains(" --statistics"));
    let [version, _] = abi.compare(&mut tally, &["--version"], &[]);
    assert!(String::from_utf8_lossy(&version.stdout).contains("Copyright"));
    let [bad, _] = abi.compare(&mut tally, &["--imaginary-option"], &[]);
    assert_ne!(bad.status, "exit 0");
    assert!(bad.stderr.contains("unknown option: --imaginary-option"));
    let cases: &[&[&str]] = &[
        &["-h"],
        &["-?"],
        &["-V"],
        &[],
        &["frobnicate"],
        &["-z", "signature", "basis", "sig"],
        &["--gzip", "signature", "basis", "sig"],
        &["-i", "signature", "basis", "sig"],
        &["--bzip2=9", "signature", "basis", "sig"],
        &["-I", "abc", "signature", "basis", "sig"],
        &["-b", "99999999999", "signature", "basis", "sig"],
        &["--block-size=", "signature", "basis", "sig"],
        &["-H", "sha1", "signature", "basis", "sig"],
        &["-R", "adler", "signature", "basis", "sig"],
        &["--hash=md5", "-f", "delta", "sig", "new", "delta"],
        &["delta"],
        &["patch"],
        &["-f", "signature", "basis", "sig", "extra"],
        &["-f", "delta", "sig", "new", "delta", "extra"],
        &["-f", "patch", "basis", "delta", "out", "extra"],
        &["-f", "s", "basis", "sig"],
        &["-f", "sig", "basis", "sig"],
        &["-f", "-v", "signature", "basis", "sig"],
        &["-f", "--verbose", "-s", "d", "sig", "new", "delta"],
        &["-f", "-v", "p", "basis", "delta", "out"],
        &[
            "-f",
            "--force",
            "--hash=md4",
            "--rollsum=rollsum",
            "--sum-size=8",
            "signature",
            "basis",
            "sig",
        ],
        &[
            "-f",
            "--block-size=0x100",
            "--stats",
            "signature",
            "basis",
            "sig",
        ],
        &[
            "-f",
            "--statistics",
            "--input-size=7",
            "--output-size=3",
            "delta",
            "sig",
            "new",
            "delta",
        ],
        &["-f", "-s", "patch", "basis", "delta", "out"],
        &["-f", "-s", "--", "signature", "basis", "sig"],
        &["-f", "-b", "010", "signature", "basis", "sig"],
        &["-f", "-S", "-1", "-H", "md4", "signature", "basis", "sig"],
    ];
    for a in cases {
        abi.remove(&["out"]);
        abi.write("sig", &sig);
        abi.write("delta", &delta);
        abi.compare(&mut tally, a, &["sig", "delta", "out"]);
    }
    // Reading the basis or new file from stdin, writing to stdout.
    let [piped_sig, _] = abi.compare_piped(&mut tally, &["-s", ""], &basis, &[]);
    assert_eq!(piped_sig.status, "exit 0");
    abi.compare_piped(&mut tally, &["signature"], &basis, &[]);
    abi.write("sig", &piped_sig.stdout);
    abi.compare_piped(
        &mut tally,
        &["-s", "delta", "sig"],
        &rng.mutate(&basis, 2),
        &[],
    );
    abi.compare_piped(&mut tally, &["delta", "sig", "-", "-"], &basis, &[]);
    // Two inputs on one stdin.
    abi.compare_piped(&mut tally, &["-s", "delta", "-", "-"], &sig, &[]);
    abi.compare_piped(&mut tally, &["-s", "patch", "-", "-"], &delta, &[]);
    abi.finish(tally);
}

/// Slack deltas: the signature of an empty file, so every byte is a
/// literal, whose chunking follows the input buffer size.
#[test]
fn slack_deltas() {
    let Some(abi) = Abi::new("slack") else {
        return;
    };
    let mut tally = Tally::new("abi slack deltas");
    let mut rng = Rng::new(99);
    let new = rng.bytes(100_000);
    abi.write("empty", b"");
    abi.write("new", &new);
    abi.write("small", b"tiny");
    for hash in ["md4", "blake2"] {
        abi.compare(
            &mut tally,
            &["-f", "-H", hash, "signature", "empty", "sig"],
            &["sig"],
        );
        for buf in BUFSIZES {
            let i = format!("-I{buf}");
            let o = format!("-O{buf}");
            for (opts, input) in [
                (vec![i.as_str()], "new"),
                (vec![i.as_str(), o.as_str(), "-s"], "new"),
                (vec![i.as_str()], "small"),
                (vec![i.as_str()], "empty"),
            ] {
                abi.compare(
                    &mut tally,
                    &[&opts[..], &["-f", "delta", "sig", input, "delta"]].concat(),
                    &["delta"],
                );
                abi.compare(
                    &mut tally,
                    &[&opts[..], &["-f", "patch", "empty", "delta", "out"]].concat(),
                    &["out"],
                );
            }
            // The new file through a pipe.
            abi.compare_piped(&mut tally, &[i.as_str(), "delta", "sig"], &new, &[]);
        }
    }
    abi.finish(tally);
}

// ---------------------------------------------------------------------------
// Bad inputs (bad-inputs.md §5) and errors

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn bad_signatures() {
    let Some(abi) = Abi::new("bad-sigs") else {
        return;
    };
    let mut tally = Tally::new("abi bad signatures (S1-S16)");
    let mut rng = Rng::new(5);
    let basis = rng.bytes(4000);
    let new = rng.mutate(&basis, 3);
    abi.write("basis", &basis);
    abi.write("new", &new);
    // A real signature, made by Debian's library, to corrupt.
    let real = abi
        .run(DEBIAN, &["-b", "256", "signature", "basis"], None)
        .stdout;
    let real_md4 = abi
        .run(
            DEBIAN,
            &[
                "-H",
                "md4",
                "-R",
                "rollsum",
                "-b",
                "256",
                "signature",
                "basis",
            ],
            None,
        )
        .stdout;
    assert_eq!(real.len(), 12 + 16 * 36);
    let blocks = &real[12..];
    let header = |magic: &str, block: &str, strong: &str| hex(&format!("{magic}{block}{strong}"));
    let mut sigs: Vec<(String, Vec<u8>)> = vec![
        ("S1 empty".into(), vec![]),
        ("S2 1 byte".into(), real[..1].to_vec()),
        ("S2 4 bytes".into(), real[..4].to_vec()),
        ("S2 11 bytes".into(), real[..11].to_vec()),
        (
            "S3 unknown magic".into(),
            header("deadbeef", "00000800", "00000020"),
        ),
        ("S4 unknown magic truncated".into(), hex("deadbeef0000")),
        (
            "S5 delta magic".into(),
            header("72730236", "00000800", "00000020"),
        ),
        (
            "S6 magic 0".into(),
            [header("00000000", "00000100", "00000020"), blocks.to_vec()].concat(),
        ),
        (
            "S7 block 0".into(),
            header("72730147", "00000000", "00000020"),
        ),
        (
            "S7 block 2^31".into(),
            header("72730147", "80000000", "00000020"),
        ),
        (
            "S7 block -1".into(),
            header("72730147", "ffffffff", "00000020"),
        ),
        (
            "S8 block 2^31-1".into(),
            header("72730147", "7fffffff", "00000020"),
        ),
        (
            "S9 strong 0".into(),
            [header("72730147", "00000100", "00000000"), blocks.to_vec()].concat(),
        ),
        (
            "S10 strong 33".into(),
            header("72730147", "00000100", "00000021"),
        ),
        (
            "S10 strong -1".into(),
            header("72730147", "00000100", "ffffffff"),
        ),
        (
            "S11 md4 strong 17".into(),
            header("72730136", "00000100", "00000011"),
        ),
        (
            "S11 rk-md4 strong 32".into(),
            header("72730146", "00000100", "00000020"),
        ),
        ("S12 header only".into(), real[..12].to_vec()),
        (
            "S15 identical blocks".into(),
            [real.clone(), blocks.to_vec(), blocks.to_vec()].concat(),
        ),
        ("md4 real".into(), real_md4.clone()),
        (
            "md4 strong 0".into(),
            [
                header("72730136", "00000100", "00000000"),
                real_md4[12..].to_vec(),
            ]
            .concat(),
        ),
    ];
    for n in 1..=3 {
        sigs.push((
            format!("S13 {n} stray bytes"),
            [real.clone(), vec![0xa5; n]].concat(),
        ));
    }
    for n in [4, 5, 20, 35] {
        sigs.push((
            format!("S14 partial block {n}"),
            [real.clone(), blocks[..n].to_vec()].concat(),
        ));
    }
    for cut in [12, 13, 15, 16, 17, 40, real.len() - 1] {
        sigs.push((format!("truncated at {cut}"), real[..cut].to_vec()));
    }
    // Corruption: flipped bits in a weak and in a strong sum.
    let mut weak = real.clone();
    weak[12 + 36 * 3] ^= 1;
    let mut strong = real.clone();
    strong[12 + 36 * 5 + 10] ^= 0x80;
    sigs.push(("corrupt weak sum".into(), weak));
    sigs.push(("corrupt strong sum".into(), strong));
    // S16: many blocks with one weak sum and different strong sums.
    let mut flood = header("72730147", "00000100", "00000008");
    for i in 0..3000u32 {
        flood.extend_from_slice(&real[12..16]);
        flood.extend_from_slice(&[0; 4]);
        flood.extend_from_slice(&i.to_be_bytes());
    }
    sigs.push(("S16 weak-sum flood".into(), flood));
    for (what, sig) in &sigs {
        abi.write("bad.sig", sig);
        for opts in [&["-f"][..], &["-f", "-s", "-I1", "-O7"][..]] {
            abi.remove(&["delta"]);
            let a = [opts, &["delta", "bad.sig", "new", "delta"]].concat();
            let before = tally.failures.len();
            abi.compare(&mut tally, &a, &["delta"]);
            if tally.failures.len() > before {
                tally
                    .failures
                    .last_mut()
                    .unwrap()
                    .insert_str(0, &format!("{what}: "));
            }
        }
    }
    abi.finish(tally);
}

#[test]
fn bad_deltas() {
    let Some(abi) = Abi::new("bad-deltas") else {
        return;
    };
    let mut tally = Tally::new("abi bad deltas (P1-P21)");
    let mut rng = Rng::new(6);
    let basis = rng.bytes(1000);
    abi.write("basis", &basis);
    let with_magic = |h: &str| [DELTA_MAGIC.to_vec(), hex(h)].concat();
    let mut deltas: Vec<(&str, Vec<u8>)> = vec![
        ("P1 empty", vec![]),
        ("P2 1 byte", DELTA_MAGIC[..1].to_vec()),
        ("P2 3 bytes", DELTA_MAGIC[..3].to_vec()),
        ("P3 signature magic", hex("7273014700")),
        ("P4 magic only", DELTA_MAGIC.to_vec()),
        ("P5 end", with_magic("00")),
        ("P6 trailing garbage", with_magic("00410909")),
        ("P7 truncated literal", with_magic("0568656c")),
        ("P8 no end", with_magic("0568656c6c6f 4a00000010")),
        ("P9 literal len 0 (41)", with_magic("4100")),
        ("P9 literal len 0 (42)", with_magic("420000")),
        ("P10 literal 2^63", with_magic("448000000000000000")),
        ("P11 huge literal", with_magic("447fffffffffffffff616263")),
        ("P11 literal 2^32+1", with_magic("440000000100000001")),
        ("P12 41 truncated", with_magic("41")),
        ("P12 43 truncated", with_magic("430001")),
        ("P12 4f truncated", with_magic("4f00000000")),
        ("P13 copy len 0", with_magic("450000")),
        ("P14 copy pos < 0", with_magic("51ffffffffffffffff0a")),
        ("P14 copy len < 0", with_magic("4800ffffffffffffffff")),
        ("P15 copy beyond basis", with_magic("4913880a")),
        ("P16 copy at basis end", with_magic("4903e801")),
        ("P17 copy straddles end", with_magic("4a03de0064")),
        ("P18 copy 1e6", with_magic("4f00000000000f4240")),
        (
            "P19 copy near 2^63",
            with_magic("5440000000000000004000000000000005"),
        ),
        ("P20 opcode 55", with_magic("55")),
        ("P20 opcode 80", with_magic("80")),
        ("P20 opcode ff", with_magic("ff00")),
    ];
    let mut bomb = Vec::new();
    for _ in 0..20 {
        bomb.push(copy(0, 1000));
    }
    deltas.push(("P21 copy bomb", delta(&bomb)));
    // A real delta and its truncations: partial output depends on the
    // buffer sizes and must match.
    let new = [
        b"head".to_vec(),
        basis[..300].to_vec(),
        rng.bytes(500),
        basis[200..900].to_vec(),
    ]
    .concat();
    abi.write("new", &new);
    let real = delta(&[
        literal(0, b"head"),
        copy(0, 300),
        literal(2, &new[304..804]),
        copy(200, 700),
    ]);
    deltas.push(("hand-made real", real.clone()));
    let cuts = [5, 6, 9, 10, 14, 100, 300, 508, 509, 513, real.len() - 1];
    let truncated: Vec<(String, Vec<u8>)> = cuts
        .iter()
        .map(|&c| (format!("truncated at {c}"), real[..c].to_vec()))
        .collect();
    let mut corrupt = real.clone();
    corrupt[10] = 0xff; // a COPY position far beyond the basis
    let all: Vec<(String, Vec<u8>)> = deltas
        .into_iter()
        .map(|(w, d)| (w.to_string(), d))
        .chain(truncated)
        .chain([("corrupt copy".to_string(), corrupt)])
        .collect();
    for (what, d) in &all {
        abi.write("bad.delta", d);
        for opts in [
            &["-f"][..],
            &["-f", "-s", "-I1", "-O1"][..],
            &["-f", "-I7", "-O100"][..],
        ] {
            abi.remove(&["out"]);
            let before = tally.failures.len();
            abi.compare(
                &mut tally,
                &[opts, &["patch", "basis", "bad.delta", "out"]].concat(),
                &["out"],
            );
            // The delta through a pipe and the output to stdout.
            abi.compare_piped(&mut tally, &[opts, &["patch", "basis"]].concat(), d, &[]);
            if tally.failures.len() > before {
                for f in &mut tally.failures[before..] {
                    f.insert_str(0, &format!("{what}: "));
                }
            }
        }
    }
    // A basis on a pipe: fine until a COPY needs to seek.
    abi.write("copy.delta", &real);
    abi.write("literal.delta", &delta(&[literal(0, b"no copy")]));
    let [o, _] = abi.compare_piped(
        &mut tally,
        &["-f", "patch", "-", "copy.delta", "out"],
        &basis,
        &["out"],
    );
    assert_eq!(o.status, "exit 100");
    assert!(
        o.stderr.contains("seek failed: Illegal seek"),
        "{}",
        o.stderr
    );
    abi.compare_piped(
        &mut tally,
        &["-f", "-s", "patch", "-", "literal.delta", "out"],
        &basis,
        &["out"],
    );
    // /dev/null as a basis with a COPY.
    abi.compare(
        &mut tally,
        &["-f", "patch", "/dev/null", "copy.delta", "out"],
        &["out"],
    );
    abi.finish(tally);
}

#[test]
fn file_and_parameter_errors() {
    let Some(abi) = Abi::new("errors") else {
        return;
    };
    let mut tally = Tally::new("abi file and parameter errors");
    let mut rng = Rng::new(8);
    abi.write("basis", &rng.text(3000));
    abi.write("new", &rng.text(3000));
    abi.run(OURS, &["signature", "basis", "sig"], None);
    abi.run(DEBIAN, &["signature", "basis", "sig"], None);
    abi.run(OURS, &["delta", "sig", "new", "delta"], None);
    abi.run(DEBIAN, &["delta", "sig", "new", "delta"], None);
    fs::create_dir_all(abi.sides[OURS].join("dir")).unwrap();
    fs::create_dir_all(abi.sides[DEBIAN].join("dir")).unwrap();
    let cases: &[&[&str]] = &[
        &["signature", "missing", "out"],
        &["-f", "signature", "missing", "out"],
        &["delta", "missing", "new", "out"],
        &["delta", "sig", "missing", "out"],
        &["patch", "missing", "delta", "out"],
        &["patch", "basis", "missing", "out"],
        &["-f", "signature", "basis", "no/such/dir/out"],
        &["-f", "signature", "dir", "out"],
        &["-f", "delta", "dir", "new", "out"],
        &["-f", "patch", "basis", "dir", "out"],
        &["-f", "patch", "dir", "delta", "out"],
        &["signature", "basis", "sig"],
        &["delta", "sig", "new", "delta"],
        &["patch", "basis", "delta", "new"],
        &["-f", "delta", "/dev/null", "new", "out"],
        &["-f", "delta", "delta", "new", "out"],
        &["-f", "patch", "basis", "sig", "out"],
        &["-f", "-S", "33", "signature", "basis", "out"],
        &["-f", "-s", "-S", "33", "signature", "basis", "out"],
        &["-f", "-S", "17", "-H", "md4", "signature", "basis", "out"],
        &["-f", "-S", "16", "-H", "md4", "signature", "basis", "out"],
        &["-f", "-S", "32", "signature", "basis", "out"],
        &["-f", "-S", "-2", "signature", "basis", "out"],
        &["-f", "-H", "sha256", "signature", "basis", "out"],
        &["-f", "-H", "", "signature", "basis", "out"],
        &["-f", "-R", "crc", "signature", "basis", "out"],
        &["-f", "-b", "1073741824", "signature", "basis", "out"],
        // Write errors.
        &["-s", "signature", "basis", "/dev/full"],
        &["-s", "delta", "sig", "new", "/dev/full"],
        &["-s", "patch", "basis", "delta", "/dev/full"],
        &["-s", "-O", "1", "patch", "basis", "delta", "/dev/full"],
    ];
    for a in cases {
        abi.remove(&["out"]);
        abi.compare(&mut tally, a, &["out", "sig", "delta", "new"]);
    }
    abi.finish(tally);
}

/// Where DEVIATIONS.md says C aborts (exit 134), ours is asserted instead;
/// Debian's side is not run (it would dump core):
/// * allocation failure (M5): negative `-b`, `-I`, `-O`, a `-b` whose
///   `4 * block_len` is negative as a C `int`, and a signature whose block
///   length makes `rs_delta_file`'s buffer size negative: C's `malloc` fails
///   and `rs_fatal` aborts; ours returns `RS_MEM_ERROR` (102);
/// * a negative block length with buffers that can be allocated: C trips
///   `assert(0 < block_len)`; ours fails the job with `RS_PARAM_ERROR` (108).
#[test]
fn documented_deviations_instead_of_aborts() {
    let Some(abi) = Abi::new("deviations") else {
        return;
    };
    abi.write("basis", b"some basis data\n");
    // A signature with block length 0x20000000: 4 * block_len + 10 < 0.
    abi.write("huge-block.sig", &hex("72730147 20000000 00000020"));
    abi.run(DEBIAN, &["signature", "basis", "sig"], None);
    abi.run(DEBIAN, &["delta", "sig", "basis", "delta"], None);
    for name in ["sig", "delta"] {
        fs::copy(abi.sides[DEBIAN].join(name), abi.sides[OURS].join(name)).unwrap();
    }
    let oom = "rdiff: Failed, out of memory.\n";
    let param = "librsync: ERROR: (rs_job_complete) signature job failed: unexplained problem\n\
                 rdiff: Failed, unexplained problem.\n";
    let cases: &[(&[&str], &str, &str)] = &[
        (&["-b", "-5", "signature", "basis", "out"], "exit 102", oom),
        (&["-I", "-5", "signature", "basis", "out"], "exit 102", oom),
        (&["-O", "-5", "signature", "basis", "out"], "exit 102", oom),
        (
            &["-I", "-5", "delta", "sig", "basis", "out"],
            "exit 102",
            oom,
        ),
        (
            &["-O", "-1", "delta", "sig", "basis", "out"],
            "exit 102",
            oom,
        ),
        (
            &["-I", "-1", "patch", "basis", "delta", "out"],
            "exit 102",
            oom,
        ),
        (
            &["-O", "-5", "patch", "basis", "delta", "out"],
            "exit 102",
            oom,
        ),
        (
            &["-b", "0x20000000", "signature", "basis", "out"],
            "exit 102",
            oom,
        ),
        (
            &["-b", "2147483647", "signature", "basis", "out"],
            "exit 102",
            oom,
        ),
        (
            &["delta", "huge-block.sig", "basis", "out"],
            "exit 102",
            oom,
        ),
        (
            &["-b", "-5", "-I", "100", "signature", "basis", "out"],
            "exit 108",
            param,
        ),
    ];
    for (a, status, stderr) in cases {
        let a = [&["-f"][..], a].concat();
        let out = abi.run(OURS, &a, None);
        assert_eq!(status_text(&out), *status, "rdiff {a:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), *stderr, "rdiff {a:?}");
    }
    // With -s, rdiff itself logs the statistics of the failed delta.
    let out = abi.run(
        OURS,
        &["-f", "-s", "delta", "huge-block.sig", "basis", "out"],
        None,
    );
    assert_eq!(status_text(&out), "exit 102");
    let stderr = mask_speed(&String::from_utf8_lossy(&out.stderr));
    assert!(
        stderr.starts_with("librsync: loadsig statistics: "),
        "{stderr}"
    );
    assert!(stderr.ends_with(oom), "{stderr}");
    let _ = fs::remove_dir_all(&abi.root);
}

#[test]
fn mask_speed_masks_only_numbers_in_speed() {
    assert_eq!(
        mask_speed("librsync: signature statistics: signature[391 blocks, 256 bytes per block] speed[0.1 MB (0.1 MB/s) in, 0.0 MB (12.5 MB/s) out, 1 sec]\nx 7\n"),
        "librsync: signature statistics: signature[391 blocks, 256 bytes per block] speed[# MB (# MB/s) in, # MB (# MB/s) out, # sec]\nx 7\n"
    );
}
