#!/usr/bin/env bash
# Benchmark of `lethe sanitize` and its read-back against dd on the same image file, in one run,
# alternating so that load changes hit every contender alike.
#
#   scripts/bench-sanitize.sh [SIZE_MIB] [ROUNDS]      (default 4096 MiB, 3 rounds)
#
# Per round: dd zero write (oflag=direct conv=fsync) | lethe --pattern zero | lethe --pattern random |
# dd direct read | lethe verify (full read-back of the zero run) | lethe verify (1% sample of the random run).
# Targets: zero ≥ 0.95 × dd write; random ≥ 0.9 × zero; full verify ≥ 0.95 × dd read; peak RSS < 64 MB.
# LETHE=path uses a given binary (default: release build). Output in bench-out/sanitize (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MIB=${1:-4096}
ROUNDS=${2:-3}
OUT=${BENCH_OUT:-$PWD/bench-out/sanitize}
rm -rf "$OUT"
mkdir -p "$OUT/full" "$OUT/sample"
export LETHE_DATA_DIR="$OUT/data"
IMG="$OUT/disk.img"
if [ -z "${LETHE:-}" ]; then
    swift build -c release --product lethe >/dev/null
    LETHE="$(swift build -c release --show-bin-path)/lethe"
fi
# Two policy sets from the shipped one: hdd/low verified in full, and by a 1% sample with a minimum of 1 block.
sed 's/verification: {mode: sample, rate_percent: 1, minimum: 1000}/verification: {mode: full}/' policies/default.yaml >"$OUT/full/default.yaml"
sed 's/verification: {mode: sample, rate_percent: 1, minimum: 1000}/verification: {mode: sample, rate_percent: 1, minimum: 1}/' policies/default.yaml >"$OUT/sample/default.yaml"

now() { date +%s.%N; }
timed() { # timed NAME CMD... : appends "NAME seconds rss_kb" to results
    local name=$1; shift
    local start end
    start=$(now)
    /usr/bin/time -v -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/stderr.txt" || { cat "$OUT/stderr.txt"; exit 1; }
    end=$(now)
    local rss
    rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$OUT/time.txt")
    echo "$name $(python3 -c "print(f'{$end - $start:.3f}')") $rss" | tee -a "$OUT/results.txt"
}
asset() { # asset TAG POLICYDIR: register, retire, schedule one hdd/low asset; prints nothing
    "$LETHE" asset register "$1" --type hdd --classification low >/dev/null
    "$LETHE" asset retire "$1" --reason bench >/dev/null
    "$LETHE" schedule --policies "$2" >/dev/null
}
job() { "$LETHE" job list --json | python3 -c "import json,sys; print([j['id'] for j in json.load(sys.stdin)['jobs'] if j['asset']=='$1'][0])"; }

echo "== $SIZE_MIB MiB image, $ROUNDS rounds, lethe: $LETHE, load: $(cut -d' ' -f1-3 /proc/loadavg)"
dd if=/dev/zero of="$IMG" bs=4M count=$((SIZE_MIB / 4)) oflag=direct conv=fsync status=none
for round in $(seq 1 "$ROUNDS"); do
    timed dd-write dd if=/dev/zero of="$IMG" bs=4M count=$((SIZE_MIB / 4)) oflag=direct conv=fsync status=none
    asset "Z$round" "$OUT/full"
    timed lethe-zero "$LETHE" sanitize "Z$round" --target "$IMG" --pattern zero --yes --progress none
    asset "R$round" "$OUT/sample"
    timed lethe-random "$LETHE" sanitize "R$round" --target "$IMG" --pattern random --yes --progress none
    timed dd-read dd if="$IMG" of=/dev/null bs=4M iflag=direct status=none
    timed verify-sample "$LETHE" verify --job "$(job "R$round")" --actor auditor --policies "$OUT/sample"
    # The image holds R's random stream now: zero it again (as Z left it) for Z's full read-back.
    dd if=/dev/zero of="$IMG" bs=4M count=$((SIZE_MIB / 4)) oflag=direct conv=fsync status=none
    timed verify-full "$LETHE" verify --job "$(job "Z$round")" --actor auditor --policies "$OUT/full"
done
python3 - "$OUT/results.txt" "$SIZE_MIB" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
size = int(sys.argv[2]) * 2**20
t = {}
rss = 0
for name, sec, kb in rows:
    t.setdefault(name, []).append(float(sec))
    if name.startswith(("lethe", "verify")): rss = max(rss, int(kb))
med = {k: statistics.median(v) for k, v in t.items()}
for k, v in med.items(): print(f"{k:14s} median {v:7.3f} s  {size / v / 1e9:6.2f} GB/s  runs {t[k]}")
print(f"zero / dd write         {med['dd-write'] / med['lethe-zero']:.3f}  (target >= 0.95)")
print(f"random / zero           {med['lethe-zero'] / med['lethe-random']:.3f}  (target >= 0.90)")
print(f"full verify / dd read   {med['dd-read'] / med['verify-full']:.3f}  (target >= 0.95)")
print(f"1% sample / full verify {med['verify-sample'] / med['verify-full']:.3f}  (time ratio)")
print(f"peak RSS of lethe       {rss / 1024:.1f} MiB  (target < 64 MB)")
PY
