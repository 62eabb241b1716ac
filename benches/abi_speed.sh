#!/usr/bin/env bash
# Speed floor of the C ABI drop-in: Debian's unchanged /usr/bin/rdiff on
# Debian's librsync.so.2 versus on ours (LD_LIBRARY_PATH), on a 128 MiB file.
#
# Measures CPU time (user + sys) of: signature (BLAKE2, the default, and
# MD4); delta of an edited, an identical and an unrelated new file against
# the BLAKE2 signature, and of the edited file against the MD4 one; patch. The two libraries alternate
# within every round; the median over the rounds is reported, with the
# ratio ours/Debian (below 1.00 means ours is faster).
#
#   benches/abi_speed.sh            # 128 MiB, 5 rounds
#   SIZE_MIB=32 ROUNDS=3 benches/abi_speed.sh
#
# Installs nothing: needs bash, coreutils and Debian's rdiff.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MIB=${SIZE_MIB:-128}
ROUNDS=${ROUNDS:-5}
RDIFF=${RDIFF:-/usr/bin/rdiff}

version=$("$RDIFF" --version 2>/dev/null || true)
if [[ $version != *"librsync 2.3.2"* ]]; then
    echo "abi_speed: Debian's rdiff (librsync 2.3.2) not found at $RDIFF; install rdiff" >&2
    exit 1
fi

cargo build --release --lib --quiet
lib="$PWD/target/release/librsync.so"
[ -f "$lib" ] || { echo "abi_speed: $lib was not built" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/abi_speed.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/lib"
ln -s "$lib" "$work/lib/librsync.so.2"
loaded=$(LD_LIBRARY_PATH="$work/lib" ldd "$RDIFF")
if [[ $loaded != *"librsync.so.2 => $work/lib/librsync.so.2"* ]]; then
    echo "abi_speed: rdiff does not load our library with LD_LIBRARY_PATH" >&2
    exit 1
fi

# Inputs: random old file; an edited copy (inserts, deletes, overwrites);
# the identical file; an unrelated random file of the same size.
mib=$((1024 * 1024))
size=$((SIZE_MIB * mib))
echo "Generating ${SIZE_MIB} MiB inputs in $work ..."
head -c "$size" /dev/urandom >"$work/old"
head -c "$size" /dev/urandom >"$work/unrelated"
{
    head -c $((size / 8)) "$work/old"
    head -c 5000 /dev/urandom # insert
    dd if="$work/old" bs=1M iflag=skip_bytes,count_bytes status=none \
        skip=$((size / 8)) count=$((size / 4))
    dd if="$work/old" bs=1M iflag=skip_bytes status=none \
        skip=$((size / 8 + size / 4 + 70000)) # delete 70000 bytes
} >"$work/edited"
for at in 3 40 77 100 111; do # overwrite a few 1 KiB pieces
    dd if=/dev/urandom of="$work/edited" bs=1024 count=1 \
        seek=$((at * size / 128 / 1024)) conv=notrunc status=none
done

# The signature and delta the timed delta/patch runs read (same bytes from
# both libraries; checked below).
"$RDIFF" signature "$work/old" "$work/old.sig"
"$RDIFF" -H md4 signature "$work/old" "$work/old.md4.sig"
"$RDIFF" delta "$work/old.sig" "$work/edited" "$work/edited.delta"

# cpu_seconds SIDE ARGS... : CPU seconds (user+sys) of one rdiff run.
cpu_seconds() {
    local side=$1
    shift
    local envs=(env -u LD_LIBRARY_PATH)
    [ "$side" = ours ] && envs=(env LD_LIBRARY_PATH="$work/lib")
    if [ -x /usr/bin/time ]; then
        "${envs[@]}" /usr/bin/time -f '%U %S' -o "$work/time" "$RDIFF" -f "$@" >/dev/null
        awk '{ printf "%.2f", $1 + $2 }' "$work/time"
    else
        # bash `times` in a subshell: the second line is its children.
        (
            "${envs[@]}" "$RDIFF" -f "$@" >/dev/null
            times
        ) | awk 'NR == 2 {
            split($1, u, /[ms]/); split($2, s, /[ms]/)
            printf "%.2f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }'
    fi
}

ops=(signature signature-md4 delta-edited delta-identical delta-unrelated
    delta-edited-md4 patch)
args_of() {
    case $1 in
    signature) echo "signature $work/old $work/out.$2" ;;
    signature-md4) echo "-H md4 signature $work/old $work/out.$2" ;;
    delta-edited-md4) echo "delta $work/old.md4.sig $work/edited $work/out.$2" ;;
    delta-edited) echo "delta $work/old.sig $work/edited $work/out.$2" ;;
    delta-identical) echo "delta $work/old.sig $work/old $work/out.$2" ;;
    delta-unrelated) echo "delta $work/old.sig $work/unrelated $work/out.$2" ;;
    patch) echo "patch $work/old $work/edited.delta $work/out.$2" ;;
    esac
}

declare -A times_of
for round in $(seq 1 "$ROUNDS"); do
    echo "Round $round/$ROUNDS ..."
    for op in "${ops[@]}"; do
        # Alternate which library goes first.
        if [ $((round % 2)) -eq 1 ]; then order="debian ours"; else order="ours debian"; fi
        for side in $order; do
            # shellcheck disable=SC2046
            t=$(cpu_seconds "$side" $(args_of "$op" "$side"))
            times_of[$op.$side]="${times_of[$op.$side]:-} $t"
        done
        if ! cmp -s "$work/out.debian" "$work/out.ours"; then
            echo "abi_speed: $op: outputs of the two libraries differ" >&2
            exit 1
        fi
    done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo
echo "rdiff CPU seconds (user+sys), ${SIZE_MIB} MiB, median of $ROUNDS alternating rounds"
printf '%-17s %10s %10s %8s\n' operation debian ours ratio
for op in "${ops[@]}"; do
    d=$(echo "${times_of[$op.debian]}" | median)
    o=$(echo "${times_of[$op.ours]}" | median)
    ratio=$(awk -v o="$o" -v d="$d" 'BEGIN { if (d > 0) printf "%.2f", o / d; else print "n/a" }')
    printf '%-17s %10s %10s %8s\n' "$op" "$d" "$o" "$ratio"
done
echo
echo "all runs (debian | ours):"
for op in "${ops[@]}"; do
    printf '  %-17s%s |%s\n' "$op" "${times_of[$op.debian]}" "${times_of[$op.ours]}"
done
