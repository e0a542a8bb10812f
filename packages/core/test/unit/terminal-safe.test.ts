import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { safeForTerminal } from '../../src/terminal-safe.js';

const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROLS_BUT_LF_TAB = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('safeForTerminal', () => {
  it('shows escape sequences as text instead of letting them clear the screen or write the clipboard', () => {
    expect(safeForTerminal('\u001b[2Jpwned')).toBe('\\x1b[2Jpwned');
    // OSC 52: set the clipboard, terminated by BEL.
    expect(safeForTerminal('\u001b]52;c;cm0gLXJmIH4=\u0007')).toBe('\\x1b]52;c;cm0gLXJmIH4=\\x07');
    // 8-bit CSI (C1) does the same as ESC [ on some terminals.
    expect(safeForTerminal('\u009b31mred')).toBe('\\x9b31mred');
    expect(safeForTerminal('a\u0000b\u007f')).toBe('a\\x00b\\x7f');
  });

  it('shows bidi overrides so a name cannot read backwards', () => {
    expect(safeForTerminal('invoice\u202Egpj.exe')).toBe('invoice<U+202E>gpj.exe');
    expect(safeForTerminal('\u2066x\u2069\u200e\u061c')).toBe('<U+2066>x<U+2069><U+200E><U+061C>');
  });

  it('keeps newlines and tabs of a multi-line text, escapes them in a one-line field, always escapes CR', () => {
    expect(safeForTerminal('a\nb\tc')).toBe('a\\x0ab\\x09c');
    expect(safeForTerminal('a\nb\tc', { multiline: true })).toBe('a\nb\tc');
    expect(safeForTerminal('ok\rfake', { multiline: true })).toBe('ok\\x0dfake');
  });

  it('leaves ordinary text alone, including non-Latin scripts and emoji', () => {
    for (const text of ['desk', 'café.txt', 'Ünïcödé 名前 اسم 🚀', 'back\\slash', '']) expect(safeForTerminal(text)).toBe(text);
  });

  it('never lets a control or bidi character through (property)', () => {
    const dangerous = fc.constantFrom('\u001b', '\u009b', '\u0007', '\n', '\t', '\r', '\u0000', '\u007f', '\u202e', '\u2066', '\u061c', '\u200f');
    const text = fc.array(fc.oneof(fc.string({ unit: 'binary' }), dangerous), { maxLength: 20 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, fc.boolean(), (input, multiline) => {
        const out = safeForTerminal(input, { multiline });
        expect(BIDI.test(out)).toBe(false);
        expect((multiline ? CONTROLS_BUT_LF_TAB : CONTROLS).test(out)).toBe(false);
        // Nothing is lost: text without anything to escape comes back unchanged.
        if (!BIDI.test(input) && !CONTROLS.test(input)) expect(out).toBe(input);
      }),
      { numRuns: 2000 },
    );
  });
});
