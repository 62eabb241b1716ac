//! The bad-input catalogue, as data: every hand-made signature (S1–S16)
//! and delta (P1–P21) of docs `bad-inputs.md` §5.1/§5.2, with the result
//! code librsync 2.3.2 gives for it, plus the valid controls and the other
//! corruptions (cuts, flipped sums) they are run with.
//!
//! Every subject runs the whole list: the library (through the whole-stream
//! API and through `Job::process` with 1-byte buffers), our `rdiff` against
//! Debian's, and Debian's `rdiff` on our `librsync.so.2` against Debian's
//! own (see [`crate::shell::bad_signatures`] and [`crate::shell::bad_deltas`]).
//! Signatures are loaded by `delta SIG NEW`, deltas applied by
//! `patch BASIS DELTA` to [`basis`].

use crate::bytes::*;
use crate::Rng;

/// One row of the catalogue.
#[derive(Clone, Debug)]
pub struct BadInput {
    /// The row of bad-inputs.md (`"S7"`, `"P12"`), or `"X"` for controls and
    /// other corruptions that are not a row of the table.
    pub id: &'static str,
    /// What this instance of the row is.
    pub case: String,
    pub bytes: Vec<u8>,
    /// The `rs_result` of loading the signature (or of `rdiff delta`), or
    /// of applying the delta to [`basis`] (or of `rdiff patch`).
    pub code: i32,
    /// `rdiff`'s exit code when it is not `code` (`None`: not fixed; P19
    /// depends on whether the basis file can seek that far).
    pub rdiff_code: Option<i32>,
    /// Deltas: the output of the patch when streamed with 1-byte buffers.
    pub streamed: Option<Vec<u8>>,
    /// Deltas: the output of the whole-stream patch.
    pub whole: Option<Vec<u8>>,
    /// Deltas: the input bytes a 1-byte streaming run consumes.
    pub consumed: Option<usize>,
}

impl BadInput {
    fn new(id: &'static str, case: impl Into<String>, bytes: Vec<u8>, code: i32) -> BadInput {
        BadInput {
            id,
            case: case.into(),
            bytes,
            code,
            rdiff_code: Some(code),
            streamed: None,
            whole: None,
            consumed: None,
        }
    }

    fn streamed(mut self, out: &[u8]) -> BadInput {
        self.streamed = Some(out.to_vec());
        self
    }

    fn whole(mut self, out: &[u8]) -> BadInput {
        self.whole = Some(out.to_vec());
        self
    }

    /// `ID case`, for messages and test names.
    pub fn name(&self) -> String {
        format!("{} {}", self.id, self.case)
    }
}

/// The 1000-byte basis every delta of the catalogue is applied to, and
/// whose signatures the signature rows cut and garble.
pub fn basis() -> Vec<u8> {
    Rng::new(1000).bytes(1000)
}

/// The new file the signature rows are diffed against by `rdiff delta`.
pub fn new_file() -> Vec<u8> {
    let b = basis();
    Rng::new(1001).mutate(&b, 3)
}

/// Makes a real signature: `sign(data, magic, block_len, strong_len)`.
pub type Signer<'a> = &'a dyn Fn(&[u8], u32, u32, u32) -> Vec<u8>;

/// The signature rows that are fixed bytes: (row, case, hex, result code).
pub const SIGNATURE_ROWS: &[(&str, &str, &str, i32)] = &[
    ("S1", "empty", "", INPUT_ENDED),
    ("S3", "header", "deadbeef 00000800 00000020", BAD_MAGIC),
    ("S5", "delta magic", "72730236 00000800 00000020", BAD_MAGIC),
    ("S6", "header", "00000000 00000800 00000020", DONE),
    ("S7", "bad magic too", "deadbeef 00000000 00000020", CORRUPT),
    ("S8", "header", "72730147 7fffffff 00000020", DONE),
    // C sizes its delta buffers as 10 + 4 * block_len (an int).
    (
        "S8",
        "block_len 0x3ffffffe",
        "72730147 3ffffffe 00000020",
        DONE,
    ),
    (
        "S8",
        "block_len 0x40000000",
        "72730147 40000000 00000020",
        DONE,
    ),
    (
        "S10",
        "block 64 strong 33",
        "72730147 00000040 00000021",
        CORRUPT,
    ),
    ("S12", "block 256", "72730147 00000100 00000020", DONE),
];

