//! Whole-stream helpers over `std::io` (librsync's `whole.c` and `buf.c`):
//! run a job from a reader to a writer with librsync's buffer sizes and its
//! exact way of filling and draining buffers, so that outputs that depend on
//! input chunking (slack deltas) come out as they do with `rdiff`.

use std::io::{self, Read, Write};

use crate::basis::{os_error_text, Basis};
use crate::buffers::Buffers;
use crate::error::{Error, ErrorKind, Result, Status};
use crate::job::Job;
use crate::magic::SigMagic;
use crate::parallel_delta::run_threaded;
use crate::sig_args::{sig_args, SigArgs, STRONG_LEN_MIN};
use crate::signature::Signature;
use crate::stats::Stats;
use crate::trace::fail;

/// Buffer sizes for a whole-stream run; 0 means the operation's default
/// (librsync's global `rs_inbuflen` / `rs_outbuflen`).
///
/// ```
/// use librsync_rs::io::{load_signature_of, signature_of};
/// use librsync_rs::{delta, BufferSizes};
///
/// // Against a signature without blocks the delta has one LITERAL per input buffer.
/// let sig = load_signature_of(&signature_of(b"", &Default::default())?)?;
/// let (mut small, mut large) = (Vec::new(), Vec::new());
/// delta(&sig, &[7u8; 100][..], &mut small, BufferSizes { input: 10, output: 0 })?;
/// delta(&sig, &[7u8; 100][..], &mut large, BufferSizes::default())?;
/// assert!(small.len() > large.len());
/// # Ok::<(), librsync_rs::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BufferSizes {
    /// Input buffer size.
    pub input: usize,
    /// Output buffer size.
    pub output: usize,
}

impl BufferSizes {
    /// The sizes to use given an operation's defaults, which are C `int`
    /// expressions and may have wrapped: a negative default is a failed
    /// allocation in C.
    pub(crate) fn resolve(self, input_default: i32, output_default: i32) -> Result<(usize, usize)> {
        let pick = |set: usize, default: i32| -> Result<usize> {
            if set != 0 {
                Ok(set)
            } else {
                usize::try_from(default).map_err(|_| Error::new(ErrorKind::Mem))
            }
        };
        Ok((
            pick(self.input, input_default)?,
            pick(self.output, output_default)?,
        ))
    }
}

/// Input is read in pieces of at most this many bytes, so that a buffer
/// size taken from a signature header costs memory only as data arrives.
const READ_STEP: usize = 256 * 1024;

/// Buffers start this small and double as data fills them, so that a small
/// file does not pay for zeroing a large buffer.
const FIRST_STEP: usize = 4096;

/// Default input buffer size for jobs whose output does not depend on how
/// their input is chunked (signatures, deltas against a signature with
/// blocks), when librsync's default is smaller: C's sizes (four blocks, one
/// block) would hand the job too few blocks at a time to hash them in
/// batches. The bytes written are the same. Larger buffers cost more than
/// they save: reading into them thrashes the cache the hashing needs.
const BATCH_INPUT: i32 = 64 * 1024;

/// Default output buffer size for such jobs, when librsync's is smaller
/// (C's signature output buffer holds four block sums).
const BATCH_OUTPUT: i32 = 64 * 1024;

/// Input buffers of signatures and of deltas against a signature with
/// blocks are not made larger than this (those outputs do not depend on
/// it): the job keeps a block's worth of input itself, so a bigger buffer
/// would hold a second copy of it, and a huge block length would double
/// the memory (bad-inputs.md R3).
const MAX_BATCH_INPUT: i32 = 1 << 20;

/// Output buffers are not made larger than this: the bytes written do not
/// depend on the output buffer size, only how many calls it takes.
const MAX_OUT_BUFFER: usize = 1 << 20;

/// An input buffer that fills like C's `fread(buf, 1, limit, f)`: up to
/// `limit` bytes unless the reader ends or fails first. It grows only as
/// data arrives.
struct InBuf {
    buf: Vec<u8>,
    limit: usize,
    start: usize,
    end: usize,
}

