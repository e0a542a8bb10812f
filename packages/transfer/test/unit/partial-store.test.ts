import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FileRecord, PartialStore, fileKey, rootKey } from '../../src/partial-store.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fileshare-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const peer = 'a'.repeat(32);
const record = (over: Partial<FileRecord> = {}): FileRecord => ({
  v: 1,
  peerId: peer,
  path: 'x/y.bin',
  size: 100,
  mtimeMs: 5,
  state: 'partial',
  verifiedBytes: 40,
  updatedAt: Date.now(),
  ...over,
});

describe('partial store', () => {
  it('keys depend on sender, path, size and mtime', () => {
    const k = fileKey(peer, 'a', 1, 2);
    expect(k).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set([k, fileKey('b'.repeat(32), 'a', 1, 2), fileKey(peer, 'b', 1, 2), fileKey(peer, 'a', 2, 2), fileKey(peer, 'a', 1, 3), fileKey(peer, 'a', 1, undefined)]).size).toBe(6);
    expect(rootKey(peer, 'photos')).not.toBe(rootKey(peer, 'music'));
  });

  it('round-trips records and ignores damaged or implausible ones', async () => {
    const store = new PartialStore(dir);
    const key = fileKey(peer, 'x/y.bin', 100, 5);
    await store.writeFile(key, record());
    expect(await store.readFile(key)).toEqual(record({ updatedAt: expect.any(Number) as unknown as number }));
    await writeFile(join(dir, `${key}.json`), '{not json');
    expect(await store.readFile(key)).toBeUndefined();
    await store.writeFile(key, record({ verifiedBytes: 101 }));
    expect(await store.readFile(key)).toBeUndefined();
    // An earlier version's `done` record: done files are done-records now, not pending state.
    await writeFile(join(dir, `${key}.json`), JSON.stringify({ ...record(), state: 'done', finalPath: 'x', sha256: 'a'.repeat(64), finalMtimeMs: 1 }));
    expect(await store.readFile(key)).toBeUndefined();
    await store.writeRoot('r'.repeat(32), { v: 1, peerId: peer, name: 'p', finalName: 'p/q', updatedAt: 1 });
    expect(await store.readRoot('r'.repeat(32))).toBeUndefined();
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('prunes old records with their data, records of nothing pending and .part files nobody can resume; keeps recent and busy ones', async () => {
    const store = new PartialStore(dir);
    const now = Date.now();
    const day = 24 * 3600 * 1000;
    const old = 'a'.repeat(32);
    const fresh = 'b'.repeat(32);
    const busy = 'c'.repeat(32);
    for (const [key, age] of [[old, 10 * day], [fresh, day], [busy, 10 * day]] as const) {
      await store.writeFile(key, record({ updatedAt: now - age }));
      await writeFile(store.partPath(key), 'data');
    }
    // A .part without a record cannot be resumed from (its length was never made durable), whatever its age.
    await writeFile(join(dir, `${'d'.repeat(32)}.part`), 'x');
    await writeFile(join(dir, `${'e'.repeat(32)}.part`), 'x');
    // Left by an earlier version: a batch record and a `done` file record describe nothing pending.
    await writeFile(join(dir, `batch-${'1'.repeat(16)}.json`), JSON.stringify({ v: 1, peerId: peer, files: [], updatedAt: now }));
    await writeFile(join(dir, `${'f'.repeat(32)}.json`), JSON.stringify({ ...record(), state: 'done', finalPath: 'x', sha256: 'a'.repeat(64), finalMtimeMs: 1 }));
    const scratch = join(dir, `scratch-${'2'.repeat(16)}.part`);
    await writeFile(scratch, 'x');
    const removed = await store.prune(now, 7 * day, (k) => k === busy);
    expect(removed).toBe(5);
    expect((await readdir(dir)).sort()).toEqual([`${fresh}.json`, `${fresh}.part`, `${busy}.json`, `${busy}.part`, `scratch-${'2'.repeat(16)}.part`].sort());
    const tenDaysAgo = (now - 10 * day) / 1000;
    await utimes(scratch, tenDaysAgo, tenDaysAgo);
    expect(await store.prune(now, 7 * day, (k) => k === busy)).toBe(1);
  });
});
