//! The C ABI seen from C: the programs in `tests/c/` are compiled with `cc`
//! at test time
//!
//! * against our header (`include/`) and our `librsync.so` (through a
//!   `librsync.so.2` symlink in a scratch directory, found by rpath), and
//! * against Debian's librsync 2.3.2 (system header, plain `-lrsync`),
//!
//! and each build runs as a separate process (the two libraries are never
//! loaded into one process). Every program checks its own results with
//! assertions, and the stdout of the two builds must be identical. Cases
//! where librsync 2.3.2 hangs or aborts live in `ours_only.c`, which runs on
//! our library only, checking what `DEVIATIONS.md` promises.
//!
//! Also: the header-only program compiled as C99 and C++11 with
//! `-Wall -Wextra -Werror -pedantic`; a C file written for the system header
//! compiled unchanged against ours; static linking with `librsync.a`; and
//! every program on our library under valgrind (no errors, no definite
//! leaks). When Debian's librsync, `cc` or valgrind is missing, those parts
//! are skipped with a loud message, unless `CI` is set, which makes them
//! fail.

use crate::common;

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Programs run against both libraries, whose stdout must be identical.
const DIFFERENTIAL: &[&str] = &[
    "layout", "utils", "trace", "stream", "drive", "copycb", "errors", "whole",
];

/// Programs for cases where librsync 2.3.2 hangs or aborts: ours only.
const OURS_ONLY: &[&str] = &["ours_only"];

/// Programs built against both libraries like [`DIFFERENTIAL`] but run by
/// tests of their own (`faults`, `threads` modules).
pub(crate) const OWN_TESTS: &[&str] = &["faults", "threads"];

/// Programs also linked statically against `librsync.a`.
const STATIC: &[&str] = &["whole", "utils"];

/// The 40 exported symbols of `librsync.so.2`: 35 functions ...
const FUNCTIONS: &[&str] = &[
    "rs_trace_set_level",
    "rs_trace_to",
    "rs_trace_stderr",
    "rs_supports_trace",
    "rs_hexify",
    "rs_unbase64",
    "rs_base64",
    "rs_strerror",
    "rs_mdfour",
    "rs_mdfour_begin",
    "rs_mdfour_update",
    "rs_mdfour_result",
    "rs_format_stats",
    "rs_log_stats",
    "rs_signature_log_stats",
    "rs_free_sumset",
    "rs_sumset_dump",
    "rs_build_hash_table",
    "rs_sig_args",
    "rs_job_iter",
    "rs_job_drive",
    "rs_job_statistics",
    "rs_job_free",
    "rs_sig_begin",
    "rs_delta_begin",
    "rs_loadsig_begin",
    "rs_patch_begin",
    "rs_file_open",
    "rs_file_close",
    "rs_file_size",
    "rs_file_copy_cb",
    "rs_sig_file",
    "rs_loadsig_file",
    "rs_delta_file",
    "rs_patch_file",
];

/// ... and 5 data objects.
const OBJECTS: &[&str] = &[
    "rs_librsync_version",
    "RS_MD4_SUM_LENGTH",
    "RS_BLAKE2_SUM_LENGTH",
    "rs_inbuflen",
    "rs_outbuflen",
];

/// Longest a single program may run (a hang is a failure, not a stuck test).
const TIMEOUT: Duration = Duration::from_secs(120);

const CC_FLAGS: &[&str] = &[
    "-std=gnu11",
    "-O1",
    "-g",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-pthread",
];

