//! `install.sh` installs a usable C library: a C program builds against the
//! installed header with `pkg-config`, links the installed `librsync.so.2`
//! (and, separately, `librsync.a`), and writes the same signature as
//! Debian's librsync. The installed library and `rdiff` are stripped of
//! debug information (the `.so` keeping its SONAME and its 40 exports), and
//! the manual pages `rdiff.1` and `librsync.3` are installed and render
//! without warnings.

use librsync_rs_scenarios as common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A directory with the artifacts of this build: the library, and `rdiff`
/// when it has been built (`cargo test` of the workspace builds it; `cargo
/// test -p librsync-rs-sys` alone may not). Returns whether `rdiff` is there.
fn staged_build(dir: &Path) -> (PathBuf, bool) {
    let staged = dir.join("build");
    std::fs::create_dir_all(&staged).unwrap();
    let so = common::our_artifact("librsync.so");
    for name in ["librsync.so", "librsync.a"] {
        std::fs::copy(common::our_artifact(name), staged.join(name)).unwrap();
    }
    // target/<profile>/rdiff, next to librsync.so or one level up from deps/.
    let rdiff = so
        .ancestors()
        .skip(1)
        .take(2)
        .map(|d| d.join("rdiff"))
        .find(|p| p.is_file());
    match rdiff {
        Some(rdiff) => {
            std::fs::copy(rdiff, staged.join("rdiff")).unwrap();
            (staged, true)
        }
        None => {
            eprintln!(
                "\n!!!!!!!! rdiff is not built in {}: its installation is NOT CHECKED. \
                 Run `cargo build` (or `cargo test` of the whole workspace) first. !!!!!!!!\n",
                so.parent().unwrap().display()
            );
            (staged, false)
        }
    }
}

/// Whether `tool` can be run. Without it the check that needs it is skipped
/// with a loud message, except under CI (`CI` set), where the test fails.
fn have_tool(tool: &str, check: &str) -> bool {
    if Command::new(tool).arg("--version").output().is_ok() {
        return true;
    }
    let msg = format!(
        "\n!!!!!!!! `{tool}` was not found: {check} NOT CHECKED. \
         Install it (apt-get install man-db groff binutils). !!!!!!!!\n"
    );
    assert!(std::env::var_os("CI").is_none(), "{msg}");
    eprintln!("{msg}");
    false
}

/// Runs `cmd`, which must succeed and write nothing on standard error;
/// returns standard output.
fn run_quiet(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "{cmd:?}: {}\n{stderr}",
        out.status
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The installed manual pages render with `man -l` and `groff -ww` without
/// a single warning.
fn check_man_pages(prefix: &Path) {
    let pages = [
        (prefix.join("share/man/man1/rdiff.1"), "RDIFF(1)"),
        (prefix.join("share/man/man3/librsync.3"), "LIBRSYNC(3)"),
    ];
    for (page, _) in &pages {
        assert!(page.is_file(), "{} not installed", page.display());
    }
    if have_tool("man", "the rendering of the manual pages by man is") {
        for (page, title) in &pages {
            let text = run_quiet(
                Command::new("man")
                    .arg("--warnings")
                    .arg("-l")
                    .arg(page)
                    .env("MANWIDTH", "80")
                    .env_remove("MAN_KEEP_FORMATTING")
                    .env("LC_ALL", "C.UTF-8")
                    .env_remove("MANPAGER")
                    .env_remove("PAGER"),
            );
            assert!(
                text.contains(title),
                "{}: no {title} in\n{text}",
                page.display()
            );
            for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"] {
                assert!(text.contains(section), "{}: no {section}", page.display());
            }
        }
    }
    if have_tool("groff", "the manual pages under groff -ww are") {
        for (page, _) in &pages {
            run_quiet(
                Command::new("groff")
                    .args(["-t", "-man", "-ww", "-z"])
                    .arg(page),
            );
        }
    }
}

/// `readelf -S` of `file` (all members of an archive) lists no `.debug_*`
/// section (nor LLVM bitcode, `.llvmbc`). `.debug_gdb_scripts` is not debug information but a loaded
/// section naming rustc's pretty-printers for gdb (34 bytes); `strip` keeps
/// it, as it does in Debian's packages of Rust programs.
fn assert_no_debug_info(file: &Path) {
    let sections = run(Command::new("readelf").arg("-S").arg("-W").arg(file));
    let debug: Vec<&str> = sections
        .lines()
        .filter(|l| l.contains(".debug_") || l.contains(".zdebug_") || l.contains(".llvmbc"))
        .filter(|l| !l.contains(".debug_gdb_scripts"))
        .collect();
    assert!(
        debug.is_empty(),
        "{} still has debug sections:\n{}",
        file.display(),
        debug.join("\n")
    );
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .len()
}

