import type { PeerTiming } from './types.js';

/**
 * Label of the data channel the initiator creates with every offer. It exists so that the offer
 * has an `m=application` section (libdatachannel negotiates nothing without a channel or track),
 * and its opening is what makes both sides `connected`. It is never handed to the transfer layer.
 */
export const CONTROL_CHANNEL_LABEL = 'fileshare-control';

/** Protocol step 3: how long the initiator waits for an answer to one offer. */
export const DEFAULT_ANSWER_TIMEOUT_MS = 10_000;

/**
 * Protocol step 3: pauses before the 2nd, 3rd and 4th offer. Offers go out at t = 0, 11, 23 and
 * 37 s; the last timeout is at 47 s, then the peer is `not-connected`.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000];

/** Protocol step 6: a remote candidate buffered before both descriptions are set lives this long. */
export const DEFAULT_CANDIDATE_BUFFER_TTL_MS = 30_000;

/**
 * Not in the protocol text, which says nothing about an ICE/DTLS handshake that never ends: once
 * both descriptions are set, the control channel must open within this time or the attempt
 * fails (`ERR_CONNECT_TIMEOUT`). On a LAN it opens in well under a second.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** At most this many remote candidates are buffered per peer; beyond it the oldest is dropped. */
export const MAX_BUFFERED_CANDIDATES = 64;

/**
 * After closing a connection we keep its JS objects referenced until the native side reports
 * every channel and the connection closed (a collected wrapper can be closed mid-flight), but no
 * longer than this.
 */
export const NATIVE_CLOSE_WAIT_MS = 2_000;

/**
 * Liveness of a connected peer. libdatachannel notices a peer whose process died only when ICE
 * consent fails (about 30 s), so each side sends a small text message on the control channel
 * every interval. Any sign of life counts: a message on any data channel of the connection
 * (keepalive, transfer chunk, ack...), or data we had queued toward the peer moving on (it only
 * moves once the peer acknowledged what it received). So bulk data cannot starve liveness: under
 * loss the peer's keepalive may wait behind megabytes of its own chunks, but the chunks
 * themselves, and its acknowledgements of ours, keep arriving. Nothing of the kind for the
 * timeout means the connection is gone: `not-connected` (`ERR_PEER_UNRESPONSIVE`), exactly as
 * if ICE had reported `disconnected`.
 */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 1_000;
/** Silence limit of an idle connection (no bulk data in the idle limit before the silence began). */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 5_000;
/**
 * Silence limit while a transfer runs (bulk data on a channel other than the control channel,
 * either way, in the idle limit before the silence began). Under packet loss SCTP recovers a lost
 * packet by a retransmission timeout when too few packets follow it for a fast retransmit;
 * libdatachannel sets usrsctp's RTO to 1 s minimum, doubling per failed retransmission (10 s
 * cap; the association aborts after 5). Ordered delivery holds every later message back
 * meanwhile, and the sender sends nothing new: both sides hear nothing for 1+2+4 = 7 s after two
 * failed retransmissions in a row (seen at 5% loss per host: 5.4 s of silence mid-transfer).
 * 15 s covers three in a row (1+2+4+8).
 */
export const DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS = 15_000;
/**
 * The bound on noticing a peer that vanished without closing (killed, cable pulled), with the
 * default timing, counted from the last thing heard from it: the check runs every interval, so
 * 5-6 s when idle and 15-16 s during a transfer; one more interval when our own event loop was
 * held up past a tick (that tick is not judged). Then it is `not-connected` and its transfers fail.
 */
export const IDLE_PEER_GONE_DETECTION_BOUND_MS = DEFAULT_KEEPALIVE_TIMEOUT_MS + 2 * DEFAULT_KEEPALIVE_INTERVAL_MS;
export const PEER_GONE_DETECTION_BOUND_MS = DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS + 2 * DEFAULT_KEEPALIVE_INTERVAL_MS;
/** The keepalive message (text). Receivers ignore the content of control-channel messages. */
export const KEEPALIVE_MESSAGE = '{"type":"keepalive"}';

/**
 * Bounds under abuse (docs/PROTOCOL.md, "Attempt limits"). A flood of announced peers must cost
 * bounded CPU and never turn us into a dialler of bystanders: at most this many initiator rounds
 * (offer sent, waiting for the answer, a retry or the channel) run at once.
 */
export const MAX_INITIATOR_ATTEMPTS = 16;
/** New offer rounds start at this steady rate per second... */
export const OFFER_RATE_PER_SECOND = 10;
/** ...after a burst of this many. */
export const OFFER_BURST = 20;
/** `peerSeen` calls that find no free slot or token wait here (deduplicated; the oldest is dropped when full). */
export const MAX_QUEUED_PEERS = 1024;
/** At most this many answered offers (ours as responder) not yet connected; further offers: `ERR_TOO_MANY_ATTEMPTS`. */
export const MAX_RESPONDER_ATTEMPTS = 32;
/** Per peer, the ufrag+fingerprints of the last this-many offers we answered, to refuse replays (`ERR_PROOF_REPLAYED`). */
export const MAX_ANSWERED_OFFERS_PER_PEER = 64;
/** Peers whose answered offers we remember (least recently answered forgotten first). */
export const MAX_REPLAY_PEERS = 256;
/** Warn lines about refused signaling messages: at most this many per code per window, then one summary line. */
export const REFUSAL_LOG_LIMIT = 5;
export const REFUSAL_LOG_WINDOW_MS = 10_000;
/** Peers (lower ids) whose ICE candidates we hold ahead of their offer; beyond it the oldest peer's are dropped. */
export const MAX_EARLY_CANDIDATE_PEERS = 64;

/** `timing` with every value it leaves out set to its default. */
export function timingWithDefaults(timing: Partial<PeerTiming> = {}): PeerTiming {
  return {
    answerTimeoutMs: timing.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
    retryDelaysMs: [...(timing.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)],
    candidateBufferTtlMs: timing.candidateBufferTtlMs ?? DEFAULT_CANDIDATE_BUFFER_TTL_MS,
    connectTimeoutMs: timing.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    keepaliveIntervalMs: timing.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
    keepaliveTimeoutMs: timing.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS,
    busyKeepaliveTimeoutMs: timing.busyKeepaliveTimeoutMs ?? DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS,
  };
}
