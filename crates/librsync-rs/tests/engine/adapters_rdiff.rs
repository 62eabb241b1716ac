//! The `io` adapters against Debian's `rdiff`: over the corpus, for each
//! signature format, the signature a `SignatureReader` yields and a
//! `SignatureWriter` writes, and the delta of a `DeltaReader` and a
//! `DeltaWriter`, equal `rdiff`'s bytes, and `PatchReader` / `PatchWriter`
//! rebuild the new file, with reads and writes of 1, 7, 4096 and 1 MiB
//! bytes at a time.

use crate::common::chunked::{read_all, write_in_steps, Chunked, STEPS};
use crate::common::{self, corpus, rdiff_ok, reference_rdiff, Tally};
use librsync_rs::io::{
    DeltaReader, DeltaWriter, PatchReader, PatchWriter, SignatureReader, SignatureWriter,
};
use librsync_rs::{load_signature, SigMagic, SignatureOptions};
use std::fs;

#[test]
fn adapters_match_rdiff_for_every_read_and_write_size() {
    let Some(rdiff) = reference_rdiff() else {
        return;
    };
    let dir = common::scratch("adapters-rdiff");
    let mut tally = Tally::new("io adapters vs rdiff");
    let magics = [
        (SigMagic::Md4, "md4", "rollsum"),
        (SigMagic::Blake2, "blake2", "rollsum"),
        (SigMagic::RkMd4, "md4", "rabinkarp"),
        (SigMagic::RkBlake2, "blake2", "rabinkarp"),
    ];
    for o in corpus() {
        let old_path = dir.join("old");
        fs::write(&old_path, &o.data).unwrap();
        for (i, &(magic, hash, rollsum)) in magics.iter().enumerate() {
            let sig_path = dir.join("ref.sig");
            rdiff_ok(
                rdiff,
                &[
                    "-f",
                    "-H",
                    hash,
                    "-R",
                    rollsum,
                    "signature",
                    old_path.to_str().unwrap(),
                    sig_path.to_str().unwrap(),
                ],
            );
            let want_sig = fs::read(&sig_path).unwrap();
            // rdiff sizes the signature from the file it reads.
            let opts = SignatureOptions::new()
                .magic(magic)
                .basis_size(o.data.len() as u64);
            // Byte-at-a-time reads of the multi-MiB file take long in a
            // debug build: one format covers them.
            let steps: Vec<usize> = STEPS
                .iter()
                .copied()
                .filter(|&s| s > 1 || o.data.len() < 100_000 || i == 0)
                .collect();
            for &step in &steps {
                let case = format!("{} {hash}/{rollsum} step {step}", o.name);
                let reader = SignatureReader::new(
                    Chunked {
                        data: &o.data,
                        step,
                    },
                    &opts,
                )
                .unwrap();
                let got = read_all(reader, step).unwrap();
                tally.check(got == want_sig, || format!("{case}: SignatureReader"));
                let mut writer = SignatureWriter::new(Vec::new(), &opts).unwrap();
                write_in_steps(&mut writer, &o.data, step).unwrap();
                let got = writer.finish().unwrap();
                tally.check(got == want_sig, || format!("{case}: SignatureWriter"));
            }
            let (sig, _) = load_signature(&want_sig[..], None).unwrap();
            for (new_name, new) in &o.news {
                let new_path = dir.join("new");
                let delta_path = dir.join("ref.delta");
                fs::write(&new_path, new).unwrap();
                rdiff_ok(
                    rdiff,
                    &[
                        "-f",
                        "delta",
                        sig_path.to_str().unwrap(),
                        new_path.to_str().unwrap(),
                        delta_path.to_str().unwrap(),
                    ],
                );
                let want_delta = fs::read(&delta_path).unwrap();
                for &step in &steps {
                    let case = format!("{}/{new_name} {hash}/{rollsum} step {step}", o.name);
                    let reader = DeltaReader::new(&sig, Chunked { data: new, step }).unwrap();
                    let got = read_all(reader, step).unwrap();
                    tally.check(got == want_delta, || format!("{case}: DeltaReader"));
                    let mut writer = DeltaWriter::new(&sig, Vec::new()).unwrap();
                    write_in_steps(&mut writer, new, step).unwrap();
                    let got = writer.finish().unwrap();
                    tally.check(got == want_delta, || format!("{case}: DeltaWriter"));

                    let reader = PatchReader::new(
                        &o.data[..],
                        Chunked {
                            data: &want_delta,
                            step,
                        },
                    );
                    let got = read_all(reader, step).unwrap();
                    tally.check(&got == new, || format!("{case}: PatchReader"));
                    let mut writer = PatchWriter::new(&o.data[..], Vec::new());
                    write_in_steps(&mut writer, &want_delta, step).unwrap();
                    let got = writer.finish().unwrap();
                    tally.check(&got == new, || format!("{case}: PatchWriter"));
                }
            }
        }
    }
    tally.finish();
}
