import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PartialStore, fileKey } from '../../src/partial-store.js';
import { BatchPlacer, type VerifiedFile } from '../../src/receive-batch.js';
import type { ReceiveFile } from '../../src/receive-file.js';
import { ensureDirInside } from '../../src/safe-fs.js';

const peer = 'a'.repeat(32);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
let root = '';
let store: PartialStore;
beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'fileshare-batch-')));
  await mkdir(join(root, '.fileshare-partial'));
  store = new PartialStore(join(root, '.fileshare-partial'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function verified(index: number, path: string, content: string): VerifiedFile {
  const segments = path.split('/');
  const data = Buffer.from(content);
  const key = fileKey(peer, path, data.length, 1);
  const file: ReceiveFile = { index, entry: { path, kind: 'file', size: data.length, mtimeMs: 1 }, key, partPath: store.partPath(key), dirSegments: segments.slice(0, -1), name: segments.at(-1)!, sinceCheckpoint: 0, done: false };
  // Split in two buffers, as chunks would be.
  return { file, data: [data.subarray(0, 1), data.subarray(1)], bytes: data.length, sha256: sha(data) };
}

function placer(events: { placed: [number, string][]; written: number; errors: unknown[] }, maxFiles = 64): BatchPlacer {
  return new BatchPlacer({
    root,
    store,
    peerId: peer,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    maxFiles,
    ensureDir: (segments) => ensureDirInside(root, segments),
    onWritten: (files) => (events.written += files.length),
    onPlaced: (file, path) => events.placed.push([file.index, path]),
    onError: (cause) => events.errors.push(cause),
  });
}

describe('batch placement of small files', () => {
  it('writes, syncs and places a batch: right contents, numbered instead of overwriting, one batch record, no .part left', async () => {
    await mkdir(join(root, 'd'));
    await writeFile(join(root, 'd/taken.txt'), 'old');
    const events = { placed: [] as [number, string][], written: 0, errors: [] as unknown[] };
    const p = placer(events, 2);
    const files = [verified(0, 'd/taken.txt', 'new'), verified(1, 'd/b.txt', 'bee'), verified(2, 'top.txt', 'top'), verified(3, 'd/empty.txt', '')];
    for (const f of files) p.add(f);
    await p.idle();
    expect(events.errors).toEqual([]);
    expect(events.written).toBe(4);
    expect(new Map(events.placed)).toEqual(new Map([[0, 'd/taken (1).txt'], [1, 'd/b.txt'], [2, 'top.txt'], [3, 'd/empty.txt']]));
    expect(await readFile(join(root, 'd/taken.txt'), 'utf8')).toBe('old');
    expect(await readFile(join(root, 'd/taken (1).txt'), 'utf8')).toBe('new');
    expect(await readFile(join(root, 'd/empty.txt'), 'utf8')).toBe('');
    expect(p.stats).toMatchObject({ files: 4, largest: 2 });
    const left = await readdir(store.dir);
    expect(left.filter((n) => n.endsWith('.part'))).toEqual([]);
    const batches = await store.readBatches(peer);
    expect([...batches.values()].flatMap((b) => b.files.map((f) => f.finalPath)).sort()).toEqual(['d/b.txt', 'd/empty.txt', 'd/taken (1).txt', 'top.txt']);
    expect(p.recordIds.length).toBe(batches.size);
  });

  it('a batch that cannot be placed fails without a file under its name and without .part files; later files are dropped', async () => {
    // A folder that is a symbolic link: never followed.
    await mkdir(join(root, 'elsewhere'));
    await symlink(join(root, 'elsewhere'), join(root, 'link'));
    const events = { placed: [] as [number, string][], written: 0, errors: [] as unknown[] };
    const p = placer(events);
    p.add(verified(0, 'link/x.txt', 'x'));
    await p.idle();
    p.add(verified(1, 'y.txt', 'y'));
    await p.idle();
    expect(events.errors).toHaveLength(1);
    expect(events.errors[0]).toMatchObject({ code: 'ERR_TRANSFER_UNSAFE_PATH' });
    expect(events.placed).toEqual([]);
    expect(await readdir(join(root, 'elsewhere'))).toEqual([]);
    expect((await readdir(store.dir)).filter((n) => n.endsWith('.part'))).toEqual([]);
    expect(await readdir(root)).not.toContain('y.txt');
  });

  it('replaces whatever sits at a .part name (a symlink) instead of writing through it', async () => {
    const v = verified(0, 'a.txt', 'data');
    await writeFile(join(root, 'target'), 'keep');
    await symlink(join(root, 'target'), v.file.partPath);
    const events = { placed: [] as [number, string][], written: 0, errors: [] as unknown[] };
    const p = placer(events);
    p.add(v);
    await p.idle();
    expect(events.errors).toEqual([]);
    expect(await readFile(join(root, 'target'), 'utf8')).toBe('keep');
    expect(await readFile(join(root, 'a.txt'), 'utf8')).toBe('data');
  });
});
