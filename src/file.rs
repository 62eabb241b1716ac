//! The stdio layer: `rs_file_open`, `rs_file_close`, `rs_file_size`,
//! `rs_file_copy_cb`, and `Read`/`Write` over a C `FILE *` for the
//! whole-file functions.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::io;

use libc::FILE;

use super::{
    guard, rs_long_t, rs_result, RS_DONE, RS_INPUT_ENDED, RS_INTERNAL_ERROR, RS_IO_ERROR,
    RS_PARAM_ERROR,
};
use librsync_rs::compat::log_bytes;
use librsync_rs::trace::LogLevel;

extern "C" {
    /// C's standard streams.
    static mut stdin: *mut FILE;
    static mut stdout: *mut FILE;
}

fn c_stdin() -> *mut FILE {
    // SAFETY: reading the C library's `stdin` variable.
    unsafe { std::ptr::read(&raw const stdin) }
}

fn c_stdout() -> *mut FILE {
    // SAFETY: reading the C library's `stdout` variable.
    unsafe { std::ptr::read(&raw const stdout) }
}

/// C's `strerror(errno)` for the current `errno`.
fn errno_text() -> Vec<u8> {
    let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
    // SAFETY: strerror returns a NUL-terminated string; it is copied at once.
    unsafe { CStr::from_ptr(libc::strerror(errno)) }
        .to_bytes()
        .to_vec()
}

fn log_error(func: &str, parts: &[&[u8]]) {
    log_bytes(LogLevel::Err as i32, func, &parts.concat());
}

/// Opens `filename` with `mode`; NULL or `"-"` is stdin (reading) or stdout
/// (writing, mode starting with `w`). Exactly as librsync, it **exits the
/// process with status 100** if the file cannot be opened, or if it exists
/// and is to be written without `force`.
#[cfg(not(rsync_no_stdio))]
#[no_mangle]
pub unsafe extern "C" fn rs_file_open(
    filename: *const c_char,
    mode: *const c_char,
    force: c_int,
) -> *mut FILE {
    // Not under `guard` (it may exit the process), but it logs as C does.
    crate::job::use_c_hooks();
    // SAFETY: `mode` and `filename` (if not NULL) are NUL-terminated strings.
    let is_write = !mode.is_null() && unsafe { *mode } as u8 == b'w';
    let name = (!filename.is_null()).then(|| unsafe { CStr::from_ptr(filename) });
    let name = match name {
        Some(name) if name.to_bytes() != b"-" => name,
        _ => return if is_write { c_stdout() } else { c_stdin() },
    };
    if force == 0 && is_write {
        // SAFETY: fopen/fclose on a valid path with a literal mode.
        let existing = unsafe { libc::fopen(name.as_ptr(), c"rb".as_ptr()) };
        if !existing.is_null() {
            log_error(
                "rs_file_open",
                &[b"File exists \"", name.to_bytes(), b"\", aborting!"],
            );
            // SAFETY: closing the stream we opened; then exiting as C does.
            unsafe {
                libc::fclose(existing);
                libc::exit(RS_IO_ERROR as c_int);
            }
        }
    }
    // SAFETY: fopen with the caller's path and mode.
    let f = unsafe {
        libc::fopen(
            name.as_ptr(),
            if mode.is_null() { c"rb".as_ptr() } else { mode },
        )
    };
    if f.is_null() {
        let reason = errno_text();
        let what: &[u8] = if is_write { b"write" } else { b"read" };
        log_error(
            "rs_file_open",
            &[
                b"Error opening \"",
                name.to_bytes(),
                b"\" for ",
                what,
                b": ",
                &reason,
            ],
        );
        // SAFETY: exiting as librsync does, with `RS_IO_ERROR` as the status.
        unsafe { libc::exit(RS_IO_ERROR as c_int) };
    }
    f
}

/// Closes `file` unless it is stdin or stdout; returns `fclose`'s result
/// (0 for the standard streams).
#[cfg(not(rsync_no_stdio))]
#[no_mangle]
pub unsafe extern "C" fn rs_file_close(file: *mut FILE) -> c_int {
    if file.is_null() || file == c_stdin() || file == c_stdout() {
        return 0;
    }
    // SAFETY: `file` is an open stream owned by the caller.
    unsafe { libc::fclose(file) }
}

