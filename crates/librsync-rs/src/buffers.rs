//! The caller's input and output windows for one job step (`rs_buffers_t`).

/// Input and output for one call of [`Job::process`](crate::Job::process)
/// (librsync's `rs_buffers_t`).
///
/// The job reads from the front of `input` and writes to the front of
/// `output`, and moves both cursors; what it reads and what it has to keep
/// is copied, so the caller may refill or move its buffers between calls.
/// Set the end-of-input flag on the call whose input holds the last bytes
/// (or on a later call with no input).
///
/// ```
/// use librsync_rs::Buffers;
/// let input = b"hello";
/// let mut out = [0u8; 16];
/// let bufs = Buffers::new(input, &mut out).with_eof(true);
/// assert_eq!(bufs.remaining_input(), b"hello");
/// assert_eq!(bufs.output_produced(), 0);
/// ```
#[derive(Debug)]
pub struct Buffers<'a> {
    input: &'a [u8],
    in_pos: usize,
    eof_in: bool,
    output: &'a mut [u8],
    out_pos: usize,
}

impl<'a> Buffers<'a> {
    /// Buffers over `input` and `output`, with the end-of-input flag clear.
    ///
    /// ```
    /// use librsync_rs::Buffers;
    ///
    /// let mut out = [0u8; 8];
    /// let bufs = Buffers::new(b"abc", &mut out);
    /// assert!(!bufs.eof_in());
    /// assert_eq!((bufs.remaining_input().len(), bufs.available_output()), (3, 8));
    /// ```
    pub fn new(input: &'a [u8], output: &'a mut [u8]) -> Buffers<'a> {
        Buffers {
            input,
            in_pos: 0,
            eof_in: false,
            output,
            out_pos: 0,
        }
    }

    /// Sets the end-of-input flag (`eof_in`): no input follows what `input`
    /// holds.
    ///
    /// ```
    /// use librsync_rs::Buffers;
    ///
    /// let mut out = [0u8; 8];
    /// let bufs = Buffers::new(b"last bytes", &mut out).with_eof(true);
    /// assert!(bufs.eof_in());
    /// ```
    pub fn with_eof(mut self, eof_in: bool) -> Buffers<'a> {
        self.eof_in = eof_in;
        self
    }

    /// Sets or clears the end-of-input flag.
    ///
    /// ```
    /// use librsync_rs::{Buffers, Job, SigMagic, Status};
    ///
    /// let mut job = Job::signature(SigMagic::RkBlake2, 2048, 8);
    /// let mut out = [0u8; 64];
    /// let mut bufs = Buffers::new(b"data", &mut out);
    /// assert_eq!(job.process(&mut bufs)?, Status::Blocked); // waits for more input
    /// bufs.set_eof(true); // there is none
    /// assert_eq!(job.process(&mut bufs)?, Status::Done);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn set_eof(&mut self, eof_in: bool) {
        self.eof_in = eof_in;
    }

    /// Whether the end-of-input flag is set.
    ///
    /// ```
    /// use librsync_rs::Buffers;
    ///
    /// let mut out = [0u8; 8];
    /// let mut bufs = Buffers::new(b"", &mut out);
    /// assert!(!bufs.eof_in());
    /// bufs.set_eof(true);
    /// assert!(bufs.eof_in());
    /// ```
    pub fn eof_in(&self) -> bool {
        self.eof_in
    }

    /// Input bytes not yet taken by the job.
    ///
    /// ```
    /// use librsync_rs::{Buffers, Job, Status};
    ///
    /// // A patch job reads the 4-byte magic, then the END command, and stops there.
    /// let mut job = Job::patch(&b""[..]);
    /// let mut out = [0u8; 8];
    /// let mut bufs = Buffers::new(b"rs\x026\0trailing", &mut out).with_eof(true);
    /// assert_eq!(job.process(&mut bufs)?, Status::Done);
    /// assert_eq!(bufs.remaining_input(), b"trailing");
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn remaining_input(&self) -> &'a [u8] {
        &self.input[self.in_pos..]
    }

    /// How many input bytes the job has taken.
    ///
    /// ```
    /// use librsync_rs::{Buffers, Job, SigMagic};
    ///
    /// let mut job = Job::signature(SigMagic::RkBlake2, 4, 8);
    /// let mut out = [0u8; 64];
    /// let mut bufs = Buffers::new(b"0123456789", &mut out).with_eof(true);
    /// job.process(&mut bufs)?;
    /// assert_eq!(bufs.input_consumed(), 10);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn input_consumed(&self) -> usize {
        self.in_pos
    }

    /// How many output bytes the job has written.
    ///
    /// ```
    /// use librsync_rs::{Buffers, Job, SigMagic};
    ///
    /// let mut job = Job::signature(SigMagic::RkBlake2, 4, 8);
    /// let mut out = [0u8; 64];
    /// let mut bufs = Buffers::new(b"0123456789", &mut out).with_eof(true);
    /// job.process(&mut bufs)?;
    /// // The header, then three blocks (4 + 4 + 2 bytes) of 4 + 8 bytes each.
    /// assert_eq!(bufs.output_produced(), 12 + 3 * 12);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn output_produced(&self) -> usize {
        self.out_pos
    }

    /// The output written so far.
    ///
    /// ```
    /// use librsync_rs::{Buffers, Job, SigMagic};
    ///
    /// let mut job = Job::signature(SigMagic::RkBlake2, 2048, 8);
    /// let mut out = [0u8; 64];
    /// let mut bufs = Buffers::new(b"", &mut out).with_eof(true);
    /// job.process(&mut bufs)?;
    /// // An empty basis: the header only (magic, block length, strong length).
    /// assert_eq!(bufs.produced(), b"rs\x01G\0\0\x08\0\0\0\0\x08");
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn produced(&self) -> &[u8] {
        &self.output[..self.out_pos]
    }

    /// Free output space left.
    ///
    /// ```
    /// use librsync_rs::{Buffers, Job, SigMagic};
    ///
    /// let mut job = Job::signature(SigMagic::RkBlake2, 2048, 8);
    /// let mut out = [0u8; 64];
    /// let mut bufs = Buffers::new(b"", &mut out).with_eof(true);
    /// assert_eq!(bufs.available_output(), 64);
    /// job.process(&mut bufs)?;
    /// assert_eq!(bufs.available_output(), 64 - 12);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn available_output(&self) -> usize {
        self.output.len() - self.out_pos
    }

    #[inline]
    pub(crate) fn avail_in(&self) -> usize {
        self.input.len() - self.in_pos
    }

    #[inline]
    pub(crate) fn next_in(&self) -> &'a [u8] {
        &self.input[self.in_pos..]
    }

    #[inline]
    pub(crate) fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.avail_in());
        self.in_pos += n;
    }

    #[inline]
    pub(crate) fn avail_out(&self) -> usize {
        self.output.len() - self.out_pos
    }

    /// The free part of the output, to be written and then
    /// [`produce`](Buffers::produce)d.
    #[inline]
    pub(crate) fn out_space(&mut self) -> &mut [u8] {
        &mut self.output[self.out_pos..]
    }

    #[inline]
    pub(crate) fn produce(&mut self, n: usize) {
        debug_assert!(n <= self.avail_out());
        self.out_pos += n;
    }

    /// Writes as much of `data` as fits; returns how much was written.
    #[inline]
    pub(crate) fn write(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.avail_out());
        self.output[self.out_pos..self.out_pos + n].copy_from_slice(&data[..n]);
        self.out_pos += n;
        n
    }

    /// Copies up to `max` bytes straight from input to output; returns how
    /// many.
    #[inline]
    pub(crate) fn pass_through(&mut self, max: usize) -> usize {
        let n = max.min(self.avail_in()).min(self.avail_out());
        self.output[self.out_pos..self.out_pos + n]
            .copy_from_slice(&self.input[self.in_pos..self.in_pos + n]);
        self.in_pos += n;
        self.out_pos += n;
        n
    }
}
