//! Memory under attack (bad-inputs.md S8/R3, S10, R2, P11, P19, P21): each
//! test runs its job in a child process (this test binary again, with only
//! that test and `LIBRSYNC_RS_TEST_CHILD` set), which resets its peak RSS
//! (`/proc/self/clear_refs`) once its inputs are in memory, runs the job
//! with inputs streamed from generators and outputs into `io::sink`, and
//! reports its peak RSS (`VmHWM`) over its RSS at the reset. The bounds:
//!
//! | row | input | bound on the peak over the baseline |
//! |---|---|---|
//! | S8/R3 | signature with block length 2^31−1 and one block; delta of 16 MiB | 16 MiB + 4 MiB (the job must hold the input, since no block can match before its end, as C does; C held it twice, 133 MB for 64 MiB) |
//! | (sig) | signature with block length 2^28 of 16 MiB | 16 MiB + 4 MiB (the job holds the block it hashes) |
//! | S8, S9 | signature with block length 2^31−1 and strong length 0 (max); delta of 1 MiB | 8 MiB |
//! | S10 | strong length 2^32−1, 2^31: fail, no allocation | 2 MiB |
//! | R2 | signature claiming (size hint) 8 GiB, with 100 000 real blocks (3.6 MB) | 16 MiB |
//! | P19/P18 | COPY of 2^62 bytes from a 1000-byte basis | 2 MiB |
//! | P21 | 1024 COPYs of a whole 1 MiB basis: 1 GiB of output | 4 MiB |
//! | P11 | LITERAL claiming 2^60 bytes followed by 256 MiB of data | 4 MiB |
//! | P5 vs P21/P11 | patch memory for an empty output against 1 GiB + 256 MiB | within 1 MiB of each other |
//!
//! (The basis of the patches is in memory before the reset and not
//! counted.) Where `/proc/self/clear_refs` cannot be written, only growth
//! of the child's peak beyond its peak before the job is seen, which is
//! weaker. The measured figures are printed.

use std::io::{self, Read};
use std::process::Command;

use crate::common::bytes::*;
use crate::common::Rng;
use librsync_rs::{delta, load_signature, patch, BufferSizes, Signature};

/// The variable naming the test a child process runs.
const CHILD_ENV: &str = "LIBRSYNC_RS_TEST_CHILD";

/// Whether this process is the child running `test` (its full name, such
/// as `memory::copy_bomb`).
pub fn is_child(test: &str) -> bool {
    std::env::var(CHILD_ENV).is_ok_and(|v| v == test)
}

