import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { posix, resolve, sep, win32 } from 'node:path';
import { describePath, isReservedTopName, isSafeRelativePath, offerEntriesProblem, pathProblem, sameNameKey, writtenForm } from '../../src/path-safety.js';

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
        // What the receiver writes (NFC) is just as safe.
        expect(resolve(BASE, writtenForm(p)).startsWith(BASE + sep)).toBe(true);
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

const f = (path: string, size = 1) => ({ path, kind: 'file' as const, size });
const d = (path: string) => ({ path, kind: 'directory' as const, size: 0 });
const NFC_CAFE = 'caf\u00e9.txt';
const NFD_CAFE = 'cafe\u0301.txt';
const BIDI_CONTROLS = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];

/** Letters whose case or normal form is tricky: sharp s, final sigma, titlecase digraphs, ligatures, the Kelvin sign, precomposed letters. */
const trickyChar = fc.constantFrom(
  'a', 'B', 'z', 'é', 'É', 'e\u0301', 'ß', 'ẞ', 'ö', 'Ö', 'Ω', 'ω', 'σ', 'ς', 'Σ', 'ǅ', 'ǆ', 'Ǆ', 'ﬀ', 'ſ', '\u212a', 'k', 'Å', '\u212b', 'ŉ', 'İ', 'ı', '1', '-', '_', ' ', '日', '😀',
);
/** A safe name (a leading letter keeps it clear of device names, drive letters and dot-only names). */
const trickyName = fc.array(trickyChar, { minLength: 1, maxLength: 12 }).map((chars) => `n${chars.join('')}`);

/** The same name spelled another way: each character's case flipped or kept, the whole in NFC or NFD. */
function variant(name: string, flips: boolean[], form: 'NFC' | 'NFD'): string {
  const chars = Array.from(name);
  return chars
    .map((ch, i) => (flips[i % Math.max(1, flips.length)] ? (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()) : ch))
    .join('')
    .normalize(form);
}

/** The rules stated pairwise, checked by brute force: what the sorted scan in offerEntriesProblem must agree with. */
function clashesByBruteForce(paths: { path: string; kind: 'file' | 'directory' }[]): boolean {
  for (let i = 0; i < paths.length; i++) {
    for (let j = 0; j < paths.length; j++) {
      if (i === j) continue;
      const a = paths[i]!.path.split('/');
      const b = paths[j]!.path.split('/');
      for (let k = 0; k < Math.min(a.length, b.length); k++) {
        if (sameNameKey(a[k]!) !== sameNameKey(b[k]!)) break;
        if (a[k] !== b[k]) return true; // one prefix, two spellings
        if (k === a.length - 1 && k === b.length - 1) return true; // the same path twice
        if (k === a.length - 1 && paths[i]!.kind === 'file') return true; // b is below the file a
      }
    }
  }
  return false;
}

