#!/usr/bin/env bash
# Fuzz every parser of outside input with libFuzzer (issue: hardening).
#
# Builds `lethe-fuzz` with -sanitize=fuzzer,address into .build-fuzz (a debug build: Swift's bounds
# and overflow checks trap, AddressSanitizer catches what unchecked pointers do), then runs each
# target for SECONDS, starting from the seed corpus in Tests/LetheFuzzingTests/Corpus/TARGET.
# New interesting inputs go to .build-fuzz/corpus/TARGET (not the repository); a crash leaves its
# input in .build-fuzz/crashes/ and makes the script exit 1. Fix the crash, then copy the input
# into Tests/LetheFuzzingTests/Corpus/TARGET/: `swift test` replays it from then on.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET…]   (default 30 s each, every target)
#   targets: json policy data-map nwipe csv csv-snipeit bundle sqlite-unused-space
set -euo pipefail
seconds=${1:-30}
shift || true
cd "$(dirname "$0")/.."
targets=("$@")
((${#targets[@]})) || targets=(json policy data-map nwipe csv csv-snipeit bundle sqlite-unused-space)

mkdir -p .build-fuzz
echo "building lethe-fuzz with libFuzzer and AddressSanitizer (.build-fuzz)…"
swift build --scratch-path .build-fuzz --product lethe-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld >.build-fuzz/build.log 2>&1 || {
    tail -40 .build-fuzz/build.log
    exit 1
}
fuzzer=$PWD/.build-fuzz/debug/lethe-fuzz
mkdir -p .build-fuzz/crashes

failed=()
printf '%-22s %10s %8s %10s  %s\n' target runs "exec/s" "corpus" result
for target in "${targets[@]}"; do
    seeds=Tests/LetheFuzzingTests/Corpus/$target
    [ -d "$seeds" ] || { echo "no seed corpus at $seeds" >&2; exit 64; }
    work=.build-fuzz/corpus/$target
    mkdir -p "$work"
    log=.build-fuzz/$target.log
    # Swift's runtime keeps metadata for the life of the process: leak reports would be noise; and
    # its backtracer would race AddressSanitizer for the crash report.
    if LETHE_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no "$fuzzer" "$work" "$seeds" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 -seed=1 \
        -artifact_prefix=".build-fuzz/crashes/$target-" >"$log" 2>&1; then
        result=ok
    else
        result="CRASH (see $log and .build-fuzz/crashes/)"
        failed+=("$target")
    fi
    runs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
    speed=$(grep -oE 'exec/s: [0-9]+' "$log" | tail -1 | awk '{print $2}')
    corpus=$(find "$work" -type f | wc -l)
    printf '%-22s %10s %8s %10s  %s\n' "$target" "${runs:-0}" "${speed:-0}" "$corpus" "$result"
done
if ((${#failed[@]})); then
    echo "fuzzing found crashes in: ${failed[*]}" >&2
    exit 1
fi
