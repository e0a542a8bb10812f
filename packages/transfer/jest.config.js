import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'transfer',
  testMatch: ['<rootDir>/src/**/*.test.ts?(x)', '<rootDir>/test/unit/**/*.test.ts?(x)', '<rootDir>/test/integration/**/*.test.ts?(x)'],
  // Integration tests connect real peer pairs; on a loaded machine one attempt can take its whole
  // 10 s bound before a fresh pair connects (test/support/ndc-pair.ts). Waits are on conditions,
  // so the timeout only bounds a hang.
  testTimeout: 60_000,
};
