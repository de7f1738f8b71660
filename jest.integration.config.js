/**
 * Integration tests against a real HAPI FHIR server (`npm run test:integration`):
 * global setup starts HAPI once per run, teardown stops it. Same transforms as the
 * unit config (jest.config.js), which never runs these.
 */
const unit = require('./jest.config.js');

module.exports = {
  ...unit,
  roots: ['<rootDir>/test/integration'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/integration/global-setup.js',
  globalTeardown: '<rootDir>/test/integration/global-teardown.js',
  // One HAPI server for the run, and one test stops and restarts it: one file at a time.
  maxWorkers: 1,
  // Loading the library and a HAPI restart take tens of seconds on a busy machine.
  testTimeout: 120000,
};
