//! The whole-file functions (`rs_sig_file`, `rs_loadsig_file`,
//! `rs_delta_file`, `rs_patch_file`) and the buffer-size globals
//! `rs_inbuflen` / `rs_outbuflen`.

use std::ffi::{c_int, CStr};

use libc::FILE;

use super::file::{rs_file_copy_cb, rs_file_size, CFileRead, CFileWrite};
use super::job::{delta_job, loadsig_job, CopyCallback};
use super::sumset::rs_sig_args;
use super::{
    done_or, guard, rs_magic_number, rs_result, rs_signature_t, rs_stats_t, CopyFn, RS_DONE,
    RS_INTERNAL_ERROR, RS_MEM_ERROR, RS_PARAM_ERROR,
};
use librsync_rs::compat::{
    delta_buffer_defaults, run, run_threaded, signature_buffer_defaults, threads_from_env,
    LOADSIG_BUFFER, PATCH_BUFFER,
};
use librsync_rs::BufferSizes;
use librsync_rs::Job;

/// Input buffer size of the whole-file functions; 0 (the default) means
/// each function's own size.
#[cfg(not(rsync_no_stdio))]
#[no_mangle]
pub static mut rs_inbuflen: c_int = 0;

/// Output buffer size of the whole-file functions; 0 means each function's
/// own size.
#[cfg(not(rsync_no_stdio))]
#[no_mangle]
pub static mut rs_outbuflen: c_int = 0;

/// Reads one of the globals above. A program that uses the variable holds a
/// copy of it (a copy relocation) which is the one it writes, so the symbol
/// is looked up by name, as the program sees it, falling back on our own.
fn global(name: &CStr, own: *const c_int) -> c_int {
    // SAFETY: dlsym with a NUL-terminated name; the result, if any, is the
    // address of an `int` with that name. Reads are volatile: C writes it.
    unsafe {
        let found = libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) as *const c_int;
        let p = if found.is_null() { own } else { found };
        p.read_volatile()
    }
}

/// The buffer sizes set by the caller, or `None` for a negative one (which
/// makes librsync's allocation fail).
fn buffer_sizes() -> Option<BufferSizes> {
    let input = global(c"rs_inbuflen", &raw const rs_inbuflen);
    let output = global(c"rs_outbuflen", &raw const rs_outbuflen);
    Some(BufferSizes {
        input: usize::try_from(input).ok()?,
        output: usize::try_from(output).ok()?,
    })
}

/// Runs a job over C streams with librsync's default sizes `defaults` (C
/// `int`s), unless `rs_inbuflen` / `rs_outbuflen` override them.
fn run_files(
    job: &mut Job<'static>,
    input: *mut FILE,
    output: *mut FILE,
    defaults: (i32, i32),
    threads: usize,
) -> rs_result {
    let Some(sizes) = buffer_sizes() else {
        return RS_MEM_ERROR;
    };
    let (in_len, out_len) =
        match librsync_rs::compat::resolve_buffer_sizes(sizes, defaults.0, defaults.1) {
            Ok(lens) => lens,
            Err(e) => return e.code() as rs_result,
        };
    let mut reader = CFileRead(input);
    let mut writer = CFileWrite(output);
    if output.is_null() {
        done_or(&run(job, &mut reader, None, in_len, out_len))
    } else {
        done_or(&run_threaded(
            job,
            &mut reader,
            &mut writer,
            in_len,
            out_len,
            threads,
        ))
    }
}

/// Copies a job's statistics out, if asked.
fn copy_stats(job: &Job<'_>, stats: *mut rs_stats_t) {
    // SAFETY: `stats` is NULL or points to the caller's `rs_stats_t`.
    if let Some(stats) = unsafe { stats.as_mut() } {
        *stats = rs_stats_t::from_stats(job.stats());
    }
}

