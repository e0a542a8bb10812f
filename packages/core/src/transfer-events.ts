import type { Logger } from '@fileshare/protocol';
import type { IncomingOffer, OfferDecision, TransferService } from '@fileshare/transfer';
import { type GateDecision, type GateView, OfferGate } from './offer-gate.js';
import type { AcceptPolicy, NodeEvent, PeerInfo } from './types.js';

/** Declined offers whose events we swallow (blocked peers, busy): bounded if an event never comes. */
const MAX_SILENCED = 1024;

export interface TransferEventsDeps {
  emit(event: NodeEvent): void;
  /** A rate-limited warning (its cause is what a peer sends). */
  warn(code: string, message: string, peerId: string): void;
  /** Picks up trust file changes made by another process before deciding. */
  refreshTrust(): void;
  peer(peerId: string): PeerInfo | undefined;
  /** How to name a trusted peer in a warning. */
  trustName(peerId: string): string;
  logger: Logger;
}

function label(name: string, peerId: string): string {
  return `${name || 'A peer'} (${peerId.slice(0, 8)})`;
}

/**
 * Turns the transfer service's events into node events, with the offer gate in between: it
 * decides each incoming offer (policy, trust, look-alikes, blocks, prompt bounds), holds back
 * offers queued behind another of the same peer until their turn, and keeps offers declined
 * because the peer is blocked or too many wait out of the event stream (a flood of them must not
 * flood the screen; a rate-limited warning says it happens).
 */
export class TransferEvents {
  private readonly gate: OfferGate<IncomingOffer>;
  /** Decisions of offers whose `offered` event has not come yet (it follows at once). */
  private readonly decided = new Map<string, GateDecision>();
  private readonly silenced = new Set<string>();
  /** Queued behind another offer of the same peer: no event about them went out yet. */
  private readonly unseen = new Set<string>();

  constructor(
    transfers: TransferService,
    policy: AcceptPolicy,
    view: GateView,
    private readonly deps: TransferEventsDeps,
  ) {
    this.gate = new OfferGate<IncomingOffer>(policy, view, (offer, lookalikeOf) => {
      this.unseen.delete(offer.transferId);
      this.emitOffered(offer, true, false, lookalikeOf);
    });
    this.wire(transfers);
  }

  /** The transfer service's accept policy. */
  admit(offer: IncomingOffer): OfferDecision {
    this.deps.refreshTrust();
    const decision = this.gate.decide(offer);
    this.decided.set(offer.transferId, decision);
    const who = label(offer.senderName, offer.peerId);
    if (decision.lookalikeOf !== undefined) {
      const outcome = decision.action === 'ask' ? 'asking before accepting anything from it' : 'its offer was declined';
      this.deps.warn(
        'WARN_LOOKALIKE_PEER',
        `${who} uses the name of the trusted peer ${label(this.deps.trustName(decision.lookalikeOf), decision.lookalikeOf)} but is another device; ${outcome}.`,
        offer.peerId,
      );
    }
    if (decision.action === 'accept') return 'accept';
    if (decision.action === 'ask') {
      if (!decision.shown) this.unseen.add(offer.transferId);
      return 'ask';
    }
    if (decision.reason === 'blocked' || decision.reason === 'busy') this.silence(offer.transferId);
    if (decision.reason === 'busy') {
      this.deps.warn('WARN_OFFER_BUSY', `Declined an offer from ${who}: too many offers are waiting for a decision (ERR_TRANSFER_BUSY).`, offer.peerId);
      // Declined in the `offer` listener: only there can the decline carry its own code.
      return 'ask';
    }
    return 'decline';
  }

  /** A person decided on an offer awaiting a decision. */
  respond(transferId: string, decision: 'accept' | 'decline'): void {
    this.gate.respond(transferId, decision);
  }

  /**
   * The peer is now trusted: its waiting offers are accepted. Queued ones nobody saw yet are
   * announced first (as not awaiting a decision), so their progress is about a known transfer.
   */
  acceptAllFrom(peerId: string): void {
    for (const offer of this.gate.waitingFrom(peerId)) {
      if (this.unseen.delete(offer.transferId)) this.emitOffered(offer, false, true, undefined);
    }
    this.gate.acceptAllFrom(peerId);
  }

  /** The peer is blocked: its waiting offers are declined; queued ones nobody saw stay unseen. */
  declineAllFrom(peerId: string): void {
    for (const offer of this.gate.waitingFrom(peerId)) {
      if (this.unseen.delete(offer.transferId)) this.silence(offer.transferId);
    }
    this.gate.declineAllFrom(peerId);
  }

