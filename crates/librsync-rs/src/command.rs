//! The delta command set: decoding table (librsync's `prototab`) and the
//! encoder's choice of encodings (`emit.c`).

use crate::stats::Stats;

/// `RS_OP_END`.
pub const OP_END: u8 = 0x00;
/// `RS_OP_LITERAL_N1`; N2, N4 and N8 follow.
pub const OP_LITERAL_N1: u8 = 0x41;
/// `RS_OP_COPY_N1_N1`, the first of the 16 COPY opcodes.
pub const OP_COPY_N1_N1: u8 = 0x45;
/// `RS_OP_COPY_N8_N8`, the last COPY opcode; above it all are reserved.
pub const OP_COPY_N8_N8: u8 = 0x54;

/// What a command byte means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// End of the delta.
    End,
    /// Literal data whose length is the opcode itself (1..=64).
    LiteralImmediate(u8),
    /// Literal data whose length follows in this many bytes.
    Literal {
        /// Bytes of the length parameter.
        len_width: u8,
    },
    /// Copy from the basis; position and length follow in these widths.
    Copy {
        /// Bytes of the position parameter.
        pos_width: u8,
        /// Bytes of the length parameter.
        len_width: u8,
    },
    /// An opcode with no meaning (0x55..=0xff).
    Reserved(u8),
}

/// Where a delta that ends too soon was cut, in words.
pub(crate) mod cut_short {
    /// Inside the 4-byte magic number.
    pub const IN_MAGIC: &str = "the delta ends inside its magic number";
    /// Between commands: the END command is missing.
    pub const BEFORE_END: &str = "the delta ends before its END command";
    /// Inside a command's parameters.
    pub const IN_PARAMS: &str = "the delta ends inside a command's parameters";
    /// Inside a LITERAL command's data.
    pub const IN_LITERAL: &str = "the delta ends inside a LITERAL command's data";
}

/// Why a command fails patch's checks, worded as librsync logs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BadCommand {
    /// A reserved opcode (0x55..=0xff).
    Reserved(u8),
    /// A LITERAL whose length is 0 or negative.
    LiteralLen(i64),
    /// A COPY whose length is 0 or negative.
    CopyLen(i64),
    /// A COPY whose position is negative.
    CopyPos(i64),
}

impl BadCommand {
    /// The librsync function that logs this problem.
    pub fn c_function(self) -> &'static str {
        match self {
            BadCommand::Reserved(_) => "rs_patch_s_run",
            BadCommand::LiteralLen(_) => "rs_patch_s_literal",
            BadCommand::CopyLen(_) | BadCommand::CopyPos(_) => "rs_patch_s_copy",
        }
    }
}

impl std::fmt::Display for BadCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadCommand::Reserved(op) => write!(f, "bogus command {op:#04x}"),
            BadCommand::LiteralLen(len) => write!(f, "invalid length={len} on LITERAL command"),
            BadCommand::CopyLen(len) => write!(f, "invalid length={len} on COPY command"),
            BadCommand::CopyPos(pos) => write!(f, "invalid position={pos} on COPY command"),
        }
    }
}

const WIDTHS: [u8; 4] = [1, 2, 4, 8];

impl Command {
    /// Decodes a command byte.
    pub fn decode(op: u8) -> Command {
        match op {
            OP_END => Command::End,
            1..=64 => Command::LiteralImmediate(op),
            0x41..=0x44 => Command::Literal {
                len_width: WIDTHS[(op - OP_LITERAL_N1) as usize],
            },
            OP_COPY_N1_N1..=OP_COPY_N8_N8 => {
                let k = (op - OP_COPY_N1_N1) as usize;
                Command::Copy {
                    pos_width: WIDTHS[k / 4],
                    len_width: WIDTHS[k % 4],
                }
            }
            _ => Command::Reserved(op),
        }
    }

    /// Total bytes of parameters after the command byte.
    pub fn param_len(self) -> usize {
        match self {
            Command::Literal { len_width } => len_width as usize,
            Command::Copy {
                pos_width,
                len_width,
            } => (pos_width + len_width) as usize,
            _ => 0,
        }
    }
}

/// Bytes needed for a non-negative value (`rs_int_len`): 1, 2, 4 or 8.
#[inline]
pub fn int_len(v: u64) -> u8 {
    if v <= 0xff {
        1
    } else if v <= 0xffff {
        2
    } else if v <= 0xffff_ffff {
        4
    } else {
        8
    }
}

fn width_index(w: u8) -> u8 {
    match w {
        1 => 0,
        2 => 1,
        4 => 2,
        _ => 3,
    }
}

fn put_be(out: &mut [u8], v: u64, width: u8) -> usize {
    let bytes = v.to_be_bytes();
    out[..width as usize].copy_from_slice(&bytes[8 - width as usize..]);
    width as usize
}

