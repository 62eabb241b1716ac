//! Our Rust API against the `fast_rsync` crate (0.2) on the MD4 paths, which
//! are all `fast_rsync` implements: signature (rollsum + MD4, block 2048,
//! strong length 8), loading and indexing that signature, delta of an
//! identical, an edited and an unrelated new file, and patch.
//!
//! Ours runs through the streaming [`librsync_rs::Job`] API, fed its input in
//! 256 KiB pieces as `rdiff` feeds it, writing into one pre-touched output
//! buffer; `fast_rsync` gets whole slices (`Signature::calculate`,
//! `Signature::deserialize(..).index()`, `diff`, `apply`), writing into a
//! pre-touched `Vec`. Only the calls are timed, in CPU time of this thread
//! (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`); the two alternate within
//! every round (ours first in odd rounds) and the table shows medians:
//! MB/s (10^6 bytes of input, of output for patch, per CPU second) or ms,
//! and the ratio ours/fast_rsync of speeds (above 1 = ours faster).
//! Timings are reported, never asserted.
//!
//! Outputs are checked before anything is timed, and again after every
//! timed call: the two signatures must be the same bytes; the deltas differ
//! between the crates, so each must patch back to the new file with both
//! patchers; patch applies the same delta (ours, of the edited file) with
//! both, which must give the edited file.
//!
//! Inputs are made in memory from fixed seeds: a random base of
//! `VS_FAST_RSYNC_MIB` MiB (default 128), an edited copy (1000 inserts,
//! deletes and overwrites of 3 to 300 bytes, one in each thousandth), an
//! identical copy and an unrelated random file. `VS_FAST_RSYNC_ROUNDS` sets
//! the rounds (default 5).
//!
//! ```sh
//! cargo bench --bench vs_fast_rsync
//! VS_FAST_RSYNC_MIB=32 VS_FAST_RSYNC_ROUNDS=3 cargo bench --bench vs_fast_rsync
//! ```

use std::hint::black_box;
use std::time::Duration;

use fast_rsync::{
    apply, diff, IndexedSignature, Signature as FastSignature, SignatureOptions as FastOptions,
};
use librsync_rs::{Buffers, Job, SigMagic, Status};

use librsync_rs_scenarios::bench as support;

use support::{env_or, sample};

const BLOCK_LEN: usize = 2048;
const STRONG_LEN: usize = 8;
/// Input offered to each `Job::process` call.
const PIECE: usize = 256 * 1024;
const EDITS: usize = 1000;

/// CPU time used by this thread so far.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// CPU time of `f`, and what it returned (dropped by the caller, untimed).
fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = thread_cpu();
    let value = black_box(f());
    (thread_cpu() - start, value)
}

/// Runs `job` to the end over `input`, offered in 256 KiB pieces, writing
/// into `out` from its start; returns the number of bytes written.
fn drive(job: &mut Job<'_>, input: &[u8], out: &mut [u8]) -> usize {
    let (mut pos, mut produced) = (0, 0);
    loop {
        let end = input.len().min(pos + PIECE);
        let mut bufs =
            Buffers::new(&input[pos..end], &mut out[produced..]).with_eof(end == input.len());
        let status = job.process(&mut bufs).expect("job failed");
        let (taken, made) = (bufs.input_consumed(), bufs.output_produced());
        pos += taken;
        produced += made;
        if status == Status::Done {
            assert_eq!(pos, input.len(), "the job left input");
            return produced;
        }
        assert!(
            taken + made > 0,
            "the job made no progress (output buffer full: {})",
            produced == out.len()
        );
    }
}

/// A buffer of `len` bytes, every page already written.
fn touched(len: usize) -> Vec<u8> {
    vec![0xa5; len]
}

/// An empty `Vec` with `len` bytes of capacity, every page already written.
fn touched_vec(len: usize) -> Vec<u8> {
    let mut v = touched(len);
    v.clear();
    v
}

