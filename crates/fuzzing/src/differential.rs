//! The `differential` target: our engine against Debian's librsync 2.3.2,
//! loaded with `dlopen("librsync.so.2", RTLD_NOW | RTLD_LOCAL)` into a
//! process that holds none of our C symbols (this crate does not depend on
//! `librsync-rs-sys`).
//!
//! C runs that could hang, abort or exhaust memory are excluded by
//! construction (rows of docs/bad-inputs.md):
//! * the copy callback never answers "done" with 0 bytes (F1: C loops) nor
//!   more than asked (F3: C asserts): past the basis it returns
//!   `RS_INPUT_ENDED`, as `rs_file_copy_cb` does at end of file;
//! * signatures are only used for deltas after a successful load, always
//!   with `rs_build_hash_table` (M1: C asserts without it);
//! * deltas run only against signatures whose block length is at most
//!   64 KiB (R3: C's scoop grows to a power of two above the block length)
//!   and with at most 4096 blocks (R4: C's index is quadratic);
//! * signature jobs get block lengths 0 to 4096 and strong lengths that
//!   fit in an `int` (M5: a negative block length asserts in C);
//! * patch output is capped at 4 MiB (P21: COPY bombs).
//!
//! The comparisons: same result code (C's failing runs stop at the same
//! code); identical output on success; for patch, the same input consumed;
//! after a delta, the lines `rs_sumset_dump` and `rs_signature_log_stats`
//! log (the blocks as loaded, the match statistics).
//! A slack delta (a signature without blocks) is compared with all input
//! in one call, since its literal commands follow the input chunks. None
//! of the deviations in DEVIATIONS.md are reachable with these inputs.
//!
//! Inputs whose first byte is 248 to 251 check Debian's whole-file
//! functions (`rs_sig_file` with parameters from the file's size,
//! `rs_loadsig_file`, `rs_delta_file`, `rs_patch_file`, their statistics
//! and logs) with [`crate::whole`], as the `capi` target checks ours.
//!
//! Inputs whose first byte is 252 or more check Debian's utilities
//! (`rs_mdfour*`, `rs_hexify`, `rs_base64`, `rs_unbase64`,
//! `rs_format_stats`) against the references in [`crate::utils`], which the
//! `capi` target holds our library to, and `rs_sig_args` against the
//! engine. `rs_format_stats` gets a buffer that fits its text: C's overruns
//! a shorter one; `rs_sig_args` is not called where C aborts or hangs
//! (DEVIATIONS.md).

use std::ffi::{c_char, c_int, c_void};
use std::sync::OnceLock;

use arbitrary::Unstructured;
use librsync_rs::io::load_signature_of;
use librsync_rs::Job;

use crate::drive::{drive, drive_with, split, Call, End, Run, Schedule};
use crate::engine::{raw_sig_params, SigParams};
use crate::utils::{capture_log, keep_log, Library, Utils};
use crate::whole::WholeFns;

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

/// The functions of Debian's librsync this target calls.
struct CLib {
    sig_begin: unsafe extern "C" fn(usize, usize, u32) -> *mut c_void,
    loadsig_begin: unsafe extern "C" fn(*mut *mut c_void) -> *mut c_void,
    delta_begin: unsafe extern "C" fn(*mut c_void) -> *mut c_void,
    patch_begin: unsafe extern "C" fn(CopyCb, *mut c_void) -> *mut c_void,
    job_iter: unsafe extern "C" fn(*mut c_void, *mut CBuffers) -> c_int,
    job_free: unsafe extern "C" fn(*mut c_void) -> c_int,
    build_hash_table: unsafe extern "C" fn(*mut c_void) -> c_int,
    free_sumset: unsafe extern "C" fn(*mut c_void),
    sumset_dump: unsafe extern "C" fn(*const c_void),
    signature_log_stats: unsafe extern "C" fn(*const c_void),
    trace_set_level: unsafe extern "C" fn(c_int),
    utils: Utils,
    whole: WholeFns,
}

/// The lines Debian's library logs at INFO level while `f` runs.
fn c_log_lines(lib: &CLib, f: impl FnOnce()) -> Vec<String> {
    // SAFETY: plain values; the sink (keep_log) was installed at load.
    capture_log(|level| unsafe { (lib.trace_set_level)(level) }, f)
}

/// [`Utils::logged`] for Debian's library (loaded).
fn debian_logged(f: &mut dyn FnMut()) -> Vec<String> {
    c_log_lines(clib().expect("Debian's librsync is loaded"), f)
}