/// Encodes a LITERAL header for `len` bytes (`rs_emit_literal_cmd`) into
/// `out`; returns its length and counts it in `stats`. `len` is 1..=2^31-1.
pub(crate) fn encode_literal(out: &mut [u8; 5], len: u32, stats: &mut Stats) -> usize {
    let n = if len <= 64 {
        out[0] = len as u8;
        1
    } else {
        let w = int_len(len as u64);
        out[0] = OP_LITERAL_N1 + width_index(w);
        1 + put_be(&mut out[1..], len as u64, w)
    };
    stats.lit_cmds = stats.lit_cmds.wrapping_add(1);
    stats.lit_bytes += len as i64;
    stats.lit_cmdbytes += n as i64;
    n
}

/// Encodes a COPY command (`rs_emit_copy_cmd`); returns its length and counts
/// it in `stats`.
pub(crate) fn encode_copy(out: &mut [u8; 17], pos: u64, len: u64, stats: &mut Stats) -> usize {
    let pw = int_len(pos);
    let lw = int_len(len);
    out[0] = OP_COPY_N1_N1 + 4 * width_index(pw) + width_index(lw);
    let mut n = 1;
    n += put_be(&mut out[n..], pos, pw);
    n += put_be(&mut out[n..], len, lw);
    stats.copy_cmds += 1;
    stats.copy_bytes += len as i64;
    stats.copy_cmdbytes += n as i64;
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netint_widths() {
        // librsync's netint_test.
        for (v, w) in [
            (0u64, 1),
            (1, 1),
            (127, 1),
            (128, 1),
            (256, 2),
            (32767, 2),
            (32768, 2),
            (65536, 4),
            (i32::MAX as u64, 4),
            (1 << 31, 4),
            (1 << 32, 8),
            (i64::MAX as u64, 8),
        ] {
            assert_eq!(int_len(v), w, "{v}");
        }
    }

    #[test]
    fn decode_table() {
        assert_eq!(Command::decode(0), Command::End);
        assert_eq!(Command::decode(1), Command::LiteralImmediate(1));
        assert_eq!(Command::decode(64), Command::LiteralImmediate(64));
        assert_eq!(Command::decode(0x41), Command::Literal { len_width: 1 });
        assert_eq!(Command::decode(0x44), Command::Literal { len_width: 8 });
        assert_eq!(
            Command::decode(0x45),
            Command::Copy {
                pos_width: 1,
                len_width: 1
            }
        );
        assert_eq!(
            Command::decode(0x48),
            Command::Copy {
                pos_width: 1,
                len_width: 8
            }
        );
        assert_eq!(
            Command::decode(0x49),
            Command::Copy {
                pos_width: 2,
                len_width: 1
            }
        );
        assert_eq!(
            Command::decode(0x54),
            Command::Copy {
                pos_width: 8,
                len_width: 8
            }
        );
        assert_eq!(Command::decode(0x55), Command::Reserved(0x55));
        assert_eq!(Command::decode(0xff), Command::Reserved(0xff));
        assert_eq!(Command::decode(0x4f).param_len(), 8);
    }

    #[test]
    fn smallest_encodings() {
        let mut stats = Stats::default();
        let lit = |len: u32, stats: &mut Stats| {
            let mut b = [0u8; 5];
            let n = encode_literal(&mut b, len, stats);
            b[..n].to_vec()
        };
        assert_eq!(lit(11, &mut stats), [0x0b]);
        assert_eq!(lit(64, &mut stats), [0x40]);
        assert_eq!(lit(65, &mut stats), [0x41, 65]);
        assert_eq!(lit(32768, &mut stats), [0x42, 0x80, 0x00]);
        assert_eq!(lit(70000, &mut stats), [0x43, 0, 1, 0x11, 0x70]);
        let copy = |pos: u64, len: u64, stats: &mut Stats| {
            let mut b = [0u8; 17];
            let n = encode_copy(&mut b, pos, len, stats);
            b[..n].to_vec()
        };
        assert_eq!(copy(0, 5000, &mut stats), [0x46, 0x00, 0x13, 0x88]);
        assert_eq!(copy(990, 100, &mut stats), [0x49, 0x03, 0xde, 0x64]);
        let big = copy(5_767_110_016, 1 << 32, &mut stats);
        assert_eq!((big[0], big.len()), (0x54, 17));
        assert_eq!(stats.lit_cmds, 5);
        assert_eq!(stats.lit_cmdbytes, 1 + 1 + 2 + 3 + 5);
        assert_eq!(stats.copy_cmds, 3);
        assert_eq!(stats.copy_cmdbytes, 4 + 4 + 17);
    }
}
