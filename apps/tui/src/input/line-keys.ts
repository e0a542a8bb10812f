import type { LineCommand } from './line-editor.js';

/** What a chunk of terminal input means to the path line. */
export type LineInput =
  | { kind: 'edit'; command: LineCommand }
  /** Several characters at once: a paste (or a drag and drop, which terminals deliver as one). */
  | { kind: 'paste'; text: string }
  | { kind: 'submit' }
  | { kind: 'complete' };

/**
 * Raw sequences, not Ink's parsed keys: Ink reports both the Backspace key (DEL, 0x7f) and the
 * Delete key (ESC [3~) as `key.delete`, and a line editor must tell them apart.
 */
const SEQUENCES: Record<string, LineInput> = {
  '\r': { kind: 'submit' },
  '\n': { kind: 'submit' },
  '\t': { kind: 'complete' },
  '\x7f': edit('backspace'),
  '\b': edit('backspace'),
  '\x01': edit('home'),
  '\x05': edit('end'),
  '\x02': edit('left'),
  '\x06': edit('right'),
  '\x04': edit('delete'),
  '\x15': edit('kill-to-start'),
  '\x0b': edit('kill-to-end'),
  '\x17': edit('kill-word-back'),
  '\x19': edit('yank'),
  '\x1b[D': edit('left'),
  '\x1bOD': edit('left'),
  '\x1b[C': edit('right'),
  '\x1bOC': edit('right'),
  '\x1b[H': edit('home'),
  '\x1bOH': edit('home'),
  '\x1b[1~': edit('home'),
  '\x1b[7~': edit('home'),
  '\x1b[F': edit('end'),
  '\x1bOF': edit('end'),
  '\x1b[4~': edit('end'),
  '\x1b[8~': edit('end'),
  '\x1b[3~': edit('delete'),
  '\x1bb': edit('word-left'),
  '\x1bf': edit('word-right'),
  '\x1b[1;5D': edit('word-left'),
  '\x1b[1;5C': edit('word-right'),
  '\x1b[1;3D': edit('word-left'),
  '\x1b[1;3C': edit('word-right'),
  '\x1b\x7f': edit('kill-word-back'),
  '\x1bd': edit('kill-word-forward'),
};

function edit(kind: Exclude<LineCommand['kind'], 'insert'>): LineInput {
  return { kind: 'edit', command: { kind } as LineCommand };
}

/**
 * Decodes one chunk as Ink's input parser hands it over (it splits at escape sequences only):
 * a known key, a lone character, pasted text, or a burst of keystrokes that arrived together
 * (tmux send-keys, a fast typist over ssh), taken apart key by key. Keys the line does not use
 * (escape, arrows up/down, function keys, ctrl+c) decode to nothing; the app handles them.
 */
export function decodeLineInput(chunk: string): LineInput[] {
  const known = SEQUENCES[chunk];
  if (known) return [known];
  if (chunk.startsWith('\x1b')) return [];
  if (isPasteText(chunk)) return chunk.length === 1 ? [{ kind: 'edit', command: { kind: 'insert', text: chunk } }] : [{ kind: 'paste', text: chunk }];
  // Printable runs stay together (still a paste); each control character is its own key.
  const out: LineInput[] = [];
  let run = '';
  const flush = () => {
    if (run !== '') out.push(...decodeLineInput(run));
    run = '';
  };
  for (const ch of chunk) {
    if (isPrintable(ch)) {
      run += ch;
    } else {
      flush();
      const key = SEQUENCES[ch];
      if (key) out.push(key);
    }
  }
  flush();
  return out;
}

/** Printable characters, and the line breaks a multi-line paste (several files) carries. */
function isPasteText(chunk: string): boolean {
  let printable = false;
  for (const ch of chunk) {
    if (isPrintable(ch)) printable = true;
    else if (!(chunk.length > 1 && (ch === '\r' || ch === '\n'))) return false;
  }
  return printable;
}

function isPrintable(ch: string): boolean {
  const code = ch.codePointAt(0)!;
  return code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code < 0xa0);
}
