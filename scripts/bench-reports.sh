#!/usr/bin/env bash
# Benchmark of the yearly disposal report, against reading the same events with sqlite3 in the
# same run.
#
#   scripts/bench-reports.sh [ASSETS]      (default 1000000 assets, ten events each: 10,000,000)
#   LETHE=/path/to/lethe scripts/bench-reports.sh …   (time that binary instead of building one)
#
# 1. sqlite3 writes ASSETS disposed assets and their ten events each (registered, retired,
#    job scheduled, awaiting sanitization, executed, sanitized, verified, asset verified, disposal
#    record issued, disposed), spread over 2026; `lethe log checkpoint` completes the log's subtree
#    hashes. (Until 2026-12-06 the ten had `job.started` where they now have `record.issued`, so
#    the rows had no certificate: the figures before then are for that data.)
# 2. Baseline: `sqlite3 lethe.sqlite 'SELECT body FROM event'` reads every event's bytes.
# 3. The first yearly report, `lethe report disposal --from 2026-01-01 --to 2026-12-31` as JSON:
#    it folds every entry of the log, and keeps its ledger as the cache
#    (report-ledger.cache in the data directory).
# 4. A day's more work: ASSETS / 365 more assets, ten events each, dated 2026-12-30 (sqlite3,
#    then `lethe log checkpoint`, timed: the first command to open the store writes the day's
#    subtree hashes, from the last entry that has them).
# 5. The yearly report again, as JSON and as PDF: each folds the day's entries onto the
#    cache. Every report is timed with /usr/bin/time for its wall time and peak RSS.
#    Targets: < 15 s and < 300 MB each.
# Output goes to bench-out/reports (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ASSETS=${1:-1000000}
EVENTS=$((ASSETS * 10))
DAY=$((ASSETS / 365 > 0 ? ASSETS / 365 : 1))
OUT=${BENCH_OUT:-$PWD/bench-out/reports}
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -z "${LETHE:-}" ]; then
    echo "== build (release)"
    swift build -c release --product lethe >/dev/null
    LETHE="$(swift build -c release --show-bin-path)/lethe"
fi
export LETHE_DATA_DIR="$OUT/data" LETHE_ORGANIZATION="Bench Disposal Co"
"$LETHE" init >/dev/null
DB="$LETHE_DATA_DIR/lethe.sqlite"

