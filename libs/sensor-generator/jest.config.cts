module.exports = { displayName: 'sensor-generator', preset: '../../jest.preset.js' };