/// The signature rows: [`SIGNATURE_ROWS`], then the families built from
/// headers, made-up blocks and real signatures of [`basis`], which `sign`
/// makes (the library in the core's tests, the reference rdiff in the
/// others: the same bytes). Within a row, the fixed cases come first.
pub fn bad_signatures(sign: Signer) -> Vec<BadInput> {
    let b = basis();
    // 16 blocks of 64 bytes, 36-byte records (BLAKE2, 32-byte sums).
    let real = sign(&b, RK_BLAKE2_MAGIC, 64, 32);
    assert_eq!(real.len(), 12 + 16 * 36);
    let (blocks, block) = (&real[12..], &real[12..12 + 36]);
    let real_md4 = sign(&b, MD4_MAGIC, 64, 16);
    let rk512 = sign(&b, RK_BLAKE2_MAGIC, 512, 8);
    let md4_512 = sign(&b, MD4_MAGIC, 512, 8);
    assert_eq!((rk512.len(), md4_512.len()), (36, 36));
    let mut v: Vec<BadInput> = SIGNATURE_ROWS
        .iter()
        .map(|&(id, case, bytes, code)| BadInput::new(id, case, hex(bytes), code))
        .collect();
    let mut add = |id, case: String, bytes, code| v.push(BadInput::new(id, case, bytes, code));
    let with = |mut sig: Vec<u8>, weak, strong_len, seed| {
        push_block(&mut sig, weak, strong_len, seed);
        sig
    };
    let deadbeef = sig_header(0xdead_beef, 0x800, 0x20);

    // S2 a truncated header; S3 an unknown magic; S4 the same, truncated.
    for magic in [RK_BLAKE2_MAGIC, MD4_MAGIC] {
        let header = sig_header(magic, 2048, 8);
        for n in 1..12 {
            add(
                "S2",
                format!("{magic:08x} {n} bytes"),
                header[..n].to_vec(),
                INPUT_ENDED,
            );
        }
    }
    for n in [1, 4, 6, 11] {
        add(
            "S2",
            format!("real {n} bytes"),
            real[..n].to_vec(),
            INPUT_ENDED,
        );
    }
    add(
        "S3",
        "with a block".into(),
        with(deadbeef.clone(), 1, 32, 1),
        BAD_MAGIC,
    );
    for n in 4..12 {
        add(
            "S4",
            format!("{n} bytes"),
            deadbeef[..n].to_vec(),
            INPUT_ENDED,
        );
    }

    // S6 magic 0 is RabinKarp + BLAKE2.
    add(
        "S6",
        "one block".into(),
        with(sig_header(0, 2048, 32), 0x1234_5678, 32, 6),
        DONE,
    );
    let h64 = sig_header(0, 64, 32);
    add(
        "S6",
        "block 64, a real block".into(),
        [&h64, block].concat(),
        DONE,
    );
    add(
        "S6",
        "block 64, real blocks".into(),
        [&h64, blocks].concat(),
        DONE,
    );

    // S7 block_len 0 or negative; S8 block_len i32::MAX.
    for len in [0, 0x8000_0000, 0x8000_0001, 0xffff_ffff] {
        let sig = sig_header(RK_BLAKE2_MAGIC, len, 32);
        add("S7", format!("{len:08x}"), sig.clone(), CORRUPT);
        add(
            "S7",
            format!("{len:08x} with a block"),
            with(sig, 7, 32, 7),
            CORRUPT,
        );
    }
    let s8 = sig_header(RK_BLAKE2_MAGIC, 0x7fff_ffff, 32);
    add("S8", "one block".into(), with(s8, 8, 32, 8), DONE);

    // S9 strong_len 0 means the maximum (blocks are read at that length).
    for (magic, full) in [
        (RK_BLAKE2_MAGIC, 32),
        (BLAKE2_MAGIC, 32),
        (MD4_MAGIC, 16),
        (RK_MD4_MAGIC, 16),
    ] {
        let sig = with(with(sig_header(magic, 512, 0), 1, full, 1), 2, full, 2);
        add("S9", format!("{magic:08x}"), sig, DONE);
    }
    let h = sig_header(RK_BLAKE2_MAGIC, 64, 0);
    add("S9", "real blocks".into(), [&h, blocks].concat(), DONE);
    let h = sig_header(MD4_MAGIC, 64, 0);
    add(
        "S9",
        "real md4 blocks".into(),
        [&h, &real_md4[12..]].concat(),
        DONE,
    );

    // S10 strong_len too long or negative; S11 MD4 over 16 (16 is fine).
    for magic in [RK_BLAKE2_MAGIC, MD4_MAGIC, 0xdead_beef] {
        for len in [33, 0x100, 0x8000_0000, 0xffff_ffff] {
            add(
                "S10",
                format!("{magic:08x} strong {len:#x}"),
                sig_header(magic, 2048, len),
                CORRUPT,
            );
        }
    }
    for magic in [MD4_MAGIC, RK_MD4_MAGIC] {
        for len in [17, 24, 32] {
            add(
                "S11",
                format!("{magic:08x} strong {len}"),
                sig_header(magic, 2048, len),
                PARAM_ERROR,
            );
        }
        add(
            "S11",
            format!("{magic:08x} strong 16"),
            sig_header(magic, 2048, 16),
            DONE,
        );
    }

    // S12 header only; S13 one to three stray bytes after the last block.
    add("S12", "real header".into(), real[..12].to_vec(), DONE);
    let header512 = sig_header(RK_BLAKE2_MAGIC, 512, 8);
    for (base, what) in [
        (&header512, "0 blocks"),
        (&rk512, "2 blocks"),
        (&real, "16 blocks"),
    ] {
        for n in 1..=3 {
            add(
                "S13",
                format!("{what} {n} stray"),
                [&base[..], &[0xa5; 3][..n]].concat(),
                DONE,
            );
        }
    }
    for cut in [13, 15] {
        add(
            "S13",
            format!("real header and {} bytes", cut - 12),
            real[..cut].to_vec(),
            DONE,
        );
    }

    // S14 an incomplete block.
    for len in [16, 17, 23, 28, 31, 35] {
        add(
            "S14",
            format!("md4 cut at {len}"),
            md4_512[..len].to_vec(),
            INPUT_ENDED,
        );
    }
    for cut in [16, 17, 40, 12 + 36 + 4, real.len() - 5, real.len() - 1] {
        add(
            "S14",
            format!("real cut at {cut}"),
            real[..cut].to_vec(),
            INPUT_ENDED,
        );
    }
    for n in [4, 5, 20, 35] {
        let sig = [&real[..], &blocks[..n]].concat();
        add(
            "S14",
            format!("real and {n} bytes of a block"),
            sig,
            INPUT_ENDED,
        );
    }

    // S15 many identical blocks.
    let same = sign(&b[..256].repeat(64), RK_BLAKE2_MAGIC, 256, 16);
    add("S15", "64 x 256 bytes".into(), same, DONE);
    let copies = [sig_header(RK_BLAKE2_MAGIC, 64, 32), block.repeat(200)].concat();
    add("S15", "200 copies of a real block".into(), copies, DONE);
    add(
        "S15",
        "real blocks thrice".into(),
        [&real[..], blocks, blocks].concat(),
        DONE,
    );

    // S16 many blocks with the same weak sum.
    let mut s16 = sig_header(RK_BLAKE2_MAGIC, 64, 8);
    for i in 0..2000u64 {
        s16.extend_from_slice(&0x1234_5678u32.to_be_bytes());
        s16.extend_from_slice(&i.to_be_bytes());
    }
    add("S16", "2000 blocks, strong 8".into(), s16, DONE);
    let mut s16 = sig_header(RK_BLAKE2_MAGIC, 64, 32);
    for i in 0..2000u32 {
        s16.extend_from_slice(&block[..4]);
        s16.extend((0..32).map(|j| (i.wrapping_mul(31).wrapping_add(j)) as u8));
    }
    add("S16", "2000 blocks of a real weak sum".into(), s16, DONE);
    let mut s16 = sig_header(RK_BLAKE2_MAGIC, 256, 8);
    for i in 0..3000u32 {
        s16.extend_from_slice(&block[..4]);
        s16.extend_from_slice(&[0; 4]);
        s16.extend_from_slice(&i.to_be_bytes());
    }
    add("S16", "3000 blocks of 256".into(), s16, DONE);

    // Controls and other corruptions.
    add("X", "real".into(), real.clone(), DONE);
    add("X", "real md4".into(), real_md4.clone(), DONE);
    for magic in [MD4_MAGIC, RK_MD4_MAGIC] {
        let sig = [&sig_header(magic, 64, 8)[..], &block[..12]].concat();
        add(
            "X",
            format!("{magic:08x} strong 8, a real block"),
            sig,
            DONE,
        );
    }
    let mut weak = real.clone();
    weak[12 + 36 * 3] ^= 1;
    add("X", "flipped weak sum".into(), weak, DONE);
    let mut strong = real;
    strong[12 + 36 * 5 + 10] ^= 0x80;
    add("X", "flipped strong sum".into(), strong, DONE);
    // Rows in table order, the fixed cases of a row first.
    let order = |id: &str| (id.starts_with('X'), id[1..].parse::<u32>().unwrap_or(0));
    v.sort_by_key(|r| order(r.id));
    v
}

