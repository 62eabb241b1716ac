//! The three actions, step for step as rdiff.c runs them: open the files in
//! order, refuse extra arguments, then run the whole-stream job with
//! librsync's buffer sizes (or `-I`/`-O`), logging statistics where C does.

use std::io::{BufReader, Read};

use librsync_rs::compat::{
    delta_buffers, run, run_threaded, seek_basis_fd, sig_args, signature_buffers, threads_from_env,
};
use librsync_rs::{log_stats, BufferSizes, Error, ErrorKind, Job, SeekBasis};

use crate::files::{open_input, open_output, Input, Output};
use crate::messages::{quoted, usage_exit};
use crate::options::{Parser, Settings};

/// How an action ended, and standard output if it still has to be flushed
/// (at exit, as C's stdio does).
pub struct Outcome {
    /// The action's `rs_result`.
    pub result: Result<(), Error>,
    /// Standard output, if the action wrote to it.
    pub stdout: Option<Output>,
}

/// The read buffer of a C `FILE` on a regular file or pipe.
const STDIO_READ_BUFFER: usize = 4096;

/// `RS_MD4_SIG_MAGIC`; BLAKE2 is one more, RabinKarp adds 0x10.
const MD4_SIG_MAGIC: u32 = 0x7273_0136;

/// Runs the action named by the first argument: any prefix of `signature`,
/// `delta` or `patch`, in that order (`rdiff_action`).
pub fn run_action(p: &mut Parser) -> Outcome {
    let action = p.next_arg();
    let is_prefix = |word: &[u8]| action.as_deref().is_some_and(|a| word.starts_with(a));
    if is_prefix(b"signature") {
        signature(p)
    } else if is_prefix(b"delta") {
        delta(p)
    } else if is_prefix(b"patch") {
        patch(p)
    } else {
        usage_exit(b"You must specify an action: `signature', `delta', or `patch'.")
    }
}

/// `rdiff_no_more_args`.
fn no_more_args(p: &mut Parser) {
    if p.next_arg().is_some() {
        usage_exit(b"Too many arguments.");
    }
}

/// A buffer size as `rs_whole_run` picks it (`-I`/`-O` when non-zero, else
/// the operation's C `int` default); a negative size is the failed `malloc`
/// (an abort in C, `RS_MEM_ERROR` here).
fn buffer_len(set: i32, default: i32) -> Result<usize, Error> {
    let len = if set != 0 { set } else { default };
    usize::try_from(len).map_err(|_| Error::new(ErrorKind::Mem))
}

/// An input read through a buffer like a C `FILE`'s.
fn buffered(input: Input) -> BufReader<Input> {
    BufReader::with_capacity(STDIO_READ_BUFFER, input)
}

/// The signature magic for `-H` and `-R`; unknown names end the process
/// with a usage error, as in `rdiff_sig`.
fn sig_magic(s: &Settings) -> u32 {
    let mut magic = match s.hash.as_deref() {
        None | Some(b"blake2") => MD4_SIG_MAGIC + 1,
        Some(b"md4") => MD4_SIG_MAGIC,
        Some(other) => usage_exit(&quoted("Unknown hash algorithm ", other)),
    };
    match s.rollsum.as_deref() {
        None | Some(b"rabinkarp") => magic += 0x10,
        Some(b"rollsum") => {}
        Some(other) => usage_exit(&quoted("Unknown rollsum algorithm ", other)),
    }
    magic
}

/// `rdiff signature [BASIS [SIGNATURE]]` (`rdiff_sig` and `rs_sig_file`).
fn signature(p: &mut Parser) -> Outcome {
    let s = p.settings.clone();
    let basis = open_input(p.next_arg().as_deref());
    let mut out = open_output(p.next_arg().as_deref(), s.force);
    no_more_args(p);
    let magic = sig_magic(&s);
    let size = basis.size();
    let mut job = None;
    let result = (|| {
        // rdiff's int options reach rs_sig_file as size_t.
        let args = sig_args(
            size,
            magic,
            s.block_len as isize as usize,
            s.strong_len as isize as usize,
        )?;
        let (in_len, out_len) = buffer_sizes(&s).and_then(|b| signature_buffers(&args, b))?;
        let job = job.insert(Job::signature(args.magic, args.block_len, args.strong_len));
        run_threaded(
            job,
            &mut buffered(basis),
            &mut out.writer,
            in_len,
            out_len,
            threads_from_env(),
        )
    })();
    let stdout = out.close();
    if let (Ok(()), Some(job), true) = (&result, &job, s.stats) {
        log_stats(job.stats());
    }
    Outcome { result, stdout }
}

