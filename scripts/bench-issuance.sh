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
"$LETHE" log key >/dev/null
sqlite3 "$LETHE_DATA_DIR/lethe.sqlite" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $RECORDS)
INSERT INTO asset (tag, serial, make, model, media_type, classification, encryption, state, registered_at, updated_at)
  SELECT printf('B%07d', i), printf('SN%09d', i), 'Acme', 'M1', 'ssd', 'high', 'none', 'verified',
    '2026-11-22T09:00:00Z', '2026-11-22T09:00:00Z' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $RECORDS)
INSERT INTO job (id, asset_tag, state, method, techniques, verification_mode, second_person, separation_of_duties,
    due_at, policy_version, requested_by, executed_by, executed_at, technique, tool, tool_version, verified_by,
    verified_at, created_at, updated_at)
  SELECT i, printf('B%07d', i), 'verified', 'destroy', 'shred', 'attest', 0, 1, '2026-12-22T09:00:00Z',
    '$(printf 'a%.0s' {1..64})', 'planner', 'tech', '2026-11-22T10:00:00Z', 'shred', 'ShredCo', '2.1', 'inspector',
    '2026-11-22T11:00:00Z', '2026-11-22T09:00:00Z', '2026-11-22T11:00:00Z' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $RECORDS)
INSERT INTO event (seq, recorded_at, actor, type, asset_tag, body)
  SELECT i, '2026-11-22T11:00:00Z', 'inspector', 'job.verified', printf('B%07d', i),
    CAST(printf('{"actor":"inspector","asset":"B%07d","payload":{"job":%d,"method":"attest","passed":true,"summary":"attested","verifier":"attest"},"seq":%d,"time":"2026-11-22T11:00:00Z","type":"job.verified","v":1}', i, i, i) AS BLOB)
  FROM n;
COMMIT;
SQL
"$LETHE" log checkpoint >/dev/null

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
