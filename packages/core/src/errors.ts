import { FileshareError } from '@fileshare/protocol';

export type CoreErrorCode =
  | 'ERR_PEER_NOT_FOUND'
  | 'ERR_PEER_NOT_CONNECTED'
  | 'ERR_PEER_AMBIGUOUS'
  | 'ERR_PEER_ADDRESS_INVALID'
  | 'ERR_STATE_DIR'
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
