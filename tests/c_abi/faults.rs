//! I/O faults through the C ABI (bad-inputs.md F2, F6–F8): `tests/c/faults.c`
//! built against our library and against Debian's, each run as its own
//! process. The program checks its own results (every fault ends in
//! `RS_IO_ERROR`, what was written is a prefix of the right output, nothing
//! is written after the failing write, a failing `rs_job_drive` callback's
//! code comes back); here the two builds must print the same stdout (result
//! codes and byte counts per case) and the same stderr (librsync's log
//! lines, each after a line naming its case).

use crate::capi::{self, first_difference};

/// The messages C gives for the faults of `faults.c`: each must be in the
/// stderr of both builds.
const MESSAGES: &[&str] = &[
    "librsync: ERROR: (rs_outfilebuf_drain) error draining buf to file: No space left on device",
    "librsync: ERROR: (rs_infilebuf_fill) error filling buf from file: Input/output error",
    "librsync: ERROR: (rs_infilebuf_fill) error filling buf from file: Bad file descriptor",
    "librsync: ERROR: (rs_file_copy_cb) read error: Input/output error",
    "librsync: ERROR: (rs_file_copy_cb) read error: Bad file descriptor",
    "librsync: ERROR: (rs_job_complete) patch job failed: IO error",
];

#[test]
fn io_faults_end_like_debian_librsync() {
    let Some(build) = capi::build() else { return };
    let ours = capi::run_exe(build, build.ours("faults"), &[], "ours-faults");
    assert!(ours.ok(), "{}", ours.describe("faults.c on our librsync"));
    let stdout = String::from_utf8_lossy(&ours.stdout);
    assert!(stdout.contains("faults: ok"), "{}", ours.describe("faults"));
    let stderr = String::from_utf8_lossy(&ours.stderr);
    for m in MESSAGES {
        assert!(stderr.contains(m), "our stderr lacks {m:?}");
    }
    let cases = stdout.lines().filter(|l| l.starts_with("  result")).count();
    let Some((_, debian)) = build.debian.iter().find(|(n, _)| *n == "faults") else {
        println!("faults.c: {cases} cases on our library (no Debian build to compare)");
        return;
    };
    let theirs = capi::run_exe(build, debian, &[], "debian-faults");
    assert!(
        theirs.ok(),
        "{}",
        theirs.describe("faults.c on Debian's librsync (the test itself is wrong)")
    );
    assert!(
        ours.stdout == theirs.stdout,
        "faults.c: stdout differs from Debian's: {}",
        first_difference(&ours.stdout, &theirs.stdout)
    );
    assert!(
        ours.stderr == theirs.stderr,
        "faults.c: stderr differs from Debian's: {}",
        first_difference(&ours.stderr, &theirs.stderr)
    );
    let lines = stderr
        .lines()
        .filter(|l| l.starts_with("librsync:"))
        .count();
    println!(
        "faults.c: {cases} fault cases, same results, output and {lines} log lines as Debian's librsync"
    );
}
