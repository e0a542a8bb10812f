/** Exit codes of fileshare-agent; listed in the README, stable for scripts. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  peerUnavailable: 3,
  declined: 4,
  cancelled: 5,
  transferFailed: 6,
  /** Could not start, or the state folder cannot be used (missing, unwritable, insecure permissions). */
  startFailed: 7,
} as const;

/** Maps a FileshareError code to the exit code scripts see. */
export function exitCodeFor(code: string | undefined): number {
  switch (code) {
    case 'ERR_PEER_NOT_FOUND':
    case 'ERR_PEER_NOT_CONNECTED':
    case 'ERR_PEER_AMBIGUOUS':
      return EXIT.peerUnavailable;
    case 'ERR_TRANSFER_DECLINED':
    // The receiver has too many offers waiting or running: for a script, the same as a "no".
    case 'ERR_TRANSFER_BUSY':
      return EXIT.declined;
    case 'ERR_TRANSFER_CANCELLED':
    case 'ERR_ABORTED':
    // The running agent that sent for us was stopped mid-send.
    case 'ERR_CONTROL_GONE':
      return EXIT.cancelled;
    case 'ERR_PORT_IN_USE':
    case 'ERR_STATE_DIR':
    case 'ERR_STATE_INSECURE':
    case 'ERR_TRUST_FILE_INVALID':
    case 'ERR_PEER_ADDRESS_INVALID':
      return EXIT.startFailed;
    case 'ERR_PEER_ID_INVALID':
      return EXIT.usage;
    case undefined:
      return EXIT.failure;
    default:
      return code.startsWith('ERR_TRANSFER_') ? EXIT.transferFailed : EXIT.failure;
  }
}
