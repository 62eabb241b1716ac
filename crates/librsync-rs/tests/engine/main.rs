//! The tests of the engine and its Rust API, in one binary:
//!
//! * `bad_inputs`: the catalogue of bad signatures and deltas (S1–S16,
//!   P1–P21), API misuse (M2/M3/M8) and basis faults (F1–F9);
//! * `differential`: signatures and deltas byte-identical to Debian's
//!   `rdiff` over the corpus;
//! * `streaming`: the same bytes whatever the buffer sizes;
//! * `error_messages`: every failing catalogue row's error names the
//!   problem and where it is;
//! * `robustness`: random corruptions end in a result;
//! * `adapters_rdiff`: the `io` adapters write `rdiff`'s bytes whatever
//!   the sizes of reads and writes;
//! * `ops_rdiff`: the delta operations API (`librsync_rs::ops`) re-encodes
//!   every delta Debian's `rdiff` writes to the same bytes;
//! * `faults`: I/O errors on every read and write path (failing writers,
//!   readers and bases) end in `RS_IO_ERROR` with C's message, and nothing
//!   is written after them;
//! * `threads`: many jobs on many threads while the log state changes,
//!   outputs equal to single-threaded runs (in a child process);
//! * `memory`: peak RSS of the adversarial rows (huge lengths in a
//!   signature header, a signature claiming 8 GiB, COPY and LITERAL bombs)
//!   within stated bounds, measured in child processes;
//! * `properties`: property tests (proptest) of the delta operations API,
//!   the one-shots, the adapters and the output limits over arbitrary data,
//!   formats, lengths and read/write schedules.
//!
//! The one job driver, [`drive`], is here.

use librsync_rs_scenarios as common;

mod adapters_rdiff;
mod bad_inputs;
mod differential;
mod error_messages;
mod faults;
mod memory;
mod ops_rdiff;
mod properties;
mod robustness;
mod streaming;
mod threads;

use librsync_rs::{Buffers, Job, Status};

/// How the caller presents input.
#[derive(Clone, Copy, Debug)]
pub enum Feed {
    /// Up to `chunk` bytes from the first unconsumed byte on each call
    /// (leftovers are presented again, as rdiff-backup does).
    Sliding,
    /// A new buffer of up to `chunk` bytes only once the last one is used
    /// up (as librsync's own file buffers do).
    Refill,
}

/// When the end-of-input flag is set.
#[derive(Clone, Copy, Debug)]
pub enum Eof {
    /// On the call whose buffer holds the last input byte.
    WithLastByte,
    /// Only on calls after all input has been given (empty input).
    AfterInput,
}

/// Both end-of-input modes.
pub const EOF_MODES: [Eof; 2] = [Eof::WithLastByte, Eof::AfterInput];

/// `Job::process` calls before a run counts as a hang.
const MAX_CALLS: usize = 10_000_000;

/// Output beyond which a run counts as unbounded.
const MAX_OUTPUT: usize = 50 << 20;

/// How a driven job ended.
#[derive(Debug)]
pub struct Run {
    /// The first result that was not `Blocked`.
    pub result: librsync_rs::Result<Status>,
    pub output: Vec<u8>,
    /// Input bytes the job took.
    pub consumed: usize,
    /// `Job::process` calls made.
    pub calls: usize,
}

impl Run {
    /// The `rs_result` code of the run.
    pub fn code(&self) -> i32 {
        match &self.result {
            Ok(Status::Done) => 0,
            Ok(Status::Blocked) => 1,
            Err(e) => e.code(),
        }
    }

    /// The output, or the error.
    pub fn into_result(self) -> librsync_rs::Result<Vec<u8>> {
        self.result.map(|_| self.output)
    }
}

/// Calls `job.iter` while it returns `Blocked`, each time with the input
/// and output sizes `sizes()` gives, input presented as `feed` says and
/// the end-of-input flag set as `eof` says. Fails the test on a hang or
/// unbounded output.
pub fn drive(
    job: &mut Job<'_>,
    input: &[u8],
    mut sizes: impl FnMut() -> (usize, usize),
    feed: Feed,
    eof: Eof,
) -> Run {
    let mut output = Vec::new();
    let (mut start, mut end) = (0usize, 0usize);
    let mut outbuf = Vec::new();
    for calls in 1..=MAX_CALLS {
        let (in_chunk, out_chunk) = sizes();
        match feed {
            Feed::Sliding => end = (start + in_chunk).min(input.len()),
            Feed::Refill => {
                if start == end {
                    end = (start + in_chunk).min(input.len());
                }
            }
        }
        let at_eof = match eof {
            Eof::WithLastByte => end == input.len(),
            Eof::AfterInput => start == input.len(),
        };
        outbuf.resize(out_chunk, 0);
        let mut bufs = Buffers::new(&input[start..end], &mut outbuf).with_eof(at_eof);
        let result = job.process(&mut bufs);
        start += bufs.input_consumed();
        output.extend_from_slice(bufs.produced());
        assert!(output.len() <= MAX_OUTPUT, "unbounded output");
        if result != Ok(Status::Blocked) {
            return Run {
                result,
                output,
                consumed: start,
                calls,
            };
        }
    }
    panic!("job still blocked after {MAX_CALLS} calls (hang?)");
}

/// [`drive`] with 1 byte of input and 1 byte of output per call.
pub fn drive_bytewise(job: &mut Job<'_>, input: &[u8], eof: Eof) -> Run {
    drive(job, input, || (1, 1), Feed::Sliding, eof)
}
