//! Logging, as librsync's `trace.c`: a global level and a global sink that
//! receives whole lines such as `librsync: ERROR: (rs_job_complete) patch job
//! failed: stream corrupt\n`.
//!
//! A Rust program hears nothing unless it asks: the sink starts
//! [`Sink::Silent`], and errors reach the caller as [`Error`](crate::Error)
//! values anyway. [`set_sink`] with [`Sink::Stderr`] gives librsync's
//! behaviour, which the C library and `rdiff` switch on for their users.
//!
//! ```
//! use librsync_rs::io::patch_of;
//! use librsync_rs::trace::{set_level, set_sink, LogLevel, Sink};
//!
//! set_sink(Sink::Stderr); // print "librsync: ERROR: ..." as rdiff does
//! set_level(LogLevel::Warning);
//! let err = patch_of(b"", b"junk").unwrap_err(); // logged, and returned
//! assert_eq!(err.kind(), librsync_rs::ErrorKind::BadMagic);
//! ```

use std::fmt;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, RwLock};

/// Log levels, the same numbers as syslog's (`rs_loglevel`).
///
/// ```
/// use librsync_rs::trace::{set_level, LogLevel};
///
/// assert!(LogLevel::Err < LogLevel::Warning); // more severe, smaller number
/// assert_eq!(LogLevel::Info as i32, 6);
/// set_level(LogLevel::Err); // only errors and worse from now on
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(i32)]
pub enum LogLevel {
    /// `RS_LOG_EMERG`
    Emerg = 0,
    /// `RS_LOG_ALERT`
    Alert = 1,
    /// `RS_LOG_CRIT`
    Crit = 2,
    /// `RS_LOG_ERR`
    Err = 3,
    /// `RS_LOG_WARNING`
    Warning = 4,
    /// `RS_LOG_NOTICE`
    Notice = 5,
    /// `RS_LOG_INFO`, the default level.
    Info = 6,
    /// `RS_LOG_DEBUG`
    Debug = 7,
}

/// Flag added to a level to leave the function name out of the line
/// (`RS_LOG_NONAME`).
pub(crate) const NONAME: i32 = 8;

/// A custom log sink: gets the level and the whole line.
///
/// ```
/// use std::sync::Arc;
/// use librsync_rs::trace::{set_sink, Sink, SinkFn};
///
/// let to_log: Arc<SinkFn> = Arc::new(|level, line: &[u8]| {
///     eprint!("[{level}] {}", String::from_utf8_lossy(line));
/// });
/// set_sink(Sink::Custom(to_log));
/// ```
pub type SinkFn = dyn Fn(i32, &[u8]) + Send + Sync;

/// Where log lines go.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use librsync_rs::io::patch_of;
/// use librsync_rs::trace::{set_sink, Sink};
///
/// let lines = Arc::new(Mutex::new(Vec::new()));
/// let sink = Arc::clone(&lines);
/// set_sink(Sink::Custom(Arc::new(move |_level, line: &[u8]| {
///     sink.lock().unwrap().push(String::from_utf8_lossy(line).into_owned());
/// })));
/// assert!(patch_of(b"", b"junk").is_err());
/// assert!(lines.lock().unwrap()[0].starts_with("librsync: ERROR: "));
/// set_sink(Sink::Silent); // the default again
/// ```
#[derive(Clone, Default)]
pub enum Sink {
    /// Standard error, like `rs_trace_stderr` (the C library's default).
    Stderr,
    /// Nowhere (`rs_trace_to(NULL)`); the default for Rust programs.
    #[default]
    Silent,
    /// A function given the message level and the whole line, newline
    /// included. Lines are bytes because librsync copies file names into them
    /// as they are.
    Custom(Arc<SinkFn>),
}

static LEVEL: AtomicI32 = AtomicI32::new(LogLevel::Info as i32);
static SINK: RwLock<Sink> = RwLock::new(Sink::Silent);

