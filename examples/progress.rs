//! Signature and delta of large files with progress bars: the adapters of
//! `librsync_rs::io` report bytes consumed and produced as they go, which
//! is all a progress bar for a 100 GB file needs.
//!
//! ```text
//! cargo run --release --example progress -- OLD NEW [DELTA]
//! ```
//!
//! Writes the delta of NEW against OLD to DELTA (default `NEW.delta`),
//! using RabinKarp + BLAKE2 signatures with the recommended lengths.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use librsync_rs::io::{DeltaWriter, SignatureReader};
use librsync_rs::{load_signature, SignatureOptions};

/// A byte-counting bar of `len` bytes labelled `what`.
fn bar(len: u64, what: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:9} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_message(what);
    bar
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [old, new, rest @ ..] = &args[..] else {
        eprintln!("usage: progress OLD NEW [DELTA]");
        std::process::exit(2);
    };
    let out = rest.first().cloned().unwrap_or_else(|| {
        let mut name = new.clone().into_os_string();
        name.push(".delta");
        PathBuf::from(name)
    });

    // Signature of OLD, pulled through a Read adapter; the bar follows the
    // bytes the adapter has read from the file.
    let old_len = std::fs::metadata(old)?.len();
    let sig_bar = bar(old_len, "signature");
    let opts = SignatureOptions::new().basis_size(old_len);
    let shown = sig_bar.clone();
    let mut reader = SignatureReader::new(File::open(old)?, &opts)?
        .with_progress(move |p| shown.set_position(p.consumed));
    let mut sig_bytes = Vec::new();
    reader.read_to_end(&mut sig_bytes)?;
    sig_bar.finish();
    let (sig, _) = load_signature(&sig_bytes[..], None)?;

    // Delta of NEW, pushed through a Write adapter as it is copied.
    let new_len = std::fs::metadata(new)?.len();
    let delta_bar = bar(new_len, "delta");
    let shown = delta_bar.clone();
    let mut writer = DeltaWriter::new(&sig, BufWriter::new(File::create(&out)?))?
        .with_progress(move |p| shown.set_position(p.consumed));
    let read = io::copy(&mut File::open(new)?, &mut writer)?;
    // finish() ends the stream: the last commands are written only then.
    writer.finish()?.flush()?;
    delta_bar.finish();

    println!(
        "signature {} bytes; delta {} bytes for the {read} bytes of NEW, written to {}",
        sig_bytes.len(),
        std::fs::metadata(&out)?.len(),
        out.display()
    );
    Ok(())
}
