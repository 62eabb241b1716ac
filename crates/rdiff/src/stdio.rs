//! Output through a buffer that behaves like a glibc `FILE` opened for
//! writing, because librsync's `rs_outfilebuf_drain` writes with `fwrite` and
//! only notices a failing device when stdio actually calls `write(2)`: a
//! small signature written to `/dev/full` "succeeds" (the error surfaces at
//! `fclose`, which rdiff ignores), a large one fails mid-way.

use std::io::{self, Write};

/// glibc's `BUFSIZ`, the buffer size unless the file's block size is
/// smaller.
const BUFSIZ: usize = 8192;

/// glibc writes whole blocks directly only for buffers of at least this size.
const MIN_BLOCK_ALIGN: usize = 128;

/// A writer with glibc `fwrite` semantics: data is gathered in a buffer of
/// `st_blksize` bytes (at most `BUFSIZ`) allocated on the first write; when
/// the buffer overflows it is written out, whole blocks of the rest go
/// straight to the file, and the remainder is buffered. A write reports an
/// error exactly when `fwrite` would return a short count.
#[derive(Debug)]
pub struct StdioWriter<W: Write> {
    /// The file.
    inner: W,
    /// Bytes written by the caller but not yet to the file.
    buf: Vec<u8>,
    /// The buffer's size.
    size: usize,
    /// Whether the buffer exists yet (glibc allocates it on first use).
    allocated: bool,
    /// A terminal: the buffer is written out after each line.
    line_buffered: bool,
}

impl<W: Write> StdioWriter<W> {
    /// A writer over `inner`, whose `st_blksize` is `blksize`; a terminal is
    /// line buffered, as stdio makes it.
    pub fn new(inner: W, blksize: u64, line_buffered: bool) -> StdioWriter<W> {
        let size = match usize::try_from(blksize) {
            Ok(b) if b > 0 && b < BUFSIZ => b,
            _ => BUFSIZ,
        };
        StdioWriter {
            inner,
            buf: Vec::new(),
            size,
            allocated: false,
            line_buffered,
        }
    }

    /// Writes `data` to the file like glibc's `new_do_write`: as much as the
    /// file takes; an error ends it.
    fn write_through(inner: &mut W, data: &[u8]) -> io::Result<()> {
        let mut done = 0;
        while done < data.len() {
            match inner.write(&data[done..]) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero)),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Writes out the buffer (`_IO_OVERFLOW`); the buffer is emptied even if
    /// that fails, as glibc does.
    fn flush_buffer(&mut self) -> io::Result<()> {
        if !self.allocated {
            self.allocated = true;
            self.buf.reserve_exact(self.size);
            return Ok(());
        }
        let written = Self::write_through(&mut self.inner, &self.buf);
        self.buf.clear();
        written
    }

    /// `fclose`/`exit`: writes what is buffered; errors are ignored, as
    /// rdiff ignores `rs_file_close`'s result.
    pub fn finish(&mut self) {
        if !self.buf.is_empty() {
            let _ = Self::write_through(&mut self.inner, &self.buf);
            self.buf.clear();
        }
        let _ = self.inner.flush();
    }
}

impl<W: Write> Write for StdioWriter<W> {
    /// `fwrite(data, 1, n, f)`: `Ok(n)`, or the error of the `write(2)` that
    /// made `fwrite` return fewer than `n` items.
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len();
        if n == 0 {
            return Ok(0);
        }
        let space = if self.allocated {
            self.size - self.buf.len()
        } else {
            0
        };
        let fits = space.min(n);
        self.buf.extend_from_slice(&data[..fits]);
        let rest = &data[fits..];
        if !rest.is_empty() {
            self.flush_buffer()?;
            let direct = if self.size >= MIN_BLOCK_ALIGN {
                rest.len() - rest.len() % self.size
            } else {
                rest.len()
            };
            if direct > 0 {
                Self::write_through(&mut self.inner, &rest[..direct])?;
            }
            self.buf.extend_from_slice(&rest[direct..]);
        }
        if self.line_buffered && data.contains(&b'\n') {
            let written = Self::write_through(&mut self.inner, &self.buf);
            self.buf.clear();
            written?;
        }
        Ok(n)
    }

    /// Buffered data stays until [`StdioWriter::finish`], as with stdio.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A device that takes `room` bytes, then fails like `/dev/full`.
    struct Full {
        room: usize,
        got: Vec<u8>,
        calls: usize,
    }

    impl Write for Full {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.room == 0 {
                return Err(io::Error::from_raw_os_error(28));
            }
            let n = data.len().min(self.room);
            self.room -= n;
            self.got.extend_from_slice(&data[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn full(room: usize) -> StdioWriter<Full> {
        let dev = Full {
            room,
            got: Vec::new(),
            calls: 0,
        };
        StdioWriter::new(dev, 4096, false)
    }

    #[test]
    fn small_writes_fail_only_when_the_buffer_is_written() {
        let mut w = full(0);
        for _ in 0..4096 / 48 {
            assert!(w.write(&[1; 48]).is_ok());
        }
        // 85 * 48 = 4080 bytes are buffered; the next 48 overflow it.
        let e = w.write(&[1; 48]).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(28));
        assert_eq!(w.inner.calls, 1);
    }

    #[test]
    fn whole_blocks_go_straight_through() {
        let mut w = full(usize::MAX);
        w.write_all(&[7; 10_000]).unwrap();
        // First write: no buffer yet, so 8192 bytes go directly and 1808 are
        // buffered.
        assert_eq!(w.inner.got.len(), 8192);
        w.write_all(&[8; 3000]).unwrap();
        assert_eq!(w.inner.got.len(), 8192 + 4096);
        w.finish();
        assert_eq!(w.inner.got.len(), 13_000);
        assert_eq!(&w.inner.got[..10_000], &[7; 10_000][..]);
    }

    #[test]
    fn a_tiny_output_never_reaches_the_device() {
        let mut w = full(0);
        w.write_all(&[0; 48]).unwrap();
        w.finish();
        assert!(w.inner.got.is_empty());
    }
}
