//! Result codes: [`Error`] for failures and [`Status`] for the two ways a job
//! step can end well. Together they map one-to-one onto librsync's `rs_result`.

use std::io;
use std::sync::Arc;

/// How a call to [`Job::iter`](crate::Job::iter) ended when it did not fail
/// (`RS_DONE` / `RS_BLOCKED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// The job has finished and all its output has been written (`RS_DONE`).
    Done,
    /// The job needs more input (or the end-of-input flag) or more output
    /// space before it can go on (`RS_BLOCKED`).
    Blocked,
}

/// A librsync failure. Each variant is one `rs_result` code; [`Error::code`]
/// gives the number and [`Error::from_code`] goes back.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `RS_IO_ERROR` (100): reading or writing failed. Carries the I/O error
    /// when one is known.
    #[error("IO error")]
    Io(#[source] Option<Arc<io::Error>>),
    /// `RS_SYNTAX_ERROR` (101): bad command line syntax (used by `rdiff`).
    #[error("bad command line syntax")]
    Syntax,
    /// `RS_MEM_ERROR` (102): memory could not be allocated.
    #[error("out of memory")]
    Mem,
    /// `RS_INPUT_ENDED` (103): the input ended in the middle of a stream.
    #[error("unexpected end of input")]
    InputEnded,
    /// `RS_BAD_MAGIC` (104): the stream does not start with the expected magic
    /// number, or a signature magic is unknown.
    #[error("bad magic number at start of stream")]
    BadMagic,
    /// `RS_UNIMPLEMENTED` (105).
    #[error("unimplemented case")]
    Unimplemented,
    /// `RS_CORRUPT` (106): the stream is corrupt.
    #[error("stream corrupt")]
    Corrupt,
    /// `RS_INTERNAL_ERROR` (107): the job was misused (e.g. it made no
    /// progress although both buffers had room).
    #[error("library internal error")]
    Internal,
    /// `RS_PARAM_ERROR` (108): a parameter is out of range. librsync has no
    /// text of its own for it, hence the message.
    #[error("unexplained problem")]
    Param,
    /// Any other code, such as one returned by a C callback (`RS_TEST_SKIPPED`
    /// = 77 among them). Never produced by the library itself.
    #[error("unexplained problem")]
    Other(i32),
}

impl Error {
    /// The `rs_result` number of this error.
    pub fn code(&self) -> i32 {
        match self {
            Error::Io(_) => 100,
            Error::Syntax => 101,
            Error::Mem => 102,
            Error::InputEnded => 103,
            Error::BadMagic => 104,
            Error::Unimplemented => 105,
            Error::Corrupt => 106,
            Error::Internal => 107,
            Error::Param => 108,
            Error::Other(c) => *c,
        }
    }

    /// The error for an `rs_result` number; `None` for `RS_DONE` (0).
    /// `RS_BLOCKED` and `RS_RUNNING` come back as [`Error::Other`].
    pub fn from_code(code: i32) -> Option<Error> {
        Some(match code {
            0 => return None,
            100 => Error::Io(None),
            101 => Error::Syntax,
            102 => Error::Mem,
            103 => Error::InputEnded,
            104 => Error::BadMagic,
            105 => Error::Unimplemented,
            106 => Error::Corrupt,
            107 => Error::Internal,
            108 => Error::Param,
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
    /// intact through [`Error::from_io`].
    pub fn into_io(self) -> io::Error {
        match self {
            Error::Io(Some(e)) => match Arc::try_unwrap(e) {
                Ok(e) => e,
                Err(e) => io::Error::new(e.kind(), Error::Io(Some(e))),
            },
            other => io::Error::other(other),
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

/// Text of `rs_strerror` for any result code, including 0, 1 and 2.
pub fn strerror(code: i32) -> &'static str {
    match code {
        0 => "OK",
        1 => "blocked waiting for input or output buffers",
        2 => "still running",
        100 => "IO error",
        101 => "bad command line syntax",
        102 => "out of memory",
        103 => "unexpected end of input",
        104 => "bad magic number at start of stream",
        105 => "unimplemented case",
        106 => "stream corrupt",
        107 => "library internal error",
        _ => "unexplained problem",
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
