//! The basis a patch copies from, in the spirit of librsync's `rs_copy_cb`:
//! "give me up to `len` bytes at `pos`".

use std::io::{self, Read, Seek, SeekFrom};

use crate::error::{Error, ErrorKind};
use crate::trace::fail;

/// Random access to the old file a delta refers to (librsync's `rs_copy_cb`).
///
/// `read_at` fills `buf` with bytes from position `pos` on and returns how
/// many it wrote; fewer than asked is fine. `Ok(0)` means the basis ends
/// before `pos` and makes the patch fail with
/// [`ErrorKind::InputEnded`]. An `io::ErrorKind::WouldBlock` error makes the
/// job return [`Status::Blocked`](crate::Status::Blocked) so that it can be
/// retried later; other errors fail the job (an error made by
/// [`Error::into_io`] keeps its code).
///
/// ```
/// use std::io;
/// use librsync_rs::Basis;
///
/// /// A basis of `len` copies of one byte, never held in memory.
/// struct Repeat(u8, u64);
///
/// impl Basis for Repeat {
///     fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
///         let n = buf.len().min(self.1.saturating_sub(pos) as usize);
///         buf[..n].fill(self.0);
///         Ok(n)
///     }
/// }
///
/// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 0, 3, 0]; // COPY(0, 3), END
/// let mut out = Vec::new();
/// librsync_rs::patch(Repeat(b'z', 1 << 40), &delta[..], &mut out, Default::default())?;
/// assert_eq!(out, b"zzz");
/// # Ok::<(), librsync_rs::Error>(())
/// ```
pub trait Basis {
    /// Reads up to `buf.len()` bytes at `pos` into `buf`.
    ///
    /// ```
    /// use librsync_rs::Basis;
    ///
    /// let mut basis = &b"hello world"[..];
    /// let mut buf = [0u8; 8];
    /// assert_eq!(basis.read_at(6, &mut buf)?, 5); // fewer than asked: the end
    /// assert_eq!(&buf[..5], b"world");
    /// assert_eq!(basis.read_at(20, &mut buf)?, 0); // past the end
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize>;
}

impl<B: Basis + ?Sized> Basis for &mut B {
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(pos, buf)
    }
}

impl<B: Basis + ?Sized> Basis for Box<B> {
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(pos, buf)
    }
}

fn read_from_slice(data: &[u8], pos: u64, buf: &mut [u8]) -> usize {
    let Ok(start) = usize::try_from(pos) else {
        return 0;
    };
    let Some(rest) = data.get(start..) else {
        return 0;
    };
    let n = rest.len().min(buf.len());
    buf[..n].copy_from_slice(&rest[..n]);
    n
}

impl Basis for &[u8] {
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        Ok(read_from_slice(self, pos, buf))
    }
}

impl Basis for Vec<u8> {
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        Ok(read_from_slice(self, pos, buf))
    }
}

/// The text C's `strerror` gives for an I/O error: the standard library's
/// message without its ` (os error N)` suffix.
pub(crate) fn os_error_text(err: &io::Error) -> String {
    let text = err.to_string();
    match (err.raw_os_error(), text.rfind(" (os error ")) {
        (Some(_), Some(at)) => text[..at].to_string(),
        _ => text,
    }
}

/// A basis whose length the caller knows, for a patch that must not copy
/// from anywhere else: a check librsync does not make, off unless asked.
///
/// A COPY command that reaches past `len` fails the patch with
/// [`ErrorKind::Corrupt`] (the delta was not made against a basis of this
/// length) when it gets there, and a basis that ends before `len` fails it
/// with [`ErrorKind::InputEnded`]. Either way no byte from outside the expected
/// basis reaches the output.
///
/// ```
/// use librsync_rs::{patch, BufferSizes, ErrorKind, SizedBasis};
/// // A delta that copies 10 bytes from position 0 (then ends).
/// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 0, 10, 0];
/// let mut out = Vec::new();
/// let short = SizedBasis::new(&b"only 8 b"[..], 8);
/// let err = patch(short, &delta[..], &mut out, BufferSizes::default()).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Corrupt);
/// assert_eq!(err.offset(), Some(4)); // the COPY command
/// out.clear();
/// let basis = SizedBasis::new(&b"0123456789"[..], 10);
/// patch(basis, &delta[..], &mut out, BufferSizes::default()).unwrap();
/// assert_eq!(out, b"0123456789");
/// ```
#[derive(Clone, Debug)]
pub struct SizedBasis<B> {
    inner: B,
    len: u64,
}

