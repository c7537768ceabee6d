#!/usr/bin/env bash
# Lethe's whole test run, as CI runs it (.ci/run installs what it needs, then runs this):
#   1. builds the package and its tests;
#   2. fuzzes every parser of outside input for FUZZ_SECONDS each (default 20; scripts/fuzz.sh);
#   3. kills Lethe's long commands at random moments, CRASH_TRIALS times (default 12, on
#      CRASH_ROWS-row imports, default 20,000; scripts/crash-trials.sh), and checks what is left;
#   4. runs the Swift Testing suite (`swift test`), which also replays the fuzz corpus.
# `swift test` alone runs step 4 only. Set FUZZ_SECONDS=0 or CRASH_TRIALS=0 to skip a step.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds=${FUZZ_SECONDS:-20}
crash_trials=${CRASH_TRIALS:-12}

swift build --build-tests
if ((fuzz_seconds > 0)); then
    scripts/fuzz.sh "$fuzz_seconds"
fi
if ((crash_trials > 0)); then
    ROWS=${CRASH_ROWS:-20000} LETHE_BIN=$PWD/.build/debug/lethe scripts/crash-trials.sh "$crash_trials"
fi
swift test --skip-build
