import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { appendFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DoneRecord, DoneRecords } from '../../src/done-records.js';
import { fileKey } from '../../src/partial-store.js';

const alice = 'a'.repeat(32);
const bob = 'b'.repeat(32);
const day = 24 * 3600 * 1000;
let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fileshare-done-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(over: Partial<DoneRecord> = {}): DoneRecord {
  return { v: 1, peerId: alice, root: '/recv', path: 'a.txt', size: 3, mtimeMs: 1, sha256: 'c'.repeat(64), finalPath: 'a.txt', placedAt: Date.now(), ...over };
}

describe('done-records', () => {
  for (const where of ['on disk', 'in memory'] as const) {
    it(`${where}: finds a sender's files by resume key in one receive folder; a later record of the same file wins`, async () => {
      const records = new DoneRecords({ dir: where === 'on disk' ? join(dir, 'received') : undefined, retentionMs: 7 * day, maxPerSender: 100 });
      expect(await records.add([record(), record({ path: 'b.txt', finalPath: 'b.txt' }), record({ peerId: bob }), record({ root: '/other' })])).toBeUndefined();
      expect(await records.add([record({ finalPath: 'a (1).txt' })])).toBeUndefined();
      const found = await records.lookup(alice, '/recv');
      expect([...found.values()].map((r) => r.finalPath).sort()).toEqual(['a (1).txt', 'b.txt']);
      expect(found.get(fileKey(alice, 'a.txt', 3, 1))?.finalPath).toBe('a (1).txt');
      expect((await records.lookup(bob, '/recv')).size).toBe(1);
      expect((await records.lookup(alice, '/recv', Date.now() + 8 * day)).size).toBe(0);
    });
  }

  it('keeps them private (0700 folder, 0600 files, names that hash the sender id), skips torn or forged lines, and compacts on prune', async () => {
    const folder = join(dir, 'received');
    const records = new DoneRecords({ dir: folder, retentionMs: 7 * day, maxPerSender: 4 });
    const now = Date.now();
    await records.add([record({ placedAt: now - 9 * day }), record({ path: 'b.txt', finalPath: 'b.txt', placedAt: now - 3 }), record({ path: 'c.txt', finalPath: 'c.txt', placedAt: now - 2 })]);
    await records.add([record({ path: 'd.txt', finalPath: 'd.txt', placedAt: now - 1 })]);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    const [name] = await readdir(folder);
    expect(name).toMatch(/^done-[0-9a-f]{32}\.jsonl$/);
    expect((await stat(join(folder, name!))).mode & 0o777).toBe(0o600);
    // A crash mid-append, and a line whose place would leave the receive folder.
    await appendFile(join(folder, name!), `{"v":1,"peerId":"${alice}","ro`);
    await appendFile(join(folder, name!), `\n${JSON.stringify(record({ path: 'e.txt', finalPath: '../../etc/passwd' }))}\n`);
    expect([...(await records.lookup(alice, '/recv', now)).values()].map((r) => r.path).sort()).toEqual(['b.txt', 'c.txt', 'd.txt']);
    const paths = async (): Promise<string[]> => (await readFile(join(folder, name!), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as DoneRecord).path);
    // Expired, torn and forged lines dropped.
    expect(await records.prune(now)).toBe(1);
    expect(await paths()).toEqual(['b.txt', 'c.txt', 'd.txt']);
    expect(await records.prune(now)).toBe(0);
    // Beyond the bound per sender: the newest kept.
    expect(await new DoneRecords({ dir: folder, retentionMs: 7 * day, maxPerSender: 2 }).prune(now)).toBe(1);
    expect(await paths()).toEqual(['c.txt', 'd.txt']);
  });

  it('a sender whose records all expired leaves no file behind', async () => {
    const folder = join(dir, 'received');
    const records = new DoneRecords({ dir: folder, retentionMs: day, maxPerSender: 10 });
    await records.add([record({ placedAt: Date.now() - 2 * day })]);
    expect(await records.prune()).toBe(1);
    expect(await readdir(folder)).toEqual([]);
  });

  it('reports a failure to write instead of throwing (the files are safe; only a re-send would copy them)', async () => {
    await writeFile(join(dir, 'a-file'), '');
    const records = new DoneRecords({ dir: join(dir, 'a-file', 'received'), retentionMs: day, maxPerSender: 10 });
    expect((await records.add([record()]))?.message).toMatch(/ENOTDIR/);
  });
});
