import type { Logger } from '@fileshare/protocol';
import { MAX_PARALLEL_FINISH, SMALL_FILE_BATCH_FILES } from './constants.js';
import type { DoneRecords } from './done-records.js';
import { TransferError } from './errors.js';
import type { PartialStore } from './partial-store.js';
import { BatchPlacer } from './receive-batch.js';
import type { ReceiveFile } from './receive-file.js';
import { type PlacedFile, finishFile, recordPlaced } from './receive-finish.js';
import { ensureDirInside } from './safe-fs.js';

export interface FileFinisherInit {
  /** Real path of the receive folder. */
  root: string;
  store: PartialStore;
  peerId: string;
  logger: Logger;
  /** Applied to the modes senders offer. */
  umask: number;
  done: DoneRecords;
  /** The receive window in files (a batch holds at most half of it). */
  windowFiles: number;
  /** A small file's bytes are in its `.part` (written, not yet synced): count them as consumed. */
  onWritten(bytes: number, path: string): void;
  /** A file is verified, synced, under its final name and recorded as done. */
  onPlaced(file: ReceiveFile, finalPath: string, sha256: string): void;
  /** A file could not be finished: the transfer fails. */
  onError(cause: unknown): void;
}

/**
 * Everything after a file's last byte arrived: a small file's hash is checked in memory and the
 * file handed to a {@link BatchPlacer}; a large one is synced, checked and placed in the
 * background ({@link finishFile}, up to {@link MAX_PARALLEL_FINISH} at once: each is a dozen
 * small file-system calls, and overlapping them keeps the receive loop busy). Each folder is
 * checked and created once per transfer, and every placed file is recorded as done before it is
 * reported.
 */
export class FileFinisher {
  private readonly placer: BatchPlacer;
  private readonly finishing = new Set<Promise<void>>();
  private readonly ensuredDirs = new Map<string, Promise<string>>();

  constructor(private readonly init: FileFinisherInit) {
    this.placer = new BatchPlacer({
      root: init.root,
      store: init.store,
      logger: init.logger,
      umask: init.umask,
      recordDone: (placed) => this.recordDone(placed),
      maxFiles: Math.max(1, Math.min(SMALL_FILE_BATCH_FILES, Math.floor(init.windowFiles / 2))),
      ensureDir: (segments) => this.ensureDir(segments),
      onWritten: (batch) => {
        for (const v of batch) init.onWritten(v.bytes, v.file.entry.path);
      },
      onPlaced: (file, finalPath, sha256) => init.onPlaced(file, finalPath, sha256),
      onError: (cause) => init.onError(cause),
    });
  }

  /** Batches flushed and their sizes (for logs). */
  get stats(): BatchPlacer['stats'] {
    return this.placer.stats;
  }

  /** A small file whole in memory: its hash is checked now (ERR_TRANSFER_INTEGRITY), then the batch placer writes, syncs and places it. */
  async small(file: ReceiveFile, data: Buffer[], bytes: number): Promise<void> {
    const sha256 = file.hash!.digest('hex');
    file.hash = undefined;
    if (sha256 !== file.expectedSha) {
      // As for a large file: whatever an earlier run left for it cannot be trusted either.
      if (file.key) await this.init.store.removeFile(file.key);
      throw new TransferError('ERR_TRANSFER_INTEGRITY', `${JSON.stringify(file.entry.path)} arrived damaged (SHA-256 mismatch); it was not saved.`);
    }
    this.placer.add({ file, data, bytes, sha256 });
  }

  /** A streamed file whose bytes and `file-end` are all in: finished in the background (waits only while too many are). */
  async large(file: ReceiveFile): Promise<void> {
    while (this.finishing.size >= MAX_PARALLEL_FINISH) await Promise.race(this.finishing);
    const { root, store, peerId, logger, umask } = this.init;
    const done = finishFile(file, { root, store, peerId, logger, umask, ensureDir: (s) => this.ensureDir(s), recordDone: (p) => this.recordDone(p) })
      .then((placed) => this.init.onPlaced(file, placed.path, placed.sha256))
      .catch((cause: unknown) => this.init.onError(cause));
    const tracked = done.then(() => {
      this.finishing.delete(tracked);
    });
    this.finishing.add(tracked);
  }

  /** Resolves once every file handed over is placed (or failed). */
  async idle(): Promise<void> {
    await this.placer.idle();
    while (this.finishing.size > 0) await Promise.all(this.finishing);
  }

  /** After a failure: files of a batch already being synced are still placed (verified and durable); those only in memory are dropped. */
  async stop(): Promise<void> {
    await this.placer.stop();
    while (this.finishing.size > 0) await Promise.all(this.finishing);
  }

  private recordDone(placed: readonly PlacedFile[]): Promise<void> {
    const { root, store, peerId, logger } = this.init;
    return recordPlaced({ root, store, peerId, logger }, this.init.done, placed);
  }

  /** Folders are checked and created once per transfer; placing a file re-checks its folder's real path anyway. */
  private ensureDir(segments: string[]): Promise<string> {
    const key = segments.join('/');
    let dir = this.ensuredDirs.get(key);
    if (!dir) {
      dir = ensureDirInside(this.init.root, segments);
      this.ensuredDirs.set(key, dir);
      dir.catch(() => this.ensuredDirs.delete(key));
    }
    return dir;
  }
}
