module.exports = { displayName: 'sensor-model', preset: '../../jest.preset.js' };
