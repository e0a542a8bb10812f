import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultStateDir, FileshareError, safeForTerminal, type TransferDirection } from '@fileshare/core';
import { HISTORY_LIMIT } from '../constants.js';
import { describeError } from '../errors.js';
import type { HistoryEntry, Outcome } from './types.js';

/** The history file in the state folder, one JSON object per line. */
export const HISTORY_FILE = 'history.jsonl';
const FILE_VERSION = 1;
/**
 * Lines the file may hold beyond the limit before it is rewritten: appending is cheap and a
 * crash can lose at most the line being written, so the whole file is only rewritten now and then.
 */
export const HISTORY_COMPACT_SLACK = 50;
/** Bytes read from the end of the file at most: the newest entries are all we keep anyway. */
const MAX_READ_BYTES = 4 * 1024 * 1024;

export type HistoryErrorCode = 'ERR_HISTORY_READ' | 'ERR_HISTORY_WRITE' | 'ERR_HISTORY_CLOSED';

export class HistoryError extends FileshareError {
  declare readonly code: HistoryErrorCode;
  constructor(code: HistoryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'HistoryError';
  }
}

export interface HistoryLoad {
  /** Oldest first, at most the limit. */
  entries: HistoryEntry[];
  /** Lines that could not be read (a crash mid-write leaves a partial last line); they are dropped. */
  skipped: number;
}

/**
 * Finished transfers kept across restarts in `<stateDir>/history.jsonl` (mode 0600, like the
 * other private state): the newest `limit` entries (HISTORY_LIMIT). Saving an entry again (a
 * received text saved to a file later) appends a newer line with the same id, which wins on
 * reading. Operations run one after another in call order; `close()` waits for them.
 */
export interface HistoryStore {
  readonly path: string;
  /** Reads the file once (later calls share that read); unreadable lines are skipped, never fatal. */
  load(): Promise<HistoryLoad>;
  /** Adds an entry, or replaces the one with the same id. Rejects with a HistoryError. */
  save(entry: HistoryEntry): Promise<void>;
  /** Waits for pending writes; later saves reject with ERR_HISTORY_CLOSED. Idempotent. */
  close(): Promise<void>;
}

/** Opens the history of a state folder (the node's: `--state-dir`, else core's default). No I/O until used. */
export function openHistoryStore(stateDir: string = defaultStateDir(), options: { limit?: number } = {}): HistoryStore {
  return new FileHistoryStore(stateDir, options.limit ?? HISTORY_LIMIT);
}

/** The on-disk form of an entry: stable field names (the file outlives versions of the app). */
interface HistoryRecord {
  v: number;
  id: string;
  /** ISO 8601. */
  at: string;
  direction: TransferDirection;
  peer: { id: string; name: string };
  what: string;
  bytes: number;
  outcome: Outcome;
  reason?: string;
  folder?: string;
  savedTo?: string;
  text?: boolean;
  files?: number;
  alreadyThere?: number;
  resumedBytes?: number;
}

const OUTCOMES: readonly Outcome[] = ['verified', 'failed', 'cancelled', 'declined'];

