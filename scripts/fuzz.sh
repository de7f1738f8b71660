#!/usr/bin/env bash
# Fuzz the running service against its own OpenAPI document with schemathesis
# (docs/fuzzing.md). Two runs, each on a fresh service built from this tree
# (node dist/src/main.js, in-memory store, 127.0.0.1, free port):
#   1. auth off: discovery, every hook, feedback, quality indicators, health, the document;
#   2. auth on: the same with a fresh client JWT per request (tenants mapped to the
#      no, dk and se profiles in turn); every tenth token broken, to be refused.
# Fails when schemathesis reports a failure, or when the service died, logged a
# 5xx or "request failed", tried to fetch from outside this machine, or wrote a
# request's FHIR access token or patient id into its log.
#
# Output: schemathesis' own, except that its pytest-style closing banner
# ("=== 1 warning in 44.15s ===", which CI would read as a runner that ran no test)
# becomes a plain sentence; then one plain line per run, "fuzz auth-off: N passed,
# N failed", counting the test cases schemathesis reports (each failed check of the
# service process or its log adds one failure), and last the totals, "fuzz: N passed,
# N failed".
#
# Env: FUZZ_SEED (default 8), FUZZ_EXAMPLES (per operation, default 100),
# FUZZ_AUTH_EXAMPLES (default 25), FUZZ_RUNS (default "auth-off auth-on"),
# FUZZ_VENV (where schemathesis is installed; default ~/.cache/fls-cds-hooks/…,
# outside the work tree), FUZZ_KEEP=1 (keep logs and JUnit reports after a pass).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SCHEMATHESIS_VERSION=4.32.5
CRYPTOGRAPHY_VERSION=50.0.2
SEED=${FUZZ_SEED:-8}
EXAMPLES=${FUZZ_EXAMPLES:-100}
AUTH_EXAMPLES=${FUZZ_AUTH_EXAMPLES:-25}
VENV=${FUZZ_VENV:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/fls-cds-hooks/schemathesis-$SCHEMATHESIS_VERSION}
# The library patient the FHIR stub serves (three patient-view cards).
STUB_PATIENT=test/fixtures/patients/r06-hypocalcaemia.json
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,unsupported_method,no_secret_in_error
# A hard bound for one schemathesis run; a normal one takes well under a minute.
RUN_TIMEOUT_SECONDS=900

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fls-fuzz.XXXXXX")
PIDS=()
FAILED=0
KEPT_SAID=0
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ $FAILED == 0 && ${FUZZ_KEEP:-0} != 1 ]]; then
    rm -rf "$WORK"
  elif [[ $KEPT_SAID == 0 ]]; then
    echo "fuzz: logs kept in $WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '== fuzz: %s\n' "$*"; }

# schemathesis' banners (a title centred in "=") as plain lines; its closing one
# ("N failures, N warnings in 12.34s", "No issues found in 12.34s", "Empty test suite")
# as a sentence that names no runner and no count of tests.
plain_banners() {
  sed -u -E \
    -e 's/^=+ No issues found in ([0-9.]+s) =+$/schemathesis finished after \1: no issues found/' \
    -e 's/^=+ Empty test suite =+$/schemathesis finished: it generated no test case/' \
    -e 's/^=+ (.+) in ([0-9.]+s) =+$/schemathesis finished after \2, reporting: \1/' \
    -e 's/^=+ (.+) =+$/-- \1 --/'
}

# case_counts LOG: "PASSED FAILED" from schemathesis' "Test cases:" block
# ("2098 generated, 2098 passed", "120 generated, 3 found 4 unique failures, 2 skipped").
case_counts() {
  local line generated passed failed skipped
  line=$(grep -A1 '^Test cases:' "$1" | tail -n 1 || true)
  generated=$(grep -oE '[0-9]+ generated' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  skipped=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  failed=$(grep -oE '[0-9]+ found [0-9]+ unique failures?' <<<"$line" | grep -oE '^[0-9]+' || echo 0)
  passed=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo $((generated - failed - skipped)))
  echo "$passed $failed"
}

