import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'tui',
  testMatch: ['<rootDir>/src/**/*.test.ts?(x)', '<rootDir>/test/unit/**/*.test.ts?(x)'],
  setupFiles: ['<rootDir>/test/support/interactive-terminal.ts'],
};
