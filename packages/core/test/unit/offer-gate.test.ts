import { describe, expect, it } from '@jest/globals';
import { MAX_QUEUED_PER_PEER, MAX_WAITING_OFFERS, type GateOffer, OfferGate } from '../../src/offer-gate.js';
import type { AcceptPolicy } from '../../src/types.js';

interface FakeOffer extends GateOffer {
  outcome: 'waiting' | 'accepted' | 'declined';
}

let counter = 0;
function offer(peerId: string, senderName = peerId): FakeOffer {
  const o: FakeOffer = {
    transferId: `t${++counter}`,
    peerId,
    senderName,
    outcome: 'waiting',
    accept: () => {
      o.outcome = 'accepted';
    },
    decline: () => {
      o.outcome = 'declined';
    },
  };
  return o;
}

/** A node's view with plain sets: `desk` is trusted and proven, `mallory` calls itself "Desk". */
function setup(policy: AcceptPolicy) {
  const trusted = new Set(['desk']);
  const blocked = new Set<string>();
  const names = new Map([['desk', 'desk'], ['mallory', 'Desk'], ['stranger', 'lab']]);
  const shown: { id: string; lookalikeOf: string | undefined }[] = [];
  const gate = new OfferGate<FakeOffer>(
    policy,
    {
      isBlocked: (id) => blocked.has(id),
      isTrusted: (id) => trusted.has(id),
      lookalikeOf: (id, senderName) => {
        if (trusted.has(id)) return undefined;
        const folded = [names.get(id) ?? '', senderName].map((n) => n.toLowerCase());
        return folded.includes('desk') ? 'desk' : undefined;
      },
    },
    (o, lookalikeOf) => shown.push({ id: o.transferId, lookalikeOf }),
  );
  return { gate, trusted, blocked, shown };
}

describe('offer gate: policies', () => {
  it.each<[AcceptPolicy, string, string]>([
    ['all', 'stranger', 'accept'],
    ['all', 'desk', 'accept'],
    ['none', 'desk', 'decline'],
    ['none', 'stranger', 'decline'],
    ['ask', 'desk', 'accept'],
    ['ask', 'stranger', 'ask'],
    ['trusted', 'desk', 'accept'],
    ['trusted', 'stranger', 'decline'],
  ])('policy %s, offer from %s: %s', (policy, peer, action) => {
    const { gate } = setup(policy);
    expect(gate.decide(offer(peer, peer === 'stranger' ? 'lab' : peer)).action).toBe(action);
  });

  it('says why it declined and that the sender is told plainly (ERR_TRANSFER_DECLINED)', () => {
    expect(setup('trusted').gate.decide(offer('stranger', 'lab'))).toMatchObject({ action: 'decline', code: 'ERR_TRANSFER_DECLINED', reason: 'untrusted' });
    expect(setup('none').gate.decide(offer('desk'))).toMatchObject({ action: 'decline', reason: 'policy', trusted: true });
  });
});

describe('offer gate: look-alikes are never accepted without asking', () => {
  it.each<AcceptPolicy>(['all', 'trusted'])('declined under %s', (policy) => {
    const { gate } = setup(policy);
    expect(gate.decide(offer('mallory', 'Desk'))).toMatchObject({ action: 'decline', reason: 'lookalike', lookalikeOf: 'desk' });
  });

  it('a stranger using the trusted name only inside its offer is caught too', () => {
    const { gate } = setup('all');
    expect(gate.decide(offer('stranger', 'DESK'))).toMatchObject({ action: 'decline', reason: 'lookalike', lookalikeOf: 'desk' });
  });

  it('asked, with the trusted peer named, under ask', () => {
    const { gate } = setup('ask');
    expect(gate.decide(offer('mallory', 'Desk'))).toEqual({ action: 'ask', shown: true, trusted: false, lookalikeOf: 'desk' });
  });

  it('the trusted peer itself is accepted', () => {
    const { gate } = setup('all');
    expect(gate.decide(offer('desk', 'desk'))).toEqual({ action: 'accept', trusted: true });
  });
});

