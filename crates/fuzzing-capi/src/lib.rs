//! The `capi` fuzz target: the jobs of `librsync-rs-fuzzing`'s targets
//! driven through our exported C functions, in process: `rs_sig_begin`,
//! `rs_loadsig_begin`, `rs_build_hash_table`, `rs_delta_begin` and
//! `rs_patch_begin` (with a misbehaving copy callback) under `rs_job_iter`
//! with arbitrary chunk schedules and under `rs_job_drive` with callbacks,
//! and the `FILE*` whole-file functions with `librsync_rs_fuzzing::whole`
//! (parameters from the file's size, statistics, `rs_file_size`, and what
//! `rs_sumset_dump`, `rs_signature_log_stats` and `rs_log_stats` log
//! through `rs_trace_to`), as the differential target checks Debian's.
//! Outputs must equal the Rust engine's. Inputs whose first byte is 250 or more check
//! the utilities (`rs_mdfour*`, `rs_hexify`, `rs_base64`, `rs_unbase64`,
//! `rs_format_stats`, `rs_sig_args`) with `librsync_rs_fuzzing::utils`.
//!
//! A crate of its own because it links the C library (`librsync-rs-sys`):
//! the differential target, in `librsync-rs-fuzzing`, must not.

#![warn(missing_docs)]

use std::ffi::{c_char, c_int, c_void};
use std::sync::Once;

use arbitrary::Unstructured;
use librsync_rs::io::{delta_of, load_signature_of};
use librsync_rs::Job;
use librsync_rs_fuzzing::drive::{drive, drive_with, split, Call, End, Run, Schedule};
use librsync_rs_fuzzing::engine::{corrupt, edited, raw_sig_params, SigParams};
use librsync_rs_fuzzing::utils::{capture_log, keep_log, CStats, Library, Utils};
use librsync_rs_fuzzing::whole::{self, WholeFns};

// Links our C library: the declarations below resolve to its symbols.
use rsync as _;

/// `rs_buffers_t`.
#[repr(C)]
struct CBuffers {
    next_in: *mut c_char,
    avail_in: usize,
    eof_in: c_int,
    next_out: *mut c_char,
    avail_out: usize,
}

/// `rs_copy_cb`.
type CopyCb = unsafe extern "C" fn(*mut c_void, i64, *mut usize, *mut *mut c_void) -> c_int;

/// `rs_driven_cb`.
type DrivenCb = unsafe extern "C" fn(*mut c_void, *mut CBuffers, *mut c_void) -> c_int;

extern "C" {
    fn rs_sig_begin(block_len: usize, strong_len: usize, magic: u32) -> *mut c_void;
    fn rs_loadsig_begin(sig: *mut *mut c_void) -> *mut c_void;
    fn rs_delta_begin(sig: *mut c_void) -> *mut c_void;
    fn rs_patch_begin(cb: CopyCb, arg: *mut c_void) -> *mut c_void;
    fn rs_job_iter(job: *mut c_void, buf: *mut CBuffers) -> c_int;
    fn rs_job_drive(
        job: *mut c_void,
        buf: *mut CBuffers,
        in_cb: DrivenCb,
        in_opaque: *mut c_void,
        out_cb: DrivenCb,
        out_opaque: *mut c_void,
    ) -> c_int;
    fn rs_job_free(job: *mut c_void) -> c_int;
    fn rs_build_hash_table(sig: *mut c_void) -> c_int;
    fn rs_free_sumset(sig: *mut c_void);
    fn rs_trace_set_level(level: c_int);
    fn rs_trace_to(f: Option<unsafe extern "C" fn(c_int, *const c_char)>);
    fn rs_sumset_dump(sig: *const c_void);
    fn rs_signature_log_stats(sig: *const c_void);
    fn rs_log_stats(stats: *const CStats) -> c_int;
    fn rs_file_size(f: *mut libc::FILE) -> i64;
    fn rs_sig_args(
        fsize: i64,
        magic: *mut u32,
        block_len: *mut usize,
        strong_len: *mut usize,
    ) -> c_int;
    fn rs_mdfour(out: *mut u8, input: *const c_void, n: usize);
    fn rs_mdfour_begin(md: *mut c_void);
    fn rs_mdfour_update(md: *mut c_void, input: *const c_void, n: usize);
    fn rs_mdfour_result(md: *mut c_void, out: *mut u8);
    fn rs_hexify(to: *mut c_char, from: *const c_void, from_len: c_int);
    fn rs_base64(buf: *const u8, n: c_int, out: *mut c_char);
    fn rs_unbase64(s: *mut c_char) -> usize;
    fn rs_format_stats(stats: *const CStats, buf: *mut c_char, size: usize) -> *mut c_char;
    fn rs_sig_file(
        old: *mut libc::FILE,
        sig: *mut libc::FILE,
        block_len: usize,
        strong_len: usize,
        magic: u32,
        stats: *mut CStats,
    ) -> c_int;
    fn rs_loadsig_file(f: *mut libc::FILE, sig: *mut *mut c_void, stats: *mut CStats) -> c_int;
    fn rs_delta_file(
        sig: *mut c_void,
        new: *mut libc::FILE,
        delta: *mut libc::FILE,
        stats: *mut CStats,
    ) -> c_int;
    fn rs_patch_file(
        basis: *mut libc::FILE,
        delta: *mut libc::FILE,
        new: *mut libc::FILE,
        stats: *mut CStats,
    ) -> c_int;
}

