#!/usr/bin/env bash
# Benchmarks the erasure engine against stock tools, on this machine, in one run:
#   - residue scan (ResidueScanner, 1,000 identifiers) vs `grep -c -F -f patterns FILE` on a text file;
#   - holdings scan (SQLiteErasureExecutor.scanIdentities) vs `sqlite3 db 'select email from customers'`.
# Targets: residue scan at least as fast as grep; holdings scan within 3x of sqlite3.
#
# It builds a throwaway release package outside the repository (the library sources are linked,
# dependencies come from .build/checkouts) and writes its data under $BENCH_DIR (default
# /tmp/lethe-bench-erasure). Needs swift, python3, sqlite3, grep. Sizes: BENCH_MIB (default 1024),
# BENCH_ROWS (default 1000000).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${BENCH_DIR:-/tmp/lethe-bench-erasure}"
mib="${BENCH_MIB:-1024}"
rows="${BENCH_ROWS:-1000000}"
mkdir -p "$dir/pkg/Sources/Bench" "$dir/data"
[ -d "$repo/.build/checkouts/GRDB.swift" ] || (cd "$repo" && swift package resolve)
co="$repo/.build/checkouts"
ln -sfn "$repo/Sources/LetheCore" "$dir/pkg/Sources/LetheCore"
ln -sfn "$repo/Sources/LetheSanitize" "$dir/pkg/Sources/LetheSanitize"
cat > "$dir/pkg/Package.swift" <<EOF
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "Bench",
    dependencies: [.package(path: "$co/GRDB.swift"), .package(path: "$co/Yams"), .package(path: "$co/swift-crypto")],
    targets: [
        .target(name: "LetheCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "LetheSanitize", dependencies: ["LetheCore", .product(name: "Crypto", package: "swift-crypto"),
                                                      .product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(name: "Bench", dependencies: ["LetheSanitize", "LetheCore"]),
    ]
)
EOF
cat > "$dir/pkg/Sources/Bench/main.swift" <<'EOF'
import Foundation
import LetheCore
import LetheSanitize

let args = CommandLine.arguments
let start = Date()
switch args[1] {
case "residue":
    let patterns = try! String(contentsOfFile: args[3], encoding: .utf8).split(separator: "\n").map(String.init)
    let scanner = try! ResidueScanner(identifiers: patterns)
    var matches = 0
    _ = try! scanner.scan(file: args[2]) { _ in matches += 1 }
    print(String(format: "%.3f %d", Date().timeIntervalSince(start), matches))
default:
    let store = DataStoreDeclaration(
        name: "bench", kind: .sqlite(path: args[2]), owner: "bench", categories: [],
        erasure: ErasurePlan(identityTable: "customers", identityColumn: "email", normalization: .lowercaseTrim,
                             identityErasure: .deleteRow))
    let executor = SQLiteErasureExecutor(hasher: try! SubjectHasher(secret: SubjectHasher.generateSecret()))
    let count = try! executor.scanIdentities(store: store) { _ in }
    print(String(format: "%.3f %d", Date().timeIntervalSince(start), count))
}
EOF
(cd "$dir/pkg" && swift build -c release > "$dir/build.log" 2>&1) || { cat "$dir/build.log"; exit 1; }
bench="$dir/pkg/.build/release/Bench"

cd "$dir/data"
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
if [ ! -f customers.sqlite ]; then
  sqlite3 customers.sqlite "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < $rows)
    INSERT INTO customers SELECT i, 'customer' || i || '@example' || (i % 97) || '.com', 'Customer ' || i FROM c;"
fi
cat text.bin > /dev/null
# Output goes to a file, not /dev/null: GNU grep stops at the first match when it writes to /dev/null.
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > "$dir/out.txt" || true; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
seconds_null() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
best() { local best=999999 t; for _ in 1 2 3; do t=$("$@"); if (( $(echo "$t < $best" | bc) )); then best=$t; fi; done; echo "$best"; }
grep_time=$(best seconds grep -c -F -f patterns.txt text.bin)
scan_time=$(best bash -c "\"$bench\" residue text.bin patterns.txt | cut -d' ' -f1")
sqlite_time=$(best seconds_null sqlite3 customers.sqlite 'select email from customers')
ident_time=$(best bash -c "\"$bench\" identity customers.sqlite | cut -d' ' -f1")
echo "residue scan, $(stat -c %s text.bin) bytes, 1000 identifiers: grep -c -F -f ${grep_time}s, lethe ${scan_time}s (grep/lethe = $(echo "scale=2; $grep_time / $scan_time" | bc))"
echo "holdings scan, $rows rows: sqlite3 ${sqlite_time}s, lethe ${ident_time}s (lethe/sqlite3 = $(echo "scale=2; $ident_time / $sqlite_time" | bc))"
