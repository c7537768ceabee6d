# Shared by the issuance benchmarks (sourced, not run): an installation holding RECORDS verified
# disposal jobs, as `lethe certificate issue --all-verified` finds them after real work.
#
#   write_verified_jobs LETHE RECORDS    (uses $LETHE_DATA_DIR; needs sqlite3)
#
# `lethe init` creates and migrates the data directory and its log key; sqlite3 writes the assets, the
# verified jobs and their job.verified events in one transaction (what the application would have
# written one job at a time); Lethe then completes the events' log hashes and signs a checkpoint.
write_verified_jobs() {
    local LETHE=$1 RECORDS=$2
    "$LETHE" init >/dev/null
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
}