/// The installed binaries are stripped, and still work as a library and a
/// program: SONAME, the 40 exports, `rdiff --version`. Prints the sizes.
fn check_stripped(prefix: &Path, build: &Path, with_rdiff: bool) {
    let mut files = vec![
        ("librsync.so", "lib/librsync.so.2.3.2"),
        ("librsync.a", "lib/librsync.a"),
    ];
    if with_rdiff {
        files.push(("rdiff", "bin/rdiff"));
    }
    for (built, installed) in &files {
        println!(
            "{installed}: {} bytes built, {} bytes installed",
            file_size(&build.join(built)),
            file_size(&prefix.join(installed))
        );
    }
    if !have_tool("readelf", "stripping is") {
        return;
    }
    for (_, installed) in &files {
        assert_no_debug_info(&prefix.join(installed));
    }
    let so = prefix.join("lib/librsync.so.2.3.2");
    let dynamic = run(Command::new("readelf").arg("-d").arg(&so));
    assert!(
        dynamic.contains("Library soname: [librsync.so.2]"),
        "installed library lost its SONAME:\n{dynamic}"
    );
    let exports = run(Command::new("nm").args(["-D", "--defined-only"]).arg(&so));
    let names: Vec<&str> = exports
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    assert!(names.contains(&"rs_job_iter"), "{exports}");
    assert_eq!(
        names.len(),
        40,
        "exports of the installed library:\n{exports}"
    );
}

const PROGRAM: &str = r#"
#include <stdio.h>
#include <librsync.h>
int main(int argc, char **argv) {
    FILE *old, *sig;
    rs_stats_t stats;
    rs_result r;
    if (argc != 3) return 2;
    old = rs_file_open(argv[1], "rb", 0);
    sig = rs_file_open(argv[2], "wb", 1);
    r = rs_sig_file(old, sig, 0, 0, RS_RK_BLAKE2_SIG_MAGIC, &stats);
    rs_file_close(sig);
    rs_file_close(old);
    printf("%s %s %lld\n", rs_librsync_version, rs_strerror(r), (long long)stats.sig_blocks);
    return (int)r;
}
"#;

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn installed_library_builds_and_runs_c_programs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = common::scratch("install");
    let prefix = dir.join("prefix");
    let (build, with_rdiff) = staged_build(&dir);
    let log = run(Command::new("bash")
        .arg(root.join("install.sh"))
        .arg(&prefix)
        .env("BUILD_DIR", &build));
    println!("{log}");
    for file in [
        "lib/librsync.so.2.3.2",
        "lib/librsync.so.2",
        "lib/librsync.so",
        "lib/librsync.a",
        "lib/pkgconfig/librsync.pc",
        "include/librsync.h",
        "include/librsync_export.h",
        "share/man/man1/rdiff.1",
        "share/man/man3/librsync.3",
    ] {
        assert!(prefix.join(file).exists(), "{file} not installed");
    }
    check_man_pages(&prefix);
    check_stripped(&prefix, &build, with_rdiff);
    let source = dir.join("prog.c");
    std::fs::write(&source, PROGRAM).unwrap();
    let pc_path = prefix.join("lib/pkgconfig");
    let pkg = |args: &[&str]| {
        run(Command::new("pkg-config")
            .args(args)
            .arg("librsync")
            .env("PKG_CONFIG_PATH", &pc_path))
    };
    let cflags = pkg(&["--cflags"]);
    let libs = pkg(&["--libs"]);
    let dynamic = dir.join("prog-dynamic");
    run(Command::new("cc")
        .arg(&source)
        .args(cflags.split_whitespace())
        .args(libs.split_whitespace())
        .arg(format!("-Wl,-rpath,{}", prefix.join("lib").display()))
        .arg("-o")
        .arg(&dynamic));
    let ldd = run(Command::new("ldd").arg(&dynamic));
    assert!(
        ldd.contains(&format!("{}/librsync.so.2", prefix.join("lib").display())),
        "{ldd}"
    );
    let private = pkg(&["--libs-only-other", "--libs-only-l", "--static"]);
    let static_exe = dir.join("prog-static");
    run(Command::new("cc")
        .arg(&source)
        .args(cflags.split_whitespace())
        .arg(prefix.join("lib/librsync.a"))
        .args(private.split_whitespace().filter(|f| *f != "-lrsync"))
        .arg("-o")
        .arg(&static_exe));

    let mut rng = common::Rng::new(5);
    let basis = dir.join("basis");
    std::fs::write(&basis, rng.bytes(300_000)).unwrap();
    for (exe, sig) in [(&dynamic, "dynamic.sig"), (&static_exe, "static.sig")] {
        let out = run(Command::new(exe).arg(&basis).arg(dir.join(sig)));
        assert_eq!(out, "librsync 2.3.2 OK 586\n");
    }
    let ours = std::fs::read(dir.join("dynamic.sig")).unwrap();
    assert_eq!(ours, std::fs::read(dir.join("static.sig")).unwrap());
    if with_rdiff {
        // The stripped rdiff runs and writes the same signature (same
        // defaults: the basis size picks the block length).
        let rdiff = prefix.join("bin/rdiff");
        let version = run(Command::new(&rdiff).arg("--version"));
        assert!(version.starts_with("rdiff (librsync 2.3.2)\n"), "{version}");
        let installed_sig = dir.join("installed-rdiff.sig");
        run(Command::new(&rdiff)
            .arg("signature")
            .arg(&basis)
            .arg(&installed_sig));
        assert!(
            ours == std::fs::read(&installed_sig).unwrap(),
            "installed rdiff's signature differs from the C program's"
        );
    }
    if let Some(rdiff) = common::reference_rdiff() {
        let reference = dir.join("reference.sig");
        common::rdiff_ok(
            rdiff,
            &[
                "signature",
                basis.to_str().unwrap(),
                reference.to_str().unwrap(),
            ],
        );
        assert!(
            ours == std::fs::read(&reference).unwrap(),
            "signature differs from Debian's"
        );
    }
}
