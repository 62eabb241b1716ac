//! Streaming adapters and one-shots: signature, delta and patch as
//! [`Read`] and [`Write`] adapters, and over slices.
//!
//! # Which API for which job
//!
//! | You have | You want | Use |
//! |---|---|---|
//! | bytes in memory (`&[u8]`) | a `Vec<u8>` | the one-shots [`signature_of`], [`load_signature_of`], [`delta_of`], [`patch_of`] (and [`delta_of_limited`], [`patch_of_limited`] with an output limit) |
//! | a [`Read`] and a [`Write`] | to copy one into the other | the whole-stream helpers [`signature`](crate::signature), [`delta`](crate::delta), [`patch`](crate::patch) (`rdiff`'s way) |
//! | a [`Read`] input | a [`Read`] of the output (to hand to `io::copy`, a hasher, an HTTP body, a compressor…) | the pull adapters [`SignatureReader`], [`DeltaReader`], [`PatchReader`] |
//! | input that is *written* to you (by a download, a decompressor, a tar reader…) | the output written to a [`Write`] | the push adapters [`SignatureWriter`], [`DeltaWriter`], [`PatchWriter`] |
//! | an async `AsyncRead` input, or an `AsyncWrite` for the output (tokio) | the adapters above without blocking the runtime for more than one buffer of work per poll | the `tokio` feature's `io::tokio::{SignatureReader, DeltaReader, PatchReader, SignatureWriter, DeltaWriter, PatchWriter}` |
//! | your own buffers, an event loop, no I/O at all | full control | [`Job`] with [`Buffers`](crate::Buffers) (`rs_job_iter`) |
//!
//! The adapters and the whole-stream helpers stream in memory that does not
//! grow with the file: each adapter holds its job, an input buffer of the
//! size the whole-stream helper uses for the same operation (filled the
//! same way, so the output is byte for byte the same, `rdiff`'s, even for
//! deltas against an empty signature, whose commands follow the input
//! buffers) and an output buffer of 64 KiB (the bytes do not depend on it).
//! A delta also needs the loaded [`Signature`] (about
//! `(4 + strong_len) / block_len` of the basis size, plus its index); a
//! patch reads the basis through a [`Basis`] as it goes.
//!
//! The one-shots take a slice and give a `Vec<u8>`; they size nothing from
//! what a header claims, so a hostile delta costs memory only for the
//! output it really writes, and the `_limited` forms stop at a limit.
//!
//! # Errors
//!
//! The one-shots and `finish` return [`crate::Error`]. The adapters'
//! `read` and `write` return [`io::Error`]: an error of the inner reader or
//! writer comes back as it was, and a librsync error is packed with the
//! kind `InvalidData` for [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt) and [`ErrorKind::BadMagic`](crate::ErrorKind::BadMagic),
//! `UnexpectedEof` for [`ErrorKind::InputEnded`](crate::ErrorKind::InputEnded) and `Other` for the rest,
//! and can be had back with [`Error::from_io`] or
//! `err.into_inner().unwrap().downcast::<Error>()`. A failed adapter keeps
//! failing with the same error.
//!
//! ```
//! use std::io::Read;
//! use librsync_rs::io::PatchReader;
//! use librsync_rs::{Error, ErrorKind};
//!
//! let mut r = PatchReader::new(&b"basis"[..], &b"not a delta"[..]);
//! let err = r.read_to_end(&mut Vec::new()).unwrap_err();
//! assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
//! let err = *err.into_inner().unwrap().downcast::<Error>().unwrap();
//! assert_eq!(err.kind(), ErrorKind::BadMagic);
//! ```
//!
//! # Progress
//!
//! Every adapter counts the bytes it has taken in and put out
//! ([`SignatureReader::progress`] and the like give a [`Progress`]), and
//! calls a callback set with `with_progress` after each step of its job,
//! which is at most once per input buffer filled or output buffer emptied
//! (64 KiB or more), so the callback may be as slow as redrawing a screen.
//! When the adapter has finished, the counts equal the job's
//! [`Stats`] `in_bytes` and `out_bytes`.
//!
//! To draw a progress bar for a 100 GB file, take its length from the file
//! system and show `consumed` against it for a signature or a delta (they
//! read their input once, front to back); for a patch, show `consumed`
//! against the delta's length, or `produced` against the new file's length
//! if you know it:
//!
//! ```
//! use std::io::{self, Read};
//! use librsync_rs::io::SignatureReader;
//! use librsync_rs::SignatureOptions;
//!
//! # let file = io::repeat(7).take(3 << 20);
//! # let total = 3u64 << 20;
//! // let file = std::fs::File::open("big.iso")?;
//! // let total = file.metadata()?.len();
//! let opts = SignatureOptions { basis_size: Some(total), ..Default::default() };
//! let mut sig = SignatureReader::new(file, &opts)?.with_progress(move |p| {
//!     let percent = p.consumed * 100 / total.max(1);
//!     eprint!("\rsignature: {percent:3}%"); // or bar.set_position(p.consumed)
//! });
//! io::copy(&mut sig, &mut io::sink())?;
//! assert_eq!(sig.progress().consumed, total);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The whole-stream helpers ([`signature`](crate::signature),
//! [`delta`](crate::delta), [`patch`](crate::patch)) show progress through
//! their reader and writer: wrap the input or the output in [`Counted`],
//! and watch its [`ByteCounter`] from any thread or give it a callback.
//!
//! # Coming from the `librsync` crate
//!
//! The [`librsync`](https://crates.io/crates/librsync) crate binds the C
//! library; its `Read` adapters map one to one:
//!
//! | `librsync` | `librsync_rs` |
//! |---|---|
//! | `Signature::new(input)` | [`SignatureReader::new(input, &SignatureOptions::default())`](SignatureReader::new) |
//! | `Signature::with_options(input, block_len, strong_len, SignatureType::Blake2)` | [`SignatureReader::new`] with [`SignatureOptions`] `{ block_len, strong_len, magic: SigMagic::Blake2, .. }` |
//! | `Delta::new(new, &mut sig_input)` | [`load_signature`](crate::load_signature)`(sig_input, None)`, then [`DeltaReader::new(&sig, new)`](DeltaReader::new) |
//! | `Patch::new(base, delta)` (`base: Read + Seek`) | [`PatchReader::new(SeekBasis::new(base), delta)`](PatchReader::new) (or a slice as the basis) |
//! | `whole::signature(&mut input, &mut out)` | [`signature`](crate::signature)`(input, out, &SignatureOptions::default())` |
//! | `whole::delta(&mut new, &mut sig, &mut out)` | [`load_signature`](crate::load_signature) then [`delta`](crate::delta)`(&sig, new, out, BufferSizes::default())` |
//! | `whole::patch(&mut base, &mut delta, &mut out)` | [`patch`](crate::patch)`(SeekBasis::new(base), delta, out, BufferSizes::default())` |
//! | `Error` | [`Error`] (with the same result codes) |
//!
//! ```
//! use std::io::{Cursor, Read};
//! use librsync_rs::io::{DeltaReader, PatchReader, SignatureReader};
//! use librsync_rs::{load_signature, SeekBasis, SigMagic, SignatureOptions, StrongLen};
//!
//! let base = b"The quick brown fox jumps over the lazy dog. ".repeat(50);
//! let mut new = base.clone();
//! new.extend_from_slice(b"And then some.");
//!
//! // librsync: Signature::with_options(&base[..], 256, 8, SignatureType::Blake2)
//! let opts = SignatureOptions::new().magic(SigMagic::Blake2).block_len(256).strong_len(StrongLen::Exact(8));
//! let sig_input = SignatureReader::new(&base[..], &opts)?;
//! // librsync: Delta::new(&new[..], &mut sig_input)
//! let (sig, _) = load_signature(sig_input, None)?;
//! let mut delta = Vec::new();
//! DeltaReader::new(&sig, &new[..])?.read_to_end(&mut delta)?;
//! // librsync: Patch::new(Cursor::new(&base), &delta[..])
//! let mut out = Vec::new();
//! PatchReader::new(SeekBasis::new(Cursor::new(&base)), &delta[..]).read_to_end(&mut out)?;
//! assert_eq!(out, new);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Unlike the C library, nothing is printed to stderr here unless
//! [`trace`](crate::trace) is set up to.
//!
//! # Coming from `fast_rsync`
//!
//! [`fast_rsync`](https://crates.io/crates/fast_rsync) works on slices;
//! the one-shots here have its shape, and write librsync's formats (its
//! deltas patch with `rdiff`, and all four signature kinds are read):
//!
//! | `fast_rsync` | `librsync_rs::io` |
//! |---|---|
//! | `Signature::calculate(data, SignatureOptions { block_size, crypto_hash_size })` | [`signature_of(data, &SignatureOptions { block_len, strong_len, magic: SigMagic::Md4, .. })`](signature_of) |
//! | `Signature::deserialize(bytes)?.index()` | [`load_signature_of(bytes)`](load_signature_of) (the index is built) |
//! | `diff(&indexed, new, &mut out)` | [`delta_of(&sig, new)`](delta_of), or [`delta_of_limited`] |
//! | `apply(base, delta, &mut out)` | [`patch_of(base, delta)`](patch_of) |
//! | `apply_limited(base, delta, &mut out, limit)` | [`patch_of_limited(base, delta, limit)`](patch_of_limited) |
//!
//! ```
//! use librsync_rs::io::{delta_of, load_signature_of, patch_of_limited, signature_of};
//! use librsync_rs::{SigMagic, SignatureOptions, StrongLen};
//!
//! let base = b"hello world, hello world, hello world".repeat(10);
//! let new = b"hello world! hello world, hello world".repeat(10);
//! // fast_rsync: Signature::calculate(&base, SignatureOptions { block_size: 64, crypto_hash_size: 8 })
//! let opts = SignatureOptions::new().magic(SigMagic::Md4).block_len(64).strong_len(StrongLen::Exact(8));
//! let sig = load_signature_of(&signature_of(&base, &opts)?)?;
//! let delta = delta_of(&sig, &new)?;
//! assert_eq!(patch_of_limited(&base, &delta, new.len())?, new);
//! # Ok::<(), librsync_rs::Error>(())
//! ```
//!
//! For files too large for memory, the same three steps stream with the
//! adapters above; nothing else changes.

