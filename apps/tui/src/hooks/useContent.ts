import type { FileshareNode } from '@fileshare/core';
import { useStdout } from 'ink';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { HISTORY_LIMIT } from '../constants.js';
import { openFolder } from '../content/open-folder.js';
import { copyText } from '../content/text-copy.js';
import { describeError } from '../errors.js';
import { entryFolder, nothingToOpen } from '../state/content.js';
import type { HistoryStore } from '../state/history-store.js';
import type { HistoryEntry, Input, ReceivedText } from '../state/types.js';

/** The effects behind messages and the history: what the content keys call. */
export interface ContentHandlers {
  /** Sends a message; the outcome comes back as actions (and the node's transfer events). */
  sendText: (peerId: string, text: string) => void;
  /** `c` on a received text: OSC 52 to the terminal and a file in the receive folder. */
  copyText: (message: ReceivedText) => void;
  /** `enter`/`o` on a history entry: its folder in the file manager, or its path in words. */
  openFolder: (entry: HistoryEntry) => void;
}

/**
 * Wires the history file (entries of earlier sessions are loaded once; every new or changed
 * entry is saved) and returns the handlers of the content keys.
 */
export function useContent(node: FileshareNode, history: readonly HistoryEntry[], dispatch: (input: Input) => void, store: HistoryStore | undefined): ContentHandlers {
  const { stdout } = useStdout();
  // The entry object last written (or read) per id: the reducer makes a new object only when
  // an entry changes, so a different object is exactly what needs saving.
  const written = useRef(new Map<string, HistoryEntry>());
  const reported = useRef(false);

  useEffect(() => {
    if (!store) return;
    let mounted = true;
    store.load().then(
      ({ entries }) => {
        for (const entry of entries) written.current.set(entry.id, entry);
        if (mounted) dispatch({ type: 'history-loaded', entries });
      },
      (error: unknown) => {
        if (mounted) dispatch({ type: 'notice', notice: { kind: 'warning', text: `The history of earlier sessions is not shown: ${describeError(error)}` } });
      },
    );
    return () => {
      mounted = false;
    };
  }, [store, dispatch]);

  useEffect(() => {
    if (!store) return;
    for (const entry of history) {
      if (written.current.get(entry.id) === entry) continue;
      written.current.set(entry.id, entry);
      store.save(entry).catch((error: unknown) => {
        // Once per session: a full disk would otherwise repeat it after every transfer.
        if (reported.current) return;
        reported.current = true;
        dispatch({ type: 'notice', notice: { kind: 'warning', text: describeError(error) } });
      });
    }
    if (written.current.size > 2 * HISTORY_LIMIT) written.current = new Map(history.map((h) => [h.id, h]));
  }, [store, history, dispatch]);

  const sendText = useCallback(
    (peerId: string, text: string) => {
      dispatch({ type: 'text-send-started', peerId, text });
      node.sendText(peerId, text).then(
        () => dispatch({ type: 'text-send-done', peerId, text }),
        (error: unknown) => dispatch({ type: 'text-send-failed', peerId, text, message: describeError(error) }),
      );
    },
    [node, dispatch],
  );

  const copy = useCallback(
    (message: ReceivedText) => {
      void copyText(message.text, { receiveDir: node.receiveDir, writeToTerminal: (data) => stdout.write(data) }).then((result) =>
        dispatch({ type: 'text-copied', transferId: message.transferId, result }),
      );
    },
    [node, stdout, dispatch],
  );

  const open = useCallback(
    (entry: HistoryEntry) => {
      const folder = entryFolder(entry);
      if (folder === undefined) {
        dispatch({ type: 'notice', notice: { kind: 'info', text: nothingToOpen(entry) } });
        return;
      }
      dispatch({ type: 'notice', notice: { kind: 'info', text: `Opening ${folder}…` } });
      void openFolder(folder).then((result) =>
        dispatch({
          type: 'notice',
          notice: result.opened
            ? { kind: 'info', text: `Opened ${folder} (${result.command}).` }
            : // The full path, so it can be copied from the screen.
              { kind: 'warning', text: `Cannot open a file manager: ${result.reason}. The folder is ${folder}` },
        }),
      );
    },
    [dispatch],
  );

  return useMemo(() => ({ sendText, copyText: copy, openFolder: open }), [sendText, copy, open]);
}
