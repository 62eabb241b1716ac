//! Randomised robustness: thousands of corrupted signatures and deltas
//! (bit flips, truncations, insertions, duplicated and swapped ranges),
//! through the whole-stream API and through `Job::process` with random buffer
//! sizes. Every run must end in a result — no panic, no hang — and both
//! ways of running a job must agree.

use crate::common::Rng;
use crate::{Eof, Feed};
use librsync_rs::{BufferSizes, Error, Job, SigMagic, SignatureOptions, StrongLen};

fn corrupt(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = if out.is_empty() {
            0
        } else {
            rng.below(out.len())
        };
        match rng.below(6) {
            0 if !out.is_empty() => out[at] ^= 1 << rng.below(8),
            1 if !out.is_empty() => out[at] = rng.next_u64() as u8,
            2 => out.truncate(at),
            3 => {
                let n = 1 + rng.below(16);
                let extra = rng.bytes(n);
                out.splice(at..at, extra);
            }
            4 if !out.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(out.len());
                let copy = out[at..end].to_vec();
                let to = rng.below(out.len());
                out.splice(to..to, copy);
            }
            _ if out.len() > 8 => {
                // Big values in parameter positions.
                let v = [0xff, 0x7f, 0x80, 0x00][rng.below(4)];
                for b in out.iter_mut().skip(at).take(8) {
                    *b = v;
                }
            }
            _ => {}
        }
    }
    out
}

/// Drives a job with random input and output chunk sizes of 1 to 5000.
fn drive(rng: &mut Rng, job: &mut Job<'_>, input: &[u8]) -> Result<Vec<u8>, Error> {
    crate::drive(
        job,
        input,
        || (1 + rng.below(5000), 1 + rng.below(5000)),
        Feed::Sliding,
        Eof::WithLastByte,
    )
    .into_result()
}

#[test]
fn corrupted_signatures_and_deltas_end_in_a_result() {
    librsync_rs::trace::set_sink(librsync_rs::trace::Sink::Silent);
    let mut rng = Rng::new(31337);
    let old = rng.bytes(20_000);
    let new = rng.mutate(&old, 6);
    let mut outcomes = [0usize; 2];
    for (i, magic) in [
        SigMagic::Md4,
        SigMagic::Blake2,
        SigMagic::RkMd4,
        SigMagic::RkBlake2,
    ]
    .into_iter()
    .cycle()
    .take(1200)
    .enumerate()
    {
        let opts = SignatureOptions {
            magic,
            block_len: [None, Some(1), Some(7), Some(64), Some(300)][i % 5],
            strong_len: [StrongLen::Max, StrongLen::Exact(8), StrongLen::Min][i % 3],
            basis_size: Some(old.len() as u64),
            buffers: BufferSizes::default(),
            threads: 1,
        };
        let mut sig = Vec::new();
        librsync_rs::signature(&old[..], &mut sig, &opts).unwrap();
        let (loaded, _) = librsync_rs::load_signature(&sig[..], None).unwrap();
        let mut delta = Vec::new();
        librsync_rs::delta(&loaded, &new[..], &mut delta, BufferSizes::default()).unwrap();

        // A corrupted signature either fails to load or gives a signature
        // that deltas can be made against (their commands need not fit the
        // old file any more: a changed block length moves every copy).
        let bad_sig = corrupt(&mut rng, &sig);
        let mut job = Job::load_signature();
        match drive(&mut rng, &mut job, &bad_sig) {
            Ok(_) => {
                outcomes[0] += 1;
                let sig = job.take_signature().unwrap();
                let d = drive(&mut rng, &mut Job::delta(&sig), &new).unwrap();
                let mut again = Vec::new();
                librsync_rs::delta(&sig, &new[..], &mut again, BufferSizes::default()).unwrap();
                assert!(d == again, "case {i}: delta depends on chunking");
            }
            Err(_) => outcomes[1] += 1,
        }
        let whole = librsync_rs::load_signature(&bad_sig[..], Some(bad_sig.len() as u64));
        assert_eq!(
            whole.is_ok(),
            job.result().is_some_and(|r| r.is_ok()),
            "case {i}"
        );

        // A corrupted delta: streaming and whole-stream agree on the result.
        let bad_delta = corrupt(&mut rng, &delta);
        let streamed = drive(
            &mut rng,
            &mut Job::patch_with_limit(&old[..], 10 << 20),
            &bad_delta,
        );
        let mut out = Vec::new();
        let whole = librsync_rs::compat::run(
            &mut Job::patch_with_limit(&old[..], 10 << 20),
            &mut &bad_delta[..],
            Some(&mut out),
            librsync_rs::compat::PATCH_BUFFER,
            librsync_rs::compat::PATCH_BUFFER,
        );
        assert_eq!(streamed.as_ref().err(), whole.as_ref().err(), "case {i}");
        if let Ok(streamed) = streamed {
            assert!(streamed == out, "case {i}");
        }
    }
    assert!(outcomes[0] > 50 && outcomes[1] > 50, "{outcomes:?}");
}

#[test]
fn random_bytes_are_never_a_crash() {
    librsync_rs::trace::set_sink(librsync_rs::trace::Sink::Silent);
    let mut rng = Rng::new(4242);
    for i in 0..3000 {
        let len = rng.below(300);
        let mut data = rng.bytes(len);
        // Give half of them a valid magic so that parsing goes deeper.
        if i % 2 == 0 && data.len() >= 4 {
            let magic: u32 =
                [0x7273_0236, 0x7273_0147, 0x7273_0136, 0][i % 4 / 2 + (i % 3 == 0) as usize];
            data[..4].copy_from_slice(&magic.to_be_bytes());
        }
        let _ = drive(&mut rng, &mut Job::load_signature(), &data);
        let _ = drive(
            &mut rng,
            &mut Job::patch_with_limit(&b"basis data"[..], 1 << 20),
            &data,
        );
    }
}