# --- schemathesis, pinned, in a venv outside the work tree
INSTALLED="schemathesis==$SCHEMATHESIS_VERSION cryptography==$CRYPTOGRAPHY_VERSION"
if [[ "$(cat "$VENV/.fls-fuzz-installed" 2>/dev/null)" != "$INSTALLED" ]]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV" || {
    echo "fuzz: python3 with venv is needed (Debian: apt-get install python3-venv)" >&2
    exit 1
  }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "cryptography==$CRYPTOGRAPHY_VERSION"
  echo "$INSTALLED" >"$VENV/.fls-fuzz-installed"
fi
"$VENV/bin/st" --version

say "building the service"
npm run --silent build

# --- the FHIR server every generated fhirServer is pointed at (loopback only)
"$VENV/bin/python" scripts/fuzz/fhir_stub.py "$STUB_PATIENT" "$WORK/stub.port" &
PIDS+=($!)
for _ in $(seq 100); do [[ -s $WORK/stub.port ]] && break; sleep 0.1; done
[[ -s $WORK/stub.port ]] || { echo "fuzz: the FHIR stub did not start" >&2; FAILED=1; exit 1; }
FHIR_BASE="http://127.0.0.1:$(cat "$WORK/stub.port")/fhir"

"$VENV/bin/python" scripts/fuzz/client_jwt.py "$WORK"

# start_service NAME [VAR=VALUE…]: starts the service, sets SERVICE_PID and SERVICE_BASE.
start_service() {
  local name=$1
  shift
  local log=$WORK/$name.service.log
  # The worklist reads the same loopback FHIR stub, so its routes are fuzzed end to end.
  env PORT=0 HOST=127.0.0.1 STORE_FILE=memory:// LOG_LEVEL=info WORKLIST_FHIR_BASE="$FHIR_BASE" \
    FUZZ_REFUSED_FILE="$WORK/$name.refused" "$@" \
    node --require ./scripts/fuzz/loopback-fetch.cjs dist/src/main.js >"$log" 2>&1 &
  SERVICE_PID=$!
  PIDS+=("$SERVICE_PID")
  SERVICE_BASE=
  for _ in $(seq 600); do
    SERVICE_BASE=$(grep -o '"ready at http://127\.0\.0\.1:[0-9]*' "$log" | head -1 | cut -c11- || true)
    [[ -n $SERVICE_BASE ]] && break
    kill -0 "$SERVICE_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $SERVICE_BASE ]]; then
    echo "fuzz: the service did not start ($name):" >&2
    tail -20 "$log" >&2
    return 1
  fi
}

