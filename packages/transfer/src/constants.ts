/** Defaults of {@link TransferServiceInit}; see its documentation for why each value. */
export const DEFAULT_CHANNELS_PER_TRANSFER = 1;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
export const DEFAULT_BUFFER_HIGH_BYTES = 4 * 1024 * 1024;
export const DEFAULT_BUFFER_LOW_BYTES = 1024 * 1024;
/** Receive window: payload bytes the sender may have in flight beyond the receiver's last `ack`. */
export const DEFAULT_WINDOW_BYTES = 16 * 1024 * 1024;
/** Receive window in files: started but not yet confirmed (`file-done`) by the receiver. */
export const DEFAULT_WINDOW_FILES = 1024;
/** An offer waiting for a person's decision is declined after this long. */
export const DEFAULT_DECISION_TIMEOUT_MS = 5 * 60 * 1000;
/**
 * Incoming transfers one peer may have at once (offers still arriving or awaiting a decision, and
 * running ones); beyond it an offer is declined with ERR_TRANSFER_BUSY. Several at once is normal
 * (a person sends a file, then another); hundreds is a flood: each holds channels, a timer and,
 * once accepted, up to a receive window of memory.
 */
export const DEFAULT_MAX_INCOMING_PER_PEER = 8;
/** Incoming transfers from all peers together, counted as above: 32 x 16 MiB windows bound memory. */
export const DEFAULT_MAX_INCOMING_TOTAL = 32;
/** At most one log line about declined-because-busy offers per this interval (a flood would fill the log). */
export const BUSY_LOG_INTERVAL_MS = 10_000;
/** Partial data and resume records older than this are removed. */
export const DEFAULT_PARTIAL_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Done-records (files verified and placed, for idempotent re-sends) older than this are forgotten. */
export const DEFAULT_DONE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Done-records kept per sender at most (the newest): one whole offer's worth. */
export const MAX_DONE_RECORDS_PER_SENDER = 100_000;
/** Files re-hashed at once when an offer is checked against done-records. */
export const HELD_HASH_PARALLEL = 4;

/** Folder inside the receive folder holding `.part` data and resume records. */
export const PARTIAL_DIR_NAME = '.fileshare-partial';
/** The receiver syncs a growing `.part` file and records its length this often (bytes). */
export const CHECKPOINT_BYTES = 32 * 1024 * 1024;
/** The receiver acknowledges consumed bytes once this fraction of the window is unacknowledged. */
export const ACK_FRACTION = 4;
/** The whole offer (header, file pages, text pages) must arrive within this time. */
export const OFFER_RECEIVE_TIMEOUT_MS = 30_000;
/** After `cancel`/`error`/`complete` we wait this long for the other side to close before closing ourselves. */
export const CLOSE_GRACE_MS = 5_000;
/**
 * A closed control channel is taken as a lost peer only after this long: the binding may deliver
 * the close before the peer's last message (a `cancel` or `error`), which then decides the outcome.
 */
export const CONTROL_CLOSE_SETTLE_MS = 250;
/** Sender reads this many chunks ahead of the channel so disk latency stays off the send loop. */
export const READ_AHEAD_CHUNKS = 8;
/** Receiver coalesces up to this many contiguous chunks into one positional write. */
export const MAX_WRITE_BATCH = 32;
/** Progress events per transfer: at most one per this interval (plus one at the end). */
export const PROGRESS_INTERVAL_MS = 250;
/** Time constant of the exponential smoothing of bytes/s. */
export const SPEED_SMOOTHING_MS = 2_000;
/** A control message page is filled up to this many bytes (below the 64 KiB limit, leaving slack). */
export const PAGE_TARGET_BYTES = 60 * 1024;
/** Text pages carry at most this many code points (12 bytes each at worst once JSON-escaped). */
export const TEXT_PAGE_CODE_POINTS = 4096;
/** Longest error message we pass on from a peer, in characters. */
export const MAX_REMOTE_MESSAGE_LENGTH = 500;
/** Read size when hashing a resumed prefix from disk (large reads are several times faster on sparse and cached files). */
export const PREFIX_HASH_READ_BYTES = 8 * 1024 * 1024;
/** Finished files being synced and placed at once on the receiver (overlaps file-system latency for small files). */
export const MAX_PARALLEL_FINISH = 8;
/**
 * Files up to this size that start at offset 0 are received whole into memory (within the receive
 * window), verified there, and made durable in batches (one sync round for many files).
 */
export const SMALL_FILE_BYTES = 256 * 1024;
/** At most this many small files per durability batch (also at most half the files window). */
export const SMALL_FILE_BATCH_FILES = 512;
/** The sender reads at most this many small files ahead of the send loop ... */
export const LOOK_AHEAD_FILES = 256;
/** ... holding at most this many bytes of them. */
export const LOOK_AHEAD_BYTES = 8 * 1024 * 1024;

/**
 * A running transfer whose peer connection drops is not failed at once: the sender waits this
 * long for the same device to be connected again, then re-opens the transfer under the same id
 * and goes on from what the receiver holds (see PROTOCOL.md "Continuing after an outage"). About
 * what Wi-Fi users expect of a roam or a short drop.
 */
export const SEND_RECONNECT_GRACE_MS = 30_000;
/**
 * The receiver keeps an interrupted transfer open for continuation this long: longer than the
 * sender's grace, so a sender that comes back at the end of its grace still finds it.
 */
export const RECEIVE_RECONNECT_GRACE_MS = 40_000;

/** On close, how long the service waits for peers to close the channels of transfers that just sent their last message. */
export const CLOSE_FLUSH_MS = 1_000;