/// `base` with `EDITS` edits, one at a random place in each thousandth of
/// it: an insert, a delete or an overwrite of 3 to 300 bytes.
fn edited_copy(base: &[u8]) -> Vec<u8> {
    let mut rng = librsync_rs_scenarios::Rng::new(3);
    let mut next = move || rng.next_u64() as usize;
    let seg = base.len() / EDITS;
    let mut out = Vec::with_capacity(base.len() + EDITS * 300);
    for i in 0..EDITS {
        let start = i * seg;
        let end = if i + 1 == EDITS {
            base.len()
        } else {
            start + seg
        };
        let at = start + next() % (seg - 400);
        let n = 3 + next() % 298;
        let kind = next() % 3;
        let junk = sample(n, i as u64 + 1000);
        out.extend_from_slice(&base[start..at]);
        let resume = match kind {
            0 => {
                out.extend_from_slice(&junk); // insert
                at
            }
            1 => at + n, // delete
            _ => {
                out.extend_from_slice(&junk); // overwrite
                at + n
            }
        };
        out.extend_from_slice(&base[resume..end]);
    }
    out
}

/// The two contenders.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Who {
    Ours,
    Fast,
}

/// What is measured.
#[derive(Clone, Copy)]
enum Case {
    Signature,
    LoadSig,
    /// Delta of `Data::news[i]`.
    Delta(usize),
    Patch,
}

/// The inputs, reference outputs and reused output buffers.
struct Data<'a> {
    base: Vec<u8>,
    /// Identical, edited and unrelated new files.
    news: [(&'static str, Vec<u8>); 3],
    sig: Vec<u8>,
    our_sig: librsync_rs::Signature,
    fast_index: IndexedSignature<'a>,
    /// The deltas of each new file, ours and fast_rsync's.
    deltas: [[Vec<u8>; 2]; 3],
    our_out: Vec<u8>,
    fast_out: Vec<u8>,
}

impl Data<'_> {
    fn edited(&self) -> &[u8] {
        &self.news[1].1
    }
}

/// Our signature of `base` into `out`; returns its length.
fn our_signature(base: &[u8], out: &mut [u8]) -> usize {
    let mut job = Job::signature(SigMagic::Md4, BLOCK_LEN, STRONG_LEN);
    drive(&mut job, base, out)
}

/// Our loadsig job and index build.
fn our_load(sig: &[u8]) -> librsync_rs::Signature {
    let mut job = Job::load_signature();
    job.set_signature_size(sig.len() as i64);
    drive(&mut job, sig, &mut []);
    let mut sig = job.take_signature().expect("no signature");
    sig.build_index().expect("build_index");
    sig
}

fn our_delta(sig: &librsync_rs::Signature, new: &[u8], out: &mut [u8]) -> usize {
    let mut job = Job::delta(sig);
    drive(&mut job, new, out)
}

fn our_patch(base: &[u8], delta: &[u8], out: &mut [u8]) -> usize {
    let mut job = Job::patch(base);
    drive(&mut job, delta, out)
}

fn fast_options() -> FastOptions {
    FastOptions {
        block_size: BLOCK_LEN as u32,
        crypto_hash_size: STRONG_LEN as u32,
    }
}