mod counted;
mod engine;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io::{self, Read, Write};

use crate::basis::Basis;
use crate::error::{Error, Result};
use crate::job::Job;
use crate::signature::Signature;
use crate::stats::Stats;
use crate::whole::{
    rust_delta_buffers, signature_buffers, BufferSizes, SignatureOptions, PATCH_BUFFER,
};

pub use counted::{ByteCounter, Counted};
use engine::Engine;

/// How far an adapter has got: bytes taken in and put out so far.
///
/// ```
/// use std::io::Read;
/// use librsync_rs::io::{PatchReader, Progress};
///
/// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
/// let mut r = PatchReader::new(&b"hello world"[..], &delta[..]);
/// r.read_to_end(&mut Vec::new())?;
/// assert_eq!(r.progress(), Progress { consumed: 10, produced: 6 });
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Progress {
    /// Input bytes taken: read from the inner reader (pull adapters) or
    /// accepted by `write` (push adapters). Counted as `Stats::in_bytes`.
    pub consumed: u64,
    /// Output bytes the job has made; all of them have been handed out
    /// but at most one output buffer (64 KiB by default). Counted as
    /// `Stats::out_bytes`.
    pub produced: u64,
}

/// The job and buffers for a signature.
fn signature_engine(opts: &SignatureOptions) -> Result<Engine<'static>> {
    let args = opts.resolve()?;
    let (in_len, _) = signature_buffers(&args, opts.buffers)?;
    let job = Job::signature(args.magic, args.block_len, args.strong_len);
    Ok(Engine::new(job, in_len, opts.buffers.output))
}

