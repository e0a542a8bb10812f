import { close, fchmod, fdatasync, writev } from 'node:fs';
import { promisify } from 'node:util';
import type { Logger } from '@fileshare/protocol';
import { writeError } from './errors.js';
import { placedMode } from './file-mode.js';
import type { PartialStore } from './partial-store.js';
import type { ReceiveFile } from './receive-file.js';
import type { PlacedFile } from './receive-finish.js';
import { assertRealInside, createPartFd, placeFile } from './safe-fs.js';

/** A small file received whole into memory and verified there: its bytes hash to the sender's `file-end`. */
export interface VerifiedFile {
  file: ReceiveFile;
  data: Buffer[];
  bytes: number;
  sha256: string;
}

export interface BatchPlacerInit {
  /** Real path of the receive folder. */
  root: string;
  store: PartialStore;
  logger: Logger;
  /** The umask applied to the mode the sender offered. */
  umask: number;
  /** Remembers a batch's placed files (done-records), before they are reported; never throws. */
  recordDone(placed: readonly PlacedFile[]): Promise<void>;
  /** Checks (and creates once) a file's folder below the receive folder; returns its absolute path. */
  ensureDir(segments: string[]): Promise<string>;
  /** A batch's bytes are in their `.part` files (written, not yet synced): count them as consumed. */
  onWritten(files: readonly VerifiedFile[]): void;
  /** A file is synced and under its final name (`finalPath`, relative to the receive folder). */
  onPlaced(file: ReceiveFile, finalPath: string, sha256: string): void;
  /** The first error of a batch; the placer stops taking files afterwards. */
  onError(cause: unknown): void;
  /** Files per batch at most. */
  maxFiles: number;
}

/**
 * Group commit for small files. Files arrive verified (their bytes are in memory and hash to the
 * sender's `file-end`); while one batch is being made durable the next one collects, so the
 * batch size follows the disk's sync latency. A batch is written to its `.part` files, each is
 * synced (fdatasync, all at once so the file system can share journal commits), and only then is
 * each file linked under its final name, exactly as a large file is after its own sync: a file
 * never appears under its name before its bytes are verified and on disk, never overwrites
 * anything, and never goes through a symbolic link ({@link placeFile}).
 */
export class BatchPlacer {
  private pending: VerifiedFile[] = [];
  private running: Promise<void> | undefined;
  private failed = false;
  private readonly idleWaiters: (() => void)[] = [];
  /** Batches flushed and their sizes (for tests and logs). */
  readonly stats = { batches: 0, files: 0, largest: 0 };

  constructor(private readonly init: BatchPlacerInit) {}

  /** Files taken but not yet placed. */
  get size(): number {
    return this.pending.length + (this.running ? 1 : 0);
  }

  add(file: VerifiedFile): void {
    if (this.failed) return;
    this.pending.push(file);
    this.running ??= this.run();
  }

  /** Resolves when every file taken so far was placed (or the placer failed). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking files: what is still waiting for a batch is dropped (it is only in memory). Waits for the batch in progress. */
  async stop(): Promise<void> {
    this.failed = true;
    this.pending = [];
    await this.idle();
  }

