//! Result codes: [`Error`] for failures and [`Status`] for the two ways a job
//! step can end well. Together they map one-to-one onto librsync's `rs_result`.
//!
//! librsync's result-code table (number, C name, `rs_strerror` text) is
//! written once, in [`RESULT_CODES`]; the numbers, the messages of [`Error`]
//! and [`strerror`], and the C library's `rs_strerror` all come from it.

use std::ffi::CStr;
use std::fmt;
use std::io;
use std::sync::Arc;

/// One `rs_result` code: its number, its C name, and the text librsync's
/// `rs_strerror` gives for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResultCode {
    /// The number (`RS_IO_ERROR` is 100).
    pub code: i32,
    /// The C name, such as `"RS_IO_ERROR"`.
    pub name: &'static str,
    /// The text of `rs_strerror`, such as `"IO error"`.
    pub message: &'static str,
    /// The same text, NUL-terminated, as `rs_strerror` returns it.
    pub c_message: &'static CStr,
}

/// Text of `rs_strerror` for a code it has no text of its own for.
const UNEXPLAINED: &str = "unexplained problem";

/// [`UNEXPLAINED`], NUL-terminated.
const C_UNEXPLAINED: &CStr = c"unexplained problem";

/// `CStr` from a NUL-terminated literal, checked at compile time.
const fn c_str(bytes: &'static [u8]) -> &'static CStr {
    match CStr::from_bytes_with_nul(bytes) {
        Ok(s) => s,
        Err(_) => panic!("a message holds a NUL"),
    }
}

/// Builds the table and a constant per code from one list of
/// `NAME = number => "message"` rows (no message: "unexplained problem",
/// as `rs_strerror` says for codes it does not know).
macro_rules! result_codes {
    (@row $name:ident $code:literal) => {
        ResultCode {
            code: $code,
            name: stringify!($name),
            message: UNEXPLAINED,
            c_message: C_UNEXPLAINED,
        }
    };
    (@row $name:ident $code:literal $message:literal) => {
        ResultCode {
            code: $code,
            name: stringify!($name),
            message: $message,
            c_message: c_str(concat!($message, "\0").as_bytes()),
        }
    };
    ($($(#[doc = $doc:literal])* $name:ident = $code:literal $(=> $message:literal)?;)*) => {
        /// The `rs_result` numbers, by their C names.
        pub mod codes {
            $(
                $(#[doc = $doc])*
                pub const $name: i32 = $code;
            )*
        }

        /// librsync's `rs_result` table, in the header's order: every code
        /// with its C name and `rs_strerror` text. Any other number reads
        /// "unexplained problem".
        pub const RESULT_CODES: &[ResultCode] = &[
            $(result_codes!(@row $name $code $($message)?),)*
        ];
    };
}

result_codes! {
    /// Completed successfully.
    RS_DONE = 0 => "OK";
    /// Needs more input or output space.
    RS_BLOCKED = 1 => "blocked waiting for input or output buffers";
    /// Still running (never returned).
    RS_RUNNING = 2 => "still running";
    /// A test neither passed nor failed.
    RS_TEST_SKIPPED = 77;
    /// Reading or writing failed.
    RS_IO_ERROR = 100 => "IO error";
    /// Bad command line syntax.
    RS_SYNTAX_ERROR = 101 => "bad command line syntax";
    /// Out of memory.
    RS_MEM_ERROR = 102 => "out of memory";
    /// The input ended in the middle of a stream.
    RS_INPUT_ENDED = 103 => "unexpected end of input";
    /// Bad magic number at the start of a stream.
    RS_BAD_MAGIC = 104 => "bad magic number at start of stream";
    /// Unimplemented case.
    RS_UNIMPLEMENTED = 105 => "unimplemented case";
    /// The stream is corrupt.
    RS_CORRUPT = 106 => "stream corrupt";
    /// Library misuse or internal error.
    RS_INTERNAL_ERROR = 107 => "library internal error";
    /// A parameter is out of range (no text of its own in librsync).
    RS_PARAM_ERROR = 108;
}

/// The table's row for a code, if it has one.
fn result_code(code: i32) -> Option<&'static ResultCode> {
    RESULT_CODES.iter().find(|row| row.code == code)
}

/// Text of `rs_strerror` for any result code, including 0, 1 and 2.
pub fn strerror(code: i32) -> &'static str {
    result_code(code).map_or(UNEXPLAINED, |row| row.message)
}

/// [`strerror`], NUL-terminated: the bytes C's `rs_strerror` returns.
pub fn c_strerror(code: i32) -> &'static CStr {
    result_code(code).map_or(C_UNEXPLAINED, |row| row.c_message)
}

/// How a call to [`Job::process`](crate::Job::process) ended when it did not fail
/// (`RS_DONE` / `RS_BLOCKED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// The job has finished and all its output has been written (`RS_DONE`).
    Done,
    /// The job needs more input (or the end-of-input flag) or more output
    /// space before it can go on (`RS_BLOCKED`).
    Blocked,
}

