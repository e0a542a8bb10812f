import type { FileshareNode } from '@fileshare/core';
import { useCallback, useRef } from 'react';
import { checkPath, completePath } from '../completion.js';
import { describeError } from '../errors.js';
import type { Input, SendDraft } from '../state/types.js';

export interface SendDialogHandlers {
  onChange: (value: string) => void;
  onSubmit: (value: string) => void;
  complete: () => void;
}

/** The effects behind the send dialog: completion and path checks read the disk, send calls the node. */
export function useSendDialog(node: FileshareNode, draft: SendDraft | undefined, dispatch: (input: Input) => void, cwd: string): SendDialogHandlers {
  // The text field calls back with the handler of its last effect run; keys typed in a quick
  // burst would otherwise act on an older draft (and enter could send instead of adding).
  const latest = useRef(draft);
  latest.current = draft;
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

  const submit = useCallback(
    (value: string) => {
      const draft = latest.current;
      if (!draft) return;
      if (value.trim() === '') {
        if (draft.paths.length > 0) startSend(draft.peerId, draft.paths);
        else dispatch({ type: 'draft-error', message: 'Type the path of a file or folder first.' });
        return;
      }
      void checkPath(value, { cwd }).then((result) => {
        if (result.ok) dispatch({ type: 'draft-add', path: result.path });
        else dispatch({ type: 'draft-error', message: result.message });
      });
    },
    [dispatch, startSend, cwd],
  );

  const onChange = useCallback(
    (value: string) => {
      // A pasted line ends in a newline the text field keeps as text: treat it as enter.
      const lineEnd = value.search(/[\r\n]/);
      if (lineEnd < 0) {
        dispatch({ type: 'draft-input', value });
        return;
      }
      const line = value.slice(0, lineEnd);
      dispatch({ type: 'draft-input', value: line });
      submit(line);
    },
    [dispatch, submit],
  );

  const onSubmit = useCallback(() => submit(latest.current?.input ?? ''), [submit]);

  const complete = useCallback(() => {
    const draft = latest.current;
    if (!draft) return;
    const forInput = draft.input;
    void completePath(forInput, { cwd }).then((result) => dispatch({ type: 'draft-completed', forInput, ...result }));
  }, [dispatch, cwd]);

  return { onChange, onSubmit, complete };
}
