//! Data objects and small helpers: version string, sum lengths,
//! `rs_strerror`, `rs_hexify`, `rs_base64`, `rs_unbase64`.

use std::ffi::{c_char, c_int, c_void};

use super::{guard, rs_result};
use crate::lent::lent_input;
use librsync_rs::compat::c_strerror;
use librsync_rs::{BLAKE2_SUM_LENGTH, LIBRSYNC_VERSION, MD4_SUM_LENGTH};

/// `LIBRSYNC_VERSION` and its NUL as C bytes, copied at compile time.
const fn c_version() -> [c_char; VERSION_SIZE] {
    let text = LIBRSYNC_VERSION.as_bytes();
    let mut out = [0 as c_char; VERSION_SIZE];
    let mut i = 0;
    while i < text.len() {
        out[i] = text[i] as c_char;
        i += 1;
    }
    out
}

/// Bytes of `rs_librsync_version`, the NUL included: the length of the
/// version string plus one, checked here. The static's type must spell it
/// as a literal: cbindgen leaves out a static whose array length is an
/// expression, and writes a constant's name where the header needs `15`.
const VERSION_SIZE: usize = 15;
const _: () = assert!(VERSION_SIZE == LIBRSYNC_VERSION.len() + 1);

/// The library's name and version, `"librsync 2.3.2"` (15 bytes with the NUL;
/// programs hold copy relocations of this exact size).
#[no_mangle]
pub static rs_librsync_version: [c_char; 15] = c_version();

/// Length of an MD4 strong sum: 16.
#[no_mangle]
pub static RS_MD4_SUM_LENGTH: c_int = MD4_SUM_LENGTH as c_int;

/// Length of a BLAKE2 strong sum: 32.
#[no_mangle]
pub static RS_BLAKE2_SUM_LENGTH: c_int = BLAKE2_SUM_LENGTH as c_int;

/// Text for a result code (`RS_PARAM_ERROR` has none of its own: it is an
/// "unexplained problem", as in librsync).
#[no_mangle]
pub extern "C" fn rs_strerror(r: rs_result) -> *const c_char {
    c_strerror(r as c_int).as_ptr()
}

/// Writes `from_len` bytes as lowercase hex, then a NUL, to `to_buf`
/// (which must hold `2 * from_len + 1` bytes).
#[no_mangle]
pub unsafe extern "C" fn rs_hexify(to_buf: *mut c_char, from_buf: *const c_void, from_len: c_int) {
    guard((), || {
        if to_buf.is_null() {
            return;
        }
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let n = if from_buf.is_null() {
            0
        } else {
            from_len.max(0) as usize
        };
        // SAFETY: the caller provides `from_len` readable bytes at `from_buf`
        // and `2 * from_len + 1` writable bytes at `to_buf`.
        // An input that overlaps the output is read from a copy.
        unsafe {
            let from = lent_input(from_buf as *const u8, n, to_buf as *const u8, 2 * n + 1);
            let to = std::slice::from_raw_parts_mut(to_buf as *mut u8, 2 * n + 1);
            for (i, &b) in from.iter().enumerate() {
                to[2 * i] = HEX[(b >> 4) as usize];
                to[2 * i + 1] = HEX[(b & 15) as usize];
            }
            to[2 * n] = 0;
        }
    })
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 of `n` bytes, without `=` padding, then a NUL (`ceil(8n/6) + 1`
/// bytes at `out`).
#[no_mangle]
pub unsafe extern "C" fn rs_base64(buf: *const u8, n: c_int, out: *mut c_char) {
    guard((), || {
        if out.is_null() {
            return;
        }
        let n = if buf.is_null() { 0 } else { n.max(0) as usize };
        let chars = (n * 8).div_ceil(6);
        // SAFETY: the caller provides `n` bytes at `buf` and room for
        // `ceil(8n/6) + 1` characters at `out`.
        // An input that overlaps the output is read from a copy.
        unsafe {
            let src = lent_input(buf, n, out as *const u8, chars + 1);
            let dst = std::slice::from_raw_parts_mut(out as *mut u8, chars + 1);
            for (i, c) in dst[..chars].iter_mut().enumerate() {
                let (byte, bit) = (i * 6 / 8, i * 6 % 8);
                let v = if bit < 3 {
                    src[byte] >> (2 - bit)
                } else if byte + 1 == n {
                    src[byte] << (bit - 2)
                } else {
                    (src[byte] << (bit - 2)) | (src[byte + 1] >> (10 - bit))
                };
                *c = B64[(v & 0x3f) as usize];
            }
            dst[chars] = 0;
        }
    })
}

/// Decodes base64 in place, up to the first character outside the alphabet
/// (so `=` or the NUL ends it); returns `ceil(6k/8)` for `k` characters,
/// counting the last partial byte as librsync does.
#[no_mangle]
pub unsafe extern "C" fn rs_unbase64(s: *mut c_char) -> usize {
    guard(0, || {
        if s.is_null() {
            return 0;
        }
        let d = s as *mut u8;
        let mut n = 0usize;
        let mut i = 0usize;
        loop {
            // SAFETY: `s` is a NUL-terminated string; index `i` is at most its
            // length because the loop stops at the NUL. Writes go to
            // `byte_offset + 1 <= i`, bytes already read, never past the NUL.
            unsafe {
                let c = *d.add(i);
                let Some(idx) = B64.iter().position(|&b| b == c).filter(|_| c != 0) else {
                    break;
                };
                let idx = idx as u8;
                let (byte_offset, bit_offset) = (i * 6 / 8, (i * 6 % 8) as u32);
                *d.add(byte_offset) &= !(((1u32 << (8 - bit_offset)) - 1) as u8);
                if bit_offset < 3 {
                    *d.add(byte_offset) |= idx << (2 - bit_offset);
                    n = byte_offset + 1;
                } else {
                    *d.add(byte_offset) |= idx >> (bit_offset - 2);
                    *d.add(byte_offset + 1) = ((idx as u32) << (8 - (bit_offset - 2))) as u8;
                    n = byte_offset + 2;
                }
            }
            i += 1;
        }
        n
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    /// The data objects keep C's bytes: the version string and its NUL.
    #[test]
    fn version_bytes() {
        let bytes: Vec<u8> = rs_librsync_version.iter().map(|&c| c as u8).collect();
        assert_eq!(bytes, b"librsync 2.3.2\0");
        assert_eq!((RS_MD4_SUM_LENGTH, RS_BLAKE2_SUM_LENGTH), (16, 32));
    }

    /// `rs_strerror` returns C's texts, the fallback included.
    #[test]
    fn strerror_bytes() {
        // SAFETY: `rs_strerror` returns a static NUL-terminated string.
        let text = |r| unsafe { CStr::from_ptr(rs_strerror(r)) }.to_bytes();
        assert_eq!(text(0), b"OK");
        assert_eq!(text(103), b"unexpected end of input");
        assert_eq!(text(107), b"library internal error");
        assert_eq!(text(108), b"unexplained problem");
        assert_eq!(text(77), b"unexplained problem");
        assert_eq!(text(u32::MAX), b"unexplained problem");
    }
}
