export { createPeerManager } from './peer-manager.js';
export type {
  PeerManager,
  PeerManagerInit,
  PeerManagerEvents,
  PeerState,
  PeerTiming,
  PeerStateEvent,
  PeerConnectedEvent,
  PeerDisconnectedEvent,
  SignalIgnoredEvent,
  OfferSentEvent,
} from './types.js';
export { PeerError, type PeerErrorCode } from './errors.js';
export type { PeerIdentity } from './proof-check.js';
export {
  CONTROL_CHANNEL_LABEL,
  DEFAULT_ANSWER_TIMEOUT_MS,
  DEFAULT_RETRY_DELAYS_MS,
  DEFAULT_CANDIDATE_BUFFER_TTL_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS,
  IDLE_PEER_GONE_DETECTION_BOUND_MS,
  PEER_GONE_DETECTION_BOUND_MS,
  MAX_BUFFERED_CANDIDATES,
  MAX_INITIATOR_ATTEMPTS,
  OFFER_RATE_PER_SECOND,
  OFFER_BURST,
  MAX_QUEUED_PEERS,
  MAX_RESPONDER_ATTEMPTS,
  MAX_ANSWERED_OFFERS_PER_PEER,
  MAX_REPLAY_PEERS,
  MAX_EARLY_CANDIDATE_PEERS,
  REFUSAL_LOG_LIMIT,
  REFUSAL_LOG_WINDOW_MS,
} from './constants.js';
export type {
  RtcDriver,
  RtcConnection,
  RtcConnectionOptions,
  RtcConnectionHandlers,
  RtcChannel,
  RtcChannelHandlers,
} from './driver.js';
export { createNodeDataChannelDriver } from './node-datachannel-driver.js';
export {
  type PeerSeenOptions,
  type RoundPriority,
  HIGH_PRIORITY_RESERVED_ATTEMPTS,
  MAX_LOW_PRIORITY_ATTEMPTS,
} from './attempt-limits.js';
