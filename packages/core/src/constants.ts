/** `waitForPeer` gives up after this long unless told otherwise. */
export const WAIT_FOR_PEER_DEFAULT_MS = 30_000;
/** A `--peer` address that does not answer is dialled again with backoff between these bounds. */
export const MANUAL_PEER_RETRY_MIN_MS = 1_000;
export const MANUAL_PEER_RETRY_MAX_MS = 30_000;
/**
 * Folder in the state folder holding the receiver's done-records (files verified and placed, kept
 * 7 days, so the same files sent again are reported as already there instead of copied).
 */
export const DONE_RECORDS_DIR = 'received';
