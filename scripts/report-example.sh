#!/usr/bin/env bash
# Generates a realistic quarter (Q3 2026) of disposal history in a throwaway installation, with
# faketime setting each command's clock, then the quarter's disposal report in all four formats,
# its evidence bundle and the openssl check of it. docs/guide-compliance.md shows the output.
#
#   scripts/report-example.sh [OUT_DIR]      (default: docs/examples/report-q3; needs faketime,
#                                             poppler-utils for the PNG pages, openssl)
#
# The PDF pages rendered as PNG go to docs/images (the guide shows them) for the default OUT_DIR,
# else to OUT_DIR/images: trying the script elsewhere leaves the guide's images as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/examples/report-q3}
IMAGES=docs/images
[ "$OUT" = docs/examples/report-q3 ] || IMAGES="$OUT/images"
swift build --product lethe >/dev/null
LETHE="$(swift build --show-bin-path)/lethe"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lethe-report-example.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export LETHE_DATA_DIR="$WORK/data" LETHE_ORGANIZATION="Example Disposal Co" LETHE_LOCATION="Unit 4, Example Park"
export LETHE_PHONE="+44 20 7946 0000" LETHE_LOG_ORIGIN="example.invalid/lethe-example-log"
POLICIES="$WORK/policies"
mkdir -p "$POLICIES" "$OUT"
cat > "$POLICIES/main.yaml" <<'YAML'
erasure_sla: P30D
reverification_interval: P90D
backup_destruction_deadline: P7D
sanitization:
  - media: [hdd, usb-flash]
    classification: [low, moderate]
    method: clear
    techniques: [overwrite]
    verification: {mode: sample, rate_percent: 5, minimum: 4}
    deadline: P30D
  - media: [laptop, desktop, server, ssd, nvme, sd-card, tape, phone, tablet, optical, other]
    classification: [low, moderate]
    method: purge
    techniques: [crypto-erase, block-erase, nvme-sanitize]
    verification: {mode: attest}
    deadline: P30D
  - media: [laptop, desktop, server, hdd, ssd, nvme, usb-flash, sd-card, tape, phone, tablet, optical, other]
    classification: high
    method: destroy
    techniques: [shred]
    verification: {mode: attest}
    second_person: true
    deadline: P14D
YAML

# `at TIME lethe-arguments…`: runs lethe with the clock at TIME (UTC).
at() {
    local time=$1
    shift
    TZ=UTC faketime "$time" "$LETHE" "$@" >/dev/null || { echo "failed at $time: lethe $*" >&2; return 1; }
}
job_of() { "$LETHE" job list --asset "$1" --json | python3 -c 'import json,sys; print(max(j["id"] for j in json.load(sys.stdin)["jobs"]))'; }
evidence() { echo "$2" > "$WORK/$1"; echo "$WORK/$1"; }

# June: the register.
for n in 1001 1002 1003 1004 1005 1006; do
    at "2026-06-25 09:00:00" asset register "HDD-$n" --type hdd --classification low --serial "WD-$n-X" \
        --make "Western Digital" --model "WD10EZEX" --location "DC-1" --actor it-desk
    truncate -s 16M "$WORK/HDD-$n.img"
done
for n in 2001 2002 2003 2004 2005 2006 2007 2008; do
    at "2026-06-25 09:10:00" asset register "SSD-$n" --type ssd --classification moderate --serial "S4EW-$n" \
        --make Samsung --model "860 EVO" --location "DC-1" --actor it-desk
done
for n in 3001 3002 3003 3004 3005 3006; do
    at "2026-06-25 09:20:00" asset register "LAP-$n" --type laptop --classification high --serial "PF-$n-Q" \
        --make Lenovo --model "ThinkPad T14" --custodian "finance team" --actor it-desk
done
for n in 5001 5002; do
    at "2026-06-25 09:30:00" asset register "NVM-$n" --type nvme --classification moderate --serial "NV-$n" \
        --make Micron --model "7450 PRO" --location "DC-2" --actor it-desk