impl<B> SizedBasis<B> {
    /// `inner`, which the caller expects to hold exactly `len` bytes.
    ///
    /// ```
    /// use librsync_rs::{Basis, SizedBasis};
    ///
    /// let mut basis = SizedBasis::new(&b"hello"[..], 5);
    /// let mut buf = [0u8; 3];
    /// assert_eq!(basis.read_at(2, &mut buf)?, 3);
    /// assert!(basis.read_at(4, &mut buf).is_err()); // reaches past byte 5
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(inner: B, len: u64) -> SizedBasis<B> {
        SizedBasis { inner, len }
    }

    /// The length the basis is expected to have.
    ///
    /// ```
    /// use librsync_rs::SizedBasis;
    ///
    /// assert_eq!(SizedBasis::new(vec![0u8; 100], 100).len(), 100);
    /// ```
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the basis is expected to be empty.
    ///
    /// ```
    /// use librsync_rs::SizedBasis;
    ///
    /// assert!(SizedBasis::new(&b""[..], 0).is_empty());
    /// assert!(!SizedBasis::new(&b"x"[..], 1).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The wrapped basis.
    ///
    /// ```
    /// use librsync_rs::SizedBasis;
    ///
    /// let basis = SizedBasis::new(vec![1u8, 2, 3], 3);
    /// assert_eq!(basis.into_inner(), [1, 2, 3]);
    /// ```
    pub fn into_inner(self) -> B {
        self.inner
    }
}

impl<B: Basis> Basis for SizedBasis<B> {
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        let fits = pos
            .checked_add(buf.len() as u64)
            .is_some_and(|end| end <= self.len);
        if !fits {
            let e = Error::new(ErrorKind::Corrupt).with_message(format!(
                "COPY of {} bytes at position {pos} reaches past the end of the {}-byte basis",
                buf.len(),
                self.len
            ));
            return Err(e.into_io());
        }
        match self.inner.read_at(pos, buf)? {
            0 if !buf.is_empty() => {
                let e = Error::new(ErrorKind::InputEnded).with_message(format!(
                    "the basis ended at position {pos}, short of its expected {} bytes",
                    self.len
                ));
                Err(e.into_io())
            }
            n => Ok(n),
        }
    }
}

/// A basis read with `seek` and `read`, like librsync's stdio callback
/// `rs_file_copy_cb`, including its error messages (`seek failed: ...`,
/// `read error: ...`, `unexpected eof on fdN`).
///
/// ```
/// use std::io::Cursor;
/// use librsync_rs::{Basis, SeekBasis};
///
/// let mut basis = SeekBasis::new(Cursor::new(b"hello world".to_vec()));
/// let mut buf = [0u8; 5];
/// assert_eq!(basis.read_at(6, &mut buf)?, 5);
/// assert_eq!(&buf, b"world");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct SeekBasis<R> {
    inner: R,
    fd: i32,
}

impl<R: Read + Seek> SeekBasis<R> {
    /// Wraps a seekable reader.
    ///
    /// ```
    /// use std::io::Cursor;
    /// use librsync_rs::{io::PatchReader, SeekBasis};
    /// use std::io::Read;
    ///
    /// let basis = SeekBasis::new(Cursor::new(b"hello world".to_vec()));
    /// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0]; // COPY(6, 5), END
    /// let mut out = String::new();
    /// PatchReader::new(basis, &delta[..]).read_to_string(&mut out)?;
    /// assert_eq!(out, "world");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(inner: R) -> SeekBasis<R> {
        SeekBasis { inner, fd: -1 }
    }

    /// Gets the reader back.
    ///
    /// ```
    /// use std::io::Cursor;
    /// use librsync_rs::{Basis, SeekBasis};
    ///
    /// let mut basis = SeekBasis::new(Cursor::new(vec![1u8, 2, 3]));
    /// basis.read_at(1, &mut [0u8; 1])?;
    /// let cursor = basis.into_inner();
    /// assert_eq!(cursor.position(), 2); // where the read left it
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R> SeekBasis<R> {
    /// Sets the descriptor number the end-of-file message shows
    /// (`unexpected eof on fdN`), e.g. 0 for a basis read from stdin.
    pub(crate) fn with_fd(mut self, fd: i32) -> SeekBasis<R> {
        self.fd = fd;
        self
    }
}

