import { FileshareError, type ProofErrorCode } from '@fileshare/protocol';

export type PeerErrorCode =
  /** The local WebRTC stack could not create a connection or an offer. */
  | 'ERR_CREATE_OFFER'
  /** A remote offer or answer was rejected (SDP that does not parse, no data channel section...). */
  | 'ERR_SET_REMOTE_DESCRIPTION'
  /** A remote ICE candidate could not be decoded or applied. */
  | 'ERR_ADD_ICE_CANDIDATE'
  /** Four offers went unanswered. */
  | 'ERR_ANSWER_TIMEOUT'
  /** Descriptions were exchanged but the control channel did not open in time. */
  | 'ERR_CONNECT_TIMEOUT'
  | 'ERR_PEER_UNRESPONSIVE'
  | 'ERR_ICE_FAILED'
  | 'ERR_ICE_DISCONNECTED'
  /** The connection closed (the other side closed it, or it replaced it by a new offer). */
  | 'ERR_CONNECTION_CLOSED'
  /** The peer is not connected (or the connection went away while waiting). */
  | 'ERR_PEER_NOT_CONNECTED'
  /** The peer manager was closed. */
  | 'ERR_PEER_MANAGER_CLOSED'
  /** A data channel could not be created, or closed before it opened. */
  | 'ERR_CHANNEL_OPEN'
  /** Sending on a channel that is not open. */
  | 'ERR_CHANNEL_CLOSED'
  /** The WebRTC stack refused a message (e.g. larger than the negotiated maximum). */
  | 'ERR_CHANNEL_SEND'
  /** The data channel reported an error. */
  | 'ERR_CHANNEL_ERROR'
  /** `fileshare-control` is reserved for the peer layer. */
  | 'ERR_CHANNEL_LABEL_RESERVED'
  /** An offer or answer failed its proof of identity (missing, malformed, wrong key, bad signature, replayed). */
  | ProofErrorCode
  /** Too many offers from other peers are being answered and not yet connected; this one was refused. */
  | 'ERR_TOO_MANY_ATTEMPTS';

/** Errors of the peer layer; `code` is stable, `message` is a sentence a user can read. */
export class PeerError extends FileshareError {
  declare readonly code: PeerErrorCode;

  constructor(code: PeerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'PeerError';
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A PeerError for a failure of the WebRTC stack (or our signing): `what` failed, then the cause's message. */
export function wrapError(code: PeerErrorCode, what: string, cause: unknown): PeerError {
  return new PeerError(code, `${what}: ${describeError(cause)}`, { cause });
}
