//! The async adapters (feature `tokio`): a signature, a delta and a patch
//! of two files with tokio's files, each a `tokio::io::copy` from an
//! `AsyncRead` adapter to a file, on a multi-thread runtime. The runtime is
//! never blocked for more than one buffer of work.
//!
//! `cargo run --example async_files --features tokio [DIR]`

use std::path::PathBuf;

use librsync_rs::io::load_signature_of;
use librsync_rs::io::tokio::{DeltaReader, PatchReader, SignatureReader};
use librsync_rs::SignatureOptions;
use tokio::fs::{self, File};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("librsync-rs-async-files"));
    fs::create_dir_all(&dir).await?;
    let old: Vec<u8> = (0..3_000_000u32).map(|i| (i * 31 % 253) as u8).collect();
    let mut new = old.clone();
    new[1_000_000..1_000_016].copy_from_slice(b"sixteen new byte");
    fs::write(dir.join("old"), &old).await?;
    fs::write(dir.join("new"), &new).await?;

    // signature: old -> old.sig
    let opts = SignatureOptions::new().basis_size(old.len() as u64);
    let mut sig = SignatureReader::new(File::open(dir.join("old")).await?, &opts)?;
    tokio::io::copy(&mut sig, &mut File::create(dir.join("old.sig")).await?).await?;

    // delta: old.sig + new -> new.delta
    let sig = load_signature_of(&fs::read(dir.join("old.sig")).await?)?;
    let mut delta = DeltaReader::new(&sig, File::open(dir.join("new")).await?)?;
    tokio::io::copy(&mut delta, &mut File::create(dir.join("new.delta")).await?).await?;

    // patch: old + new.delta -> out. The basis is read synchronously (by
    // position); a slice in memory here, a `SeekBasis` over a file works too.
    let mut patched = PatchReader::new(&old[..], File::open(dir.join("new.delta")).await?);
    tokio::io::copy(&mut patched, &mut File::create(dir.join("out")).await?).await?;

    assert_eq!(fs::read(dir.join("out")).await?, new);
    println!(
        "{}: signature {} bytes, delta {} bytes, patched file identical",
        dir.display(),
        fs::metadata(dir.join("old.sig")).await?.len(),
        fs::metadata(dir.join("new.delta")).await?.len()
    );
    Ok(())
}
