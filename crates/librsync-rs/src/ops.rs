//! Delta inspection and construction: the operations of a delta stream,
//! read and written.
//!
//! A delta is the magic number [`DELTA_MAGIC`] followed
//! by commands: COPY a range of the basis, LITERAL bytes carried in the
//! delta, and END. This module reads them as [`DeltaOp`]s and writes them
//! back, so that a delta can be listed, analysed, filtered or rewritten:
//!
//! * [`ops`] iterates over a delta held in memory, without copying its
//!   literal data; [`DeltaOps::offset`] says where each command starts.
//! * [`DeltaDecoder`] reads a delta of any size from a [`Read`] in bounded
//!   memory, handing literal data out in pieces of at most a chunk size
//!   ([`LiteralPiece`]).
//! * [`DeltaEncoder`] writes a delta to a [`Write`] with the encodings
//!   librsync's delta job picks (the smallest ones).
//!
//! Both decoders validate each command as librsync's patch job does and
//! fail with the error it gives for the same bytes: [`ErrorKind::InputEnded`]
//! when the delta is truncated (fewer than four bytes, no END, a short
//! parameter or literal), [`ErrorKind::BadMagic`] for a wrong magic number, and
//! [`ErrorKind::Corrupt`] for a reserved opcode (0x55..=0xff), a LITERAL or COPY
//! length of zero, or a length or position whose 8-byte encoding has the
//! top bit set (negative in C). Bytes after END are never read, as in
//! patch. What patch can only find out from the basis (a COPY beyond its
//! end, which fails with [`ErrorKind::InputEnded`] there) is not checked.
//!
//! Decoding and re-encoding gives back the very bytes of every delta
//! librsync (or this crate) writes, since they use the smallest encodings
//! only. Other deltas that patch accepts come back normalised: the same
//! operations, so the same patched output, in the smallest encodings.
//!
//! ```
//! use librsync_rs::ops::{ops, DeltaEncoder, DeltaOp};
//! use librsync_rs::{delta, load_signature, patch, signature, BufferSizes, SignatureOptions};
//!
//! let old = b"The quick brown fox jumps over the lazy dog. ".repeat(100);
//! let mut new = old.clone();
//! new.splice(2000..2000, b"a change".iter().copied());
//! let opts = SignatureOptions::new().block_len(256);
//! let mut sig = Vec::new();
//! signature(&old[..], &mut sig, &opts).unwrap();
//! let (sig, _) = load_signature(&sig[..], None).unwrap();
//! let mut d = Vec::new();
//! delta(&sig, &new[..], &mut d, BufferSizes::default()).unwrap();
//!
//! // List the delta's operations, with where each command starts.
//! let mut it = ops(&d);
//! while let Some(op) = it.next() {
//!     match op.unwrap() {
//!         DeltaOp::Copy { pos, len } => println!("{:5}: COPY {len} bytes from {pos}", it.offset()),
//!         DeltaOp::Literal(data) => println!("{:5}: LITERAL {} bytes", it.offset(), data.len()),
//!         DeltaOp::End => println!("{:5}: END", it.offset()),
//!     }
//! }
//! assert_eq!(it.stats().copy_bytes + it.stats().lit_bytes, new.len() as i64);
//!
//! // Rewrite it: upper-case every literal.
//! let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
//! for op in ops(&d) {
//!     match op.unwrap() {
//!         DeltaOp::Literal(data) => enc.literal(&data.to_ascii_uppercase()).unwrap(),
//!         op => enc.write_op(&op).unwrap(),
//!     }
//! }
//! let rewritten = enc.finish().unwrap();
//! let mut out = Vec::new();
//! patch(&old[..], &rewritten[..], &mut out, BufferSizes::default()).unwrap();
//! assert_eq!(&out[2000..2008], b"A CHANGE");
//! ```

use std::io::{self, Read, Write};
use std::iter::FusedIterator;

use crate::command::{
    cut_short, encode_copy, encode_literal, int_len, BadCommand, Command, OP_END,
};
use crate::error::{Error, ErrorKind, Result};
use crate::magic::DELTA_MAGIC;
use crate::sig_args::c_alt_hex;
use crate::stats::Stats;

/// Default size of the literal pieces [`DeltaDecoder`] hands out: 64 KiB.
///
/// ```
/// use librsync_rs::ops::{DeltaDecoder, DEFAULT_CHUNK_SIZE};
///
/// let dec = DeltaDecoder::new(&b"rs\x026\0"[..]);
/// assert_eq!(dec.chunk_size(), DEFAULT_CHUNK_SIZE);
/// assert_eq!(DEFAULT_CHUNK_SIZE, 65536);
/// ```
pub const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;

/// Longest literal one command carries as librsync writes it: its
/// `rs_emit_literal_cmd` takes an `int` length, 2^31 - 1. [`DeltaEncoder`]
/// splits longer literals into commands of this length and a remainder, as
/// this crate's delta job does with input buffers that long.
///
/// ```
/// use librsync_rs::ops::{DeltaOp, MAX_LITERAL_COMMAND};
///
/// // Up to MAX_LITERAL_COMMAND bytes, a literal is one command: opcode, length, data.
/// assert_eq!(MAX_LITERAL_COMMAND, (1 << 31) - 1);
/// let data = vec![0u8; 1000];
/// assert_eq!(DeltaOp::Literal(&data).encoded_len(), 1 + 2 + 1000);
/// ```
pub const MAX_LITERAL_COMMAND: u64 = i32::MAX as u64;

/// Largest COPY position or length, and largest literal length, patch
/// accepts: an 8-byte parameter with the top bit set is negative in C.
const MAX_PARAM: u64 = i64::MAX as u64;

