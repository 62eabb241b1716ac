//! The C types of `librsync.h`: result codes, buffers, statistics, the MD4
//! state, and the opaque job and signature handles.
//!
//! Enumerations are plain integers on the Rust side: C may pass any value
//! (0 as a magic means "default"; callbacks may return codes librsync never
//! uses), and an out-of-range value in a Rust `enum` would be undefined
//! behaviour. The header declares them as the C enums they are.

use std::ffi::{c_char, c_int, c_uint, c_void};

use librsync_rs::compat::codes;
use librsync_rs::Job;
use librsync_rs::Signature;
use librsync_rs::{ErrorKind, Status};

/// `rs_result`: a result code (`enum rs_result` in the header).
pub type rs_result = c_uint;
/// `rs_magic_number`: a signature or delta magic (enum in the header).
pub type rs_magic_number = c_uint;
/// `rs_loglevel`: a syslog-style log level (enum in the header).
pub type rs_loglevel = c_uint;
/// `rs_long_t`: file offsets and sizes (`intmax_t` in the header).
pub type rs_long_t = i64;

// The result codes this library returns, from the core's table (the header
// declares the whole `enum rs_result`; tests/c_abi/header.rs checks it against the
// same table).
pub(crate) const RS_DONE: rs_result = codes::RS_DONE as rs_result;
pub(crate) const RS_BLOCKED: rs_result = codes::RS_BLOCKED as rs_result;
pub(crate) const RS_RUNNING: rs_result = codes::RS_RUNNING as rs_result;
pub(crate) const RS_IO_ERROR: rs_result = codes::RS_IO_ERROR as rs_result;
pub(crate) const RS_MEM_ERROR: rs_result = codes::RS_MEM_ERROR as rs_result;
pub(crate) const RS_INPUT_ENDED: rs_result = codes::RS_INPUT_ENDED as rs_result;
pub(crate) const RS_INTERNAL_ERROR: rs_result = codes::RS_INTERNAL_ERROR as rs_result;
pub(crate) const RS_PARAM_ERROR: rs_result = codes::RS_PARAM_ERROR as rs_result;

// What the library returns for a job step and for each error.
const _: () = assert!(Status::Done.code() as rs_result == RS_DONE);
const _: () = assert!(Status::Blocked.code() as rs_result == RS_BLOCKED);
const _: () = assert!(ErrorKind::Mem.code() as rs_result == RS_MEM_ERROR);
const _: () = assert!(ErrorKind::InputEnded.code() as rs_result == RS_INPUT_ENDED);
const _: () = assert!(ErrorKind::Internal.code() as rs_result == RS_INTERNAL_ERROR);
const _: () = assert!(ErrorKind::Param.code() as rs_result == RS_PARAM_ERROR);

// The header's constants are literals (cbindgen copies them as they are
// written); these assertions tie each to the core's.

/// Signature block length used when the file size is unknown.
pub const RS_DEFAULT_BLOCK_LEN: usize = 2048;
/// Minimum strong sum length used when the file size is unknown.
pub const RS_DEFAULT_MIN_STRONG_LEN: usize = 12;
/// Longest strong sum a signature holds.
pub const RS_MAX_STRONG_SUM_LENGTH: usize = 32;

const _: () = assert!(RS_DEFAULT_BLOCK_LEN == librsync_rs::DEFAULT_BLOCK_LEN);
const _: () = assert!(RS_DEFAULT_MIN_STRONG_LEN == librsync_rs::DEFAULT_MIN_STRONG_LEN);
const _: () = assert!(RS_MAX_STRONG_SUM_LENGTH == librsync_rs::MAX_STRONG_SUM_LENGTH);

/// Counters of a job (`rs_stats_t`, 128 bytes). `in_bytes` and `out_bytes`
/// are counted by the whole-file functions only.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct rs_stats {
    /// Name of the operation: "signature", "loadsig", "delta" or "patch".
    pub op: *const c_char,
    /// Literal commands.
    pub lit_cmds: c_int,
    /// Literal bytes.
    pub lit_bytes: rs_long_t,
    /// Bytes of literal command headers.
    pub lit_cmdbytes: rs_long_t,
    /// Copy commands.
    pub copy_cmds: rs_long_t,
    /// Bytes copied from the basis.
    pub copy_bytes: rs_long_t,
    /// Bytes of copy commands.
    pub copy_cmdbytes: rs_long_t,
    /// Always 0.
    pub sig_cmds: rs_long_t,
    /// Always 0.
    pub sig_bytes: rs_long_t,
    /// Always 0.
    pub false_matches: c_int,
    /// Signature blocks generated or loaded.
    pub sig_blocks: rs_long_t,
    /// Signature block length.
    pub block_len: usize,
    /// Bytes read by the whole-file functions.
    pub in_bytes: rs_long_t,
    /// Bytes written by the whole-file functions.
    pub out_bytes: rs_long_t,
    /// When the job started (seconds since the epoch).
    pub start: libc::time_t,
    /// When the job finished.
    pub end: libc::time_t,
}

