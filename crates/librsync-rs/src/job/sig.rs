//! Signature generation (`mksum.c`): a 12-byte header, then for each block
//! of the input its weak sum and strong sum prefix.

use super::scoop::Short;
use super::{Core, Step};
use crate::buffers::Buffers;
use crate::checksum::{
    strong_sum, strong_sums, weak_sum, StrongKind, StrongSum, WeakKind, STRONG_BATCH,
};
use crate::error::{Error, ErrorKind};
use crate::magic::SigMagic;
use crate::signature::Signature;

struct Params {
    magic: SigMagic,
    block_len: usize,
    strong_len: usize,
    weak: WeakKind,
    strong: StrongKind,
}

pub(crate) struct SigGen {
    /// Arguments as C's job holds them: the lengths truncated to `int`.
    magic: u32,
    block_len: i32,
    strong_len: i32,
    params: Option<Params>,
}

impl SigGen {
    pub fn new(block_len: usize, strong_len: usize, magic: u32) -> SigGen {
        SigGen {
            magic,
            block_len: block_len as i32,
            strong_len: strong_len as i32,
            params: None,
        }
    }

    /// The block length asked for (0 meaning 2048), unless it is negative
    /// as a C `int`.
    pub fn requested_block_len(&self) -> Option<usize> {
        match self.block_len {
            0 => Some(crate::magic::DEFAULT_BLOCK_LEN),
            b => usize::try_from(b).ok(),
        }
    }

    /// The format, block length and strong sum length, once the header
    /// has settled them.
    pub fn settled(&self) -> Option<(SigMagic, usize, usize)> {
        self.params
            .as_ref()
            .map(|p| (p.magic, p.block_len, p.strong_len))
    }

    pub fn step(&mut self, core: &mut Core, bufs: &mut Buffers<'_>) -> Step {
        match &self.params {
            None => self.header(core, bufs),
            Some(p) => generate(p, core, bufs),
        }
    }

    /// `rs_sig_s_header`: settles the parameters as `rs_signature_init`
    /// does, then queues magic, block length and strong length.
    fn header(&mut self, core: &mut Core, bufs: &mut Buffers<'_>) -> Step {
        let sig = match Signature::init(
            self.magic,
            self.block_len,
            self.strong_len as isize as usize,
        ) {
            Ok(sig) => sig,
            Err(e) => return Step::Failed(e),
        };
        let mut header = [0u8; 12];
        header[..4].copy_from_slice(&(sig.magic() as u32).to_be_bytes());
        header[4..8].copy_from_slice(&(sig.block_len() as u32).to_be_bytes());
        header[8..].copy_from_slice(&(sig.strong_len() as u32).to_be_bytes());
        core.tube.write_through(bufs, &header);
        core.stats.block_len = sig.block_len();
        self.params = Some(Params {
            magic: sig.magic(),
            block_len: sig.block_len(),
            strong_len: sig.strong_len(),
            weak: sig.magic().weak_kind(),
            strong: sig.magic().strong_kind(),
        });
        Step::Running
    }
}

/// `rs_sig_s_generate`, looping while the output takes the sums: reads a
/// whole block, or at end of input whatever is left, and emits its sums.
fn generate(p: &Params, core: &mut Core, bufs: &mut Buffers<'_>) -> Step {
    let mut record = [0u8; 36];
    let record_len = 4 + p.strong_len;
    loop {
        if core.scoop.is_empty() {
            match generate_batch(p, core, bufs) {
                Step::Done => {}
                step => return step,
            }
        }
        let len = match core.scoop.readahead(bufs, p.block_len) {
            Ok(()) => p.block_len,
            Err(Short::Ended) => {
                let rest = core.scoop.len() + bufs.avail_in();
                if rest == 0 {
                    return Step::Done;
                }
                if let Err(e) = core.scoop.readahead(bufs, rest) {
                    return e.into();
                }
                rest
            }
            Err(Short::Mem) => return Step::Failed(Error::new(ErrorKind::Mem)),
            Err(Short::Blocked) => return Step::Blocked,
        };
        let block = core.scoop.peek(bufs, len);
        write_record(
            p,
            block,
            &strong_sum(p.strong, block),
            &mut record[..record_len],
        );
        core.scoop.consume(bufs, len);
        core.tube.write_through(bufs, &record[..record_len]);
        core.stats.sig_blocks += 1;
        if core.tube.has_writes() {
            return Step::Running;
        }
    }
}

/// Emits the sums of as many whole blocks as the caller's input holds, the
/// output takes (plus the one whose record waits in the tube, as in C) and
/// fit in one batch, hashing them together. `Running` if it emitted
/// something, `Done` if it left the blocks to [`generate`].
fn generate_batch(p: &Params, core: &mut Core, bufs: &mut Buffers<'_>) -> Step {
    let record_len = 4 + p.strong_len;
    let count = (bufs.avail_in() / p.block_len)
        .min(bufs.avail_out() / record_len + 1)
        .min(STRONG_BATCH);
    if count < 2 {
        return Step::Done;
    }
    let blocks = &bufs.next_in()[..count * p.block_len];
    let mut strong = [StrongSum::default(); STRONG_BATCH];
    strong_sums(p.strong, blocks, p.block_len, &mut strong[..count]);
    let mut records = [0u8; 36 * STRONG_BATCH];
    for ((block, sum), record) in blocks
        .chunks_exact(p.block_len)
        .zip(&strong)
        .zip(records.chunks_exact_mut(record_len))
    {
        write_record(p, block, sum, record);
    }
    bufs.consume(count * p.block_len);
    core.stats.sig_blocks += count as i64;
    core.tube
        .write_through(bufs, &records[..count * record_len]);
    Step::Running
}

/// One block's signature record: its weak sum, big-endian, then the first
/// `strong_len` bytes of its strong sum `strong`.
fn write_record(p: &Params, block: &[u8], strong: &StrongSum, record: &mut [u8]) {
    record[..4].copy_from_slice(&weak_sum(p.weak, block).to_be_bytes());
    record[4..].copy_from_slice(&strong[..p.strong_len]);
}