/// What a fill saw besides data.
struct Filled {
    at_end: bool,
    error: Option<io::Error>,
}

impl InBuf {
    fn new(limit: usize) -> InBuf {
        InBuf {
            buf: Vec::new(),
            limit,
            start: 0,
            end: 0,
        }
    }

    fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn fill(&mut self, reader: &mut dyn Read) -> Result<Filled> {
        let mut filled = 0;
        let mut at_end = false;
        let mut error = None;
        while filled < self.limit {
            if filled == self.buf.len() {
                let add = (self.limit - filled).min(READ_STEP.min(FIRST_STEP.max(filled)));
                self.buf
                    .try_reserve(add)
                    .map_err(|_| Error::new(ErrorKind::Mem))?;
                self.buf.resize(filled + add, 0);
            }
            let end = self.buf.len().min(self.limit);
            match reader.read(&mut self.buf[filled..end]) {
                Ok(0) => {
                    at_end = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        self.start = 0;
        self.end = filled;
        Ok(Filled { at_end, error })
    }
}

/// Runs `job` to the end, reading `input` and writing `output`, with buffers
/// of `in_len` and `out_len` bytes (`rs_whole_run` with `rs_job_drive`).
///
/// As in C, a failing job's output still in the buffer is not written, and
/// read errors are logged (`error filling buf from file: ...`). The job's
/// [`Stats`] count the bytes read and written. Buffers take memory only as
/// data needs it.
pub fn run(
    job: &mut Job<'_>,
    input: &mut dyn Read,
    mut output: Option<&mut dyn Write>,
    in_len: usize,
    out_len: usize,
) -> Result<()> {
    let mut inbuf = InBuf::new(in_len);
    let out_size = if output.is_some() {
        out_len.clamp(1, MAX_OUT_BUFFER)
    } else {
        0
    };
    // The output buffer starts small and doubles each time a call fills it,
    // up to `out_size`.
    let mut outbuf = Vec::new();
    let first = out_size.min(FIRST_STEP);
    outbuf
        .try_reserve_exact(first)
        .map_err(|_| Error::new(ErrorKind::Mem))?;
    outbuf.resize(first, 0);
    let mut eof_in = false;
    let mut file_eof = false;
    // C's drain callback sets up the output buffer on its first call, after
    // the first iteration.
    let mut out_ready = false;
    let mut out_pos = 0usize;
    loop {
        // rs_infilebuf_fill
        if !eof_in {
            if file_eof {
                eof_in = true;
            } else if inbuf.data().is_empty() {
                let filled = inbuf.fill(input)?;
                file_eof = filled.at_end;
                let n = inbuf.data().len();
                if n == 0 {
                    if filled.at_end {
                        eof_in = true;
                    } else if let Some(e) = filled.error {
                        let text = os_error_text(&e);
                        return Err(fail!(
                            error = e,
                            "rs_infilebuf_fill",
                            "error filling buf from file: {text}"
                        ));
                    } else {
                        return Err(fail!(
                            ErrorKind::Io,
                            "rs_infilebuf_fill",
                            "no error bit, but got 0 return when trying to read"
                        ));
                    }
                }
                job.stats_mut().in_bytes += n as i64;
            }
        }
        // One call of C's rs_job_iter with the whole output buffer. Ours
        // grows as the job fills it, and the job is called again until it
        // stops for another reason, without a drain in between: what is
        // written before a failure is what C writes.
        let status = loop {
            let out_space: &mut [u8] = if out_ready {
                &mut outbuf[out_pos..]
            } else {
                &mut []
            };
            let mut bufs = Buffers::new(inbuf.data(), out_space).with_eof(eof_in);
            let status = job.process(&mut bufs)?;
            let out_full = out_ready && bufs.available_output() == 0;
            let (consumed, produced) = (bufs.input_consumed(), bufs.output_produced());
            inbuf.start += consumed;
            out_pos += produced;
            if status == Status::Done || !out_full || outbuf.len() == out_size {
                break status;
            }
            let grown = (outbuf.len() * 2).min(out_size);
            outbuf
                .try_reserve_exact(grown - outbuf.len())
                .map_err(|_| Error::new(ErrorKind::Mem))?;
            outbuf.resize(grown, 0);
        };
        // rs_outfilebuf_drain
        if let Some(out) = output.as_deref_mut() {
            if !out_ready {
                out_ready = true;
            } else if out_pos > 0 {
                if let Err(e) = out.write_all(&outbuf[..out_pos]) {
                    let text = os_error_text(&e);
                    return Err(fail!(
                        error = e,
                        "rs_outfilebuf_drain",
                        "error draining buf to file: {text}"
                    ));
                }
                job.stats_mut().out_bytes += out_pos as i64;
                out_pos = 0;
            }
        }
        if status == Status::Done {
            return Ok(());
        }
    }
}

/// How many bytes of each block's strong sum a signature keeps (the
/// `strong_len` of `rs_sig_args`).
///
/// ```
/// use librsync_rs::{SigMagic, SignatureOptions, StrongLen};
///
/// let opts = SignatureOptions::new().magic(SigMagic::Md4);
/// assert_eq!(opts.strong_len(StrongLen::Max).resolve()?.strong_len, 16);
/// assert_eq!(opts.strong_len(StrongLen::Exact(8)).resolve()?.strong_len, 8);
/// assert!(opts.strong_len(StrongLen::Exact(17)).resolve().is_err());
/// # Ok::<(), librsync_rs::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StrongLen {
    /// The whole hash: 16 bytes for MD4, 32 for BLAKE2 (C's 0; the default).
    #[default]
    Max,
    /// The shortest length librsync considers safe for the basis size, or
    /// 12 bytes when the size is unknown (C's -1, `rdiff -S -1`).
    Min,
    /// Exactly this many bytes, 1 up to the hash length.
    Exact(usize),
}

impl StrongLen {
    /// The C convention of `rs_sig_args` and `rdiff -S`: 0 is [`Max`](Self::Max),
    /// -1 is [`Min`](Self::Min), anything else [`Exact`](Self::Exact) (a
    /// negative value other than -1 is then out of range, as in C).
    ///
    /// ```
    /// use librsync_rs::StrongLen;
    ///
    /// assert_eq!(StrongLen::from_c(0), StrongLen::Max);
    /// assert_eq!(StrongLen::from_c(-1), StrongLen::Min);
    /// assert_eq!(StrongLen::from_c(8), StrongLen::Exact(8));
    /// ```
    pub fn from_c(value: i64) -> StrongLen {
        match value {
            0 => StrongLen::Max,
            -1 => StrongLen::Min,
            n => StrongLen::Exact(n as usize),
        }
    }

    /// The `size_t` C passes to `rs_sig_args`.
    pub(crate) fn to_c(self) -> usize {
        match self {
            StrongLen::Max => 0,
            StrongLen::Min => STRONG_LEN_MIN,
            StrongLen::Exact(n) => n,
        }
    }
}

/// How to make a signature: format, block length, strong sum length, and
/// the basis size the recommended lengths depend on (`rs_sig_args`'s
/// parameters, in the order [`Signature::new`](crate::Signature::new) and
/// [`Job::signature`] take them).
///
/// ```
/// use librsync_rs::{SigMagic, SignatureOptions, StrongLen};
/// // What rdiff-backup and duplicity make: rollsum + MD4, 8-byte strong sums.
/// let opts = SignatureOptions::new()
///     .magic(SigMagic::Md4)
///     .strong_len(StrongLen::Exact(8))
///     .basis_size(1 << 20);
/// let args = opts.resolve().unwrap();
/// assert_eq!((args.block_len, args.strong_len), (1024, 8));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SignatureOptions {
    /// Signature format (RabinKarp + BLAKE2 by default).
    pub magic: SigMagic,
    /// Block length; `None` (the default) for the one librsync recommends
    /// for [`basis_size`](Self::basis_size) (2048 when it is unknown).
    pub block_len: Option<usize>,
    /// Strong sum length ([`StrongLen::Max`] by default).
    pub strong_len: StrongLen,
    /// Size of the basis, which the recommended lengths depend on; `None`
    /// when unknown (as for a pipe).
    pub basis_size: Option<u64>,
    /// Buffer sizes of the whole-stream helpers.
    pub buffers: BufferSizes,
    /// Threads [`signature`] may hash on: 0 and 1 (the default) mean the
    /// calling thread only. The bytes are the same for any count; the
    /// streaming adapters and [`Job`] always use their caller's thread.
    pub threads: usize,
}

impl Default for SignatureOptions {
    fn default() -> SignatureOptions {
        SignatureOptions {
            magic: SigMagic::RkBlake2,
            block_len: None,
            strong_len: StrongLen::Max,
            basis_size: None,
            buffers: BufferSizes::default(),
            threads: 1,
        }
    }
}

impl SignatureOptions {
    /// The defaults: RabinKarp + BLAKE2, recommended block length, whole
    /// strong sums, basis size unknown.
    ///
    /// ```
    /// use librsync_rs::{SigMagic, SignatureOptions, StrongLen};
    ///
    /// let opts = SignatureOptions::new();
    /// assert_eq!((opts.magic, opts.block_len, opts.strong_len), (SigMagic::RkBlake2, None, StrongLen::Max));
    /// assert_eq!(opts.basis_size, None);
    /// ```
    pub fn new() -> SignatureOptions {
        SignatureOptions::default()
    }

