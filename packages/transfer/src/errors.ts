import { FileshareError, ProtocolError } from '@fileshare/protocol';
import { MAX_REMOTE_MESSAGE_LENGTH } from './constants.js';

export type TransferErrorCode =
  /** The receiver (a person or its policy) said no. */
  | 'ERR_TRANSFER_DECLINED'
  /**
   * The receiver has too many incoming transfers at once (from this peer, or in total, counting
   * offers awaiting a decision) or too many offers waiting for a person: try again later.
   */
  | 'ERR_TRANSFER_BUSY'
  /** Nobody decided on the offer in time; it was declined. */
  | 'ERR_TRANSFER_DECISION_TIMEOUT'
  /** Either side cancelled. */
  | 'ERR_TRANSFER_CANCELLED'
  /** The peer's connection went away (or was never there). Partial data is kept for resume. */
  | 'ERR_TRANSFER_PEER_GONE'
  /** Anything unexpected on our side. */
  | 'ERR_TRANSFER_FAILED'
  /** The peer reported an error whose code we do not know. */
  | 'ERR_TRANSFER_REMOTE_ERROR'
  /** A received file's SHA-256 differs from the sender's: the file was not kept. */
  | 'ERR_TRANSFER_INTEGRITY'
  /** The offer names a path that could write outside the receive folder, or is otherwise unusable. */
  | 'ERR_TRANSFER_UNSAFE_PATH'
  /** No space left (ENOSPC/EDQUOT) for the received data. */
  | 'ERR_TRANSFER_DISK_FULL'
  | 'ERR_TRANSFER_WRITE_FAILED'
  | 'ERR_TRANSFER_READ_FAILED'
  /** The peer broke the protocol: malformed, oversized or out-of-order messages, window overrun. */
  | 'ERR_TRANSFER_MESSAGE_INVALID'
  | 'ERR_TRANSFER_SOURCE_NOT_FOUND'
  /** A path to send is not a file or folder we can send (socket, device, name the receiver would refuse). */
  | 'ERR_TRANSFER_SOURCE_INVALID'
  /** A file changed size while it was being sent. */
  | 'ERR_TRANSFER_SOURCE_CHANGED'
  | 'ERR_TRANSFER_TEXT_TOO_LARGE'
  /** The service was closed. */
  | 'ERR_TRANSFER_CLOSED';

export class TransferError extends FileshareError {
  declare readonly code: TransferErrorCode;

  constructor(code: TransferErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'TransferError';
  }
}

/** Codes a peer may send in `decline`/`error` that keep their meaning on our side. */
const PASS_THROUGH: ReadonlySet<string> = new Set<TransferErrorCode>([
  'ERR_TRANSFER_DECLINED',
  'ERR_TRANSFER_BUSY',
  'ERR_TRANSFER_DECISION_TIMEOUT',
  'ERR_TRANSFER_CANCELLED',
  'ERR_TRANSFER_INTEGRITY',
  'ERR_TRANSFER_UNSAFE_PATH',
  'ERR_TRANSFER_DISK_FULL',
  'ERR_TRANSFER_WRITE_FAILED',
  'ERR_TRANSFER_READ_FAILED',
  'ERR_TRANSFER_SOURCE_CHANGED',
  'ERR_TRANSFER_TEXT_TOO_LARGE',
]);

/** Strips control and bidi characters from text a peer sent, so it can be shown and logged safely. */
export function sanitizeRemoteText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ').slice(0, MAX_REMOTE_MESSAGE_LENGTH);
}

/** The error we raise for a `decline`/`error` from the peer. */
export function remoteError(code: string, message: string, who: 'sender' | 'receiver'): TransferError {
  const text = sanitizeRemoteText(message);
  if (PASS_THROUGH.has(code)) return new TransferError(code as TransferErrorCode, text || `The ${who} reported ${code}.`);
  return new TransferError('ERR_TRANSFER_REMOTE_ERROR', `The ${who} reported ${sanitizeRemoteText(code)}: ${text}`);
}

function errnoOf(cause: unknown): string | undefined {
  return typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
}

/** Turns a file-system error while receiving into a typed error; a full disk gets its own code. */
export function writeError(cause: unknown, what: string): TransferError {
  if (cause instanceof TransferError) return cause;
  const errno = errnoOf(cause);
  if (errno === 'ENOSPC' || errno === 'EDQUOT') {
    return new TransferError('ERR_TRANSFER_DISK_FULL', `No space left on the disk while writing ${what}.`, { cause });
  }
  return new TransferError('ERR_TRANSFER_WRITE_FAILED', `Could not write ${what}: ${errno ?? String(cause)}.`, { cause });
}

export function readError(cause: unknown, what: string): TransferError {
  if (cause instanceof TransferError) return cause;
  const errno = errnoOf(cause);
  if (errno === 'ENOENT') return new TransferError('ERR_TRANSFER_SOURCE_NOT_FOUND', `${what} does not exist (any more).`, { cause });
  return new TransferError('ERR_TRANSFER_READ_FAILED', `Could not read ${what}: ${errno ?? String(cause)}.`, { cause });
}

export function asTransferError(cause: unknown): TransferError {
  if (cause instanceof TransferError) return cause;
  if (cause instanceof ProtocolError && cause.code === 'ERR_TRANSFER_MESSAGE_INVALID') {
    return new TransferError('ERR_TRANSFER_MESSAGE_INVALID', cause.message, { cause });
  }
  if (cause instanceof FileshareError) return new TransferError('ERR_TRANSFER_FAILED', cause.message, { cause });
  return new TransferError('ERR_TRANSFER_FAILED', `Transfer failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}
