//! The C library's utilities against references, for any library that
//! exports them: `rs_mdfour` (one-shot, and `rs_mdfour_begin` / `_update`
//! in arbitrary pieces / `_result`) against the `md4` crate; `rs_hexify`,
//! `rs_base64` and `rs_unbase64` against the encoders here; and
//! `rs_format_stats` against the engine's statistics text; `rs_sig_args`
//! (its results, what it stores on errors, and the lines it logs) against
//! the engine's `sig_args`. The `capi` target checks our library with it,
//! the `differential` target Debian's: one set of expectations, both
//! libraries.
//!
//! Every output buffer is followed by guard bytes that must stay untouched.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::{Arc, Mutex};

use arbitrary::Unstructured;
use md4::{Digest, Md4};

use crate::drive::split;

/// The utilities of one librsync library.
pub struct Utils {
    /// `rs_mdfour`.
    pub mdfour: unsafe extern "C" fn(*mut u8, *const c_void, usize),
    /// `rs_mdfour_begin`.
    pub mdfour_begin: unsafe extern "C" fn(*mut c_void),
    /// `rs_mdfour_update`.
    pub mdfour_update: unsafe extern "C" fn(*mut c_void, *const c_void, usize),
    /// `rs_mdfour_result`.
    pub mdfour_result: unsafe extern "C" fn(*mut c_void, *mut u8),
    /// `rs_hexify`.
    pub hexify: unsafe extern "C" fn(*mut c_char, *const c_void, c_int),
    /// `rs_base64`.
    pub base64: unsafe extern "C" fn(*const u8, c_int, *mut c_char),
    /// `rs_unbase64`.
    pub unbase64: unsafe extern "C" fn(*mut c_char) -> usize,
    /// `rs_format_stats`.
    pub format_stats: unsafe extern "C" fn(*const CStats, *mut c_char, usize) -> *mut c_char,
    /// `rs_sig_args`.
    pub sig_args: unsafe extern "C" fn(i64, *mut u32, *mut usize, *mut usize) -> c_int,
    /// Runs the closure with the library logging at INFO level into a
    /// capture, then silences it again; returns the lines logged (each
    /// whole, with its `librsync: ` prefix and newline).
    pub logged: fn(&mut dyn FnMut()) -> Vec<String>,
}

/// Which library a [`Utils`] is: Debian's aborts, hangs or overruns a
/// buffer on some inputs that ours handles (DEVIATIONS.md), and those are
/// kept from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Library {
    /// Ours, through its C ABI.
    Ours,
    /// Debian's librsync 2.3.2.
    Debian,
}

/// `rs_stats_t` of librsync 2.3.2 (x86-64: `time_t` is 64-bit).
#[repr(C)]
pub struct CStats {
    op: *const c_char,
    lit_cmds: c_int,
    lit_bytes: i64,
    lit_cmdbytes: i64,
    copy_cmds: i64,
    copy_bytes: i64,
    copy_cmdbytes: i64,
    sig_cmds: i64,
    sig_bytes: i64,
    false_matches: c_int,
    sig_blocks: i64,
    block_len: usize,
    in_bytes: i64,
    out_bytes: i64,
    start: i64,
    end: i64,
}

impl CStats {
    /// The counters as the engine's [`Stats`](librsync_rs::Stats), with
    /// the operation name if it is one of the engine's.
    pub fn to_stats(&self) -> librsync_rs::Stats {
        let op = if self.op.is_null() {
            ""
        } else {
            // SAFETY: a non-NULL op is a NUL-terminated string.
            let op = unsafe { std::ffi::CStr::from_ptr(self.op) };
            librsync_rs::compat::OP_NAMES
                .iter()
                .find(|name| **name == op)
                .map_or("?", |name| name.to_str().unwrap_or("?"))
        };
        librsync_rs::Stats {
            op,
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
            start: self.start,
            end: self.end,
        }
    }
}

/// Bytes after every output buffer that must stay as they were.
const GUARD: usize = 16;
/// The guard bytes' value.
const GUARD_BYTE: u8 = 0xa5;

/// A buffer of `len` bytes of `fill`, then the guard.
fn guarded(len: usize, fill: u8) -> Vec<u8> {
    let mut buf = vec![fill; len + GUARD];
    buf[len..].fill(GUARD_BYTE);
    buf
}

