import { tildify } from '../format.js';
import { editLine, lineOf, type LineCommand, type LineState } from '../input/line-editor.js';
import type { SendDraft } from './types.js';

/** The send dialog's state as the reducer changes it; pure, so every rule is unit-tested here. */
export function newDraft(peerId: string, peerName: string, paths: readonly string[] = []): SendDraft {
  return { peerId, peerName, input: '', cursor: 0, killed: '', killing: false, paths: [...paths], removeArmed: false, candidates: [] };
}

export function lineOfDraft(d: SendDraft): LineState {
  return { text: d.input, cursor: d.cursor, killed: d.killed, killing: d.killing };
}

function withLine(d: SendDraft, line: LineState): SendDraft {
  return { ...d, input: line.text, cursor: line.cursor, killed: line.killed, killing: line.killing };
}

/** Leaves error, note, candidates and a pending removal behind: the user moved on. */
function fresh(d: SendDraft): SendDraft {
  const { error: _e, note: _n, ...rest } = d;
  return { ...rest, candidates: [], removeArmed: false };
}

/**
 * One edit of the path line. Backspace on an empty line never drops a chosen path at once: the
 * first one marks the last path (the dialog says a second backspace removes it), the second
 * removes it into the kill buffer, so ctrl+y puts it back on the line and enter re-adds it.
 */
export function editDraft(d: SendDraft, command: LineCommand): SendDraft {
  if (command.kind === 'backspace' && d.input === '' && d.paths.length > 0) {
    if (!d.removeArmed) return { ...fresh(d), removeArmed: true };
    const removed = d.paths.at(-1)!;
    return {
      ...fresh(d),
      paths: d.paths.slice(0, -1),
      killed: removed,
      killing: false,
      note: `Removed ${tildify(removed)}. ctrl+y puts it back on the line.`,
    };
  }
  return withLine(fresh(d), editLine(lineOfDraft(d), command));
}

/** Replaces the whole line (the cursor goes to its end). */
export function setDraftInput(d: SendDraft, value: string): SendDraft {
  return withLine(fresh(d), { ...lineOf(value), killed: d.killed });
}

/**
 * A completion computed for `forInput` with the cursor at `forCursor`: the text before the
 * cursor was completed to `value`; what followed the cursor stays after it. Ignored when the
 * user typed on while the folder was read.
 */
export function completeDraft(d: SendDraft, a: { forInput: string; forCursor?: number; value: string; candidates: string[] }): SendDraft {
  const forCursor = a.forCursor ?? a.forInput.length;
  if (d.input !== a.forInput || d.cursor !== forCursor) return d;
  const tail = d.input.slice(forCursor);
  const line = { ...lineOf(a.value + tail, a.value.length), killed: d.killed };
  return { ...withLine(fresh(d), line), candidates: a.candidates };
}

/**
 * Adds checked paths (each once). `input` replaces the line (by default it is cleared: the path
 * on it was just added); `error` names what could not be added.
 */
export function addToDraft(d: SendDraft, paths: readonly string[], options: { input?: string; error?: string } = {}): SendDraft {
  const next = [...d.paths];
  for (const p of paths) if (!next.includes(p)) next.push(p);
  const updated: SendDraft = { ...setDraftInput(d, options.input ?? ''), paths: next };
  if (options.error !== undefined) updated.error = options.error;
  return updated;
}
