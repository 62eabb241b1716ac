#!/usr/bin/env bash
# Speed of the C ABI, ours against Debian's librsync 2.3.2, in-process over
# memory buffers: benches/capi_speed.c is built twice from the same source,
# once against Debian's /usr/include/librsync.h and -lrsync, once against
# our include/librsync.h and target/release/librsync.so (SONAME
# librsync.so.2, found through an rpath on a directory holding a
# librsync.so.2 link to it; ldd must confirm which library each binary
# loads). The two are never linked into one process.
#
# The program drives rs_sig_begin, rs_loadsig_begin + rs_build_hash_table,
# rs_delta_begin and rs_patch_begin (a copy callback reading the basis from
# memory) through rs_job_iter, with the input in 256 KiB pieces and one
# reused output buffer, and times CPU time (CLOCK_PROCESS_CPUTIME_ID) of
# the library calls only: no file I/O, no page faults of fresh output
# buffers. Block length 2048 throughout. Cases:
#   signature, rollsum + MD4 (RS_MD4_SIG_MAGIC, strong length 8) and
#     RabinKarp + BLAKE2 (RS_RK_BLAKE2_SIG_MAGIC, 32), of the base;
#   loadsig + rs_build_hash_table of the MD4 signature (SIZE_MIB*512
#     blocks: 65,536 at 128 MiB), in ms;
#   delta of the identical, the edited and an unrelated new file against
#     each signature (already loaded, untimed), and of Django 5.1.4's sdist
#     .tar against the signatures of 5.1.3's;
#   patch of the edited file's (BLAKE2) delta, MB/s of output;
#   per-job overhead on a 1 KiB file (RabinKarp + BLAKE2): signature,
#     loadsig + hash table + delta, patch; REPS jobs in a loop, us per job.
# MB/s are 10^6 bytes (of input; of output for patch) per CPU second.
#
# Inputs are made here in a temporary directory, deleted at exit (nothing
# is committed): a random base of SIZE_MIB MiB; an edited copy with 1000
# edits (inserts, deletes, overwrites of 3 to 300 bytes, one in each
# thousandth of the file); an identical copy; an unrelated random file
# (all from fixed seeds, the same every run); and Django 5.1.3 and 5.1.4
# fetched with `pip download --no-deps --no-binary :all:` and gunzipped
# (if that fails, the script says so and skips the Django rows).
#
# Before timing anything, both builds run every case once and their outputs
# (64-bit FNV-1a and length of each) must agree; the program itself stops
# if a patch does not give back the edited file. Then ROUNDS rounds run
# the two builds alternately (Debian's first in odd rounds, ours first in
# even ones), outputs checked again. The table shows medians over the
# rounds: C and ours as MB/s (or ms, or us per job), and the ratio
# ours/C of speeds (above 1 = ours faster). Timings are reported, never
# asserted.
#
#   bash benches/capi_speed.sh                    # 128 MiB, 5 rounds
#   SIZE_MIB=32 ROUNDS=3 bash benches/capi_speed.sh
#
# Environment: SIZE_MIB (default 128), ROUNDS (5), REPS (jobs per per-job
# row, 20000), DJANGO=0 to skip the download, CC (cc). Needs bash, cc,
# cargo, ldd, Debian's librsync-dev 2.3.2 (apt-get install librsync-dev)
# and, for the Django rows, pip and gunzip. Exits non-zero if a
# prerequisite is missing or the two libraries disagree.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MIB=${SIZE_MIB:-128}
ROUNDS=${ROUNDS:-5}
REPS=${REPS:-20000}
DJANGO=${DJANGO:-1}
CC=${CC:-cc}

fail() {
    echo "capi_speed: $*" >&2
    exit 1
}

for var in SIZE_MIB ROUNDS REPS; do
    [[ ${!var} =~ ^[1-9][0-9]*$ ]] || fail "$var must be a positive integer (got '${!var}')"
done

# ------------------------------------------------------------ prerequisites
command -v "$CC" >/dev/null 2>&1 || fail "no C compiler '$CC' (apt-get install gcc, or set CC)"
command -v cargo >/dev/null 2>&1 || fail "cargo not found"
command -v ldd >/dev/null 2>&1 || fail "ldd not found"
[ -f /usr/include/librsync.h ] ||
    fail "Debian's librsync header /usr/include/librsync.h is missing (apt-get install librsync-dev)"