# append FIRST COUNT DAY: assets FIRST … FIRST+COUNT-1 (tags A0000001 …) and their ten events each,
# after the log's last entry: asset i's events are the next ten sequence numbers; its day is DAY,
# an SQL expression of i. Bodies are canonical JSON (keys sorted), as Lethe writes them.
append() {
    local first=$1 count=$2 day=$3
    sqlite3 "$DB" <<SQL
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TEMP TABLE base AS SELECT coalesce(max(seq), 0) AS s FROM event;
WITH RECURSIVE n(i) AS (SELECT $first UNION ALL SELECT i + 1 FROM n WHERE i < $first + $count - 1)
INSERT INTO asset (tag, serial, make, model, media_type, classification, encryption, state, destination,
    registered_at, updated_at)
  SELECT printf('A%07d', i), printf('SN%07d', i), 'Seagate', 'ST1000', 'hdd', 'moderate', 'none', 'disposed',
    'recycling', $day || 'T08:00:00Z', $day || 'T08:00:00Z' FROM n;
CREATE TEMP TABLE kind (k INTEGER PRIMARY KEY, type TEXT, payload TEXT);
INSERT INTO kind VALUES
  (1, 'asset.registered', '{"asset":{"classification":"moderate","encryption":"none","make":"Seagate","media_type":"hdd","model":"ST1000","serial":"SN%07d","state":"in-service","tag":"A%07d"}}'),
  (2, 'asset.state-changed', '{"from":"in-service","to":"retired"}'),
  (3, 'job.scheduled', '{"job":{"asset":"A%07d","created_at":"%sT09:00:00Z","due_at":"%sT09:00:00Z","id":%d,"method":"purge","policy_version":"0000000000000000000000000000000000000000000000000000000000000000","requested_by":"bench","second_person":false,"separation_of_duties":true,"state":"scheduled","techniques":["crypto-erase"],"updated_at":"%sT09:00:00Z","verification":{"mode":"attest"}},"rule":"bench"}'),
  (4, 'asset.state-changed', '{"from":"retired","job":%d,"to":"awaiting-sanitization"}'),
  (5, 'job.executed', '{"evidence":[],"job":%d,"method":"purge","technique":"crypto-erase","tool":"nvme-cli","tool_version":"2.4"}'),
  (6, 'asset.state-changed', '{"from":"awaiting-sanitization","job":%d,"to":"sanitized"}'),
  (7, 'job.verified', '{"details":null,"evidence":[],"executed_by":"tech","job":%d,"method":"attest","passed":true,"summary":"attested","verifier":"attest"}'),
  (8, 'asset.state-changed', '{"from":"sanitized","job":%d,"to":"verified"}'),
  (9, 'record.issued', '{"job":%d,"kind":"disposal","record_sha256":"0d5a0b1e6ba4c1a3f1d9b2f4e0c8a7d6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0","serial":"BDC-2026-%06d","signature_sha256":"e0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c0b1a2f3e4d5c6b7a8f9e0d1"}'),
  (10, 'asset.state-changed', '{"destination":"recycling","from":"verified","to":"disposed"}');
WITH RECURSIVE n(i) AS (SELECT $first UNION ALL SELECT i + 1 FROM n WHERE i < $first + $count - 1),
  e AS (SELECT i, k, type, payload, $day AS day, (SELECT s FROM base) + (i - $first) * 10 + k AS seq FROM n, kind)
INSERT INTO event (seq, recorded_at, actor, type, asset_tag, body)
  SELECT seq, day || 'T09:00:00Z', 'bench', type, printf('A%07d', i),
    CAST('{"actor":"bench","asset":"' || printf('A%07d', i) || '","payload":' ||
      CASE k WHEN 1 THEN printf(payload, i, i) WHEN 3 THEN printf(payload, i, day, day, i, day) WHEN 9 THEN printf(payload, i, i)
             WHEN 2 THEN payload WHEN 10 THEN payload ELSE printf(payload, i) END ||
      ',"seq":' || seq || ',"time":"' || day || 'T09:00:00Z","type":"' || type || '","v":1}' AS BLOB)
  FROM e ORDER BY i, k;
COMMIT;
SQL
}

measure() {   # measure NAME COMMAND…: wall seconds and peak RSS (MB) of one run
    local name=$1
    shift
    /usr/bin/time -f "%e %M" -o "$OUT/$name.time" "$@" >/dev/null
    read -r seconds kilobytes < "$OUT/$name.time"
    echo "$name: $seconds s, peak RSS $((kilobytes / 1024)) MB"
}
yearly() {   # yearly NAME FORMAT: the yearly disposal report, timed
    measure "$1" "$LETHE" report disposal --from 2026-01-01 --to 2026-12-31 --format "$2" --out "$OUT/$1.$2" \
        --actor bench
}

echo "== $ASSETS assets and $EVENTS events (sqlite3)"
# Asset i's day of 2026 is i mod 360 (+ 1), so every month has work.
append 1 "$ASSETS" "date('2026-01-01', '+' || (i % 360) || ' days')"
echo "== subtree hashes (lethe log checkpoint)"
"$LETHE" log checkpoint >/dev/null
sync

echo "== baseline: sqlite3 reads every event"
measure sqlite3-read sqlite3 "$DB" 'SELECT body FROM event'
echo "== the first yearly report: every entry folded, the ledger kept as the cache"
yearly report-json-first json
ls -l "$LETHE_DATA_DIR/report-ledger.cache" 2>/dev/null ||
    echo "(no cache: a log under 100,000 entries is folded anew by every report)"
echo "== a day more: $DAY assets, $((DAY * 10)) events (sqlite3), then lethe log checkpoint"
append $((ASSETS + 1)) "$DAY" "'2026-12-30'"
# The day's entries have no subtree hashes yet: the first command writes them.
measure log-checkpoint "$LETHE" log checkpoint
sync
echo "== the yearly report again: the day folded onto the cache"
yearly report-json json
yearly report-pdf pdf
ls -l "$OUT/report-json.json" "$OUT/report-pdf.pdf"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
