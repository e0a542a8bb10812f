import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { folderOpener, openFolder } from '../../src/content/open-folder.js';
import { HISTORY_FILE, openHistoryStore, type HistoryStore } from '../../src/state/history-store.js';
import { App } from '../../src/ui/App.js';
import { FakeNode, peer } from '../support/fake-node.js';
import { KEYS, renderApp, waitFor, type Rendered } from '../support/render.js';

const DESK = peer('3b7e09aa', 'desk-pc');
const LONG_REASON =
  'The connection to desk-pc was lost after 3.20 GB of 5.00 GB: the peer stopped answering for 30 s while the data channel still had 16 MB buffered (ERR_CHANNEL_CLOSED).';

let dir: string;
let rendered: Rendered | undefined;
let stores: HistoryStore[];
const savedEnv = { ...process.env };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tui-history-app-'));
  stores = [];
});
afterEach(async () => {
  rendered?.unmount();
  rendered = undefined;
  await Promise.all(stores.map((s) => s.close()));
  process.env = { ...savedEnv };
  await rm(dir, { recursive: true, force: true });
});

function start(node: FakeNode): { r: Rendered; store: HistoryStore } {
  const store = openHistoryStore(join(dir, 'state'));
  stores.push(store);
  rendered = renderApp(<App node={node} version="9.9.9" historyStore={store} />, { columns: 80, rows: 30 });
  return { r: rendered, store };
}

/** A script named like the opener that records what it was asked to open, then exits with `status`. */
async function fakeOpener(name: string, status: number): Promise<{ bin: string; log: string }> {
  const bin = join(dir, `bin-${status}`);
  const log = join(dir, `opened-${status}.txt`);
  await mkdir(bin);
  await writeFile(join(bin, name), `#!/bin/sh\nprintf '%s' "$1" > '${log}'\nexit ${status}\n`);
  await chmod(join(bin, name), 0o755);
  return { bin, log };
}

