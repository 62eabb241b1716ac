use super::*;
use crate::trace::{set_sink, Sink, TEST_LOCK};
use crate::{delta, load_signature, patch, signature, BufferSizes, SigMagic, SignatureOptions};

/// The test suite's one generator, with the `u64` bounds these tests use.
struct Rng(librsync_rs_scenarios::Rng);

/// The generator seeded with `seed`.
fn rng(seed: u64) -> Rng {
    Rng(librsync_rs_scenarios::Rng::new(seed))
}

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        self.0.bytes(n)
    }
}

/// An operation with its literal data owned, to compare the two decoders.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Own {
    Copy(u64, u64),
    Lit(Vec<u8>),
    End,
}

impl From<DeltaOp<'_>> for Own {
    fn from(op: DeltaOp<'_>) -> Own {
        match op {
            DeltaOp::Copy { pos, len } => Own::Copy(pos, len),
            DeltaOp::Literal(d) => Own::Lit(d.to_vec()),
            DeltaOp::End => Own::End,
        }
    }
}

/// Everything [`ops`] yields, up to the first error.
fn slice_ops(d: &[u8]) -> Result<Vec<Own>> {
    ops(d).map(|op| op.map(Own::from)).collect()
}

/// Everything a [`DeltaDecoder`] yields, literal pieces joined, up to the
/// first error; checks the pieces as it goes.
fn stream_ops(d: &[u8], chunk: usize) -> Result<Vec<Own>> {
    let mut out = Vec::new();
    let mut open: Option<Vec<u8>> = None;
    let mut dec = DeltaDecoder::with_chunk_size(d, chunk);
    for piece in dec.by_ref() {
        match piece? {
            DeltaPiece::Literal(p) => {
                assert!(!p.data.is_empty() && p.data.len() <= chunk.max(1));
                let mut data = open.take().unwrap_or_default();
                assert_eq!(p.is_first(), data.is_empty());
                assert_eq!(p.start, data.len() as u64);
                data.extend_from_slice(&p.data);
                if p.is_last() {
                    assert_eq!(data.len() as u64, p.total);
                    out.push(Own::Lit(data));
                } else {
                    open = Some(data);
                }
            }
            piece => {
                assert!(open.is_none(), "a literal was cut short");
                out.push(match piece {
                    DeltaPiece::Copy { pos, len } => Own::Copy(pos, len),
                    _ => Own::End,
                });
            }
        }
    }
    Ok(out)
}

/// Applies one operation to `out` by hand; a COPY beyond the basis fails
/// as patch's basis reads do.
fn apply_op(basis: &[u8], op: &Own, out: &mut Vec<u8>) -> Result<()> {
    match op {
        Own::Copy(pos, len) => {
            let end = pos
                .checked_add(*len)
                .ok_or(Error::new(ErrorKind::InputEnded))?;
            if end > basis.len() as u64 {
                return Err(Error::new(ErrorKind::InputEnded));
            }
            out.extend_from_slice(&basis[*pos as usize..end as usize]);
        }
        Own::Lit(d) => out.extend_from_slice(d),
        Own::End => {}
    }
    Ok(())
}

/// The operations applied to `basis` by hand.
fn apply(basis: &[u8], ops: &[Own]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for op in ops {
        apply_op(basis, op, &mut out)?;
    }
    Ok(out)
}

/// Patch as a model: the operations of `d` applied to `basis` one by one
/// as they are decoded, failing at the first that fails.
fn model_patch(basis: &[u8], d: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for op in ops(d) {
        apply_op(basis, &Own::from(op?), &mut out)?;
    }
    Ok(out)
}

/// Runs `f` with the log silenced.
fn quiet<T>(f: impl FnOnce() -> T) -> T {
    let _guard = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    set_sink(Sink::Silent);
    let r = f();
    set_sink(Sink::Silent);
    r
}

/// The real patch job's output and statistics.
fn patched(basis: &[u8], d: &[u8]) -> Result<(Vec<u8>, Stats)> {
    quiet(|| {
        let mut out = Vec::new();
        let stats = patch(basis, d, &mut out, BufferSizes::default())?;
        Ok((out, stats))
    })
}

/// The six command counters.
fn counters(s: &Stats) -> [i64; 6] {
    [
        s.lit_cmds as i64,
        s.lit_bytes,
        s.lit_cmdbytes,
        s.copy_cmds,
        s.copy_bytes,
        s.copy_cmdbytes,
    ]
}

