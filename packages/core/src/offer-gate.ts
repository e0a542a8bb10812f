import type { AcceptPolicy } from './types.js';

/** Offers from one peer that may wait behind the one it has awaiting a decision. */
export const MAX_QUEUED_PER_PEER = 3;
/** Offers awaiting a decision or queued, from all peers together. */
export const MAX_WAITING_OFFERS = 16;

/** What the gate needs of an incoming offer. */
export interface GateOffer {
  transferId: string;
  peerId: string;
  /** The name the sender gave in its offer (checked for look-alikes too, not only the listed name). */
  senderName: string;
  accept(): void;
  decline(): void;
}

/** What the gate asks the node about a peer. */
export interface GateView {
  /** Blocked for this session (`blockPeer`). */
  isBlocked(peerId: string): boolean;
  /** Trusted (trust file or session) and proven on a connection this session. */
  isTrusted(peerId: string): boolean;
  /** The id of the trusted peer this one imitates by name (listed name or `senderName`). */
  lookalikeOf(peerId: string, senderName: string): string | undefined;
}

export type DeclineReason = 'blocked' | 'policy' | 'untrusted' | 'lookalike' | 'busy';

export type GateDecision =
  | { action: 'accept'; trusted: boolean; lookalikeOf?: undefined }
  | {
      action: 'decline';
      /** What the sender is told: ERR_TRANSFER_BUSY when too many offers wait already. */
      code: 'ERR_TRANSFER_DECLINED' | 'ERR_TRANSFER_BUSY';
      reason: DeclineReason;
      trusted: boolean;
      lookalikeOf?: string;
    }
  | {
      action: 'ask';
      /** False: queued behind another offer of the same peer; shown (via `onShow`) when its turn comes. */
      shown: boolean;
      trusted: false;
      lookalikeOf?: string;
    };

interface Waiting<T> {
  offer: T;
  lookalikeOf?: string;
}

/**
 * Decides incoming offers by policy and trust, and keeps the prompts a person sees bounded: one
 * offer per peer awaits a decision at a time, up to MAX_QUEUED_PER_PEER more from that peer wait
 * behind it, at most MAX_WAITING_OFFERS in total; beyond that, offers are declined as busy. A
 * look-alike (a stranger using a trusted peer's name) is never accepted without asking. Pure: no
 * timers, no I/O (the transfer layer times out undecided offers and reports them via `ended`).
 */
export class OfferGate<T extends GateOffer> {
  private readonly waiting = new Map<string, Waiting<T>>();
  /** Per peer, its waiting transfer ids in arrival order; the first one is shown. */
  private readonly queues = new Map<string, string[]>();

  constructor(
    private readonly policy: AcceptPolicy,
    private readonly view: GateView,
    /** A queued offer's turn came: show it (as awaiting a decision). */
    private readonly onShow: (offer: T, lookalikeOf: string | undefined) => void,
  ) {}

  decide(offer: T): GateDecision {
    const { peerId } = offer;
    const trusted = this.view.isTrusted(peerId);
    if (this.view.isBlocked(peerId)) return { action: 'decline', code: 'ERR_TRANSFER_DECLINED', reason: 'blocked', trusted };
    if (this.policy === 'none') return { action: 'decline', code: 'ERR_TRANSFER_DECLINED', reason: 'policy', trusted };
    const lookalikeOf = trusted ? undefined : this.view.lookalikeOf(peerId, offer.senderName);
    if (lookalikeOf !== undefined) {
      if (this.policy !== 'ask') return { action: 'decline', code: 'ERR_TRANSFER_DECLINED', reason: 'lookalike', trusted, lookalikeOf };
      return this.enqueue(offer, lookalikeOf);
    }
    if (trusted || this.policy === 'all') return { action: 'accept', trusted };
    if (this.policy === 'trusted') return { action: 'decline', code: 'ERR_TRANSFER_DECLINED', reason: 'untrusted', trusted };
    return this.enqueue(offer, undefined);
  }

