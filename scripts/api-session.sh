#!/usr/bin/env bash
# The curl session of docs/api.md, for real: a fresh data directory, `lethe serve` on a free
# loopback port, then an admin, IT staff, a technician, two verifiers-to-be and an auditor take a
# laptop from registration to a verified job and a downloaded bundle that openssl accepts.
# Prints a console transcript (commands and their real output). Needs curl, jq (to carry tokens
# and ids between steps, as a reader copies them), tar and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."
LETHE=${LETHE:-.build/debug/lethe}
PORT=${PORT:-8088}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
export LETHE_DATA_DIR="$work/data" LETHE_ORGANIZATION="Example Corp" LETHE_LOG_LEVEL=warning
"$LETHE" serve --port "$PORT" 2>"$work/serve.err" &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
API="http://127.0.0.1:$PORT/api/v1"
ADMIN=$(sed -n 's/^ *API token: *//p' "$work/serve.err")

echo '$ lethe serve --port '"$PORT"
sed 's/\(API token: *\).*/\1lethe_1_…/; s/\(console password: *\).*/\1…/' "$work/serve.err"

# show CMD...: print the command as typed (tokens as variables), run it, print its output
show() {
    local shown="$1"
    shift
    printf '\n$ %s\n' "$shown"
    "$@"
    echo
}
json() { curl -s -H "Authorization: Bearer $1" "${@:2}"; }