/// Sets the most verbose level that is still logged (`rs_trace_set_level`);
/// [`LogLevel::Info`] at first.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use librsync_rs::io::patch_of;
/// use librsync_rs::trace::{set_level, set_sink, LogLevel, Sink};
///
/// let count = Arc::new(Mutex::new(0));
/// let sink = Arc::clone(&count);
/// set_sink(Sink::Custom(Arc::new(move |_, _: &[u8]| *sink.lock().unwrap() += 1)));
/// set_level(LogLevel::Crit); // errors (level Err) are below the bar now
/// assert!(patch_of(b"", b"junk").is_err());
/// assert_eq!(*count.lock().unwrap(), 0);
/// ```
pub fn set_level(level: LogLevel) {
    set_level_raw(level as i32);
}

/// [`set_level`] with any integer, as C's `rs_trace_set_level` accepts
/// (below 0 logs nothing).
pub(crate) fn set_level_raw(level: i32) {
    LEVEL.store(level, Ordering::Relaxed);
}

/// Replaces the sink (`rs_trace_to`).
///
/// ```
/// use librsync_rs::trace::{set_sink, Sink};
///
/// // librsync's own behaviour: "librsync: ERROR: ..." lines on stderr.
/// set_sink(Sink::Stderr);
/// # set_sink(Sink::Silent);
/// ```
pub fn set_sink(sink: Sink) {
    match SINK.write() {
        Ok(mut guard) => *guard = sink,
        Err(poisoned) => *poisoned.into_inner() = sink,
    }
}

/// Whether this build can log debug traces (`rs_supports_trace`): it cannot,
/// like Debian's librsync.
///
/// ```
/// assert!(!librsync_rs::trace::supports_trace()); // as Debian's librsync
/// ```
pub fn supports_trace() -> bool {
    false
}

/// Writes a line to standard error as `rs_trace_stderr` does: to file
/// descriptor 2, or through the writer [`set_stderr_writer`] installed (the C
/// library installs one that writes to C's `stderr` stream, so that a C
/// program's redirection or buffering of it applies).
pub(crate) fn write_stderr(line: &[u8]) {
    let writer = match STDERR_WRITER.read() {
        Ok(guard) => *guard,
        Err(poisoned) => *poisoned.into_inner(),
    };
    writer(line)
}

fn std_stderr(line: &[u8]) {
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), line);
}

static STDERR_WRITER: RwLock<fn(&[u8])> = RwLock::new(std_stderr);

/// Replaces how [`Sink::Stderr`] writes a line (the C library's hook for
/// C's `stderr` stream).
pub(crate) fn set_stderr_writer(writer: fn(&[u8])) {
    match STDERR_WRITER.write() {
        Ok(mut guard) => *guard = writer,
        Err(poisoned) => *poisoned.into_inner() = writer,
    }
}

const MESSAGE_MAX: usize = 999;
const LINE_MAX: usize = 1039;

fn severity(level: i32) -> &'static str {
    match level {
        0 => "EMERGENCY! ",
        1 => "ALERT! ",
        2 => "CRITICAL! ",
        3 => "ERROR: ",
        4 => "Warning: ",
        _ => "",
    }
}

fn enabled(level: i32) -> bool {
    level <= LEVEL.load(Ordering::Relaxed)
}

