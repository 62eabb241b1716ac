//! The input and output of a parallel run (signature or delta): the input
//! read under the crew's lock as C's `fread` fills its buffer, with what
//! the reads came to, and output written and counted as the whole-stream
//! helpers write it.

use std::io::{self, Read, Write};

use crate::basis::os_error_text;
use crate::error::{Error, ErrorKind, Result};
use crate::job::Job;
use crate::trace::fail;

/// The input of a parallel run, and what its reads came to.
pub(crate) struct Feed<'i> {
    input: &'i mut (dyn Read + Send),
    /// The input ended, or a read failed (or memory ran out): nothing more
    /// is read.
    pub at_end: bool,
    /// The read error, once one happened.
    pub failed: Option<Error>,
    /// Some input was read.
    pub read_any: bool,
    /// Bytes read.
    pub in_bytes: i64,
}

/// How a [`Feed::fill`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fill {
    /// All the bytes asked for were read.
    Full,
    /// The input ended.
    Ended,
    /// A read failed (the error is in [`Feed::failed`]).
    Failed,
}

impl<'i> Feed<'i> {
    /// A feed from `input`, nothing read yet.
    pub fn new(input: &'i mut (dyn Read + Send)) -> Feed<'i> {
        Feed {
            input,
            at_end: false,
            failed: None,
            read_any: false,
            in_bytes: 0,
        }
    }

    /// Reads up to `len` bytes into `data` after its first `kept` bytes and
    /// truncates `data` to what it holds (see [`read_after`]), counting what
    /// was read. Fails only when memory runs out.
    pub fn fill(&mut self, data: &mut Vec<u8>, kept: usize, len: usize) -> Result<Fill> {
        let (ended, error) = read_after(self.input, data, kept, len).inspect_err(|_| {
            self.at_end = true;
        })?;
        self.in_bytes += (data.len() - kept) as i64;
        self.read_any |= data.len() > kept;
        self.at_end = ended || error.is_some();
        Ok(match error {
            Some(e) => {
                self.failed = self.failed.take().or(Some(e));
                Fill::Failed
            }
            None if ended => Fill::Ended,
            None => Fill::Full,
        })
    }
}

/// Reads up to `len` bytes of `input` into `data` after its first `kept`
/// bytes, as C's `fread` fills its buffer, and truncates `data` to what it
/// holds. Returns whether the input ended, and the read error that stopped
/// it, if one did (logged as the whole-stream helpers log it).
fn read_after(
    input: &mut dyn Read,
    data: &mut Vec<u8>,
    kept: usize,
    len: usize,
) -> Result<(bool, Option<Error>)> {
    let want = kept + len;
    if data.len() < want {
        // A reused buffer is already long enough: no filling with zeros.
        data.try_reserve_exact(want - data.len())
            .map_err(|_| Error::new(ErrorKind::Mem))?;
        data.resize(want, 0);
    }
    let mut filled = kept;
    let result = loop {
        if filled == want {
            break (false, None);
        }
        match input.read(&mut data[filled..want]) {
            Ok(0) => break (true, None),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let text = os_error_text(&e);
                let e = fail!(
                    error = e,
                    "rs_infilebuf_fill",
                    "error filling buf from file: {text}"
                );
                break (false, Some(e));
            }
        }
    };
    data.truncate(filled);
    Ok(result)
}

/// Writes `bytes` to `output` and counts them, logging a failure as the
/// whole-stream helpers do.
pub(crate) fn write_out(job: &mut Job<'_>, output: &mut dyn Write, bytes: &[u8]) -> Result<()> {
    if let Err(e) = output.write_all(bytes) {
        let text = os_error_text(&e);
        return Err(fail!(
            error = e,
            "rs_outfilebuf_drain",
            "error draining buf to file: {text}"
        ));
    }
    job.stats_mut().out_bytes += bytes.len() as i64;
    Ok(())
}
