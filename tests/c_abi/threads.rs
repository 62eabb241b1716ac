//! Many jobs on many threads through the C ABI: `tests/c/threads.c` (see
//! its header) runs 40 tasks of all four kinds on one thread, then 8
//! threads × 50 tasks at once while another thread keeps changing the log
//! level and sink and `rs_inbuflen` / `rs_outbuflen`; every concurrent
//! result and output must equal the single-threaded one. It runs against
//! our library and, for comparison, Debian's (separate processes); the
//! single-threaded outputs the two print must be identical.

use crate::capi::{self, first_difference};

#[test]
fn concurrent_jobs_give_single_threaded_outputs() {
    let Some(build) = capi::build() else { return };
    // One run at the default size, and one with more threads than tasks'
    // data sets and fewer jobs each.
    for args in [&[][..], &["16", "10"]] {
        let ours = capi::run_exe(build, build.ours("threads"), args, "ours-threads");
        assert!(ours.ok(), "{}", ours.describe("threads.c on our librsync"));
        assert!(String::from_utf8_lossy(&ours.stdout).contains("threads: ok"));
        println!(
            "ours {args:?}: {} ({:.2} s)",
            String::from_utf8_lossy(&ours.stderr).trim(),
            ours.took.as_secs_f64()
        );
        let Some((_, debian)) = build.debian.iter().find(|(n, _)| *n == "threads") else {
            continue;
        };
        let theirs = capi::run_exe(build, debian, args, "debian-threads");
        assert!(
            theirs.ok(),
            "{}",
            theirs.describe("threads.c on Debian's librsync (the test itself is wrong)")
        );
        assert!(
            ours.stdout == theirs.stdout,
            "threads.c: single-threaded outputs differ from Debian's: {}",
            first_difference(&ours.stdout, &theirs.stdout)
        );
        println!(
            "debian {args:?}: {} ({:.2} s)",
            String::from_utf8_lossy(&theirs.stderr).trim(),
            theirs.took.as_secs_f64()
        );
    }
}
