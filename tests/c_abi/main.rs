//! The tests of the C library, in one binary:
//!
//! * `capi`: the C programs of `tests/c/`, built against our header and
//!   library and against Debian's, with identical output; the header in C99
//!   and C++11; static linking; valgrind;
//! * `debian_rdiff`: Debian's unchanged `rdiff` on our `librsync.so.2`
//!   against the same binary on Debian's library, over the corpus and the
//!   shared scenarios (`librsync_rs_scenarios::shell`), and the exported
//!   symbols;
//! * `faults`: `tests/c/faults.c`, I/O faults on every read and write path
//!   of the whole-file functions and `rs_job_drive`, with the same results,
//!   output and log lines as Debian's librsync;
//! * `threads`: `tests/c/threads.c`, many jobs on many threads while the
//!   global state changes, outputs equal to single-threaded runs;
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
mod faults;
mod header;
mod install;
mod threads;
