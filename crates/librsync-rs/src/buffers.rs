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
    pub fn with_eof(mut self, eof_in: bool) -> Buffers<'a> {
        self.eof_in = eof_in;
        self
    }

    /// Sets or clears the end-of-input flag.
    pub fn set_eof(&mut self, eof_in: bool) {
        self.eof_in = eof_in;
    }

    /// Whether the end-of-input flag is set.
    pub fn eof_in(&self) -> bool {
        self.eof_in
    }

    /// Input bytes not yet taken by the job.
    pub fn remaining_input(&self) -> &'a [u8] {
        &self.input[self.in_pos..]
    }

    /// How many input bytes the job has taken.
    pub fn input_consumed(&self) -> usize {
        self.in_pos
    }

    /// How many output bytes the job has written.
    pub fn output_produced(&self) -> usize {
        self.out_pos
    }

    /// The output written so far.
    pub fn produced(&self) -> &[u8] {
        &self.output[..self.out_pos]
    }

    /// Free output space left.
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
