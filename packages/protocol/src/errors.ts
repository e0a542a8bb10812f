/**
 * Base of every error fileshare raises on purpose. `code` is stable and machine-readable
 * (tests, JSON events and exit codes key on it); `message` is a sentence a user can read.
 */
export class FileshareError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FileshareError';
    this.code = code;
  }
}

/** Codes raised while decoding bytes that came from the network. */
export type ProtocolErrorCode =
  | 'ERR_SIGNAL_FRAME_TOO_LARGE'
  | 'ERR_SIGNAL_FRAME_EMPTY'
  | 'ERR_SIGNAL_FRAME_NOT_UTF8'
  | 'ERR_SIGNAL_FRAME_NOT_JSON'
  | 'ERR_SIGNAL_MESSAGE_INVALID'
  | 'ERR_SIGNAL_PAYLOAD_INVALID'
  | 'ERR_SIGNAL_HELLO_INVALID'
  | 'ERR_TXT_RECORD_INVALID'
  | 'ERR_INSTANCE_NAME_INVALID'
  | 'ERR_DEVICE_ID_INVALID'
  | 'ERR_TRANSFER_MESSAGE_INVALID'
  | ProofErrorCode;

/**
 * Why an offer or answer was refused by the proof of identity (docs/PROTOCOL.md, "Device
 * identity"). `ERR_PROOF_REPLAYED` is raised by the peer layer, which remembers what it answered.
 */
export type ProofErrorCode =
  /** No `a=x-fileshare-proof` attribute. */
  | 'ERR_PROOF_MISSING'
  /** The attribute, or the fingerprints / ICE ufrag it signs, are not in the required form. */
  | 'ERR_PROOF_MALFORMED'
  /** The public key in the proof does not hash to the sender's device id. */
  | 'ERR_PROOF_KEY_MISMATCH'
  /** The signature does not verify over the transcript rebuilt from the SDP as received. */
  | 'ERR_PROOF_INVALID'
  /** An offer whose ufrag and fingerprints were already answered in this session. */
  | 'ERR_PROOF_REPLAYED';

export class ProtocolError extends FileshareError {
  declare readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ProtocolError';
  }
}

/** A refused proof of identity. */
export class ProofError extends ProtocolError {
  declare readonly code: ProofErrorCode;

  constructor(code: ProofErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ProofError';
  }
}

export type Result<T, E = ProtocolError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });
