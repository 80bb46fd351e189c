// Both apps run as real processes against the real broker and database.
module.exports = { displayName: 'pipeline-e2e', preset: '../../jest.preset.js', testTimeout: 180_000 };
