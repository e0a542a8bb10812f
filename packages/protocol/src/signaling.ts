import { z } from 'zod';
import {
  MAX_SIGNAL_DATA_LENGTH,
  MAX_SIGNAL_FRAME_BYTES,
  MAX_SIGNAL_HELLO_NAME_LENGTH,
  SIGNAL_FRAME_HEADER_BYTES,
} from './constants.js';
import { DEVICE_ID_PATTERN } from './device-id.js';
import { sanitizeDeviceName } from './discovery.js';
import { ProtocolError, type Result, err, ok } from './errors.js';

export const SIGNAL_KINDS = ['offer', 'answer', 'ice'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/**
 * The signaling message, exactly as the protocol names it. `peer_id` is the *sender's* device
 * id. `data` is the SDP text for `offer`/`answer` and a JSON-encoded {@link IceCandidate} for
 * `ice`. Unknown envelope fields are ignored so later versions can add some.
 */
export const signalMessageSchema = z.object({
  kind: z.enum(SIGNAL_KINDS),
  peer_id: z.string().regex(DEVICE_ID_PATTERN, 'peer_id must be a device id'),
  data: z.string().min(1).max(MAX_SIGNAL_DATA_LENGTH),
});

export type SignalMessage = z.infer<typeof signalMessageSchema>;

/** ICE candidate carried in `data` of an `ice` message; the shape of WebRTC's RTCIceCandidateInit. */
export const iceCandidateSchema = z.object({
  candidate: z.string().max(4096),
  sdpMid: z.string().max(64),
});

export type IceCandidate = z.infer<typeof iceCandidateSchema>;

/**
 * The first frame each side sends on a new signaling connection, wrapped on the wire as
 * `{ "hello": { ... } }`. It names the device at the other end of the socket (so a peer dialled
 * by address alone, without mDNS, can be told apart and the tie-break can run) and binds the
 * connection to that one `peer_id`. `port` is the sender's listening signaling port (0: it
 * accepts no connections); `v` the hello version. Unknown fields are ignored.
 */
export const signalHelloSchema = z.object({
  peer_id: z.string().regex(DEVICE_ID_PATTERN, 'peer_id must be a device id'),
  name: z.string().max(MAX_SIGNAL_HELLO_NAME_LENGTH),
  port: z.number().int().min(0).max(65535),
  v: z.number().int().min(1).max(999_999),
});

export type SignalHello = z.infer<typeof signalHelloSchema>;

const signalHelloEnvelopeSchema = z.object({ hello: signalHelloSchema });

/** One decoded signaling frame: a connection hello or a signaling message. */
export type SignalFrame = { type: 'hello'; hello: SignalHello } | { type: 'message'; message: SignalMessage };

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ');
}

export function validateSignalMessage(value: unknown): Result<SignalMessage> {
  const parsed = signalMessageSchema.safeParse(value);
  if (!parsed.success) {
    return err(
      new ProtocolError('ERR_SIGNAL_MESSAGE_INVALID', `Invalid signaling message: ${describeIssues(parsed.error)}`),
    );
  }
  return ok(parsed.data);
}

/** The name is sanitized as for TXT records: it is shown to users and must not carry control characters. */
export function validateSignalHello(value: unknown): Result<SignalHello> {
  const parsed = signalHelloSchema.safeParse(value);
  if (!parsed.success) {
    return err(new ProtocolError('ERR_SIGNAL_HELLO_INVALID', `Invalid signaling hello: ${describeIssues(parsed.error)}`));
  }
  return ok({ ...parsed.data, name: sanitizeDeviceName(parsed.data.name) });
}

/**
 * Classifies a parsed frame body: an object with an own `hello` key is a hello (and must be a
 * valid one), anything else must be a signaling message.
 */
export function validateSignalFrame(value: unknown): Result<SignalFrame> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, 'hello')) {
    const envelope = signalHelloEnvelopeSchema.safeParse(value);
    if (!envelope.success) {
      return err(new ProtocolError('ERR_SIGNAL_HELLO_INVALID', `Invalid signaling hello: ${describeIssues(envelope.error)}`));
    }
    const hello = validateSignalHello(envelope.data.hello);
    return hello.ok ? ok({ type: 'hello', hello: hello.value }) : hello;
  }
  const message = validateSignalMessage(value);
  return message.ok ? ok({ type: 'message', message: message.value }) : message;
}

export function encodeIceCandidate(candidate: IceCandidate): string {
  return JSON.stringify({ candidate: candidate.candidate, sdpMid: candidate.sdpMid });
}

export function decodeIceCandidate(data: string): Result<IceCandidate> {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return err(new ProtocolError('ERR_SIGNAL_PAYLOAD_INVALID', 'ICE data is not JSON.'));
  }
  const parsed = iceCandidateSchema.safeParse(json);
  return parsed.success
    ? ok(parsed.data)
    : err(new ProtocolError('ERR_SIGNAL_PAYLOAD_INVALID', `Invalid ICE data: ${describeIssues(parsed.error)}`));
}

