//! Signatures: `rs_sig_args`, `rs_build_hash_table`, `rs_free_sumset`,
//! `rs_sumset_dump`, `rs_signature_log_stats`.

use super::{
    done_or, guard, rs_long_t, rs_magic_number, rs_result, rs_signature_t, RS_INTERNAL_ERROR,
    RS_PARAM_ERROR,
};
use librsync_rs::compat::recommended_block_len;
use librsync_rs::compat::sig_args;
use librsync_rs::compat::{log, NONAME};
use librsync_rs::trace::LogLevel;
use librsync_rs::SigMagic;

/// Chooses signature parameters for a basis of `old_fsize` bytes (negative
/// when unknown). 0 in `*magic`, `*block_len` or `*strong_len` asks for the
/// default; `(size_t)-1` in `*strong_len` for the minimum. Returns
/// `RS_BAD_MAGIC` or `RS_PARAM_ERROR` (after setting magic and block length,
/// as C does) on bad arguments.
#[no_mangle]
pub unsafe extern "C" fn rs_sig_args(
    old_fsize: rs_long_t,
    magic: *mut rs_magic_number,
    block_len: *mut usize,
    strong_len: *mut usize,
) -> rs_result {
    guard(RS_INTERNAL_ERROR, || {
        // SAFETY: the three pointers point to caller-owned values.
        let (Some(magic), Some(block_len), Some(strong_len)) = (
            unsafe { magic.as_mut() },
            unsafe { block_len.as_mut() },
            unsafe { strong_len.as_mut() },
        ) else {
            return RS_PARAM_ERROR;
        };
        let result = sig_args(old_fsize, *magic, *block_len, *strong_len);
        match &result {
            Ok(args) => {
                *magic = args.magic as rs_magic_number;
                *block_len = args.block_len;
                *strong_len = args.strong_len;
            }
            Err(e) if e.kind() == librsync_rs::ErrorKind::Param => {
                // C has already stored the defaulted magic and block length.
                *magic = if *magic == 0 {
                    SigMagic::default() as rs_magic_number
                } else {
                    *magic
                };
                if *block_len == 0 {
                    *block_len = recommended_block_len(old_fsize);
                }
            }
            Err(_) => {}
        }
        done_or(&result.map(|_| ()))
    })
}

/// Builds the index used to match blocks (call before `rs_delta_begin`;
/// this library builds it there if the caller did not).
#[no_mangle]
pub unsafe extern "C" fn rs_build_hash_table(sums: *mut rs_signature_t) -> rs_result {
    guard(RS_INTERNAL_ERROR, || {
        // SAFETY: `sums` comes from `rs_loadsig_begin` and is not in use by a
        // running job.
        let Some(sums) = (unsafe { sums.as_mut() }) else {
            return RS_PARAM_ERROR;
        };
        match sums.sig.as_mut() {
            Some(sig) => done_or(&sig.build_index()),
            None => super::RS_DONE,
        }
    })
}

/// Frees a signature made by `rs_loadsig_begin` or `rs_loadsig_file`.
#[no_mangle]
pub unsafe extern "C" fn rs_free_sumset(psums: *mut rs_signature_t) {
    guard((), || {
        if !psums.is_null() {
            // SAFETY: `psums` was made by `Box::into_raw` in `rs_loadsig_begin`
            // and is freed once.
            drop(unsafe { Box::from_raw(psums) });
        }
    })
}

/// Logs every block of the signature at INFO level.
#[no_mangle]
pub unsafe extern "C" fn rs_sumset_dump(sums: *const rs_signature_t) {
    guard((), || {
        // SAFETY: `sums` points to a signature made by this library.
        let Some(sums) = (unsafe { sums.as_ref() }) else {
            return;
        };
        let lines = match &sums.sig {
            Some(sig) => sig.dump_lines(),
            None => vec!["sumset info: magic=0, block_len=0, block_num=0".to_string()],
        };
        for line in lines {
            log(LogLevel::Info as i32 | NONAME, "", format_args!("{line}"));
        }
    })
}

/// Logs the match statistics of the deltas made against this signature.
#[no_mangle]
pub unsafe extern "C" fn rs_signature_log_stats(sig: *const rs_signature_t) {
    guard((), || {
        // SAFETY: `sig` points to a signature made by this library.
        if let Some(Some(sig)) = unsafe { sig.as_ref() }.map(|s| s.sig.as_ref()) {
            sig.log_match_stats();
        }
    })
}
