import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { editLine, graphemeBoundaries, lineOf, lineViewport, type LineCommand, type LineState } from '../../src/input/line-editor.js';
import { decodeLineInput } from '../../src/input/line-keys.js';

const run = (state: LineState, ...commands: LineCommand[]) => commands.reduce(editLine, state);
const k = (kind: Exclude<LineCommand['kind'], 'insert'>): LineCommand => ({ kind });
const ins = (text: string): LineCommand => ({ kind: 'insert', text });
/** The line with a | at the cursor, to read expectations at a glance. */
const show = (s: LineState) => `${s.text.slice(0, s.cursor)}|${s.text.slice(s.cursor)}`;

describe('editLine', () => {
  it('moves like readline: ctrl+a/e, home/end, arrows', () => {
    const s = lineOf('~/Documents/report.pdf');
    expect(show(run(s, k('home')))).toBe('|~/Documents/report.pdf');
    expect(show(run(s, k('home'), k('right'), k('right')))).toBe('~/|Documents/report.pdf');
    expect(show(run(s, k('home'), k('end')))).toBe('~/Documents/report.pdf|');
    expect(show(run(s, k('left'), k('left'), k('left'), k('left')))).toBe('~/Documents/report|.pdf');
    expect(show(run(s, k('word-left')))).toBe('~/Documents/|report.pdf');
    expect(show(run(s, k('home'), k('word-right')))).toBe('~|/Documents/report.pdf');
  });

  it('inserts and deletes at the cursor: backspace left of it, delete under it', () => {
    const s = run(lineOf('/tmp/a.txt'), k('home'), k('right'), k('right'), k('right'), k('right'));
    expect(show(s)).toBe('/tmp|/a.txt');
    expect(show(run(s, k('backspace')))).toBe('/tm|/a.txt');
    expect(show(run(s, k('delete')))).toBe('/tmp|a.txt');
    expect(show(run(s, ins('2')))).toBe('/tmp2|/a.txt');
    expect(show(run(lineOf(''), k('backspace'), k('delete')))).toBe('|');
  });

  it('ctrl+u kills to the start, ctrl+k to the end, ctrl+w the path part before the cursor', () => {
    const s = lineOf('~/Documents/report.pdf');
    expect(show(run(s, k('kill-word-back')))).toBe('~/Documents/|');
    expect(show(run(s, k('kill-word-back'), k('kill-word-back')))).toBe('~/|');
    expect(show(run(s, k('kill-word-back'), k('kill-word-back'), k('kill-word-back')))).toBe('|');
    const mid = run(s, k('word-left'));
    expect(show(run(mid, k('kill-to-start')))).toBe('|report.pdf');
    expect(show(run(mid, k('kill-to-end')))).toBe('~/Documents/|');
    expect(show(run(mid, k('kill-word-forward')))).toBe('~/Documents/|');
    // Spaces are word boundaries too, like slashes.
    expect(show(run(lineOf('/a/one /b/two'), k('kill-word-back')))).toBe('/a/one /b/|');
    expect(show(run(lineOf('/a/one /b/two'), k('kill-word-back'), k('kill-word-back')))).toBe('/a/one /|');
    expect(show(run(lineOf('/a/one /b/two'), k('kill-word-back'), k('kill-word-back'), k('kill-word-back')))).toBe('/a/|');
  });

  it('ctrl+y yanks the last kill; consecutive kills add up, as in readline', () => {
    const s = lineOf('~/Documents/report.pdf');
    const twice = run(s, k('kill-word-back'), k('kill-word-back'));
    expect(twice.killed).toBe('Documents/report.pdf');
    expect(show(run(twice, k('yank')))).toBe('~/Documents/report.pdf|');
    // A move in between starts a new kill.
    const apart = run(s, k('kill-word-back'), k('left'), k('kill-word-back'));
    expect(apart.killed).toBe('Documents');
  });

  it('treats a grapheme as one step: combining accents and emoji are never split', () => {
    const s = lineOf('cafe\u0301/😀.txt');
    expect(show(run(s, k('home'), k('right'), k('right'), k('right'), k('right')))).toBe('cafe\u0301|/😀.txt');
    const atEmoji = run(s, k('left'), k('left'), k('left'), k('left'));
    expect(show(atEmoji)).toBe('cafe\u0301/😀|.txt');
    expect(show(run(atEmoji, k('backspace')))).toBe('cafe\u0301/|.txt');
  });
});

