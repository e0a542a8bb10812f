import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { firstFreeName, numberedName, splitExtension } from '../../src/unique-name.js';
import { isSafeRelativePath } from '../../src/path-safety.js';

describe('unique names', () => {
  it('numbers before the extension, keeps double extensions and dot files whole', () => {
    expect(numberedName('report.pdf', 1)).toBe('report (1).pdf');
    expect(numberedName('report.pdf', 0)).toBe('report.pdf');
    expect(numberedName('archive.tar.gz', 2)).toBe('archive (2).tar.gz');
    expect(numberedName('.bashrc', 1)).toBe('.bashrc (1)');
    expect(numberedName('README', 3)).toBe('README (3)');
    expect(numberedName('My.Long Document', 1)).toBe('My.Long Document (1)');
    expect(numberedName('photos', 1, true)).toBe('photos (1)');
    expect(numberedName('v1.2', 1, true)).toBe('v1.2 (1)');
    expect(splitExtension('a.b.c')).toEqual({ stem: 'a.b', ext: '.c' });
  });

  it('picks the first free name', () => {
    const taken = new Set(['a.txt', 'a (1).txt', 'a (2).txt']);
    expect(firstFreeName('a.txt', (c) => taken.has(c))).toBe('a (3).txt');
    expect(firstFreeName('b.txt', (c) => taken.has(c))).toBe('b.txt');
  });

  it('numbered names of safe names stay safe, distinct and within 255 bytes', () => {
    const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }).filter((s) => isSafeRelativePath(s) && !s.includes('/'));
    fc.assert(
      fc.property(segment, fc.integer({ min: 1, max: 100_000 }), fc.boolean(), (name, n, dir) => {
        const numbered = numberedName(name, n, dir);
        expect(Buffer.byteLength(numbered)).toBeLessThanOrEqual(255);
        expect(numbered).not.toBe(name);
        expect(numbered).toContain(`(${n})`);
        expect(isSafeRelativePath(numbered)).toBe(true);
      }),
    );
    const long = `${'é'.repeat(125)}.txt`;
    expect(Buffer.byteLength(numberedName(long, 12345))).toBeLessThanOrEqual(255);
    expect(numberedName(long, 12345).endsWith(' (12345).txt')).toBe(true);
  });
});
