import { z } from 'zod';
import {
  MAX_SIGNAL_DATA_LENGTH,
  MAX_SIGNAL_FRAME_BYTES,
  SIGNAL_FRAME_HEADER_BYTES,
} from './constants.js';
import { DEVICE_ID_PATTERN } from './device-id.js';
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
  const body = Buffer.from(JSON.stringify({ kind: message.kind, peer_id: message.peer_id, data: message.data }), 'utf8');
  if (body.length > MAX_SIGNAL_FRAME_BYTES) {
    throw new ProtocolError(
      'ERR_SIGNAL_FRAME_TOO_LARGE',
      `Signaling message of ${body.length} bytes exceeds the ${MAX_SIGNAL_FRAME_BYTES}-byte limit.`,
    );
  }
  const frame = Buffer.allocUnsafe(SIGNAL_FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, SIGNAL_FRAME_HEADER_BYTES);
  return frame;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes one frame body (without its length header). Never throws. */
export function decodeSignalBody(body: Uint8Array): Result<SignalMessage> {
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
  return validateSignalMessage(json);
}

function tooLarge(length: number): ProtocolError {
  return new ProtocolError(
    'ERR_SIGNAL_FRAME_TOO_LARGE',
    `Signaling frame of ${length} bytes exceeds the ${MAX_SIGNAL_FRAME_BYTES}-byte limit.`,
  );
}

/**
 * Incremental decoder for the TCP byte stream. Feed it chunks as they arrive; it yields one
 * result per complete frame. A frame whose header announces more than the limit yields
 * `ERR_SIGNAL_FRAME_TOO_LARGE` at once, before any of its body is buffered, and the decoder
 * then refuses further input: the stream has lost its framing and the connection must close.
 * Other errors (bad JSON, bad schema) concern one frame only; the stream stays usable.
 */
export class SignalFrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private broken = false;

  push(chunk: Uint8Array): Result<SignalMessage>[] {
    if (this.broken) return [];
    this.pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.pendingBytes += chunk.byteLength;
    const results: Result<SignalMessage>[] = [];
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
      results.push(decodeSignalBody(frame.subarray(SIGNAL_FRAME_HEADER_BYTES)));
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
