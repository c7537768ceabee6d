#!/usr/bin/env bash
# Crash trials (issue: hardening): kill -9 at a random moment during each long command, then check
# that what is left is consistent, and that the next run finishes the work.
#
#   import     lethe asset import of ROWS rows       → integrity, log verify; 0 or all rows, never some
#   sanitize   lethe sanitize of an image file       → --resume (or a new run) then every byte overwritten
#   issue      lethe certificate issue --all-verified on the first issuance (the issuer identity is
#              created then) → signing still works; every job issued exactly once
#   erasure    lethe erasure run on a 100,000-customer store → the subject's rows all there or all gone;
#              a rerun completes the request
#   shred      lethe backup shred of the last backup a request waits for → no request left open with
#              every part done, right after the kill
#   schedule   lethe schedule of ROWS/10 retired assets → a rerun plans each asset exactly once
# After every trial: PRAGMA integrity_check and `lethe log verify`.
#
# Kill moments are uniform over each command's measured duration (×1.1: some kills land after
# it ends), drawn from bash's RANDOM seeded with SEED, so a failing trial can be repeated.
#
# Usage: scripts/crash-trials.sh [TRIALS] [SCENARIO…]    (default 200 trials over all scenarios)
# Environment: LETHE_BIN (default .build/debug/lethe, built when missing), SEED (default 1),
#   ROWS (import size, default 200000), CRASH_DIR (work directory, default a fresh temporary one).
# Prints one line per trial and a summary; exits 1 if any trial failed. Needs sqlite3 and python3.
set -uo pipefail
trials=${1:-200}
shift || true
repo=$(cd "$(dirname "$0")/.." && pwd)
scenarios=("$@")
((${#scenarios[@]})) || scenarios=(import sanitize issue erasure shred schedule)
rows=${ROWS:-200000}
RANDOM=${SEED:-1}
lethe=${LETHE_BIN:-$repo/.build/debug/lethe}
[ -x "$lethe" ] || (cd "$repo" && swift build --product lethe >/dev/null) || exit 70
work=${CRASH_DIR:-$(mktemp -d /tmp/lethe-crash.XXXXXX)}
mkdir -p "$work"
[ -n "${CRASH_DIR:-}" ] || trap 'rm -rf "$work"' EXIT
export LETHE_ORGANIZATION="Crash Trials Ltd" LETHE_LOG_LEVEL=error
unset LETHE_DATA_DIR

failures=0
total=0
midway=0
fail() {
    echo "  FAIL: $*"
    failed_trial=1
}
now() { date +%s.%N; }
q() { sqlite3 "$1/data/lethe.sqlite" "$2"; }

# Checks every trial ends with: the database is sound and the evidence log verifies.
common_checks() {
    local dir=$1
    [ "$(q "$dir" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
    "$lethe" log verify --data-dir "$dir/data" >"$dir/log-verify.out" 2>&1 || fail "log verify: $(tail -1 "$dir/log-verify.out")"
}

# Runs "$@" in $dir (a fresh copy of the scenario's template), kills it after a random share of
# the scenario's duration, and waits for it.
kill_midway() {
    local dir=$1 duration=$2
    shift 2
    local permille=$((RANDOM % 1100))
    delay=$(echo "scale=3; $duration * $permille / 1000" | bc)
    (cd "$dir" && exec "$@" >"$dir/run.out" 2>&1 <"${STDIN:-/dev/null}") &
    local pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null && killed=yes || killed=no
    wait "$pid" 2>/dev/null
}

fresh_copy() {
    local template=$1 dir=$2
    rm -rf "$dir"
    cp -a "$template" "$dir"
}

# How long "$@" takes, run twice in a fresh copy of the current directory's template, where trials
# run (the first run warms the caches): the shorter time.
timed() {
    local start end best="" template=$PWD
    for _ in 1 2; do
        rm -rf "$work/trial" && cp -a "$template" "$work/trial"
        start=$(now)
        (cd "$work/trial" && "$@" >/dev/null 2>&1) || {
            echo "setup command failed: $*" >&2
            exit 70
        }
        end=$(now)
        x=$(echo "$end - $start" | bc)
        if [ -z "$best" ] || (($(echo "$x < $best" | bc))); then best=$x; fi
    done
    echo "$best"
}

# --- templates: one installation per scenario, copied before each trial -------------------------

setup_import() {
    local t=$work/template-import
    mkdir -p "$t"
    python3 - "$t/assets.csv" "$rows" <<'PY'
import random, sys
path, rows = sys.argv[1], int(sys.argv[2])
random.seed(3)
types = ['laptop', 'desktop', 'server', 'hdd', 'ssd', 'nvme', 'usb-flash', 'tape', 'phone']
with open(path, 'w') as f:
    f.write('asset_tag,serial,make,model,media_type,location,custodian,classification,encryption\n')
    for i in range(rows):
        f.write(f'A{i:07d},SN{random.randrange(10**9):09d},Dell,Latitude,{types[i % 9]},HQ,user{i % 100},moderate,software\n')
PY
    "$lethe" init --data-dir "$t/data" >/dev/null
    duration[import]=$(cd "$t" && timed "$lethe" asset import assets.csv --data-dir data)
}
trial_import() {
    local dir=$1
    kill_midway "$dir" "${duration[import]}" "$lethe" asset import assets.csv --data-dir data
    common_checks "$dir"
    local count imports
    count=$(q "$dir" 'SELECT count(*) FROM asset')
    imports=$(q "$dir" "SELECT count(*) FROM event WHERE type = 'import.completed'")
    if [ "$count" != 0 ] && [ "$count" != "$rows" ]; then fail "$count of $rows assets after the kill"; fi
    [ "$imports" = "$([ "$count" = 0 ] && echo 0 || echo 1)" ] || fail "$count assets but $imports import events"
}

setup_sanitize() {
    local t=$work/template-sanitize
    mkdir -p "$t"
    python3 -c "import sys; sys.stdout.buffer.write(b'\xaa' * (48 << 20))" >"$t/disk.img"
    "$lethe" asset register IMG-1 --type usb-flash --classification low --capacity 48MiB --data-dir "$t/data" >/dev/null &&
        "$lethe" asset retire IMG-1 --reason "crash trial" --data-dir "$t/data" >/dev/null &&
        "$lethe" schedule --policies "$repo/policies" --data-dir "$t/data" >/dev/null || exit 70
    duration[sanitize]=$(cd "$t" &&
        timed "$lethe" sanitize IMG-1 --target disk.img --pattern random --yes --progress none --max-rate 96 --data-dir data)
}
trial_sanitize() {
    local dir=$1 job
    kill_midway "$dir" "${duration[sanitize]}" \
        "$lethe" sanitize IMG-1 --target disk.img --pattern random --yes --progress none --max-rate 96 --data-dir data
    common_checks "$dir"
    job=$(q "$dir" "SELECT id FROM job WHERE asset_tag = 'IMG-1'")
    if [ "$(q "$dir" "SELECT count(*) FROM sanitize_run WHERE job_id = $job")" != 0 ] &&
        [ "$(q "$dir" "SELECT state FROM job WHERE id = $job")" != executed ]; then
        (cd "$dir" && "$lethe" sanitize --resume "$job" --yes --progress none --data-dir data >resume.out 2>&1) ||
            fail "resume: $(tail -1 "$dir/resume.out")"
    elif [ "$(q "$dir" "SELECT state FROM job WHERE id = $job")" != executed ]; then
        (cd "$dir" && "$lethe" sanitize IMG-1 --target disk.img --pattern random --yes --progress none --data-dir data \
            >rerun.out 2>&1) || fail "rerun: $(tail -1 "$dir/rerun.out")"
    fi
    [ "$(q "$dir" "SELECT state FROM job WHERE id = $job")" = executed ] || fail "job $job not executed"
    # Every byte overwritten: the read-back of the whole image against the recorded seed passes,
    # and no run of the old 0xAA bytes is left anywhere.
    "$lethe" verify --job "$job" --actor crash-verifier --policies "$repo/policies" --data-dir "$dir/data" \
        >"$dir/verify.out" 2>&1 ||
        fail "read-back: $(tail -1 "$dir/verify.out")"
    if python3 -c "import sys; sys.exit(0 if b'\xaa' * 64 in open(sys.argv[1], 'rb').read() else 1)" "$dir/disk.img"; then
        fail "64 bytes of the old content remain in the image"
    fi
}

setup_issue() {
    local t=$work/template-issue
    mkdir -p "$t"
    # shellcheck source=lib/verified-jobs.sh
    source "$repo/scripts/lib/verified-jobs.sh"
    LETHE_DATA_DIR=$t/data write_verified_jobs "$lethe" 3000
    duration[issue]=$(cd "$t" && timed "$lethe" certificate issue --all-verified --data-dir data)
}
trial_issue() {
    local dir=$1
    kill_midway "$dir" "${duration[issue]}" "$lethe" certificate issue --all-verified --data-dir data
    common_checks "$dir"
    "$lethe" keys show --data-dir "$dir/data" >"$dir/keys.out" 2>&1 ||
        [ ! -e "$dir/data/issuer.key" ] || fail "keys show after the kill: $(tail -1 "$dir/keys.out")"
    "$lethe" certificate issue --all-verified --data-dir "$dir/data" >"$dir/reissue.out" 2>&1 ||
        fail "issuing again: $(tail -1 "$dir/reissue.out")"
    [ "$(q "$dir" 'SELECT count(DISTINCT job_id) FROM signed_record')" = 3000 ] || fail "not every job issued"
    [ "$(q "$dir" 'SELECT count(*) FROM signed_record')" = 3000 ] || fail "a job issued twice"
}

# A CRM with 100,000 customers and their orders; the subject ada@example.com has a customer row and 3 orders.
write_crm() {
    sqlite3 "$1" <<'SQL'
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), item TEXT);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000)
INSERT INTO customers SELECT i, 'customer' || i || '@example.com', 'Customer ' || i FROM c;
INSERT INTO customers VALUES (100001, 'ada@example.com', 'Ada Lovelace');
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200000)
INSERT INTO orders SELECT i, 1 + i % 100000, 'item ' || i FROM c;
INSERT INTO orders VALUES (200001, 100001, 'notes'), (200002, 100001, 'engine'), (200003, 100001, 'tables');
SQL
}
write_map() {
    cat >"$1/stores.yaml" <<EOF
stores:
  - name: crm
    kind: sqlite
    owner: sales
    connection: $1/crm.sqlite
    categories: [user.contact.email, user.name]
    identity_normalization: lowercase-trim
    identity:
      table: customers
      column: email
      key: id
      erase: delete-row
    references:
      - table: orders
        column: customer_id
        erase: delete-row
EOF
}

