#!/usr/bin/env bash
# Benchmarks the PostgreSQL erasure executor against psql, on this machine, in one run:
#   - scan: PostgresErasureExecutor.scanIdentities over BENCH_ROWS customers (default 1,000,000)
#     vs `psql -c "\copy (SELECT email FROM customers) TO STDOUT" > /dev/null`; target <= 2x, and
#     the bench process's peak RSS < 150 MB;
#   - erase: one subject among the customers with BENCH_REFS (default 10,000,000) indexed
#     referencing orders, delete-row on both (vacuum: none), vs psql running the same statements
#     (the streamed identity read of ctid and e-mail, the subject's key read by ctid, the reference
#     lookup, the counts, the deletes, one REPEATABLE READ transaction); target <= 2x; then the
#     VACUUM of both tables, reported apart. The load average is printed with the results: the
#     ratios move on a machine busy with other work.
#
# It starts a throwaway cluster (initdb as the postgres user when run as root) under $BENCH_DIR
# (default /tmp/lethe-bench-postgres), builds a release package outside the repository (the
# library sources are linked, dependencies from .build/checkouts), and stops the cluster at exit.
# Needs swift, the postgresql server binaries, psql, bc, /usr/bin/time.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${BENCH_DIR:-/tmp/lethe-bench-postgres}"
rows="${BENCH_ROWS:-1000000}"
refs="${BENCH_REFS:-10000000}"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
mkdir -p "$dir/pkg/Sources/Bench"
[ -d "$repo/.build/checkouts/postgres-nio" ] || (cd "$repo" && swift package resolve)
co="$repo/.build/checkouts"
ln -sfn "$repo/Sources/LetheCore" "$dir/pkg/Sources/LetheCore"
ln -sfn "$repo/Sources/LetheSanitize" "$dir/pkg/Sources/LetheSanitize"
ln -sfn "$repo/Sources/LethePostgres" "$dir/pkg/Sources/LethePostgres"
cat > "$dir/pkg/Package.swift" <<EOF
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "Bench",
    dependencies: [.package(path: "$co/GRDB.swift"), .package(path: "$co/Yams"), .package(path: "$co/swift-crypto"),
                   .package(path: "$co/postgres-nio"), .package(path: "$co/swift-nio"),
                   .package(path: "$co/swift-nio-ssl"), .package(path: "$co/swift-log")],
    targets: [
        .target(name: "LetheCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "LetheSanitize", dependencies: ["LetheCore", .product(name: "Crypto", package: "swift-crypto"),
                                                      .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "LethePostgres", dependencies: [
            "LetheCore", "LetheSanitize", .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "Bench", dependencies: ["LethePostgres", "LetheSanitize", "LetheCore"]),
    ]
)
EOF
cat > "$dir/pkg/Sources/Bench/main.swift" <<'EOF'
import Foundation
import LetheCore
import LethePostgres
import LetheSanitize

// Bench scan URL | Bench erase URL IDENTIFIER
let args = CommandLine.arguments
let plan = ErasurePlan(
    identityTable: "customers", identityColumn: "email", keyColumn: "id", normalization: .lowercaseTrim,
    identityErasure: .deleteRow,
    references: [TableReference(table: "orders", column: "customer_id", erasure: .deleteRow)])
let store = DataStoreDeclaration(
    name: "bench", kind: .postgres(connection: SecretText(args[2])), owner: "bench", categories: [], erasure: plan,
    vacuum: .none)
let executor = PostgresErasureExecutor(hasher: try! SubjectHasher(secret: Array(repeating: 1, count: 32)))
let start = Date()
if args[1] == "scan" {
    let count = try! executor.scanIdentities(store: store) { _ in }
    print(String(format: "%.3f %d", Date().timeIntervalSince(start), count))
} else {
    let result = try! executor.erase(identifier: args[3], store: store)
    print(String(format: "%.3f %d", Date().timeIntervalSince(start), result.tables.map(\.rowsAffected).reduce(0, +)))
}
EOF
(cd "$dir/pkg" && swift build -c release > "$dir/build.log" 2>&1) || { tail -40 "$dir/build.log"; exit 1; }
bench="$dir/pkg/.build/release/Bench"

