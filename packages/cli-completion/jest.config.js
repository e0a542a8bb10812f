import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'cli-completion',
  testMatch: ['<rootDir>/src/**/*.test.ts?(x)', '<rootDir>/test/unit/**/*.test.ts?(x)'],
};
