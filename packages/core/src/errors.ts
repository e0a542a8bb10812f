import { FileshareError } from '@fileshare/protocol';

export type CoreErrorCode =
  | 'ERR_PEER_NOT_FOUND'
  | 'ERR_PEER_NOT_CONNECTED'
  | 'ERR_PEER_AMBIGUOUS'
  | 'ERR_PEER_ADDRESS_INVALID'
  /** A device id given by a person (`--trust`, `trust add`) is not 32 lowercase hex characters. */
  | 'ERR_PEER_ID_INVALID'
  /** `trustPeer` needs a peer that proved its key on a connection this session. */
  | 'ERR_PEER_NOT_VERIFIED'
  | 'ERR_STATE_DIR'
  /** The state folder, device key or trust file can be read or changed by other users (or is not ours). */
  | 'ERR_STATE_INSECURE'
  /** `trusted-peers.json` cannot be understood; it is never silently replaced. */
  | 'ERR_TRUST_FILE_INVALID'
  | 'ERR_NODE_CLOSED'
  | 'ERR_PORT_IN_USE'
  | 'ERR_ABORTED';

export class CoreError extends FileshareError {
  declare readonly code: CoreErrorCode;

  constructor(code: CoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'CoreError';
  }
}
