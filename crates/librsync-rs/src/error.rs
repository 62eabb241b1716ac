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
///
/// ```
/// use librsync_rs::strerror;
///
/// assert_eq!(strerror(0), "OK");
/// assert_eq!(strerror(106), "stream corrupt");
/// assert_eq!(strerror(12345), "unexplained problem");
/// ```
pub fn strerror(code: i32) -> &'static str {
    result_code(code).map_or(UNEXPLAINED, |row| row.message)
}

/// [`strerror`], NUL-terminated: the bytes C's `rs_strerror` returns.
pub fn c_strerror(code: i32) -> &'static CStr {
    result_code(code).map_or(C_UNEXPLAINED, |row| row.c_message)
}

/// How a call to [`Job::process`](crate::Job::process) ended when it did not fail
/// (`RS_DONE` / `RS_BLOCKED`).
///
/// ```
/// use librsync_rs::{Buffers, Job, SigMagic, Status};
///
/// let mut job = Job::signature(SigMagic::RkBlake2, 2048, 8);
/// // The input has ended, but 4 bytes of output space are too few.
/// let (mut small, mut big) = ([0u8; 4], [0u8; 64]);
/// let mut bufs = Buffers::new(b"hello", &mut small).with_eof(true);
/// assert_eq!(job.process(&mut bufs)?, Status::Blocked);
/// let rest = bufs.remaining_input();
/// let mut bufs = Buffers::new(rest, &mut big).with_eof(true);
/// assert_eq!(job.process(&mut bufs)?, Status::Done);
/// assert_eq!(bufs.output_produced(), 12 + 4 + 8 - 4);
/// # Ok::<(), librsync_rs::Error>(())
/// ```
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
    ///
    /// ```
    /// use librsync_rs::Status;
    ///
    /// assert_eq!(Status::Done.code(), 0); // RS_DONE
    /// assert_eq!(Status::Blocked.code(), 1); // RS_BLOCKED
    /// ```
    pub const fn code(self) -> i32 {
        match self {
            Status::Done => codes::RS_DONE,
            Status::Blocked => codes::RS_BLOCKED,
        }
    }
}

/// What kind of failure an [`Error`] is: one variant per `rs_result` error
/// code. [`ErrorKind::code`] gives the number.
///
/// ```
/// use librsync_rs::{io::patch_of, ErrorKind};
///
/// let err = patch_of(b"basis", b"not a delta").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::BadMagic);
/// assert_eq!(ErrorKind::BadMagic.to_string(), "bad magic number at start of stream");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `RS_IO_ERROR`: reading or writing failed.
    Io,
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

impl ErrorKind {
    /// The `rs_result` number of this kind.
    ///
    /// ```
    /// assert_eq!(librsync_rs::ErrorKind::Corrupt.code(), 106);
    /// ```
    pub const fn code(self) -> i32 {
        match self {
            ErrorKind::Io => codes::RS_IO_ERROR,
            ErrorKind::Syntax => codes::RS_SYNTAX_ERROR,
            ErrorKind::Mem => codes::RS_MEM_ERROR,
            ErrorKind::InputEnded => codes::RS_INPUT_ENDED,
            ErrorKind::BadMagic => codes::RS_BAD_MAGIC,
            ErrorKind::Unimplemented => codes::RS_UNIMPLEMENTED,
            ErrorKind::Corrupt => codes::RS_CORRUPT,
            ErrorKind::Internal => codes::RS_INTERNAL_ERROR,
            ErrorKind::Param => codes::RS_PARAM_ERROR,
            ErrorKind::Other(c) => c,
        }
    }

    /// The kind for an `rs_result` number; `None` for `RS_DONE` (0).
    /// `RS_BLOCKED` and `RS_RUNNING` come back as [`ErrorKind::Other`].
    ///
    /// ```
    /// use librsync_rs::ErrorKind;
    ///
    /// assert_eq!(ErrorKind::from_code(106), Some(ErrorKind::Corrupt));
    /// assert_eq!(ErrorKind::from_code(0), None);
    /// assert_eq!(ErrorKind::from_code(1), Some(ErrorKind::Other(1)));
    /// ```
    pub const fn from_code(code: i32) -> Option<ErrorKind> {
        Some(match code {
            codes::RS_DONE => return None,
            codes::RS_IO_ERROR => ErrorKind::Io,
            codes::RS_SYNTAX_ERROR => ErrorKind::Syntax,
            codes::RS_MEM_ERROR => ErrorKind::Mem,
            codes::RS_INPUT_ENDED => ErrorKind::InputEnded,
            codes::RS_BAD_MAGIC => ErrorKind::BadMagic,
            codes::RS_UNIMPLEMENTED => ErrorKind::Unimplemented,
            codes::RS_CORRUPT => ErrorKind::Corrupt,
            codes::RS_INTERNAL_ERROR => ErrorKind::Internal,
            codes::RS_PARAM_ERROR => ErrorKind::Param,
            c => ErrorKind::Other(c),
        })
    }
}

