//! `rdiff`: librsync's command-line tool (signature, delta, patch), with the
//! options, outputs, messages and exit codes of Debian's rdiff 2.3.2.
//!
//! The process: parse the options as popt does, act on `-v`, `-V` and
//! `--help` as they come, then run the action and exit with its `rs_result`
//! (0 or 100-108), after `rdiff: Failed, <reason>.` when it failed.

mod actions;
mod files;
mod messages;
mod stdio;

use std::io::Write;
use std::os::unix::ffi::OsStringExt;

use librsync_rs::trace::{self, LogLevel};
// The option parser lives in the crate's library (src/lib.rs), where the
// fuzz target rdiff_args reaches it too.
use librsync_rs_rdiff::options;

use options::{Event, Parser};

/// Acts on an option popt hands back: help and version end the process.
fn on_event(event: Event) {
    match event {
        Event::Help => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(messages::HELP.as_bytes());
            let _ = out.flush();
            std::process::exit(0);
        }
        Event::Version => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(messages::version().as_bytes());
            let _ = out.flush();
            std::process::exit(0);
        }
        Event::Verbose => {
            if !trace::supports_trace() {
                messages::to_stderr(b"rdiff: Library does not support trace.\n");
            }
            trace::set_level(LogLevel::Debug);
        }
    }
}

/// Restores the default action of `SIGPIPE` (terminate the process), which
/// the Rust runtime sets to "ignore": `rdiff patch ... | head` then ends
/// silently when `head` exits, as the C program does.
fn restore_default_sigpipe() {
    // SAFETY: setting a signal's disposition to its default is always sound;
    // this process installs no handler of its own.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Parses the command line and runs the action.
fn main() {
    // Die from a closed output pipe as the C program does.
    restore_default_sigpipe();
    // librsync's messages go to stderr, as from the C rdiff.
    trace::set_sink(trace::Sink::Stderr);
    let argv: Vec<Vec<u8>> = std::env::args_os().map(|a| a.into_vec()).collect();
    let posix = std::env::var_os("POSIXLY_CORRECT").is_some()
        || std::env::var_os("POSIX_ME_HARDER").is_some();
    let mut parser = Parser::new(argv, posix);
    loop {
        match parser.next_event() {
            Ok(Some(event)) => on_event(event),
            Ok(None) => break,
            Err(e) => {
                let mut message = format!("{}: ", e.kind.text()).into_bytes();
                message.extend_from_slice(&e.word);
                messages::usage_exit(&message);
            }
        }
    }
    let outcome = actions::run_action(&mut parser);
    let code = outcome.result.as_ref().err().map_or(0, |e| e.code());
    if code != 0 {
        messages::failed(code);
    }
    if let Some(mut out) = outcome.stdout {
        out.writer.finish();
    }
    std::process::exit(code);
}
