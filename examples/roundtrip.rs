//! Makes a sample basis and an edited copy, then runs signature -> delta ->
//! patch through the library and checks that the patch rebuilds the copy.
//!
//! `cargo run --release --example roundtrip [DIR]` (default: a directory
//! under the system temp dir). The files are left in DIR for inspection, or
//! for comparing with Debian's `rdiff`.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter};
use std::path::PathBuf;
use std::time::Instant;

use librsync_rs::{BufferSizes, SeekBasis, SignatureOptions};

fn sample(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("librsync-rs-roundtrip"));
    fs::create_dir_all(&dir)?;
    let (old_path, new_path) = (dir.join("old"), dir.join("new"));
    let (sig_path, delta_path, out_path) = (
        dir.join("old.sig"),
        dir.join("new.delta"),
        dir.join("new.patched"),
    );

    // An 8 MiB basis and a copy with an insert, a deletion and a moved range.
    let old = sample(8 << 20, 42);
    let mut new = old.clone();
    new.splice(1_000_000..1_000_000, b"an insertion ".repeat(1000));
    new.drain(3_000_000..3_200_000);
    let moved: Vec<u8> = new.drain(5_000_000..5_500_000).collect();
    new.splice(100_000..100_000, moved);
    new.extend(sample(300_000, 7));
    fs::write(&old_path, &old)?;
    fs::write(&new_path, &new)?;

    let t = Instant::now();
    let opts = SignatureOptions {
        basis_size: Some(old.len() as u64),
        ..SignatureOptions::default()
    };
    let sig_stats = librsync_rs::signature(
        BufReader::new(File::open(&old_path)?),
        BufWriter::new(File::create(&sig_path)?),
        &opts,
    )?;
    let (sig, _) = librsync_rs::load_signature(
        BufReader::new(File::open(&sig_path)?),
        Some(fs::metadata(&sig_path)?.len()),
    )?;
    let delta_stats = librsync_rs::delta(
        &sig,
        BufReader::new(File::open(&new_path)?),
        BufWriter::new(File::create(&delta_path)?),
        BufferSizes::default(),
    )?;
    let patch_stats = librsync_rs::patch(
        SeekBasis::from_file(File::open(&old_path)?),
        BufReader::new(File::open(&delta_path)?),
        BufWriter::new(File::create(&out_path)?),
        BufferSizes::default(),
    )?;
    let elapsed = t.elapsed();

    let rebuilt = fs::read(&out_path)?;
    println!("files in {}", dir.display());
    println!("{sig_stats}");
    println!("{delta_stats}");
    println!("{patch_stats}");
    println!(
        "basis {} bytes, new {} bytes, signature {} bytes, delta {} bytes, round trip in {:.2?}",
        old.len(),
        new.len(),
        fs::metadata(&sig_path)?.len(),
        fs::metadata(&delta_path)?.len(),
        elapsed
    );
    if rebuilt != new {
        return Err("patched file differs from the new file".into());
    }
    println!("OK: the patched file is identical to the new file");
    Ok(())
}
