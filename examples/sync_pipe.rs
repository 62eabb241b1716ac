//! Brings a copy of a file up to date across two processes, as rsync does
//! over a network: the receiver has OLD, the sender has NEW, and only a
//! signature and a delta cross the pipes between them.
//!
//! ```text
//! cargo run --release --example sync_pipe -- OLD NEW OUT
//! ```
//!
//! The program is the sender; it starts itself again as the receiver, with
//! the receiver's stdout and stdin as the two pipes:
//!
//! 1. the receiver sends the signature of OLD (8-byte big-endian length,
//!    then the bytes);
//! 2. the sender streams the delta of NEW against it, and closes the pipe;
//! 3. the receiver patches OLD with the delta as it arrives, into OUT.
//!
//! Both sides stream: memory stays at a few buffers and the signature,
//! whatever the file sizes.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::process::{Command, Stdio};

use librsync_rs::io::{DeltaReader, PatchReader, SignatureReader};
use librsync_rs::{load_signature, SeekBasis, SignatureOptions};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The receiver: signature of `old` out on stdout, delta in on stdin,
/// patched file into `out`.
fn receive(old: &str, out: &str) -> Result<()> {
    let opts = SignatureOptions::new().basis_size(std::fs::metadata(old)?.len());
    let mut sig = Vec::new();
    SignatureReader::new(File::open(old)?, &opts)?.read_to_end(&mut sig)?;
    let mut stdout = io::stdout().lock();
    stdout.write_all(&(sig.len() as u64).to_be_bytes())?;
    stdout.write_all(&sig)?;
    stdout.flush()?;

    let basis = SeekBasis::new(File::open(old)?);
    let mut patched = PatchReader::new(basis, io::stdin().lock());
    let mut target = BufWriter::new(File::create(out)?);
    io::copy(&mut patched, &mut target)?;
    target.flush()?;
    Ok(())
}

/// The sender: starts the receiver, reads its signature, streams the
/// delta of `new` to it.
fn send(old: &str, new: &str, out: &str) -> Result<()> {
    let mut receiver = Command::new(std::env::current_exe()?)
        .args(["--receive", old, out])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut from_receiver = receiver.stdout.take().expect("piped stdout");
    let mut len = [0u8; 8];
    from_receiver.read_exact(&mut len)?;
    let sig_len = u64::from_be_bytes(len);
    let (sig, _) = load_signature(from_receiver.take(sig_len), None)?;

    let mut to_receiver = receiver.stdin.take().expect("piped stdin");
    let mut delta = DeltaReader::new(&sig, File::open(new)?)?;
    let sent = io::copy(&mut delta, &mut to_receiver)?;
    drop(to_receiver); // the end of the delta
    let status = receiver.wait()?;
    if !status.success() {
        return Err(format!("the receiver failed: {status}").into());
    }
    let new_len = std::fs::metadata(new)?.len();
    println!(
        "{new_len} bytes brought up to date with a {sig_len}-byte signature and a {sent}-byte delta"
    );
    if std::fs::read(new)? == std::fs::read(out)? {
        println!("{out} is identical to {new}");
        Ok(())
    } else {
        Err(format!("{out} differs from {new}").into())
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match &args[..] {
        [flag, old, out] if flag == "--receive" => receive(old, out),
        [old, new, out] => send(old, new, out),
        _ => {
            eprintln!("usage: sync_pipe OLD NEW OUT");
            std::process::exit(2);
        }
    }
}
