import type { Logger } from '@fileshare/protocol';
import type { TransferTestHooks } from '@fileshare/transfer';

/** Environment variable of the one test hook: see {@link transferTestHooks}. */
export const HOLD_COMPLETE_ENV = 'FILESHARE_TEST_HOLD_COMPLETE';

/**
 * Test hook for fault tests on real agents, off unless `FILESHARE_TEST_HOLD_COMPLETE=1`: a
 * receiver then verifies, places and records every file, logs a warning saying so, and never
 * sends `complete` (until the transfer ends otherwise). A test kills it there to produce the
 * "ambiguous end" (everything verified, the sender never told) that no timing can hit reliably.
 */
export function transferTestHooks(env: NodeJS.ProcessEnv, logger: Logger): { testHooks: TransferTestHooks } | Record<string, never> {
  if (env[HOLD_COMPLETE_ENV] !== '1') return {};
  return {
    testHooks: {
      beforeComplete: (transferId, signal) =>
        new Promise<void>((resolve) => {
          logger.warn(`test hook ${HOLD_COMPLETE_ENV}: every file is verified and placed; holding "complete"`, { transferId });
          signal.addEventListener('abort', () => resolve(), { once: true });
        }),
    },
  };
}
