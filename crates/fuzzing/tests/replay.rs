//! Replays every committed corpus file (`fuzz/corpus/<target>/`) and every
//! regression (`fuzz/regressions/<target>/`) through the target functions,
//! so that `cargo test` on stable checks them without a fuzzer. The `capi`
//! target is replayed by `librsync-rs-fuzzing-capi`'s own test.
//!
//! The seeds were written by the ignored test `write_seeds` from the
//! engine's own outputs: `cargo test -p librsync-rs-fuzzing --test replay
//! -- --ignored write_seeds`.

use std::fs;
use std::path::{Path, PathBuf};

use librsync_rs::io::{delta_of, load_signature_of};
use librsync_rs::SigMagic;
use librsync_rs_fuzzing::drive::pattern;
use librsync_rs_fuzzing::engine::SigParams;
use librsync_rs_fuzzing::TARGETS;

/// The cargo-fuzz package.
fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `fuzz/<kind>/<target>/`, sorted.
fn files(kind: &str, target: &str) -> Vec<PathBuf> {
    let Ok(rd) = fs::read_dir(fuzz_dir().join(kind).join(target)) else {
        return Vec::new();
    };
    let mut v: Vec<_> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

#[test]
fn corpora_and_regressions_replay() {
    if !librsync_rs_fuzzing::differential::reference_available() {
        eprintln!("WARNING: Debian's librsync.so.2 is missing: the differential corpus only runs our side");
        assert!(std::env::var_os("CI").is_none(), "CI needs librsync-dev");
    }
    let mut total = 0;
    for (name, target) in TARGETS {
        let corpus = files("corpus", name);
        assert!(!corpus.is_empty(), "no corpus for {name}");
        for path in corpus.iter().chain(&files("regressions", name)) {
            let data = fs::read(path).unwrap();
            let r = std::panic::catch_unwind(|| target(&data));
            assert!(r.is_ok(), "{name}: {} fails", path.display());
            total += 1;
        }
    }
    eprintln!("replayed {total} inputs");
}

/// Every target has a fuzz_targets file, and the reverse.
#[test]
fn every_target_has_a_fuzz_target() {
    let mut names: Vec<_> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    names.push("capi".into());
    names.sort();
    let mut found: Vec<_> = fs::read_dir(fuzz_dir().join("fuzz_targets"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            p.file_stem().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    found.sort();
    assert_eq!(found, names);
}

/// A configuration prefix of `n` bytes starting with `head`.
fn cfg(n: usize, head: &[u8]) -> Vec<u8> {
    let mut v = head.to_vec();
    v.resize(n, 0);
    v
}

/// Writes the seed corpora (run by hand; the output is committed).
#[test]
#[ignore]
fn write_seeds() {
    let mut seeds: Vec<(&str, String, Vec<u8>)> = Vec::new();
    let mut add = |t: &'static str, name: String, bytes: Vec<u8>| seeds.push((t, name, bytes));
    let basis = pattern(7, 3000);
    let mut new = basis[..1000].to_vec();
    new.extend_from_slice(b"an inserted line of text\n");
    new.extend_from_slice(&basis[1200..]);
    let mut repeated = b"0123456789abcdef".repeat(40);
    repeated.extend_from_slice(&basis[..300]);
    for (i, m) in SigMagic::ALL.into_iter().enumerate() {
        for (j, (bl, sl)) in [
            (64usize, 8usize),
            (1, 1),
            (300, m.max_strong_len()),
            (16, 2),
        ]
        .into_iter()
        .enumerate()
        {
            let p = SigParams {
                magic: m,
                block_len: bl,
                strong_len: sl,
            };
            let src = if j == 3 { &repeated } else { &basis };
            let src = &src[..src.len().min(if bl == 1 { 100 } else { 3000 })];
            let sig = p.signature(src);
            let s = load_signature_of(&sig).unwrap();
            let d = delta_of(&s, &new).unwrap();
            let tag = format!("{i}{j}");
            // loadsig: cfg(sched 0 0, hint -1, new_len 1000)
            add(
                "loadsig",
                format!("sig-{tag}"),
                [cfg(24, &[0, 0, 0xff, 0xff, 0xe8, 0x03]), sig.clone()].concat(),
            );
            // delta: cfg(sched, sig_len) sig ++ new
            let sl16 = (sig.len() as u16).to_le_bytes();
            add(
                "delta",
                format!("sig-{tag}"),
                [
                    cfg(24, &[0, 0, sl16[0], sl16[1]]),
                    sig.clone(),
                    new[..800].to_vec(),
                ]
                .concat(),
            );
            if j == 0 || j == 3 {
                // patch: cfg(sched, basis_len 3000, seed 7) ++ delta; the basis
                // the target builds is not `basis`, so COPYs read other data.
                add(
                    "patch",
                    format!("delta-{tag}"),
                    [cfg(24, &[0, 0, 0xb8, 0x0b, 7]), d.clone()].concat(),
                );
                add(
                    "patch_basis",
                    format!("delta-{tag}"),
                    [
                        cfg(
                            40,
                            &[
                                2, 3, 2, 1, 0xb8, 0x0b, 7, 0, 0, 0, 0, 0, 0, 0, 4, 2, 5, 8, 0, 6, 0,
                            ],
                        ),
                        d.clone(),
                    ]
                    .concat(),
                );
                add(
                    "ops",
                    format!("delta-{tag}"),
                    [cfg(8, &[0, 9, 0, i as u8, 0x20, 0, 4]), d[4..].to_vec()].concat(),
                );
            }
            // streaming and roundtrip: SigParams bytes
            let pb = [
                i as u8,
                (bl as u16 - 1) as u8,
                0x80 | ((bl as u16 - 1) >> 8) as u8,
                (sl - 1) as u8,
            ];
            let payload = [&basis[..1200], b"tail".as_slice()].concat();
            for kind in 0..5u8 {
                if j % 2 == 0 || kind == 0 {
                    add(
                        "streaming",
                        format!("k{kind}-{tag}"),
                        [
                            cfg(
                                48,
                                &[
                                    &[kind][..],
                                    &pb,
                                    &[3, 1, 5, 0x30, 2, 1, 7, 0xd0, 0x04, 6, 0xe8, 3],
                                ]
                                .concat(),
                            ),
                            payload.clone(),
                        ]
                        .concat(),
                    );
                }
            }
            add(
                "roundtrip",
                format!("rt-{tag}"),
                [
                    cfg(
                        48,
                        &[
                            &pb[..],
                            &[
                                0, 0, 0xb0, 0x04, 3, 0, 0, 0, 0, 0x80, 0, 2, 0, 0, 0x90, 0, 0x40, 0,
                            ],
                        ]
                        .concat(),
                    ),
                    payload.clone(),
                ]
                .concat(),
            );
            add(
                "differential",
                format!("k0-{tag}"),
                [
                    cfg(48, &[0, 0, 0, i as u8, 0, bl as u8, 0, sl as u8]),
                    payload[..600].to_vec(),
                ]
                .concat(),
            );
            let cut = (sig.len() as u16).to_le_bytes();
            add(
                "differential",
                format!("k1-{tag}"),
                [
                    cfg(48, &[1, 0, 0, cut[0], cut[1]]),
                    sig.clone(),
                    new[..700].to_vec(),
                ]
                .concat(),
            );
            let bcut = 1500u16.to_le_bytes();
            add(
                "differential",
                format!("k3-{tag}"),
                [
                    cfg(48, &[3, 0, 0, bcut[0], bcut[1], 1, i as u8, 0x3f, 0x80, 7]),
                    basis[..1500].to_vec(),
                    new[..400].to_vec(),
                ]
                .concat(),
            );
            add(
                "differential",
                format!("k3raw-{tag}"),
                [
                    cfg(48, &[3, 0, 0, bcut[0], bcut[1], 0]),
                    basis[..1500].to_vec(),
                    d.clone(),
                ]
                .concat(),
            );
            if j == 0 {
                for kind in 0..5u8 {
                    let body = match kind {
                        1 => [sig.clone(), new[..700].to_vec()].concat(),
                        3 => [basis[..1500].to_vec(), d.clone()].concat(),
                        _ => payload.clone(),
                    };
                    let head = match kind {
                        1 | 2 => vec![kind, 0, 0, 0, cut[0], cut[1], i as u8, 0x3f, 0x80, 7],
                        3 => vec![
                            kind, 0, 0, 1, bcut[0], bcut[1], 0, 4, 2, 0, 3, 5, 9, 1, 5, 0, 6, 0,
                        ],
                        _ => vec![kind, 0, 0, (i % 2) as u8, i as u8, 0, 0x20, 0, 8],
                    };
                    add(
                        "capi",
                        format!("k{kind}-{tag}"),
                        [cfg(48, &head), body].concat(),
                    );
                }
            }
        }
    }
    // Bad inputs from docs/bad-inputs.md, built here.
    let dm = [0x72u8, 0x73, 0x02, 0x36];
    for (n, body) in [
        &[0x00][..],
        &[0x00, 0x41, 0x09, 0x09],
        &[0x05, b'h', b'e', b'l'],
        &[0x41, 0x00],
        &[0x45, 0x00, 0x00],
        &[0x51, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0a],
        &[0x49, 0x13, 0x88, 0x0a],
        &[0x4a, 0x03, 0xde, 0x00, 0x64],
        &[0x54, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 5],
        &[0x55],
        &[0x45, 0x00, 0x05, 0x45, 0x00, 0x05, 0x00],
    ]
    .iter()
    .enumerate()
    {
        let delta = [&dm[..], body].concat();
        add(
            "patch",
            format!("bad-{n}"),
            [cfg(24, &[0, 0, 0xe8, 0x03, 9]), delta.clone()].concat(),
        );
        add(
            "ops",
            format!("bad-{n}"),
            [cfg(8, &[0, 1]), body.to_vec()].concat(),
        );
        add(
            "patch_basis",
            format!("bad-{n}"),
            [cfg(40, &[0, 0, 0xe8, 0x03, 9]), delta].concat(),
        );
    }
    for (n, sig) in [
        &[][..],
        &[0x72, 0x73, 0x01, 0x47, 0, 0],
        &[0xde, 0xad, 0xbe, 0xef, 0, 0, 8, 0, 0, 0, 0, 0x20],
        &[0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0x20, 1, 2, 3, 4],
        &[0x72, 0x73, 0x01, 0x47, 0, 0, 0, 0, 0, 0, 0, 8],
        &[0x72, 0x73, 0x01, 0x36, 0, 0, 8, 0, 0, 0, 0, 0x11],
        &[
            0x72, 0x73, 0x01, 0x46, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1, 1, 2, 3, 4, 5, 9,
        ],
        &[0x72, 0x73, 0x01, 0x47, 0, 0, 0, 4, 0, 0, 0, 0, 1, 2, 3],
    ]
    .iter()
    .enumerate()
    {
        add(
            "loadsig",
            format!("bad-{n}"),
            [cfg(24, &[0, 0, 0xff, 0xff, 0x10]), sig.to_vec()].concat(),
        );
        let len = (sig.len() as u16).to_le_bytes();
        add(
            "differential",
            format!("badsig-{n}"),
            [
                cfg(48, &[1, 0, 0, len[0], len[1]]),
                sig.to_vec(),
                b"new data".to_vec(),
            ]
            .concat(),
        );
    }
    for (n, args) in [
        b"\0signature\0-b\0".as_slice(),
        b"\x01delta\0--block-size=0x10\0-sf\0a\0b",
        b"\0-S\0-1\0-I\0!#:+\x00100\0patch",
        b"\0-b1024\0-H\0md4\0-Rrollsum\0--\0-x",
        b"\0--stats=1\0-v\0-h",
        b"\0-\0--nope\0-Z",
    ]
    .iter()
    .enumerate()
    {
        add("rdiff_args", format!("args-{n}"), args.to_vec());
    }
    for (n, len) in [0usize, 7, 64, 65, 200, 1000].into_iter().enumerate() {
        add(
            "simd",
            format!("k-{n}"),
            [
                cfg(
                    20,
                    &[
                        n as u8 * 9,
                        n as u8 * 40,
                        0,
                        1,
                        2,
                        3,
                        4,
                        5,
                        6,
                        7,
                        8,
                        9,
                        10,
                        11,
                        12,
                        13,
                        14,
                        15,
                        16,
                        17,
                    ],
                ),
                pattern(n as u64, len),
            ]
            .concat(),
        );
    }
    // The Read and Write adapters (streaming, first byte 250 and up).
    for (n, len) in [0usize, 1, 700, 5000].into_iter().enumerate() {
        let head: Vec<u8> = (0..48).map(|i| (i * 53 + n * 7 + 1) as u8).collect();
        let mut bytes = [&[250u8 + n as u8][..], &head[1..]].concat();
        bytes.extend_from_slice(&pattern(n as u64 + 3, len));
        add("streaming", format!("adapters-{n}"), bytes);
    }
    // The utilities: capi (first byte 250 and up) and differential (252
    // and up); the configuration holds MD4 piece sizes and counters.
    let texts: [&[u8]; 4] = [b"", b"Zm9vYmFy", b"QUJD=rest", b"a+/9\0after the NUL"];
    for (n, text) in texts.into_iter().enumerate() {
        let head: Vec<u8> = (0..48).map(|i| (i * 37 + n * 11) as u8).collect();
        for (t, first) in [("capi", 250u8), ("differential", 252)] {
            let payload = [text, &pattern(n as u64, 100 * n)].concat();
            add(
                t,
                format!("utils-{n}"),
                [&[first][..], &head, &payload].concat(),
            );
        }
    }
    // The whole-file functions (differential: first byte 248 to 251; capi:
    // kind 4 of 5), over bases of 0, 300 and 3000 bytes, with parameters
    // defaulted from the file's size and not.
    for (n, len) in [0usize, 300, 3000].into_iter().enumerate() {
        let head: Vec<u8> = (0..47).map(|i| (i * 29 + n * 5 + 3) as u8).collect();
        let payload = pattern(n as u64 + 11, len);
        for (t, first) in [("differential", 248u8 + n as u8), ("capi", 4 + 5 * n as u8)] {
            add(
                t,
                format!("whole-{n}"),
                [&[first][..], &head, &payload].concat(),
            );
        }
    }
    // rs_sig_args (the utilities' payload: selector, size, magic, block
    // and strong length): an MD4 minimum over 16 and a size near 2^63
    // (where Debian aborts or loops: ours only), an ordinary size, and a
    // strong length below the minimum (a warning).
    let md4 = (0u8..4)
        .find(|&b| librsync_rs_fuzzing::engine::magic_from(b, 0) == 0x7273_0136)
        .unwrap();
    let cases: [(u8, u64, u8, u64, u64); 4] = [
        (4 | 1 << 3 | 1 << 5, 62, md4, 1, 0),
        (3 | 2 << 3 | 1 << 5, 5, 4, 1024, 0),
        (6 | 1 << 5, 1_000_000, 4, 0, 0),
        (6 | 3 << 5, 1_000_000, md4, 0, 3),
    ];
    for (n, (sel, x, mb, y, z)) in cases.into_iter().enumerate() {
        let payload = [
            &[sel][..],
            &x.to_le_bytes(),
            &[mb],
            &[0; 4],
            &y.to_le_bytes(),
            &z.to_le_bytes(),
        ]
        .concat();
        for (t, first) in [("capi", 250u8), ("differential", 252)] {
            add(
                t,
                format!("sig-args-{n}"),
                [&[first][..], &[0; 48], &payload].concat(),
            );
        }
    }
    for (t, name, bytes) in &seeds {
        let dir = fuzz_dir().join("corpus").join(t);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
    }
}