/// Looks `name` (NUL-terminated) up in `handle`.
///
/// # Safety
///
/// `handle` must be a live `dlopen` handle, and `T` the function pointer
/// type of the symbol.
unsafe fn sym<T: Copy>(handle: *mut c_void, name: &[u8]) -> Option<T> {
    // SAFETY: the caller passes a live handle; name is NUL-terminated.
    let p = unsafe { libc::dlsym(handle, name.as_ptr().cast()) };
    if p.is_null() {
        return None;
    }
    assert_eq!(std::mem::size_of::<T>(), std::mem::size_of::<*mut c_void>());
    // SAFETY: the caller guarantees T is the symbol's function pointer type,
    // of pointer size (checked above).
    Some(unsafe { std::mem::transmute_copy::<*mut c_void, T>(&p) })
}

/// Debian's librsync, loaded once; `None` if it is not installed.
fn clib() -> Option<&'static CLib> {
    static LIB: OnceLock<Option<CLib>> = OnceLock::new();
    LIB.get_or_init(|| {
        // SAFETY: dlopen with a NUL-terminated name; the library's
        // initialisers are librsync's (none of consequence).
        let h =
            unsafe { libc::dlopen(c"librsync.so.2".as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if h.is_null() {
            eprintln!("differential: Debian's librsync.so.2 is not installed: skipped");
            return None;
        }
        // SAFETY: h is live; each type is the function's C prototype in
        // librsync.h 2.3.2.
        let lib = unsafe {
            // Only the emergency log level: C would print every error.
            let set_level: unsafe extern "C" fn(c_int) = sym(h, b"rs_trace_set_level\0")?;
            set_level(0);
            let trace_to: unsafe extern "C" fn(unsafe extern "C" fn(c_int, *const c_char)) =
                sym(h, b"rs_trace_to\0")?;
            trace_to(keep_log);
            CLib {
                sig_begin: sym(h, b"rs_sig_begin\0")?,
                loadsig_begin: sym(h, b"rs_loadsig_begin\0")?,
                delta_begin: sym(h, b"rs_delta_begin\0")?,
                patch_begin: sym(h, b"rs_patch_begin\0")?,
                job_iter: sym(h, b"rs_job_iter\0")?,
                job_free: sym(h, b"rs_job_free\0")?,
                build_hash_table: sym(h, b"rs_build_hash_table\0")?,
                free_sumset: sym(h, b"rs_free_sumset\0")?,
                sumset_dump: sym(h, b"rs_sumset_dump\0")?,
                signature_log_stats: sym(h, b"rs_signature_log_stats\0")?,
                trace_set_level: set_level,
                utils: Utils {
                    mdfour: sym(h, b"rs_mdfour\0")?,
                    mdfour_begin: sym(h, b"rs_mdfour_begin\0")?,
                    mdfour_update: sym(h, b"rs_mdfour_update\0")?,
                    mdfour_result: sym(h, b"rs_mdfour_result\0")?,
                    hexify: sym(h, b"rs_hexify\0")?,
                    base64: sym(h, b"rs_base64\0")?,
                    unbase64: sym(h, b"rs_unbase64\0")?,
                    format_stats: sym(h, b"rs_format_stats\0")?,
                    sig_args: sym(h, b"rs_sig_args\0")?,
                    logged: debian_logged,
                },
                whole: WholeFns {
                    sig_file: sym(h, b"rs_sig_file\0")?,
                    loadsig_file: sym(h, b"rs_loadsig_file\0")?,
                    delta_file: sym(h, b"rs_delta_file\0")?,
                    patch_file: sym(h, b"rs_patch_file\0")?,
                    file_size: sym(h, b"rs_file_size\0")?,
                    build_hash_table: sym(h, b"rs_build_hash_table\0")?,
                    free_sumset: sym(h, b"rs_free_sumset\0")?,
                    sumset_dump: sym(h, b"rs_sumset_dump\0")?,
                    signature_log_stats: sym(h, b"rs_signature_log_stats\0")?,
                    log_stats: sym(h, b"rs_log_stats\0")?,
                    format_stats: sym(h, b"rs_format_stats\0")?,
                    logged: debian_logged,
                },
            }
        };
        // The addresses must be Debian's, not ours (we link none).
        Some(lib)
    })
    .as_ref()
}

/// Whether Debian's librsync could be loaded.
pub fn reference_available() -> bool {
    clib().is_some()
}

/// Drives a C job (freed afterwards) with the shared driver.
fn drive_c(lib: &CLib, job: *mut c_void, input: &[u8], sched: &Schedule, max_out: usize) -> Run {
    assert!(!job.is_null(), "C returned no job");
    let run = drive_with(input, sched, max_out, |inp, eof, out| {
        let mut b = CBuffers {
            next_in: inp.as_ptr() as *mut c_char,
            avail_in: inp.len(),
            eof_in: eof as c_int,
            next_out: out.as_mut_ptr().cast(),
            avail_out: out.len(),
        };
        // SAFETY: job is a live C job; the buffers point into live slices of
        // the stated lengths (C reads, never writes, next_in).
        let r = unsafe { (lib.job_iter)(job, &mut b) };
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
    // SAFETY: job is live and freed once.
    unsafe { (lib.job_free)(job) };
    run
}

/// The copy callback's basis: a byte slice.
struct CBasis<'a>(&'a [u8]);

/// `rs_copy_cb` over a [`CBasis`]: copies into the caller's buffer;
/// `RS_INPUT_ENDED` at or past the end.
unsafe extern "C" fn copy_cb(
    opaque: *mut c_void,
    pos: i64,
    len: *mut usize,
    buf: *mut *mut c_void,
) -> c_int {
    // SAFETY: opaque is the CBasis passed to rs_patch_begin, alive for the
    // job's life; len and buf are C's valid pointers, *buf has *len bytes.
    unsafe {
        let basis = (*opaque.cast::<CBasis<'_>>()).0;
        let Ok(pos) = usize::try_from(pos) else {
            return 103;
        };
        if pos >= basis.len() {
            return 103;
        }
        let n = (*len).min(basis.len() - pos);
        std::ptr::copy_nonoverlapping(basis.as_ptr().add(pos), (*buf).cast::<u8>(), n);
        *len = n;
    }
    0
}

/// A loaded C signature, freed on drop.
struct CSig<'l> {
    lib: &'l CLib,
    ptr: *mut c_void,
}

impl Drop for CSig<'_> {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: ptr came from rs_loadsig_begin and is freed once.
            unsafe { (self.lib.free_sumset)(self.ptr) };
        }
    }
}