/// The job and buffers for a delta.
fn delta_engine(sig: &Signature, sizes: BufferSizes) -> Result<Engine<'_>> {
    let (in_len, _) = rust_delta_buffers(sig, sizes)?;
    Ok(Engine::new(Job::delta(sig), in_len, sizes.output))
}

/// The job and buffers for a patch.
fn patch_engine<'b>(job: Job<'b>, sizes: BufferSizes) -> Result<Engine<'b>> {
    let (in_len, out_len) = sizes.resolve(PATCH_BUFFER as i32, PATCH_BUFFER as i32)?;
    Ok(Engine::new(job, in_len, out_len))
}

// The accessors' examples are built from each adapter's own setup:
// `$head` (imports, an `input` slice, the `expected` output and the adapter,
// named `$v`), `$run` (drives it to the end: `read_to_end` into `out`, or
// `write_all` and `try_finish`) and `$tail` (ends the doc test).
macro_rules! adapter_common {
    ($lt:lifetime, $head:expr, $tail:expr, $v:literal, $run:expr) => {
        /// Bytes taken in and put out so far.
        ///
        #[doc = concat!("```\n", $head, "assert_eq!(", $v, ".progress(), Progress::default());\n", $run,
            "assert_eq!(\n    ", $v, ".progress(),\n    Progress { consumed: input.len() as u64, produced: expected.len() as u64 }\n);\n", $tail, "```")]
        pub fn progress(&self) -> Progress {
            self.engine.progress()
        }

        /// Input bytes taken so far ([`Progress::consumed`]).
        ///
        #[doc = concat!("```\n", $head, "assert_eq!(", $v, ".bytes_in(), 0);\n", $run,
            "assert_eq!(", $v, ".bytes_in(), input.len() as u64);\n", $tail, "```")]
        pub fn bytes_in(&self) -> u64 {
            self.engine.consumed
        }

        /// Output bytes made so far ([`Progress::produced`]).
        ///
        #[doc = concat!("```\n", $head, $run, "assert_eq!(", $v, ".bytes_out(), expected.len() as u64);\n", $tail, "```")]
        pub fn bytes_out(&self) -> u64 {
            self.engine.produced
        }

        /// The job's statistics (`rs_job_statistics`), with `in_bytes` and
        /// `out_bytes` counted as the whole-stream helpers count them.
        ///
        #[doc = concat!("```\n", $head, $run, "let stats = ", $v, ".stats();\n",
            "assert_eq!(stats.in_bytes as u64, input.len() as u64);\n",
            "assert_eq!(stats.out_bytes as u64, expected.len() as u64);\n", $tail, "```")]
        pub fn stats(&self) -> &Stats {
            self.engine.stats()
        }

        /// Calls `callback` with the counters after each step of the job:
        /// at most once per input buffer filled or output buffer emptied.
        ///
        #[doc = concat!("```\n", $head, "# use std::sync::{Arc, Mutex};\n",
            "let last = Arc::new(Mutex::new(Progress::default()));\n",
            "let seen = Arc::clone(&last);\n",
            "let mut ", $v, " = ", $v, ".with_progress(move |p| *seen.lock().unwrap() = p);\n", $run,
            "assert_eq!(*last.lock().unwrap(), ", $v, ".progress());\n", $tail, "```")]
        #[must_use]
        pub fn with_progress(mut self, callback: impl FnMut(Progress) + Send + $lt) -> Self {
            self.engine.progress = Some(Box::new(callback));
            self
        }
    };
}

macro_rules! reader_common {
    ($lt:lifetime, $head:expr, $tail:expr) => {
        adapter_common!($lt, $head, $tail, "r", read_run!());

        /// The inner reader.
        ///
        #[doc = concat!("```\n", $head, "assert_eq!(*r.get_ref(), input);\n", read_run!(),
            "assert!(r.get_ref().is_empty()); // the slice reader is at its end\n", $tail, "```")]
        pub fn get_ref(&self) -> &R {
            &self.inner
        }

        /// The inner reader, mutably (reading from it directly skips input).
        ///
        #[doc = concat!("```\n", $head, "let inner: &mut &[u8] = r.get_mut();\nassert_eq!(inner.len(), input.len());\n", $tail, "```")]
        pub fn get_mut(&mut self) -> &mut R {
            &mut self.inner
        }

        /// Gives the inner reader back; buffered input is lost.
        ///
        #[doc = concat!("```\n", $head, read_run!(), "let rest: &[u8] = r.into_inner();\nassert!(rest.is_empty());\n", $tail, "```")]
        pub fn into_inner(self) -> R {
            self.inner
        }
    };
}

/// How the examples of a pull adapter's accessors run it.
macro_rules! read_run {
    () => {
        "let mut out = Vec::new();\nr.read_to_end(&mut out)?;\nassert_eq!(out, expected);\n"
    };
}

