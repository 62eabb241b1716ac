#!/usr/bin/env bash
# A long fuzzing campaign in the background, spread fairly over the
# targets: each runner (one per core) repeatedly fuzzes, for one slice,
# the target that has had the least CPU time so far (the differential
# target's time counts half, so it gets twice as much), and records the
# slice in a ledger.
#
#   fuzz/campaign.sh start    build the targets (AddressSanitizer, debug
#                             assertions) and start the runners
#   fuzz/campaign.sh stop     stop them; the slices they are in are recorded
#   fuzz/campaign.sh report   CPU time, executions, coverage and findings
#                             per target
#
# Environment: CAMPAIGN (its directory; default fuzz/campaign, which git
# ignores), JOBS (runners; default: the number of cores), SLICE (seconds
# per slice; default 900), NICE (default 10), TARGETS (default: all),
# GOAL (CPU seconds per target, the differential target's counting half:
# with it, a slice is no longer than its target's shortfall plus a minute,
# a target that has its GOAL is no longer fuzzed, and the runners end when
# every target has it; default: no goal, the runners go on until stopped).
#
# Each slice runs `<target> CAMPAIGN/corpus/<target> fuzz/corpus/<target>`
# with -timeout=2 -rss_limit_mb=2048 (new inputs go to the campaign's
# corpus; minimise before committing any: see README.md). Findings go to
# CAMPAIGN/artifacts/<target>/. The timeout is wall time: a runner starved
# of CPU (or stopped with SIGSTOP) can leave a false timeout, so replay
# every artifact before believing it. The runners are niced per scheduler
# autogroup, the only nice that counts against interactive work on Linux.
#
# The ledger (CAMPAIGN/ledger.tsv) has one line per slice: target, user
# and system CPU seconds, executions, coverage (edges) at the end, exit
# status (0: the slice ran out; 72: stopped; anything else: a finding or a
# crash of the fuzzer) and start time.
set -euo pipefail
fuzz=$(cd "$(dirname "$0")" && pwd)
dir=${CAMPAIGN:-$fuzz/campaign}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bin=$dir/target/x86_64-unknown-linux-gnu/release
ledger=$dir/ledger.tsv

targets() {
    if [ -n "${TARGETS:-}" ]; then
        echo "$TARGETS" | tr ' ' '\n'
    else
        ls "$fuzz/fuzz_targets" | sed 's/\.rs$//'
    fi
}

# CPU seconds the ledger gives target $1, divided by its weight.
weighted_cpu() {
    [ -f "$ledger" ] || { echo 0; return; }
    awk -F'\t' -v t="$1" -v w="$(weight "$1")" '$1 == t { s += $2 + $3 }
        END { printf "%d\n", s / w }' "$ledger"
}

# The weight of target $1: its CPU time counts 1/weight towards GOAL.
weight() {
    if [ "$1" = differential ]; then echo 2; else echo 1; fi
}

# Whether target $1 has had GOAL weighted CPU seconds (never without GOAL).
reached() {
    [ -n "${GOAL:-}" ] && [ "$(weighted_cpu "$1")" -ge "$GOAL" ]
}

# The least-fuzzed target that no runner has claimed and that is short of
# GOAL, claimed (mkdir is atomic); nothing if there is none.
claim() {
    local t
    for t in $(for x in $(targets); do echo "$(weighted_cpu "$x") $x"; done | sort -n | awk '{print $2}'); do
        reached "$t" && continue
        if mkdir "$dir/running/$t" 2>/dev/null; then
            echo "$t"
            return
        fi
    done
}

# One runner: slices until CAMPAIGN/STOP exists.
run() {
    # Nice this session's autogroup (setsid gave the runner its own).
    echo "${NICE:-10}" >/proc/self/autogroup 2>/dev/null || true
    mkdir -p "$dir/running" "$dir/logs"
    while [ ! -e "$dir/STOP" ]; do
        t=$(claim)
        if [ -z "$t" ]; then
            all=yes
            for x in $(targets); do reached "$x" || all=no; done
            [ "$all" = yes ] && break
            sleep 5
            continue
        fi
        slice=${SLICE:-900}
        if [ -n "${GOAL:-}" ]; then
            left=$(((GOAL - $(weighted_cpu "$t")) * $(weight "$t") + 60))
            [ "$left" -lt "$slice" ] && slice=$left
        fi
        mkdir -p "$dir/corpus/$t" "$dir/artifacts/$t"
        start=$(date +%s)
        log=$dir/logs/$t-$start
        rc=0
        nice -n "${NICE:-10}" /usr/bin/time -o "$log.time" -f "%U %S" \
            "$bin/$t" "$dir/corpus/$t" "$fuzz/corpus/$t" -max_total_time="$slice" \
            -timeout=2 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$dir/artifacts/$t/" >"$log.log" 2>&1 || rc=$?
        rmdir "$dir/running/$t" 2>/dev/null || true
        execs=$(grep -m1 'stat::number_of_executed_units' "$log.log" | awk '{print $2}')
        cov=$(grep -E '^#[0-9]+' "$log.log" | tail -1 | grep -o 'cov: [0-9]*' | awk '{print $2}')
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$(tail -1 "$log.time" | tr ' ' '\t')" \
            "${execs:-0}" "${cov:-?}" "$rc" "$start" >>"$ledger"
    done
}

case "${1:-}" in
start)
    (cd "$fuzz" && cargo +nightly fuzz build -O -a --target-dir "$dir/target")
    rm -f "$dir/STOP"
    rm -rf "$dir/running"
    for i in $(seq "${JOBS:-$(nproc)}"); do
        setsid nohup "$0" run >"$dir/runner-$i.out" 2>&1 &
        sleep 1
    done
    echo "campaign: ${JOBS:-$(nproc)} runners in $dir; '$0 report' for the ledger"
    ;;
run)
    run
    ;;
stop)
    touch "$dir/STOP"
    # libFuzzer ends on SIGINT with its final statistics (exit 72); each
    # runner records its slice and sees STOP.
    pkill -INT -f "^$bin/" || true
    while pgrep -f "$0 run" >/dev/null; do sleep 1; done
    echo "campaign: stopped"
    ;;
report)
    [ -f "$ledger" ] || { echo "campaign: no ledger in $dir"; exit 0; }
    printf '%-14s %6s %10s %12s %9s %6s %s\n' target slices "CPU s" execs "execs/s" edges findings
    for t in $(targets); do
        found=$(find "$dir/artifacts/$t" -type f 2>/dev/null | wc -l)
        awk -F'\t' -v t="$t" -v found="$found" '$1 == t {
            n++; cpu += $2 + $3; ex += $4; if ($5 != "?") cov = $5
            if ($6 != 0 && $6 != 72) odd++
        } END {
            printf "%-14s %6d %10.0f %12d %9.0f %6s %d artifacts, %d odd exits\n",
                t, n, cpu, ex, cpu ? ex / cpu : 0, cov, found, odd
        }' "$ledger"
    done
    awk -F'\t' '{ cpu += $2 + $3 } END { printf "total: %.1f CPU-hours\n", cpu / 3600 }' "$ledger"
    ;;
*)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 2
    ;;
esac
