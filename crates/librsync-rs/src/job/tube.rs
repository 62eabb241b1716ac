//! The output queue (librsync's tube): a few bytes that did not fit in the
//! output yet, and a count of input bytes still to pass through.

use super::scoop::Scoop;
use super::Step;
use crate::buffers::Buffers;
use crate::error::ErrorKind;
use crate::trace::fail;

/// Queued output.
#[derive(Debug)]
pub(crate) struct Tube {
    /// Small writes (headers, command bytes, block sums).
    buf: [u8; 48],
    len: usize,
    /// Input bytes still to copy to the output (literal data in patch).
    copy_len: u64,
}

impl Default for Tube {
    fn default() -> Tube {
        Tube {
            buf: [0; 48],
            len: 0,
            copy_len: 0,
        }
    }
}

impl Tube {
    /// Whether small writes are waiting.
    #[inline]
    pub fn has_writes(&self) -> bool {
        self.len != 0
    }

    /// Queues bytes (`rs_tube_write`); callers never queue more than fits.
    #[inline]
    pub fn write(&mut self, data: &[u8]) {
        debug_assert_eq!(self.copy_len, 0);
        self.buf[self.len..self.len + data.len()].copy_from_slice(data);
        self.len += data.len();
    }

    /// Writes `data` to the output and queues what does not fit.
    #[inline]
    pub fn write_through(&mut self, bufs: &mut Buffers<'_>, data: &[u8]) {
        if self.len == 0 {
            let n = bufs.write(data);
            self.write(&data[n..]);
        } else {
            self.write(data);
        }
    }

    /// Queues a pass-through of `len` input bytes (`rs_tube_copy`).
    pub fn copy(&mut self, len: u64) {
        debug_assert_eq!(self.copy_len, 0);
        self.copy_len = len;
    }

    /// Flushes small writes only; false if some remain.
    #[inline]
    pub fn flush_writes(&mut self, bufs: &mut Buffers<'_>) -> bool {
        if self.len > 0 {
            let n = bufs.write(&self.buf[..self.len]);
            self.buf.copy_within(n..self.len, 0);
            self.len -= n;
        }
        self.len == 0
    }

    /// Moves queued output into the caller's buffer (`rs_tube_catchup`):
    /// writes first, then pass-through bytes from the scoop and then the
    /// input. `Done` once the tube is empty.
    pub fn catchup(&mut self, bufs: &mut Buffers<'_>, scoop: &mut Scoop) -> Step {
        if !self.flush_writes(bufs) {
            return Step::Blocked;
        }
        if self.copy_len > 0 {
            if !scoop.is_empty() {
                let n = (self.copy_len.min(scoop.len() as u64) as usize).min(bufs.avail_out());
                bufs.write(&scoop.data()[..n]);
                scoop.advance(n);
                self.copy_len -= n as u64;
            }
            if self.copy_len > 0 && scoop.is_empty() {
                let max = usize::try_from(self.copy_len).unwrap_or(usize::MAX);
                self.copy_len -= bufs.pass_through(max) as u64;
            }
            if self.copy_len > 0 {
                if bufs.eof_in() && bufs.avail_in() == 0 && scoop.is_empty() {
                    return Step::Failed(fail!(
                        ErrorKind::InputEnded,
                        "rs_tube_catchup",
                        "reached end of file while copying data"
                    ));
                }
                return Step::Blocked;
            }
        }
        Step::Done
    }
}
