import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { types } from 'node:util';
import { SHA256_HEX_PATTERN } from '@fileshare/protocol';
import { fileKey } from './partial-store.js';
import { isSafeRelativePath } from './path-safety.js';

/**
 * A file the receiver verified and placed (docs/PROTOCOL.md, "Resume", done-records): the same
 * file offered again by the same sender (path, size, mtime) is then checked against the copy at
 * `finalPath` and, when that still hashes to `sha256`, not sent or written again.
 */
export interface DoneRecord {
  v: 1;
  /** Sender's device id. */
  peerId: string;
  /** Real path of the receive folder it was placed in (a node may change its receive folder). */
  root: string;
  /** As offered. */
  path: string;
  size: number;
  /** The sender's mtime, as offered. */
  mtimeMs?: number;
  sha256: string;
  /** Where it was placed, relative to `root`. */
  finalPath: string;
  /** When it was placed, or last confirmed by a re-send (ms since the epoch). */
  placedAt: number;
}

export interface DoneRecordsInit {
  /** Private folder of the record files; undefined keeps them in memory. */
  dir: string | undefined;
  retentionMs: number;
  maxPerSender: number;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const FILE_PATTERN = /^done-[0-9a-f]{32}\.jsonl$/;

function parseRecord(line: string): DoneRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined; // a line torn by a crash mid-append
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Partial<DoneRecord>;
  if (r.v !== 1 || typeof r.peerId !== 'string' || typeof r.root !== 'string' || typeof r.path !== 'string' || !isCount(r.size)) return undefined;
  if (r.mtimeMs !== undefined && !Number.isSafeInteger(r.mtimeMs)) return undefined;
  if (typeof r.sha256 !== 'string' || !SHA256_HEX_PATTERN.test(r.sha256)) return undefined;
  if (typeof r.finalPath !== 'string' || !isSafeRelativePath(r.finalPath) || !isCount(r.placedAt)) return undefined;
  return r as DoneRecord;
}

function identity(r: DoneRecord): string {
  return `${r.root}\u0000${fileKey(r.peerId, r.path, r.size, r.mtimeMs)}`;
}

/**
 * The receiver's done-records, one JSON-lines file per sender (`done-<hash of its id>.jsonl`):
 * a batch of placed files costs one append; a file's later line supersedes its earlier ones.
 * Bounded: lines older than the retention are dropped and at most `maxPerSender` records (the
 * newest) are kept, by compacting a file at start-up and whenever it has grown past 1.25 times
 * that. Best effort by design: a record lost (a crash before the append reached the disk, another
 * process compacting at the same moment) only means that file arrives again as a numbered copy.
 */
export class DoneRecords {
  private readonly memory = new Map<string, DoneRecord[]>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private dirReady: Promise<unknown> | undefined;

  constructor(private readonly init: DoneRecordsInit) {}

  /** The live records of files from `peerId` placed in `root`, by resume key (fileKey of the offered path, size and mtime). */
  async lookup(peerId: string, root: string, now = Date.now()): Promise<Map<string, DoneRecord>> {
    const name = fileNameOf(peerId);
    const records = await this.serial(name, async () => {
      const all = await this.readAll(name);
      if (all.length > this.init.maxPerSender * 1.25) await this.rewrite(name, this.compacted(all, now));
      return all;
    });
    const out = new Map<string, DoneRecord>();
    for (const r of records) {
      if (r.peerId !== peerId || r.root !== root || now - r.placedAt > this.init.retentionMs) continue;
      out.set(fileKey(peerId, r.path, r.size, r.mtimeMs), r);
    }
    return out;
  }

  /** Remembers placed (or re-confirmed) files. Never throws: returns the error, if any, for a log line. */
  async add(records: readonly DoneRecord[]): Promise<Error | undefined> {
    const bySender = new Map<string, DoneRecord[]>();
    for (const r of records) {
      const name = fileNameOf(r.peerId);
      bySender.set(name, [...(bySender.get(name) ?? []), r]);
    }
    try {
      for (const [name, list] of bySender) await this.serial(name, () => this.append(name, list));
      return undefined;
    } catch (cause) {
      return types.isNativeError(cause) ? cause : new Error(String(cause));
    }
  }

  /** Drops expired and superseded records of every sender (service start). Returns how many sender files changed. */
  async prune(now = Date.now()): Promise<number> {
    const names = this.init.dir === undefined ? [...this.memory.keys()] : await readdir(this.init.dir).catch(() => [] as string[]);
    let changed = 0;
    for (const name of names.filter((n) => FILE_PATTERN.test(n))) {
      await this.serial(name, async () => {
        const all = await this.readAll(name);
        const kept = this.compacted(all, now);
        if (kept.length === all.length) return;
        await this.rewrite(name, kept);
        changed++;
      });
    }
    return changed;
  }

  /** Latest record per file and receive folder, unexpired, the newest `maxPerSender`, oldest first. */
  private compacted(all: readonly DoneRecord[], now: number): DoneRecord[] {
    const latest = new Map<string, DoneRecord>();
    for (const r of all) {
      if (now - r.placedAt > this.init.retentionMs) continue;
      const id = identity(r);
      latest.delete(id);
      latest.set(id, r);
    }
    return [...latest.values()].sort((a, b) => a.placedAt - b.placedAt).slice(-this.init.maxPerSender);
  }

  private serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(name) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => undefined);
    this.queues.set(name, tail);
    void tail.then(() => {
      if (this.queues.get(name) === tail) this.queues.delete(name);
    });
    return run;
  }

  private async readAll(name: string): Promise<DoneRecord[]> {
    if (this.init.dir === undefined) return [...(this.memory.get(name) ?? [])];
    let text: string;
    try {
      text = await readFile(join(this.init.dir, name), { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW });
    } catch {
      return [];
    }
    const out: DoneRecord[] = [];
    for (const line of text.split('\n')) {
      const r = line.length > 0 ? parseRecord(line) : undefined;
      if (r) out.push(r);
    }
    return out;
  }

  private async append(name: string, records: readonly DoneRecord[]): Promise<void> {
    if (this.init.dir === undefined) {
      const list = [...(this.memory.get(name) ?? []), ...records];
      this.memory.set(name, list.length > this.init.maxPerSender * 1.25 ? this.compacted(list, Date.now()) : list);
      return;
    }
    await this.ensureDir(this.init.dir);
    const fh = await open(join(this.init.dir, name), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      await fh.writeFile(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    } finally {
      await fh.close();
    }
  }

  private async rewrite(name: string, records: readonly DoneRecord[]): Promise<void> {
    if (this.init.dir === undefined) {
      if (records.length === 0) this.memory.delete(name);
      else this.memory.set(name, [...records]);
      return;
    }
    const path = join(this.init.dir, name);
    if (records.length === 0) {
      await unlink(path).catch(() => undefined);
      return;
    }
    const tmp = `${path}.tmp-${randomBytes(8).toString('hex')}`;
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  }

  private ensureDir(dir: string): Promise<unknown> {
    this.dirReady ??= mkdir(dir, { recursive: true, mode: 0o700 });
    // A failure is not cached: the folder may become writable later.
    this.dirReady.catch(() => (this.dirReady = undefined));
    return this.dirReady;
  }
}

/** One file per sender; its name hashes the device id, so no peer-chosen text ever becomes a file name. */
function fileNameOf(peerId: string): string {
  return `done-${createHash('sha256').update(`done\u0000${peerId}`).digest('hex').slice(0, 32)}.jsonl`;
}
