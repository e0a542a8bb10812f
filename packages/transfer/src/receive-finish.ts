import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@fileshare/protocol';
import { TransferError, writeError } from './errors.js';
import type { BatchRecord, PartialStore } from './partial-store.js';
import { type ReceiveFile, recordOf } from './receive-file.js';
import { placeFile } from './safe-fs.js';

export interface FinishContext {
  /** Real path of the receive folder. */
  root: string;
  store: PartialStore;
  peerId: string;
  logger: Logger;
  /** Checks (and creates once) a folder below the receive folder; returns its absolute path. */
  ensureDir(segments: string[]): Promise<string>;
}

/**
 * Finishes one streamed file whose bytes and `file-end` are all in: syncs its `.part`, compares
 * the hash and, when equal, places it under its final name (never overwriting, never through a
 * link) and records it as done for a resume. A file the receiver already held from an earlier run
 * only has its hash compared. Returns where it went, relative to the receive folder. A mismatch
 * removes the `.part` and its resume record and throws ERR_TRANSFER_INTEGRITY.
 */
export async function finishFile(file: ReceiveFile, ctx: FinishContext): Promise<{ path: string; sha256: string }> {
  const offered = file.offered;
  if (!file.fh && offered?.heldPath !== undefined) {
    if (file.expectedSha !== offered.sha256) throw new TransferError('ERR_TRANSFER_INTEGRITY', `${JSON.stringify(file.entry.path)}: the sender's hash differs from the one it confirmed.`);
    return { path: offered.heldPath, sha256: offered.sha256 };
  }
  const fh = file.fh!;
  const sha256 = file.hash!.digest('hex');
  try {
    await fh.datasync();
  } catch (cause) {
    throw writeError(cause, JSON.stringify(file.entry.path));
  } finally {
    file.fh = undefined;
    await fh.close().catch(() => undefined);
  }
  if (sha256 !== file.expectedSha) {
    // Neither the data nor its prefix can be trusted for a resume: drop both.
    if (file.key) await ctx.store.removeFile(file.key);
    else await ctx.store.unlinkQuiet(file.partPath);
    throw new TransferError('ERR_TRANSFER_INTEGRITY', `${JSON.stringify(file.entry.path)} arrived damaged (SHA-256 mismatch); it was not saved.`);
  }
  const dir = await ctx.ensureDir(file.dirSegments);
  let name: string;
  try {
    name = await placeFile(ctx.root, dir, file.name, file.partPath);
  } catch (cause) {
    throw writeError(cause, JSON.stringify(file.entry.path));
  }
  const finalPath = [...file.dirSegments, name].join('/');
  if (file.key) await recordDone(ctx, file, finalPath, sha256);
  return { path: finalPath, sha256 };
}

/**
 * Remembers a placed file until the transfer completes, so a resumed transfer skips it. Best
 * effort: the file itself is safe, and without the record it would merely be sent again.
 */
export async function recordDone(ctx: Pick<FinishContext, 'root' | 'store' | 'peerId' | 'logger'>, file: ReceiveFile, finalPath: string, sha256: string): Promise<void> {
  try {
    const st = await lstat(join(ctx.root, finalPath));
    await ctx.store.writeFile(file.key!, { ...recordOf(ctx.peerId, file), state: 'done', verifiedBytes: file.entry.size, finalPath, finalMtimeMs: st.mtimeMs, sha256 }, false);
  } catch (cause) {
    ctx.logger.warn('could not record a finished file for resume', { path: finalPath, error: String(cause) });
  }
}

/**
 * Deletes a completed transfer's resume state: the `<key>.json` of every file that has one (a
 * batched file has none unless an earlier run left it), the batch records this run wrote, and
 * those of earlier runs that named its files (rewritten without them when they name others too).
 */
export async function removeResumeState(store: PartialStore, files: Map<number, ReceiveFile>, own: readonly string[], earlier: Map<string, BatchRecord>): Promise<void> {
  const keys = new Set<string>();
  const perFile: string[] = [];
  for (const f of files.values()) {
    if (!f.key) continue;
    keys.add(f.key);
    if (!f.batched || f.hasRecord) perFile.push(f.key);
  }
  await inParallel(perFile, 32, (key) => store.removeFile(key));
  await inParallel(own, 32, (id) => store.removeBatch(id));
  for (const [id, record] of earlier) {
    const rest = record.files.filter((e) => !keys.has(e.key));
    if (rest.length === 0) await store.removeBatch(id);
    else await store.writeBatch(id, { ...record, files: rest, updatedAt: Date.now() }).catch(() => undefined);
  }
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
