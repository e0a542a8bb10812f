import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CoreError } from './errors.js';

/**
 * The state folder holds the device key (whoever reads it can be us) and the trusted peers
 * (whoever writes it decides whom we accept files from). Like ssh with `~/.ssh`, we refuse to
 * use them when other users can read the secrets or change the folder, and say which `chmod`
 * fixes it. We never loosen or tighten an existing file ourselves: a wrong mode may mean the
 * key was already exposed, and the person should know.
 *
 * Permission bits mean nothing on Windows; the checks are skipped there.
 */

const CHECKS_APPLY = process.platform !== 'win32';

/** `path` quoted for a POSIX shell, so the printed command works when pasted. */
export function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

function modeText(stats: Stats): string {
  return `0${(stats.mode & 0o777).toString(8).padStart(3, '0')}`;
}

/**
 * Creates `path` (and missing parents) if needed. A folder we create gets mode 0700 whatever the
 * umask; an existing one must already be ours and not writable by group or others.
 */
export function ensurePrivateDir(path: string): void {
  let created: string | undefined;
  try {
    created = mkdirSync(path, { recursive: true, mode: 0o700 });
    if (created !== undefined && CHECKS_APPLY) chmodSync(path, 0o700);
  } catch (cause) {
    throw new CoreError('ERR_STATE_DIR', `Cannot create the state folder ${path}.`, { cause });
  }
  assertPrivateDir(path);
}

/** Throws ERR_STATE_INSECURE when the folder is not ours or others may write in it. */
export function assertPrivateDir(path: string): void {
  const stats = statOrThrow(path);
  if (!stats) return;
  if (!stats.isDirectory()) throw new CoreError('ERR_STATE_DIR', `The state folder ${path} is not a folder.`);
  if (!CHECKS_APPLY) return;
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new CoreError(
      'ERR_STATE_INSECURE',
      `The state folder ${path} belongs to user id ${stats.uid}, not to you (user id ${uid}); another user could replace its device key or trusted peers. ` +
        `Fix it with: chown ${uid} ${shellQuote(path)} && chmod 700 ${shellQuote(path)}`,
    );
  }
  if ((stats.mode & 0o022) !== 0) {
    throw new CoreError(
      'ERR_STATE_INSECURE',
      `The state folder ${path} is writable by other users (mode ${modeText(stats)}); they could replace its device key or trusted peers. ` +
        `Fix it with: chmod 700 ${shellQuote(path)}`,
    );
  }
}

/**
 * Throws ERR_STATE_INSECURE when the file can be read or written by group or others. `what`
 * names it in the message ("The device key"). Returns false when the file does not exist.
 */
export function assertPrivateFile(path: string, what: string): boolean {
  const stats = statOrThrow(path);
  if (!stats) return false;
  if (!CHECKS_APPLY) return true;
  if ((stats.mode & 0o066) !== 0) {
    const readable = (stats.mode & 0o044) !== 0;
    const writable = (stats.mode & 0o022) !== 0;
    const access = readable && writable ? 'readable and writable' : readable ? 'readable' : 'writable';
    throw new CoreError(
      'ERR_STATE_INSECURE',
      `${what} ${path} is ${access} by other users (mode ${modeText(stats)}). Fix it with: chmod 600 ${shellQuote(path)}`,
    );
  }
  return true;
}

function statOrThrow(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CoreError('ERR_STATE_DIR', `Cannot read ${path}.`, { cause: error });
  }
}

/**
 * Replaces `path` with `data` atomically: a private temporary file beside it (mode 0600 set
 * explicitly, whatever the umask), written and fsynced, then renamed over the old one, then the
 * folder fsynced so the rename survives a crash. Readers see the old file or the new one, never
 * a half-written one. `exclusive`: fail with EEXIST instead of replacing an existing file.
 */
export function writePrivateFileAtomic(path: string, data: string, options: { exclusive?: boolean } = {}): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      if (CHECKS_APPLY) chmodSync(tmp, 0o600);
      const bytes = Buffer.from(data, 'utf8');
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.exclusive) {
      // link() fails with EEXIST instead of replacing: atomic create-if-absent.
      linkSync(tmp, path);
      rmSync(tmp, { force: true });
    } else {
      renameSync(tmp, path);
    }
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  syncFolder(dirname(path));
}

function syncFolder(path: string): void {
  // Best effort: some file systems (and Windows) cannot fsync a directory.
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // The data itself is synced; only the rename's durability across a crash is weaker.
  }
}
