import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PartialStore, fileKey } from '../../src/partial-store.js';
import { BatchPlacer, type VerifiedFile } from '../../src/receive-batch.js';
import type { ReceiveFile } from '../../src/receive-file.js';
import type { PlacedFile } from '../../src/receive-finish.js';
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

function verified(index: number, path: string, content: string, mode?: number): VerifiedFile {
  const segments = path.split('/');
  const data = Buffer.from(content);
  const key = fileKey(peer, path, data.length, 1);
  const entry = { path, kind: 'file' as const, size: data.length, mtimeMs: 1, ...(mode !== undefined ? { mode } : {}) };
  const file: ReceiveFile = { index, entry, key, partPath: store.partPath(key), dirSegments: segments.slice(0, -1), name: segments.at(-1)!, sinceCheckpoint: 0, done: false };
  // Split in two buffers, as chunks would be.
  return { file, data: [data.subarray(0, 1), data.subarray(1)], bytes: data.length, sha256: sha(data) };
}

interface Events {
  placed: [number, string][];
  written: number;
  errors: unknown[];
  /** Each recordDone call's files, with how many files had been reported placed by then. */
  recorded?: { paths: string[]; placedBefore: number }[];
}

function placer(events: Events, maxFiles = 64, umask = 0o022): BatchPlacer {
  return new BatchPlacer({
    root,
    store,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    umask,
    recordDone: (placed: readonly PlacedFile[]) => {
      (events.recorded ??= []).push({ paths: placed.map((p) => p.finalPath).sort(), placedBefore: events.placed.length });
      return Promise.resolve();
    },
    maxFiles,
    ensureDir: (segments) => ensureDirInside(root, segments),
    onWritten: (files) => (events.written += files.length),
    onPlaced: (file, path) => events.placed.push([file.index, path]),
    onError: (cause) => events.errors.push(cause),
  });
}

describe('batch placement of small files', () => {
  it('writes, syncs and places a batch: right contents, numbered instead of overwriting, recorded as done before any is reported, no .part left', async () => {
    await mkdir(join(root, 'd'));
    await writeFile(join(root, 'd/taken.txt'), 'old');
    const events: Events = { placed: [], written: 0, errors: [] };
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
    expect(await readdir(store.dir)).toEqual([]);
    // One done-record append per batch, each before any file of that batch is reported placed.
    const recorded = events.recorded!;
    expect(recorded).toHaveLength(p.stats.batches);
    expect(recorded.flatMap((r) => r.paths).sort()).toEqual(['d/b.txt', 'd/empty.txt', 'd/taken (1).txt', 'top.txt']);
    let reported = 0;
    for (const r of recorded) {
      expect(r.placedBefore).toBe(reported);
      reported += r.paths.length;
    }
  });

  it("gives each file the sender's permission bits less the umask, never set-id or sticky, and 0666 less the umask when none came", async () => {
    const events: Events = { placed: [], written: 0, errors: [] };
    const p = placer(events, 64, 0o027);
    p.add(verified(0, 'run.sh', '#!/bin/sh', 0o755));
    p.add(verified(1, 'notes.txt', 'n', 0o640));
    p.add(verified(2, 'plain.txt', 'p'));
    // What a hostile sender could try (the protocol decoder already drops such a value).
    p.add(verified(3, 'suid', 's', 0o4777));
    await p.idle();
    expect(events.errors).toEqual([]);
    const mode = async (name: string): Promise<number> => (await stat(join(root, name))).mode & 0o7777;
    expect(await mode('run.sh')).toBe(0o750);
    expect(await mode('notes.txt')).toBe(0o640);
    expect(await mode('plain.txt')).toBe(0o640);
    expect(await mode('suid')).toBe(0o640);
  });

  it('a batch that cannot be placed fails without a file under its name and without .part files; later files are dropped', async () => {
    // A folder that is a symbolic link: never followed.
    await mkdir(join(root, 'elsewhere'));
    await symlink(join(root, 'elsewhere'), join(root, 'link'));
    const events: Events = { placed: [], written: 0, errors: [] };
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
    const events: Events = { placed: [], written: 0, errors: [] };
    const p = placer(events);
    p.add(v);
    await p.idle();
    expect(events.errors).toEqual([]);
    expect(await readFile(join(root, 'target'), 'utf8')).toBe('keep');
    expect(await readFile(join(root, 'a.txt'), 'utf8')).toBe('data');
  });
});
