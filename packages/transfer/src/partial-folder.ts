import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PARTIAL_DIR_NAME } from './constants.js';
import { PartialStore } from './partial-store.js';
import { ensureDirInside } from './safe-fs.js';

/** A use of the partial-data folder; `release()` is idempotent. */
export interface PartialLease {
  store: PartialStore;
  release(): Promise<void>;
}

/**
 * `<receive folder>/.fileshare-partial/` exists only while something is pending: it is created
 * when an incoming transfer (or the start-up clean-up) needs it and removed, if empty, when the
 * last of them lets go. Creating and removing run one after the other on one queue, and a
 * removal is skipped when anyone took the folder meanwhile, so a transfer never finds it gone
 * under its feet. rmdir(2) itself removes only an empty folder (never what is pending in it, and
 * never through a symbolic link). One process per receive folder is assumed, as for the resume
 * locks; another process's transfer could see the folder vanish and fail (its data is intact).
 */
export class PartialFolder {
  private users = 0;
  private queue: Promise<unknown> = Promise.resolve();

  /** `root`: the receive folder's real path. */
  constructor(private readonly root: string) {}

  get path(): string {
    return join(this.root, PARTIAL_DIR_NAME);
  }

  /** Creates the folder if needed (0700; a symbolic link there is refused) and holds it until released. */
  async acquire(): Promise<PartialLease> {
    this.users++;
    let released: Promise<void> | undefined;
    const release = (): Promise<void> => {
      released ??= (() => {
        this.users--;
        return this.users === 0 ? this.serial(() => this.removeIfEmpty()) : Promise.resolve();
      })();
      return released;
    };
    try {
      const dir = await this.serial(() => ensureDirInside(this.root, [PARTIAL_DIR_NAME], 0o700));
      return { store: new PartialStore(dir), release };
    } catch (cause) {
      await release();
      throw cause;
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async removeIfEmpty(): Promise<void> {
    if (this.users > 0) return;
    try {
      await rmdir(this.path);
    } catch {
      // Not empty (pending data), already gone, or not a folder: nothing to do.
    }
  }
}
