import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyCheckout, ROOT, run } from './support.js';

// `npm run install-commands` from a checkout without any build output, into a prefix of its own;
// then the installed commands are run with nothing but that prefix and node on PATH.
// Bundling both apps and `npm install -g` of the two tarballs (node-datachannel comes from npm's
// cache or the registry) take 10-40 s on this 2-core machine; a failure says what went wrong.
const INSTALL_MS = 180_000;

let tmp: string;
let checkout: string;
let prefix: string;
let env: NodeJS.ProcessEnv;
let installed: { code: number | null; stdout: string; stderr: string };

const version = (app: string) => (JSON.parse(readFileSync(join(ROOT, 'apps', app, 'package.json'), 'utf8')) as { version: string }).version;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'fileshare-install-'));
  checkout = join(tmp, 'checkout');
  copyCheckout(checkout);
  prefix = join(tmp, 'prefix');
  installed = await run('npm', ['run', 'install-commands', '--', '--prefix', prefix], { cwd: checkout });
  // HOME of its own: nothing here may read or write the real one.
  mkdirSync(join(tmp, 'home'));
  env = { PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}`, HOME: join(tmp, 'home'), LANG: 'C.UTF-8' };
}, INSTALL_MS);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm run install-commands', () => {
  it('installs fileshare and fileshare-agent into the prefix and says so', () => {
    expect(installed).toMatchObject({ code: 0, stderr: '' });
    expect(installed.stdout).toContain(`installed fileshare and fileshare-agent in ${join(prefix, 'bin')}`);
    expect(readdirSync(join(prefix, 'bin')).sort()).toEqual(['fileshare', 'fileshare-agent']);
  });

  it('puts the commands first on PATH', async () => {
    const found = await run('sh', ['-c', 'command -v fileshare; command -v fileshare-agent'], { cwd: tmp, env });
    expect(found.stdout.split('\n').filter(Boolean)).toEqual([join(prefix, 'bin', 'fileshare'), join(prefix, 'bin', 'fileshare-agent')]);
  });

  it('prints the versions of the apps package.json files', async () => {
    expect(await run('fileshare', ['--version'], { cwd: tmp, env })).toEqual({ code: 0, stdout: `${version('tui')}\n`, stderr: '' });
    expect(await run('fileshare-agent', ['--version'], { cwd: tmp, env })).toEqual({ code: 0, stdout: `${version('agent')}\n`, stderr: '' });
  });

  it('prints help', async () => {
    const tui = await run('fileshare', ['--help'], { cwd: tmp, env });
    expect(tui).toMatchObject({ code: 0, stderr: '' });
    expect(tui.stdout).toMatch(/^Usage: fileshare \[options\]/);
    const agent = await run('fileshare-agent', ['--help'], { cwd: tmp, env });
    expect(agent).toMatchObject({ code: 0, stderr: '' });
    expect(agent.stdout).toMatch(/^Usage: fileshare-agent \[options\] \[command\]/);
    expect(agent.stdout).toContain('send [options] [paths...]');
  });

  it('installs the bundles and only the native module next to them', () => {
    for (const app of ['tui', 'agent']) {
      const dir = join(prefix, 'lib', 'node_modules', '@fileshare', app);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      expect(Object.keys(pkg.dependencies)).toEqual(['node-datachannel']);
      expect(readdirSync(join(dir, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual(expect.arrayContaining(['node-datachannel']));
      expect(existsSync(join(dir, 'THIRD_PARTY_LICENSES.md'))).toBe(true);
    }
  });
});

describe('relative paths on the command line', () => {
  let sub: string;
  beforeAll(() => {
    // <tmp>/work/data.txt exists; from <tmp>/work/sub it is ../data.txt.
    sub = join(tmp, 'work', 'sub');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(tmp, 'work', 'data.txt'), 'hello');
  });

  it('the installed fileshare reads them from the folder it runs in', async () => {
    // The path checks pass, so it gets as far as wanting a terminal (these runs have none).
    const found = await run('fileshare', ['--to', 'desk', '../data.txt'], { cwd: sub, env });
    expect(found).toMatchObject({ code: 2 });
    expect(found.stderr).toMatch(/^fileshare: the interactive UI needs a terminal/);
    const missing = await run('fileshare', ['--to', 'desk', '../missing.txt'], { cwd: sub, env });
    expect(missing).toMatchObject({ code: 2, stderr: `fileshare: no file or folder at ${join(tmp, 'work', 'missing.txt')}.\n` });
  });

  it('the installed fileshare-agent reads them from the folder it runs in', async () => {
    const missing = await run('fileshare-agent', ['send', '--to', 'desk', '../missing.txt'], { cwd: sub, env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('../missing.txt');
    // An existing file passes the check: the agent starts and looks for the peer (loopback only).
    const found = await run(
      'fileshare-agent',
      ['send', '--to', 'nobody-here', '--timeout', '1', '--interface', 'lo', '--state-dir', join(tmp, 'agent-state'), '../data.txt'],
      { cwd: sub, env },
    );
    expect(found.stderr).not.toContain('data.txt');
    expect(found.code).toBe(3);
  });

  it('npm start -- <args> reads them from the folder npm start was typed in', async () => {
    // A sub-folder of the checkout: ../data.txt is <checkout>/data.txt from there, but
    // <tmp>/data.txt from the checkout's root, where npm runs the script.
    writeFileSync(join(checkout, 'data.txt'), 'hello');
    const inSub = join(checkout, 'docs');
    const found = await run('npm', ['start', '--', '--to', 'desk', '../data.txt'], { cwd: inSub });
    expect(found.stderr).toMatch(/^fileshare: the interactive UI needs a terminal/m);
    expect(found.code).toBe(2);
    const missing = await run('npm', ['start', '--', '--to', 'desk', '../missing.txt'], { cwd: inSub });
    expect(missing.stderr).toContain(`fileshare: no file or folder at ${join(checkout, 'missing.txt')}.`);
  });
});

describe('shell completion of the installed commands', () => {
  /** COMPREPLY after `words` (the last one being completed), in a real bash that sourced the program's script. */
  async function complete(program: string, words: string[]): Promise<string[]> {
    const driver = `source <(${program} completion bash) || exit 3
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
_${program.replace('-', '_')}
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const done = await run('bash', ['--norc', '--noprofile', '-c', driver, 'driver', program, ...words], { cwd: tmp, env });
    expect(done).toMatchObject({ code: 0, stderr: '' });
    return done.stdout.split('\n').filter(Boolean);
  }

  it('completes the agent commands and their options', async () => {
    expect((await complete('fileshare-agent', ['re'])).sort()).toEqual(['receive']);
    expect(await complete('fileshare-agent', ['trust', 'a'])).toEqual(['add']);
    expect((await complete('fileshare-agent', ['run', '--accept', ''])).length).toBeGreaterThanOrEqual(3);
    expect(await complete('fileshare-agent', ['run', '--accept', 'tr'])).toEqual(['trusted']);
    expect(await complete('fileshare-agent', ['send', '--ti'])).toEqual(['--timeout']);
  });

  it('completes the options of fileshare', async () => {
    expect(await complete('fileshare', ['--state'])).toEqual(['--state-dir']);
    expect(await complete('fileshare', ['completion', ''])).toEqual(['bash', 'zsh']);
  });
});
