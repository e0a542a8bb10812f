/** The same warning code about the same peer is emitted at most once per this interval. */
export const WARNING_REPEAT_MS = 10_000;
/** At most this many rate-limited warnings per minute in total, whatever their code or peer. */
export const WARNINGS_PER_MINUTE = 20;
const MINUTE_MS = 60_000;
/** Above this many remembered (code, peer) pairs, expired ones are dropped: a flood of fresh ids costs bounded memory. */
const MAX_REMEMBERED = 1024;

/**
 * Rate limit for warnings caused by what others send (refused proofs, look-alikes, busy
 * declines): a hostile host could otherwise fill a terminal or a log with them. Counts what it
 * held back, so the next warning of the same kind that goes out can say so.
 */
export class WarningLimiter {
  /** Per (code, peer): when one was last let through, and how many were held back since. */
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  private readonly recent: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * True when a warning with this code (about this peer) may be emitted now. `suppressedBefore`:
   * how many with the same code and peer were held back since the last one let through.
   */
  allow(code: string, peerId = ''): { allowed: boolean; suppressedBefore: number } {
    const now = this.now();
    const key = `${code}\u0000${peerId}`;
    const previous = this.last.get(key);
    while (this.recent.length > 0 && now - this.recent[0]! >= MINUTE_MS) this.recent.shift();
    if ((previous !== undefined && now - previous.at < WARNING_REPEAT_MS) || this.recent.length >= WARNINGS_PER_MINUTE) {
      if (previous) previous.suppressed++;
      return { allowed: false, suppressedBefore: 0 };
    }
    if (this.last.size >= MAX_REMEMBERED) this.prune(now);
    this.last.delete(key); // re-inserted last: the map stays oldest-first
    this.last.set(key, { at: now, suppressed: 0 });
    this.recent.push(now);
    return { allowed: true, suppressedBefore: previous?.suppressed ?? 0 };
  }

  private prune(now: number): void {
    for (const [key, entry] of this.last) {
      if (now - entry.at >= WARNING_REPEAT_MS) this.last.delete(key);
    }
    // Still full (a burst of fresh ids inside one interval): forget the oldest; the per-minute cap still holds.
    for (const key of this.last.keys()) {
      if (this.last.size < MAX_REMEMBERED) break;
      this.last.delete(key);
    }
  }
}
