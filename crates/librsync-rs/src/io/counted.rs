//! Progress for any reader or writer: [`Counted`] counts the bytes that pass
//! through it into a [`ByteCounter`] that other threads can watch, and can
//! call a callback as they pass. It is how the whole-stream helpers
//! ([`signature`](crate::signature), [`delta`](crate::delta),
//! [`patch`](crate::patch), [`load_signature`](crate::load_signature)) show
//! progress: wrap their input (bytes consumed) or output (bytes produced).

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A count of bytes that one [`Counted`] adds to and any number of clones
/// read, from any thread.
///
/// ```
/// use std::io::Write;
/// use librsync_rs::io::Counted;
///
/// let mut out = Counted::new(Vec::new());
/// let counter = out.counter(); // Clone + Send: hand it to a progress thread
/// out.write_all(b"hello")?;
/// assert_eq!(counter.get(), 5);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ByteCounter(Arc<AtomicU64>);

impl ByteCounter {
    /// Bytes counted so far.
    ///
    /// ```
    /// use std::io::Read;
    /// use librsync_rs::io::Counted;
    ///
    /// let mut input = Counted::new(&b"hello world"[..]);
    /// let counter = input.counter();
    /// input.read_exact(&mut [0u8; 4])?;
    /// assert_eq!(counter.get(), 4);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add(&self, n: usize) -> u64 {
        self.0.fetch_add(n as u64, Ordering::Relaxed) + n as u64
    }
}

/// A callback shown the running count.
type OnCount<'a> = Box<dyn FnMut(u64) + Send + 'a>;

/// A reader or writer that counts the bytes read from or written to it.
///
/// ```
/// use librsync_rs::io::Counted;
/// use librsync_rs::{signature, SignatureOptions};
///
/// let basis = vec![7u8; 1 << 20];
/// let input = Counted::new(&basis[..]);
/// let read = input.counter(); // watch it from another thread
/// let mut calls = 0;
/// let output = Counted::new(Vec::new()).on_count(|_written| calls += 1);
/// let stats = signature(input, output, &SignatureOptions::default())?;
/// assert_eq!(read.get(), basis.len() as u64);
/// assert_eq!(stats.in_bytes as u64, read.get());
/// assert!(calls > 0);
/// # Ok::<(), librsync_rs::Error>(())
/// ```
pub struct Counted<'a, T> {
    inner: T,
    counter: ByteCounter,
    on_count: Option<OnCount<'a>>,
}

impl<'a, T> Counted<'a, T> {
    /// Wraps `inner`, counting from 0.
    ///
    /// ```
    /// use std::io::Read;
    /// use librsync_rs::io::Counted;
    ///
    /// let mut input = Counted::new(&b"hello"[..]);
    /// assert_eq!(input.count(), 0);
    /// input.read_to_end(&mut Vec::new())?;
    /// assert_eq!(input.count(), 5);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(inner: T) -> Counted<'a, T> {
        Counted {
            inner,
            counter: ByteCounter::default(),
            on_count: None,
        }
    }

    /// Calls `callback` with the running count after each read or write
    /// that moved bytes.
    ///
    /// ```
    /// use std::io::Write;
    /// use librsync_rs::io::Counted;
    ///
    /// let mut seen = Vec::new();
    /// let mut out = Counted::new(Vec::new()).on_count(|total| seen.push(total));
    /// out.write_all(b"ab")?;
    /// out.write_all(b"cde")?;
    /// drop(out);
    /// assert_eq!(seen, [2, 5]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn on_count(mut self, callback: impl FnMut(u64) + Send + 'a) -> Counted<'a, T> {
        self.on_count = Some(Box::new(callback));
        self
    }

    /// A handle on the count, for this or another thread.
    ///
    /// ```
    /// use std::io::{self, Read};
    /// use librsync_rs::io::Counted;
    ///
    /// let mut input = Counted::new(io::repeat(0).take(1000));
    /// let counter = input.counter();
    /// let reader = std::thread::spawn(move || io::copy(&mut input, &mut io::sink()));
    /// reader.join().unwrap()?;
    /// assert_eq!(counter.get(), 1000);
    /// # Ok::<(), io::Error>(())
    /// ```
    pub fn counter(&self) -> ByteCounter {
        self.counter.clone()
    }

    /// Bytes counted so far.
    ///
    /// ```
    /// use std::io::Write;
    /// use librsync_rs::io::Counted;
    ///
    /// let mut out = Counted::new(Vec::new());
    /// write!(out, "{}", 12345)?;
    /// assert_eq!(out.count(), 5);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn count(&self) -> u64 {
        self.counter.get()
    }

    /// The wrapped reader or writer.
    ///
    /// ```
    /// use std::io::Write;
    /// use librsync_rs::io::Counted;
    ///
    /// let mut out = Counted::new(Vec::new());
    /// out.write_all(b"hi")?;
    /// assert_eq!(out.get_ref(), b"hi");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// Gives the wrapped reader or writer back.
    ///
    /// ```
    /// use std::io::Write;
    /// use librsync_rs::io::Counted;
    ///
    /// let mut out = Counted::new(Vec::new());
    /// out.write_all(b"hi")?;
    /// let vec: Vec<u8> = out.into_inner();
    /// assert_eq!(vec, b"hi");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }

    fn counted(&mut self, n: usize) -> usize {
        if n > 0 {
            let total = self.counter.add(n);
            if let Some(callback) = self.on_count.as_mut() {
                callback(total);
            }
        }
        n
    }
}