macro_rules! writer_common {
    ($lt:lifetime, $head:expr, $tail:expr) => {
        adapter_common!($lt, $head, $tail, "w", write_run!());

        /// Tells the job the input has ended, runs it to the end writing
        /// all its output, flushes the inner writer and gives it back
        /// (the end of `rs_whole_run`). Without it the output lacks its
        /// tail: dropping the adapter writes nothing more.
        ///
        #[doc = concat!("```\n", $head, "w.write_all(input)?;\nassert_eq!(w.finish()?, expected);\n", $tail, "```")]
        pub fn finish(mut self) -> Result<W> {
            self.try_finish()?;
            Ok(self.inner)
        }

        /// [`finish`](Self::finish) that keeps the adapter: after an error
        /// of the inner writer (such as `WouldBlock`) it can be called
        /// again and goes on where it stopped. Once called, `write` fails.
        ///
        #[doc = concat!("```\n", $head, "w.write_all(input)?;\nw.try_finish()?;\nassert_eq!(*w.get_ref(), expected);\n",
            "assert!(w.write(b\"more\").is_err());\n", $tail, "```")]
        pub fn try_finish(&mut self) -> Result<()> {
            self.engine.process(&mut self.inner, true)?;
            loop {
                match self.inner.flush() {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    other => return other.map_err(Error::from_io),
                }
            }
        }

        /// Gives the inner writer back as it is: without
        /// [`try_finish`](Self::try_finish) first, the output lacks its
        /// tail.
        ///
        #[doc = concat!("```\n", $head, "w.write_all(input)?;\nw.try_finish()?;\nassert_eq!(w.into_inner(), expected);\n", $tail, "```")]
        pub fn into_inner(self) -> W {
            self.inner
        }

        /// The inner writer.
        ///
        #[doc = concat!("```\n", $head, "w.write_all(input)?;\nassert!(w.get_ref().is_empty()); // the input is still buffered\n",
            "w.try_finish()?;\nassert_eq!(*w.get_ref(), expected);\n", $tail, "```")]
        pub fn get_ref(&self) -> &W {
            &self.inner
        }

        /// The inner writer, mutably (writing to it directly corrupts the
        /// output).
        ///
        #[doc = concat!("```\n", $head, "let inner: &mut Vec<u8> = w.get_mut();\nassert!(inner.is_empty());\n", $tail, "```")]
        pub fn get_mut(&mut self) -> &mut W {
            &mut self.inner
        }
    };
}

/// How the examples of a push adapter's accessors run it.
macro_rules! write_run {
    () => {
        "w.write_all(input)?;\nw.try_finish()?;\n"
    };
}

macro_rules! impl_read {
    ($ty:ty) => {
        impl<R: Read> Read for $ty {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.engine.read(&mut self.inner, buf)
            }
        }
    };
}

macro_rules! impl_write {
    ($ty:ty) => {
        impl<W: Write> Write for $ty {
            /// Takes bytes of input, running the job on each full input
            /// buffer and writing its output to the inner writer.
            fn write(&mut self, data: &[u8]) -> io::Result<usize> {
                self.engine.write(&mut self.inner, data)
            }

            /// Writes the output made so far and flushes the inner writer.
            /// Input still buffered stays there (the job's output can depend
            /// on it), and the stream does not end: that is
            /// [`finish`](Self::finish)'s work.
            fn flush(&mut self) -> io::Result<()> {
                self.engine.drain(&mut self.inner)?;
                self.inner.flush()
            }
        }
    };
}

macro_rules! impl_debug {
    ($ty:ty, $name:literal) => {
        impl<T> fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct($name)
                    .field("progress", &self.engine.progress())
                    .field("done", &self.engine.done)
                    .finish_non_exhaustive()
            }
        }
    };
}

#[cfg(feature = "tokio")]
pub mod tokio;
#[cfg(all(test, feature = "tokio"))]
mod tokio_tests;

/// Reads a basis from `R` and yields its signature (`rs_sig_begin` driven
/// as `rs_sig_file` drives it); the signature is the same, byte for byte,
/// as [`signature`](crate::signature)'s with the same options.
///
/// ```
/// use std::io::Read;
/// use librsync_rs::io::SignatureReader;
/// use librsync_rs::SignatureOptions;
///
/// let mut sig = Vec::new();
/// SignatureReader::new(&b"hello world"[..], &SignatureOptions::default())?
///     .read_to_end(&mut sig)?;
/// assert_eq!(&sig[..4], b"rs\x01G");
/// assert_eq!(sig.len(), 12 + 4 + 32);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SignatureReader<R> {
    engine: Engine<'static>,
    inner: R,
}

impl<R: Read> SignatureReader<R> {
    /// Reads the basis from `basis`. Fails with [`ErrorKind::Param`](crate::ErrorKind::Param) or
    /// [`ErrorKind::BadMagic`](crate::ErrorKind::BadMagic) for lengths or a format `rs_sig_args` rejects.
    ///
    /// ```
    /// use std::io::Read;
    /// use librsync_rs::io::SignatureReader;
    /// use librsync_rs::{ErrorKind, SigMagic, SignatureOptions, StrongLen};
    ///
    /// let opts = SignatureOptions::new().magic(SigMagic::Md4).block_len(4);
    /// let mut sig = Vec::new();
    /// SignatureReader::new(&b"12345678"[..], &opts)?.read_to_end(&mut sig)?;
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

