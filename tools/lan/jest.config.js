import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'lan',
  testMatch: ['<rootDir>/src/**/*.test.ts?(x)', '<rootDir>/test/unit/**/*.test.ts?(x)'],
};