impl Status {
    /// The `rs_result` number of this status.
    pub const fn code(self) -> i32 {
        match self {
            Status::Done => codes::RS_DONE,
            Status::Blocked => codes::RS_BLOCKED,
        }
    }
}

/// A librsync failure. Each variant is one `rs_result` code; [`Error::code`]
/// gives the number and [`Error::from_code`] goes back. It displays as
/// [`strerror`] of its code ("unexplained problem" for [`Error::Other`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// `RS_IO_ERROR`: reading or writing failed. Carries the I/O error when
    /// one is known.
    Io(Option<Arc<io::Error>>),
    /// `RS_SYNTAX_ERROR`: bad command line syntax (used by `rdiff`).
    Syntax,
    /// `RS_MEM_ERROR`: memory could not be allocated.
    Mem,
    /// `RS_INPUT_ENDED`: the input ended in the middle of a stream.
    InputEnded,
    /// `RS_BAD_MAGIC`: the stream does not start with the expected magic
    /// number, or a signature magic is unknown.
    BadMagic,
    /// `RS_UNIMPLEMENTED`.
    Unimplemented,
    /// `RS_CORRUPT`: the stream is corrupt.
    Corrupt,
    /// `RS_INTERNAL_ERROR`: the job was misused (e.g. it made no progress
    /// although both buffers had room).
    Internal,
    /// `RS_PARAM_ERROR`: a parameter is out of range. librsync has no text
    /// of its own for it, hence the message "unexplained problem".
    Param,
    /// Any other code, such as one returned by a C callback
    /// (`RS_TEST_SKIPPED` among them). Never produced by the library itself.
    Other(i32),
}

impl Error {
    /// The `rs_result` number of this error.
    pub const fn code(&self) -> i32 {
        match self {
            Error::Io(_) => codes::RS_IO_ERROR,
            Error::Syntax => codes::RS_SYNTAX_ERROR,
            Error::Mem => codes::RS_MEM_ERROR,
            Error::InputEnded => codes::RS_INPUT_ENDED,
            Error::BadMagic => codes::RS_BAD_MAGIC,
            Error::Unimplemented => codes::RS_UNIMPLEMENTED,
            Error::Corrupt => codes::RS_CORRUPT,
            Error::Internal => codes::RS_INTERNAL_ERROR,
            Error::Param => codes::RS_PARAM_ERROR,
            Error::Other(c) => *c,
        }
    }

    /// The error for an `rs_result` number; `None` for `RS_DONE` (0).
    /// `RS_BLOCKED` and `RS_RUNNING` come back as [`Error::Other`].
    pub fn from_code(code: i32) -> Option<Error> {
        Some(match code {
            codes::RS_DONE => return None,
            codes::RS_IO_ERROR => Error::Io(None),
            codes::RS_SYNTAX_ERROR => Error::Syntax,
            codes::RS_MEM_ERROR => Error::Mem,
            codes::RS_INPUT_ENDED => Error::InputEnded,
            codes::RS_BAD_MAGIC => Error::BadMagic,
            codes::RS_UNIMPLEMENTED => Error::Unimplemented,
            codes::RS_CORRUPT => Error::Corrupt,
            codes::RS_INTERNAL_ERROR => Error::Internal,
            codes::RS_PARAM_ERROR => Error::Param,
            c => Error::Other(c),
        })
    }

