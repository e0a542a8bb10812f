import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransferEntry } from '@fileshare/protocol';
import { PartialStore, fileKey, rootKey } from '../../src/partial-store.js';
import { type PlanInput, planReceive } from '../../src/receive-plan.js';

const peer = 'a'.repeat(32);
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
let root = '';
let store: PartialStore;
beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'fileshare-plan-')));
  await mkdir(join(root, '.fileshare-partial'));
  store = new PartialStore(join(root, '.fileshare-partial'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function input(entries: TransferEntry[], locks = new Set<string>()): PlanInput {
  return {
    root,
    store,
    peerId: peer,
    entries,
    lock: (name) => (locks.has(name) ? false : (locks.add(name), true)),
    isLocked: (name) => locks.has(name),
    isEnded: () => false,
  };
}

describe('receive planning', () => {
  it('gives a taken top-level folder a fresh name, creates every folder, and has no resume state for new files', async () => {
    await mkdir(join(root, 'photos'));
    const plan = await planReceive(
      input([
        { path: 'photos', kind: 'directory', size: 0 },
        { path: 'photos/empty', kind: 'directory', size: 0 },
        { path: 'photos/a.jpg', kind: 'file', size: 3, mtimeMs: 1 },
        { path: 'b.txt', kind: 'file', size: 2 },
      ]),
    );
    expect(plan.order).toEqual([2, 3]);
    expect(plan.resume).toEqual([]);
    expect(plan.files.get(2)).toMatchObject({ dirSegments: ['photos (1)'], name: 'a.jpg', key: fileKey(peer, 'photos/a.jpg', 3, 1) });
    expect((await stat(join(root, 'photos (1)/empty'))).isDirectory()).toBe(true);
    expect(await store.readRoot(rootKey(peer, 'photos'))).toMatchObject({ finalName: 'photos (1)' });
  });

  it('offers a durable .part prefix (re-hashed from disk) and a file a batch already placed; a key held elsewhere gets a scratch .part', async () => {
    const partKey = fileKey(peer, 'p.bin', 10, 5);
    await writeFile(store.partPath(partKey), '0123456789');
    await store.writeFile(partKey, { v: 1, peerId: peer, path: 'p.bin', size: 10, mtimeMs: 5, state: 'partial', verifiedBytes: 4, updatedAt: Date.now() }, true);
    const doneKey = fileKey(peer, 'done.txt', 5, 7);
    await writeFile(join(root, 'done.txt'), 'hello');
    const placed = await stat(join(root, 'done.txt'));
    await store.writeBatch(store.newBatchId(), {
      v: 1,
      peerId: peer,
      files: [{ key: doneKey, path: 'done.txt', size: 5, mtimeMs: 7, finalPath: 'done.txt', finalMtimeMs: placed.mtimeMs, sha256: sha('hello') }],
      updatedAt: Date.now(),
    });
    const busyKey = fileKey(peer, 'busy.bin', 1, 1);
    const plan = await planReceive(
      input(
        [
          { path: 'p.bin', kind: 'file', size: 10, mtimeMs: 5 },
          { path: 'done.txt', kind: 'file', size: 5, mtimeMs: 7 },
          { path: 'busy.bin', kind: 'file', size: 1, mtimeMs: 1 },
        ],
        new Set([`file:${busyKey}`]),
      ),
    );
    expect(plan.resume).toEqual([
      { index: 0, offset: 4, sha256: sha('0123') },
      { index: 1, offset: 5, sha256: sha('hello') },
    ]);
    expect(plan.files.get(0)!.hasRecord).toBe(true);
    expect(plan.files.get(1)!.offered).toMatchObject({ heldPath: 'done.txt' });
    expect(plan.batches.size).toBe(1);
    expect(plan.files.get(2)!.key).toBeUndefined();
    expect(plan.files.get(2)!.partPath).toMatch(/scratch-[0-9a-f]{16}\.part$/);
  });

  it('does not offer a placed file that changed since (mtime differs)', async () => {
    const key = fileKey(peer, 'x.txt', 5, 1);
    await writeFile(join(root, 'x.txt'), 'hello');
    await store.writeBatch(store.newBatchId(), {
      v: 1,
      peerId: peer,
      files: [{ key, path: 'x.txt', size: 5, mtimeMs: 1, finalPath: 'x.txt', finalMtimeMs: 12345, sha256: sha('hello') }],
      updatedAt: Date.now(),
    });
    const plan = await planReceive(input([{ path: 'x.txt', kind: 'file', size: 5, mtimeMs: 1 }]));
    expect(plan.resume).toEqual([]);
  });
});
