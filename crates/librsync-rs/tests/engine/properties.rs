//! Property tests (proptest) of the Rust API over arbitrary data, formats,
//! block and strong sum lengths, and read and write schedules:
//!
//! * `ops_*`: decoding a delta the engine wrote and re-encoding it gives
//!   the same bytes; the streaming decoder yields what the slice iterator
//!   yields; arbitrary operations encode and decode back; the encoder
//!   refuses what patch would reject; on arbitrary bytes the decoders give
//!   patch's verdict (the contract of `librsync_rs::ops`);
//! * `patch_verdict_*`: on any bytes, the patch adapters say what the
//!   one-shot says, whatever the sizes of reads and writes;
//! * `any_loaded_signature_*`: loading a damaged signature gives one
//!   verdict at once or in pieces, and any signature that loads gives a
//!   well-formed delta;
//! * `sized_basis_*`: a basis of expected length fails exactly the COPYs
//!   past it;
//! * `roundtrip_*`: patch(basis, delta(sig(basis), new)) == new;
//! * `adapters_*`: the pull and push adapters give the one-shots' bytes
//!   whatever the sizes of reads and writes, and count their progress;
//! * `whole_stream_*`: the whole-stream helpers give the one-shots' bytes
//!   whatever their buffer sizes;
//! * `limits_*`: the `_limited` one-shots and the patch adapters with a
//!   limit succeed exactly when the output fits, with the same bytes.
//!
//! Each property runs [`CASES`] cases (a few for the big inputs); set
//! `PROPTEST_CASES` to run more. Failures found here are kept as plain
//! tests at the end of the file.

use std::io::{self, Cursor, Read, Write};
use std::sync::{Arc, Mutex};

use proptest::collection::vec;
use proptest::option::weighted;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::Config;

use crate::common::bytes::{CORRUPT, INPUT_ENDED, PARAM_ERROR, RK_BLAKE2_MAGIC};
use librsync_rs::io::{
    delta_of, delta_of_limited, load_signature_of, patch_of, patch_of_limited, signature_of,
    DeltaReader, DeltaWriter, PatchReader, PatchWriter, Progress, SignatureReader, SignatureWriter,
};
use librsync_rs::ops::{ops, DeltaDecoder, DeltaEncoder, DeltaOp, DeltaPiece};
use librsync_rs::{
    delta, load_signature, patch, signature, BufferSizes, SeekBasis, SigMagic, Signature,
    SignatureOptions, SizedBasis, Stats, StrongLen,
};

/// Cases per property with small inputs.
const CASES: u32 = 256;

/// Cases per property with inputs of a few hundred KiB.
const BIG_CASES: u32 = 12;

/// The proptest configuration for `cases` cases: `PROPTEST_CASES`, when
/// set, overrides the count; failures are not persisted to files (the
/// minimal ones found are kept as tests below).
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------- inputs

/// Bytes of length up to `max`: from a 3-letter alphabet (so that blocks
/// repeat and weak sums collide), text-like, or any bytes.
fn data(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(0u8..3, 0..=max),
        vec(select(b" aeinorst\n".to_vec()), 0..=max),
        vec(any::<u8>(), 0..=max),
    ]
}

/// One piece of a new file: a range of the basis (start picked by the
/// index, up to the length given) or fresh bytes.
#[derive(Clone, Debug)]
enum Piece {
    Basis(Index, usize),
    Fresh(Vec<u8>),
}

/// Pieces of a new file, most of them taken from the basis.
fn pieces(max_piece: usize) -> impl Strategy<Value = Vec<Piece>> {
    let piece = prop_oneof![
        3 => (any::<Index>(), 0..=max_piece).prop_map(|(i, n)| Piece::Basis(i, n)),
        1 => data(max_piece / 8).prop_map(Piece::Fresh),
    ];
    vec(piece, 0..12)
}

/// The new file the pieces make from `basis`.
fn assemble(basis: &[u8], pieces: &[Piece]) -> Vec<u8> {
    let mut new = Vec::new();
    for p in pieces {
        match p {
            Piece::Basis(_, _) if basis.is_empty() => {}
            Piece::Basis(i, n) => {
                let start = i.index(basis.len());
                new.extend_from_slice(&basis[start..(start + n).min(basis.len())]);
            }
            Piece::Fresh(bytes) => new.extend_from_slice(bytes),
        }
    }
    new
}

/// Signature options: every format, block lengths from 1 byte up (0 for
/// the recommended one), and whole, minimum or exact strong sum lengths
/// (1 up to the hash length).
fn options() -> impl Strategy<Value = SignatureOptions> {
    let block_len = prop_oneof![
        3 => 1usize..=8,
        3 => 9usize..=130,
        1 => Just(0usize),
        1 => select(vec![256usize, 1000, 2048]),
    ];
    let strong = prop_oneof![
        Just(StrongLen::Max),
        Just(StrongLen::Min),
        (1usize..=32).prop_map(StrongLen::Exact)
    ];
    (select(SigMagic::ALL.to_vec()), block_len, strong).prop_map(|(magic, block_len, strong)| {
        let hash_len = match magic {
            SigMagic::Md4 | SigMagic::RkMd4 => 16,
            _ => 32,
        };
        let strong = match strong {
            StrongLen::Exact(n) => StrongLen::Exact((n - 1) % hash_len + 1),
            s => s,
        };
        SignatureOptions::new()
            .magic(magic)
            .block_len(block_len)
            .strong_len(strong)
    })
}

/// A basis, a new file made mostly of its pieces, and signature options.
#[derive(Clone, Debug)]
struct Case {
    basis: Vec<u8>,
    new: Vec<u8>,
    opts: SignatureOptions,
}

