import { safeForTerminal, type FileshareNode } from '@fileshare/core';
import { useEffect, useRef } from 'react';
import { CLI_SEND_SUGGEST_AFTER_MS, CLI_SEND_WAIT_MS } from '../constants.js';
import { describeError } from '../errors.js';
import type { Input } from '../state/types.js';

export interface CliSendRequest {
  to: string;
  paths: string[];
}

/**
 * `fileshare --to <peer> <paths>`: waits until that peer is connected, then sends, while the
 * UI shows the same progress as for a send started with the keys. After CLI_SEND_SUGGEST_AFTER_MS
 * the status line may suggest names (see StatusLines); the wait goes on until the user quits or
 * sends the files to a peer of their choice (`redirected`), which aborts it.
 */
export function useCliSend(node: FileshareNode, request: CliSendRequest | undefined, dispatch: (input: Input) => void, redirected: boolean): void {
  const wait = useRef<AbortController | undefined>(undefined);
  useEffect(() => {
    if (!request) return;
    const controller = new AbortController();
    const waiting = new AbortController();
    wait.current = waiting;
    const { signal } = controller;
    const bound = setTimeout(() => dispatch({ type: 'cli-send-waited-long' }), CLI_SEND_SUGGEST_AFTER_MS);
    void (async () => {
      try {
        const peer = await node.waitForPeer(request.to, { signal: AbortSignal.any([signal, waiting.signal]), timeoutMs: CLI_SEND_WAIT_MS });
        clearTimeout(bound);
        if (signal.aborted) return;
        const name = safeForTerminal(peer.name);
        dispatch({ type: 'cli-send', status: 'sending', message: name });
        await node.sendFiles(peer.id, request.paths, { signal });
        dispatch({ type: 'cli-send', status: 'done', message: name });
      } catch (error) {
        clearTimeout(bound);
        if (signal.aborted || waiting.signal.aborted) return;
        dispatch({ type: 'cli-send', status: 'failed', message: describeError(error) });
      }
    })();
    return () => {
      clearTimeout(bound);
      controller.abort();
    };
  }, [node, request, dispatch]);

  useEffect(() => {
    if (redirected) wait.current?.abort();
  }, [redirected]);
}
