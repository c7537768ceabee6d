#!/usr/bin/env bash
# Issuance throughput against openssl's ECDSA P-256 signing rate, measured in the same run, on a
# shared machine: wall time (the target of scripts/bench-evidence.sh) and CPU time side by side.
#
#   scripts/bench-issuance.sh [RECORDS] [RUNS]     (defaults: 10000 records, 3 runs)
#   BASELINE_LETHE=/path/to/other/lethe scripts/bench-issuance.sh   (also runs that binary, alternately)
#
# `openssl speed` divides by CPU user time unless given -elapsed, so its figure does not drop when
# other work shares the cores, while a wall-clock issuance rate does. Both openssl figures are
# printed, and for issuance both records per wall second and records per CPU second (user + sys
# of the lethe process, all threads). Every run issues RECORDS records from a fresh copy of the
# same data directory: `certificate issue --all-verified` (canonicalise, sign, log, store, one
# transaction, one checkpoint). Output goes to bench-out/issuance (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/verified-jobs.sh
source scripts/lib/verified-jobs.sh
RECORDS=${1:-10000}
RUNS=${2:-3}
OUT=${BENCH_OUT:-$PWD/bench-out/issuance}
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg)"
swift build -c release --product lethe >/dev/null
LETHE="$(swift build -c release --show-bin-path)/lethe"
cp "$LETHE" "$OUT/lethe"
BINARIES=("$OUT/lethe")
if [ -n "${BASELINE_LETHE:-}" ]; then cp "$BASELINE_LETHE" "$OUT/lethe-baseline"; BINARIES+=("$OUT/lethe-baseline"); fi

CPU_SIGNS=$(openssl speed -seconds 3 ecdsap256 2>/dev/null | awk '/ecdsa \(nistp256\)/ {print $(NF-1)}')
WALL_SIGNS=$(openssl speed -elapsed -seconds 3 ecdsap256 2>/dev/null | awk '/ecdsa \(nistp256\)/ {print $(NF-1)}')
echo "openssl ECDSA P-256: $CPU_SIGNS signs per CPU second (default), $WALL_SIGNS signs per wall second (-elapsed)"

export LETHE_DATA_DIR="$OUT/base" LETHE_ORGANIZATION="Bench Disposal Co"
write_verified_jobs "$LETHE" "$RECORDS"

for run in $(seq "$RUNS"); do
    for binary in "${BINARIES[@]}"; do
        rm -rf "$OUT/run"
        cp -a "$OUT/base" "$OUT/run"
        sync  # the copy's writeback is not charged to the run
        LETHE_DATA_DIR="$OUT/run" /usr/bin/time -o "$OUT/time" -f "%e %U %S" \
            "$binary" certificate issue --all-verified --actor bench >/dev/null
        read -r wall user sys <"$OUT/time"
        python3 - "$binary" "$RECORDS" "$wall" "$user" "$sys" "$CPU_SIGNS" "$WALL_SIGNS" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import os, sys
binary, records, wall, user, sys_, cpu_signs, wall_signs, load = sys.argv[1:]
records, wall, cpu = int(records), float(wall), float(user) + float(sys_)
print(f"{os.path.basename(binary)}: {records} records in {wall:.2f} s wall, {cpu:.2f} s CPU: "
      f"{records / wall:.0f} records/s = {records / wall / float(cpu_signs):.2f}x openssl's signs per CPU second "
      f"({records / wall / float(wall_signs):.2f}x per wall second); "
      f"{records / cpu:.0f} records per CPU second = {records / cpu / float(cpu_signs):.2f}x; load {load}")
PY
    done
done
LETHE_DATA_DIR="$OUT/run" "$OUT/lethe" log verify >/dev/null && echo "the last run's log verifies"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