done
at "2026-06-25 09:40:00" asset register SRV-4001 --type server --classification high --serial "DL380-4001" \
    --make HPE --model "DL380 Gen10" --location "DC-2" --actor it-desk

# July: the first batch.
for tag in HDD-1001 HDD-1002 HDD-1003 SSD-2001 SSD-2002 SSD-2003 SSD-2004 LAP-3001 LAP-3002 LAP-3003; do
    at "2026-07-02 10:00:00" asset retire "$tag" --reason "refresh 2026" --actor it-desk
done
at "2026-07-02 11:00:00" schedule --policies "$POLICIES" --actor planner
for tag in HDD-1001 HDD-1002 HDD-1003; do
    at "2026-07-06 08:00:00" sanitize "$tag" --target "$WORK/$tag.img" --pattern random --yes --actor sam.tech
done
for tag in SSD-2001 SSD-2002 SSD-2003 SSD-2004; do
    job=$(job_of "$tag")
    file=$(evidence "$tag-nvme.log" "crypto erase of $tag: sanitize action 4 completed, status 0x0")
    at "2026-07-06 14:00:00" job start "$job" --actor sam.tech
    at "2026-07-06 14:30:00" job record "$job" --technique crypto-erase --tool "nvme-cli" --tool-version 2.4 \
        --evidence "$file" --actor sam.tech
    at "2026-07-07 09:00:00" verify --job "$job" --attest --evidence "$file" --notes "log checked" \
        --policies "$POLICIES" --actor ines.qa
done
for tag in LAP-3001 LAP-3002 LAP-3003; do
    job=$(job_of "$tag")
    at "2026-07-09 09:00:00" job approve "$job" --actor compliance.lead
    at "2026-07-10 15:00:00" asset move "$tag" --to "ShredCo driver" --location "ShredCo truck" \
        --seal "SEAL-7712" --seal "SEAL-7713" --manifest "SHRED-2026-0710" --actor it-desk
    at "2026-07-10 15:05:00" job start "$job" --actor shredco
    file=$(evidence "shredco-$tag.txt" "ShredCo certificate of destruction: $tag shredded to 6 mm, manifest SHRED-2026-0710")
    at "2026-07-11 11:00:00" job record "$job" --technique shred --tool "ShredCo HD-400" --tool-version 2.1 \
        --evidence "$file" --actor shredco
    at "2026-07-13 10:00:00" verify --job "$job" --attest --evidence "$file" --notes "certificate and seals checked" \
        --policies "$POLICIES" --actor ines.qa
done
at "2026-07-08 07:00:00" verify --due --policies "$POLICIES" --actor carol

# August: the second batch; one read-back fails and the disk is overwritten again.
for tag in HDD-1004 HDD-1005 HDD-1006 SSD-2005 SSD-2006 SSD-2007 SSD-2008 LAP-3004 LAP-3005 LAP-3006 NVM-5001 NVM-5002; do
    at "2026-08-03 10:00:00" asset retire "$tag" --reason "refresh 2026" --actor it-desk
done
at "2026-08-03 11:00:00" schedule --policies "$POLICIES" --actor planner
for tag in HDD-1004 HDD-1005 HDD-1006; do
    at "2026-08-10 08:00:00" sanitize "$tag" --target "$WORK/$tag.img" --pattern random --yes --actor sam.tech
