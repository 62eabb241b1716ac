//! The adapters for async code (the `tokio` feature): [`AsyncRead`]
//! versions of the pull adapters and [`AsyncWrite`] versions of the push
//! adapters, with the same names, constructors, counters and output as
//! [`super::SignatureReader`] and the others.
//!
//! # Never more than one buffer of work per poll
//!
//! The job's work is CPU work done inside `poll_read` and `poll_write`, on
//! the runtime's thread. Each poll runs the job at most once
//! ([`Job::process`](crate::Job::process) over one input buffer into one
//! output buffer, 64 KiB of output by default, the input buffer of the
//! whole-stream helper: 64 KiB to 1 MiB for signatures and deltas, 256 KiB
//! for patches); when a poll would need a second run, it wakes its task
//! and returns `Pending`, so that other tasks get the thread in between.
//! The counts of a [`Progress`] callback are shown after each run, as in
//! the sync adapters.
//!
//! # Reading the basis of a patch
//!
//! A patch copies from its basis through the synchronous
//! [`Basis`] trait, as librsync does: a basis in memory
//! costs nothing, but a [`SeekBasis`](crate::SeekBasis) over a
//! `std::fs::File` makes small blocking reads (one per COPY command, up to
//! an output buffer) inside the poll. That is usually fast enough from a
//! local disk; for a slow basis (a network file system), create and run
//! the sync [`PatchReader`](super::PatchReader) or
//! [`PatchWriter`](super::PatchWriter) inside
//! `tokio::task::spawn_blocking` instead.
//!
//! # Tasks
//!
//! The adapters are `Send` when their inner reader or writer is (bases and
//! progress callbacks must be `Send`), so they can be moved into
//! `tokio::spawn`ed tasks. The inner reader or writer must be [`Unpin`];
//! pin a `!Unpin` one with `Box::pin`.
//!
//! # Example
//!
//! ```
//! use librsync_rs::io::tokio::{DeltaReader, PatchWriter, SignatureReader};
//! use librsync_rs::io::load_signature_of;
//! use librsync_rs::SignatureOptions;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! rt.block_on(async {
//!     let basis = b"hello world, hello world".repeat(100);
//!     let new = b"hello world! hello world".repeat(100);
//!
//!     let mut sig = Vec::new();
//!     SignatureReader::new(&basis[..], &SignatureOptions::default())?
//!         .read_to_end(&mut sig)
//!         .await?;
//!     let sig = load_signature_of(&sig)?;
//!
//!     let mut delta = Vec::new();
//!     DeltaReader::new(&sig, &new[..])?.read_to_end(&mut delta).await?;
//!
//!     let mut patch = PatchWriter::new(&basis[..], Vec::new());
//!     patch.write_all(&delta).await?;
//!     assert_eq!(patch.finish().await?, new);
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::engine::Engine;
use super::{delta_engine, patch_engine, signature_engine, Progress};
use crate::basis::Basis;
use crate::error::{Error, Result};
use crate::job::Job;
use crate::signature::Signature;
use crate::stats::Stats;
use crate::whole::{BufferSizes, SignatureOptions};

