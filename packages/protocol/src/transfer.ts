import { z } from 'zod';
import { ProtocolError, type Result, err, ok } from './errors.js';

/**
 * Transfer wire format (docs/PROTOCOL.md, "File transfer"). A transfer uses one control channel
 * labelled `fileshare-transfer/<transferId>/ctl` carrying the JSON messages below as text
 * messages, and `channels` data channels `fileshare-transfer/<transferId>/data/<n>` carrying
 * binary chunks: a 16-byte header (type, reserved, u32 file index, u64 offset, big-endian) and
 * the payload. Decoders here never throw; semantic checks (path safety, flow control) are the
 * transfer layer's.
 */

/** Version carried in `offer.v`. */
export const TRANSFER_PROTOCOL_VERSION = 1;
/** Every transfer channel label starts with this. */
export const TRANSFER_LABEL_PREFIX = 'fileshare-transfer/';
/** Largest control message, in UTF-8 bytes. Long lists (files, resume entries, text) are paged. */
export const MAX_TRANSFER_MESSAGE_BYTES = 64 * 1024;
/** Binary chunk header: u8 type, u8 flags, u16 reserved, u32 file index, u64 offset. */
export const TRANSFER_CHUNK_HEADER_BYTES = 16;
/** First byte of a data chunk. Other values are reserved. */
export const TRANSFER_CHUNK_TYPE_DATA = 0x01;
/** Largest binary message (header + payload): libdatachannel's default SCTP message size limit. */
export const MAX_TRANSFER_CHUNK_MESSAGE_BYTES = 256 * 1024;
export const MAX_TRANSFER_CHUNK_PAYLOAD_BYTES = MAX_TRANSFER_CHUNK_MESSAGE_BYTES - TRANSFER_CHUNK_HEADER_BYTES;
/** Entries (files and directories) in one offer. */
export const MAX_TRANSFER_FILES = 100_000;
/** A relative path, in UTF-8 bytes, and one segment of it. */
export const MAX_TRANSFER_PATH_BYTES = 4096;
export const MAX_TRANSFER_SEGMENT_BYTES = 255;
/** A text transfer, in UTF-8 bytes. */
export const MAX_TRANSFER_TEXT_BYTES = 1024 * 1024;
/** Smallest `chunkBytes` a sender may announce and smallest window a receiver may grant (bounds chunk counts). */
export const MIN_TRANSFER_CHUNK_BYTES = 1024;
export const MIN_TRANSFER_WINDOW_BYTES = 64 * 1024;
/** Data channels of one transfer. */
export const MAX_TRANSFER_CHANNELS = 16;
/** Largest `mode` of an entry: the permission bits only (rwx for user, group and other). */
export const MAX_TRANSFER_FILE_MODE = 0o777;
/** `offer.senderName`, in characters, before it is sanitized like a device name. */
export const MAX_TRANSFER_SENDER_NAME_LENGTH = 256;
/** `message` fields of decline/cancel/error, in characters. */
export const MAX_TRANSFER_ERROR_MESSAGE_LENGTH = 1000;

export const TRANSFER_ID_PATTERN = /^[0-9a-f]{32}$/;
export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;
export const TRANSFER_ERROR_CODE_PATTERN = /^ERR_[A-Z0-9_]{1,60}$/;

const U32_MAX = 0xffff_ffff;
const transferId = z.string().regex(TRANSFER_ID_PATTERN, 'transferId must be 32 lowercase hex characters');
const sha256 = z.string().regex(SHA256_HEX_PATTERN, 'sha256 must be 64 lowercase hex characters');
/** Byte counts and offsets: JSON numbers are exact up to 2^53, far above any file size. */
const byteCount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Index into the offer's entry list; u32 on the binary side, `U32_MAX` itself is never valid. */
const entryIndex = z.number().int().min(0).max(U32_MAX - 1);
const errorCode = z.string().regex(TRANSFER_ERROR_CODE_PATTERN, 'code must look like ERR_SOMETHING');
const errorMessage = z.string().max(MAX_TRANSFER_ERROR_MESSAGE_LENGTH);
/** Path strings are only bounded here; whether they are safe is decided by the receiver. */
const pathString = z.string().min(1).max(MAX_TRANSFER_MESSAGE_BYTES);

