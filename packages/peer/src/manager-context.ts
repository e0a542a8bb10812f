import type { Logger, SignalKind } from '@fileshare/protocol';
import type { AttemptRole, ConnectionAttempt } from './connection-attempt.js';
import type { PeerError, PeerErrorCode } from './errors.js';
import type { PeerEntry } from './peer-entry.js';
import type { PeerIdentity } from './proof-check.js';
import type { PeerManagerEvents, PeerState, PeerTiming } from './types.js';

/**
 * What the initiator and responder procedures (initiator.ts, responder.ts) use of the peer
 * manager: the peer table, new attempts, state changes, events and signaling out. The manager
 * makes one and keeps the rest (failure handling, replacement, the public API) to itself.
 */
export interface ManagerContext {
  readonly localId: string;
  readonly identity: PeerIdentity;
  readonly timing: PeerTiming;
  readonly logger: Logger;
  /** The manager was closed: late timers and callbacks do nothing. */
  isClosed(): boolean;
  readonly entries: ReadonlyMap<string, PeerEntry>;
  addEntry(peerId: string, role: AttemptRole): PeerEntry;
  /** A new attempt reporting to the manager. Throws when the WebRTC stack cannot create a connection. */
  newAttempt(peerId: string, role: AttemptRole): ConnectionAttempt;
  /** Sets the state and emits `state` (unless unchanged). */
  setState(entry: PeerEntry, state: PeerState, error?: PeerError): void;
  /** Protocol step 7 for one of the entry's attempts (a no-op for one that is not the entry's). */
  fail(entry: PeerEntry, attempt: ConnectionAttempt, error: PeerError): void;
  emit<K extends keyof PeerManagerEvents>(event: K, payload: PeerManagerEvents[K]): void;
  /** Sends a signaling message; `undelivered` runs when it could not be sent (its warning is then rate-limited). */
  send(peerId: string, kind: SignalKind, data: string, undelivered?: () => void): void;
  /** A signaling message was refused: logged (rate-limited) and reported as `signal-ignored`. */
  ignored(peerId: string, kind: string, reason: string, code?: PeerErrorCode): void;
}
