#!/usr/bin/env bash
# Benchmarks the erasure workflow at the command line, against stock tools, in one run:
#   - `lethe store scan` (read the identity column, hash each value, record the holdings) and
#     `lethe erasure reapply` (after a restore: re-erase every erased subject by keyed hash) on a
#     table of BENCH_ROWS rows (default 1,000,000), each vs `sqlite3 DB 'select email from customers'`
#     (target: within 3x; sqlite3's output is saved to a file, as every command's is here; the
#     ratios against sqlite3 > /dev/null, which only reads, are printed too);
#   - `lethe erasure scan-file` of a BENCH_MIB MiB text file (default 1024) for 1,000 identifiers vs
#     `grep -c -F -f patterns FILE` (target: grep time / lethe time >= 1.0).
# Each timing is the best of 3 runs (whole process, as a user runs it; "first" runs start from
# a fresh installation or a freshly restored store each time). Uses the release binary
# (built when missing: swift build -c release --product lethe). Data under $BENCH_DIR
# (default /tmp/lethe-bench-erasure-cli). Needs sqlite3, python3, grep, bc.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${BENCH_DIR:-/tmp/lethe-bench-erasure-cli}"
mib="${BENCH_MIB:-1024}"
rows="${BENCH_ROWS:-1000000}"
lethe="${LETHE_BIN:-$repo/.build/release/lethe}"
[ -x "$lethe" ] || (cd "$repo" && swift build -c release --product lethe)
mkdir -p "$dir"
cd "$dir"

# Data: the customers table and a text file with 1,000 known identifiers sprinkled in.
if [ ! -f customers.sqlite ]; then
  sqlite3 customers.sqlite "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < $rows)
    INSERT INTO customers SELECT i, 'customer' || i || '@example' || (i % 97) || '.com', 'Customer ' || i FROM c;"
fi
if [ ! -f text.bin ] || [ "$(stat -c %s text.bin)" -lt $((mib * 1048576)) ]; then
python3 - "$mib" <<'EOF'
import random, sys
random.seed(42)
first = ["ada","alan","grace","linus","margaret","dennis","ken","barbara","edsger","donald"]
last = ["lovelace","turing","hopper","torvalds","hamilton","ritchie","thompson","liskov","dijkstra","knuth"]
words = ["the","order","shipped","customer","invoice","payment","street","account","support","ticket","refund"]
def email(i):
    r = random.Random(i)
    return f"{r.choice(first)}.{r.choice(last)}{i}@example{r.randint(1,99)}.com"
patterns = [email(i) for i in range(1000)]
open("patterns.txt", "w").write("\n".join(patterns) + "\n")
lines, size, n = [], 0, 0
while size < 64 * 1048576:
    n += 1
    line = " ".join(random.choice(words) for _ in range(8)) + " " + email(100000 + random.randint(0, 10**6)) + "\n"
    if n % 50000 == 0:
        line = "hit " + patterns[n // 50000] + "\n"
    lines.append(line); size += len(line)
block = "".join(lines).encode()
with open("text.bin", "wb") as f:
    for _ in range(max(1, int(sys.argv[1]) // 64)): f.write(block)
EOF
fi

# An installation with the store registered and 10 subjects erased (so reapply has work to match).
export LETHE_DATA_DIR="$dir/data"
# Completed requests are issued as signed records, which needs the organisation's name.
export LETHE_ORGANIZATION="Bench Erasure Co"
rm -rf "$dir/data"
cp customers.sqlite store.sqlite
cat > stores.yaml <<EOF
stores:
  - name: bench
    kind: sqlite
    owner: bench
    connection: $dir/store.sqlite
    categories: [user.contact.email, user.name]
    identity_normalization: lowercase-trim
    identity:
      table: customers
      column: email
      erase: delete-row
EOF
cat customers.sqlite > /dev/null
scan_first=999999   # every holding new (a fresh installation each time): hashing and inserting 1M rows
for _ in 1 2 3; do
  rm -rf "$dir/data"
  "$lethe" store apply stores.yaml > /dev/null
  t0=$(date +%s.%N); "$lethe" store scan bench > /dev/null; t1=$(date +%s.%N)
  x=$(echo "$t1 - $t0" | bc); if (( $(echo "$x < $scan_first" | bc) )); then scan_first=$x; fi
done
for i in 1 2 3 4 5 6 7 8 9 10; do
  subject="customer$((i * 1000))@example$(((i * 1000) % 97)).com"
  echo "$subject" | "$lethe" erasure request --subject-stdin --reason withdrawal --policies "$repo/policies" > /dev/null
  echo "$subject" | "$lethe" erasure run "$i" --subject-stdin > /dev/null
done

cat text.bin > /dev/null
t() { local t0 t1; t0=$(date +%s.%N); "$@" > "$dir/out.txt" || true; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
best() { local best=999999 x; for _ in 1 2 3; do x=$(t "$@"); if (( $(echo "$x < $best" | bc) )); then best=$x; fi; done; echo "$best"; }
ratio() { echo "scale=2; $1 / $2" | bc; }

sqlite_time=$(best sqlite3 store.sqlite 'select email from customers')   # the column saved to a file
sqlite_null=$(best sh -c "sqlite3 store.sqlite 'select email from customers' > /dev/null")  # and thrown away
scan_time=$(best "$lethe" store scan bench)          # again: every holding known already
reapply_first=999999   # "restore the backup" (the 10 subjects are back), then reapply finds and erases them
for _ in 1 2 3; do
  cp customers.sqlite store.sqlite
  cat store.sqlite > /dev/null
  x=$(t "$lethe" erasure reapply --store bench)
  if (( $(echo "$x < $reapply_first" | bc) )); then reapply_first=$x; fi
done
found=$(grep -o '[0-9]* found again' "$dir/out.txt" || true)
reapply_time=$(best "$lethe" erasure reapply --store bench)  # nothing left to find: the matching pass
grep_time=$(best grep -c -F -f patterns.txt text.bin)
grep_count=$(cat "$dir/out.txt")
residue_time=$(best "$lethe" erasure scan-file text.bin --identifiers-file patterns.txt)
residue_count=$(cut -d' ' -f1 "$dir/out.txt")

echo "load: $(uptime | sed 's/.*load average: //')"
echo "store scan, $rows rows: sqlite3 ${sqlite_time}s; lethe first ${scan_first}s (lethe/sqlite3 = $(ratio "$scan_first" "$sqlite_time")), again ${scan_time}s (lethe/sqlite3 = $(ratio "$scan_time" "$sqlite_time"))"
echo "  stricter, against sqlite3 > /dev/null ${sqlite_null}s: first $(ratio "$scan_first" "$sqlite_null"), again $(ratio "$scan_time" "$sqlite_null")"
echo "erasure reapply, $rows rows, 10 subjects: first (${found}) ${reapply_first}s (lethe/sqlite3 = $(ratio "$reapply_first" "$sqlite_time")); again ${reapply_time}s (lethe/sqlite3 = $(ratio "$reapply_time" "$sqlite_time"))"
echo "residue scan, $(stat -c %s text.bin) bytes, 1000 identifiers: grep -c -F -f ${grep_time}s (${grep_count} lines), lethe ${residue_time}s (${residue_count} matches) (grep/lethe = $(ratio "$grep_time" "$residue_time"))"
