import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, lstat, open, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResumeEntry, TransferEntry } from '@fileshare/protocol';
import { PREFIX_HASH_READ_BYTES } from './constants.js';
import { TransferError } from './errors.js';
import { type BatchEntry, type BatchRecord, type PartialStore, fileKey, rootKey } from './partial-store.js';
import { writtenForm } from './path-safety.js';
import type { OfferedResume, ReceiveFile } from './receive-file.js';
import { ensureDirInside, reserveDir } from './safe-fs.js';

export interface PlanInput {
  /** Real path of the receive folder. */
  root: string;
  store: PartialStore;
  peerId: string;
  /** The checked offer's entries. */
  entries: readonly TransferEntry[];
  /** Takes a lock (resume key or folder name) for this transfer; false when another transfer holds it. */
  lock(name: string): boolean;
  /** True when `name` is locked by any transfer. */
  isLocked(name: string): boolean;
  /** Stops re-hashing early when the transfer ended meanwhile. */
  isEnded(): boolean;
}

export interface ReceivePlan {
  /** Every file entry, by offer index. */
  files: Map<number, ReceiveFile>;
  /** File indexes in offer order (the order the sender must start them in). */
  order: number[];
  /** What to offer the sender in `resume` pages. */
  resume: ResumeEntry[];
  /** Folder-record keys this transfer owns (removed when it completes). */
  roots: string[];
  /** Batch records (by id) of earlier runs that name files of this transfer. */
  batches: Map<string, BatchRecord>;
}

/**
 * Prepares an accepted files offer (PROTOCOL.md, step 4): maps top-level folders (reusing the
 * folder of an interrupted transfer of the same folder from the same sender, else a fresh
 * `name (n)`), creates every listed folder, finds resume state, and checks the disk has room for
 * what is still missing. Names are written in NFC; resume keys and records keep the paths as
 * offered, so a resumed offer (which repeats them byte for byte) finds its state.
 */
export async function planReceive(input: PlanInput): Promise<ReceivePlan> {
  const { root, store, peerId, entries } = input;
  const roots: string[] = [];
  const mapping = new Map<string, string>();
  for (const e of entries) {
    const segments = e.path.split('/');
    const top = segments[0]!;
    if ((segments.length === 1 && e.kind === 'file') || mapping.has(top)) continue;
    mapping.set(top, await mapRoot(input, top, roots));
  }
  const mapped = (path: string): string[] => {
    const offeredTop = path.split('/', 1)[0]!;
    const segments = writtenForm(path).split('/');
    const top = mapping.get(offeredTop);
    return top !== undefined ? [top, ...segments.slice(1)] : segments;
  };
  for (const e of entries) {
    if (e.kind === 'directory') await ensureDirInside(root, mapped(e.path));
  }

  // Small files placed by an interrupted run are recorded per batch.
  const batchRecords = await store.readBatches(peerId);
  // Which files have a record at all: one listing instead of one failed read per file.
  const recorded = await store.recordKeys();
  const batchDone = new Map<string, { id: string; entry: BatchEntry }>();
  for (const [id, record] of batchRecords) for (const entry of record.files) batchDone.set(entry.key, { id, entry });
  const batches = new Map<string, BatchRecord>();
  const files = new Map<number, ReceiveFile>();
  const order: number[] = [];
  const resume: ResumeEntry[] = [];
  let missing = 0;
  for (const [index, entry] of entries.entries()) {
    if (entry.kind !== 'file') continue;
    const segments = mapped(entry.path);
    const candidateKey = fileKey(peerId, entry.path, entry.size, entry.mtimeMs);
    const key = input.lock(`file:${candidateKey}`) ? candidateKey : undefined;
    const file: ReceiveFile = {
      index,
      entry,
      key,
      partPath: key ? store.partPath(key) : store.scratchPartPath(),
      dirSegments: segments.slice(0, -1),
      name: segments[segments.length - 1]!,
      sinceCheckpoint: 0,
      done: false,
    };
    if (key && recorded.has(key)) file.hasRecord = true;
    const fromBatch = key ? batchDone.get(key) : undefined;
    if (fromBatch) batches.set(fromBatch.id, batchRecords.get(fromBatch.id)!);
    if (key && entry.size > 0 && (fromBatch || recorded.has(key))) {
      const offered = await findResume(input, file, segments, fromBatch?.entry);
      if (offered) {
        file.offered = offered;
        resume.push({ index, offset: offered.offset, sha256: offered.sha256 });
      }
    }
    missing += entry.size - (file.offered?.offset ?? 0);
    files.set(index, file);
    order.push(index);
  }
  await checkFreeSpace(root, missing);
  return { files, order, resume, roots, batches };
}