    /// Sets the signature format.
    ///
    /// ```
    /// use librsync_rs::{io::signature_of, SigMagic, SignatureOptions};
    ///
    /// let sig = signature_of(b"data", &SignatureOptions::new().magic(SigMagic::Blake2))?;
    /// assert_eq!(sig[..4], SigMagic::Blake2.as_u32().to_be_bytes());
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn magic(mut self, magic: SigMagic) -> SignatureOptions {
        self.magic = magic;
        self
    }

    /// Sets the block length (0 also means "recommended", as in C).
    ///
    /// ```
    /// use librsync_rs::SignatureOptions;
    ///
    /// assert_eq!(SignatureOptions::new().block_len(4096).resolve()?.block_len, 4096);
    /// // 0 leaves the choice to the library: 2048 for an unknown basis size.
    /// assert_eq!(SignatureOptions::new().block_len(0).resolve()?.block_len, 2048);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn block_len(mut self, block_len: usize) -> SignatureOptions {
        self.block_len = (block_len != 0).then_some(block_len);
        self
    }

    /// Sets the strong sum length.
    ///
    /// ```
    /// use librsync_rs::{SignatureOptions, StrongLen};
    ///
    /// let args = SignatureOptions::new().strong_len(StrongLen::Exact(12)).resolve()?;
    /// assert_eq!(args.strong_len, 12);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn strong_len(mut self, strong_len: StrongLen) -> SignatureOptions {
        self.strong_len = strong_len;
        self
    }

    /// Sets the basis size the recommended lengths are computed from.
    ///
    /// ```
    /// use librsync_rs::SignatureOptions;
    ///
    /// // The recommended block length grows with the basis: about its square root.
    /// let args = SignatureOptions::new().basis_size(1 << 30).resolve()?;
    /// assert_eq!(args.block_len, 32768);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn basis_size(mut self, size: u64) -> SignatureOptions {
        self.basis_size = Some(size);
        self
    }

    /// Sets the buffer sizes of the whole-stream helpers.
    ///
    /// ```
    /// use librsync_rs::{signature, BufferSizes, SignatureOptions};
    ///
    /// // Smaller buffers, the same signature.
    /// let opts = SignatureOptions::new().buffers(BufferSizes { input: 16, output: 16 });
    /// let (mut a, mut b) = (Vec::new(), Vec::new());
    /// signature(&[1u8; 5000][..], &mut a, &opts)?;
    /// signature(&[1u8; 5000][..], &mut b, &SignatureOptions::new())?;
    /// assert_eq!(a, b);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn buffers(mut self, buffers: BufferSizes) -> SignatureOptions {
        self.buffers = buffers;
        self
    }

    /// Sets [`threads`](Self::threads): how many threads [`signature`] may
    /// hash on.
    ///
    /// ```
    /// use librsync_rs::{signature, SignatureOptions};
    /// let data = vec![9u8; 3 << 20];
    /// let (mut one, mut two) = (Vec::new(), Vec::new());
    /// signature(&data[..], &mut one, &SignatureOptions::new())?;
    /// signature(&data[..], &mut two, &SignatureOptions::new().threads(2))?;
    /// assert_eq!(one, two);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn threads(mut self, threads: usize) -> SignatureOptions {
        self.threads = threads;
        self
    }

    /// The settled format and lengths (`rs_sig_args`): the recommended
    /// ones where asked, checked against the format. Fails with
    /// [`ErrorKind::Param`] for a strong length the hash cannot give or a block
    /// length over `i32::MAX`.
    ///
    /// ```
    /// use librsync_rs::{ErrorKind, SigMagic, SignatureOptions, StrongLen};
    ///
    /// let args = SignatureOptions::new().magic(SigMagic::Md4).resolve()?;
    /// assert_eq!((args.magic, args.block_len, args.strong_len), (SigMagic::Md4, 2048, 16));
    /// let too_long = SignatureOptions::new().magic(SigMagic::Md4).strong_len(StrongLen::Exact(32));
    /// assert_eq!(too_long.resolve().unwrap_err().kind(), ErrorKind::Param);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn resolve(&self) -> Result<SigArgs> {
        let size = self
            .basis_size
            .map_or(-1, |s| i64::try_from(s).unwrap_or(i64::MAX));
        sig_args(
            size,
            self.magic as u32,
            self.block_len.unwrap_or(0),
            self.strong_len.to_c(),
        )
    }
}

