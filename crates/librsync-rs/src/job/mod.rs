//! The streaming job (`rs_job_t`): a state machine that moves data from the
//! caller's input to the caller's output as far as it can on each call, and
//! never blocks or does I/O itself.

pub(crate) mod delta;
mod loadsig;
mod patch;
pub(crate) mod scoop;
mod sig;
pub(crate) mod tube;

pub(crate) use delta::chain::{Chain, ScanParts, Stretch};

use crate::basis::Basis;
use crate::buffers::Buffers;
use crate::error::{strerror, Error, ErrorKind, Result, Status};
use crate::magic::SigMagic;
use crate::signature::Signature;
use crate::stats::{now, Stats};
use crate::trace::{fail, rs_error};

use scoop::Scoop;
use tube::Tube;

/// What one state function call achieved.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Progress was made; call again (after the tube is flushed).
    Running,
    /// Needs more input or output space.
    Blocked,
    /// This state machine has finished.
    Done,
    /// The job failed.
    Failed(Error),
}

impl From<Error> for Step {
    fn from(e: Error) -> Step {
        Step::Failed(e)
    }
}

/// Called with the statistics before the job calls out to its caller's code
/// in the middle of a step (a basis read), so that the caller sees them
/// current, as C's `rs_job_statistics` pointer does.
///
/// A function and a context word rather than a closure, so that setting one
/// allocates nothing (the C library sets one on every job).
#[derive(Clone, Copy)]
pub struct StatsObserver {
    /// Called with `context` and the statistics.
    pub show: fn(usize, &Stats),
    /// Whatever `show` needs to find where to put them.
    pub context: usize,
}

/// State shared by all job kinds: statistics, readahead and output queue.
pub(crate) struct Core {
    pub stats: Stats,
    pub scoop: Scoop,
    pub tube: Tube,
    observer: Option<StatsObserver>,
    /// Input bytes taken from the caller in earlier calls.
    consumed: u64,
    /// Where the current call's `Buffers` started, in the job's input:
    /// `consumed` less what those buffers had already had taken from them.
    input_base: u64,
}

impl Core {
    /// A core for a scan that writes nothing (the parallel delta's
    /// recording scans).
    pub(crate) fn scratch() -> Core {
        Core {
            stats: Stats::default(),
            scoop: Scoop::default(),
            tube: Tube::default(),
            observer: None,
            consumed: 0,
            input_base: 0,
        }
    }

    /// The offset in the job's input of the next byte the job will use
    /// (bytes held in the scoop are not used yet).
    pub fn position(&self, bufs: &Buffers<'_>) -> u64 {
        (self.input_base + bufs.input_consumed() as u64).saturating_sub(self.scoop.len() as u64)
    }

    /// Shows the current statistics to the observer, if there is one.
    pub fn publish_stats(&mut self) {
        if let Some(observer) = self.observer {
            (observer.show)(observer.context, &self.stats);
        }
    }
}

/// Where a loadsig job puts the signature it reads.
pub(crate) enum SigSlot<'a> {
    /// Boxed: a signature is large, and jobs are moved around.
    Owned(Box<Option<Signature>>),
    Borrowed(&'a mut Option<Signature>),
}

impl SigSlot<'_> {
    fn get(&mut self) -> &mut Option<Signature> {
        match self {
            SigSlot::Owned(s) => s,
            SigSlot::Borrowed(s) => s,
        }
    }
}

