import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { AddressRateLimiter } from '../../src/address-rate.js';

beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

/** A clock the test moves by hand, with the fake timers moved along. */
function clock() {
  let now = 0;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
      jest.advanceTimersByTime(ms);
    },
  };
}

describe('per-address connection rate', () => {
  it('allows a burst of 20, then 10 per second, per address', () => {
    const t = clock();
    const rate = new AddressRateLimiter({ ratePerSecond: 10, burst: 20, maxAddresses: 100, now: t.now });
    const taken = Array.from({ length: 25 }, () => rate.take('10.0.0.1'));
    expect(taken.filter(Boolean)).toHaveLength(20);
    expect(rate.take('10.0.0.2')).toBe(true);
    t.advance(100);
    expect(rate.take('10.0.0.1')).toBe(true);
    expect(rate.take('10.0.0.1')).toBe(false);
    t.advance(1000);
    expect(Array.from({ length: 12 }, () => rate.take('10.0.0.1')).filter(Boolean)).toHaveLength(10);
    rate.close();
  });

  it('forgets an address once its bucket has refilled, with no further attempt', () => {
    const t = clock();
    const rate = new AddressRateLimiter({ ratePerSecond: 10, burst: 20, maxAddresses: 100, now: t.now });
    for (let i = 0; i < 50; i++) rate.take(`10.0.${i % 5}.1`);
    expect(rate.size).toBe(5);
    t.advance(2000);
    t.advance(2000);
    expect(rate.size).toBe(0);
    // No timer is left behind once there is nothing to sweep.
    expect(jest.getTimerCount()).toBe(0);
    rate.close();
  });

  it('never holds more than maxAddresses, whatever the sequence of attempts', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(200), fc.nat(50)), { maxLength: 300 }), (attempts) => {
        const t = clock();
        const rate = new AddressRateLimiter({ ratePerSecond: 10, burst: 20, maxAddresses: 16, now: t.now });
        for (const [host, wait] of attempts) {
          t.advance(wait);
          rate.take(`10.0.0.${host}`);
          expect(rate.size).toBeLessThanOrEqual(16);
        }
        rate.close();
        expect(jest.getTimerCount()).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
