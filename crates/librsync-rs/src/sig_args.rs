//! Signature parameters: `rs_sig_args`, which picks the recommended block and
//! strong sum lengths for a file size.

use crate::error::{ErrorKind, Result};
use crate::magic::{SigMagic, DEFAULT_BLOCK_LEN, DEFAULT_MIN_STRONG_LEN};
use crate::trace::{fail, rs_warn};

/// A `strong_len` argument meaning "the minimum safe length" (C's
/// `(size_t)-1`, rdiff's `-S -1`).
pub const STRONG_LEN_MIN: usize = usize::MAX;

/// Settled signature parameters.
///
/// ```
/// use librsync_rs::{Job, SigArgs, SigMagic, SignatureOptions};
///
/// let args: SigArgs = SignatureOptions::new().basis_size(100_000).resolve()?;
/// assert_eq!(args, SigArgs { magic: SigMagic::RkBlake2, block_len: 256, strong_len: 32 });
/// // The lengths a signature job takes.
/// let job = Job::signature(args.magic, args.block_len, args.strong_len);
/// # drop(job);
/// # Ok::<(), librsync_rs::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigArgs {
    /// The signature format.
    pub magic: SigMagic,
    /// Bytes per block.
    pub block_len: usize,
    /// Bytes of strong sum kept per block.
    pub strong_len: usize,
}

/// Floor of the square root, computed bit by bit and then truncated to a C
/// `int` (`rs_long_sqrt`).
pub(crate) fn long_sqrt(v: i64) -> i32 {
    let mut b: i64 = 1;
    let mut n = v;
    loop {
        n >>= 2;
        if n == 0 {
            break;
        }
        b <<= 1;
    }
    let mut root: i64 = 0;
    while b != 0 {
        root |= b;
        if root.wrapping_mul(root) > v {
            root ^= b;
        }
        b >>= 1;
    }
    root as i32
}

/// The block length `rs_sig_args` recommends for a file size: 2048 when
/// unknown (negative), 256 up to 64 KiB, else the square root rounded down
/// to a multiple of 128.
pub fn recommended_block_len(old_fsize: i64) -> usize {
    if old_fsize < 0 {
        DEFAULT_BLOCK_LEN
    } else if old_fsize <= 256 * 256 {
        256
    } else {
        (long_sqrt(old_fsize) & !127) as isize as usize
    }
}

/// C's `%#x`: `0` for zero, else `0x` and lowercase hex.
pub(crate) fn c_alt_hex(v: u32) -> String {
    if v == 0 {
        "0".into()
    } else {
        format!("{v:#x}")
    }
}

