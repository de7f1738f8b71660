#!/usr/bin/env bash
# CI section: the FLS pages in a real browser (docs/pages.md): Debian's chromium driven
# by playwright-core against the service and HAPI FHIR with the patient library loaded.
# Called by .ci/run after the HAPI integration tests. Installs chromium when missing
# (apt-get, as root; idempotent). Its last line is the plain jest summary line.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== browser tests of the FLS pages (npm run test:browser)"
if ! command -v chromium >/dev/null 2>&1; then
  apt=(apt-get)
  if [[ "$(id -u)" -ne 0 ]]; then apt=(sudo -n apt-get); fi
  echo "browser-tests: installing chromium (apt-get install -y chromium)"
  "${apt[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq chromium >/dev/null
fi
chromium --version

# HAPI as in .ci/integration-tests.sh: reuse one that runs, else start one and stop it after.
hapi_was_running=false
if scripts/hapi.sh status >/dev/null 2>&1; then hapi_was_running=true; fi
cleanup() {
  if [[ "$hapi_was_running" == false ]]; then scripts/hapi.sh stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
hapi_url="$(timeout 1500 scripts/hapi.sh start | tail -n 1)"
echo "browser-tests: HAPI FHIR at $hapi_url; the suite follows, its plain jest line closes it"
HAPI_BASE_URL="$hapi_url" timeout 900 npm run --silent test:browser
