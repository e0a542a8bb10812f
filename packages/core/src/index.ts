export type * from './types.js';
export { createFileshareNode } from './node.js';
export { CoreError, type CoreErrorCode } from './errors.js';
export { defaultReceiveDir, defaultStateDir, parseHostPort } from './defaults.js';
export { safeForTerminal, type SafeForTerminalOptions } from './terminal-safe.js';
export { openTrustStore, TRUST_FILE, type TrustStore } from './trust-store.js';
export { createEphemeralIdentity, type Identity } from './identity.js';
export { MAX_QUEUED_PER_PEER, MAX_WAITING_OFFERS } from './offer-gate.js';
export { HELLO_PEER_TTL_MS, MAX_HELLO_PEERS, MAX_UNVERIFIED_PEERS } from './peer-directory.js';
export { WARNING_REPEAT_MS, WARNINGS_PER_MINUTE } from './warning-limiter.js';
export { FileshareError, MAX_TRANSFER_TEXT_BYTES } from '@fileshare/protocol';
export type { Logger } from '@fileshare/protocol';
/** How a device id comes from an Ed25519 key, for programs that make or check device keys. */
export { deviceIdFromPublicKey, rawEd25519PublicKey } from '@fileshare/protocol';
export { formatBytes, formatDuration, formatRate } from './units.js';
