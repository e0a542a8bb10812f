import { createHash, randomBytes } from 'node:crypto';
import { lstat, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SHA256_HEX_PATTERN } from '@fileshare/protocol';
import { isSafeRelativePath } from './path-safety.js';

/**
 * Resume state kept in `<receiveDir>/.fileshare-partial/` (documented in docs/protocol):
 *  - `<key>.part`: the received bytes of a file not yet verified;
 *  - `<key>.json`: a {@link FileRecord} for that file: how many bytes of the `.part` are durable
 *    (state `partial`), or where the verified file went (state `done`, kept until the whole
 *    transfer completes, so a resumed folder transfer does not send finished files again);
 *  - `batch-<id>.json`: a {@link BatchRecord}: the `done` state of every small file one batch
 *    placed (small files are made durable and placed in batches; one record per batch);
 *  - `root-<key>.json`: a {@link RootRecord}: which folder name a sent folder got here, so a
 *    resumed folder lands in the same place.
 * Keys hash (sender device id, relative path, size, sender mtime): the same file from the same
 * sender finds its partial data again, and a changed file does not.
 */

export interface FileRecord {
  v: 1;
  peerId: string;
  path: string;
  size: number;
  mtimeMs?: number;
  state: 'partial' | 'done';
  /** `partial`: bytes at the start of the `.part` that were synced to disk before this record was written. */
  verifiedBytes: number;
  /** `done`: where the verified file was placed, relative to the receive folder. */
  finalPath?: string;
  /** `done`: the placed file's mtime, to notice that someone changed it since. */
  finalMtimeMs?: number;
  sha256?: string;
  updatedAt: number;
}

export interface RootRecord {
  v: 1;
  peerId: string;
  name: string;
  finalName: string;
  updatedAt: number;
}

/** One entry of a {@link BatchRecord}: a small file placed by a durability batch. */
export interface BatchEntry {
  key: string;
  path: string;
  size: number;
  mtimeMs?: number;
  finalPath: string;
  finalMtimeMs: number;
  sha256: string;
}

/**
 * `batch-<id>.json`: the files one durability batch of small files placed, with what a `done`
 * {@link FileRecord} would say of each (one record per batch instead of one per file).
 */
export interface BatchRecord {
  v: 1;
  peerId: string;
  files: BatchEntry[];
  updatedAt: number;
}

const TMP_MAX_AGE_MS = 60 * 60 * 1000;

function hashKey(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

export function fileKey(peerId: string, path: string, size: number, mtimeMs: number | undefined): string {
  return hashKey(['file', peerId, path, size, mtimeMs ?? null]);
}

export function rootKey(peerId: string, name: string): string {
  return hashKey(['root', peerId, name]);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseFileRecord(value: unknown): FileRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Partial<FileRecord>;
  if (r.v !== 1 || typeof r.peerId !== 'string' || typeof r.path !== 'string' || !isCount(r.size)) return undefined;
  if (r.state !== 'partial' && r.state !== 'done') return undefined;
  if (!isCount(r.verifiedBytes) || r.verifiedBytes > r.size || !isCount(r.updatedAt)) return undefined;
  if (r.state === 'done') {
    if (typeof r.finalPath !== 'string' || !isSafeRelativePath(r.finalPath)) return undefined;
    if (typeof r.sha256 !== 'string' || !SHA256_HEX_PATTERN.test(r.sha256) || typeof r.finalMtimeMs !== 'number') return undefined;
  }
  return r as FileRecord;
}

function parseBatchRecord(value: unknown): BatchRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Partial<BatchRecord>;
  if (r.v !== 1 || typeof r.peerId !== 'string' || !Array.isArray(r.files) || !isCount(r.updatedAt)) return undefined;
  const files: BatchEntry[] = [];
  for (const f of r.files as unknown[]) {
    if (typeof f !== 'object' || f === null) return undefined;
    const e = f as Partial<BatchEntry>;
    if (typeof e.key !== 'string' || !/^[0-9a-f]{32}$/.test(e.key) || typeof e.path !== 'string' || !isCount(e.size)) return undefined;
    if (typeof e.finalPath !== 'string' || !isSafeRelativePath(e.finalPath) || typeof e.finalMtimeMs !== 'number') return undefined;
    if (typeof e.sha256 !== 'string' || !SHA256_HEX_PATTERN.test(e.sha256)) return undefined;
    if (e.mtimeMs !== undefined && typeof e.mtimeMs !== 'number') return undefined;
    files.push(e as BatchEntry);
  }
  return { v: 1, peerId: r.peerId, files, updatedAt: r.updatedAt };
}

function parseRootRecord(value: unknown): RootRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Partial<RootRecord>;
  if (r.v !== 1 || typeof r.peerId !== 'string' || typeof r.name !== 'string' || typeof r.finalName !== 'string') return undefined;
  if (!isSafeRelativePath(r.finalName) || r.finalName.includes('/') || !isCount(r.updatedAt)) return undefined;
  return r as RootRecord;
}

export class PartialStore {
  /** `dir` must already exist and have been checked to be a real folder inside the receive folder. */
  constructor(readonly dir: string) {}

  partPath(key: string): string {
    return join(this.dir, `${key}.part`);
  }

  /** A `.part` name for a file that cannot have resume state (its key is busy in another transfer). */
  scratchPartPath(): string {
    return join(this.dir, `scratch-${randomBytes(8).toString('hex')}.part`);
  }