enum Kind<'a> {
    Sig(sig::SigGen),
    LoadSig(loadsig::LoadSig<'a>),
    Delta(delta::Delta<'a>),
    Patch(patch::Patch<'a>),
}

/// A signature, loadsig, delta or patch job (librsync's `rs_job_t`).
///
/// Create one with [`Job::signature`], [`Job::load_signature`],
/// [`Job::delta`] or [`Job::patch`], then call [`Job::process`] with
/// [`Buffers`] until it returns [`Status::Done`] or an error. The job keeps
/// all its state, so the caller may stop after any call and continue later
/// with new buffers.
///
/// ```
/// use librsync_rs::{Buffers, Job, SigMagic, Status};
/// let mut job = Job::signature(SigMagic::RkBlake2, 2048, 8);
/// let mut out = vec![0u8; 1024];
/// let mut bufs = Buffers::new(b"hello world", &mut out).with_eof(true);
/// assert_eq!(job.process(&mut bufs).unwrap(), Status::Done);
/// let n = bufs.output_produced();
/// assert_eq!(&out[..12], &[0x72, 0x73, 0x01, 0x47, 0, 0, 8, 0, 0, 0, 0, 8]);
/// assert_eq!(n, 12 + 4 + 8);
/// ```
pub struct Job<'a> {
    kind: Kind<'a>,
    core: Core,
    /// The state machine has finished (C's `statefn == NULL`).
    finished: bool,
    final_result: Option<Result<()>>,
}

impl std::fmt::Debug for Job<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("op", &self.core.stats.op)
            .field("finished", &self.finished)
            .finish()
    }
}

