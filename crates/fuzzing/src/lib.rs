//! The bodies of librsync-rs's fuzz targets, as plain functions
//! `fn(&[u8])` that panic on any violated property. The cargo-fuzz package
//! in `fuzz/` calls them, one 3-line target each, and `tests/replay.rs`
//! replays the committed corpora and regressions through them on stable.
//!
//! Inputs are decoded with `arbitrary`'s `Unstructured`: a fixed-size
//! configuration prefix (zero-padded when the input is shorter: parameters,
//! chunk schedules, basis behaviour), then the payload (signature, delta or
//! file bytes), so that seeds are easy to build and mutations of the
//! payload keep the configuration.
//!
//! The C-ABI target lives in the separate crate `librsync-rs-fuzzing-capi`:
//! this crate must not link our `rs_*` symbols, because the differential
//! target loads Debian's librsync into the same process.

#![warn(missing_docs)]

pub mod differential;
pub mod drive;
pub mod engine;
pub mod utils;
pub mod whole;

pub use differential::differential;
pub use engine::{
    delta, loadsig, ops_target as ops, patch, patch_basis, rdiff_args, roundtrip, simd, streaming,
};

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target of this crate by name, for the replay test.
pub const TARGETS: &[(&str, Target)] = &[
    ("loadsig", loadsig),
    ("patch", patch),
    ("patch_basis", patch_basis),
    ("delta", delta),
    ("streaming", streaming),
    ("roundtrip", roundtrip),
    ("ops", ops),
    ("rdiff_args", rdiff_args),
    ("simd", simd),
    ("differential", differential),
];

/// How the `rdiff_args` target reads its input: the first byte's low bit
/// is popt's POSIX mode (`POSIXLY_CORRECT`), the rest are the words of the
/// command line separated by NUL bytes (an empty input: no POSIX mode and
/// one empty word). Returns the POSIX flag and `argv` with the program
/// name `rdiff` first, exactly what `engine::rdiff_args` hands the parser.
/// The test `rdiff_args_vs_debian` runs both rdiff binaries with it.
pub fn rdiff_argv(data: &[u8]) -> (bool, Vec<Vec<u8>>) {
    let (posix, words) = match data.split_first() {
        Some((&b, rest)) => (b & 1 != 0, rest),
        None => (false, data),
    };
    let mut argv = vec![b"rdiff".to_vec()];
    argv.extend(words.split(|&b| b == 0).map(|w| w.to_vec()));
    (posix, argv)
}

/// The `rdiff_args` input for a command line (without the program name):
/// the inverse of [`rdiff_argv`]. Words must not contain NUL, and there
/// must be at least one word (an empty word list cannot be written: it
/// reads back as one empty word).
pub fn rdiff_args_input(posix: bool, words: &[&[u8]]) -> Vec<u8> {
    assert!(!words.is_empty(), "no words");
    let mut data = vec![u8::from(posix)];
    for (i, w) in words.iter().enumerate() {
        assert!(!w.contains(&0), "a word with NUL");
        if i > 0 {
            data.push(0);
        }
        data.extend_from_slice(w);
    }
    data
}
