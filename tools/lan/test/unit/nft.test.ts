import { describe, expect, it } from '@jest/globals';
import { NO_FAULTS, buildRuleset } from '../../src/nft.js';

describe('nft ruleset', () => {
  it('only deletes the table when no fault is set (idempotent even if it never existed)', () => {
    expect(buildRuleset(NO_FAULTS)).toBe('table inet fileshare_rig\ndelete table inet fileshare_rig\n');
  });

  it('drops N% on the host link in both directions', () => {
    const script = buildRuleset({ lossPercent: 25, multicastBlocked: false });
    expect(script).toContain('iifname "eth0" numgen random mod 100 < 25 drop');
    expect(script).toContain('oifname "eth0" numgen random mod 100 < 25 drop');
    expect(script).toContain('hook input');
    expect(script).toContain('hook output');
    expect(script).not.toContain('224.0.0.0/4');
  });

  it('drops everything unconditionally at 100%', () => {
    const script = buildRuleset({ lossPercent: 100, multicastBlocked: false });
    expect(script).toContain('iifname "eth0" drop');
    expect(script).toContain('oifname "eth0" drop');
    expect(script).not.toContain('numgen');
  });

  it('blocks IPv4 multicast both ways and combines with loss', () => {
    const script = buildRuleset({ lossPercent: 10, multicastBlocked: true });
    expect(script).toContain('iifname "eth0" ip daddr 224.0.0.0/4 drop');
    expect(script).toContain('oifname "eth0" ip daddr 224.0.0.0/4 drop');
    expect(script).toContain('numgen random mod 100 < 10 drop');
  });

  it('replaces the table in one transaction: delete comes before the new definition', () => {
    const script = buildRuleset({ lossPercent: 0, multicastBlocked: true });
    expect(script.indexOf('delete table')).toBeLessThan(script.indexOf('table inet fileshare_rig {'));
  });

  it('refuses percentages outside 0-100 and fractions', () => {
    for (const bad of [-1, 101, 2.5, Number.NaN]) {
      expect(() => buildRuleset({ lossPercent: bad, multicastBlocked: false })).toThrow(
        expect.objectContaining({ code: 'ERR_LAN_INVALID_ARGUMENT' }),
      );
    }
  });
});
