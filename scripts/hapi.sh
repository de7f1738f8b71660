#!/usr/bin/env bash
# Local HAPI FHIR JPA server (R4, in-memory H2) for integration tests.
#
#   scripts/hapi.sh build          build the launcher (skipped when up to date)
#   scripts/hapi.sh start [PORT]   build if needed, start in background, wait, print base URL
#   scripts/hapi.sh stop           stop the server started by `start`
#   scripts/hapi.sh status         print the base URL if running (exit 1 otherwise)
#
# PORT: argument, else $HAPI_PORT, else 0 (= a free port chosen by the server).
# Files: test/hapi/target/{hapi.pid,hapi.url,hapi.log,build.log}
# Env: HAPI_START_TIMEOUT (s, default 240), HAPI_BUILD_TIMEOUT (s, default 1200),
#      HAPI_JAVA_OPTS (default "-Xms256m -Xmx1g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC":
#      C1 only + serial GC start faster and use less memory on a 2-core box),
#      JAVA_HOME, MVN (default mvn).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT="$ROOT/test/hapi"
TARGET="$PROJECT/target"
JAR="$TARGET/hapi-launcher.jar"
CLASSPATH_FILE="$TARGET/classpath.txt"
PID_FILE="$TARGET/hapi.pid"
URL_FILE="$TARGET/hapi.url"
LOG_FILE="$TARGET/hapi.log"
BUILD_LOG="$TARGET/build.log"
MAIN_CLASS="no.fls.cds.hapi.HapiLauncher"
READY_PREFIX="HAPI FHIR ready at "

START_TIMEOUT="${HAPI_START_TIMEOUT:-240}"
BUILD_TIMEOUT="${HAPI_BUILD_TIMEOUT:-1200}"
JAVA_OPTS="${HAPI_JAVA_OPTS:--Xms256m -Xmx1g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
MVN="${MVN:-mvn}"

die() { echo "hapi.sh: $*" >&2; exit 1; }

# True when the jar and classpath exist, are newer than pom.xml and every source file,
# and every jar on the recorded classpath is still in the local Maven repository.
is_built() {
  [[ -f "$JAR" && -s "$CLASSPATH_FILE" ]] || return 1
  [[ "$PROJECT/pom.xml" -nt "$JAR" ]] && return 1
  if [[ -n "$(find "$PROJECT/src" -type f -newer "$JAR" -print -quit)" ]]; then return 1; fi
  local entry
  local IFS=':'
  for entry in $(cat "$CLASSPATH_FILE"); do
    [[ -e "$entry" ]] || return 1
  done
  return 0
}

cmd_build() {
  if is_built; then
    return 0
  fi
  command -v "$MVN" >/dev/null 2>&1 || die "Maven ('$MVN') not found"
  mkdir -p "$TARGET"
  echo "hapi.sh: building HAPI launcher (first run downloads ~350 MB into ~/.m2)..." >&2
  local started=$SECONDS
  if ! (cd "$PROJECT" && timeout "$BUILD_TIMEOUT" "$MVN" -q -B --no-transfer-progress \
        -Dstyle.color=never package) >"$BUILD_LOG" 2>&1; then
    tail -n 60 "$BUILD_LOG" >&2
    die "build failed (full log: $BUILD_LOG)"
  fi
  # -q still leaves ANSI reset codes behind; the jar must exist now.
  [[ -f "$JAR" && -s "$CLASSPATH_FILE" ]] || die "build produced no jar/classpath (see $BUILD_LOG)"
  touch "$JAR"
  echo "hapi.sh: built in $((SECONDS - started)) s" >&2
}

# PID from the pid file if that process is alive and is our launcher.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$MAIN_CLASS"; then
    return 1
  fi
  echo "$pid"
}

http_status() {
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 10 -w '%{http_code}' -H 'Accept: application/fhir+json' "$1" || true
  else
    echo "000"
  fi
}

cmd_start() {
  local port="${1:-${HAPI_PORT:-0}}"
  [[ "$port" =~ ^[0-9]+$ ]] || die "invalid port: $port"

  local pid
  if pid="$(running_pid)"; then
    if [[ -s "$URL_FILE" ]]; then
      echo "hapi.sh: already running (pid $pid)" >&2
      cat "$URL_FILE"
      return 0
    fi
    die "a launcher is running (pid $pid) but $URL_FILE is missing; run: $0 stop"
  fi
  rm -f "$PID_FILE" "$URL_FILE"

  cmd_build
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (need Java 17+)"

  local cp
  cp="$JAR:$(cat "$CLASSPATH_FILE")"
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
  nohup "$JAVA" $JAVA_OPTS -cp "$cp" "$MAIN_CLASS" "$port" </dev/null >"$LOG_FILE" 2>&1 &
  pid=$!
  echo "$pid" >"$PID_FILE"

  local deadline=$((SECONDS + START_TIMEOUT)) url=""
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      die "HAPI FHIR exited during start-up (log: $LOG_FILE)"
    fi
    if [[ -z "$url" ]]; then
      url="$(grep -m1 "^$READY_PREFIX" "$LOG_FILE" 2>/dev/null | sed "s/^$READY_PREFIX//" | tr -d '\r' || true)"
    fi
    if [[ -n "$url" ]]; then
      if ! command -v curl >/dev/null 2>&1 || [[ "$(http_status "$url/metadata")" == "200" ]]; then
        echo "$url" >"$URL_FILE"
        echo "hapi.sh: HAPI FHIR up in $((SECONDS - deadline + START_TIMEOUT)) s (pid $pid, log $LOG_FILE)" >&2
        echo "$url"
        return 0
      fi
    fi
    sleep 1
  done
  tail -n 40 "$LOG_FILE" >&2
  cmd_stop >/dev/null 2>&1 || true
  die "HAPI FHIR not ready within ${START_TIMEOUT} s (log: $LOG_FILE)"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE" "$URL_FILE"
    echo "hapi.sh: not running" >&2
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "hapi.sh: pid $pid did not stop after 30 s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE" "$URL_FILE"
  echo "hapi.sh: stopped (pid $pid)" >&2
}

cmd_status() {
  local pid
  if pid="$(running_pid)" && [[ -s "$URL_FILE" ]]; then
    cat "$URL_FILE"
    return 0
  fi
  echo "hapi.sh: not running" >&2
  return 1
}

case "${1:-}" in
  build) cmd_build ;;
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 {build|start [PORT]|stop|status}" >&2
    exit 2
    ;;
esac
