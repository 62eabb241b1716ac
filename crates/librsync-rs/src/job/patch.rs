//! Applying a delta (`patch.c`): reads commands and writes literal data and
//! copies from the basis.

use std::io;

use super::{Core, Step};
use crate::basis::Basis;
use crate::buffers::Buffers;
use crate::command::{cut_short, BadCommand, Command};
use crate::error::{output_over_limit, Error, ErrorKind};
use crate::magic::DELTA_MAGIC;
use crate::sig_args::c_alt_hex;
use crate::trace::{fail, rs_warn};

#[derive(Clone, Copy)]
enum Phase {
    Header,
    CmdByte,
    Params(Command),
    Copying { pos: u64, remaining: u64 },
}

pub(crate) struct Patch<'a> {
    basis: Box<dyn Basis + Send + 'a>,
    limit: Option<u64>,
    written: u64,
    /// Where the command being run starts in the delta.
    cmd_at: u64,
    phase: Phase,
}

impl<'a> Patch<'a> {
    pub fn new(basis: Box<dyn Basis + Send + 'a>, limit: Option<u64>) -> Patch<'a> {
        Patch {
            basis,
            limit,
            written: 0,
            cmd_at: 0,
            phase: Phase::Header,
        }
    }

    /// Counts `len` more output bytes against the limit.
    fn within_limit(&mut self, len: u64) -> Result<(), Error> {
        self.written = self.written.saturating_add(len);
        match self.limit {
            Some(limit) if self.written > limit => {
                Err(output_over_limit("rs_patch", limit).or_at(self.cmd_at))
            }
            _ => Ok(()),
        }
    }

    #[inline]
    pub fn step(&mut self, core: &mut Core, bufs: &mut Buffers<'_>) -> Step {
        loop {
            match self.phase {
                Phase::Header => match core.scoop.read_array::<4>(bufs) {
                    Ok(b) => {
                        let v = u32::from_be_bytes(b);
                        if v != DELTA_MAGIC {
                            return Step::Failed(
                                fail!(
                                    ErrorKind::BadMagic,
                                    "rs_patch_s_header",
                                    "got magic number {} rather than expected value {}",
                                    c_alt_hex(v),
                                    c_alt_hex(DELTA_MAGIC)
                                )
                                .or_at(0),
                            );
                        }
                        self.phase = Phase::CmdByte;
                    }
                    Err(e) => return e.into(),
                },
                Phase::CmdByte => {
                    self.cmd_at = core.position(bufs);
                    let [op] = match core.scoop.read_array::<1>(bufs) {
                        Ok(op) => op,
                        Err(e) => return e.into(),
                    };
                    let cmd = Command::decode(op);
                    match cmd {
                        Command::End => return Step::Done,
                        Command::LiteralImmediate(len) => {
                            if let Some(step) = self.literal(core, len as i64, 0) {
                                return step;
                            }
                        }
                        Command::Reserved(op) => {
                            return Step::Failed(self.bad(BadCommand::Reserved(op)));
                        }
                        _ => self.phase = Phase::Params(cmd),
                    }
                }
                Phase::Params(cmd) => {
                    if let Err(e) = core.scoop.readahead(bufs, cmd.param_len()) {
                        return e.into();
                    }
                    let step = match cmd {
                        Command::Literal { len_width } => {
                            let len = read_param(core, bufs, len_width);
                            self.literal(core, len, len_width)
                        }
                        Command::Copy {
                            pos_width,
                            len_width,
                        } => {
                            let pos = read_param(core, bufs, pos_width);
                            let len = read_param(core, bufs, len_width);
                            self.copy(core, pos, len, 1 + pos_width as i64 + len_width as i64)
                        }
                        _ => unreachable!("only commands with parameters get here"),
                    };
                    if let Some(step) = step {
                        return step;
                    }
                }
                Phase::Copying { pos, remaining } => {
                    if let Some(step) = self.copying(core, bufs, pos, remaining) {
                        return step;
                    }
                }
            }
        }
    }

    /// `rs_patch_s_literal`: queues `len` bytes of input to pass through.
    fn literal(&mut self, core: &mut Core, len: i64, len_width: u8) -> Option<Step> {
        if len <= 0 {
            return Some(Step::Failed(self.bad(BadCommand::LiteralLen(len))));
        }
        if let Err(e) = self.within_limit(len as u64) {
            return Some(Step::Failed(e));
        }
        let stats = &mut core.stats;
        stats.lit_cmds = stats.lit_cmds.wrapping_add(1);
        stats.lit_bytes = stats.lit_bytes.wrapping_add(len);
        stats.lit_cmdbytes += 1 + len_width as i64;
        core.tube.copy(len as u64);
        self.phase = Phase::CmdByte;
        // The tube must be flushed before the next command.
        Some(Step::Running)
    }

    /// `rs_patch_s_copy`: checks a COPY command and starts it.
    fn copy(&mut self, core: &mut Core, pos: i64, len: i64, cmd_bytes: i64) -> Option<Step> {
        if len <= 0 {
            return Some(Step::Failed(self.bad(BadCommand::CopyLen(len))));
        }
        if pos < 0 {
            return Some(Step::Failed(self.bad(BadCommand::CopyPos(pos))));
        }
        if let Err(e) = self.within_limit(len as u64) {
            return Some(Step::Failed(e));
        }
        let stats = &mut core.stats;
        stats.copy_cmds += 1;
        stats.copy_bytes = stats.copy_bytes.wrapping_add(len);
        stats.copy_cmdbytes += cmd_bytes;
        self.phase = Phase::Copying {
            pos: pos as u64,
            remaining: len as u64,
        };
        None
    }

    /// What was being read when the input ended, in words.
    pub fn cut_short(&self) -> &'static str {
        match self.phase {
            Phase::Header => cut_short::IN_MAGIC,
            Phase::CmdByte | Phase::Copying { .. } => cut_short::BEFORE_END,
            Phase::Params(_) => cut_short::IN_PARAMS,
        }
    }

