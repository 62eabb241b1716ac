//! librsync's shell tests (help, bad option, signature, delta, triple,
//! changes, mutate), the runs of the bad-input catalogue, and the other
//! command lines that go through the library, each written once for a
//! [`Pair`] of rdiff commands: our `rdiff` against Debian's (the rdiff
//! crate's tests) and Debian's `rdiff` on our library against Debian's on
//! its own (the root crate's tests). Inputs are generated here.

use crate::bytes::*;
use crate::catalogue::{self, BadInput};
use crate::rdiff::{os_args, Pair, REFERENCE, SUBJECT};
use crate::{mutate_pl, Rng};

/// The buffer sizes of librsync's `testcommon.sh`, for `-I` and `-O`; 0 is
/// the default.
pub const BUFSIZES: [&str; 9] = ["0", "1", "2", "3", "7", "15", "100", "10000", "200000"];

/// The strong lengths of signature.test.
pub const STRONG: [&str; 3] = ["0", "-1", "8"];

/// Text standing in for COPYING (26532 bytes) and a file sharing half of it.
pub fn copying_and_half() -> (Vec<u8>, Vec<u8>) {
    let mut rng = Rng::new(26532);
    let copying = rng.text(26532);
    let mut half = copying[..5240].to_vec();
    half.extend_from_slice(&copying[15_000..20_240]);
    (copying, half)
}

/// help.test and rdiff_bad_option: help, version and an unknown option,
/// alone and together.
pub fn help(pair: &mut Pair) {
    for args in [
        &["--help"][..],
        &["-?"],
        &["-h"],
        &["-help"],
        &["--version"],
        &["-V"],
        &["-vV"],
        &["-v", "--version"],
        &["--imaginary-option"],
        &["--help", "--imaginary-option"],
        &["--imaginary-option", "--help"],
    ] {
        pair.run(args, None);
    }
    let [help, _] = pair.run(&["--help"], None);
    pair.check(
        help.code == Some(0) && String::from_utf8_lossy(&help.stdout).contains(" --statistics"),
        || "--help lacks --statistics".into(),
    );
    let [version, _] = pair.run(&["--version"], None);
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    pair.check(
        version.starts_with("rdiff (librsync 2.3.2)\n") && version.contains("Copyright"),
        || format!("--version: {version}"),
    );
    let [bad, _] = pair.run(&["--imaginary-option"], None);
    pair.check(
        bad.code != Some(0) && bad.stderr.contains("unknown option: --imaginary-option"),
        || "bad option message".into(),
    );
}

/// signature.test: every rollsum, hash and strong length at every `-I`,
/// from a file and through a pipe; the sizes signature.test expects.
pub fn signature(pair: &mut Pair) {
    let (data, _) = copying_and_half();
    let input = pair.input("01.in", &data);
    for rollsum in ["rollsum", "rabinkarp"] {
        for hash in ["md4", "blake2"] {
            for strong in STRONG {
                for buf in BUFSIZES {
                    let opts = [
                        format!("-R{rollsum}"),
                        format!("-H{hash}"),
                        format!("-S{strong}"),
                        format!("-I{buf}"),
                    ];
                    let mut args = opts.to_vec();
                    args.extend(["-f".into(), "signature".into(), input.clone(), "sig".into()]);
                    pair.run(&args, None);
                    // Through a pipe, where the size is unknown.
                    let mut piped = opts.to_vec();
                    piped.push("signature".into());
                    pair.run(&piped, Some(&data));
                }
            }
        }
    }
    for (args, size) in [
        (&["-Rrabinkarp", "-Hblake2", "-S0"][..], 3756),
        (&["-Rrollsum", "-Hmd4", "-S0"], 2092),
        (&["-Rrabinkarp", "-Hmd4", "-S-1"], 1052),
        (&["-Rrollsum", "-Hblake2", "-S8"], 1260),
    ] {
        let mut v: Vec<&str> = args.to_vec();
        v.extend(["-f", "signature", &input, "sig"]);
        let [a, _] = pair.run(&v, None);
        pair.check(a.file("sig").map(<[u8]>::len) == Some(size), || {
            format!("{args:?}: signature size")
        });
    }
}

