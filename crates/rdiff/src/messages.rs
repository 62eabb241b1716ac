//! rdiff's own texts: `--help`, `--version`, usage errors and the final
//! `rdiff: Failed, ...` line, byte for byte as Debian's rdiff prints them.

use std::io::Write;

/// The `--help` text (Debian's, without the removed `-z` and `-i`).
pub const HELP: &str = "\
Usage: rdiff [OPTIONS] signature [BASIS [SIGNATURE]]
             [OPTIONS] delta SIGNATURE [NEWFILE [DELTA]]
             [OPTIONS] patch BASIS [DELTA [NEWFILE]]

Options:
  -v, --verbose             Trace internal processing
  -V, --version             Show program version
  -?, --help                Show this help message
  -s, --statistics          Show performance statistics
  -f, --force               Force overwriting existing files
Signature generation options:
  -H, --hash=ALG            Hash algorithm: blake2 (default), md4
  -R, --rollsum=ALG         Rollsum algorithm: rabinkarp (default), rollsum
Delta-encoding options:
  -b, --block-size=BYTES    Signature block size, 0 (default) for recommended
  -S, --sum-size=BYTES      Signature strength, 0 (default) for max, -1 for min
IO options:
  -I, --input-size=BYTES    Input buffer size
  -O, --output-size=BYTES   Output buffer size
";

/// The `--version` text.
pub fn version() -> String {
    let trace = if librsync_rs::trace::supports_trace() {
        ""
    } else {
        ", trace disabled"
    };
    format!(
        "rdiff ({})\n\
         Copyright (C) 1997-2016 by Martin Pool, Andrew Tridgell and others.\n\
         http://librsync.sourcefrog.net/\n\
         Capabilities: 64 bit files{trace}\n\
         \n\
         librsync comes with NO WARRANTY, to the extent permitted by law.\n\
         You may redistribute copies of librsync under the terms of the GNU\n\
         Lesser General Public License.  For more information about these\n\
         matters, see the files named COPYING.\n",
        librsync_rs::LIBRSYNC_VERSION
    )
}

/// C's `vsnprintf` into rdiff's 256-byte buffer keeps 255 bytes.
const USAGE_MESSAGE_MAX: usize = 255;

/// Writes bytes to standard error, which is unbuffered as in C.
pub fn to_stderr(bytes: &[u8]) {
    let _ = std::io::stderr().lock().write_all(bytes);
}

/// `rdiff_usage`: `rdiff: MESSAGE` and a pointer to `--help`, on stderr.
pub fn usage(message: &[u8]) {
    let message = &message[..message.len().min(USAGE_MESSAGE_MAX)];
    let mut text = b"rdiff: ".to_vec();
    text.extend_from_slice(message);
    text.extend_from_slice(b"\n\nTry `rdiff --help' for more information.\n");
    to_stderr(&text);
}

/// Prints a usage error and exits with `RS_SYNTAX_ERROR` (101).
pub fn usage_exit(message: &[u8]) -> ! {
    usage(message);
    std::process::exit(librsync_rs::ErrorKind::Syntax.code());
}

/// `Unknown hash algorithm 'NAME'.` and the like: `prefix`, the name as
/// given, then `'.`.
pub fn quoted(prefix: &str, name: &[u8]) -> Vec<u8> {
    let mut text = prefix.as_bytes().to_vec();
    text.push(b'\'');
    text.extend_from_slice(name);
    text.extend_from_slice(b"'.");
    text
}

/// The last line of a failed run: `rdiff: Failed, <rs_strerror>.`.
pub fn failed(code: i32) {
    to_stderr(format!("rdiff: Failed, {}.\n", librsync_rs::strerror(code)).as_bytes());
}
