import type { Logger } from '@fileshare/protocol';

/**
 * Warn lines about refused input, rate-limited per key (an error code): a flood of bad offers
 * must not become a flood of log lines. At most `limit` lines per key per window; the first
 * line of the next window that has one says how many were left out. Needs no timer.
 */
export class LogLimiter {
  private readonly windows = new Map<string, { start: number; count: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  warn(key: string, message: string, fields: Record<string, unknown>): void {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs || now < window.start) {
      if (window && window.suppressed > 0) {
        this.logger.warn(`${message} (and ${window.suppressed} more like it not logged)`, { ...fields, suppressed: window.suppressed });
        this.windows.set(key, { start: now, count: 1, suppressed: 0 });
        return;
      }
      window = { start: now, count: 0, suppressed: 0 };
      this.windows.set(key, window);
    }
    if (window.count < this.limit) {
      window.count += 1;
      this.logger.warn(message, fields);
    } else {
      window.suppressed += 1;
    }
  }
}