/// Both decoders agree, and the model agrees with patch on `d`, whatever it
/// holds; returns patch's output or error.
fn check_agrees_with_patch(basis: &[u8], d: &[u8]) -> Result<Vec<u8>> {
    let sliced = slice_ops(d);
    for chunk in [1, 5, DEFAULT_CHUNK_SIZE] {
        assert_eq!(stream_ops(d, chunk), sliced, "chunk {chunk}: {d:02x?}");
    }
    let real = patched(basis, d);
    let model = model_patch(basis, d);
    assert_eq!(
        real.as_ref().map(|r| &r.0),
        model.as_ref(),
        "delta {:02x?}",
        &d[..d.len().min(64)]
    );
    if let Ok((_, stats)) = &real {
        let mut it = ops(d);
        it.by_ref().for_each(drop);
        assert_eq!(counters(it.stats()), counters(stats));
    }
    model
}

/// The checks on a delta the engine wrote for `new` against `basis`.
fn check_engine_delta(basis: &[u8], new: &[u8], d: &[u8], stats: &Stats) -> [usize; 4] {
    // The slice decoder: offsets, lengths, and the encoder's bytes.
    let mut it = ops(d);
    let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
    let mut list = Vec::new();
    let mut widths = [0usize; 4];
    while let Some(op) = it.next() {
        let op = op.unwrap();
        let at = enc.get_ref().len();
        assert_eq!(it.offset(), at);
        enc.write_op(&op).unwrap();
        assert_eq!(enc.get_ref().len() as u64 - at as u64, op.encoded_len());
        assert_eq!(&d[at..enc.get_ref().len()], &enc.get_ref()[at..]);
        if let DeltaOp::Literal(data) = op {
            widths[match data.len() {
                0..=64 => 0,
                65..=255 => 1,
                256..=65535 => 2,
                _ => 3,
            }] += 1;
        }
        list.push(Own::from(op));
    }
    assert_eq!(list.last(), Some(&Own::End));
    assert_eq!(it.consumed(), d.len());
    assert!(it.trailing().is_empty());
    assert_eq!(counters(it.stats()), counters(stats));
    assert_eq!(counters(enc.stats()), counters(stats));
    assert_eq!(
        enc.finish().unwrap(),
        d,
        "decode then encode is the identity"
    );

    // The streaming decoder, re-encoded piece by piece.
    let chunks: &[usize] = if d.len() < 70_000 {
        &[1, 7, 4096, DEFAULT_CHUNK_SIZE]
    } else {
        &[4096, DEFAULT_CHUNK_SIZE]
    };
    for &chunk in chunks {
        let mut dec = DeltaDecoder::with_chunk_size(d, chunk);
        let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
        for piece in dec.by_ref() {
            enc.write_piece(&piece.unwrap()).unwrap();
        }
        assert_eq!(dec.consumed(), d.len() as u64);
        assert_eq!(counters(dec.stats()), counters(stats));
        assert_eq!(enc.finish().unwrap(), d, "chunk {chunk}");
        assert_eq!(stream_ops(d, chunk).unwrap(), list, "chunk {chunk}");
    }

    // Applying the operations by hand is patching.
    assert_eq!(apply(basis, &list).unwrap(), new);
    let (out, patch_stats) = patched(basis, d).unwrap();
    assert_eq!(out, new);
    assert_eq!(counters(&patch_stats), counters(stats));
    widths
}

/// The delta the engine writes for `new` against the signature of `basis`.
fn engine_delta(
    basis: &[u8],
    new: &[u8],
    magic: SigMagic,
    block_len: usize,
    sizes: BufferSizes,
) -> (Vec<u8>, Stats) {
    let opts = SignatureOptions::new().magic(magic).block_len(block_len);
    let mut sig = Vec::new();
    signature(basis, &mut sig, &opts).unwrap();
    let (sig, _) = load_signature(&sig[..], None).unwrap();
    let mut d = Vec::new();
    let stats = delta(&sig, new, &mut d, sizes).unwrap();
    (d, stats)
}

