//! A loaded signature (`rs_signature_t`): the block sums of a basis file and
//! the index used to match windows of a new file against them.

use std::sync::{Mutex, OnceLock};

use crate::checksum::{mix32, unmix32, WeakKind};
use crate::error::{Error, ErrorKind, Result};
use crate::index::{BlockSums, Index, MatchStats};
use crate::magic::SigMagic;
use crate::sig_args::{c_alt_hex, sig_args};
use crate::stats::{c_div, c_fixed};
use crate::trace::{log, LogLevel, NONAME};

/// The block sums of a basis file, as read from a signature stream.
///
/// Build one with [`load_signature`](crate::load_signature) or a loadsig
/// [`Job`](crate::Job); then use it for any number of deltas. The match
/// index is built on first use, or explicitly with
/// [`Signature::build_index`] (`rs_build_hash_table`).
///
/// ```
/// use librsync_rs::io::{delta_of, signature_of};
/// use librsync_rs::{Signature, SignatureOptions};
///
/// let data: Vec<u8> = (0..4096u32).map(|i| (i % 251) as u8).collect();
/// let bytes = signature_of(&data, &SignatureOptions::new().block_len(1024))?;
/// let sig = Signature::from_bytes(&bytes)?;
/// assert_eq!((sig.block_len(), sig.block_count()), (1024, 4));
/// // COPY(0, 4096), END
/// assert_eq!(delta_of(&sig, &data)?, [0x72, 0x73, 0x02, 0x36, 0x46, 0, 0x10, 0x00, 0]);
/// # Ok::<(), librsync_rs::Error>(())
/// ```
#[derive(Debug)]
pub struct Signature {
    magic: SigMagic,
    block_len: u32,
    strong_len: usize,
    /// In-memory weak sums: `mix32` of the stored value for rollsum
    /// signatures, the stored value for RabinKarp ones.
    weak: Vec<u32>,
    /// `strong_len` bytes per block.
    strong: Vec<u8>,
    /// Block count expected from the stream length, used only to stop
    /// growing the arrays past it.
    size_hint: usize,
    index: OnceLock<std::result::Result<Index, Error>>,
    match_stats: Mutex<MatchStats>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Index")
    }
}

