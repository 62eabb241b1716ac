//! Jobs: `rs_sig_begin`, `rs_loadsig_begin`, `rs_delta_begin`,
//! `rs_patch_begin`, `rs_job_iter`, `rs_job_drive`, `rs_job_statistics`,
//! `rs_job_free`, and the adapter that lets a C copy callback be a basis.

use std::cell::Cell;
use std::ffi::c_void;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::{
    guard, result_code, rs_buffers_t, rs_copy_cb, rs_driven_cb, rs_job, rs_job_t, rs_long_t,
    rs_magic_number, rs_result, rs_signature, rs_signature_t, rs_stats_t, CopyFn, JOB_TAG,
    RS_BLOCKED, RS_DONE, RS_INTERNAL_ERROR, RS_PARAM_ERROR, RS_RUNNING,
};
use crate::lent::lent_input;
use librsync_rs::compat::StatsObserver;
use librsync_rs::Basis;
use librsync_rs::Buffers;
use librsync_rs::Job;
use librsync_rs::Signature;
use librsync_rs::{Error, ErrorKind};

/// C's `time(NULL)`.
fn c_time() -> i64 {
    // SAFETY: `time` with a NULL argument only returns the time.
    unsafe { libc::time(std::ptr::null_mut()) as i64 }
}

/// Makes jobs read C's clock and log lines go to C's `stderr` stream (the
/// engine's default for Rust programs is silence);
/// done once, before any C entry point runs its body.
pub(crate) fn use_c_hooks() {
    static HOOKS: std::sync::Once = std::sync::Once::new();
    HOOKS.call_once(|| {
        librsync_rs::compat::set_clock(c_time);
        librsync_rs::compat::set_stderr_writer(super::trace::write_c_stderr);
        // librsync logs to stderr until told otherwise; the engine is
        // silent for Rust programs.
        librsync_rs::trace::set_sink(librsync_rs::trace::Sink::Stderr);
    });
}

/// Wraps a job for C.
#[inline(always)]
pub(crate) fn new_job(job: Job<'static>) -> *mut rs_job_t {
    let stats = Cell::new(rs_stats_t::from_stats(job.stats()));
    let handle = Box::into_raw(Box::new(rs_job {
        tag: JOB_TAG,
        job,
        stats,
        poisoned: false,
    }));
    // SAFETY: `handle` points to the live box just made, not shared yet.
    unsafe {
        let shown = &raw const (*handle).stats;
        librsync_rs::compat::set_stats_observer(
            &mut (*handle).job,
            StatsObserver {
                show: show_stats,
                context: shown as usize,
            },
        );
    }
    handle
}

/// Copies a job's statistics to where C reads them: `context` is the
/// address of the `stats` of the `rs_job` that holds the job (see
/// [`new_job`]).
fn show_stats(context: usize, stats: &librsync_rs::Stats) {
    // SAFETY: only `new_job` sets this observer, with the address of the
    // statistics in the same `rs_job` as the job that calls it, so they
    // live as long as the job; `Cell` allows the write through `&`.
    let shown = unsafe { &*(context as *const Cell<rs_stats_t>) };
    shown.set(rs_stats_t::from_stats(stats));
}

/// The job behind a C handle, if it is one.
///
/// # Safety
/// `job` is NULL or a pointer returned by one of the `*_begin` functions and
/// not yet freed.
pub(crate) unsafe fn job_mut<'a>(job: *mut rs_job_t) -> Option<&'a mut rs_job> {
    // SAFETY: per the function's contract.
    let job = unsafe { job.as_mut() }?;
    (job.tag == JOB_TAG).then_some(job)
}

/// A C copy callback (`rs_copy_cb`) used as a patch basis.
pub(crate) struct CopyCallback {
    pub cb: Option<CopyFn>,
    pub arg: *mut c_void,
}

// SAFETY: the engine's jobs are `Send` so that Rust programs can move them
// between threads; this library never does. A C job holding this callback
// runs on whatever thread its C caller uses, which is the caller's
// business exactly as with librsync: the callback and its argument are
// only ever used from inside `rs_job_iter`/`rs_job_drive` calls.
unsafe impl Send for CopyCallback {}

