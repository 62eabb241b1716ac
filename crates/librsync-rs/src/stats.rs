//! Job statistics (`rs_stats_t`) and their text (`rs_format_stats`).

use std::ffi::CStr;
use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// The job kinds [`Stats::op`] names, NUL-terminated as C's `rs_stats_t.op`
/// points to them.
pub const OP_NAMES: [&CStr; 4] = [c"signature", c"loadsig", c"delta", c"patch"];

/// Counters a job keeps while it runs, field for field librsync's
/// `rs_stats_t`. `in_bytes` and `out_bytes` are counted only by the
/// whole-stream helpers, as in C.
///
/// ```
/// use librsync_rs::{delta, io::load_signature_of, io::signature_of, BufferSizes};
///
/// let sig = load_signature_of(&signature_of(b"hello world", &Default::default())?)?;
/// let stats = delta(&sig, &b"!hello world"[..], Vec::new(), BufferSizes::default())?;
/// assert_eq!((stats.op, stats.copy_cmds, stats.copy_bytes), ("delta", 1, 11));
/// assert_eq!((stats.lit_cmds, stats.lit_bytes), (1, 1));
/// assert_eq!((stats.in_bytes, stats.out_bytes), (12, 10));
/// # Ok::<(), librsync_rs::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// The job kind: `"signature"`, `"loadsig"`, `"delta"` or `"patch"`.
    pub op: &'static str,
    /// LITERAL commands emitted (delta) or executed (patch).
    pub lit_cmds: i32,
    /// Bytes of literal data.
    pub lit_bytes: i64,
    /// Bytes of LITERAL command headers.
    pub lit_cmdbytes: i64,
    /// COPY commands emitted or executed.
    pub copy_cmds: i64,
    /// Bytes copied from the basis.
    pub copy_bytes: i64,
    /// Bytes of COPY commands.
    pub copy_cmdbytes: i64,
    /// Always 0 (in-place signature commands are not used).
    pub sig_cmds: i64,
    /// Always 0.
    pub sig_bytes: i64,
    /// Always 0: a match is always checked with the strong sum.
    pub false_matches: i32,
    /// Signature blocks generated or loaded.
    pub sig_blocks: i64,
    /// Signature block length.
    pub block_len: usize,
    /// Bytes read by the whole-stream helpers.
    pub in_bytes: i64,
    /// Bytes written by the whole-stream helpers.
    pub out_bytes: i64,
    /// Seconds since the epoch when the job was created.
    pub start: i64,
    /// Seconds since the epoch when the job finished or failed.
    pub end: i64,
}

/// The clock job start and end times come from, if not the system's.
static CLOCK: OnceLock<fn() -> i64> = OnceLock::new();

/// Makes jobs take their start and end times from `clock`, seconds since
/// the epoch; the first clock set stays. The C library sets C's `time()`,
/// which costs a fraction of `SystemTime::now` and is what C reads.
pub fn set_clock(clock: fn() -> i64) {
    let _ = CLOCK.set(clock);
}

/// Seconds since the epoch, as C's `time(NULL)`.
pub(crate) fn now() -> i64 {
    match CLOCK.get() {
        Some(clock) => clock(),
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    }
}

impl Stats {
    /// Fresh statistics for a job of kind `op`, started now.
    pub(crate) fn started(op: &'static str) -> Stats {
        Stats {
            op,
            start: now(),
            ..Stats::default()
        }
    }
}

/// Formats a double as C's `%.<prec>f` does with glibc, `nan`/`-nan`/`inf`
/// included.
pub(crate) fn c_fixed(x: f64, prec: usize) -> String {
    if x.is_nan() {
        if x.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        }
    } else if x.is_infinite() {
        if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        format!("{x:.prec$}")
    }
}

/// C's `a / b` on doubles, with x86's negative NaN for `0 / 0` (which glibc
/// prints as `-nan`) made explicit rather than left to constant folding.
pub(crate) fn c_div(a: f64, b: f64) -> f64 {
    if b == 0.0 && a == 0.0 {
        if cfg!(any(target_arch = "x86_64", target_arch = "x86")) {
            -f64::NAN
        } else {
            f64::NAN
        }
    } else {
        a / b
    }
}

