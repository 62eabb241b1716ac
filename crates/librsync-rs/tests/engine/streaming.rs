//! Streaming: driving jobs with input and output chunks of every size in
//! {1, 2, 3, 7, 15, 100, 10000, 200000} gives the same bytes as one big
//! call. Slack deltas (no signature blocks) are the exception librsync has:
//! one literal command per input buffer.

use crate::common::Rng;
use crate::{drive, Feed};
use librsync_rs::{Buffers, Job, SigMagic, Signature, Status};

const SIZES: [usize; 8] = [1, 2, 3, 7, 15, 100, 10000, 200000];

/// Drives `job` with fixed input and output chunk sizes.
fn chunked(
    job: &mut Job<'_>,
    input: &[u8],
    in_chunk: usize,
    out_chunk: usize,
    feed: Feed,
) -> librsync_rs::Result<Vec<u8>> {
    drive(
        job,
        input,
        || (in_chunk, out_chunk),
        feed,
        crate::Eof::WithLastByte,
    )
    .into_result()
}

fn all_chunkings(mut check: impl FnMut(usize, usize, Feed)) {
    for &i in &SIZES {
        for &o in &SIZES {
            for feed in [Feed::Sliding, Feed::Refill] {
                check(i, o, feed);
            }
        }
    }
}

fn files() -> (Vec<u8>, Vec<u8>) {
    let mut rng = Rng::new(7);
    let old = rng.bytes(30_000);
    let mut new = rng.mutate(&old, 10);
    // A literal run longer than 32768 bytes.
    new.splice(15_000..15_000, rng.bytes(40_000));
    (old, new)
}

fn make_signature(old: &[u8], magic: SigMagic, block_len: usize) -> Vec<u8> {
    let mut job = Job::signature(magic, block_len, 0);
    chunked(&mut job, old, 1 << 20, 1 << 20, Feed::Sliding).unwrap()
}

#[test]
fn signatures_do_not_depend_on_chunking() {
    let (old, _) = files();
    for magic in [SigMagic::Md4, SigMagic::RkBlake2] {
        let want = make_signature(&old, magic, 256);
        all_chunkings(|i, o, feed| {
            let mut job = Job::signature(magic, 256, 0);
            let got = chunked(&mut job, &old, i, o, feed).unwrap();
            assert!(
                got == want,
                "signature differs with in={i} out={o} {feed:?}"
            );
            assert_eq!(job.stats().sig_blocks, old.len().div_ceil(256) as i64);
        });
    }
}

#[test]
fn loaded_signatures_do_not_depend_on_chunking() {
    let (old, _) = files();
    let sig_bytes = make_signature(&old, SigMagic::Blake2, 100);
    all_chunkings(|i, o, feed| {
        let mut job = Job::load_signature();
        let out = chunked(&mut job, &sig_bytes, i, o, feed).unwrap();
        assert!(out.is_empty());
        let sig = job.take_signature().unwrap();
        assert_eq!(sig.block_count(), old.len().div_ceil(100));
        assert_eq!(
            sig.strong_sum(7).unwrap(),
            &sig_bytes[12 + 7 * 36 + 4..12 + 8 * 36]
        );
    });
}

#[test]
fn deltas_do_not_depend_on_chunking() {
    let (old, new) = files();
    for (magic, block_len) in [
        (SigMagic::RkBlake2, 256),
        (SigMagic::Md4, 64),
        (SigMagic::RkMd4, 2048),
    ] {
        let sig_bytes = make_signature(&old, magic, block_len);
        let mut load = Job::load_signature();
        chunked(&mut load, &sig_bytes, 1 << 20, 1, Feed::Sliding).unwrap();
        let sig: Signature = load.take_signature().unwrap();
        let want = chunked(&mut Job::delta(&sig), &new, 1 << 20, 1 << 20, Feed::Sliding).unwrap();
        let mut rebuilt = Vec::new();
        librsync_rs::patch(
            &old[..],
            &want[..],
            &mut rebuilt,
            librsync_rs::BufferSizes::default(),
        )
        .unwrap();
        assert!(rebuilt == new);
        all_chunkings(|i, o, feed| {
            let got = chunked(&mut Job::delta(&sig), &new, i, o, feed).unwrap();
            assert!(
                got == want,
                "{magic:?}/{block_len}: delta differs with in={i} out={o} {feed:?}"
            );
        });
    }
}

#[test]
fn patches_do_not_depend_on_chunking() {
    let (old, new) = files();
    let sig_bytes = make_signature(&old, SigMagic::RkBlake2, 64);
    let mut load = Job::load_signature();
    chunked(&mut load, &sig_bytes, 4096, 1, Feed::Sliding).unwrap();
    let sig = load.take_signature().unwrap();
    let delta = chunked(&mut Job::delta(&sig), &new, 1 << 20, 1 << 20, Feed::Sliding).unwrap();
    all_chunkings(|i, o, feed| {
        let got = chunked(&mut Job::patch(&old[..]), &delta, i, o, feed).unwrap();
        assert!(got == new, "patch differs with in={i} out={o} {feed:?}");
    });
}

#[test]
fn slack_deltas_follow_the_input_buffers() {
    let (_, new) = files();
    let empty = Signature::new(SigMagic::RkBlake2, 256, 0).unwrap();
    for &i in &SIZES {
        for &o in &[1usize, 100, 200000] {
            let delta = chunked(&mut Job::delta(&empty), &new, i, o, Feed::Refill).unwrap();
            let lens = crate::common::bytes::literal_lengths(&delta);
            // One literal per input buffer: all full but the last.
            assert_eq!(lens.iter().sum::<usize>(), new.len());
            assert!(
                lens[..lens.len() - 1]
                    .iter()
                    .all(|&l| l == i.min(new.len())),
                "in={i} out={o}"
            );
            let mut rebuilt = Vec::new();
            librsync_rs::patch(
                &b""[..],
                &delta[..],
                &mut rebuilt,
                librsync_rs::BufferSizes::default(),
            )
            .unwrap();
            assert!(rebuilt == new);
        }
    }
}

#[test]
fn a_job_can_stop_and_resume_with_new_buffers() {
    // Each call gets a freshly allocated copy of the next bytes: the job
    // must keep no pointer into earlier buffers.
    let (old, new) = files();
    let sig_bytes = make_signature(&old, SigMagic::RkBlake2, 512);
    let (sig, _) = librsync_rs::load_signature(&sig_bytes[..], None).unwrap();
    let want = chunked(&mut Job::delta(&sig), &new, 1 << 20, 1 << 20, Feed::Sliding).unwrap();
    let mut job = Job::delta(&sig);
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let chunk: Vec<u8> = new[pos..(pos + 333).min(new.len())].to_vec();
        let mut outbuf = vec![0u8; 77];
        let mut bufs = Buffers::new(&chunk, &mut outbuf).with_eof(pos + chunk.len() == new.len());
        let status = job.process(&mut bufs).unwrap();
        pos += bufs.input_consumed();
        let n = bufs.output_produced();
        drop(chunk);
        out.extend_from_slice(&outbuf[..n]);
        if status == Status::Done {
            break;
        }
    }
    assert!(out == want);
}