/// One operation of a delta, as read by [`ops`] or written by
/// [`DeltaEncoder::write_op`].
///
/// ```
/// use librsync_rs::ops::{ops, DeltaOp};
///
/// let d = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
/// let mut it = ops(&d);
/// assert_eq!(it.next().unwrap()?, DeltaOp::Copy { pos: 6, len: 5 });
/// assert_eq!(it.next().unwrap()?, DeltaOp::Literal(b"!"));
/// assert_eq!(it.next().unwrap()?, DeltaOp::End);
/// # Ok::<(), librsync_rs::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeltaOp<'a> {
    /// Append `len` bytes of the basis, from position `pos` (a COPY
    /// command). Both are at most `i64::MAX`, and `len` is at least 1.
    Copy {
        /// Position in the basis.
        pos: u64,
        /// Number of bytes (at least 1).
        len: u64,
    },
    /// Append these bytes, carried in the delta (a LITERAL command; never
    /// empty).
    Literal(&'a [u8]),
    /// The end of the delta (the END command).
    End,
}

impl DeltaOp<'_> {
    /// Bytes of output the operation produces when patching.
    ///
    /// ```
    /// use librsync_rs::ops::{ops, DeltaOp};
    ///
    /// assert_eq!(DeltaOp::Copy { pos: 100, len: 5 }.output_len(), 5);
    /// assert_eq!(DeltaOp::Literal(b"abc").output_len(), 3);
    /// // The length of the patched output:
    /// let d = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
    /// let total: u64 = ops(&d).map(|op| op.map(|op| op.output_len())).sum::<Result<_, _>>()?;
    /// assert_eq!(total, 6);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn output_len(&self) -> u64 {
        match *self {
            DeltaOp::Copy { len, .. } => len,
            DeltaOp::Literal(data) => data.len() as u64,
            DeltaOp::End => 0,
        }
    }

    /// Bytes [`DeltaEncoder`] writes for the operation: the command, its
    /// parameters in the smallest widths, and any literal data (in more than
    /// one command beyond [`MAX_LITERAL_COMMAND`] bytes).
    ///
    /// ```
    /// use librsync_rs::ops::DeltaOp;
    ///
    /// assert_eq!(DeltaOp::Copy { pos: 6, len: 5 }.encoded_len(), 3); // opcode, 1 + 1 bytes
    /// assert_eq!(DeltaOp::Copy { pos: 1 << 20, len: 300 }.encoded_len(), 1 + 4 + 2);
    /// assert_eq!(DeltaOp::Literal(b"!").encoded_len(), 2);
    /// assert_eq!(DeltaOp::End.encoded_len(), 1);
    /// ```
    pub fn encoded_len(&self) -> u64 {
        match *self {
            DeltaOp::Copy { pos, len } => 1 + int_len(pos) as u64 + int_len(len) as u64,
            DeltaOp::Literal(data) => literal_encoded_len(data.len() as u64),
            DeltaOp::End => 1,
        }
    }
}

/// Bytes of the smallest encoding of a literal of `len` bytes, split as
/// [`DeltaEncoder`] splits it.
fn literal_encoded_len(len: u64) -> u64 {
    let full = len / MAX_LITERAL_COMMAND;
    let rest = len % MAX_LITERAL_COMMAND;
    let header = |n: u64| if n <= 64 { 1 } else { 1 + int_len(n) as u64 };
    let rest_header = if rest > 0 { header(rest) } else { 0 };
    len + full * header(MAX_LITERAL_COMMAND) + rest_header
}

/// A command header that passed patch's checks.
enum Header {
    End,
    Literal(u64),
    Copy { pos: u64, len: u64 },
}

/// A big-endian parameter, as C's `rs_suck_netint` reads it into an
/// `intmax_t`: 8-byte values with the top bit set are negative.
fn netint(bytes: &[u8]) -> i64 {
    bytes.iter().fold(0u64, |v, &b| (v << 8) | b as u64) as i64
}

/// Checks a command and its parameters as patch does (`rs_patch_s_run`,
/// `rs_patch_s_literal`, `rs_patch_s_copy`) and counts it in `stats` as
/// patch does. `params` holds exactly [`Command::param_len`] bytes.
fn check_command(cmd: Command, params: &[u8], stats: &mut Stats) -> Result<Header, BadCommand> {
    match cmd {
        Command::End => Ok(Header::End),
        Command::Reserved(op) => Err(BadCommand::Reserved(op)),
        Command::LiteralImmediate(len) => Ok(count_literal(stats, len as i64, 0)),
        Command::Literal { len_width } => {
            let len = netint(params);
            if len <= 0 {
                return Err(BadCommand::LiteralLen(len));
            }
            Ok(count_literal(stats, len, len_width))
        }
        Command::Copy {
            pos_width,
            len_width,
        } => {
            let pos = netint(&params[..pos_width as usize]);
            let len = netint(&params[pos_width as usize..]);
            if len <= 0 {
                return Err(BadCommand::CopyLen(len));
            }
            if pos < 0 {
                return Err(BadCommand::CopyPos(pos));
            }
            stats.copy_cmds += 1;
            stats.copy_bytes = stats.copy_bytes.wrapping_add(len);
            stats.copy_cmdbytes += 1 + pos_width as i64 + len_width as i64;
            Ok(Header::Copy {
                pos: pos as u64,
                len: len as u64,
            })
        }
    }
}