/// One `poll_read` of a pull adapter over `inner`: fills the input buffer
/// as [`Engine::fill`] does and runs the job at most once.
fn poll_read<R: AsyncRead + Unpin>(
    engine: &mut Engine<'_>,
    inner: &mut R,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    if buf.remaining() == 0 {
        return Poll::Ready(Ok(()));
    }
    let mut stepped = false;
    loop {
        let pending = engine.pending();
        if !pending.is_empty() {
            let n = pending.len().min(buf.remaining());
            buf.put_slice(&pending[..n]);
            engine.output_taken(n);
            return Poll::Ready(Ok(()));
        }
        if engine.done {
            return Poll::Ready(Ok(()));
        }
        if let Some(e) = &engine.failed {
            return Poll::Ready(Err(e.clone().into()));
        }
        if !engine.in_ready && !engine.eof_sent {
            while let Some(space) = engine.input_space()? {
                let mut space = ReadBuf::new(space);
                match ready!(Pin::new(&mut *inner).poll_read(cx, &mut space)) {
                    Ok(()) => {
                        let n = space.filled().len();
                        engine.filled(n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
            engine.end_fill();
        }
        if stepped {
            // A second run of the job: let other tasks in first.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        engine.step()?;
        stepped = true;
    }
}

/// Writes the pending output to `inner` and runs the job on the buffered
/// input (with `last`, to the end), at most once per call, as
/// [`Engine::process`] does.
fn poll_process<W: AsyncWrite + Unpin>(
    engine: &mut Engine<'_>,
    inner: &mut W,
    cx: &mut Context<'_>,
    last: bool,
) -> Poll<io::Result<()>> {
    let mut stepped = false;
    loop {
        while !engine.pending().is_empty() {
            match ready!(Pin::new(&mut *inner).poll_write(cx, engine.pending())) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => engine.output_taken(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        if engine.done || !engine.ready_to_step(last) {
            return Poll::Ready(Ok(()));
        }
        if stepped {
            // A second run of the job: let other tasks in first.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        engine.step()?;
        stepped = true;
    }
}

/// One `poll_write` of a push adapter writing to `inner`.
fn poll_write<W: AsyncWrite + Unpin>(
    engine: &mut Engine<'_>,
    inner: &mut W,
    cx: &mut Context<'_>,
    data: &[u8],
) -> Poll<io::Result<usize>> {
    if let Some(e) = &engine.failed {
        return Poll::Ready(Err(e.clone().into()));
    }
    if engine.at_eof {
        return Poll::Ready(Err(io::Error::other("write after finish")));
    }
    if data.is_empty() {
        return Poll::Ready(Ok(0));
    }
    // Make room first, so that an error means nothing was taken.
    ready!(poll_process(engine, inner, cx, false))?;
    Poll::Ready(Ok(engine.accept(data)?))
}

/// Ends the input, runs the job to the end writing its output, and
/// flushes `inner`.
fn poll_finish<W: AsyncWrite + Unpin>(
    engine: &mut Engine<'_>,
    inner: &mut W,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    if let Some(e) = &engine.failed {
        return Poll::Ready(Err(e.clone().into()));
    }
    ready!(poll_process(engine, inner, cx, true))?;
    Pin::new(inner).poll_flush(cx)
}

macro_rules! async_reader {
    ($ty:ty) => {
        impl<R: AsyncRead + Unpin> AsyncRead for $ty {
            /// Hands out output, reading input and running the job (at
            /// most once per poll) when there is none.
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                let this = self.get_mut();
                poll_read(&mut this.engine, &mut this.inner, cx, buf)
            }
        }
    };
}

macro_rules! async_reader_common {
    ($lt:lifetime, $head:expr) => {
        adapter_common!($lt, $head, async_tail!(), "r", async_read_run!());

        /// The inner reader.
        ///
        #[doc = concat!("```\n", $head, "assert_eq!(*r.get_ref(), input);\n", async_read_run!(),
            "assert!(r.get_ref().is_empty()); // the slice reader is at its end\n", async_tail!(), "```")]
        pub fn get_ref(&self) -> &R {
            &self.inner
        }

        /// The inner reader, mutably (reading from it directly skips input).
        ///
        #[doc = concat!("```\n", $head, "let inner: &mut &[u8] = r.get_mut();\nassert_eq!(inner.len(), input.len());\n", async_tail!(), "```")]
        pub fn get_mut(&mut self) -> &mut R {
            &mut self.inner
        }

        /// Gives the inner reader back; buffered input is lost.
        ///
        #[doc = concat!("```\n", $head, async_read_run!(), "let rest: &[u8] = r.into_inner();\nassert!(rest.is_empty());\n", async_tail!(), "```")]
        pub fn into_inner(self) -> R {
            self.inner
        }
    };
}

/// How the examples of an async pull adapter's accessors run it.
macro_rules! async_read_run {
    () => {
        "let mut out = Vec::new();\nr.read_to_end(&mut out).await?;\nassert_eq!(out, expected);\n"
    };
}

/// How the examples of an async push adapter's accessors run it.
macro_rules! async_write_run {
    () => {
        "w.write_all(input).await?;\nw.try_finish().await?;\n"
    };
}

/// The start of the accessors' examples: a runtime, and the imports.
macro_rules! async_head {
    ($($line:expr),* $(,)?) => {
        concat!(
            "# use librsync_rs::io::{delta_of, load_signature_of, signature_of, Progress};\n",
            "# use librsync_rs::io::tokio::{DeltaReader, DeltaWriter, PatchReader, PatchWriter, SignatureReader, SignatureWriter};\n",
            "# use librsync_rs::SignatureOptions;\n",
            "# use tokio::io::{AsyncReadExt, AsyncWriteExt};\n",
            "# let rt = tokio::runtime::Builder::new_current_thread().build()?;\n",
            "# rt.block_on(async {\n",
            $($line, "\n",)*
        )
    };
}

/// The end of the accessors' examples.
macro_rules! async_tail {
    () => {
        "# Ok::<(), Box<dyn std::error::Error>>(())\n# })?;\n# Ok::<(), Box<dyn std::error::Error>>(())\n"
    };
}

macro_rules! async_writer {
    ($ty:ty) => {
        impl<W: AsyncWrite + Unpin> AsyncWrite for $ty {
            /// Takes bytes of input, running the job on a full input buffer
            /// (at most once per poll) and writing its output to the inner
            /// writer.
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                data: &[u8],
            ) -> Poll<io::Result<usize>> {
                let this = self.get_mut();
                poll_write(&mut this.engine, &mut this.inner, cx, data)
            }

            /// Writes the output made so far and flushes the inner writer.
            /// Input still buffered stays there, and the stream does not
            /// end: that is `finish`'s work (or `shutdown`'s).
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let this = self.get_mut();
                while !this.engine.pending().is_empty() {
                    let pending = this.engine.pending();
                    match ready!(Pin::new(&mut this.inner).poll_write(cx, pending)) {
                        Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                        Ok(n) => this.engine.output_taken(n),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Poll::Ready(Err(e)),
                    }
                }
                Pin::new(&mut this.inner).poll_flush(cx)
            }

            /// Ends the stream as `finish` does, then shuts the inner
            /// writer down.
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let this = self.get_mut();
                ready!(poll_finish(&mut this.engine, &mut this.inner, cx))?;
                Pin::new(&mut this.inner).poll_shutdown(cx)
            }
        }
    };
}

macro_rules! async_writer_common {
    ($lt:lifetime, $head:expr) => {
        adapter_common!($lt, $head, async_tail!(), "w", async_write_run!());

        /// Tells the job the input has ended, runs it to the end writing
        /// all its output, flushes the inner writer and gives it back
        /// (the end of `rs_whole_run`), without shutting it down
        /// (`shutdown` does both). Without it the output lacks its tail:
        /// dropping the adapter writes nothing more.
        ///
        #[doc = concat!("```\n", $head, "w.write_all(input).await?;\nassert_eq!(w.finish().await?, expected);\n", async_tail!(), "```")]
        pub async fn finish(mut self) -> Result<W> {
            self.try_finish().await?;
            Ok(self.inner)
        }

        /// [`finish`](Self::finish) that keeps the adapter: after an error
        /// of the inner writer, or if the future is dropped before it
        /// completes, it can be called again and goes on where it stopped.
        /// Once called, `write` fails.
        ///
        #[doc = concat!("```\n", $head, "w.write_all(input).await?;\nw.try_finish().await?;\nassert_eq!(*w.get_ref(), expected);\n",
            "assert!(w.write(b\"more\").await.is_err());\n", async_tail!(), "```")]
        pub async fn try_finish(&mut self) -> Result<()> {
            poll_fn(|cx| poll_finish(&mut self.engine, &mut self.inner, cx))
                .await
                .map_err(Error::from_io)
        }

        /// Gives the inner writer back as it is: without
        /// [`try_finish`](Self::try_finish) first, the output lacks its
        /// tail.
        ///
        #[doc = concat!("```\n", $head, "w.write_all(input).await?;\nw.try_finish().await?;\nassert_eq!(w.into_inner(), expected);\n", async_tail!(), "```")]
        pub fn into_inner(self) -> W {
            self.inner
        }

        /// The inner writer.
        ///
        #[doc = concat!("```\n", $head, "w.write_all(input).await?;\nassert!(w.get_ref().is_empty()); // the input is still buffered\n",
            "w.try_finish().await?;\nassert_eq!(*w.get_ref(), expected);\n", async_tail!(), "```")]
        pub fn get_ref(&self) -> &W {
            &self.inner
        }

        /// The inner writer, mutably (writing to it directly corrupts the
        /// output).
        ///
        #[doc = concat!("```\n", $head, "let inner: &mut Vec<u8> = w.get_mut();\nassert!(inner.is_empty());\n", async_tail!(), "```")]
        pub fn get_mut(&mut self) -> &mut W {
            &mut self.inner
        }
    };
}

