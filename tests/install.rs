//! `install.sh` installs a usable C library: a C program builds against the
//! installed header with `pkg-config`, links the installed `librsync.so.2`
//! (and, separately, `librsync.a`), and writes the same signature as
//! Debian's librsync.

use librsync_rs_scenarios as common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A directory with the library artifacts of this build.
fn staged_build(dir: &Path) -> PathBuf {
    let staged = dir.join("build");
    std::fs::create_dir_all(&staged).unwrap();
    for name in ["librsync.so", "librsync.a"] {
        std::fs::copy(common::our_artifact(name), staged.join(name)).unwrap();
    }
    staged
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
    let build = staged_build(&dir);
    run(Command::new("bash")
        .arg(root.join("install.sh"))
        .arg(&prefix)
        .env("BUILD_DIR", build));
    for file in [
        "lib/librsync.so.2.3.2",
        "lib/librsync.so.2",
        "lib/librsync.so",
        "lib/librsync.a",
        "lib/pkgconfig/librsync.pc",
        "include/librsync.h",
        "include/librsync_export.h",
    ] {
        assert!(prefix.join(file).exists(), "{file} not installed");
    }
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
