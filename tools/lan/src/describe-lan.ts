import type { describe as JestDescribe } from '@jest/globals';
import { lanUnavailableReason } from './availability.js';
import { LanError } from './errors.js';

let reasonPrinted = false;

/**
 * `describe` when the rig can run here, `describe.skip` otherwise (reason printed once to
 * stderr). It reads Jest's injected global instead of importing '@jest/globals' at run time,
 * because that module throws when loaded outside Jest and the CLI and benchmarks import this
 * package too.
 */
export function describeLan(name: string, fn: () => void): void {
  const jestDescribe = (globalThis as { describe?: typeof JestDescribe }).describe;
  if (!jestDescribe) {
    throw new LanError('ERR_LAN_INVALID_ARGUMENT', 'describeLan() works only inside a Jest test file (with injected globals).');
  }
  const reason = lanUnavailableReason();
  if (reason === undefined) {
    jestDescribe(name, fn);
    return;
  }
  if (!reasonPrinted) {
    reasonPrinted = true;
    process.stderr.write(`[lan] skipping LAN rig tests: ${reason}\n`);
  }
  jestDescribe.skip(name, fn);
}