describe('names that are the same apart from case or Unicode form', () => {
  it('writes NFC and compares NFC + case folded', () => {
    expect(writtenForm(NFD_CAFE)).toBe(NFC_CAFE);
    expect(writtenForm(`dir-e\u0301/${NFD_CAFE}`)).toBe(`dir-\u00e9/${NFC_CAFE}`);
    expect(sameNameKey('STRASSE.TXT')).toBe(sameNameKey('straße.txt'));
    expect(sameNameKey('\u212aelvin')).toBe(sameNameKey('kelvin'));
    expect(sameNameKey('ΟΔΟΣ')).toBe(sameNameKey('οδος'));
    expect(sameNameKey('a.txt')).not.toBe(sameNameKey('b.txt'));
  });

  it('refuses the reserved .fileshare-partial in any case, normal or compatibility form, at the top only', () => {
    for (const name of ['.fileshare-partial', '.FileShare-Partial', '.FILESHARE-PARTIAL', '.\ufb01leshare-partial', '.file\u017fhare-partial', '\uff0e\uff46\uff49\uff4c\uff45\uff53\uff48\uff41\uff52\uff45\uff0d\uff50\uff41\uff52\uff54\uff49\uff41\uff4c']) {
      expect({ name, reserved: isReservedTopName(name) }).toEqual({ name, reserved: true });
      expect(offerEntriesProblem([d(name), f(`${name}/x.part`)])).toMatch(/reserved folder \.fileshare-partial/);
    }
    expect(isReservedTopName('.fileshare-partial-old')).toBe(false);
    expect(offerEntriesProblem([d('notes'), f('notes/.FileShare-Partial')])).toBeUndefined();
  });

  it('declines an offer listing one name twice in different Unicode forms or cases, naming the paths', () => {
    expect(offerEntriesProblem([f(NFC_CAFE), f(NFD_CAFE)])).toBe(
      `The offer lists "${NFC_CAFE}" and "${NFD_CAFE}": one name in two Unicode normalization forms.`,
    );
    expect(offerEntriesProblem([f('A.txt'), f('a.txt')])).toMatch(/lists "A.txt" and "a.txt": the same name apart from letter case/);
    expect(offerEntriesProblem([f('Straße.txt'), f('STRASSE.TXT')])).toMatch(/same name/);
    // Folders on the way count too, listed or not: they would be one folder on macOS and Windows.
    expect(offerEntriesProblem([f('Photos/a.jpg'), f('photos/b.jpg')])).toMatch(/lists "Photos" and "photos"/);
    expect(offerEntriesProblem([d('docs'), d('docs/Sub'), f('docs/sub/x')])).toMatch(/"docs\/Sub" and "docs\/sub"/);
    expect(offerEntriesProblem([f('a'), f('A/b')])).toMatch(/"a" and "A"/);
    expect(offerEntriesProblem([d('x'), f(`x/${NFC_CAFE}`), f(`x/${NFD_CAFE}`)])).toMatch(/Unicode normalization forms/);
    // Distinct names stay fine, however alike.
    expect(offerEntriesProblem([f('a.txt'), f('a.txt.txt'), f('a-txt'), f('b/a.txt'), f('\u00e9.txt'), f('e.txt')])).toBeUndefined();
  });

  it('refuses a path with a bidirectional control character, naming the code point, and shows it escaped', () => {
    for (const ch of BIDI_CONTROLS) {
      const code = `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      expect(pathProblem(`invoice${ch}txt.exe`)).toBe(`contains a bidirectional control character (${code})`);
      expect(pathProblem(`folder${ch}/a.txt`)).toMatch(/bidirectional/);
      expect(offerEntriesProblem([f(`a/${ch}b`)])).toMatch(new RegExp(`unsafe path .*${code.replace('+', '\\+')}`));
      expect(describePath(`a${ch}b`)).toBe(`"a\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}b"`);
    }
    // Other invisible or RTL text is a name like any other.
    expect(pathProblem('\u05e9\u05dc\u05d5\u05dd.txt')).toBeUndefined();
    expect(pathProblem('a\u200db.txt')).toBeUndefined();
  });

  it('checks the NFC form too: a name that NFC makes longer than 255 bytes is refused', () => {
    const qa = '\u0958'; // DEVANAGARI LETTER QA: 3 bytes, 6 in NFC (a composition exclusion)
    expect(pathProblem(qa.repeat(60))).toMatch(/255 bytes/);
    expect(pathProblem('\u0915\u093c'.repeat(40))).toBeUndefined();
  });

  it('property: any offer holding two case or normalization variants of one name is refused', () => {
    fc.assert(
      fc.property(
        trickyName,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
        fc.constantFrom('NFC' as const, 'NFD' as const),
        fc.constantFrom('NFC' as const, 'NFD' as const),
        fc.constantFrom('file', 'folder', 'nested'),
        fc.array(trickyName, { maxLength: 4 }),
        fc.nat(),
        (name, flips, formA, formB, where, others, seed) => {
          const a = variant(name, [], formA);
          const b = variant(name, flips, formB);
          const clash =
            where === 'file' ? [f(a), f(b)] : where === 'folder' ? [f(`${a}/x.txt`), f(`${b}/x.txt`)] : [d('top'), f(`top/${a}`), f(`top/${b}`)];
          const entries = [...others.map((o) => f(`other/${o}`)), ...clash];
          // Any order: a seeded rotation.
          const at = seed % entries.length;
          const offer = [...entries.slice(at), ...entries.slice(0, at)];
          expect(offerEntriesProblem(offer)).toMatch(/twice|same name|Unicode normalization/);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: names that differ after NFC and case folding are all accepted', () => {
    fc.assert(
      fc.property(fc.uniqueArray(trickyName, { maxLength: 20, selector: sameNameKey }), (names) => {
        expect(offerEntriesProblem([d('dir'), ...names.map((n) => f(`dir/${n}`)), ...names.map((n) => f(n))])).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('property: the sorted scan finds a clash exactly when a pairwise check does', () => {
    const segment = fc.constantFrom('a', 'A', 'b', NFC_CAFE, NFD_CAFE, 'ß', 'ss', 'a.b');
    const entry = fc.record({
      path: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/')),
      kind: fc.constantFrom('file' as const, 'directory' as const),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), (entries) => {
        const offer = entries.map((e) => ({ ...e, size: 0 }));
        expect(offerEntriesProblem(offer) !== undefined).toBe(clashesByBruteForce(entries));
      }),
      { numRuns: 3000 },
    );
  });
});