impl Basis for CopyCallback {
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        let Some(cb) = self.cb else {
            return Err(Error::new(ErrorKind::Param).into_io());
        };
        let start = buf.as_mut_ptr() as *mut c_void;
        let mut ptr = start;
        let mut len = buf.len();
        // SAFETY: calling the caller's callback as librsync does, with its
        // argument, a position, and our buffer of `len` bytes.
        let r = unsafe { cb(self.arg, pos as rs_long_t, &mut len, &mut ptr) };
        match r {
            RS_DONE => {
                if ptr != start && len > 0 {
                    if ptr.is_null() {
                        return Err(Error::new(ErrorKind::Io).into_io());
                    }
                    // SAFETY: the callback returned `len` bytes at its own
                    // buffer `ptr`; we copy at most what fits (the job warns
                    // if `len` is longer). It may overlap ours.
                    unsafe {
                        std::ptr::copy(ptr as *const u8, buf.as_mut_ptr(), len.min(buf.len()))
                    };
                }
                Ok(len)
            }
            // C would run the state again: the job reports it blocked.
            RS_BLOCKED | RS_RUNNING => Err(io::ErrorKind::WouldBlock.into()),
            code => Err(Error::from_code(code as i32)
                .unwrap_or(Error::new(ErrorKind::Internal))
                .into_io()),
        }
    }
}

/// Starts a signature job (block length 0 = 2048, strong length 0 = full,
/// `(size_t)-1` = 12 bytes, magic 0 = RabinKarp + BLAKE2; bad values are
/// reported by the first `rs_job_iter`).
#[no_mangle]
pub extern "C" fn rs_sig_begin(
    block_len: usize,
    strong_len: usize,
    sig_magic: rs_magic_number,
) -> *mut rs_job_t {
    guard(std::ptr::null_mut(), || {
        new_job(Job::signature_raw(sig_magic, block_len, strong_len))
    })
}

/// Starts a job that reads a signature into a new `*signature` (stored at
/// once; free it with `rs_free_sumset`, also if the job fails).
#[no_mangle]
pub unsafe extern "C" fn rs_loadsig_begin(signature: *mut *mut rs_signature_t) -> *mut rs_job_t {
    guard(std::ptr::null_mut(), || {
        // SAFETY: `signature` points to the caller's pointer variable.
        let Some(out) = (unsafe { signature.as_mut() }) else {
            return std::ptr::null_mut();
        };
        let (job, sig) = loadsig_job(-1);
        *out = sig;
        new_job(job)
    })
}

/// A loadsig job and the signature it fills.
pub(crate) fn loadsig_job(file_size: i64) -> (Job<'static>, *mut rs_signature_t) {
    let sig = Box::into_raw(Box::new(rs_signature { sig: None }));
    // SAFETY: the signature is freed only by `rs_free_sumset`; librsync's
    // contract is that the caller does not free or use it while the job runs.
    let slot: &'static mut Option<Signature> = unsafe { &mut (*sig).sig };
    (
        librsync_rs::compat::load_signature_into(slot, file_size),
        sig,
    )
}

/// The delta job `rs_delta_begin` makes for `sig`.
///
/// # Safety
/// `sig` is NULL or a signature from this library that outlives the job.
pub(crate) unsafe fn delta_job(sig: *const rs_signature_t) -> Job<'static> {
    // SAFETY: per the function's contract; the job only reads the signature.
    match unsafe { sig.as_ref() }.and_then(|s| s.sig.as_ref()) {
        Some(s) if s.block_count() > 0 => {
            // SAFETY: as above, the signature outlives the job.
            let s: &'static Signature = unsafe { &*(s as *const Signature) };
            Job::delta(s)
        }
        _ => Job::delta_slack(),
    }
}

/// Starts a delta job against `sig` (NULL or no blocks: a literal-only
/// delta). The signature must outlive the job.
#[no_mangle]
pub unsafe extern "C" fn rs_delta_begin(sig: *mut rs_signature_t) -> *mut rs_job_t {
    // SAFETY: the caller keeps `sig` alive until the job is freed.
    guard(std::ptr::null_mut(), || new_job(unsafe { delta_job(sig) }))
}

