import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransferEntry } from '@fileshare/protocol';
import type { DoneRecord } from '../../src/done-records.js';
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

function doneRecord(path: string, size: number, mtimeMs: number, finalPath: string, content: string, placedAt = Date.now()): [string, DoneRecord] {
  return [fileKey(peer, path, size, mtimeMs), { v: 1, peerId: peer, root, path, size, mtimeMs, sha256: sha(content), finalPath, placedAt }];
}

function input(entries: TransferEntry[], locks = new Set<string>(), done: [string, DoneRecord][] = []): PlanInput {
  return {
    root,
    store,
    peerId: peer,
    entries,
    done: new Map(done),
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

  it('offers a durable .part prefix (re-hashed from disk) and a file placed before that still hashes the same (an empty one too); a key held elsewhere gets a scratch .part', async () => {
    const partKey = fileKey(peer, 'p.bin', 10, 5);
    await writeFile(store.partPath(partKey), '0123456789');
    await store.writeFile(partKey, { v: 1, peerId: peer, path: 'p.bin', size: 10, mtimeMs: 5, state: 'partial', verifiedBytes: 4, updatedAt: Date.now() });
    await writeFile(join(root, 'done.txt'), 'hello');
    await writeFile(join(root, 'empty.txt'), '');
    const busyKey = fileKey(peer, 'busy.bin', 1, 1);
    const plan = await planReceive(
      input(
        [
          { path: 'p.bin', kind: 'file', size: 10, mtimeMs: 5 },
          { path: 'done.txt', kind: 'file', size: 5, mtimeMs: 7 },
          { path: 'busy.bin', kind: 'file', size: 1, mtimeMs: 1 },
          { path: 'empty.txt', kind: 'file', size: 0, mtimeMs: 8 },
        ],
        new Set([`file:${busyKey}`]),
        [doneRecord('done.txt', 5, 7, 'done.txt', 'hello'), doneRecord('empty.txt', 0, 8, 'empty.txt', '')],
      ),
    );
    expect(plan.resume).toEqual([
      { index: 0, offset: 4, sha256: sha('0123') },
      { index: 1, offset: 5, sha256: sha('hello') },
      { index: 3, offset: 0, sha256: sha('') },
    ]);
    expect(plan.files.get(0)!.hasRecord).toBe(true);
    expect(plan.files.get(1)!.offered).toMatchObject({ heldPath: 'done.txt' });
    expect(plan.files.get(3)!.offered).toMatchObject({ heldPath: 'empty.txt' });
    expect(plan.files.get(2)!.key).toBeUndefined();
    expect(plan.files.get(2)!.partPath).toMatch(/scratch-[0-9a-f]{16}\.part$/);
  });

  it('does not offer a placed file whose bytes changed (same size), that is gone, became a link, or lies in another folder than this offer puts it', async () => {
    await writeFile(join(root, 'edited.txt'), 'HELLO');
    await writeFile(join(root, 'target.txt'), 'hello');
    await symlink(join(root, 'target.txt'), join(root, 'link.txt'));
    await mkdir(join(root, 'moved'));
    await writeFile(join(root, 'moved', 'm.txt'), 'hello');
    const plan = await planReceive(
      input(
        [
          { path: 'edited.txt', kind: 'file', size: 5, mtimeMs: 1 },
          { path: 'gone.txt', kind: 'file', size: 5, mtimeMs: 1 },
          { path: 'link.txt', kind: 'file', size: 5, mtimeMs: 1 },
          { path: 'm.txt', kind: 'file', size: 5, mtimeMs: 1 },
        ],
        new Set(),
        [
          doneRecord('edited.txt', 5, 1, 'edited.txt', 'hello'),
          doneRecord('gone.txt', 5, 1, 'gone.txt', 'hello'),
          doneRecord('link.txt', 5, 1, 'link.txt', 'hello'),
          doneRecord('m.txt', 5, 1, 'moved/m.txt', 'hello'),
        ],
      ),
    );
    expect(plan.resume).toEqual([]);
  });

  it('maps a re-sent folder to the folder its files were placed in (no "name (1)"), and a folder none of whose files is known to a fresh one', async () => {
    await mkdir(join(root, 'album (1)'));
    await writeFile(join(root, 'album (1)', 'a.jpg'), 'aaa');
    await mkdir(join(root, 'other'));
    const plan = await planReceive(
      input(
        [
          { path: 'album', kind: 'directory', size: 0 },
          { path: 'album/a.jpg', kind: 'file', size: 3, mtimeMs: 1 },
          { path: 'album/new.jpg', kind: 'file', size: 3, mtimeMs: 1 },
          { path: 'other', kind: 'directory', size: 0 },
          { path: 'other/x.txt', kind: 'file', size: 1, mtimeMs: 1 },
        ],
        new Set(),
        [doneRecord('album/a.jpg', 3, 1, 'album (1)/a.jpg', 'aaa'), doneRecord('other/x.txt', 1, 2, 'other/x.txt', 'x')],
      ),
    );
    expect(plan.files.get(1)).toMatchObject({ dirSegments: ['album (1)'], offered: { offset: 3, heldPath: 'album (1)/a.jpg' } });
    expect(plan.files.get(2)).toMatchObject({ dirSegments: ['album (1)'] });
    // other/x.txt was placed with another mtime: a different file, so `other` is not this offer's folder.
    expect(plan.files.get(4)).toMatchObject({ dirSegments: ['other (1)'] });
    expect(plan.resume).toEqual([{ index: 1, offset: 3, sha256: sha('aaa') }]);
    expect((await readdir(root)).sort()).toEqual(['.fileshare-partial', 'album (1)', 'other', 'other (1)']);
  });
});