/// Panics unless the guard after `len` bytes of `buf` is intact.
fn check_guard(buf: &[u8], len: usize, what: &str) {
    assert!(
        buf[len..].iter().all(|&b| b == GUARD_BYTE),
        "{what} wrote past its buffer"
    );
}

/// librsync's base64 alphabet (standard, without `=` padding).
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 of `data` without padding: `ceil(8n/6)` characters.
fn base64_of(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in data.chunks(3) {
        let mut v = [0u8; 3];
        v[..chunk.len()].copy_from_slice(chunk);
        let bits = u32::from_be_bytes([0, v[0], v[1], v[2]]);
        for i in 0..chunk.len() + 1 {
            out.push(B64[(bits >> (18 - 6 * i) & 63) as usize]);
        }
    }
    out
}

/// What `rs_unbase64` makes of `s`: its leading characters of the alphabet,
/// 6 bits each, packed from the high bit and padded with zero bits to
/// `ceil(6k/8)` bytes for `k` characters.
fn unbase64_of(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s {
        let Some(v) = B64.iter().position(|&b| b == c) else {
            break;
        };
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits > 0 {
        out.push((acc << (8 - bits)) as u8);
    }
    out
}

/// Checks every utility of `lib` on `data`: a 48-byte configuration (MD4
/// piece sizes, statistics, buffer sizes), then the payload (whose first
/// bytes also give `rs_sig_args`'s arguments). For Debian's library,
/// `rs_format_stats`'s buffer is at least as long as the text (it overruns
/// a shorter one), and `rs_sig_args` is not called where it aborts or
/// hangs.
pub fn check(lib: &Utils, data: &[u8], which: Library) {
    let (cfg, payload) = split(data, 48);
    let mut u = Unstructured::new(&cfg[16..]);
    mdfour(lib, payload, &cfg[..16]);
    hexify(lib, payload);
    base64(lib, payload);
    format_stats(lib, &mut u, payload, which == Library::Debian);
    sig_args(lib, &mut Unstructured::new(payload), which);
}

/// `rs_mdfour`, and the same in pieces of `3 * sizes[i]` bytes (0 too),
/// then the rest, equal the `md4` crate's digest.
fn mdfour(lib: &Utils, payload: &[u8], sizes: &[u8]) {
    let want: [u8; 16] = Md4::digest(payload).into();
    let mut out = guarded(16, 0);
    // SAFETY: 16 writable bytes at `out`; `payload` is readable.
    unsafe { (lib.mdfour)(out.as_mut_ptr(), payload.as_ptr().cast(), payload.len()) };
    check_guard(&out, 16, "rs_mdfour");
    assert_eq!(out[..16], want, "rs_mdfour");
    // rs_mdfour_t: 96 bytes, 8-aligned.
    let mut state = [0u64; 12];
    let md: *mut c_void = state.as_mut_ptr().cast();
    let mut rest = payload;
    // SAFETY: `md` points to room for an rs_mdfour_t, begun before use;
    // each piece is readable.
    unsafe {
        (lib.mdfour_begin)(md);
        for &size in sizes {
            let n = (3 * size as usize).min(rest.len());
            (lib.mdfour_update)(md, rest.as_ptr().cast(), n);
            rest = &rest[n..];
        }
        (lib.mdfour_update)(md, rest.as_ptr().cast(), rest.len());
    }
    let mut out = guarded(16, 0);
    // SAFETY: a begun state; 16 writable bytes at `out`.
    unsafe { (lib.mdfour_result)(md, out.as_mut_ptr()) };
    check_guard(&out, 16, "rs_mdfour_result");
    assert_eq!(out[..16], want, "rs_mdfour in pieces");
}

/// `rs_hexify` writes lowercase hex and a NUL.
fn hexify(lib: &Utils, payload: &[u8]) {
    let n = 2 * payload.len() + 1;
    let mut out = guarded(n, 0xff);
    // SAFETY: `2 * len + 1` writable bytes at `out`.
    unsafe {
        (lib.hexify)(
            out.as_mut_ptr().cast(),
            payload.as_ptr().cast(),
            payload.len() as c_int,
        )
    };
    check_guard(&out, n, "rs_hexify");
    let want: String = payload.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(&out[..n - 1], want.as_bytes(), "rs_hexify");
    assert_eq!(out[n - 1], 0, "rs_hexify's NUL");
}

/// `rs_base64` encodes without padding; `rs_unbase64` decodes that back
/// (counting the last partial byte), and decodes the payload itself as a
/// string up to its first character outside the alphabet, in place, as the
/// reference does, touching no byte past its result.
fn base64(lib: &Utils, payload: &[u8]) {
    let want = base64_of(payload);
    let n = want.len() + 1;
    let mut out = guarded(n, 0xff);
    // SAFETY: `ceil(8 len / 6) + 1` writable bytes at `out`.
    unsafe {
        (lib.base64)(
            payload.as_ptr(),
            payload.len() as c_int,
            out.as_mut_ptr().cast(),
        )
    };
    check_guard(&out, n, "rs_base64");
    assert_eq!(&out[..n - 1], &want[..], "rs_base64");
    assert_eq!(out[n - 1], 0, "rs_base64's NUL");
    // SAFETY: `out` holds a NUL-terminated string.
    let len = unsafe { (lib.unbase64)(out.as_mut_ptr().cast()) };
    assert_eq!(len, (6 * want.len()).div_ceil(8), "rs_unbase64 length");
    assert_eq!(&out[..payload.len()], payload, "rs_unbase64 of rs_base64");

    // The payload as a string: up to its first NUL, then one.
    let text = payload.split(|&b| b == 0).next().unwrap_or_default();
    let mut s = guarded(text.len() + 1, 0);
    s[..text.len()].copy_from_slice(text);
    // SAFETY: `s` holds a NUL-terminated string.
    let len = unsafe { (lib.unbase64)(s.as_mut_ptr().cast()) };
    check_guard(&s, text.len() + 1, "rs_unbase64");
    let want = unbase64_of(text);
    assert_eq!(len, want.len(), "rs_unbase64 length");
    assert_eq!(&s[..len], &want[..], "rs_unbase64");
    assert_eq!(
        &s[len..text.len()],
        &text[len..],
        "rs_unbase64 past its result"
    );
}

/// `rs_format_stats` writes the engine's statistics text for arbitrary
/// counters and operation names, cut to the buffer (a buffer of 0 bytes is
/// left alone).
fn format_stats(lib: &Utils, u: &mut Unstructured<'_>, payload: &[u8], exact_buffer: bool) {
    let mut int = || u.arbitrary::<i64>().unwrap_or(0);
    let mut stats = librsync_rs::Stats {
        op: "",
        lit_cmds: int() as i32,
        lit_bytes: int(),
        lit_cmdbytes: int(),
        copy_cmds: int(),
        copy_bytes: int(),
        copy_cmdbytes: int(),
        sig_cmds: int(),
        sig_bytes: int(),
        false_matches: int() as i32,
        sig_blocks: int(),
        block_len: int() as usize,
        in_bytes: int(),
        out_bytes: int(),
        start: int(),
        end: int(),
    };
    // Mostly small counters and times, as jobs make them.
    let small: u16 = u.arbitrary().unwrap_or(0);
    if small & 1 != 0 {
        stats.lit_cmds &= 0xff;
        stats.false_matches &= 0xff;
        stats.end = stats.start.wrapping_add(small as i64 >> 8);
    }
    // The operation: NULL, a name, or the payload's first bytes.
    let op: Vec<u8> = match small >> 1 & 7 {
        0 => Vec::new(),
        1 => b"signature\0".to_vec(),
        2 => b"delta\0".to_vec(),
        _ => {
            let text = payload.split(|&b| b == 0).next().unwrap_or_default();
            let mut op = text[..text.len().min(64)].to_vec();
            op.push(0);
            op
        }
    };
    let op_name = (!op.is_empty()).then(|| &op[..op.len() - 1]);
    let text = librsync_rs::compat::format_stats(op_name, &stats);
    let c = CStats {
        op: if op.is_empty() {
            std::ptr::null()
        } else {
            op.as_ptr().cast()
        },
        lit_cmds: stats.lit_cmds,
        lit_bytes: stats.lit_bytes,
        lit_cmdbytes: stats.lit_cmdbytes,
        copy_cmds: stats.copy_cmds,
        copy_bytes: stats.copy_bytes,
        copy_cmdbytes: stats.copy_cmdbytes,
        sig_cmds: stats.sig_cmds,
        sig_bytes: stats.sig_bytes,
        false_matches: stats.false_matches,
        sig_blocks: stats.sig_blocks,
        block_len: stats.block_len,
        in_bytes: stats.in_bytes,
        out_bytes: stats.out_bytes,
        start: stats.start,
        end: stats.end,
    };
    let extra = u.arbitrary::<u8>().unwrap_or(0) as usize;
    let size = if exact_buffer {
        text.len() + 1 + extra % 8
    } else {
        extra % (text.len() + 8)
    };
    let mut buf = guarded(size, 0xff);
    // SAFETY: `c` is a live rs_stats_t whose `op` is NULL or a string;
    // `size` writable bytes at `buf`.
    let r = unsafe { (lib.format_stats)(&c, buf.as_mut_ptr().cast(), size) };
    assert_eq!(r, buf.as_mut_ptr().cast(), "rs_format_stats returns buf");
    check_guard(&buf, size, "rs_format_stats");
    if size == 0 {
        return;
    }
    let n = text.len().min(size - 1);
    assert!(
        buf[..n] == text[..n],
        "rs_format_stats: {:?} != {:?}",
        String::from_utf8_lossy(&buf[..n]),
        String::from_utf8_lossy(&text[..n])
    );
    assert_eq!(buf[n], 0, "rs_format_stats's NUL");
}

/// Arguments for `rs_sig_args`, mostly near the edges: unknown, small,
/// powers of two and sizes near 2^63; the four magics, 0 and others; 0,
/// tiny, ordinary and enormous block lengths; 0, the minimum (-1), around
/// the hashes' maxima and enormous strong lengths.
fn sig_args_input(u: &mut Unstructured<'_>) -> (i64, u32, usize, usize) {
    let sel: u8 = u.arbitrary().unwrap_or(0);
    let x: u64 = u.arbitrary().unwrap_or(0);
    let fsize = match sel & 7 {
        0 => -1,
        1 => (x & 0x3_ffff) as i64,
        2 => (x >> 1) as i64,
        3 => i64::MAX - (x & 0x1ff_ffff) as i64,
        4 => (1i64 << (x % 63)).wrapping_add((x >> 8) as i8 as i64),
        5 => x as i64,
        _ => (x & 0xff_ffff_ffff) as i64,
    };
    let magic = crate::engine::magic_from(u.arbitrary().unwrap_or(0), u.arbitrary().unwrap_or(0));
    let y: u64 = u.arbitrary().unwrap_or(0);
    let block_len = match sel >> 3 & 3 {
        0 => 0,
        1 => (y & 0x7) as usize,
        2 => (y & 0xf_ffff) as usize,
        _ => y as usize,
    };
    let z: u64 = u.arbitrary().unwrap_or(0);
    let strong_len = match sel >> 5 {
        0 => 0,
        1 | 2 => usize::MAX,
        3 | 4 => (z % 40) as usize,
        5 => 16 + (z % 3) as usize,
        _ => z as usize,
    };
    (fsize, magic, block_len, strong_len)
}

/// The lines [`keep_log`] has kept since [`capture_log`] last cleared them.
static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// An `rs_trace_fn_t` that keeps each message a C library logs (the whole
/// line, with its `librsync: ` prefix and newline) for [`capture_log`].
/// Install it with that library's `rs_trace_to`.
///
/// # Safety
/// `msg` is a NUL-terminated string, as librsync passes it.
pub unsafe extern "C" fn keep_log(_level: c_int, msg: *const c_char) {
    // SAFETY: the caller passes a NUL-terminated message.
    let line = unsafe { CStr::from_ptr(msg) }
        .to_string_lossy()
        .into_owned();
    LOGGED.lock().unwrap_or_else(|p| p.into_inner()).push(line);
}

/// Runs `f` with a C library logging at INFO level (`set_level` calls its
/// `rs_trace_set_level`; [`keep_log`] must be its trace function), then
/// silences it; returns the lines it logged meanwhile.
pub fn capture_log(set_level: impl Fn(c_int), f: impl FnOnce()) -> Vec<String> {
    LOGGED.lock().unwrap_or_else(|p| p.into_inner()).clear();
    set_level(6);
    f();
    set_level(0);
    std::mem::take(&mut *LOGGED.lock().unwrap_or_else(|p| p.into_inner()))
}

/// The engine's log lines while `f` runs (at INFO level, then silent).
fn engine_logged<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    use librsync_rs::trace::{set_sink, Sink};
    let lines = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&lines);
    set_sink(Sink::Custom(Arc::new(move |_level, line: &[u8]| {
        let line = String::from_utf8_lossy(line).into_owned();
        keep.lock().unwrap_or_else(|p| p.into_inner()).push(line);
    })));
    librsync_rs::compat::set_log_level_raw(6);
    let result = f();
    librsync_rs::compat::set_log_level_raw(0);
    set_sink(Sink::Silent);
    let lines = std::mem::take(&mut *lines.lock().unwrap_or_else(|p| p.into_inner()));
    (result, lines)
}

