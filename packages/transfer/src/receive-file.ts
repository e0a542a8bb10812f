import type { Hash } from 'node:crypto';
import { type FileHandle, lstat } from 'node:fs/promises';
import type { TransferEntry } from '@fileshare/protocol';
import type { ReorderBuffer } from './chunking.js';
import { MAX_WRITE_BATCH } from './constants.js';
import { TransferError, asTransferError, writeError } from './errors.js';
import type { FileRecord, PartialStore } from './partial-store.js';
import { openPartFile } from './safe-fs.js';

/** What the receiver told the sender it already holds of a file. */
export interface OfferedResume {
  offset: number;
  sha256: string;
  /** Hash state after `offset` bytes (a `.part` prefix), continued by the new bytes. */
  hash?: Hash;
  /** Set when the whole file was placed by an earlier transfer (a done-record), relative to the receive folder. */
  heldPath?: string;
}

/** One file of an incoming transfer, from planning to placement. */
export interface ReceiveFile {
  index: number;
  entry: TransferEntry;
  /** Resume key; undefined when another transfer holds it (this file then has no resume state). */
  key: string | undefined;
  partPath: string;
  /** Parent folder below the receive folder, after the top-level folder was mapped. */
  dirSegments: string[];
  name: string;
  /** What we told the sender we hold. */
  offered?: OfferedResume;
  buffer?: ReorderBuffer<Buffer>;
  fh?: FileHandle;
  hash?: Hash;
  start?: number;
  expectedSha?: string;
  sinceCheckpoint: number;
  done: boolean;
  /** A `<key>.json` record exists: found when the transfer was planned, or written by a checkpoint since. */
  hasRecord?: boolean;
}

export function errno(cause: unknown): string | undefined {
  return (cause as NodeJS.ErrnoException | undefined)?.code;
}

/** Raw file-system errors on the receiving side become typed write errors (a full disk its own code). */
export function receiveError(cause: unknown): TransferError {
  return errno(cause) !== undefined && !(cause instanceof TransferError) ? writeError(cause, 'received data') : asTransferError(cause);
}

/** Writes every byte of `buffers` at `position` (a positional write may be short on a nearly full disk). */
export async function writeAll(fh: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let pending = buffers;
  let at = position;
  while (pending.length > 0) {
    const total = pending.reduce((n, b) => n + b.length, 0);
    const { bytesWritten } = await fh.writev(pending, at);
    if (bytesWritten === total) return;
    if (bytesWritten === 0) throw Object.assign(new Error('no bytes written'), { code: 'ENOSPC' });
    at += bytesWritten;
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const b of pending) {
      if (skip >= b.length) {
        skip -= b.length;
      } else {
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    pending = rest;
  }
}

/** Opens a file's `.part` for writing: never through a symlink, and never anything but a regular file (a FIFO would block). */
export async function openPart(partPath: string): Promise<FileHandle> {
  const st = await lstat(partPath).catch((cause: unknown) => {
    if (errno(cause) === 'ENOENT') return undefined;
    throw cause;
  });
  if (st && !st.isFile()) {
    throw new TransferError('ERR_TRANSFER_UNSAFE_PATH', 'A partial file in the receive folder is not a regular file; not writing through it.');
  }
  return openPartFile(partPath);
}

/** The resume record of `file` from `peerId`, without its state (the resume key's inputs and a timestamp). */
export function recordOf(peerId: string, file: ReceiveFile): Omit<FileRecord, 'state' | 'verifiedBytes'> {
  return {
    v: 1 as const,
    peerId,
    path: file.entry.path,
    size: file.entry.size,
    ...(file.entry.mtimeMs !== undefined ? { mtimeMs: file.entry.mtimeMs } : {}),
    updatedAt: Date.now(),
  };
}

/** Makes the first `length` bytes of the `.part` durable, then records that length: a record never claims bytes a crash could lose. */
export async function checkpointPart(store: PartialStore, peerId: string, file: ReceiveFile, fh: FileHandle, length: number): Promise<void> {
  await fh.datasync();
  await store.writeFile(file.key!, { ...recordOf(peerId, file), state: 'partial', verifiedBytes: length });
  file.hasRecord = true;
}

/**
 * Writes the in-order chunks that arrived but were not written yet (up to a window's worth), so a
 * resume need not ask for them again. Returns the length of the prefix now on disk; a write that
 * fails leaves it at what was written before (and calls `onError`).
 */
export async function writeHeldPrefix(file: ReceiveFile, fh: FileHandle, onError: (cause: unknown) => void): Promise<number> {
  const buffer = file.buffer;
  if (!buffer) return 0;
  let written = buffer.nextOffset;
  try {
    for (;;) {
      const batch = buffer.takeContiguous(MAX_WRITE_BATCH);
      if (batch.chunks.length === 0) return written;
      await writeAll(fh, batch.chunks, batch.offset);
      written = batch.offset + batch.bytes;
    }
  } catch (cause) {
    onError(cause);
    return written;
  }
}

/**
 * After a failure, keeps the open file's received prefix for a resume: writes the in-order data
 * still held in memory (`keepsHeld`, when the failure was not our disk's), syncs it, then records
 * its length. A file without resume key has its scratch `.part` removed, and one with nothing
 * kept its `.part` and record (nothing pending then). Closes the file. Never throws.
 */
export async function keepPartial(store: PartialStore, peerId: string, file: ReceiveFile, keepsHeld: boolean, warn: (what: string, cause: unknown) => void): Promise<void> {
  const fh = file.fh!;
  file.fh = undefined;
  try {
    const length = file.key && keepsHeld ? await writeHeldPrefix(file, fh, (cause) => warn('could not write the data held in memory', cause)) : (file.buffer?.nextOffset ?? 0);
    if (file.key && length > 0) await checkpointPart(store, peerId, file, fh, length);
    else if (file.key) await store.removeFile(file.key);
    else await store.unlinkQuiet(file.partPath);
  } catch (cause) {
    warn('could not record partial data', cause);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
