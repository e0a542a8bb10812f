/**
 * Pacing of outgoing offers: a token bucket (steady rate plus a burst) and bounded, deduplicated
 * FIFOs of peers (one per priority) that wait for a round slot or a token.
 */

/**
 * How much a peer matters to the person at the keyboard. `high`: trusted, verified this session,
 * added by address, or someone waits for it; `normal`: found by mDNS; `low`: known only from a
 * signaling hello (anyone can send those by the thousand).
 */
export type RoundPriority = 'high' | 'normal' | 'low';

export interface PeerSeenOptions {
  /** Default `normal`. */
  priority?: RoundPriority;
}

/** Round slots only `high` peers may use, beyond MAX_INITIATOR_ATTEMPTS. */
export const HIGH_PRIORITY_RESERVED_ATTEMPTS = 4;
/** `low` rounds holding a slot at once (at most). */
export const MAX_LOW_PRIORITY_ATTEMPTS = 4;

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
  /** Rounds that may hold a slot at once (`normal` and `low`). */
  maxRunning: number;
  /** Further slots only `high` rounds may take. */
  reservedHigh: number;
  /** `low` rounds holding a slot at once. */
  maxLowRunning: number;
  ratePerSecond: number;
  burst: number;
  /** Peers that may wait, all priorities together. */
  maxQueued: number;
}

export interface OfferPacerHooks {
  /** False once the peer no longer needs a round (connected, attempt running, gone). */
  wanted(peerId: string): boolean;
  /** Starts the peer's round (sends its first offer); the round then holds a slot until `roundEnded`. */
  start(peerId: string): void;
  /** A waiting peer was forgotten because the queue was full. */
  dropped(peerId: string): void;
}

const RANK: Record<RoundPriority, number> = { low: 0, normal: 1, high: 2 };

interface Round {
  priority: RoundPriority;
  /** Its current offer could not be delivered: it waits out its timers without holding a slot. */
  parked: boolean;
}

/**
 * Decides when an initiator round may start: `high` peers first (and they may use reserved
 * slots), then `normal` ones, then `low` ones (at most `maxLowRunning` of them at once), each
 * new round taking a token. Strict order: hellos are free to forge by the thousand, while mDNS
 * instances are capped per source address, so `low` must never delay `normal`. A round whose
 * offer was not delivered gives its slot back until its next offer (`offerUndelivered`,
 * `resume`). One timer, cleared by `close`.
 */
export class OfferPacer {
  private readonly queues: Record<RoundPriority, PeerQueue>;
  private readonly tokens: TokenBucket;
  private readonly rounds = new Map<string, Round>();
  /** Parked rounds whose next offer is due, waiting for a slot (served before any new round). */
  private readonly resumes = new Map<string, () => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pumpScheduled = false;
  private closed = false;

  constructor(
    private readonly limits: OfferPacerLimits,
    private readonly hooks: OfferPacerHooks,
  ) {
    // Each queue could hold every waiting peer; the total is bounded in `push`.
    this.queues = { high: new PeerQueue(limits.maxQueued), normal: new PeerQueue(limits.maxQueued), low: new PeerQueue(limits.maxQueued) };
    this.tokens = new TokenBucket(limits.ratePerSecond, limits.burst, Date.now());
  }

  /** Rounds holding a slot now (parked ones do not). */
  get running(): number {
    let n = 0;
    for (const r of this.rounds.values()) if (!r.parked) n += 1;
    return n;
  }

  /** The peer wants a round (it was seen). A higher priority moves a waiting peer up. */
  request(peerId: string, priority: RoundPriority = 'normal'): void {
    if (this.closed || this.rounds.has(peerId)) return;
    const current = this.queuedPriority(peerId);
    if (current !== undefined && RANK[current] >= RANK[priority]) {
      this.pump();
      return;
    }
    if (current !== undefined) this.queues[current].delete(peerId);
    this.push(peerId, priority);
    this.pump();
  }

  /** The peer left: it no longer waits, and its round (if any) is over. */
  forget(peerId: string): void {
    for (const q of Object.values(this.queues)) q.delete(peerId);
    this.roundEnded(peerId);
  }

  /** The peer's round ended (connected, gave up, gone): its slot is free. */
  roundEnded(peerId: string): void {
    this.resumes.delete(peerId);
    if (this.rounds.delete(peerId)) this.schedulePump();
  }

