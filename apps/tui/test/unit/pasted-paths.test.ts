import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parsePastedPaths, quotePath } from '../../src/input/pasted-paths.js';

const paths = (text: string) => parsePastedPaths(text).paths;

describe('parsePastedPaths', () => {
  it('reads what terminals paste when a file is dropped on them', () => {
    // GNOME Terminal, Konsole: single quotes and a trailing space.
    expect(paths("'/home/a/My File.txt' ")).toEqual(['/home/a/My File.txt']);
    // macOS Terminal, iTerm2: backslash escapes.
    expect(paths('/home/a/My\\ File\\ \\(1\\).txt')).toEqual(['/home/a/My File (1).txt']);
    expect(paths('"/home/a/say \\"hi\\".txt"')).toEqual(['/home/a/say "hi".txt']);
    // A single quote inside single quotes, as shells write it.
    expect(paths("'/home/a/it'\\''s.txt'")).toEqual(["/home/a/it's.txt"]);
    // file:// URLs, percent-decoded, with or without localhost.
    expect(paths('file:///home/a/My%20File.txt')).toEqual(['/home/a/My File.txt']);
    expect(paths('file://localhost/home/a/%C3%A9t%C3%A9.txt')).toEqual(['/home/a/été.txt']);
  });

  it('makes several entries of several paths, on one line or one per line', () => {
    expect(paths("'/a/x y.txt' '/a/z.txt' ")).toEqual(['/a/x y.txt', '/a/z.txt']);
    expect(paths('/a/one\\ two /b/three')).toEqual(['/a/one two', '/b/three']);
    expect(paths('file:///a/1.txt\r\nfile:///a/2%20b.txt\r\n')).toEqual(['/a/1.txt', '/a/2 b.txt']);
    // text/uri-list comments, and the header older Nautilus puts on the clipboard.
    expect(paths('# dragged\nfile:///a/1.txt\n')).toEqual(['/a/1.txt']);
    expect(paths('x-special/nautilus-clipboard\ncopy\nfile:///a/1.txt\nfile:///a/2.txt')).toEqual(['/a/1.txt', '/a/2.txt']);
  });

  it('says when an unquoted paste with spaces may be one path, and when it ended with a line break', () => {
    expect(parsePastedPaths('/home/a/My File.txt')).toEqual({ paths: ['/home/a/My', 'File.txt'], literal: '/home/a/My File.txt', endsWithNewline: false });
    expect(parsePastedPaths("'/a b' /c").literal).toBeUndefined();
    expect(parsePastedPaths('/a/b.txt\n')).toEqual({ paths: ['/a/b.txt'], endsWithNewline: true });
  });

  it('loses nothing on odd input: an open quote runs to the end, a trailing backslash stays, empty quotes name nothing', () => {
    expect(paths("'/a/open quote")).toEqual(['/a/open quote']);
    expect(paths('/a/b\\')).toEqual(['/a/b\\']);
    expect(paths("'' /a")).toEqual(['/a']);
    expect(paths('   \n ')).toEqual([]);
    // Another host's file cannot be read here: it stays as written, so the check names it.
    expect(paths('file://server/share/a.txt')).toEqual(['file://server/share/a.txt']);
  });
});

describe('quotePath', () => {
  it('leaves plain paths alone and quotes the rest the way a shell reads them', () => {
    expect(quotePath('/home/a/report-2025.pdf')).toBe('/home/a/report-2025.pdf');
    expect(quotePath('/home/a/My File.txt')).toBe("'/home/a/My File.txt'");
    expect(quotePath("it's")).toBe("'it'\\''s'");
  });

  // Any name a file can have on one line (no line breaks, no control characters).
  const name = fc
    .string({ unit: fc.oneof(fc.constantFrom(' ', "'", '"', '\\', '$', '`', '#', '~', '/', '*', 'é', '😀'), fc.string({ minLength: 1, maxLength: 1 })), minLength: 1 })
    .filter((p) => !/[\u0000-\u001f\u007f]/.test(p) && !p.startsWith('file://'));

  it('reads every quoted path back unchanged, alone or several on a line', () => {
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), (names) => {
        expect(paths(names.map(quotePath).join(' '))).toEqual(names);
        expect(paths(names.map(quotePath).join('\n'))).toEqual(names);
      }),
    );
  });

  it('reads backslash-escaped paths back unchanged', () => {
    fc.assert(
      fc.property(name, (p) => {
        expect(paths(p.replace(/[^\w/.-]/g, (c) => `\\${c}`))).toEqual([p]);
      }),
    );
  });
});
