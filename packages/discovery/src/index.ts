export { createDiscovery, type DiscoveryDeps } from './discovery.js';
export { DiscoveryError, type DiscoveryErrorCode } from './errors.js';
export type { DiscoveredPeer, Discovery, DiscoveryInit, PeerLostReason } from './types.js';
export {
  ANNOUNCE_REPEAT_MS,
  DEFAULT_TTL_SECONDS,
  GOODBYE_GRACE_MS,
  MAX_PEERS,
  QUERY_BACKOFF_INITIAL_MS,
  QUERY_BACKOFF_MAX_MS,
  SERVICE_TTL_SECONDS,
} from './constants.js';
