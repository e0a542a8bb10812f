import type { Logger } from './logger.js';

export interface LogLimiterOptions {
  /** Lines logged per code in one window. */
  linesPerWindow: number;
  windowMs: number;
  /** What the summary line calls the suppressed lines, e.g. "signaling warnings". Default "warnings". */
  subject?: string;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
}

interface Window {
  start: number;
  logged: number;
  suppressed: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Warnings about hostile input, rate-limited per code: a flood of bad connections or offers must
 * not turn into a flood of log lines (disk, terminal, the agent's JSON-lines consumer). The first
 * `linesPerWindow` lines of a code in a window are logged; the rest are counted and reported in
 * one summary line when the window ends (or on close). Windows exist per code, a small fixed
 * set, and are dropped once summarised.
 */
export class LogLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;

  constructor(
    private readonly logger: Logger,
    private readonly options: LogLimiterOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  warn(code: string, message: string, fields: Record<string, unknown>): void {
    const now = this.now();
    let window = this.windows.get(code);
    if (window && now - window.start >= this.options.windowMs) {
      this.flush(code, window);
      window = undefined;
    }
    if (!window) {
      window = { start: now, logged: 0, suppressed: 0, timer: undefined };
      this.windows.set(code, window);
    }
    if (window.logged < this.options.linesPerWindow) {
      window.logged++;
      this.logger.warn(message, { code, ...fields });
      return;
    }
    window.suppressed++;
    if (!window.timer) {
      const ending = window;
      ending.timer = setTimeout(() => this.flush(code, ending), Math.max(0, ending.start + this.options.windowMs - now));
      ending.timer.unref();
    }
  }

  /** Logs what is still suppressed and clears every timer. */
  close(): void {
    for (const [code, window] of [...this.windows]) this.flush(code, window);
  }

  private flush(code: string, window: Window): void {
    clearTimeout(window.timer);
    window.timer = undefined;
    if (this.windows.get(code) === window) this.windows.delete(code);
    if (window.suppressed > 0) {
      this.logger.warn(`${window.suppressed} more ${this.options.subject ?? 'warnings'} with code ${code} suppressed`, {
        code,
        suppressed: window.suppressed,
        windowMs: this.options.windowMs,
      });
    }
  }
}