/// Reads a basis from an [`AsyncRead`] and yields its signature as an
/// [`AsyncRead`]: the same bytes as [`super::SignatureReader`]'s (and
/// [`signature`](crate::signature)'s) with the same options.
///
/// ```
/// use librsync_rs::io::tokio::SignatureReader;
/// use librsync_rs::SignatureOptions;
/// use tokio::io::AsyncReadExt;
///
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// let sig = rt.block_on(async {
///     let mut sig = Vec::new();
///     SignatureReader::new(&b"hello world"[..], &SignatureOptions::default())?
///         .read_to_end(&mut sig)
///         .await?;
///     Ok::<_, Box<dyn std::error::Error>>(sig)
/// })?;
/// assert_eq!(&sig[..4], b"rs\x01G");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SignatureReader<R> {
    engine: Engine<'static>,
    inner: R,
}

impl<R: AsyncRead + Unpin> SignatureReader<R> {
    /// Reads the basis from `basis`. Fails with [`ErrorKind::Param`](crate::ErrorKind::Param) or
    /// [`ErrorKind::BadMagic`](crate::ErrorKind::BadMagic) for lengths or a format `rs_sig_args` rejects.
    ///
    /// ```
    /// use librsync_rs::io::tokio::SignatureReader;
    /// use librsync_rs::{ErrorKind, SigMagic, SignatureOptions, StrongLen};
    /// use tokio::io::AsyncReadExt;
    ///
    /// let opts = SignatureOptions::new().magic(SigMagic::Md4).block_len(4);
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let mut sig = Vec::new();
    /// rt.block_on(SignatureReader::new(&b"12345678"[..], &opts)?.read_to_end(&mut sig))?;
    /// assert_eq!(sig.len(), 12 + 2 * (4 + 16)); // header, two blocks
    /// let bad = opts.strong_len(StrongLen::Exact(20)); // MD4 has 16 bytes
    /// assert_eq!(SignatureReader::new(&b""[..], &bad).unwrap_err().kind(), ErrorKind::Param);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(basis: R, opts: &SignatureOptions) -> Result<SignatureReader<R>> {
        Ok(SignatureReader {
            engine: signature_engine(opts)?,
            inner: basis,
        })
    }

    async_reader_common!(
        'static,
        async_head!(
            "let input: &[u8] = b\"hello world\";",
            "let opts = SignatureOptions::default();",
            "let mut expected = Vec::new();",
            "librsync_rs::signature(input, &mut expected, &opts)?;",
            "let mut r = SignatureReader::new(input, &opts)?;",
        )
    );
}

