import { readFileSync } from 'node:fs';

/**
 * Permission bits of received files (docs/PROTOCOL.md, "Writing safely"). Only read, write and
 * execute for user, group and other ever travel or get applied: setuid, setgid and sticky are
 * never sent and never set, so a peer cannot plant a set-id program in the receive folder.
 */
export const PERMISSION_BITS = 0o777;

/** What a newly created file gets when the sender said nothing, before the umask: what any program creating a file asks for. */
export const DEFAULT_FILE_MODE = 0o666;

/** The permission bits a sender offers for a file it found with `statMode`. */
export function offeredMode(statMode: number): number {
  return statMode & PERMISSION_BITS;
}

/** The mode a verified file is placed with: the offered bits (or the default) within 0o777, less the receiver's umask. */
export function placedMode(offered: number | undefined, umask: number): number {
  const wanted = offered !== undefined && Number.isInteger(offered) && offered >= 0 && offered <= PERMISSION_BITS ? offered : DEFAULT_FILE_MODE;
  return wanted & PERMISSION_BITS & ~umask;
}

/**
 * This process's umask. Read from /proc on Linux: `process.umask()` without an argument sets the
 * mask and sets it back, a window in which another thread could create a file with the wrong mask.
 */
export function processUmask(): number {
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return parseInt(m[1]!, 8) & PERMISSION_BITS;
  } catch {
    // No /proc (macOS, BSD): the old call is all there is.
  }
  return process.umask() & PERMISSION_BITS;
}
