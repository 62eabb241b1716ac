//! Differential tests against Debian's librsync 2.3.2: for a generated corpus,
//! every signature format × block length × strong length, our signature and
//! delta bytes (and their statistics lines) must equal those of Debian's
//! `rdiff`, and our patch must rebuild the new file.

use std::fs;
use std::path::Path;

use crate::common::{
    self, corpus, mask_speed, rdiff_ok, reference_rdiff, CorpusFile as Old, Rng, Tally,
};
use librsync_rs::{BufferSizes, SigMagic, SignatureOptions};

const BLOCK_LENS: [usize; 6] = [1, 7, 64, 256, 2048, 0];
const STRONG_LENS: [(i64, &str); 3] = [(0, "0"), (-1, "-1"), (8, "8")];

fn run_magic(magic: SigMagic, hash: &str, rollsum: &str) {
    let Some(rdiff) = reference_rdiff() else {
        return;
    };
    let dir = common::scratch(&format!("differential-{hash}-{rollsum}"));
    let mut tally = Tally::new(match magic {
        SigMagic::Md4 => "differential rollsum+md4",
        SigMagic::Blake2 => "differential rollsum+blake2",
        SigMagic::RkMd4 => "differential rabinkarp+md4",
        SigMagic::RkBlake2 => "differential rabinkarp+blake2",
    });
    for o in corpus() {
        let old_path = dir.join(format!("{}.old", o.name));
        fs::write(&old_path, &o.data).unwrap();
        for &block in &BLOCK_LENS {
            // Byte-sized blocks of multi-MiB files make signatures 36x larger
            // than the file; keep them to the small files.
            if block < 64 && o.data.len() > 100_000 {
                continue;
            }
            for &(strong, strong_arg) in &STRONG_LENS {
                let case = format!("{} -H {hash} -R {rollsum} -b {block} -S {strong}", o.name);
                compare_case(
                    rdiff, &dir, &o, &old_path, magic, hash, rollsum, block, strong, strong_arg,
                    &case, &mut tally,
                );
            }
        }
    }
    tally.finish();
}

#[allow(clippy::too_many_arguments)]
fn compare_case(
    rdiff: &Path,
    dir: &Path,
    o: &Old,
    old_path: &Path,
    magic: SigMagic,
    hash: &str,
    rollsum: &str,
    block: usize,
    strong: i64,
    strong_arg: &str,
    case: &str,
    tally: &mut Tally,
) {
    let ref_sig = dir.join("ref.sig");
    let block_arg = block.to_string();
    let sig_stderr = rdiff_ok(
        rdiff,
        &[
            "-s",
            "-f",
            "-H",
            hash,
            "-R",
            rollsum,
            "-b",
            &block_arg,
            "-S",
            strong_arg,
            "signature",
            old_path.to_str().unwrap(),
            ref_sig.to_str().unwrap(),
        ],
    );
    let want_sig = fs::read(&ref_sig).unwrap();
    let opts = SignatureOptions {
        magic,
        block_len: (block != 0).then_some(block),
        strong_len: librsync_rs::StrongLen::from_c(strong),
        basis_size: Some(o.data.len() as u64),
        buffers: BufferSizes::default(),
        threads: 1,
    };
    let mut our_sig = Vec::new();
    let sig_stats = librsync_rs::signature(&o.data[..], &mut our_sig, &opts).unwrap();
    tally.check(our_sig == want_sig, || {
        format!("signature bytes differ: {case}")
    });
    let want_line = sig_stderr
        .lines()
        .last()
        .unwrap_or("")
        .trim_start_matches("librsync: ");
    let our_line = sig_stats.to_string();
    tally.check(mask_speed(want_line) == mask_speed(&our_line), || {
        format!("signature stats differ: {case}: {want_line} vs {our_line}")
    });

    for (new_name, new) in &o.news {
        let new_path = dir.join("new");
        fs::write(&new_path, new).unwrap();
        let ref_delta = dir.join("ref.delta");
        let stderr = rdiff_ok(
            rdiff,
            &[
                "-s",
                "-f",
                "delta",
                ref_sig.to_str().unwrap(),
                new_path.to_str().unwrap(),
                ref_delta.to_str().unwrap(),
            ],
        );
        let want_delta = fs::read(&ref_delta).unwrap();
        let (sig, load_stats) =
            librsync_rs::load_signature(&want_sig[..], Some(want_sig.len() as u64)).unwrap();
        let mut our_delta = Vec::new();
        let delta_stats =
            librsync_rs::delta(&sig, &new[..], &mut our_delta, BufferSizes::default()).unwrap();
        let case = format!("{case} new={new_name}");
        tally.check(our_delta == want_delta, || {
            format!("delta bytes differ: {case}")
        });
        let lines: Vec<&str> = stderr
            .lines()
            .map(|l| l.trim_start_matches("librsync: "))
            .collect();
        let ours = [
            load_stats.to_string(),
            sig.format_match_stats(),
            delta_stats.to_string(),
        ];
        for (want, got) in lines.iter().zip(ours.iter()) {
            tally.check(mask_speed(want) == mask_speed(got), || {
                format!("stats differ: {case}: {want} vs {got}")
            });
        }
        let mut rebuilt = Vec::new();
        librsync_rs::patch(
            &o.data[..],
            &our_delta[..],
            &mut rebuilt,
            BufferSizes::default(),
        )
        .unwrap();
        tally.check(&rebuilt == new, || format!("patch did not rebuild: {case}"));
    }
}

