import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { type InboundSlot, admit } from '../../src/admission.js';

const limits = { maxConnections: 6, maxPerAddress: 3, maxPendingHellosPerAddress: 2 };
const slot = (s: Partial<InboundSlot>): InboundSlot => ({ address: '10.0.0.1', state: 'open', acceptedAt: 0, lastActive: 0, ...s });

const arbitrarySlot: fc.Arbitrary<InboundSlot> = fc
  .record({
    address: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'),
    state: fc.constantFrom('hello' as const, 'open' as const, 'closing' as const),
    peerId: fc.constantFrom('p1', 'p2', 'p3', 'p4'),
    acceptedAt: fc.nat(1000),
    lastActive: fc.nat(1000),
  })
  .map(({ peerId, ...rest }) => (rest.state === 'hello' ? rest : { ...rest, peerId }));

describe('admission of an inbound connection', () => {
  it('never gives up a proven peer, keeps per-address caps, and evicts in the documented order', () => {
    fc.assert(
      fc.property(
        fc.array(arbitrarySlot, { maxLength: 10 }),
        fc.constantFrom('10.0.0.1', '10.0.0.5'),
        fc.subarray(['p1', 'p2', 'p3', 'p4']),
        (inbound, address, proven) => {
          const isAuthenticated = (id: string) => proven.includes(id);
          const result = admit(address, inbound, limits, isAuthenticated);
          const mine = inbound.filter((s) => s.address === address);
          const pending = inbound.filter((s) => s.state === 'hello');
          const strangers = inbound.filter((s) => s.state === 'open' && !isAuthenticated(s.peerId!));

          if (mine.length >= limits.maxPerAddress) {
            return expect(result).toEqual({ accept: false, code: 'ERR_SIGNAL_TOO_MANY_FROM_ADDRESS' });
          }
          if (mine.filter((s) => s.state === 'hello').length >= limits.maxPendingHellosPerAddress) {
            return expect(result).toEqual({ accept: false, code: 'ERR_SIGNAL_TOO_MANY_PENDING_HELLOS' });
          }
          if (inbound.length < limits.maxConnections) return expect(result).toEqual({ accept: true });
          if (!result.accept) {
            expect(result.code).toBe('ERR_SIGNAL_TOO_MANY_CONNECTIONS');
            expect(pending).toEqual([]);
            return expect(strangers).toEqual([]);
          }
          const victim = result.evict!;
          expect(inbound).toContain(victim);
          expect(victim.state === 'open' && isAuthenticated(victim.peerId!)).toBe(false);
          expect(victim.state).not.toBe('closing');
          if (pending.length > 0) {
            expect(victim.state).toBe('hello');
            return expect(victim.acceptedAt).toBe(Math.min(...pending.map((s) => s.acceptedAt)));
          }
          expect(strangers).toContain(victim);
          return expect(victim.lastActive).toBe(Math.min(...strangers.map((s) => s.lastActive)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('with every slot a proven peer or closing, refuses the newcomer', () => {
    const full = [
      ...Array.from({ length: 5 }, (_, i) => slot({ address: `10.0.0.${i}`, peerId: 'proven' })),
      slot({ address: '10.0.0.9', state: 'closing', peerId: 'stranger' }),
    ];
    expect(admit('10.0.0.7', full, limits, (id) => id === 'proven')).toEqual({ accept: false, code: 'ERR_SIGNAL_TOO_MANY_CONNECTIONS' });
  });

  it('without isAuthenticated information, the idlest open connection makes room', () => {
    const full = Array.from({ length: 6 }, (_, i) => slot({ address: `10.0.0.${i}`, peerId: `p${i}`, lastActive: 100 - i }));
    const result = admit('10.0.0.7', full, limits, () => false);
    expect(result).toEqual({ accept: true, evict: full[5] });
  });
});
