#!/usr/bin/env bash
# Benchmarks `lethe serve` over HTTP on loopback with wrk: one server, one run.
#   1. GET /healthz (open, no token, no database: the baseline "hello" route) and an authenticated
#      GET /api/v1/assets/{tag} (token check + a read), same connections and duration.
#      Target: the authenticated read at least 0.6x the baseline's requests per second.
#   2. POST /api/v1/assets with a unique tag per request (wrk Lua script), 32 connections.
#      Target: at least 2,000 acknowledged (201) writes per second with p99 latency under 50 ms.
#
# It builds lethe in release mode (swift build -c release --product lethe), starts it on a free
# port with a fresh data directory under $BENCH_DIR (default /tmp/lethe-bench-http), and stops it
# with SIGTERM at the end. Needs wrk (apt-get install wrk) and curl. BENCH_SECONDS (default 10)
# sets each wrk run's duration; BENCH_THREADS (default 2) wrk's threads; BENCH_SERVE_ARGS adds
# flags to `lethe serve` (for example --no-event-loop-executor, to compare the two executors).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${BENCH_DIR:-/tmp/lethe-bench-http}"
seconds="${BENCH_SECONDS:-10}"
threads="${BENCH_THREADS:-2}"
command -v wrk >/dev/null || { echo "bench-http: wrk is missing (apt-get install wrk)" >&2; exit 69; }
[ "${BENCH_SKIP_BUILD:-0}" = 1 ] || (cd "$repo" && swift build -c release --product lethe >/dev/null)
lethe="$repo/.build/release/lethe"
rm -rf "$dir" && mkdir -p "$dir"
export LETHE_DATA_DIR="$dir/data"
# shellcheck disable=SC2086 # BENCH_SERVE_ARGS is a list of flags
"$lethe" serve --port 0 --schedule-interval off ${BENCH_SERVE_ARGS:-} 2>"$dir/serve.log" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
    grep -q "serving http://" "$dir/serve.log" 2>/dev/null && break
    sleep 0.1
done
port="$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$dir/serve.log")"
admin="$(sed -n 's|.*API token: *\(lethe_[^ ]*\).*|\1|p' "$dir/serve.log")"
[ -n "$port" ] && [ -n "$admin" ] || { echo "bench-http: the server did not start:" >&2; cat "$dir/serve.log" >&2; exit 70; }
base="http://127.0.0.1:$port"
# An IT staff member registers assets; the admin only manages users.
token="$(curl -sf -X POST "$base/api/v1/users" -H "Authorization: Bearer $admin" \
    -d '{"name":"bench","roles":["it-staff"]}' | sed -n 's|.*"secret" : "\(lethe_[^"]*\)".*|\1|p')"
[ -n "$token" ] || { echo "bench-http: could not make the bench user" >&2; exit 70; }
curl -sf -o /dev/null -X POST "$base/api/v1/assets" -H "Authorization: Bearer $token" \
    -d '{"tag":"BENCH-1","media_type":"laptop","classification":"low"}'

cat >"$dir/post.lua" <<'LUA'
-- A unique tag per request: the thread's number and a counter.
local threads = 0
function setup(thread)
    thread:set("id", threads)
    threads = threads + 1
end
function init(args)
    counter = 0
    headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN") }
end
function request()
    counter = counter + 1
    local body = string.format('{"tag":"W%d-%07d","media_type":"laptop","classification":"low"}', id, counter)
    return wrk.format("POST", "/api/v1/assets", headers, body)
end
LUA

run() { wrk -t"$threads" -c32 -d"${seconds}s" --latency "$@"; }
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1"; }
p99() { sed -n 's/^ *99% *\([0-9.]*[a-z]*\).*/\1/p' "$1"; }
errors() { local n; n="$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$1")"; echo "${n:-0}"; }

run "$base/healthz" >"$dir/hello.txt"
run -H "Authorization: Bearer $token" "$base/api/v1/assets/BENCH-1" >"$dir/read.txt"
BENCH_TOKEN="$token" run -s "$dir/post.lua" "$base/api/v1/assets" >"$dir/write.txt"

hello="$(rps "$dir/hello.txt")"
read="$(rps "$dir/read.txt")"
write="$(rps "$dir/write.txt")"
stored="$(curl -sf "$base/api/v1/assets?limit=1" -H "Authorization: Bearer $token" | sed -n 's|.*"total" : \([0-9]*\).*|\1|p')"
echo "server flags: ${BENCH_SERVE_ARGS:-(defaults)}"
echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "GET /healthz (open baseline):           $hello req/s, p99 $(p99 "$dir/hello.txt"), non-2xx $(errors "$dir/hello.txt")"
echo "GET /api/v1/assets/{tag} (token):       $read req/s, p99 $(p99 "$dir/read.txt"), non-2xx $(errors "$dir/read.txt")"
echo "authenticated read / baseline:          $(awk -v a="$read" -v b="$hello" 'BEGIN { printf "%.2fx (target >= 0.6x)", a / b }')"
echo "POST /api/v1/assets (32 connections):   $write req/s, p99 $(p99 "$dir/write.txt") (targets >= 2000/s, p99 < 50ms), non-2xx $(errors "$dir/write.txt")"
echo "assets stored after the run:            $stored"