const commandArb: fc.Arbitrary<LineCommand> = fc.oneof(
  fc.constantFrom(
    ...(['backspace', 'delete', 'left', 'right', 'word-left', 'word-right', 'home', 'end', 'kill-to-start', 'kill-to-end', 'kill-word-back', 'kill-word-forward', 'yank'] as const).map(k),
  ),
  fc.string({ unit: fc.constantFrom('a', 'b', '/', ' ', '.', 'é', 'e\u0301', '😀', '~'), maxLength: 6 }).map(ins),
);
const textArb = fc.string({ unit: fc.constantFrom('a', 'Z', '/', ' ', '-', 'é', 'e\u0301', '😀', '日'), maxLength: 24 });
const stateArb = fc.tuple(textArb, fc.nat(), fc.array(commandArb, { maxLength: 8 })).map(([text, at, commands]) => run(lineOf(text, at % (text.length + 1)), ...commands));

describe('editLine properties', () => {
  it('keeps the cursor within the text and on a grapheme boundary, whatever is typed', () => {
    fc.assert(
      fc.property(stateArb, fc.array(commandArb, { maxLength: 30 }), (start, commands) => {
        let s = start;
        for (const c of commands) {
          s = editLine(s, c);
          expect(s.cursor).toBeGreaterThanOrEqual(0);
          expect(s.cursor).toBeLessThanOrEqual(s.text.length);
          expect(graphemeBoundaries(s.text)).toContain(s.cursor);
        }
      }),
    );
  });

  it('a kill followed by a yank gives the text back, with the cursor after what came back', () => {
    const kills = ['kill-to-start', 'kill-to-end', 'kill-word-back', 'kill-word-forward'] as const;
    fc.assert(
      fc.property(stateArb, fc.constantFrom(...kills), (start, kill) => {
        const s = { ...start, killing: false };
        const killed = editLine(s, k(kill));
        fc.pre(killed.text !== s.text);
        expect(killed.text.length + killed.killed.length).toBe(s.text.length);
        const back = editLine(killed, k('yank'));
        expect(back.text).toBe(s.text);
        // Backward kills put the cursor back where it was; forward kills leave it before the text.
        expect(back.cursor).toBe(kill === 'kill-to-start' || kill === 'kill-word-back' ? s.cursor : s.cursor + killed.killed.length);
      }),
    );
  });

  it('ctrl+u then ctrl+k empties the line, and ctrl+y then brings all of it back', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        const empty = run({ ...s, killing: false, killed: '' }, k('kill-to-start'), k('kill-to-end'));
        expect(empty.text).toBe('');
        // Both kills in a row add up: the whole line comes back.
        expect(run(empty, k('yank')).text).toBe(s.text);
      }),
    );
  });

  it('home then end visits both ends; inserting then backspacing as many graphemes restores the line', () => {
    fc.assert(
      fc.property(stateArb, textArb, (s, typed) => {
        expect(run(s, k('home')).cursor).toBe(0);
        expect(run(s, k('end')).cursor).toBe(s.text.length);
        // At a boundary between whole graphemes (the end), typed text is a run of whole graphemes.
        const atEnd = run(s, k('end'));
        const typedCount = graphemeBoundaries(typed).length - 1;
        const after = run(atEnd, ins(typed), ...Array.from({ length: typedCount }, () => k('backspace')));
        expect(after.text).toBe(atEnd.text);
      }),
    );
  });
});

