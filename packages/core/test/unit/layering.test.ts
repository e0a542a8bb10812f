import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

// The workspace's real ESLint config, applied to probe files that are never written to disk.
// Type-aware rules are switched off for the probes (they need files on disk); the layering rule
// (@nx/enforce-module-boundaries) is not type-aware and runs as in `nx lint`.
const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const eslint = new ESLint({ cwd: workspaceRoot, overrideConfig: [tseslint.configs.disableTypeChecked] });

async function boundaryErrors(file: string, importFrom: string): Promise<string[]> {
  const code = `import * as probe from '${importFrom}';\nexport const used = probe;\n`;
  const [result] = await eslint.lintText(code, { filePath: resolve(workspaceRoot, file) });
  return result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('layering: apps -> core -> features -> protocol, enforced by lint', () => {
  it.each([
    ['apps/agent/src/probe.ts', '@fileshare/peer', 'an app importing a feature'],
    ['apps/tui/src/probe.ts', '@fileshare/protocol', 'an app importing protocol'],
    ['packages/transfer/src/probe.ts', '@fileshare/peer', 'a feature importing another feature'],
    ['packages/protocol/src/probe.ts', '@fileshare/signaling', 'protocol importing a feature'],
    ['packages/core/src/probe.ts', '@fileshare/lan', 'production code importing the test rig'],
  ])('%s importing %s fails lint (%s)', async (file, from) => {
    expect(await boundaryErrors(file, from)).not.toEqual([]);
  });

  it.each([
    ['apps/agent/src/probe.ts', '@fileshare/core'],
    ['packages/core/src/probe.ts', '@fileshare/peer'],
    ['packages/transfer/src/probe.ts', '@fileshare/protocol'],
    ['packages/peer/test/e2e/probe.test.ts', '@fileshare/lan'],
  ])('%s importing %s is allowed', async (file, from) => {
    expect(await boundaryErrors(file, from)).toEqual([]);
  });
});
