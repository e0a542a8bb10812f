import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { HISTORY_COMPACT_SLACK, HISTORY_FILE, openHistoryStore, type HistoryStore } from '../../src/state/history-store.js';
import type { HistoryEntry } from '../../src/state/types.js';

const PEER = 'fbcedc8d3bd6a24398c27a0eff260e47';
let dir: string;
let stores: HistoryStore[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tui-history-'));
  stores = [];
});
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

function open(limit?: number): HistoryStore {
  const store = openHistoryStore(dir, limit !== undefined ? { limit } : {});
  stores.push(store);
  return store;
}

function entry(id: string, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return { id, time: Date.parse('2026-03-04T14:03:12.000Z'), direction: 'receive', peerId: PEER, peerName: 'desk-pc', what: `${id}.bin`, totalBytes: 1000, outcome: 'verified', ...over };
}

const fileLines = async () => (await readFile(join(dir, HISTORY_FILE), 'utf8')).split('\n');

describe('history store', () => {
  it('starts empty without a file, and creates none just by reading', async () => {
    expect(await open().load()).toEqual({ entries: [], skipped: 0 });
    await expect(stat(join(dir, HISTORY_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps every field across a restart, in a file only the user can read', async () => {
    const failed = entry('t2', {
      direction: 'send',
      outcome: 'failed',
      reason: 'The connection to desk-pc was lost after 3.2 GB: the peer stopped answering for 30 s (ERR_CHANNEL_CLOSED).',
      totalBytes: 5e9,
    });
    const received = entry('t1', { folder: '/recv/photos', savedTo: '/recv', fileCount: 8, alreadyThere: 3, resumedBytes: 4096 });
    const text = entry('t3', { text: true, what: 'message', totalBytes: 42 });
    const first = open();
    await first.load();
    await Promise.all([first.save(received), first.save(failed), first.save(text)]);
    await first.close();

    expect((await stat(join(dir, HISTORY_FILE))).mode & 0o777).toBe(0o600);
    const { entries, skipped } = await open().load();
    expect(skipped).toBe(0);
    expect(entries).toEqual([received, failed, text]);
  });

  it('skips a partial last line (a crash mid-write) and repairs the file before appending', async () => {
    const first = open();
    await first.save(entry('t1'));
    await first.save(entry('t2'));
    await first.close();
    const path = join(dir, HISTORY_FILE);
    await writeFile(path, `${await readFile(path, 'utf8')}{"v":1,"id":"t3","at":"2026-03-`);

    const second = open();
    const loaded = await second.load();
    expect(loaded.entries.map((h) => h.id)).toEqual(['t1', 't2']);
    expect(loaded.skipped).toBe(1);
    await second.save(entry('t4'));
    await second.close();

    const lines = await fileLines();
    expect(lines.at(-1)).toBe('');
    for (const line of lines.slice(0, -1)) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect((await open().load()).entries.map((h) => h.id)).toEqual(['t1', 't2', 't4']);
  });

  it('skips lines it cannot use and shows what it keeps inert', async () => {
    const good = JSON.stringify({ v: 1, id: 'ok', at: '2026-03-04T14:03:12.000Z', direction: 'send', peer: { id: PEER, name: 'x\u001b[2Jy' }, what: 'a.txt', bytes: 5, outcome: 'verified' });
    const lines = [
      'not json',
      JSON.stringify({ v: 2, id: 'future' }),
      JSON.stringify({ v: 1, id: 'bad-outcome', at: '2026-03-04T14:03:12.000Z', direction: 'send', peer: { id: PEER, name: 'a' }, what: 'a', bytes: 5, outcome: 'exploded' }),
      JSON.stringify({ v: 1, id: 'bad-size', at: '2026-03-04T14:03:12.000Z', direction: 'send', peer: { id: PEER, name: 'a' }, what: 'a', bytes: -1, outcome: 'verified' }),
      '[]',
      good,
    ];
    await writeFile(join(dir, HISTORY_FILE), `${lines.join('\n')}\n`, { mode: 0o600 });
    const { entries, skipped } = await open().load();
    expect(skipped).toBe(5);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ id: 'ok', peerName: 'x\\x1b[2Jy' });
  });

  it('keeps the newest entries up to its limit, and rewrites the file before it grows past the slack', async () => {
    const store = open(5);
    const count = 5 + HISTORY_COMPACT_SLACK + 7;
    for (let i = 0; i < count; i++) await store.save(entry(`t${i}`));
    await store.close();
    expect((await fileLines()).length - 1).toBeLessThanOrEqual(5 + HISTORY_COMPACT_SLACK);
    const ids = (await open(5).load()).entries.map((h) => h.id);
    expect(ids).toEqual([`t${count - 5}`, `t${count - 4}`, `t${count - 3}`, `t${count - 2}`, `t${count - 1}`]);
  });

  it('a second save of an entry (a text saved to a file later) replaces it in place', async () => {
    const store = open();
    await store.save(entry('t1', { text: true }));
    await store.save(entry('t2'));
    await store.save(entry('t1', { text: true, folder: '/recv' }));
    await store.close();
    const { entries } = await open().load();
    expect(entries.map((h) => [h.id, h.folder])).toEqual([
      ['t1', '/recv'],
      ['t2', undefined],
    ]);
  });

  it('reports a state folder it cannot write with a typed error, and refuses saves once closed', async () => {
    const blocked = join(dir, 'a-file');
    await writeFile(blocked, 'not a folder');
    const store = openHistoryStore(blocked);
    stores.push(store);
    await expect(store.save(entry('t1'))).rejects.toMatchObject({ code: 'ERR_HISTORY_WRITE', message: expect.stringContaining(join(blocked, HISTORY_FILE)) });
    await store.close();
    await expect(store.save(entry('t2'))).rejects.toMatchObject({ code: 'ERR_HISTORY_CLOSED' });
  });
});
