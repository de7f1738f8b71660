/**
 * Jest global setup of the integration suite: start the project's HAPI FHIR server
 * once for the whole run (scripts/hapi.sh builds it with Maven on first use) and
 * hand its base URL to the tests. A server that was already running is reused and
 * left running at the end.
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { URL } = require('node:url');

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'hapi.sh');

module.exports = async function globalSetup() {
  let running = false;
  try {
    execFileSync(SCRIPT, ['status'], { stdio: 'ignore' });
    running = true;
  } catch {
    running = false;
  }
  process.stderr.write(
    running
      ? '\nintegration: reusing the running HAPI FHIR server\n'
      : '\nintegration: starting HAPI FHIR\n',
  );
  const started = Date.now();
  // Build and start-up progress goes to the terminal (stderr); stdout is the base URL.
  const url = execFileSync(SCRIPT, ['start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop();
  if (!url || new URL(url).hostname !== '127.0.0.1') {
    throw new Error(`scripts/hapi.sh start did not print a local base URL: ${url}`);
  }
  process.stderr.write(
    `integration: HAPI FHIR at ${url} (${Math.round((Date.now() - started) / 1000)} s)\n`,
  );
  process.env.HAPI_BASE_URL = url;
  globalThis.__HAPI_STARTED_BY_TESTS__ = !running;
};