# fuzz NAME EXAMPLES [VAR=VALUE…]: one schemathesis run against the service; 0 when all is well.
fuzz() {
  local name=$1 examples=$2
  shift 2
  local log=$WORK/$name.service.log status=0
  say "$name: service"
  start_service "$name" "$@" || return 1
  say "$name: schemathesis --seed $SEED --max-examples $examples against $SERVICE_BASE"
  local started=$SECONDS st_log=$WORK/$name.schemathesis.log
  set +e
  (
    cd "$WORK"
    env SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$ROOT/scripts/fuzz" PYTHONDONTWRITEBYTECODE=1 \
      FUZZ_FHIR_BASE="$FHIR_BASE" FUZZ_SERVICE_BASE="$SERVICE_BASE" \
      FUZZ_SECRETS_FILE="$WORK/$name.secrets" ${FUZZ_JWT_KEY:+FUZZ_JWT_KEY="$FUZZ_JWT_KEY"} \
      timeout "$RUN_TIMEOUT_SECONDS" "$VENV/bin/st" run "$ROOT/openapi/cds-hooks.openapi.json" \
      --url "$SERVICE_BASE" --seed "$SEED" --max-examples "$examples" --workers 1 \
      --checks "$CHECKS" --generation-database none --no-color \
      --report junit --report-junit-path "$WORK/$name.junit.xml"
  ) 2>&1 | tee "$st_log" | plain_banners
  status=${PIPESTATUS[0]}
  set -e
  say "$name: schemathesis exit $status after $((SECONDS - started)) s"
  local cases_passed cases_failed
  read -r cases_passed cases_failed < <(case_counts "$st_log")
  # A failing exit with no failed case counted (a crash, the timeout) is one failure;
  # so is a run that tested nothing.
  if [[ $status != 0 && $cases_failed == 0 ]]; then cases_failed=1; fi
  if [[ $cases_passed == 0 && $cases_failed == 0 ]]; then
    echo "fuzz: FAIL ($name): schemathesis generated no test case" >&2
    status=1
    cases_failed=1
  fi
  local checks_failed=0

  # What schemathesis cannot see: the process, its log, its outbound fetches.
  if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
    echo "fuzz: FAIL ($name): the service is no longer running" >&2
    tail -20 "$log" >&2
    status=1
    checks_failed=$((checks_failed + 1))
  fi
  # A 5xx logs "request failed" at level error (50); any error or fatal line fails the run.
  if grep -E '"status":5[0-9]{2}|"msg":"request failed"|"level":(50|60)' "$log" >"$WORK/$name.5xx"; then
    echo "fuzz: FAIL ($name): the service answered 5xx or logged an error:" >&2
    head -5 "$WORK/$name.5xx" >&2
    status=1
    checks_failed=$((checks_failed + 1))
  fi
  if [[ -s $WORK/$name.refused ]]; then
    echo "fuzz: FAIL ($name): the service tried to fetch from outside this machine (refused):" >&2
    sort -u "$WORK/$name.refused" | head -5 >&2
    status=1
    checks_failed=$((checks_failed + 1))
  fi
  if [[ -s $WORK/$name.secrets ]] && grep -F -w -f "$WORK/$name.secrets" "$log" >/dev/null; then
    echo "fuzz: FAIL ($name): a request's access token or patient id is in the service log" >&2
    status=1
    checks_failed=$((checks_failed + 1))
  fi
  local requests
  requests=$(grep -c '"msg":"request' "$log" || true)
  say "$name: the service answered $requests requests and $(kill -0 "$SERVICE_PID" 2>/dev/null && echo 'is still running' || echo 'is gone')"
  kill "$SERVICE_PID" 2>/dev/null || true
  wait "$SERVICE_PID" 2>/dev/null || true
  RUN_PASSED=$cases_passed
  RUN_FAILED=$((cases_failed + checks_failed))
  echo "fuzz $name: $RUN_PASSED passed, $RUN_FAILED failed"
  return "$status"
}

passed=0
failed=0
for run in ${FUZZ_RUNS:-auth-off auth-on}; do
  RUN_PASSED=0
  RUN_FAILED=0
  case $run in
    auth-off) fuzz auth-off "$EXAMPLES" CDS_AUTH=off && ok=1 || ok=0 ;;
    auth-on)
      FUZZ_JWT_KEY="$WORK/client-key.pem" fuzz auth-on "$AUTH_EXAMPLES" \
        CDS_AUTH=on CDS_TRUSTED_CLIENTS_FILE="$WORK/trusted-clients.json" \
        CDS_TENANT_PROFILES='{"fuzz-dk":"dk","fuzz-se":"se"}' && ok=1 || ok=0
      ;;
    *) echo "fuzz: unknown run '$run' in FUZZ_RUNS (auth-off, auth-on)" >&2; ok=0 ;;
  esac
  # A run that failed before its counts (the service did not start) is one failure.
  if [[ $ok == 0 && $RUN_FAILED == 0 ]]; then RUN_FAILED=1; fi
  passed=$((passed + RUN_PASSED))
  failed=$((failed + RUN_FAILED))
done
[[ $failed == 0 ]] || FAILED=1
if [[ $FAILED == 1 || ${FUZZ_KEEP:-0} == 1 ]]; then
  echo "fuzz: logs kept in $WORK"
  KEPT_SAID=1
fi
# The plain closing line CI reads: test cases of every run (after one line per run).
echo "fuzz: $passed passed, $failed failed"
exit "$FAILED"