/// The error for a delta cut short while `what` was read, starting at
/// `start`, with `end` bytes in all: like patch, it points at the start of
/// the unfinished field, or at the end of a literal's data.
fn ended_at(what: &'static str, start: u64, end: u64) -> Error {
    let at = match what {
        cut_short::IN_MAGIC => 0,
        cut_short::IN_PARAMS => start + 1,
        cut_short::IN_LITERAL => end,
        _ => start,
    };
    Error::new(ErrorKind::InputEnded)
        .with_message(what)
        .or_at(at)
}

/// The error patch gives for a command that fails its checks, at `offset`.
fn bad_command(problem: BadCommand, offset: u64) -> Error {
    Error::new(ErrorKind::Corrupt)
        .with_message(problem.to_string())
        .or_at(offset)
}

/// The error for a delta that does not start with [`DELTA_MAGIC`].
fn bad_magic(magic: [u8; 4]) -> Error {
    Error::new(ErrorKind::BadMagic)
        .with_message(format!(
            "got magic number {} rather than expected value {}",
            c_alt_hex(u32::from_be_bytes(magic)),
            c_alt_hex(DELTA_MAGIC)
        ))
        .or_at(0)
}

fn count_literal(stats: &mut Stats, len: i64, len_width: u8) -> Header {
    stats.lit_cmds = stats.lit_cmds.wrapping_add(1);
    stats.lit_bytes = stats.lit_bytes.wrapping_add(len);
    stats.lit_cmdbytes += 1 + len_width as i64;
    Header::Literal(len as u64)
}

/// Statistics with only the command counters, as a decoder or encoder
/// keeps them.
fn fresh_stats(op: &'static str) -> Stats {
    Stats {
        op,
        ..Stats::default()
    }
}

/// Iterates over the operations of a delta held in memory (see
/// [`DeltaOps`]). Literal data is borrowed from `delta`, never copied.
///
/// ```
/// use librsync_rs::ops::{ops, DeltaOp};
/// let d = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
/// let all: Vec<_> = ops(&d).collect::<Result<_, _>>().unwrap();
/// assert_eq!(all, [DeltaOp::Copy { pos: 6, len: 5 }, DeltaOp::Literal(b"!"), DeltaOp::End]);
/// ```
pub fn ops(delta: &[u8]) -> DeltaOps<'_> {
    DeltaOps {
        data: delta,
        pos: 0,
        offset: 0,
        state: State::Header,
        stats: fresh_stats("patch"),
    }
}

/// Where a decoder is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The magic number is next.
    Header,
    /// A command byte is next.
    Commands,
    /// END or an error was returned.
    Finished,
}

/// Iterator over the operations of a delta in memory, made by [`ops`]: the
/// command loop of librsync's patch job (`rs_patch_s_cmdbyte` with its
/// `prototab`, `rs_patch_s_params`, `rs_patch_s_run`) without the basis.
///
/// It checks the magic number first, then yields one [`DeltaOp`] per
/// command, ending with [`DeltaOp::End`]; or it yields the error patch
/// gives for the same bytes (see the [module](self) documentation). After
/// END or an error it yields nothing more. It never allocates.
///
/// ```
/// use librsync_rs::ops::ops;
/// use librsync_rs::ErrorKind;
///
/// // A delta whose COPY has length 0: patch rejects it, and so does the iterator.
/// let d = [0x72, 0x73, 0x02, 0x36, 0x01, b'a', 0x45, 0, 0, 0];
/// let mut it = ops(&d);
/// assert!(it.next().unwrap().is_ok()); // LITERAL "a"
/// assert_eq!(it.next().unwrap().unwrap_err().kind(), ErrorKind::Corrupt);
/// assert_eq!(it.offset(), 6);
/// assert!(it.next().is_none());
/// ```
#[derive(Clone, Debug)]
pub struct DeltaOps<'a> {
    data: &'a [u8],
    /// Bytes read.
    pos: usize,
    /// Start of the command last yielded.
    offset: usize,
    state: State,
    stats: Stats,
}

impl<'a> DeltaOps<'a> {
    /// Byte offset in the delta of the command last yielded, or of the
    /// command that failed; 0 before the first command and for errors in
    /// the magic number.
    ///
    /// ```
    /// use librsync_rs::ops::ops;
    ///
    /// let d = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
    /// let mut it = ops(&d);
    /// let offsets: Vec<usize> = std::iter::from_fn(|| it.next().map(|_| it.offset())).collect();
    /// assert_eq!(offsets, [4, 7, 9]); // COPY, LITERAL, END
    /// ```
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Bytes of the delta read so far. After END this is the length of the
    /// delta proper; patch ignores anything after it ([`DeltaOps::trailing`]).
    ///
    /// ```
    /// use librsync_rs::ops::ops;
    ///
    /// let d = b"rs\x026\x01!\0extra";
    /// let mut it = ops(d);
    /// assert_eq!(it.consumed(), 0);
    /// it.by_ref().for_each(drop);
    /// assert_eq!(it.consumed(), 7); // the delta proper: magic, LITERAL "!", END
    /// ```
    pub fn consumed(&self) -> usize {
        self.pos
    }

    /// The bytes not read yet: after END, what follows the delta.
    ///
    /// ```
    /// use librsync_rs::ops::ops;
    ///
    /// let d = b"rs\x026\x01!\0extra";
    /// let mut it = ops(d);
    /// it.by_ref().for_each(drop);
    /// assert_eq!(it.trailing(), b"extra"); // patch ignores it
    /// ```
    pub fn trailing(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }

    /// The command counters patch keeps for the commands read so far:
    /// `lit_cmds`, `lit_bytes`, `lit_cmdbytes`, `copy_cmds`, `copy_bytes`
    /// and `copy_cmdbytes` (with the widths the delta uses), the other
    /// fields 0. A command counts once its header passed the checks, as in
    /// patch, even if its literal data turns out to be truncated.
    ///
    /// ```
    /// use librsync_rs::ops::ops;
    ///
    /// let d = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
    /// let mut it = ops(&d);
    /// it.by_ref().for_each(drop);
    /// let s = it.stats();
    /// assert_eq!((s.copy_cmds, s.copy_bytes, s.copy_cmdbytes), (1, 5, 3));
    /// assert_eq!((s.lit_cmds, s.lit_bytes, s.lit_cmdbytes), (1, 1, 1));
    /// ```
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The error for a delta that ends in the middle of a command (or
    /// before its END), with the offset patch gives.
    fn ended(&self, what: &'static str) -> Error {
        ended_at(what, self.pos as u64, self.data.len() as u64)
    }

    fn step(&mut self) -> Result<DeltaOp<'a>> {
        if self.state == State::Header {
            let magic = self
                .data
                .get(..4)
                .ok_or_else(|| self.ended(cut_short::IN_MAGIC))?;
            if magic != DELTA_MAGIC.to_be_bytes() {
                return Err(bad_magic(magic.try_into().expect("four bytes")));
            }
            self.pos = 4;
            self.state = State::Commands;
        }
        self.offset = self.pos;
        let (&op, rest) = self.data[self.pos..]
            .split_first()
            .ok_or_else(|| self.ended(cut_short::BEFORE_END))?;
        let cmd = Command::decode(op);
        let params = rest
            .get(..cmd.param_len())
            .ok_or_else(|| self.ended(cut_short::IN_PARAMS))?;
        let header = check_command(cmd, params, &mut self.stats)
            .map_err(|problem| bad_command(problem, self.offset as u64))?;
        let rest = &rest[params.len()..];
        let (op, used) = match header {
            Header::End => (DeltaOp::End, 0),
            Header::Copy { pos, len } => (DeltaOp::Copy { pos, len }, 0),
            Header::Literal(len) => {
                let len = usize::try_from(len).map_err(|_| self.ended(cut_short::IN_LITERAL))?;
                let data = rest
                    .get(..len)
                    .ok_or_else(|| self.ended(cut_short::IN_LITERAL))?;
                (DeltaOp::Literal(data), len)
            }
        };
        self.pos += 1 + params.len() + used;
        Ok(op)
    }
}

impl<'a> Iterator for DeltaOps<'a> {
    type Item = Result<DeltaOp<'a>>;

    fn next(&mut self) -> Option<Result<DeltaOp<'a>>> {
        if self.state == State::Finished {
            return None;
        }
        let item = self.step();
        if matches!(item, Ok(DeltaOp::End) | Err(_)) {
            self.state = State::Finished;
        }
        Some(item)
    }
}

impl FusedIterator for DeltaOps<'_> {}

/// A piece of the data of one LITERAL command, as [`DeltaDecoder`] hands
/// it out: the bytes `start..start + data.len()` of a literal of `total`
/// bytes.
///
/// ```
/// use librsync_rs::ops::{DeltaDecoder, DeltaPiece, LiteralPiece};
///
/// let d = b"rs\x026\x05hello\0";
/// let mut dec = DeltaDecoder::with_chunk_size(&d[..], 3);
/// let first = LiteralPiece { data: b"hel".to_vec(), start: 0, total: 5 };
/// assert_eq!(dec.next().unwrap()?, DeltaPiece::Literal(first));
/// let second = LiteralPiece { data: b"lo".to_vec(), start: 3, total: 5 };
/// assert_eq!(dec.next().unwrap()?, DeltaPiece::Literal(second));
/// # Ok::<(), librsync_rs::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LiteralPiece {
    /// The bytes (never empty).
    pub data: Vec<u8>,
    /// Offset of the first byte within the command's literal data.
    pub start: u64,
    /// Length of the command's literal data.
    pub total: u64,
}

impl LiteralPiece {
    /// Whether this is the first piece of its command.
    ///
    /// ```
    /// use librsync_rs::ops::LiteralPiece;
    ///
    /// assert!(LiteralPiece { data: b"ab".to_vec(), start: 0, total: 4 }.is_first());
    /// assert!(!LiteralPiece { data: b"cd".to_vec(), start: 2, total: 4 }.is_first());
    /// ```
    pub fn is_first(&self) -> bool {
        self.start == 0
    }

    /// Whether this is the last piece of its command (no more of the same
    /// literal follows).
    ///
    /// ```
    /// use librsync_rs::ops::LiteralPiece;
    ///
    /// assert!(!LiteralPiece { data: b"ab".to_vec(), start: 0, total: 4 }.is_last());
    /// assert!(LiteralPiece { data: b"cd".to_vec(), start: 2, total: 4 }.is_last());
    /// ```
    pub fn is_last(&self) -> bool {
        self.start + self.data.len() as u64 == self.total
    }
}

/// What [`DeltaDecoder`] yields: an operation, with literal data in pieces.
///
/// ```
/// use librsync_rs::ops::{DeltaDecoder, DeltaPiece};
///
/// let d = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
/// let pieces: Vec<DeltaPiece> = DeltaDecoder::new(&d[..]).collect::<Result<_, _>>()?;
/// assert_eq!(pieces[0], DeltaPiece::Copy { pos: 6, len: 5 });
/// assert!(matches!(&pieces[1], DeltaPiece::Literal(p) if p.data == b"!"));
/// assert_eq!(pieces[2], DeltaPiece::End);
/// # Ok::<(), librsync_rs::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DeltaPiece {
    /// A COPY command: `len` bytes of the basis from `pos`, as in
    /// [`DeltaOp::Copy`].
    Copy {
        /// Position in the basis.
        pos: u64,
        /// Number of bytes (at least 1).
        len: u64,
    },
    /// A piece of a LITERAL command's data. A command of `n` bytes comes
    /// as consecutive pieces of at most the decoder's chunk size, the first
    /// with `start == 0`, the last ending at `total`.
    Literal(LiteralPiece),
    /// The END command.
    End,
}

