//! rdiff's command line, parsed the way popt 1.19 parses it for rdiff's
//! option table: options anywhere on the line, short options bundled
//! (`-sf`), values attached (`-b1024`, `-b=1024`, `--block-size=1024`) or in
//! the next word (`-S -1`), `--` ending options, popt's `!#:+` expansion in
//! values, and `POSIXLY_CORRECT` stopping options at the first file name.

use crate::number::{parse_c_int, NumberError};

/// What an option sets, or the event it reports to rdiff.
#[derive(Clone, Copy)]
enum Kind {
    /// An option without a value that rdiff handles itself (`val` in popt).
    Event(Event),
    /// A flag stored in [`Settings`] (`POPT_ARG_NONE` with a pointer).
    Flag(fn(&mut Settings)),
    /// An `int` value (`POPT_ARG_INT`).
    Int(fn(&mut Settings, i32)),
    /// A string value (`POPT_ARG_STRING`).
    Str(fn(&mut Settings, Vec<u8>)),
}

/// An entry of rdiff's option table.
struct OptDef {
    /// The long name, used as `--name` or `--name=value`.
    long: Option<&'static [u8]>,
    /// The short letter, 0 for none.
    short: u8,
    /// What the option does.
    kind: Kind,
}

/// rdiff's option table, in its order (popt searches it front to back).
/// Debian removed `-z/--gzip` and `-i/--bzip2`.
const TABLE: &[OptDef] = &[
    OptDef {
        long: Some(b"verbose"),
        short: b'v',
        kind: Kind::Event(Event::Verbose),
    },
    OptDef {
        long: Some(b"version"),
        short: b'V',
        kind: Kind::Event(Event::Version),
    },
    OptDef {
        long: Some(b"input-size"),
        short: b'I',
        kind: Kind::Int(|s, v| s.in_size = v),
    },
    OptDef {
        long: Some(b"output-size"),
        short: b'O',
        kind: Kind::Int(|s, v| s.out_size = v),
    },
    OptDef {
        long: Some(b"hash"),
        short: b'H',
        kind: Kind::Str(|s, v| s.hash = Some(v)),
    },
    OptDef {
        long: Some(b"rollsum"),
        short: b'R',
        kind: Kind::Str(|s, v| s.rollsum = Some(v)),
    },
    OptDef {
        long: Some(b"help"),
        short: b'?',
        kind: Kind::Event(Event::Help),
    },
    OptDef {
        long: None,
        short: b'h',
        kind: Kind::Event(Event::Help),
    },
    OptDef {
        long: Some(b"block-size"),
        short: b'b',
        kind: Kind::Int(|s, v| s.block_len = v),
    },
    OptDef {
        long: Some(b"sum-size"),
        short: b'S',
        kind: Kind::Int(|s, v| s.strong_len = v),
    },
    OptDef {
        long: Some(b"statistics"),
        short: b's',
        kind: Kind::Flag(|s| s.stats = true),
    },
    OptDef {
        long: Some(b"stats"),
        short: 0,
        kind: Kind::Flag(|s| s.stats = true),
    },
    OptDef {
        long: Some(b"force"),
        short: b'f',
        kind: Kind::Flag(|s| s.force = true),
    },
];

/// Values set by options (rdiff's globals).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// `-b`: signature block length, 0 for the recommended one.
    pub block_len: i32,
    /// `-S`: strong sum length, 0 for the maximum, -1 for the minimum.
    pub strong_len: i32,
    /// `-I`: input buffer size (`rs_inbuflen`), 0 for the default.
    pub in_size: i32,
    /// `-O`: output buffer size (`rs_outbuflen`), 0 for the default.
    pub out_size: i32,
    /// `-H`: hash name as given.
    pub hash: Option<Vec<u8>>,
    /// `-R`: rollsum name as given.
    pub rollsum: Option<Vec<u8>>,
    /// `-s`, `--statistics`, `--stats`.
    pub stats: bool,
    /// `-f`, `--force`.
    pub force: bool,
}

/// Options that popt hands back to rdiff (those with a `val`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// `-v`, `--verbose`.
    Verbose,
    /// `-V`, `--version`.
    Version,
    /// `-?`, `-h`, `--help`.
    Help,
}

