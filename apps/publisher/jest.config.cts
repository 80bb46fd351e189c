module.exports = { displayName: 'publisher', preset: '../../jest.preset.js' };
