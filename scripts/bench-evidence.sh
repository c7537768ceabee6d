#!/usr/bin/env bash
# Benchmark of the evidence machinery, each figure against a baseline measured in the same run.
#
#   scripts/bench-evidence.sh [RECORDS] [ENTRIES]     (defaults: 10000 records, 1000000 log entries)
#
# 1. openssl speed -seconds 3 ecdsap256: the baseline signing rate.
# 2. Issuance: RECORDS verified jobs are written with sqlite3, then `lethe certificate issue
#    --all-verified` issues their records (canonicalise, sign CMS, log, store) in one transaction.
#    Target: records/s ≥ 0.25 × openssl's ECDSA P-256 signs/s.
# 3. A log of ENTRIES events written with sqlite3 (about 200-byte canonical bodies); `lethe log
#    checkpoint` completes its subtree hashes on open. Then `lethe log prove --time-proofs 2000`
#    (target: a proof under 1 ms) and `lethe log verify` against `sha256sum` over the same entry
#    bytes exported with sqlite3 (target: within 2×), best of RUNS=5 alternating runs each.
# Output goes to bench-out/evidence (git-ignored). BENCH_SKIP_ISSUANCE=1 skips steps 1 and 2 (for
# iterating on the log part only).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/verified-jobs.sh
source scripts/lib/verified-jobs.sh
RECORDS=${1:-10000}
ENTRIES=${2:-1000000}
OUT=${BENCH_OUT:-$PWD/bench-out/evidence}
rm -rf "$OUT"
mkdir -p "$OUT"

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }

echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== build (release)"
swift build -c release --product lethe >/dev/null
LETHE="$(swift build -c release --show-bin-path)/lethe"

if [ "${BENCH_SKIP_ISSUANCE:-0}" != 1 ]; then
echo "== openssl speed -seconds 3 ecdsap256"
SIGNS=$(openssl speed -seconds 3 ecdsap256 2>/dev/null | awk '/ecdsa \(nistp256\)/ {print $(NF-1)}')
echo "openssl ECDSA P-256: $SIGNS signs/s"

echo "== issuance of $RECORDS records"
export LETHE_DATA_DIR="$OUT/issue" LETHE_ORGANIZATION="Bench Disposal Co"
write_verified_jobs "$LETHE" "$RECORDS"
sync   # the jobs sqlite3 just wrote are on disk before the timed run
t0=$(now); "$LETHE" certificate issue --all-verified --actor bench >/dev/null; t1=$(now)
ISSUE=$(elapsed "$t0" "$t1")
RATE=$(python3 -c "print(f'{$RECORDS / $ISSUE:.0f}')")
echo "issued $RECORDS records in $ISSUE s: $RATE records/s = $(ratio "$RATE" "$SIGNS") × openssl's signing rate (target ≥ 0.25)"
"$LETHE" log verify
fi

echo "== a log of $ENTRIES entries"
export LETHE_DATA_DIR="$OUT/log" LETHE_ORGANIZATION="Bench Disposal Co"
"$LETHE" init >/dev/null
sqlite3 "$LETHE_DATA_DIR/lethe.sqlite" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ENTRIES)
INSERT INTO event (seq, recorded_at, actor, type, asset_tag, body)
  SELECT i, '2026-11-22T09:00:00Z', 'bench', 'asset.state-changed', printf('A%08d', i),
    CAST(printf('{"actor":"bench","asset":"A%08d","payload":{"from":"in-service","reason":"end of life","to":"retired","with_parent":false},"seq":%d,"time":"2026-11-22T09:00:00Z","type":"asset.state-changed","v":1}', i, i) AS BLOB)
  FROM n;
COMMIT;
SQL
t0=$(now); "$LETHE" log checkpoint >/dev/null; t1=$(now)
echo "first open of the $ENTRIES-entry log (subtree hashes completed) and checkpoint: $(elapsed "$t0" "$t1") s"
"$LETHE" log prove --time-proofs 2000
sqlite3 "$LETHE_DATA_DIR/lethe.sqlite" "SELECT body FROM event ORDER BY seq" > "$OUT/entries.txt"
echo "entry bytes: $(stat -c %s "$OUT/entries.txt") (with one newline per entry)"
# The machine is shared: sha256sum and log verify alternate RUNS times (default 5) and the best
# time of each is compared, with the load average next to each run.
best() { python3 -c "import sys; print(min(sys.argv[1:], key=float))" "$@"; }
SHAS=() VERIFYS=()
for run in $(seq "${RUNS:-5}"); do
  t0=$(now); sha256sum "$OUT/entries.txt" >/dev/null; t1=$(now)
  SHAS+=("$(elapsed "$t0" "$t1")")
  t0=$(now); "$LETHE" log verify >"$OUT/verify.txt"; t1=$(now)
  VERIFYS+=("$(elapsed "$t0" "$t1")")
  echo "run $run: sha256sum ${SHAS[-1]} s, log verify ${VERIFYS[-1]} s (load $(cut -d' ' -f1 /proc/loadavg))"
done
cat "$OUT/verify.txt"
SHA=$(best "${SHAS[@]}")
VERIFY=$(best "${VERIFYS[@]}")
echo "log verify: $VERIFY s; sha256sum over the same bytes: $SHA s (best of ${RUNS:-5} each); ratio $(ratio "$VERIFY" "$SHA") (target ≤ 2)"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
