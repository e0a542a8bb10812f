import { createHash, randomBytes } from 'node:crypto';
import { lstat, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isSafeRelativePath } from './path-safety.js';

/**
 * Pending resume state kept in `<receiveDir>/.fileshare-partial/` (docs/PROTOCOL.md, "Resume"):
 *  - `<key>.part`: the received bytes of a file not yet verified;
 *  - `<key>.json`: a {@link FileRecord}: how many bytes of that `.part` are durable;
 *  - `root-<key>.json`: a {@link RootRecord}: which folder name a sent folder got here, so a
 *    resumed folder lands in the same place.
 * Keys hash (sender device id, relative path, size, sender mtime): the same file from the same
 * sender finds its partial data again, and a changed file does not. Files already verified and
 * placed are remembered elsewhere ({@link DoneRecords}), so this folder empties once nothing is
 * pending and can be removed.
 */

export interface FileRecord {
  v: 1;
  peerId: string;
  path: string;
  size: number;
  mtimeMs?: number;
  state: 'partial';
  /** Bytes at the start of the `.part` that were synced to disk before this record was written. */
  verifiedBytes: number;
  updatedAt: number;
}

export interface RootRecord {
  v: 1;
  peerId: string;
  name: string;
  finalName: string;
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
  if (r.state !== 'partial') return undefined;
  if (!isCount(r.verifiedBytes) || r.verifiedBytes > r.size || !isCount(r.updatedAt)) return undefined;
  return r as FileRecord;
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

  /** Synced before it replaces the old record: a record never claims bytes a crash could lose. */
  async writeFile(key: string, record: FileRecord): Promise<void> {
    await this.writeJson(`${key}.json`, record, true);
  }

  /** Forgets a file's record, keeping its `.part` (placing the file moved the `.part` already). */
  async removeRecord(key: string): Promise<void> {
    await this.unlinkQuiet(join(this.dir, `${key}.json`));
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

  async readRoot(key: string): Promise<RootRecord | undefined> {
    return parseRootRecord(await this.readJson(`root-${key}.json`));
  }

  async writeRoot(key: string, record: RootRecord): Promise<void> {
    await this.writeJson(`root-${key}.json`, record, false);
  }

  async removeRoot(key: string): Promise<void> {
    await this.unlinkQuiet(join(this.dir, `root-${key}.json`));
  }

  /** True when it removed something. */
  async unlinkQuiet(path: string): Promise<boolean> {
    try {
      await unlink(path);
      return true;
    } catch {
      // Already gone is fine; anything else leaves a file that pruning removes later.
      return false;
    }
  }

  /**
   * Removes records and partial data older than `maxAgeMs`, records that no longer describe
   * pending data (an earlier version's `done` and batch records: done files are remembered in
   * done-records now), `.part` files without a record (unusable for a resume), scratch files and
   * leftover temporaries. `busy` keys (files of running transfers) are left alone. Returns what
   * was removed.
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
    const remove = async (name: string): Promise<void> => {
      if (await this.unlinkQuiet(join(this.dir, name))) removed++;
    };
    for (const name of names) {
      if (/^batch-[0-9a-f]{16}\.json$/.test(name)) {
        await remove(name);
        continue;
      }
      const file = /^([0-9a-f]{32})\.json$/.exec(name);
      const root = /^root-([0-9a-f]{32})\.json$/.exec(name);
      const key = (file ?? root)?.[1];
      if (key === undefined || busy(key)) continue;
      const raw = await this.readJson(name);
      const updatedAt = typeof raw === 'object' && raw !== null && isCount((raw as { updatedAt?: unknown }).updatedAt) ? (raw as { updatedAt: number }).updatedAt : 0;
      const usable = root ? parseRootRecord(raw) !== undefined : parseFileRecord(raw) !== undefined;
      if (!usable || now - updatedAt > maxAgeMs) {
        await remove(name);
        if (file) await this.unlinkQuiet(this.partPath(key));
      } else if (file) {
        recordKeys.add(key);
      }
    }
    for (const name of names) {
      const part = /^([0-9a-f]{32})\.part$/.exec(name);
      const scratch = /^scratch-[0-9a-f]{16}\.part$/.test(name);
      const tmp = /\.tmp-[0-9a-f]{16}$/.test(name);
      if (part) {
        if (!recordKeys.has(part[1]!) && !busy(part[1]!)) await remove(name);
        continue;
      }
      if (!scratch && !tmp) continue;
      try {
        const st = await lstat(join(this.dir, name));
        if (now - st.mtimeMs > (tmp ? TMP_MAX_AGE_MS : maxAgeMs)) await remove(name);
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
