#![no_main]
use libfuzzer_sys::fuzz_target;
fuzz_target!(|data: &[u8]| librsync_rs_fuzzing::roundtrip(data));
