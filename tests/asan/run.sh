#!/usr/bin/env bash
# The C-ABI test programs (tests/c/*.c) under AddressSanitizer: our library
# built with nightly's -Zsanitizer=address, each program compiled with
# -fsanitize=address against it and run (no arguments, as tests/c_abi/capi.rs
# runs them). gcc's libasan provides the runtime for both. Then Debian's
# unchanged /usr/bin/rdiff on the same ASan build (LD_PRELOAD of libasan,
# since rdiff itself is not instrumented), each run compared with plain
# /usr/bin/rdiff on Debian's own librsync (tests/asan/rdiff.sh). Any
# sanitizer report, failing program or difference fails the script.
# Usage: bash tests/asan/run.sh (from the repository root; needs the
# nightly toolchain and cc, and Debian's rdiff for the second part).
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

# Debian's rdiff on our ASan library, against Debian's rdiff on its own.
ASAN_SO="$so" bash tests/asan/rdiff.sh
