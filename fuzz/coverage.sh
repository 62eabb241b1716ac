#!/usr/bin/env bash
# Line coverage of the fuzz targets over their corpora: one line per target
# (the lines of the engine, crates/librsync-rs/src; of the C layer, src; and
# of rdiff, crates/rdiff/src), then the union over all the targets, per
# module. Needs python3 (to read llvm-cov's JSON).
#
#   fuzz/coverage.sh [target ...]          # default: every target
#   CORPORA=/path/to/corpora fuzz/coverage.sh
#
# Each target replays CORPORA/<target> when CORPORA is set (a campaign's
# corpora), and always fuzz/corpus/<target> and fuzz/regressions/<target>.
# Needs nightly with llvm-tools (rustup component add llvm-tools --toolchain
# nightly) and cargo-fuzz. Builds in fuzz/target (coverage profile); writes
# fuzz/coverage/. Not run by CI: it takes minutes per target.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
tools=$(rustc +nightly --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin
[ -x "$tools/llvm-cov" ] || {
    echo "coverage.sh: llvm-tools missing (rustup component add llvm-tools --toolchain nightly)" >&2
    exit 1
}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)

bin_dir=target/x86_64-unknown-linux-gnu/coverage/x86_64-unknown-linux-gnu/release
objects=()
profiles=()
# Our sources only: the engine, the C layer and rdiff, not tests, fuzzing
# glue or dependencies.
ignore='(/\.cargo/|/rustc/|/fuzz/|/crates/fuzzing|/crates/scenarios|/tests?/)'

# Lines covered and total per file of ours, from `llvm-cov export`'s
# summary ($1: JSON) as "path covered total" lines (paths from the root).
per_file() {
    python3 -c '
import json, sys
root = sys.argv[2] + "/"
for f in json.load(open(sys.argv[1]))["data"][0]["files"]:
    name = f["filename"]
    if name.startswith(root):
        lines = f["summary"]["lines"]
        print(name[len(root):], lines["covered"], lines["count"])
' "$1" "$root"
}

# Prints "covered/total (percent)" of the lines of the files under $2 in $1
# (per_file's output).
sum_lines() {
    awk -v pre="$2" 'index($1, pre) == 1 { c += $2; t += $3 }
        END { if (t) printf "%d/%d (%.1f %%)", c, t, 100 * c / t; else printf "-" }' "$1"
}

mkdir -p coverage
printf '%-14s %-24s %-24s %-24s\n' target "engine lines" "C layer lines" "rdiff parser lines"
for t in "${targets[@]}"; do
    dirs=()
    [ -n "${CORPORA:-}" ] && [ -d "$CORPORA/$t" ] && dirs+=("$CORPORA/$t")
    dirs+=("corpus/$t")
    [ -d "regressions/$t" ] && dirs+=("regressions/$t")
    cargo +nightly fuzz coverage "$t" "${dirs[@]}" >"coverage/$t.log" 2>&1 || {
        echo "coverage.sh: cargo fuzz coverage $t failed; see fuzz/coverage/$t.log" >&2
        exit 1
    }
    "$tools/llvm-cov" export -summary-only "$bin_dir/$t" \
        -instr-profile="coverage/$t/coverage.profdata" \
        -ignore-filename-regex="$ignore" >"coverage/$t.json"
    per_file "coverage/$t.json" >"coverage/$t.txt"
    printf '%-14s %-24s %-24s %-24s\n' "$t" \
        "$(sum_lines "coverage/$t.txt" crates/librsync-rs/src/)" \
        "$(sum_lines "coverage/$t.txt" src/)" \
        "$(sum_lines "coverage/$t.txt" crates/rdiff/src/)"
    objects+=(-object "$bin_dir/$t")
    profiles+=("coverage/$t/coverage.profdata")
done

# The union over the targets, per module.
"$tools/llvm-profdata" merge -sparse "${profiles[@]}" -o coverage/all.profdata
"$tools/llvm-cov" export -summary-only "${objects[@]}" -instr-profile=coverage/all.profdata \
    -ignore-filename-regex="$ignore" >coverage/all.json
per_file coverage/all.json >coverage/all.txt
echo
echo "all targets, per module (lines covered/total):"
awk '{ printf "  %-52s %6d/%-6d %5.1f %%\n", $1, $2, $3, 100 * $2 / ($3 ? $3 : 1) }' coverage/all.txt
printf '  %-52s %s\n' "engine (crates/librsync-rs/src)" \
    "$(sum_lines coverage/all.txt crates/librsync-rs/src/)"
printf '  %-52s %s\n' "C layer (src)" "$(sum_lines coverage/all.txt src/)"
printf '  %-52s %s\n' "rdiff parser (crates/rdiff/src)" "$(sum_lines coverage/all.txt crates/rdiff/src/)"