describe('lineViewport', () => {
  it('shows a short line whole, a long one scrolled with … on the cut sides', () => {
    expect(lineViewport(lineOf('abc'), 10)).toEqual({ before: 'abc', atCursor: ' ', after: '', cutLeft: false, cutRight: false });
    const long = lineOf('0123456789abcdefghij');
    const end = lineViewport(long, 10);
    expect(end).toMatchObject({ cutLeft: true, cutRight: false, atCursor: ' ' });
    expect(end.before).toBe('cdefghij'.slice(-7));
    const start = lineViewport({ ...long, cursor: 0 }, 10);
    expect(start).toEqual({ before: '', atCursor: '0', after: '12345678', cutLeft: false, cutRight: true });
  });

  it('always shows the cursor and never more cells than the width', () => {
    fc.assert(
      fc.property(stateArb, fc.integer({ min: 4, max: 40 }), (s, width) => {
        const v = lineViewport(s, width);
        const cells = (t: string) => graphemeBoundaries(t).length - 1;
        const used = cells(v.before) + 1 + cells(v.after) + (v.cutLeft ? 1 : 0) + (v.cutRight ? 1 : 0);
        expect(used).toBeLessThanOrEqual(width);
        // What is shown around the cursor is really what surrounds it in the text.
        expect(s.text.slice(0, s.cursor).endsWith(v.before)).toBe(true);
        if (s.cursor === s.text.length) expect(v).toMatchObject({ atCursor: ' ', after: '' });
        else expect(s.text.slice(s.cursor).startsWith(v.atCursor + v.after)).toBe(true);
      }),
    );
  });
});

describe('decodeLineInput', () => {
  it('tells backspace (DEL) from the delete key (ESC [3~), which Ink reports alike', () => {
    expect(decodeLineInput('\x7f')).toEqual([{ kind: 'edit', command: { kind: 'backspace' } }]);
    expect(decodeLineInput('\x1b[3~')).toEqual([{ kind: 'edit', command: { kind: 'delete' } }]);
  });

  it('reads the ctrl keys and the home/end sequences of common terminals', () => {
    const kinds = (raw: string) => decodeLineInput(raw).map((i) => (i.kind === 'edit' ? i.command.kind : i.kind));
    expect(kinds('\x01')).toEqual(['home']);
    expect(kinds('\x05')).toEqual(['end']);
    expect(['\x1b[H', '\x1bOH', '\x1b[1~', '\x1b[7~'].flatMap(kinds)).toEqual(['home', 'home', 'home', 'home']);
    expect(['\x1b[F', '\x1bOF', '\x1b[4~', '\x1b[8~'].flatMap(kinds)).toEqual(['end', 'end', 'end', 'end']);
    expect(kinds('\x15')).toEqual(['kill-to-start']);
    expect(kinds('\x0b')).toEqual(['kill-to-end']);
    expect(kinds('\x17')).toEqual(['kill-word-back']);
    expect(kinds('\x19')).toEqual(['yank']);
    expect(kinds('\t')).toEqual(['complete']);
    expect(kinds('\r')).toEqual(['submit']);
    // The app's keys are not the line's.
    expect(kinds('\x1b')).toEqual([]);
    expect(kinds('\x03')).toEqual([]);
    expect(kinds('\x1b[A')).toEqual([]);
  });

  it('takes several characters at once as a paste, and a burst of keys apart', () => {
    expect(decodeLineInput("'/home/a/My File.txt' ")).toEqual([{ kind: 'paste', text: "'/home/a/My File.txt' " }]);
    expect(decodeLineInput('file:///a\nfile:///b\n')).toEqual([{ kind: 'paste', text: 'file:///a\nfile:///b\n' }]);
    expect(decodeLineInput('x')).toEqual([{ kind: 'edit', command: { kind: 'insert', text: 'x' } }]);
    expect(decodeLineInput('ab\x01\x0b')).toEqual([
      { kind: 'paste', text: 'ab' },
      { kind: 'edit', command: { kind: 'home' } },
      { kind: 'edit', command: { kind: 'kill-to-end' } },
    ]);
    expect(decodeLineInput('\r\r')).toEqual([{ kind: 'submit' }, { kind: 'submit' }]);
  });
});