/// Whether Debian's `rs_sig_args` aborts or hangs on these arguments: a
/// size within 2^24 of 2^63 (its `rs_long_ln2` loops), or an MD4 magic
/// whose strong length would be a minimum over 16 (an assertion). Written
/// from C's arithmetic, not the engine's (but for the recommended block
/// length).
pub fn c_sig_args_fails_hard(fsize: i64, magic: u32, block_len: usize, strong_len: usize) -> bool {
    if fsize > i64::MAX - (1 << 24) {
        return true;
    }
    let magic = if magic == 0 { 0x7273_0147 } else { magic };
    if !matches!(magic, 0x7273_0136 | 0x7273_0146) || fsize < 0 {
        return false;
    }
    // The recommended block length is the engine's (the check compares it
    // with C's wherever C survives).
    let block_len = if block_len != 0 {
        block_len
    } else {
        librsync_rs::compat::recommended_block_len(fsize)
    } as u64;
    let ln2 = |v: u64| if v <= 1 { 0 } else { v.ilog2() as u64 };
    let min = 2 + (ln2(fsize as u64 + (1 << 24)) + ln2(fsize as u64 / block_len + 1)).div_ceil(8);
    let chosen = if strong_len == usize::MAX {
        min
    } else if strong_len != 0 && (strong_len as u64) < min {
        strong_len as u64
    } else {
        return false;
    };
    chosen > 16
}