  private async run(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.failed) {
        const batch = this.pending.splice(0, this.init.maxFiles);
        this.stats.batches++;
        this.stats.files += batch.length;
        this.stats.largest = Math.max(this.stats.largest, batch.length);
        try {
          await this.flush(batch);
        } catch (cause) {
          this.failed = true;
          this.pending = [];
          this.init.onError(cause);
        }
      }
    } finally {
      this.running = undefined;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Write every `.part` (with its final mode), sync every one, then place each, record them and report each. */
  private async flush(batch: VerifiedFile[]): Promise<void> {
    const { store } = this.init;
    const fds = new Map<VerifiedFile, number>();
    const placed = new Set<VerifiedFile>();
    try {
      // allSettled, not all: on an error every other open and write must have finished before
      // the descriptors are closed and the `.part` files removed below.
      await settleAll(
        batch.map(async (v) => {
          try {
            fds.set(v, await createPartFd(v.file.partPath));
          } catch (cause) {
            throw writeError(cause, `the partial file for ${JSON.stringify(v.file.entry.path)}`);
          }
          try {
            if (v.bytes > 0) await writevAll(fds.get(v)!, v.data);
            await fdChmod(fds.get(v)!, placedMode(v.file.entry.mode, this.init.umask));
          } catch (cause) {
            throw writeError(cause, JSON.stringify(v.file.entry.path));
          }
        }),
      );
      this.init.onWritten(batch);
      await settleAll(
        batch.map(async (v) => {
          try {
            await fdDatasync(fds.get(v)!);
          } catch (cause) {
            throw writeError(cause, JSON.stringify(v.file.entry.path));
          }
        }),
      );
      await closeAll(fds);
      // Synced: each may now take its name. Each folder's real path is checked once for the
      // batch, right before its files are linked in.
      const dirs = new Map<string, Promise<string>>();
      const dirOf = (v: VerifiedFile): Promise<string> => {
        const k = v.file.dirSegments.join('/');
        let dir = dirs.get(k);
        if (!dir) {
          dir = this.init.ensureDir(v.file.dirSegments).then(async (d) => {
            await assertRealInside(this.init.root, d);
            return d;
          });
          dirs.set(k, dir);
        }
        return dir;
      };
      const done: PlacedFile[] = [];
      const results = await Promise.allSettled(
        batch.map(async (v) => {
          const finalPath = await this.place(v, await dirOf(v));
          placed.add(v);
          done.push({ file: v.file, finalPath, sha256: v.sha256 });
          return finalPath;
        }),
      );
      // One append for the batch, before any `file-done`: a sender told a file is there can count on a re-send finding it.
      await this.init.recordDone(done);
      for (const [i, r] of results.entries()) {
        if (r.status === 'rejected') throw r.reason;
        const v = batch[i]!;
        this.init.onPlaced(v.file, r.value, v.sha256);
      }
    } finally {
      await closeAll(fds);
      // A batch that failed leaves no unplaced `.part` behind: its data is only worth a re-send.
      for (const v of batch) if (!placed.has(v)) await store.unlinkQuiet(v.file.partPath);
    }
  }

  private async place(v: VerifiedFile, dir: string): Promise<string> {
    let name: string;
    try {
      name = await placeFile(this.init.root, dir, v.file.name, v.file.partPath, { dirChecked: true });
    } catch (cause) {
      throw writeError(cause, JSON.stringify(v.file.entry.path));
    }
    return [...v.file.dirSegments, name].join('/');
  }
}

/** Waits for every promise, then throws the first rejection, if any. */
async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  for (const r of await Promise.allSettled(promises)) if (r.status === 'rejected') throw r.reason;
}

const fdChmod = promisify(fchmod);
const fdDatasync = promisify(fdatasync);
const fdClose = promisify(close);
const fdWritev = promisify(writev);

/** Writes all of `buffers` from offset 0 (a write may be short on a nearly full disk). */
async function writevAll(fd: number, buffers: Buffer[]): Promise<void> {
  let pending = buffers;
  let at = 0;
  while (pending.length > 0) {
    const total = pending.reduce((n, b) => n + b.length, 0);
    const { bytesWritten: written } = await fdWritev(fd, pending, at);
    if (written === total) return;
    if (written === 0) throw Object.assign(new Error('no bytes written'), { code: 'ENOSPC' });
    at += written;
    let skip = written;
    const rest: Buffer[] = [];
    for (const b of pending) {
      if (skip >= b.length) skip -= b.length;
      else {
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    pending = rest;
  }
}

async function closeAll(fds: Map<VerifiedFile, number>): Promise<void> {
  const all = [...fds.values()];
  fds.clear();
  await Promise.all(all.map((fd) => fdClose(fd).catch(() => undefined)));
}