/// New files made from `basis` by edits of many kinds.
fn edits(rng: &mut Rng, basis: &[u8]) -> Vec<Vec<u8>> {
    let n = basis.len();
    let mid = n / 2;
    let mut v = vec![
        basis.to_vec(),
        Vec::new(),
        rng.bytes(n.min(5000) + 3),
        [basis, &rng.bytes(100)[..]].concat(),
        [&rng.bytes(300)[..], basis].concat(),
        [&basis[..mid], &rng.bytes(70)[..], &basis[mid..]].concat(),
        [&basis[..mid / 2], &basis[mid..]].concat(),
        [&basis[mid..], &basis[..mid]].concat(),
        [basis, basis].concat(),
    ];
    let mut flipped = basis.to_vec();
    for _ in 0..1 + n / 3000 {
        if n > 0 {
            let i = rng.below(n as u64) as usize;
            flipped[i] ^= 0x5a;
        }
    }
    v.push(flipped);
    v
}

#[test]
fn engine_deltas_round_trip() {
    let mut rng = rng(0x1234_5678_9abc_def1);
    let mut widths = [0usize; 4];
    let mut cases = 0;
    for size in [0usize, 1, 100, 10_000, 300_000] {
        let basis = rng.bytes(size);
        let news = edits(&mut rng, &basis);
        for (m, magic) in SigMagic::ALL.into_iter().enumerate() {
            for (b, block_len) in [16usize, 64, 700, 2048].into_iter().enumerate() {
                // Every combination on small bases; a rotation of them on
                // the large one.
                if size == 300_000 && (m + b) % 4 != 0 {
                    continue;
                }
                for new in &news {
                    let (d, stats) =
                        engine_delta(&basis, new, magic, block_len, BufferSizes::default());
                    let w = check_engine_delta(&basis, new, &d, &stats);
                    (0..4).for_each(|i| widths[i] += w[i]);
                    cases += 1;
                }
            }
        }
    }
    // Slack mode (a signature with no blocks), with literals of a whole
    // input buffer.
    for (len, input) in [(0usize, 0usize), (5, 0), (100_000, 70_000), (300_000, 0)] {
        let new = rng.bytes(len);
        let sizes = BufferSizes { input, output: 0 };
        let (d, stats) = engine_delta(&[], &new, SigMagic::Md4, 2048, sizes);
        let w = check_engine_delta(&[], &new, &d, &stats);
        (0..4).for_each(|i| widths[i] += w[i]);
        cases += 1;
    }
    assert!(cases > 400);
    assert!(widths.iter().all(|&w| w > 0), "literal widths {widths:?}");
}

#[test]
fn every_opcode_gets_patchs_verdict() {
    let basis: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    for fill in [0x00u8, 0x01, 0x02, 0x7f, 0x80, 0xff] {
        for op in 0..=255u8 {
            let mut d = DELTA_MAGIC.to_be_bytes().to_vec();
            d.push(op);
            d.extend_from_slice(&[fill; 16]);
            d.extend_from_slice(&[0; 300]);
            check_agrees_with_patch(&basis, &d).ok();
            let first = ops(&d).next().unwrap().map(Own::from);
            match (op, fill) {
                (0, _) => assert_eq!(first, Ok(Own::End)),
                (1..=64, _) => assert_eq!(first, Ok(Own::Lit(d[5..5 + op as usize].to_vec()))),
                (0x41..=0x54, 0) => {
                    assert_eq!(first, Err(Error::new(ErrorKind::Corrupt)), "{op:#x}")
                }
                // 8-byte values with the top bit set are negative.
                (0x44 | 0x48 | 0x4c | 0x50..=0x54, 0x80 | 0xff) => {
                    assert_eq!(first, Err(Error::new(ErrorKind::Corrupt)), "{op:#x}")
                }
                (0x55..=0xff, _) => assert_eq!(first, Err(Error::new(ErrorKind::Corrupt))),
                (0x41..=0x54, _) => {
                    assert!(first.is_ok() || first == Err(Error::new(ErrorKind::InputEnded)))
                }
            }
        }
        // The opcode alone.
        for op in 0..=255u8 {
            let d = [0x72, 0x73, 0x02, 0x36, op];
            let want = match op {
                0 => Ok(vec![]),
                0x55..=0xff => Err(Error::new(ErrorKind::Corrupt)),
                _ => Err(Error::new(ErrorKind::InputEnded)),
            };
            assert_eq!(check_agrees_with_patch(&basis, &d), want, "{op:#x}");
        }
    }
}

