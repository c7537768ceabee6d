#!/usr/bin/env bash
# Benchmark of `lethe schedule` against raw SQL on the same data, in the same run.
#
#   scripts/bench-schedule.sh [ASSETS]        (default 1000000 assets, 10% retired)
#
# 1. builds release; 2. generates a CSV with python3; 3. imports it with `lethe asset import`;
# 4. copies the database; 5. times the first `lethe schedule` and an idle re-run; 6. times, on the
# copy, sqlite3 running the equivalent INSERT…SELECT (jobs only, then the same work set-based: jobs, asset
# state updates and the same two events per job, job.scheduled and asset.state-changed)
# and the equivalent "what is missing" query. Targets: first run within 3× of the raw SQL, idle
# re-run within 2× of its query. Output goes to bench-out/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ASSETS=${1:-1000000}
OUT=${BENCH_OUT:-$PWD/bench-out/schedule}
rm -rf "$OUT"
mkdir -p "$OUT"
export LETHE_DATA_DIR="$OUT/data"
export LETHE_POLICIES="$PWD/policies"

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

echo "== build (release)"
swift build -c release --product lethe >/dev/null
LETHE="$(swift build -c release --show-bin-path)/lethe"

echo "== generate $ASSETS assets (10% retired)"
python3 - "$ASSETS" "$OUT/assets.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
types = ["laptop", "desktop", "server", "hdd", "ssd", "nvme", "usb-flash", "sd-card", "tape", "phone", "tablet",
         "optical", "other"]
levels = ["low", "moderate", "high"]
with open(path, "w") as f:
    f.write("asset_tag,serial,make,model,media_type,capacity,location,custodian,classification,encryption,state\n")
    for i in range(n):
        state = "retired" if i % 10 == 0 else "in-service"
        f.write(f"A{i:08d},SN{i:010d},Acme,M{i % 97},{types[i % len(types)]},512GB,DC-{i % 7},ops,"
                f"{levels[(i // 13) % 3]},none,{state}\n")
PY

echo "== import"
t0=$(now); "$LETHE" asset import "$OUT/assets.csv" --actor bench >/dev/null; t1=$(now)
IMPORT=$(elapsed "$t0" "$t1")
cp "$LETHE_DATA_DIR/lethe.sqlite" "$OUT/copy.sqlite"
sqlite3 "$OUT/copy.sqlite" "PRAGMA journal_mode" >/dev/null  # checkpoint the copy's WAL (none after cp)

echo "== lethe schedule (first run, then idle)"
t0=$(now); "$LETHE" schedule --actor bench >/dev/null; t1=$(now)
FIRST=$(elapsed "$t0" "$t1")
t0=$(now); "$LETHE" schedule --actor bench >/dev/null; t1=$(now)
IDLE=$(elapsed "$t0" "$t1")
JOBS=$(sqlite3 "$LETHE_DATA_DIR/lethe.sqlite" "SELECT count(*) FROM job")

MISSING="SELECT count(*) FROM asset a WHERE a.state IN ('retired', 'awaiting-sanitization')
  AND NOT EXISTS (SELECT 1 FROM job j WHERE j.asset_tag = a.tag AND j.state IN ('scheduled', 'in-progress', 'executed'));"
INSERT_JOBS="INSERT INTO job (asset_tag, state, method, techniques, verification_mode, sample_rate_percent,
    sample_minimum, second_person, separation_of_duties, due_at, policy_version, requested_by, created_at, updated_at)
  SELECT a.tag, 'scheduled', 'purge', 'crypto-erase', 'full', NULL, NULL, 0, 1, '2026-12-22T00:00:00Z',
    '$(printf 'a%.0s' {1..64})', 'bench', '2026-11-22T00:00:00Z', '2026-11-22T00:00:00Z'
  FROM asset a WHERE a.state IN ('retired', 'awaiting-sanitization')
    AND NOT EXISTS (SELECT 1 FROM job j WHERE j.asset_tag = a.tag AND j.state IN ('scheduled', 'in-progress', 'executed'));"
FULL_EXTRA="UPDATE asset SET state = 'awaiting-sanitization', updated_at = '2026-11-22T00:00:00Z' WHERE state = 'retired';
  INSERT INTO event (seq, recorded_at, actor, type, asset_tag, body)
  WITH n AS (SELECT j.*, (SELECT coalesce(max(seq), 0) FROM event) + 2 * row_number() OVER (ORDER BY j.id) - 1 AS s
             FROM job j)
  SELECT * FROM (
    SELECT s, '2026-11-22T00:00:00Z', 'bench', 'job.scheduled', asset_tag,
      CAST(json_object('job', json_object('id', id, 'asset', asset_tag, 'method', method,
        'techniques', techniques, 'due_at', due_at, 'policy_version', policy_version),
        'rule', 'default.yaml:1') AS BLOB) FROM n
    UNION ALL
    SELECT s + 1, '2026-11-22T00:00:00Z', 'bench', 'asset.state-changed', asset_tag,
      CAST(json_object('from', 'retired', 'to', 'awaiting-sanitization', 'job', id) AS BLOB) FROM n)
  ORDER BY 1;"

echo "== sqlite3 baselines on the copy"
cp "$OUT/copy.sqlite" "$OUT/copy2.sqlite"
t0=$(now); sqlite3 "$OUT/copy.sqlite" "BEGIN; $INSERT_JOBS COMMIT;"; t1=$(now)
SQL_INSERT=$(elapsed "$t0" "$t1")
t0=$(now); sqlite3 "$OUT/copy.sqlite" "$MISSING" >/dev/null; t1=$(now)
SQL_MISSING=$(elapsed "$t0" "$t1")
t0=$(now); sqlite3 "$OUT/copy2.sqlite" "BEGIN; $INSERT_JOBS $FULL_EXTRA COMMIT;"; t1=$(now)
SQL_FULL=$(elapsed "$t0" "$t1")

ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / max(float(sys.argv[2]), 0.001):.1f}')" "$1" "$2"; }
cat <<REPORT
assets:                          $ASSETS ($JOBS jobs created)
import:                          ${IMPORT}s
lethe schedule, first run:       ${FIRST}s
sqlite3 INSERT…SELECT (jobs):    ${SQL_INSERT}s   ratio $(ratio "$FIRST" "$SQL_INSERT")× (target ≤ 3×)
sqlite3 same work, set-based:    ${SQL_FULL}s   ratio $(ratio "$FIRST" "$SQL_FULL")× (jobs + asset states + the same events)
lethe schedule, idle re-run:     ${IDLE}s
sqlite3 "what is missing":       ${SQL_MISSING}s   ratio $(ratio "$IDLE" "$SQL_MISSING")× (target ≤ 2×)
machine: $(nproc) cores, $(date -u +%Y-%m-%d)
REPORT
