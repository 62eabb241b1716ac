#!/usr/bin/env bash
# Debian's unchanged /usr/bin/rdiff on our library built with AddressSanitizer
# (called by tests/asan/run.sh, which builds it and passes its path in
# ASAN_SO). Each scenario runs twice, in working directories of its own:
#
#   subject:   /usr/bin/rdiff with LD_LIBRARY_PATH=<dir with librsync.so.2 ->
#              our ASan .so> and LD_PRELOAD=gcc's libasan (rdiff itself is
#              not instrumented, so the ASan runtime must come first);
#   reference: plain /usr/bin/rdiff on Debian's librsync.so.2.
#
# Exit codes, standard output, standard error (the figures of `speed[...]`
# from -s masked) and the files left in the working directory must be
# identical, and the subject's standard error must hold no
# AddressSanitizer/LeakSanitizer report (detect_leaks=1).
#
# Two things are not ours and are allowed for:
# - ld.so warns "Symbol `rs_inbuflen' has different size in shared object"
#   (also rs_outbuflen, rs_librsync_version): rdiff has copy relocations for
#   these data symbols, sized as in Debian's library (4, 4 and 15 bytes),
#   and ASan pads every global of our build with a redzone (0x20 bytes in
#   the symbol table). Those three warnings are removed from the subject's
#   standard error; the plain build has the C sizes, and no warning.
# - Debian's rdiff leaks popt's context when it exits on a usage error,
#   --help or --version: lsan-rdiff.supp (leak:libpopt.so.0) applies to
#   every run of the subject. Our library never calls popt.
# - Debian's rdiff leaks the signature set when rs_loadsig_file fails
#   (rdiff.c returns without rs_free_sumset; docs/bad-inputs.md M6): the
#   scenarios where that happens are marked `-L` and run the subject with
#   lsan-rdiff-sumset.supp (adds leak:rs_loadsig_file), and the same run of
#   Debian's rdiff on its own library with libasan preloaded must report a
#   leak too, or the script fails.
#
# Inputs are generated here at run time.
#
# Usage: ASAN_SO=target/asan/x86_64-unknown-linux-gnu/debug/librsync.so \
#            bash tests/asan/rdiff.sh
set -euo pipefail
rdiff=${RDIFF_REFERENCE:-/usr/bin/rdiff}
: "${ASAN_SO:?set ASAN_SO to the ASan build of librsync.so}"
if ! "$rdiff" --version 2>/dev/null | grep -q "librsync 2.3.2"; then
    echo "ASan: Debian's rdiff (librsync 2.3.2) not found at $rdiff:" \
         "rdiff scenarios SKIPPED (apt-get install rdiff)" >&2
    [ -z "${CI:-}" ] || exit 1
    exit 0
fi
libasan=$(cc -print-file-name=libasan.so)
[ -e "$libasan" ] || { echo "ASan: no libasan.so from cc" >&2; exit 1; }
work=$(mktemp -d)
keep=0
trap '[ "$keep" = 1 ] && echo "ASan: work files kept in $work" >&2 || rm -rf "$work"' EXIT
mkdir "$work/lib" "$work/in"
ln -s "$ASAN_SO" "$work/lib/librsync.so.2"
in="$work/in"
subject_asan=detect_leaks=1:abort_on_error=0:halt_on_error=1:allocator_may_return_null=0

# The subject must load our library, not Debian's (ld.so's ldd mode).
if ! LD_LIBRARY_PATH="$work/lib" LD_PRELOAD="$libasan" LD_TRACE_LOADED_OBJECTS=1 "$rdiff" |
    grep -q "librsync.so.2 => $work/lib/librsync.so.2"; then
    echo "ASan: $rdiff does not load $work/lib/librsync.so.2" >&2
    exit 1
fi

# ---- Inputs -------------------------------------------------------------
export LC_ALL=C
# A text basis (about 330 KB), an edited copy, a small one, random bytes.
awk 'BEGIN { srand(1); for (i = 0; i < 12000; i++) {
        printf "%d", i; for (j = 0; j < 4; j++) printf " w%d", int(rand() * 5000)
        printf "\n" } }' >"$in/old"
awk 'NR % 997 == 0 { print "changed line " NR; next }
     NR % 1500 == 0 { next }
     NR % 2000 == 0 { print "inserted before " NR }
     { print }' "$in/old" >"$in/new"
