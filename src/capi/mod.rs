//! The C ABI of `librsync.so.2` (librsync 2.3.2): the 35 functions and 5 data
//! objects that `librsync.h` declares, with C's names, types, layouts and
//! behaviour, over the safe core. All of the crate's `unsafe` code lives in
//! this module, each block with a `// SAFETY:` comment.
//!
//! No panic crosses the boundary: every exported function runs its body
//! under `guard`, which turns a panic into `RS_INTERNAL_ERROR` (or NULL);
//! a job that panicked fails every later call. C callbacks (copy, drive and
//! trace callbacks) must not unwind or `longjmp` through the library, as
//! in C.

#![allow(unsafe_code)]
#![allow(
    non_camel_case_types,
    non_upper_case_globals,
    clippy::missing_safety_doc
)]

// In the order the header declares them.
mod file;
mod job;
mod mdfour;
mod stats;
mod sumset;
mod trace;
mod types;
mod util;
mod whole;

pub use types::*;

pub(crate) use trace::write_c_stderr;

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{Error, Status};

/// Runs the body of a C entry point, with jobs on C's clock; a panic
/// becomes `default`.
pub(crate) fn guard<T>(default: T, body: impl FnOnce() -> T) -> T {
    job::use_c_clock();
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(default)
}

/// The `rs_result` of a job step.
pub(crate) fn result_code(r: &Result<Status, Error>) -> rs_result {
    match r {
        Ok(Status::Done) => RS_DONE,
        Ok(Status::Blocked) => RS_BLOCKED,
        Err(e) => e.code() as rs_result,
    }
}

/// The `rs_result` of an operation without a blocked state.
pub(crate) fn done_or(r: &Result<(), Error>) -> rs_result {
    match r {
        Ok(()) => RS_DONE,
        Err(e) => e.code() as rs_result,
    }
}

/// Restores the default action of `SIGPIPE` (terminate the process), which
/// the Rust runtime sets to "ignore": a Rust program calling this dies from
/// a write to a closed pipe silently, as a C program such as librsync's
/// `rdiff` does (`rdiff patch ... | head`). Used by this crate's `rdiff`.
#[cfg(unix)]
pub fn restore_default_sigpipe() {
    // SAFETY: setting a signal's disposition to its default is always sound;
    // no handler runs in this process.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
