import { describe, expect, it } from '@jest/globals';
import { WarningLimiter } from '../../src/warning-limiter.js';

describe('warning rate limit', () => {
  it('lets the same code about the same peer through once per 10 s, and says how many it held back', () => {
    let now = 0;
    const limiter = new WarningLimiter(() => now);
    expect(limiter.allow('WARN_PROOF_REFUSED', 'a').allowed).toBe(true);
    expect(limiter.allow('WARN_PROOF_REFUSED', 'a').allowed).toBe(false);
    expect(limiter.allow('WARN_PROOF_REFUSED', 'b').allowed).toBe(true);
    expect(limiter.allow('WARN_LOOKALIKE_PEER', 'a').allowed).toBe(true);
    now = 9_999;
    expect(limiter.allow('WARN_PROOF_REFUSED', 'a').allowed).toBe(false);
    now = 10_000;
    expect(limiter.allow('WARN_PROOF_REFUSED', 'a')).toEqual({ allowed: true, suppressedBefore: 2 });
  });

  it('lets at most 20 warnings a minute through in total, whatever the peer ids', () => {
    let now = 0;
    const limiter = new WarningLimiter(() => now);
    let allowed = 0;
    for (let i = 0; i < 5000; i++) {
      now = i * 10; // 5000 fresh ids in 50 s
      if (limiter.allow('WARN_PROOF_REFUSED', `peer-${i}`).allowed) allowed++;
    }
    expect(allowed).toBe(20);
    now = 60_000;
    expect(limiter.allow('WARN_PROOF_REFUSED', 'later').allowed).toBe(true);
  });
});
