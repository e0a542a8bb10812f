import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'install',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
};