/// Chooses signature parameters (`rs_sig_args`).
///
/// * `old_fsize`: size of the basis file, or negative when unknown.
/// * `magic`: a signature magic number, or 0 for RabinKarp + BLAKE2.
/// * `block_len`: 0 for the recommended length (256 up to 64 KiB, then the
///   square root rounded down to a multiple of 128; 2048 when the size is
///   unknown).
/// * `strong_len`: 0 for the maximum, [`STRONG_LEN_MIN`] for the minimum the
///   file size calls for.
///
/// Fails with [`ErrorKind::BadMagic`] for an unknown magic and [`ErrorKind::Param`]
/// for a strong length longer than the hash. A length below the recommended
/// minimum is accepted with a warning, as in C.
///
/// ```
/// use librsync_rs::compat::{sig_args, STRONG_LEN_MIN};
/// use librsync_rs::SigMagic;
/// let args = sig_args(1_000_000, SigMagic::Md4 as u32, 0, 0).unwrap();
/// assert_eq!((args.block_len, args.strong_len), (896, 16));
/// let args = sig_args(-1, 0, 0, STRONG_LEN_MIN).unwrap();
/// assert_eq!((args.magic, args.block_len, args.strong_len), (SigMagic::RkBlake2, 2048, 12));
/// ```
pub fn sig_args(
    old_fsize: i64,
    magic: u32,
    block_len: usize,
    strong_len: usize,
) -> Result<SigArgs> {
    let magic = if magic == 0 {
        SigMagic::RkBlake2 as u32
    } else {
        magic
    };
    let Some(sig_magic) = SigMagic::from_u32(magic) else {
        return Err(fail!(
            ErrorKind::BadMagic,
            "rs_sig_args",
            "invalid magic {}",
            c_alt_hex(magic)
        ));
    };
    let max_strong_len = sig_magic.max_strong_len();
    let block_len = if block_len == 0 {
        recommended_block_len(old_fsize)
    } else {
        block_len
    };
    let min_strong_len = if old_fsize < 0 {
        DEFAULT_MIN_STRONG_LEN
    } else {
        // C adds 2^24 in `rs_long_t`: within 2^24 of 2^63 that overflows
        // and its `rs_long_ln2` loops forever. Here the sum cannot overflow
        // (its log2 is then 63), and neither can the block count.
        let size_log2 = (old_fsize as u64 + (1 << 24)).ilog2();
        let blocks = old_fsize as u64 / block_len as u64 + 1;
        2 + (size_log2 + blocks.ilog2() + 7) as usize / 8
    };
    let strong_len = if strong_len == 0 {
        max_strong_len
    } else if strong_len == STRONG_LEN_MIN {
        min_strong_len
    } else if old_fsize >= 0 && strong_len < min_strong_len {
        rs_warn!(
            "rs_sig_args",
            "strong_len={strong_len} smaller than recommended minimum {min_strong_len} for old_fsize={old_fsize} \
             with block_len={block_len}"
        );
        strong_len
    } else {
        strong_len
    };
    // C checks the maximum only for a length the caller gave at or above
    // the minimum; a minimum (asked for, or warned about) over the MD4
    // maximum of 16, for sizes near 2^57 bytes and up with tiny blocks,
    // fails C's assertion and aborts. Both end here.
    if strong_len > max_strong_len {
        return Err(fail!(
            ErrorKind::Param,
            "rs_sig_args",
            "invalid strong_len={strong_len} for magic={}",
            c_alt_hex(magic)
        ));
    }
    Ok(SigArgs {
        magic: sig_magic,
        block_len,
        strong_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn args(fsize: i64, magic: u32, block: usize, strong: usize) -> (u32, usize, usize) {
        let a = sig_args(fsize, magic, block, strong).unwrap();
        (a.magic as u32, a.block_len, a.strong_len)
    }

    #[test]
    fn spec_table() {
        let min = STRONG_LEN_MIN;
        assert_eq!(args(-1, 0, 0, 0), (0x72730147, 2048, 32));
        assert_eq!(args(-1, 0, 0, min), (0x72730147, 2048, 12));
        for (fsize, block, strong) in [
            (0, 256, 5),
            (1, 256, 5),
            (65536, 256, 6),
            (65537, 256, 6),
            (1_000_000, 896, 7),
            (1_048_576, 1024, 7),
            (1_000_000_000, 31616, 8),
            (1 << 40, 1_048_576, 10),
            (1 << 50, 33_554_432, 12),
            (26532, 256, 6),
        ] {
            assert_eq!(
                args(fsize, 0, 0, min),
                (0x72730147, block, strong),
                "fsize {fsize}"
            );
        }
    }

    #[test]
    fn sumset_test_cases() {
        // The rs_sig_args cases of librsync's sumset_test.c.
        assert_eq!(args(-1, 0, 0, 0), (0x72730147, 2048, 32));
        assert_eq!(args(0, 0, 0, 0), (0x72730147, 256, 32));
        assert_eq!(args(1_000_000, 0x72730136, 0, 0), (0x72730136, 896, 16));
        assert_eq!(args(-1, 0, 0, STRONG_LEN_MIN), (0x72730147, 2048, 12));
        assert_eq!(
            args(1_000_000, 0x72730137, 1024, 20),
            (0x72730137, 1024, 20)
        );
        assert_eq!(args(0, 0x72730146, 0, STRONG_LEN_MIN), (0x72730146, 256, 5));
        assert_eq!(
            args(1_000_000, 0x72730137, 0, STRONG_LEN_MIN),
            (0x72730137, 896, 7)
        );
        assert_eq!(sig_args(-1, 1, 0, 0), Err(Error::new(ErrorKind::BadMagic)));
        assert_eq!(
            sig_args(-1, 0x72730137, 0, 33),
            Err(Error::new(ErrorKind::Param))
        );
        assert_eq!(
            sig_args(-1, 0x72730136, 0, 17),
            Err(Error::new(ErrorKind::Param))
        );
        assert_eq!(
            sig_args(-1, 0x72730236, 0, 0),
            Err(Error::new(ErrorKind::BadMagic))
        );
    }

    #[test]
    fn below_minimum_only_warns() {
        assert_eq!(args(1_000_000, 0, 0, 1), (0x72730147, 896, 1));
        // With an unknown size there is no minimum to warn about.
        assert_eq!(args(-1, 0, 0, 1), (0x72730147, 2048, 1));
    }

    #[test]
    fn sizes_where_c_aborts_or_hangs() {
        let min = STRONG_LEN_MIN;
        // An MD4 minimum over 16 (C: assertion failure).
        let md4 = 0x72730136;
        assert_eq!(
            sig_args(1 << 62, md4, 1, min),
            Err(Error::new(ErrorKind::Param))
        );
        assert_eq!(
            sig_args(1 << 62, md4, 1, 17),
            Err(Error::new(ErrorKind::Param))
        );
        assert_eq!(args(1 << 62, md4, 1, 16), (md4, 1, 16));
        assert_eq!(args(1 << 62, 0, 1, min), (0x72730147, 1, 18));
        // Sizes within 2^24 of 2^63 (C: endless loop).
        for fsize in [i64::MAX - (1 << 24) + 1, i64::MAX] {
            assert_eq!(args(fsize, 0, 1024, 0), (0x72730147, 1024, 32));
            assert_eq!(args(fsize, 0, 1024, min), (0x72730147, 1024, 17));
            assert_eq!(
                sig_args(fsize, md4, 1024, min),
                Err(Error::new(ErrorKind::Param))
            );
        }
        // Just below, C's own arithmetic.
        let fsize = i64::MAX - (1 << 24);
        assert_eq!(args(fsize, 0, 1024, min), (0x72730147, 1024, 17));
    }

    #[test]
    fn helpers() {
        assert_eq!(long_sqrt(0), 0);
        assert_eq!(long_sqrt(26532), 162);
        assert_eq!(long_sqrt(1_000_000), 1000);
        assert_eq!(long_sqrt(999_999), 999);
        assert_eq!(c_alt_hex(0), "0");
        assert_eq!(c_alt_hex(0xdeadbeef), "0xdeadbeef");
    }
}
