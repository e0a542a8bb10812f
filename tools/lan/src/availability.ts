import { randomBytes } from 'node:crypto';
import { findExecutable, ipSync } from './commands.js';
import { NAME_ROOT } from './constants.js';

let cached: { reason: string | undefined } | undefined;

function probe(): string | undefined {
  const needs = 'run as root (CI does) with iproute2 and nftables installed (bash tools/setup/system-deps.sh).';
  if (process.platform !== 'linux') return `LAN rig needs Linux network namespaces; this is ${process.platform}.`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return `LAN rig needs root (CAP_NET_ADMIN) and the ip and nft commands; ${needs}`;
  }
  const missing = ['ip', 'nft'].filter((cmd) => findExecutable(cmd) === undefined);
  if (missing.length > 0) {
    return `LAN rig needs the ${missing.join(' and ')} command${missing.length > 1 ? 's' : ''}, not found on PATH; ${needs}`;
  }
  // Root in a locked-down container may still be refused namespaces: try one for real.
  const name = `${NAME_ROOT}-${process.pid}-probe${randomBytes(2).toString('hex')}`;
  try {
    ipSync(['netns', 'add', name]);
  } catch (error) {
    return `LAN rig cannot create network namespaces here (${firstLine(error)}); ${needs}`;
  }
  try {
    ipSync(['netns', 'del', name]);
  } catch {
    // the stale sweep of a later run removes it
  }
  return undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/**
 * Undefined when the rig can run here; otherwise one sentence saying why not. The answer is
 * probed once per process (it creates and deletes one namespace).
 */
export function lanUnavailableReason(): string | undefined {
  cached ??= { reason: probe() };
  return cached.reason;
}