fn ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// Skips (returns false) with a loud message, or fails under CI.
fn missing(what: &str) -> bool {
    let msg = format!(
        "\n\n!!!!!!!! {what}: THESE C ABI CHECKS ARE SKIPPED. \
         (Set CI=1 to make this an error.) !!!!!!!!\n\n"
    );
    assert!(!ci(), "{msg}");
    eprintln!("{msg}");
    false
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn c_dir() -> PathBuf {
    root().join("tests/c")
}

fn source(name: &str) -> PathBuf {
    c_dir().join(format!("{name}.c"))
}

fn tool_works(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Where librsync.so.2 resolves for a program, as the dynamic loader sees
/// it (`LD_TRACE_LOADED_OBJECTS`, what ldd uses).
fn resolved_librsync(exe: &Path) -> Option<String> {
    let out = Command::new(exe)
        .env("LD_TRACE_LOADED_OBJECTS", "1")
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("LD_PRELOAD")
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.contains("librsync"))
        .map(|l| l.trim().to_string())
}

/// Everything built once for all tests.
pub(crate) struct Build {
    work: PathBuf,
    /// Directory holding the `librsync.so` / `librsync.so.2` symlinks.
    lib_dir: PathBuf,
    /// Our builds, by program.
    ours: Vec<(&'static str, PathBuf)>,
    /// Debian builds (empty when the reference is missing).
    pub(crate) debian: Vec<(&'static str, PathBuf)>,
    /// Statically linked builds.
    statics: Vec<(&'static str, PathBuf)>,
}

impl Build {
    /// Our build of the program `name`.
    pub(crate) fn ours(&self, name: &str) -> &Path {
        &self.ours.iter().find(|(n, _)| *n == name).expect("built").1
    }
}

/// Runs `cc` (or `c++`) with `args`; Err holds the diagnostics.
fn compile(compiler: &str, args: &[OsString]) -> Result<(), String> {
    let out = Command::new(compiler)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {compiler}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{compiler} {}\n{}{}",
            args.iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn os(parts: &[&str]) -> Vec<OsString> {
    parts.iter().map(OsString::from).collect()
}

/// Removes scratch directories of earlier runs whose process is gone.
fn remove_stale(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("capi-") {
            if !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

fn debian_available() -> bool {
    Path::new("/usr/include/librsync.h").exists()
        && (Path::new("/usr/lib/x86_64-linux-gnu/librsync.so").exists()
            || Path::new("/usr/lib/librsync.so").exists())
}

/// Builds every program once (in parallel); `None` if there is no `cc`.
pub(crate) fn build() -> Option<&'static Build> {
    static BUILD: OnceLock<Option<Build>> = OnceLock::new();
    BUILD
        .get_or_init(|| {
            if !tool_works("cc", "--version") {
                missing("no C compiler (`cc`)");
                return None;
            }
            let so = common::our_artifact("librsync.so");
            let archive = common::our_artifact("librsync.a");
            let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
            remove_stale(tmp);
            let work = tmp.join(format!("capi-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&work);
            let lib_dir = work.join("lib");
            for dir in ["lib", "ours", "debian", "static"] {
                std::fs::create_dir_all(work.join(dir)).expect("create scratch dir");
            }
            for link in ["librsync.so.2", "librsync.so"] {
                std::os::unix::fs::symlink(&so, lib_dir.join(link)).expect("symlink");
            }
            let with_debian = debian_available()
                || missing("Debian's librsync 2.3.2 (librsync-dev) is not installed");

            let include = root().join("include");
            let mut jobs: Vec<(String, &'static str, PathBuf, Vec<OsString>)> = Vec::new();
            for &name in DIFFERENTIAL.iter().chain(OURS_ONLY).chain(OWN_TESTS) {
                let exe = work.join("ours").join(name);
                let mut args = os(CC_FLAGS);
                args.push("-I".into());
                args.push(include.clone().into());
                args.extend(["-o".into(), exe.clone().into(), source(name).into()]);
                args.push("-L".into());
                args.push(lib_dir.clone().into());
                args.push("-lrsync".into());
                let mut rpath = OsString::from("-Wl,-rpath,");
                rpath.push(&lib_dir);
                args.push(rpath);
                jobs.push(("ours".into(), name, exe, args));
            }
            if with_debian {
                for &name in DIFFERENTIAL.iter().chain(OWN_TESTS) {
                    let exe = work.join("debian").join(name);
                    let mut args = os(CC_FLAGS);
                    args.extend(["-o".into(), exe.clone().into(), source(name).into()]);
                    args.push("-lrsync".into());
                    jobs.push(("debian".into(), name, exe, args));
                }
            }
            for &name in STATIC {
                let exe = work.join("static").join(name);
                let mut args = os(CC_FLAGS);
                args.push("-I".into());
                args.push(include.clone().into());
                args.extend(["-o".into(), exe.clone().into(), source(name).into()]);
                args.push(archive.clone().into());
                // What Rust's std needs from the system (see
                // `rustc --print native-static-libs`); gcc adds libgcc_s.
                args.extend(os(&["-lpthread", "-ldl", "-lm"]));
                jobs.push(("static".into(), name, exe, args));
            }
            let results: Vec<Result<(), String>> = std::thread::scope(|s| {
                let handles: Vec<_> = jobs
                    .iter()
                    .map(|(_, _, _, args)| s.spawn(move || compile("cc", args)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("compile thread"))
                    .collect()
            });
            let errors: Vec<String> = results.into_iter().filter_map(Result::err).collect();
            assert!(
                errors.is_empty(),
                "C programs failed to build:\n{}",
                errors.join("\n")
            );
            let mut build = Build {
                work,
                lib_dir,
                ours: Vec::new(),
                debian: Vec::new(),
                statics: Vec::new(),
            };
            for (kind, name, exe, _) in jobs {
                match kind.as_str() {
                    "ours" => build.ours.push((name, exe)),
                    "debian" => build.debian.push((name, exe)),
                    _ => build.statics.push((name, exe)),
                }
            }
            Some(build)
        })
        .as_ref()
}

/// The outcome of one program run.
pub(crate) struct Run {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
    pub(crate) timed_out: bool,
    pub(crate) took: Duration,
}

impl Run {
    /// Whether it exited with status 0 in time.
    pub(crate) fn ok(&self) -> bool {
        !self.timed_out && self.status.success()
    }

    /// How it ended, with its output, for a failure message.
    pub(crate) fn describe(&self, what: &str) -> String {
        format!(
            "{what}: {}{}\n--- stderr ---\n{}\n--- stdout (last 2000 bytes) ---\n{}",
            self.status,
            if self.timed_out {
                " (TIMED OUT, killed)"
            } else {
                ""
            },
            String::from_utf8_lossy(&self.stderr),
            String::from_utf8_lossy(&self.stdout[self.stdout.len().saturating_sub(2000)..])
        )
    }
}

/// Runs `cmd` with stdout/stderr in files named after `tag` in the scratch
/// directory, a clean loader environment, and a time limit.
fn run(build: &Build, mut cmd: Command, tag: &str) -> Run {
    let out_path = build.work.join(format!("{tag}.stdout"));
    let err_path = build.work.join(format!("{tag}.stderr"));
    cmd.stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("stdout file"))
        .stderr(File::create(&err_path).expect("stderr file"))
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("LD_PRELOAD")
        .env("LC_ALL", "C")
        .current_dir(&build.work);
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {tag}: {e}"));
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait for killed child");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        status,
        stdout: std::fs::read(&out_path).unwrap_or_default(),
        stderr: std::fs::read(&err_path).unwrap_or_default(),
        timed_out,
        took: start.elapsed(),
    }
}

/// Runs `exe` with `args` (see [`run`]).
pub(crate) fn run_exe(build: &Build, exe: &Path, args: &[&str], tag: &str) -> Run {
    let mut cmd = Command::new(exe);
    cmd.args(args);
    run(build, cmd, tag)
}

/// The first differing line of two outputs, with context.
pub(crate) fn first_difference(a: &[u8], b: &[u8]) -> String {
    let a = String::from_utf8_lossy(a);
    let b = String::from_utf8_lossy(b);
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let i = la
        .iter()
        .zip(&lb)
        .position(|(x, y)| x != y)
        .unwrap_or(la.len().min(lb.len()));
    let from = i.saturating_sub(3);
    let show = |lines: &[&str]| {
        lines
            .iter()
            .enumerate()
            .skip(from)
            .take(7)
            .map(|(n, l)| format!("{:6}{} {l}\n", n + 1, if n == i { ">" } else { ":" }))
            .collect::<String>()
    };
    format!(
        "first difference at line {}\n--- ours ---\n{}--- debian ---\n{}",
        i + 1,
        show(&la),
        show(&lb)
    )
}

/// Whether `text` has the identifier `name` (not part of a longer one),
/// followed (after spaces) by one of `next` if that is not empty.
fn uses(text: &str, name: &str, next: &[char]) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let rest = text[at + name.len()..].trim_start();
        let after = rest.chars().next();
        !before.is_some_and(ident)
            && !after.is_some_and(ident)
            && (next.is_empty() || after.is_some_and(|c| next.contains(&c)))
    })
}

#[test]
fn c_programs_call_every_exported_symbol() {
    // Functions must be called, not just named, by the programs that run
    // (layout.c only takes their addresses; syshdr_compat.c only compiles).
    let mut text = String::new();
    for &name in DIFFERENTIAL.iter().chain(OURS_ONLY) {
        if name != "layout" {
            text.push_str(&std::fs::read_to_string(source(name)).expect("read C source"));
        }
    }
    // A call (`f(`), or the function passed as a callback (`f,` / `f)`).
    let uncalled: Vec<&str> = FUNCTIONS
        .iter()
        .copied()
        .filter(|f| !uses(&text, f, &['(', ',', ')']))
        .collect();
    assert!(
        uncalled.is_empty(),
        "functions no C program calls: {uncalled:?}"
    );
    let unused: Vec<&str> = OBJECTS
        .iter()
        .copied()
        .filter(|o| !uses(&text, o, &[]))
        .collect();
    assert!(
        unused.is_empty(),
        "data objects no C program uses: {unused:?}"
    );
    assert_eq!(FUNCTIONS.len() + OBJECTS.len(), 40);

    // And these are exactly the library's dynamic symbols.
    let so = common::our_artifact("librsync.so");
    match Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&so)
        .output()
    {
        Ok(out) if out.status.success() => {
            let exported: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
                .collect();
            let expected: BTreeSet<String> = FUNCTIONS
                .iter()
                .chain(OBJECTS)
                .map(|s| s.to_string())
                .collect();
            assert_eq!(exported, expected, "nm -D {}", so.display());
        }
        _ => {
            missing("`nm` is not available to list the exported symbols");
        }
    }
    println!(
        "every one of the {} functions and {} data objects is used by the C programs",
        FUNCTIONS.len(),
        OBJECTS.len()
    );
}

#[test]
fn header_compiles_as_pedantic_c99_and_cxx11() {
    if !tool_works("cc", "--version") {
        missing("no C compiler (`cc`)");
        return;
    }
    let include = root().join("include");
    let out = std::env::temp_dir().join(format!("capi-header-{}.o", std::process::id()));
    let mut variants: Vec<(&str, Vec<&str>)> = vec![
        ("cc", vec!["-std=c99"]),
        ("cc", vec!["-std=c11"]),
        ("cc", vec!["-std=c99", "-DRSYNC_NO_STDIO_INTERFACE"]),
    ];
    if tool_works("c++", "--version") {
        variants.push(("c++", vec!["-x", "c++", "-std=c++11"]));
        variants.push(("c++", vec!["-x", "c++", "-std=c++17"]));
    } else {
        missing("no C++ compiler (`c++`)");
    }
    for (compiler, flags) in &variants {
        let mut args = os(flags);
        args.extend(os(&[
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-c",
            "-I",
        ]));
        args.push(include.clone().into());
        args.push(source("layout").into());
        args.push("-o".into());
        args.push(out.clone().into());
        if let Err(e) = compile(compiler, &args) {
            panic!("our header does not compile cleanly ({compiler} {flags:?}):\n{e}");
        }
        println!("layout.c against our header: {compiler} {flags:?}: clean");
    }
    let _ = std::fs::remove_file(&out);
}

#[test]
fn code_written_for_the_system_header_compiles_against_ours() {
    if !tool_works("cc", "--version") {
        missing("no C compiler (`cc`)");
        return;
    }
    let system = Path::new("/usr/include/librsync.h").exists()
        || missing("Debian's librsync.h is not installed (no baseline)");
    let include = root().join("include");
    let out = std::env::temp_dir().join(format!("capi-compat-{}.o", std::process::id()));
    let mut checked = 0;
    for std_flag in ["-std=c99", "-std=c11", "-std=gnu17"] {
        for define in ["", "-DRSYNC_NO_STDIO_INTERFACE", "-DLIBRSYNC_STATIC_DEFINE"] {
            for ours in [false, true] {
                if !ours && !system {
                    continue;
                }
                let mut args = os(&[std_flag, "-Wall", "-Wextra", "-Werror", "-pedantic", "-c"]);
                if !define.is_empty() {
                    args.push(define.into());
                }
                if ours {
                    args.push("-I".into());
                    args.push(include.clone().into());
                }
                args.push(source("syshdr_compat").into());
                args.push("-o".into());
                args.push(out.clone().into());
                if let Err(e) = compile("cc", &args) {
                    panic!(
                        "syshdr_compat.c does not compile against {} header:\n{e}",
                        if ours { "our" } else { "the system" }
                    );
                }
                checked += 1;
            }
        }
    }
    let _ = std::fs::remove_file(&out);
    println!("syshdr_compat.c compiled cleanly in {checked} configurations");
}

#[test]
fn c_programs_agree_with_debian_librsync() {
    let Some(build) = build() else { return };
    if build.debian.is_empty() {
        return;
    }
    // Each build really uses its own library.
    let ours = resolved_librsync(build.ours("layout")).unwrap_or_default();
    assert!(
        ours.contains(&*build.lib_dir.to_string_lossy()),
        "our build does not load our library: {ours}"
    );
    let theirs = resolved_librsync(&build.debian[0].1).unwrap_or_default();
    assert!(
        theirs.contains("librsync.so.2") && !theirs.contains("/target/"),
        "the Debian build does not load the system library: {theirs}"
    );
    println!("ours:   {ours}\ndebian: {theirs}");

    let mut identical = 0;
    let mut failures = Vec::new();
    let mut lines = 0;
    for (name, deb_exe) in &build.debian {
        if !DIFFERENTIAL.contains(name) {
            continue;
        }
        let a = run_exe(build, build.ours(name), &[], &format!("ours-{name}"));
        let b = run_exe(build, deb_exe, &[], &format!("debian-{name}"));
        if !b.ok() {
            failures.push(b.describe(&format!(
                "{name} on Debian's librsync (the test itself is wrong)"
            )));
            continue;
        }
        if !a.ok() {
            failures.push(a.describe(&format!("{name} on our librsync")));
            continue;
        }
        if a.stdout != b.stdout {
            failures.push(format!(
                "{name}: stdout differs from Debian's: {}",
                first_difference(&a.stdout, &b.stdout)
            ));
            continue;
        }
        if a.stderr != b.stderr {
            failures.push(format!(
                "{name}: stderr differs:\n--- ours ---\n{}\n--- debian ---\n{}",
                String::from_utf8_lossy(&a.stderr),
                String::from_utf8_lossy(&b.stderr)
            ));
            continue;
        }
        identical += 1;
        for line in String::from_utf8_lossy(&a.stdout)
            .lines()
            .filter(|l| l.starts_with("FIXME"))
        {
            println!("{name}: {line}");
        }
        let n = a.stdout.iter().filter(|&&c| c == b'\n').count();
        lines += n;
        println!(
            "{name}: identical ({n} lines; ours {:.2} s, debian {:.2} s)",
            a.took.as_secs_f64(),
            b.took.as_secs_f64()
        );
    }
    println!(
        "C ABI differential: identical {identical}/{} programs ({lines} lines of output)",
        DIFFERENTIAL.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn c_deviations_on_our_library_only() {
    let Some(build) = build() else { return };
    for &name in OURS_ONLY {
        let r = run_exe(build, build.ours(name), &[], &format!("ours-{name}"));
        assert!(r.ok(), "{}", r.describe(name));
        let out = String::from_utf8_lossy(&r.stdout);
        assert!(out.contains(&format!("{name}: ok")), "{}", r.describe(name));
        for line in out.lines().filter(|l| l.starts_with("FIXME")) {
            println!("{line}");
        }
        println!("{name}: passed ({} lines)", out.lines().count());
    }
}

#[test]
fn c_programs_link_statically_with_librsync_a() {
    let Some(build) = build() else { return };
    for (name, exe) in &build.statics {
        if let Some(lib) = resolved_librsync(exe) {
            panic!("{name} linked with librsync.a still loads {lib}");
        }
        let r = run_exe(build, exe, &[], &format!("static-{name}"));
        assert!(r.ok(), "{}", r.describe(&format!("{name} (static)")));
        let dynamic = run_exe(
            build,
            build.ours(name),
            &[],
            &format!("ours-{name}-for-static"),
        );
        assert!(dynamic.ok(), "{}", dynamic.describe(name));
        assert!(
            r.stdout == dynamic.stdout,
            "{name}: the static build prints something else than the dynamic one: {}",
            first_difference(&r.stdout, &dynamic.stdout)
        );
        println!("{name}: static build passes, output identical to the shared build");
    }
}

#[test]
fn c_programs_are_valgrind_clean_on_our_library() {
    let Some(build) = build() else { return };
    if !tool_works("valgrind", "--version") {
        missing("valgrind is not installed");
        return;
    }
    // The longest first; each worker takes the next program.
    let mut programs: Vec<(&str, &Path)> =
        build.ours.iter().map(|(n, p)| (*n, p.as_path())).collect();
    programs.sort_by_key(|&(n, _)| n != "stream");
    let next = AtomicUsize::new(0);
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
    let results: Vec<(&str, Run, Run)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..parallel.min(programs.len()))
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(&(name, exe)) = programs.get(i) else {
                            break done;
                        };
                        let mut cmd = Command::new("valgrind");
                        cmd.args([
                            "-q",
                            "--error-exitcode=99",
                            "--leak-check=full",
                            "--errors-for-leak-kinds=definite",
                        ])
                        .arg(exe);
                        let under = run(build, cmd, &format!("valgrind-{name}"));
                        let plain = run_exe(build, exe, &[], &format!("plain-{name}"));
                        done.push((name, under, plain));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("valgrind worker"))
            .collect()
    });
    let mut failures = Vec::new();
    for (name, r, plain) in &results {
        let out = String::from_utf8_lossy(&r.stdout);
        if !r.ok() || !out.contains(&format!("{name}: ok")) {
            failures.push(r.describe(&format!("{name} under valgrind")));
        } else if r.stdout != plain.stdout {
            // E.g. an error in a child process of whole.c.
            failures.push(format!(
                "{name}: output under valgrind differs: {}",
                first_difference(&r.stdout, &plain.stdout)
            ));
        } else {
            println!("{name}: valgrind clean ({:.1} s)", r.took.as_secs_f64());
        }
    }
    println!(
        "valgrind: {}/{} programs clean",
        results.len() - failures.len(),
        results.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
