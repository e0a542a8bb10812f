import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { isSafeRelativePath } from '../../src/path-safety.js';
import { assertRealInside, ensureDirInside, isInside, placeFile, reserveDir } from '../../src/safe-fs.js';

let base = '';
let root = '';
let outside = '';

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'fileshare-safefs-')));
  root = join(base, 'recv');
  outside = join(base, 'outside');
  await mkdir(root);
  await mkdir(outside);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('safe file system steps', () => {
  it('creates nested folders inside the root', async () => {
    const dir = await ensureDirInside(root, ['a', 'b', 'c']);
    expect(dir).toBe(join(root, 'a', 'b', 'c'));
    expect(await readdir(join(root, 'a', 'b'))).toEqual(['c']);
  });

  it('refuses a symlink anywhere on the way, and writes nothing outside', async () => {
    await mkdir(join(root, 'a'));
    await symlink(outside, join(root, 'a', 'link'));
    await expect(ensureDirInside(root, ['a', 'link', 'deeper'])).rejects.toMatchObject({ code: 'ERR_TRANSFER_UNSAFE_PATH' });
    await symlink(join(root, 'a'), join(root, 'inner-link'));
    await expect(ensureDirInside(root, ['inner-link'])).rejects.toMatchObject({ code: 'ERR_TRANSFER_UNSAFE_PATH' });
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses a file where a folder is needed', async () => {
    await writeFile(join(root, 'f'), 'x');
    await expect(ensureDirInside(root, ['f', 'sub'])).rejects.toMatchObject({ code: 'ERR_TRANSFER_WRITE_FAILED' });
  });

  it('a folder whose real path differs (a symlinked parent) is refused before placing a file', async () => {
    await symlink(outside, join(root, 'out'));
    await writeFile(join(root, 'tmp.part'), 'data');
    await expect(placeFile(root, join(root, 'out'), 'x.txt', join(root, 'tmp.part'))).rejects.toMatchObject({ code: 'ERR_TRANSFER_UNSAFE_PATH' });
    await expect(assertRealInside(root, join(root, 'out'))).rejects.toMatchObject({ code: 'ERR_TRANSFER_UNSAFE_PATH' });
    expect(await readdir(outside)).toEqual([]);
  });

  it('places files without overwriting anything: files, symlinks and dangling symlinks keep their names', async () => {
    await writeFile(join(outside, 'target'), 'original');
    await writeFile(join(root, 'a.txt'), 'old');
    await symlink(join(outside, 'target'), join(root, 'a (1).txt'));
    await symlink(join(outside, 'missing'), join(root, 'a (2).txt'));
    await writeFile(join(root, 'tmp.part'), 'new');
    const name = await placeFile(root, root, 'a.txt', join(root, 'tmp.part'));
    expect(name).toBe('a (3).txt');
    expect(await readFile(join(root, 'a (3).txt'), 'utf8')).toBe('new');
    expect(await readFile(join(root, 'a.txt'), 'utf8')).toBe('old');
    expect(await readFile(join(outside, 'target'), 'utf8')).toBe('original');
    expect((await readdir(outside)).sort()).toEqual(['target']);
    expect((await readdir(root)).includes('tmp.part')).toBe(false);
  });

  it('reserves a fresh folder name next to files, folders and links', async () => {
    await mkdir(join(root, 'photos'));
    await writeFile(join(root, 'photos (1)'), 'a file');
    await symlink(outside, join(root, 'photos (2)'));
    expect(await reserveDir(root, 'photos')).toBe('photos (3)');
    expect(await reserveDir(root, 'photos', (c) => c === 'photos (4)')).toBe('photos (5)');
  });

  it('any safe relative folder path stays inside the root', async () => {
    const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !s.includes('/') && isSafeRelativePath(s));
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 4 }), async (segments) => {
        const dir = await ensureDirInside(root, segments);
        expect(isInside(root, dir)).toBe(true);
        expect(dir.startsWith(root + sep)).toBe(true);
      }),
      { numRuns: 60 },
    );
    expect(await readdir(outside)).toEqual([]);
  });

  it('isInside compares whole path segments', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/', '/x')).toBe(true);
  });
});
