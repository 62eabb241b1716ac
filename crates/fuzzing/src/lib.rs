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