/// Writes the signature of `old_file` to `sig_file`. Parameters as for
/// `rs_sig_args`, with the recommended values depending on the size of
/// `old_file` if it is a regular file.
#[cfg(not(rsync_no_stdio))]
#[no_mangle]
pub unsafe extern "C" fn rs_sig_file(
    old_file: *mut FILE,
    sig_file: *mut FILE,
    block_len: usize,
    strong_len: usize,
    sig_magic: rs_magic_number,
    stats: *mut rs_stats_t,
) -> rs_result {
    guard(RS_INTERNAL_ERROR, || {
        if old_file.is_null() || sig_file.is_null() {
            return RS_PARAM_ERROR;
        }
        let (mut magic, mut block_len, mut strong_len) = (sig_magic, block_len, strong_len);
        // SAFETY: `old_file` is an open stream; the pointers are our locals.
        let r = unsafe {
            rs_sig_args(
                rs_file_size(old_file),
                &mut magic,
                &mut block_len,
                &mut strong_len,
            )
        };
        if r != RS_DONE {
            return r;
        }
        let mut job = Job::signature_raw(magic, block_len, strong_len);
        let r = run_files(
            &mut job,
            old_file,
            sig_file,
            signature_buffer_defaults(block_len, strong_len),
            threads_from_env(),
        );
        copy_stats(&job, stats);
        r
    })
}

/// Reads a signature from `sig_file` into a new `*sumset`, which the caller
/// frees with `rs_free_sumset`, also when this fails.
#[cfg(not(rsync_no_stdio))]
#[no_mangle]
pub unsafe extern "C" fn rs_loadsig_file(
    sig_file: *mut FILE,
    sumset: *mut *mut rs_signature_t,
    stats: *mut rs_stats_t,
) -> rs_result {
    guard(RS_INTERNAL_ERROR, || {
        if sig_file.is_null() || sumset.is_null() {
            return RS_PARAM_ERROR;
        }
        // SAFETY: `sig_file` is an open stream; `sumset` the caller's variable.
        let (mut job, sig) = loadsig_job(unsafe { rs_file_size(sig_file) });
        unsafe { *sumset = sig };
        let r = run_files(
            &mut job,
            sig_file,
            std::ptr::null_mut(),
            (LOADSIG_BUFFER as i32, 0),
            1,
        );
        copy_stats(&job, stats);
        r
    })
}

/// Writes the delta of `new_file` against `sig` to `delta_file`.
#[cfg(not(rsync_no_stdio))]
#[no_mangle]
pub unsafe extern "C" fn rs_delta_file(
    sig: *mut rs_signature_t,
    new_file: *mut FILE,
    delta_file: *mut FILE,
    stats: *mut rs_stats_t,
) -> rs_result {
    guard(RS_INTERNAL_ERROR, || {
        if sig.is_null() || new_file.is_null() || delta_file.is_null() {
            return RS_PARAM_ERROR;
        }
        // SAFETY: `sig` is a signature from this library that outlives the job.
        let (block_len, block_count) =
            unsafe { (*sig).sig.as_ref() }.map_or((0, 0), |s| (s.block_len(), s.block_count()));
        let mut job = unsafe { delta_job(sig) };
        let r = run_files(
            &mut job,
            new_file,
            delta_file,
            delta_buffer_defaults(block_len, block_count),
            threads_from_env(),
        );
        copy_stats(&job, stats);
        r
    })
}

/// Applies the delta in `delta_file` to `basis_file` (read with
/// `rs_file_copy_cb`), writing the result to `new_file`.
#[cfg(not(rsync_no_stdio))]
#[no_mangle]
pub unsafe extern "C" fn rs_patch_file(
    basis_file: *mut FILE,
    delta_file: *mut FILE,
    new_file: *mut FILE,
    stats: *mut rs_stats_t,
) -> rs_result {
    guard(RS_INTERNAL_ERROR, || {
        if basis_file.is_null() || delta_file.is_null() || new_file.is_null() {
            return RS_PARAM_ERROR;
        }
        let copy: CopyFn = rs_file_copy_cb;
        let mut job = Job::patch(CopyCallback {
            cb: Some(copy),
            arg: basis_file.cast(),
        });
        let r = run_files(
            &mut job,
            delta_file,
            new_file,
            (PATCH_BUFFER as i32, PATCH_BUFFER as i32),
            1,
        );
        copy_stats(&job, stats);
        r
    })
}