#[test]
fn rollsum_md4_matches_rdiff() {
    run_magic(SigMagic::Md4, "md4", "rollsum");
}

#[test]
fn rollsum_blake2_matches_rdiff() {
    run_magic(SigMagic::Blake2, "blake2", "rollsum");
}

#[test]
fn rabinkarp_md4_matches_rdiff() {
    run_magic(SigMagic::RkMd4, "md4", "rabinkarp");
}

#[test]
fn rabinkarp_blake2_matches_rdiff() {
    run_magic(SigMagic::RkBlake2, "blake2", "rabinkarp");
}

/// A signature of `n` blocks that all have the weak sum of a block of
/// zeros, with random strong sums, and the true strong sum of the zero block
/// at index `real_at` (bad-inputs.md R4b, at a size C handles quickly).
fn flood_signature(n: usize, real_at: Option<usize>, rng: &mut Rng) -> Vec<u8> {
    let block = vec![0u8; 2048];
    let weak = librsync_rs::checksum::weak_sum(librsync_rs::checksum::WeakKind::RabinKarp, &block);
    let strong =
        librsync_rs::checksum::strong_sum(librsync_rs::checksum::StrongKind::Blake2, &block);
    let mut sig = vec![0x72, 0x73, 0x01, 0x47, 0, 0, 8, 0, 0, 0, 0, 32];
    for i in 0..n {
        sig.extend_from_slice(&weak.to_be_bytes());
        if Some(i) == real_at {
            sig.extend_from_slice(&strong);
        } else {
            sig.extend_from_slice(&rng.bytes(32));
        }
    }
    sig
}

#[test]
fn hash_flood_deltas_match_rdiff() {
    let Some(rdiff) = reference_rdiff() else {
        return;
    };
    let dir = common::scratch("differential-flood");
    let mut rng = Rng::new(77);
    let mut tally = Tally::new("differential hash flood");
    let mut zeros_and_data = vec![0u8; 100_000];
    zeros_and_data.extend(rng.bytes(20_000));
    zeros_and_data.extend(vec![0u8; 9_000]);
    for (n, real_at) in [
        (1, None),
        (1, Some(0)),
        (300, None),
        (300, Some(150)),
        (1200, Some(1199)),
    ] {
        let sig_bytes = flood_signature(n, real_at, &mut rng);
        let sig_path = dir.join("flood.sig");
        let new_path = dir.join("new");
        let ref_delta = dir.join("ref.delta");
        fs::write(&sig_path, &sig_bytes).unwrap();
        fs::write(&new_path, &zeros_and_data).unwrap();
        let stderr = rdiff_ok(
            rdiff,
            &[
                "-s",
                "-f",
                "delta",
                sig_path.to_str().unwrap(),
                new_path.to_str().unwrap(),
                ref_delta.to_str().unwrap(),
            ],
        );
        let (sig, _) = librsync_rs::load_signature(&sig_bytes[..], None).unwrap();
        let mut ours = Vec::new();
        librsync_rs::delta(&sig, &zeros_and_data[..], &mut ours, BufferSizes::default()).unwrap();
        tally.check(ours == fs::read(&ref_delta).unwrap(), || {
            format!("flood n={n} real={real_at:?}: delta differs")
        });
        let want = stderr
            .lines()
            .nth(1)
            .unwrap_or("")
            .trim_start_matches("librsync: ")
            .to_string();
        let got = sig.format_match_stats();
        tally.check(want == got, || format!("flood n={n}: {want} vs {got}"));
    }
    tally.finish();
}