/// [`Case`]s with files of up to `max` bytes (the new one can be a few
/// times longer).
fn case(max: usize) -> impl Strategy<Value = Case> {
    (data(max), pieces(max / 2), options()).prop_map(|(basis, pieces, opts)| Case {
        new: assemble(&basis, &pieces),
        basis,
        opts,
    })
}

/// [`Case`]s with files of a few hundred KiB and blocks of 16 bytes or
/// more (smaller ones take long in a debug build).
fn big_case() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        64usize << 10..300 << 10,
        vec((any::<Index>(), 1usize..40_000), 1..6),
        options(),
    )
        .prop_map(|(seed, len, edits, opts)| {
            let mut rng = crate::common::Rng::new(seed);
            let basis = rng.text(len);
            let mut new = basis.clone();
            for (i, n) in edits {
                let at = i.index(new.len());
                let end = (at + n).min(new.len());
                let fresh = rng.bytes(n / 2);
                new.splice(at..end, fresh);
            }
            let opts = match opts.block_len {
                Some(n) if n < 16 => opts.block_len(16 * n),
                _ => opts,
            };
            Case { basis, new, opts }
        })
}

/// What the one-shots make of a case: the options with the basis size
/// set, the signature, the loaded signature and the delta.
struct Made {
    opts: SignatureOptions,
    sig: Vec<u8>,
    loaded: Signature,
    delta: Vec<u8>,
}

/// Runs the one-shots on `case`: signature of the basis, delta of the new
/// file against it.
fn make(case: &Case) -> Made {
    let opts = case.opts.basis_size(case.basis.len() as u64);
    let sig = signature_of(&case.basis, &opts).expect("signature_of");
    let loaded = load_signature_of(&sig).expect("load_signature_of");
    let delta = delta_of(&loaded, &case.new).expect("delta_of");
    Made {
        opts,
        sig,
        loaded,
        delta,
    }
}

// ------------------------------------------------ readers and writers

/// I/O call sizes, used in turn and cycled: each is the most one call
/// moves, and 0 makes the call fail with `Interrupted` (at least one size
/// is not 0).
fn schedule() -> impl Strategy<Value = Vec<usize>> {
    vec(
        prop_oneof![4 => 1usize..=16, 3 => 17usize..=70_000, 1 => Just(0usize)],
        1..6,
    )
    .prop_map(|mut v| {
        if v.iter().all(|&n| n == 0) {
            v.push(1);
        }
        v
    })
}

/// Cycles through a [`schedule`].
#[derive(Clone, Debug)]
struct Turns {
    sizes: Vec<usize>,
    next: usize,
}

impl Turns {
    /// Starts at the first size of `sizes`.
    fn new(sizes: &[usize]) -> Turns {
        Turns {
            sizes: sizes.to_vec(),
            next: 0,
        }
    }

    /// The next size (0: interrupt this call).
    fn take(&mut self) -> usize {
        let n = self.sizes[self.next % self.sizes.len()];
        self.next += 1;
        n
    }
}

/// A reader over a slice that hands out what its [`Turns`] say, and fails
/// with `Interrupted` on the 0 turns.
struct ScheduledReader<'a> {
    data: &'a [u8],
    turns: Turns,
}

