import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { posix, resolve, sep, win32 } from 'node:path';
import { describePath, isSafeRelativePath, offerEntriesProblem, pathProblem } from '../../src/path-safety.js';

const BASE = resolve('/srv/receive');
const WIN_BASE = 'C:\\Users\\me\\Downloads';

/** Strings built from the pieces path attacks are made of. */
const hostilePiece = fc.constantFrom(
  '..', '.', '/', '\\', '//', 'a', 'b.txt', 'C:', 'c:', ':', '\u0000', '\n', '\u001b', '\u007f', '\u0085', ' ', '...', 'CON', 'nul', 'COM1', 'LPT9',
  '\u2024\u2024', '\uff0e\uff0e', '%2e%2e', '~', 'é', '日本', '😀', '$', '.fileshare-partial', 'x'.repeat(100),
);
const hostilePath = fc.oneof(
  fc.array(hostilePiece, { maxLength: 14 }).map((parts) => parts.join('')),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

describe('path safety', () => {
  it('a path judged safe never resolves outside the receive folder, on POSIX or Windows', () => {
    fc.assert(
      fc.property(hostilePath, (p) => {
        if (!isSafeRelativePath(p)) return;
        const abs = resolve(BASE, p);
        expect(abs.startsWith(BASE + sep)).toBe(true);
        expect(posix.normalize(p)).toBe(p);
        const winAbs = win32.resolve(WIN_BASE, p);
        expect(winAbs.startsWith(`${WIN_BASE}\\`)).toBe(true);
        for (const segment of p.split('/')) expect(['', '.', '..']).not.toContain(segment);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses the named hostile cases, each with a reason', () => {
    const table: [string, RegExp][] = [
      ['../x', /"\.\."/],
      ['a/../../x', /"\.\."/],
      ['..', /"\.\."/],
      ['./a', /"\."/],
      ['/etc/passwd', /absolute/],
      ['C:/Windows/x', /drive letter/],
      ['c:x', /drive letter/],
      ['a/D:evil', /drive letter/],
      ['CON', /device name "CON"/],
      ['con.txt', /device name "CON"/],
      ['dir/NUL.tar.gz', /device name "NUL"/],
      ['CON .txt', /device name "CON"/],
      ['com1', /device name "COM1"/],
      ['lpt\u00b9.txt', /device name/],
      ['CONIN$', /device name/],
      ['a\u0000b', /control character/],
      ['a\nb', /control character/],
      ['a\u001b[2Jb', /control character/],
      ['a\\b', /backslash/],
      ['a//b', /empty path segment/],
      ['a/', /empty path segment/],
      ['', /empty/],
      ['...', /dots and spaces/],
      [' ', /dots and spaces/],
      ['x'.repeat(256), /255 bytes/],
      ['é'.repeat(128), /255 bytes/],
      [`${'abcdefgh/'.repeat(456)}x`, /4096 bytes/],
    ];
    for (const [path, reason] of table) expect({ path, problem: pathProblem(path) }).toEqual({ path, problem: expect.stringMatching(reason) });
  });

  it('accepts ordinary names, including unicode, dots, spaces and colons inside a name', () => {
    for (const ok of ['a.txt', 'photos/2024/IMG 0001.JPG', '.bashrc', 'Ünïcödé 日本語/файл.txt', 'emoji 😀.md', 'notes.', 'CONFIG.SYS', 'console.log', 'a..b', '10:30 meeting.txt', 'x'.repeat(255)]) {
      expect({ ok, problem: pathProblem(ok) }).toEqual({ ok, problem: undefined });
    }
  });

  it('checks whole offers: duplicates, entries inside files, folder sizes, the partial folder, the count', () => {
    const f = (path: string, size = 1) => ({ path, kind: 'file' as const, size });
    const d = (path: string, size = 0) => ({ path, kind: 'directory' as const, size });
    expect(offerEntriesProblem([d('a'), f('a/b'), d('a/c'), f('a/c/d', 0)])).toBeUndefined();
    expect(offerEntriesProblem([f('a'), f('a')])).toMatch(/twice/);
    expect(offerEntriesProblem([f('a'), f('a/b/c')])).toMatch(/inside the file/);
    expect(offerEntriesProblem([d('a', 5)])).toMatch(/has a size/);
    expect(offerEntriesProblem([f('.fileshare-partial/x')])).toMatch(/reserved/);
    expect(offerEntriesProblem([f('ok'), f('../x')])).toMatch(/unsafe path "\.\.\/x".*"\.\."/);
    expect(offerEntriesProblem(Array.from({ length: 100_001 }, (_, i) => f(`f${i}`)))).toMatch(/at most 100000/);
  });

  it('shows hostile names safely in messages', () => {
    expect(describePath('a\u001b[2J')).toBe('"a\\u001b[2J"');
    expect(describePath('x'.repeat(200))).toHaveLength(82);
  });
});