impl<'a> Job<'a> {
    #[inline(always)]
    fn new(op: &'static str, kind: Kind<'a>) -> Job<'a> {
        Job {
            kind,
            core: Core {
                stats: Stats::started(op),
                scoop: Scoop::default(),
                tube: Tube::default(),
                observer: None,
                consumed: 0,
                input_base: 0,
            },
            finished: false,
            final_result: None,
        }
    }

    /// A job that reads a basis file and writes its signature
    /// (`rs_sig_begin`) with settled lengths, such as
    /// [`SignatureOptions::resolve`](crate::SignatureOptions::resolve) gives.
    /// As in C, `block_len` 0 means 2048 and `strong_len` 0 the full hash
    /// length; invalid parameters are reported by the first
    /// [`Job::process`].
    ///
    /// ```
    /// use librsync_rs::{Buffers, Job, SigMagic, Status};
    ///
    /// let mut job = Job::signature(SigMagic::Md4, 4, 8);
    /// let mut out = [0u8; 64];
    /// let mut bufs = Buffers::new(b"12345678", &mut out).with_eof(true);
    /// assert_eq!(job.process(&mut bufs)?, Status::Done);
    /// assert_eq!(bufs.output_produced(), 12 + 2 * (4 + 8)); // header, two blocks
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn signature(magic: SigMagic, block_len: usize, strong_len: usize) -> Job<'static> {
        Job::signature_raw(magic as u32, block_len, strong_len)
    }

    /// [`Job::signature`] with a magic number that may be 0 (the default) or
    /// invalid (reported as [`ErrorKind::BadMagic`] by the first call).
    ///
    /// ```
    /// use librsync_rs::{Buffers, ErrorKind, Job};
    ///
    /// let mut out = [0u8; 64];
    /// let mut job = Job::signature_raw(0, 0, 0); // the defaults: RabinKarp + BLAKE2
    /// let mut bufs = Buffers::new(b"", &mut out).with_eof(true);
    /// job.process(&mut bufs)?;
    /// assert_eq!(&bufs.produced()[..4], b"rs\x01G");
    /// let mut job = Job::signature_raw(0x1234, 0, 0);
    /// let mut bufs = Buffers::new(b"", &mut out).with_eof(true);
    /// assert_eq!(job.process(&mut bufs).unwrap_err().kind(), ErrorKind::BadMagic);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn signature_raw(magic: u32, block_len: usize, strong_len: usize) -> Job<'static> {
        Job::new(
            "signature",
            Kind::Sig(sig::SigGen::new(block_len, strong_len, magic)),
        )
    }

    /// A job that reads a signature stream (`rs_loadsig_begin`); take the
    /// result with [`Job::take_signature`] once it is done.
    ///
    /// ```
    /// use librsync_rs::{io::signature_of, Buffers, Job, Status};
    ///
    /// let bytes = signature_of(b"hello world", &Default::default())?;
    /// let mut job = Job::load_signature();
    /// let mut bufs = Buffers::new(&bytes, &mut []).with_eof(true);
    /// assert_eq!(job.process(&mut bufs)?, Status::Done);
    /// let sig = job.take_signature().unwrap();
    /// assert_eq!(sig.block_count(), 1);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn load_signature() -> Job<'static> {
        Job::new(
            "loadsig",
            Kind::LoadSig(loadsig::LoadSig::new(SigSlot::Owned(Box::new(None)), -1)),
        )
    }

    /// A loadsig job that puts the signature in `slot` as soon as its header
    /// is read (the C ABI's shape, where the caller holds the signature).
    pub(crate) fn load_signature_into(slot: &'a mut Option<Signature>, file_size: i64) -> Job<'a> {
        Job::new(
            "loadsig",
            Kind::LoadSig(loadsig::LoadSig::new(SigSlot::Borrowed(slot), file_size)),
        )
    }

    /// Sets the signature stream's size, if known, so that storage can be
    /// sized to it (`rs_loadsig_file` does this). Memory is still only taken
    /// as blocks arrive.
    ///
    /// ```
    /// use librsync_rs::{io::signature_of, Buffers, Job};
    ///
    /// let bytes = signature_of(&[9u8; 10_000], &Default::default())?;
    /// let mut job = Job::load_signature();
    /// job.set_signature_size(bytes.len() as i64); // room for all blocks at once
    /// let mut bufs = Buffers::new(&bytes, &mut []).with_eof(true);
    /// job.process(&mut bufs)?;
    /// assert_eq!(job.take_signature().unwrap().to_bytes(), bytes);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn set_signature_size(&mut self, bytes: i64) {
        if let Kind::LoadSig(l) = &mut self.kind {
            l.set_file_size(bytes);
        }
    }

    /// The signature read by a finished loadsig job.
    ///
    /// ```
    /// use librsync_rs::{io::signature_of, Buffers, Job};
    ///
    /// let bytes = signature_of(b"abc", &Default::default())?;
    /// let mut job = Job::load_signature();
    /// job.process(&mut Buffers::new(&bytes, &mut []).with_eof(true))?;
    /// assert!(job.take_signature().is_some());
    /// assert!(job.take_signature().is_none()); // taken
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn take_signature(&mut self) -> Option<Signature> {
        match &mut self.kind {
            Kind::LoadSig(l) => l.take(),
            _ => None,
        }
    }

    /// A job that reads a new file and writes a delta against `sig`
    /// (`rs_delta_begin`). The signature's index is built here if the caller
    /// has not built it. A signature without blocks gives a literal-only
    /// ("slack") delta.
    ///
    /// ```
    /// use librsync_rs::io::{load_signature_of, signature_of};
    /// use librsync_rs::{Buffers, Job, Status};
    ///
    /// let sig = load_signature_of(&signature_of(b"hello world", &Default::default())?)?;
    /// let mut job = Job::delta(&sig);
    /// let mut out = [0u8; 64];
    /// let mut bufs = Buffers::new(b"hello world", &mut out).with_eof(true);
    /// assert_eq!(job.process(&mut bufs)?, Status::Done);
    /// assert_eq!(bufs.produced(), [0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0]); // COPY(0, 11), END
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn delta(sig: &'a Signature) -> Job<'a> {
        Job::new("delta", Kind::Delta(delta::Delta::new(Some(sig))))
    }

    /// A delta job without a signature: the delta holds the whole new file as
    /// literal data (`rs_delta_begin(NULL)`).
    ///
    /// ```
    /// use librsync_rs::{Buffers, Job};
    ///
    /// let mut job = Job::delta_slack();
    /// let mut out = [0u8; 64];
    /// let mut bufs = Buffers::new(b"abc", &mut out).with_eof(true);
    /// job.process(&mut bufs)?;
    /// assert_eq!(bufs.produced(), b"rs\x026\x03abc\0"); // LITERAL "abc", END
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn delta_slack() -> Job<'static> {
        Job::new("delta", Kind::Delta(delta::Delta::new(None)))
    }

    /// A job that reads a delta and writes the new file, copying from `basis`
    /// (`rs_patch_begin`).
    ///
    /// ```
    /// use librsync_rs::{Buffers, Job, Status};
    ///
    /// let mut job = Job::patch(&b"hello world"[..]);
    /// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
    /// let mut out = [0u8; 64];
    /// let mut bufs = Buffers::new(&delta, &mut out).with_eof(true);
    /// assert_eq!(job.process(&mut bufs)?, Status::Done);
    /// assert_eq!(bufs.produced(), b"world!");
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    #[inline]
    pub fn patch<B: Basis + Send + 'a>(basis: B) -> Job<'a> {
        Job::new(
            "patch",
            Kind::Patch(patch::Patch::new(Box::new(basis), None)),
        )
    }

    /// Like [`Job::patch`], but fails with [`ErrorKind::Corrupt`] rather than
    /// write more than `limit` bytes: a small delta can ask for the basis
    /// again and again.
    ///
    /// ```
    /// use librsync_rs::{Buffers, ErrorKind, Job};
    ///
    /// // COPY(0, 11) three times: 33 bytes from an 8-byte delta body.
    /// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0x45, 0, 11, 0x45, 0, 11, 0];
    /// let mut job = Job::patch_with_limit(&b"hello world"[..], 20);
    /// let mut out = [0u8; 64];
    /// let mut bufs = Buffers::new(&delta, &mut out).with_eof(true);
    /// assert_eq!(job.process(&mut bufs).unwrap_err().kind(), ErrorKind::Corrupt);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn patch_with_limit<B: Basis + Send + 'a>(basis: B, limit: u64) -> Job<'a> {
        Job::new(
            "patch",
            Kind::Patch(patch::Patch::new(Box::new(basis), Some(limit))),
        )
    }

    /// The job's statistics (`rs_job_statistics`).
    ///
    /// ```
    /// use librsync_rs::{Buffers, Job};
    ///
    /// let mut job = Job::patch(&b"hello world"[..]);
    /// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
    /// let mut out = [0u8; 64];
    /// job.process(&mut Buffers::new(&delta, &mut out).with_eof(true))?;
    /// let stats = job.stats();
    /// assert_eq!((stats.op, stats.copy_cmds, stats.copy_bytes, stats.lit_bytes), ("patch", 1, 5, 1));
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn stats(&self) -> &Stats {
        &self.core.stats
    }

    pub(crate) fn stats_mut(&mut self) -> &mut Stats {
        &mut self.core.stats
    }

    /// For a signature job whose header is out: its format, block length
    /// and strong sum length.
    pub(crate) fn signature_settings(&self) -> Option<(SigMagic, usize, usize)> {
        match &self.kind {
            Kind::Sig(s) => s.settled(),
            _ => None,
        }
    }

    /// The block length a signature job was asked for (0 meaning 2048),
    /// before it settles its parameters; `None` for other jobs and for
    /// lengths that are negative as a C `int`.
    pub(crate) fn requested_block_len(&self) -> Option<usize> {
        match &self.kind {
            Kind::Sig(s) => s.requested_block_len(),
            _ => None,
        }
    }

    /// What a parallel scan of this job needs, if it is a delta job with a
    /// signature that has blocks and it has not scanned anything yet.
    pub(crate) fn fresh_delta_scan(&self) -> Option<delta::chain::ScanParts<'a>> {
        match &self.kind {
            Kind::Delta(d) => d.fresh_scan_parts(),
            _ => None,
        }
    }

    /// Sets a function to be shown the statistics whenever the job calls out
    /// to other code in the middle of a step.
    pub(crate) fn set_stats_observer(&mut self, observer: StatsObserver) {
        self.core.observer = Some(observer);
    }

    /// How the job ended, once it has (`Ok(())` for done).
    ///
    /// ```
    /// use librsync_rs::{Buffers, ErrorKind, Job};
    ///
    /// let mut job = Job::patch(&b""[..]);
    /// assert!(job.result().is_none()); // still running
    /// let mut out = [0u8; 8];
    /// let _ = job.process(&mut Buffers::new(b"junk", &mut out).with_eof(true));
    /// assert_eq!(job.result().unwrap().as_ref().unwrap_err().kind(), ErrorKind::BadMagic);
    /// ```
    pub fn result(&self) -> Option<&Result<()>> {
        self.final_result.as_ref()
    }

    /// Runs the job as far as the buffers allow (`rs_job_iter`).
    ///
    /// Returns [`Status::Blocked`] when it needs more input (or the
    /// end-of-input flag) or more output space, and [`Status::Done`] when the
    /// job is complete and all output has been written. As in librsync, a
    /// call that has both input and output space but uses neither fails with
    /// [`ErrorKind::Internal`]; calling again after `Done` with data on both
    /// sides is such a call.
    ///
    /// ```
    /// use librsync_rs::{Buffers, Job, SigMagic, Status};
    ///
    /// // Drive a job by hand: 3000 bytes of input at a time, 100 of output space.
    /// let input = vec![42u8; 10_000];
    /// let mut job = Job::signature(SigMagic::RkBlake2, 1024, 8);
    /// let (mut sig, mut out, mut pos) = (Vec::new(), [0u8; 100], 0);
    /// loop {
    ///     let end = (pos + 3000).min(input.len());
    ///     let mut bufs = Buffers::new(&input[pos..end], &mut out).with_eof(end == input.len());
    ///     let status = job.process(&mut bufs)?;
    ///     pos += bufs.input_consumed();
    ///     sig.extend_from_slice(bufs.produced());
    ///     if status == Status::Done {
    ///         break;
    ///     }
    /// }
    /// assert_eq!(sig.len(), 12 + 10 * (4 + 8));
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn process(&mut self, bufs: &mut Buffers<'_>) -> Result<Status> {
        let orig_in = bufs.avail_in();
        let orig_out = bufs.avail_out();
        let entry = bufs.input_consumed() as u64;
        self.core.input_base = self.core.consumed.wrapping_sub(entry);
        let result = self.work(bufs);
        self.core.consumed = self
            .core
            .input_base
            .wrapping_add(bufs.input_consumed() as u64);
        if result.is_ok()
            && orig_in == bufs.avail_in()
            && orig_out == bufs.avail_out()
            && orig_in != 0
            && orig_out != 0
        {
            return Err(fail!(
                ErrorKind::Internal,
                "rs_job_iter",
                "internal error: job made no progress [orig_in={orig_in}, orig_out={orig_out}, final_in={}, \
                 final_out={}]",
                bufs.avail_in(),
                bufs.avail_out()
            ));
        }
        result
    }

    fn step(&mut self, bufs: &mut Buffers<'_>) -> Step {
        let core = &mut self.core;
        match &mut self.kind {
            Kind::Sig(s) => s.step(core, bufs),
            Kind::LoadSig(l) => l.step(core, bufs),
            Kind::Delta(d) => d.step(core, bufs),
            Kind::Patch(p) => p.step(core, bufs),
        }
    }

    fn work(&mut self, bufs: &mut Buffers<'_>) -> Result<Status> {
        if let Some(Err(e)) = &self.final_result {
            // A failed job stays failed (C would run the failing state again).
            let e = e.clone();
            return self.complete(Err(e));
        }
        let result = loop {
            let mut step = self.core.tube.catchup(bufs, &mut self.core.scoop);
            if step == Step::Done && !self.finished {
                step = self.step(bufs);
                if step == Step::Done {
                    self.finished = true;
                    continue;
                }
            }
            match step {
                Step::Running => continue,
                Step::Blocked => break Ok(Status::Blocked),
                Step::Done => break self.complete(Ok(())),
                Step::Failed(e) => {
                    let e = self.explain(e).or_at(self.core.position(bufs));
                    break self.complete(Err(e));
                }
            }
        };
        if let Kind::Delta(d) = &mut self.kind {
            d.publish_match_stats();
        }
        result
    }

    /// Says what was being read when the input ended, if the error does
    /// not say why already.
    fn explain(&self, e: Error) -> Error {
        if e.kind() != ErrorKind::InputEnded || e.message().is_some() {
            return e;
        }
        match &self.kind {
            Kind::LoadSig(l) => e.with_message(l.cut_short()),
            Kind::Patch(p) => e.with_message(p.cut_short()),
            Kind::Sig(_) | Kind::Delta(_) => e,
        }
    }

    /// `rs_job_complete`: records the result and the end time, and logs a
    /// failure.
    fn complete(&mut self, result: Result<()>) -> Result<Status> {
        self.core.stats.end = now();
        if self.finished && result.is_ok() {
            self.core.scoop.free();
        }
        self.final_result = Some(result.clone());
        match result {
            Ok(()) => Ok(Status::Done),
            Err(e) => {
                rs_error!(
                    "rs_job_complete",
                    "{} job failed: {}",
                    self.core.stats.op,
                    strerror(e.code())
                );
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every job kind names itself with one of `OP_NAMES`, the names the C
    /// library hands out, in their order.
    #[test]
    fn ops_are_the_c_names() {
        let ops = [
            Job::signature(SigMagic::default(), 2048, 8).stats().op,
            Job::load_signature().stats().op,
            Job::delta_slack().stats().op,
            Job::patch(&b""[..]).stats().op,
        ];
        let names = crate::stats::OP_NAMES.map(|name| name.to_str().unwrap());
        assert_eq!(ops, names);
    }

    fn iter_all(job: &mut Job<'_>, input: &[u8], out: &mut [u8]) -> Result<Status> {
        let mut bufs = Buffers::new(input, out).with_eof(true);
        job.process(&mut bufs)
    }

    #[test]
    fn a_failed_job_stays_failed() {
        let _guard = crate::trace::TEST_LOCK
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        crate::trace::set_sink(crate::trace::Sink::Silent);
        let mut job = Job::patch(&b"basis"[..]);
        let mut out = [0u8; 16];
        // A reserved opcode, then what would be a valid END.
        let delta = [0x72, 0x73, 0x02, 0x36, 0x55, 0x00];
        assert_eq!(
            iter_all(&mut job, &delta, &mut out),
            Err(Error::new(ErrorKind::Corrupt))
        );
        assert_eq!(
            iter_all(&mut job, &delta[5..], &mut out),
            Err(Error::new(ErrorKind::Corrupt))
        );
        assert_eq!(job.result(), Some(&Err(Error::new(ErrorKind::Corrupt))));
        crate::trace::set_sink(crate::trace::Sink::Silent);
    }

    #[test]
    fn done_then_called_again() {
        let mut job = Job::patch(&b"basis"[..]);
        let mut out = [0u8; 16];
        let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 0, 5, 0];
        assert_eq!(iter_all(&mut job, &delta, &mut out), Ok(Status::Done));
        // No input: still done. Input and output both available: no progress.
        assert_eq!(iter_all(&mut job, &[], &mut out), Ok(Status::Done));
        let _guard = crate::trace::TEST_LOCK
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        crate::trace::set_sink(crate::trace::Sink::Silent);
        assert_eq!(
            iter_all(&mut job, b"x", &mut out),
            Err(Error::new(ErrorKind::Internal))
        );
        crate::trace::set_sink(crate::trace::Sink::Silent);
    }
}
