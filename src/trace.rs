//! Logging: `rs_trace_set_level`, `rs_trace_to`, `rs_trace_stderr`,
//! `rs_supports_trace`.

use std::ffi::{c_char, c_int, CString};
use std::sync::Arc;

use super::{guard, rs_loglevel, rs_trace_fn_t, TraceFn};
use librsync_rs::trace::{self, Sink};

extern "C" {
    /// C's `stderr` stream.
    static mut stderr: *mut libc::FILE;
}

/// Sets the most verbose level that is logged (`RS_LOG_INFO` by default).
#[no_mangle]
pub extern "C" fn rs_trace_set_level(level: rs_loglevel) {
    guard((), || {
        librsync_rs::compat::set_log_level_raw(level as c_int)
    })
}

/// Sends log lines to `new_impl`, or nowhere if it is NULL. The function
/// gets the message level and the whole line, newline included.
#[no_mangle]
pub unsafe extern "C" fn rs_trace_to(new_impl: *mut rs_trace_fn_t) {
    guard((), || {
        if new_impl.is_null() {
            trace::set_sink(Sink::Silent);
            return;
        }
        // SAFETY: a non-NULL `rs_trace_fn_t *` is a pointer to a C function
        // of that type; function and data pointers have the same size here.
        let f: TraceFn = unsafe { std::mem::transmute::<*mut rs_trace_fn_t, TraceFn>(new_impl) };
        trace::set_sink(Sink::Custom(Arc::new(move |level, line| {
            let line = CString::new(
                line.iter()
                    .copied()
                    .filter(|&b| b != 0)
                    .collect::<Vec<u8>>(),
            )
            .unwrap_or_default();
            // SAFETY: calling the caller's trace function with a valid
            // NUL-terminated string, as librsync does.
            unsafe { f(level as rs_loglevel, line.as_ptr()) }
        })));
    })
}

/// Writes `msg` to C's `stderr` (the default destination); the level is
/// ignored.
#[no_mangle]
pub unsafe extern "C" fn rs_trace_stderr(level: rs_loglevel, msg: *const c_char) {
    let _ = level;
    guard((), || {
        if msg.is_null() {
            return;
        }
        // SAFETY: `msg` is a NUL-terminated string; `stderr` is C's standard
        // error stream, read once.
        unsafe {
            libc::fputs(msg, std::ptr::read(&raw const stderr));
        }
    })
}

/// Writes bytes to C's `stderr` stream (the default log destination).
pub(crate) fn write_c_stderr(line: &[u8]) {
    // SAFETY: `stderr` is C's standard error stream, read once; `line` is
    // readable for its length.
    unsafe {
        libc::fwrite(
            line.as_ptr().cast(),
            1,
            line.len(),
            std::ptr::read(&raw const stderr),
        );
    }
}

/// 0: this build has no debug tracing, like Debian's librsync.
#[no_mangle]
pub extern "C" fn rs_supports_trace() -> c_int {
    0
}
