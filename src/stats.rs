//! Statistics: conversion to `rs_stats_t`, `rs_format_stats`, `rs_log_stats`.

use std::ffi::{c_char, c_int, CStr};

use super::{guard, rs_stats_t};
use librsync_rs::compat::{format_stats, log_stats_text, OP_NAMES};
use librsync_rs::Stats;

/// The C string of an operation name (NULL for an empty or unknown one).
fn op_name(op: &str) -> *const c_char {
    OP_NAMES
        .iter()
        .find(|name| name.to_bytes() == op.as_bytes())
        .map_or(std::ptr::null(), |name| name.as_ptr())
}

impl rs_stats_t {
    /// The C view of a job's statistics.
    pub(crate) fn from_stats(s: &Stats) -> rs_stats_t {
        rs_stats_t {
            op: op_name(s.op),
            lit_cmds: s.lit_cmds,
            lit_bytes: s.lit_bytes,
            lit_cmdbytes: s.lit_cmdbytes,
            copy_cmds: s.copy_cmds,
            copy_bytes: s.copy_bytes,
            copy_cmdbytes: s.copy_cmdbytes,
            sig_cmds: s.sig_cmds,
            sig_bytes: s.sig_bytes,
            false_matches: s.false_matches,
            sig_blocks: s.sig_blocks,
            block_len: s.block_len,
            in_bytes: s.in_bytes,
            out_bytes: s.out_bytes,
            start: s.start as libc::time_t,
            end: s.end as libc::time_t,
        }
    }

    // `time_t` is 64-bit here but not everywhere.
    #[allow(clippy::useless_conversion)]
    fn to_stats(self) -> Stats {
        Stats {
            op: "",
            lit_cmds: self.lit_cmds,
            lit_bytes: self.lit_bytes,
            lit_cmdbytes: self.lit_cmdbytes,
            copy_cmds: self.copy_cmds,
            copy_bytes: self.copy_bytes,
            copy_cmdbytes: self.copy_cmdbytes,
            sig_cmds: self.sig_cmds,
            sig_bytes: self.sig_bytes,
            false_matches: self.false_matches,
            sig_blocks: self.sig_blocks,
            block_len: self.block_len,
            in_bytes: self.in_bytes,
            out_bytes: self.out_bytes,
            start: i64::from(self.start),
            end: i64::from(self.end),
        }
    }

    /// The text `rs_format_stats` makes of these counters.
    fn text(&self) -> Vec<u8> {
        let op = if self.op.is_null() {
            None
        } else {
            // SAFETY: a non-NULL `op` is a NUL-terminated string (librsync
            // sets it to a static name; callers may set their own).
            Some(unsafe { CStr::from_ptr(self.op) }.to_bytes())
        };
        format_stats(op, &self.to_stats())
    }
}

/// Writes the statistics line into `buf` (at most `size` bytes with the NUL;
/// longer text is cut) and returns `buf`.
#[no_mangle]
pub unsafe extern "C" fn rs_format_stats(
    stats: *const rs_stats_t,
    buf: *mut c_char,
    size: usize,
) -> *mut c_char {
    guard(buf, || {
        // SAFETY: `stats` points to statistics; `buf` to `size` writable bytes.
        unsafe {
            let Some(stats) = stats.as_ref() else {
                return buf;
            };
            if buf.is_null() || size == 0 {
                return buf;
            }
            let text = stats.text();
            let n = text.len().min(size - 1);
            std::ptr::copy_nonoverlapping(text.as_ptr(), buf as *mut u8, n);
            *buf.add(n) = 0;
        }
        buf
    })
}

/// Logs the statistics line at INFO level; returns 0.
#[no_mangle]
pub unsafe extern "C" fn rs_log_stats(stats: *const rs_stats_t) -> c_int {
    guard(0, || {
        // SAFETY: `stats` points to statistics.
        if let Some(stats) = unsafe { stats.as_ref() } {
            log_stats_text(&stats.text());
        }
        0
    })
}
