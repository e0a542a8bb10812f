import { type IceCandidate, isInitiator } from '@fileshare/protocol';
import type { ConnectionAttempt } from './connection-attempt.js';
import {
  MAX_ANSWERED_OFFERS_PER_PEER,
  MAX_BUFFERED_CANDIDATES,
  MAX_EARLY_CANDIDATE_PEERS,
  MAX_REPLAY_PEERS,
  MAX_RESPONDER_ATTEMPTS,
} from './constants.js';
import { EarlyCandidates } from './early-candidates.js';
import { PeerError, wrapError } from './errors.js';
import type { ManagerContext } from './manager-context.js';
import { ReplayGuard, checkProof, signSdp } from './proof-check.js';
import { hasDataChannelSection } from './sdp.js';

/**
 * The responder procedure (docs/PROTOCOL.md, protocol steps 4 and 6) for peers whose id is lower
 * than ours: every check on an offer before anything is allocated for it, the answer, the
 * replacement rule's first half (a connected peer's new offer is built beside the live
 * connection), and the candidates that overtook their offer.
 */
export class Responder {
  private readonly replays = new ReplayGuard(MAX_ANSWERED_OFFERS_PER_PEER, MAX_REPLAY_PEERS);
  private readonly early: EarlyCandidates;

  constructor(private readonly context: ManagerContext) {
    this.early = new EarlyCandidates(
      { ttlMs: context.timing.candidateBufferTtlMs, perPeer: MAX_BUFFERED_CANDIDATES, peers: MAX_EARLY_CANDIDATE_PEERS },
      context.logger,
    );
  }

  handleOffer(peerId: string, sdp: string): void {
    const { context } = this;
    if (!isInitiator(peerId, context.localId)) {
      context.ignored(peerId, 'offer', 'An offer from a peer with a higher id: the lower id initiates, so we offer to it.');
      return;
    }
    // Every check comes before any RtcConnection exists: a refused offer costs no native resources.
    const proof = checkProof(sdp, 'offer', context.localId, peerId);
    if (!proof.ok) {
      context.ignored(peerId, 'offer', proof.error.message, proof.error.code);
      return;
    }
    if (this.replays.has(peerId, proof.value)) {
      context.ignored(peerId, 'offer', `Refused an offer from peer ${peerId}: it was already answered (a copy of an old offer).`, 'ERR_PROOF_REPLAYED');
      return;
    }
    if (!hasDataChannelSection(sdp)) {
      context.ignored(peerId, 'offer', `Invalid offer from peer ${peerId}: no data channel section.`, 'ERR_SET_REMOTE_DESCRIPTION');
      return;
    }
    const entry = context.entries.get(peerId);
    // A connected peer's new offer is exempt: it proved its key on a live connection and holds at
    // most one pending replacement, so fresh ids cannot use the cap to keep it from reconnecting.
    if (!entry?.attempt?.isOpen && this.unconnectedAttempts(peerId) >= MAX_RESPONDER_ATTEMPTS) {
      context.ignored(
        peerId,
        'offer',
        `Refused an offer from peer ${peerId}: ${MAX_RESPONDER_ATTEMPTS} other offers are already being answered.`,
        'ERR_TOO_MANY_ATTEMPTS',
      );
      return;
    }
    let attempt: ConnectionAttempt;
    try {
      attempt = context.newAttempt(peerId, 'responder');
    } catch (error) {
      const e = wrapError('ERR_SET_REMOTE_DESCRIPTION', `Could not create a connection for the offer of peer ${peerId}`, error);
      context.ignored(peerId, 'offer', e.message, e.code);
      return;
    }
    let answer: string;
    try {
      answer = attempt.acceptOffer(sdp, proof.value.publicKey, (raw) => signSdp(raw, context.identity, 'answer', context.localId, peerId, sdp));
    } catch (error) {
      const e = wrapError('ERR_SET_REMOTE_DESCRIPTION', `Invalid offer from peer ${peerId}`, error);
      attempt.close(e);
      // An existing connection stays as it is: a broken offer replaces nothing.
      context.ignored(peerId, 'offer', e.message, e.code);
      return;
    }
    this.replays.add(peerId, proof.value);
    const target = entry ?? context.addEntry(peerId, 'responder');
    if (target.attempt?.isOpen) {
      // No hijack: the live connection stays until the new one's control channel opens.
      target.connectBeside(attempt, new PeerError('ERR_CONNECTION_CLOSED', `Peer ${peerId} sent a newer offer.`));
      context.logger.info('new offer from a connected peer; connecting beside the live connection', { peerId });
    } else {
      // The initiator restarted or retried before this attempt connected: the new offer replaces it.
      target.replaceAttempt(attempt, new PeerError('ERR_CONNECTION_CLOSED', `Peer ${peerId} sent a new offer; the old attempt was replaced.`));
      context.setState(target, 'initiating');
    }
    context.send(peerId, 'answer', answer);
    for (const candidate of this.early.take(peerId)) attempt.receiveRemoteCandidate(candidate);
  }

  /** ICE from a peer that offers to us, with no attempt yet: kept for the offer it precedes. */
  holdEarlyCandidate(peerId: string, candidate: IceCandidate): void {
    this.early.hold(peerId, candidate);
  }

  /** The peer left: its early candidates go. */
  forget(peerId: string): void {
    this.early.forget(peerId);
  }

  close(): void {
    this.replays.clear();
    this.early.clear();
  }

  /** Answered offers not yet connected, other than `exceptPeerId`'s (which a new offer of its own replaces). */
  private unconnectedAttempts(exceptPeerId: string): number {
    let count = 0;
    for (const entry of this.context.entries.values()) {
      if (entry.role !== 'responder' || entry.peerId === exceptPeerId) continue;
      if (entry.attempt && !entry.attempt.isOpen) count += 1;
      if (entry.pending) count += 1;
    }
    return count;
  }
}