# The erasure and shred templates are built where trials run ($work/trial), since the data map and
# the backup name absolute paths, then moved aside.
setup_erasure() {
    local t=$work/trial
    rm -rf "$t" && mkdir -p "$t"
    write_crm "$t/crm.sqlite"
    write_map "$t"
    echo ada@example.com >"$t/subject.txt"
    (cd "$t" && "$lethe" store apply stores.yaml --data-dir data >/dev/null &&
        "$lethe" store scan crm --data-dir data >/dev/null &&
        "$lethe" erasure request --subject-stdin --reason withdrawal --policies "$repo/policies" --data-dir data \
            <subject.txt >/dev/null) || exit 70
    mv "$t" "$work/template-erasure"
    duration[erasure]=$(cd "$work/template-erasure" && timed sh -c \
        "'$lethe' erasure run 1 --subject-stdin --data-dir data < subject.txt")
}
trial_erasure() {
    local dir=$1 rows_left
    STDIN=$dir/subject.txt kill_midway "$dir" "${duration[erasure]}" "$lethe" erasure run 1 --subject-stdin --data-dir data
    common_checks "$dir"
    [ "$(sqlite3 "$dir/crm.sqlite" 'PRAGMA integrity_check')" = ok ] || fail "the CRM's integrity_check"
    rows_left=$(sqlite3 "$dir/crm.sqlite" \
        "SELECT (SELECT count(*) FROM customers WHERE email = 'ada@example.com') + (SELECT count(*) FROM orders WHERE customer_id = 100001)")
    [ "$rows_left" = 0 ] || [ "$rows_left" = 4 ] || fail "$rows_left of the subject's 4 rows left: half erased"
    (cd "$dir" && "$lethe" erasure run 1 --subject-stdin --data-dir data <subject.txt >rerun.out 2>&1) ||
        grep -q "no pending" "$dir/rerun.out" || fail "rerun: $(tail -1 "$dir/rerun.out")"
    [ "$(q "$dir" 'SELECT state FROM erasure_request WHERE id = 1')" = completed ] || fail "request 1 still open"
}