describe('offer gate: one prompt per peer, bounded queues', () => {
  it('shows one offer per peer; the next waits unseen and is shown when the first is decided', () => {
    const { gate, shown } = setup('ask');
    const first = offer('stranger');
    const second = offer('stranger');
    expect(gate.decide(first)).toMatchObject({ action: 'ask', shown: true });
    expect(gate.decide(second)).toMatchObject({ action: 'ask', shown: false });
    expect(gate.isShown(second.transferId)).toBe(false);
    expect(gate.respond(first.transferId, 'decline')).toBe(true);
    expect(first.outcome).toBe('declined');
    expect(shown).toEqual([{ id: second.transferId, lookalikeOf: undefined }]);
    expect(gate.isShown(second.transferId)).toBe(true);
    expect(gate.respond(first.transferId, 'accept')).toBe(false); // already decided
  });

  it('another peer\'s offer is shown at once, beside the first peer\'s', () => {
    const { gate } = setup('ask');
    gate.decide(offer('stranger'));
    expect(gate.decide(offer('mallory', 'm'))).toMatchObject({ action: 'ask', shown: true });
  });

  it(`declines as busy beyond 1 + ${MAX_QUEUED_PER_PEER} offers from one peer`, () => {
    const { gate } = setup('ask');
    const decisions = Array.from({ length: 6 }, () => gate.decide(offer('stranger')));
    expect(decisions.map((d) => d.action)).toEqual(['ask', 'ask', 'ask', 'ask', 'decline', 'decline']);
    expect(decisions[4]).toMatchObject({ code: 'ERR_TRANSFER_BUSY', reason: 'busy' });
    expect(gate.size()).toBe(1 + MAX_QUEUED_PER_PEER);
  });

  it(`declines as busy beyond ${MAX_WAITING_OFFERS} waiting offers in total`, () => {
    const { gate } = setup('ask');
    for (let i = 0; i < MAX_WAITING_OFFERS; i++) expect(gate.decide(offer(`peer-${i % 8}`)).action).toBe('ask');
    expect(gate.decide(offer('peer-new'))).toMatchObject({ action: 'decline', code: 'ERR_TRANSFER_BUSY' });
  });

  it('an offer that ended on its own (timeout, sender cancelled) makes way for the next', () => {
    const { gate, shown } = setup('ask');
    const first = offer('stranger');
    const second = offer('stranger');
    gate.decide(first);
    gate.decide(second);
    gate.ended(first.transferId);
    expect(first.outcome).toBe('waiting'); // the transfer layer ended it; the gate does not decide it
    expect(shown.map((s) => s.id)).toEqual([second.transferId]);
    gate.ended(second.transferId);
    expect(gate.size()).toBe(0);
  });

  it('a queued offer that ends is dropped without showing anything', () => {
    const { gate, shown } = setup('ask');
    const first = offer('stranger');
    const second = offer('stranger');
    gate.decide(first);
    gate.decide(second);
    gate.ended(second.transferId);
    gate.respond(first.transferId, 'accept');
    expect(shown).toEqual([]);
    expect(gate.size()).toBe(0);
  });
});

describe('offer gate: trust and block', () => {
  it('trusting a peer accepts everything of it that waits', () => {
    const { gate, trusted } = setup('ask');
    const offers = [offer('stranger'), offer('stranger'), offer('stranger')];
    for (const o of offers) gate.decide(o);
    trusted.add('stranger');
    gate.acceptAllFrom('stranger');
    expect(offers.map((o) => o.outcome)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(gate.decide(offer('stranger'))).toMatchObject({ action: 'accept' });
  });

  it('blocking a peer declines what waits and everything it offers later, under any policy', () => {
    const { gate, blocked } = setup('ask');
    const waiting = [offer('stranger'), offer('stranger')];
    const other = offer('mallory', 'm');
    for (const o of [...waiting, other]) gate.decide(o);
    blocked.add('stranger');
    gate.declineAllFrom('stranger');
    expect(waiting.map((o) => o.outcome)).toEqual(['declined', 'declined']);
    expect(other.outcome).toBe('waiting');
    expect(gate.decide(offer('stranger'))).toMatchObject({ action: 'decline', code: 'ERR_TRANSFER_DECLINED', reason: 'blocked' });
    blocked.add('desk'); // even a trusted peer, once blocked
    expect(gate.decide(offer('desk'))).toMatchObject({ action: 'decline', reason: 'blocked' });
  });
});