  async readFile(key: string): Promise<FileRecord | undefined> {
    return parseFileRecord(await this.readJson(`${key}.json`));
  }

  /** `durable`: fsync the record (checkpoints of partial data); done records may be lost in a crash at no risk. */
  async writeFile(key: string, record: FileRecord, durable: boolean): Promise<void> {
    await this.writeJson(`${key}.json`, record, durable);
  }

  async removeFile(key: string): Promise<void> {
    await this.unlinkQuiet(join(this.dir, `${key}.json`));
    await this.unlinkQuiet(this.partPath(key));
  }

  /** Keys that have a `<key>.json` record (whatever its state or content). */
  async recordKeys(): Promise<Set<string>> {
    const keys = new Set<string>();
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return keys;
    }
    for (const name of names) {
      const m = /^([0-9a-f]{32})\.json$/.exec(name);
      if (m) keys.add(m[1]!);
    }
    return keys;
  }

  /** A new batch record id. */
  newBatchId(): string {
    return randomBytes(8).toString('hex');
  }

  /** Batch records are best effort like `done` records: a lost one only means those files are sent again. */
  async writeBatch(id: string, record: BatchRecord): Promise<void> {
    await this.writeJson(`batch-${id}.json`, record, false);
  }

  /** Every readable batch record from `peerId`, by id. */
  async readBatches(peerId: string): Promise<Map<string, BatchRecord>> {
    const out = new Map<string, BatchRecord>();
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return out;
    }
    for (const name of names) {
      const m = /^batch-([0-9a-f]{16})\.json$/.exec(name);
      if (!m) continue;
      const record = parseBatchRecord(await this.readJson(name));
      if (record?.peerId === peerId) out.set(m[1]!, record);
    }
    return out;
  }

  async removeBatch(id: string): Promise<void> {
    await this.unlinkQuiet(join(this.dir, `batch-${id}.json`));
  }

  async readRoot(key: string): Promise<RootRecord | undefined> {
    return parseRootRecord(await this.readJson(`root-${key}.json`));
  }

  async writeRoot(key: string, record: RootRecord): Promise<void> {
    await this.writeJson(`root-${key}.json`, record, false);
  }

  async removeRoot(key: string): Promise<void> {
    await this.unlinkQuiet(join(this.dir, `root-${key}.json`));
  }

  async unlinkQuiet(path: string): Promise<void> {
    try {
      await unlink(path);
    } catch {
      // Already gone is fine; anything else leaves a file that pruning removes later.
    }
  }

  /**
   * Removes records and partial data older than `maxAgeMs`, scratch files and leftover
   * temporaries. `busy` keys (files of running transfers) are left alone. Returns what was removed.
   */
  async prune(now: number, maxAgeMs: number, busy: (key: string) => boolean = () => false): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    const recordKeys = new Set<string>();
    let removed = 0;
    for (const name of names) {
      if (/^batch-[0-9a-f]{16}\.json$/.test(name)) {
        const raw = await this.readJson(name);
        const updatedAt = typeof raw === 'object' && raw !== null && isCount((raw as { updatedAt?: unknown }).updatedAt) ? (raw as { updatedAt: number }).updatedAt : 0;
        if (now - updatedAt > maxAgeMs) {
          await this.unlinkQuiet(join(this.dir, name));
          removed++;
        }
        continue;
      }
      const m = /^([0-9a-f]{32})\.json$/.exec(name) ?? /^root-([0-9a-f]{32})\.json$/.exec(name);
      if (!m || busy(m[1]!)) continue;
      const raw = await this.readJson(name);
      const updatedAt = typeof raw === 'object' && raw !== null && isCount((raw as { updatedAt?: unknown }).updatedAt)
        ? (raw as { updatedAt: number }).updatedAt
        : 0;
      if (now - updatedAt > maxAgeMs) {
        await this.unlinkQuiet(join(this.dir, name));
        if (!name.startsWith('root-')) await this.unlinkQuiet(this.partPath(m[1]!));
        removed++;
      } else if (!name.startsWith('root-')) {
        recordKeys.add(m[1]!);
      }
    }
    for (const name of names) {
      const part = /^([0-9a-f]{32})\.part$/.exec(name);
      const scratch = /^scratch-[0-9a-f]{16}\.part$/.test(name);
      const tmp = /\.tmp-[0-9a-f]{16}$/.test(name);
      if (!part && !scratch && !tmp) continue;
      if (part && (recordKeys.has(part[1]!) || busy(part[1]!))) continue;
      try {
        const st = await lstat(join(this.dir, name));
        const limit = tmp ? TMP_MAX_AGE_MS : maxAgeMs;
        if (now - st.mtimeMs > limit) {
          await this.unlinkQuiet(join(this.dir, name));
          removed++;
        }
      } catch {
        // Raced with another removal.
      }
    }
    return removed;
  }

  private async readJson(name: string): Promise<unknown> {
    try {
      const text = await readFile(join(this.dir, name), { encoding: 'utf8', flag: 'r' });
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }

  private async writeJson(name: string, value: unknown, durable: boolean): Promise<void> {
    const final = join(this.dir, name);
    const tmp = `${final}.tmp-${randomBytes(8).toString('hex')}`;
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(JSON.stringify(value));
      if (durable) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
  }
}
