export { createSignaling } from './signaling.js';
export { SignalingError, type SignalingErrorCode } from './errors.js';
export type {
  ConnectionErrorInfo,
  ConnectionInfo,
  RemoteHello,
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
} from './constants.js';