done
printf 'left-over data' | dd of="$WORK/HDD-1004.img" bs=1 seek=0 conv=notrunc status=none
# (the read-back finds the bytes: verify --due exits 1 and HDD-1004 gets a new job)
TZ=UTC faketime "2026-08-11 07:00:00" "$LETHE" verify --due --policies "$POLICIES" --actor carol >/dev/null || true
at "2026-08-12 08:00:00" sanitize HDD-1004 --target "$WORK/HDD-1004.img" --pattern random --yes --actor sam.tech
at "2026-08-13 07:00:00" verify --due --policies "$POLICIES" --actor carol
for tag in LAP-3004 LAP-3005 LAP-3006; do
    job=$(job_of "$tag")
    at "2026-08-14 09:00:00" job approve "$job" --actor compliance.lead
    # Handed over without seals: an exception the report lists.
    at "2026-08-14 15:00:00" asset move "$tag" --to "ShredCo driver" --location "ShredCo truck" \
        --manifest "SHRED-2026-0814" --actor it-desk
    at "2026-08-14 15:05:00" job start "$job" --actor shredco
    file=$(evidence "shredco-$tag.txt" "ShredCo certificate of destruction: $tag shredded to 6 mm, manifest SHRED-2026-0814")
    at "2026-08-15 11:00:00" job record "$job" --technique shred --tool "ShredCo HD-400" --tool-version 2.1 \
        --evidence "$file" --actor shredco
    at "2026-08-17 10:00:00" verify --job "$job" --attest --evidence "$file" --notes "certificate checked" \
        --policies "$POLICIES" --actor ines.qa
done
at "2026-08-20 16:00:00" asset lost SSD-2008 --reason "not found at the August stock check" --actor it-desk

# September: late work, records, disposals, a revocation, and one server retired.
for tag in SSD-2005 SSD-2006 SSD-2007 NVM-5001; do
    job=$(job_of "$tag")
    file=$(evidence "$tag-nvme.log" "crypto erase of $tag: sanitize action 4 completed, status 0x0")
    at "2026-09-09 14:00:00" job start "$job" --actor sam.tech
    at "2026-09-09 14:30:00" job record "$job" --technique crypto-erase --tool "nvme-cli" --tool-version 2.4 \
        --evidence "$file" --actor sam.tech
    at "2026-09-10 09:00:00" verify --job "$job" --attest --evidence "$file" --notes "log checked" \
        --policies "$POLICIES" --actor ines.qa
done
at "2026-09-15 10:00:00" certificate issue --all-verified --performer-title "Sanitization technician" \
    --validator-title "QA lead" --data-backed-up no --actor compliance.lead
for tag in HDD-1001 HDD-1002 HDD-1003 HDD-1004 HDD-1005 HDD-1006; do
    at "2026-09-16 10:00:00" asset dispose "$tag" --destination external-reuse --notes "resold, lot R-0916" --actor it-desk
done
for tag in SSD-2001 SSD-2002 SSD-2003 SSD-2004 SSD-2005 SSD-2006 SSD-2007 NVM-5001; do
    at "2026-09-16 10:30:00" asset dispose "$tag" --destination recycling --notes "WEEE lot 7731" --actor it-desk
done
for tag in LAP-3001 LAP-3002 LAP-3003 LAP-3004 LAP-3005 LAP-3006; do
    at "2026-09-16 11:00:00" asset dispose "$tag" --destination destroyed --actor it-desk
