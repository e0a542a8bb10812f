import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'peer',
  // test/integration runs two real node-datachannel stacks on 127.0.0.1 (a few seconds).
  testMatch: [
    '<rootDir>/src/**/*.test.ts?(x)',
    '<rootDir>/test/unit/**/*.test.ts?(x)',
    '<rootDir>/test/integration/**/*.test.ts?(x)',
  ],
};
