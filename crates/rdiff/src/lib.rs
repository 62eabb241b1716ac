//! The parts of `rdiff` that are reachable as a library: its command-line
//! parser (popt's syntax over rdiff's option table), so that the fuzz target
//! `rdiff_args` (`crates/fuzzing`) can drive it. Not a stable API: the
//! `rdiff` binary is the product.

#[doc(hidden)]
pub mod number;
#[doc(hidden)]
pub mod options;