  private enqueue(offer: T, lookalikeOf: string | undefined): GateDecision {
    const queue = this.queues.get(offer.peerId) ?? [];
    if (queue.length > MAX_QUEUED_PER_PEER || this.waiting.size >= MAX_WAITING_OFFERS) {
      return { action: 'decline', code: 'ERR_TRANSFER_BUSY', reason: 'busy', trusted: false, ...(lookalikeOf !== undefined ? { lookalikeOf } : {}) };
    }
    queue.push(offer.transferId);
    this.queues.set(offer.peerId, queue);
    this.waiting.set(offer.transferId, { offer, ...(lookalikeOf !== undefined ? { lookalikeOf } : {}) });
    return { action: 'ask', shown: queue.length === 1, trusted: false, ...(lookalikeOf !== undefined ? { lookalikeOf } : {}) };
  }

  /** Waiting (shown or queued). */
  has(transferId: string): boolean {
    return this.waiting.has(transferId);
  }

  /** Awaiting a decision now (the first of its peer's queue). */
  isShown(transferId: string): boolean {
    const entry = this.waiting.get(transferId);
    return entry !== undefined && this.queues.get(entry.offer.peerId)?.[0] === transferId;
  }

  /** The peer's waiting offers, the shown one first. */
  waitingFrom(peerId: string): T[] {
    return (this.queues.get(peerId) ?? []).flatMap((id) => {
      const entry = this.waiting.get(id);
      return entry ? [entry.offer] : [];
    });
  }

  /** Offers waiting, shown or queued. */
  size(): number {
    return this.waiting.size;
  }

  /** A person decided. False when the offer is not waiting (any more). */
  respond(transferId: string, decision: 'accept' | 'decline'): boolean {
    const taken = this.take(transferId);
    if (!taken) return false;
    if (decision === 'accept') taken.offer.accept();
    else taken.offer.decline();
    if (taken.wasShown) this.showNext(taken.offer.peerId);
    return true;
  }

  /** The offer ended without us (sender cancelled, decision timeout, connection lost). */
  ended(transferId: string): void {
    const taken = this.take(transferId);
    if (taken?.wasShown) this.showNext(taken.offer.peerId);
  }

  /** The peer became trusted: every offer of it that waits is accepted. */
  acceptAllFrom(peerId: string): void {
    for (const offer of this.takeAll(peerId)) offer.accept();
  }

  /** The peer was blocked: every offer of it that waits is declined. */
  declineAllFrom(peerId: string): void {
    for (const offer of this.takeAll(peerId)) offer.decline();
  }

  /** Forgets every waiting offer (the transfer layer declines them as it closes). */
  clear(): void {
    this.waiting.clear();
    this.queues.clear();
  }

  private take(transferId: string): { offer: T; wasShown: boolean } | undefined {
    const entry = this.waiting.get(transferId);
    if (!entry) return undefined;
    this.waiting.delete(transferId);
    const queue = this.queues.get(entry.offer.peerId) ?? [];
    const wasShown = queue[0] === transferId;
    const rest = queue.filter((id) => id !== transferId);
    if (rest.length > 0) this.queues.set(entry.offer.peerId, rest);
    else this.queues.delete(entry.offer.peerId);
    return { offer: entry.offer, wasShown };
  }

  private takeAll(peerId: string): T[] {
    const ids = this.queues.get(peerId) ?? [];
    this.queues.delete(peerId);
    const offers: T[] = [];
    for (const id of ids) {
      const entry = this.waiting.get(id);
      this.waiting.delete(id);
      if (entry) offers.push(entry.offer);
    }
    return offers;
  }

  private showNext(peerId: string): void {
    const next = this.queues.get(peerId)?.[0];
    const entry = next !== undefined ? this.waiting.get(next) : undefined;
    if (entry) this.onShow(entry.offer, entry.lookalikeOf);
  }
}