/// Logs a message given as bytes, as librsync's `rs_log0` does; `func` is
/// the C function name librsync would show. `flags` is a level, optionally
/// with [`NONAME`].
pub(crate) fn log_bytes(flags: i32, func: &str, message: &[u8]) {
    let level = flags & 7;
    if !enabled(level) {
        return;
    }
    let sink = match SINK.read() {
        Ok(guard) => guard.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    if matches!(sink, Sink::Silent) {
        return;
    }
    let message = &message[..message.len().min(MESSAGE_MAX)];
    let mut line = Vec::with_capacity(message.len() + func.len() + 32);
    line.extend_from_slice(b"librsync: ");
    line.extend_from_slice(severity(level).as_bytes());
    if flags & NONAME == 0 && !func.is_empty() {
        line.push(b'(');
        line.extend_from_slice(func.as_bytes());
        line.extend_from_slice(b") ");
    }
    line.extend_from_slice(message);
    line.push(b'\n');
    line.truncate(LINE_MAX);
    match sink {
        Sink::Stderr => write_stderr(&line),
        Sink::Silent => {}
        Sink::Custom(f) => f(level, &line),
    }
}

/// Logs a formatted message (see [`log_bytes`]).
pub(crate) fn log(flags: i32, func: &str, args: fmt::Arguments<'_>) {
    if enabled(flags & 7) {
        log_bytes(flags, func, args.to_string().as_bytes());
    }
}

/// `rs_error`: logs at ERROR level with the C function name.
macro_rules! rs_error {
    ($func:expr, $($arg:tt)*) => {
        $crate::trace::log($crate::trace::LogLevel::Err as i32, $func, format_args!($($arg)*))
    };
}

/// `rs_warn`: logs at WARNING level with the C function name.
macro_rules! rs_warn {
    ($func:expr, $($arg:tt)*) => {
        $crate::trace::log($crate::trace::LogLevel::Warning as i32, $func, format_args!($($arg)*))
    };
}

/// Logs a failure as `rs_error` does (the text C logs), and gives the
/// [`Error`](crate::Error) of `kind` that carries the same text as its
/// message, so a Rust caller learns the reason without a log.
/// `fail!(error = e, ...)` does the same for an existing error `e`.
macro_rules! fail {
    (error = $error:expr, $func:expr, $($arg:tt)*) => {{
        let message = format!($($arg)*);
        $crate::trace::rs_error!($func, "{}", message);
        $crate::error::Error::from($error).with_message(message)
    }};
    ($kind:expr, $func:expr, $($arg:tt)*) => {
        $crate::trace::fail!(error = $crate::error::Error::new($kind), $func, $($arg)*)
    };
}

pub(crate) use {fail, rs_error, rs_warn};

/// Serialises tests that change the global level or sink.
#[cfg(test)]
pub(crate) static TEST_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn capture<F: FnOnce()>(f: F) -> Vec<(i32, Vec<u8>)> {
        let _guard = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        type Lines = Arc<Mutex<Vec<(i32, Vec<u8>)>>>;
        let lines: Lines = Arc::default();
        let sink_lines = lines.clone();
        set_sink(Sink::Custom(Arc::new(move |level, line| {
            sink_lines.lock().unwrap().push((level, line.to_vec()))
        })));
        f();
        set_sink(Sink::Silent);
        set_level(LogLevel::Info);
        let out = lines.lock().unwrap().clone();
        out
    }

    #[test]
    fn rust_programs_hear_nothing_unless_they_ask() {
        assert!(matches!(Sink::default(), Sink::Silent));
        let _guard = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        // Every test that changes the sink puts the default back.
        assert!(matches!(*SINK.read().unwrap(), Sink::Silent));
    }

    #[test]
    fn line_format_matches_c() {
        let lines = capture(|| {
            rs_error!(
                "rs_job_complete",
                "{} job failed: {}",
                "patch",
                "stream corrupt"
            );
            rs_warn!("rs_sig_args", "w");
            log(LogLevel::Info as i32 | NONAME, "x", format_args!("stats"));
            log(LogLevel::Info as i32, "", format_args!("nofunc"));
            log(LogLevel::Debug as i32, "f", format_args!("hidden"));
        });
        let text: Vec<String> = lines
            .iter()
            .map(|(_, l)| String::from_utf8(l.clone()).unwrap())
            .collect();
        assert_eq!(
            text,
            [
                "librsync: ERROR: (rs_job_complete) patch job failed: stream corrupt\n",
                "librsync: Warning: (rs_sig_args) w\n",
                "librsync: stats\n",
                "librsync: nofunc\n",
            ]
        );
        assert_eq!(lines[0].0, 3);
    }

    #[test]
    fn long_messages_are_truncated_like_c() {
        let lines = capture(|| {
            set_level(LogLevel::Debug);
            log(3, "f", format_args!("{}", "x".repeat(5000)));
        });
        let line = &lines[0].1;
        // "librsync: ERROR: (f) " + 999 bytes + "\n" = 1021 bytes.
        assert_eq!(line.len(), 21 + 999 + 1);
    }

    #[test]
    fn level_filters() {
        let lines = capture(|| {
            set_level(LogLevel::Crit);
            log(3, "f", format_args!("error hidden"));
            log(2, "f", format_args!("crit shown"));
        });
        assert_eq!(lines.len(), 1);
        assert!(lines[0]
            .1
            .starts_with(b"librsync: CRITICAL! (f) crit shown"));
    }
}
