//! Shared support for the tests and benchmarks of every crate: a deterministic corpus, scratch
//! directories, access to Debian's reference `rdiff`, and the one scenario catalogue:
//!
//! * [`bytes`]: the builders of hand-made signatures and deltas;
//! * [`catalogue`]: the bad signatures (S1–S16) and deltas (P1–P21) as data,
//!   with their expected result codes and outputs;
//! * [`rdiff`]: a pair of `rdiff` commands run side by side (ours against
//!   Debian's, or Debian's on our library against Debian's on its own);
//! * [`shell`]: librsync's shell tests (help, bad option, signature, delta,
//!   triple, changes, mutate) and the catalogue's runs, for such a pair.

pub mod bench;
pub mod bytes;
pub mod catalogue;
pub mod chunked;
pub mod rdiff;
pub mod shell;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// A small deterministic generator (xorshift64*), so that corpora are the
/// same on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }

    /// Text made of words, with newlines.
    pub fn text(&mut self, n: usize) -> Vec<u8> {
        const WORDS: [&str; 16] = [
            "delta",
            "rsync",
            "block",
            "signature",
            "the",
            "a",
            "rolling",
            "checksum",
            "patch",
            "basis",
            "of",
            "strong",
            "weak",
            "match",
            "literal",
            "copy",
        ];
        let mut out = Vec::with_capacity(n + 16);
        while out.len() < n {
            out.extend_from_slice(WORDS[self.below(WORDS.len())].as_bytes());
            out.push(if self.below(9) == 0 { b'\n' } else { b' ' });
        }
        out.truncate(n);
        out
    }

    /// `data` with `edits` random inserts, deletes, overwrites and moves.
    pub fn mutate(&mut self, data: &[u8], edits: usize) -> Vec<u8> {
        let mut out = data.to_vec();
        for _ in 0..edits {
            let at = if out.is_empty() {
                0
            } else {
                self.below(out.len())
            };
            let len = 1 + self.below(300);
            match self.below(4) {
                0 => {
                    let ins = self.bytes(len);
                    out.splice(at..at, ins);
                }
                1 => {
                    let end = (at + len).min(out.len());
                    out.drain(at..end);
                }
                2 => {
                    let end = (at + len).min(out.len());
                    let fresh = self.bytes(end - at);
                    out[at..end].copy_from_slice(&fresh);
                }
                _ => {
                    let end = (at + len * 10).min(out.len());
                    let moved: Vec<u8> = out.drain(at..end).collect();
                    let to = if out.is_empty() {
                        0
                    } else {
                        self.below(out.len())
                    };
                    out.splice(to..to, moved);
                }
            }
        }
        out
    }
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join("librsync-rs-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The reference `rdiff` (Debian's librsync 2.3.2), or `None` with a loud
/// message. Under CI (`CI` set) a missing reference fails the test run.
pub fn reference_rdiff() -> Option<&'static Path> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            let path = std::env::var_os("RDIFF_REFERENCE").map(PathBuf::from).unwrap_or_else(|| "/usr/bin/rdiff".into());
            let ok = Command::new(&path)
                .arg("--version")
                .output()
                .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("librsync 2.3.2"))
                .unwrap_or(false);
            if ok {
                Some(path)
            } else {
                let msg = "\n\n!!!!!!!! Debian's rdiff (librsync 2.3.2) was not found at /usr/bin/rdiff: \
                           DIFFERENTIAL TESTS ARE SKIPPED. Install it with `apt-get install rdiff librsync-dev`. \
                           !!!!!!!!\n\n";
                if std::env::var_os("CI").is_some() {
                    panic!("{msg}");
                }
                eprintln!("{msg}");
                None
            }
        })
        .as_deref()
}

/// Runs the reference rdiff with `args`.
pub fn run_rdiff(rdiff: &Path, args: &[&str]) -> Output {
    Command::new(rdiff).args(args).output().expect("run rdiff")
}