setup_shred() {
    local t=$work/trial
    rm -rf "$t" && mkdir -p "$t/policies"
    sed 's/^backup_erasure:.*//' "$repo/policies/default.yaml" >"$t/policies/default.yaml"
    echo "backup_erasure: shred" >>"$t/policies/default.yaml"
    write_crm "$t/crm.sqlite"
    write_map "$t"
    echo ada@example.com >"$t/subject.txt"
    (cd "$t" && export LETHE_POLICIES=$t/policies &&
        "$lethe" store apply stores.yaml --data-dir data >/dev/null &&
        "$lethe" store scan crm --data-dir data >/dev/null &&
        cp crm.sqlite backup.sqlite &&
        "$lethe" backup register --store crm --file "$t/backup.sqlite" --created 2026-11-01 --expires 2030-01-01 \
            --data-dir data >/dev/null &&
        "$lethe" backup encrypt 1 --output "$t/backup.sqlite.lethe" --data-dir data >/dev/null &&
        rm backup.sqlite &&
        "$lethe" erasure request --subject-stdin --reason withdrawal --data-dir data <subject.txt >/dev/null &&
        "$lethe" erasure run 1 --subject-stdin --data-dir data <subject.txt >/dev/null) || exit 70
    mv "$t" "$work/template-shred"
    duration[shred]=$(cd "$work/template-shred" && LETHE_POLICIES=$t/policies timed "$lethe" backup shred 1 --data-dir data)
}
trial_shred() {
    local dir=$1 stuck
    LETHE_POLICIES=$dir/policies kill_midway "$dir" "${duration[shred]}" "$lethe" backup shred 1 --data-dir data
    common_checks "$dir"
    stuck=$(q "$dir" "SELECT count(*) FROM erasure_request r WHERE r.state = 'open'
        AND NOT EXISTS (SELECT 1 FROM erasure_part p WHERE p.request_id = r.id AND p.state != 'done')")
    [ "$stuck" = 0 ] || fail "$stuck request(s) open with every part done"
    if [ "$(q "$dir" 'SELECT state FROM erasure_request WHERE id = 1')" != completed ]; then
        LETHE_POLICIES=$dir/policies "$lethe" backup shred 1 --data-dir "$dir/data" >"$dir/reshred.out" 2>&1 ||
            fail "shred again: $(tail -1 "$dir/reshred.out")"
        [ "$(q "$dir" 'SELECT state FROM erasure_request WHERE id = 1')" = completed ] || fail "request 1 still open"
    fi
}

setup_schedule() {
    local t=$work/template-schedule count=$((rows / 10))
    mkdir -p "$t"
    python3 - "$t/retired.csv" "$count" <<'PY'
import sys
path, rows = sys.argv[1], int(sys.argv[2])
types = ['laptop', 'hdd', 'ssd', 'usb-flash', 'tape']
with open(path, 'w') as f:
    f.write('asset_tag,media_type,classification,state\n')
    for i in range(rows):
        f.write(f'R{i:07d},{types[i % 5]},{["low", "moderate", "high"][i % 3]},retired\n')
PY
    "$lethe" asset import "$t/retired.csv" --data-dir "$t/data" >/dev/null || exit 70
    duration[schedule]=$(cd "$t" && timed "$lethe" schedule --policies "$repo/policies" --data-dir data)
}
trial_schedule() {
    local dir=$1 count=$((rows / 10))
    kill_midway "$dir" "${duration[schedule]}" "$lethe" schedule --policies "$repo/policies" --data-dir data
    common_checks "$dir"
    "$lethe" schedule --policies "$repo/policies" --data-dir "$dir/data" >"$dir/reschedule.out" 2>&1 ||
        fail "schedule again: $(tail -1 "$dir/reschedule.out")"
    [ "$(q "$dir" 'SELECT count(*) FROM job')" = "$count" ] || fail "$(q "$dir" 'SELECT count(*) FROM job') jobs for $count assets"
    [ "$(q "$dir" 'SELECT count(DISTINCT asset_tag) FROM job')" = "$count" ] || fail "an asset planned twice"
}

declare -A duration
for scenario in "${scenarios[@]}"; do
    echo "setting up $scenario…"
    "setup_$scenario"
    printf '  %s takes %.2f s uninterrupted\n' "$scenario" "${duration[$scenario]}"
done

declare -A ran failed
for ((i = 0; i < trials; i++)); do
    scenario=${scenarios[$((i % ${#scenarios[@]}))]}
    dir=$work/trial
    fresh_copy "$work/template-$scenario" "$dir"
    failed_trial=0
    killed=no
    "trial_$scenario" "$dir"
    total=$((total + 1))
    [ "$killed" = yes ] && midway=$((midway + 1))
    ran[$scenario]=$((${ran[$scenario]:-0} + 1))
    if ((failed_trial)); then
        failures=$((failures + 1))
        failed[$scenario]=$((${failed[$scenario]:-0} + 1))
        cp -a "$dir" "$work/failed-$i"
        echo "trial $i ($scenario, kill after ${delay}s, killed=$killed): FAILED (kept in $work/failed-$i)"
    else
        echo "trial $i ($scenario, kill after ${delay}s, killed=$killed): ok"
    fi
done

echo
echo "crash trials: $total run ($midway killed mid-command, the rest after it ended), $failures failed (seed ${SEED:-1})"
for scenario in "${scenarios[@]}"; do
    echo "  $scenario: ${ran[$scenario]:-0} trials, ${failed[$scenario]:-0} failed"
done
((failures == 0))