/// `rs_stats_t`.
pub type rs_stats_t = rs_stats;

/// The caller's input and output for one `rs_job_iter` call
/// (`rs_buffers_t`, 40 bytes). The job advances `next_in`/`avail_in` and
/// `next_out`/`avail_out`.
#[repr(C)]
pub struct rs_buffers_s {
    /// Next input byte.
    pub next_in: *mut c_char,
    /// Input bytes available at `next_in`.
    pub avail_in: usize,
    /// Non-zero when no input follows what `next_in` holds.
    pub eof_in: c_int,
    /// Where the next output byte goes.
    pub next_out: *mut c_char,
    /// Output space available at `next_out`.
    pub avail_out: usize,
}

/// `rs_buffers_t`.
pub type rs_buffers_t = rs_buffers_s;

/// MD4 state (`struct rs_mdfour`, 96 bytes, opaque in the header as in C).
#[repr(C)]
pub struct MdfourState {
    pub(crate) a: c_uint,
    pub(crate) b: c_uint,
    pub(crate) c: c_uint,
    pub(crate) d: c_uint,
    pub(crate) total_n: u64,
    pub(crate) tail_len: c_int,
    pub(crate) tail: [u8; 64],
}

/// `rs_mdfour_t`.
pub type rs_mdfour_t = MdfourState;

/// Tag every live job carries (`RS_JOB_TAG`).
pub(crate) const JOB_TAG: u32 = 20010225;

/// A job (`rs_job_t`): the Rust job, and the statistics C callers read
/// through `rs_job_statistics` (kept current by the job itself while it
/// calls out to C, e.g. to a copy callback).
pub struct rs_job {
    pub(crate) tag: u32,
    pub(crate) job: Job<'static>,
    /// The statistics as C sees them, kept current by the job.
    pub(crate) stats: std::cell::Cell<rs_stats>,
    /// Set when a panic was caught: the job then fails every call.
    pub(crate) poisoned: bool,
}

/// `rs_job_t`.
pub type rs_job_t = rs_job;

/// A signature (`rs_signature_t`): empty until a loadsig job has read its
/// header.
pub struct rs_signature {
    pub(crate) sig: Option<Signature>,
}

/// `rs_signature_t`.
pub type rs_signature_t = rs_signature;

/// The function type of copy callbacks (`rs_copy_cb`); parameters of this
/// type arrive as pointers to it.
pub struct rs_copy_cb {
    _opaque: [u8; 0],
}

/// The function type of trace callbacks (`rs_trace_fn_t`).
pub struct rs_trace_fn_t {
    _opaque: [u8; 0],
}

/// A copy callback as Rust calls it.
pub(crate) type CopyFn =
    unsafe extern "C" fn(*mut c_void, rs_long_t, *mut usize, *mut *mut c_void) -> rs_result;

/// A trace callback as Rust calls it.
pub(crate) type TraceFn = unsafe extern "C" fn(rs_loglevel, *const c_char);

/// `rs_driven_cb`: the function type of `rs_job_drive`'s callbacks; a
/// parameter of this type is a pointer to such a function, possibly NULL.
pub type rs_driven_cb =
    Option<unsafe extern "C" fn(*mut rs_job_t, *mut rs_buffers_t, *mut c_void) -> rs_result>;

// Layouts the ABI depends on.
const _: () = assert!(std::mem::size_of::<rs_stats_t>() == 128);
const _: () = assert!(std::mem::offset_of!(rs_stats_t, false_matches) == 72);
const _: () = assert!(std::mem::offset_of!(rs_stats_t, block_len) == 88);
const _: () = assert!(std::mem::offset_of!(rs_stats_t, end) == 120);
const _: () = assert!(std::mem::size_of::<rs_buffers_t>() == 40);
const _: () = assert!(std::mem::offset_of!(rs_buffers_t, eof_in) == 16);
const _: () = assert!(std::mem::offset_of!(rs_buffers_t, next_out) == 24);
const _: () = assert!(std::mem::size_of::<rs_mdfour_t>() == 96);
const _: () = assert!(std::mem::align_of::<rs_mdfour_t>() == 8);
const _: () = assert!(std::mem::offset_of!(rs_mdfour_t, total_n) == 16);
const _: () = assert!(std::mem::offset_of!(rs_mdfour_t, tail_len) == 24);
const _: () = assert!(std::mem::offset_of!(rs_mdfour_t, tail) == 28);