/// A real delta against [`basis`] (literals and copies, every length
/// width), for the cuts and the corruption of [`bad_deltas`].
pub fn real_delta() -> (Vec<u8>, Vec<u8>) {
    let b = basis();
    let fresh = Rng::new(1002).bytes(500);
    let new = [
        b"head".to_vec(),
        b[..300].to_vec(),
        fresh.clone(),
        b[200..900].to_vec(),
    ]
    .concat();
    let d = delta(&[
        literal(0, b"head"),
        copy(0, 300),
        literal(2, &fresh),
        copy(200, 700),
    ]);
    (d, new)
}

/// The delta rows that are the delta magic and fixed commands: (row, case,
/// commands in hex, result code).
pub const DELTA_ROWS: &[(&str, &str, &str, i32)] = &[
    ("P4", "magic only", "", INPUT_ENDED),
    ("P5", "END only", "00", DONE),
    ("P6", "bytes after END", "00 41 09 09", DONE),
    ("P7", "literal cut short", "05 68656c", INPUT_ENDED),
    (
        "P8",
        "literal and copy, no END",
        "05 68656c6c6f 4a 0000 000a",
        INPUT_ENDED,
    ),
    ("P8", "literal only, no END", "05 68656c6c6f", INPUT_ENDED),
    (
        "P8",
        "copy and literal, no END",
        "45 00 0a 03 616263",
        INPUT_ENDED,
    ),
    (
        "P8",
        "literal and a 2-byte copy, no END",
        "05 68656c6c6f 4a 0000 0010",
        INPUT_ENDED,
    ),
    ("P9", "41 00 abc", "41 00 616263 00", CORRUPT),
    ("P9", "41 00 alone", "41 00", CORRUPT),
    ("P9", "42 0000 abc", "42 0000 616263 00", CORRUPT),
    ("P9", "42 0000 alone", "42 0000", CORRUPT),
    ("P9", "43 00000000 abc", "43 00000000 616263 00", CORRUPT),
    ("P9", "43 00000000 alone", "43 00000000", CORRUPT),
    (
        "P9",
        "44 0000000000000000 abc",
        "44 0000000000000000 616263 00",
        CORRUPT,
    ),
    (
        "P9",
        "44 0000000000000000 alone",
        "44 0000000000000000",
        CORRUPT,
    ),
    (
        "P10",
        "8000000000000000 abc",
        "44 8000000000000000 616263 00",
        CORRUPT,
    ),
    (
        "P10",
        "ffffffffffffffff abc",
        "44 ffffffffffffffff 616263 00",
        CORRUPT,
    ),
    (
        "P10",
        "8000000000000005 abc",
        "44 8000000000000005 616263 00",
        CORRUPT,
    ),
    (
        "P10",
        "8000000000000000 alone",
        "44 8000000000000000",
        CORRUPT,
    ),
    (
        "P11",
        "7fffffffffffffff abc",
        "44 7fffffffffffffff 616263",
        INPUT_ENDED,
    ),
    (
        "P11",
        "0000000100000001 abc",
        "44 0000000100000001 616263",
        INPUT_ENDED,
    ),
    (
        "P11",
        "0000000100000001 alone",
        "44 0000000100000001",
        INPUT_ENDED,
    ),
    ("P12", "41 cut", "41", INPUT_ENDED),
    ("P12", "42 00 cut", "42 00", INPUT_ENDED),
    ("P12", "43 0001 cut", "43 0001", INPUT_ENDED),
    (
        "P12",
        "44 00000000000000 cut",
        "44 00000000000000",
        INPUT_ENDED,
    ),
    ("P12", "45 cut", "45", INPUT_ENDED),
    ("P12", "45 00 cut", "45 00", INPUT_ENDED),
    ("P12", "4f 00000000 cut", "4f 00000000", INPUT_ENDED),
    (
        "P12",
        "54 + 15 bytes cut",
        "54 000000000000000000000000000000",
        INPUT_ENDED,
    ),
    ("P13", "COPY(0, 0)", "45 00 00 00", CORRUPT),
    (
        "P13",
        "COPY(0, 0) 8-byte",
        "54 0000000000000000 0000000000000000 00",
        CORRUPT,
    ),
    ("P13", "COPY(0, 0) no END", "45 00 00", CORRUPT),
    ("P14", "pos -1", "51 ffffffffffffffff 0a 00", CORRUPT),
    ("P14", "pos -1 no END", "51 ffffffffffffffff 0a", CORRUPT),
    ("P14", "len -1", "48 00 ffffffffffffffff 00", CORRUPT),
    ("P14", "len -1 no END", "48 00 ffffffffffffffff", CORRUPT),
    ("P14", "pos i64::MIN", "51 8000000000000000 0a 00", CORRUPT),
    (
        "P14",
        "pos i64::MIN no END",
        "51 8000000000000000 0a",
        CORRUPT,
    ),
    ("P15", "COPY(5000, 10)", "49 1388 0a 00", INPUT_ENDED),
    ("P15", "COPY(5000, 10) no END", "49 1388 0a", INPUT_ENDED),
    ("P16", "COPY(1000, 1)", "49 03e8 01 00", INPUT_ENDED),
    ("P16", "COPY(1000, 1) no END", "49 03e8 01", INPUT_ENDED),
    ("P17", "COPY(990, 100)", "4a 03de 0064 00", INPUT_ENDED),
    ("P17", "COPY(990, 100) no END", "4a 03de 0064", INPUT_ENDED),
    (
        "P18",
        "COPY(0, 1e6)",
        "4f 00000000 000f4240 00",
        INPUT_ENDED,
    ),
    (
        "P18",
        "COPY(0, 1e6) no END",
        "4f 00000000 000f4240",
        INPUT_ENDED,
    ),
    // Through rdiff: 100 where fseeko fails, 103 where it succeeds.
    (
        "P19",
        "COPY(2^62, 2^62 + 5)",
        "54 4000000000000000 4000000000000005 00",
        INPUT_ENDED,
    ),
    (
        "P19",
        "COPY(2^62, 2^62 + 5) no END",
        "54 4000000000000000 4000000000000005",
        INPUT_ENDED,
    ),
    ("P20", "opcode 55 00", "55 00", CORRUPT),
    ("P20", "opcode 56 00", "56 00", CORRUPT),
    ("P20", "opcode 80 00", "80 00", CORRUPT),
    ("P20", "opcode c3 00", "c3 00", CORRUPT),
    ("P20", "opcode fe 00", "fe 00", CORRUPT),
    ("P20", "opcode ff 00", "ff 00", CORRUPT),
    ("P20", "opcode 55", "55", CORRUPT),
    ("P20", "opcode 80", "80", CORRUPT),
    ("P20", "opcode ff", "ff", CORRUPT),
    ("X", "literal and copy", "03 616263 4a 0010 0100 00", DONE),
];

