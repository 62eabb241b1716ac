//! Magic numbers that start every signature and delta stream (`rs_magic_number`),
//! and the signature parameters librsync defaults to. The checksums and
//! their lengths belong to [`checksum`](crate::checksum), which this module
//! builds on.

use crate::checksum::{StrongKind, WeakKind};

/// Magic number of a delta stream: `"rs\x026"` (`RS_DELTA_MAGIC`).
///
/// ```
/// use librsync_rs::io::{delta_of, load_signature_of, signature_of};
///
/// let sig = load_signature_of(&signature_of(b"", &Default::default())?)?;
/// let delta = delta_of(&sig, b"")?;
/// // Every delta starts with the magic, big-endian: "rs\x026".
/// assert_eq!(delta[..4], librsync_rs::DELTA_MAGIC.to_be_bytes());
/// assert_eq!(&delta[..4], b"rs\x026");
/// # Ok::<(), librsync_rs::Error>(())
/// ```
pub const DELTA_MAGIC: u32 = 0x7273_0236;

/// Default signature block length when the file size is unknown
/// (`RS_DEFAULT_BLOCK_LEN`).
///
/// ```
/// use librsync_rs::{SignatureOptions, DEFAULT_BLOCK_LEN};
///
/// // Without a basis size, signatures use 2 KiB blocks.
/// let args = SignatureOptions::new().resolve().unwrap();
/// assert_eq!(args.block_len, DEFAULT_BLOCK_LEN);
/// ```
pub const DEFAULT_BLOCK_LEN: usize = 2048;

/// Minimum strong sum length used when the file size is unknown
/// (`RS_DEFAULT_MIN_STRONG_LEN`).
///
/// ```
/// use librsync_rs::{SignatureOptions, StrongLen, DEFAULT_MIN_STRONG_LEN};
///
/// // Without a basis size, the minimum strong length is 12 bytes.
/// let args = SignatureOptions::new().strong_len(StrongLen::Min).resolve().unwrap();
/// assert_eq!(args.strong_len, DEFAULT_MIN_STRONG_LEN);
/// ```
pub const DEFAULT_MIN_STRONG_LEN: usize = 12;

/// The four signature formats: a weak (rolling) sum and a strong sum.
///
/// ```
/// use librsync_rs::SigMagic;
///
/// assert_eq!(SigMagic::default(), SigMagic::RkBlake2);
/// assert_eq!(SigMagic::RkBlake2.as_u32().to_be_bytes(), *b"rs\x01G");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum SigMagic {
    /// Rollsum + MD4 (`RS_MD4_SIG_MAGIC`, 0x72730136). Deprecated: MD4 sums
    /// can be forged (CVE-2014-8242).
    Md4 = 0x7273_0136,
    /// Rollsum + BLAKE2b-256 (`RS_BLAKE2_SIG_MAGIC`, 0x72730137).
    Blake2 = 0x7273_0137,
    /// RabinKarp + MD4 (`RS_RK_MD4_SIG_MAGIC`, 0x72730146).
    RkMd4 = 0x7273_0146,
    /// RabinKarp + BLAKE2b-256 (`RS_RK_BLAKE2_SIG_MAGIC`, 0x72730147); the
    /// default.
    RkBlake2 = 0x7273_0147,
}

impl SigMagic {
    /// The four formats, in the order of their numbers.
    ///
    /// ```
    /// use librsync_rs::SigMagic;
    ///
    /// let numbers: Vec<u32> = SigMagic::ALL.iter().map(|m| m.as_u32()).collect();
    /// assert_eq!(numbers, [0x72730136, 0x72730137, 0x72730146, 0x72730147]);
    /// ```
    pub const ALL: [SigMagic; 4] = [
        SigMagic::Md4,
        SigMagic::Blake2,
        SigMagic::RkMd4,
        SigMagic::RkBlake2,
    ];

    /// The signature magic for a number, or `None` if it names no signature
    /// format. Zero is *not* mapped to the default here; see
    /// [`SignatureOptions::resolve`](crate::SignatureOptions::resolve).
    ///
    /// ```
    /// use librsync_rs::SigMagic;
    ///
    /// assert_eq!(SigMagic::from_u32(0x7273_0146), Some(SigMagic::RkMd4));
    /// assert_eq!(SigMagic::from_u32(0), None);
    /// assert_eq!(SigMagic::from_u32(librsync_rs::DELTA_MAGIC), None);
    /// ```
    pub fn from_u32(value: u32) -> Option<SigMagic> {
        SigMagic::ALL.into_iter().find(|m| m.as_u32() == value)
    }