impl<'a> ScheduledReader<'a> {
    /// Reads `data` with the sizes of `sizes`.
    fn new(data: &'a [u8], sizes: &[usize]) -> ScheduledReader<'a> {
        ScheduledReader {
            data,
            turns: Turns::new(sizes),
        }
    }
}

impl Read for ScheduledReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let step = self.turns.take();
        if step == 0 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// A writer into a `Vec` that takes what its [`Turns`] say per call, and
/// fails with `Interrupted` on the 0 turns.
struct ScheduledSink {
    out: Vec<u8>,
    turns: Turns,
}

impl ScheduledSink {
    /// An empty sink taking the sizes of `sizes`.
    fn new(sizes: &[usize]) -> ScheduledSink {
        ScheduledSink {
            out: Vec::new(),
            turns: Turns::new(sizes),
        }
    }
}

impl Write for ScheduledSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        let step = self.turns.take();
        if step == 0 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = step.min(data.len());
        self.out.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Reads `r` to its end with `read` calls into buffers of the sizes
/// `sizes` gives in turn (0: an empty buffer, which must read 0 bytes),
/// retrying on `Interrupted`.
fn read_with(mut r: impl Read, sizes: &[usize]) -> io::Result<Vec<u8>> {
    let mut turns = Turns::new(sizes);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    loop {
        let size = turns.take();
        buf.resize(size, 0);
        match r.read(&mut buf) {
            Ok(0) if size == 0 => {}
            Ok(0) => return Ok(out),
            Ok(n) => {
                assert!(n <= size, "read more than the buffer");
                out.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Writes all of `data` to `w` with `write` calls of the sizes `sizes`
/// gives in turn (0: an empty write, which must take 0 bytes), retrying
/// on `Interrupted` and going on after short writes.
fn write_with(w: &mut impl Write, mut data: &[u8], sizes: &[usize]) -> io::Result<()> {
    let mut turns = Turns::new(sizes);
    while !data.is_empty() {
        let size = turns.take().min(data.len());
        match w.write(&data[..size]) {
            Ok(n) => {
                assert!(n <= size, "wrote more than given");
                assert!(n > 0 || size == 0, "a write took nothing");
                data = &data[n..];
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The `rs_result` code a librsync error packed in an `io::Error` by an
/// adapter carries.
fn io_code(e: &io::Error) -> i32 {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<librsync_rs::Error>())
    {
        Some(inner) => inner.code(),
        None => panic!("not a librsync error: {e:?}"),
    }
}

// ---------------------------------------------------------- operations

/// An operation with its literal data owned, as the decoders' results are
/// compared.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Op {
    Copy { pos: u64, len: u64 },
    Literal(Vec<u8>),
    End,
}

impl Op {
    /// The owned form of `op`.
    fn of(op: &DeltaOp<'_>) -> Op {
        match *op {
            DeltaOp::Copy { pos, len } => Op::Copy { pos, len },
            DeltaOp::Literal(data) => Op::Literal(data.to_vec()),
            DeltaOp::End => Op::End,
        }
    }

    /// The borrowed form, for the encoder.
    fn as_delta_op(&self) -> DeltaOp<'_> {
        match self {
            Op::Copy { pos, len } => DeltaOp::Copy {
                pos: *pos,
                len: *len,
            },
            Op::Literal(data) => DeltaOp::Literal(data),
            Op::End => DeltaOp::End,
        }
    }
}

/// What a decoder made of a delta: the operations it yielded in full, and
/// the error code it ended with, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Decoded {
    ops: Vec<Op>,
    error: Option<i32>,
}

/// Decodes `delta` with [`ops`]; also gives the iterator's counters and
/// the offset of each operation.
fn decode_slice(delta: &[u8]) -> (Decoded, Stats, Vec<usize>, usize) {
    let mut it = ops(delta);
    let mut decoded = Decoded {
        ops: Vec::new(),
        error: None,
    };
    let mut offsets = Vec::new();
    while let Some(op) = it.next() {
        match op {
            Ok(op) => {
                decoded.ops.push(Op::of(&op));
                offsets.push(it.offset());
            }
            Err(e) => decoded.error = Some(e.code()),
        }
    }
    assert!(it.next().is_none(), "the iterator is fused");
    (decoded, it.stats().clone(), offsets, it.consumed())
}

/// Decodes `delta` with a [`DeltaDecoder`] of chunk size `chunk` over a
/// reader with the read sizes `reads`, gathering literal pieces into whole
/// literals (a literal cut short by an error is dropped, as [`ops`] never
/// yields it). Checks each piece's bounds; also gives the counters, the
/// bytes consumed and the bytes the reader still had.
fn decode_stream(delta: &[u8], chunk: usize, reads: &[usize]) -> (Decoded, Stats, u64, usize) {
    let mut dec = DeltaDecoder::with_chunk_size(ScheduledReader::new(delta, reads), chunk);
    let mut decoded = Decoded {
        ops: Vec::new(),
        error: None,
    };
    // Length still owed to the literal being gathered.
    let mut owed = 0u64;
    for piece in dec.by_ref() {
        match piece {
            Ok(DeltaPiece::Literal(p)) => {
                assert!(!p.data.is_empty() && p.data.len() <= chunk.max(1));
                assert!(p.start + p.data.len() as u64 <= p.total);
                if p.is_first() {
                    assert_eq!(owed, 0, "a literal began inside another");
                    decoded.ops.push(Op::Literal(Vec::new()));
                    owed = p.total;
                }
                match decoded.ops.last_mut() {
                    Some(Op::Literal(data)) if data.len() as u64 == p.start => {
                        data.extend_from_slice(&p.data)
                    }
                    other => panic!("piece at {} after {other:?}", p.start),
                }
                owed -= p.data.len() as u64;
                assert_eq!(p.is_last(), owed == 0);
            }
            Ok(DeltaPiece::Copy { pos, len }) => {
                assert_eq!(owed, 0);
                decoded.ops.push(Op::Copy { pos, len });
            }
            Ok(DeltaPiece::End) => {
                assert_eq!(owed, 0);
                decoded.ops.push(Op::End);
            }
            Err(e) => {
                if owed > 0 {
                    decoded.ops.pop();
                }
                decoded.error = Some(e.code());
            }
        }
    }
    let (stats, consumed) = (dec.stats().clone(), dec.consumed());
    (decoded, stats, consumed, dec.into_inner().data.len())
}

/// Writes `ops` with a [`DeltaEncoder`].
fn encode(ops: &[Op]) -> Vec<u8> {
    let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
    for op in ops {
        enc.write_op(&op.as_delta_op()).unwrap();
    }
    enc.finish().unwrap()
}

/// What patching `basis` with `ops` makes, computed from the operations;
/// `None` if a COPY reaches past the end of the basis.
fn apply(basis: &[u8], ops: &[Op]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for op in ops {
        match op {
            Op::Copy { pos, len } => {
                let end = pos.checked_add(*len)?;
                if end > basis.len() as u64 {
                    return None;
                }
                out.extend_from_slice(&basis[*pos as usize..end as usize]);
            }
            Op::Literal(data) => out.extend_from_slice(data),
            Op::End => break,
        }
    }
    Some(out)
}

/// The six command counters of `stats`, which the decoders keep as patch
/// does and the encoder as delta does.
fn counters(stats: &Stats) -> [i64; 6] {
    [
        stats.lit_cmds as i64,
        stats.lit_bytes,
        stats.lit_cmdbytes,
        stats.copy_cmds,
        stats.copy_bytes,
        stats.copy_cmdbytes,
    ]
}

/// A COPY parameter: values around each encoding width (1, 2, 4 and 8
/// bytes) up to `i64::MAX`, at least `min`.
fn param(min: u64) -> impl Strategy<Value = u64> {
    const MAX: u64 = i64::MAX as u64;
    prop_oneof![
        min..=0xff,
        0xf0u64..=0x1_0010,
        0xffff_fff0u64..=0x1_0000_0010,
        0x1_0000_0000u64..=MAX,
        (MAX - 16)..=MAX,
    ]
    .prop_map(move |v| v.max(min))
}

/// Literal data: lengths around the encoding widths (1-byte command up to
/// 64, then 1-, 2- and 4-byte lengths), bytes from a seed.
fn literal() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![
            6 => 1usize..=70,
            2 => 250usize..=260,
            1 => 65_530usize..=65_540,
        ],
        any::<u8>(),
    )
        .prop_map(|(len, seed)| {
            (0..len)
                .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
                .collect()
        })
}

/// Arbitrary operations (never END), COPY parameters of every width.
fn any_ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        (param(0), param(1)).prop_map(|(pos, len)| Op::Copy { pos, len }),
        literal().prop_map(Op::Literal),
    ];
    vec(op, 0..20)
}

/// A basis and operations whose COPYs stay inside it.
fn basis_and_ops() -> impl Strategy<Value = (Vec<u8>, Vec<Op>)> {
    let op = prop_oneof![
        (any::<Index>(), any::<Index>()).prop_map(|(p, l)| (Some((p, l)), Vec::new())),
        vec(any::<u8>(), 1..200).prop_map(|d| (None, d)),
    ];
    (vec(any::<u8>(), 1..3000), vec(op, 0..20)).prop_map(|(basis, specs)| {
        let ops = specs
            .into_iter()
            .map(|(copy, data)| match copy {
                Some((p, l)) => {
                    let pos = p.index(basis.len());
                    let len = 1 + l.index(basis.len() - pos);
                    Op::Copy {
                        pos: pos as u64,
                        len: len as u64,
                    }
                }
                None => Op::Literal(data),
            })
            .collect();
        (basis, ops)
    })
}

/// One command of a delta written by hand: any opcode (mostly LITERAL and
/// COPY ones, END among the others), with parameters
/// of the widths it names (values small, so that COPYs often fit a
/// basis, or any) and literal data of the length it names (or less, when
/// the length is large).
fn raw_command() -> impl Strategy<Value = Vec<u8>> {
    let value = prop_oneof![4 => 0u64..1200, 1 => any::<u64>()];
    let opcode = prop_oneof![
        4 => 0x01u8..=0x40,
        2 => 0x41u8..=0x44,
        4 => 0x45u8..=0x54,
        1 => any::<u8>(),
    ];
    (opcode, vec(value, 2), any::<u8>()).prop_map(|(op, values, fill)| {
        let mut cmd = vec![op];
        let widths: &[usize] = match op {
            0x41..=0x44 => &[[1, 2, 4, 8][(op - 0x41) as usize]],
            0x45..=0x54 => {
                let i = (op - 0x45) as usize;
                &[[1, 2, 4, 8][i / 4], [1, 2, 4, 8][i % 4]][..]
            }
            _ => &[],
        };
        let mut values_written = Vec::new();
        for (&w, &v) in widths.iter().zip(&values) {
            cmd.extend_from_slice(&v.to_be_bytes()[8 - w..]);
            values_written.push(if w == 8 { v } else { v & ((1 << (8 * w)) - 1) });
        }
        let literal_len = match op {
            0x01..=0x40 => op as u64,
            0x41..=0x44 => values_written[0],
            _ => 0,
        };
        cmd.extend((0..literal_len.min(1500)).map(|i| fill.wrapping_add(i as u8)));
        cmd
    })
}

/// Bytes for the decoders to judge: the delta magic and hand-written
/// commands and most often END and trailing bytes, sometimes cut short or
/// with one byte changed; or any bytes.
fn raw_delta() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        5 => (
            vec(raw_command(), 0..8),
            weighted(0.3, any::<Index>()),
            weighted(0.3, (any::<Index>(), 1u8..)),
            weighted(0.8, Just(())),
        )
            .prop_map(|(cmds, cut, flip, end)| {
                let mut d = librsync_rs::DELTA_MAGIC.to_be_bytes().to_vec();
                for c in cmds {
                    d.extend_from_slice(&c);
                }
                if end.is_some() {
                    d.extend_from_slice(&[0, 0x12, 0x34]);
                }
                if let Some(cut) = cut {
                    d.truncate(cut.index(d.len() + 1));
                }
                if let (Some((at, x)), false) = (flip, d.is_empty()) {
                    let at = at.index(d.len());
                    d[at] ^= x;
                }
                d
            }),
        1 => vec(any::<u8>(), 0..40),
    ]
}

