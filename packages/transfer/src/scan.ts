import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { MAX_TRANSFER_FILES, type Logger } from '@fileshare/protocol';
import { TransferError, readError } from './errors.js';
import { offeredMode } from './file-mode.js';
import { describePath, offerEntriesProblem, pathProblem } from './path-safety.js';

/** One entry of an outgoing offer, with where to read it from. */
export interface SourceEntry {
  path: string;
  kind: 'file' | 'directory';
  size: number;
  mtimeMs?: number;
  /** Files: permission bits offered to the receiver (never setuid, setgid or sticky). */
  mode?: number;
  /** Absolute path on this machine (files only are read). */
  source: string;
}

function checkName(rel: string, source: string): void {
  const problem = pathProblem(rel);
  if (problem) {
    throw new TransferError(
      'ERR_TRANSFER_SOURCE_INVALID',
      `Cannot send ${source}: its name ${describePath(rel)} ${problem}, which receivers refuse.`,
    );
  }
}

/**
 * Lists what sending `paths` means: each file as itself, each folder as its whole tree (folders
 * first, names sorted, empty folders included). Symbolic links to files are followed; links to
 * folders and special files (sockets, devices) are skipped with a warning, so a link cannot make
 * the walk loop or send a device.
 */
export async function scanSources(paths: readonly string[], logger: Logger): Promise<SourceEntry[]> {
  if (paths.length === 0) throw new TransferError('ERR_TRANSFER_SOURCE_INVALID', 'Nothing to send.');
  const entries: SourceEntry[] = [];
  const topNames = new Set<string>();
  const push = (e: SourceEntry): void => {
    if (entries.length >= MAX_TRANSFER_FILES) {
      throw new TransferError('ERR_TRANSFER_SOURCE_INVALID', `More than ${MAX_TRANSFER_FILES} files and folders in one transfer; send them in parts.`);
    }
    entries.push(e);
  };

  for (const input of paths) {
    const abs = resolve(input);
    const name = basename(abs);
    let st;
    try {
      st = await stat(abs);
    } catch (cause) {
      throw readError(cause, abs);
    }
    if (name === '') throw new TransferError('ERR_TRANSFER_SOURCE_INVALID', `Cannot send ${abs}: it has no name.`);
    checkName(name, abs);
    if (topNames.has(name)) throw new TransferError('ERR_TRANSFER_SOURCE_INVALID', `Two of the items to send are called ${describePath(name)}.`);
    topNames.add(name);
    if (st.isFile()) {
      push({ path: name, kind: 'file', size: st.size, mtimeMs: Math.floor(st.mtimeMs), mode: offeredMode(st.mode), source: abs });
    } else if (st.isDirectory()) {
      push({ path: name, kind: 'directory', size: 0, source: abs });
      await walk(abs, name, push, logger);
    } else {
      throw new TransferError('ERR_TRANSFER_SOURCE_INVALID', `Cannot send ${abs}: it is neither a file nor a folder.`);
    }
  }
  // The receiver's whole-offer rules (names equal apart from case or Unicode form, the reserved
  // folder): better said here, before anything is offered, than as the receiver's decline.
  const problem = offerEntriesProblem(entries);
  if (problem) throw new TransferError('ERR_TRANSFER_SOURCE_INVALID', `Cannot send: ${problem} Receivers refuse such an offer.`);
  return entries;
}

/** Stat calls in flight while a folder is listed. */
const STAT_AHEAD = 32;

async function walk(rootAbs: string, rootRel: string, push: (e: SourceEntry) => void, logger: Logger): Promise<void> {
  // Depth-first with an explicit stack, so a deep tree cannot overflow the call stack.
  const stack: { abs: string; rel: string }[] = [{ abs: rootAbs, rel: rootRel }];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let children;
    try {
      children = await readdir(dir.abs, { withFileTypes: true });
    } catch (cause) {
      throw readError(cause, dir.abs);
    }
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: { abs: string; rel: string }[] = [];
    // Files are stat'ed a few dozen at a time (a folder of many small files is common), then
    // taken in name order.
    const stats = new Map<string, Promise<Stats | { error: unknown }>>();
    const statOf = (abs: string): Promise<Stats | { error: unknown }> => stat(abs).catch((error: unknown) => ({ error }));
    const files = children.filter((c) => !c.isDirectory() && (c.isFile() || c.isSymbolicLink()));
    let ahead = 0;
    const statAhead = (): void => {
      for (; ahead < files.length && stats.size < STAT_AHEAD; ahead++) {
        const abs = join(dir.abs, files[ahead]!.name);
        stats.set(abs, statOf(abs));
      }
    };
    for (const child of children) {
      const abs = join(dir.abs, child.name);
      const rel = `${dir.rel}/${child.name}`;
      if (child.isDirectory()) {
        checkName(rel, abs);
        push({ path: rel, kind: 'directory', size: 0, source: abs });
        subdirs.push({ abs, rel });
        continue;
      }
      if (!child.isFile() && !child.isSymbolicLink()) {
        logger.warn('skipping a special file', { path: abs });
        continue;
      }
      statAhead();
      const st = await stats.get(abs)!;
      stats.delete(abs);
      if ('error' in st) {
        if (child.isSymbolicLink()) {
          logger.warn('skipping a broken symbolic link', { path: abs });
          continue;
        }
        await Promise.all(stats.values());
        throw readError(st.error, abs);
      }
      if (!st.isFile()) {
        logger.warn('skipping a symbolic link that is not to a file', { path: abs });
        continue;
      }
      checkName(rel, abs);
      push({ path: rel, kind: 'file', size: st.size, mtimeMs: Math.floor(st.mtimeMs), mode: offeredMode(st.mode), source: abs });
    }
    // Reversed so that popping visits them in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}