/// Starts a patch job that gets basis data from `copy_cb(copy_arg, ...)`.
#[no_mangle]
pub unsafe extern "C" fn rs_patch_begin(
    copy_cb: *mut rs_copy_cb,
    copy_arg: *mut c_void,
) -> *mut rs_job_t {
    guard(std::ptr::null_mut(), || {
        let cb = if copy_cb.is_null() {
            None
        } else {
            // SAFETY: a non-NULL `rs_copy_cb *` is a pointer to a C function
            // of that type; function and data pointers have the same size.
            Some(unsafe { std::mem::transmute::<*mut rs_copy_cb, CopyFn>(copy_cb) })
        };
        new_job(Job::patch(CopyCallback { cb, arg: copy_arg }))
    })
}

/// One step of `rs_job_iter` on valid handles.
fn iter(job: &mut rs_job, b: &mut rs_buffers_t) -> rs_result {
    if (b.avail_in > 0 && b.next_in.is_null()) || (b.avail_out > 0 && b.next_out.is_null()) {
        return RS_PARAM_ERROR;
    }
    let in_ptr = b.next_in as *const u8;
    let out_ptr = b.next_out as *mut u8;
    // SAFETY: the caller lends `avail_in` readable bytes at `next_in` for
    // this call; the only `&mut` made below is over the output, and
    // `lent_input` copies the input if the two overlap.
    let input = unsafe { lent_input(in_ptr, b.avail_in, out_ptr, b.avail_out) };
    let output: &mut [u8] = if b.avail_out == 0 {
        &mut []
    } else {
        // SAFETY: the caller lends `avail_out` writable bytes at `next_out`
        // for this call; `input` does not borrow them (see `lent_input`).
        unsafe { std::slice::from_raw_parts_mut(out_ptr, b.avail_out) }
    };
    let mut bufs = Buffers::new(&input, output).with_eof(b.eof_in != 0);
    let result = job.job.process(&mut bufs);
    let (consumed, produced) = (bufs.input_consumed(), bufs.output_produced());
    // SAFETY: both counts are within the lent buffers.
    unsafe {
        b.next_in = b.next_in.add(consumed);
        b.next_out = b.next_out.add(produced);
    }
    b.avail_in -= consumed;
    b.avail_out -= produced;
    job.stats.set(rs_stats_t::from_stats(job.job.stats()));
    result_code(&result)
}

/// Runs the job as far as the buffers allow: `RS_DONE` when finished,
/// `RS_BLOCKED` when it needs more input (or `eof_in`) or output space, or
/// an error. A call that could use input and output but uses neither fails
/// with `RS_INTERNAL_ERROR`.
#[no_mangle]
pub unsafe extern "C" fn rs_job_iter(job: *mut rs_job_t, buffers: *mut rs_buffers_t) -> rs_result {
    // SAFETY: `job` comes from a `*_begin` function; `buffers` points to the
    // caller's buffers.
    let (Some(job), Some(b)) = (unsafe { job_mut(job) }, unsafe { buffers.as_mut() }) else {
        return RS_PARAM_ERROR;
    };
    if job.poisoned {
        return RS_INTERNAL_ERROR;
    }
    match catch_unwind(AssertUnwindSafe(|| iter(job, b))) {
        Ok(code) => code,
        Err(_) => {
            job.poisoned = true;
            RS_INTERNAL_ERROR
        }
    }
}

/// Runs a job to the end with callbacks that fill the input and drain the
/// output of `*buf` (zeroed first), as librsync does: a callback's error, or
/// a job error, is returned at once (without draining).
#[no_mangle]
pub unsafe extern "C" fn rs_job_drive(
    job: *mut rs_job_t,
    buf: *mut rs_buffers_t,
    in_cb: rs_driven_cb,
    in_opaque: *mut c_void,
    out_cb: rs_driven_cb,
    out_opaque: *mut c_void,
) -> rs_result {
    guard(RS_INTERNAL_ERROR, || {
        if buf.is_null() {
            return RS_PARAM_ERROR;
        }
        // SAFETY: `buf` points to the caller's buffers; callbacks are C
        // functions of type `rs_driven_cb`, called as librsync calls them.
        unsafe {
            std::ptr::write_bytes(buf, 0, 1);
            loop {
                if (*buf).eof_in == 0 {
                    if let Some(cb) = in_cb {
                        let r = cb(job, buf, in_opaque);
                        if r != RS_DONE {
                            return r;
                        }
                    }
                }
                let result = rs_job_iter(job, buf);
                if result != RS_DONE && result != RS_BLOCKED {
                    return result;
                }
                if let Some(cb) = out_cb {
                    let r = cb(job, buf, out_opaque);
                    if r != RS_DONE {
                        return r;
                    }
                }
                if result == RS_DONE {
                    return RS_DONE;
                }
            }
        }
    })
}