    reader_common!(
        'static,
        concat!(
        "# use std::io::Read;\n# use librsync_rs::io::{Progress, SignatureReader};\n# use librsync_rs::SignatureOptions;\n",
        "let input: &[u8] = b\"hello world\";\n",
        "let opts = SignatureOptions::default();\n",
        "let mut expected = Vec::new();\n",
        "librsync_rs::signature(input, &mut expected, &opts)?;\n",
        "let mut r = SignatureReader::new(input, &opts)?;\n"
        ),
        "# Ok::<(), Box<dyn std::error::Error>>(())\n"
    );
}

impl_read!(SignatureReader<R>);
impl_debug!(SignatureReader<T>, "SignatureReader");

/// Reads a new file from `R` and yields its delta against a signature
/// (`rs_delta_begin` driven as `rs_delta_file` drives it); the delta is the
/// same, byte for byte, as [`delta`](crate::delta)'s.
///
/// ```
/// use std::io::Read;
/// use librsync_rs::io::{signature_of, DeltaReader};
/// use librsync_rs::{load_signature, SignatureOptions};
///
/// let sig = signature_of(b"hello world", &SignatureOptions::default())?;
/// let (sig, _) = load_signature(&sig[..], None)?;
/// let mut delta = Vec::new();
/// DeltaReader::new(&sig, &b"hello world"[..])?.read_to_end(&mut delta)?;
/// assert_eq!(delta, [0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0]); // COPY(0, 11), END
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct DeltaReader<'s, R> {
    engine: Engine<'s>,
    inner: R,
}

impl<'s, R: Read> DeltaReader<'s, R> {
    /// Reads the new file from `new`, with the buffer sizes of
    /// [`delta`](crate::delta). The signature's index is built on first use
    /// if it is not built yet.
    ///
    /// ```
    /// use std::io::Read;
    /// use librsync_rs::io::{load_signature_of, signature_of, DeltaReader};
    ///
    /// let sig = load_signature_of(&signature_of(b"hello world", &Default::default())?)?;
    /// let mut delta = Vec::new();
    /// DeltaReader::new(&sig, &b"!hello world"[..])?.read_to_end(&mut delta)?;
    /// // LITERAL "!", COPY(0, 11), END
    /// assert_eq!(delta, [0x72, 0x73, 0x02, 0x36, 0x01, b'!', 0x45, 0, 11, 0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(sig: &'s Signature, new: R) -> Result<DeltaReader<'s, R>> {
        DeltaReader::with_buffer_sizes(sig, new, BufferSizes::default())
    }

    /// [`DeltaReader::new`] with the buffer sizes `delta` would be given.
    /// The input size matters for a signature without blocks: the delta
    /// then holds one LITERAL command per input buffer, as in C.
    ///
    /// ```
    /// use std::io::Read;
    /// use librsync_rs::io::{load_signature_of, signature_of, DeltaReader};
    /// use librsync_rs::BufferSizes;
    ///
    /// // An empty signature: one LITERAL command per 4-byte input buffer.
    /// let sig = load_signature_of(&signature_of(b"", &Default::default())?)?;
    /// let sizes = BufferSizes { input: 4, output: 0 };
    /// let mut delta = Vec::new();
    /// DeltaReader::with_buffer_sizes(&sig, &b"abcdefgh"[..], sizes)?.read_to_end(&mut delta)?;
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

    /// [`DeltaReader::new`] that fails with [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt) (as
    /// [`delta_of_limited`] does) rather than yield more than `limit` bytes.
    ///
    /// ```
    /// use std::io::Read;
    /// use librsync_rs::io::{load_signature_of, signature_of, DeltaReader};
    ///
    /// let sig = load_signature_of(&signature_of(b"", &Default::default())?)?;
    /// let mut r = DeltaReader::with_limit(&sig, &[0u8; 100][..], 50)?;
    /// let err = r.read_to_end(&mut Vec::new()).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData); // ErrorKind::Corrupt
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_limit(sig: &'s Signature, new: R, limit: u64) -> Result<DeltaReader<'s, R>> {
        let mut reader = DeltaReader::new(sig, new)?;
        reader.engine.out_limit = Some(limit);
        Ok(reader)
    }

    reader_common!(
        's,
        concat!(
        "# use std::io::Read;\n# use librsync_rs::io::{delta_of, load_signature_of, signature_of, DeltaReader, Progress};\n",
        "let sig = load_signature_of(&signature_of(b\"hello world\", &Default::default())?)?;\n",
        "let input: &[u8] = b\"hello, world\";\n",
        "let expected = delta_of(&sig, input)?;\n",
        "let mut r = DeltaReader::new(&sig, input)?;\n"
        ),
        "# Ok::<(), Box<dyn std::error::Error>>(())\n"
    );
}

