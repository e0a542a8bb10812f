/**
 * Pacing of outgoing offers: a token bucket (steady rate plus a burst) and a bounded,
 * deduplicated FIFO of peers that wait for a slot or a token. Pure: time is passed in.
 */

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token (0 when one is available now). */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }

  private refill(now: number): void {
    // A clock that goes backwards refills nothing (and never drains).
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
    this.updatedAt = now;
  }
}

/** FIFO of peer ids; adding one already queued keeps its place; when full the oldest is dropped. */
export class PeerQueue {
  // A Set iterates in insertion order: a FIFO with O(1) membership and removal.
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.ids.size;
  }

  /** Returns the id dropped to make room, if any. */
  push(id: string): string | undefined {
    if (this.ids.has(id)) return undefined;
    let dropped: string | undefined;
    if (this.ids.size >= this.capacity) {
      const [oldest] = this.ids;
      if (oldest !== undefined) {
        this.ids.delete(oldest);
        dropped = oldest;
      }
    }
    this.ids.add(id);
    return dropped;
  }

  peek(): string | undefined {
    const [first] = this.ids;
    return first;
  }

  shift(): string | undefined {
    const [first] = this.ids;
    if (first !== undefined) this.ids.delete(first);
    return first;
  }

  delete(id: string): void {
    this.ids.delete(id);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  clear(): void {
    this.ids.clear();
  }
}

export interface OfferPacerLimits {
  /** Rounds that may run at once. */
  maxRunning: number;
  ratePerSecond: number;
  burst: number;
  /** Peers that may wait. */
  maxQueued: number;
}

export interface OfferPacerHooks {
  /** Initiator rounds running now. */
  running(): number;
  /** False once the peer no longer needs a round (connected, attempt running, gone). */
  wanted(peerId: string): boolean;
  /** Starts the peer's round (sends its first offer). */
  start(peerId: string): void;
  /** A waiting peer was forgotten because the queue was full. */
  dropped(peerId: string): void;
}

/**
 * Decides when an initiator round may start: at once while a round slot and a token are free and
 * nobody waits, otherwise in FIFO order as slots free up (`slotFreed`) and tokens refill (one
 * timer, cleared by `close`).
 */
export class OfferPacer {
  private readonly queue: PeerQueue;
  private readonly tokens: TokenBucket;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pumpScheduled = false;
  private closed = false;

  constructor(
    private readonly limits: OfferPacerLimits,
    private readonly hooks: OfferPacerHooks,
  ) {
    this.queue = new PeerQueue(limits.maxQueued);
    this.tokens = new TokenBucket(limits.ratePerSecond, limits.burst, Date.now());
  }

  /** The peer wants a round (it was seen). */
  request(peerId: string): void {
    if (this.closed) return;
    if (this.queue.size === 0 && this.hooks.running() < this.limits.maxRunning && this.tokens.take(Date.now())) {
      this.hooks.start(peerId);
      return;
    }
    const dropped = this.queue.push(peerId);
    if (dropped !== undefined) this.hooks.dropped(dropped);
    this.pump();
  }

  /** The peer left: it no longer waits. */
  forget(peerId: string): void {
    this.queue.delete(peerId);
  }

  /** A round ended: start the next waiting one once the current call stack is done. */
  slotFreed(): void {
    if (this.pumpScheduled || this.queue.size === 0 || this.closed) return;
    this.pumpScheduled = true;
    void Promise.resolve().then(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    this.queue.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    while (!this.closed && this.queue.size > 0 && this.hooks.running() < this.limits.maxRunning) {
      const next = this.queue.peek();
      if (next === undefined) return;
      if (!this.hooks.wanted(next)) {
        this.queue.delete(next);
        continue;
      }
      const now = Date.now();
      if (!this.tokens.take(now)) {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, this.tokens.waitMs(now));
        return;
      }
      this.queue.delete(next);
      this.hooks.start(next);
    }
  }
}