  /** The node closes: the transfer layer ends every offer. */
  clear(): void {
    this.gate.clear();
    this.unseen.clear();
  }

  private silence(transferId: string): void {
    if (this.silenced.size >= MAX_SILENCED) {
      const oldest = this.silenced.values().next().value;
      if (oldest !== undefined) this.silenced.delete(oldest);
    }
    this.silenced.add(transferId);
  }

  private emitOffered(
    o: { transferId: string; peerId: string; senderName: string; files: IncomingOffer['files']; totalBytes: number },
    awaitingDecision: boolean,
    trusted: boolean,
    lookalikeOf: string | undefined,
  ): void {
    this.deps.emit({
      event: 'transfer-offered',
      transferId: o.transferId,
      direction: 'receive',
      peerId: o.peerId,
      peerName: o.senderName,
      files: o.files,
      totalBytes: o.totalBytes,
      awaitingDecision,
      trusted,
      ...(lookalikeOf !== undefined ? { lookalikeOf } : {}),
    });
  }

  private wire(transfers: TransferService): void {
    transfers.on('offer', (offer) => {
      const decision = this.decided.get(offer.transferId);
      if (decision?.action === 'decline' && decision.reason === 'busy') offer.decline('ERR_TRANSFER_BUSY');
    });
    transfers.on('offered', (o) => {
      if (o.direction === 'send') {
        const peer = this.deps.peer(o.peerId);
        // For our own sends the transfer layer names us; users want the receiver's name.
        this.deps.emit({
          event: 'transfer-offered',
          transferId: o.transferId,
          direction: 'send',
          peerId: o.peerId,
          peerName: peer?.name ?? '',
          files: o.files,
          totalBytes: o.totalBytes,
          awaitingDecision: false,
          trusted: peer?.trusted ?? false,
        });
        return;
      }
      const decision = this.decided.get(o.transferId);
      this.decided.delete(o.transferId);
      if (this.silenced.has(o.transferId)) return;
      if (decision?.action === 'ask' && !this.gate.isShown(o.transferId)) return; // shown when its turn comes
      this.emitOffered(o, this.gate.isShown(o.transferId), decision?.trusted ?? false, decision?.lookalikeOf);
    });
    transfers.on('reconnecting', (r) =>
      this.deps.emit({ event: 'transfer-reconnecting', transferId: r.transferId, direction: r.direction, peerId: r.peerId, graceSeconds: Math.round(r.graceMs / 1000), message: r.message }),
    );
    transfers.on('started', (s) =>
      this.deps.emit({
        event: 'transfer-started',
        transferId: s.transferId,
        direction: s.direction,
        peerId: s.peerId,
        totalBytes: s.totalBytes,
        resumeFromBytes: s.resumeFromBytes,
        alreadyThereFiles: s.alreadyThereFiles,
      }),
    );
    transfers.on('progress', (p) =>
      this.deps.emit({
        event: 'transfer-progress',
        transferId: p.transferId,
        direction: p.direction,
        peerId: p.peerId,
        bytes: p.bytes,
        totalBytes: p.totalBytes,
        bytesPerSecond: p.bytesPerSecond,
        ...(p.etaSeconds !== undefined ? { etaSeconds: p.etaSeconds } : {}),
        ...(p.currentFile !== undefined ? { currentFile: p.currentFile } : {}),
      }),
    );
    transfers.on('complete', (r) => {
      this.gate.ended(r.transferId);
      this.unseen.delete(r.transferId);
      this.deps.emit({
        event: 'transfer-complete',
        transferId: r.transferId,
        direction: r.direction,
        peerId: r.peerId,
        files: r.files,
        bytesTransferred: r.bytesTransferred,
        resumedBytes: r.resumedBytes,
        ...(r.savedTo !== undefined ? { savedTo: r.savedTo } : {}),
      });
    });
    transfers.on('failed', (f) => {
      this.decided.delete(f.transferId);
      this.gate.ended(f.transferId);
      // Declined unasked (blocked, busy) or ended while queued unseen (timeout, sender cancelled).
      if (this.silenced.delete(f.transferId) || this.unseen.delete(f.transferId)) {
        this.deps.logger.debug('declined offer', { transferId: f.transferId, peerId: f.peerId, code: f.code });
        return;
      }
      this.deps.emit({ event: 'transfer-failed', transferId: f.transferId, direction: f.direction, peerId: f.peerId, code: f.code, message: f.message });
    });
    transfers.on('text', (t) =>
      this.deps.emit({ event: 'text-received', transferId: t.transferId, peerId: t.peerId, peerName: t.senderName, text: t.text }),
    );
  }
}