impl_read!(DeltaReader<'_, R>);
impl_debug!(DeltaReader<'_, T>, "DeltaReader");

/// Reads a delta from `R` and yields the new file, copying from a basis
/// (`rs_patch_begin` driven as `rs_patch_file` drives it).
///
/// ```
/// use std::io::Read;
/// use librsync_rs::io::PatchReader;
///
/// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
/// let mut out = String::new();
/// PatchReader::new(&b"hello world"[..], &delta[..]).read_to_string(&mut out)?;
/// assert_eq!(out, "world!");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct PatchReader<'b, R> {
    engine: Engine<'b>,
    inner: R,
}

impl<'b, R: Read> PatchReader<'b, R> {
    /// Reads the delta from `delta`, copying from `basis` (a slice, a
    /// `Vec`, a [`SeekBasis`](crate::SeekBasis) over a file…).
    ///
    /// ```
    /// use std::io::{Cursor, Read};
    /// use librsync_rs::io::PatchReader;
    /// use librsync_rs::SeekBasis;
    ///
    /// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 0, 5, 0]; // COPY(0, 5), END
    /// let basis = SeekBasis::new(Cursor::new(b"hello world".to_vec())); // or a File
    /// let mut out = Vec::new();
    /// PatchReader::new(basis, &delta[..]).read_to_end(&mut out)?;
    /// assert_eq!(out, b"hello");
    /// # Ok::<(), std::io::Error>(())
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
    /// use std::io::Read;
    /// use librsync_rs::io::PatchReader;
    ///
    /// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0]; // COPY(0, 11), END
    /// let mut r = PatchReader::with_limit(&b"hello world"[..], &delta[..], 10);
    /// assert!(r.read_to_end(&mut Vec::new()).is_err());
    /// let mut r = PatchReader::with_limit(&b"hello world"[..], &delta[..], 11);
    /// assert_eq!(r.read_to_end(&mut Vec::new())?, 11);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_limit<B: Basis + Send + 'b>(basis: B, delta: R, limit: u64) -> PatchReader<'b, R> {
        PatchReader {
            engine: patch_engine(Job::patch_with_limit(basis, limit), BufferSizes::default())
                .expect("the default sizes are valid"),
            inner: delta,
        }
    }

    reader_common!(
        'b,
        concat!(
        "# use std::io::Read;\n# use librsync_rs::io::{PatchReader, Progress};\n",
        "let basis = b\"hello world\";\n",
        "let input: &[u8] = &[0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0]; // COPY(6, 5), LITERAL \"!\", END\n",
        "let expected = b\"world!\";\n",
        "let mut r = PatchReader::new(&basis[..], input);\n"
        ),
        "# Ok::<(), Box<dyn std::error::Error>>(())\n"
    );
}

impl_read!(PatchReader<'_, R>);
impl_debug!(PatchReader<'_, T>, "PatchReader");

/// Takes a basis as it is written and writes its signature to `W`
/// (`rs_sig_begin` driven as `rs_sig_file` drives it). Call
/// [`finish`](SignatureWriter::finish) at the end: `flush` does not
/// end the stream, and a writer dropped without `finish` leaves the output
/// without its tail (the last input buffer's output and the stream's end).
///
/// ```
/// use std::io::Write;
/// use librsync_rs::io::SignatureWriter;
/// use librsync_rs::SignatureOptions;
///
/// let mut w = SignatureWriter::new(Vec::new(), &SignatureOptions::default())?;
/// w.write_all(b"hello ")?;
/// w.write_all(b"world")?;
/// let sig = w.finish()?;
/// assert_eq!(sig.len(), 12 + 4 + 32);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SignatureWriter<W> {
    engine: Engine<'static>,
    inner: W,
}

impl<W: Write> SignatureWriter<W> {
    /// Writes the signature to `out`. Fails with [`ErrorKind::Param`](crate::ErrorKind::Param) or
    /// [`ErrorKind::BadMagic`](crate::ErrorKind::BadMagic) for lengths or a format `rs_sig_args` rejects.
    ///
    /// ```
    /// use std::io::Write;
    /// use librsync_rs::io::SignatureWriter;
    /// use librsync_rs::{SigMagic, SignatureOptions};
    ///
    /// let opts = SignatureOptions::new().magic(SigMagic::Md4).block_len(4);
    /// let mut w = SignatureWriter::new(Vec::new(), &opts)?;
    /// w.write_all(b"12345678")?;
    /// let sig = w.finish()?;
    /// assert_eq!(sig.len(), 12 + 2 * (4 + 16)); // header, two blocks
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(out: W, opts: &SignatureOptions) -> Result<SignatureWriter<W>> {
        Ok(SignatureWriter {
            engine: signature_engine(opts)?,
            inner: out,
        })
    }

    writer_common!(
        'static,
        concat!(
        "# use std::io::Write;\n# use librsync_rs::io::{Progress, SignatureWriter};\n# use librsync_rs::SignatureOptions;\n",
        "let input: &[u8] = b\"hello world\";\n",
        "let opts = SignatureOptions::default();\n",
        "let mut expected = Vec::new();\n",
        "librsync_rs::signature(input, &mut expected, &opts)?;\n",
        "let mut w = SignatureWriter::new(Vec::new(), &opts)?;\n"
        ),
        "# Ok::<(), Box<dyn std::error::Error>>(())\n"
    );
}

impl_write!(SignatureWriter<W>);
impl_debug!(SignatureWriter<T>, "SignatureWriter");

/// Takes a new file as it is written and writes its delta against a
/// signature to `W` (`rs_delta_begin` driven as `rs_delta_file` drives
/// it). Call [`finish`](DeltaWriter::finish) at the end: `flush` does not
/// end the stream, and a writer dropped without `finish` leaves the output
/// without its tail (the last input buffer's output and the stream's end).
///
/// ```
/// use std::io::Write;
/// use librsync_rs::io::{load_signature_of, signature_of, DeltaWriter};
/// use librsync_rs::SignatureOptions;
///
/// let sig = load_signature_of(&signature_of(b"hello world", &SignatureOptions::default())?)?;
/// let mut w = DeltaWriter::new(&sig, Vec::new())?;
/// w.write_all(b"hello world")?;
/// assert_eq!(w.finish()?, [0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct DeltaWriter<'s, W> {
    engine: Engine<'s>,
    inner: W,
}