impl Signature {
    /// An empty signature with these parameters (`rs_signature_init` with
    /// an unknown file size). `block_len` 0 and `strong_len` 0 pick the
    /// defaults (2048 and the hash's full length).
    ///
    /// ```
    /// use librsync_rs::{ErrorKind, SigMagic, Signature};
    ///
    /// let sig = Signature::new(SigMagic::Md4, 0, 0)?;
    /// assert_eq!((sig.block_len(), sig.strong_len(), sig.block_count()), (2048, 16, 0));
    /// let err = Signature::new(SigMagic::Md4, 512, 17).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Param);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn new(magic: SigMagic, block_len: usize, strong_len: usize) -> Result<Signature> {
        let block_len = i32::try_from(block_len).map_err(|_| Error::new(ErrorKind::Param))?;
        Signature::init(magic as u32, block_len, strong_len)
    }

    /// `rs_signature_init(sig, magic, block_len, strong_len, 0)` with the
    /// header values as librsync holds them (block length as a C `int`).
    pub(crate) fn init(magic: u32, block_len: i32, strong_len: usize) -> Result<Signature> {
        if block_len < 0 {
            // C would trip an assertion here.
            return Err(Error::new(ErrorKind::Param));
        }
        let args = sig_args(-1, magic, block_len as usize, strong_len)?;
        let block_len = u32::try_from(args.block_len).map_err(|_| Error::new(ErrorKind::Param))?;
        Ok(Signature {
            magic: args.magic,
            block_len,
            strong_len: args.strong_len,
            weak: Vec::new(),
            strong: Vec::new(),
            size_hint: 0,
            index: OnceLock::new(),
            match_stats: Mutex::new(MatchStats::default()),
        })
    }

    /// The signature format.
    ///
    /// ```
    /// use librsync_rs::{io::signature_of, SigMagic, Signature, SignatureOptions};
    ///
    /// let bytes = signature_of(b"abc", &SignatureOptions::new().magic(SigMagic::RkMd4))?;
    /// assert_eq!(Signature::from_bytes(&bytes)?.magic(), SigMagic::RkMd4);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn magic(&self) -> SigMagic {
        self.magic
    }

    /// Bytes per block.
    ///
    /// ```
    /// use librsync_rs::{SigMagic, Signature};
    ///
    /// assert_eq!(Signature::new(SigMagic::RkBlake2, 700, 8)?.block_len(), 700);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn block_len(&self) -> usize {
        self.block_len as usize
    }

    /// Bytes of strong sum kept per block.
    ///
    /// ```
    /// use librsync_rs::{SigMagic, Signature};
    ///
    /// assert_eq!(Signature::new(SigMagic::RkBlake2, 700, 8)?.strong_len(), 8);
    /// assert_eq!(Signature::new(SigMagic::RkBlake2, 700, 0)?.strong_len(), 32); // the whole hash
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn strong_len(&self) -> usize {
        self.strong_len
    }

    /// Number of blocks.
    ///
    /// ```
    /// use librsync_rs::{io::signature_of, Signature, SignatureOptions};
    ///
    /// // 5000 bytes in blocks of 2048: two whole blocks and a short one.
    /// let bytes = signature_of(&[0u8; 5000], &SignatureOptions::new().block_len(2048))?;
    /// assert_eq!(Signature::from_bytes(&bytes)?.block_count(), 3);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn block_count(&self) -> usize {
        self.weak.len()
    }

    /// The weak sum of a block as librsync holds it in memory (`mix32` applied
    /// for rollsum signatures).
    ///
    /// ```
    /// use librsync_rs::checksum::{weak_sum, WeakKind};
    /// use librsync_rs::{io::signature_of, Signature, SignatureOptions};
    ///
    /// let bytes = signature_of(b"0123456789", &SignatureOptions::new().block_len(4))?;
    /// let sig = Signature::from_bytes(&bytes)?; // RabinKarp: held as stored
    /// assert_eq!(sig.weak_sum(1), Some(weak_sum(WeakKind::RabinKarp, b"4567")));
    /// assert_eq!(sig.weak_sum(3), None);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn weak_sum(&self, block: usize) -> Option<u32> {
        self.weak.get(block).copied()
    }

    /// The stored strong sum prefix of a block.
    ///
    /// ```
    /// use librsync_rs::checksum::{strong_sum, StrongKind};
    /// use librsync_rs::{io::signature_of, Signature, SignatureOptions, StrongLen};
    ///
    /// let opts = SignatureOptions::new().block_len(4).strong_len(StrongLen::Exact(8));
    /// let sig = Signature::from_bytes(&signature_of(b"0123456789", &opts)?)?;
    /// assert_eq!(sig.strong_sum(2), Some(&strong_sum(StrongKind::Blake2, b"89")[..8]));
    /// assert_eq!(sig.strong_sum(3), None);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn strong_sum(&self, block: usize) -> Option<&[u8]> {
        let start = block.checked_mul(self.strong_len)?;
        self.strong.get(start..start + self.strong_len)
    }

    /// Expected number of blocks, from the signature stream's length; used
    /// only to size storage, never to allocate ahead of the data.
    pub(crate) fn set_size_hint(&mut self, blocks: usize) {
        self.size_hint = blocks;
    }

    /// Appends a block with its weak sum as stored in the file and its strong
    /// sum prefix (`rs_signature_add_block`). Fails with [`ErrorKind::Mem`] when
    /// memory runs out, and with [`ErrorKind::Param`] if `strong` has the wrong
    /// length.
    ///
    /// ```
    /// use librsync_rs::checksum::{md4, weak_sum, WeakKind};
    /// use librsync_rs::{io::delta_of, SigMagic, Signature};
    ///
    /// // A signature of "hello world" in one 11-byte block, built by hand.
    /// let mut sig = Signature::new(SigMagic::Md4, 11, 16)?;
    /// sig.add_block(weak_sum(WeakKind::Rollsum, b"hello world"), &md4(b"hello world"))?;
    /// assert_eq!(delta_of(&sig, b"hello world")?, [0x72, 0x73, 0x02, 0x36, 0x45, 0, 11, 0]);
    /// assert!(sig.add_block(0, &[0u8; 8]).is_err()); // a strong sum of the wrong length
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn add_block(&mut self, weak: u32, strong: &[u8]) -> Result<()> {
        if strong.len() != self.strong_len {
            return Err(Error::new(ErrorKind::Param));
        }
        let weak = match self.magic.weak_kind() {
            WeakKind::Rollsum => mix32(weak),
            WeakKind::RabinKarp => weak,
        };
        if self.weak.len() == self.weak.capacity() {
            let have = self.weak.len();
            let want = if self.size_hint > have {
                (have.max(8) * 2).min(self.size_hint)
            } else {
                have.max(8) * 2
            };
            let extra = want - have;
            self.weak
                .try_reserve_exact(extra)
                .map_err(|_| Error::new(ErrorKind::Mem))?;
            self.strong
                .try_reserve_exact(extra * self.strong_len)
                .map_err(|_| Error::new(ErrorKind::Mem))?;
        }
        self.weak.push(weak);
        self.strong.extend_from_slice(strong);
        Ok(())
    }

    /// The signature in librsync's file format: the header (magic, block
    /// length, strong sum length, 4 bytes each, big-endian), then each
    /// block's weak sum (4 bytes) and strong sum prefix. For a signature
    /// loaded from a stream these are the bytes it was loaded from (less
    /// any stray bytes after the last block, and with a magic of 0 given as
    /// the default it stands for); for one made by
    /// [`signature`](crate::signature) with the same parameters, the bytes
    /// it wrote.
    ///
    /// ```
    /// use librsync_rs::io::signature_of;
    /// use librsync_rs::{Signature, SignatureOptions};
    /// let bytes = signature_of(&[5u8; 10_000], &SignatureOptions::default())?;
    /// let sig = Signature::from_bytes(&bytes)?;
    /// assert_eq!(sig.to_bytes(), bytes);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + self.block_count() * (4 + self.strong_len));
        out.extend_from_slice(&(self.magic as u32).to_be_bytes());
        out.extend_from_slice(&self.block_len.to_be_bytes());
        out.extend_from_slice(&(self.strong_len as u32).to_be_bytes());
        for (block, &weak) in self.weak.iter().enumerate() {
            let stored = match self.magic.weak_kind() {
                WeakKind::Rollsum => unmix32(weak),
                WeakKind::RabinKarp => weak,
            };
            out.extend_from_slice(&stored.to_be_bytes());
            out.extend_from_slice(self.strong_sum(block).expect("one strong sum per block"));
        }
        out
    }

    /// Writes [`Signature::to_bytes`] to `out`.
    ///
    /// ```
    /// use librsync_rs::{SigMagic, Signature};
    ///
    /// let sig = Signature::new(SigMagic::Md4, 1024, 8)?;
    /// let mut out = Vec::new();
    /// sig.write_to(&mut out)?;
    /// assert_eq!(out, [0x72, 0x73, 0x01, 0x36, 0, 0, 4, 0, 0, 0, 0, 8]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_to<W: std::io::Write>(&self, mut out: W) -> std::io::Result<()> {
        out.write_all(&self.to_bytes())
    }

    /// Parses a signature in librsync's file format (`rs_loadsig_file` over
    /// these bytes), as [`load_signature_of`](crate::io::load_signature_of)
    /// does but without building the match index yet (it is built on first
    /// use).
    ///
    /// ```
    /// use librsync_rs::{ErrorKind, Signature};
    /// let err = Signature::from_bytes(b"rs\x01\x47\0\0").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InputEnded);
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Signature> {
        let (sig, _) = crate::whole::load_signature(bytes, Some(bytes.len() as u64))?;
        Ok(sig)
    }

    fn sums(&self) -> BlockSums<'_> {
        BlockSums {
            weak: &self.weak,
            strong: &self.strong,
            len: self.strong_len,
        }
    }

    /// Builds (or rebuilds) the match index and resets the match statistics
    /// (`rs_build_hash_table`).
    ///
    /// ```
    /// use librsync_rs::{io::signature_of, Signature};
    ///
    /// let mut sig = Signature::from_bytes(&signature_of(b"hello world", &Default::default())?)?;
    /// assert!(!sig.has_index());
    /// sig.build_index()?; // otherwise the first delta builds it
    /// assert!(sig.has_index());
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn build_index(&mut self) -> Result<()> {
        let built = Index::build(self.sums());
        let result = built.as_ref().map(|_| ()).map_err(Clone::clone);
        self.index = OnceLock::from(built);
        *self
            .match_stats
            .get_mut()
            .unwrap_or_else(|p| p.into_inner()) = MatchStats::default();
        result
    }

    /// Whether the index has been built.
    ///
    /// ```
    /// use librsync_rs::io::{delta_of, signature_of};
    /// use librsync_rs::Signature;
    ///
    /// let sig = Signature::from_bytes(&signature_of(b"hello world", &Default::default())?)?;
    /// assert!(!sig.has_index());
    /// delta_of(&sig, b"hello")?; // builds it on first use
    /// assert!(sig.has_index());
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn has_index(&self) -> bool {
        self.index.get().is_some()
    }

    /// The index, built now if needed.
    pub(crate) fn index(&self) -> Result<(&Index, BlockSums<'_>)> {
        match self.index.get_or_init(|| Index::build(self.sums())) {
            Ok(index) => Ok((index, self.sums())),
            Err(e) => Err(e.clone()),
        }
    }

    /// Match statistics gathered by deltas since the index was built.
    ///
    /// ```
    /// use librsync_rs::io::{delta_of, load_signature_of, signature_of};
    ///
    /// let sig = load_signature_of(&signature_of(&[3u8; 4096], &Default::default())?)?;
    /// assert_eq!(sig.match_stats().find_count, 0);
    /// delta_of(&sig, &[3u8; 4096])?;
    /// let stats = sig.match_stats();
    /// assert!(stats.match_count > 0 && stats.find_count >= stats.match_count);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn match_stats(&self) -> MatchStats {
        *self.match_stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn add_match_stats(&self, delta: &MatchStats) {
        self.match_stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .add(delta);
    }

    /// The text `rs_signature_log_stats` logs.
    ///
    /// ```
    /// use librsync_rs::io::{load_signature_of, signature_of};
    ///
    /// let sig = load_signature_of(&signature_of(b"abc", &Default::default())?)?;
    /// assert!(sig.format_match_stats().starts_with("match statistics: signature[0 searches, 0 ("));
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn format_match_stats(&self) -> String {
        let s = self.match_stats();
        let find = s.find_count as f64;
        format!(
            "match statistics: signature[{} searches, {} ({}%) matches, {} ({}x) weak sum compares, \
             {} ({}%) strong sum compares, {} ({}%) strong sum calcs]",
            s.find_count,
            s.match_count,
            c_fixed(c_div(100.0 * s.match_count as f64, find), 3),
            s.hashcmp_count,
            c_fixed(c_div(s.hashcmp_count as f64, find), 3),
            s.entrycmp_count,
            c_fixed(c_div(100.0 * s.entrycmp_count as f64, find), 3),
            s.calc_strong_count,
            c_fixed(c_div(100.0 * s.calc_strong_count as f64, find), 3),
        )
    }

    /// Logs the match statistics at INFO level (`rs_signature_log_stats`).
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use librsync_rs::trace::{set_sink, Sink};
    /// # let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    /// # let sink = Arc::clone(&lines);
    /// # set_sink(Sink::Custom(Arc::new(move |_, line: &[u8]| {
    /// #     sink.lock().unwrap().push(String::from_utf8_lossy(line).into_owned())
    /// # })));
    /// use librsync_rs::io::{load_signature_of, signature_of};
    ///
    /// let sig = load_signature_of(&signature_of(b"abc", &Default::default())?)?;
    /// sig.log_match_stats(); // to the sink set with trace::set_sink
    /// let expected = format!("librsync: {}\n", sig.format_match_stats());
    /// assert_eq!(lines.lock().unwrap()[..], [expected]);
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn log_match_stats(&self) {
        log(
            LogLevel::Info as i32 | NONAME,
            "",
            format_args!("{}", self.format_match_stats()),
        );
    }

    /// The lines `rs_sumset_dump` logs: a header, then one line per block.
    ///
    /// ```
    /// use librsync_rs::{io::signature_of, Signature, SignatureOptions};
    ///
    /// let sig = Signature::from_bytes(&signature_of(b"0123456789", &SignatureOptions::new().block_len(4))?)?;
    /// let lines = sig.dump_lines();
    /// assert_eq!(lines.len(), 1 + 3); // a header and three blocks
    /// assert_eq!(lines[0], "sumset info: magic=0x72730147, block_len=4, block_num=3");
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn dump_lines(&self) -> Vec<String> {
        let mut lines = Vec::with_capacity(self.weak.len() + 1);
        lines.push(format!(
            "sumset info: magic={}, block_len={}, block_num={}",
            c_alt_hex(self.magic as u32),
            self.block_len,
            self.weak.len()
        ));
        for (i, (weak, strong)) in self
            .weak
            .iter()
            .zip(self.strong.chunks_exact(self.strong_len))
            .enumerate()
        {
            let hex: String = strong.iter().map(|b| format!("{b:02x}")).collect();
            lines.push(format!("sum {i:6}: weak={weak:08x}, strong={hex}"));
        }
        lines
    }

    /// Logs [`Signature::dump_lines`] at INFO level (`rs_sumset_dump`).
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use librsync_rs::trace::{set_sink, Sink};
    /// # let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    /// # let sink = Arc::clone(&lines);
    /// # set_sink(Sink::Custom(Arc::new(move |_, line: &[u8]| {
    /// #     sink.lock().unwrap().push(String::from_utf8_lossy(line).into_owned())
    /// # })));
    /// use librsync_rs::{io::signature_of, Signature, SignatureOptions};
    ///
    /// let sig = Signature::from_bytes(&signature_of(b"0123456789", &SignatureOptions::new().block_len(4))?)?;
    /// sig.log_dump(); // to the sink set with trace::set_sink
    /// assert_eq!(lines.lock().unwrap().len(), sig.dump_lines().len());
    /// # Ok::<(), librsync_rs::Error>(())
    /// ```
    pub fn log_dump(&self) {
        for line in self.dump_lines() {
            log(LogLevel::Info as i32 | NONAME, "", format_args!("{line}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::{strong_sum, weak_sum, StrongKind};
    use crate::index::{PathCache, WindowStrong};

    /// `to_bytes` gives back what the signature job wrote, for every
    /// format, block length and strong length, and `from_bytes` reads it.
    #[test]
    fn serialises_to_the_bytes_it_was_made_from() {
        let data: Vec<u8> = (0..50_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for magic in SigMagic::ALL {
            for (block_len, strong_len) in [(1, 1), (7, 8), (2048, 0), (100_000, 5)] {
                let opts = crate::SignatureOptions::new()
                    .magic(magic)
                    .block_len(block_len)
                    .strong_len(crate::StrongLen::from_c(strong_len));
                let bytes = crate::io::signature_of(&data, &opts).unwrap();
                let sig = Signature::from_bytes(&bytes).unwrap();
                assert_eq!(sig.to_bytes(), bytes, "{magic:?} {block_len} {strong_len}");
                let mut written = Vec::new();
                sig.write_to(&mut written).unwrap();
                assert_eq!(written, bytes);
            }
        }
        let mut built = Signature::new(SigMagic::Md4, 4, 8).unwrap();
        built.add_block(0x0102_0304, &[9; 8]).unwrap();
        assert_eq!(
            built.to_bytes(),
            [&b"rs\x016\0\0\0\x04\0\0\0\x08\x01\x02\x03\x04"[..], &[9; 8]].concat()
        );
    }

    fn find(sig: &Signature, data: &[u8]) -> Option<u32> {
        let (index, sums) = sig.index().unwrap();
        let raw = weak_sum(sig.magic.weak_kind(), data);
        let value = match sig.magic.weak_kind() {
            WeakKind::Rollsum => mix32(raw),
            WeakKind::RabinKarp => raw,
        };
        let mut window = WindowStrong::new(data, sig.magic.strong_kind());
        let mut stats = MatchStats::default();
        let found = index.find(
            crate::checksum::nozero(value),
            sums,
            &mut window,
            &mut stats,
            &mut PathCache::default(),
        );
        sig.add_match_stats(&stats);
        found
    }

    /// librsync's sumset_test: 16 blocks of 16 bytes, strong length 6.
    #[test]
    fn sumset_test_cases() {
        for magic in [
            SigMagic::Md4,
            SigMagic::Blake2,
            SigMagic::RkMd4,
            SigMagic::RkBlake2,
        ] {
            let buf: Vec<u8> = (0..=255).collect();
            let mut sig = Signature::new(magic, 16, 6).unwrap();
            for block in buf.chunks(16) {
                let strong = strong_sum(magic.strong_kind(), block);
                sig.add_block(weak_sum(magic.weak_kind(), block), &strong[..6])
                    .unwrap();
            }
            assert_eq!(sig.block_count(), 16);
            sig.build_index().unwrap();
            assert_eq!(sig.index().unwrap().0.len(), 16);
            // A window of the wrong weak sum, and one with the right weak sum
            // but other data, do not match.
            assert_eq!(find(&sig, &buf[1..17]), None);
            assert_eq!(find(&sig, &buf[240..256]).map(|b| b * 16), Some(240));
            assert_eq!(sig.match_stats().calc_strong_count, 1);
        }
    }

    #[test]
    fn strong_len_defaults_and_checks() {
        let sig = Signature::new(SigMagic::RkBlake2, 0, 0).unwrap();
        assert_eq!((sig.block_len(), sig.strong_len()), (2048, 32));
        let sig = Signature::new(SigMagic::Md4, 0, crate::sig_args::STRONG_LEN_MIN).unwrap();
        assert_eq!(sig.strong_len(), 12);
        assert_eq!(
            Signature::new(SigMagic::Md4, 16, 17).unwrap_err(),
            Error::new(ErrorKind::Param)
        );
        assert_eq!(
            Signature::init(0, 16, 0).unwrap().magic(),
            SigMagic::RkBlake2
        );
        assert_eq!(
            Signature::init(1, 16, 0).unwrap_err(),
            Error::new(ErrorKind::BadMagic)
        );
    }

    #[test]
    fn first_duplicate_wins() {
        let mut sig = Signature::new(SigMagic::RkBlake2, 4, 8).unwrap();
        let blocks: [&[u8]; 4] = [b"abcd", b"wxyz", b"abcd", b"abcd"];
        for b in blocks {
            sig.add_block(
                weak_sum(WeakKind::RabinKarp, b),
                &strong_sum(StrongKind::Blake2, b)[..8],
            )
            .unwrap();
        }
        sig.build_index().unwrap();
        assert_eq!(sig.index().unwrap().0.len(), 2);
        assert_eq!(find(&sig, b"abcd"), Some(0));
        assert_eq!(find(&sig, b"wxyz"), Some(1));
    }

    #[test]
    fn flood_of_one_weak_sum_builds_fast_and_counts_like_c() {
        // 20,000 blocks that share a weak sum, with different strong sums.
        let n = 20_000u32;
        let mut sig = Signature::new(SigMagic::RkBlake2, 2048, 8).unwrap();
        for i in 0..n {
            let strong = strong_sum(StrongKind::Blake2, &i.to_le_bytes());
            sig.add_block(0x1234_5678, &strong[..8]).unwrap();
        }
        sig.build_index().unwrap();
        let (index, sums) = sig.index().unwrap();
        assert_eq!(index.len(), n as usize);
        // Look up the last block's strong sum through a window that cannot be
        // hashed to it, by checking the counters on a plain miss instead: a
        // key present with n entries, none matching.
        let mut stats = MatchStats::default();
        let mut cache = PathCache::default();
        let data = [0u8; 2048];
        let mut window = WindowStrong::new(&data, StrongKind::Blake2);
        assert_eq!(
            index.find(0x1234_5678, sums, &mut window, &mut stats, &mut cache),
            None
        );
        assert_eq!(stats.find_count, 1);
        assert_eq!(stats.entrycmp_count, n as i64);
        assert_eq!(stats.calc_strong_count, 1);
        assert!(stats.hashcmp_count > n as i64);
        // The same lookup again answers from the summary, with equal counts.
        let mut again = MatchStats::default();
        let mut window = WindowStrong::new(&data, StrongKind::Blake2);
        index.find(0x1234_5678, sums, &mut window, &mut again, &mut cache);
        assert_eq!(again, stats);
    }
}
