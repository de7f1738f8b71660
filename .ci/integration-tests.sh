#!/usr/bin/env bash
# CI section: the integration tests against a real HAPI FHIR server, then the demo
# (docs/integration-tests.md and README "Demo"). Called by .ci/run after the
# unit tests. Needs Java 17+, Maven 3.8+ and curl. Maven's ~/.m2 and the built
# launcher in test/hapi/target/ are reused by later runs on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== integration tests against HAPI FHIR (npm run test:integration)"
for tool in java mvn curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "integration-tests: '$tool' not found (needs Java 17+, Maven 3.8+, curl)" >&2
    exit 1
  fi
done
java -version 2>&1 | head -n 1

# Never leave a HAPI server behind that this run started (jest's teardown stops it
# when the suite ends normally; this covers a timeout or an interrupted run).
hapi_was_running=false
if scripts/hapi.sh status >/dev/null 2>&1; then hapi_was_running=true; fi
demo_log="$(mktemp)"
cleanup() {
  rm -f "$demo_log"
  if [[ "$hapi_was_running" == false ]]; then scripts/hapi.sh stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

started=$SECONDS
# Build first so that the one-off Maven download (~350 MB, ~2.5 min) is timed apart.
timeout 1500 scripts/hapi.sh build
echo "integration-tests: HAPI launcher built in $((SECONDS - started)) s"
echo "integration-tests: the HAPI suite follows; its plain jest line closes it"
timeout 1800 npm run test:integration

echo "== demo (npm run demo)"
if ! NO_COLOR=1 timeout 300 npm run --silent demo -- --lang en >"$demo_log" 2>&1; then
  cat "$demo_log"
  echo "demo failed" >&2
  exit 1
fi
calls="$(grep -c ' → ' "$demo_log" || true)"
cards="$(grep -cE '^  (‼|⚠|ℹ) ' "$demo_log" || true)"
rows="$(grep -cE '^pat-' "$demo_log" || true)"
closing="$(tail -n 1 "$demo_log")"
if [[ "$calls" -eq 0 || ! "$closing" =~ ^demo:\ [1-9][0-9]*\ passed,\ 0\ failed$ ]]; then
  cat "$demo_log"
  echo "demo answered no hook call, or not with the expected cards" >&2
  exit 1
fi
echo "integration-tests: passed in $((SECONDS - started)) s; the demo's ${calls} hook calls answered with ${cards} cards, the library's worklist (${rows} rows) checked in every profile, services stopped"
# The plain closing line CI reads (the demo's: hook calls answered with the expected codes, and
# one check per profile of the library's worklist).
echo "$closing"
