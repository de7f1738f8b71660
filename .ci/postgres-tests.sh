#!/usr/bin/env bash
# The store test suite (test/store) and the scale-out tests (test/replicas: two
# service processes on one database, issue #8) against a real PostgreSQL: a
# throwaway cluster from scripts/with-postgres.sh, its URL in DATABASE_URL.
# Arguments, if any, replace the test paths (`bash .ci/postgres-tests.sh test/replicas`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -gt 0 ]; then
  exec bash scripts/with-postgres.sh npx jest --ci "$@"
fi
exec bash scripts/with-postgres.sh npx jest --ci test/store test/replicas