/// Streaming decoder of a delta from a [`Read`], in memory that does not
/// grow with the delta: librsync's patch command loop (`rs_patch_s_cmdbyte`
/// with its `prototab`, `rs_patch_s_params`, `rs_patch_s_run`) without the
/// basis.
///
/// It yields a [`DeltaPiece`] per COPY and END command, and a LITERAL
/// command's data in [`LiteralPiece`]s of at most the chunk size
/// ([`DEFAULT_CHUNK_SIZE`] unless set), each allocated only as its bytes
/// arrive, so a literal length in the delta never makes it allocate more
/// than a chunk. The pieces carry the command's total length, so that
/// [`DeltaEncoder::write_piece`] writes the same command back without
/// gathering them. It checks what patch checks and fails as patch does
/// (see the [module](self) documentation); I/O errors come as
/// [`ErrorKind::Io`]. After END or an error it yields nothing more.
///
/// It reads exactly the delta and never past END, with small reads for
/// command headers: wrap an unbuffered reader in a
/// [`BufReader`](std::io::BufReader).
///
/// ```
/// use librsync_rs::ops::{DeltaDecoder, DeltaPiece};
/// let d = [0x72, 0x73, 0x02, 0x36, 0x03, b'a', b'b', b'c', 0x45, 0, 2, 0, b'x'];
/// let mut dec = DeltaDecoder::with_chunk_size(&d[..], 2);
/// let pieces: Vec<_> = dec.by_ref().collect::<Result<_, _>>().unwrap();
/// assert_eq!(pieces.len(), 4); // "ab", "c", COPY, END
/// match &pieces[1] {
///     DeltaPiece::Literal(p) => assert!(p.data == b"c" && p.start == 2 && p.is_last()),
///     _ => unreachable!(),
/// }
/// assert_eq!(dec.into_inner(), b"x"); // left unread after END
/// ```
#[derive(Debug)]
pub struct DeltaDecoder<R> {
    reader: R,
    chunk: usize,
    state: State,
    /// Literal data still to hand out: total length and bytes handed out.
    literal: Option<(u64, u64)>,
    consumed: u64,
    offset: u64,
    stats: Stats,
}

impl<R: Read> DeltaDecoder<R> {
    /// A decoder reading the delta from `reader`, with literal pieces of
    /// at most [`DEFAULT_CHUNK_SIZE`] bytes.
    ///
    /// ```
    /// use std::io::BufReader;
    /// use librsync_rs::ops::{DeltaDecoder, DeltaPiece};
    ///
    /// let d: &[u8] = &[0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0]; // or a File
    /// let mut dec = DeltaDecoder::new(BufReader::new(d));
    /// assert_eq!(dec.next().unwrap()?, DeltaPiece::Copy { pos: 6, len: 5 });
    /// assert_eq!(dec.next().unwrap()?, DeltaPiece::End);
    /// assert!(dec.next().is_none());
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn new(reader: R) -> DeltaDecoder<R> {
        DeltaDecoder::with_chunk_size(reader, DEFAULT_CHUNK_SIZE)
    }

    /// A decoder with literal pieces of at most `chunk_size` bytes (at
    /// least 1; 0 counts as 1).
    ///
    /// ```
    /// use librsync_rs::ops::{DeltaDecoder, DeltaPiece};
    ///
    /// // A 100-byte literal, handed out in pieces of at most 40 bytes.
    /// let mut d = vec![0x72, 0x73, 0x02, 0x36, 0x41, 100];
    /// d.extend_from_slice(&[b'x'; 100]);
    /// d.push(0);
    /// let dec = DeltaDecoder::with_chunk_size(&d[..], 40);
    /// let lens: Vec<usize> = dec
    ///     .map(|p| match p.unwrap() { DeltaPiece::Literal(p) => p.data.len(), _ => 0 })
    ///     .collect();
    /// assert_eq!(lens, [40, 40, 20, 0]); // three pieces, then END
    /// ```
    pub fn with_chunk_size(reader: R, chunk_size: usize) -> DeltaDecoder<R> {
        DeltaDecoder {
            reader,
            chunk: chunk_size.max(1),
            state: State::Header,
            literal: None,
            consumed: 0,
            offset: 0,
            stats: fresh_stats("patch"),
        }
    }

    /// The chunk size: the longest literal piece.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaDecoder;
    ///
    /// assert_eq!(DeltaDecoder::with_chunk_size(&b""[..], 4096).chunk_size(), 4096);
    /// assert_eq!(DeltaDecoder::with_chunk_size(&b""[..], 0).chunk_size(), 1);
    /// ```
    pub fn chunk_size(&self) -> usize {
        self.chunk
    }

