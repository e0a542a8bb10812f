import type { AttemptRole, ConnectionAttempt } from './connection-attempt.js';
import { PeerError } from './errors.js';
import type { OfferRound } from './offer-round.js';
import type { PeerState } from './types.js';

/**
 * What the manager keeps per peer: the protocol state, the attempt in use, and, for a responder
 * whose peer is connected, the replacement attempt built beside it.
 *
 * The replacement rule (docs/PROTOCOL.md, responder step 3): a new proven offer from a connected
 * peer is connected beside the live connection, which stays in use until the new one's control
 * channel opens; only then is the live one closed ({@link takePending}, then
 * {@link closeAttempt}). A failed replacement only goes away ({@link closePending}); a live one
 * that fails first hands over to it. So an offer that cannot complete DTLS with the proven key
 * never takes a working connection down. The manager sequences these steps with its events.
 */
export class PeerEntry {
  state: PeerState | undefined = undefined;
  /** The attempt in use: our offer (initiator), the offer we answered (responder), or the open connection. */
  attempt: ConnectionAttempt | undefined = undefined;
  /** Responder: the connection for a newer proven offer, built beside the open one. */
  pending: ConnectionAttempt | undefined = undefined;
  /** Initiator: the schedule of its offers (made with its first round). */
  round: OfferRound | undefined = undefined;

  constructor(
    readonly peerId: string,
    readonly role: AttemptRole,
  ) {}

  /** True while `attempt` is this peer's, in use or pending, and not closed: what it reports still matters. */
  owns(attempt: ConnectionAttempt): boolean {
    return !attempt.isClosed && (this.attempt === attempt || this.pending === attempt);
  }

  /** Closes the attempt in use, if any; a pending replacement stays. */
  closeAttempt(reason?: PeerError): void {
    const attempt = this.attempt;
    this.attempt = undefined;
    attempt?.close(reason ?? new PeerError('ERR_CONNECTION_CLOSED', `The connection to peer ${this.peerId} was closed.`));
  }

  /** Closes the pending replacement, if any; the attempt in use stays. */
  closePending(reason: PeerError): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.close(reason);
  }

  /** The peer is connected and made a new proven offer: its attempt waits beside the live one (a newer one replaces it). */
  connectBeside(attempt: ConnectionAttempt, olderPendingReason: PeerError): void {
    this.closePending(olderPendingReason);
    this.pending = attempt;
  }

  /** The peer is not connected: a new attempt replaces the one in use. */
  replaceAttempt(attempt: ConnectionAttempt, reason: PeerError): void {
    this.closeAttempt(reason);
    this.attempt = attempt;
  }

  /** Takes the replacement out to put it in use (its control channel opened, or the live one failed). */
  takePending(): ConnectionAttempt | undefined {
    const pending = this.pending;
    this.pending = undefined;
    return pending;
  }
}
