/**
 * Browser tests of the FLS pages (`npm run test:browser`, docs/pages.md): Debian's
 * chromium driven by playwright-core, the service in-process, and the patient library
 * on HAPI (HAPI_BASE_URL) or, without it, on the in-repo FHIR stub. Not in `npm test`.
 */
const unit = require('./jest.config.js');

module.exports = {
  ...unit,
  roots: ['<rootDir>/test/browser'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  // Chromium's start and the library's load into HAPI take seconds on a busy machine.
  testTimeout: 120000,
};
