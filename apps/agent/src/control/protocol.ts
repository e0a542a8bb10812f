import { z } from 'zod';
import { MAX_TRANSFER_TEXT_BYTES, type NodeEvent, type PeerInfo } from '@fileshare/core';
import type { SendResult } from '../send/send-to-peers.js';

/**
 * The control socket of a running `fileshare-agent run`: a unix socket in the state folder
 * through which `send` and `peers` on the same machine use the running node (and so its device
 * id) instead of starting a second one. Newline-delimited JSON, validated on both ends:
 *
 *   daemon -> client  {"type":"hello","v":1,"ready":{...the daemon's ready event...}}
 *   client -> daemon  {"type":"send","v":1,"to":[...],"paths":[...]|"text":"...","timeoutSeconds":30}
 *                     {"type":"peers","v":1,"waitSeconds":3}
 *                     {"type":"cancel"}                      (Ctrl-C on the client)
 *   daemon -> client  {"type":"event","event":{...}}  {"type":"send-result","result":{...}}
 *                     {"type":"peers","peers":[...]}  {"type":"done","exitCode":0}
 *                     {"type":"error","code":"ERR_...","message":"..."}
 *
 * One request per connection. Closing the connection cancels what it asked for.
 */
export const CONTROL_PROTOCOL_VERSION = 1 as const;
/** The socket's file name inside the state folder. */
export const CONTROL_SOCKET_FILE = 'agent.sock';
/**
 * Longest line the daemon reads: a request carries one text message (JSON-escaped, up to 6 bytes
 * a byte) or the paths of one send. Only its owner can connect; this bounds a runaway client.
 */
export const MAX_REQUEST_LINE_BYTES = 64 * 1024 * 1024;
/** Longest line a client reads: a `transfer-complete` event lists every file sent. */
export const MAX_REPLY_LINE_BYTES = 256 * 1024 * 1024;
export const MAX_TARGETS = 64;
/** As many as one offer may list (MAX_TRANSFER_FILES): each path is at least one entry. */
const MAX_PATHS = 100_000;
const MAX_PATH_LENGTH = 4096;

const deviceId = z.string().regex(/^[0-9a-f]{32}$/);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const sendRequestSchema = z
  .object({
    type: z.literal('send'),
    v: z.literal(CONTROL_PROTOCOL_VERSION),
    to: z.array(z.string().min(1).max(256)).min(1).max(MAX_TARGETS),
    // Absolute: the daemon runs elsewhere (another working directory); the client resolves them.
    paths: z.array(z.string().min(2).max(MAX_PATH_LENGTH).startsWith('/')).min(1).max(MAX_PATHS).optional(),
    text: z
      .string()
      .min(1)
      .refine((t) => Buffer.byteLength(t, 'utf8') <= MAX_TRANSFER_TEXT_BYTES, `text is at most ${MAX_TRANSFER_TEXT_BYTES} bytes`)
      .optional(),
    timeoutSeconds: z.number().positive().finite(),
  })
  .refine((r) => (r.paths === undefined) !== (r.text === undefined), 'a send carries either paths or text');