impl<T: Read> Read for Counted<'_, T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        Ok(self.counted(n))
    }
}

impl<T: Write> Write for Counted<'_, T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        Ok(self.counted(n))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<T: Seek> Seek for Counted<'_, T> {
    /// Seeks the wrapped stream; the count is of bytes moved, not a
    /// position, and does not change.
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl<T: fmt::Debug> fmt::Debug for Counted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counted")
            .field("inner", &self.inner)
            .field("count", &self.count())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{delta, load_signature, patch, signature, BufferSizes, SignatureOptions};

    /// Every whole-stream helper reports its progress through a counted
    /// input and output: the counts end at the job's `in_bytes` and
    /// `out_bytes`, a watcher thread sees them grow, and the callback sees
    /// every value in order.
    #[test]
    fn whole_stream_helpers_show_progress() {
        let basis: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 / 5) as u8).collect();
        let mut new = basis.clone();
        new[1_000_000..1_000_100].fill(1);
        let input = Counted::new(&basis[..]);
        let watched = input.counter();
        let watcher = std::thread::spawn(move || {
            let mut seen = vec![watched.get()];
            while *seen.last().unwrap() < 3_000_000 {
                std::thread::yield_now();
                let now = watched.get();
                assert!(now >= *seen.last().unwrap());
                if now != *seen.last().unwrap() {
                    seen.push(now);
                }
            }
            seen
        });
        let mut sig = Vec::new();
        let stats = signature(input, &mut sig, &SignatureOptions::default()).unwrap();
        assert_eq!(watcher.join().unwrap().last(), Some(&3_000_000));
        assert_eq!(stats.in_bytes, 3_000_000);

        let sig_in = Counted::new(&sig[..]);
        let read = sig_in.counter();
        let (loaded, stats) = load_signature(sig_in, None).unwrap();
        assert_eq!(
            (read.get(), stats.in_bytes as u64),
            (sig.len() as u64, sig.len() as u64)
        );

        let mut last = 0;
        let mut d = Vec::new();
        let out = Counted::new(&mut d).on_count(|n| {
            assert!(n > last);
            last = n;
        });
        let stats = delta(&loaded, &new[..], out, BufferSizes::default()).unwrap();
        assert_eq!(last, stats.out_bytes as u64);
        assert_eq!(last, d.len() as u64);

        let out = Counted::new(Vec::new());
        let produced = out.counter();
        let delta_in = Counted::new(&d[..]);
        let consumed = delta_in.counter();
        patch(&basis[..], delta_in, out, BufferSizes::default()).unwrap();
        assert_eq!(
            (consumed.get(), produced.get()),
            (d.len() as u64, new.len() as u64)
        );
    }
}
