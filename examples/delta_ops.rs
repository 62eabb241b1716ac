//! Lists the commands of a delta, with the byte offset of each, and sums
//! them up with the counters librsync's patch keeps:
//!
//! ```text
//! cargo run --example delta_ops -- FILE.delta
//! rdiff delta old.sig new | cargo run --example delta_ops
//! ```
//!
//! It streams the delta, so deltas of any size take little memory.

use std::fs::File;
use std::io::{self, BufReader, Read};

use librsync_rs::ops::{DeltaDecoder, DeltaPiece};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let input: Box<dyn Read> = match std::env::args_os().nth(1) {
        Some(path) => Box::new(File::open(path)?),
        None => Box::new(io::stdin().lock()),
    };
    let mut dec = DeltaDecoder::new(BufReader::new(input));
    while let Some(piece) = dec.next() {
        let at = dec.offset();
        match piece {
            Ok(DeltaPiece::Copy { pos, len }) => println!("{at:>12}  COPY {len} bytes from {pos}"),
            Ok(DeltaPiece::Literal(p)) if p.is_first() => {
                println!("{at:>12}  LITERAL {} bytes", p.total)
            }
            Ok(DeltaPiece::Literal(_)) => {}
            Ok(DeltaPiece::End) => println!("{at:>12}  END"),
            Err(e) => return Err(format!("delta command at byte {at}: {e}").into()),
        }
    }
    let s = dec.stats();
    println!(
        "literal: {} commands, {} bytes, {} command bytes; \
         copy: {} commands, {} bytes, {} command bytes; \
         delta {} bytes, new file {} bytes",
        s.lit_cmds,
        s.lit_bytes,
        s.lit_cmdbytes,
        s.copy_cmds,
        s.copy_bytes,
        s.copy_cmdbytes,
        dec.consumed(),
        s.lit_bytes + s.copy_bytes,
    );
    Ok(())
}