export const clientMessageSchema = z.discriminatedUnion('type', [
  sendRequestSchema,
  z.object({ type: z.literal('peers'), v: z.literal(CONTROL_PROTOCOL_VERSION), waitSeconds: z.number().min(0).max(3600) }),
  z.object({ type: z.literal('cancel') }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type ControlSendRequest = z.infer<typeof sendRequestSchema>;

// ---- what the daemon sends ---------------------------------------------------------------------

const peerStatus = z.enum(['discovered', 'initiated', 'initiating', 'connected', 'not-connected']);
const direction = z.enum(['send', 'receive']);

const readySchema = z.looseObject({
  event: z.literal('ready'),
  deviceId,
  name: z.string(),
  port: z.number().int(),
  addresses: z.array(z.string()),
  receiveDir: z.string(),
});

const peerInfoSchema = z.looseObject({
  id: deviceId,
  name: z.string(),
  address: z.string(),
  port: z.number().int(),
  state: peerStatus,
  manual: z.boolean(),
  verified: z.boolean(),
  trusted: z.boolean(),
  lookalikeOf: deviceId.optional(),
  verificationCode: z.string().optional(),
}) satisfies z.ZodType<PeerInfo>;

const transferBase = { transferId: z.string(), direction, peerId: deviceId };

/**
 * The node events a daemon forwards (a send's transfer events and the receiver's code). Loose:
 * fields added to an event later pass through unchanged.
 */
export const forwardedEventSchema = z.discriminatedUnion('event', [
  z.looseObject({ event: z.literal('peer-verified'), peerId: deviceId, name: z.string(), verificationCode: z.string(), trusted: z.boolean() }),
  z.looseObject({
    event: z.literal('transfer-offered'),
    ...transferBase,
    peerName: z.string(),
    files: z.array(z.looseObject({ path: z.string(), size: count, kind: z.enum(['file', 'directory']) })),
    totalBytes: count,
    awaitingDecision: z.boolean(),
    trusted: z.boolean(),
    lookalikeOf: deviceId.optional(),
  }),
  z.looseObject({ event: z.literal('transfer-started'), ...transferBase, totalBytes: count, resumeFromBytes: count, alreadyThereFiles: count }),
  z.looseObject({
    event: z.literal('transfer-progress'),
    ...transferBase,
    bytes: count,
    totalBytes: count,
    bytesPerSecond: z.number().min(0),
    etaSeconds: z.number().optional(),
    currentFile: z.string().optional(),
  }),
  z.looseObject({
    event: z.literal('transfer-complete'),
    ...transferBase,
    files: z.array(z.looseObject({ path: z.string(), size: count, sha256: z.string(), alreadyThere: z.boolean().optional() })),
    bytesTransferred: count,
    resumedBytes: count,
    savedTo: z.string().optional(),
  }),
  z.looseObject({ event: z.literal('transfer-failed'), ...transferBase, code: z.string(), message: z.string() }),
  z.looseObject({ event: z.literal('transfer-reconnecting'), ...transferBase, graceSeconds: count, message: z.string() }),
  z.looseObject({ event: z.literal('warning'), code: z.string(), message: z.string(), peerId: deviceId.optional() }),
]) satisfies z.ZodType<NodeEvent>;

const sendResultSchema = z.object({
  to: z.string(),
  peerId: deviceId.optional(),
  name: z.string().optional(),
  ok: z.boolean(),
  exitCode: z.number().int().min(0).max(255),
  code: z.string().optional(),
  message: z.string().optional(),
  transferId: z.string().optional(),
  kind: z.enum(['files', 'text']),
  files: count.optional(),
  bytes: count.optional(),
  alreadyThere: count.optional(),
  characters: count.optional(),
}) satisfies z.ZodType<SendResult>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), v: z.number().int(), ready: readySchema }),
  // The event itself is checked on its own (forwardedEventSchema): one of a kind this client
  // does not know is skipped, not fatal.
  z.object({ type: z.literal('event'), event: z.looseObject({ event: z.string() }) }),
  z.object({ type: z.literal('send-result'), result: sendResultSchema }),
  z.object({ type: z.literal('peers'), peers: z.array(peerInfoSchema) }),
  z.object({ type: z.literal('done'), exitCode: z.number().int().min(0).max(255) }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
/** What a daemon writes: the node's own types, which the (loose) schemas above accept. */
export type OutgoingServerMessage =
  | Exclude<ServerMessage, { type: 'peers' } | { type: 'event' }>
  | { type: 'peers'; peers: PeerInfo[] }
  | { type: 'event'; event: NodeEvent };
export type ReadyEvent = z.infer<typeof readySchema>;

/** One message as a line. */
export function encodeLine(message: ClientMessage | OutgoingServerMessage): string {
  return `${JSON.stringify(message)}\n`;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

function decodeWith<T>(schema: z.ZodType<T>, line: string): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid message' };
}

export const decodeClientMessage = (line: string): Decoded<ClientMessage> => decodeWith(clientMessageSchema, line);
export const decodeServerMessage = (line: string): Decoded<ServerMessage> => decodeWith(serverMessageSchema, line);
export const decodeForwardedEvent = (value: unknown): Decoded<NodeEvent> => {
  const parsed = forwardedEventSchema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: parsed.error.issues[0]?.message ?? 'invalid event' };
};

/** Splits a byte stream into lines, refusing one longer than `maxBytes` (a peer gone wrong must not fill memory). */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The complete lines in `chunk` (and before it); throws when a line is too long. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
      this.take(chunk.subarray(start, newline));
      lines.push(Buffer.concat(this.pending).toString('utf8'));
      this.pending = [];
      this.pendingBytes = 0;
      start = newline + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
    return lines;
  }

  private take(part: Buffer): void {
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.maxBytes) throw new Error(`a control message is longer than ${this.maxBytes} bytes`);
    this.pending.push(part);
  }
}