for user in ivy:it-staff tom:technician vera:verifier val:verifier ada:auditor; do
    name=${user%%:*} role=${user#*:}
    out=$(json "$ADMIN" -X POST "$API/users" -d "{\"name\":\"$name\",\"roles\":[\"$role\"]}")
    printf -v "TOKEN_${name^^}" '%s' "$(jq -r .token.secret <<<"$out")"
    if [[ $name == ivy ]]; then
        printf '\n$ curl -s -X POST %s/users -H "Authorization: Bearer $ADMIN" -d '"'"'{"name":"ivy","roles":["it-staff"]}'"'"'\n' "$API"
        jq -c '.user, {token: {secret: (.token.secret[:10] + "…"), id: .token.token.id}}' <<<"$out"
    fi
done
printf '\n# …and likewise tom (technician), vera and val (verifier), ada (auditor); each token is shown once\n'

show 'curl -s -X POST '"$API"'/assets -H "Authorization: Bearer $IVY" -d '"'"'{"tag":"LAP-0042","media_type":"laptop","classification":"high","serial":"5CG1234XYZ","make":"HP","model":"EliteBook 840","custodian":"alice"}'"'" \
    json "$TOKEN_IVY" -X POST "$API/assets" \
    -d '{"tag":"LAP-0042","media_type":"laptop","classification":"high","serial":"5CG1234XYZ","make":"HP","model":"EliteBook 840","custodian":"alice"}'
show 'curl -s -X POST '"$API"'/assets/LAP-0042/retire -H "Authorization: Bearer $IVY" -d '"'"'{"reason":"end of lease"}'"'" \
    json "$TOKEN_IVY" -X POST "$API/assets/LAP-0042/retire" -d '{"reason":"end of lease"}'
show 'curl -s -X POST '"$API"'/assets/LAP-0042/move -H "Authorization: Bearer $IVY" -d '"'"'{"to":"ACME Shredding","seals":["SEAL-0091"],"location":"ACME truck"}'"'" \
    json "$TOKEN_IVY" -X POST "$API/assets/LAP-0042/move" -d '{"to":"ACME Shredding","seals":["SEAL-0091"],"location":"ACME truck"}'

# The schedule is compliance's: the admin gives a compliance officer (carol) and a second one (dan) a token
CAROL=$(json "$ADMIN" -X POST "$API/users" -d '{"name":"carol","roles":["compliance"]}' | jq -r .token.secret)
DAN=$(json "$ADMIN" -X POST "$API/users" -d '{"name":"dan","roles":["compliance"]}' | jq -r .token.secret)
printf '\n# (the admin adds carol and dan, role compliance, the same way)\n'
show 'curl -s -X POST '"$API"'/schedule -H "Authorization: Bearer $CAROL"' \
    json "$CAROL" -X POST "$API/schedule"
JOB=$(json "$TOKEN_ADA" "$API/jobs?asset=LAP-0042" | jq -r '.jobs[0].id')
show 'curl -s -X POST '"$API"'/jobs/'"$JOB"'/approve -H "Authorization: Bearer $CAROL"    # who scheduled it cannot approve it' \
    json "$CAROL" -X POST "$API/jobs/$JOB/approve"
show 'curl -s -X POST '"$API"'/jobs/'"$JOB"'/approve -H "Authorization: Bearer $DAN"' \
    json "$DAN" -X POST "$API/jobs/$JOB/approve"
show 'curl -s -X POST '"$API"'/jobs/'"$JOB"'/start -H "Authorization: Bearer $TOM"' \
    json "$TOKEN_TOM" -X POST "$API/jobs/$JOB/start"
printf 'ACME Shredding certificate of destruction 4411\nasset LAP-0042, serial 5CG1234XYZ, shredded 2026-12-05\n' >"$work/cert-4411.txt"
cd "$work"
show 'curl -s -X POST "'"$API"'/jobs/'"$JOB"'/evidence?name=cert-4411.txt&technique=shred&tool=ACME%20Shredding&tool_version=form%203" -H "Authorization: Bearer $TOM" --data-binary @cert-4411.txt' \
    curl -s -X POST "$API/jobs/$JOB/evidence?name=cert-4411.txt&technique=shred&tool=ACME%20Shredding&tool_version=form%203" \
    -H "Authorization: Bearer $TOKEN_TOM" --data-binary @cert-4411.txt
show 'curl -s -X POST "'"$API"'/jobs/'"$JOB"'/attestations?name=cert-4411.txt&notes=certificate%20matches%20the%20serial" -H "Authorization: Bearer $VERA" --data-binary @cert-4411.txt' \
    curl -s -X POST "$API/jobs/$JOB/attestations?name=cert-4411.txt&notes=certificate%20matches%20the%20serial" \
    -H "Authorization: Bearer $TOKEN_VERA" --data-binary @cert-4411.txt
show 'curl -s -X POST '"$API"'/certificates -H "Authorization: Bearer $VAL" -d '"'"'{"job":'"$JOB"',"performer_title":"Shredding operator","validator_title":"IT security officer"}'"'" \
    json "$TOKEN_VAL" -X POST "$API/certificates" -d '{"job":'"$JOB"',"performer_title":"Shredding operator","validator_title":"IT security officer"}'
SERIAL=$(json "$TOKEN_ADA" "$API/certificates" | jq -r '.[0].serial // .records[0].serial')
show 'curl -s -o bundle.tar.gz -w "%{http_code} %{content_type} %{size_download} bytes\n" '"$API"'/certificates/'"$SERIAL"'/bundle -H "Authorization: Bearer $ADA"' \
    curl -s -o bundle.tar.gz -w "%{http_code} %{content_type} %{size_download} bytes\n" "$API/certificates/$SERIAL/bundle" \
    -H "Authorization: Bearer $TOKEN_ADA"
show 'tar xzf bundle.tar.gz && ls '"$SERIAL" bash -c "tar xzf bundle.tar.gz && ls $SERIAL"
show "grep -A3 'openssl cms' $SERIAL/VERIFY.txt" grep -A3 'openssl cms' "$SERIAL/VERIFY.txt"
cd "$SERIAL"
verify=$(grep -m1 -o 'openssl cms -verify.*' VERIFY.txt)
show "$verify" bash -c "$verify"
cd "$work"
show 'curl -s '"$API"'/assets/LAP-0042/history -H "Authorization: Bearer $ADA" | jq -c '"'"'.[] | [.seq, .actor, .type]'"'"'    # every actor is a token'"'"'s user' \
    bash -c "curl -s '$API/assets/LAP-0042/history' -H 'Authorization: Bearer $TOKEN_ADA' | jq -c '.[] | [.seq, .actor, .type]'"