  /**
   * The round's current offer never left (no route, connection refused): no answer can come, so
   * the round stops holding a slot while it waits out its answer timeout and pause.
   */
  offerUndelivered(peerId: string): void {
    const round = this.rounds.get(peerId);
    if (!round || round.parked) return;
    round.parked = true;
    this.schedulePump();
  }

  /**
   * The round's next offer is due: `send` runs now if the round holds its slot or one is free for
   * its priority, else as soon as one frees (ahead of every new round, and without a token).
   */
  resume(peerId: string, send: () => void): void {
    const round = this.rounds.get(peerId);
    if (this.closed) return;
    if (!round || !round.parked) {
      send();
      return;
    }
    if (this.resumes.size === 0 && this.canRun(round.priority)) {
      round.parked = false;
      send();
      return;
    }
    this.resumes.set(peerId, send);
  }

  close(): void {
    this.closed = true;
    for (const q of Object.values(this.queues)) q.clear();
    this.rounds.clear();
    this.resumes.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private queuedPriority(peerId: string): RoundPriority | undefined {
    if (this.queues.high.has(peerId)) return 'high';
    if (this.queues.normal.has(peerId)) return 'normal';
    if (this.queues.low.has(peerId)) return 'low';
    return undefined;
  }

  private get queued(): number {
    return this.queues.high.size + this.queues.normal.size + this.queues.low.size;
  }

  /** Queues the peer; when full, the oldest peer of the lowest priority not above its own goes (or the newcomer). */
  private push(peerId: string, priority: RoundPriority): void {
    if (this.queued >= this.limits.maxQueued) {
      const from = (['low', 'normal', 'high'] as const).find((p) => RANK[p] <= RANK[priority] && this.queues[p].size > 0);
      const dropped = from === undefined ? peerId : this.queues[from].shift();
      if (dropped !== undefined) this.hooks.dropped(dropped);
      if (dropped === peerId) return;
    }
    this.queues[priority].push(peerId);
  }

  private canRun(priority: RoundPriority): boolean {
    let live = 0;
    let low = 0;
    for (const r of this.rounds.values()) {
      if (r.parked) continue;
      live += 1;
      if (r.priority === 'low') low += 1;
    }
    if (live >= this.limits.maxRunning + (priority === 'high' ? this.limits.reservedHigh : 0)) return false;
    return priority !== 'low' || low < this.limits.maxLowRunning;
  }

  /** The head of a queue that still wants a round (dropping those that no longer do). */
  private head(priority: RoundPriority): string | undefined {
    const q = this.queues[priority];
    for (let id = q.peek(); id !== undefined; id = q.peek()) {
      if (this.hooks.wanted(id) && !this.rounds.has(id)) return id;
      q.delete(id);
    }
    return undefined;
  }

  /** The next new round to start: the head of the highest-priority queue that has one. */
  private next(): { id: string; priority: RoundPriority } | undefined {
    for (const priority of ['high', 'normal', 'low'] as const) {
      const id = this.head(priority);
      // A waiting peer of a higher priority holds back every lower one.
      if (id !== undefined) return this.canRun(priority) ? { id, priority } : undefined;
    }
    return undefined;
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    // Once the current call stack is done (a round ending inside a hook must not re-enter it).
    void Promise.resolve().then(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.closed) {
      // Rounds already under way come first: their next offer is due.
      let resumed = false;
      for (const [peerId, send] of this.resumes) {
        const round = this.rounds.get(peerId);
        if (!round) {
          this.resumes.delete(peerId);
          continue;
        }
        if (!this.canRun(round.priority)) continue;
        this.resumes.delete(peerId);
        round.parked = false;
        send();
        resumed = true;
        break;
      }
      if (resumed) continue;
      const next = this.next();
      if (next === undefined) return;
      const now = Date.now();
      if (!this.tokens.take(now)) {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, this.tokens.waitMs(now));
        return;
      }
      this.queues[next.priority].delete(next.id);
      this.rounds.set(next.id, { priority: next.priority, parked: false });
      this.hooks.start(next.id);
      // It could not even start (no connection could be created): its slot is free again.
      if (this.hooks.wanted(next.id)) this.rounds.delete(next.id);
    }
  }
}