/// Silences the library's log (errors are expected here).
fn quiet() {
    static ONCE: Once = Once::new();
    // SAFETY: sets a global level; no pointers.
    ONCE.call_once(|| unsafe { rs_trace_set_level(0) });
}

/// The lines our library logs, through `rs_trace_to`, at INFO level while
/// `f` runs ([`Utils::logged`]).
fn ours_logged(f: &mut dyn FnMut()) -> Vec<String> {
    // SAFETY: a trace function of the right type.
    unsafe { rs_trace_to(Some(keep_log)) };
    // SAFETY: sets a global level; no pointers.
    capture_log(|level| unsafe { rs_trace_set_level(level) }, f)
}

/// Drives a C job with `rs_job_iter` (freed afterwards).
fn drive_c(job: *mut c_void, input: &[u8], sched: &Schedule, max_out: usize) -> Run {
    assert!(!job.is_null(), "no job");
    let run = drive_with(input, sched, max_out, |inp, eof, out| {
        let mut b = CBuffers {
            next_in: inp.as_ptr() as *mut c_char,
            avail_in: inp.len(),
            eof_in: eof as c_int,
            next_out: out.as_mut_ptr().cast(),
            avail_out: out.len(),
        };
        // SAFETY: a live job; buffers point into live slices of these
        // lengths; the library only reads next_in.
        let r = unsafe { rs_job_iter(job, &mut b) };
        Call {
            status: match r {
                0 => Ok(true),
                1 => Ok(false),
                c => Err(c),
            },
            consumed: inp.len() - b.avail_in,
            produced: out.len() - b.avail_out,
        }
    });
    // SAFETY: live job, freed once.
    unsafe { rs_job_free(job) };
    run
}

/// State of `rs_job_drive`'s callbacks.
struct DriveIo<'a> {
    input: &'a [u8],
    pos: usize,
    in_sizes: Vec<usize>,
    out_buf: Vec<u8>,
    out: Vec<u8>,
    calls: usize,
}