/// Writes the signature of `basis` to `out` (`rs_sig_file`).
///
/// ```
/// use librsync_rs::{signature, SignatureOptions};
/// let mut sig = Vec::new();
/// signature(&b"hello world"[..], &mut sig, &SignatureOptions::default()).unwrap();
/// assert_eq!(&sig[..12], &[0x72, 0x73, 0x01, 0x47, 0, 0, 8, 0, 0, 0, 0, 32]);
/// assert_eq!(sig.len(), 12 + 4 + 32);
/// ```
pub fn signature<R: Read + Send, W: Write>(
    mut basis: R,
    mut out: W,
    opts: &SignatureOptions,
) -> Result<Stats> {
    let args = opts.resolve()?;
    let (in_len, out_len) = signature_buffers(&args, opts.buffers)?;
    let mut job = Job::signature(args.magic, args.block_len, args.strong_len);
    run_threaded(
        &mut job,
        &mut basis,
        &mut out,
        in_len,
        out_len,
        opts.threads,
    )?;
    Ok(job.stats().clone())
}

/// Buffer sizes for `rs_sig_file` with settled parameters: four blocks in,
/// the header and four block sums out, as in C, but 64 KiB to 1 MiB in and
/// at least 64 KiB out (the signature does not depend on them); `sizes`
/// overrides them. Fails with
/// [`ErrorKind::Mem`] where C's `int` arithmetic gives a negative size (C's
/// allocation would fail).
pub fn signature_buffers(args: &SigArgs, sizes: BufferSizes) -> Result<(usize, usize)> {
    let (input, output) = signature_buffer_defaults(args.block_len, args.strong_len);
    sizes.resolve(input, output)
}