impl fmt::Display for ErrorKind {
    /// The text of `rs_strerror` for the code (see [`strerror`]), except
    /// where librsync has none: `parameter out of range` for
    /// [`ErrorKind::Param`] and `unexplained problem (result code N)` for
    /// [`ErrorKind::Other`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Param => f.write_str("parameter out of range"),
            ErrorKind::Other(code) => write!(f, "{UNEXPLAINED} (result code {code})"),
            kind => f.write_str(strerror(kind.code())),
        }
    }
}

/// A librsync failure: its [`kind`](Error::kind) (one `rs_result` code,
/// [`Error::code`]) and, when the library knows them, what exactly went
/// wrong ([`Error::message`]) and where in the job's input
/// ([`Error::offset`]), plus the I/O error behind an
/// [`ErrorKind::Io`] ([`Error::io_error`]).
///
/// It displays as its kind does (`rs_strerror`'s text for the code, see
/// [`ErrorKind`]'s `Display`), followed by the details:
///
/// ```
/// use librsync_rs::{io::patch_of, ErrorKind};
/// // A delta whose only command copies 10 bytes from a 3-byte basis.
/// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 0, 10, 0];
/// let err = patch_of(b"abc", &delta).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InputEnded);
/// assert_eq!(err.code(), 103);
/// assert_eq!(err.offset(), Some(4));
/// println!("{err}");
/// ```
///
/// Two errors are equal (`==`) when their codes are; compare
/// [`Error::kind`] for the same test written more plainly.
#[derive(Clone)]
pub struct Error {
    kind: ErrorKind,
    /// Boxed, so that a `Result<T, Error>` stays small.
    details: Option<Box<Details>>,
}

/// What an [`Error`] knows beyond its kind.
#[derive(Clone, Default)]
struct Details {
    message: Option<String>,
    offset: Option<u64>,
    io: Option<Arc<io::Error>>,
}

impl Error {
    /// An error of `kind` with no details.
    ///
    /// ```
    /// use librsync_rs::{Error, ErrorKind};
    ///
    /// let err = Error::new(ErrorKind::Param);
    /// assert_eq!(err.code(), 108);
    /// assert_eq!(err.message(), None);
    /// assert_eq!(err.to_string(), "parameter out of range");
    /// ```
    pub const fn new(kind: ErrorKind) -> Error {
        Error {
            kind,
            details: None,
        }
    }

    /// What kind of failure this is.
    ///
    /// ```
    /// use librsync_rs::{io::patch_of, ErrorKind};
    ///
    /// // A delta that ends before its END command.
    /// let err = patch_of(b"", b"rs\x026").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InputEnded);
    /// ```
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The `rs_result` number of this error.
    ///
    /// ```
    /// use librsync_rs::{Error, ErrorKind};
    ///
    /// assert_eq!(Error::new(ErrorKind::Corrupt).code(), 106); // RS_CORRUPT
    /// assert_eq!(Error::new(ErrorKind::Other(77)).code(), 77);
    /// ```
    pub const fn code(&self) -> i32 {
        self.kind.code()
    }

    /// The error for an `rs_result` number; `None` for `RS_DONE` (0).
    /// `RS_BLOCKED` and `RS_RUNNING` come back as [`ErrorKind::Other`].
    ///
    /// ```
    /// use librsync_rs::{Error, ErrorKind};
    ///
    /// assert_eq!(Error::from_code(104).unwrap().kind(), ErrorKind::BadMagic);
    /// assert!(Error::from_code(0).is_none());
    /// ```
    pub fn from_code(code: i32) -> Option<Error> {
        ErrorKind::from_code(code).map(Error::new)
    }

    /// What went wrong, in words (the reason librsync logs, such as
    /// `"invalid length=0 on COPY command"`), when known.
    ///
    /// ```
    /// use librsync_rs::io::patch_of;
    ///
    /// // COPY(0, 0): a copy of length 0.
    /// let err = patch_of(b"abc", &[0x72, 0x73, 0x02, 0x36, 0x45, 0, 0, 0]).unwrap_err();
    /// assert_eq!(err.message(), Some("invalid length=0 on COPY command"));
    /// ```
    pub fn message(&self) -> Option<&str> {
        self.details.as_ref()?.message.as_deref()
    }

