//! Readers and writers that move a few bytes at a time, for tests that an
//! adapter's output does not depend on the sizes of reads and writes.

use std::io::{self, Read, Write};

/// The read and write sizes the adapter tests use: byte by byte, odd,
/// a page, and more than any buffer.
pub const STEPS: [usize; 4] = [1, 7, 4096, 1 << 20];

/// A reader over `data` that hands out at most `step` bytes per read.
pub struct Chunked<'a> {
    /// What is left to read.
    pub data: &'a [u8],
    /// The most one read gives.
    pub step: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.step).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// A writer into `out` that takes at most `step` bytes per write.
pub struct ChunkedSink {
    /// What has been written.
    pub out: Vec<u8>,
    /// The most one write takes.
    pub step: usize,
}

impl Write for ChunkedSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(self.step);
        self.out.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Everything `r` yields, asked for `step` bytes at a time.
pub fn read_all(mut r: impl Read, step: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; step];
    loop {
        match r.read(&mut buf)? {
            0 => return Ok(out),
            n => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// Writes all of `data` to `w` in writes of at most `step` bytes.
pub fn write_in_steps(w: &mut impl Write, data: &[u8], step: usize) -> io::Result<()> {
    for piece in data.chunks(step.max(1)) {
        w.write_all(piece)?;
    }
    Ok(())
}