/// popt's parse errors, with their `poptStrerror` texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `POPT_ERROR_NOARG`.
    NoArg,
    /// `POPT_ERROR_UNWANTEDARG`.
    UnwantedArg,
    /// `POPT_ERROR_BADOPT`.
    BadOpt,
    /// `POPT_ERROR_BADNUMBER`.
    BadNumber,
    /// `POPT_ERROR_OVERFLOW`.
    Overflow,
}

impl ErrorKind {
    /// The text `poptStrerror` gives.
    pub fn text(self) -> &'static str {
        match self {
            ErrorKind::NoArg => "missing argument",
            ErrorKind::UnwantedArg => "option does not take an argument",
            ErrorKind::BadOpt => "unknown option",
            ErrorKind::BadNumber => "invalid numeric value",
            ErrorKind::Overflow => "number too large or too small",
        }
    }
}

/// A parse error and the word `poptBadOption` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The command line word popt blames (the last one it read).
    pub word: Vec<u8>,
}

/// popt's parsing state over the command line (`poptContext`).
pub struct Parser {
    /// The command line, program name first.
    argv: Vec<Vec<u8>>,
    /// Index of the next word to read.
    next: usize,
    /// Rest of a bundle of short options: (word index, byte offset).
    next_char: Option<(usize, usize)>,
    /// Set by `--` (or, in POSIX mode, the first name): the rest are names.
    rest_leftover: bool,
    /// popt's `POSIXLY_CORRECT` mode.
    posix: bool,
    /// Words consumed by `!#:+` expansion (popt's `argb`).
    deleted: Vec<bool>,
    /// The words that are not options, in order.
    leftovers: Vec<Vec<u8>>,
    /// How many of them rdiff has taken.
    next_leftover: usize,
    /// The values set so far.
    pub settings: Settings,
}

impl Parser {
    /// A parser over `argv` (program name first). `posix` is popt's
    /// `POSIXLY_CORRECT` mode: the first non-option ends the options.
    pub fn new(argv: Vec<Vec<u8>>, posix: bool) -> Parser {
        let deleted = vec![false; argv.len()];
        Parser {
            next: 1.min(argv.len()),
            argv,
            next_char: None,
            rest_leftover: false,
            posix,
            deleted,
            leftovers: Vec::new(),
            next_leftover: 0,
            settings: Settings::default(),
        }
    }

    /// The next option rdiff must act on, `Ok(None)` when all are parsed
    /// (`poptGetNextOpt`). Options that only set values are applied to
    /// [`Parser::settings`] on the way.
    pub fn next_event(&mut self) -> Result<Option<Event>, ParseError> {
        loop {
            if self.next_char.is_none() && self.next >= self.argv.len() {
                return Ok(None);
            }
            let mut long_arg: Option<Vec<u8>> = None;
            let mut found: Option<&'static OptDef> = None;
            if self.next_char.is_none() {
                if self.deleted[self.next] {
                    self.next += 1;
                    continue;
                }
                let index = self.next;
                self.next += 1;
                let word = &self.argv[index];
                if self.rest_leftover || word.first() != Some(&b'-') || word.len() == 1 {
                    if self.posix {
                        self.rest_leftover = true;
                    }
                    self.leftovers.push(word.clone());
                    continue;
                }
                if word == b"--" {
                    self.rest_leftover = true;
                    continue;
                }
                let double = word[1] == b'-';
                let body = &word[if double { 2 } else { 1 }..];
                let (name, arg) = match body.iter().position(|&c| c == b'=') {
                    Some(eq) => (&body[..eq], Some(body[eq + 1..].to_vec())),
                    None => (body, None),
                };
                if double {
                    // No option of rdiff's takes the single-dash long form.
                    match TABLE.iter().find(|o| o.long == Some(name)) {
                        Some(opt) => {
                            found = Some(opt);
                            long_arg = arg;
                        }
                        None => return Err(self.error(ErrorKind::BadOpt)),
                    }
                } else {
                    self.next_char = Some((index, 1));
                }
            }
            if let Some((index, offset)) = self.next_char.take() {
                let c = self.argv[index][offset];
                match TABLE.iter().find(|o| o.short != 0 && o.short == c) {
                    Some(opt) => found = Some(opt),
                    None => return Err(self.error(ErrorKind::BadOpt)),
                }
                if offset + 1 < self.argv[index].len() {
                    self.next_char = Some((index, offset + 1));
                }
            }
            let Some(opt) = found else {
                return Err(self.error(ErrorKind::BadOpt));
            };
            match opt.kind {
                Kind::Event(_) | Kind::Flag(_) => {
                    if long_arg.is_some() || self.bundle_byte() == Some(b'=') {
                        return Err(self.error(ErrorKind::UnwantedArg));
                    }
                    match opt.kind {
                        Kind::Event(event) => return Ok(Some(event)),
                        Kind::Flag(set) => set(&mut self.settings),
                        _ => {}
                    }
                }
                Kind::Int(set) => {
                    let value = self.value(long_arg)?;
                    let n = parse_c_int(&value).map_err(|e| {
                        self.error(match e {
                            NumberError::Invalid => ErrorKind::BadNumber,
                            NumberError::Range => ErrorKind::Overflow,
                        })
                    })?;
                    set(&mut self.settings, n);
                }
                Kind::Str(set) => {
                    let value = self.value(long_arg)?;
                    set(&mut self.settings, value);
                }
            }
        }
    }

