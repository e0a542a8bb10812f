import { type Hash, createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, lstat, open, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ResumeEntry, TransferEntry } from '@fileshare/protocol';
import { HELD_HASH_PARALLEL, PREFIX_HASH_READ_BYTES } from './constants.js';
import type { DoneRecord } from './done-records.js';
import { TransferError } from './errors.js';
import { type PartialStore, fileKey, rootKey } from './partial-store.js';
import { writtenForm } from './path-safety.js';
import type { OfferedResume, ReceiveFile } from './receive-file.js';
import { inParallel } from './receive-finish.js';
import { assertRealInside, ensureDirInside, reserveDir } from './safe-fs.js';

export interface PlanInput {
  /** Real path of the receive folder. */
  root: string;
  store: PartialStore;
  peerId: string;
  /** The checked offer's entries. */
  entries: readonly TransferEntry[];
  /** Done-records of files from this sender placed in this receive folder, by resume key. */
  done: ReadonlyMap<string, DoneRecord>;
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
}

/**
 * Prepares an accepted files offer (PROTOCOL.md, step 4): maps top-level folders (the folder of
 * an interrupted transfer of the same folder from the same sender, else the folder where files
 * of this offer were placed before, else a fresh `name (n)`), creates every listed folder, finds
 * resume state (a durable `.part` prefix, or a file already placed and still hashing the same),
 * and checks the disk has room for what is still missing. Names are written in NFC; resume keys
 * and records keep the paths as offered, so a repeated offer (which repeats them byte for byte)
 * finds its state.
 */