/// The text of `rs_format_stats` for counters `stats` and operation name
/// `op` (bytes, because the C ABI passes any `char *`; `None` prints `noop`).
pub fn format_stats(op: Option<&[u8]>, stats: &Stats) -> Vec<u8> {
    let mut out = Vec::with_capacity(160);
    out.extend_from_slice(op.unwrap_or(b"noop"));
    let mut s = String::from(" statistics: ");
    if stats.lit_cmds != 0 {
        let _ = write!(
            s,
            "literal[{} cmds, {} bytes, {} cmdbytes] ",
            stats.lit_cmds, stats.lit_bytes, stats.lit_cmdbytes
        );
    }
    if stats.sig_cmds != 0 {
        let _ = write!(
            s,
            "in-place-signature[{} cmds, {} bytes] ",
            stats.sig_cmds, stats.sig_bytes
        );
    }
    if stats.copy_cmds != 0 || stats.false_matches != 0 {
        let _ = write!(
            s,
            "copy[{} cmds, {} bytes, {} cmdbytes, {} false]",
            stats.copy_cmds, stats.copy_bytes, stats.copy_cmdbytes, stats.false_matches
        );
    }
    if stats.sig_blocks != 0 {
        let _ = write!(
            s,
            "signature[{} blocks, {} bytes per block]",
            stats.sig_blocks, stats.block_len
        );
    }
    let mut sec = stats.end.wrapping_sub(stats.start) as i32;
    if sec == 0 {
        sec = 1;
    }
    let mb_in = stats.in_bytes as f64 / 1e6;
    let mb_out = stats.out_bytes as f64 / 1e6;
    let _ = write!(
        s,
        " speed[{} MB ({} MB/s) in, {} MB ({} MB/s) out, {} sec]",
        c_fixed(mb_in, 1),
        c_fixed(mb_in / sec as f64, 1),
        c_fixed(mb_out, 1),
        c_fixed(mb_out / sec as f64, 1),
        sec
    );
    out.extend_from_slice(s.as_bytes());
    out
}

impl std::fmt::Display for Stats {
    /// The line `rs_format_stats` would build, e.g. `delta statistics:
    /// literal[1 cmds, 3 bytes, 1 cmdbytes] copy[...] speed[...]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = if self.op.is_empty() {
            None
        } else {
            Some(self.op.as_bytes())
        };
        f.write_str(&String::from_utf8_lossy(&format_stats(op, self)))
    }
}

/// Logs the statistics line at INFO level without a function name
/// (`rs_log_stats`). The line is cut to 998 bytes as C's buffer does.
///
/// ```
/// # use std::sync::{Arc, Mutex};
/// # use librsync_rs::trace::{set_sink, Sink};
/// # let lines = Arc::new(Mutex::new(Vec::<String>::new()));
/// # let sink = Arc::clone(&lines);
/// # set_sink(Sink::Custom(Arc::new(move |_, line: &[u8]| {
/// #     sink.lock().unwrap().push(String::from_utf8_lossy(line).into_owned())
/// # })));
/// use librsync_rs::{log_stats, patch, BufferSizes};
///
/// let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 0, 5, 0]; // COPY(0, 5), END
/// let stats = patch(&b"hello world"[..], &delta[..], Vec::new(), BufferSizes::default())?;
/// log_stats(&stats); // to the sink set with trace::set_sink
/// assert_eq!(lines.lock().unwrap()[0], format!("librsync: {stats}\n"));
/// assert!(stats.to_string().starts_with("patch statistics: copy[1 cmds, 5 bytes"));
/// # Ok::<(), librsync_rs::Error>(())
/// ```
pub fn log_stats(stats: &Stats) {
    let op = if stats.op.is_empty() {
        None
    } else {
        Some(stats.op.as_bytes())
    };
    log_stats_text(&format_stats(op, stats));
}

/// Logs an already formatted statistics text as `rs_log_stats` does.
pub fn log_stats_text(text: &[u8]) {
    let text = &text[..text.len().min(998)];
    crate::trace::log_bytes(
        crate::trace::LogLevel::Info as i32 | crate::trace::NONAME,
        "",
        text,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_text() {
        let s = Stats {
            op: "signature",
            sig_blocks: 3,
            block_len: 2048,
            start: 5,
            end: 5,
            ..Stats::default()
        };
        assert_eq!(
            s.to_string(),
            "signature statistics: signature[3 blocks, 2048 bytes per block] \
             speed[0.0 MB (0.0 MB/s) in, 0.0 MB (0.0 MB/s) out, 1 sec]"
        );
        let empty = Stats {
            op: "signature",
            ..Stats::default()
        };
        assert!(empty
            .to_string()
            .starts_with("signature statistics:  speed["));
    }

    #[test]
    fn delta_text() {
        let s = Stats {
            op: "delta",
            lit_cmds: 1,
            lit_bytes: 3,
            lit_cmdbytes: 1,
            copy_cmds: 1,
            copy_bytes: 5000,
            copy_cmdbytes: 4,
            in_bytes: 2_500_000,
            out_bytes: 250_000,
            start: 10,
            end: 12,
            ..Stats::default()
        };
        assert_eq!(
            s.to_string(),
            "delta statistics: literal[1 cmds, 3 bytes, 1 cmdbytes] copy[1 cmds, 5000 bytes, 4 cmdbytes, 0 false] \
             speed[2.5 MB (1.2 MB/s) in, 0.2 MB (0.1 MB/s) out, 2 sec]"
        );
    }

    #[test]
    fn c_float_specials() {
        assert_eq!(
            c_fixed(c_div(0.0, 0.0), 3),
            if cfg!(target_arch = "x86_64") {
                "-nan"
            } else {
                "nan"
            }
        );
        assert_eq!(c_fixed(c_div(1.0, 0.0), 3), "inf");
        assert_eq!(c_fixed(0.25, 1), "0.2");
    }
}
