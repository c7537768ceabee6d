#!/usr/bin/env bash
# Import benchmark (issue: foundation). In one run, on the same generated file:
#   lethe asset import FILE   vs   sqlite3 .import --csv into an equivalent table with the same indexes
# then `lethe asset list --state retired --limit 100` on the imported database.
# Targets: import within 2x of sqlite3; peak RSS under 150 MB; list under 50 ms.
# Usage: scripts/bench-import.sh [ROWS]   (default 1000000). Needs python3, sqlite3, /usr/bin/time.
set -euo pipefail
rows=${1:-1000000}
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/lethe-bench-import.XXXXXX)
trap 'rm -rf "$work"' EXIT

swift build -c release --product lethe >/dev/null
lethe=$PWD/.build/release/lethe

python3 - "$work/assets.csv" "$rows" <<'PY'
import random, sys
path, rows = sys.argv[1], int(sys.argv[2])
random.seed(7)
types = ['laptop', 'desktop', 'server', 'hdd', 'ssd', 'nvme', 'usb-flash', 'tape', 'phone']
with open(path, 'w', newline='') as f:
    f.write('asset_tag,serial,make,model,media_type,capacity,location,custodian,classification,encryption,state\r\n')
    for i in range(rows):
        state = 'retired' if i % 10 == 0 else 'in-service'
        f.write(f'A{i:07d},SN{random.randrange(10**9):09d},Dell,"Latitude 7440, 14in",{types[i % 9]},512GB,'
                f'HQ-{i % 50},user{i % 1000},moderate,software,{state}\r\n')
PY

cat > "$work/schema.sql" <<'SQL'
CREATE TABLE asset (
    asset_tag TEXT NOT NULL UNIQUE, serial TEXT, make TEXT, model TEXT, media_type TEXT NOT NULL,
    capacity TEXT, location TEXT, custodian TEXT, classification TEXT NOT NULL, encryption TEXT NOT NULL,
    state TEXT NOT NULL);
CREATE INDEX asset_by_state ON asset(state, asset_tag);
CREATE INDEX asset_by_media_type ON asset(media_type, asset_tag);
CREATE INDEX asset_by_location ON asset(location, asset_tag);
PRAGMA journal_mode = WAL;
SQL

measure() { # label, command... -> prints "label seconds peak_kb"
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
    read -r secs kb <"$work/time"
    echo "$label $secs $kb"
}

echo "rows=$rows machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); date: $(date -u +%FT%TZ)"
for round in 1 2; do
    rm -rf "$work/sqlite.db" "$work/data"
    sqlite3 "$work/sqlite.db" <"$work/schema.sql" >/dev/null
    s=$(measure sqlite3 sqlite3 "$work/sqlite.db" ".import --csv --skip 1 $work/assets.csv asset")
    l=$(measure lethe "$lethe" asset import "$work/assets.csv" --data-dir "$work/data" --actor bench)
    echo "round $round: $s | $l"
    read -r _ ssec _ <<<"$s"
    read -r _ lsec lkb <<<"$l"
    echo "round $round: ratio lethe/sqlite3 = $(python3 -c "print(round($lsec/$ssec, 2))"), lethe peak RSS = $((lkb / 1024)) MB"
done
count=$(sqlite3 "$work/data/lethe.sqlite" "select count(*) from asset")
echo "imported assets: $count"
# Listing: best of 10 whole-process runs (includes process start and opening the database).
best=999
for _ in $(seq 10); do
    /usr/bin/time -f "%e" -o "$work/t" "$lethe" asset list --state retired --limit 100 --data-dir "$work/data" >/dev/null 2>&1
    t=$(cat "$work/t")
    best=$(python3 -c "print(min($best, $t))")
done
echo "lethe asset list --state retired --limit 100: best of 10 = ${best}s"
