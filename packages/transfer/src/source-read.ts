import { type Hash, createHash } from 'node:crypto';
import { readFile } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { TRANSFER_CHUNK_HEADER_BYTES, writeChunkHeader } from '@fileshare/protocol';
import { LOOK_AHEAD_BYTES, LOOK_AHEAD_FILES, PREFIX_HASH_READ_BYTES, READ_AHEAD_CHUNKS } from './constants.js';
import { TransferError, readError } from './errors.js';
import type { SourceEntry } from './scan.js';

/** Files up to this size may be read whole ahead of the send loop. */
export const LOOK_AHEAD_FILE_BYTES = 256 * 1024;

/** Sequential reads ahead of the send loop; each read lands right behind a chunk header, so nothing is copied. */
export class ChunkReader {
  private readonly queue: Promise<{ ok: true; message: Buffer } | { ok: false; error: unknown }>[] = [];
  private nextOffset: number;

  constructor(
    private readonly fh: FileHandle,
    private readonly fileIndex: number,
    start: number,
    private readonly size: number,
    private readonly chunkBytes: number,
    private readonly source: string,
  ) {
    this.nextOffset = start;
  }

  async next(): Promise<Buffer | undefined> {
    this.fill();
    const pending = this.queue.shift();
    if (!pending) return undefined;
    const r = await pending;
    this.fill();
    if (!r.ok) throw r.error;
    return r.message;
  }

  /** Waits for reads in flight, so the file handle can be closed. */
  async drain(): Promise<void> {
    await Promise.all(this.queue.splice(0));
  }

  private fill(): void {
    while (this.queue.length < READ_AHEAD_CHUNKS && this.nextOffset < this.size) {
      const length = Math.min(this.chunkBytes, this.size - this.nextOffset);
      this.queue.push(this.read(this.nextOffset, length).then((message) => ({ ok: true as const, message }), (error: unknown) => ({ ok: false as const, error })));
      this.nextOffset += length;
    }
  }

  private async read(offset: number, length: number): Promise<Buffer> {
    const message = Buffer.allocUnsafe(TRANSFER_CHUNK_HEADER_BYTES + length);
    writeChunkHeader(message, this.fileIndex, offset);
    let got = 0;
    while (got < length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.fh.read(message, TRANSFER_CHUNK_HEADER_BYTES + got, length - got, offset + got));
      } catch (cause) {
        throw readError(cause, this.source);
      }
      if (bytesRead === 0) {
        throw new TransferError('ERR_TRANSFER_SOURCE_CHANGED', `${this.source} got shorter while it was being sent.`);
      }
      got += bytesRead;
    }
    return message;
  }
}

/** Reads bytes [0, length) of a file into a hash (resume: proving we hold the same prefix). */
export async function hashPrefix(fh: FileHandle, length: number, hash: Hash, source: string, signal: AbortSignal): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(length, PREFIX_HASH_READ_BYTES) || 1);
  let at = 0;
  while (at < length) {
    if (signal.aborted) throw signal.reason;
    let bytesRead: number;
    try {
      ({ bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - at), at));
    } catch (cause) {
      throw readError(cause, source);
    }
    if (bytesRead === 0) throw new TransferError('ERR_TRANSFER_SOURCE_CHANGED', `${source} got shorter while it was being sent.`);
    hash.update(buf.subarray(0, bytesRead));
    at += bytesRead;
  }
}

/** A file read whole ahead of sending: its chunk messages and hash, or why it could not be read. */
export type WholeFile = { ok: true; messages: Buffer[]; sha256: string } | { ok: false; error: unknown };

/**
 * Reads one small file whole (fs.readFile: open, fstat, read and close in one call, without a
 * FileHandle per file), checks its size, hashes it and cuts it into chunk messages.
 */
export async function readWhole(index: number, entry: SourceEntry, chunkBytes: number): Promise<WholeFile> {
  let data: Buffer;
  try {
    data = await readFileAsync(entry.source);
  } catch (cause) {
    return { ok: false, error: readError(cause, entry.source) };
  }
  if (data.length !== entry.size) {
    return { ok: false, error: new TransferError('ERR_TRANSFER_SOURCE_CHANGED', `${entry.source} changed size while it was being sent.`) };
  }
  const messages: Buffer[] = [];
  for (let at = 0; at < data.length; at += chunkBytes) {
    const payload = data.subarray(at, Math.min(at + chunkBytes, data.length));
    const message = Buffer.allocUnsafe(TRANSFER_CHUNK_HEADER_BYTES + payload.length);
    writeChunkHeader(message, index, at);
    payload.copy(message, TRANSFER_CHUNK_HEADER_BYTES);
    messages.push(message);
  }
  return { ok: true, messages, sha256: createHash('sha256').update(data).digest('hex') };
}

function readFileAsync(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => readFile(path, (error, data) => (error ? reject(error) : resolve(data))));
}

/**
 * Reads small files ahead of the send loop: up to {@link LOOK_AHEAD_FILES} files and
 * {@link LOOK_AHEAD_BYTES} bytes are opened, read and hashed in parallel while earlier files are
 * sent. A read is started only for entries `eligible` says (small, no resume to check); the
 * others are streamed by the send loop as before. Every file it opens it also closes.
 */
export class LookAhead {
  private readonly reads = new Map<number, { bytes: number; result: Promise<WholeFile> }>();
  private cursor = 0;
  private bytes = 0;

  constructor(
    private readonly entries: readonly SourceEntry[],
    private readonly chunkBytes: number,
    private readonly eligible: (index: number, entry: SourceEntry) => boolean,
  ) {}

  /** Starts reads for the entries from `from` on, within the limits. */
  fill(from: number): void {
    this.cursor = Math.max(this.cursor, from);
    while (this.cursor < this.entries.length && this.reads.size < LOOK_AHEAD_FILES) {
      const entry = this.entries[this.cursor]!;
      if (entry.kind === 'file' && this.eligible(this.cursor, entry)) {
        if (this.reads.size > 0 && this.bytes + entry.size > LOOK_AHEAD_BYTES) return;
        this.reads.set(this.cursor, { bytes: entry.size, result: readWhole(this.cursor, entry, this.chunkBytes) });
        this.bytes += entry.size;
      } else if (entry.kind === 'file') {
        // A file streamed by the send loop: look no further until it is reached.
        if (this.cursor > from) return;
      }
      this.cursor++;
    }
  }

  /** The read of entry `index`, when it was read ahead. */
  take(index: number): Promise<WholeFile> | undefined {
    const read = this.reads.get(index);
    if (!read) return undefined;
    this.reads.delete(index);
    this.bytes -= read.bytes;
    return read.result;
  }

  /** Waits for reads still in flight (their files are then closed). */
  async drain(): Promise<void> {
    const pending = [...this.reads.values()].map((r) => r.result);
    this.reads.clear();
    this.bytes = 0;
    await Promise.all(pending);
  }
}
