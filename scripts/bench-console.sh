#!/usr/bin/env bash
# Console render times on a large register (issue #16, part 6): the dashboard and the asset list
# with a filter must each render in under 150 ms of server time on 1,000,000 assets.
#
# It builds lethe in release mode, imports ASSETS generated assets (default 1,000,000; 10% retired)
# with `lethe asset import`, runs `lethe schedule` (one disposal job per retired asset), starts
# `lethe serve` on a free loopback port, signs in to the console as a compliance and IT-staff user,
# and times each page REPEAT times (default 20, after one warm-up request) from the request to the
# last byte of the response over loopback: an upper bound on the server time. In the same run, as a
# baseline, it times GET /healthz the same way. Needs python3 and curl.
# Usage: scripts/bench-console.sh [ASSETS]   (BENCH_SKIP_BUILD=1 reuses .build/release/lethe)
set -euo pipefail
rows=${1:-1000000}
repeat=${BENCH_REPEAT:-20}
repo="$(cd "$(dirname "$0")/.." && pwd)"
work=$(mktemp -d /tmp/lethe-bench-console.XXXXXX)
server=
trap '[ -n "$server" ] && kill -TERM $server 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
[ "${BENCH_SKIP_BUILD:-0}" = 1 ] || (cd "$repo" && swift build -c release --product lethe >/dev/null)
lethe="$repo/.build/release/lethe"
export LETHE_DATA_DIR="$work/data"

python3 - "$rows" "$work/assets.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
types = ["laptop", "desktop", "server", "hdd", "ssd", "nvme", "usb-flash", "sd-card", "tape", "phone", "tablet",
         "optical", "other"]
levels = ["low", "moderate", "high"]
with open(path, "w") as f:
    f.write("asset_tag,serial,make,model,media_type,capacity,location,custodian,classification,encryption,state\n")
    for i in range(n):
        state = "retired" if i % 10 == 0 else "in-service"
        f.write(f"A{i:08d},SN{i:010d},Acme,M{i % 97},{types[i % len(types)]},512GB,DC-{i % 7},user{i % 5000},"
                f"{levels[(i // 13) % 3]},none,{state}\n")
PY
echo "== importing $rows assets and scheduling the retired ones"
"$lethe" asset import "$work/assets.csv" --actor bench >/dev/null
"$lethe" schedule --actor bench >/dev/null
"$lethe" user add bench --role compliance --role it-staff >/dev/null
printf 'a console password for the benchmark\n' | "$lethe" user password bench >/dev/null

"$lethe" serve --port 0 --schedule-interval off 2>"$work/serve.log" &
server=$!
for _ in $(seq 1 300); do
    grep -q "serving http://" "$work/serve.log" 2>/dev/null && break
    sleep 0.1
done
port="$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/serve.log")"
[ -n "$port" ] || { echo "bench-console: the server did not start:" >&2; cat "$work/serve.log" >&2; exit 70; }

python3 - "http://127.0.0.1:$port" "$repeat" "$rows" <<'PY'
import http.cookiejar, re, statistics, sys, time, urllib.parse, urllib.request
base, repeat, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = opener.open(base + "/console/signin").read().decode()
csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
form = urllib.parse.urlencode({"csrf": csrf, "name": "bench", "password": "a console password for the benchmark"})
opener.open(base + "/console/signin", data=form.encode()).read()

def timed(path):
    opener.open(base + path).read()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = opener.open(base + path)
        body = response.read()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status == 200, (path, response.status)
        assert b"Sign in" not in body[:2000] or path == "/healthz", "the session was lost"
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9) - 1], len(body)

pages = [
    ("GET /healthz (baseline)", "/healthz", None),
    ("dashboard", "/console/", 150),
    # `lethe schedule` moved the retired tenth to awaiting-sanitization (100,000 of 1,000,000).
    ("assets, state filter (first page)", "/console/assets?state=awaiting-sanitization", 150),
    ("assets, state filter, a page deep in the list", "/console/assets?state=awaiting-sanitization&after=A00900000", 150),
    ("assets, no filter (first page)", "/console/assets", 150),
    ("assets, classification = high (first page)", "/console/assets?classification=high", 150),
    ("assets, type = ssd and classification = high", "/console/assets?type=ssd&classification=high", 150),
    ("assets, search q=user4242 (text in any column)", "/console/assets?q=user4242", None),
]
import os, platform
print(f"machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}; "
      f"load average {os.getloadavg()[0]:.1f}; {rows:,} assets")
print(f"{'page':55} {'median ms':>10} {'p90 ms':>8} {'bytes':>8}  target")
failed = False
for name, path, target in pages:
    median, p90, size = timed(path)
    verdict = "" if target is None else ("< %d ms %s" % (target, "✔" if median < target else "✘"))
    failed |= target is not None and median >= target
    print(f"{name:55} {median:10.1f} {p90:8.1f} {size:8d}  {verdict}")
sys.exit(1 if failed else 0)
PY