    /// Wraps an I/O error. An `io::Error` that itself carries an [`Error`]
    /// (see [`Error::into_io`]) gives that error back unchanged.
    pub fn from_io(err: io::Error) -> Error {
        if err.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            if let Some(inner) = err.into_inner() {
                if let Ok(e) = inner.downcast::<Error>() {
                    return *e;
                }
            }
            return Error::Io(None);
        }
        Error::Io(Some(Arc::new(err)))
    }

    /// Packs this error into an `io::Error`, so that it can travel through
    /// `std::io` interfaces (such as a [`Basis`](crate::Basis)) and come back
    /// intact through [`Error::from_io`] (or `into_inner()` and
    /// `downcast::<Error>()`). The kind is the I/O error's own for
    /// [`Error::Io`], `InvalidData` for [`Error::Corrupt`] and
    /// [`Error::BadMagic`], `UnexpectedEof` for [`Error::InputEnded`], and
    /// `Other` for the rest.
    pub fn into_io(self) -> io::Error {
        let kind = match self {
            Error::Io(Some(e)) => match Arc::try_unwrap(e) {
                Ok(e) => return e,
                Err(e) => return io::Error::new(e.kind(), Error::Io(Some(e))),
            },
            Error::Corrupt | Error::BadMagic => io::ErrorKind::InvalidData,
            Error::InputEnded => io::ErrorKind::UnexpectedEof,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, self)
    }
}

impl fmt::Display for Error {
    /// The text of [`strerror`] for the code ("unexplained problem" for
    /// [`Error::Other`], whatever its number).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::Other(_) => UNEXPLAINED,
            e => strerror(e.code()),
        })
    }
}

impl std::error::Error for Error {
    /// The I/O error of [`Error::Io`] (the `Arc` holding it), if known.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(Some(e)) => Some(e),
            _ => None,
        }
    }
}

impl PartialEq for Error {
    /// Two errors are equal when their result codes are.
    fn eq(&self, other: &Error) -> bool {
        self.code() == other.code()
    }
}

impl Eq for Error {}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Error {
        Error::from_io(err)
    }
}

impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        err.into_io()
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in [100, 101, 102, 103, 104, 105, 106, 107, 108, 77, 55] {
            let e = Error::from_code(code).unwrap();
            assert_eq!(e.code(), code);
            assert_eq!(e.to_string(), strerror(code));
        }
        assert!(Error::from_code(0).is_none());
    }

    /// Every row of the table: its code comes back through `from_code` and
    /// `code` (or `Status::code`), its texts agree, and the C names and
    /// numbers are unique.
    #[test]
    fn table_rows_are_consistent() {
        for (i, row) in RESULT_CODES.iter().enumerate() {
            assert_eq!(row.c_message.to_str(), Ok(row.message), "{}", row.name);
            assert_eq!(strerror(row.code), row.message);
            assert_eq!(c_strerror(row.code), row.c_message);
            assert!(row.name.starts_with("RS_"));
            for other in &RESULT_CODES[i + 1..] {
                assert!(other.code > row.code && other.name != row.name);
            }
            match Error::from_code(row.code) {
                Some(e) => assert_eq!(e.code(), row.code),
                None => assert_eq!(Status::Done.code(), row.code),
            }
        }
        assert_eq!(Status::Blocked.code(), codes::RS_BLOCKED);
        assert_eq!(c_strerror(55), c"unexplained problem");
        assert_eq!(c_strerror(-1), c"unexplained problem");
        assert_eq!(Error::Other(0).to_string(), "unexplained problem");
        assert_eq!(Error::Other(100).to_string(), "unexplained problem");
    }

    #[test]
    fn strerror_texts() {
        assert_eq!(strerror(0), "OK");
        assert_eq!(strerror(108), "unexplained problem");
        assert_eq!(strerror(77), "unexplained problem");
        assert_eq!(strerror(106), "stream corrupt");
    }

    #[test]
    fn io_round_trip_keeps_code() {
        let io = Error::InputEnded.into_io();
        assert_eq!(Error::from_io(io), Error::InputEnded);
        let plain = io::Error::new(io::ErrorKind::NotFound, "x");
        assert_eq!(Error::from_io(plain).code(), 100);
    }
}