/// `rs_sig_file`'s default buffer sizes, from the C `int` expressions they
/// are (four blocks in; the header and four block sums out), raised to
/// `BATCH_INPUT` (rounded up to whole blocks) and `BATCH_OUTPUT`, the input
/// kept under `MAX_BATCH_INPUT` (in whole blocks where one fits).
pub fn signature_buffer_defaults(block_len: usize, strong_len: usize) -> (i32, i32) {
    let (block_len, strong_len) = (block_len as i32, strong_len as i32);
    let input = block_len.wrapping_mul(4);
    let output = 12i32.wrapping_add(4i32.wrapping_mul(4i32.wrapping_add(strong_len)));
    // Whole blocks per buffer: a block cut by the buffer's end is hashed
    // on its own.
    let whole_blocks = if input > 0 {
        (BATCH_INPUT + block_len - 1) / block_len * block_len
    } else {
        BATCH_INPUT
    };
    let input = match batch_size(input, whole_blocks) {
        big if big > MAX_BATCH_INPUT && (1..=MAX_BATCH_INPUT).contains(&block_len) => {
            MAX_BATCH_INPUT / block_len * block_len
        }
        big if big > MAX_BATCH_INPUT => MAX_BATCH_INPUT,
        input => input,
    };
    (input, batch_size(output, BATCH_OUTPUT))
}

