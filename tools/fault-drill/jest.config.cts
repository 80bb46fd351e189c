module.exports = { displayName: 'fault-drill', preset: '../../jest.preset.js' };
