//! Opening rdiff's files as librsync's `rs_file_open` does (no name or `-`
//! is stdin/stdout; an existing output without `--force`, or any open
//! failure, is logged and ends the process with `RS_IO_ERROR`), and
//! `rs_file_size` (the size of a regular file, else -1).

use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Read};
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;

use librsync_rs::compat::log_bytes;
use librsync_rs::trace::LogLevel;

use crate::stdio::StdioWriter;

/// An input file, or the process's standard input.
#[derive(Debug)]
pub struct Input {
    /// The open file (for stdin, a duplicate of descriptor 0, which shares
    /// its file position), or the error that made it unavailable.
    file: io::Result<File>,
    /// Whether this is standard input.
    pub is_stdin: bool,
}

impl Input {
    /// `rs_file_size`: the size of a regular file, -1 for anything else
    /// (pipes, devices, terminals).
    pub fn size(&self) -> i64 {
        match &self.file {
            Ok(f) => match f.metadata() {
                Ok(m) if m.is_file() => i64::try_from(m.len()).unwrap_or(i64::MAX),
                _ => -1,
            },
            Err(_) => -1,
        }
    }

    /// The file itself, for reading or seeking.
    pub fn into_file(self) -> io::Result<File> {
        self.file
    }
}

impl Read for Input {
    /// Reads from the file, or reports why there is none.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.file {
            Ok(f) => f.read(buf),
            Err(e) => Err(match e.raw_os_error() {
                Some(code) => io::Error::from_raw_os_error(code),
                None => io::Error::from(e.kind()),
            }),
        }
    }
}

/// An output file or standard output, written through a stdio-like buffer.
#[derive(Debug)]
pub struct Output {
    /// The buffered writer.
    pub writer: StdioWriter<Sink>,
    /// Whether this is standard output (flushed only at exit, as C's
    /// `rs_file_close` leaves stdout open).
    pub is_stdout: bool,
}

/// Where an [`Output`] writes: a file, or nowhere when standard output is
/// unusable.
#[derive(Debug)]
pub enum Sink {
    /// An open file or a duplicate of descriptor 1.
    File(File),
    /// Standard output could not be duplicated; writes fail with this kind.
    Broken(io::ErrorKind),
}

impl io::Write for Sink {
    /// Writes to the file.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Broken(kind) => Err(io::Error::from(*kind)),
        }
    }

    /// Nothing is buffered here.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Output {
    /// `rs_file_close`: a named file is written out now; standard output is
    /// handed back to be flushed at exit.
    pub fn close(mut self) -> Option<Output> {
        if self.is_stdout {
            Some(self)
        } else {
            self.writer.finish();
            None
        }
    }
}

/// The text C's `strerror` gives for an I/O error: Rust's message without
/// its ` (os error N)` suffix.
pub fn strerror_text(err: &io::Error) -> String {
    let text = err.to_string();
    match (err.raw_os_error(), text.rfind(" (os error ")) {
        (Some(_), Some(at)) => text[..at].to_string(),
        _ => text,
    }
}

/// Logs an `rs_file_open` error (`librsync: ERROR: (rs_file_open) ...`) and
/// exits with `RS_IO_ERROR` (100), as librsync itself does.
fn open_failed(message: &[u8]) -> ! {
    log_bytes(LogLevel::Err as i32, "rs_file_open", message);
    std::process::exit(librsync_rs::ErrorKind::Io.code());
}

/// `Error opening "NAME" for read: REASON` and exit.
fn error_opening(name: &[u8], mode: &str, err: &io::Error) -> ! {
    let mut message = b"Error opening \"".to_vec();
    message.extend_from_slice(name);
    message.extend_from_slice(format!("\" for {mode}: {}", strerror_text(err)).as_bytes());
    open_failed(&message)
}

/// The name as a path (file names are bytes on Unix).
fn path(name: &[u8]) -> &std::path::Path {
    use std::os::unix::ffi::OsStrExt;
    std::path::Path::new(std::ffi::OsStr::from_bytes(name))
}

/// Whether `name` means a standard stream.
fn is_standard(name: Option<&[u8]>) -> bool {
    matches!(name, None | Some(b"-"))
}

/// Opens an input as `rs_file_open(name, "rb", force)`.
pub fn open_input(name: Option<&[u8]>) -> Input {
    if is_standard(name) {
        let file = io::stdin().as_fd().try_clone_to_owned().map(File::from);
        return Input {
            file,
            is_stdin: true,
        };
    }
    let name = name.unwrap_or_default();
    match File::open(path(name)) {
        Ok(file) => Input {
            file: Ok(file),
            is_stdin: false,
        },
        Err(e) => error_opening(name, "read", &e),
    }
}

/// Opens an output as `rs_file_open(name, "wb", force)`: without `force`,
/// a name that can be opened for reading is an existing file, which is
/// left untouched.
pub fn open_output(name: Option<&[u8]>, force: bool) -> Output {
    if is_standard(name) {
        let sink = match io::stdout().as_fd().try_clone_to_owned() {
            Ok(fd) => Sink::File(File::from(fd)),
            Err(e) => Sink::Broken(e.kind()),
        };
        return output(sink, true);
    }
    let name = name.unwrap_or_default();
    if !force && File::open(path(name)).is_ok() {
        let mut message = b"File exists \"".to_vec();
        message.extend_from_slice(name);
        message.extend_from_slice(b"\", aborting!");
        open_failed(&message);
    }
    match OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path(name))
    {
        Ok(file) => output(Sink::File(file), false),
        Err(e) => error_opening(name, "write", &e),
    }
}

/// Wraps a sink in a stdio-like buffer sized from its `st_blksize`.
fn output(sink: Sink, is_stdout: bool) -> Output {
    let (blksize, terminal) = match &sink {
        Sink::File(f) => (
            f.metadata().map(|m| m.blksize()).unwrap_or(0),
            f.is_terminal(),
        ),
        Sink::Broken(_) => (0, false),
    };
    Output {
        writer: StdioWriter::new(sink, blksize, terminal),
        is_stdout,
    }
}