done
serial=$("$LETHE" certificate list --json | python3 -c '
import json, sys
print(next(r["serial"] for r in json.load(sys.stdin) if r.get("asset") == "SSD-2003"))')
at "2026-09-20 12:00:00" certificate revoke "$serial" --reason "vendor log named another drive's serial; drive re-checked" \
    --actor compliance.lead
at "2026-09-25 10:00:00" asset retire SRV-4001 --reason "decommissioned" --actor it-desk
at "2026-09-25 11:00:00" schedule --policies "$POLICIES" --actor planner

# Erasure requests over the quarter: a processor and a file share hold customers' data; their
# parts are attested when the processor confirms (one of them after the 30-day due date).
cat > "$WORK/stores.yaml" <<'YAML'
version: 1
stores:
  - name: exports-share
    kind: file-share
    owner: it-operations
    location: smb://files.internal/exports
    categories: [user.contact.email, user.name]
  - name: mailer
    kind: processor
    owner: marketing
    contact: privacy@mailer.example
    categories: [user.contact.email, user.behavior.browsing, user.device.ip_address]
YAML
at "2026-07-01 08:00:00" store apply "$WORK/stores.yaml" --actor dpo
printf 'identifier,store\n' > "$WORK/holdings.csv"
for n in 1 2 3 4 5; do printf 'customer%s@example.com,mailer\ncustomer%s@example.com,exports-share\n' "$n" "$n" >> "$WORK/holdings.csv"; done
at "2026-07-01 08:10:00" holding import "$WORK/holdings.csv" --actor dpo
rm "$WORK/holdings.csv"
request() {   # request TIME N REASON: customer N asks to be erased
    echo "customer$2@example.com" | TZ=UTC faketime "$1" "$LETHE" erasure request --subject-stdin --reason "$3" \
        --policies "$POLICIES" --actor dpo >/dev/null
}
close() {     # close TIME ID: both parts of request ID attested
    at "$1" erasure attest "$2" --store mailer --notes "privacy@mailer.example confirmed deletion" --actor dpo
    at "$1" erasure attest "$2" --store exports-share --notes "export rows deleted by hand" --actor dpo
}
request "2026-07-04 10:00:00" 1 withdrawal
request "2026-07-20 10:00:00" 2 objection
request "2026-08-05 10:00:00" 3 withdrawal
request "2026-09-02 10:00:00" 4 withdrawal
request "2026-09-25 10:00:00" 5 retention
close "2026-07-09 15:00:00" 1
close "2026-08-26 15:00:00" 2
close "2026-08-12 15:00:00" 3
close "2026-09-16 15:00:00" 4

# October 2: the quarter's report, in all four formats, its bundle, and the auditor's check.
when="2026-10-02 09:00:00"
rm -f "$OUT"/q3.* "$OUT"/shipment.*
TZ=UTC faketime "$when" "$LETHE" report disposal --from 2026-07-01 --to 2026-09-30 --format json \
    --out "$OUT/q3.json" --actor compliance.lead | tee "$OUT/generate.txt"
report=$("$LETHE" report list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["serial"])')
for format in csv html pdf; do
    "$LETHE" report show "$report" --format "$format" --out "$OUT/q3.$format"
done
rm -rf "$OUT/bundle"
TZ=UTC faketime "$when" "$LETHE" report export "$report" --out "$OUT/bundle" >/dev/null
"$LETHE" report verify "$OUT/bundle" | tee "$OUT/verify.txt"
(cd "$OUT/bundle" && openssl cms -verify -binary -inform DER -in record.p7s -content record.json \
    -CAfile issuer.pem -purpose any -out /dev/null) 2>&1 | tee "$OUT/openssl.txt"
"$LETHE" report reproduce "$report" | tee "$OUT/reproduce.txt"
TZ=UTC faketime "$when" "$LETHE" report shipment SHRED-2026-0710 --format html --out "$OUT/shipment.html" \
    --actor compliance.lead | tee "$OUT/shipment.txt"
shipment=$("$LETHE" report list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["serial"])')
"$LETHE" report show "$shipment" --format csv --out "$OUT/shipment.csv"
"$LETHE" report show "$shipment" --format pdf --out "$OUT/shipment.pdf"
"$LETHE" report list > "$OUT/list.txt"
if command -v pdftoppm >/dev/null; then
    mkdir -p "$IMAGES"
    rm -f "$IMAGES"/report-q3-page-*.png "$IMAGES"/report-shipment-page-*.png
    pdftoppm -png -r 70 "$OUT/q3.pdf" "$IMAGES/report-q3-page"
    pdftoppm -png -r 70 -f 1 -l 1 "$OUT/shipment.pdf" "$IMAGES/report-shipment-page"
    pdfinfo "$OUT/q3.pdf" | grep -E '^(Pages|Title|Creator|Producer|Page size):' > "$OUT/pdfinfo.txt"
fi
echo "wrote $OUT"