/// `rs_delta_file`'s default buffer sizes for a signature of `block_count`
/// blocks of `block_len` bytes: one block in, a literal command and four
/// blocks out (C `int` expressions). With blocks, the input size is raised
/// to `BATCH_INPUT` and kept under `MAX_BATCH_INPUT`, and the output to C's
/// size for each block of it (up to `MAX_OUT_BUFFER`), so that when a read
/// fails every command complete before it has been written, as in C;
/// without blocks, the delta holds one literal command per input buffer,
/// so C's sizes are kept.
pub fn delta_buffer_defaults(block_len: usize, block_count: usize) -> (i32, i32) {
    let c_input = block_len as i32;
    let c_output = 10i32.wrapping_add(4i32.wrapping_mul(c_input));
    if block_count == 0 {
        return (c_input, c_output);
    }
    let input = batch_size(c_input, BATCH_INPUT).min(MAX_BATCH_INPUT);
    if input <= 0 || c_output <= 0 || block_len == 0 {
        return (input, c_output);
    }
    let blocks = (input as usize).div_ceil(block_len);
    let room = blocks.saturating_mul(c_output as usize).min(MAX_OUT_BUFFER) as i32;
    (input, c_output.max(room))
}

/// C's buffer size `c`, raised to `batch` unless C's arithmetic made it 0
/// or negative (C then fails in its own way, which is kept).
fn batch_size(c: i32, batch: i32) -> i32 {
    if c <= 0 {
        c
    } else {
        c.max(batch)
    }
}

/// Input buffer size `rs_loadsig_file` uses.
pub const LOADSIG_BUFFER: usize = 16 * 1024;

/// Reads a signature (`rs_loadsig_file`). `size` is the stream's length if
/// known; it only guides how storage grows.
///
/// ```
/// use librsync_rs::{load_signature, signature, SignatureOptions};
/// let mut sig = Vec::new();
/// signature(&b"hello world"[..], &mut sig, &SignatureOptions::default()).unwrap();
/// let (sig, stats) = load_signature(&sig[..], None).unwrap();
/// assert_eq!((sig.block_count(), stats.sig_blocks), (1, 1));
/// ```
pub fn load_signature<R: Read>(mut input: R, size: Option<u64>) -> Result<(Signature, Stats)> {
    let mut job = Job::load_signature();
    if let Some(size) = size {
        job.set_signature_size(i64::try_from(size).unwrap_or(i64::MAX));
    }
    run(&mut job, &mut input, None, LOADSIG_BUFFER, 0)?;
    let stats = job.stats().clone();
    job.take_signature()
        .map(|sig| (sig, stats))
        .ok_or(Error::new(ErrorKind::InputEnded))
}

/// Buffer sizes for `rs_delta_file` with a signature: one block in, as in
/// C, but at least 64 KiB and at most 1 MiB when the signature has blocks
/// (the delta does not depend on it then); a literal command and four
/// blocks out; `sizes` overrides them.
pub fn delta_buffers(sig: &Signature, sizes: BufferSizes) -> Result<(usize, usize)> {
    let (input, output) = delta_buffer_defaults(sig.block_len(), sig.block_count());
    sizes.resolve(input, output)
}