#[test]
fn magic_errors() {
    for d in [
        &[][..],
        &[0x72][..],
        &[0x72, 0x73, 0x02][..],
        &[0x72, 0x73, 0x02, 0x36][..],
    ] {
        assert_eq!(
            check_agrees_with_patch(b"", d),
            Err(Error::new(ErrorKind::InputEnded))
        );
    }
    for d in [
        &[0x72, 0x73, 0x02, 0x37, 0][..],
        &[0, 0, 0, 0][..],
        &[0x72, 0x73, 0x01, 0x36][..],
    ] {
        assert_eq!(
            check_agrees_with_patch(b"", d),
            Err(Error::new(ErrorKind::BadMagic))
        );
        let mut it = ops(d);
        assert!(it.next().unwrap().is_err());
        assert_eq!((it.offset(), it.consumed()), (0, 0));
        assert!(it.next().is_none());
    }
}

/// A delta with every command form: immediate and N1/N2/N4 literals and
/// COPY with each of the 16 width pairs.
fn every_form_delta(with_long_literals: bool) -> Vec<u8> {
    let mut rng = rng(99);
    let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
    let values = [3u64, 300, 70_000, 1 << 33];
    for pos in values {
        for len in values {
            enc.copy(pos, len).unwrap();
        }
    }
    let lens: &[usize] = if with_long_literals {
        &[1, 64, 65, 255, 256, 65535, 65536, 100_000]
    } else {
        &[1, 2, 64, 65, 255, 256, 300]
    };
    for &len in lens {
        enc.literal(&rng.bytes(len)).unwrap();
        enc.copy(7, 9).unwrap();
    }
    enc.finish().unwrap()
}

#[test]
fn every_form_decodes_with_its_opcode() {
    let d = every_form_delta(true);
    let mut it = ops(&d);
    let mut opcodes = Vec::new();
    while let Some(op) = it.next() {
        let op = op.unwrap();
        let byte = d[it.offset()];
        opcodes.push(byte);
        match op {
            DeltaOp::Copy { pos, len } => {
                let want = 0x45 + 4 * width_index(pos) + width_index(len);
                assert_eq!(byte, want);
            }
            DeltaOp::Literal(data) if data.len() <= 64 => assert_eq!(byte, data.len() as u8),
            DeltaOp::Literal(data) => {
                assert_eq!(byte, 0x41 + width_index(data.len() as u64))
            }
            DeltaOp::End => assert_eq!(byte, 0),
        }
    }
    for op in 0x41..=0x54u8 {
        if op != 0x44 {
            assert!(opcodes.contains(&op), "{op:#x}");
        }
    }
    // A basis too short for the long copies: patch fails on them as the
    // model does.
    assert_eq!(
        check_agrees_with_patch(&[1; 100], &d),
        Err(Error::new(ErrorKind::InputEnded))
    );
}

fn width_index(v: u64) -> u8 {
    match int_len(v) {
        1 => 0,
        2 => 1,
        4 => 2,
        _ => 3,
    }
}

#[test]
fn truncation_anywhere_is_input_ended() {
    let basis: Vec<u8> = (0..=255u8).cycle().take(80_000).collect();
    let small = every_form_delta(false);
    for cut in 0..small.len() {
        let d = &small[..cut];
        assert_eq!(
            check_agrees_with_patch(&basis, d),
            Err(Error::new(ErrorKind::InputEnded)),
            "{cut}"
        );
    }
    // The long delta: cuts around each command boundary and at random.
    let long = every_form_delta(true);
    let mut cuts: Vec<usize> = Vec::new();
    let mut it = ops(&long);
    while it.next().is_some() {
        let at = it.offset();
        cuts.extend(at.saturating_sub(3)..(at + 4).min(long.len()));
    }
    let mut rng = rng(7);
    cuts.extend((0..100).map(|_| rng.below(long.len() as u64) as usize));
    for cut in cuts {
        let d = &long[..cut];
        assert_eq!(
            slice_ops(d),
            Err(Error::new(ErrorKind::InputEnded)),
            "{cut}"
        );
        assert_eq!(
            stream_ops(d, 1000),
            Err(Error::new(ErrorKind::InputEnded)),
            "{cut}"
        );
        assert_eq!(
            patched(&basis, d).map(|_| ()),
            Err(Error::new(ErrorKind::InputEnded)),
            "{cut}"
        );
    }
}