/// Size of a regular file, or -1 for anything else (pipes, terminals).
#[cfg(not(rsync_no_stdio))]
#[no_mangle]
pub unsafe extern "C" fn rs_file_size(file: *mut FILE) -> rs_long_t {
    guard(-1, || {
        if file.is_null() {
            return -1;
        }
        // SAFETY: `file` is an open stream; fstat fills a zeroed struct.
        unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            if libc::fstat(libc::fileno(file), &mut st) == 0
                && (st.st_mode & libc::S_IFMT) == libc::S_IFREG
            {
                st.st_size as rs_long_t
            } else {
                -1
            }
        }
    })
}

/// The stdio copy callback: `arg` is the basis `FILE *`; seeks to `pos` and
/// reads up to `*len` bytes into `*buf`, setting `*len` to the count.
/// Returns `RS_IO_ERROR` if seeking or reading fails and `RS_INPUT_ENDED` at
/// end of file.
#[cfg(not(rsync_no_stdio))]
#[no_mangle]
pub unsafe extern "C" fn rs_file_copy_cb(
    arg: *mut c_void,
    pos: rs_long_t,
    len: *mut usize,
    buf: *mut *mut c_void,
) -> rs_result {
    guard(RS_INTERNAL_ERROR, || {
        let f = arg as *mut FILE;
        if f.is_null() || len.is_null() || buf.is_null() {
            return RS_PARAM_ERROR;
        }
        // SAFETY: `f` is the basis stream; `*buf` has room for `*len` bytes.
        unsafe {
            if libc::fseeko(f, pos as libc::off_t, libc::SEEK_SET) != 0 {
                log_error("rs_file_copy_cb", &[b"seek failed: ", &errno_text()]);
                return RS_IO_ERROR;
            }
            *len = libc::fread(*buf, 1, *len, f);
            if *len > 0 {
                RS_DONE
            } else if libc::ferror(f) != 0 {
                log_error("rs_file_copy_cb", &[b"read error: ", &errno_text()]);
                RS_IO_ERROR
            } else {
                let fd = libc::fileno(f).to_string();
                log_error("rs_file_copy_cb", &[b"unexpected eof on fd", fd.as_bytes()]);
                RS_INPUT_ENDED
            }
        }
    })
}

/// The error of a failed stream call: `errno`, but never "interrupted",
/// which `std::io` would retry (the stream's error flag stays set).
fn stream_error() -> io::Error {
    let err = io::Error::last_os_error();
    if err.kind() == io::ErrorKind::Interrupted {
        io::Error::other("Interrupted system call")
    } else {
        err
    }
}

/// `Read` over a C stream, with `fread`'s semantics: a short count means end
/// of file or an error, and an error shows on the next call.
pub(crate) struct CFileRead(pub *mut FILE);

// SAFETY: a C stream may be used from any thread: glibc's stdio locks each
// stream inside every call, and the threaded signature reads it from one
// thread at a time (under its lock) while the calling thread waits inside
// `rs_sig_file`, so the caller's FILE stays theirs before and after.
unsafe impl Send for CFileRead {}

impl io::Read for CFileRead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: `self.0` is an open stream; `buf` is writable.
        unsafe {
            let n = libc::fread(buf.as_mut_ptr() as *mut c_void, 1, buf.len(), self.0);
            if n == 0 && !buf.is_empty() && libc::ferror(self.0) != 0 {
                return Err(stream_error());
            }
            Ok(n)
        }
    }
}

/// `Write` over a C stream: a short `fwrite` is an error, as in librsync.
pub(crate) struct CFileWrite(pub *mut FILE);

impl io::Write for CFileWrite {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: `self.0` is an open stream; `buf` is readable.
        let n = unsafe { libc::fwrite(buf.as_ptr() as *const c_void, 1, buf.len(), self.0) };
        if n != buf.len() {
            return Err(stream_error());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