/// Runs `test` alone in a child process (this binary again, with
/// [`CHILD_ENV`] set to it) and returns the lines it printed that start
/// `report: `, from there on (libtest may
/// print the test's name before it on the same line). Fails if the child fails.
pub fn run_in_child(test: &str) -> Vec<String> {
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .output()
        .expect("run the test binary again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child {test}: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.split_once("report: ").map(|(_, r)| r.to_string()))
        .collect();
    assert!(
        !lines.is_empty(),
        "child {test} reported nothing:\n{stdout}"
    );
    lines
}

/// A field of `/proc/self/status` in KiB (`VmHWM`, `VmRSS`).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// In the child: resets the peak RSS (where the kernel allows) and
/// returns the RSS to measure from, in KiB.
fn start_measuring() -> u64 {
    if std::fs::write("/proc/self/clear_refs", "5").is_ok() {
        status_kib("VmRSS")
    } else {
        // Only growth beyond the peak so far can be seen.
        status_kib("VmHWM")
    }
}

/// In the child: prints the peak RSS over `base` (KiB) for the parent.
fn report_peak(label: &str, base: u64) {
    let peak = status_kib("VmHWM");
    println!("report: {label} {}", peak.saturating_sub(base));
}

/// Runs `work` in a child process for `test` and returns the peaks it
/// reported, by label, in KiB; in the child, runs it.
fn measure(test: &str, work: impl FnOnce()) -> Vec<(String, u64)> {
    if is_child(test) {
        work();
        return Vec::new();
    }
    run_in_child(test)
        .into_iter()
        .map(|l| {
            let (label, kib) = l.rsplit_once(' ').expect("label and figure");
            (label.to_string(), kib.parse().expect("KiB"))
        })
        .collect()
}

/// Checks each reported peak against its bound in KiB, printing them.
fn check_bounds(peaks: &[(String, u64)], bound_kib: impl Fn(&str) -> u64) {
    for (label, kib) in peaks {
        let bound = bound_kib(label);
        println!("{label}: peak RSS +{kib} KiB (bound {bound} KiB)");
        assert!(
            *kib <= bound,
            "{label}: peak RSS grew {kib} KiB, over {bound} KiB"
        );
    }
}

/// A reader of `len` pseudo-random bytes made as they are read.
struct Generated {
    rng: Rng,
    left: u64,
}

impl Generated {
    /// `len` bytes from seed `seed`.
    fn new(seed: u64, len: u64) -> Generated {
        Generated {
            rng: Rng::new(seed),
            left: len,
        }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.left.min(1 << 16) as usize);
        for chunk in buf[..n].chunks_mut(8) {
            let v = self.rng.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A loaded signature from its bytes.
fn loaded(sig: &[u8]) -> librsync_rs::Result<Signature> {
    load_signature(sig, None).map(|(s, _)| s)
}

/// A MiB in KiB, the unit of the figures.
const MIB: u64 = 1024;

#[test]
fn huge_block_and_strong_lengths_in_a_signature_header() {
    let peaks = measure(
        "memory::huge_block_and_strong_lengths_in_a_signature_header",
        || {
            // S8/R3: one block of 2^31-1 bytes; the delta of 16 MiB must
            // hold the input (no match can be decided before), not 2 GiB.
            let mut sig = sig_header(0x7273_0147, 0x7fff_ffff, 32);
            push_block(&mut sig, 0x1234_5678, 32, 1);
            let base = start_measuring();
            let s = loaded(&sig).unwrap();
            let d = delta(
                &s,
                Generated::new(1, 16 << 20),
                io::sink(),
                BufferSizes::default(),
            );
            assert!(d.is_ok(), "{d:?}");
            report_peak("S8/R3 block_len 2^31-1, delta of 16 MiB", base);

            // The signature job with a block length of 2^28 over 16 MiB
            // (C's rs_sig_file would take a buffer of four blocks, 1 GiB).
            let opts = librsync_rs::SignatureOptions::new().block_len(1 << 28);
            let base = start_measuring();
            let r = librsync_rs::signature(Generated::new(3, 16 << 20), io::sink(), &opts);
            assert!(r.is_ok(), "{r:?}");
            report_peak("block_len 2^28, signature of 16 MiB", base);

            // S8 + S9: strong length 0 (the maximum), 1 MiB of input.
            let sig = sig_header(0x7273_0147, 0x7fff_ffff, 0);
            let base = start_measuring();
            let s = loaded(&sig).unwrap();
            delta(
                &s,
                Generated::new(2, 1 << 20),
                io::sink(),
                BufferSizes::default(),
            )
            .unwrap();
            report_peak("S8/S9 block_len 2^31-1 strong 0, delta of 1 MiB", base);

            // S10: strong lengths that are refused.
            let base = start_measuring();
            for strong in [0xffff_ffff, 0x8000_0000, 33] {
                let sig = sig_header(0x7273_0147, 0x7fff_ffff, strong);
                assert_eq!(loaded(&sig).map(drop).map_err(|e| e.code()), Err(106));
            }
            report_peak("S10 strong_len 2^32-1, 2^31, 33", base);
        },
    );
    check_bounds(&peaks, |label| {
        if label.starts_with("S8/R3") || label.contains("signature of 16 MiB") {
            20 * MIB
        } else if label.starts_with("S8/S9") {
            8 * MIB
        } else {
            2 * MIB
        }
    });
}

#[test]
fn signature_claiming_8_gib() {
    let peaks = measure("memory::signature_claiming_8_gib", || {
        // R2: the size hint (fstat's size in C) says 8 GiB; the stream
        // holds 100 000 blocks (3.6 MB), then ends.
        let mut sig = sig_header(0x7273_0147, 2048, 32);
        for i in 0..100_000u32 {
            push_block(&mut sig, i.wrapping_mul(2_654_435_761), 32, i);
        }
        let base = start_measuring();
        let (s, _) = load_signature(&sig[..], Some(8 << 30)).unwrap();
        assert_eq!(s.block_count(), 100_000);
        report_peak("R2 100 000 blocks, size hint 8 GiB", base);
        drop(s);
        // The same claim with a truncated stream fails without holding
        // more than what came.
        let base = start_measuring();
        let r = load_signature(&sig[..1000], Some(8 << 30));
        assert_eq!(r.map(drop).map_err(|e| e.code()), Err(103));
        report_peak("R2 truncated after 1000 bytes, size hint 8 GiB", base);
    });
    check_bounds(&peaks, |label| {
        if label.contains("100 000") {
            16 * MIB
        } else {
            2 * MIB
        }
    });
}

/// The delta magic, a LITERAL_N8 command claiming `claim` bytes, then
/// `data_len` bytes of data (generated), and nothing more.
fn literal_bomb(claim: u64, data_len: u64) -> impl Read {
    let mut head = delta_of(&[0x44]);
    head.extend_from_slice(&claim.to_be_bytes());
    io::Cursor::new(head).chain(Generated::new(9, data_len))
}

/// A delta of `copies` COPY commands of `len` bytes from position 0, then
/// END.
fn copy_bomb(copies: usize, len: u64) -> Vec<u8> {
    let mut cmds = Vec::new();
    for _ in 0..copies {
        cmds.extend(copy8(0, len));
    }
    cmds.push(0);
    delta_of(&cmds)
}

/// The patch bombs, each in a child process: prints the peaks.
fn patch_peaks(test: &str, which: &'static str) -> Vec<(String, u64)> {
    measure(test, move || {
        let small = vec![7u8; 1000];
        let basis = Rng::new(5).bytes(1 << 20);
        let run = |label: &str, basis: &[u8], d: &mut dyn Read, want: i32| {
            let base = start_measuring();
            let r = patch(basis, d, io::sink(), BufferSizes::default());
            assert_eq!(r.map_or_else(|e| e.code(), |_| 0), want, "{label}");
            report_peak(label, base);
        };
        match which {
            "bombs" => {
                let p19 = delta_of(&copy8(1 << 62, (1 << 62) + 5));
                run(
                    "P19 COPY at 2^62 of 2^62+5 bytes",
                    &small,
                    &mut &p19[..],
                    103,
                );
                let p18 = copy_bomb(1, 1 << 62);
                run(
                    "P18 COPY of 2^62 bytes from 1000",
                    &small,
                    &mut &p18[..],
                    103,
                );
                let p21 = copy_bomb(1024, 1 << 20);
                run(
                    "P21 1024 COPYs of 1 MiB: 1 GiB out",
                    &basis,
                    &mut &p21[..],
                    0,
                );
                let mut p11 = literal_bomb(1 << 60, 256 << 20);
                run("P11 LITERAL of 2^60, 256 MiB given", &basis, &mut p11, 103);
            }
            _ => {
                let p5 = delta_of(&[0]);
                run("P5 empty output", &basis, &mut &p5[..], 0);
            }
        }
    })
}

#[test]
fn copy_and_literal_bombs() {
    let peaks = patch_peaks("memory::copy_and_literal_bombs", "bombs");
    check_bounds(&peaks, |label| {
        if label.starts_with("P18") || label.starts_with("P19") {
            2 * MIB
        } else {
            4 * MIB
        }
    });
}

#[test]
fn patch_memory_does_not_depend_on_the_delta() {
    let tiny = patch_peaks("memory::patch_memory_does_not_depend_on_the_delta", "tiny");
    if tiny.is_empty() {
        return; // the child
    }
    let huge = patch_peaks("memory::copy_and_literal_bombs", "bombs");
    let (_, empty) = &tiny[0];
    for (label, kib) in huge
        .iter()
        .filter(|(l, _)| l.starts_with("P21") || l.starts_with("P11"))
    {
        println!("{label}: +{kib} KiB; empty output: +{empty} KiB");
        assert!(
            kib.abs_diff(*empty) <= MIB,
            "{label}: patch memory +{kib} KiB against +{empty} KiB for an empty output"
        );
    }
}
