//! Every failing row of the bad-input catalogue gives an error that says
//! what went wrong and where: its message names the problem (the words
//! librsync logs for it, or what was cut short), its offset points into the
//! input, and the delta operations API (`librsync_rs::ops`) says the same as
//! patch about the delta alone.

use crate::common::catalogue::{self, BadInput};
use librsync_rs::io::{load_signature_of, patch_of};
use librsync_rs::ops::{ops, DeltaDecoder};
use librsync_rs::{Error, ErrorKind};

use crate::bad_inputs::real_sig;

/// The words each row's error must contain (rows of bad-inputs.md §5.1 and
/// §5.2 that fail).
const NAMED: &[(&str, &str)] = &[
    ("S1", "the signature ends inside its 12-byte header"),
    ("S2", "the signature ends inside its 12-byte header"),
    (
        "S3",
        "bad magic number at start of stream: invalid magic 0x",
    ),
    ("S4", "the signature ends inside its 12-byte header"),
    ("S5", "invalid magic 0x72730236"),
    ("S7", "stream corrupt: block length of"),
    ("S10", "stream corrupt: strong sum length"),
    ("S11", "parameter out of range: invalid strong_len="),
    ("S14", "the signature ends inside a block's sums"),
    ("P1", "the delta ends inside its magic number"),
    ("P2", "the delta ends inside its magic number"),
    (
        "P3",
        "bad magic number at start of stream: got magic number",
    ),
    ("P4", "the delta ends before its END command"),
    ("P7", "reached end of file while copying data"),
    ("P8", "the delta ends"),
    ("P9", "stream corrupt: invalid length=0 on LITERAL command"),
    ("P10", "on LITERAL command"),
    ("P11", "reached end of file while copying data"),
    ("P12", "the delta ends inside a command's parameters"),
    ("P13", "stream corrupt: invalid length=0 on COPY command"),
    ("P14", "on COPY command"),
    ("P15", "basis returned no data at position"),
    ("P16", "basis returned no data at position 1000"),
    ("P17", "basis returned no data at position 1000"),
    ("P18", "basis returned no data at position 1000"),
    ("P19", "basis returned no data at position"),
    ("P20", "stream corrupt: bogus command 0x"),
];

/// Checks `err` for `row`: its code, a message, an offset inside the input,
/// and the row's words. Returns whether the row has words in [`NAMED`].
fn check(row: &BadInput, err: &Error) -> bool {
    let name = row.name();
    assert_eq!(err.code(), row.code, "{name}: {err}");
    assert!(err.message().is_some(), "{name}: no message in {err:?}");
    let offset = err
        .offset()
        .unwrap_or_else(|| panic!("{name}: no offset in {err:?}"));
    assert!(
        offset <= row.bytes.len() as u64,
        "{name}: offset {offset} past the input"
    );
    let text = err.to_string();
    assert!(
        text.ends_with(&format!("(at input byte {offset})")),
        "{name}: {text}"
    );
    match NAMED.iter().find(|(id, _)| *id == row.id) {
        Some((_, words)) => {
            assert!(
                text.contains(words),
                "{name}: {text:?} does not say {words:?}"
            );
            true
        }
        None => {
            assert_eq!(
                row.id, "X",
                "{name}: a failing row with no words in NAMED: {text}"
            );
            false
        }
    }
}

#[test]
fn every_bad_signature_row_says_what_and_where() {
    let mut named = std::collections::BTreeSet::new();
    for row in catalogue::bad_signatures(&real_sig) {
        if let Err(e) = load_signature_of(&row.bytes) {
            if check(&row, &e) {
                named.insert(row.id);
            }
        }
    }
    let expected: std::collections::BTreeSet<_> = NAMED
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| id.starts_with('S'))
        .collect();
    assert_eq!(named, expected);
}

#[test]
fn every_bad_delta_row_says_what_and_where() {
    let basis = catalogue::basis();
    let mut named = std::collections::BTreeSet::new();
    let mut compared = 0;
    for row in catalogue::bad_deltas() {
        let Err(e) = patch_of(&basis, &row.bytes) else {
            continue;
        };
        if check(&row, &e) {
            named.insert(row.id);
        }
        // Without a basis, the operations API finds the same fault (basis
        // faults aside) with the same words at the same offset, whether it
        // reads from a slice or from a reader.
        let from_slice = ops(&row.bytes).find_map(Result::err);
        let from_reader = DeltaDecoder::new(&row.bytes[..]).find_map(Result::err);
        let copies_past_basis = e.message().is_some_and(|m| m.starts_with("basis returned"));
        if copies_past_basis {
            continue;
        }
        for found in [from_slice, from_reader] {
            let found = found.unwrap_or_else(|| panic!("{}: ops found no fault", row.name()));
            assert_eq!(found.kind(), e.kind(), "{}", row.name());
            assert_eq!(found.offset(), e.offset(), "{}: {found} vs {e}", row.name());
            if found.kind() != ErrorKind::InputEnded {
                assert_eq!(found.message(), e.message(), "{}", row.name());
            }
        }
        compared += 1;
    }
    let expected: std::collections::BTreeSet<_> = NAMED
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| id.starts_with('P'))
        .collect();
    assert_eq!(named, expected);
    assert!(compared > 40, "{compared}");
}
