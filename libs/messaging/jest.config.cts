// Tests against the real broker wait out reconnect backoff and nack retries: up to ~5 s alone,
// and beyond Jest's default 5 s while CI runs other projects' tests beside them.
module.exports = { displayName: 'messaging', preset: '../../jest.preset.js', testTimeout: 30_000 };
