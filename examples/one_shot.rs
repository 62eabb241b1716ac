//! The slice API, the shape of fast_rsync's: signature, delta and patch of
//! byte slices in memory, with the output limits a server wants before it
//! applies a delta from someone else, and errors that say what went wrong.
//!
//! `cargo run --example one_shot`

use librsync_rs::io::{delta_of, load_signature_of, patch_of, patch_of_limited, signature_of};
use librsync_rs::{SigMagic, SignatureOptions, StrongLen};

fn main() -> Result<(), librsync_rs::Error> {
    let old: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let mut new = old.clone();
    new.splice(50_000..50_000, *b"a few new bytes");

    // rdiff-backup's format: rollsum + MD4, 8-byte strong sums.
    let opts = SignatureOptions::new()
        .magic(SigMagic::Md4)
        .strong_len(StrongLen::Exact(8));
    let sig = signature_of(&old, &opts)?;
    let delta = delta_of(&load_signature_of(&sig)?, &new)?;
    let patched = patch_of(&old, &delta)?;
    assert_eq!(patched, new);
    println!(
        "{} bytes of signature, {} bytes of delta for {} bytes of file",
        sig.len(),
        delta.len(),
        new.len()
    );

    // A delta may ask for more output than its size suggests: cap it.
    match patch_of_limited(&old, &delta, 100_000) {
        Ok(_) => unreachable!("the new file is larger than the limit"),
        Err(e) => println!("refused: {e}"),
    }

    // A corrupt delta fails with the reason and where it was found.
    let mut bad = delta.clone();
    bad[4] = 0x55; // a reserved opcode where the first command is
    let err = patch_of(&old, &bad).unwrap_err();
    println!("corrupt delta: {err}");
    assert_eq!((err.code(), err.offset()), (106, Some(4)));
    Ok(())
}
