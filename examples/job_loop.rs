//! The job state machine (librsync's `rs_job_iter`) driven by hand, as an
//! event loop would: input arrives in small pieces, output goes out through
//! a small fixed buffer, and the job never blocks or does I/O itself.
//!
//! `cargo run --example job_loop`

use librsync_rs::{Buffers, Job, SigMagic, Status};

fn main() -> Result<(), librsync_rs::Error> {
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let mut job = Job::signature(SigMagic::RkBlake2, 2048, 32);
    let mut signature = Vec::new();
    let mut out = [0u8; 1000];
    let mut input = &data[..];
    let mut calls = 0;
    loop {
        // Hand the job at most 4 KiB of what has "arrived"; say when the
        // input has ended.
        let piece = &input[..input.len().min(4096)];
        let mut bufs = Buffers::new(piece, &mut out).with_eof(piece.len() == input.len());
        let status = job.process(&mut bufs)?;
        calls += 1;
        let (used, made) = (bufs.input_consumed(), bufs.output_produced());
        input = &input[used..];
        signature.extend_from_slice(&out[..made]);
        if status == Status::Done {
            break;
        }
    }
    let stats = job.stats();
    println!(
        "{} bytes of signature ({} blocks) in {calls} calls",
        signature.len(),
        stats.sig_blocks
    );
    // The same bytes as the one-shot.
    let opts = librsync_rs::SignatureOptions::new()
        .block_len(2048)
        .strong_len(librsync_rs::StrongLen::Exact(32));
    assert_eq!(signature, librsync_rs::io::signature_of(&data, &opts)?);
    Ok(())
}
