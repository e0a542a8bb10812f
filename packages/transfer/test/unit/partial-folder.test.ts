import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readdir, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FILE_MODE, offeredMode, placedMode, processUmask } from '../../src/file-mode.js';
import { PartialFolder } from '../../src/partial-folder.js';

let root = '';
beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'fileshare-pfolder-')));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const listing = (): Promise<string[]> => readdir(root);

describe('the partial-data folder', () => {
  it('exists (0700) while anyone uses it and goes away with the last user when empty', async () => {
    const folder = new PartialFolder(root);
    const a = await folder.acquire();
    const b = await folder.acquire();
    expect((await stat(folder.path)).mode & 0o777).toBe(0o700);
    await a.release();
    await a.release(); // idempotent: must not count as b's release
    expect(await listing()).toEqual(['.fileshare-partial']);
    await b.release();
    expect(await listing()).toEqual([]);
  });

  it('stays while something is pending in it', async () => {
    const folder = new PartialFolder(root);
    const lease = await folder.acquire();
    await writeFile(lease.store.partPath('f'.repeat(32)), 'pending');
    await lease.release();
    expect(await readdir(folder.path)).toEqual([`${'f'.repeat(32)}.part`]);
  });

  it('a user arriving while the last one leaves always gets a folder it can write in', async () => {
    const folder = new PartialFolder(root);
    for (let i = 0; i < 50; i++) {
      const first = await folder.acquire();
      // Released and taken again in the same tick: the removal and the creation are ordered.
      const leaving = first.release();
      const next = await folder.acquire();
      await writeFile(next.store.partPath('a'.repeat(32)), 'x');
      await rm(next.store.partPath('a'.repeat(32)));
      await leaving;
      await next.release();
    }
    expect(await listing()).toEqual([]);
  });

  it('refuses a symbolic link in its place and never removes through it', async () => {
    await mkdir(join(root, 'elsewhere'));
    await symlink(join(root, 'elsewhere'), join(root, '.fileshare-partial'));
    const folder = new PartialFolder(root);
    await expect(folder.acquire()).rejects.toMatchObject({ code: 'ERR_TRANSFER_UNSAFE_PATH' });
    expect((await listing()).sort()).toEqual(['.fileshare-partial', 'elsewhere']);
  });
});

describe('file modes', () => {
  it('sends only the permission bits and places them less the umask, with 0666 when none came', () => {
    expect(offeredMode(0o104755)).toBe(0o755);
    expect(offeredMode(0o102640)).toBe(0o640);
    expect(placedMode(0o755, 0o022)).toBe(0o755);
    expect(placedMode(0o640, 0o027)).toBe(0o640);
    expect(placedMode(0o777, 0o027)).toBe(0o750);
    expect(placedMode(undefined, 0o022)).toBe(DEFAULT_FILE_MODE & ~0o022);
    for (const bad of [0o4755, -1, 1.5, Number.NaN]) expect(placedMode(bad, 0o022)).toBe(0o644);
  });

  it('reads the umask without changing it', () => {
    const before = process.umask(0o027);
    try {
      expect(processUmask()).toBe(0o027);
      expect(process.umask(0o027)).toBe(0o027);
    } finally {
      process.umask(before);
    }
  });
});
