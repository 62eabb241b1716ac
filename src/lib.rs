//! The C ABI of `librsync.so.2` (librsync 2.3.2): the 35 functions and 5 data
//! objects that `librsync.h` declares, with C's names, types, layouts and
//! behaviour, over the safe engine of the `librsync-rs` crate. Built as
//! `librsync.so` (SONAME `librsync.so.2`, see build.rs) and `librsync.a`;
//! `include/librsync.h` is generated from these sources by cbindgen. All the
//! FFI `unsafe` code of the project lives here, each block with a
//! `// SAFETY:` comment.
//!
//! No panic crosses the boundary: every exported function runs its body
//! under `guard`, which turns a panic into `RS_INTERNAL_ERROR` (or NULL);
//! a job that panicked fails every later call. C callbacks (copy, drive and
//! trace callbacks) must not unwind or `longjmp` through the library, as
//! in C.

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

// Shared by the entry points above.
mod lent;

pub use types::*;

use std::panic::{catch_unwind, AssertUnwindSafe};

use librsync_rs::{Error, Status};

/// Runs the body of a C entry point, with jobs on C's clock and logging to
/// C's `stderr`; a panic
/// becomes `default`.
pub(crate) fn guard<T>(default: T, body: impl FnOnce() -> T) -> T {
    job::use_c_hooks();
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(default)
}

/// The `rs_result` of a job step.
pub(crate) fn result_code(r: &Result<Status, Error>) -> rs_result {
    match r {
        Ok(s) => s.code() as rs_result,
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

/// The repository README's Rust examples, compiled and run as doc tests
/// (the engine crate's own guide is its crate documentation).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
