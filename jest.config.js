/** Unit, HTTP and golden tests. Integration tests against HAPI have their own config. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/integration/'],
  clearMocks: true,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