describe('history across restarts', () => {
  it('keeps what happened, shows it again after a restart, scrolls and shows an entry in full', async () => {
    const recv = join(dir, 'recv');
    await mkdir(join(recv, 'photos'), { recursive: true });
    const first = new FakeNode({ peers: [DESK] });
    const one = start(first);
    await one.r.waitForFrame('desk-pc');
    first.emit({ event: 'transfer-failed', transferId: 't1', direction: 'send', peerId: DESK.id, code: 'ERR_CHANNEL_CLOSED', message: LONG_REASON });
    first.emit({ event: 'transfer-offered', transferId: 't2', direction: 'receive', peerId: DESK.id, peerName: 'desk-pc', files: [{ path: 'photos/a.jpg', size: 1000, kind: 'file' }], totalBytes: 1000, awaitingDecision: false, trusted: true });
    first.emit({ event: 'transfer-complete', transferId: 't2', direction: 'receive', peerId: DESK.id, files: [{ path: 'photos/a.jpg', size: 1000, sha256: 'a' }], bytesTransferred: 1000, resumedBytes: 0, savedTo: recv });
    await one.r.waitForFrame('History (2)');
    one.r.unmount();
    rendered = undefined;
    await one.store.close();
    const lines = (await readFile(join(dir, 'state', HISTORY_FILE), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as { id: string }).map((r) => r.id)).toEqual(['t1', 't2']);

    // A new process: nothing happened yet, the history is there.
    const second = new FakeNode({ peers: [DESK] });
    const two = start(second);
    let frame = await two.r.waitForFrame('History (2)');
    expect(frame).toMatch(/\d\d:\d\d ✓ verified +↓ photos\/ \(1 file\) from desk-pc · 1\.00 KB · in \/tmp/);
    expect(frame).toMatch(/\d\d:\d\d ✗ failed +↑ transfer to desk-pc · The connection to desk-pc was lost/);

    await two.r.press(KEYS.tab);
    frame = await two.r.waitForFrame('enter or o open its folder');
    // The newest is chosen and shown whole: when, who with the whole id, the folder.
    expect(frame).toMatch(/› \d\d:\d\d ✓ verified/);
    expect(frame.replace(/\s+/g, ' ')).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d · received from desk-pc \\(${DESK.id}\\)`));
    expect(frame).toContain(`in ${join(recv, 'photos')} · enter opens it`);

    await two.r.press(KEYS.down);
    frame = await two.r.waitForFrame(/› \d\d:\d\d ✗ failed/);
    // The whole reason, wrapped, however long.
    expect(frame.replace(/\s+/g, ' ')).toContain(`✗ failed: ${LONG_REASON}`);
    expect(frame).toContain('nothing of it is on this device');
    await two.r.press(KEYS.enter);
    await two.r.waitForFrame('transfer went to desk-pc: nothing of it landed on this device.');
  });

  it('enter opens the entry’s folder with xdg-open, detached, or says why not and shows the path', async () => {
    const recv = join(dir, 'recv');
    await mkdir(recv);
    const node = new FakeNode({ peers: [DESK] });
    const { r } = start(node);
    await r.waitForFrame('desk-pc');
    node.emit({ event: 'transfer-complete', transferId: 't1', direction: 'receive', peerId: DESK.id, files: [{ path: 'a.jpg', size: 1, sha256: 'a' }], bytesTransferred: 1, resumedBytes: 0, savedTo: recv });
    await r.waitForFrame('History (1)');
    await r.press(KEYS.tab);
    await r.waitForFrame('enter or o open its folder');

    const ok = await fakeOpener('xdg-open', 0);
    process.env = { ...savedEnv, DISPLAY: ':99', PATH: `${ok.bin}:${savedEnv.PATH ?? ''}` };
    await r.press(KEYS.enter);
    await r.waitForFrame(`Opened ${recv} (xdg-open).`);
    expect(await readFile(ok.log, 'utf8')).toBe(recv);

    const broken = await fakeOpener('xdg-open', 3);
    process.env = { ...savedEnv, DISPLAY: ':99', PATH: `${broken.bin}:${savedEnv.PATH ?? ''}` };
    await r.press('o');
    let frame = await r.waitForFrame('xdg-open failed (exit status 3)');
    expect(frame.replace(/\s+/g, ' ')).toContain(`Cannot open a file manager: xdg-open failed (exit status 3). The folder is ${recv}`);

    const { DISPLAY: _d, WAYLAND_DISPLAY: _w, ...headless } = savedEnv;
    process.env = headless;
    await r.press('o');
    frame = await r.waitForFrame('no graphical desktop');
    expect(frame.replace(/\s+/g, ' ')).toContain(`The folder is ${recv}`);
  });
});

describe('openFolder', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  it('chooses the opener by platform, and none without a desktop', () => {
    expect(folderOpener('darwin', {})).toEqual({ command: 'open' });
    expect(folderOpener('linux', { WAYLAND_DISPLAY: 'wayland-0' })).toEqual({ command: 'xdg-open' });
    expect(folderOpener('linux', {})).toEqual({ reason: 'no graphical desktop here (DISPLAY and WAYLAND_DISPLAY are not set)' });
    expect(folderOpener('win32', {})).toEqual({ reason: 'opening folders is not supported on win32' });
  });

  it('says when the opener is missing or the folder is gone, and never waits for a file manager that stays', async () => {
    const env = { DISPLAY: ':99', PATH: join(dir, 'empty-bin') };
    expect(await openFolder(dir, { platform: 'linux', env })).toEqual({ opened: false, reason: 'xdg-open is not installed' });
    expect(await openFolder(join(dir, 'gone'), { platform: 'linux', env })).toEqual({ opened: false, reason: `${join(dir, 'gone')} no longer exists` });

    const started = Date.now();
    const result = await openFolder(dir, {
      platform: 'linux',
      env,
      waitMs: 200,
      // An opener that keeps running (a file manager started in its place).
      spawn: (_command, args, options) => {
        const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', ...args], options);
        children.push(child);
        return child;
      },
    });
    expect(result).toEqual({ opened: true, command: 'xdg-open' });
    expect(Date.now() - started).toBeLessThan(2000);
    await waitFor(() => (children[0]?.pid !== undefined ? true : undefined), 1000, () => 'sleep never started');
  });
});
