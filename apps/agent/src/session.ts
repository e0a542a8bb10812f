import { createFileshareNode, type FileshareNode, type FileshareNodeInit } from '@fileshare/core';
import { EXIT } from './exit-codes.js';
import { reportError } from './output.js';

export interface Interrupts {
  /** Aborted on the first SIGINT (Ctrl-C) or SIGTERM. */
  readonly signal: AbortSignal;
  /**
   * Runs `cleanup` (synchronously) if a second Ctrl-C ends the process at once, before the
   * graceful path got to it: e.g. removing a temporary folder. Returns the function that forgets it.
   */
  onForcedExit(cleanup: () => void): () => void;
  /** Stops listening for the signals. */
  dispose(): void;
}

/**
 * The first Ctrl-C asks the command to stop (cancel its transfers, close the node: the exit code
 * says what happened); a second one ends the process at once, exit 5, after the cleanups.
 */
export function watchInterrupts(): Interrupts {
  const controller = new AbortController();
  const cleanups = new Set<() => void>();
  const onSignal = (): void => {
    if (!controller.signal.aborted) {
      controller.abort();
      return;
    }
    for (const cleanup of cleanups) {
      try {
        cleanup();
      } catch {
        // Ending anyway: a cleanup that cannot finish must not keep the process alive.
      }
    }
    process.exit(EXIT.cancelled);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    onForcedExit(cleanup) {
      cleanups.add(cleanup);
      return () => cleanups.delete(cleanup);
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Resolves once `signal` is aborted. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolveAbort) => signal.addEventListener('abort', () => resolveAbort(), { once: true }));
}

/**
 * Runs `body` with a started node and closes the node afterwards (mDNS goodbyes, transfers end
 * with their partial data kept). Errors are reported (one sentence, a JSON `error` event with
 * --json) and become the exit code returned.
 */
export async function withNode(init: FileshareNodeInit, json: boolean, body: (node: FileshareNode) => Promise<number>): Promise<number> {
  let node: FileshareNode | undefined;
  try {
    node = await createFileshareNode(init);
    return await body(node);
  } catch (error) {
    return reportError(error, json);
  } finally {
    await node?.close();
  }
}
