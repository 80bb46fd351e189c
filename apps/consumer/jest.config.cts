module.exports = { displayName: 'consumer', preset: '../../jest.preset.js' };
