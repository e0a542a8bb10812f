import type { Logger } from '@fileshare/protocol';
import type { DoneRecord, DoneRecords } from './done-records.js';
import { TransferError, writeError } from './errors.js';
import { placedMode } from './file-mode.js';
import type { PartialStore } from './partial-store.js';
import type { ReceiveFile } from './receive-file.js';
import { placeFile } from './safe-fs.js';

export interface FinishContext {
  /** Real path of the receive folder. */
  root: string;
  store: PartialStore;
  peerId: string;
  logger: Logger;
  /** The umask applied to the mode the sender offered. */
  umask: number;
  /** Checks (and creates once) a folder below the receive folder; returns its absolute path. */
  ensureDir(segments: string[]): Promise<string>;
  /** Remembers placed files (done-records); best effort, never throws. */
  recordDone(placed: readonly PlacedFile[]): Promise<void>;
}

/** A file verified and under its final name. */
export interface PlacedFile {
  file: ReceiveFile;
  /** Relative to the receive folder. */
  finalPath: string;
  sha256: string;
}

/**
 * Finishes one streamed file whose bytes and `file-end` are all in: gives its `.part` the final
 * mode, syncs it, compares the hash and, when equal, places it under its final name (never
 * overwriting, never through a link) and records it as done. A file the receiver already held
 * from an earlier transfer only has its hash compared (its mode is left as it is). Returns where
 * it went, relative to the receive folder. A mismatch removes the `.part` and its resume record
 * and throws ERR_TRANSFER_INTEGRITY.
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
    // On the open descriptor, before the name exists: never a window with the wrong mode, never a path to race.
    await fh.chmod(placedMode(file.entry.mode, ctx.umask));
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
  await ctx.recordDone([{ file, finalPath, sha256 }]);
  return { path: finalPath, sha256 };
}

/** The done-record of a placed (or re-confirmed) file. */
export function doneRecordOf(peerId: string, root: string, placed: PlacedFile, now = Date.now()): DoneRecord {
  const e = placed.file.entry;
  return {
    v: 1,
    peerId,
    root,
    path: e.path,
    size: e.size,
    ...(e.mtimeMs !== undefined ? { mtimeMs: e.mtimeMs } : {}),
    sha256: placed.sha256,
    finalPath: placed.finalPath,
    placedAt: now,
  };
}

/**
 * Records placed files as done, then drops their partial records: in that order, so a crash in
 * between leaves a stale partial record (its `.part` is gone, so it is ignored and pruned), never
 * a placed file nobody remembers.
 */
export async function recordPlaced(ctx: Pick<FinishContext, 'root' | 'store' | 'peerId' | 'logger'>, records: DoneRecords, placed: readonly PlacedFile[]): Promise<void> {
  const keyed = placed.filter((p) => p.file.key !== undefined);
  if (keyed.length === 0) return;
  const failure = await records.add(keyed.map((p) => doneRecordOf(ctx.peerId, ctx.root, p)));
  if (failure !== undefined) ctx.logger.warn('could not record received files as done; sent again they arrive as copies', { files: keyed.length, error: failure.message });
  for (const p of keyed) {
    if (!p.file.hasRecord) continue;
    await ctx.store.removeRecord(p.file.key!);
    p.file.hasRecord = false;
  }
}

/** Deletes what a completed transfer left pending: partial records of its files (placed ones have none left) and its folder records. */
export async function removeResumeState(store: PartialStore, files: Map<number, ReceiveFile>, roots: readonly string[]): Promise<void> {
  const keys = [...files.values()].filter((f) => f.key !== undefined && f.hasRecord).map((f) => f.key!);
  await inParallel(keys, 32, (key) => store.removeFile(key));
  for (const key of roots) await store.removeRoot(key);
}

/** Files found already there were confirmed again: their done-records start a new retention period. */
export async function refreshHeld(ctx: Pick<FinishContext, 'root' | 'peerId' | 'logger'>, records: DoneRecords, files: Map<number, ReceiveFile>): Promise<void> {
  const now = Date.now();
  const held = [...files.values()].filter((f) => f.offered?.heldPath !== undefined && f.done && f.start === f.entry.size);
  if (held.length === 0) return;
  const failure = await records.add(held.map((file) => doneRecordOf(ctx.peerId, ctx.root, { file, finalPath: file.offered!.heldPath!, sha256: file.offered!.sha256 }, now)));
  if (failure !== undefined) ctx.logger.debug('could not refresh done-records', { files: held.length, error: failure.message });
}

/**
 * After a failure: the folder records are kept only while some file of the transfer has partial
 * data to resume from (files placed meanwhile lead a re-send to their folder anyway), so a
 * transfer that leaves nothing to resume leaves nothing pending.
 */
export async function dropRootsIfNothingPending(store: PartialStore, files: Map<number, ReceiveFile>, roots: readonly string[]): Promise<void> {
  if (roots.length === 0) return;
  const recorded = await store.recordKeys();
  if ([...files.values()].some((f) => f.key !== undefined && recorded.has(f.key))) return;
  for (const key of roots) await store.removeRoot(key);
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
