//! The state every adapter shares: a job, a fixed-size input buffer filled
//! as librsync's whole-stream helpers fill theirs, a fixed-size output
//! buffer, the counters and the progress callback.

use std::io::{self, Read, Write};

use crate::buffers::Buffers;
use crate::error::{output_over_limit, Error, ErrorKind, Result, Status};
use crate::job::Job;
use crate::stats::Stats;

use super::Progress;

/// Output buffer size when the caller sets none.
pub(super) const DEFAULT_OUT: usize = 64 * 1024;

/// Output buffers are not made larger than this (the bytes do not depend
/// on it).
const MAX_OUT: usize = 1 << 20;

/// Input buffers start this small and double as data fills them, up to
/// their limit, so that a small input does not pay for a large buffer.
const FIRST_IN: usize = 4096;

/// A callback shown the counters.
pub(super) type ProgressFn<'a> = Box<dyn FnMut(Progress) + Send + 'a>;

pub(super) struct Engine<'a> {
    pub job: Job<'a>,
    /// Input buffer; grows up to `in_limit` as data arrives, never beyond.
    pub inbuf: Vec<u8>,
    pub in_limit: usize,
    pub in_start: usize,
    pub in_end: usize,
    /// The buffer is full (or the input ended) and is being fed to the job;
    /// until then it is being filled.
    pub in_ready: bool,
    /// The input has ended (a read returned 0, or `finish` was called).
    pub at_eof: bool,
    /// The job has been told the input ended.
    pub eof_sent: bool,
    /// Output buffer; `out_size` bytes once first used.
    pub outbuf: Vec<u8>,
    pub out_size: usize,
    pub out_start: usize,
    pub out_end: usize,
    pub done: bool,
    pub failed: Option<Error>,
    pub consumed: u64,
    pub produced: u64,
    pub progress: Option<ProgressFn<'a>>,
    /// The job fails rather than make more output than this.
    pub out_limit: Option<u64>,
}