/// Input callback: offers the next chunk, keeping unconsumed input in
/// front of it (the input is one slice, so it stays contiguous).
unsafe extern "C" fn in_cb(_job: *mut c_void, buf: *mut CBuffers, opaque: *mut c_void) -> c_int {
    // SAFETY: opaque is the DriveIo and buf the buffers given to
    // rs_job_drive, both alive during it.
    let (io, buf) = unsafe { (&mut *opaque.cast::<DriveIo<'_>>(), &mut *buf) };
    io.calls += 1;
    if io.calls > 1_000_000 {
        return 100;
    }
    if buf.eof_in != 0 {
        return 0;
    }
    let size = io.in_sizes[io.calls % io.in_sizes.len()].max(1);
    let start = io.pos - buf.avail_in;
    let end = io.pos.saturating_add(size).min(io.input.len());
    io.pos = end;
    buf.next_in = io.input[start..].as_ptr() as *mut c_char;
    buf.avail_in = end - start;
    if end == io.input.len() {
        buf.eof_in = 1;
    }
    0
}

/// Output callback: takes what the job wrote and offers the buffer again.
unsafe extern "C" fn out_cb(_job: *mut c_void, buf: *mut CBuffers, opaque: *mut c_void) -> c_int {
    // SAFETY: as in_cb.
    let (io, buf) = unsafe { (&mut *opaque.cast::<DriveIo<'_>>(), &mut *buf) };
    if !buf.next_out.is_null() {
        let produced = io.out_buf.len() - buf.avail_out;
        io.out.extend_from_slice(&io.out_buf[..produced]);
        if io.out.len() > 8 << 20 {
            return 100;
        }
    }
    buf.next_out = io.out_buf.as_mut_ptr().cast();
    buf.avail_out = io.out_buf.len();
    0
}

/// Runs a C job with `rs_job_drive` (freed afterwards): `(result, output)`.
fn drive_cb(job: *mut c_void, input: &[u8], sched: &Schedule) -> (c_int, Vec<u8>) {
    let mut io = DriveIo {
        input,
        pos: 0,
        in_sizes: if sched.input.is_empty() {
            vec![usize::MAX]
        } else {
            sched.input.clone()
        },
        out_buf: vec![0; sched.output.first().copied().unwrap_or(4096).max(1)],
        out: Vec::new(),
        calls: 0,
    };
    let mut b = CBuffers {
        next_in: std::ptr::null_mut(),
        avail_in: 0,
        eof_in: 0,
        next_out: std::ptr::null_mut(),
        avail_out: 0,
    };
    let opaque: *mut c_void = (&mut io as *mut DriveIo<'_>).cast();
    // SAFETY: a live job; io and b outlive the call.
    let r = unsafe { rs_job_drive(job, &mut b, in_cb, opaque, out_cb, opaque) };
    // SAFETY: live job, freed once.
    unsafe { rs_job_free(job) };
    (r, io.out)
}

/// How the copy callback answers one call.
#[derive(Clone, Copy, Debug)]
enum Act {
    /// Copies into the caller's buffer.
    Normal,
    /// Points `*buf` at the basis itself.
    OwnBuffer,
    /// Copies at most this many bytes.
    Short(usize),
    /// Returns done with 0 bytes (F1).
    Zero,
    /// Returns this error code (100 I/O, 1 blocked, 2 running, 103...).
    Code(c_int),
    /// Reports this many bytes more than asked (F3).
    TooMuch(usize),
}

/// The copy callback's state.
struct CopyState<'a> {
    basis: &'a [u8],
    script: Vec<Act>,
    next: usize,
}

/// `rs_copy_cb` following the script, then behaving.
unsafe extern "C" fn copy_cb(
    opaque: *mut c_void,
    pos: i64,
    len: *mut usize,
    buf: *mut *mut c_void,
) -> c_int {
    // SAFETY: opaque is the CopyState given to rs_patch_begin, alive for the
    // job; len and buf are valid, *buf has *len bytes.
    unsafe {
        let st = &mut *opaque.cast::<CopyState<'_>>();
        let act = st.script.get(st.next).copied().unwrap_or(Act::Normal);
        st.next += 1;
        let Ok(pos) = usize::try_from(pos) else {
            return 103;
        };
        if pos >= st.basis.len() {
            return 103;
        }
        let avail = st.basis.len() - pos;
        match act {
            Act::Zero => {
                *len = 0;
                0
            }
            Act::Code(c) => c,
            Act::OwnBuffer => {
                *len = (*len).min(avail);
                *buf = st.basis.as_ptr().add(pos) as *mut c_void;
                0
            }
            Act::Normal | Act::Short(_) | Act::TooMuch(_) => {
                let limit = if let Act::Short(n) = act {
                    n
                } else {
                    usize::MAX
                };
                let n = (*len).min(avail).min(limit);
                std::ptr::copy_nonoverlapping(st.basis.as_ptr().add(pos), (*buf).cast::<u8>(), n);
                *len = match act {
                    Act::TooMuch(extra) if n == *len => n + extra,
                    _ => n,
                };
                0
            }
        }
    }
}

/// `capi`: see the crate documentation.
pub fn capi(data: &[u8]) {
    quiet();
    let (cfg, payload) = split(data, 48);
    let mut u = Unstructured::new(&cfg);
    let kind: u8 = u.arbitrary().unwrap_or(0);
    if kind >= 250 {
        // The utilities, held to the references Debian's meet in the
        // differential target; any buffer size for rs_format_stats.
        let utils = Utils {
            mdfour: rs_mdfour,
            mdfour_begin: rs_mdfour_begin,
            mdfour_update: rs_mdfour_update,
            mdfour_result: rs_mdfour_result,
            hexify: rs_hexify,
            base64: rs_base64,
            unbase64: rs_unbase64,
            format_stats: rs_format_stats,
            sig_args: rs_sig_args,
            logged: ours_logged,
        };
        librsync_rs_fuzzing::utils::check(&utils, &data[1..], Library::Ours);
        return;
    }
    let sched = Schedule::arbitrary(&mut u);
    let driven: bool = u.arbitrary().unwrap_or(false);
    match kind % 5 {
        0 => {
            let (magic, block_len, strong_len) = raw_sig_params(&mut u);
            let ours = drive(
                &mut Job::signature_raw(magic, block_len, strong_len),
                payload,
                &sched,
                usize::MAX,
            );
            // SAFETY: plain values.
            let job = unsafe { rs_sig_begin(block_len, strong_len, magic) };
            if driven {
                let (r, out) = drive_cb(job, payload, &sched);
                match &ours.end {
                    End::Done => assert_eq!((r, &out), (0, &ours.out), "rs_job_drive signature"),
                    End::Failed(c) => assert_eq!(r, *c),
                    End::Capped => {}
                }
            } else {
                let theirs = drive_c(job, payload, &sched, usize::MAX);
                assert_eq!(theirs.end, ours.end, "rs_job_iter signature");
                if ours.end == End::Done {
                    assert_eq!(theirs.out, ours.out);
                }
            }
        }
        1 | 2 => {
            // A signature (arbitrary or real, corrupted), loaded, indexed and
            // used for a delta.
            let sig_len = u.arbitrary::<u16>().unwrap_or(0) as usize % (payload.len() + 1);
            let (sig_bytes, new) = payload.split_at(sig_len);
            let sig_bytes = if kind % 5 == 2 {
                let p = SigParams::arbitrary(&mut u);
                let mut b = p.signature(sig_bytes);
                corrupt(&mut u, &mut b);
                b
            } else {
                sig_bytes.to_vec()
            };
            let ours = load_signature_of(&sig_bytes);
            let mut csig: *mut c_void = std::ptr::null_mut();
            // SAFETY: &mut csig outlives the job.
            let job = unsafe { rs_loadsig_begin(&mut csig) };
            let r = if driven {
                drive_cb(job, &sig_bytes, &sched).0
            } else {
                match drive_c(job, &sig_bytes, &sched, usize::MAX).end {
                    End::Done => 0,
                    End::Failed(c) => c,
                    End::Capped => unreachable!(),
                }
            };
            assert_eq!(r, ours.as_ref().map_or_else(|e| e.code(), |_| 0), "loadsig");
            // Our C ABI builds the index and deltas even after a failed load.
            // SAFETY: csig is ours (or NULL, which returns an error).
            let h = unsafe { rs_build_hash_table(csig) };
            if let Ok(sig) = &ours {
                assert_eq!(h, 0);
                // The job, not delta_of: the adapters refuse some block
                // lengths over 2^29 as rs_delta_file does (RS_MEM_ERROR).
                let expect = drive(&mut Job::delta(sig), new, &Schedule::whole(), usize::MAX);
                assert_eq!(expect.end, End::Done);
                let expect = expect.out;
                // SAFETY: csig has its index and outlives the job.
                let job = unsafe { rs_delta_begin(csig) };
                let sched = if sig.block_count() == 0 {
                    Schedule::whole()
                } else {
                    sched.clone()
                };
                if driven && sig.block_count() > 0 {
                    let (r, out) = drive_cb(job, new, &sched);
                    assert_eq!((r, &out), (0, &expect), "rs_job_drive delta");
                } else {
                    let theirs = drive_c(job, new, &sched, usize::MAX);
                    assert_eq!(theirs.end, End::Done);
                    if sig.block_count() > 0 {
                        assert_eq!(theirs.out, expect, "rs_job_iter delta");
                    }
                }
            } else if !csig.is_null() {
                // SAFETY: csig outlives the job.
                let job = unsafe { rs_delta_begin(csig) };
                let _ = drive_c(job, new, &Schedule::whole(), usize::MAX);
            }
            // SAFETY: frees the signature once (NULL is allowed).
            unsafe { rs_free_sumset(csig) };
        }
        3 => {
            // Patch with a misbehaving copy callback.
            let basis_len = u.arbitrary::<u16>().unwrap_or(0) as usize % (payload.len() + 1);
            let (basis, rest) = payload.split_at(basis_len);
            let real: bool = u.arbitrary().unwrap_or(false);
            let delta = if real {
                let p = SigParams::arbitrary(&mut u);
                let sig = load_signature_of(&p.signature(basis)).unwrap();
                let new = edited(&mut u, basis, rest);
                let mut d = delta_of(&sig, &new).unwrap();
                corrupt(&mut u, &mut d);
                d
            } else {
                rest.to_vec()
            };
            let n = u.int_in_range(0..=8u8).unwrap_or(0);
            let mut script = Vec::new();
            for _ in 0..n {
                let k: u8 = u.arbitrary().unwrap_or(0);
                let m: u8 = u.arbitrary().unwrap_or(0);
                script.push(match k % 10 {
                    0 | 1 => Act::Normal,
                    2 => Act::OwnBuffer,
                    3 | 4 => Act::Short(1 + m as usize),
                    5 => Act::Zero,
                    6 => Act::Code(100),
                    7 => Act::Code(1),
                    8 => Act::Code(2),
                    _ => Act::TooMuch(1 + m as usize),
                });
            }
            let honest = script.iter().all(|a| {
                matches!(
                    a,
                    Act::Normal | Act::OwnBuffer | Act::Short(_) | Act::TooMuch(_)
                )
            });
            let mut st = CopyState {
                basis,
                script,
                next: 0,
            };
            let opaque: *mut c_void = (&mut st as *mut CopyState<'_>).cast();
            // SAFETY: st outlives the job.
            let job = unsafe { rs_patch_begin(copy_cb, opaque) };
            let ours = drive(&mut Job::patch(basis), &delta, &sched, 4 << 20);
            if driven {
                let (r, out) = drive_cb(job, &delta, &sched);
                if honest && ours.end == End::Done {
                    assert_eq!((r, &out), (0, &ours.out), "rs_job_drive patch");
                }
            } else {
                let theirs = drive_c(job, &delta, &sched, 4 << 20);
                if honest && ours.end != End::Capped && theirs.end != End::Capped {
                    assert_eq!(theirs.end, ours.end, "rs_job_iter patch");
                    if ours.end == End::Done {
                        assert_eq!(theirs.out, ours.out);
                    }
                }
            }
        }
        _ => {
            // The FILE* whole-file functions: signature, load, delta, patch.
            let fns = WholeFns {
                sig_file: rs_sig_file,
                loadsig_file: rs_loadsig_file,
                delta_file: rs_delta_file,
                patch_file: rs_patch_file,
                file_size: rs_file_size,
                build_hash_table: rs_build_hash_table,
                free_sumset: rs_free_sumset,
                sumset_dump: rs_sumset_dump,
                signature_log_stats: rs_signature_log_stats,
                log_stats: rs_log_stats,
                format_stats: rs_format_stats,
                logged: ours_logged,
            };
            whole::check(&fns, &mut u, payload, Library::Ours);
        }
    }
}
