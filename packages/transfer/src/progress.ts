import { PROGRESS_INTERVAL_MS, SPEED_SMOOTHING_MS } from './constants.js';

/** Injected so progress throttling can be tested with fake time. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface ProgressSnapshot {
  bytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  etaSeconds?: number;
  currentFile?: string;
}

export interface ProgressTrackerInit {
  totalBytes: number;
  emit: (snapshot: ProgressSnapshot) => void;
  clock?: Clock;
  /** Default {@link PROGRESS_INTERVAL_MS}. */
  intervalMs?: number;
  /** Default {@link SPEED_SMOOTHING_MS}. */
  smoothingMs?: number;
}

/**
 * Turns a stream of byte counts into progress events: at most one per interval (a trailing
 * timer makes sure the latest state is shown), speed smoothed exponentially over the bytes moved
 * in this transfer (a resumed prefix counts as done but not as speed), ETA from that speed.
 */
export class ProgressTracker {
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly smoothingMs: number;
  private doneBytes = 0;
  private movedBytes = 0;
  private file: string | undefined;
  private lastEmitAt: number;
  private lastSampleAt: number;
  private lastSampleMoved = 0;
  private speed: number | undefined;
  private timer: unknown;
  private finished = false;
  private readonly startedAt: number;

  constructor(private readonly init: ProgressTrackerInit) {
    this.clock = init.clock ?? systemClock;
    this.intervalMs = init.intervalMs ?? PROGRESS_INTERVAL_MS;
    this.smoothingMs = init.smoothingMs ?? SPEED_SMOOTHING_MS;
    this.startedAt = this.clock.now();
    this.lastEmitAt = this.startedAt;
    this.lastSampleAt = this.startedAt;
  }

  get bytes(): number {
    return this.doneBytes;
  }

  /** Bytes already held before this transfer moved anything (resume). */
  addResumed(bytes: number, currentFile?: string): void {
    this.doneBytes += bytes;
    this.update(currentFile);
  }

  /** Bytes moved by this transfer. */
  add(bytes: number, currentFile?: string): void {
    this.doneBytes += bytes;
    this.movedBytes += bytes;
    this.update(currentFile);
  }

  /** Emits the final state once and stops. */
  finish(): void {
    if (this.finished) return;
    this.stop();
    // The last event reports the average over the whole transfer: the figure worth remembering.
    const elapsed = this.clock.now() - this.startedAt;
    this.speed = elapsed > 0 ? (this.movedBytes * 1000) / elapsed : this.speed;
    this.init.emit(this.snapshot(true));
  }

  /** Stops without a final event (failed transfers). */
  stop(): void {
    this.finished = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private update(currentFile: string | undefined): void {
    if (this.finished) return;
    if (currentFile !== undefined) this.file = currentFile;
    const now = this.clock.now();
    const wait = this.lastEmitAt + this.intervalMs - now;
    if (wait <= 0) {
      this.emitNow(now);
    } else if (this.timer === undefined) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        if (!this.finished) this.emitNow(this.clock.now());
      }, wait);
    }
  }

  private emitNow(now: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.lastEmitAt = now;
    this.sample(now);
    this.init.emit(this.snapshot(false));
  }

  private sample(now: number): void {
    const dt = now - this.lastSampleAt;
    if (dt <= 0) return;
    const instant = ((this.movedBytes - this.lastSampleMoved) * 1000) / dt;
    if (this.speed === undefined) {
      this.speed = instant;
    } else {
      const alpha = 1 - Math.exp(-dt / this.smoothingMs);
      this.speed += alpha * (instant - this.speed);
    }
    this.lastSampleAt = now;
    this.lastSampleMoved = this.movedBytes;
  }

  private snapshot(final: boolean): ProgressSnapshot {
    const speed = Math.max(0, Math.round(this.speed ?? 0));
    const remaining = Math.max(0, this.init.totalBytes - this.doneBytes);
    return {
      bytes: this.doneBytes,
      totalBytes: this.init.totalBytes,
      bytesPerSecond: speed,
      ...(final ? { etaSeconds: 0 } : speed > 0 ? { etaSeconds: Math.ceil(remaining / speed) } : {}),
      ...(this.file !== undefined ? { currentFile: this.file } : {}),
    };
  }
}