impl<'a> Engine<'a> {
    pub fn new(job: Job<'a>, in_limit: usize, out_size: usize) -> Engine<'a> {
        Engine {
            job,
            inbuf: Vec::new(),
            in_limit: in_limit.max(1),
            in_start: 0,
            in_end: 0,
            in_ready: false,
            at_eof: false,
            eof_sent: false,
            outbuf: Vec::new(),
            out_size: if out_size == 0 { DEFAULT_OUT } else { out_size }.min(MAX_OUT),
            out_start: 0,
            out_end: 0,
            done: false,
            failed: None,
            consumed: 0,
            produced: 0,
            progress: None,
            out_limit: None,
        }
    }

    pub fn progress(&self) -> Progress {
        Progress {
            consumed: self.consumed,
            produced: self.produced,
        }
    }

    pub fn stats(&self) -> &Stats {
        self.job.stats()
    }

    /// Makes room in the input buffer for more bytes: doubles it, up to the
    /// limit. Only called when it is full and below the limit.
    fn grow_input(&mut self) -> Result<()> {
        let len = self.inbuf.len();
        let grown = (len * 2).max(FIRST_IN).min(self.in_limit);
        self.inbuf
            .try_reserve_exact(grown - len)
            .map_err(|_| Error::new(ErrorKind::Mem))?;
        self.inbuf.resize(grown, 0);
        Ok(())
    }

    fn count_in(&mut self, n: usize) {
        self.in_end += n;
        self.consumed += n as u64;
        self.job.stats_mut().in_bytes += n as i64;
    }

    /// Fills the input buffer like C's `fread` into a buffer of `in_limit`
    /// bytes: until it is full or the reader ends. Resumable: an error
    /// (including `WouldBlock`) keeps what was read, and the next call goes
    /// on from there. At the end of input with nothing buffered, tells the
    /// job the input ended instead.
    pub fn fill(&mut self, reader: &mut dyn Read) -> io::Result<()> {
        debug_assert!(!self.in_ready);
        while !self.at_eof && self.in_end < self.in_limit {
            if self.in_end == self.inbuf.len() {
                self.grow_input()?;
            }
            let end = self.inbuf.len();
            match reader.read(&mut self.inbuf[self.in_end..end]) {
                Ok(0) => self.at_eof = true,
                Ok(n) => self.count_in(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.in_end > 0 {
            self.in_ready = true;
        } else {
            self.eof_sent = true;
        }
        Ok(())
    }

    /// Takes as much of `data` as fits in the input buffer; returns how
    /// much. The buffer is ready for the job once full.
    pub fn accept(&mut self, data: &[u8]) -> Result<usize> {
        debug_assert!(!self.in_ready);
        if self.in_end == self.inbuf.len() && self.in_end < self.in_limit {
            self.grow_input()?;
        }
        let n = data.len().min(self.inbuf.len() - self.in_end);
        self.inbuf[self.in_end..self.in_end + n].copy_from_slice(&data[..n]);
        self.count_in(n);
        if self.in_end == self.in_limit {
            self.in_ready = true;
        }
        Ok(n)
    }

    /// Pending output not yet handed out.
    #[cfg(any(test, feature = "tokio"))]
    pub fn pending(&self) -> &[u8] {
        &self.outbuf[self.out_start..self.out_end]
    }

    /// The input buffer still to fill, grown if need be: `None` once full
    /// or at the end of input (then [`end_fill`](Self::end_fill)). With
    /// [`filled`](Self::filled), the steps of [`fill`](Self::fill) for a
    /// reader that is polled.
    #[cfg(feature = "tokio")]
    pub(super) fn input_space(&mut self) -> Result<Option<&mut [u8]>> {
        if self.at_eof || self.in_end >= self.in_limit {
            return Ok(None);
        }
        if self.in_end == self.inbuf.len() {
            self.grow_input()?;
        }
        let end = self.inbuf.len();
        Ok(Some(&mut self.inbuf[self.in_end..end]))
    }

    /// `n` bytes were read into [`input_space`](Self::input_space); 0 means
    /// the input ended.
    #[cfg(feature = "tokio")]
    pub(super) fn filled(&mut self, n: usize) {
        if n == 0 {
            self.at_eof = true;
        } else {
            self.count_in(n);
        }
    }

    /// Ends a fill once [`input_space`](Self::input_space) is `None`, as
    /// [`fill`](Self::fill) ends.
    #[cfg(feature = "tokio")]
    pub(super) fn end_fill(&mut self) {
        if self.in_end > 0 {
            self.in_ready = true;
        } else {
            self.eof_sent = true;
        }
    }

    /// `n` bytes of [`pending`](Self::pending) output were handed out.
    #[cfg(feature = "tokio")]
    pub(super) fn output_taken(&mut self, n: usize) {
        self.out_start += n;
    }

    /// Whether a push adapter whose output is all out should run the job
    /// now: input is buffered, or with `last` the input has ended (which it
    /// marks). [`process`](Self::process)'s decision.
    pub(super) fn ready_to_step(&mut self, last: bool) -> bool {
        if last && !self.at_eof {
            self.at_eof = true;
            self.in_ready = self.in_end > 0;
        }
        if !self.in_ready {
            if !last {
                return false;
            }
            self.eof_sent = true;
        }
        true
    }

    /// Copies pending output to `buf`; returns how much.
    pub fn take_output(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.out_end - self.out_start);
        buf[..n].copy_from_slice(&self.outbuf[self.out_start..self.out_start + n]);
        self.out_start += n;
        n
    }

    /// Writes pending output to `out`. Resumable after an error.
    pub fn drain(&mut self, out: &mut dyn Write) -> Result<()> {
        while self.out_start < self.out_end {
            match out.write(&self.outbuf[self.out_start..self.out_end]) {
                Ok(0) => return Err(Error::from_io(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.out_start += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::from_io(e)),
            }
        }
        Ok(())
    }

    /// Runs the job once over the buffered input (if the buffer is ready)
    /// into the emptied output buffer (`rs_job_iter`). Counts what it
    /// produced, shows the progress callback, and marks the job done or
    /// failed. Fails with `WouldBlock` if the job could do nothing (only a
    /// [`Basis`](crate::Basis) that would block makes it so).
    pub fn step(&mut self) -> Result<()> {
        debug_assert!(self.out_start == self.out_end && !self.done);
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.outbuf.is_empty() {
            self.outbuf
                .try_reserve_exact(self.out_size)
                .map_err(|_| Error::new(ErrorKind::Mem))?;
            self.outbuf.resize(self.out_size, 0);
        }
        let input: &[u8] = if self.in_ready {
            &self.inbuf[self.in_start..self.in_end]
        } else {
            &[]
        };
        let mut bufs = Buffers::new(input, &mut self.outbuf).with_eof(self.eof_sent);
        let result = self.job.process(&mut bufs);
        let (used, made) = (bufs.input_consumed(), bufs.output_produced());
        let over_limit = self
            .out_limit
            .filter(|&limit| self.produced + made as u64 > limit)
            .map(|limit| output_over_limit(self.job.stats().op, limit));
        let status = match over_limit.map_or(result, Err) {
            Ok(status) => status,
            Err(e) => {
                // As in C, output of the failing call is not handed out.
                self.failed = Some(e.clone());
                return Err(e);
            }
        };
        self.in_start += used;
        if self.in_ready && self.in_start == self.in_end {
            self.in_ready = false;
            self.in_start = 0;
            self.in_end = 0;
        }
        self.out_start = 0;
        self.out_end = made;
        self.produced += made as u64;
        self.job.stats_mut().out_bytes += made as i64;
        if status == Status::Done {
            self.done = true;
        }
        if used == 0 && made == 0 && status == Status::Blocked {
            return Err(Error::from_io(io::ErrorKind::WouldBlock.into()));
        }
        let progress = self.progress();
        if let Some(callback) = self.progress.as_mut() {
            callback(progress);
        }
        Ok(())
    }

    /// One `Read::read` of a pull adapter over `input`.
    pub fn read(&mut self, input: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.out_start < self.out_end {
                return Ok(self.take_output(buf));
            }
            if self.done {
                return Ok(0);
            }
            if let Some(e) = &self.failed {
                return Err(e.clone().into());
            }
            if !self.in_ready && !self.eof_sent {
                self.fill(input)?;
            }
            self.step()?;
        }
    }

    /// Feeds the job the buffered input and writes its output to `out`;
    /// with `last`, tells it the input ended and runs it to the end.
    pub fn process(&mut self, out: &mut dyn Write, last: bool) -> Result<()> {
        loop {
            self.drain(out)?;
            if self.done {
                return Ok(());
            }
            if !self.ready_to_step(last) {
                return Ok(());
            }
            self.step()?;
        }
    }

    /// One `Write::write` of a push adapter writing to `out`.
    pub fn write(&mut self, out: &mut dyn Write, data: &[u8]) -> io::Result<usize> {
        if let Some(e) = &self.failed {
            return Err(e.clone().into());
        }
        if self.at_eof {
            return Err(io::Error::other("write after finish"));
        }
        if data.is_empty() {
            return Ok(0);
        }
        // Make room first, so that an error means nothing was taken.
        self.process(out, false)?;
        Ok(self.accept(data)?)
    }
}