    /// Where in the job's input (the signature or delta being read, counted
    /// from its first byte) the problem was found, when known: the start of
    /// the faulty field or command, or the end of a truncated stream.
    ///
    /// ```
    /// use librsync_rs::io::patch_of;
    ///
    /// // The COPY command at input byte 4 is faulty.
    /// let err = patch_of(b"abc", &[0x72, 0x73, 0x02, 0x36, 0x45, 0, 0, 0]).unwrap_err();
    /// assert_eq!(err.offset(), Some(4));
    /// ```
    pub fn offset(&self) -> Option<u64> {
        self.details.as_ref()?.offset
    }

    /// The I/O error behind an [`ErrorKind::Io`], when known.
    ///
    /// ```
    /// use std::io;
    /// use librsync_rs::{Error, ErrorKind};
    ///
    /// let err = Error::from_io(io::Error::new(io::ErrorKind::BrokenPipe, "gone"));
    /// assert_eq!(err.kind(), ErrorKind::Io);
    /// assert_eq!(err.io_error().unwrap().kind(), io::ErrorKind::BrokenPipe);
    /// assert!(Error::new(ErrorKind::Io).io_error().is_none());
    /// ```
    pub fn io_error(&self) -> Option<&io::Error> {
        self.details.as_ref()?.io.as_deref()
    }

    /// This error with `message` as its [`Error::message`].
    ///
    /// ```
    /// use librsync_rs::{Error, ErrorKind};
    ///
    /// let err = Error::new(ErrorKind::Corrupt).with_message("bad checksum");
    /// assert_eq!(err.message(), Some("bad checksum"));
    /// assert_eq!(err.to_string(), "stream corrupt: bad checksum");
    /// ```
    pub fn with_message(mut self, message: impl Into<String>) -> Error {
        self.details_mut().message = Some(message.into());
        self
    }

    /// This error at input byte `offset`, unless it already has an offset.
    pub(crate) fn or_at(mut self, offset: u64) -> Error {
        let details = self.details_mut();
        details.offset.get_or_insert(offset);
        self
    }

    fn details_mut(&mut self) -> &mut Details {
        self.details.get_or_insert_with(Box::default)
    }

    /// Wraps an I/O error as an [`ErrorKind::Io`]. An `io::Error` that itself
    /// carries an [`Error`] (see [`Error::into_io`]) gives that error back
    /// unchanged.
    ///
    /// ```
    /// use std::io;
    /// use librsync_rs::{Error, ErrorKind};
    ///
    /// let io_err = io::Error::new(io::ErrorKind::NotFound, "no such file");
    /// assert_eq!(Error::from_io(io_err).kind(), ErrorKind::Io);
    /// // An Error packed by `into_io` comes back as it was.
    /// let packed = Error::new(ErrorKind::Corrupt).with_message("x").into_io();
    /// assert_eq!(Error::from_io(packed).message(), Some("x"));
    /// ```
    pub fn from_io(err: io::Error) -> Error {
        if err.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            if let Some(inner) = err.into_inner() {
                if let Ok(e) = inner.downcast::<Error>() {
                    return *e;
                }
            }
            return Error::new(ErrorKind::Io);
        }
        Error::from_shared_io(Arc::new(err))
    }

    /// An [`ErrorKind::Io`] for an I/O error that is shared.
    fn from_shared_io(err: Arc<io::Error>) -> Error {
        let mut e = Error::new(ErrorKind::Io);
        e.details_mut().io = Some(err);
        e
    }

    /// Packs this error into an `io::Error`, so that it can travel through
    /// `std::io` interfaces (such as a [`Basis`](crate::Basis)) and come back
    /// intact through [`Error::from_io`] (or `into_inner()` and
    /// `downcast::<Error>()`). An [`ErrorKind::Io`] with nothing but its
    /// I/O error becomes that I/O error again; otherwise the kind is the
    /// I/O error's own for [`ErrorKind::Io`], `InvalidData` for
    /// [`ErrorKind::Corrupt`] and [`ErrorKind::BadMagic`], `UnexpectedEof`
    /// for [`ErrorKind::InputEnded`], and `Other` for the rest.
    ///
    /// ```
    /// use std::io;
    /// use librsync_rs::{Error, ErrorKind};
    ///
    /// let io_err = Error::new(ErrorKind::Corrupt).into_io();
    /// assert_eq!(io_err.kind(), io::ErrorKind::InvalidData);
    /// assert_eq!(Error::new(ErrorKind::InputEnded).into_io().kind(), io::ErrorKind::UnexpectedEof);
    /// ```
    pub fn into_io(self) -> io::Error {
        let kind = match (self.kind, self.io_error()) {
            (ErrorKind::Io, Some(io)) => {
                if self.message().is_none() && self.offset().is_none() {
                    let shared = self.details.and_then(|d| d.io).expect("checked above");
                    return match Arc::try_unwrap(shared) {
                        Ok(e) => e,
                        Err(e) => io::Error::new(e.kind(), Error::from_shared_io(e)),
                    };
                }
                io.kind()
            }
            (ErrorKind::Corrupt | ErrorKind::BadMagic, _) => io::ErrorKind::InvalidData,
            (ErrorKind::InputEnded, _) => io::ErrorKind::UnexpectedEof,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, self)
    }
}

