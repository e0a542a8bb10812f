import { isInitiator } from '@fileshare/protocol';
import { HIGH_PRIORITY_RESERVED_ATTEMPTS, MAX_LOW_PRIORITY_ATTEMPTS, OfferPacer, type RoundPriority } from './attempt-limits.js';
import type { ConnectionAttempt } from './connection-attempt.js';
import { MAX_INITIATOR_ATTEMPTS, MAX_QUEUED_PEERS, OFFER_BURST, OFFER_RATE_PER_SECOND } from './constants.js';
import { PeerError, wrapError } from './errors.js';
import type { ManagerContext } from './manager-context.js';
import { OfferRound } from './offer-round.js';
import type { PeerEntry } from './peer-entry.js';
import { checkProof, signSdp } from './proof-check.js';
import type { PeerState } from './types.js';

/**
 * The initiator procedure (docs/PROTOCOL.md, protocol steps 3 and 5) for peers whose id is higher
 * than ours: rounds of offers, each on a fresh connection, started under the attempt limits
 * (bounded rounds, paced offers, a bounded queue), and the answers to them.
 */
export class Initiator {
  /** Entries whose round is running (state `initiated`): each holds a slot of the pacer. */
  private readonly rounds = new Set<PeerEntry>();
  /** When a peer that was seen gets its round. */
  private readonly pacer: OfferPacer;
  /**
   * Peers seen again while their round ran (e.g. restarted with a new address, announced while
   * the round's offers went to the old one): if that round fails, they get one more at once
   * instead of waiting for their next announcement.
   */
  private readonly seenDuringRound = new Map<string, RoundPriority>();

  constructor(private readonly context: ManagerContext) {
    this.pacer = new OfferPacer(
      {
        maxRunning: MAX_INITIATOR_ATTEMPTS,
        reservedHigh: HIGH_PRIORITY_RESERVED_ATTEMPTS,
        maxLowRunning: MAX_LOW_PRIORITY_ATTEMPTS,
        ratePerSecond: OFFER_RATE_PER_SECOND,
        burst: OFFER_BURST,
        maxQueued: MAX_QUEUED_PEERS,
      },
      {
        wanted: (peerId) => this.needsRound(peerId),
        start: (peerId) => this.beginRound(peerId),
        dropped: (peerId) => context.logger.debug('offer queue full; forgot the oldest waiting peer', { peerId }),
      },
    );
  }

  /** A peer we offer to was seen: it gets a round, now or in its turn, unless one runs or it is connected. */
  seen(peerId: string, priority: RoundPriority): void {
    const entry = this.context.entries.get(peerId);
    if (entry && this.rounds.has(entry)) {
      this.seenDuringRound.set(peerId, priority);
      return;
    }
    if (!this.needsRound(peerId)) return;
    this.pacer.request(peerId, priority);
  }

  handleAnswer(peerId: string, sdp: string): void {
    const { context } = this;
    if (!isInitiator(context.localId, peerId)) {
      context.ignored(peerId, 'answer', 'An answer from a peer with a lower id: it offers to us, we never offer to it.');
      return;
    }
    const entry = context.entries.get(peerId);
    const attempt = entry?.attempt;
    if (!entry || !attempt || !attempt.awaitingAnswer) {
      context.ignored(peerId, 'answer', 'No offer to this peer is waiting for an answer (late or duplicate answer).');
      return;
    }
    // Before the WebRTC stack sees it: the answer must prove the peer's key and bind our offer.
    // A refused answer changes nothing; the answer timeout and retries still apply.
    const proof = checkProof(sdp, 'answer', context.localId, peerId, attempt.localOffer);
    if (!proof.ok) {
      context.ignored(peerId, 'answer', proof.error.message, proof.error.code);
      return;
    }
    try {
      attempt.acceptAnswer(sdp, proof.value.publicKey);
    } catch (error) {
      // Keep waiting: the answer timeout and retries still apply.
      const e = wrapError('ERR_SET_REMOTE_DESCRIPTION', `Invalid answer from peer ${peerId}`, error);
      context.ignored(peerId, 'answer', e.message, e.code);
      return;
    }
    entry.round?.stop(); // answered: no more offers in this round
  }

  /** The entry's state changed: a round holds its slot while `initiated`, and frees it as soon as it connects or gives up. */
  stateChanged(entry: PeerEntry, state: PeerState): void {
    if (state === 'initiated') {
      this.rounds.add(entry);
      return;
    }
    if (!this.rounds.delete(entry)) return;
    this.pacer.roundEnded(entry.peerId);
    const again = this.seenDuringRound.get(entry.peerId);
    this.seenDuringRound.delete(entry.peerId);
    // After the manager has finished reporting this state: the new round starts from `not-connected`.
    if (state === 'not-connected' && again !== undefined) queueMicrotask(() => !this.context.isClosed() && this.seen(entry.peerId, again));
  }

