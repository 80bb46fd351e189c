const { readFileSync } = require('fs');

const swcJestConfig = JSON.parse(readFileSync(`${__dirname}/.spec.swcrc`, 'utf-8'));
swcJestConfig.swcrc = false;

module.exports = {
  displayName: 'messaging',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['@swc/jest', swcJestConfig] },
  moduleFileExtensions: ['ts', 'js'],
  coverageDirectory: '../../coverage/libs/messaging',
  // Tests against the real broker wait out reconnect backoff and nack retries: up to ~5 s alone,
  // and beyond Jest's default 5 s while CI runs other projects' tests beside them.
  testTimeout: 30_000,
};
