import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'discovery-e2e',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts'],
};