    /// Byte offset in the delta of the command last yielded (of a literal
    /// piece: of its command), or of the command that failed; 0 before the
    /// first command and for errors in the magic number.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaDecoder;
    ///
    /// let d = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
    /// let mut dec = DeltaDecoder::new(&d[..]);
    /// dec.next(); // COPY
    /// assert_eq!(dec.offset(), 4);
    /// dec.next(); // LITERAL
    /// assert_eq!(dec.offset(), 7);
    /// ```
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Bytes read from the reader so far: after END, the length of the
    /// delta.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaDecoder;
    ///
    /// let d = b"rs\x026\x01!\0extra";
    /// let mut dec = DeltaDecoder::new(&d[..]);
    /// dec.by_ref().for_each(drop);
    /// assert_eq!(dec.consumed(), 7); // magic, LITERAL "!", END; "extra" is not read
    /// ```
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The command counters patch keeps, as [`DeltaOps::stats`] gives them.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaDecoder;
    ///
    /// let d = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
    /// let mut dec = DeltaDecoder::new(&d[..]);
    /// dec.by_ref().for_each(drop);
    /// assert_eq!((dec.stats().copy_cmds, dec.stats().copy_bytes), (1, 5));
    /// assert_eq!((dec.stats().lit_cmds, dec.stats().lit_bytes), (1, 1));
    /// ```
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The reader.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaDecoder;
    ///
    /// let d: &[u8] = b"rs\x026\0extra";
    /// let mut dec = DeltaDecoder::new(d);
    /// dec.by_ref().for_each(drop);
    /// assert_eq!(*dec.get_ref(), b"extra"); // the slice reader stopped after END
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The reader, mutably (reading from it upsets the decoder).
    ///
    /// ```
    /// use std::io::Read;
    /// use librsync_rs::ops::DeltaDecoder;
    ///
    /// let d: &[u8] = b"rs\x026\0extra";
    /// let mut dec = DeltaDecoder::new(d);
    /// dec.by_ref().for_each(drop);
    /// let mut rest = String::new();
    /// dec.get_mut().read_to_string(&mut rest)?;
    /// assert_eq!(rest, "extra");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The reader back; after END it is positioned just after the delta.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaDecoder;
    ///
    /// let d: &[u8] = b"rs\x026\0extra";
    /// let mut dec = DeltaDecoder::new(d);
    /// dec.by_ref().for_each(drop);
    /// assert_eq!(dec.into_inner(), b"extra");
    /// ```
    pub fn into_inner(self) -> R {
        self.reader
    }

    /// Fills `buf` from the reader; fewer bytes only at end of input.
    fn read_full(&mut self, buf: &mut [u8]) -> Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            match self.reader.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.consumed += n as u64;
                    return Err(Error::from_io(e));
                }
            }
        }
        self.consumed += n as u64;
        Ok(n)
    }

    /// Fills `buf` or fails with [`ErrorKind::InputEnded`], saying `what`
    /// was cut short.
    fn read_exact(&mut self, buf: &mut [u8], what: &'static str) -> Result<()> {
        if self.read_full(buf)? < buf.len() {
            return Err(ended_at(what, self.offset, self.consumed));
        }
        Ok(())
    }

    /// The next piece of the literal being read.
    fn literal_piece(&mut self, total: u64, start: u64) -> Result<DeltaPiece> {
        let n = (total - start).min(self.chunk as u64) as usize;
        let mut data = Vec::new();
        data.try_reserve_exact(n)
            .map_err(|_| Error::new(ErrorKind::Mem))?;
        data.resize(n, 0);
        self.read_exact(&mut data, cut_short::IN_LITERAL)?;
        let end = start + n as u64;
        self.literal = (end < total).then_some((total, end));
        Ok(DeltaPiece::Literal(LiteralPiece { data, start, total }))
    }

    fn step(&mut self) -> Result<DeltaPiece> {
        if let Some((total, start)) = self.literal {
            return self.literal_piece(total, start);
        }
        if self.state == State::Header {
            let mut magic = [0u8; 4];
            self.read_exact(&mut magic, cut_short::IN_MAGIC)?;
            if u32::from_be_bytes(magic) != DELTA_MAGIC {
                return Err(bad_magic(magic));
            }
            self.state = State::Commands;
        }
        self.offset = self.consumed;
        let mut op = [0u8; 1];
        self.read_exact(&mut op, cut_short::BEFORE_END)?;
        let cmd = Command::decode(op[0]);
        let mut params = [0u8; 16];
        let params = &mut params[..cmd.param_len()];
        self.read_exact(params, cut_short::IN_PARAMS)?;
        let header = check_command(cmd, params, &mut self.stats)
            .map_err(|problem| bad_command(problem, self.offset))?;
        match header {
            Header::End => Ok(DeltaPiece::End),
            Header::Copy { pos, len } => Ok(DeltaPiece::Copy { pos, len }),
            Header::Literal(len) => self.literal_piece(len, 0),
        }
    }
}

impl<R: Read> Iterator for DeltaDecoder<R> {
    type Item = Result<DeltaPiece>;

    fn next(&mut self) -> Option<Result<DeltaPiece>> {
        if self.state == State::Finished {
            return None;
        }
        let item = self.step();
        if matches!(item, Ok(DeltaPiece::End) | Err(_)) {
            self.state = State::Finished;
            self.literal = None;
        }
        Some(item)
    }
}

impl<R: Read> FusedIterator for DeltaDecoder<R> {}

