import { safeForTerminal, type FileshareNode } from '@fileshare/core';
import { useEffect } from 'react';
import { describeError } from '../errors.js';
import type { Input } from '../state/types.js';

export interface CliSendRequest {
  to: string;
  paths: string[];
}

/**
 * `fileshare --to <peer> <paths>`: waits until that peer is connected, then sends, while the
 * UI shows the same progress as for a send started with the keys. Quitting aborts the wait.
 */
export function useCliSend(node: FileshareNode, request: CliSendRequest | undefined, dispatch: (input: Input) => void): void {
  useEffect(() => {
    if (!request) return;
    const controller = new AbortController();
    const { signal } = controller;
    void (async () => {
      try {
        const peer = await node.waitForPeer(request.to, { signal });
        if (signal.aborted) return;
        const name = safeForTerminal(peer.name);
        dispatch({ type: 'cli-send', status: 'sending', message: name });
        await node.sendFiles(peer.id, request.paths, { signal });
        dispatch({ type: 'cli-send', status: 'done', message: name });
      } catch (error) {
        if (signal.aborted) return;
        dispatch({ type: 'cli-send', status: 'failed', message: describeError(error) });
      }
    })();
    return () => controller.abort();
  }, [node, request, dispatch]);
}
