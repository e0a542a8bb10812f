import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@fileshare/protocol';
import { scanSources } from '../../src/scan.js';
import { filePages } from '../../src/outgoing.js';
import { MAX_TRANSFER_MESSAGE_BYTES, encodeTransferMessage } from '@fileshare/protocol';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fileshare-scan-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scanning what to send', () => {
  it('lists a folder tree with folders first, sorted, empty folders included; links to files followed, to folders and sockets skipped', async () => {
    await mkdir(join(dir, 'tree/b/empty'), { recursive: true });
    await mkdir(join(dir, 'tree/a'));
    await writeFile(join(dir, 'tree/z.txt'), 'zz');
    await writeFile(join(dir, 'tree/a/1.txt'), '1');
    await symlink(join(dir, 'tree/z.txt'), join(dir, 'tree/link-to-file'));
    await symlink(join(dir, 'tree/a'), join(dir, 'tree/link-to-dir'));
    await symlink(join(dir, 'nowhere'), join(dir, 'tree/dangling'));
    const server = createServer();
    await new Promise<void>((r) => server.listen(join(dir, 'tree/sock'), r));
    try {
      const warnings: string[] = [];
      const entries = await scanSources([join(dir, 'tree')], { ...silentLogger, warn: (m) => warnings.push(m) });
      expect(entries.map((e) => [e.path, e.kind, e.size])).toEqual([
        ['tree', 'directory', 0],
        ['tree/a', 'directory', 0],
        ['tree/b', 'directory', 0],
        ['tree/link-to-file', 'file', 2],
        ['tree/z.txt', 'file', 2],
        ['tree/a/1.txt', 'file', 1],
        ['tree/b/empty', 'directory', 0],
      ]);
      expect(warnings).toHaveLength(3);
      expect(entries.find((e) => e.path === 'tree/z.txt')!.mtimeMs).toEqual(expect.any(Number));
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('refuses missing paths, duplicate top-level names and names receivers would refuse', async () => {
    await expect(scanSources([join(dir, 'missing')], silentLogger)).rejects.toMatchObject({ code: 'ERR_TRANSFER_SOURCE_NOT_FOUND' });
    await mkdir(join(dir, 'x'));
    await mkdir(join(dir, 'y/x'), { recursive: true });
    await expect(scanSources([join(dir, 'x'), join(dir, 'y/x')], silentLogger)).rejects.toMatchObject({ code: 'ERR_TRANSFER_SOURCE_INVALID' });
    await writeFile(join(dir, 'x', 'back\\slash'), '');
    await expect(scanSources([join(dir, 'x')], silentLogger)).rejects.toMatchObject({ code: 'ERR_TRANSFER_SOURCE_INVALID', message: expect.stringMatching(/backslash/) });
    await expect(scanSources([], silentLogger)).rejects.toMatchObject({ code: 'ERR_TRANSFER_SOURCE_INVALID' });
  });

  it('applies the receiver\'s rules to its own names: case and Unicode-form twins, bidi controls, the reserved folder', async () => {
    await mkdir(join(dir, 'twins'));
    await writeFile(join(dir, 'twins', 'A.txt'), 'a');
    await writeFile(join(dir, 'twins', 'a.txt'), 'b');
    await expect(scanSources([join(dir, 'twins')], silentLogger)).rejects.toMatchObject({
      code: 'ERR_TRANSFER_SOURCE_INVALID',
      message: expect.stringMatching(/"twins\/A.txt" and "twins\/a.txt".*letter case.*Receivers refuse/),
    });
    await mkdir(join(dir, 'forms'));
    await writeFile(join(dir, 'forms', 'caf\u00e9.txt'), 'nfc');
    await writeFile(join(dir, 'forms', 'cafe\u0301.txt'), 'nfd');
    await expect(scanSources([join(dir, 'forms')], silentLogger)).rejects.toMatchObject({ code: 'ERR_TRANSFER_SOURCE_INVALID', message: expect.stringMatching(/Unicode normalization/) });
    await writeFile(join(dir, 'invoice\u202etxt.exe'), 'x');
    await expect(scanSources([join(dir, 'invoice\u202etxt.exe')], silentLogger)).rejects.toMatchObject({ code: 'ERR_TRANSFER_SOURCE_INVALID', message: expect.stringMatching(/U\+202E/) });
    await mkdir(join(dir, '.FileShare-Partial'));
    await expect(scanSources([join(dir, '.FileShare-Partial')], silentLogger)).rejects.toMatchObject({ code: 'ERR_TRANSFER_SOURCE_INVALID', message: expect.stringMatching(/reserved/) });
    // One of each is fine.
    await rm(join(dir, 'twins', 'A.txt'));
    expect((await scanSources([join(dir, 'twins')], silentLogger)).map((e) => e.path)).toEqual(['twins', 'twins/a.txt']);
  });

  it('pages a long file list into messages under the size limit, in order', () => {
    const entries = Array.from({ length: 3000 }, (_, i) => ({ path: `${'dir/'.repeat(20)}file-${i}-${'é'.repeat(i % 50)}`, kind: 'file' as const, size: i, mtimeMs: 1700000000000 + i }));
    const pages = filePages(entries);
    expect(pages.length).toBeGreaterThan(5);
    let next = 0;
    for (const page of pages) {
      expect(page.first).toBe(next);
      const text = encodeTransferMessage({ type: 'files', first: page.first, entries: page.entries });
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_TRANSFER_MESSAGE_BYTES);
      next += page.entries.length;
    }
    expect(next).toBe(3000);
    expect(pages.flatMap((p) => p.entries)).toEqual(entries);
  });
});
