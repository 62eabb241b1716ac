//! Many jobs on many threads at once through the Rust API, while the
//! global log state changes (docs/architecture.md, "Threads").
//!
//! 40 tasks of all four kinds (signatures of every magic and several block
//! and strong lengths, loading signatures, deltas, patches, and patches of
//! a corrupt delta that fail and log), through the whole-stream helpers,
//! `Job::process` with small buffers, and the `io` adapters, are run once
//! on one thread; then 8 threads run 50 tasks each, all at once, while
//! another thread keeps changing the log level (`trace::set_level`) and
//! sink (`trace::set_sink`: two counting sinks and silence). Every result
//! and output must equal the single-threaded one.
//!
//! The test runs in a child process (see `memory::run_in_child`), since
//! it changes the global sink the other tests of this binary rely on.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::common::Rng;
use crate::memory::{is_child, run_in_child};
use crate::{drive, Eof, Feed};
use librsync_rs::trace::{self, LogLevel, Sink};
use librsync_rs::{
    delta, load_signature, patch, signature, BufferSizes, Job, SigMagic, Signature,
    SignatureOptions, StrongLen,
};

/// Threads running tasks at once.
const THREADS: usize = 8;
/// Tasks each thread runs.
const JOBS_PER_THREAD: usize = 50;
/// Distinct tasks.
const TASKS: usize = 40;

/// How a task's job is run.
#[derive(Clone, Copy, Debug)]
enum Via {
    /// The whole-stream helpers.
    Whole,
    /// `Job::process`, 1000 bytes in and 700 out per call.
    Job,
    /// The `io` adapters and one-shots.
    Adapters,
}

/// What a task does.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Sig,
    LoadSig,
    Delta,
    Patch,
    BadPatch,
}

/// One task: its inputs, made once, and how to run it.
struct Task {
    kind: Kind,
    via: Via,
    opts: SignatureOptions,
    basis: Arc<Vec<u8>>,
    new: Arc<Vec<u8>>,
    sig_bytes: Vec<u8>,
    sig: Signature,
    delta: Vec<u8>,
}

/// Runs `job` over `input` with [`drive`], small buffers.
fn drive_job(mut job: Job<'_>, input: &[u8]) -> (i32, Vec<u8>) {
    let run = drive(
        &mut job,
        input,
        || (1000, 700),
        Feed::Refill,
        Eof::WithLastByte,
    );
    (run.code(), run.output)
}

/// The result code of `r`, 0 for success.
fn code<T>(r: &librsync_rs::Result<T>) -> i32 {
    r.as_ref().map_or_else(|e| e.code(), |_| 0)
}

impl Task {
    /// Runs the task: its result code and output (for loading, the block
    /// count and statistics).
    fn run(&self) -> (i32, Vec<u8>) {
        let sizes = BufferSizes::default();
        let mut out = Vec::new();
        match (self.kind, self.via) {
            (Kind::Sig, Via::Whole) => {
                let r = signature(&self.basis[..], &mut out, &self.opts);
                (code(&r), out)
            }
            (Kind::Sig, Via::Job) => {
                let a = self.opts.resolve().unwrap();
                drive_job(
                    Job::signature(a.magic, a.block_len, a.strong_len),
                    &self.basis,
                )
            }
            (Kind::Sig, Via::Adapters) => {
                let mut r =
                    librsync_rs::io::SignatureReader::new(&self.basis[..], &self.opts).unwrap();
                let res = r.read_to_end(&mut out).map_err(librsync_rs::Error::from_io);
                (code(&res), out)
            }
            (Kind::LoadSig, via) => {
                let r = match via {
                    Via::Adapters => librsync_rs::io::load_signature_of(&self.sig_bytes),
                    _ => load_signature(&self.sig_bytes[..], None).map(|(s, _)| s),
                };
                let text = match &r {
                    Ok(s) => format!("{} blocks of {}", s.block_count(), s.block_len()),
                    Err(_) => String::new(),
                };
                (code(&r), text.into_bytes())
            }
            (Kind::Delta, Via::Whole) => {
                let r = delta(&self.sig, &self.new[..], &mut out, sizes);
                (code(&r), out)
            }
            (Kind::Delta, Via::Job) => drive_job(Job::delta(&self.sig), &self.new),
            (Kind::Delta, Via::Adapters) => {
                let r = librsync_rs::io::delta_of(&self.sig, &self.new);
                (code(&r), r.unwrap_or_default())
            }
            (Kind::Patch | Kind::BadPatch, Via::Whole) => {
                let r = patch(&self.basis[..], &self.delta[..], &mut out, sizes);
                (code(&r), out)
            }
            (Kind::Patch | Kind::BadPatch, Via::Job) => {
                drive_job(Job::patch(&self.basis[..]), &self.delta)
            }
            (Kind::Patch | Kind::BadPatch, Via::Adapters) => {
                let mut r = librsync_rs::io::PatchReader::new(&self.basis[..], &self.delta[..]);
                let res = r.read_to_end(&mut out).map_err(librsync_rs::Error::from_io);
                (code(&res), out)
            }
        }
    }
}

