//! Debian's unchanged `/usr/bin/rdiff` on our `librsync.so.2`.
//!
//! The subject of every pair (`librsync_rs_scenarios::rdiff::Pair`) is
//! Debian's `rdiff` with `LD_LIBRARY_PATH` pointing at a directory whose
//! `librsync.so.2` is a symlink to our `target/<profile>/librsync.so`; the
//! reference is the same binary on Debian's library. Exit status, stdout,
//! stderr (`speed[...]` figures masked) and every output file must be
//! identical. The cases are the corpus of the core engine and the shared
//! scenarios (librsync's shell tests, slack deltas, options and file errors
//! that go through the library, the bad-input catalogue S1–S16/P1–P21,
//! and, where `DEVIATIONS.md` says we differ from C because C aborts, our
//! documented behaviour), the same ones the rdiff crate runs against our
//! `rdiff`.
//!
//! Another test compares the exported symbols with Debian's library.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::rdiff::{Pair, Rdiff, REFERENCE as DEBIAN, SUBJECT as OURS};
use crate::common::{self, corpus, missing, scratch, shell};

/// Debian's librsync 2.3.2.
const REFERENCE_LIB: &str = "/usr/lib/x86_64-linux-gnu/librsync.so.2";

/// Our library: `target/<profile>/librsync.so` or `deps/librsync.so`.
fn our_library() -> PathBuf {
    common::our_artifact("librsync.so")
}

/// Debian's rdiff on our library, checked once (with `LD_DEBUG` and `ldd`)
/// to load it; or `None` (loudly; a failure under CI) when Debian's rdiff
/// or library is missing.
fn on_our_library() -> Option<Rdiff> {
    static SUBJECT: OnceLock<Option<Rdiff>> = OnceLock::new();
    SUBJECT
        .get_or_init(|| {
            let reference = Rdiff::debian()?;
            if !Path::new(REFERENCE_LIB).exists() {
                missing(&format!("Debian's library {REFERENCE_LIB} was not found"));
                return None;
            }
            let root = scratch("abi-lib");
            let libdir = root.join("lib");
            fs::create_dir_all(&libdir).unwrap();
            std::os::unix::fs::symlink(our_library(), libdir.join("librsync.so.2")).unwrap();
            let subject = reference.clone().with_env("LD_LIBRARY_PATH", &libdir);
            assert_loads_ours(&subject, &reference, &root, &libdir);
            Some(subject)
        })
        .clone()
}

/// A pair of Debian's rdiff on our library and on its own for the test
/// `name`.
fn pair(name: &str) -> Option<Pair> {
    Some(Pair::new(name, on_our_library()?, Rdiff::debian()?))
}

/// Runs a shared scenario with Debian's rdiff on our library as the
/// subject.
fn scenario(name: &str, run: impl FnOnce(&mut Pair)) {
    if let Some(mut pair) = pair(name) {
        run(&mut pair);
        pair.finish();
    }
}

/// Checks with `LD_DEBUG` (and `ldd` when present) that the subject really
/// runs on our library and the reference on Debian's.
fn assert_loads_ours(subject: &Rdiff, reference: &Rdiff, root: &Path, libdir: &Path) {
    let ours = libdir.join("librsync.so.2");
    let init = |side: usize| {
        let rdiff = [subject, reference][side];
        let out = rdiff
            .command(root)
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
        !debian.is_empty() && !debian.starts_with(&*root.to_string_lossy()),
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
        cmd.arg(&subject.program);
        if side == OURS {
            cmd.env("LD_LIBRARY_PATH", libdir);
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
            !line.contains(&*root.to_string_lossy()),
            "ldd: Debian's side resolves {line:?}"
        );
    } else {
        println!("ldd not found; relied on LD_DEBUG");
    }
}

// ---------------------------------------------------------------------------
// Library identity

