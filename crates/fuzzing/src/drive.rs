//! Driving a job through chunks of input and output, as a caller of
//! `rs_job_iter` would: the same driver runs our `Job`, Debian's C jobs
//! (differential target) and our C ABI (capi target).

use arbitrary::Unstructured;
use librsync_rs::{Buffers, Job, Status};

/// Output space given when a schedule is used up or a call stalled.
pub const GENEROUS_OUT: usize = 64 * 1024;

/// Calls after which every call gets all remaining input and
/// [`GENEROUS_OUT`] bytes of output, so that a 1-byte schedule over a large
/// output still ends quickly.
const MAX_SCHEDULED_CALLS: usize = 20_000;

/// Consecutive calls without progress that are tolerated (a basis may ask
/// to be called again a few times) before the job is declared hung.
const MAX_STALLS: usize = 200;

/// Input and output chunk sizes for successive calls of a job, cycled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    /// Input bytes offered per call (beyond what earlier calls left).
    pub input: Vec<usize>,
    /// Output space offered per call.
    pub output: Vec<usize>,
}

/// One size drawn from `u`: often tiny, sometimes medium or large, and
/// sometimes 0.
fn size(u: &mut Unstructured<'_>) -> usize {
    let kind: u8 = u.arbitrary().unwrap_or(0);
    let n: u16 = u.arbitrary().unwrap_or(0);
    match kind % 8 {
        0 => 0,
        1..=4 => 1 + (n as usize % 16),
        5 | 6 => 1 + n as usize % 4096,
        _ => 1 + n as usize,
    }
}

impl Schedule {
    /// A schedule of up to 7 input and 7 output sizes drawn from `u`; an
    /// empty list means "everything at once" (input) or [`GENEROUS_OUT`]
    /// (output).
    pub fn arbitrary(u: &mut Unstructured<'_>) -> Schedule {
        let n_in = u.int_in_range(0..=7u8).unwrap_or(0);
        let input = (0..n_in).map(|_| size(u)).collect();
        let n_out = u.int_in_range(0..=7u8).unwrap_or(0);
        let output = (0..n_out).map(|_| size(u)).collect();
        Schedule { input, output }
    }

    /// Everything at once.
    pub fn whole() -> Schedule {
        Schedule::default()
    }

    /// Input bytes to offer on call `i`.
    fn input_at(&self, i: usize) -> usize {
        if self.input.is_empty() {
            usize::MAX
        } else {
            self.input[i % self.input.len()]
        }
    }

    /// Output space to offer on call `i`.
    fn output_at(&self, i: usize) -> usize {
        if self.output.is_empty() {
            GENEROUS_OUT
        } else {
            self.output[i % self.output.len()]
        }
    }
}

/// What one call of a job did.
#[derive(Clone, Copy, Debug)]
pub struct Call {
    /// `Ok(true)` done, `Ok(false)` blocked, `Err(code)` failed.
    pub status: Result<bool, i32>,
    /// Input bytes consumed.
    pub consumed: usize,
    /// Output bytes produced.
    pub produced: usize,
}

/// How a driven job ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// The job returned done.
    Done,
    /// The job failed with this `rs_result` code.
    Failed(i32),
    /// The output passed the driver's cap; the job was abandoned.
    Capped,
}

/// The result of driving a job to its end.
#[derive(Clone, Debug)]
pub struct Run {
    /// Everything the job wrote.
    pub out: Vec<u8>,
    /// How it ended.
    pub end: End,
    /// Input bytes consumed in all.
    pub consumed: usize,
}

impl Run {
    /// `Ok(output)` if the job was done, `Err(code)` if it failed; `None`
    /// if it was capped.
    pub fn verdict(&self) -> Option<Result<&[u8], i32>> {
        match self.end {
            End::Done => Some(Ok(&self.out)),
            End::Failed(code) => Some(Err(code)),
            End::Capped => None,
        }
    }
}

/// Drives `call` (one `rs_job_iter`: input, end-of-input flag, output
/// space) over `input` with the chunk sizes of `sched`. Input a call does
/// not consume is offered again (with more) next time, as rdiff-backup
/// does. Stops when the job is done or fails, or when more than `max_out`
/// bytes were written.
///
/// # Panics
///
/// If the job stalls: more than a few hundred calls in a row, with all
/// remaining input, the end-of-input flag and output space, that neither
/// consume nor produce nor finish.
pub fn drive_with(
    input: &[u8],
    sched: &Schedule,
    max_out: usize,
    mut call: impl FnMut(&[u8], bool, &mut [u8]) -> Call,
) -> Run {
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut stalls = 0usize;
    let mut buf = Vec::new();
    for i in 0.. {
        let generous = stalls > 1 || i >= MAX_SCHEDULED_CALLS;
        let (in_len, out_len) = if generous {
            (usize::MAX, GENEROUS_OUT)
        } else {
            (sched.input_at(i), sched.output_at(i))
        };
        let end = pos.saturating_add(in_len).min(input.len());
        let chunk = &input[pos..end];
        let eof = end == input.len();
        // Grown, never cleared: refilling 64 KiB on each of thousands of
        // calls would dominate a run.
        if buf.len() < out_len {
            buf.resize(out_len, 0xA5);
        }
        let c = call(chunk, eof, &mut buf[..out_len]);
        assert!(c.consumed <= chunk.len(), "consumed more than offered");
        assert!(c.produced <= out_len, "produced more than the space");
        pos += c.consumed;
        out.extend_from_slice(&buf[..c.produced]);
        match c.status {
            Ok(true) => {
                return Run {
                    out,
                    end: End::Done,
                    consumed: pos,
                }
            }
            Err(code) => {
                return Run {
                    out,
                    end: End::Failed(code),
                    consumed: pos,
                }
            }
            Ok(false) => {}
        }
        if out.len() > max_out {
            return Run {
                out,
                end: End::Capped,
                consumed: pos,
            };
        }
        if c.consumed == 0 && c.produced == 0 {
            stalls += 1;
            assert!(
                stalls < MAX_STALLS,
                "job stalled: {stalls} calls without progress at input {pos} of {}, output {}",
                input.len(),
                out.len()
            );
        } else {
            stalls = 0;
        }
    }
    unreachable!()
}

/// One call of our [`Job`].
pub fn job_call(job: &mut Job<'_>, input: &[u8], eof: bool, out: &mut [u8]) -> Call {
    let mut bufs = Buffers::new(input, out).with_eof(eof);
    let status = match job.process(&mut bufs) {
        Ok(Status::Done) => Ok(true),
        Ok(Status::Blocked) => Ok(false),
        Err(e) => {
            assert!(e.code() > 1, "error with code {}: {e}", e.code());
            Err(e.code())
        }
    };
    Call {
        status,
        consumed: bufs.input_consumed(),
        produced: bufs.output_produced(),
    }
}

/// Drives our `job` over `input` (see [`drive_with`]).
pub fn drive(job: &mut Job<'_>, input: &[u8], sched: &Schedule, max_out: usize) -> Run {
    drive_with(input, sched, max_out, |i, eof, o| job_call(job, i, eof, o))
}

/// Splits fuzz input into a configuration of `n` bytes (zero-padded if the
/// input is shorter) and the payload after it.
pub fn split(data: &[u8], n: usize) -> (Vec<u8>, &[u8]) {
    let cut = n.min(data.len());
    let mut cfg = data[..cut].to_vec();
    cfg.resize(n, 0);
    (cfg, &data[cut..])
}

/// A deterministic byte string of `len` bytes from `seed` (for bases and
/// new files that fuzz input only parameterises).
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}