/// Size of the basis the decoders' verdicts are compared with patch's on.
const VERDICT_BASIS: usize = 1 << 12;

// ------------------------------------------------------------ properties

proptest! {
    #![proptest_config(config(CASES))]

    /// Every delta the engine writes decodes and re-encodes to the same
    /// bytes; the streaming decoder yields the same operations; both keep
    /// the counters the patch job keeps.
    #[test]
    fn ops_reencode_engine_deltas(
        case in case(3000),
        chunk in prop_oneof![1usize..=8, 9usize..=5000],
        reads in schedule(),
    ) {
        let made = make(&case);
        let (slice, stats, offsets, consumed) = decode_slice(&made.delta);
        prop_assert_eq!(slice.error, None);
        prop_assert_eq!(slice.ops.last(), Some(&Op::End));
        prop_assert_eq!(consumed, made.delta.len());
        prop_assert_eq!(encode(&slice.ops), made.delta.clone());
        // Offsets: the magic, then each command's encoded length.
        let mut at = 4;
        for (op, &offset) in slice.ops.iter().zip(&offsets) {
            prop_assert_eq!(offset, at);
            at += op.as_delta_op().encoded_len() as usize;
        }
        prop_assert_eq!(at, made.delta.len());

        let (stream, stream_stats, stream_consumed, left) =
            decode_stream(&made.delta, chunk, &reads);
        prop_assert_eq!(&stream, &slice);
        prop_assert_eq!(&stream_stats, &stats);
        prop_assert_eq!(stream_consumed, made.delta.len() as u64);
        prop_assert_eq!(left, 0);

        // Pieces written back as they come give the same bytes too.
        let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
        for piece in DeltaDecoder::with_chunk_size(&made.delta[..], chunk) {
            enc.write_piece(&piece.unwrap()).unwrap();
        }
        prop_assert_eq!(enc.finish().unwrap(), made.delta.clone());

        // The counters are the patch job's.
        let mut patcher = PatchWriter::new(&case.basis[..], Vec::new());
        patcher.write_all(&made.delta).unwrap();
        patcher.try_finish().unwrap();
        prop_assert_eq!(counters(patcher.stats()), counters(&stats));
    }

    /// Arbitrary operations encode and decode back, with both decoders, in
    /// the lengths `encoded_len` gives; the encoder's counters are the
    /// decoders'.
    #[test]
    fn ops_encode_decode(ops_in in any_ops(), chunk in 1usize..3000, reads in schedule()) {
        let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
        for op in &ops_in {
            enc.write_op(&op.as_delta_op()).unwrap();
        }
        let enc_stats = enc.stats().clone();
        let delta = enc.finish().unwrap();
        let expected_len: u64 =
            4 + 1 + ops_in.iter().map(|op| op.as_delta_op().encoded_len()).sum::<u64>();
        prop_assert_eq!(delta.len() as u64, expected_len);

        let mut expected = ops_in.clone();
        expected.push(Op::End);
        let (slice, stats, _, consumed) = decode_slice(&delta);
        prop_assert_eq!(&slice.ops, &expected);
        prop_assert_eq!(slice.error, None);
        prop_assert_eq!(consumed, delta.len());
        prop_assert_eq!(counters(&stats), counters(&enc_stats));
        let (stream, _, _, _) = decode_stream(&delta, chunk, &reads);
        prop_assert_eq!(&stream, &slice);
        prop_assert_eq!(encode(&slice.ops), delta);
    }

    /// Operations inside a basis, encoded, patch to what the operations
    /// say, with the one-shot and with the adapters.
    #[test]
    fn ops_encoded_patch_as_expected((basis, ops_in) in basis_and_ops()) {
        let delta = encode(&ops_in);
        let expected = apply(&basis, &ops_in).unwrap();
        prop_assert_eq!(&patch_of(&basis, &delta).unwrap(), &expected);
        let out = read_with(PatchReader::new(&basis[..], &delta[..]), &[4096]).unwrap();
        prop_assert_eq!(&out, &expected);
    }

    /// A [`SizedBasis`] of an expected length fails a patch with
    /// `RS_CORRUPT` exactly when a COPY reaches past that length, and
    /// otherwise changes nothing; a basis shorter than expected changes
    /// nothing while the COPYs stay inside it.
    #[test]
    fn sized_basis_fails_exactly_the_copies_past_its_length(
        (basis, ops_in) in basis_and_ops(),
        expected_len in any::<Index>(),
        longer in 0u64..3,
    ) {
        let delta = encode(&ops_in);
        let reach = ops_in
            .iter()
            .map(|op| match op {
                Op::Copy { pos, len } => pos + len,
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        let plain = patch_of(&basis, &delta).unwrap();
        let expected_len = expected_len.index(basis.len() + 1) as u64 + longer;
        let sized = SizedBasis::new(&basis[..], expected_len);
        let r = PatchReader::new(sized, &delta[..]);
        let got = read_with(r, &[4096]).map_err(|e| io_code(&e));
        if reach <= expected_len {
            prop_assert_eq!(got, Ok(plain));
        } else {
            prop_assert_eq!(got, Err(CORRUPT));
        }
    }

    /// The encoder refuses an empty literal, a COPY of length 0 and
    /// parameters over `i64::MAX` with `RS_PARAM_ERROR`, writes nothing
    /// for them and goes on as if they had not been asked.
    #[test]
    fn ops_encoder_refuses_what_patch_rejects(
        (before, after) in (any_ops(), any_ops()),
        bad in prop_oneof![
            Just((0u64, 0u64, false)),
            (any::<u64>(), Just(0u64), Just(false)),
            ((i64::MAX as u64 + 1).., 1u64.., Just(false)),
            (0u64.., (i64::MAX as u64 + 1).., Just(false)),
            Just((0, 0, true)),
        ],
    ) {
        let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
        for op in &before {
            enc.write_op(&op.as_delta_op()).unwrap();
        }
        let written = enc.get_ref().len();
        let (pos, len, empty_literal) = bad;
        let refused = if empty_literal {
            enc.literal(&[])
        } else {
            enc.copy(pos, len)
        };
        prop_assert_eq!(refused.map_err(|e| e.code()), Err(PARAM_ERROR));
        prop_assert_eq!(enc.get_ref().len(), written);
        for op in &after {
            enc.write_op(&op.as_delta_op()).unwrap();
        }
        let mut all = before.clone();
        all.extend(after);
        prop_assert_eq!(enc.finish().unwrap(), encode(&all));
    }

    /// On any bytes, both decoders give the verdict of the patch job (with
    /// a basis that every COPY they read fits in) and the same error
    /// code; when they succeed, patch writes what the operations say, and
    /// re-encoding normalises the delta without changing its output.
    #[test]
    fn ops_verdict_is_patchs(
        delta in raw_delta(),
        chunk in 1usize..100,
        reads in schedule(),
    ) {
        let (slice, stats, _, consumed) = decode_slice(&delta);
        let (stream, stream_stats, stream_consumed, left) = decode_stream(&delta, chunk, &reads);
        prop_assert_eq!(&stream, &slice);
        prop_assert_eq!(&stream_stats, &stats);
        if slice.error.is_none() {
            prop_assert_eq!(stream_consumed, consumed as u64);
            prop_assert_eq!(left, delta.len() - consumed);
        }
        let basis: Vec<u8> = (0..VERDICT_BASIS).map(|i| (i % 251) as u8).collect();
        let Some(expected) = apply(&basis, &slice.ops) else {
            // A COPY past the basis: only patch can tell, and it fails.
            prop_assert!(patch_of(&basis, &delta).is_err());
            return Ok(());
        };
        let patched = patch_of(&basis, &delta);
        match slice.error {
            None => {
                prop_assert_eq!(patched.as_ref().map_err(|e| e.code()), Ok(&expected));
                let normal = encode(&slice.ops);
                prop_assert!(normal.len() <= consumed);
                prop_assert_eq!(patch_of(&basis, &normal).ok(), Some(expected));
                prop_assert_eq!(decode_slice(&normal).0, slice);
            }
            Some(code) => prop_assert_eq!(patched.map_err(|e| e.code()), Err(code)),
        }
    }

    /// On any bytes, the patch adapters give the one-shot's verdict (the
    /// same output, or the same error code) whatever the sizes of reads
    /// and writes: how a delta arrives does not change what patch says.
    #[test]
    fn patch_verdict_does_not_depend_on_chunking(
        delta in raw_delta(),
        basis_len in prop_oneof![Just(VERDICT_BASIS), 0usize..600],
        inner in schedule(),
        outer in schedule(),
    ) {
        let basis: Vec<u8> = (0..basis_len).map(|i| (i % 251) as u8).collect();
        let one_shot = patch_of(&basis, &delta).map_err(|e| e.code());
        let r = PatchReader::new(&basis[..], ScheduledReader::new(&delta, inner.as_slice()));
        let pulled = read_with(r, &outer).map_err(|e| io_code(&e));
        prop_assert_eq!(&pulled, &one_shot, "PatchReader");
        let mut w = PatchWriter::new(&basis[..], ScheduledSink::new(&inner));
        let pushed = match write_with(&mut w, &delta, &outer) {
            Ok(()) => w.finish().map(|sink| sink.out).map_err(|e| e.code()),
            Err(e) => Err(io_code(&e)),
        };
        prop_assert_eq!(&pushed, &one_shot, "PatchWriter");
    }

    /// Any signature that loads gives a well-formed delta for any new file:
    /// it decodes, its literals are the new file's bytes in place, its
    /// COPYs lie within the blocks the signature describes and add up with
    /// the literals to the new file's length. Loading gives the same
    /// verdict whether the bytes come at once or in pieces.
    #[test]
    fn any_loaded_signature_gives_a_well_formed_delta(
        case in case(1500),
        flips in vec((any::<Index>(), 1u8..), 0..4),
        cut in weighted(0.2, any::<Index>()),
        reads in schedule(),
    ) {
        let mut sig = make(&case).sig;
        for (at, x) in flips {
            let at = at.index(sig.len());
            sig[at] ^= x;
        }
        if let Some(cut) = cut {
            sig.truncate(cut.index(sig.len() + 1));
        }
        let loaded = load_signature_of(&sig);
        let streamed = load_signature(ScheduledReader::new(&sig, &reads), None);
        prop_assert_eq!(
            streamed.as_ref().map(|(s, _)| (s.block_len(), s.block_count())).map_err(|e| e.code()),
            loaded.as_ref().map(|s| (s.block_len(), s.block_count())).map_err(|e| e.code())
        );
        let Ok(loaded) = loaded else {
            return Ok(());
        };
        let delta = delta_of(&loaded, &case.new).unwrap();
        let (decoded, _, _, consumed) = decode_slice(&delta);
        prop_assert_eq!(decoded.error, None);
        prop_assert_eq!(consumed, delta.len());
        let covered = (loaded.block_len() * loaded.block_count()) as u64;
        let mut at = 0usize;
        for op in &decoded.ops {
            match op {
                Op::Literal(data) => {
                    prop_assert_eq!(&data[..], &case.new[at..at + data.len()]);
                    at += data.len();
                }
                Op::Copy { pos, len } => {
                    prop_assert!(pos + len <= covered, "COPY {pos}+{len} past {covered}");
                    at += *len as usize;
                }
                Op::End => {}
            }
        }
        prop_assert_eq!(at, case.new.len());
    }

    /// patch(basis, delta(signature(basis), new)) == new, for every format,
    /// block length and strong sum length of 4 bytes or more; with shorter
    /// sums a block can match by accident (as in librsync), so only the
    /// length and the literal data are checked.
    #[test]
    fn roundtrip_small(case in case(3000)) {
        check_roundtrip(&case)?;
    }

    /// The pull and push adapters, with any sizes of reads and writes on
    /// both sides (and interruptions), give the one-shots' bytes.
    #[test]
    fn adapters_match_one_shots(
        case in case(3000),
        inner in schedule(),
        outer in schedule(),
    ) {
        check_adapters(&case, &inner, &outer)?;
    }

    /// The whole-stream helpers give the one-shots' bytes whatever their
    /// buffer sizes (for a delta: against a signature with blocks; without,
    /// its commands follow the input buffers, as in C).
    #[test]
    fn whole_stream_helpers_match_one_shots(
        case in case(3000),
        input in 1usize..5000,
        output in 1usize..5000,
    ) {
        let made = make(&case);
        let sizes = BufferSizes { input, output };
        let mut sig = Vec::new();
        signature(&case.basis[..], &mut sig, &made.opts.buffers(sizes)).unwrap();
        prop_assert!(sig == made.sig, "signature");
        let (loaded, _) = load_signature(ScheduledReader::new(&sig, &[input]), None).unwrap();
        let mut d = Vec::new();
        let sizes_for_delta = if loaded.block_count() > 0 { sizes } else { BufferSizes { input: 0, output } };
        delta(&loaded, &case.new[..], &mut d, sizes_for_delta).unwrap();
        prop_assert!(d == made.delta, "delta");
        let mut out = Vec::new();
        patch(&case.basis[..], &made.delta[..], &mut out, sizes).unwrap();
        prop_assert!(out == patch_of(&case.basis, &made.delta).unwrap(), "patch");
    }

    /// The `_limited` one-shots (and the patch adapters `with_limit`)
    /// succeed exactly when the output fits the limit, with the bytes of
    /// the plain ones, and fail with `RS_CORRUPT` otherwise.
    #[test]
    fn limits_small(case in case(3000), slack in -3i64..=3, any_limit in 0usize..8000) {
        let made = make(&case);
        let out = patch_of(&case.basis, &made.delta).unwrap();
        for limit in [(out.len() as i64 + slack).max(0) as usize, any_limit] {
            match patch_of_limited(&case.basis, &made.delta, limit) {
                Ok(v) => {
                    prop_assert!(out.len() <= limit);
                    prop_assert_eq!(&v, &out);
                }
                Err(e) => {
                    prop_assert!(out.len() > limit, "patch failed within its limit: {e}");
                    prop_assert_eq!(e.code(), CORRUPT);
                }
            }
            // The patch adapters with the same limit give the same verdict.
            let expected = if out.len() <= limit { Ok(out.clone()) } else { Err(CORRUPT) };
            let r = PatchReader::with_limit(&case.basis[..], &made.delta[..], limit as u64);
            prop_assert_eq!(read_with(r, &[7, 4096]).map_err(|e| io_code(&e)), expected.clone());
            let mut w = PatchWriter::with_limit(&case.basis[..], Vec::new(), limit as u64);
            let written = match write_with(&mut w, &made.delta, &[5, 3000]) {
                Ok(()) => w.finish().map_err(|e| e.code()),
                Err(e) => Err(io_code(&e)),
            };
            prop_assert_eq!(written, expected);
        }
        for limit in [(made.delta.len() as i64 + slack).max(0) as usize, any_limit] {
            match delta_of_limited(&made.loaded, &case.new, limit) {
                Ok(v) => {
                    prop_assert!(made.delta.len() <= limit);
                    prop_assert_eq!(&v, &made.delta);
                }
                Err(e) => {
                    prop_assert!(made.delta.len() > limit, "delta failed within its limit: {e}");
                    prop_assert_eq!(e.code(), CORRUPT);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(config(BIG_CASES))]

    /// [`roundtrip_small`] and [`adapters_match_one_shots`] with files of a
    /// few hundred KiB, so that buffers fill and refill.
    #[test]
    fn roundtrip_and_adapters_big(case in big_case(), inner in schedule(), outer in schedule()) {
        check_roundtrip(&case)?;
        check_adapters(&case, &inner, &outer)?;
    }
}

/// Checks the round trip of `case` (see [`roundtrip_small`]).
fn check_roundtrip(case: &Case) -> Result<(), TestCaseError> {
    let made = make(case);
    let out = patch_of(&case.basis, &made.delta).unwrap();
    prop_assert_eq!(out.len(), case.new.len());
    let strong_len = made.opts.resolve().unwrap().strong_len;
    if strong_len >= 4 {
        prop_assert!(out == case.new, "patched output differs from new");
    }
    // Literal data is always the new file's, wherever it lands.
    let mut at = 0;
    for op in ops(&made.delta) {
        match op.unwrap() {
            DeltaOp::Literal(data) => {
                prop_assert_eq!(data, &case.new[at..at + data.len()]);
                at += data.len();
            }
            DeltaOp::Copy { pos, len } => {
                prop_assert!(pos + len <= case.basis.len() as u64);
                at += len as usize;
            }
            DeltaOp::End => {}
        }
    }
    Ok(())
}

/// Checks a pull adapter `$adapter` over `$input`: read to the end with
/// the read sizes `$sizes`, it yields `$expected`; its counters then equal
/// the input and output lengths and its statistics' `in_bytes` and
/// `out_bytes`; what its progress callback saw never decreased and never
/// passed them.
macro_rules! pull {
    ($adapter:expr, $input:expr, $expected:expr, $sizes:expr) => {{
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let mut r = $adapter.with_progress(move |p| log.lock().unwrap().push(p));
        let name = stringify!($adapter);
        prop_assert!(read_with(&mut r, $sizes).unwrap() == $expected, "{}", name);
        let end = Progress {
            consumed: $input.len() as u64,
            produced: $expected.len() as u64,
        };
        check_progress(name, r.progress(), r.stats(), &seen.lock().unwrap(), end)?;
    }};
}

/// Checks a push adapter `$adapter` fed `$input` with the write sizes
/// `$sizes`, as [`pull`] checks a pull adapter, its inner sink holding
/// `$expected` once finished.
macro_rules! push {
    ($adapter:expr, $input:expr, $expected:expr, $sizes:expr) => {{
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let mut w = $adapter.with_progress(move |p| log.lock().unwrap().push(p));
        let name = stringify!($adapter);
        write_with(&mut w, $input, $sizes).unwrap();
        w.try_finish().unwrap();
        let end = Progress {
            consumed: $input.len() as u64,
            produced: $expected.len() as u64,
        };
        check_progress(name, w.progress(), w.stats(), &seen.lock().unwrap(), end)?;
        prop_assert!(w.into_inner().out == $expected, "{}", name);
    }};
}

/// Checks an adapter's counters at its end: `progress` and the statistics'
/// byte counts equal `end`, and the callback's reports `seen` never
/// decreased nor passed `end`, and came at least once if any bytes moved.
fn check_progress(
    name: &str,
    progress: Progress,
    stats: &Stats,
    seen: &[Progress],
    end: Progress,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(progress, end, "{}", name);
    prop_assert_eq!(
        (stats.in_bytes as u64, stats.out_bytes as u64),
        (end.consumed, end.produced),
        "{} stats",
        name
    );
    prop_assert!(
        !seen.is_empty() || end == Progress::default(),
        "{}: no progress reported",
        name
    );
    let mut last = Progress::default();
    for &p in seen {
        prop_assert!(
            p.consumed >= last.consumed && p.produced >= last.produced,
            "{}: {:?} after {:?}",
            name,
            p,
            last
        );
        prop_assert!(
            p.consumed <= end.consumed && p.produced <= end.produced,
            "{}: {:?} past {:?}",
            name,
            p,
            end
        );
        last = p;
    }
    Ok(())
}

/// Checks that the adapters give the one-shots' bytes for `case` (and
/// count their progress right), with
/// the inner readers and writers moving `inner` bytes per call and the
/// caller reading or writing `outer` bytes per call.
fn check_adapters(case: &Case, inner: &[usize], outer: &[usize]) -> Result<(), TestCaseError> {
    let made = make(case);
    let out = patch_of(&case.basis, &made.delta).unwrap();

    let (basis, new, delta) = (&case.basis[..], &case.new[..], &made.delta[..]);
    let opts = &made.opts;
    pull!(
        SignatureReader::new(ScheduledReader::new(basis, inner), opts).unwrap(),
        basis,
        made.sig,
        outer
    );
    push!(
        SignatureWriter::new(ScheduledSink::new(inner), opts).unwrap(),
        basis,
        made.sig,
        outer
    );
    pull!(
        DeltaReader::new(&made.loaded, ScheduledReader::new(new, inner)).unwrap(),
        new,
        made.delta,
        outer
    );
    push!(
        DeltaWriter::new(&made.loaded, ScheduledSink::new(inner)).unwrap(),
        new,
        made.delta,
        outer
    );
    pull!(
        PatchReader::new(basis, ScheduledReader::new(delta, inner)),
        delta,
        out,
        outer
    );
    let seek_basis = SeekBasis::new(Cursor::new(basis));
    pull!(
        PatchReader::new(seek_basis, ScheduledReader::new(delta, inner)),
        delta,
        out,
        outer
    );
    push!(
        PatchWriter::new(basis, ScheduledSink::new(inner)),
        delta,
        out,
        outer
    );

    // A delta cut short fails the same way through every patch path.
    if made.delta.len() > 4 {
        let cut = &made.delta[..made.delta.len() - 1];
        let one_shot = patch_of(&case.basis, cut).map_err(|e| e.code());
        prop_assert_eq!(one_shot, Err(INPUT_ENDED));
        let r = PatchReader::new(&case.basis[..], ScheduledReader::new(cut, inner));
        let pulled = read_with(r, outer).map_err(|e| io_code(&e));
        prop_assert_eq!(pulled, Err(INPUT_ENDED));
        let mut w = PatchWriter::new(&case.basis[..], ScheduledSink::new(inner));
        write_with(&mut w, cut, outer).unwrap();
        prop_assert_eq!(
            w.finish().map(|_| ()).map_err(|e| e.code()),
            Err(INPUT_ENDED)
        );
    }
    Ok(())
}

// ------------------------------------------------ regressions (found above)

/// A signature of block length near 2^29 (loadable, with or without
/// blocks) makes `rs_delta_file`'s `int` output buffer size
/// `10 + 4 * block_len` wrap negative, and `rdiff delta` aborts; the Rust
/// API does not inherit that: `delta_of`, `delta` and the delta adapters
/// work for every block length (found by
/// `any_loaded_signature_gives_a_well_formed_delta`).
#[test]
fn delta_against_a_huge_block_length_works() {
    for (block_len, blocks) in [
        (1u32 << 29, 0),
        (1 << 29, 1),
        ((1 << 29) - 2, 0),
        ((1 << 29) - 3, 0),
        (1 << 30, 1),
        (i32::MAX as u32, 1),
    ] {
        let mut sig = RK_BLAKE2_MAGIC.to_be_bytes().to_vec();
        sig.extend_from_slice(&block_len.to_be_bytes());
        sig.extend_from_slice(&32u32.to_be_bytes());
        sig.resize(12 + blocks * 36, 0);
        let loaded = load_signature_of(&sig).unwrap();
        let delta = delta_of(&loaded, b"hello world").unwrap();
        assert_eq!(decode_slice(&delta).0.error, None, "block_len {block_len}");
        let mut pulled = Vec::new();
        DeltaReader::new(&loaded, &b"hello world"[..])
            .unwrap()
            .read_to_end(&mut pulled)
            .unwrap();
        assert_eq!(pulled, delta, "block_len {block_len}");
        let mut whole = Vec::new();
        librsync_rs::delta(
            &loaded,
            &b"hello world"[..],
            &mut whole,
            BufferSizes::default(),
        )
        .unwrap();
        assert_eq!(whole, delta, "block_len {block_len}");
    }
}