/// Writes a delta from operations, with the encodings librsync's delta job
/// uses (`rs_emit_delta_header`, `rs_emit_literal_cmd`, `rs_emit_copy_cmd`,
/// `rs_emit_end_cmd`): a literal of up to 64 bytes as a single command byte,
/// longer ones and all COPY parameters in the smallest of 1, 2, 4 or 8
/// bytes (`rs_int_len`).
///
/// It refuses, with [`ErrorKind::Param`] and before writing anything for the
/// call, what librsync never writes and patch rejects as corrupt: an empty
/// literal, a COPY of length 0, and positions or lengths above `i64::MAX`;
/// and misuse: a command while streamed literal data is still owed, more
/// literal data than announced, or anything after END. A literal longer
/// than [`MAX_LITERAL_COMMAND`] is split into commands of that length and a
/// remainder. Commands and data go straight to the writer: wrap an
/// unbuffered one in a [`BufWriter`](std::io::BufWriter). After an I/O
/// error the delta written is incomplete.
///
/// ```
/// use librsync_rs::ops::DeltaEncoder;
/// let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
/// enc.copy(6, 5).unwrap();
/// enc.literal(b"!").unwrap();
/// let d = enc.finish().unwrap();
/// assert_eq!(d, [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0]);
/// ```
#[derive(Debug)]
pub struct DeltaEncoder<W: Write> {
    writer: W,
    stats: Stats,
    /// Data owed to the literal begun with `begin_literal`.
    lit_owed: u64,
    /// Of which owed to the command whose header was written.
    cmd_owed: u64,
    ended: bool,
}

impl<W: Write> DeltaEncoder<W> {
    /// An encoder writing to `writer`; writes the magic number
    /// (`rs_delta_s_header`).
    ///
    /// ```
    /// use librsync_rs::ops::DeltaEncoder;
    ///
    /// let enc = DeltaEncoder::new(Vec::new())?;
    /// assert_eq!(enc.get_ref(), b"rs\x026"); // the magic number
    /// assert_eq!(enc.finish()?, b"rs\x026\0"); // and END: an empty delta
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn new(mut writer: W) -> Result<DeltaEncoder<W>> {
        writer.write_all(&DELTA_MAGIC.to_be_bytes())?;
        Ok(DeltaEncoder {
            writer,
            stats: fresh_stats("delta"),
            lit_owed: 0,
            cmd_owed: 0,
            ended: false,
        })
    }

    /// Fails unless a new command may be written.
    fn ready(&self) -> Result<()> {
        if self.ended || self.lit_owed > 0 {
            return Err(Error::new(ErrorKind::Param));
        }
        Ok(())
    }