/// Bytes shared by several tasks.
type Shared = Arc<Vec<u8>>;

/// The tasks: four data sets, all magics, several lengths, three ways.
fn tasks() -> Vec<Task> {
    let mut rng = Rng::new(31337);
    let data: Vec<(Shared, Shared)> = (0..4)
        .map(|_| {
            let basis = rng.text(60_000);
            let new = rng.mutate(&basis, 10);
            (Arc::new(basis), Arc::new(new))
        })
        .collect();
    (0..TASKS)
        .map(|i| {
            let kind = [
                Kind::Sig,
                Kind::LoadSig,
                Kind::Delta,
                Kind::Patch,
                Kind::BadPatch,
            ][i % 5];
            let via = [Via::Whole, Via::Job, Via::Adapters][(i / 5) % 3];
            let magic = SigMagic::ALL[i % 4];
            let strong = [StrongLen::Max, StrongLen::Exact(8), StrongLen::Min][i % 3];
            let opts = SignatureOptions::new()
                .magic(magic)
                .block_len([256, 700, 2048, 64][(i / 3) % 4])
                .strong_len(strong)
                .basis_size(60_000);
            let (basis, new) = data[(i / 5) % 4].clone();
            let mut sig_bytes = Vec::new();
            signature(&basis[..], &mut sig_bytes, &opts).unwrap();
            let (sig, _) = load_signature(&sig_bytes[..], None).unwrap();
            let mut d = Vec::new();
            delta(&sig, &new[..], &mut d, BufferSizes::default()).unwrap();
            if kind == Kind::BadPatch {
                // A reserved command instead of END: fails at the end.
                assert_eq!(d.pop(), Some(0));
                d.push(0x55);
            }
            Task {
                kind,
                via,
                opts,
                basis,
                new,
                sig_bytes,
                sig,
                delta: d,
            }
        })
        .collect()
}

#[test]
fn many_jobs_on_many_threads_while_logging_changes() {
    let test = "threads::many_jobs_on_many_threads_while_logging_changes";
    if !is_child(test) {
        for line in run_in_child(test) {
            println!("{line}");
        }
        return;
    }
    let tasks = tasks();
    let reference: Vec<(i32, Vec<u8>)> = tasks.iter().map(Task::run).collect();
    for (t, (c, _)) in tasks.iter().zip(&reference) {
        assert_eq!(*c, if t.kind == Kind::BadPatch { 106 } else { 0 });
    }

    let stop = AtomicBool::new(false);
    let lines = Arc::new(AtomicUsize::new(0));
    let changes = AtomicUsize::new(0);
    let mismatches = AtomicUsize::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            let levels = [
                LogLevel::Err,
                LogLevel::Debug,
                LogLevel::Emerg,
                LogLevel::Info,
            ];
            let mut i = 0usize;
            while !stop.load(Ordering::Acquire) {
                trace::set_level(levels[i % 4]);
                let sink = match i % 3 {
                    0 => Sink::Silent,
                    _ => {
                        let lines = lines.clone();
                        Sink::Custom(Arc::new(move |_level, line: &[u8]| {
                            assert!(line.starts_with(b"librsync: ") && line.ends_with(b"\n"));
                            lines.fetch_add(1, Ordering::Relaxed);
                        }))
                    }
                };
                trace::set_sink(sink);
                i += 1;
                if i % 64 == 0 {
                    std::thread::yield_now();
                }
            }
            changes.store(i, Ordering::SeqCst);
        });
        let workers: Vec<_> = (0..THREADS)
            .map(|id| {
                let (tasks, reference, mismatches) = (&tasks, &reference, &mismatches);
                s.spawn(move || {
                    for j in 0..JOBS_PER_THREAD {
                        let k = (id * 7 + j * 3) % TASKS;
                        let got = tasks[k].run();
                        if got != reference[k] {
                            eprintln!(
                                "thread {id} job {j}: task {k} ({:?} via {:?}) differs",
                                tasks[k].kind, tasks[k].via
                            );
                            mismatches.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().expect("worker");
        }
        stop.store(true, Ordering::Release);
    });
    trace::set_sink(Sink::Silent);
    trace::set_level(LogLevel::Info);
    let mismatches = mismatches.into_inner();
    println!(
        "report: {THREADS} threads x {JOBS_PER_THREAD} jobs: {mismatches} mismatches, {} changes \
         of the log level and sink, {} log lines",
        changes.load(Ordering::SeqCst),
        lines.load(Ordering::Relaxed)
    );
    assert_eq!(mismatches, 0);
    assert!(changes.load(Ordering::SeqCst) > 0);
}