/// Signatures with `LIBRSYNC_RS_THREADS` at 2, 3 and 8 (the reference
/// ignores it): every format, block lengths from 1 byte to more than a
/// parallel piece, inputs from empty to several pieces with a short last
/// block, from files and through pipes, with and without `-s`, and `-I`
/// buffer sizes (which the parallel path does not use): the bytes and
/// messages of one thread.
pub fn threaded_signatures(pair: &mut Pair) {
    let data = Rng::new(68).bytes((9 << 20) + 7);
    let sizes = [
        0,
        1,
        2047,
        1 << 20,
        (1 << 20) + 1,
        (3 << 20) + 5,
        data.len(),
    ];
    let inputs: Vec<String> = sizes
        .iter()
        .map(|&len| pair.input(&format!("t{len}"), &data[..len]))
        .collect();
    for (ti, threads) in ["2", "3", "8"].into_iter().enumerate() {
        let env = [("LIBRSYNC_RS_THREADS", threads)];
        for (ri, rollsum) in ["rollsum", "rabinkarp"].into_iter().enumerate() {
            for (hi, hash) in ["md4", "blake2"].into_iter().enumerate() {
                for (bi, block) in ["1", "700", "2048", "default", "3145728"]
                    .into_iter()
                    .enumerate()
                {
                    for (&len, input) in sizes.iter().zip(&inputs) {
                        if block == "1" && len > 5000 {
                            continue;
                        }
                        let mut args = vec!["-f", "-R", rollsum, "-H", hash, "-S", "8"];
                        if (ti + ri + hi + bi) % 2 == 0 {
                            args.push("-s");
                        }
                        if bi == 2 {
                            args.extend(["-I", "7"]);
                        }
                        if block != "default" {
                            args.extend(["-b", block]);
                        }
                        let mut file = args.clone();
                        file.extend(["signature", input, "sig"]);
                        pair.run_with(&file, [None, None], &env);
                        if len == (3 << 20) + 5 {
                            args.push("signature");
                            let piped = &data[..len];
                            pair.run_with(&args, [Some(piped), Some(piped)], &env);
                        }
                    }
                }
            }
        }
    }
}

