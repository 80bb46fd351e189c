// The one Jest configuration of the workspace: each project's jest.config.cts names itself and
// extends this. SWC strips types without checking them (the typecheck target does that) and
// keeps decorator metadata for class-validator and TypeORM.
const nxPreset = require('@nx/jest/preset').default;

const swc = {
  swcrc: false,
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
    externalHelpers: false,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  // A guard against a test that hangs, not a speed check: tests against real servers wait on
  // conditions, and CI runs them beside busy loops and the other projects' tests, where a
  // restart or a `rabbitmqctl` call can take ten times as long as on a quiet machine.
  testTimeout: 60_000,
  transform: { '^.+\\.[tj]s$': ['@swc/jest', swc] },
  moduleFileExtensions: ['ts', 'js'],
};