/// The error of a job whose output would pass the `limit` its caller set
/// (logged as coming from `caller`).
pub(crate) fn output_over_limit(caller: &str, limit: u64) -> Error {
    crate::trace::fail!(
        ErrorKind::Corrupt,
        caller,
        "output would exceed the limit of {limit} bytes"
    )
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error::new(kind)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind);
        if let Some(message) = self.message() {
            d.field("message", &message);
        }
        if let Some(offset) = self.offset() {
            d.field("offset", &offset);
        }
        if let Some(io) = self.io_error() {
            d.field("io", io);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    /// The kind, then the message (or the I/O error) and the offset when
    /// known: `stream corrupt: invalid length=0 on COPY command (at input
    /// byte 4)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        match (self.message(), self.io_error()) {
            (Some(message), _) => write!(f, ": {message}")?,
            (None, Some(io)) => write!(f, ": {io}")?,
            (None, None) => {}
        }
        if let Some(offset) = self.offset() {
            write!(f, " (at input byte {offset})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    /// The I/O error of an [`ErrorKind::Io`], if known.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.io_error()
            .map(|e| e as &(dyn std::error::Error + 'static))
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
///
/// ```
/// use librsync_rs::{io::patch_of, Result};
///
/// fn rebuild(basis: &[u8], delta: &[u8]) -> Result<usize> {
///     Ok(patch_of(basis, delta)?.len())
/// }
/// assert_eq!(rebuild(b"", b"rs\x026\0").unwrap(), 0); // an empty delta: END only
/// assert!(rebuild(b"", b"junk").is_err());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in [100, 101, 102, 103, 104, 105, 106, 107, 108, 77, 55] {
            let e = Error::from_code(code).unwrap();
            assert_eq!(e.code(), code);
            assert_eq!(e.kind(), ErrorKind::from_code(code).unwrap());
            match e.kind() {
                ErrorKind::Param => assert_eq!(e.to_string(), "parameter out of range"),
                ErrorKind::Other(c) => assert_eq!(
                    e.to_string(),
                    format!("unexplained problem (result code {c})")
                ),
                _ => assert_eq!(e.to_string(), strerror(code)),
            }
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
    }

    #[test]
    fn strerror_texts() {
        assert_eq!(strerror(0), "OK");
        assert_eq!(strerror(108), "unexplained problem");
        assert_eq!(strerror(77), "unexplained problem");
        assert_eq!(strerror(106), "stream corrupt");
    }

    /// The details show after the kind, and survive a trip through
    /// `io::Error`.
    #[test]
    fn details_display_and_travel() {
        let e = Error::new(ErrorKind::Corrupt)
            .with_message("bogus command 0x55")
            .or_at(4);
        assert_eq!(
            e.to_string(),
            "stream corrupt: bogus command 0x55 (at input byte 4)"
        );
        assert_eq!(
            (e.message(), e.offset()),
            (Some("bogus command 0x55"), Some(4))
        );
        assert_eq!(e.clone().or_at(9).offset(), Some(4));
        let back = Error::from_io(e.into_io());
        assert_eq!(
            back.to_string(),
            "stream corrupt: bogus command 0x55 (at input byte 4)"
        );
        let denied = io::Error::new(io::ErrorKind::PermissionDenied, "no");
        let e = Error::from_io(denied);
        assert_eq!(e.to_string(), "IO error: no");
        assert_eq!(
            e.io_error().map(io::Error::kind),
            Some(io::ErrorKind::PermissionDenied)
        );
        assert!(std::error::Error::source(&e).is_some());
        // Nothing but the I/O error: it comes back as it was.
        assert_eq!(e.into_io().kind(), io::ErrorKind::PermissionDenied);
        let e = Error::from_io(io::Error::other("disk")).with_message("error draining buf to file");
        let io = e.into_io();
        assert_eq!(io.kind(), io::ErrorKind::Other);
        assert_eq!(
            Error::from_io(io).message(),
            Some("error draining buf to file")
        );
        assert_eq!(
            Error::new(ErrorKind::Other(77)).to_string(),
            "unexplained problem (result code 77)"
        );
        assert_eq!(std::mem::size_of::<Error>(), 16);
    }

    #[test]
    fn io_round_trip_keeps_code() {
        let io = Error::new(ErrorKind::InputEnded).into_io();
        assert_eq!(Error::from_io(io).kind(), ErrorKind::InputEnded);
        let plain = io::Error::new(io::ErrorKind::NotFound, "x");
        assert_eq!(Error::from_io(plain).code(), 100);
    }
}