#[test]
fn rdiff_loads_our_library() {
    // on_our_library asserts it with LD_DEBUG and ldd.
    scenario("abi loads ours: --version", |pair| {
        println!("our library: {}", our_library().display());
        pair.run(&["--version"], None);
    });
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
// The corpus of the core engine (shared with its differential tests)

const CORPUS_BLOCKS: [&str; 6] = ["1", "7", "64", "256", "2048", "default"];

/// signature, delta and patch of the corpus for one hash and rollsum, at
/// every block and strong length, with and without `-s`.
fn corpus_case(hash: &'static str, rollsum: &'static str, name: &'static str) {
    scenario(name, |pair| {
        let corpus = corpus();
        let mut names = BTreeMap::new();
        for o in &corpus {
            names.insert(
                o.name.clone(),
                pair.input(&format!("{}.old", o.name), &o.data),
            );
            for (n, data) in &o.news {
                let key = format!("{}.{n}", o.name);
                names.insert(key.clone(), pair.input(&format!("{key}.new"), data));
            }
        }
        for (bi, block) in CORPUS_BLOCKS.iter().enumerate() {
            for (si, strong) in shell::STRONG.iter().enumerate() {
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
                    // Tiny blocks of big files make huge signatures; keep
                    // them to the small files.
                    if o.data.len() > 100_000 && bi < 3 {
                        continue;
                    }
                    let old_name = &names[&o.name];
                    pair.clear();
                    pair.run(
                        &[&sig_args[..], &["signature", old_name, "sig"]].concat(),
                        None,
                    );
                    for (n, new) in &o.news {
                        let new_name = &names[&format!("{}.{n}", o.name)];
                        pair.run(
                            &[&common[..], &["delta", "sig", new_name, "delta"]].concat(),
                            None,
                        );
                        let a = [&common[..], &["patch", old_name, "delta", "out"]].concat();
                        let [ours, _] = pair.run(&a, None);
                        pair.check(ours.file("out") == Some(&new[..]), || {
                            format!("round trip: {a:?}")
                        });
                    }
                }
            }
        }
    });
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
// The shared scenarios

#[test]
fn help_version_and_bad_option() {
    scenario("abi help", shell::help);
}

#[test]
fn signature_test() {
    scenario("abi signature.test", shell::signature);
}

#[test]
fn threaded_signatures() {
    scenario("abi threaded signatures", shell::threaded_signatures);
}

#[test]
fn threaded_deltas() {
    scenario("abi threaded deltas", shell::threaded_deltas);
}

#[test]
fn delta_test() {
    scenario("abi delta.test", shell::delta_test);
}

#[test]
fn triple_test_md4() {
    scenario("abi triple.test md4", |p| shell::triple(p, "-Hmd4"));
}

#[test]
fn triple_test_blake2() {
    scenario("abi triple.test blake2", |p| shell::triple(p, "-Hblake2"));
}

#[test]
fn triple_test_io_sizes() {
    scenario("abi triple.test -I x -O", shell::triple_io_sizes);
}

#[test]
fn changes_test() {
    scenario("abi changes.test", shell::changes);
}

#[test]
fn mutate_test() {
    scenario("abi mutate.test", |p| shell::mutate(p, 50));
}

#[test]
fn slack_deltas() {
    scenario("abi slack deltas", shell::slack_deltas);
}

#[test]
fn options_through_the_library() {
    scenario("abi library options", shell::library_options);
}

#[test]
fn file_and_parameter_errors() {
    scenario(
        "abi file and parameter errors",
        shell::file_and_parameter_errors,
    );
}

#[test]
fn bad_signatures_s1_to_s16() {
    scenario("abi bad signatures (S1-S16)", |p| {
        shell::bad_signatures(p, &shell::LIBRARY_RUNS)
    });
}

#[test]
fn bad_deltas_p1_to_p21() {
    scenario("abi bad deltas (P1-P21)", |p| {
        shell::bad_deltas(p, &shell::LIBRARY_RUNS)
    });
}

/// Where DEVIATIONS.md says C aborts (exit 134), ours fails with a result
/// code (M5: allocation failures give `RS_MEM_ERROR`; a negative block
/// length with buffers that can be allocated `RS_PARAM_ERROR`).
#[test]
fn documented_deviations_instead_of_aborts() {
    scenario("abi deviations", shell::deviations);
}
