import type { FileshareNode } from '@fileshare/core';
import { useCallback, useRef } from 'react';
import { checkPath, completePath, type CompletionContext } from '../completion.js';
import { describeError } from '../errors.js';
import type { LineCommand } from '../input/line-editor.js';
import { parsePastedPaths, quotePath } from '../input/pasted-paths.js';
import { editDraft } from '../state/draft.js';
import type { Input, SendDraft } from '../state/types.js';

export interface SendDialogHandlers {
  /** One edit of the path line. */
  edit: (command: LineCommand) => void;
  /** enter: add the path on the line (or the several on it), or send on an empty line. */
  submit: () => void;
  /** Several characters at once: a paste or a drop from a file manager. */
  paste: (text: string) => void;
  /** tab: complete the path left of the cursor. */
  complete: () => void;
}

/** The effects behind the send dialog: completion and path checks read the disk, send calls the node. */
export function useSendDialog(node: FileshareNode, draft: SendDraft | undefined, dispatch: (input: Input) => void, cwd: string): SendDialogHandlers {
  // Keys in one burst (a paste, tmux send-keys) run before React re-renders: edits are applied
  // here too (the same pure function the reducer uses), so enter or tab right after them reads
  // the line they produced, not the one of the last render.
  const latest = useRef(draft);
  latest.current = draft;
  const edit = useCallback(
    (command: LineCommand) => {
      if (latest.current) latest.current = editDraft(latest.current, command);
      dispatch({ type: 'draft-edit', command });
    },
    [dispatch],
  );
  const startSend = useCallback(
    (peerId: string, paths: string[]) => {
      dispatch({ type: 'send-started', peerId, paths });
      let transferId: string | undefined;
      node
        .sendFiles(peerId, paths, {
          onStarted: (id) => {
            transferId = id;
          },
        })
        .catch((error: unknown) => {
          const failed: Input = { type: 'send-failed', peerId, message: describeError(error) };
          if (transferId !== undefined) failed.transferId = transferId;
          dispatch(failed);
        });
    },
    [node, dispatch],
  );

  const submitLine = useCallback(
    (line: string) => {
      const draft = latest.current;
      if (!draft) return;
      if (line.trim() === '') {
        if (draft.paths.length > 0) startSend(draft.peerId, draft.paths);
        else dispatch({ type: 'draft-error', message: 'Type the path of a file or folder first.' });
        return;
      }
      void addLine(line, { cwd }).then((result) => dispatch({ type: 'draft-add-many', ...result }));
    },
    [dispatch, startSend, cwd],
  );

  const submit = useCallback(() => submitLine(latest.current?.input ?? ''), [submitLine]);

  const paste = useCallback(
    (text: string) => {
      const draft = latest.current;
      if (!draft) return;
      const pasted = parsePastedPaths(text);
      if (pasted.paths.length === 1) {
        // One path goes onto the line, unquoted, to be checked, edited or completed like a typed one.
        edit({ kind: 'insert', text: pasted.paths[0]! });
        if (pasted.endsWithNewline) submitLine(latest.current?.input ?? '');
      } else if (pasted.paths.length > 1) {
        void addPasted(pasted.paths, pasted.literal, draft.input, { cwd }).then((result) => dispatch({ type: 'draft-add-many', ...result }));
      } else if (pasted.endsWithNewline) {
        submitLine(draft.input);
      }
    },
    [dispatch, edit, submitLine, cwd],
  );

  const complete = useCallback(() => {
    const draft = latest.current;
    if (!draft) return;
    const { input: forInput, cursor: forCursor } = draft;
    void completePath(forInput.slice(0, forCursor), { cwd }).then((result) => dispatch({ type: 'draft-completed', forInput, forCursor, ...result }));
  }, [dispatch, cwd]);

  return { edit, submit, paste, complete };
}

interface AddResult {
  paths: string[];
  input?: string;
  error?: string;
}

/**
 * What enter on a non-empty line adds: the line as one path when it names one (a file may have
 * quotes or backslashes in its name), else the line read as quoted paths, as a paste is.
 */
async function addLine(line: string, context: CompletionContext): Promise<AddResult> {
  const whole = await checkPath(line, context);
  if (whole.ok) return { paths: [whole.path] };
  const words = parsePastedPaths(line).paths;
  if (words.length === 0 || (words.length === 1 && words[0] === line.trim())) return { paths: [], input: line, error: whole.message };
  return addPasted(words, undefined, '', context);
}

/**
 * Checks every pasted path: those found are added; those not found stay on the line (quoted, so
 * enter reads them back the same) and are named in the error, so nothing pasted is lost.
 */
async function addPasted(paths: readonly string[], literal: string | undefined, lineBefore: string, context: CompletionContext): Promise<AddResult> {
  if (literal !== undefined) {
    const whole = await checkPath(literal, context);
    if (whole.ok) return { paths: [whole.path], input: lineBefore };
  }
  const checked = await Promise.all(paths.map(async (p) => ({ typed: p, result: await checkPath(p, context) })));
  const found = checked.flatMap((c) => (c.result.ok ? [c.result.path] : []));
  const missing = checked.filter((c) => !c.result.ok).map((c) => c.typed);
  if (missing.length === 0) return { paths: found, input: lineBefore };
  const rest = [lineBefore.trim(), ...missing.map(quotePath)].filter((s) => s !== '').join(' ');
  const error = missing.length === 1 ? `No file or folder at ${missing[0]}.` : `No file or folder at ${missing.join(', ')}.`;
  return { paths: found, input: rest, error: found.length > 0 ? `Added ${found.length}; ${error[0]!.toLowerCase()}${error.slice(1)}` : error };
}
