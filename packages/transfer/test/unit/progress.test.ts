import { describe, expect, it } from '@jest/globals';
import { type Clock, type ProgressSnapshot, ProgressTracker } from '../../src/progress.js';

/** Manual time: timers fire only when the test advances the clock. */
class FakeClock implements Clock {
  time = 1000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.fn();
    }
    this.time = end;
  }
  get pending(): number {
    return this.timers.length;
  }
}

function tracker(totalBytes: number) {
  const clock = new FakeClock();
  const events: ProgressSnapshot[] = [];
  const t = new ProgressTracker({ totalBytes, emit: (s) => events.push(s), clock, intervalMs: 250, smoothingMs: 2000 });
  return { clock, events, t };
}

describe('progress', () => {
  it('emits at most one event per interval however many updates arrive, and the latest state via a trailing timer', () => {
    const { clock, events, t } = tracker(10_000_000);
    for (let ms = 0; ms < 1000; ms += 1) {
      t.add(1000, 'a.bin');
      clock.advance(1);
    }
    expect(events.length).toBeLessThanOrEqual(4);
    expect(events.length).toBeGreaterThanOrEqual(3);
    t.add(5);
    clock.advance(300);
    expect(events.at(-1)!.bytes).toBe(1_000_005);
    expect(events.at(-1)!.currentFile).toBe('a.bin');
  });

  it('measures a steady rate and derives the ETA from it', () => {
    const { clock, events, t } = tracker(100_000_000);
    // 10 MB/s for 10 s, updated every 10 ms.
    for (let i = 0; i < 1000; i++) {
      clock.advance(10);
      t.add(100_000);
    }
    const last = events.at(-1)!;
    expect(last.bytesPerSecond).toBeGreaterThan(9_500_000);
    expect(last.bytesPerSecond).toBeLessThan(10_500_000);
    expect(last.etaSeconds).toBeGreaterThanOrEqual(0);
    expect(last.etaSeconds).toBeLessThanOrEqual(1);
  });

  it('smooths: a short stall lowers the speed gradually, not to zero at once', () => {
    const { clock, events, t } = tracker(1e12);
    for (let i = 0; i < 500; i++) {
      clock.advance(10);
      t.add(100_000);
    }
    const before = events.at(-1)!.bytesPerSecond;
    clock.advance(500);
    t.add(1);
    clock.advance(250);
    const after = events.at(-1)!.bytesPerSecond;
    expect(after).toBeLessThan(before);
    expect(after).toBeGreaterThan(before * 0.5);
  });

  it('counts a resumed prefix as done but not as speed', () => {
    const { clock, events, t } = tracker(2_000_000);
    t.addResumed(1_000_000);
    clock.advance(1000);
    t.add(100_000);
    clock.advance(1000);
    t.add(100_000);
    const last = events.at(-1)!;
    expect(last.bytes).toBe(1_200_000);
    expect(last.bytesPerSecond).toBeLessThan(200_000);
  });

  it('finish() emits once with the average speed and ETA 0; stop() leaves no timer behind', () => {
    const { clock, events, t } = tracker(1000);
    clock.advance(1000);
    t.add(400);
    t.add(100); // within the interval: schedules a trailing timer
    expect(clock.pending).toBe(1);
    clock.advance(1000);
    t.finish();
    t.finish();
    expect(events.at(-1)).toEqual({ bytes: 500, totalBytes: 1000, bytesPerSecond: 250, etaSeconds: 0 });
    expect(clock.pending).toBe(0);
    const count = events.length;
    t.add(10);
    clock.advance(1000);
    expect(events.length).toBe(count);

    const other = tracker(1000);
    other.t.add(1);
    other.t.add(1);
    other.t.stop();
    expect(other.clock.pending).toBe(0);
  });
});