#[test]
fn random_deltas_agree_with_patch() {
    let basis: Vec<u8> = rng(3).bytes(3000);
    let mut rng = rng(0xfeed);
    let mut verdicts = [0usize; 4];
    for _ in 0..3000 {
        let mut d = DELTA_MAGIC.to_be_bytes().to_vec();
        for _ in 0..rng.below(6) {
            match rng.below(10) {
                0..=2 => {
                    let n = 1 + rng.below(100) as usize;
                    let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
                    enc.literal(&rng.bytes(n)).unwrap();
                    d.extend_from_slice(&enc.get_ref()[4..]);
                }
                3..=5 => {
                    // A COPY in any widths, with values near the basis end.
                    let op = 0x45 + rng.below(16) as u8;
                    let cmd = Command::decode(op);
                    let Command::Copy {
                        pos_width,
                        len_width,
                    } = cmd
                    else {
                        unreachable!()
                    };
                    let pos = rng.below(3100);
                    let len = rng.below(200);
                    d.push(op);
                    d.extend_from_slice(&pos.to_be_bytes()[8 - pos_width as usize..]);
                    d.extend_from_slice(&len.to_be_bytes()[8 - len_width as usize..]);
                }
                6 => d.push(rng.next() as u8),
                7 => {
                    // A LITERAL_Nx with any length.
                    d.push(0x41 + rng.below(4) as u8);
                    let n = rng.below(9) as usize;
                    d.extend_from_slice(&rng.bytes(n));
                }
                8 => {
                    let n = rng.below(20) as usize;
                    d.extend_from_slice(&rng.bytes(n));
                }
                _ => d.push(0),
            }
        }
        if rng.below(4) == 0 {
            d.push(0);
        }
        if rng.below(5) == 0 {
            let cut = rng.below(d.len() as u64 + 1) as usize;
            d.truncate(cut);
        }
        let v = match check_agrees_with_patch(&basis, &d) {
            Ok(_) => 0,
            Err(e) if e.kind() == ErrorKind::InputEnded => 1,
            Err(e) if e.kind() == ErrorKind::Corrupt => 2,
            Err(_) => 3,
        };
        verdicts[v] += 1;
    }
    assert!(verdicts[0] > 100 && verdicts[1] > 100 && verdicts[2] > 100);
    assert_eq!(verdicts[3], 0);
}

#[test]
fn large_values_encode_and_decode() {
    let values = [
        0u64,
        1,
        64,
        65,
        255,
        256,
        65535,
        65536,
        u32::MAX as u64,
        1 << 32,
        i64::MAX as u64,
    ];
    let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
    let mut want = Vec::new();
    for pos in values {
        for len in values.into_iter().filter(|&l| l > 0) {
            enc.copy(pos, len).unwrap();
            want.push(Own::Copy(pos, len));
        }
    }
    want.push(Own::End);
    let d = enc.finish().unwrap();
    assert_eq!(slice_ops(&d).unwrap(), want);
    assert_eq!(stream_ops(&d, 3).unwrap(), want);
    // COPY(2^32, 2^33) takes the widest form.
    let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
    enc.copy(1 << 32, 1 << 33).unwrap();
    let d = enc.finish().unwrap();
    assert_eq!(d[4], 0x54);
    assert_eq!(d.len(), 4 + 17 + 1);
    assert_eq!(
        ops(&d).next().unwrap().unwrap(),
        DeltaOp::Copy {
            pos: 1 << 32,
            len: 1 << 33
        }
    );

    // What patch rejects, the encoder refuses.
    let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
    let big = i64::MAX as u64 + 1;
    assert_eq!(enc.copy(0, 0), Err(Error::new(ErrorKind::Param)));
    assert_eq!(enc.copy(big, 1), Err(Error::new(ErrorKind::Param)));
    assert_eq!(enc.copy(0, big), Err(Error::new(ErrorKind::Param)));
    assert_eq!(
        enc.copy(u64::MAX, u64::MAX),
        Err(Error::new(ErrorKind::Param))
    );
    assert_eq!(enc.literal(&[]), Err(Error::new(ErrorKind::Param)));
    assert_eq!(enc.begin_literal(0), Err(Error::new(ErrorKind::Param)));
    assert_eq!(enc.begin_literal(big), Err(Error::new(ErrorKind::Param)));
    assert_eq!(enc.finish().unwrap(), [0x72, 0x73, 0x02, 0x36, 0]);

    // ... and the decoders reject: negative values, and zero lengths.
    let m = DELTA_MAGIC.to_be_bytes();
    let neg = big.to_be_bytes();
    let cases: [(Vec<u8>, Error); 5] = [
        (
            [&m[..], &[0x54], &neg, &[0, 0, 0, 0, 0, 0, 0, 1]].concat(),
            Error::new(ErrorKind::Corrupt),
        ),
        (
            [&m[..], &[0x51], &neg, &[1]].concat(),
            Error::new(ErrorKind::Corrupt),
        ),
        (
            [&m[..], &[0x48, 0], &neg].concat(),
            Error::new(ErrorKind::Corrupt),
        ),
        (
            [&m[..], &[0x44], &neg].concat(),
            Error::new(ErrorKind::Corrupt),
        ),
        (
            [&m[..], &[0x42, 0, 0]].concat(),
            Error::new(ErrorKind::Corrupt),
        ),
    ];
    for (d, e) in cases {
        assert_eq!(check_agrees_with_patch(b"abc", &d), Err(e));
    }
    // A huge literal length with no data: no allocation, InputEnded.
    for len in [1u64 << 62, i64::MAX as u64, u32::MAX as u64] {
        let d = [&m[..], &[0x44], &len.to_be_bytes()].concat();
        assert_eq!(slice_ops(&d), Err(Error::new(ErrorKind::InputEnded)));
        assert_eq!(
            stream_ops(&d, DEFAULT_CHUNK_SIZE),
            Err(Error::new(ErrorKind::InputEnded))
        );
    }
}