/** `top` as offered (the folder record's key and name); the folder created gets its NFC form. */
async function mapRoot(input: PlanInput, top: string, roots: string[]): Promise<string> {
  const { root, store, peerId } = input;
  const key = rootKey(peerId, top);
  const written = writtenForm(top);
  const taken = (c: string): boolean => input.isLocked(`dir:${c}`);
  if (input.lock(`root:${key}`)) {
    const record = await store.readRoot(key);
    if (record && record.peerId === peerId && record.name === top && input.lock(`dir:${record.finalName}`)) {
      try {
        const st = await lstat(join(root, record.finalName));
        if (st.isDirectory() && !st.isSymbolicLink()) {
          roots.push(key);
          return record.finalName;
        }
      } catch {
        // Gone: pick a fresh name below.
      }
    }
    const finalName = await reserveDir(root, written, taken);
    input.lock(`dir:${finalName}`);
    await store.writeRoot(key, { v: 1, peerId, name: top, finalName, updatedAt: Date.now() });
    roots.push(key);
    return finalName;
  }
  // The same folder is arriving in another transfer right now: keep them apart.
  const finalName = await reserveDir(root, written, taken);
  input.lock(`dir:${finalName}`);
  return finalName;
}

/** Resume state for one file: a verified file from an interrupted run, or a durable `.part` prefix (re-hashed from disk). */
export async function findResume(
  input: Pick<PlanInput, 'root' | 'store' | 'peerId' | 'isEnded'>,
  file: ReceiveFile,
  segments: string[],
  batched?: BatchEntry,
): Promise<OfferedResume | undefined> {
  const { root, store, peerId } = input;
  const perFile = await store.readFile(file.key!);
  const record =
    perFile ??
    (batched ? { ...batched, v: 1 as const, peerId, state: 'done' as const, verifiedBytes: batched.size, updatedAt: 0 } : undefined);
  if (!record || record.peerId !== peerId || record.path !== file.entry.path || record.size !== file.entry.size) return undefined;
  if (record.state === 'done') {
    const finalPath = record.finalPath!;
    const sameFolder = segments.length === 1 ? !finalPath.includes('/') : finalPath.split('/')[0] === segments[0];
    if (!sameFolder) return undefined;
    try {
      const st = await lstat(join(root, finalPath));
      if (st.isFile() && st.size === file.entry.size && st.mtimeMs === record.finalMtimeMs) {
        return { offset: file.entry.size, sha256: record.sha256!, heldPath: finalPath };
      }
    } catch {
      // The earlier file is gone: receive it again.
    }
    return undefined;
  }
  let fh: FileHandle | undefined;
  try {
    fh = await open(file.partPath, constants.O_RDONLY | constants.O_NOFOLLOW);
    const st = await fh.stat();
    const length = Math.min(record.verifiedBytes, st.size);
    if (!st.isFile() || length === 0) return undefined;
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(Math.min(length, PREFIX_HASH_READ_BYTES));
    for (let at = 0; at < length; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - at), at);
      if (bytesRead === 0) return undefined;
      hash.update(buf.subarray(0, bytesRead));
      at += bytesRead;
      if (input.isEnded()) return undefined;
    }
    return { offset: length, sha256: hash.copy().digest('hex'), hash };
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Fails with ERR_TRANSFER_DISK_FULL when `missing` bytes exceed the space available (unknown space: let the writes tell). */
export async function checkFreeSpace(root: string, missing: number): Promise<void> {
  let available: number;
  try {
    const st = await statfs(root);
    available = st.bavail * st.bsize;
  } catch {
    return;
  }
  if (missing > available) {
    throw new TransferError('ERR_TRANSFER_DISK_FULL', `Not enough space in the receive folder: ${missing} bytes needed, ${available} available.`);
  }
}
