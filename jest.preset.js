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
  transform: { '^.+\\.[tj]s$': ['@swc/jest', swc] },
  moduleFileExtensions: ['ts', 'js'],
};