async_reader!(SignatureReader<R>);
impl_debug!(SignatureReader<T>, "SignatureReader");

/// Reads a new file from an [`AsyncRead`] and yields its delta against a
/// signature as an [`AsyncRead`]: the same bytes as
/// [`super::DeltaReader`]'s (and [`delta`](crate::delta)'s).
///
/// ```
/// use librsync_rs::io::tokio::DeltaReader;
/// use librsync_rs::io::{load_signature_of, signature_of};
/// use tokio::io::AsyncReadExt;
///
/// let sig = load_signature_of(&signature_of(b"hello world", &Default::default())?)?;
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// let mut delta = Vec::new();
/// rt.block_on(DeltaReader::new(&sig, &b"hello world"[..])?.read_to_end(&mut delta))?;
/// assert_eq!(delta, [0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0]); // COPY(0, 11), END
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct DeltaReader<'s, R> {
    engine: Engine<'s>,
    inner: R,
}

impl<'s, R: AsyncRead + Unpin> DeltaReader<'s, R> {
    /// Reads the new file from `new`, with the buffer sizes of
    /// [`delta`](crate::delta). The signature's index is built on first use
    /// if it is not built yet.
    ///
    /// ```
    /// use librsync_rs::io::tokio::DeltaReader;
    /// use librsync_rs::io::{load_signature_of, signature_of};
    /// use tokio::io::AsyncReadExt;
    ///
    /// let sig = load_signature_of(&signature_of(b"hello world", &Default::default())?)?;
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let mut delta = Vec::new();
    /// rt.block_on(DeltaReader::new(&sig, &b"!hello world"[..])?.read_to_end(&mut delta))?;
    /// // LITERAL "!", COPY(0, 11), END
    /// assert_eq!(delta, [0x72, 0x73, 0x02, 0x36, 0x01, b'!', 0x45, 0, 11, 0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(sig: &'s Signature, new: R) -> Result<DeltaReader<'s, R>> {
        DeltaReader::with_buffer_sizes(sig, new, BufferSizes::default())
    }

    /// [`DeltaReader::new`] with the buffer sizes `delta` would be given
    /// (see [`super::DeltaReader::with_buffer_sizes`]).
    ///
    /// ```
    /// use librsync_rs::io::tokio::DeltaReader;
    /// use librsync_rs::io::{load_signature_of, signature_of};
    /// use librsync_rs::BufferSizes;
    /// use tokio::io::AsyncReadExt;
    ///
    /// // An empty signature: one LITERAL command per 4-byte input buffer.
    /// let sig = load_signature_of(&signature_of(b"", &Default::default())?)?;
    /// let mut r = DeltaReader::with_buffer_sizes(&sig, &b"abcdefgh"[..], BufferSizes { input: 4, output: 0 })?;
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let mut delta = Vec::new();
    /// rt.block_on(r.read_to_end(&mut delta))?;
    /// assert_eq!(&delta[4..], b"\x04abcd\x04efgh\0");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_buffer_sizes(
        sig: &'s Signature,
        new: R,
        sizes: BufferSizes,
    ) -> Result<DeltaReader<'s, R>> {
        Ok(DeltaReader {
            engine: delta_engine(sig, sizes)?,
            inner: new,
        })
    }

    /// [`DeltaReader::new`] that fails with
    /// [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt) rather than yield
    /// more than `limit` bytes (see [`super::DeltaReader::with_limit`]).
    ///
    /// ```
    /// use librsync_rs::io::tokio::DeltaReader;
    /// use librsync_rs::io::{load_signature_of, signature_of};
    /// use tokio::io::AsyncReadExt;
    ///
    /// let sig = load_signature_of(&signature_of(b"", &Default::default())?)?;
    /// let mut r = DeltaReader::with_limit(&sig, &[0u8; 100][..], 50)?;
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let err = rt.block_on(r.read_to_end(&mut Vec::new())).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData); // ErrorKind::Corrupt
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_limit(sig: &'s Signature, new: R, limit: u64) -> Result<DeltaReader<'s, R>> {
        let mut reader = DeltaReader::new(sig, new)?;
        reader.engine.out_limit = Some(limit);
        Ok(reader)
    }

    async_reader_common!(
        's,
        async_head!(
            "let sig = load_signature_of(&signature_of(b\"hello world\", &Default::default())?)?;",
            "let input: &[u8] = b\"hello, world\";",
            "let expected = delta_of(&sig, input)?;",
            "let mut r = DeltaReader::new(&sig, input)?;",
        )
    );
}

