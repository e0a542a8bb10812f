import { FileshareError, type ProtocolError, type ProtocolErrorCode } from '@fileshare/protocol';

export type SignalingErrorCode =
  /** TCP connect refused, unreachable, reset, or the name did not resolve. */
  | 'ERR_SIGNAL_CONNECT_FAILED'
  /** No TCP connection within CONNECT_TIMEOUT_MS. */
  | 'ERR_SIGNAL_CONNECT_TIMEOUT'
  /** The other side sent no valid hello within the hello timeout. */
  | 'ERR_SIGNAL_HELLO_TIMEOUT'
  /** The first frame on a connection was a message, not a hello. */
  | 'ERR_SIGNAL_HELLO_EXPECTED'
  /** A second hello on a connection that already has one. */
  | 'ERR_SIGNAL_HELLO_UNEXPECTED'
  /** The device at the dialled address is not the peer we meant to reach. */
  | 'ERR_SIGNAL_PEER_MISMATCH'
  /** The dialled address is this very device. */
  | 'ERR_SIGNAL_SELF_CONNECT'
  /** The connection closed before the frame was handed to the operating system. */
  | 'ERR_SIGNAL_CONNECTION_LOST'
  /** The peer stopped reading: its connection did not drain in time. */
  | 'ERR_SIGNAL_SEND_TIMEOUT'
  /** No open connection with the peer and no address to dial. */
  | 'ERR_SIGNAL_NO_ADDRESS'
  /** send() with `dial: false` and no open connection with the peer. */
  | 'ERR_SIGNAL_NO_CONNECTION'
  /** The target or the message given to send() is not valid. */
  | 'ERR_SIGNAL_SEND_INVALID'
  /** An inbound connection beyond maxConnections with nothing to evict (refused, logged only). */
  | 'ERR_SIGNAL_TOO_MANY_CONNECTIONS'
  /** An inbound connection beyond MAX_INBOUND_PER_ADDRESS from its IP (refused, logged only). */
  | 'ERR_SIGNAL_TOO_MANY_FROM_ADDRESS'
  /** An inbound connection while MAX_PENDING_HELLOS_PER_ADDRESS from its IP await their hello (refused, logged only). */
  | 'ERR_SIGNAL_TOO_MANY_PENDING_HELLOS'
  /** An inbound connection beyond its IP's connection rate (refused, logged only). */
  | 'ERR_SIGNAL_RATE_LIMITED'
  /** An inbound connection closed to make room for a newcomer while every slot was taken. */
  | 'ERR_SIGNAL_EVICTED'
  | 'ERR_SIGNAL_LISTEN_FAILED'
  /** The Signaling instance is closed. */
  | 'ERR_SIGNAL_CLOSED'
  | 'ERR_SIGNAL_ABORTED'
  /** Frame errors from the decoder (too large, empty, not UTF-8, not JSON, invalid message or hello). */
  | FrameErrorCode;

export class SignalingError extends FileshareError {
  declare readonly code: SignalingErrorCode;

  constructor(code: SignalingErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'SignalingError';
  }
}

export function abortedError(signal: AbortSignal): SignalingError {
  return new SignalingError('ERR_SIGNAL_ABORTED', 'The signaling operation was cancelled.', { cause: signal.reason });
}

type FrameErrorCode = Extract<ProtocolErrorCode, `ERR_SIGNAL_${string}`>;

function isFrameErrorCode(code: ProtocolErrorCode): code is FrameErrorCode {
  return code.startsWith('ERR_SIGNAL_');
}

/** A decoder error as a SignalingError with the same code (the decoder only yields ERR_SIGNAL_* codes). */
export function fromProtocolError(error: ProtocolError): SignalingError {
  return new SignalingError(isFrameErrorCode(error.code) ? error.code : 'ERR_SIGNAL_MESSAGE_INVALID', error.message, { cause: error });
}
