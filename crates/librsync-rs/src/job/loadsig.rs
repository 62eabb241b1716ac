//! Signature loading (`readsums.c`): header, then (weak, strong) records
//! until the input ends.

use super::scoop::Short;
use super::{Core, SigSlot, Step};
use crate::buffers::Buffers;
use crate::checksum::MAX_STRONG_SUM_LENGTH;
use crate::error::{Error, ErrorKind};
use crate::signature::Signature;
use crate::trace::fail;

/// Where the signature header's block length is.
const BLOCK_LEN_AT: u64 = 4;
/// Where the signature header's strong sum length is.
const STRONG_LEN_AT: u64 = 8;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Magic,
    BlockLen,
    StrongLen,
    Weak,
    Strong(u32),
}

impl<'a> LoadSig<'a> {
    /// What was being read when the input ended, in words.
    pub fn cut_short(&self) -> &'static str {
        match self.phase {
            Phase::Magic | Phase::BlockLen | Phase::StrongLen => {
                "the signature ends inside its 12-byte header"
            }
            Phase::Weak | Phase::Strong(_) => "the signature ends inside a block's sums",
        }
    }
}

pub(crate) struct LoadSig<'a> {
    slot: SigSlot<'a>,
    phase: Phase,
    magic: u32,
    block_len: i32,
    /// Size of the signature stream, or negative when unknown.
    file_size: i64,
}

impl<'a> LoadSig<'a> {
    pub fn new(slot: SigSlot<'a>, file_size: i64) -> LoadSig<'a> {
        LoadSig {
            slot,
            phase: Phase::Magic,
            magic: 0,
            block_len: 0,
            file_size,
        }
    }

    pub fn set_file_size(&mut self, bytes: i64) {
        self.file_size = bytes;
    }

    pub fn take(&mut self) -> Option<Signature> {
        self.slot.get().take()
    }

    /// Adds the blocks of the whole records at the front of the caller's
    /// input, without gathering them in the scoop; false if there are none.
    fn add_whole_records(
        &mut self,
        core: &mut Core,
        bufs: &mut Buffers<'_>,
    ) -> Result<bool, Error> {
        let sig = self
            .slot
            .get()
            .as_mut()
            .expect("signature made from the header");
        let record_len = 4 + sig.strong_len();
        let count = bufs.avail_in() / record_len;
        let records = &bufs.next_in()[..count * record_len];
        let mut added = 0;
        let mut result = Ok(count > 0);
        for record in records.chunks_exact(record_len) {
            let (weak, strong) = record.split_at(4);
            let weak = u32::from_be_bytes(weak.try_into().expect("four bytes"));
            if let Err(e) = sig.add_block(weak, strong) {
                result = Err(e);
                break;
            }
            added += 1;
        }
        bufs.consume(added * record_len);
        core.stats.sig_blocks += added as i64;
        result
    }

    pub fn step(&mut self, core: &mut Core, bufs: &mut Buffers<'_>) -> Step {
        loop {
            if self.phase == Phase::Weak && core.scoop.is_empty() {
                match self.add_whole_records(core, bufs) {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => return Step::Failed(e),
                }
            }
            match self.phase {
                Phase::Magic => match core.scoop.read_array::<4>(bufs) {
                    Ok(b) => {
                        self.magic = u32::from_be_bytes(b);
                        self.phase = Phase::BlockLen;
                    }
                    Err(e) => return e.into(),
                },
                Phase::BlockLen => match core.scoop.read_array::<4>(bufs) {
                    Ok(b) => {
                        let l = i32::from_be_bytes(b);
                        if l < 1 {
                            let e = fail!(
                                ErrorKind::Corrupt,
                                "rs_loadsig_s_blocklen",
                                "block length of {l} is bogus"
                            );
                            return Step::Failed(e.or_at(BLOCK_LEN_AT));
                        }
                        self.block_len = l;
                        core.stats.block_len = l as usize;
                        self.phase = Phase::StrongLen;
                    }
                    Err(e) => return e.into(),
                },
                Phase::StrongLen => match core.scoop.read_array::<4>(bufs) {
                    Ok(b) => {
                        let l = i32::from_be_bytes(b);
                        if !(0..=MAX_STRONG_SUM_LENGTH as i32).contains(&l) {
                            let e = fail!(
                                ErrorKind::Corrupt,
                                "rs_loadsig_s_stronglen",
                                "strong sum length {l} is implausible"
                            );
                            return Step::Failed(e.or_at(STRONG_LEN_AT));
                        }
                        let mut sig = match Signature::init(self.magic, self.block_len, l as usize)
                        {
                            Ok(sig) => sig,
                            // An unknown magic, or a strong length its hash
                            // cannot give.
                            Err(e) if e.kind() == ErrorKind::BadMagic => {
                                return Step::Failed(e.or_at(0))
                            }
                            Err(e) => return Step::Failed(e.or_at(STRONG_LEN_AT)),
                        };
                        if self.file_size >= 12 {
                            let blocks = (self.file_size - 12) / (4 + sig.strong_len() as i64);
                            sig.set_size_hint(usize::try_from(blocks).unwrap_or(0));
                        }
                        *self.slot.get() = Some(sig);
                        self.phase = Phase::Weak;
                    }
                    Err(e) => return e.into(),
                },
                Phase::Weak => match core.scoop.read_array::<4>(bufs) {
                    Ok(b) => self.phase = Phase::Strong(u32::from_be_bytes(b)),
                    // Ending here is fine, even with 1-3 stray bytes read.
                    Err(Short::Ended) => return Step::Done,
                    Err(e) => return e.into(),
                },
                Phase::Strong(weak) => {
                    let sig = self
                        .slot
                        .get()
                        .as_mut()
                        .expect("signature made from the header");
                    let len = sig.strong_len();
                    if let Err(e) = core.scoop.readahead(bufs, len) {
                        return e.into();
                    }
                    if let Err(e) = sig.add_block(weak, core.scoop.peek(bufs, len)) {
                        return Step::Failed(e);
                    }
                    core.scoop.consume(bufs, len);
                    core.stats.sig_blocks += 1;
                    self.phase = Phase::Weak;
                }
            }
        }
    }
}