/// Loads `bytes` with C; `Err(code)` on failure.
fn c_loadsig<'l>(lib: &'l CLib, bytes: &[u8], sched: &Schedule) -> Result<CSig<'l>, i32> {
    let mut sig = CSig {
        lib,
        ptr: std::ptr::null_mut(),
    };
    // SAFETY: &mut sig.ptr outlives the job (freed in drive_c).
    let job = unsafe { (lib.loadsig_begin)(&mut sig.ptr) };
    let run = drive_c(lib, job, bytes, sched, usize::MAX);
    match run.end {
        End::Done => Ok(sig),
        End::Failed(c) => Err(c),
        End::Capped => unreachable!(),
    }
}

/// Compares two runs: same end; same output on success.
fn same(ours: &Run, theirs: &Run, what: &str) {
    if ours.end == End::Capped || theirs.end == End::Capped {
        return;
    }
    assert_eq!(ours.end, theirs.end, "{what}: result differs from C");
    if ours.end == End::Done {
        assert!(ours.out == theirs.out, "{what}: output differs from C");
    }
}

/// Patch output cap (P21).
const MAX_OUT: usize = 4 << 20;

/// `differential`: signature bytes, signature loading, delta bytes and
/// patch results against Debian's librsync 2.3.2 for arbitrary inputs and
/// parameters. Does nothing if the library is not installed.
pub fn differential(data: &[u8]) {
    let Some(lib) = clib() else {
        return;
    };
    let (cfg, payload) = split(data, 48);
    let mut u = Unstructured::new(&cfg);
    let kind: u8 = u.arbitrary().unwrap_or(0);
    if kind >= 252 {
        // The utilities, against the references that ours meets too.
        crate::utils::check(&lib.utils, &data[1..], Library::Debian);
        return;
    }
    if kind >= 248 {
        // The whole-file functions, against the engine as ours are.
        crate::whole::check(&lib.whole, &mut u, payload, Library::Debian);
        return;
    }
    let sched = Schedule::arbitrary(&mut u);
    match kind % 4 {
        0 => {
            // Signature with raw parameters.
            let (magic, block_len, strong_len) = raw_sig_params(&mut u);
            let mut ours = Job::signature_raw(magic, block_len, strong_len);
            let ours = drive(&mut ours, payload, &sched, usize::MAX);
            // SAFETY: plain values; C defers bad ones to rs_job_iter.
            let job = unsafe { (lib.sig_begin)(block_len, strong_len, magic) };
            let theirs = drive_c(lib, job, payload, &sched, usize::MAX);
            same(&ours, &theirs, "signature");
        }
        1 | 2 => {
            // Arbitrary bytes as a signature (or a real one, corrupted), then
            // a delta against it.
            let sig_len = u.arbitrary::<u16>().unwrap_or(0) as usize % (payload.len() + 1);
            let (sig_bytes, new) = payload.split_at(sig_len);
            let sig_bytes = if kind % 4 == 2 {
                let p = SigParams::arbitrary(&mut u);
                let mut b = p.signature(sig_bytes);
                crate::engine::corrupt(&mut u, &mut b);
                b
            } else {
                sig_bytes.to_vec()
            };
            let mut job = Job::load_signature();
            let run = drive(&mut job, &sig_bytes, &sched, usize::MAX);
            let theirs = c_loadsig(lib, &sig_bytes, &sched);
            let ours = match run.end {
                End::Done => Ok(job.take_signature().unwrap()),
                End::Failed(c) => Err(c),
                End::Capped => unreachable!(),
            };
            match (&ours, &theirs) {
                (Ok(_), Ok(_)) => {}
                (Err(a), Err(b)) => assert_eq!(a, b, "loadsig error differs from C"),
                (a, b) => panic!(
                    "loadsig: ours {:?}, C {:?}",
                    a.as_ref().map(|_| ()),
                    b.as_ref().map(|_| ())
                ),
            }
            let (Ok(mut sig), Ok(csig)) = (ours, theirs) else {
                return;
            };
            if sig.block_len() > 64 * 1024 || sig.block_count() > 4096 {
                return;
            }
            sig.build_index().unwrap();
            // SAFETY: csig.ptr is a loaded signature.
            assert_eq!(unsafe { (lib.build_hash_table)(csig.ptr) }, 0);
            let sched = if sig.block_count() == 0 {
                Schedule::whole()
            } else {
                sched
            };
            let mut job = Job::delta(&sig);
            let ours = drive(&mut job, new, &sched, usize::MAX);
            // SAFETY: csig.ptr has its hash table and outlives the job.
            let job = unsafe { (lib.delta_begin)(csig.ptr) };
            let theirs = drive_c(lib, job, new, &sched, usize::MAX);
            same(&ours, &theirs, "delta");
            // What rs_sumset_dump and rs_signature_log_stats log: the
            // blocks as loaded, and the delta's match statistics.
            let logged = c_log_lines(lib, || {
                // SAFETY: csig.ptr is a loaded signature with its hash table.
                unsafe {
                    (lib.sumset_dump)(csig.ptr);
                    (lib.signature_log_stats)(csig.ptr);
                }
            });
            let expect: Vec<String> = sig
                .dump_lines()
                .into_iter()
                .chain([sig.format_match_stats()])
                .map(|line| format!("librsync: {line}\n"))
                .collect();
            assert_eq!(logged, expect, "rs_sumset_dump and rs_signature_log_stats");
        }
        _ => {
            // Patch: a basis and delta bytes (or a real delta, corrupted).
            let basis_len = u.arbitrary::<u16>().unwrap_or(0) as usize % (payload.len() + 1);
            let (basis, rest) = payload.split_at(basis_len);
            let real: bool = u.arbitrary().unwrap_or(false);
            let delta = if real {
                let p = SigParams::arbitrary(&mut u);
                let sig = load_signature_of(&p.signature(basis)).unwrap();
                let new = crate::engine::edited(&mut u, basis, rest);
                let mut d = librsync_rs::io::delta_of(&sig, &new).unwrap();
                crate::engine::corrupt(&mut u, &mut d);
                d
            } else {
                rest.to_vec()
            };
            let mut job = Job::patch(basis);
            let ours = drive(&mut job, &delta, &sched, MAX_OUT);
            let mut cb = CBasis(basis);
            // SAFETY: cb outlives the job (freed in drive_c).
            let job = unsafe { (lib.patch_begin)(copy_cb, (&mut cb as *mut CBasis<'_>).cast()) };
            let theirs = drive_c(lib, job, &delta, &sched, MAX_OUT);
            same(&ours, &theirs, "patch");
            if ours.end == End::Done && theirs.end == End::Done {
                assert_eq!(ours.consumed, theirs.consumed, "patch consumed");
            }
        }
    }
}
