//! The delta operations API against Debian's librsync 2.3.2: every delta
//! `rdiff` writes decodes and re-encodes to the same bytes, with both
//! decoders, and the decoders count the commands as `rdiff patch` does.

use std::fs;
use std::path::Path;

use crate::common::{self, corpus, mask_speed, rdiff_ok, reference_rdiff, Tally};
use librsync_rs::ops::{ops, DeltaDecoder, DeltaEncoder, DeltaOp};

/// Checks one delta written by `rdiff`; `patch_line` is its `rdiff -s
/// patch` statistics line.
fn check(delta: &[u8], patch_line: &str, case: &str, tally: &mut Tally) {
    let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
    let mut it = ops(delta);
    let mut ok = true;
    for op in it.by_ref() {
        match op {
            Ok(op) => enc.write_op(&op).unwrap(),
            Err(e) => {
                ok = false;
                tally.check(false, || format!("{case}: {e}"));
                break;
            }
        }
    }
    if !ok {
        return;
    }
    tally.check(it.consumed() == delta.len(), || format!("{case}: consumed"));
    let ours = it.stats().to_string();
    tally.check(mask_speed(&ours) == mask_speed(patch_line), || {
        format!("{case}: stats {ours} vs {patch_line}")
    });
    tally.check(enc.finish().unwrap() == delta, || {
        format!("{case}: slice decode + encode differs")
    });
    let mut dec = DeltaDecoder::with_chunk_size(delta, 1000);
    let mut enc = DeltaEncoder::new(Vec::new()).unwrap();
    for piece in dec.by_ref() {
        enc.write_piece(&piece.unwrap()).unwrap();
    }
    tally.check(dec.stats().to_string() == ours, || {
        format!("{case}: stream stats")
    });
    tally.check(enc.finish().unwrap() == delta, || {
        format!("{case}: stream decode + encode differs")
    });
}

/// Runs `rdiff -s patch` and returns its statistics line.
fn patch_line(rdiff: &Path, old: &Path, delta: &Path, out: &Path) -> String {
    let stderr = rdiff_ok(
        rdiff,
        &[
            "-s",
            "-f",
            "patch",
            old.to_str().unwrap(),
            delta.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
    );
    let line = stderr.lines().last().unwrap_or("");
    line.trim_start_matches("librsync: ").to_string()
}

#[test]
fn rdiff_deltas_round_trip() {
    let Some(rdiff) = reference_rdiff() else {
        return;
    };
    let dir = common::scratch("ops-rdiff");
    let mut tally = Tally::new("ops on rdiff deltas");
    let (sig, delta, new_path, out) = (
        dir.join("sig"),
        dir.join("delta"),
        dir.join("new"),
        dir.join("out"),
    );
    let mut literal_widths = [false; 4];
    for o in corpus() {
        let old_path = dir.join("old");
        fs::write(&old_path, &o.data).unwrap();
        for (hash, rollsum, block) in [
            ("md4", "rollsum", "7"),
            ("blake2", "rabinkarp", "256"),
            ("blake2", "rollsum", "2048"),
        ] {
            let s = |p: &Path| p.to_str().unwrap().to_string();
            rdiff_ok(
                rdiff,
                &[
                    "-f",
                    "-H",
                    hash,
                    "-R",
                    rollsum,
                    "-b",
                    block,
                    "-S",
                    "8",
                    "signature",
                    &s(&old_path),
                    &s(&sig),
                ],
            );
            for (new_name, new) in &o.news {
                fs::write(&new_path, new).unwrap();
                // Also a slack delta (empty signature) with a large input
                // buffer: literals of up to 100000 bytes.
                for (sig_path, input) in [(&sig, "0"), (&dir.join("empty.sig"), "100000")] {
                    if input != "0" {
                        if block != "256" {
                            continue;
                        }
                        let empty = dir.join("empty");
                        fs::write(&empty, b"").unwrap();
                        rdiff_ok(rdiff, &["-f", "signature", &s(&empty), &s(sig_path)]);
                    }
                    let mut args = vec!["-f"];
                    if input != "0" {
                        args.extend(["-I", input]);
                    }
                    let (sp, np, dp) = (s(sig_path), s(&new_path), s(&delta));
                    args.extend(["delta", &sp, &np, &dp]);
                    rdiff_ok(rdiff, &args);
                    let d = fs::read(&delta).unwrap();
                    let base = if input == "0" {
                        &old_path
                    } else {
                        &dir.join("empty")
                    };
                    let line = patch_line(rdiff, base, &delta, &out);
                    let case = format!("{} {hash}/{rollsum}/{block} -I{input} {new_name}", o.name);
                    check(&d, &line, &case, &mut tally);
                    for op in ops(&d).flatten() {
                        if let DeltaOp::Literal(data) = op {
                            literal_widths[match data.len() {
                                0..=64 => 0,
                                65..=255 => 1,
                                256..=65535 => 2,
                                _ => 3,
                            }] = true;
                        }
                    }
                }
            }
        }
    }
    tally.check(literal_widths == [true; 4], || {
        format!("literal widths seen: {literal_widths:?}")
    });
    tally.finish();
}
