//! The one set of byte builders for hand-made signatures and deltas: magics,
//! result codes, the signature header and block records, delta commands,
//! hex.

/// The signature magics (`rs_magic_number`).
pub const MD4_MAGIC: u32 = 0x7273_0136;
pub const BLAKE2_MAGIC: u32 = 0x7273_0137;
pub const RK_MD4_MAGIC: u32 = 0x7273_0146;
pub const RK_BLAKE2_MAGIC: u32 = 0x7273_0147;
/// The delta magic.
pub const DELTA_MAGIC: u32 = 0x7273_0236;

/// The `rs_result` codes the catalogue expects (also `rdiff`'s exit codes).
pub const DONE: i32 = 0;
pub const IO_ERROR: i32 = 100;
pub const MEM_ERROR: i32 = 102;
pub const INPUT_ENDED: i32 = 103;
pub const BAD_MAGIC: i32 = 104;
pub const CORRUPT: i32 = 106;
pub const INTERNAL: i32 = 107;
pub const PARAM_ERROR: i32 = 108;

/// Hex to bytes; whitespace is ignored.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits: {s:?}");
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// A 12-byte signature header.
pub fn sig_header(magic: u32, block_len: u32, strong_len: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(12);
    v.extend_from_slice(&magic.to_be_bytes());
    v.extend_from_slice(&block_len.to_be_bytes());
    v.extend_from_slice(&strong_len.to_be_bytes());
    v
}

/// Appends a made-up block record: `weak`, then `strong_len` bytes derived
/// from `seed`.
pub fn push_block(sig: &mut Vec<u8>, weak: u32, strong_len: usize, seed: u32) {
    sig.extend_from_slice(&weak.to_be_bytes());
    sig.extend(
        (0..strong_len)
            .map(|i| (seed.wrapping_mul(31).wrapping_add(i as u32 * 7) ^ (seed >> 8)) as u8),
    );
}

/// A delta stream: the delta magic followed by `cmds` (no END added).
pub fn delta_of(cmds: &[u8]) -> Vec<u8> {
    let mut v = DELTA_MAGIC.to_be_bytes().to_vec();
    v.extend_from_slice(cmds);
    v
}

/// [`delta_of`] with the commands in hex.
pub fn delta_hex(cmds: &str) -> Vec<u8> {
    delta_of(&hex(cmds))
}

/// A complete delta: the magic, `commands`, END.
pub fn delta(commands: &[Vec<u8>]) -> Vec<u8> {
    let mut out = delta_of(&commands.concat());
    out.push(0);
    out
}

/// A LITERAL command with a length field of `width` bytes (0: the length in
/// the opcode), then `data`.
pub fn literal(width: usize, data: &[u8]) -> Vec<u8> {
    let len = data.len() as u64;
    let mut out = match width {
        0 => vec![len as u8],
        1 => vec![0x41, len as u8],
        2 => [vec![0x42], (len as u16).to_be_bytes().to_vec()].concat(),
        4 => [vec![0x43], (len as u32).to_be_bytes().to_vec()].concat(),
        _ => [vec![0x44], len.to_be_bytes().to_vec()].concat(),
    };
    out.extend_from_slice(data);
    out
}

/// A COPY command with 2-byte position and length.
pub fn copy(pos: u16, len: u16) -> Vec<u8> {
    [
        vec![0x4a],
        pos.to_be_bytes().to_vec(),
        len.to_be_bytes().to_vec(),
    ]
    .concat()
}

/// A COPY command with 8-byte position and length.
pub fn copy8(pos: u64, len: u64) -> Vec<u8> {
    [
        vec![0x54],
        pos.to_be_bytes().to_vec(),
        len.to_be_bytes().to_vec(),
    ]
    .concat()
}

/// Splits a delta of literals only into their lengths (slack deltas).
pub fn literal_lengths(delta: &[u8]) -> Vec<usize> {
    assert_eq!(&delta[..4], &DELTA_MAGIC.to_be_bytes());
    let mut at = 4;
    let mut lens = Vec::new();
    loop {
        let op = delta[at];
        at += 1;
        let width = match op {
            0 => return lens,
            1..=64 => 0,
            0x41 => 1,
            0x42 => 2,
            0x43 => 4,
            _ => panic!("slack deltas hold only literals, got {op:#x}"),
        };
        let len = if width == 0 {
            op as usize
        } else {
            let v = delta[at..at + width]
                .iter()
                .fold(0usize, |v, &b| (v << 8) | b as usize);
            at += width;
            v
        };
        lens.push(len);
        at += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders() {
        assert_eq!(hex("72 73 02 36"), DELTA_MAGIC.to_be_bytes());
        assert_eq!(
            delta(&[literal(0, b"hi"), copy(1, 2)]),
            hex("72730236 02 6869 4a 0001 0002 00")
        );
        assert_eq!(literal(2, b"x"), hex("42 0001 78"));
        assert_eq!(
            sig_header(RK_BLAKE2_MAGIC, 256, 32),
            hex("72730147 00000100 00000020")
        );
        assert_eq!(
            literal_lengths(&delta(&[literal(0, b"ab"), literal(4, b"c")])),
            [2, 1]
        );
    }
}
