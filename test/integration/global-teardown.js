/** Jest global teardown: stop HAPI FHIR if this run started it. */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function globalTeardown() {
  if (!globalThis.__HAPI_STARTED_BY_TESTS__) return;
  execFileSync(path.join(__dirname, '..', '..', 'scripts', 'hapi.sh'), ['stop'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
};
