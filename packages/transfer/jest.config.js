import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'transfer',
  testMatch: ['<rootDir>/src/**/*.test.ts?(x)', '<rootDir>/test/unit/**/*.test.ts?(x)', '<rootDir>/test/integration/**/*.test.ts?(x)'],
};