impl<'s, W: Write> DeltaWriter<'s, W> {
    /// Writes the delta to `out`, with the buffer sizes of
    /// [`delta`](crate::delta).
    ///
    /// ```
    /// use std::io::Write;
    /// use librsync_rs::io::{load_signature_of, signature_of, DeltaWriter};
    ///
    /// let sig = load_signature_of(&signature_of(b"hello world", &Default::default())?)?;
    /// let mut w = DeltaWriter::new(&sig, Vec::new())?;
    /// w.write_all(b"!hello world")?;
    /// // LITERAL "!", COPY(0, 11), END
    /// assert_eq!(w.finish()?, [0x72, 0x73, 0x02, 0x36, 0x01, b'!', 0x45, 0, 11, 0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(sig: &'s Signature, out: W) -> Result<DeltaWriter<'s, W>> {
        DeltaWriter::with_buffer_sizes(sig, out, BufferSizes::default())
    }

    /// [`DeltaWriter::new`] with the buffer sizes `delta` would be given
    /// (see [`DeltaReader::with_buffer_sizes`]).
    ///
    /// ```
    /// use std::io::Write;
    /// use librsync_rs::io::{load_signature_of, signature_of, DeltaWriter};
    /// use librsync_rs::BufferSizes;
    ///
    /// // An empty signature: one LITERAL command per 4-byte input buffer.
    /// let sig = load_signature_of(&signature_of(b"", &Default::default())?)?;
    /// let mut w = DeltaWriter::with_buffer_sizes(&sig, Vec::new(), BufferSizes { input: 4, output: 0 })?;
    /// w.write_all(b"abcdefgh")?;
    /// assert_eq!(&w.finish()?[4..], b"\x04abcd\x04efgh\0");
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

    /// [`DeltaWriter::new`] that fails with [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt) (as
    /// [`delta_of_limited`] does) rather than write more than `limit`
    /// bytes to `out`.
    ///
    /// ```
    /// use std::io::Write;
    /// use librsync_rs::io::{load_signature_of, signature_of, DeltaWriter};
    /// use librsync_rs::ErrorKind;
    ///
    /// let sig = load_signature_of(&signature_of(b"", &Default::default())?)?;
    /// let mut w = DeltaWriter::with_limit(&sig, Vec::new(), 50)?;
    /// w.write_all(&[0u8; 100])?;
    /// assert_eq!(w.finish().unwrap_err().kind(), ErrorKind::Corrupt);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_limit(sig: &'s Signature, out: W, limit: u64) -> Result<DeltaWriter<'s, W>> {
        let mut writer = DeltaWriter::new(sig, out)?;
        writer.engine.out_limit = Some(limit);
        Ok(writer)
    }

    writer_common!(
        's,
        concat!(
        "# use std::io::Write;\n# use librsync_rs::io::{delta_of, load_signature_of, signature_of, DeltaWriter, Progress};\n",
        "let sig = load_signature_of(&signature_of(b\"hello world\", &Default::default())?)?;\n",
        "let input: &[u8] = b\"hello, world\";\n",
        "let expected = delta_of(&sig, input)?;\n",
        "let mut w = DeltaWriter::new(&sig, Vec::new())?;\n"
        ),
        "# Ok::<(), Box<dyn std::error::Error>>(())\n"
    );
}

impl_write!(DeltaWriter<'_, W>);
impl_debug!(DeltaWriter<'_, T>, "DeltaWriter");

/// Takes a delta as it is written and writes the new file to `W`, copying
/// from a basis (`rs_patch_begin` driven as `rs_patch_file` drives it).
/// Call [`finish`](PatchWriter::finish) at the end: `flush` does not
/// end the stream, and a writer dropped without `finish` leaves the output
/// without its tail (the last input buffer's output and the stream's end).
///
/// ```
/// use std::io::Write;
/// use librsync_rs::io::PatchWriter;
///
/// let mut w = PatchWriter::new(&b"hello world"[..], Vec::new());
/// w.write_all(&[0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0])?;
/// assert_eq!(w.finish()?, b"world!");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PatchWriter<'b, W> {
    engine: Engine<'b>,
    inner: W,
}

impl<'b, W: Write> PatchWriter<'b, W> {
    /// Writes the new file to `out`, copying from `basis`.
    ///
    /// ```
    /// use std::io::Write;
    /// use librsync_rs::io::PatchWriter;
    ///
    /// let basis = b"hello world".to_vec(); // a Vec, a slice, a SeekBasis...
    /// let mut w = PatchWriter::new(basis, Vec::new());
    /// w.write_all(&[0x72, 0x73, 0x02, 0x36, 0x45, 0, 5, 0])?; // COPY(0, 5), END
    /// assert_eq!(w.finish()?, b"hello");
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
    /// use std::io::Write;
    /// use librsync_rs::io::PatchWriter;
    /// use librsync_rs::ErrorKind;
    ///
    /// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0]; // COPY(0, 11), END
    /// let mut w = PatchWriter::with_limit(&b"hello world"[..], Vec::new(), 10);
    /// w.write_all(&delta)?;
    /// assert_eq!(w.finish().unwrap_err().kind(), ErrorKind::Corrupt);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_limit<B: Basis + Send + 'b>(basis: B, out: W, limit: u64) -> PatchWriter<'b, W> {
        PatchWriter {
            engine: patch_engine(Job::patch_with_limit(basis, limit), BufferSizes::default())
                .expect("the default sizes are valid"),
            inner: out,
        }
    }

    writer_common!(
        'b,
        concat!(
        "# use std::io::Write;\n# use librsync_rs::io::{PatchWriter, Progress};\n",
        "let basis = b\"hello world\";\n",
        "let input: &[u8] = &[0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0]; // COPY(6, 5), LITERAL \"!\", END\n",
        "let expected = b\"world!\";\n",
        "let mut w = PatchWriter::new(&basis[..], Vec::new());\n"
        ),
        "# Ok::<(), Box<dyn std::error::Error>>(())\n"
    );
}

