// Shared Jest settings. The code is ESM (Ink 6 is ESM-only), so tests run under
// `node --experimental-vm-modules` and ts-jest emits ESM. Workspace packages are
// mapped to their sources so tests never need a prior build.
const workspacePackages = {
  protocol: 'packages/protocol',
  discovery: 'packages/discovery',
  signaling: 'packages/signaling',
  peer: 'packages/peer',
  transfer: 'packages/transfer',
  core: 'packages/core',
  'cli-completion': 'packages/cli-completion',
  lan: 'tools/lan',
};

const moduleNameMapper = { '^(\\.{1,2}/.*)\\.js$': '$1' };
for (const [name, dir] of Object.entries(workspacePackages)) {
  moduleNameMapper[`^@fileshare/${name}$`] = `<rootDir>/../../${dir}/src/index.ts`;
}

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts', '.tsx'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleNameMapper,
  testTimeout: 20000,
};
