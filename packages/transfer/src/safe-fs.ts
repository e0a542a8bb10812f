import { constants, open as fsOpen } from 'node:fs';
import { type FileHandle, link, lstat, mkdir, open, realpath, rename, unlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { TransferError, writeError } from './errors.js';
import { numberedName } from './unique-name.js';

/**
 * File-system steps of the receiver that must never leave the receive folder or overwrite
 * anything. `root` is always the real path of the receive folder. Every component below it is
 * checked with lstat as it is walked (a symbolic link is refused, never followed), files are
 * opened with O_NOFOLLOW, and final names are claimed with link(2), which fails on any existing
 * entry (a dangling symlink included) instead of replacing it.
 */

const MAX_NAME_ATTEMPTS = 10_000;
const FALLBACK_TO_RENAME = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

function errno(cause: unknown): string | undefined {
  return (cause as NodeJS.ErrnoException | undefined)?.code;
}

export function isInside(root: string, abs: string): boolean {
  if (abs === root) return true;
  const prefix = root.endsWith(sep) ? root : root + sep;
  return abs.startsWith(prefix);
}

function shown(root: string, abs: string): string {
  return JSON.stringify(relative(root, abs) || '.');
}

async function checkDirectory(root: string, abs: string): Promise<void> {
  const st = await lstat(abs);
  if (st.isSymbolicLink()) {
    throw new TransferError('ERR_TRANSFER_UNSAFE_PATH', `${shown(root, abs)} in the receive folder is a symbolic link; not following it.`);
  }
  if (!st.isDirectory()) {
    throw new TransferError('ERR_TRANSFER_WRITE_FAILED', `${shown(root, abs)} in the receive folder exists and is not a folder.`);
  }
}

/** Resolves `root/segments...`, creating missing folders (with `mode`) one at a time, refusing symlinks. */
export async function ensureDirInside(root: string, segments: readonly string[], mode = 0o755): Promise<string> {
  let current = root;
  for (const segment of segments) {
    const next = join(current, segment);
    if (!isInside(root, next) || next === current) {
      throw new TransferError('ERR_TRANSFER_UNSAFE_PATH', `${JSON.stringify(segment)} would leave the receive folder.`);
    }
    try {
      await checkDirectory(root, next);
    } catch (cause) {
      if (errno(cause) !== 'ENOENT') throw cause instanceof TransferError ? cause : writeError(cause, shown(root, next));
      try {
        await mkdir(next, { mode });
      } catch (mkdirCause) {
        if (errno(mkdirCause) !== 'EEXIST') throw writeError(mkdirCause, `the folder ${shown(root, next)}`);
      }
      await checkDirectory(root, next);
    }
    current = next;
  }
  await assertRealInside(root, current);
  return current;
}

/** The real path must be the path itself: nothing on the way is a link that could point elsewhere. */
export async function assertRealInside(root: string, abs: string): Promise<void> {
  let real: string;
  try {
    real = await realpath(abs);
  } catch (cause) {
    throw writeError(cause, shown(root, abs));
  }
  if (real !== abs || !isInside(root, real)) {
    throw new TransferError('ERR_TRANSFER_UNSAFE_PATH', `${shown(root, abs)} resolves outside the receive folder; refusing to write there.`);
  }
}

/** Creates `root/name`, or `root/name (1)`, ... when taken; returns the name created. */
export async function reserveDir(root: string, name: string, skip: (candidate: string) => boolean = () => false): Promise<string> {
  for (let n = 0; n < MAX_NAME_ATTEMPTS; n++) {
    const candidate = numberedName(name, n, true);
    if (skip(candidate)) continue;
    try {
      await mkdir(join(root, candidate), { mode: 0o755 });
      return candidate;
    } catch (cause) {
      if (errno(cause) !== 'EEXIST') throw writeError(cause, `the folder ${JSON.stringify(candidate)}`);
    }
  }
  throw new TransferError('ERR_TRANSFER_WRITE_FAILED', `No free name for the folder ${JSON.stringify(name)}.`);
}

/**
 * Moves a verified temporary file to `dir/name`, or `dir/name (1)`... if that exists; returns
 * the name used. link(2) claims the name atomically and never replaces an existing entry; file
 * systems without hard links fall back to rename after checking the name is free.
 */
export async function placeFile(root: string, dir: string, name: string, tmpPath: string, options: { dirChecked?: boolean } = {}): Promise<string> {
  // `dirChecked`: the caller ran assertRealInside on `dir` just before (once for a batch of files).
  if (!options.dirChecked) await assertRealInside(root, dir);
  for (let n = 0; n < MAX_NAME_ATTEMPTS; n++) {
    const candidate = numberedName(name, n);
    const target = join(dir, candidate);
    try {
      await link(tmpPath, target);
      await unlink(tmpPath);
      return candidate;
    } catch (cause) {
      const code = errno(cause);
      if (code === 'EEXIST') continue;
      if (code !== undefined && FALLBACK_TO_RENAME.has(code)) {
        if (await exists(target)) continue;
        try {
          await rename(tmpPath, target);
          return candidate;
        } catch (renameCause) {
          throw writeError(renameCause, shown(root, target));
        }
      }
      throw writeError(cause, shown(root, target));
    }
  }
  throw new TransferError('ERR_TRANSFER_WRITE_FAILED', `No free name for ${JSON.stringify(name)}.`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (cause) {
    if (errno(cause) === 'ENOENT') return false;
    throw cause;
  }
}

/**
 * Creates a new, empty `.part` file for writing and returns its descriptor (a plain fd: cheaper
 * than a FileHandle for many small files). O_EXCL guarantees a fresh regular file (never a
 * symlink, FIFO or device someone left there); an existing entry is removed and created again.
 */
export async function createPartFd(path: string): Promise<number> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  try {
    return await fdOpen(path, flags, 0o600);
  } catch (cause) {
    if (errno(cause) !== 'EEXIST') throw cause;
  }
  await unlink(path);
  return fdOpen(path, flags, 0o600);
}

const fdOpen = promisify(fsOpen);

/** Opens (creating if needed) a `.part` file for writing, never through a symlink. */
export async function openPartFile(path: string): Promise<FileHandle> {
  return open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
}
