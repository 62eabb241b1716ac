//! The tests of the C library, in one binary:
//!
//! * `capi`: the C programs of `tests/c/`, built against our header and
//!   library and against Debian's, with identical output; the header in C99
//!   and C++11; static linking; valgrind;
//! * `debian_rdiff`: Debian's unchanged `rdiff` on our `librsync.so.2`
//!   against the same binary on Debian's library, over the corpus and the
//!   shared scenarios (`librsync_rs_scenarios::shell`), and the exported
//!   symbols;
//! * `header`: `include/librsync.h` is what cbindgen generates from `src/`,
//!   and its enums and sizes equal the engine's;
//! * `install`: `install.sh` installs a usable, stripped library, `rdiff`
//!   and the manual pages.
//!
//! The two libraries are never loaded into one process: every comparison
//! runs separate processes.

use librsync_rs_scenarios as common;

mod capi;
mod debian_rdiff;
mod header;
mod install;