/// `rdiff delta SIGNATURE [NEWFILE [DELTA]]` (`rdiff_delta`,
/// `rs_loadsig_file`, `rs_build_hash_table` and `rs_delta_file`).
fn delta(p: &mut Parser) -> Outcome {
    let s = p.settings.clone();
    let Some(sig_name) = p.next_arg() else {
        usage_exit(b"Usage for delta: rdiff [OPTIONS] delta SIGNATURE [NEWFILE [DELTA]]")
    };
    let sig_file = open_input(Some(&sig_name));
    let new_file = open_input(p.next_arg().as_deref());
    let mut out = open_output(p.next_arg().as_deref(), s.force);
    no_more_args(p);

    let mut loadsig = Job::load_signature();
    loadsig.set_signature_size(sig_file.size());
    let loaded =
        buffer_len(s.in_size, librsync_rs::compat::LOADSIG_BUFFER as i32).and_then(|in_len| {
            run(&mut loadsig, &mut buffered(sig_file), None, in_len, 0)?;
            loadsig
                .take_signature()
                .ok_or(Error::new(ErrorKind::InputEnded))
        });
    let mut sig = match loaded {
        Ok(sig) => sig,
        // C returns here without closing anything: all is flushed at exit.
        Err(e) => {
            return Outcome {
                result: Err(e),
                stdout: Some(out),
            }
        }
    };
    if s.stats {
        log_stats(loadsig.stats());
    }
    if let Err(e) = sig.build_index() {
        return Outcome {
            result: Err(e),
            stdout: Some(out),
        };
    }

    // Buffers C cannot allocate abort it; here the job does not start.
    let (in_len, out_len) = match buffer_sizes(&s).and_then(|b| delta_buffers(&sig, b)) {
        Ok(lens) => lens,
        Err(e) => {
            return Outcome {
                result: Err(e),
                stdout: out.close(),
            }
        }
    };
    let mut job = Job::delta(&sig);
    let result = run_threaded(
        &mut job,
        &mut buffered(new_file),
        &mut out.writer,
        in_len,
        out_len,
        threads_from_env(),
    );
    let stdout = out.close();
    if s.stats {
        sig.log_match_stats();
        log_stats(job.stats());
    }
    Outcome { result, stdout }
}

/// `-I` and `-O` as the library's buffer sizes (0 for the default); a
/// negative one is the failed `malloc`.
fn buffer_sizes(s: &Settings) -> Result<BufferSizes, Error> {
    let size = |v: i32| usize::try_from(v).map_err(|_| Error::new(ErrorKind::Mem));
    Ok(BufferSizes {
        input: size(s.in_size)?,
        output: size(s.out_size)?,
    })
}

/// `rdiff patch BASIS [DELTA [NEWFILE]]` (`rdiff_patch` and
/// `rs_patch_file` with `rs_file_copy_cb`).
fn patch(p: &mut Parser) -> Outcome {
    let s = p.settings.clone();
    let Some(basis_name) = p.next_arg() else {
        usage_exit(b"Usage for patch: rdiff [OPTIONS] patch BASIS [DELTA [NEW]]")
    };
    let basis = open_input(Some(&basis_name));
    let delta_file = open_input(p.next_arg().as_deref());
    let mut out = open_output(p.next_arg().as_deref(), s.force);
    no_more_args(p);

    // Buffers C cannot allocate abort it; here the job does not start.
    let lens = buffer_len(s.in_size, librsync_rs::compat::PATCH_BUFFER as i32).and_then(|in_len| {
        Ok((
            in_len,
            buffer_len(s.out_size, librsync_rs::compat::PATCH_BUFFER as i32)?,
        ))
    });
    let (in_len, out_len) = match lens {
        Ok(lens) => lens,
        Err(e) => {
            return Outcome {
                result: Err(e),
                stdout: out.close(),
            }
        }
    };
    // Both may be stdin, one FILE in C: the delta is then read without
    // read-ahead, so that the two share one file position as they do in C.
    let basis_is_stdin = basis.is_stdin;
    let mut delta_reader: Box<dyn Read> = if basis_is_stdin && delta_file.is_stdin {
        Box::new(delta_file)
    } else {
        Box::new(buffered(delta_file))
    };
    let basis_file = match basis.into_file() {
        Ok(file) => file,
        Err(e) => {
            return Outcome {
                result: Err(Error::from_io(e)),
                stdout: out.close(),
            }
        }
    };
    let mut job = if basis_is_stdin {
        Job::patch(seek_basis_fd(SeekBasis::new(basis_file), 0))
    } else {
        Job::patch(SeekBasis::from_file(basis_file))
    };
    let result = run(
        &mut job,
        &mut delta_reader,
        Some(&mut out.writer),
        in_len,
        out_len,
    );
    let stdout = out.close();
    if s.stats {
        log_stats(job.stats());
    }
    Outcome { result, stdout }
}
