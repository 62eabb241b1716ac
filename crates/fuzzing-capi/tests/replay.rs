//! Replays the committed `capi` corpus (`fuzz/corpus/capi/`) and any
//! regressions (`fuzz/regressions/capi/`) through the target on stable.

use std::fs;
use std::path::Path;

#[test]
fn capi_corpus_replays() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut n = 0;
    for kind in ["corpus", "regressions"] {
        let Ok(rd) = fs::read_dir(fuzz.join(kind).join("capi")) else {
            continue;
        };
        let mut paths: Vec<_> = rd.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for p in paths {
            let data = fs::read(&p).unwrap();
            let r = std::panic::catch_unwind(|| librsync_rs_fuzzing_capi::capi(&data));
            assert!(r.is_ok(), "capi: {} fails", p.display());
            n += 1;
        }
    }
    assert!(n > 0, "no capi corpus");
}