/// [`delta_buffers`] for the Rust API: where C's `int` output size wraps
/// negative (block lengths from about 2^29 to 2^30, for which C cannot
/// allocate its buffer and `rdiff delta` aborts), the largest output buffer
/// instead. The delta's bytes do not depend on the output size.
pub(crate) fn rust_delta_buffers(sig: &Signature, sizes: BufferSizes) -> Result<(usize, usize)> {
    let (input, output) = delta_buffer_defaults(sig.block_len(), sig.block_count());
    sizes.resolve(input, if output <= 0 { i32::MAX } else { output })
}

/// Writes a delta of `new` against `sig` to `out` (`rs_delta_file`).
///
/// ```
/// use librsync_rs::{delta, load_signature, signature, BufferSizes, SignatureOptions};
/// let mut sig = Vec::new();
/// signature(&b"hello world"[..], &mut sig, &SignatureOptions::default()).unwrap();
/// let (sig, _) = load_signature(&sig[..], None).unwrap();
/// let mut d = Vec::new();
/// delta(&sig, &b"hello world"[..], &mut d, BufferSizes::default()).unwrap();
/// assert_eq!(d, [0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0]); // COPY(0, 11), END
/// ```
pub fn delta<R: Read, W: Write>(
    sig: &Signature,
    mut new: R,
    mut out: W,
    sizes: BufferSizes,
) -> Result<Stats> {
    let mut job = Job::delta(sig);
    let (in_len, out_len) = rust_delta_buffers(sig, sizes)?;
    run(&mut job, &mut new, Some(&mut out), in_len, out_len)?;
    Ok(job.stats().clone())
}

/// How [`delta_with`] runs: buffer sizes and threads.
///
/// ```
/// use librsync_rs::DeltaOptions;
///
/// let opts = DeltaOptions::new().threads(4);
/// assert_eq!(opts.threads, 4);
/// assert_eq!(DeltaOptions::default().threads, 1);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct DeltaOptions {
    /// Buffer sizes of the whole-stream helper.
    pub buffers: BufferSizes,
    /// Threads [`delta_with`] may scan on: 0 and 1 (the default) mean the
    /// calling thread only. The bytes and statistics are the same for any
    /// count; the streaming adapters and [`Job`] always use their caller's
    /// thread.
    pub threads: usize,
}

impl Default for DeltaOptions {
    fn default() -> DeltaOptions {
        DeltaOptions {
            buffers: BufferSizes::default(),
            threads: 1,
        }
    }
}

impl DeltaOptions {
    /// The defaults: librsync's buffer sizes, one thread.
    ///
    /// ```
    /// use librsync_rs::{BufferSizes, DeltaOptions};
    ///
    /// let opts = DeltaOptions::new();
    /// assert_eq!((opts.buffers, opts.threads), (BufferSizes::default(), 1));
    /// ```
    pub fn new() -> DeltaOptions {
        DeltaOptions::default()
    }

    /// Sets [`buffers`](Self::buffers).
    ///
    /// ```
    /// use librsync_rs::{BufferSizes, DeltaOptions};
    ///
    /// let sizes = BufferSizes { input: 1 << 16, output: 1 << 16 };
    /// assert_eq!(DeltaOptions::new().buffers(sizes).buffers, sizes);
    /// ```
    pub fn buffers(mut self, buffers: BufferSizes) -> DeltaOptions {
        self.buffers = buffers;
        self
    }

    /// Sets [`threads`](Self::threads): how many threads [`delta_with`]
    /// may scan on.
    ///
    /// ```
    /// use librsync_rs::io::{load_signature_of, signature_of};
    /// use librsync_rs::{delta_with, DeltaOptions};
    ///
    /// let basis: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    /// let sig = load_signature_of(&signature_of(&basis, &Default::default())?)?;
    /// let (mut one, mut two) = (Vec::new(), Vec::new());
    /// delta_with(&sig, &basis[1000..], &mut one, &DeltaOptions::new())?;
    /// delta_with(&sig, &basis[1000..], &mut two, &DeltaOptions::new().threads(2))?;
    /// assert_eq!(one, two);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn threads(mut self, threads: usize) -> DeltaOptions {
        self.threads = threads;
        self
    }
}