export const transferEntrySchema = z.object({
  path: pathString,
  kind: z.enum(['file', 'directory']),
  size: byteCount,
  /** Sender's modification time (ms since the epoch, floored); part of the resume key. */
  mtimeMs: z.number().int().optional(),
  /**
   * Files: the sender's permission bits (0 ... 0o777: read, write, execute for user, group,
   * other; never setuid, setgid or sticky). Optional, and a value that is not such an integer is
   * read as absent rather than refused: the receiver then falls back to its default mode.
   */
  mode: z.number().int().min(0).max(MAX_TRANSFER_FILE_MODE).optional().catch(undefined),
});
export type TransferEntry = z.infer<typeof transferEntrySchema>;

export const resumeEntrySchema = z.object({ index: entryIndex, offset: byteCount, sha256 });
export type ResumeEntry = z.infer<typeof resumeEntrySchema>;

export const transferMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('offer'),
    v: z.number().int().min(1).max(999_999),
    transferId,
    senderName: z.string().max(MAX_TRANSFER_SENDER_NAME_LENGTH),
    kind: z.enum(['files', 'text']),
    fileCount: z.number().int().min(0).max(U32_MAX - 1),
    totalBytes: byteCount,
    channels: z.number().int().min(1).max(MAX_TRANSFER_CHANNELS),
    chunkBytes: z.number().int().min(MIN_TRANSFER_CHUNK_BYTES).max(MAX_TRANSFER_CHUNK_PAYLOAD_BYTES),
    textBytes: byteCount.optional(),
  }),
  z.object({ type: z.literal('files'), first: entryIndex, entries: z.array(transferEntrySchema).min(1) }),
  z.object({ type: z.literal('text'), data: z.string().min(1).max(MAX_TRANSFER_MESSAGE_BYTES) }),
  z.object({
    type: z.literal('accept'),
    windowBytes: z.number().int().min(MIN_TRANSFER_WINDOW_BYTES).max(Number.MAX_SAFE_INTEGER),
    windowFiles: z.number().int().min(1).max(U32_MAX),
    resumeCount: z.number().int().min(0).max(U32_MAX - 1),
  }),
  z.object({ type: z.literal('resume'), entries: z.array(resumeEntrySchema).min(1) }),
  z.object({ type: z.literal('decline'), code: errorCode, message: errorMessage }),
  z.object({ type: z.literal('file-start'), index: entryIndex, offset: byteCount }),
  z.object({ type: z.literal('file-end'), index: entryIndex, sha256 }),
  z.object({ type: z.literal('ack'), bytes: byteCount }),
  z.object({ type: z.literal('file-done'), index: entryIndex, path: pathString }),
  z.object({ type: z.literal('complete') }),
  z.object({ type: z.literal('cancel'), message: errorMessage.optional() }),
  z.object({ type: z.literal('error'), code: errorCode, message: errorMessage, index: entryIndex.optional() }),
]);

