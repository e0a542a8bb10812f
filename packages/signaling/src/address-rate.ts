export interface AddressRateOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Largest number of tokens a bucket holds (and starts with). */
  burst: number;
  /** Buckets kept at once; the least recently used is dropped beyond it. */
  maxAddresses: number;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * One token bucket per remote IP. A bucket that has refilled is indistinguishable from no bucket,
 * so it is deleted: an IP costs memory only for the ~burst/rate seconds after its last attempt,
 * and a sweep timer (running only while some bucket exists) frees the ones nobody touches again.
 */
export class AddressRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly refillMs: number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: AddressRateOptions) {
    this.now = options.now ?? (() => performance.now());
    this.refillMs = Math.ceil((options.burst / options.ratePerSecond) * 1000);
  }

  /** Takes one token for `address`; false when its bucket is empty (the attempt is over the rate). */
  take(address: string): boolean {
    if (this.closed) return false;
    const now = this.now();
    let bucket = this.buckets.get(address);
    if (bucket) {
      this.refill(bucket, now);
      // Re-inserted so that Map order is least recently used first.
      this.buckets.delete(address);
    } else {
      if (this.buckets.size >= this.options.maxAddresses) this.dropOne(now);
      bucket = { tokens: this.options.burst, at: now };
    }
    this.buckets.set(address, bucket);
    this.scheduleSweep();
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Remote IPs with a bucket that has not refilled yet. */
  get size(): number {
    return this.buckets.size;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.buckets.clear();
  }

  private refill(bucket: Bucket, now: number): void {
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + ((now - bucket.at) * this.options.ratePerSecond) / 1000);
    bucket.at = now;
  }

  /** Frees full buckets; if none is full, the least recently used one goes. */
  private dropOne(now: number): void {
    this.sweep(now);
    if (this.buckets.size < this.options.maxAddresses) return;
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }

  private sweep(now: number): void {
    for (const [address, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens >= this.options.burst) this.buckets.delete(address);
    }
  }

  private scheduleSweep(): void {
    if (this.sweepTimer || this.buckets.size === 0) return;
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      this.sweep(this.now());
      this.scheduleSweep();
    }, this.refillMs);
    // Never what keeps a process alive; close() clears it anyway.
    this.sweepTimer.unref();
  }
}