/// Records the lengths of all writes and the bytes of short ones.
#[derive(Default)]
struct Recorder {
    len: u64,
    short: Vec<(u64, Vec<u8>)>,
}

impl Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() <= 8 {
            self.short.push((self.len, buf.to_vec()));
        }
        self.len += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn literals_beyond_one_command_are_split() {
    let total = 2 * MAX_LITERAL_COMMAND + 5;
    let mut enc = DeltaEncoder::new(Recorder::default()).unwrap();
    enc.begin_literal(total).unwrap();
    let buf = vec![0u8; 1 << 20];
    let mut left = total;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        enc.literal_data(&buf[..n]).unwrap();
        left -= n as u64;
    }
    assert_eq!(enc.literal_data(&[0]), Err(Error::new(ErrorKind::Param)));
    assert_eq!(enc.stats().lit_cmds, 3);
    assert_eq!(enc.stats().lit_bytes, total as i64);
    assert_eq!(enc.stats().lit_cmdbytes, 5 + 5 + 1);
    let rec = enc.finish().unwrap();
    let full = 4 + 5 + MAX_LITERAL_COMMAND;
    let header = vec![0x43, 0x7f, 0xff, 0xff, 0xff];
    for (at, bytes) in [
        (0, DELTA_MAGIC.to_be_bytes().to_vec()),
        (4, header.clone()),
        (full, header),
        (full + 5 + MAX_LITERAL_COMMAND, vec![5]),
        (4 + total + 11, vec![0]),
    ] {
        assert!(rec.short.contains(&(at, bytes.clone())), "{at} {bytes:x?}");
    }
    assert_eq!(rec.len, 4 + total + 11 + 1);
    assert_eq!(literal_encoded_len(total), total + 11);
    assert_eq!(
        literal_encoded_len(MAX_LITERAL_COMMAND),
        MAX_LITERAL_COMMAND + 5
    );
    assert_eq!(literal_encoded_len(64), 65);
    assert_eq!(literal_encoded_len(65), 67);
}