head -c 5000 "$in/old" >"$in/small"
sed -e '7s/^/edit /' -e '90d' -e '150s/$/ and more/' "$in/small" >"$in/small_new"
head -c 1000 "$in/old" >"$in/basis1000"
awk 'BEGIN { srand(7); for (i = 0; i < 200000; i++) printf "%c", int(rand() * 256) }' >"$in/random"
# About 3.3 MB, for threaded signatures (256 KiB pieces).
for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$in/old"; done >"$in/big"
: >"$in/empty"
# Signatures and deltas made by the reference, fed to both sides.
ref() { env -u LD_PRELOAD -u LD_LIBRARY_PATH "$rdiff" -f "$@"; }
ref signature "$in/old" "$in/sig_b2"
ref -H md4 -R rollsum signature "$in/old" "$in/sig_md4"
ref -b 7 signature "$in/old" "$in/sig_b7"
ref -b 1 -S 8 signature "$in/small" "$in/sig_b1"
ref signature "$in/empty" "$in/sig_empty"
ref delta "$in/sig_b2" "$in/new" "$in/d_b2"
ref delta "$in/sig_md4" "$in/new" "$in/d_md4"
ref delta "$in/sig_b1" "$in/small_new" "$in/d_b1"
ref delta "$in/sig_empty" "$in/new" "$in/d_slack"
ref delta "$in/sig_b2" "$in/empty" "$in/d_empty"
ref delta "$in/sig_b2" "$in/random" "$in/d_random"
# Bad inputs (rows of docs/bad-inputs.md).
head -c 5 "$in/sig_b2" >"$in/sig_cut5"                 # S2: header cut short
head -c 100 "$in/sig_b2" >"$in/sig_cut100"             # S14: a block cut short
printf '\xde\xad\xbe\xef\x00\x00\x08\x00\x00\x00\x00\x20' >"$in/sig_badmagic"   # S3
# S8: block length 0x7fffffff in the header, header only and with one block.
printf '\x72\x73\x01\x37\x7f\xff\xff\xff\x00\x00\x00\x20' >"$in/sig_huge0"
{ cat "$in/sig_huge0"; head -c 36 /dev/zero; } >"$in/sig_huge1"
printf '\x72\x73\x01\x37\x80\x00\x00\x00\x00\x00\x00\x20' >"$in/sig_neg"       # S7
printf '\x72\x73\x01\x37\x00\x00\x08\x00\x00\x00\x00\x21' >"$in/sig_strong33"  # S10
{ printf 'XXXX'; tail -c +5 "$in/d_b2"; } >"$in/d_badmagic"                   # P3-like
head -c 50 "$in/d_b2" >"$in/d_cut"                                          # P7/P8
printf '\x72\x73\x02\x36\x49\x13\x88\x0a\x00' >"$in/d_copy_past"             # P15
printf '\x72\x73\x02\x36\x4a\x03\xde\x00\x64\x00' >"$in/d_copy_across"       # P17
printf '\x72\x73\x02\x36\x45\x00\x00\x00' >"$in/d_copy0"                     # P13
printf '\x72\x73\x02\x36\x55\x00' >"$in/d_bogus"                             # P20

