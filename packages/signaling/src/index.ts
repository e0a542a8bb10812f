export { createSignaling } from './signaling.js';
export { SignalingError, type SignalingErrorCode } from './errors.js';
export type {
  ConnectionErrorInfo,
  ConnectionInfo,
  RemoteHello,
  SendOptions,
  Signaling,
  SignalingEvents,
  SignalingInit,
  SignalTarget,
} from './types.js';
export {
  CLOSE_GRACE_MS,
  CONNECT_TIMEOUT_MS,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DRAIN_TIMEOUT_MS,
  INBOUND_BURST_PER_ADDRESS,
  INBOUND_RATE_PER_ADDRESS,
  LOG_LINES_PER_CODE,
  LOG_WINDOW_MS,
  MAX_INBOUND_PER_ADDRESS,
  MAX_LAST_SEEN_PEERS,
  MAX_PENDING_HELLOS_PER_ADDRESS,
  MAX_RATE_TRACKED_ADDRESSES,
} from './constants.js';