/// The job's statistics, valid until the job is freed.
#[no_mangle]
pub unsafe extern "C" fn rs_job_statistics(job: *mut rs_job_t) -> *const rs_stats_t {
    // SAFETY: `job` comes from a `*_begin` function.
    match unsafe { job_mut(job) } {
        Some(job) => job.stats.as_ptr(),
        None => std::ptr::null(),
    }
}

/// Frees a job (not the signature of a loadsig or delta job).
#[no_mangle]
pub unsafe extern "C" fn rs_job_free(job: *mut rs_job_t) -> rs_result {
    guard(RS_DONE, || {
        // SAFETY: `job` comes from a `*_begin` function and is freed once;
        // the tag is cleared so that a stale handle is recognised.
        if let Some(j) = unsafe { job_mut(job) } {
            j.tag = 0;
            drop(unsafe { Box::from_raw(job) });
        }
        RS_DONE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A basis that panics, standing in for a bug in the library.
    struct Panicking;

    impl Basis for Panicking {
        fn read_at(&mut self, _pos: u64, _buf: &mut [u8]) -> io::Result<usize> {
            panic!("bug")
        }
    }

    fn buffers(input: &mut [u8], output: &mut [u8]) -> rs_buffers_t {
        rs_buffers_t {
            next_in: input.as_mut_ptr().cast(),
            avail_in: input.len(),
            eof_in: 1,
            next_out: output.as_mut_ptr().cast(),
            avail_out: output.len(),
        }
    }

    #[test]
    fn a_panic_is_an_internal_error_and_the_job_stays_failed() {
        let job = new_job(Job::patch(Panicking));
        let mut delta = *b"rs\x02\x36\x45\x00\x05\x00";
        let mut out = [0u8; 16];
        let mut b = buffers(&mut delta, &mut out);
        // SAFETY: a live job and valid buffers.
        unsafe {
            assert_eq!(rs_job_iter(job, &mut b), RS_INTERNAL_ERROR);
            let mut b = buffers(&mut delta, &mut out);
            assert_eq!(rs_job_iter(job, &mut b), RS_INTERNAL_ERROR);
            assert!(!rs_job_statistics(job).is_null());
            assert_eq!(rs_job_free(job), RS_DONE);
        }
    }

    #[test]
    fn null_and_stale_handles_are_refused() {
        let mut b = buffers(&mut [], &mut []);
        // SAFETY: NULL handles, and a freed handle whose memory is still ours
        // (the tag check is what is tested, on a live allocation).
        unsafe {
            assert_eq!(rs_job_iter(std::ptr::null_mut(), &mut b), RS_PARAM_ERROR);
            assert!(rs_job_statistics(std::ptr::null_mut()).is_null());
            assert_eq!(rs_job_free(std::ptr::null_mut()), RS_DONE);
            let job = new_job(Job::delta_slack());
            assert_eq!(rs_job_iter(job, std::ptr::null_mut()), RS_PARAM_ERROR);
            (*job).tag = 0;
            assert_eq!(rs_job_iter(job, &mut b), RS_PARAM_ERROR);
            (*job).tag = JOB_TAG;
            assert_eq!(rs_job_free(job), RS_DONE);
            assert!(rs_loadsig_begin(std::ptr::null_mut()).is_null());
        }
    }

    #[test]
    fn overlapping_buffers_are_copied_not_aliased() {
        // Patch a literal in place: input and output share one buffer.
        let job = new_job(Job::patch(&b""[..]));
        let mut data = *b"rs\x02\x36\x03abc\x00.....";
        let base = data.as_mut_ptr();
        let mut b = rs_buffers_t {
            next_in: base.cast(),
            avail_in: 9,
            eof_in: 1,
            next_out: base.wrapping_add(4).cast(),
            avail_out: 8,
        };
        // SAFETY: a live job; both windows lie inside `data`.
        unsafe {
            assert_eq!(rs_job_iter(job, &mut b), RS_DONE);
            rs_job_free(job);
        }
        assert_eq!(&data[4..7], b"abc");
    }
}