  /** The peer left: it no longer waits for a round, and its round (if any) is over. */
  forget(peerId: string, entry: PeerEntry | undefined): void {
    this.seenDuringRound.delete(peerId);
    this.pacer.forget(peerId);
    if (entry && this.rounds.delete(entry)) this.pacer.roundEnded(peerId);
  }

  close(): void {
    this.rounds.clear();
    this.seenDuringRound.clear();
    this.pacer.close();
  }

  /** True when `peerId` has no attempt running and is not connected (so a round may start). */
  private needsRound(peerId: string): boolean {
    const entry = this.context.entries.get(peerId);
    return !entry || entry.state === undefined || entry.state === 'not-connected';
  }

  private beginRound(peerId: string): void {
    const { context } = this;
    const entry = context.entries.get(peerId) ?? context.addEntry(peerId, 'initiator');
    const round = (entry.round ??= new OfferRound(context.timing));
    round.restart();
    this.sendOffer(entry, round);
  }

  private sendOffer(entry: PeerEntry, round: OfferRound): void {
    const { context } = this;
    const { peerId } = entry;
    entry.closeAttempt(); // the previous offer's connection, if it is still there
    const offerNumber = round.nextOffer();
    let attempt: ConnectionAttempt;
    try {
      attempt = context.newAttempt(peerId, 'initiator');
    } catch (error) {
      context.setState(entry, 'not-connected', wrapError('ERR_CREATE_OFFER', `Could not create a connection to peer ${peerId}`, error));
      return;
    }
    entry.attempt = attempt;
    let sdp: string;
    try {
      sdp = attempt.createOffer((offer) => signSdp(offer, context.identity, 'offer', context.localId, peerId));
    } catch (error) {
      context.fail(entry, attempt, wrapError('ERR_CREATE_OFFER', `Could not create an offer for peer ${peerId}`, error));
      return;
    }
    context.setState(entry, 'initiated');
    const attempts = round.offersPerRound;
    context.logger.debug('sending offer', { peerId, attempt: offerNumber, attempts });
    context.emit('offer-sent', { peerId, attempt: offerNumber, attempts });
    context.send(peerId, 'offer', sdp, () => this.offerUndelivered(entry, attempt));
    round.awaitAnswer(() => this.answerTimedOut(entry, round, attempt));
  }

  /**
   * The offer never left (no route, connection refused): no answer can come to it, so its peer
   * connection is freed now and the round gives its slot back (attempt limits); the answer
   * timeout keeps running, so the retry schedule stays as specified.
   */
  private offerUndelivered(entry: PeerEntry, attempt: ConnectionAttempt): void {
    if (this.context.isClosed() || entry.attempt !== attempt || !attempt.awaitingAnswer) return;
    entry.closeAttempt(new PeerError('ERR_CONNECTION_CLOSED', `The offer to peer ${entry.peerId} could not be delivered.`));
    this.pacer.offerUndelivered(entry.peerId);
  }

  private answerTimedOut(entry: PeerEntry, round: OfferRound, attempt: ConnectionAttempt): void {
    const { context } = this;
    // No attempt left: its offer was not delivered (offerUndelivered); the round goes on.
    if (entry.attempt !== undefined && (entry.attempt !== attempt || !attempt.awaitingAnswer)) return;
    // The next offer gets a fresh connection; a late answer to this one is then ignored.
    entry.closeAttempt(new PeerError('ERR_ANSWER_TIMEOUT', 'No answer in time; the offer is withdrawn.'));
    const delay = round.pauseBeforeNextOffer(() => {
      // A round that gave its slot back waits here for a free one (live attempts stay bounded).
      this.pacer.resume(entry.peerId, () => {
        if (!context.isClosed() && context.entries.get(entry.peerId) === entry) this.sendOffer(entry, round);
      });
    });
    if (delay !== undefined) {
      context.logger.info('no answer, offering again', { peerId: entry.peerId, offers: round.offersMade, delayMs: delay });
      return;
    }
    const error = new PeerError('ERR_ANSWER_TIMEOUT', `Peer ${entry.peerId} did not answer any of ${round.offersMade} offers.`);
    context.logger.warn(error.message, { peerId: entry.peerId, code: error.code });
    context.setState(entry, 'not-connected', error);
  }
}