/// The delta rows, applied to [`basis`]: P1–P3 (no delta magic), then
/// [`DELTA_ROWS`], then the built ones, with the outputs the tests check.
pub fn bad_deltas() -> Vec<BadInput> {
    let b = basis();
    let mut v = vec![BadInput::new("P1", "empty", vec![], INPUT_ENDED)];
    let magic = DELTA_MAGIC.to_be_bytes();
    for n in 1..4 {
        let case = format!("{n} bytes of magic");
        v.push(BadInput::new("P2", case, magic[..n].to_vec(), INPUT_ENDED));
    }
    for m in [
        RK_BLAKE2_MAGIC,
        BLAKE2_MAGIC,
        MD4_MAGIC,
        RK_MD4_MAGIC,
        0xdead_beef,
        0,
    ] {
        let d = [&m.to_be_bytes()[..], &[0]].concat();
        v.push(BadInput::new("P3", format!("magic {m:08x}"), d, BAD_MAGIC));
    }
    for &(id, case, cmds, code) in DELTA_ROWS {
        v.push(BadInput::new(id, case, delta_hex(cmds), code));
    }
    for copies in [20, 100] {
        let bomb = delta(&vec![copy(0, 1000); copies]);
        let out = b.repeat(copies);
        let case = format!("{copies} x COPY(0, 1000)");
        v.push(
            BadInput::new("P21", case, bomb, DONE)
                .streamed(&out)
                .whole(&out),
        );
    }
    let mut long = delta_of(&[]);
    let mut rng = Rng::new(1003);
    for _ in 0..40 {
        long.extend(hex("43 00001000"));
        long.extend(rng.bytes(0x1000));
    }
    long.extend(hex("4a 0005 0020 05 6865"));
    v.push(BadInput::new(
        "X",
        "long literal run, then cut",
        long,
        INPUT_ENDED,
    ));
    let (real, new) = real_delta();
    v.push(
        BadInput::new("X", "real", real.clone(), DONE)
            .streamed(&new)
            .whole(&new),
    );
    for cut in [5, 6, 9, 10, 14, 100, 300, 508, 509, 513, real.len() - 1] {
        let case = format!("real cut at {cut}");
        v.push(BadInput::new("X", case, real[..cut].to_vec(), INPUT_ENDED));
    }
    let mut corrupt = real;
    corrupt[10] = 0xff; // a COPY position far beyond the basis
    v.push(BadInput::new(
        "X",
        "real with a COPY beyond the basis",
        corrupt,
        INPUT_ENDED,
    ));

    // What the tests check besides the code: the output of a 1-byte
    // streaming run (then of the whole-stream run, which does not drain
    // its buffer on failure), and the input such a run consumes.
    let then = |text: &[u8], at: std::ops::Range<usize>| [text, &b[at]].concat();
    let outputs = [
        ("END only", vec![], Some(vec![])),
        ("bytes after END", vec![], Some(vec![])),
        ("literal cut short", b"hel".to_vec(), Some(vec![])),
        ("literal and copy, no END", then(b"hello", 0..10), None),
        ("literal only, no END", b"hello".to_vec(), None),
        ("7fffffffffffffff abc", b"abc".to_vec(), None),
        ("0000000100000001 abc", b"abc".to_vec(), None),
        ("COPY(990, 100)", then(b"", 990..1000), None),
        ("COPY(0, 1e6)", then(b"", 0..1000), None),
        (
            "literal and copy",
            then(b"abc", 16..272),
            Some(then(b"abc", 16..272)),
        ),
    ];
    for (case, streamed, whole) in outputs {
        let row = v.iter_mut().find(|r| r.case == case).expect("a row");
        row.streamed = Some(streamed);
        row.whole = whole;
    }
    for row in &mut v {
        match row.id {
            "P1" | "P3" | "P12" | "P15" | "P16" if !row.case.ends_with("no END") => {
                row.streamed = Some(vec![])
            }
            "P5" | "P6" => row.consumed = Some(5),
            "P19" => row.rdiff_code = None,
            _ => {}
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in signer: any bytes of the right shape will do here.
    fn fake_sign(data: &[u8], magic: u32, block_len: u32, strong_len: u32) -> Vec<u8> {
        let mut sig = sig_header(magic, block_len, strong_len);
        for (i, _) in data.chunks(block_len as usize).enumerate() {
            push_block(&mut sig, i as u32, strong_len as usize, i as u32);
        }
        sig
    }

    #[test]
    fn every_row_of_the_table_is_there_once_per_case() {
        for (rows, prefix, last) in [
            (bad_signatures(&fake_sign), "S", 16),
            (bad_deltas(), "P", 21),
        ] {
            for n in 1..=last {
                let id = format!("{prefix}{n}");
                assert!(rows.iter().any(|r| r.id == id), "no rows for {id}");
            }
            let mut names: Vec<String> = rows.iter().map(BadInput::name).collect();
            let count = names.len();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), count, "duplicate case names");
        }
        let deltas = bad_deltas();
        assert_eq!(deltas.iter().filter(|r| r.streamed.is_some()).count(), 30);
        assert_eq!(deltas.iter().filter(|r| r.rdiff_code.is_none()).count(), 2);
    }
}
