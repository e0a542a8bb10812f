export {
  createPeerManager,
  type PeerManager,
  type PeerManagerInit,
  type PeerManagerEvents,
  type PeerState,
  type PeerTiming,
  type PeerStateEvent,
  type PeerConnectedEvent,
  type PeerDisconnectedEvent,
  type SignalIgnoredEvent,
  type OfferSentEvent,
} from './peer-manager.js';
export { PeerError, type PeerErrorCode } from './errors.js';
export {
  CONTROL_CHANNEL_LABEL,
  DEFAULT_ANSWER_TIMEOUT_MS,
  DEFAULT_RETRY_DELAYS_MS,
  DEFAULT_CANDIDATE_BUFFER_TTL_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  MAX_BUFFERED_CANDIDATES,
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
