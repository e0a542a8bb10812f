import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'core',
  // test/integration runs two real nodes on loopback (a few seconds each).
  testMatch: ['<rootDir>/src/**/*.test.ts?(x)', '<rootDir>/test/unit/**/*.test.ts?(x)', '<rootDir>/test/integration/**/*.test.ts?(x)'],
  // Under load a fresh pair can take its whole connection bound before it connects; waits are on
  // events, so the timeout only bounds a hang.
  testTimeout: 60_000,
};
