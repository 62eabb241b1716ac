#!/usr/bin/env bash
# The C-ABI test programs (tests/c/*.c) under AddressSanitizer: our library
# built with nightly's -Zsanitizer=address, each program compiled with
# -fsanitize=address against it and run (no arguments, as tests/c_abi/capi.rs
# runs them). gcc's libasan provides the runtime for both. Any sanitizer
# report or failing program fails the script. Usage: bash tests/asan/run.sh
# (from the repository root; needs the nightly toolchain and cc).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=x86_64-unknown-linux-gnu
RUSTFLAGS=-Zsanitizer=address cargo +nightly build --locked --target "$target" \
    -p librsync-rs-sys --target-dir target/asan
so="$PWD/target/asan/$target/debug/librsync.so"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/lib"
ln -s "$so" "$work/lib/librsync.so.2"
ln -s "$so" "$work/lib/librsync.so"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
for name in layout utils trace stream drive copycb errors whole ours_only; do
    cc -std=gnu11 -O1 -g -fsanitize=address -fno-omit-frame-pointer -I include \
        -o "$work/$name" "tests/c/$name.c" -L "$work/lib" -lrsync -Wl,-rpath,"$work/lib"
    if ! "$work/$name" >"$work/$name.out" 2>"$work/$name.err"; then
        echo "ASan: tests/c/$name.c failed:" >&2
        tail -n 40 "$work/$name.err" >&2
        exit 1
    fi
    if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer" "$work/$name.err"; then
        echo "ASan: report from tests/c/$name.c:" >&2
        cat "$work/$name.err" >&2
        exit 1
    fi
    echo "ASan: tests/c/$name.c clean"
done
