#!/usr/bin/env bash
# Smoke test of a running launcher: seeds a Patient + 3 calcium Observations with a
# transaction Bundle and checks search, sort, paging, unknown-parameter handling.
# Usage: test/hapi/smoke.sh [BASE_URL]   (default: contents of test/hapi/target/hapi.url)
# Patient id: $SMOKE_PATIENT, default a fresh "pat-smoke-NNNN" so re-runs do not collide
# (SMOKE_PATIENT=pat-1 on a fresh server reproduces the README check). Needs curl, python3.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
B="${1:-$(cat "$HERE/target/hapi.url")}"
P="${SMOKE_PATIENT:-pat-smoke-$RANDOM$RANDOM}"
fail() { echo "FAIL: $*" >&2; exit 1; }

obs() { # $1 = effectiveDateTime, $2 = value
  cat <<EOF
{"fullUrl":"urn:uuid:$(python3 -c 'import uuid;print(uuid.uuid4())')","request":{"method":"POST","url":"Observation"},
 "resource":{"resourceType":"Observation","status":"final",
  "code":{"coding":[{"system":"http://loinc.org","code":"2000-8","display":"Calcium"}]},
  "subject":{"reference":"Patient/$P"},"effectiveDateTime":"$1",
  "valueQuantity":{"value":$2,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}}}
EOF
}
BUNDLE=$(cat <<EOF
{"resourceType":"Bundle","type":"transaction","entry":[
{"fullUrl":"Patient/$P","request":{"method":"PUT","url":"Patient/$P"},
 "resource":{"resourceType":"Patient","id":"$P","name":[{"family":"Test","given":["Pat"]}]}},
$(obs 2031-01-10T08:00:00Z 2.2),
$(obs 2031-03-10T08:00:00Z 2.4),
$(obs 2031-02-10T08:00:00Z 2.6)
]}
EOF
)

code=$(curl -s -o /tmp/hapi-smoke-tx.json -w '%{http_code}' -X POST \
  -H 'Content-Type: application/fhir+json' --data "$BUNDLE" "$B")
[[ "$code" == 200 ]] || fail "transaction -> $code: $(head -c 500 /tmp/hapi-smoke-tx.json)"
echo "transaction: 200"

page1=$(curl -s "$B/Observation?patient=$P&code=http://loinc.org%7C2000-8&_sort=-date&_count=2")
next=$(python3 - "$page1" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
dates = [e["resource"]["effectiveDateTime"] for e in d.get("entry", [])]
assert dates == ["2031-03-10T08:00:00Z", "2031-02-10T08:00:00Z"], dates
links = {l["relation"]: l["url"] for l in d["link"]}
assert "next" in links, links
print(links["next"])
EOF
) || fail "page 1: $page1"
echo "page 1: 2 entries newest first; next = $next"

page2=$(curl -s "$next")
python3 - "$page2" <<'EOF' || fail "page 2: $page2"
import json, sys
d = json.loads(sys.argv[1])
dates = [e["resource"]["effectiveDateTime"] for e in d.get("entry", [])]
assert dates and dates[0] == "2031-01-10T08:00:00Z", dates
EOF
echo "page 2: starts with the oldest"

code=$(curl -s -o /tmp/hapi-smoke-bogus.json -w '%{http_code}' "$B/Observation?patient=$P&bogus=1")
[[ "$code" == 400 ]] || fail "unknown parameter -> $code"
echo "unknown parameter: 400 ($(grep -o 'HAPI-[0-9]*' /tmp/hapi-smoke-bogus.json | head -1))"

for r in MedicationRequest Condition MedicationStatement MedicationAdministration Procedure; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$B/$r?patient=$P")
  [[ "$code" == 200 ]] || fail "$r?patient=$P -> $code"
done
echo "MedicationRequest/Condition/MedicationStatement/MedicationAdministration/Procedure ?patient=$P: 200"
echo "OK"
