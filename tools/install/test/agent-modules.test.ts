import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ROOT, run } from './support.js';

// The agent runs on servers and in scripts: it must never load the TUI's Ink and React (start-up
// time, memory, and a terminal library in a daemon). Checked twice: in what its bundle is made
// of (every import esbuild followed, dynamic ones included), and in what the agent as the
// tests run it (apps/agent/dist, one file per module) really loads.

const UI_PACKAGES = /\/node_modules\/(ink|ink-text-input|react|react-reconciler|yoga-layout|scheduler)\//;
const RECORDER = join(ROOT, 'tools/install/test/fixtures/record-modules.mjs');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fileshare-agent-modules-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every module URL `node <args>` loads through import, with its exit code. */
async function modulesLoaded(name: string, args: string[]): Promise<{ code: number | null; modules: string[] }> {
  const file = join(tmp, `${name}.txt`);
  const done = await run(process.execPath, ['--import', RECORDER, ...args], { cwd: tmp, env: { ...process.env, RECORD_MODULES_TO: file } });
  return { code: done.code, modules: readFileSync(file, 'utf8').split('\n').filter(Boolean) };
}

describe('the agent never loads Ink or React', () => {
  it('its bundle is made without them', async () => {
    // tools/build is plain JavaScript run by node; its types are not part of this project.
    const { bundleApp } = (await import(join(ROOT, 'tools/build/bundle.mjs'))) as {
      bundleApp: (app: string, options: { out: string; logLevel: string }) => Promise<{ metafile: { inputs: Record<string, unknown> } }>;
    };
    const { metafile } = await bundleApp('agent', { out: join(tmp, 'bundle'), logLevel: 'error' });
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).toEqual(expect.arrayContaining(['apps/agent/src/main.ts', 'packages/core/src/index.ts']));
    expect(inputs.filter((i) => UI_PACKAGES.test(`/${i}`) || i.startsWith('apps/tui/'))).toEqual([]);
  });

  it('neither for --help nor while it runs a node', async () => {
    const agent = join(ROOT, 'apps/agent/dist/main.js');
    const help = await modulesLoaded('help', [agent, '--help']);
    expect(help.code).toBe(0);
    const peers = await modulesLoaded('peers', [agent, 'peers', '--wait', '1', '--interface', 'lo', '--no-daemon', '--state-dir', join(tmp, 'state')]);
    expect(peers.code).toBe(0);
    for (const { modules } of [help, peers]) {
      // It did record the agent's modules, so an Ink import would have been recorded too.
      expect(modules.some((m) => m.includes('/node_modules/commander/'))).toBe(true);
      expect(modules.some((m) => m.endsWith('/packages/core/dist/index.js'))).toBe(true);
      expect(modules.filter((m) => UI_PACKAGES.test(m))).toEqual([]);
    }
  });

  it('(the check sees Ink when a program does load it)', async () => {
    const control = await modulesLoaded('control', [join(ROOT, 'tools/install/test/fixtures/imports-ink.mjs')]);
    expect(control.modules.filter((m) => UI_PACKAGES.test(m)).length).toBeGreaterThan(0);
  });
});