class FileHistoryStore implements HistoryStore {
  readonly path: string;
  /** By id, in the order first seen; the newest `limit`. */
  private readonly records = new Map<string, HistoryRecord>();
  private lines = 0;
  private loading: Promise<HistoryLoad> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly stateDir: string,
    private readonly limit: number,
  ) {
    this.path = join(stateDir, HISTORY_FILE);
  }

  load(): Promise<HistoryLoad> {
    this.loading ??= this.enqueue(() => this.read());
    return this.loading;
  }

  save(entry: HistoryEntry): Promise<void> {
    if (this.closed) return Promise.reject(new HistoryError('ERR_HISTORY_CLOSED', 'The history is closed.'));
    // Appending after a partial last line would glue the two: read (and repair) the file first.
    void this.load().catch(() => undefined);
    return this.enqueue(() => this.write(toRecord(entry)));
  }

  close(): Promise<void> {
    this.closed = true;
    return this.queue.then(
      () => undefined,
      () => undefined,
    );
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<HistoryLoad> {
    let text: string;
    let truncated: boolean;
    try {
      ({ text, truncated } = await readTail(this.path, MAX_READ_BYTES));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], skipped: 0 };
      throw new HistoryError('ERR_HISTORY_READ', `Cannot read the history file ${this.path}: ${describeError(error)}`, { cause: error });
    }
    const lines = text.split('\n');
    // Reading from the middle of the file starts inside a line.
    if (truncated) lines.shift();
    const cleanEnd = text.length === 0 || text.endsWith('\n');
    if (lines.at(-1) === '') lines.pop();
    let skipped = 0;
    for (const line of lines) {
      const record = parseRecord(line);
      if (record) this.records.set(record.id, record);
      else skipped++;
    }
    this.lines = lines.length;
    this.trim();
    if (skipped > 0 || !cleanEnd || truncated || this.lines > this.limit + HISTORY_COMPACT_SLACK) {
      await this.rewrite().catch(() => undefined);
    }
    return { entries: [...this.records.values()].map(fromRecord), skipped };
  }

  private async write(record: HistoryRecord): Promise<void> {
    this.records.delete(record.id);
    this.records.set(record.id, record);
    this.trim();
    try {
      if (this.lines + 1 > this.limit + HISTORY_COMPACT_SLACK) {
        await this.rewrite();
        return;
      }
      await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
      // Created 0600 (the umask can only take bits away): it names peers and folders.
      await appendFile(this.path, `${JSON.stringify(record)}\n`, { mode: 0o600 });
      this.lines++;
    } catch (error) {
      throw new HistoryError('ERR_HISTORY_WRITE', `Cannot save the history to ${this.path}: ${describeError(error)}`, { cause: error });
    }
  }

  /** Replaces the file with the kept entries: a private temporary file, synced, then renamed over it. */
  private async rewrite(): Promise<void> {
    const body = [...this.records.values()].map((r) => `${JSON.stringify(r)}\n`).join('');
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    const handle = await open(tmp, 'wx', 0o600);
    try {
      try {
        await handle.writeFile(body, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    this.lines = this.records.size;
  }

  private trim(): void {
    for (const id of this.records.keys()) {
      if (this.records.size <= this.limit) break;
      this.records.delete(id);
    }
  }
}

async function readTail(path: string, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buffer, done, length - done, size - length + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return { text: buffer.subarray(0, done).toString('utf8'), truncated: size > maxBytes };
  } finally {
    await handle.close();
  }
}

function toRecord(h: HistoryEntry): HistoryRecord {
  const r: HistoryRecord = {
    v: FILE_VERSION,
    id: h.id,
    at: new Date(h.time ?? Date.now()).toISOString(),
    direction: h.direction,
    peer: { id: h.peerId, name: h.peerName },
    what: h.what,
    bytes: h.totalBytes,
    outcome: h.outcome,
  };
  if (h.reason !== undefined) r.reason = h.reason;
  if (h.folder !== undefined) r.folder = h.folder;
  if (h.savedTo !== undefined) r.savedTo = h.savedTo;
  if (h.text) r.text = true;
  if (h.fileCount !== undefined) r.files = h.fileCount;
  if (h.alreadyThere !== undefined) r.alreadyThere = h.alreadyThere;
  if (h.resumedBytes !== undefined) r.resumedBytes = h.resumedBytes;
  return r;
}

/**
 * Strings from the file are made inert like everything else shown: the file is ours, but
 * whatever a peer named once went into it.
 */
function fromRecord(r: HistoryRecord): HistoryEntry {
  const h: HistoryEntry = {
    id: r.id,
    time: Date.parse(r.at),
    direction: r.direction,
    peerId: safeForTerminal(r.peer.id),
    peerName: safeForTerminal(r.peer.name),
    what: safeForTerminal(r.what),
    totalBytes: r.bytes,
    outcome: r.outcome,
  };
  if (r.reason !== undefined) h.reason = safeForTerminal(r.reason);
  if (r.folder !== undefined) h.folder = safeForTerminal(r.folder);
  if (r.savedTo !== undefined) h.savedTo = safeForTerminal(r.savedTo);
  if (r.text === true) h.text = true;
  if (r.files !== undefined) h.fileCount = r.files;
  if (r.alreadyThere !== undefined) h.alreadyThere = r.alreadyThere;
  if (r.resumedBytes !== undefined) h.resumedBytes = r.resumedBytes;
  return h;
}

/** A record, or undefined for anything else (garbage, a partial line, a future version). */
export function parseRecord(line: string): HistoryRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  const peer = r.peer as Record<string, unknown> | null | undefined;
  const ok =
    r.v === FILE_VERSION &&
    typeof r.id === 'string' &&
    r.id.length > 0 &&
    typeof r.at === 'string' &&
    !Number.isNaN(Date.parse(r.at)) &&
    (r.direction === 'send' || r.direction === 'receive') &&
    typeof peer === 'object' &&
    peer !== null &&
    typeof peer.id === 'string' &&
    typeof peer.name === 'string' &&
    typeof r.what === 'string' &&
    isCount(r.bytes) &&
    OUTCOMES.includes(r.outcome as Outcome) &&
    optional(r.reason, 'string') &&
    optional(r.folder, 'string') &&
    optional(r.savedTo, 'string') &&
    optional(r.text, 'boolean') &&
    (r.files === undefined || isCount(r.files)) &&
    (r.alreadyThere === undefined || isCount(r.alreadyThere)) &&
    (r.resumedBytes === undefined || isCount(r.resumedBytes));
  return ok ? (r as unknown as HistoryRecord) : undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function optional(value: unknown, type: 'string' | 'boolean'): boolean {
  return value === undefined || typeof value === type;
}