    /// The next file name or action word (`poptGetArg`).
    pub fn next_arg(&mut self) -> Option<Vec<u8>> {
        let arg = self.leftovers.get(self.next_leftover).cloned();
        if arg.is_some() {
            self.next_leftover += 1;
        }
        arg
    }

    /// The byte a bundle of short options continues with, if any.
    fn bundle_byte(&self) -> Option<u8> {
        self.next_char.map(|(i, o)| self.argv[i][o])
    }

    /// An error naming the last word read, as `poptBadOption` does.
    fn error(&self, kind: ErrorKind) -> ParseError {
        ParseError {
            kind,
            word: self.argv[self.next - 1].clone(),
        }
    }

    /// The value of an option that takes one: after `=`, the rest of a
    /// bundle (one leading `=` skipped), or the next word, whatever it is.
    fn value(&mut self, long_arg: Option<Vec<u8>>) -> Result<Vec<u8>, ParseError> {
        let raw = if let Some(arg) = long_arg {
            arg
        } else if let Some((index, offset)) = self.next_char.take() {
            let rest = &self.argv[index][offset..];
            rest.strip_prefix(b"=").unwrap_or(rest).to_vec()
        } else if self.next < self.argv.len() {
            self.next += 1;
            self.argv[self.next - 1].clone()
        } else {
            return Err(self.error(ErrorKind::NoArg));
        };
        Ok(self.expand(&raw))
    }

    /// popt's `expandNextArg`: each `!#:+` is replaced by the next word that
    /// does not start with `-`, which is then no longer a word of its own.
    fn expand(&mut self, s: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(s.len());
        let mut found: Option<Vec<u8>> = None;
        let mut i = 0;
        while i < s.len() {
            if s[i] == b'!' && s[i + 1..].starts_with(b"#:+") {
                if found.is_none() {
                    found = self.take_next_word();
                }
                if let Some(word) = &found {
                    out.extend_from_slice(word);
                    i += 4;
                    continue;
                }
            }
            out.push(s[i]);
            i += 1;
        }
        out
    }