/** Encodes one message as a frame: u32 big-endian body length, then the UTF-8 JSON body. */
export function encodeSignalFrame(message: SignalMessage): Buffer {
  return frameBody(JSON.stringify({ kind: message.kind, peer_id: message.peer_id, data: message.data }), 'message');
}

/** Encodes a connection hello as a frame; the name is sanitized (as {@link validateSignalHello} would). */
export function encodeSignalHelloFrame(hello: SignalHello): Buffer {
  return frameBody(
    JSON.stringify({ hello: { peer_id: hello.peer_id, name: sanitizeDeviceName(hello.name), port: hello.port, v: hello.v } }),
    'hello',
  );
}

function frameBody(json: string, what: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  if (body.length > MAX_SIGNAL_FRAME_BYTES) {
    throw new ProtocolError(
      'ERR_SIGNAL_FRAME_TOO_LARGE',
      `Signaling ${what} of ${body.length} bytes exceeds the ${MAX_SIGNAL_FRAME_BYTES}-byte limit.`,
    );
  }
  const frame = Buffer.allocUnsafe(SIGNAL_FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, SIGNAL_FRAME_HEADER_BYTES);
  return frame;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes one frame body (without its length header) that must be a message, not a hello. Never throws. */
export function decodeSignalBody(body: Uint8Array): Result<SignalMessage> {
  const json = parseFrameBody(body);
  return json.ok ? validateSignalMessage(json.value) : json;
}

/** Decodes one frame body (without its length header): a hello or a message. Never throws. */
export function decodeSignalFrameBody(body: Uint8Array): Result<SignalFrame> {
  const json = parseFrameBody(body);
  return json.ok ? validateSignalFrame(json.value) : json;
}

function parseFrameBody(body: Uint8Array): Result<unknown> {
  if (body.length === 0) {
    return err(new ProtocolError('ERR_SIGNAL_FRAME_EMPTY', 'Empty signaling frame.'));
  }
  if (body.length > MAX_SIGNAL_FRAME_BYTES) {
    return err(tooLarge(body.length));
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return err(new ProtocolError('ERR_SIGNAL_FRAME_NOT_UTF8', 'Signaling frame is not valid UTF-8.'));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return err(new ProtocolError('ERR_SIGNAL_FRAME_NOT_JSON', 'Signaling frame is not JSON.'));
  }
  return ok(json);
}

function tooLarge(length: number): ProtocolError {
  return new ProtocolError(
    'ERR_SIGNAL_FRAME_TOO_LARGE',
    `Signaling frame of ${length} bytes exceeds the ${MAX_SIGNAL_FRAME_BYTES}-byte limit.`,
  );
}

/**
 * Incremental decoder for the TCP byte stream. Feed it chunks as they arrive; it yields one
 * result per complete frame, a hello or a message (which one may come when is the connection's
 * business, not the decoder's). A frame whose header announces more than the limit yields
 * `ERR_SIGNAL_FRAME_TOO_LARGE` at once, before any of its body is buffered, and the decoder
 * then refuses further input: the stream has lost its framing and the connection must close.
 * Other errors (bad JSON, bad schema) concern one frame only; the stream stays usable.
 */
export class SignalFrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private broken = false;

  push(chunk: Uint8Array): Result<SignalFrame>[] {
    if (this.broken) return [];
    this.pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.pendingBytes += chunk.byteLength;
    const results: Result<SignalFrame>[] = [];
    for (;;) {
      if (this.pendingBytes < SIGNAL_FRAME_HEADER_BYTES) break;
      const head = this.peek(SIGNAL_FRAME_HEADER_BYTES);
      const length = head.readUInt32BE(0);
      if (length > MAX_SIGNAL_FRAME_BYTES) {
        this.broken = true;
        this.pending = [];
        this.pendingBytes = 0;
        results.push(err(tooLarge(length)));
        break;
      }
      if (this.pendingBytes < SIGNAL_FRAME_HEADER_BYTES + length) break;
      const frame = this.take(SIGNAL_FRAME_HEADER_BYTES + length);
      results.push(decodeSignalFrameBody(frame.subarray(SIGNAL_FRAME_HEADER_BYTES)));
    }
    return results;
  }

  /** Bytes received but not yet part of a complete frame (a partial frame at stream end). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** True after an oversized header: the connection must be closed. */
  get isBroken(): boolean {
    return this.broken;
  }

  private peek(n: number): Buffer {
    const first = this.pending[0];
    if (first && first.length >= n) return first.subarray(0, n);
    // Merge once so a stream of tiny chunks does not re-copy the whole buffer on every push.
    const merged = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [merged];
    return merged.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const out = Buffer.from(all.subarray(0, n));
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return out;
  }
}