debian_so=$("$CC" -print-file-name=librsync.so)
[ -e "$debian_so" ] ||
    fail "Debian's librsync.so is not found by $CC (apt-get install librsync-dev)"
if command -v dpkg-query >/dev/null 2>&1; then
    debian_version=$(dpkg-query -W -f '${Version}' librsync-dev 2>/dev/null || true)
    [[ $debian_version == 2.3.2* ]] ||
        echo "capi_speed: warning: librsync-dev is '${debian_version:-not a Debian package}', not 2.3.2" >&2
fi

echo "Building our library (cargo build --release --lib) ..."
cargo build --release --lib --quiet
lib="${CARGO_TARGET_DIR:-$PWD/target}/release/librsync.so"
[ -f "$lib" ] || fail "$lib was not built"
lib=$(realpath "$lib")

work=$(mktemp -d "${TMPDIR:-/tmp}/capi_speed.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/lib" "$work/data"
ln -s "$lib" "$work/lib/librsync.so.2"
ln -s "$lib" "$work/lib/librsync.so"

# ------------------------------------------------------------------- builds
cflags=(-std=gnu11 -O2 -Wall -Wextra)
debian_bin="$work/capi_speed.debian"
ours_bin="$work/capi_speed.ours"
"$CC" "${cflags[@]}" -o "$debian_bin" benches/capi_speed.c -lrsync ||
    fail "building against Debian's librsync failed"
"$CC" "${cflags[@]}" -I include -o "$ours_bin" benches/capi_speed.c \
    -L "$work/lib" -lrsync -Wl,-rpath,"$work/lib" ||
    fail "building against our librsync failed"

# loaded BINARY: the librsync.so.2 that BINARY loads, as ldd resolves it.
loaded() {
    env -u LD_LIBRARY_PATH ldd "$1" | awk '$1 == "librsync.so.2" { print $3 }'
}
debian_loaded=$(loaded "$debian_bin")
ours_loaded=$(loaded "$ours_bin")
[ "$ours_loaded" = "$work/lib/librsync.so.2" ] ||
    fail "the build against ours loads '${ours_loaded:-nothing}', not $work/lib/librsync.so.2"
[ -n "$debian_loaded" ] && [ -e "$debian_loaded" ] ||
    fail "the build against Debian's loads '${debian_loaded:-nothing}'"
[ "$(realpath "$debian_loaded")" != "$lib" ] ||
    fail "the build against Debian's loads our library ($debian_loaded)"
echo "Debian's build loads $debian_loaded -> $(realpath "$debian_loaded")"
echo "our build loads      $ours_loaded -> $lib"

# ------------------------------------------------------------------- inputs
data="$work/data"
echo "Generating ${SIZE_MIB} MiB inputs in $data ..."
"$debian_bin" generate "$data" "$SIZE_MIB"

# fetch_django VERSION: DIR/django-VERSION.tar from its sdist on PyPI.
fetch_django() {
    local version=$1 dir="$work/django-$1" gz
    mkdir -p "$dir"
    if ! pip download --no-deps --no-binary :all: "django==$version" -d "$dir" \
        >"$dir/log" 2>&1; then
        tail -n 5 "$dir/log" >&2
        return 1
    fi
    gz=$(find "$dir" -maxdepth 1 -iname "django-$version.tar.gz" | head -n 1)
    [ -n "$gz" ] || return 1
    gunzip -c "$gz" >"$data/django-$version.tar" || return 1
}
django_rows=0
if [ "$DJANGO" = 0 ]; then
    echo "DJANGO=0: skipping the Django rows"
elif ! command -v pip >/dev/null 2>&1 || ! command -v gunzip >/dev/null 2>&1; then
    echo "capi_speed: pip or gunzip not found: skipping the Django rows" >&2
else
    echo "Fetching Django 5.1.3 and 5.1.4 sdists (pip download) ..."
    if fetch_django 5.1.3 && fetch_django 5.1.4; then
        django_rows=1
        ls -l "$data"/django-*.tar | awk '{ print "  " $NF ": " $5 " bytes" }'
    else
        rm -f "$data"/django-*.tar
        echo "capi_speed: could not download Django 5.1.3/5.1.4: skipping the Django rows" >&2
    fi
fi

# --------------------------------------------------------------------- runs
# run SIDE ROUND: one run of every case; its output in $work/out.SIDE.ROUND
run() {
    local bin=$debian_bin
    [ "$1" = ours ] && bin=$ours_bin
    env -u LD_LIBRARY_PATH "$bin" run "$data" "$REPS" >"$work/out.$1.$2" ||
        fail "the build against $1 failed (round $2); see above"
}

# outputs FILE: what must agree between the builds (all but the times).
outputs() {
    awk '$1 == "case" { print $2, $3, $4, $6, $7 }' "$1"
}

echo "Checking that both libraries give the same outputs ..."
run debian 0
run ours 0
if ! diff <(outputs "$work/out.debian.0") <(outputs "$work/out.ours.0") >"$work/diff"; then
    cat "$work/diff" >&2
    fail "OUTPUTS DIFFER between Debian's librsync and ours (case unit amount fnv length above)"
fi
mapfile -t cases < <(awk '$1 == "case" { print $2 }' "$work/out.debian.0")
expected=$((13 + 2 * django_rows))
[ "${#cases[@]}" -eq "$expected" ] ||
    fail "expected $expected cases, the program ran ${#cases[@]}"

declare -A times_of unit_of amount_of
for line in $(awk '$1 == "case" { print $2 "," $3 "," $4 }' "$work/out.debian.0"); do
    IFS=, read -r name unit amount <<<"$line"
    unit_of[$name]=$unit
    amount_of[$name]=$amount
done

for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then order="debian ours"; else order="ours debian"; fi
    echo "Round $round/$ROUNDS ($order) ..."
    for side in $order; do
        run "$side" "$round"
        if ! diff <(outputs "$work/out.debian.0") <(outputs "$work/out.$side.$round") >"$work/diff"; then
            cat "$work/diff" >&2
            fail "round $round: the outputs of $side's build changed"
        fi
        while read -r _ name _ _ seconds _; do
            times_of[$name.$side]="${times_of[$name.$side]:-} $seconds"
        done < <(awk '$1 == "case"' "$work/out.$side.$round")
    done
done

# ------------------------------------------------------------------- report
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.9f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A label=(
    [signature-md4-s8]="signature rollsum+MD4 S=8"
    [signature-blake2-s32]="signature RabinKarp+BLAKE2 S=32"
    [loadsig-md4-s8]="loadsig+hash table, $((SIZE_MIB * 512)) blocks MD4 S=8"
    [delta-identical-md4]="delta identical, MD4 sig"
    [delta-edited-md4]="delta edited, MD4 sig"
    [delta-unrelated-md4]="delta unrelated, MD4 sig"
    [delta-identical-blake2]="delta identical, BLAKE2 sig"
    [delta-edited-blake2]="delta edited, BLAKE2 sig"
    [delta-unrelated-blake2]="delta unrelated, BLAKE2 sig"
    [delta-django-md4]="delta Django 5.1.3->5.1.4 tar, MD4"
    [delta-django-blake2]="delta Django 5.1.3->5.1.4 tar, BLAKE2"
    [patch-edited]="patch edited (output)"
    [per-job-signature]="per job 1 KiB: signature"
    [per-job-loadsig-delta]="per job 1 KiB: loadsig+delta"
    [per-job-patch]="per job 1 KiB: patch"
)

echo
echo "C ABI in-process, Debian's librsync 2.3.2 (C) vs ours, ${SIZE_MIB} MiB inputs, block 2048,"
echo "median of $ROUNDS alternating rounds, CPU time of the library calls; ratio = ours/C speed (>1: ours faster)"
printf '%-40s %-7s %10s %10s %7s\n' case unit C ours ratio
for name in "${cases[@]}"; do
    c=$(echo "${times_of[$name.debian]}" | median)
    o=$(echo "${times_of[$name.ours]}" | median)
    awk -v l="${label[$name]:-$name}" -v u="${unit_of[$name]}" -v a="${amount_of[$name]}" \
        -v c="$c" -v o="$o" 'BEGIN {
        if (u == "MB/s") { cv = a / 1e6 / c; ov = a / 1e6 / o; f = "%10.1f %10.1f" }
        else if (u == "ms") { cv = c * 1e3; ov = o * 1e3; f = "%10.2f %10.2f" }
        else { cv = c / a * 1e6; ov = o / a * 1e6; f = "%10.3f %10.3f" }
        printf "%-40s %-7s " f " %7.2f\n", l, u, cv, ov, (o > 0 ? c / o : 0) }'
done
echo
echo "all rounds, CPU seconds (C | ours):"
for name in "${cases[@]}"; do
    printf '  %-24s%s |%s\n' "$name" "${times_of[$name.debian]}" "${times_of[$name.ours]}"
done
