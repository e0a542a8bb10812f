/**
 * Chunk maths, kept pure so it can be checked at offsets beyond 2^32 without 4 GiB files.
 * Offsets are JS numbers: exact up to 2^53, and the wire header carries them in 64 bits.
 */
import { MAX_TRANSFER_CHUNK_PAYLOAD_BYTES, MIN_TRANSFER_CHUNK_BYTES, TRANSFER_CHUNK_HEADER_BYTES } from '@fileshare/protocol';

/** RFC 8841: what a peer accepts when it says nothing (`DataChannelProvider.maxMessageSize` unknown). */
export const DEFAULT_PEER_MAX_MESSAGE_BYTES = 65_536;

/**
 * The chunk payload size a sender announces and uses: its configured size, cut so that a chunk
 * message (16-byte header + payload) fits the peer's `a=max-message-size` (docs/PROTOCOL.md,
 * "Data chunks"). Undefined when the peer's limit cannot hold the smallest chunk the protocol
 * allows ({@link MIN_TRANSFER_CHUNK_BYTES}).
 */
export function sendChunkBytes(configured: number, peerMaxMessageBytes: number = DEFAULT_PEER_MAX_MESSAGE_BYTES): number | undefined {
  const bytes = Math.min(configured, MAX_TRANSFER_CHUNK_PAYLOAD_BYTES, Math.floor(peerMaxMessageBytes) - TRANSFER_CHUNK_HEADER_BYTES);
  return bytes >= MIN_TRANSFER_CHUNK_BYTES ? bytes : undefined;
}

export interface ChunkRange {
  offset: number;
  length: number;
}

/** Number of chunks needed for bytes [start, size) of a file. */
export function chunkCount(size: number, start: number, chunkBytes: number): number {
  if (start >= size) return 0;
  return Math.ceil((size - start) / chunkBytes);
}

/** The k-th chunk of bytes [start, size). */
export function chunkAt(size: number, start: number, chunkBytes: number, k: number): ChunkRange {
  const offset = start + k * chunkBytes;
  return { offset, length: Math.min(chunkBytes, size - offset) };
}

/** All chunks of bytes [start, size), in order; every chunk but the last is `chunkBytes` long. */
export function* chunkRanges(size: number, start: number, chunkBytes: number): Generator<ChunkRange> {
  if (!(chunkBytes > 0)) throw new RangeError('chunkBytes must be positive');
  for (let offset = start; offset < size; offset += chunkBytes) {
    yield { offset, length: Math.min(chunkBytes, size - offset) };
  }
}

/**
 * Receive-side bookkeeping of one file's incoming chunks: they may arrive out of order when
 * several data channels are used, and must be written and hashed in order. Chunks are kept until
 * they are next in line; their total is bounded by the receive window.
 */
export class ReorderBuffer<T extends { byteLength: number }> {
  private readonly chunks = new Map<number, T>();
  private pendingBytes = 0;

  constructor(
    readonly size: number,
    private next: number,
  ) {}

  get nextOffset(): number {
    return this.next;
  }

  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Moves the start to `offset` (a file's chunks may arrive before its `file-start` says where it
   * starts). Returns a reason when buffered chunks contradict it.
   */
  rebase(offset: number): string | undefined {
    if (offset < this.next || offset > this.size) return `start ${offset} outside [${this.next}, ${this.size}]`;
    for (const at of this.chunks.keys()) if (at < offset) return `chunk at ${at} before the start ${offset}`;
    if (offset + this.pendingBytes > this.size) return 'overlapping chunks';
    this.next = offset;
    return undefined;
  }

  /** Adds a chunk; returns a reason when it cannot belong to this file (overlap, out of range). */
  add(offset: number, data: T): string | undefined {
    const end = offset + data.byteLength;
    if (data.byteLength === 0) return 'empty chunk';
    if (offset < this.next || end > this.size) return `chunk [${offset}, ${end}) outside the expected range [${this.next}, ${this.size})`;
    if (this.chunks.has(offset)) return `duplicate chunk at ${offset}`;
    // Chunks that tile [next, size) can never add up to more than what is missing; more means overlap.
    if (this.next + this.pendingBytes + data.byteLength > this.size) return `overlapping chunk at ${offset}`;
    this.chunks.set(offset, data);
    this.pendingBytes += data.byteLength;
    return undefined;
  }

  /** Takes up to `max` chunks that continue the file at the next offset, and advances past them. */
  takeContiguous(max: number): { offset: number; chunks: T[]; bytes: number } {
    const offset = this.next;
    const chunks: T[] = [];
    let bytes = 0;
    let at = offset;
    while (chunks.length < max) {
      const c = this.chunks.get(at);
      if (!c) break;
      this.chunks.delete(at);
      chunks.push(c);
      bytes += c.byteLength;
      at += c.byteLength;
    }
    this.next = at;
    this.pendingBytes -= bytes;
    return { offset, chunks, bytes };
  }

  /** True when every missing byte is buffered yet the next one is not: the sender sent a gap. */
  get isStuck(): boolean {
    return this.next + this.pendingBytes === this.size && this.pendingBytes > 0 && !this.chunks.has(this.next);
  }

  clear(): void {
    this.chunks.clear();
    this.pendingBytes = 0;
  }
}