#[test]
fn encoder_refuses_misuse() {
    let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
    enc.begin_literal(3).unwrap();
    enc.literal_data(b"a").unwrap();
    assert_eq!(enc.copy(0, 1), Err(Error::new(ErrorKind::Param)));
    assert_eq!(enc.literal(b"x"), Err(Error::new(ErrorKind::Param)));
    assert_eq!(enc.end(), Err(Error::new(ErrorKind::Param)));
    assert_eq!(enc.literal_data(b"bcd"), Err(Error::new(ErrorKind::Param)));
    enc.literal_data(b"bc").unwrap();
    enc.literal_data(b"").unwrap();
    assert_eq!(enc.literal_data(b"d"), Err(Error::new(ErrorKind::Param)));
    enc.end().unwrap();
    assert_eq!(enc.end(), Err(Error::new(ErrorKind::Param)));
    assert_eq!(enc.copy(0, 1), Err(Error::new(ErrorKind::Param)));
    assert_eq!(
        enc.finish().unwrap(),
        [0x72, 0x73, 0x02, 0x36, 3, b'a', b'b', b'c', 0]
    );

    let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
    enc.begin_literal(2).unwrap();
    assert_eq!(enc.finish().unwrap_err().kind(), ErrorKind::Param);

    // A piece that does not continue the open literal.
    let piece = |data: &[u8], start, total| {
        DeltaPiece::Literal(LiteralPiece {
            data: data.to_vec(),
            start,
            total,
        })
    };
    let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
    assert_eq!(
        enc.write_piece(&piece(b"b", 1, 2)),
        Err(Error::new(ErrorKind::Param))
    );
    enc.write_piece(&piece(b"a", 0, 3)).unwrap();
    assert_eq!(
        enc.write_piece(&piece(b"c", 2, 3)),
        Err(Error::new(ErrorKind::Param))
    );
    enc.write_piece(&piece(b"bc", 1, 3)).unwrap();
    enc.write_piece(&DeltaPiece::End).unwrap();
    assert_eq!(
        enc.finish().unwrap(),
        [0x72, 0x73, 0x02, 0x36, 3, b'a', b'b', b'c', 0]
    );
}

#[test]
fn nothing_is_read_after_end() {
    let d = [
        0x72, 0x73, 0x02, 0x36, 0x02, b'h', b'i', 0x45, 1, 2, 0, 0xee, 0x55,
    ];
    let mut it = ops(&d);
    let mut offsets = Vec::new();
    while let Some(op) = it.next() {
        op.unwrap();
        offsets.push(it.offset());
    }
    assert_eq!(offsets, [4, 7, 10]);
    assert_eq!(it.consumed(), 11);
    assert_eq!(it.trailing(), [0xee, 0x55]);
    assert!(it.next().is_none());
    let mut dec = DeltaDecoder::new(&d[..]);
    assert_eq!(dec.by_ref().count(), 3);
    assert_eq!((dec.offset(), dec.consumed()), (10, 11));
    assert!(dec.next().is_none());
    assert_eq!(dec.into_inner(), [0xee, 0x55]);
    assert_eq!(patched(b"abcd", &d).unwrap().0, b"hibc");
    assert_eq!(check_agrees_with_patch(b"abcd", &d).unwrap(), b"hibc");
    // An error's offset is its command's.
    let bad = [0x72, 0x73, 0x02, 0x36, 0x45, 1, 2, 0x60];
    let mut it = ops(&bad);
    assert!(it.next().unwrap().is_ok());
    assert_eq!(it.next(), Some(Err(Error::new(ErrorKind::Corrupt))));
    assert_eq!((it.offset(), it.consumed()), (7, 7));
    assert_eq!(it.next(), None);
}

/// A reader that fails, or is interrupted, at a given point.
struct Flaky<'a> {
    data: &'a [u8],
    fail_at: usize,
    kind: io::ErrorKind,
    done: bool,
}

impl Read for Flaky<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.data.len() <= self.fail_at && !self.done {
            self.done = true;
            return Err(io::Error::new(self.kind, "flaky"));
        }
        // One byte at a time, to test short reads.
        let n = buf.len().min(self.data.len()).min(1);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn decoder_reader_errors() {
    let d = every_form_delta(false);
    let want = slice_ops(&d).unwrap();
    for left in [d.len(), d.len() - 1, 30, 1] {
        let flaky = Flaky {
            data: &d,
            fail_at: left,
            kind: io::ErrorKind::Interrupted,
            done: false,
        };
        let got: Result<Vec<_>> = DeltaDecoder::new(flaky).collect();
        assert_eq!(got.unwrap().len(), want.len());
        let flaky = Flaky {
            data: &d,
            fail_at: left,
            kind: io::ErrorKind::PermissionDenied,
            done: false,
        };
        let mut dec = DeltaDecoder::new(flaky);
        let err = dec.by_ref().find_map(|r| r.err()).unwrap();
        assert_eq!(
            err.io_error().map(io::Error::kind),
            Some(io::ErrorKind::PermissionDenied)
        );
        assert_eq!(dec.consumed(), (d.len() - left) as u64);
        assert!(dec.next().is_none());
    }
}
