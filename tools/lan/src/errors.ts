/**
 * The rig may not import @fileshare/protocol (tools sit outside the layering), so it has its own
 * small error with the same shape as FileshareError: a stable `code` and a readable message.
 */
export type LanErrorCode =
  | 'ERR_LAN_NEEDS_ROOT'
  | 'ERR_LAN_SETUP_FAILED'
  | 'ERR_LAN_COMMAND_FAILED'
  | 'ERR_LAN_INVALID_ARGUMENT'
  | 'ERR_LAN_CLOSED'
  | 'ERR_LAN_TIMEOUT';

export class LanError extends Error {
  readonly code: LanErrorCode;

  constructor(code: LanErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LanError';
    this.code = code;
  }
}