# The cluster.
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
rm -rf "$dir/cluster" && mkdir -p "$dir/cluster"
[ "$(id -u)" = 0 ] && chown postgres: "$dir/cluster"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run_pg "$bin/initdb" -D "$dir/cluster/data" -U postgres -A trust -E UTF8 --no-sync > "$dir/initdb.log"
run_pg "$bin/pg_ctl" -D "$dir/cluster/data" -l "$dir/cluster/log" -w \
    -o "-h 127.0.0.1 -p $port -k $dir/cluster -c shared_buffers=256MB -c max_wal_size=4GB" start > /dev/null
trap 'run_pg "$bin/pg_ctl" -D "$dir/cluster/data" -m fast -w stop > /dev/null' EXIT
url="postgresql://postgres@127.0.0.1:$port/postgres?sslmode=disable&statement_timeout=600000"
psql=(psql -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)

t0=$(date +%s.%N)
"${psql[@]}" <<EOF
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, name text);
INSERT INTO customers SELECT g, 'customer' || g || '@example' || (g % 97) || '.com', 'Customer ' || g
    FROM generate_series(1, $rows) g;
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), total int);
INSERT INTO orders SELECT g, 1 + (g % $rows), g % 1000 FROM generate_series(1, $refs) g;
CREATE INDEX orders_customer ON orders (customer_id);
VACUUM ANALYZE customers;
VACUUM ANALYZE orders;
EOF
echo "machine: $(nproc) cores, $(uname -m); $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "data: $rows customers, $refs orders, made in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-6)s"

seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
best() { local best=999999 t; for _ in 1 2 3; do t=$("$@"); if (( $(echo "$t < $best" | bc) )); then best=$t; fi; done; echo "$best"; }

# Scan.
psql_scan=$(best seconds "${psql[@]}" -c "\\copy (SELECT email FROM customers) TO STDOUT")
lethe_scan=$(best bash -c "\"$bench\" scan '$url' | cut -d' ' -f1")
rss=$(/usr/bin/time -f %M "$bench" scan "$url" 2>&1 >/dev/null | tail -1)
echo "scan, $rows identities: psql \\copy ${psql_scan}s, lethe ${lethe_scan}s (lethe/psql = $(echo "scale=2; $lethe_scan / $psql_scan" | bc)); lethe peak RSS $((rss / 1024)) MB"

# Erase: a different subject each time (customer N's e-mail), Lethe and psql alternating.
psql_erase() {
    local id=$1
    "${psql[@]}" <<EOF > /dev/null
BEGIN ISOLATION LEVEL REPEATABLE READ;
\\copy (SELECT ctid, email::text FROM customers WHERE email IS NOT NULL) TO '/dev/null'
SELECT id::text FROM customers WHERE ctid = ANY(ARRAY(SELECT ctid FROM customers WHERE id = $id));
SELECT ctid::text FROM orders WHERE customer_id = ANY('{$id}'::text[]::bigint[]);
SELECT count(*) FROM orders;
WITH erased AS (DELETE FROM orders WHERE ctid = ANY(ARRAY(SELECT ctid FROM orders WHERE customer_id = $id)) RETURNING 1) SELECT count(*) FROM erased;
SELECT count(*) FROM customers;
WITH erased AS (DELETE FROM customers WHERE ctid = ANY(ARRAY(SELECT ctid FROM customers WHERE id = $id)) RETURNING 1) SELECT count(*) FROM erased;
COMMIT;
EOF
}
lethe_best=999999; psql_best=999999
for round in 1 2 3; do
    id=$((round * 1000 + 17))
    t=$("$bench" erase "$url" "customer$id@example$((id % 97)).com" | cut -d' ' -f1)
    if (( $(echo "$t < $lethe_best" | bc) )); then lethe_best=$t; fi
    t=$(seconds psql_erase $((id + 1)))
    if (( $(echo "$t < $psql_best" | bc) )); then psql_best=$t; fi
done
remaining=$("${psql[@]}" -c "SELECT count(*) FROM customers WHERE id IN (1017, 2017, 3017)")
vacuum=$(seconds "${psql[@]}" -c "VACUUM customers, orders")
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "erase one subject, $rows customers, $refs orders: psql ${psql_best}s, lethe ${lethe_best}s (lethe/psql = $(echo "scale=2; $lethe_best / $psql_best" | bc)); subjects left: $remaining; VACUUM customers, orders ${vacuum}s"