impl_write!(PatchWriter<'_, W>);
impl_debug!(PatchWriter<'_, T>, "PatchWriter");

/// The signature of `basis` (`rs_sig_file` over a file holding these
/// bytes). With `opts.basis_size` unset, the slice's length is taken for
/// it, so that block and strong lengths left at 0 are the recommended ones
/// for this size, as `rdiff signature` picks for a regular file.
///
/// ```
/// use librsync_rs::io::signature_of;
/// use librsync_rs::SignatureOptions;
/// let sig = signature_of(b"hello world", &SignatureOptions::default())?;
/// assert_eq!(&sig[..4], b"rs\x01G");
/// # Ok::<(), librsync_rs::Error>(())
/// ```
pub fn signature_of(basis: &[u8], opts: &SignatureOptions) -> Result<Vec<u8>> {
    let mut opts = *opts;
    opts.basis_size.get_or_insert(basis.len() as u64);
    let mut w = SignatureWriter::new(Vec::new(), &opts)?;
    w.write_all(basis).map_err(Error::from_io)?;
    w.finish()
}

/// Reads a signature from `bytes` (`rs_loadsig_file`) and builds its
/// match index (`rs_build_hash_table`), ready for [`delta_of`] and the
/// delta adapters.
///
/// ```
/// use librsync_rs::io::{load_signature_of, signature_of};
/// use librsync_rs::SignatureOptions;
/// let sig = load_signature_of(&signature_of(b"hello world", &SignatureOptions::default())?)?;
/// assert_eq!(sig.block_count(), 1);
/// # Ok::<(), librsync_rs::Error>(())
/// ```
pub fn load_signature_of(bytes: &[u8]) -> Result<Signature> {
    let (mut sig, _) = crate::whole::load_signature(bytes, Some(bytes.len() as u64))?;
    sig.build_index()?;
    Ok(sig)
}

/// The delta of `new` against `sig` (`rs_delta_file` over a file holding
/// these bytes).
///
/// ```
/// use librsync_rs::io::{delta_of, load_signature_of, signature_of};
/// use librsync_rs::SignatureOptions;
/// let sig = load_signature_of(&signature_of(b"hello world", &SignatureOptions::default())?)?;
/// assert_eq!(delta_of(&sig, b"hello world")?, [0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0]);
/// # Ok::<(), librsync_rs::Error>(())
/// ```
pub fn delta_of(sig: &Signature, new: &[u8]) -> Result<Vec<u8>> {
    delta_of_limited(sig, new, usize::MAX)
}

/// [`delta_of`] that fails with [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt) (the error
/// [`patch_of_limited`] gives) rather than make a delta longer than
/// `max_len` bytes; it holds no more than `max_len` bytes of output.
///
/// ```
/// use librsync_rs::io::{delta_of_limited, load_signature_of, signature_of};
/// use librsync_rs::{ErrorKind, SignatureOptions};
/// let sig = load_signature_of(&signature_of(b"", &SignatureOptions::default())?)?;
/// let new = vec![1u8; 10_000];
/// let err = delta_of_limited(&sig, &new, 1000).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Corrupt);
/// // Against an empty basis the delta is all LITERAL commands, longer than `new`.
/// let d = delta_of_limited(&sig, &new, 20_000)?;
/// assert!(d.len() > new.len());
/// # Ok::<(), librsync_rs::Error>(())
/// ```
pub fn delta_of_limited(sig: &Signature, new: &[u8], max_len: usize) -> Result<Vec<u8>> {
    let mut w = DeltaWriter::with_limit(sig, Vec::new(), max_len as u64)?;
    w.write_all(new).map_err(Error::from_io)?;
    w.finish()
}

/// The new file made from `basis` and `delta` (`rs_patch_file` over files
/// holding these bytes). Nothing is sized from the delta's claims, but a
/// small delta can still ask for a large output: see
/// [`patch_of_limited`].
///
/// ```
/// use librsync_rs::io::patch_of;
/// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
/// assert_eq!(patch_of(b"hello world", &delta)?, b"world!");
/// # Ok::<(), librsync_rs::Error>(())
/// ```
pub fn patch_of(basis: &[u8], delta: &[u8]) -> Result<Vec<u8>> {
    let mut w = PatchWriter::new(basis, Vec::new());
    w.write_all(delta).map_err(Error::from_io)?;
    w.finish()
}

/// [`patch_of`] that fails with [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt) (as
/// [`Job::patch_with_limit`](crate::Job::patch_with_limit) does) rather
/// than make more than `max_len` bytes (fast_rsync's `apply_limited`).
///
/// ```
/// use librsync_rs::io::patch_of_limited;
/// use librsync_rs::ErrorKind;
/// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
/// assert_eq!(patch_of_limited(b"hello world", &delta, 6)?, b"world!");
/// let err = patch_of_limited(b"hello world", &delta, 5).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Corrupt);
/// assert_eq!(err.to_string(), "stream corrupt: output would exceed the limit of 5 bytes (at input byte 7)");
/// # Ok::<(), librsync_rs::Error>(())
/// ```
pub fn patch_of_limited(basis: &[u8], delta: &[u8], max_len: usize) -> Result<Vec<u8>> {
    let mut w = PatchWriter::with_limit(basis, Vec::new(), max_len as u64);
    w.write_all(delta).map_err(Error::from_io)?;
    w.finish()
}