async_reader!(DeltaReader<'_, R>);
impl_debug!(DeltaReader<'_, T>, "DeltaReader");

/// Reads a delta from an [`AsyncRead`] and yields the new file as an
/// [`AsyncRead`], copying from a synchronous [`Basis`] (see the
/// [module's notes](self#reading-the-basis-of-a-patch)): the same bytes as
/// [`super::PatchReader`]'s.
///
/// ```
/// use librsync_rs::io::tokio::PatchReader;
/// use tokio::io::AsyncReadExt;
///
/// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// let mut out = Vec::new();
/// rt.block_on(PatchReader::new(&b"hello world"[..], &delta[..]).read_to_end(&mut out))?;
/// assert_eq!(out, b"world!");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PatchReader<'b, R> {
    engine: Engine<'b>,
    inner: R,
}

impl<'b, R: AsyncRead + Unpin> PatchReader<'b, R> {
    /// Reads the delta from `delta`, copying from `basis` (a slice, a
    /// `Vec`, a [`SeekBasis`](crate::SeekBasis) over a file…).
    ///
    /// ```
    /// use std::io::Cursor;
    /// use librsync_rs::io::tokio::PatchReader;
    /// use librsync_rs::SeekBasis;
    /// use tokio::io::AsyncReadExt;
    ///
    /// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 0, 5, 0]; // COPY(0, 5), END
    /// let basis = SeekBasis::new(Cursor::new(b"hello world".to_vec()));
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let mut out = Vec::new();
    /// rt.block_on(PatchReader::new(basis, &delta[..]).read_to_end(&mut out))?;
    /// assert_eq!(out, b"hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new<B: Basis + Send + 'b>(basis: B, delta: R) -> PatchReader<'b, R> {
        PatchReader {
            engine: patch_engine(Job::patch(basis), BufferSizes::default())
                .expect("the default sizes are valid"),
            inner: delta,
        }
    }

    /// [`PatchReader::new`] that fails with [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt) (as
    /// [`Job::patch_with_limit`](crate::Job::patch_with_limit) does) rather
    /// than yield more than `limit` bytes.
    ///
    /// ```
    /// use librsync_rs::io::tokio::PatchReader;
    /// use tokio::io::AsyncReadExt;
    ///
    /// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0]; // COPY(0, 11), END
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let mut r = PatchReader::with_limit(&b"hello world"[..], &delta[..], 10);
    /// assert!(rt.block_on(r.read_to_end(&mut Vec::new())).is_err());
    /// let mut r = PatchReader::with_limit(&b"hello world"[..], &delta[..], 11);
    /// assert_eq!(rt.block_on(r.read_to_end(&mut Vec::new()))?, 11);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_limit<B: Basis + Send + 'b>(basis: B, delta: R, limit: u64) -> PatchReader<'b, R> {
        PatchReader {
            engine: patch_engine(Job::patch_with_limit(basis, limit), BufferSizes::default())
                .expect("the default sizes are valid"),
            inner: delta,
        }
    }

    async_reader_common!(
        'b,
        async_head!(
            "let basis = b\"hello world\";",
            "let input: &[u8] = &[0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0]; // COPY(6, 5), LITERAL \"!\", END",
            "let expected = b\"world!\";",
            "let mut r = PatchReader::new(&basis[..], input);",
        )
    );
}