    /// popt's `findNextArg(con, 1, 1)`: the next word not yet consumed and
    /// not starting with `-`, marked as consumed.
    fn take_next_word(&mut self) -> Option<Vec<u8>> {
        let i = (self.next..self.argv.len())
            .find(|&i| !self.deleted[i] && self.argv[i].first() != Some(&b'-'))?;
        self.deleted[i] = true;
        Some(self.argv[i].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> (Result<Vec<Event>, ParseError>, Settings, Vec<String>) {
        let mut argv = vec![b"rdiff".to_vec()];
        argv.extend(args.iter().map(|a| a.as_bytes().to_vec()));
        let mut p = Parser::new(argv, false);
        let mut events = Vec::new();
        let result = loop {
            match p.next_event() {
                Ok(Some(e)) => events.push(e),
                Ok(None) => break Ok(events),
                Err(e) => break Err(e),
            }
        };
        let mut rest = Vec::new();
        while let Some(a) = p.next_arg() {
            rest.push(String::from_utf8(a).unwrap());
        }
        (result, p.settings, rest)
    }

    fn err(args: &[&str]) -> (ErrorKind, String) {
        let e = parse(args).0.unwrap_err();
        (e.kind, String::from_utf8(e.word).unwrap())
    }

    #[test]
    fn values_in_every_form() {
        let (r, s, rest) = parse(&[
            "-sfb1024",
            "sig",
            "-S",
            "-1",
            "--input-size=0x10",
            "a",
            "-O010",
        ]);
        assert_eq!(r, Ok(vec![]));
        assert!(s.stats && s.force);
        assert_eq!(
            (s.block_len, s.strong_len, s.in_size, s.out_size),
            (1024, -1, 16, 8)
        );
        assert_eq!(rest, ["sig", "a"]);
        let (_, s, _) = parse(&["-b=", "--sum-size=", "-H", "md4", "--rollsum=rollsum"]);
        assert_eq!((s.block_len, s.strong_len), (0, 0));
        assert_eq!(s.hash.as_deref(), Some(&b"md4"[..]));
        assert_eq!(s.rollsum.as_deref(), Some(&b"rollsum"[..]));
    }

    #[test]
    fn events_and_leftovers() {
        let (r, _, rest) = parse(&["-vv", "-", "--", "-x", "--help"]);
        assert_eq!(r, Ok(vec![Event::Verbose, Event::Verbose]));
        assert_eq!(rest, ["-", "-x", "--help"]);
        // rdiff acts on -h before popt reads the "e" of "-help".
        let mut p = Parser::new(vec![b"rdiff".to_vec(), b"-help".to_vec()], false);
        assert_eq!(p.next_event(), Ok(Some(Event::Help)));
        assert_eq!(
            parse(&["-?", "-V"]).0,
            Ok(vec![Event::Help, Event::Version])
        );
    }

    #[test]
    fn errors_name_the_word_popt_names() {
        assert_eq!(
            err(&["--imaginary"]),
            (ErrorKind::BadOpt, "--imaginary".into())
        );
        assert_eq!(err(&["-sx"]), (ErrorKind::BadOpt, "-sx".into()));
        assert_eq!(err(&["--stat"]), (ErrorKind::BadOpt, "--stat".into()));
        assert_eq!(err(&["-s="]), (ErrorKind::UnwantedArg, "-s=".into()));
        assert_eq!(
            err(&["--force=1"]),
            (ErrorKind::UnwantedArg, "--force=1".into())
        );
        assert_eq!(err(&["-b", "x"]), (ErrorKind::BadNumber, "x".into()));
        assert_eq!(err(&["-bx"]), (ErrorKind::BadNumber, "-bx".into()));
        assert_eq!(err(&["-b"]), (ErrorKind::NoArg, "-b".into()));
        assert_eq!(
            err(&["-I", "2147483648"]),
            (ErrorKind::Overflow, "2147483648".into())
        );
        assert_eq!(err(&["-="]), (ErrorKind::BadOpt, "-=".into()));
        assert_eq!(err(&["--=5"]), (ErrorKind::BadOpt, "--=5".into()));
        assert_eq!(err(&["-z"]), (ErrorKind::BadOpt, "-z".into()));
    }

    #[test]
    fn bang_expansion() {
        let (_, s, rest) = parse(&["-b", "1!#:+!#:+", "5", "sig", "a"]);
        assert_eq!(s.block_len, 155);
        assert_eq!(rest, ["sig", "a"]);
        assert_eq!(err(&["-b", "1!#:+", "-s", "sig"]).0, ErrorKind::BadNumber);
        let (_, s, _) = parse(&["-H", "x!#:+"]);
        assert_eq!(s.hash.as_deref(), Some(&b"x!#:+"[..]));
    }

    #[test]
    fn posix_mode_stops_at_first_name() {
        let argv = ["rdiff", "-s", "sig", "-f", "a"]
            .iter()
            .map(|a| a.as_bytes().to_vec())
            .collect();
        let mut p = Parser::new(argv, true);
        assert_eq!(p.next_event(), Ok(None));
        assert!(p.settings.stats && !p.settings.force);
        assert_eq!(p.next_arg().as_deref(), Some(&b"sig"[..]));
        assert_eq!(p.next_arg().as_deref(), Some(&b"-f"[..]));
    }
}