    /// Writes a COPY command for `len` bytes of the basis from `pos`
    /// (`rs_emit_copy_cmd`). `len` must be 1..=`i64::MAX`, `pos` at most
    /// `i64::MAX`.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaEncoder;
    ///
    /// let mut enc = DeltaEncoder::new(Vec::new())?;
    /// enc.copy(1000, 5)?; // 2-byte position, 1-byte length
    /// assert!(enc.copy(0, 0).is_err()); // a COPY of nothing
    /// assert_eq!(enc.finish()?, [0x72, 0x73, 0x02, 0x36, 0x49, 0x03, 0xe8, 5, 0]);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn copy(&mut self, pos: u64, len: u64) -> Result<()> {
        self.ready()?;
        if len == 0 || len > MAX_PARAM || pos > MAX_PARAM {
            return Err(Error::new(ErrorKind::Param));
        }
        let mut cmd = [0u8; 17];
        let n = encode_copy(&mut cmd, pos, len, &mut Stats::default());
        self.writer.write_all(&cmd[..n])?;
        // Counted as the delta job counts, but wrapping where large
        // lengths would overflow.
        let stats = &mut self.stats;
        stats.copy_cmds += 1;
        stats.copy_bytes = stats.copy_bytes.wrapping_add(len as i64);
        stats.copy_cmdbytes += n as i64;
        Ok(())
    }

    /// Writes a LITERAL command carrying `data` (`rs_emit_literal_cmd` and
    /// the data); `data` must not be empty.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaEncoder;
    ///
    /// let mut enc = DeltaEncoder::new(Vec::new())?;
    /// enc.literal(b"hi")?;
    /// assert!(enc.literal(b"").is_err()); // an empty literal
    /// assert_eq!(enc.finish()?, b"rs\x026\x02hi\0");
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn literal(&mut self, data: &[u8]) -> Result<()> {
        self.begin_literal(data.len() as u64)?;
        self.literal_data(data)
    }

    /// Begins a literal of `len` bytes (1..=`i64::MAX`), whose data follows
    /// through [`DeltaEncoder::literal_data`] in pieces of any size. The
    /// command is written with its first piece.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaEncoder;
    ///
    /// let mut enc = DeltaEncoder::new(Vec::new())?;
    /// enc.begin_literal(5)?;
    /// enc.literal_data(b"hel")?;
    /// assert!(enc.copy(0, 1).is_err()); // 2 bytes are still owed
    /// enc.literal_data(b"lo")?;
    /// assert_eq!(enc.finish()?, b"rs\x026\x05hello\0");
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn begin_literal(&mut self, len: u64) -> Result<()> {
        self.ready()?;
        if len == 0 || len > MAX_PARAM {
            return Err(Error::new(ErrorKind::Param));
        }
        self.lit_owed = len;
        self.cmd_owed = 0;
        Ok(())
    }

    /// Writes more data of the literal begun with
    /// [`DeltaEncoder::begin_literal`]; no more than it still owes.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaEncoder;
    ///
    /// let mut enc = DeltaEncoder::new(Vec::new())?;
    /// enc.begin_literal(3)?;
    /// assert!(enc.literal_data(b"abcd").is_err()); // more than announced
    /// enc.literal_data(b"ab")?;
    /// enc.literal_data(b"c")?;
    /// assert_eq!(enc.finish()?, b"rs\x026\x03abc\0");
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn literal_data(&mut self, mut data: &[u8]) -> Result<()> {
        if data.len() as u64 > self.lit_owed {
            return Err(Error::new(ErrorKind::Param));
        }
        while !data.is_empty() {
            if self.cmd_owed == 0 {
                let len = self.lit_owed.min(MAX_LITERAL_COMMAND);
                let mut cmd = [0u8; 5];
                let n = encode_literal(&mut cmd, len as u32, &mut Stats::default());
                self.writer.write_all(&cmd[..n])?;
                let stats = &mut self.stats;
                stats.lit_cmds = stats.lit_cmds.wrapping_add(1);
                stats.lit_bytes = stats.lit_bytes.wrapping_add(len as i64);
                stats.lit_cmdbytes += n as i64;
                self.cmd_owed = len;
            }
            let n = (self.cmd_owed.min(data.len() as u64)) as usize;
            self.writer.write_all(&data[..n])?;
            self.cmd_owed -= n as u64;
            self.lit_owed -= n as u64;
            data = &data[n..];
        }
        Ok(())
    }

    /// Writes the END command (`rs_emit_end_cmd`); nothing can follow.
    /// [`DeltaEncoder::finish`] writes it if this was not called.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaEncoder;
    ///
    /// let mut enc = DeltaEncoder::new(Vec::new())?;
    /// enc.end()?;
    /// assert!(enc.literal(b"late").is_err()); // nothing after END
    /// assert_eq!(enc.finish()?, b"rs\x026\0"); // END written once
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn end(&mut self) -> Result<()> {
        self.ready()?;
        self.writer.write_all(&[OP_END])?;
        self.ended = true;
        Ok(())
    }

    /// Writes an operation: [`copy`](DeltaEncoder::copy),
    /// [`literal`](DeltaEncoder::literal) or [`end`](DeltaEncoder::end).
    ///
    /// ```
    /// use librsync_rs::ops::{ops, DeltaEncoder};
    ///
    /// // Decoding and encoding again gives the same bytes.
    /// let d = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
    /// let mut enc = DeltaEncoder::new(Vec::new())?;
    /// for op in ops(&d) {
    ///     enc.write_op(&op?)?;
    /// }
    /// assert_eq!(enc.finish()?, d);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn write_op(&mut self, op: &DeltaOp<'_>) -> Result<()> {
        match *op {
            DeltaOp::Copy { pos, len } => self.copy(pos, len),
            DeltaOp::Literal(data) => self.literal(data),
            DeltaOp::End => self.end(),
        }
    }

    /// Writes what a [`DeltaDecoder`] yielded: a literal piece with
    /// `start == 0` begins a literal of its `total` length, and each piece
    /// adds its data, so a decoded delta is written back piece by piece.
    ///
    /// ```
    /// use librsync_rs::ops::{DeltaDecoder, DeltaEncoder};
    ///
    /// // Streaming copy of a delta, literal data in pieces of at most 2 bytes.
    /// let d = b"rs\x026\x05hello\x45\x00\x03\0";
    /// let mut enc = DeltaEncoder::new(Vec::new())?;
    /// for piece in DeltaDecoder::with_chunk_size(&d[..], 2) {
    ///     enc.write_piece(&piece?)?;
    /// }
    /// assert_eq!(enc.finish()?, d);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn write_piece(&mut self, piece: &DeltaPiece) -> Result<()> {
        match piece {
            DeltaPiece::Copy { pos, len } => self.copy(*pos, *len),
            DeltaPiece::Literal(p) => {
                if p.start == 0 {
                    self.begin_literal(p.total)?;
                } else if p.total - p.start.min(p.total) != self.lit_owed {
                    return Err(Error::new(ErrorKind::Param));
                }
                self.literal_data(&p.data)
            }
            DeltaPiece::End => self.end(),
        }
    }

    /// The command counters the delta job keeps for what was written:
    /// `lit_cmds`, `lit_bytes`, `lit_cmdbytes`, `copy_cmds`, `copy_bytes`
    /// and `copy_cmdbytes`, the other fields 0.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaEncoder;
    ///
    /// let mut enc = DeltaEncoder::new(Vec::new())?;
    /// enc.copy(0, 300)?;
    /// enc.literal(&[7u8; 100])?;
    /// let s = enc.stats();
    /// assert_eq!((s.copy_cmds, s.copy_bytes, s.copy_cmdbytes), (1, 300, 4));
    /// assert_eq!((s.lit_cmds, s.lit_bytes, s.lit_cmdbytes), (1, 100, 2));
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The writer.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaEncoder;
    ///
    /// let mut enc = DeltaEncoder::new(Vec::new())?;
    /// enc.literal(b"x")?;
    /// assert_eq!(enc.get_ref(), b"rs\x026\x01x"); // written straight through
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn get_ref(&self) -> &W {
        &self.writer
    }

    /// Writes END unless [`DeltaEncoder::end`] did, flushes the writer and
    /// gives it back. Fails with [`ErrorKind::Param`] if literal data is still
    /// owed.
    ///
    /// ```
    /// use librsync_rs::ops::DeltaEncoder;
    ///
    /// let mut enc = DeltaEncoder::new(Vec::new())?;
    /// enc.copy(6, 5)?;
    /// assert_eq!(enc.finish()?, [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0]);
    /// let mut owing = DeltaEncoder::new(Vec::new())?;
    /// owing.begin_literal(10)?;
    /// assert!(owing.finish().is_err()); // 10 literal bytes never came
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn finish(mut self) -> Result<W> {
        if self.lit_owed > 0 {
            return Err(Error::new(ErrorKind::Param));
        }
        if !self.ended {
            self.end()?;
        }
        self.writer.flush()?;
        Ok(self.writer)
    }
}

#[cfg(test)]
mod tests;
