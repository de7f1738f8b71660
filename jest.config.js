/** Unit, HTTP and golden tests. Integration tests against HAPI have their own config. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/integration/', '/test/browser/'],
  transform: {
    '^.+\\.tsx?$': 'ts-jest',
    // PGlite (the embedded store) needs its dynamic imports rewritten to run under Jest.
    '[/\\\\]@electric-sql[/\\\\]pglite[/\\\\]dist[/\\\\].+\\.c?js$':
      '<rootDir>/test/helpers/pglite-transform.js',
    // jose is published as ES modules only.
    '[/\\\\]node_modules[/\\\\]jose[/\\\\].+\\.js$': '<rootDir>/test/helpers/esm-transform.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!(@electric-sql/pglite|jose)/)'],
  clearMocks: true,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