# ---- Running both sides -------------------------------------------------
n=0
same=0
failures=()
leaky=0
here=$(cd "$(dirname "$0")" && pwd)
# The figures of -s's speed[...] masked, and (subject only) ld.so's
# warnings about the sizes of copy-relocated symbols (see above).
mask() {
    sed -E -e ':a; s/(speed\[[^]]*)[0-9]+(\.[0-9]+)?/\1#/; ta' \
        -e "/: Symbol \`(rs_inbuflen|rs_outbuflen|rs_librsync_version)' has different size in shared object, consider re-linking\$/d" \
        "$1"
}
# scen [-i FILE (stdin from a file) | -p FILE (stdin through a pipe)]
#      [-e VAR=VALUE]... [-L (Debian's rdiff leaks the sumset)] [--] ARGS...
scen() {
    local stdin=/dev/null pipe=0 envs=() side rc leak=0
    local lsan=print_suppressions=0:suppressions=$here/lsan-rdiff.supp
    while :; do
        case $1 in
            -L) leak=1; lsan=print_suppressions=0:suppressions=$here/lsan-rdiff-sumset.supp; shift ;;
            -i) stdin=$2; shift 2 ;;
            -p) stdin=$2; pipe=1; shift 2 ;;
            -e) envs+=("$2"); shift 2 ;;
            --) shift; break ;;
            *) break ;;
        esac
    done
    n=$((n + 1))
    for side in ref asan; do
        rm -rf "${work:?}/$side"
        mkdir "$work/$side"
        local pre=(env -u LD_PRELOAD -u LD_LIBRARY_PATH)
        if [ $side = asan ]; then
            pre=(env LD_LIBRARY_PATH="$work/lib" LD_PRELOAD="$libasan" ASAN_OPTIONS="$subject_asan" LSAN_OPTIONS="$lsan")
        fi
        rc=0
        if [ $pipe = 1 ]; then
            (cd "$work/$side" && cat "$stdin" | timeout 120 "${pre[@]}" "${envs[@]}" "$rdiff" "$@" \
                >"$work/$side.out" 2>"$work/$side.err") || rc=$?
        else
            (cd "$work/$side" && timeout 120 "${pre[@]}" "${envs[@]}" "$rdiff" "$@" \
                <"$stdin" >"$work/$side.out" 2>"$work/$side.err") || rc=$?
        fi
        echo "$rc" >"$work/$side.rc"
        mask "$work/$side.err" >"$work/$side.errm"
    done
    local what="rdiff $* ${envs[*]}"
    [ "$stdin" = /dev/null ] || what="$what <${stdin#"$work/"}"
    if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error" "$work/asan.err"; then
        echo "ASan: report from $what:" >&2
        cat "$work/asan.err" >&2
        keep=1
        exit 1
    fi
    local diffs=()
    if [ $leak = 1 ]; then
        # The leak must be Debian's rdiff's: its own library leaks too.
        leaky=$((leaky + 1))
        rm -rf "${work:?}/refleak"
        mkdir "$work/refleak"
        (cd "$work/refleak" && LD_PRELOAD="$libasan" ASAN_OPTIONS=detect_leaks=1 \
            timeout 120 env -u LD_LIBRARY_PATH "${envs[@]}" "$rdiff" "$@" \
            <"$stdin" >/dev/null 2>"$work/refleak.err") || true
        grep -q "ERROR: LeakSanitizer" "$work/refleak.err" ||
            diffs+=("marked -L but Debian's rdiff on its library does not leak")
    fi
    cmp -s "$work/ref.rc" "$work/asan.rc" ||
        diffs+=("exit $(cat "$work/asan.rc") vs $(cat "$work/ref.rc")")
    [ "$(cat "$work/ref.rc")" != 124 ] || diffs+=("timed out")
    cmp -s "$work/ref.out" "$work/asan.out" || diffs+=("stdout differs")
    cmp -s "$work/ref.errm" "$work/asan.errm" ||
        diffs+=("stderr $(head -c 300 "$work/asan.errm" | tr '\n' '|') vs $(head -c 300 "$work/ref.errm" | tr '\n' '|')")
    diff -r "$work/ref" "$work/asan" >/dev/null 2>&1 || diffs+=("files differ")
    if [ ${#diffs[@]} = 0 ]; then
        same=$((same + 1))
    else
        failures+=("$what: ${diffs[*]}")
    fi
}

# solo CODE [-e VAR=VALUE]... ARGS...: the subject alone, where Debian's
# library aborts (a documented deviation, DEVIATIONS.md): exit CODE and no
# sanitizer report.
solo() {
    local want=$1 rc=0 envs=()
    shift
    while [ "$1" = -e ]; do envs+=("$2"); shift 2; done
    n=$((n + 1))
    rm -rf "${work:?}/asan"
    mkdir "$work/asan"
    (cd "$work/asan" && LD_LIBRARY_PATH="$work/lib" LD_PRELOAD="$libasan" \
        ASAN_OPTIONS="$subject_asan" LSAN_OPTIONS="print_suppressions=0:suppressions=$here/lsan-rdiff.supp" \
        timeout 120 env "${envs[@]}" "$rdiff" "$@" </dev/null >"$work/asan.out" 2>"$work/asan.err") || rc=$?
    if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error" "$work/asan.err"; then
        echo "ASan: report from rdiff $*:" >&2
        cat "$work/asan.err" >&2
        keep=1
        exit 1
    fi
    if [ "$rc" = "$want" ]; then
        same=$((same + 1))
    else
        failures+=("rdiff $* ${envs[*]} (subject only): exit $rc, expected $want")
    fi
}

# ---- Scenarios ----------------------------------------------------------
started=$SECONDS
# Signatures: each hash with each rollsum, default, -b 1, -b 7 and -S 8.
for h in md4 blake2; do
    for r in rollsum rabinkarp; do
        scen -H $h -R $r signature ../in/old sig
        scen -H $h -R $r -b 1 signature ../in/small sig
        scen -H $h -R $r -b 7 signature ../in/old sig
        scen -H $h -R $r -S 8 signature ../in/old
    done
done
scen signature ../in/old
scen -S -1 signature ../in/old sig
scen -b 0x10000 -S 0 signature ../in/old sig
scen signature ../in/random sig
scen signature ../in/empty sig
scen -i "$in/old" signature
scen -p "$in/old" signature - sig
scen -I 1 -O 1 signature ../in/small sig
scen -I 7 -O 3 -b 16 signature ../in/old sig
scen -I 1000000 -O 1000000 signature ../in/old sig
scen -s signature ../in/old sig
scen -v -b 512 signature ../in/small sig
# Threaded signatures (our library only; Debian's ignores the variable).
scen -e LIBRSYNC_RS_THREADS=2 signature ../in/big sig
scen -e LIBRSYNC_RS_THREADS=2 -H md4 -R rollsum -b 700 signature ../in/big
scen -e LIBRSYNC_RS_THREADS=2 -b 1 -S -1 signature ../in/small sig
scen -e LIBRSYNC_RS_THREADS=2 -s signature ../in/big sig
scen -e LIBRSYNC_RS_THREADS=2 -p "$in/big" -H md4 signature
scen -e LIBRSYNC_RS_THREADS=2 -b 0x100000 signature ../in/old sig
scen -e LIBRSYNC_RS_THREADS=2 signature ../in/empty sig
# Deltas: edited, identical, unrelated, empty, small and large buffers.
scen delta ../in/sig_b2 ../in/new delta
scen delta ../in/sig_md4 ../in/new
scen delta ../in/sig_b7 ../in/new delta
scen delta ../in/sig_b1 ../in/small_new delta
scen delta ../in/sig_b2 ../in/old delta
scen delta ../in/sig_b2 ../in/random delta
scen delta ../in/sig_empty ../in/new delta
scen delta ../in/sig_b2 ../in/empty delta
scen delta ../in/sig_empty ../in/empty delta
scen -I 1 -O 1 delta ../in/sig_b1 ../in/small_new delta
scen -I 7 -O 3 delta ../in/sig_b2 ../in/new delta
scen -I 1000000 -O 1000000 delta ../in/sig_md4 ../in/new delta
scen -i "$in/new" delta ../in/sig_b2
scen -p "$in/sig_b2" delta - ../in/new delta
scen -s delta ../in/sig_b2 ../in/new delta
scen -s delta ../in/sig_empty ../in/new delta
# Patches.
scen patch ../in/old ../in/d_b2 new
scen patch ../in/old ../in/d_md4
scen patch ../in/small ../in/d_b1 new
scen patch ../in/old ../in/d_random new
scen patch ../in/empty ../in/d_slack new
scen patch ../in/old ../in/d_empty new
scen -I 1 -O 1 patch ../in/small ../in/d_b1 new
scen -I 7 -O 3 patch ../in/old ../in/d_b2 new
scen -I 1000000 -O 1000000 patch ../in/old ../in/d_b2 new
scen -i "$in/d_b2" patch ../in/old
scen -p "$in/d_md4" patch ../in/old - new
scen -s patch ../in/old ../in/d_b2 new
# Bad inputs.
scen -L delta ../in/sig_cut5 ../in/new delta
scen -L delta ../in/sig_cut100 ../in/new delta
scen -L delta ../in/sig_badmagic ../in/new delta
scen delta ../in/sig_huge0 ../in/small delta
scen delta ../in/sig_huge1 ../in/small delta
scen -L delta ../in/sig_neg ../in/small delta
scen -L delta ../in/sig_strong33 ../in/small delta
scen -L delta ../in/d_b2 ../in/new delta
scen -L delta ../in/empty ../in/new delta
scen -L -s delta ../in/sig_cut100 ../in/new delta
scen patch ../in/old ../in/d_badmagic new
scen patch ../in/old ../in/sig_b2 new
scen patch ../in/old ../in/d_cut new
scen patch ../in/basis1000 ../in/d_copy_past new
scen patch ../in/basis1000 ../in/d_copy_across new
scen patch ../in/basis1000 ../in/d_copy0 new
scen patch ../in/basis1000 ../in/d_bogus new
scen patch ../in/small ../in/d_b2 new
scen patch ../in/empty ../in/d_b2 new
scen patch ../in/old ../in/empty new
scen -s patch ../in/basis1000 ../in/d_copy_past new
scen -b 0x80000000 signature ../in/small sig
scen -S 33 signature ../in/small sig
scen -H md4 -S 17 signature ../in/small sig
scen -H sha1 signature ../in/small sig
scen signature ../in/missing sig
scen patch ../in/old ../in/d_b2 ../in/old
scen --version
scen --help
# M5: a negative block length makes C's buffer size negative and Debian's
# library aborts (exit 134); ours fails with RS_MEM_ERROR.
solo 102 -b -5 signature ../in/small sig
solo 102 -e LIBRSYNC_RS_THREADS=2 -b -5 signature ../in/small sig

echo "ASan: Debian's rdiff on our ASan library: identical/total = $same/$n" \
     "($leaky with Debian's rdiff's own sumset leak suppressed; $((SECONDS - started)) s)"
if [ ${#failures[@]} != 0 ]; then
    printf 'ASan: differs from Debian: %s\n' "${failures[@]}" >&2
    keep=1
    exit 1
fi