/// Deltas with `LIBRSYNC_RS_THREADS` at 2, 3 and 8 (the parallel delta),
/// with `-s` (so the match statistics are compared too), for inputs built
/// for the splice of segments: edits, identical and unrelated files, files
/// shorter than a segment and empty, zeros out of phase with the blocks all
/// the way, a pattern whose period is not the block length, a block
/// repeated at every phase, and a hash-flood signature; then the corpus of
/// the differential tests.
pub fn threaded_deltas(pair: &mut Pair) {
    let mut rng = Rng::new(69);
    let basis = rng.bytes(3 << 20);
    let zeros = vec![0u8; 1 << 20];
    let mut shifted_zeros = vec![9u8];
    shifted_zeros.extend(vec![0u8; 3 << 20]);
    let pattern: Vec<u8> = (0..(2 << 20) as u32).map(|i| (i % 1000) as u8).collect();
    let mut shifted_pattern = rng.bytes(77);
    shifted_pattern.extend_from_slice(&pattern);
    let block = rng.bytes(2048);
    let mut blocks_basis = Vec::new();
    for phase in 0..50 {
        blocks_basis.extend_from_slice(&block);
        blocks_basis.extend(rng.bytes(phase * 41 + 1));
    }
    let mut every_phase = Vec::new();
    while every_phase.len() < (2 << 20) {
        let gap = rng.below(5);
        every_phase.extend(rng.bytes(gap));
        every_phase.extend_from_slice(&block);
        every_phase.extend_from_slice(&block);
    }
    let mut flood_new = zeros[..100_000].to_vec();
    flood_new.extend(rng.bytes(20_000));
    flood_new.extend(vec![0u8; 1_500_000]);
    // Name, basis, new file, signature options.
    type Case<'a> = (&'a str, &'a [u8], Vec<u8>, &'a [&'a str]);
    let cases: [Case; 10] = [
        (
            "edited",
            &basis,
            rng.mutate(&basis, 60),
            &["-R", "rollsum", "-H", "md4", "-S", "8"],
        ),
        ("edited-rk", &basis, rng.mutate(&basis, 25), &["-b", "700"]),
        (
            "identical",
            &basis,
            basis.clone(),
            &["-H", "blake2", "-R", "rollsum"],
        ),
        (
            "unrelated",
            &basis,
            rng.bytes((2 << 20) + 3),
            &["-R", "rollsum", "-H", "md4"],
        ),
        ("short", &basis, basis[5000..105_000].to_vec(), &[]),
        ("empty", &basis, Vec::new(), &["-R", "rollsum"]),
        (
            "zeros",
            &zeros,
            shifted_zeros,
            &["-R", "rollsum", "-H", "md4", "-S", "8"],
        ),
        ("period", &pattern, shifted_pattern, &["-b", "2048"]),
        ("phases", &blocks_basis, every_phase, &["-H", "md4"]),
        ("flood", &zeros[..600 << 10], flood_new, &["-b", "2048"]),
    ];
    for (name, old, new, sig_args) in cases {
        let old_in = pair.input(&format!("{name}.old"), old);
        let new_in = pair.input(&format!("{name}.new"), &new);
        let mut args = sig_args.to_vec();
        args.extend(["-f", "signature", &old_in, "sig"]);
        let [ours, _] = pair.run(&args, None);
        let mut sig_in = "sig".to_string();
        if name == "flood" {
            // 300 blocks of zeros, all with the zero block's weak sum and
            // all but one with random strong sums.
            let mut sig = ours.file("sig").unwrap_or_default().to_vec();
            let strong_len = sig.get(11).map_or(0, |&n| n as usize);
            for (i, record) in sig
                .get_mut(12..)
                .unwrap_or_default()
                .chunks_mut(4 + strong_len)
                .enumerate()
            {
                if i != 150 {
                    record[4..].copy_from_slice(&rng.bytes(strong_len));
                }
            }
            sig_in = pair.input("flood.sig", &sig);
        }
        for threads in ["2", "3", "8"] {
            let env = [("LIBRSYNC_RS_THREADS", threads)];
            pair.run_with(
                &["-s", "-f", "delta", &sig_in, &new_in, "delta"],
                [None, None],
                &env,
            );
        }
        // And from a pipe.
        let env = [("LIBRSYNC_RS_THREADS", "2")];
        pair.run_with(&["-s", "delta", &sig_in], [Some(&new), Some(&new)], &env);
    }
    // The corpus of the differential tests, in four formats.
    let formats: [&[&str]; 4] = [
        &["-R", "rollsum", "-H", "md4", "-S", "8"],
        &[],
        &["-b", "256"],
        &["-R", "rollsum", "-H", "blake2"],
    ];
    for (i, old) in crate::corpus().into_iter().enumerate() {
        let old_in = pair.input(&format!("corpus-{}", old.name), &old.data);
        let mut args = formats[i % formats.len()].to_vec();
        args.extend(["-f", "signature", &old_in, "sig"]);
        pair.run(&args, None);
        for (name, new) in &old.news {
            let new_in = pair.input(&format!("corpus-{}-{name}", old.name), new);
            for threads in ["2", "3", "8"] {
                let env = [("LIBRSYNC_RS_THREADS", threads)];
                pair.run_with(
                    &["-s", "-f", "delta", "sig", &new_in, "delta"],
                    [None, None],
                    &env,
                );
            }
        }
    }
}

/// delta.test: hand-made deltas applied to /dev/null at every `-I`, then a
/// patch without `-f` onto an existing file, which is refused.
pub fn delta_test(pair: &mut Pair) {
    let mut rng = Rng::new(3);
    let cmds: Vec<Vec<Vec<u8>>> = vec![
        vec![],
        vec![literal(0, b"hello")],
        vec![literal(0, b"hello"), literal(0, b" world\n")],
        vec![literal(1, &rng.text(200))],
        vec![literal(2, &rng.bytes(1000)), literal(0, &[0; 64])],
        vec![literal(4, &rng.bytes(70_000))],
        vec![literal(8, b"eight"), literal(0, b"!")],
    ];
    let mut names = Vec::new();
    for (i, c) in cmds.iter().enumerate() {
        let expect: Vec<u8> = c
            .iter()
            .flat_map(|cmd| {
                let skip = match cmd[0] {
                    0x41 => 2,
                    0x42 => 3,
                    0x43 => 5,
                    0x44 => 9,
                    _ => 1,
                };
                cmd[skip..].to_vec()
            })
            .collect();
        let name = pair.input(&format!("{i:02}.delta"), &delta(c));
        for buf in BUFSIZES {
            pair.clear();
            let i_opt = format!("-I{buf}");
            let [a, _] = pair.run(
                &[i_opt.as_str(), "-f", "patch", "/dev/null", &name, "new"],
                None,
            );
            pair.check(
                a.code == Some(0) && a.file("new") == Some(&expect[..]),
                || format!("{name} -I{buf}: {:?} {}", a.code, a.stderr),
            );
        }
        names.push(name);
    }
    pair.clear();
    let kept = b"File exists \".*\", aborting!\n";
    pair.place("new", kept);
    let [a, _] = pair.run(&["patch", "/dev/null", &names[2], "new"], None);
    pair.check(
        a.code == Some(100)
            && a.stderr.contains("File exists \"new\", aborting!")
            && a.file("new") == Some(&kept[..]),
        || "patch without -f".into(),
    );
}

/// One `triple_test`: signature, delta and patch in files with `opts`; the
/// subject's patched file must be `want`.
pub fn triple_files(pair: &mut Pair, opts: &[&str], old: &str, new: &str, want: &[u8]) {
    pair.clear();
    let steps = [
        vec!["signature", old, "sig"],
        vec!["delta", "sig", new, "delta"],
        vec!["patch", old, "delta", "out"],
    ];
    let mut last = None;
    for step in steps {
        let args = [opts, &["-f"], &step[..]].concat();
        last = Some(pair.run(&args, None));
    }
    let [ours, _] = last.unwrap();
    pair.check(ours.file("out") == Some(want), || {
        format!("{opts:?} {old} {new}: patched file differs")
    });
}

/// The same through pipes: `rdiff signature < old`, `rdiff delta - new <
/// sig`, `rdiff patch old < delta`.
pub fn triple_pipes(
    pair: &mut Pair,
    opts: &[&str],
    old: &[u8],
    old_name: &str,
    new: &str,
    want: &[u8],
) {
    pair.clear();
    let [a, b] = pair.run(&[opts, &["signature"]].concat(), Some(old));
    let [a, b] = pair.run_with(
        &[opts, &["delta", "-", new]].concat(),
        [Some(&a.stdout), Some(&b.stdout)],
        &[],
    );
    let [ours, _] = pair.run_with(
        &[opts, &["patch", old_name]].concat(),
        [Some(&a.stdout), Some(&b.stdout)],
        &[],
    );
    pair.check(ours.stdout == want, || {
        format!("{opts:?} pipes {old_name} {new}: patched output differs")
    });
}

/// The four files of triple.test, as shared inputs: (name, data).
fn triple_files_of(pair: &Pair) -> Vec<(String, Vec<u8>)> {
    let (copying, half) = copying_and_half();
    [
        ("copying.in", copying),
        ("half.in", half),
        ("hello.in", b"hello!\n".to_vec()),
        ("zero.in", vec![]),
    ]
    .into_iter()
    .map(|(n, d)| (pair.input(n, &d), d))
    .collect()
}

/// triple.test with `hash` (`-Hmd4` or `-Hblake2`): every old × new of
/// four files, every buffer size (`-I` and `-O` alike), in files and
/// through pipes.
pub fn triple(pair: &mut Pair, hash: &str) {
    let files = triple_files_of(pair);
    for buf in BUFSIZES {
        let (i, o) = (format!("-I{buf}"), format!("-O{buf}"));
        let opts = [hash, i.as_str(), o.as_str()];
        for (old, old_data) in &files {
            for (new, new_data) in &files {
                triple_files(pair, &opts, old, new, new_data);
                triple_pipes(pair, &opts, old_data, old, new, new_data);
            }
        }
    }
}

/// triple.test's round trip of half.in to copying.in with every `-I` and
/// every `-O`, independently, md4 and blake2 in turn, with `-s`.
pub fn triple_io_sizes(pair: &mut Pair) {
    let files = triple_files_of(pair);
    let ((copying_name, copying), (half_name, half)) = (&files[0], &files[1]);
    for (n, inbuf) in BUFSIZES.iter().enumerate() {
        for (m, outbuf) in BUFSIZES.iter().enumerate() {
            let (i, o) = (format!("-I{inbuf}"), format!("-O{outbuf}"));
            let hash = if (n + m) % 2 == 0 {
                "-Hmd4"
            } else {
                "-Hblake2"
            };
            let opts = [hash, "-s", i.as_str(), o.as_str()];
            triple_files(pair, &opts, half_name, copying_name, copying);
            triple_pipes(pair, &opts, half, half_name, copying_name, copying);
        }
    }
}

/// changes.test: a file against edited versions of it, both directions,
/// with the default hash, md4 and blake2, at every buffer size, with and
/// without `-s` (block 2048 as in `triple_test`).
pub fn changes(pair: &mut Pair) {
    let mut rng = Rng::new(4818);
    let first = rng.text(4818);
    let mut second = first.clone();
    second.drain(2_000..2_113);
    let mut third = first.clone();
    third[100..140].copy_from_slice(&rng.text(40));
    third.splice(3_000..3_000, rng.text(55));
    third.drain(4_000..4_100);
    let fourth = [first.clone(), first.clone()].concat();
    let files: Vec<Vec<u8>> = vec![
        first,
        second,
        third,
        fourth,
        rng.bytes(7168),
        vec![],
        b"hello\n".to_vec(),
    ];
    let names: Vec<String> = files
        .iter()
        .enumerate()
        .map(|(i, d)| pair.input(&format!("{:02}.in", i + 1), d))
        .collect();
    for (b, buf) in BUFSIZES.iter().enumerate() {
        for (new, new_data) in names.iter().zip(&files) {
            for (h, hash) in [None, Some("-Hmd4"), Some("-Hblake2")]
                .into_iter()
                .enumerate()
            {
                let (i, o) = (format!("-I{buf}"), format!("-O{buf}"));
                let mut opts: Vec<&str> = hash.into_iter().collect();
                opts.extend([i.as_str(), o.as_str(), "-f"]);
                if (b + h) % 2 == 0 {
                    opts.push("-s");
                }
                let sig_opts = [&opts[..], &["--block-size=2048"]].concat();
                for (x, y, want) in [(&names[0], new, new_data), (new, &names[0], &files[0])] {
                    pair.clear();
                    pair.run(&[&sig_opts[..], &["signature", x, "sig"]].concat(), None);
                    pair.run(&[&opts[..], &["delta", "sig", y, "delta"]].concat(), None);
                    let [ours, _] =
                        pair.run(&[&opts[..], &["patch", x, "delta", "out"]].concat(), None);
                    pair.check(ours.file("out") == Some(&want[..]), || {
                        format!("changes {x} {y} {opts:?}: patched file differs")
                    });
                }
            }
        }
    }
}

/// mutate.test: `rounds` rounds of mutate.pl edits (at most 5 each) of a
/// source-like text, default options and each hash. `RDIFF_MUTATE_ROUNDS`
/// overrides the number of rounds.
pub fn mutate(pair: &mut Pair, rounds: usize) {
    let mut rng = Rng::new(9);
    let old_data = rng.text(120_000);
    let old = pair.input("old", &old_data);
    let rounds = crate::bench::env_or("RDIFF_MUTATE_ROUNDS", rounds);
    for round in 0..rounds {
        let new_data = mutate_pl(&mut rng, &old_data, 5);
        let new = pair.input("new", &new_data);
        for hash in [None, Some("-Hmd4"), Some("-Hblake2")] {
            pair.clear();
            let stats: &[&str] = if round % 5 == 0 { &["-s"] } else { &[] };
            let h: Vec<&str> = hash.into_iter().collect();
            pair.run(
                &[&h[..], stats, &["-f", "signature", &old, "sig"]].concat(),
                None,
            );
            pair.run(&["-f", "-s", "delta", "sig", &new, "delta"], None);
            let [ours, _] = pair.run(
                &[stats, &["-f", "patch", &old, "delta", "out"]].concat(),
                None,
            );
            pair.check(ours.file("out") == Some(&new_data[..]), || {
                format!("mutate round {round} {hash:?}: patched file differs")
            });
        }
    }
}

/// Slack deltas: the signature of an empty file, so every byte is a
/// literal, whose chunking follows the input buffer size.
pub fn slack_deltas(pair: &mut Pair) {
    let mut rng = Rng::new(99);
    let new = rng.bytes(100_000);
    let empty = pair.input("empty", b"");
    let new_name = pair.input("new", &new);
    let small = pair.input("small", b"tiny");
    for hash in ["md4", "blake2"] {
        pair.clear();
        pair.run(&["-f", "-H", hash, "signature", &empty, "sig"], None);
        for buf in BUFSIZES {
            let (i, o) = (format!("-I{buf}"), format!("-O{buf}"));
            for (opts, input) in [
                (vec![i.as_str()], &new_name),
                (vec![i.as_str(), o.as_str(), "-s"], &new_name),
                (vec![i.as_str()], &small),
                (vec![i.as_str()], &empty),
            ] {
                pair.run(
                    &[&opts[..], &["-f", "delta", "sig", input, "delta"]].concat(),
                    None,
                );
                pair.run(
                    &[&opts[..], &["-f", "patch", &empty, "delta", "out"]].concat(),
                    None,
                );
            }
            pair.run(&[i.as_str(), "delta", "sig"], Some(&new));
        }
    }
}

/// The rest of the command line that goes through the library: version
/// string, trace levels, statistics, option forms, files on stdin/stdout.
pub fn library_options(pair: &mut Pair) {
    let mut rng = Rng::new(7);
    let basis = rng.text(5000);
    let new = rng.mutate(&basis, 3);
    // A signature and a delta made by the reference, placed in both working
    // directories before every case.
    pair.input("basis", &basis);
    pair.input("new", &new);
    let reference = &pair.sides[REFERENCE];
    let sig = reference
        .command(&pair.dir(REFERENCE))
        .args(["signature", "../in/basis"])
        .output()
        .unwrap()
        .stdout;
    pair.input("sig", &sig);
    let delta = reference
        .command(&pair.dir(REFERENCE))
        .args(["delta", "../in/sig", "../in/new"])
        .output()
        .unwrap()
        .stdout;
    let cases: &[&[&str]] = &[
        &["-h"],
        &["-?"],
        &["-V"],
        &[],
        &["frobnicate"],
        &["-z", "signature", "basis", "sig"],
        &["--gzip", "signature", "basis", "sig"],
        &["-i", "signature", "basis", "sig"],
        &["--bzip2=9", "signature", "basis", "sig"],
        &["-I", "abc", "signature", "basis", "sig"],
        &["-b", "99999999999", "signature", "basis", "sig"],
        &["--block-size=", "signature", "basis", "sig"],
        &["-H", "sha1", "signature", "basis", "sig"],
        &["-R", "adler", "signature", "basis", "sig"],
        &["--hash=md5", "-f", "delta", "sig", "new", "delta"],
        &["delta"],
        &["patch"],
        &["-f", "signature", "basis", "sig", "extra"],
        &["-f", "delta", "sig", "new", "delta", "extra"],
        &["-f", "patch", "basis", "delta", "out", "extra"],
        &["-f", "s", "basis", "sig"],
        &["-f", "sig", "basis", "sig"],
        &["-f", "-v", "signature", "basis", "sig"],
        &["-f", "--verbose", "-s", "d", "sig", "new", "delta"],
        &["-f", "-v", "p", "basis", "delta", "out"],
        &[
            "-f",
            "--force",
            "--hash=md4",
            "--rollsum=rollsum",
            "--sum-size=8",
            "signature",
            "basis",
            "sig",
        ],
        &[
            "-f",
            "--block-size=0x100",
            "--stats",
            "signature",
            "basis",
            "sig",
        ],
        &[
            "-f",
            "--statistics",
            "--input-size=7",
            "--output-size=3",
            "delta",
            "sig",
            "new",
            "delta",
        ],
        &["-f", "-s", "patch", "basis", "delta", "out"],
        &["-f", "-s", "--", "signature", "basis", "sig"],
        &["-f", "-b", "010", "signature", "basis", "sig"],
        &["-f", "-S", "-1", "-H", "md4", "signature", "basis", "sig"],
    ];
    for a in cases {
        pair.clear();
        pair.place("basis", &basis);
        pair.place("new", &new);
        pair.place("sig", &sig);
        pair.place("delta", &delta);
        pair.run(a, None);
    }
    pair.clear();
    // Reading the basis or new file from stdin, writing to stdout.
    let [piped_sig, _] = pair.run(&["-s", ""], Some(&basis));
    pair.check(piped_sig.code == Some(0), || "-s '' < basis".into());
    pair.run(&["signature"], Some(&basis));
    pair.place("sig", &piped_sig.stdout);
    pair.run(&["-s", "delta", "sig"], Some(&rng.mutate(&basis, 2)));
    pair.run(&["delta", "sig", "-", "-"], Some(&basis));
    // Two inputs on one stdin.
    pair.run(&["-s", "delta", "-", "-"], Some(&sig));
    pair.run(&["-s", "patch", "-", "-"], Some(&delta));
}

/// Missing, unreadable and unwritable files, and parameters the library
/// rejects.
pub fn file_and_parameter_errors(pair: &mut Pair) {
    let mut rng = Rng::new(8);
    let basis = rng.text(3000);
    let new = rng.text(3000);
    let reference = pair.sides[REFERENCE].clone();
    let dir = pair.dir(REFERENCE);
    pair.place("basis", &basis);
    pair.place("new", &new);
    let sig = reference
        .command(&dir)
        .args(["signature", "basis"])
        .output()
        .unwrap()
        .stdout;
    pair.place("sig", &sig);
    let delta = reference
        .command(&dir)
        .args(["delta", "sig", "new"])
        .output()
        .unwrap()
        .stdout;
    let cases: &[&[&str]] = &[
        &["signature", "missing", "out"],
        &["-f", "signature", "missing", "out"],
        &["delta", "missing", "new", "out"],
        &["delta", "sig", "missing", "out"],
        &["patch", "missing", "delta", "out"],
        &["patch", "basis", "missing", "out"],
        &["-f", "signature", "basis", "no/such/dir/out"],
        &["-f", "signature", "dir", "out"],
        &["-f", "delta", "dir", "new", "out"],
        &["-f", "patch", "basis", "dir", "out"],
        &["-f", "patch", "dir", "delta", "out"],
        &["signature", "basis", "sig"],
        &["delta", "sig", "new", "delta"],
        &["patch", "basis", "delta", "new"],
        &["-f", "delta", "/dev/null", "new", "out"],
        &["-f", "delta", "delta", "new", "out"],
        &["-f", "patch", "basis", "sig", "out"],
        &["-f", "-S", "33", "signature", "basis", "out"],
        &["-f", "-s", "-S", "33", "signature", "basis", "out"],
        &["-f", "-S", "17", "-H", "md4", "signature", "basis", "out"],
        &["-f", "-S", "16", "-H", "md4", "signature", "basis", "out"],
        &["-f", "-S", "32", "signature", "basis", "out"],
        &["-f", "-S", "-2", "signature", "basis", "out"],
        &["-f", "-H", "sha256", "signature", "basis", "out"],
        &["-f", "-H", "", "signature", "basis", "out"],
        &["-f", "-R", "crc", "signature", "basis", "out"],
        &["-f", "-b", "1073741824", "signature", "basis", "out"],
        // Write errors.
        &["-s", "signature", "basis", "/dev/full"],
        &["-s", "delta", "sig", "new", "/dev/full"],
        &["-s", "patch", "basis", "delta", "/dev/full"],
        &["-s", "-O", "1", "patch", "basis", "delta", "/dev/full"],
    ];
    for a in cases {
        pair.clear();
        for (name, data) in [
            ("basis", &basis),
            ("new", &new),
            ("sig", &sig),
            ("delta", &delta),
        ] {
            pair.place(name, data);
        }
        for side in [SUBJECT, REFERENCE] {
            std::fs::create_dir_all(pair.dir(side).join("dir")).unwrap();
        }
        pair.run(a, None);
    }
}

/// How a subject runs each row of the catalogue, besides plainly (`delta
/// SIG NEW out` or `patch BASIS DELTA out`, where the reference's exit
/// code must be the row's) and onto an existing output (which must be left
/// alone).
pub struct RowRuns {
    /// Signature rows: options before `delta SIG NEW`, and whether the
    /// delta goes to a file (`out`) rather than to stdout.
    pub sig: &'static [(&'static [&'static str], bool)],
    /// Delta rows: the same before `patch BASIS DELTA`.
    pub delta: &'static [(&'static [&'static str], bool)],
    /// Delta rows with the delta on stdin: options before `patch BASIS`.
    pub piped: &'static [&'static [&'static str]],
}

/// For our rdiff: its statistics and tiny buffers, to stdout and to files.
pub const CLI_RUNS: RowRuns = RowRuns {
    sig: &[(&["-s"], false), (&["-I1", "-O1"], false)],
    delta: &[
        (&["-s"], false),
        (&["-I1", "-O1"], true),
        (&["-I7", "-O3"], false),
    ],
    piped: &[],
};

/// For Debian's rdiff on our library: the library's buffer handling and
/// statistics, and deltas read from a pipe.
pub const LIBRARY_RUNS: RowRuns = RowRuns {
    sig: &[(&["-f", "-s", "-I1", "-O7"], true)],
    delta: &[
        (&["-f", "-s", "-I1", "-O1"], true),
        (&["-f", "-I7", "-O100"], true),
    ],
    piped: &[
        &["-f"],
        &["-f", "-s", "-I1", "-O1"],
        &["-f", "-I7", "-O100"],
    ],
};

/// Runs one catalogue row through both sides: plainly with `words` (the
/// reference's exit code must be the row's), with each of `runs` (options
/// before `words`, `out` added for a file), with each of `piped` (options
/// before `piped_words`, the row's bytes on stdin), and onto an existing
/// output, which must be left alone.
fn run_row(
    pair: &mut Pair,
    row: &BadInput,
    words: &[&str],
    runs: &[(&[&str], bool)],
    piped: (&[&[&str]], &[&str]),
) {
    let before = pair.tally.failures.len();
    pair.clear();
    let plain = [words, &["out"]].concat();
    let [_, reference] = pair.run(&plain, None);
    if let Some(code) = row.rdiff_code {
        pair.check(reference.code == Some(code), || {
            format!(
                "{}: Debian's rdiff {plain:?} exit {:?}, catalogue says {code}",
                row.name(),
                reference.code
            )
        });
    }
    for (opts, to_file) in runs {
        pair.clear();
        let out: &[&str] = if *to_file { &["out"] } else { &[] };
        pair.run(&[opts, words, out].concat(), None);
    }
    for opts in piped.0 {
        pair.clear();
        pair.run(&[opts, piped.1].concat(), Some(&row.bytes));
    }
    pair.clear();
    pair.place("out", b"keep");
    let [a, _] = pair.run(&plain, None);
    pair.check(a.file("out") == Some(&b"keep"[..]), || {
        format!("{}: output touched", row.name())
    });
    let from = before.min(pair.tally.failures.len());
    for f in &mut pair.tally.failures[from..] {
        f.insert_str(0, &format!("{}: ", row.name()));
    }
}

/// A real signature made by the reference rdiff.
fn reference_sign(
    pair: &Pair,
    data: &[u8],
    magic: u32,
    block_len: u32,
    strong_len: u32,
) -> Vec<u8> {
    let (hash, rollsum) = match magic {
        MD4_MAGIC => ("md4", "rollsum"),
        BLAKE2_MAGIC => ("blake2", "rollsum"),
        RK_MD4_MAGIC => ("md4", "rabinkarp"),
        _ => ("blake2", "rabinkarp"),
    };
    pair.input("to-sign", data);
    let out = pair.sides[REFERENCE]
        .command(&pair.base)
        .args(["-H", hash, "-R", rollsum, "-b", &block_len.to_string()])
        .args(["-S", &strong_len.to_string(), "signature"])
        .arg(pair.input_path("to-sign"))
        .output()
        .expect("run the reference rdiff");
    assert!(out.status.success(), "reference signature failed");
    out.stdout
}

/// The catalogue's signatures, loaded by `rdiff delta` as `how` says. The
/// real signatures the rows start from are made by the reference.
pub fn bad_signatures(pair: &mut Pair, how: &RowRuns) {
    let rows = catalogue::bad_signatures(&|data, magic, block_len, strong_len| {
        reference_sign(pair, data, magic, block_len, strong_len)
    });
    let new = pair.input("new", &catalogue::new_file());
    for (i, row) in rows.iter().enumerate() {
        let sig = pair.input(&format!("s{i}.sig"), &row.bytes);
        run_row(pair, row, &["delta", &sig, &new], how.sig, (&[], &[]));
    }
}

/// The catalogue's deltas, applied by `rdiff patch` as `how` says; then a
/// basis on a pipe and /dev/null as a basis.
pub fn bad_deltas(pair: &mut Pair, how: &RowRuns) {
    let basis = pair.input("basis", &catalogue::basis());
    for (i, row) in catalogue::bad_deltas().iter().enumerate() {
        let d = pair.input(&format!("p{i}.delta"), &row.bytes);
        let piped: &[&str] = &["patch", &basis];
        run_row(
            pair,
            row,
            &["patch", &basis, &d],
            how.delta,
            (how.piped, piped),
        );
    }
    // A basis on a pipe: fine until a COPY needs to seek.
    let (real, _) = catalogue::real_delta();
    let copy = pair.input("copy.delta", &real);
    let literal = pair.input("literal.delta", &delta(&[literal(0, b"no copy")]));
    let basis_data = catalogue::basis();
    pair.clear();
    let [o, _] = pair.run(&["-f", "patch", "-", &copy, "out"], Some(&basis_data));
    pair.check(
        o.code == Some(IO_ERROR) && o.stderr.contains("seek failed: Illegal seek"),
        || format!("patch from a piped basis: {:?} {}", o.code, o.stderr),
    );
    pair.clear();
    pair.run(
        &["-f", "-s", "patch", "-", &literal, "out"],
        Some(&basis_data),
    );
    pair.clear();
    pair.run(&["-f", "patch", "/dev/null", &copy, "out"], None);
}

/// Where Debian's rdiff aborts (exit 134: `malloc` fails or an assertion
/// trips), the subject fails with a result code instead (DEVIATIONS.md):
/// negative or huge `-b`, `-I`, `-O` and a signature whose block length
/// makes C's buffer size negative give `RS_MEM_ERROR` (102); a negative
/// block length with buffers that can be allocated `RS_PARAM_ERROR` (108).
pub fn deviations(pair: &mut Pair) {
    let a = pair.input("a", b"hello\n");
    let sig = pair.input("sig", &sig_header(RK_BLAKE2_MAGIC, 256, 32));
    let big_block = pair.input(
        "big-block.sig",
        &sig_header(RK_BLAKE2_MAGIC, 0x2000_0000, 32),
    );
    let d = pair.input("delta", &delta_hex("05 68656c6c6f 00"));
    let oom = "rdiff: Failed, out of memory.\n";
    let param = "librsync: ERROR: (rs_job_complete) signature job failed: unexplained problem\n\
                 rdiff: Failed, unexplained problem.\n";
    let cases: &[(&[&str], i32, &str)] = &[
        (&["-b", "-5", "sig", &a], 102, oom),
        (&["-b", "0x20000000", "sig", &a], 102, oom),
        (&["-b", "2147483647", "sig", &a], 102, oom),
        (&["-b", "0x7fffffff", "sig", &a], 102, oom),
        (&["-I", "-1", "sig", &a], 102, oom),
        (&["-I", "-5", "sig", &a], 102, oom),
        (&["-O", "-1", "sig", &a], 102, oom),
        (&["-O", "-5", "sig", &a], 102, oom),
        (&["-I", "-1", "delta", &sig, &a], 102, oom),
        (&["-I", "-5", "delta", &sig, &a], 102, oom),
        (&["-O", "-1", "delta", &sig, &a], 102, oom),
        (&["delta", &big_block, &a], 102, oom),
        (&["-I", "-1", "patch", &a, &d], 102, oom),
        (&["-O", "-5", "patch", &a, &d], 102, oom),
        (&["-O", "-2147483648", "patch", &a, &d], 102, oom),
        (&["-b", "-0x20000001", "sig", &a], 108, param),
        (&["-b", "-5", "-I", "100", "sig", &a], 108, param),
    ];
    for (args, code, stderr) in cases {
        for force in [&[][..], &["-f"]] {
            pair.clear();
            let args = [
                force,
                args,
                if force.is_empty() { &[] } else { &["out"][..] },
            ]
            .concat();
            let c = pair.seen(REFERENCE, &args, None, &[]);
            let o = pair.seen(SUBJECT, &args, None, &[]);
            pair.check(c.code == Some(134) || c.code.is_none(), || {
                format!("{args:?}: Debian's rdiff no longer aborts ({:?})", c.code)
            });
            pair.check(o.code == Some(*code) && o.stderr == *stderr, || {
                format!("{args:?}: {:?} {:?}", o.code, o.stderr)
            });
        }
    }
    // With -s, rdiff itself logs the statistics of the failed delta. Where
    // the output buffer cannot be allocated, our rdiff has loaded the
    // signature first and logs that; Debian's rdiff fails before.
    let our_rdiff = pair.sides[SUBJECT].program != pair.sides[REFERENCE].program;
    for (args, stats) in [
        (&["-s", "-O", "-1", "delta", &sig, &a][..], our_rdiff),
        (&["-f", "-s", "delta", &big_block, &a, "out"], true),
    ] {
        pair.clear();
        let o = pair.seen(SUBJECT, &os_args(args), None, &[]);
        let logged = o.stderr.starts_with("librsync: loadsig statistics: ");
        pair.check(
            o.code == Some(102) && logged == stats && o.stderr.ends_with(oom),
            || format!("{args:?}: {:?} {:?}", o.code, o.stderr),
        );
    }
}