async_reader!(PatchReader<'_, R>);
impl_debug!(PatchReader<'_, T>, "PatchReader");

/// Takes a basis as it is written and writes its signature to an
/// [`AsyncWrite`]: the same bytes as [`super::SignatureWriter`]'s. Call
/// [`finish`](SignatureWriter::finish) (or `shutdown`) at the end: `flush`
/// does not end the stream.
///
/// ```
/// use librsync_rs::io::tokio::SignatureWriter;
/// use librsync_rs::SignatureOptions;
/// use tokio::io::AsyncWriteExt;
///
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// let sig = rt.block_on(async {
///     let mut w = SignatureWriter::new(Vec::new(), &SignatureOptions::default())?;
///     w.write_all(b"hello world").await?;
///     Ok::<_, Box<dyn std::error::Error>>(w.finish().await?)
/// })?;
/// assert_eq!(sig.len(), 12 + 4 + 32);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SignatureWriter<W> {
    engine: Engine<'static>,
    inner: W,
}

impl<W: AsyncWrite + Unpin> SignatureWriter<W> {
    /// Writes the signature to `out`. Fails with [`ErrorKind::Param`](crate::ErrorKind::Param) or
    /// [`ErrorKind::BadMagic`](crate::ErrorKind::BadMagic) for lengths or a format `rs_sig_args` rejects.
    ///
    /// ```
    /// use librsync_rs::io::tokio::SignatureWriter;
    /// use librsync_rs::{SigMagic, SignatureOptions};
    /// use tokio::io::AsyncWriteExt;
    ///
    /// let opts = SignatureOptions::new().magic(SigMagic::Md4).block_len(4);
    /// let mut w = SignatureWriter::new(Vec::new(), &opts)?;
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let sig = rt.block_on(async {
    ///     w.write_all(b"12345678").await?;
    ///     w.finish().await
    /// })?;
    /// assert_eq!(sig.len(), 12 + 2 * (4 + 16)); // header, two blocks
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(out: W, opts: &SignatureOptions) -> Result<SignatureWriter<W>> {
        Ok(SignatureWriter {
            engine: signature_engine(opts)?,
            inner: out,
        })
    }

    async_writer_common!(
        'static,
        async_head!(
            "let input: &[u8] = b\"hello world\";",
            "let opts = SignatureOptions::default();",
            "let mut expected = Vec::new();",
            "librsync_rs::signature(input, &mut expected, &opts)?;",
            "let mut w = SignatureWriter::new(Vec::new(), &opts)?;",
        )
    );
}

async_writer!(SignatureWriter<W>);
impl_debug!(SignatureWriter<T>, "SignatureWriter");

/// Takes a new file as it is written and writes its delta against a
/// signature to an [`AsyncWrite`]: the same bytes as
/// [`super::DeltaWriter`]'s. Call [`finish`](DeltaWriter::finish) (or
/// `shutdown`) at the end: `flush` does not end the stream.
///
/// ```
/// use librsync_rs::io::tokio::DeltaWriter;
/// use librsync_rs::io::{load_signature_of, signature_of};
/// use tokio::io::AsyncWriteExt;
///
/// let sig = load_signature_of(&signature_of(b"hello world", &Default::default())?)?;
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// let delta = rt.block_on(async {
///     let mut w = DeltaWriter::new(&sig, Vec::new())?;
///     w.write_all(b"hello world").await?;
///     Ok::<_, Box<dyn std::error::Error>>(w.finish().await?)
/// })?;
/// assert_eq!(delta, [0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0]); // COPY(0, 11), END
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct DeltaWriter<'s, W> {
    engine: Engine<'s>,
    inner: W,
}

impl<'s, W: AsyncWrite + Unpin> DeltaWriter<'s, W> {
    /// Writes the delta to `out`, with the buffer sizes of
    /// [`delta`](crate::delta).
    ///
    /// ```
    /// use librsync_rs::io::tokio::DeltaWriter;
    /// use librsync_rs::io::{load_signature_of, signature_of};
    /// use tokio::io::AsyncWriteExt;
    ///
    /// let sig = load_signature_of(&signature_of(b"hello world", &Default::default())?)?;
    /// let mut w = DeltaWriter::new(&sig, Vec::new())?;
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let delta = rt.block_on(async {
    ///     w.write_all(b"!hello world").await?;
    ///     w.finish().await
    /// })?;
    /// // LITERAL "!", COPY(0, 11), END
    /// assert_eq!(delta, [0x72, 0x73, 0x02, 0x36, 0x01, b'!', 0x45, 0, 11, 0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(sig: &'s Signature, out: W) -> Result<DeltaWriter<'s, W>> {
        DeltaWriter::with_buffer_sizes(sig, out, BufferSizes::default())
    }

    /// [`DeltaWriter::new`] with the buffer sizes `delta` would be given
    /// (see [`super::DeltaReader::with_buffer_sizes`]).
    ///
    /// ```
    /// use librsync_rs::io::tokio::DeltaWriter;
    /// use librsync_rs::io::{load_signature_of, signature_of};
    /// use librsync_rs::BufferSizes;
    /// use tokio::io::AsyncWriteExt;
    ///
    /// // An empty signature: one LITERAL command per 4-byte input buffer.
    /// let sig = load_signature_of(&signature_of(b"", &Default::default())?)?;
    /// let mut w = DeltaWriter::with_buffer_sizes(&sig, Vec::new(), BufferSizes { input: 4, output: 0 })?;
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let delta = rt.block_on(async {
    ///     w.write_all(b"abcdefgh").await?;
    ///     w.finish().await
    /// })?;
    /// assert_eq!(&delta[4..], b"\x04abcd\x04efgh\0");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_buffer_sizes(
        sig: &'s Signature,
        out: W,
        sizes: BufferSizes,
    ) -> Result<DeltaWriter<'s, W>> {
        Ok(DeltaWriter {
            engine: delta_engine(sig, sizes)?,
            inner: out,
        })
    }

    /// [`DeltaWriter::new`] that fails with
    /// [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt) rather than write
    /// more than `limit` bytes (see [`super::DeltaWriter::with_limit`]).
    ///
    /// ```
    /// use librsync_rs::io::tokio::DeltaWriter;
    /// use librsync_rs::io::{load_signature_of, signature_of};
    /// use librsync_rs::ErrorKind;
    /// use tokio::io::AsyncWriteExt;
    ///
    /// let sig = load_signature_of(&signature_of(b"", &Default::default())?)?;
    /// let mut w = DeltaWriter::with_limit(&sig, Vec::new(), 50)?;
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let result = rt.block_on(async {
    ///     w.write_all(&[0u8; 100]).await?;
    ///     w.finish().await
    /// });
    /// assert_eq!(result.unwrap_err().kind(), ErrorKind::Corrupt);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_limit(sig: &'s Signature, out: W, limit: u64) -> Result<DeltaWriter<'s, W>> {
        let mut writer = DeltaWriter::new(sig, out)?;
        writer.engine.out_limit = Some(limit);
        Ok(writer)
    }

    async_writer_common!(
        's,
        async_head!(
            "let sig = load_signature_of(&signature_of(b\"hello world\", &Default::default())?)?;",
            "let input: &[u8] = b\"hello, world\";",
            "let expected = delta_of(&sig, input)?;",
            "let mut w = DeltaWriter::new(&sig, Vec::new())?;",
        )
    );
}

async_writer!(DeltaWriter<'_, W>);
impl_debug!(DeltaWriter<'_, T>, "DeltaWriter");

/// Takes a delta as it is written and writes the new file to an
/// [`AsyncWrite`], copying from a synchronous [`Basis`] (see the
/// [module's notes](self#reading-the-basis-of-a-patch)): the same bytes as
/// [`super::PatchWriter`]'s. Call [`finish`](PatchWriter::finish) (or
/// `shutdown`) at the end: `flush` does not end the stream.
///
/// ```
/// use librsync_rs::io::tokio::PatchWriter;
/// use tokio::io::AsyncWriteExt;
///
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// let out = rt.block_on(async {
///     let mut w = PatchWriter::new(&b"hello world"[..], Vec::new());
///     w.write_all(&[0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0]).await?;
///     Ok::<_, Box<dyn std::error::Error>>(w.finish().await?)
/// })?;
/// assert_eq!(out, b"world!");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PatchWriter<'b, W> {
    engine: Engine<'b>,
    inner: W,
}

impl<'b, W: AsyncWrite + Unpin> PatchWriter<'b, W> {
    /// Writes the new file to `out`, copying from `basis`.
    ///
    /// ```
    /// use librsync_rs::io::tokio::PatchWriter;
    /// use tokio::io::AsyncWriteExt;
    ///
    /// let mut w = PatchWriter::new(b"hello world".to_vec(), Vec::new());
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let out = rt.block_on(async {
    ///     w.write_all(&[0x72, 0x73, 0x02, 0x36, 0x45, 0, 5, 0]).await?; // COPY(0, 5), END
    ///     w.finish().await
    /// })?;
    /// assert_eq!(out, b"hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new<B: Basis + Send + 'b>(basis: B, out: W) -> PatchWriter<'b, W> {
        PatchWriter {
            engine: patch_engine(Job::patch(basis), BufferSizes::default())
                .expect("the default sizes are valid"),
            inner: out,
        }
    }

    /// [`PatchWriter::new`] that fails with [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt) (as
    /// [`Job::patch_with_limit`](crate::Job::patch_with_limit) does) rather
    /// than write more than `limit` bytes.
    ///
    /// ```
    /// use librsync_rs::io::tokio::PatchWriter;
    /// use librsync_rs::ErrorKind;
    /// use tokio::io::AsyncWriteExt;
    ///
    /// let mut w = PatchWriter::with_limit(&b"hello world"[..], Vec::new(), 10);
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let result = rt.block_on(async {
    ///     w.write_all(&[0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0]).await?; // COPY(0, 11), END
    ///     w.finish().await
    /// });
    /// assert_eq!(result.unwrap_err().kind(), ErrorKind::Corrupt);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_limit<B: Basis + Send + 'b>(basis: B, out: W, limit: u64) -> PatchWriter<'b, W> {
        PatchWriter {
            engine: patch_engine(Job::patch_with_limit(basis, limit), BufferSizes::default())
                .expect("the default sizes are valid"),
            inner: out,
        }
    }

    async_writer_common!(
        'b,
        async_head!(
            "let basis = b\"hello world\";",
            "let input: &[u8] = &[0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0]; // COPY(6, 5), LITERAL \"!\", END",
            "let expected = b\"world!\";",
            "let mut w = PatchWriter::new(&basis[..], Vec::new());",
        )
    );
}

async_writer!(PatchWriter<'_, W>);
impl_debug!(PatchWriter<'_, T>, "PatchWriter");
