#![doc = include_str!("../README.md")]
//!
//! ## More
//!
//! The whole-stream helpers in one example:
//!
//! ```
//! use librsync_rs::{delta, load_signature, patch, signature, BufferSizes, SignatureOptions};
//!
//! let old = b"The quick brown fox jumps over the lazy dog.".repeat(100);
//! let mut new = old.clone();
//! new.splice(1000..1000, b"a change".iter().copied());
//!
//! // Knowing the basis size lets signature() pick the recommended block length.
//! let opts = SignatureOptions::new().basis_size(old.len() as u64);
//! let mut sig = Vec::new();
//! signature(&old[..], &mut sig, &opts).unwrap();
//! let (sig, _) = load_signature(&sig[..], None).unwrap();
//! let mut d = Vec::new();
//! delta(&sig, &new[..], &mut d, BufferSizes::default()).unwrap();
//! let mut rebuilt = Vec::new();
//! patch(&old[..], &d[..], &mut rebuilt, BufferSizes::default()).unwrap();
//! assert_eq!(rebuilt, new);
//! assert!(d.len() < 800);
//! ```
//!
//! The formats, the matching rules and the quirks kept from librsync are
//! described in the repository's `docs/formats.md`.

#![deny(unsafe_code)]
#![warn(missing_docs)]

mod basis;
mod buffers;
pub mod checksum;
mod command;
#[doc(hidden)]
pub mod compat;
mod crew;
mod error;
mod feed;
mod index;
pub mod io;
mod job;
mod magic;
pub mod ops;
mod parallel;
mod parallel_delta;
mod sig_args;
mod signature;
mod simd;
mod stats;
pub mod trace;
mod whole;

pub use basis::{Basis, SeekBasis, SizedBasis};
pub use buffers::Buffers;
pub use checksum::{BLAKE2_SUM_LENGTH, MAX_STRONG_SUM_LENGTH, MD4_SUM_LENGTH};
pub use error::{strerror, Error, ErrorKind, Result, Status};
pub use index::MatchStats;
pub use job::Job;
pub use magic::{SigMagic, DEFAULT_BLOCK_LEN, DEFAULT_MIN_STRONG_LEN, DELTA_MAGIC};
pub use sig_args::SigArgs;
pub use signature::Signature;
pub use stats::{log_stats, Stats};
pub use whole::{
    delta, delta_with, load_signature, patch, signature, BufferSizes, DeltaOptions,
    SignatureOptions, StrongLen,
};

/// The library's name and version (`rs_librsync_version`), `"librsync "`
/// and the workspace version: `"librsync 2.3.2"`.
///
/// ```
/// assert!(librsync_rs::LIBRSYNC_VERSION.starts_with("librsync 2.3."));
/// ```
pub const LIBRSYNC_VERSION: &str = concat!("librsync ", env!("CARGO_PKG_VERSION"));
