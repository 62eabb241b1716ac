//! Input readahead (librsync's scoop): bytes a state needs together, kept
//! across calls when the caller's input holds only part of them.

use crate::buffers::Buffers;
use crate::error::{Error, ErrorKind, Result};

/// Why a read could not be satisfied.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Short {
    /// More input is needed; what there was has been taken into the scoop.
    Blocked,
    /// The input ended first (`RS_INPUT_ENDED`).
    Ended,
    /// The scoop could not grow.
    Mem,
}

impl From<Short> for super::Step {
    fn from(s: Short) -> super::Step {
        match s {
            Short::Blocked => super::Step::Blocked,
            Short::Ended => super::Step::Failed(Error::new(ErrorKind::InputEnded)),
            Short::Mem => super::Step::Failed(Error::new(ErrorKind::Mem)),
        }
    }
}

/// Bytes taken from the input but not yet used.
#[derive(Debug, Default)]
pub(crate) struct Scoop {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Scoop {
    /// Bytes held.
    #[inline]
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The bytes held.
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Drops `n` bytes from the front.
    #[inline]
    pub fn advance(&mut self, n: usize) {
        debug_assert!(n <= self.len());
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Takes input until `len` bytes are held or the input is empty
    /// (`rs_scoop_input`). The buffer's capacity grows in powers of two from
    /// 64, as C's, but only the bytes taken are written (C's `malloc` does
    /// not touch the rest either): the held bytes move to the front and the
    /// buffer grows in place, so that memory follows the input that came,
    /// not the length asked for (a block of 2^28 bytes over 16 MiB of input
    /// touched 288 MiB; bad-inputs.md R3).
    fn take_input(&mut self, bufs: &mut Buffers<'_>, len: usize) -> Result<(), Short> {
        if self.start != 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        self.buf.truncate(self.end);
        if self.buf.capacity() < len {
            let mut size = 64usize;
            while size < len {
                size = size.checked_mul(2).ok_or(Short::Mem)?;
            }
            self.buf
                .try_reserve_exact(size - self.buf.len())
                .map_err(|_| Short::Mem)?;
        }
        let n = (len - self.len()).min(bufs.avail_in());
        self.buf.extend_from_slice(&bufs.next_in()[..n]);
        self.end += n;
        bufs.consume(n);
        Ok(())
    }

    /// Makes `len` bytes readable without taking them (`rs_scoop_readahead`):
    /// straight from the input when the scoop is empty and the input holds
    /// them, else gathered in the scoop.
    pub fn readahead(&mut self, bufs: &mut Buffers<'_>, len: usize) -> Result<(), Short> {
        if self.is_empty() && bufs.avail_in() >= len {
            return Ok(());
        }
        if self.len() < len && bufs.avail_in() > 0 {
            self.take_input(bufs, len)?;
        }
        if self.len() >= len {
            Ok(())
        } else if bufs.eof_in() {
            Err(Short::Ended)
        } else {
            Err(Short::Blocked)
        }
    }

    /// The `len` bytes made readable by [`Scoop::readahead`].
    #[inline]
    pub fn peek<'b>(&'b self, bufs: &Buffers<'b>, len: usize) -> &'b [u8] {
        if self.is_empty() {
            &bufs.next_in()[..len]
        } else {
            &self.data()[..len]
        }
    }

    /// Takes `len` readable bytes (`rs_scoop_advance`).
    #[inline]
    pub fn consume(&mut self, bufs: &mut Buffers<'_>, len: usize) {
        if self.is_empty() {
            bufs.consume(len);
        } else {
            self.advance(len);
        }
    }

    /// Reads exactly `N` bytes (`rs_scoop_read` of a small item).
    pub fn read_array<const N: usize>(&mut self, bufs: &mut Buffers<'_>) -> Result<[u8; N], Short> {
        self.readahead(bufs, N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(self.peek(bufs, N));
        self.consume(bufs, N);
        Ok(out)
    }

    /// Reads a big-endian unsigned integer of `len` (1..=8) bytes
    /// (`rs_suck_netint`), as a `u64`.
    pub fn read_netint(&mut self, bufs: &mut Buffers<'_>, len: usize) -> Result<u64, Short> {
        self.readahead(bufs, len)?;
        let v = self
            .peek(bufs, len)
            .iter()
            .fold(0u64, |v, &b| (v << 8) | b as u64);
        self.consume(bufs, len);
        Ok(v)
    }

    /// Releases the buffer once it is no longer needed.
    pub fn free(&mut self) {
        *self = Scoop::default();
    }
}