/// Writes a delta of `new` against `sig` to `out`, as [`delta`] does, with
/// the buffer sizes and threads of `opts` (`rs_delta_file` with
/// `LIBRSYNC_RS_THREADS`).
///
/// ```
/// use librsync_rs::io::{load_signature_of, signature_of};
/// use librsync_rs::{delta_with, DeltaOptions};
///
/// let sig = load_signature_of(&signature_of(b"hello world", &Default::default())?)?;
/// let mut d = Vec::new();
/// let stats = delta_with(&sig, &b"hello world"[..], &mut d, &DeltaOptions::new().threads(2))?;
/// assert_eq!(d, [0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0]); // COPY(0, 11), END
/// assert_eq!(stats.copy_cmds, 1);
/// # Ok::<(), librsync_rs::Error>(())
/// ```
pub fn delta_with<R: Read + Send, W: Write>(
    sig: &Signature,
    mut new: R,
    mut out: W,
    opts: &DeltaOptions,
) -> Result<Stats> {
    let mut job = Job::delta(sig);
    let (in_len, out_len) = rust_delta_buffers(sig, opts.buffers)?;
    run_threaded(&mut job, &mut new, &mut out, in_len, out_len, opts.threads)?;
    Ok(job.stats().clone())
}

/// Buffer size `rs_patch_file` uses for both input and output.
pub const PATCH_BUFFER: usize = 64 * 1024;

/// Applies `delta` to `basis`, writing the new file to `out`
/// (`rs_patch_file`).
///
/// ```
/// use librsync_rs::{patch, BufferSizes};
/// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
/// let mut out = Vec::new();
/// patch(&b"hello world"[..], &delta[..], &mut out, BufferSizes::default()).unwrap();
/// assert_eq!(out, b"world!");
/// ```
pub fn patch<B: Basis + Send, R: Read, W: Write>(
    basis: B,
    mut delta: R,
    mut out: W,
    sizes: BufferSizes,
) -> Result<Stats> {
    let mut job = Job::patch(basis);
    let (in_len, out_len) = sizes.resolve(PATCH_BUFFER as i32, PATCH_BUFFER as i32)?;
    run(&mut job, &mut delta, Some(&mut out), in_len, out_len)?;
    Ok(job.stats().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A delta that copies `copies` times 4000 bytes of the basis and then
    /// holds a reserved opcode.
    fn failing_delta(copies: usize) -> Vec<u8> {
        let mut d = crate::DELTA_MAGIC.to_be_bytes().to_vec();
        for _ in 0..copies {
            // COPY with 1-byte position 0 and 2-byte length 4000.
            d.extend_from_slice(&[0x46, 0, 0x0f, 0xa0]);
        }
        d.push(0x55);
        d
    }

    /// What a failing run wrote, with its output in pieces of at most
    /// `out_len` bytes.
    fn written_before_failure(copies: usize, out_len: usize) -> usize {
        let _guard = crate::trace::TEST_LOCK
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        crate::trace::set_sink(crate::trace::Sink::Silent);
        let basis = vec![7u8; 4000];
        let mut job = Job::patch(&basis[..]);
        let mut out = Vec::new();
        let delta = failing_delta(copies);
        let r = run(&mut job, &mut &delta[..], Some(&mut out), 1 << 16, out_len);
        crate::trace::set_sink(crate::trace::Sink::Silent);
        assert_eq!(r, Err(Error::new(ErrorKind::Corrupt)));
        out.len()
    }

    #[test]
    fn a_failing_job_writes_only_what_c_drains() {
        // C drains its output buffer only when a call of the job ends; the
        // output of the failing call is lost. Ours starts smaller and grows,
        // without draining early.
        assert_eq!(written_before_failure(3, 1 << 16), 0);
        assert_eq!(written_before_failure(16, 1 << 16), 0);
        assert_eq!(written_before_failure(17, 1 << 16), 1 << 16);
        assert_eq!(written_before_failure(40, 1 << 16), 2 << 16);
        assert_eq!(written_before_failure(3, 5000), 10000);
    }
}