export async function planReceive(input: PlanInput): Promise<ReceivePlan> {
  const { root, store, peerId, entries, done } = input;
  const keyOf = (e: TransferEntry): string => fileKey(peerId, e.path, e.size, e.mtimeMs);
  const roots: string[] = [];
  const mapping = new Map<string, string>();
  for (const e of entries) {
    const segments = e.path.split('/');
    const top = segments[0]!;
    if ((segments.length === 1 && e.kind === 'file') || mapping.has(top)) continue;
    mapping.set(top, await mapRoot(input, top, roots, placedFolders(entries, top, (f) => done.get(keyOf(f)))));
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

  // Which files have a partial record at all: one listing instead of one failed read per file.
  const recorded = await store.recordKeys();
  const files = new Map<number, ReceiveFile>();
  const order: number[] = [];
  const held: { file: ReceiveFile; record: DoneRecord }[] = [];
  for (const [index, entry] of entries.entries()) {
    if (entry.kind !== 'file') continue;
    const segments = mapped(entry.path);
    const candidateKey = keyOf(entry);
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
    if (key && recorded.has(key)) {
      file.hasRecord = true;
      if (entry.size > 0) file.offered = await findPartial(input, file);
    }
    const record = key ? done.get(key) : undefined;
    // Where it was placed must be where this offer puts it (same folder), or it is not "there".
    if (!file.offered && record && dirOf(record.finalPath) === file.dirSegments.join('/')) held.push({ file, record });
    files.set(index, file);
    order.push(index);
  }
  await inParallel(held, HELD_HASH_PARALLEL, async ({ file, record }) => {
    if (input.isEnded()) return;
    const sha256 = await hashPlaced(root, record.finalPath, file.entry.size, () => input.isEnded());
    if (sha256 === record.sha256) file.offered = { offset: file.entry.size, sha256, heldPath: record.finalPath };
  });
  const resume: ResumeEntry[] = [];
  let missing = 0;
  for (const index of order) {
    const file = files.get(index)!;
    if (file.offered) resume.push({ index, offset: file.offered.offset, sha256: file.offered.sha256 });
    missing += file.entry.size - (file.offered?.offset ?? 0);
  }
  await checkFreeSpace(root, missing);
  return { files, order, resume, roots };
}

function dirOf(relative: string): string {
  const slash = relative.lastIndexOf('/');
  return slash < 0 ? '' : relative.slice(0, slash);
}

/** Folders (newest first) where done-records say files of this offer below `top` were placed. */
function placedFolders(entries: readonly TransferEntry[], top: string, recordOf: (e: TransferEntry) => DoneRecord | undefined): string[] {
  const found: { name: string; at: number }[] = [];
  for (const e of entries) {
    if (e.kind !== 'file' || !e.path.startsWith(`${top}/`)) continue;
    const record = recordOf(e);
    if (record?.finalPath.includes('/')) found.push({ name: record.finalPath.split('/', 1)[0]!, at: record.placedAt });
  }
  return [...new Set(found.sort((a, b) => b.at - a.at).map((f) => f.name))];
}

/**
 * `top` as offered (the folder record's key and name); the folder created gets its NFC form.
 * An interrupted transfer's folder is reused, then one where files of this very offer already
 * lie (a re-send fills the same folder instead of making `name (1)`), else a fresh one.
 */
async function mapRoot(input: PlanInput, top: string, roots: string[], placedIn: readonly string[]): Promise<string> {
  const { root, store, peerId } = input;
  const key = rootKey(peerId, top);
  const written = writtenForm(top);
  const taken = (c: string): boolean => input.isLocked(`dir:${c}`);
  if (input.lock(`root:${key}`)) {
    roots.push(key);
    const record = await store.readRoot(key);
    const candidates = record && record.peerId === peerId && record.name === top ? [record.finalName, ...placedIn] : placedIn;
    for (const name of candidates) {
      if (taken(name) || !(await isRealFolder(join(root, name)))) continue;
      input.lock(`dir:${name}`);
      if (name !== record?.finalName) await store.writeRoot(key, { v: 1, peerId, name: top, finalName: name, updatedAt: Date.now() });
      return name;
    }
    const finalName = await reserveDir(root, written, taken);
    input.lock(`dir:${finalName}`);
    await store.writeRoot(key, { v: 1, peerId, name: top, finalName, updatedAt: Date.now() });
    return finalName;
  }
  // The same folder is arriving in another transfer right now: keep them apart.
  const finalName = await reserveDir(root, written, taken);
  input.lock(`dir:${finalName}`);
  return finalName;
}

async function isRealFolder(path: string): Promise<boolean> {
  try {
    const st = await lstat(path);
    return st.isDirectory() && !st.isSymbolicLink();
  } catch {
    return false;
  }
}

/** A durable `.part` prefix from an interrupted run, re-hashed from disk. */
async function findPartial(input: Pick<PlanInput, 'store' | 'peerId' | 'isEnded'>, file: ReceiveFile): Promise<OfferedResume | undefined> {
  const record = await input.store.readFile(file.key!);
  if (!record || record.peerId !== input.peerId || record.path !== file.entry.path || record.size !== file.entry.size) return undefined;
  let fh: FileHandle | undefined;
  try {
    fh = await open(file.partPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = await fh.stat();
    const length = Math.min(record.verifiedBytes, st.size);
    if (!st.isFile() || length === 0) return undefined;
    const hash = createHash('sha256');
    if (!(await hashRange(fh, length, hash, input.isEnded))) return undefined;
    return { offset: length, sha256: hash.copy().digest('hex'), hash };
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/**
 * SHA-256 of a file placed earlier, re-read from disk, when it is still a regular file of `size`
 * bytes inside the receive folder (its folder's real path checked, the file opened without
 * following a link and without blocking on a FIFO); undefined otherwise.
 */
export async function hashPlaced(root: string, finalPath: string, size: number, isEnded: () => boolean): Promise<string | undefined> {
  const abs = join(root, finalPath);
  let fh: FileHandle | undefined;
  try {
    await assertRealInside(root, dirname(abs));
    fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = await fh.stat();
    if (!st.isFile() || st.size !== size) return undefined;
    const hash = createHash('sha256');
    return (await hashRange(fh, size, hash, isEnded)) ? hash.digest('hex') : undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Feeds bytes [0, length) of `fh` into `hash`; false when the file is shorter or the transfer ended. */
async function hashRange(fh: FileHandle, length: number, hash: Hash, isEnded: () => boolean): Promise<boolean> {
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(length, PREFIX_HASH_READ_BYTES)));
  for (let at = 0; at < length; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - at), at);
    if (bytesRead === 0 || isEnded()) return false;
    hash.update(buf.subarray(0, bytesRead));
    at += bytesRead;
  }
  return true;
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