/// `rs_sig_args` of `lib` gives the engine's answer: the code, the three
/// values on success, the defaulted magic and block length (strong length
/// untouched) on a parameter error, nothing touched on a bad magic; and
/// logs the same lines.
fn sig_args(lib: &Utils, u: &mut Unstructured<'_>, which: Library) {
    let (fsize, magic, block_len, strong_len) = sig_args_input(u);
    if which == Library::Debian && c_sig_args_fails_hard(fsize, magic, block_len, strong_len) {
        return;
    }
    use librsync_rs::compat;
    let (want, want_lines) =
        engine_logged(|| compat::sig_args(fsize, magic, block_len, strong_len));
    let want = match want {
        Ok(a) => (0, a.magic as u32, a.block_len, a.strong_len),
        Err(e) if e.kind() == librsync_rs::ErrorKind::Param => (
            e.code(),
            if magic == 0 { 0x7273_0147 } else { magic },
            if block_len == 0 {
                compat::recommended_block_len(fsize)
            } else {
                block_len
            },
            strong_len,
        ),
        Err(e) => (e.code(), magic, block_len, strong_len),
    };
    let (mut m, mut b, mut s) = (magic, block_len, strong_len);
    let mut r = 0;
    let lines = (lib.logged)(&mut || {
        // SAFETY: three live, writable values.
        r = unsafe { (lib.sig_args)(fsize, &mut m, &mut b, &mut s) };
    });
    assert_eq!(
        (r, m, b, s),
        want,
        "rs_sig_args({fsize}, {magic:#x}, {block_len}, {strong_len})"
    );
    assert_eq!(lines, want_lines, "rs_sig_args's log");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_encoders() {
        assert_eq!(base64_of(b""), b"");
        assert_eq!(base64_of(b"f"), b"Zg");
        assert_eq!(base64_of(b"foobar"), b"Zm9vYmFy");
        assert_eq!(base64_of(b"fooba"), b"Zm9vYmE");
        assert_eq!(unbase64_of(b"Zm9vYmE"), b"fooba\0");
        assert_eq!(unbase64_of(b"Zg"), [b'f', 0]);
        assert_eq!(unbase64_of(b"Zm9v=junk"), b"foo");
        assert_eq!(unbase64_of(b"*"), b"");
    }
}
