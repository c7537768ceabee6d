#!/usr/bin/env bash
# Makes certificates/example/: the evidence bundle of one disposal record, issued by a throwaway
# installation in a temporary data directory whose keys are deleted afterwards (no private key is
# ever written into the repository).
#
#   scripts/make-example-bundle.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product lethe >/dev/null
LETHE="$(swift build --show-bin-path)/lethe"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export LETHE_DATA_DIR="$WORK/data" LETHE_ORGANIZATION="Example Disposal Co" LETHE_LOCATION="Unit 4, Example Park"
export LETHE_PHONE="+44 20 7946 0000" LETHE_LOG_ORIGIN="example.invalid/lethe-example-log"
mkdir -p "$WORK/policies"
cat > "$WORK/policies/example.yaml" <<'YAML'
sanitization:
  - media: [laptop, desktop, server, hdd, ssd, nvme, usb-flash, sd-card, tape, phone, tablet, optical, other]
    classification: [low, moderate, high]
    method: destroy
    techniques: [shred]
    verification: {mode: attest}
    deadline: P30D
YAML
echo "ShredCo certificate of destruction 4411: SSD EX-0001, serial S3Z9NB0K, shredded to 2 mm" > "$WORK/shredco-4411.txt"
"$LETHE" asset register EX-0001 --type ssd --classification high --serial S3Z9NB0K --make Samsung \
    --model "860 EVO" --custodian "finance team" --actor it-desk >/dev/null
"$LETHE" asset retire EX-0001 --reason "end of life" --actor it-desk >/dev/null
"$LETHE" schedule --policies "$WORK/policies" --actor planner >/dev/null
"$LETHE" job start 1 --actor "sam.tech" >/dev/null
"$LETHE" job record 1 --technique shred --tool "ShredCo HD-400" --tool-version 2.1 \
    --evidence "$WORK/shredco-4411.txt" --actor "sam.tech" >/dev/null
"$LETHE" verify --job 1 --attest --evidence "$WORK/shredco-4411.txt" --notes "shreds and seal S-88 inspected" \
    --policies "$WORK/policies" --actor "ines.qa" >/dev/null
"$LETHE" certificate issue --job 1 --performer-title "Sanitization technician" --validator-title "QA lead" \
    --data-backed-up no --actor compliance >/dev/null
rm -rf certificates/example
"$LETHE" certificate export EDC-2026-000001 --out certificates/example
"$LETHE" certificate verify certificates/example