/// Runs one case for one contender, checks its output and returns the CPU
/// time of the calls.
fn run(case: Case, who: Who, d: &mut Data<'_>) -> Duration {
    match (case, who) {
        (Case::Signature, Who::Ours) => {
            let (t, n) = timed(|| our_signature(&d.base, &mut d.our_out));
            assert!(d.our_out[..n] == d.sig[..], "our signature changed");
            t
        }
        (Case::Signature, Who::Fast) => {
            let (t, sig) = timed(|| FastSignature::calculate(&d.base, fast_options()));
            assert!(
                sig.serialized() == &d.sig[..],
                "fast_rsync's signature changed"
            );
            t
        }
        (Case::LoadSig, Who::Ours) => {
            let (t, sig) = timed(|| our_load(&d.sig));
            assert_eq!(sig.block_count(), d.our_sig.block_count());
            t
        }
        (Case::LoadSig, Who::Fast) => {
            let bytes = d.sig.clone();
            // The index borrows the signature: timed by hand, both dropped
            // after.
            let start = thread_cpu();
            let sig = FastSignature::deserialize(bytes).expect("deserialize");
            let index = black_box(sig.index());
            let t = thread_cpu() - start;
            drop(index);
            t
        }
        (Case::Delta(i), Who::Ours) => {
            let (t, n) = timed(|| our_delta(&d.our_sig, &d.news[i].1, &mut d.our_out));
            assert!(d.our_out[..n] == d.deltas[i][0][..], "our delta changed");
            t
        }
        (Case::Delta(i), Who::Fast) => {
            let cap = d.fast_out.capacity();
            d.fast_out.clear();
            let (t, ()) = timed(|| {
                diff(&d.fast_index, &d.news[i].1, &mut d.fast_out).expect("fast_rsync diff")
            });
            assert!(d.fast_out == d.deltas[i][1], "fast_rsync's delta changed");
            assert_eq!(d.fast_out.capacity(), cap, "the output Vec grew");
            t
        }
        (Case::Patch, Who::Ours) => {
            let (t, n) = timed(|| our_patch(&d.base, &d.deltas[1][0], &mut d.our_out));
            assert!(d.our_out[..n] == *d.edited(), "our patch is wrong");
            t
        }
        (Case::Patch, Who::Fast) => {
            let cap = d.fast_out.capacity();
            d.fast_out.clear();
            let (t, ()) = timed(|| {
                apply(&d.base, &d.deltas[1][0], &mut d.fast_out).expect("fast_rsync apply")
            });
            assert!(d.fast_out == d.edited(), "fast_rsync's patch is wrong");
            assert_eq!(d.fast_out.capacity(), cap, "the output Vec grew");
            t
        }
    }
}

/// Checks that `delta` rebuilds `new` from `base` with both patchers.
fn check_delta(what: &str, base: &[u8], delta: &[u8], new: &[u8], scratch: &mut Vec<u8>) {
    scratch.clear();
    librsync_rs::patch(
        base,
        delta,
        &mut *scratch,
        librsync_rs::BufferSizes::default(),
    )
    .unwrap_or_else(|e| panic!("{what}: our patch failed: {e}"));
    assert!(
        *scratch == new,
        "{what}: our patch does not give the new file"
    );
    scratch.clear();
    apply(base, delta, scratch).unwrap_or_else(|e| panic!("{what}: fast_rsync apply failed: {e}"));
    assert!(
        *scratch == new,
        "{what}: fast_rsync's apply does not give the new file"
    );
}