export type TransferMessage = z.infer<typeof transferMessageSchema>;
export type TransferMessageType = TransferMessage['type'];
export type TransferMessageOf<T extends TransferMessageType> = Extract<TransferMessage, { type: T }>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function invalid(message: string): ProtocolError {
  return new ProtocolError('ERR_TRANSFER_MESSAGE_INVALID', message);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`)
    .join('; ');
}

/** Checks a parsed JSON value against the schema. Unknown fields are dropped. Never throws. */
export function validateTransferMessage(value: unknown): Result<TransferMessage> {
  const parsed = transferMessageSchema.safeParse(value);
  return parsed.success ? ok(parsed.data) : err(invalid(`Invalid transfer message: ${describeIssues(parsed.error)}`));
}

/**
 * Decodes one control-channel message as received (a text message; binary is refused). The size
 * limit is checked before parsing. Never throws.
 */
export function decodeTransferMessage(data: string | Uint8Array): Result<TransferMessage> {
  let text: string;
  if (typeof data === 'string') {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes: skip the exact count for short strings.
    if (data.length * 3 > MAX_TRANSFER_MESSAGE_BYTES && Buffer.byteLength(data, 'utf8') > MAX_TRANSFER_MESSAGE_BYTES) {
      return err(invalid(`Transfer message exceeds the ${MAX_TRANSFER_MESSAGE_BYTES}-byte limit.`));
    }
    text = data;
  } else {
    return err(invalid(`Binary message of ${data.byteLength} bytes on a transfer control channel.`));
  }
  if (text.length === 0) return err(invalid('Empty transfer message.'));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return err(invalid('Transfer message is not JSON.'));
  }
  return validateTransferMessage(json);
}

/** Decodes a control message that arrived as UTF-8 bytes (e.g. from a log). Never throws. */
export function decodeTransferMessageBytes(data: Uint8Array): Result<TransferMessage> {
  if (data.byteLength > MAX_TRANSFER_MESSAGE_BYTES) {
    return err(invalid(`Transfer message exceeds the ${MAX_TRANSFER_MESSAGE_BYTES}-byte limit.`));
  }
  try {
    return decodeTransferMessage(utf8.decode(data));
  } catch {
    return err(invalid('Transfer message is not valid UTF-8.'));
  }
}

/**
 * Serializes a message with exactly the schema's fields (so decode(encode(m)) equals m). Throws
 * a ProtocolError when the result exceeds the size limit: callers page long lists to avoid it.
 */
export function encodeTransferMessage(message: TransferMessage): string {
  const text = JSON.stringify(canonical(message));
  if (text.length * 3 > MAX_TRANSFER_MESSAGE_BYTES && Buffer.byteLength(text, 'utf8') > MAX_TRANSFER_MESSAGE_BYTES) {
    throw invalid(`Transfer message "${message.type}" exceeds the ${MAX_TRANSFER_MESSAGE_BYTES}-byte limit.`);
  }
  return text;
}

/** Size in UTF-8 bytes of what {@link encodeTransferMessage} would produce, without the limit check. */
export function transferMessageByteLength(message: TransferMessage): number {
  return Buffer.byteLength(JSON.stringify(canonical(message)), 'utf8');
}

function canonical(m: TransferMessage): Record<string, unknown> {
  switch (m.type) {
    case 'offer':
      return {
        type: m.type,
        v: m.v,
        transferId: m.transferId,
        senderName: m.senderName,
        kind: m.kind,
        fileCount: m.fileCount,
        totalBytes: m.totalBytes,
        channels: m.channels,
        chunkBytes: m.chunkBytes,
        ...(m.textBytes !== undefined ? { textBytes: m.textBytes } : {}),
      };
    case 'files':
      return {
        type: m.type,
        first: m.first,
        entries: m.entries.map((e) => ({
          path: e.path,
          kind: e.kind,
          size: e.size,
          ...(e.mtimeMs !== undefined ? { mtimeMs: e.mtimeMs } : {}),
          ...(e.mode !== undefined ? { mode: e.mode } : {}),
        })),
      };
    case 'text':
      return { type: m.type, data: m.data };
    case 'accept':
      return { type: m.type, windowBytes: m.windowBytes, windowFiles: m.windowFiles, resumeCount: m.resumeCount };
    case 'resume':
      return { type: m.type, entries: m.entries.map((e) => ({ index: e.index, offset: e.offset, sha256: e.sha256 })) };
    case 'decline':
      return { type: m.type, code: m.code, message: m.message };
    case 'file-start':
      return { type: m.type, index: m.index, offset: m.offset };
    case 'file-end':
      return { type: m.type, index: m.index, sha256: m.sha256 };
    case 'ack':
      return { type: m.type, bytes: m.bytes };
    case 'file-done':
      return { type: m.type, index: m.index, path: m.path };
    case 'complete':
      return { type: m.type };
    case 'cancel':
      return { type: m.type, ...(m.message !== undefined ? { message: m.message } : {}) };
    case 'error':
      return { type: m.type, code: m.code, message: m.message, ...(m.index !== undefined ? { index: m.index } : {}) };
  }
}

// ---- binary data chunks ------------------------------------------------------------------------

export interface TransferChunk {
  fileIndex: number;
  /** Byte offset of the payload's first byte within the file. */
  offset: number;
  payload: Uint8Array;
}

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Writes the 16-byte header at the start of `target` (which then carries the payload from byte
 * 16). The offset is split into two u32 halves so no BigInt is needed on the hot path.
 */
export function writeChunkHeader(target: Uint8Array, fileIndex: number, offset: number): void {
  if (target.byteLength < TRANSFER_CHUNK_HEADER_BYTES) throw new RangeError('chunk buffer shorter than its header');
  if (!Number.isInteger(fileIndex) || fileIndex < 0 || fileIndex >= U32_MAX) throw new RangeError(`bad file index ${fileIndex}`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`bad offset ${offset}`);
  const view = new DataView(target.buffer, target.byteOffset, TRANSFER_CHUNK_HEADER_BYTES);
  view.setUint8(0, TRANSFER_CHUNK_TYPE_DATA);
  view.setUint8(1, 0);
  view.setUint16(2, 0);
  view.setUint32(4, fileIndex);
  view.setUint32(8, Math.floor(offset / TWO_POW_32));
  view.setUint32(12, offset % TWO_POW_32);
}

/** Header + payload as one new buffer (tests and raw senders; the sender reads straight into place). */
export function encodeChunk(chunk: TransferChunk): Uint8Array {
  const out = new Uint8Array(TRANSFER_CHUNK_HEADER_BYTES + chunk.payload.byteLength);
  writeChunkHeader(out, chunk.fileIndex, chunk.offset);
  out.set(chunk.payload, TRANSFER_CHUNK_HEADER_BYTES);
  return out;
}

/** Parses a binary data-channel message. The payload is a view, not a copy. Never throws. */
export function decodeChunk(data: Uint8Array | string): Result<TransferChunk> {
  if (typeof data === 'string') return err(invalid('Text message on a transfer data channel.'));
  if (data.byteLength <= TRANSFER_CHUNK_HEADER_BYTES) {
    return err(invalid(`Data chunk of ${data.byteLength} bytes has no payload.`));
  }
  if (data.byteLength > MAX_TRANSFER_CHUNK_MESSAGE_BYTES) {
    return err(invalid(`Data chunk of ${data.byteLength} bytes exceeds the ${MAX_TRANSFER_CHUNK_MESSAGE_BYTES}-byte limit.`));
  }
  const view = new DataView(data.buffer, data.byteOffset, TRANSFER_CHUNK_HEADER_BYTES);
  if (view.getUint8(0) !== TRANSFER_CHUNK_TYPE_DATA) return err(invalid(`Unknown chunk type ${view.getUint8(0)}.`));
  if (view.getUint8(1) !== 0 || view.getUint16(2) !== 0) return err(invalid('Reserved chunk header bits are set.'));
  const fileIndex = view.getUint32(4);
  if (fileIndex === U32_MAX) return err(invalid('Chunk file index out of range.'));
  const high = view.getUint32(8);
  // 2^53 - 1 is the largest exact offset: the high half may use at most 21 bits.
  if (high >= 0x20_0000) return err(invalid('Chunk offset beyond 2^53.'));
  const offset = high * TWO_POW_32 + view.getUint32(12);
  const payload = data.subarray(TRANSFER_CHUNK_HEADER_BYTES);
  if (offset + payload.byteLength > Number.MAX_SAFE_INTEGER) return err(invalid('Chunk end beyond 2^53.'));
  return ok({ fileIndex, offset, payload });
}

// ---- channel labels ----------------------------------------------------------------------------

export type TransferChannelLabel =
  | { transferId: string; kind: 'ctl' }
  | { transferId: string; kind: 'data'; index: number };

export function transferControlLabel(id: string): string {
  return `${TRANSFER_LABEL_PREFIX}${id}/ctl`;
}

export function transferDataLabel(id: string, index: number): string {
  return `${TRANSFER_LABEL_PREFIX}${id}/data/${index}`;
}

const LABEL_PATTERN = /^fileshare-transfer\/([0-9a-f]{32})\/(?:(ctl)|data\/(0|[1-9][0-9]?))$/;

/**
 * Parses a transfer channel label; `undefined` for labels that are not transfer channels at all
 * (other features' channels) and for malformed ones.
 */
export function parseTransferLabel(label: string): TransferChannelLabel | undefined {
  const m = LABEL_PATTERN.exec(label);
  if (!m) return undefined;
  const id = m[1]!;
  if (m[2] === 'ctl') return { transferId: id, kind: 'ctl' };
  const index = Number(m[3]);
  return index < MAX_TRANSFER_CHANNELS ? { transferId: id, kind: 'data', index } : undefined;
}