/// Prints a loud message about a missing tool, or fails under CI.
pub fn missing(what: &str) {
    let msg = format!(
        "\n\n!!!!!!!! {what}: TESTS THAT NEED IT ARE SKIPPED. \
         Install it with `apt-get install rdiff librsync-dev binutils`. !!!!!!!!\n\n"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("{msg}");
}

/// Runs the reference rdiff and asserts success; returns stderr.
pub fn rdiff_ok(rdiff: &Path, args: &[&str]) -> String {
    let out = run_rdiff(rdiff, args);
    assert!(
        out.status.success(),
        "rdiff {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Replaces every number inside `speed[...]` with `#`: the timings of
/// statistics lines differ from run to run, the rest must not.
pub fn mask_speed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("speed[") {
        let (head, tail) = rest.split_at(at + "speed[".len());
        out.push_str(head);
        let end = tail.find(']').unwrap_or(tail.len());
        let mut in_number = false;
        for c in tail[..end].chars() {
            if c.is_ascii_digit() || (in_number && c == '.') {
                if !in_number {
                    out.push('#');
                }
                in_number = true;
            } else {
                in_number = false;
                out.push(c);
            }
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A uniform double in [0, 1), like Perl's `rand`.
fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// librsync's `tests/mutate.pl SEED MAX`: 1 to `max` edits, each a
/// copy-and-overwrite, a copy-and-insert or a delete of random ranges
/// (lengths `rand(1) * rand(1) * length`, skewed short), with `substr`'s
/// clamping at the end of the data. Perl's `rand` is a uniform double, and
/// so is the number used here.
pub fn mutate_pl(rng: &mut Rng, data: &[u8], max: usize) -> Vec<u8> {
    let mut corpus = data.to_vec();
    let n = 1 + (unit(rng) * max as f64) as usize;
    for _ in 0..n {
        let len = corpus.len() as f64;
        let from_off = (unit(rng) * len) as usize;
        let from_len = (unit(rng) * unit(rng) * len) as usize;
        let to_off = (unit(rng) * len) as usize;
        let to_len = (unit(rng) * unit(rng) * len) as usize;
        let substr = |c: &[u8], off: usize, len: usize| -> (usize, usize) {
            let start = off.min(c.len());
            (start, (start + len).min(c.len()))
        };
        let (fs, fe) = substr(&corpus, from_off, from_len);
        let piece = corpus[fs..fe].to_vec();
        match (unit(rng) * 3.0) as usize {
            0 => {
                let (ts, te) = substr(&corpus, to_off, to_len);
                corpus.splice(ts..te, piece);
            }
            1 => {
                let (ts, _) = substr(&corpus, to_off, 0);
                corpus.splice(ts..ts, piece);
            }
            _ => {
                let (ts, te) = substr(&corpus, to_off, to_len);
                corpus.drain(ts..te);
            }
        }
    }
    corpus
}

/// Keeps counts of identical and total comparisons and prints them.
pub struct Tally {
    name: &'static str,
    pub identical: usize,
    pub total: usize,
    pub failures: Vec<String>,
}

impl Tally {
    pub fn new(name: &'static str) -> Tally {
        Tally {
            name,
            identical: 0,
            total: 0,
            failures: Vec::new(),
        }
    }

    pub fn check(&mut self, same: bool, what: impl FnOnce() -> String) {
        self.total += 1;
        if same {
            self.identical += 1;
        } else if self.failures.len() < 20 {
            self.failures.push(what());
        }
    }

    /// Prints `NAME: identical/total` and fails if any differed.
    pub fn finish(self) {
        println!(
            "[{}] identical/total = {}/{}",
            self.name, self.identical, self.total
        );
        assert!(
            self.failures.is_empty(),
            "{} differences, first: {:#?}",
            self.total - self.identical,
            self.failures
        );
    }
}

/// A library artifact of this build (`librsync.so` or `librsync.a`).
///
/// `cargo test` writes them to `target/<profile>/deps`; only `cargo build`
/// copies them up to `target/<profile>`, where a copy from another build
/// (other features, say) may linger. So deps/ comes first. A shared
/// library must export `rs_job_iter`, or the test stops with a clear
/// message rather than failing on missing symbols.
pub fn our_artifact(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("target/<profile>/deps").to_path_buf();
    let profile = deps.parent().expect("target/<profile>").to_path_buf();
    let path = [deps.join(name), profile.join(name)]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "{name} was not built in {} or {}",
                deps.display(),
                profile.display()
            )
        });
    if name.ends_with(".so") {
        let nm = Command::new("nm")
            .args(["-D", "--defined-only"])
            .arg(&path)
            .output();
        if let Ok(nm) = nm {
            assert!(
                String::from_utf8_lossy(&nm.stdout).contains(" rs_job_iter"),
                "{} does not export the C ABI (not the C library of this workspace?): \
                 run `cargo build` and try again",
                path.display()
            );
        }
    }
    path
}

/// A basis file of the test corpus and the new files to diff against it.
pub struct CorpusFile {
    pub name: String,
    pub data: Vec<u8>,
    pub news: Vec<(String, Vec<u8>)>,
}

fn old(name: &str, data: Vec<u8>, news: Vec<(&str, Vec<u8>)>) -> CorpusFile {
    CorpusFile {
        name: name.into(),
        data,
        news: news.into_iter().map(|(n, d)| (n.to_string(), d)).collect(),
    }
}

/// The corpus of the differential tests: small and boundary cases, edits of random data and text,
/// repeated blocks, a literal run over 32768 bytes, and a file of a few MiB.
pub fn corpus() -> Vec<CorpusFile> {
    let mut rng = Rng::new(2026);
    let mut out = vec![
        old(
            "empty",
            vec![],
            vec![("empty", vec![]), ("random5000", rng.bytes(5000))],
        ),
        old(
            "one",
            vec![b'x'],
            vec![
                ("same", vec![b'x']),
                ("other", vec![b'y']),
                ("empty", vec![]),
            ],
        ),
    ];
    for n in [255usize, 256, 257, 2047, 2048, 2049, 4097] {
        let data = rng.bytes(n);
        let mut changed = data.clone();
        changed[n / 2] ^= 0x55;
        let mut appended = data.clone();
        appended.extend_from_slice(b"XYZ");
        let truncated = data[..n - 1].to_vec();
        out.push(old(
            &format!("random{n}"),
            data.clone(),
            vec![
                ("same", data),
                ("changed", changed),
                ("appended", appended),
                ("truncated", truncated),
            ],
        ));
    }
    let random = rng.bytes(60_000);
    let edited = rng.mutate(&random, 12);
    let mut long_literal = random[..10_000].to_vec();
    long_literal.extend(rng.bytes(70_000));
    long_literal.extend_from_slice(&random[10_000..]);
    out.push(old(
        "random60k",
        random.clone(),
        vec![("edited", edited), ("long-literal", long_literal)],
    ));
    let text = rng.text(40_000);
    let mut moved = text.clone();
    let chunk: Vec<u8> = moved.drain(5_000..9_000).collect();
    moved.splice(30_000..30_000, chunk);
    out.push(old(
        "text40k",
        text.clone(),
        vec![("edited", rng.mutate(&text, 8)), ("moved", moved)],
    ));
    // Runs of repeated blocks: lowest-index duplicate, non-merging copies.
    let block_a = rng.bytes(256);
    let block_b = rng.bytes(256);
    let mut repeated = Vec::new();
    for i in 0..24 {
        repeated.extend_from_slice(if i % 5 == 3 { &block_b } else { &block_a });
    }
    let mut rearranged = block_b.clone();
    rearranged.extend_from_slice(&block_a);
    rearranged.extend_from_slice(&block_a);
    rearranged.extend_from_slice(&repeated[1000..3000]);
    out.push(old(
        "repeated",
        repeated,
        vec![("rearranged", rearranged), ("zeros", vec![0; 10_000])],
    ));
    let big = rng.bytes(3 << 20);
    let big_edited = rng.mutate(&big, 40);
    out.push(old("big3m", big, vec![("edited", big_edited)]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_speed_masks_only_numbers_in_speed() {
        assert_eq!(
            mask_speed("librsync: signature statistics: signature[391 blocks, 256 bytes per block] speed[0.1 MB (0.1 MB/s) in, 0.0 MB (12.5 MB/s) out, 1 sec]\nx 7\n"),
            "librsync: signature statistics: signature[391 blocks, 256 bytes per block] speed[# MB (# MB/s) in, # MB (# MB/s) out, # sec]\nx 7\n"
        );
    }

    #[test]
    fn mutate_pl_edits_and_is_deterministic() {
        let data = Rng::new(1).text(10_000);
        let a = mutate_pl(&mut Rng::new(9), &data, 5);
        let b = mutate_pl(&mut Rng::new(9), &data, 5);
        assert_eq!(a, b);
        assert_ne!(a, data);
    }
}
