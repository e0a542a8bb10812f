import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'tui-e2e',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts'],
  // One e2e starts two hosts, a TUI in tmux and two agents; WebRTC setup dominates.
  testTimeout: 120000,
};