fn median(times: &[Duration]) -> f64 {
    let mut s: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn main() {
    let mib = env_or("VS_FAST_RSYNC_MIB", 128).max(1);
    let rounds = env_or("VS_FAST_RSYNC_ROUNDS", 5).max(1);
    let len = mib << 20;

    eprintln!("Generating {mib} MiB inputs ...");
    let base = sample(len, 1);
    let news = [
        ("identical", base.clone()),
        ("edited", edited_copy(&base)),
        ("unrelated", sample(len, 99)),
    ];
    let max_new = news.iter().map(|(_, n)| n.len()).max().unwrap();
    // Room for an all-literal delta (a few command bytes per 2 KiB at most).
    let cap = max_new + max_new / 64 + (1 << 20);
    let mut our_out = touched(cap);
    let mut fast_out = touched_vec(cap);

    // Checks before timing. Signatures: the same bytes.
    eprintln!("Checking outputs ...");
    let n = our_signature(&base, &mut our_out);
    let sig = our_out[..n].to_vec();
    let fast_sig = FastSignature::calculate(&base, fast_options());
    assert!(
        fast_sig.serialized() == &sig[..],
        "SIGNATURES DIFFER between ours and fast_rsync"
    );
    let fast_sig = FastSignature::deserialize(sig.clone()).expect("deserialize");
    let fast_index = fast_sig.index();
    let our_sig = our_load(&sig);
    let blocks = our_sig.block_count();

    // Deltas: each one patches back to its new file with both patchers.
    let mut scratch = touched_vec(cap);
    let mut deltas: [[Vec<u8>; 2]; 3] = Default::default();
    for (i, (name, new)) in news.iter().enumerate() {
        let n = our_delta(&our_sig, new, &mut our_out);
        deltas[i][0] = our_out[..n].to_vec();
        fast_out.clear();
        diff(&fast_index, new, &mut fast_out).expect("fast_rsync diff");
        deltas[i][1] = fast_out.clone();
        check_delta(
            &format!("{name}: our delta"),
            &base,
            &deltas[i][0],
            new,
            &mut scratch,
        );
        check_delta(
            &format!("{name}: fast_rsync's delta"),
            &base,
            &deltas[i][1],
            new,
            &mut scratch,
        );
    }
    drop(scratch);

    let mut data = Data {
        base,
        news,
        sig,
        our_sig,
        fast_index,
        deltas,
        our_out,
        fast_out,
    };

    let cases = [
        (Case::Signature, "signature".to_string(), false),
        (
            Case::LoadSig,
            format!("loadsig+index ({blocks} blocks)"),
            true,
        ),
        (Case::Delta(0), "delta identical".to_string(), false),
        (Case::Delta(1), "delta edited".to_string(), false),
        (Case::Delta(2), "delta unrelated".to_string(), false),
        (Case::Patch, "patch edited (our delta)".to_string(), false),
    ];
    let amount = |case: Case, d: &Data<'_>| -> usize {
        match case {
            Case::Signature => d.base.len(),
            Case::LoadSig => 1,
            Case::Delta(i) => d.news[i].1.len(),
            Case::Patch => d.edited().len(),
        }
    };
    let mut times = vec![[Vec::new(), Vec::new()]; cases.len()];
    for round in 1..=rounds {
        eprintln!("Round {round}/{rounds} ...");
        let order = if round % 2 == 1 {
            [Who::Ours, Who::Fast]
        } else {
            [Who::Fast, Who::Ours]
        };
        for (k, &(case, _, _)) in cases.iter().enumerate() {
            for who in order {
                let t = run(case, who, &mut data);
                times[k][(who == Who::Fast) as usize].push(t);
            }
        }
    }

    println!();
    println!(
        "ours (librsync_rs::Job, input in 256 KiB pieces) vs fast_rsync 0.2 (whole slices), \
         MD4 signature, block {BLOCK_LEN}, strong length {STRONG_LEN}, {mib} MiB,"
    );
    println!(
        "median of {rounds} alternating rounds, CPU time of the calls; ratio = ours/fast_rsync \
         speed (>1: ours faster)"
    );
    println!(
        "{:<32} {:<5} {:>10} {:>10} {:>7}",
        "case", "unit", "ours", "fast_rsync", "ratio"
    );
    for (k, (case, name, in_ms)) in cases.iter().enumerate() {
        let ours = median(&times[k][0]);
        let fast = median(&times[k][1]);
        let (unit, o, f) = if *in_ms {
            ("ms", ours * 1e3, fast * 1e3)
        } else {
            let mb = amount(*case, &data) as f64 / 1e6;
            ("MB/s", mb / ours, mb / fast)
        };
        println!(
            "{name:<32} {unit:<5} {o:>10.2} {f:>10.2} {:>7.2}",
            fast / ours.max(1e-12)
        );
    }
    println!();
    println!("delta sizes (ours | fast_rsync):");
    for (i, (name, _)) in data.news.iter().enumerate() {
        println!(
            "  {name:<10} {:>12} | {:>12}",
            data.deltas[i][0].len(),
            data.deltas[i][1].len()
        );
    }
    println!("all rounds, CPU seconds (ours | fast_rsync):");
    for (k, (_, name, _)) in cases.iter().enumerate() {
        let fmt = |v: &[Duration]| -> String {
            v.iter()
                .map(|t| format!(" {:.6}", t.as_secs_f64()))
                .collect()
        };
        println!("  {name:<32}{} |{}", fmt(&times[k][0]), fmt(&times[k][1]));
    }
}
