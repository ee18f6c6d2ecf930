// Unit tests (*.test.ts) need nothing running; integration tests (*.int.test.ts) start the real
// services against the machine's Postgres and NATS, each in its own database and stream prefix.
// Type checking is `npm run typecheck`; here files are only transpiled, one at a time.
const transform = {
  '^.+\\.(t|j)sx?$': ['ts-jest', {
    tsconfig: { isolatedModules: true, rootDir: __dirname, module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0', allowJs: true, target: 'ES2022', esModuleInterop: true },
  }],
};
const common = {
  transform,
  // jose (and auto-bind, used by graphql-codegen) ship ESM only; the transformer turns them into CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(jose|auto-bind)/)'],
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/bench/', '<rootDir>/.data/'],
};
module.exports = {
  // Integration tests start whole services; unit tests never come near this.
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', '\\.int\\.test\\.ts$'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/**/*.int.test.ts'] },
  ],
};