impl SeekBasis<std::fs::File> {
    /// Wraps a file; its descriptor number appears in the end-of-file
    /// message as in C.
    ///
    /// ```
    /// use std::fs::File;
    /// use librsync_rs::{patch, SeekBasis};
    ///
    /// let path = std::env::temp_dir().join(format!("librsync-rs-doc-{}", std::process::id()));
    /// std::fs::write(&path, b"hello world")?;
    /// let basis = SeekBasis::from_file(File::open(&path)?);
    /// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 0, 5, 0]; // COPY(0, 5), END
    /// let mut out = Vec::new();
    /// patch(basis, &delta[..], &mut out, Default::default())?;
    /// assert_eq!(out, b"hello");
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_file(file: std::fs::File) -> SeekBasis<std::fs::File> {
        #[cfg(unix)]
        let fd = std::os::unix::io::AsRawFd::as_raw_fd(&file);
        #[cfg(not(unix))]
        let fd = -1;
        SeekBasis { inner: file, fd }
    }
}

impl<R: Read + Seek> Basis for SeekBasis<R> {
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        if let Err(e) = self.inner.seek(SeekFrom::Start(pos)) {
            let text = os_error_text(&e);
            return Err(fail!(error = e, "rs_file_copy_cb", "seek failed: {text}").into_io());
        }
        // Like fread: fill as much as possible.
        let mut got = 0;
        while got < buf.len() {
            match self.inner.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if got == 0 => {
                    let text = os_error_text(&e);
                    return Err(fail!(error = e, "rs_file_copy_cb", "read error: {text}").into_io());
                }
                Err(_) => break,
            }
        }
        if got == 0 && !buf.is_empty() {
            let e = fail!(
                ErrorKind::InputEnded,
                "rs_file_copy_cb",
                "unexpected eof on fd{}",
                self.fd
            );
            return Err(e.into_io());
        }
        Ok(got)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sized_basis_refuses_copies_past_its_length() {
        use crate::{patch, BufferSizes};
        // COPY 0..10, COPY 5..13, END.
        let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 0, 10, 0x45, 5, 8, 0];
        let data = b"0123456789abcdef";
        for output in [1, 3, 64 * 1024] {
            let sizes = BufferSizes { input: 1, output };
            let mut out = Vec::new();
            let fits = SizedBasis::new(&data[..13], 13);
            patch(fits, &delta[..], &mut out, sizes).unwrap();
            assert_eq!(
                out,
                b"0123456789"
                    .iter()
                    .chain(b"56789abc")
                    .copied()
                    .collect::<Vec<u8>>()
            );
            let mut out = Vec::new();
            let too_short = SizedBasis::new(&data[..], 12);
            assert_eq!(
                patch(too_short, &delta[..], &mut out, sizes),
                Err(Error::new(ErrorKind::Corrupt))
            );
            assert!(out.len() <= 10 + 7, "wrote {} bytes", out.len());
            // The caller promised 13 bytes but the basis has 11.
            let mut out = Vec::new();
            let lying = SizedBasis::new(&data[..11], 13);
            assert_eq!(
                patch(lying, &delta[..], &mut out, sizes),
                Err(Error::new(ErrorKind::InputEnded))
            );
        }
    }

    #[test]
    fn slices_read_short_at_the_end() {
        let data = b"0123456789".to_vec();
        let mut buf = [0u8; 4];
        let mut basis = &data[..];
        assert_eq!(basis.read_at(8, &mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"89");
        assert_eq!(basis.read_at(10, &mut buf).unwrap(), 0);
        assert_eq!(basis.read_at(u64::MAX, &mut buf).unwrap(), 0);
    }

    #[test]
    fn seek_basis_reports_eof_as_input_ended() {
        let mut basis = SeekBasis::new(io::Cursor::new(b"abc".to_vec()));
        let mut buf = [0u8; 8];
        assert_eq!(basis.read_at(1, &mut buf).unwrap(), 2);
        let err = basis.read_at(3, &mut buf).unwrap_err();
        assert_eq!(Error::from_io(err), Error::new(ErrorKind::InputEnded));
    }
}