    /// The magic for a pair of algorithms.
    ///
    /// ```
    /// use librsync_rs::checksum::{StrongKind, WeakKind};
    /// use librsync_rs::SigMagic;
    ///
    /// assert_eq!(SigMagic::new(WeakKind::Rollsum, StrongKind::Blake2), SigMagic::Blake2);
    /// ```
    pub fn new(weak: WeakKind, strong: StrongKind) -> SigMagic {
        match (weak, strong) {
            (WeakKind::Rollsum, StrongKind::Md4) => SigMagic::Md4,
            (WeakKind::Rollsum, StrongKind::Blake2) => SigMagic::Blake2,
            (WeakKind::RabinKarp, StrongKind::Md4) => SigMagic::RkMd4,
            (WeakKind::RabinKarp, StrongKind::Blake2) => SigMagic::RkBlake2,
        }
    }

    /// The number written at the start of the signature.
    ///
    /// ```
    /// use librsync_rs::SigMagic;
    ///
    /// assert_eq!(SigMagic::Md4.as_u32(), 0x7273_0136);
    /// ```
    pub const fn as_u32(self) -> u32 {
        self as u32
    }

    /// The rolling checksum of this format (`magic & 0xf0`).
    ///
    /// ```
    /// use librsync_rs::{checksum::WeakKind, SigMagic};
    ///
    /// assert_eq!(SigMagic::Md4.weak_kind(), WeakKind::Rollsum);
    /// assert_eq!(SigMagic::RkMd4.weak_kind(), WeakKind::RabinKarp);
    /// ```
    pub fn weak_kind(self) -> WeakKind {
        if self.as_u32() & 0xf0 == 0x30 {
            WeakKind::Rollsum
        } else {
            WeakKind::RabinKarp
        }
    }

    /// The strong checksum of this format (`magic & 0x0f`).
    ///
    /// ```
    /// use librsync_rs::{checksum::StrongKind, SigMagic};
    ///
    /// assert_eq!(SigMagic::RkMd4.strong_kind(), StrongKind::Md4);
    /// assert_eq!(SigMagic::Blake2.strong_kind(), StrongKind::Blake2);
    /// ```
    pub fn strong_kind(self) -> StrongKind {
        if self.as_u32() & 0x0f == 0x06 {
            StrongKind::Md4
        } else {
            StrongKind::Blake2
        }
    }

    /// The longest strong sum this format can hold: 16 for MD4, 32 for BLAKE2.
    ///
    /// ```
    /// use librsync_rs::SigMagic;
    ///
    /// assert_eq!(SigMagic::Md4.max_strong_len(), 16);
    /// assert_eq!(SigMagic::RkBlake2.max_strong_len(), 32);
    /// ```
    pub fn max_strong_len(self) -> usize {
        self.strong_kind().digest_len()
    }
}

impl Default for SigMagic {
    /// RabinKarp + BLAKE2, as librsync 2.2+ defaults to.
    fn default() -> SigMagic {
        SigMagic::RkBlake2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_nibbles() {
        assert_eq!(SigMagic::Md4.weak_kind(), WeakKind::Rollsum);
        assert_eq!(SigMagic::Md4.strong_kind(), StrongKind::Md4);
        assert_eq!(SigMagic::RkBlake2.weak_kind(), WeakKind::RabinKarp);
        assert_eq!(SigMagic::RkBlake2.strong_kind(), StrongKind::Blake2);
        assert_eq!(SigMagic::Blake2.max_strong_len(), 32);
        assert_eq!(SigMagic::RkMd4.max_strong_len(), 16);
        for m in SigMagic::ALL {
            assert_eq!(SigMagic::from_u32(m.as_u32()), Some(m));
            assert_eq!(SigMagic::new(m.weak_kind(), m.strong_kind()), m);
        }
        assert_eq!(SigMagic::from_u32(DELTA_MAGIC), None);
        assert_eq!(SigMagic::from_u32(0), None);
    }
}
