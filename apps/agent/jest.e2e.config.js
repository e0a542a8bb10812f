import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'agent-e2e',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts'],
  testTimeout: 180000,
};
