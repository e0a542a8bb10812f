import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/exit-codes.js';
import { agent } from './run-agent.js';

const DESK = 'fbcedc8d3bd6a24398c27a0eff260e47';
const LAB = '9c1d2f00aa55aa55aa55aa55aa55aa55';

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'fileshare-agent-trust-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

const trust = (...args: string[]) => agent(['trust', ...args, '--state-dir', stateDir]);

describe('fileshare-agent trust (no node started)', () => {
  it('list, add, remove: the trust file follows, private, and list shows it', async () => {
    let r = await trust('list');
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^No trusted devices\. Trust one after comparing its verification code: fileshare-agent trust add <id>/);

    r = await trust('add', DESK.toUpperCase(), '--name', 'desk-pc');
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(new RegExp(`^trusted ${DESK} {2}desk-pc {2}added \\d{4}-\\d\\d-\\d\\d;`));
    expect(await trust('add', LAB)).toMatchObject({ code: EXIT.ok });

    const file = join(stateDir, 'trusted-peers.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { v: number; peers: { id: string; name: string }[] };
    expect(saved.v).toBe(1);
    expect(saved.peers.map((p) => [p.id, p.name])).toEqual([
      [DESK, 'desk-pc'],
      [LAB, ''],
    ]);

    r = await trust('list');
    expect(r.stdout.split('\n')).toEqual([
      '2 trusted devices:',
      expect.stringMatching(new RegExp(`^ {2}${DESK} {2}desk-pc {2}added `)),
      expect.stringMatching(new RegExp(`^ {2}${LAB} {2}\\(no name\\) {2}added `)),
      '',
    ]);

    r = await trust('remove', DESK);
    expect(r).toMatchObject({ code: EXIT.ok, stdout: `removed ${DESK} from the trusted devices\n` });
    r = await trust('remove', DESK);
    expect(r).toMatchObject({ code: EXIT.ok, stdout: `${DESK} was not trusted; nothing changed\n` });
    r = await trust('list', '--json');
    expect(JSON.parse(r.stdout)).toEqual({ event: 'trusted-peers', peers: [expect.objectContaining({ id: LAB })] });
  });

  it('--json prints one object per verb', async () => {
    let r = await trust('add', DESK, '--name', 'desk-pc', '--json');
    expect(JSON.parse(r.stdout)).toEqual({ event: 'peer-trusted', peer: { id: DESK, name: 'desk-pc', addedAt: expect.any(String) } });
    r = await trust('remove', LAB, '--json');
    expect(JSON.parse(r.stdout)).toEqual({ event: 'peer-untrusted', peerId: LAB, removed: false });
  });

  it('an id that is not a full device id is a usage error (exit 2) and writes nothing', async () => {
    for (const bad of ['fbcedc8d', 'desk-pc', `${DESK}00`]) {
      const r = await trust('add', bad);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toMatch(/a device id is 32 hex digits/);
    }
    expect((await trust('remove', 'xyz')).code).toBe(EXIT.usage);
    await expect(stat(join(stateDir, 'trusted-peers.json'))).rejects.toThrow();
  });

  it('a trust file others can read is refused with the chmod that fixes it (exit 7)', async () => {
    await trust('add', DESK);
    const file = join(stateDir, 'trusted-peers.json');
    await chmod(file, 0o644);
    const r = await trust('list');
    expect(r.code).toBe(EXIT.startFailed);
    expect(r.stderr).toContain(`chmod 600 ${file}`);
    expect(r.stderr).toContain('[ERR_STATE_INSECURE]');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    const json = await trust('add', LAB, '--json');
    expect(json.code).toBe(EXIT.startFailed);
    expect(JSON.parse(json.stdout)).toMatchObject({ event: 'error', code: 'ERR_STATE_INSECURE' });
  });

  it('a state folder others can write in is refused (exit 7); a broken trust file too, and it is kept', async () => {
    await chmod(stateDir, 0o777);
    let r = await trust('list');
    expect(r.code).toBe(EXIT.startFailed);
    expect(r.stderr).toContain(`chmod 700 ${stateDir}`);
    await chmod(stateDir, 0o700);
    await writeFile(join(stateDir, 'trusted-peers.json'), '{ not json', { mode: 0o600 });
    r = await trust('add', DESK);
    expect(r.code).toBe(EXIT.startFailed);
    expect(r.stderr).toContain('[ERR_TRUST_FILE_INVALID]');
    expect(await readFile(join(stateDir, 'trusted-peers.json'), 'utf8')).toBe('{ not json');
  });

  it('trust without a verb shows its help as a usage error', async () => {
    const r = await agent(['trust']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/list/);
    expect(r.stderr).toMatch(/add \[options\] <id>/);
    expect(r.stderr).toMatch(/remove/);
  });
});
