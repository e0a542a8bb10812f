import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkPath, completePath, resolveInput } from '../../src/completion.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tui-completion-'));
  await mkdir(join(dir, 'photos'));
  await writeFile(join(dir, 'photos', 'beach.jpg'), 'x');
  await writeFile(join(dir, 'report-2024.pdf'), 'x');
  await writeFile(join(dir, 'report-2025.pdf'), 'x');
  await writeFile(join(dir, '.hidden'), 'x');
  await symlink(join(dir, 'photos'), join(dir, 'pics'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('completePath', () => {
  it('completes a unique match fully, folders with a slash', async () => {
    expect(await completePath('pho', { cwd: dir })).toEqual({ value: 'photos/', candidates: [] });
    expect(await completePath('photos/b', { cwd: dir })).toEqual({ value: 'photos/beach.jpg', candidates: [] });
    expect(await completePath(`${dir}/pi`)).toEqual({ value: `${dir}/pics/`, candidates: [] });
  });

  it('completes several matches to their common prefix and lists them', async () => {
    expect(await completePath('rep', { cwd: dir })).toEqual({ value: 'report-202', candidates: ['report-2024.pdf', 'report-2025.pdf'] });
    expect(await completePath('p', { cwd: dir })).toEqual({ value: 'p', candidates: ['photos/', 'pics/'] });
  });

  it('offers hidden entries only after a dot', async () => {
    expect((await completePath('', { cwd: dir })).candidates).not.toContain('.hidden');
    expect(await completePath('.h', { cwd: dir })).toEqual({ value: '.hidden', candidates: [] });
  });

  it('expands the home folder and leaves unknown paths alone', async () => {
    expect(await completePath('~/pho', { home: dir })).toEqual({ value: '~/photos/', candidates: [] });
    expect(await completePath('~', { home: dir })).toEqual({ value: '~/', candidates: [] });
    expect(await completePath('nope/x', { cwd: dir })).toEqual({ value: 'nope/x', candidates: [] });
    expect(await completePath('zzz', { cwd: dir })).toEqual({ value: 'zzz', candidates: [] });
  });
});

describe('checkPath', () => {
  it('accepts files and folders and names what is missing', async () => {
    expect(await checkPath('photos', { cwd: dir })).toEqual({ ok: true, path: join(dir, 'photos') });
    expect(await checkPath('missing.txt', { cwd: dir })).toEqual({ ok: false, message: 'No file or folder at missing.txt.' });
  });

  it('resolves typed paths', () => {
    expect(resolveInput('~/a', { home: '/h' })).toBe('/h/a');
    expect(resolveInput('a/../b', { cwd: '/c' })).toBe('/c/b');
  });
});