    /// Logs a command that fails the checks, and gives its error.
    fn bad(&self, problem: BadCommand) -> Error {
        fail!(ErrorKind::Corrupt, problem.c_function(), "{problem}").or_at(self.cmd_at)
    }

    /// Adds to an error of the basis where it happened, unless it says so.
    fn basis_failed(&self, e: Error, pos: u64) -> Error {
        let e = if e.message().is_none() {
            e.with_message(format!("reading the basis at position {pos} failed"))
        } else {
            e
        };
        e.or_at(self.cmd_at)
    }

    /// `rs_patch_s_copying`: asks the basis for as much of the copy as the
    /// output can take.
    fn copying(
        &mut self,
        core: &mut Core,
        bufs: &mut Buffers<'_>,
        pos: u64,
        remaining: u64,
    ) -> Option<Step> {
        if bufs.avail_out() == 0 {
            return Some(Step::Blocked);
        }
        let want = remaining.min(bufs.avail_out() as u64) as usize;
        core.publish_stats();
        let got = loop {
            match self.basis.read_at(pos, &mut bufs.out_space()[..want]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Some(Step::Blocked),
                Err(e) => return Some(Step::Failed(self.basis_failed(Error::from_io(e), pos))),
            }
        };
        let got = if got > want {
            rs_warn!(
                "rs_patch_s_copying",
                "copy_cb() returned more than the requested length"
            );
            want
        } else {
            got
        };
        if got == 0 {
            // C would call the callback again forever.
            let e = fail!(
                ErrorKind::InputEnded,
                "rs_patch_s_copying",
                "basis returned no data at position {pos}"
            );
            return Some(Step::Failed(e.or_at(self.cmd_at)));
        }
        bufs.produce(got);
        let remaining = remaining - got as u64;
        self.phase = if remaining == 0 {
            Phase::CmdByte
        } else {
            Phase::Copying {
                pos: pos + got as u64,
                remaining,
            }
        };
        None
    }
}

/// Reads a big-endian parameter as C does: into a signed 64-bit value, so
/// that an 8-byte value with the top bit set is negative.
fn read_param(core: &mut Core, bufs: &mut Buffers<'_>, width: u8) -> i64 {
    core.scoop
        .read_netint(bufs, width as usize)
        .expect("parameters were read ahead") as i64
}
