// Bounds under abuse: a flood of announced peers or of offers costs bounded work.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  CONTROL_CHANNEL_LABEL,
  MAX_INITIATOR_ATTEMPTS,
  MAX_QUEUED_PEERS,
  MAX_RESPONDER_ATTEMPTS,
  OFFER_BURST,
  OFFER_RATE_PER_SECOND,
  REFUSAL_LOG_LIMIT,
} from '../../src/index.js';
import { fakeSdp, flush } from './fake-driver.js';
import { type TestKey, signAs, sortedKeys, testKey } from '../support/identities.js';
import { type Rig, useFakeTimerRigs } from '../support/rig.js';
import { HIGH_PRIORITY_RESERVED_ATTEMPTS, MAX_LOW_PRIORITY_ATTEMPTS, PeerQueue, TokenBucket } from '../../src/attempt-limits.js';
import { type PeerManager, createPeerManager } from '../../src/index.js';
import type { SignalMessage } from '@fileshare/protocol';
import { FakeDriver } from './fake-driver.js';

/** A key whose id starts below '8', so that ids starting with 'f' are all higher (we initiate). */
function lowKey(): TestKey {
  for (;;) {
    const key = testKey();
    if (key.id < '8') return key;
  }
}
const highId = (): string => `f${randomBytes(16).toString('hex').slice(1)}`;

const rig = useFakeTimerRigs();

/** Every open connection fails (as a bystander that never answers ICE would): its round ends. */
function failAll(r: Rig): void {
  for (const conn of r.driver.openConnections) conn.state('connection', 'failed');
}

describe('initiator rounds', () => {
  it('1000 announced peers: at most 16 attempts live, the rest wait their turn', async () => {
    const r = rig(lowKey());
    const ids = Array.from({ length: 1000 }, highId);
    for (const id of ids) r.manager.peerSeen(id);
    expect(r.offersSent()).toBe(MAX_INITIATOR_ATTEMPTS);
    expect(r.driver.openConnections).toHaveLength(MAX_INITIATOR_ATTEMPTS);
    expect(r.manager.peers()).toHaveLength(MAX_INITIATOR_ATTEMPTS);
    // While the 16 rounds run (retries included), nobody else is dialled.
    await jest.advanceTimersByTimeAsync(40_000);
    expect(new Set(r.sent.map((s) => s.to)).size).toBe(MAX_INITIATOR_ATTEMPTS);
    expect(r.driver.openConnections.length).toBeLessThanOrEqual(MAX_INITIATOR_ATTEMPTS);
  });

  it('new rounds are paced: a burst of 20, then 10 per second, never more than 16 live', async () => {
    const r = rig(lowKey());
    for (let i = 0; i < 1000; i++) r.manager.peerSeen(highId());
    failAll(r);
    await flush();
    expect(r.offersSent()).toBe(OFFER_BURST); // 16 + the 4 tokens left of the burst
    failAll(r);
    await flush();
    expect(r.offersSent()).toBe(OFFER_BURST); // no token left
    let maxLive = 0;
    for (let step = 0; step < 100; step++) {
      await jest.advanceTimersByTimeAsync(100);
      maxLive = Math.max(maxLive, r.driver.openConnections.length);
      failAll(r);
      await flush();
    }
    const inTenSeconds = r.offersSent() - OFFER_BURST;
    expect(inTenSeconds).toBeGreaterThanOrEqual(10 * OFFER_RATE_PER_SECOND - 1);
    expect(inTenSeconds).toBeLessThanOrEqual(10 * OFFER_RATE_PER_SECOND + 1);
    expect(maxLive).toBeLessThanOrEqual(MAX_INITIATOR_ATTEMPTS);
  });

  it('the queue is bounded (oldest forgotten), deduplicated, and forgets peers that left', async () => {
    const r = rig(lowKey());
    const ids = Array.from({ length: 16 + MAX_QUEUED_PEERS + 100 }, highId);
    for (const id of ids) r.manager.peerSeen(id);
    const last = ids.at(-1)!;
    for (let i = 0; i < 50; i++) r.manager.peerSeen(last); // already queued: keeps its place
    r.manager.peerGone(ids[500]!);
    // Drain: ~1024 rounds at 10 per second.
    for (let step = 0; step < 1200 && r.offersSent() < ids.length; step++) {
      failAll(r);
      await jest.advanceTimersByTimeAsync(100);
    }
    failAll(r);
    const offered = new Set(r.sent.map((s) => s.to));
    expect(r.offersSent()).toBe(offered.size); // one offer each: the rounds failed before any retry
    expect(offered.size).toBe(16 + MAX_QUEUED_PEERS - 1);
    expect(offered.has(ids[16]!)).toBe(false); // among the 100 oldest queued, dropped for newer ones
    expect(offered.has(ids[115]!)).toBe(false);
    expect(offered.has(ids[116]!)).toBe(true);
    expect(offered.has(ids[500]!)).toBe(false); // it left while queued
    expect(offered.has(last)).toBe(true);
    await flush();
  });

  it('close() while peers wait for a token clears the pacing timer', async () => {
    const r = rig(lowKey());
    for (let i = 0; i < 100; i++) r.manager.peerSeen(highId());
    failAll(r);
    await flush();
    failAll(r);
    await flush();
    expect(jest.getTimerCount()).toBeGreaterThan(0);
    await r.manager.close();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(r.offersSent()).toBe(OFFER_BURST);
  });
});

describe('priorities', () => {
  /** Uses up the burst: 16 rounds live (4 of them started after the first 4 failed), no token left. */
  async function saturate(r: Rig, count = 1000): Promise<string[]> {
    const ids = Array.from({ length: count }, highId);
    for (const id of ids) r.manager.peerSeen(id);
    for (const conn of r.driver.connections.slice(0, OFFER_BURST - MAX_INITIATOR_ATTEMPTS)) conn.state('connection', 'failed');
    await flush();
    expect(r.offersSent()).toBe(OFFER_BURST);
    expect(r.driver.openConnections).toHaveLength(MAX_INITIATOR_ATTEMPTS);
    return ids;
  }

  it('a high-priority peer goes ahead of 1000 waiting ones: offered within one token (100 ms), in a reserved slot', async () => {
    const r = rig(lowKey());
    await saturate(r);
    const target = highId();
    r.manager.peerSeen(target, { priority: 'high' });
    expect(r.sent.some((s) => s.to === target)).toBe(false); // no token left this instant
    await jest.advanceTimersByTimeAsync(100);
    expect(r.sent.at(-1)?.to).toBe(target);
    expect(r.manager.state(target)).toBe('initiated');
    // Every one of the 16 normal slots is taken: the target got one of the reserved ones.
    expect(r.driver.openConnections).toHaveLength(MAX_INITIATOR_ATTEMPTS + 1);
  });

  it(`a waiting peer seen again with high priority moves to the front; high rounds use at most ${HIGH_PRIORITY_RESERVED_ATTEMPTS} slots beyond ${MAX_INITIATOR_ATTEMPTS}`, async () => {
    const r = rig(lowKey());
    const ids = Array.from({ length: 200 }, highId);
    for (const id of ids) r.manager.peerSeen(id);
    expect(r.offersSent()).toBe(MAX_INITIATOR_ATTEMPTS);
    const waiting = ids.slice(150, 150 + HIGH_PRIORITY_RESERVED_ATTEMPTS + 2);
    for (const id of waiting) r.manager.peerSeen(id, { priority: 'high' });
    // 4 tokens left of the burst: the first 4 go into the reserved slots at once.
    expect(r.sent.slice(MAX_INITIATOR_ATTEMPTS).map((s) => s.to)).toEqual(waiting.slice(0, HIGH_PRIORITY_RESERVED_ATTEMPTS));
    expect(r.driver.openConnections).toHaveLength(MAX_INITIATOR_ATTEMPTS + HIGH_PRIORITY_RESERVED_ATTEMPTS);
    // Tokens refill, but every slot is taken: nobody else starts.
    await jest.advanceTimersByTimeAsync(2_000);
    expect(r.offersSent()).toBe(MAX_INITIATOR_ATTEMPTS + HIGH_PRIORITY_RESERVED_ATTEMPTS);
    // One normal round ends: the next high peer takes the slot, not the next normal one.
    r.driver.connections[0]!.state('connection', 'failed');
    await flush();
    expect(r.sent.at(-1)?.to).toBe(waiting[HIGH_PRIORITY_RESERVED_ATTEMPTS]);
    await flush();
  });

  it('normal peers never take the reserved slots', async () => {
    const r = rig(lowKey());
    for (let i = 0; i < 100; i++) r.manager.peerSeen(highId());
    await jest.advanceTimersByTimeAsync(5_000);
    expect(r.driver.openConnections).toHaveLength(MAX_INITIATOR_ATTEMPTS);
    expect(new Set(r.sent.map((s) => s.to)).size).toBe(MAX_INITIATOR_ATTEMPTS);
  });

  it(`at most ${MAX_LOW_PRIORITY_ATTEMPTS} low-priority rounds at once; normal peers seen later still get the other slots`, async () => {
    const r = rig(lowKey());
    const low = Array.from({ length: 100 }, highId);
    for (const id of low) r.manager.peerSeen(id, { priority: 'low' });
    expect(r.offersSent()).toBe(MAX_LOW_PRIORITY_ATTEMPTS);
    const normal = Array.from({ length: 20 }, highId);
    for (const id of normal) r.manager.peerSeen(id);
    const offered = new Set(r.sent.map((s) => s.to));
    expect(offered.size).toBe(MAX_INITIATOR_ATTEMPTS);
    expect(normal.filter((id) => offered.has(id))).toHaveLength(MAX_INITIATOR_ATTEMPTS - MAX_LOW_PRIORITY_ATTEMPTS);
    // While the rounds come and go, low ones never hold more than 4 slots.
    const lowSet = new Set(low);
    for (let step = 0; step < 50; step++) {
      await jest.advanceTimersByTimeAsync(100);
      const lowLive = r.manager.peers().filter((p) => lowSet.has(p.peerId) && p.state === 'initiated');
      expect(lowLive.length).toBeLessThanOrEqual(MAX_LOW_PRIORITY_ATTEMPTS);
      failAll(r);
      await flush();
    }
    // ...and they do get their turn once no normal peer waits.
    expect(low.filter((id) => r.sent.some((s) => s.to === id)).length).toBeGreaterThan(MAX_LOW_PRIORITY_ATTEMPTS);
  });

  it('a normal peer seen during a hello flood goes ahead of every waiting low one', async () => {
    const r = rig(lowKey());
    for (let i = 0; i < 1000; i++) r.manager.peerSeen(highId(), { priority: 'low' });
    failAll(r);
    await flush();
    const honest = highId();
    r.manager.peerSeen(honest);
    await jest.advanceTimersByTimeAsync(100);
    expect(r.sent.at(-1)?.to).toBe(honest);
  });
});

describe('offers that cannot be delivered', () => {
  interface Box {
    manager: PeerManager;
    driver: FakeDriver;
    offers: { to: string; at: number; delivered: boolean }[];
  }
  let boxes: Box[] = [];
  afterEach(async () => {
    for (const b of boxes) await b.manager.close();
    boxes = [];
  });

  /** A peer manager whose `sendSignal` rejects (connection refused) when `deliver` says no. */
  function box(deliver: (to: string, nth: number) => boolean): Box {
    const key = lowKey();
    const driver = new FakeDriver();
    const offers: Box['offers'] = [];
    const counts = new Map<string, number>();
    const manager = createPeerManager({
      localId: key.id,
      identity: key.identity,
      driver,
      sendSignal: (to: string, message: SignalMessage) => {
        if (message.kind !== 'offer') return Promise.resolve();
        const nth = (counts.get(to) ?? 0) + 1;
        counts.set(to, nth);
        const delivered = deliver(to, nth);
        offers.push({ to, at: Date.now(), delivered });
        return delivered ? Promise.resolve() : Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      },
    });
    const b = { manager, driver, offers };
    boxes.push(b);
    return b;
  }

  it('do not hold a slot: 3000 peers pointing nowhere, a real peer seen 5 s later is offered within a second', async () => {
    const real = highId();
    const b = box((to) => to === real);
    const start = Date.now();
    for (let i = 0; i < 3000; i++) b.manager.peerSeen(highId());
    await jest.advanceTimersByTimeAsync(5_000);
    // Each undelivered offer's connection was freed at once, and its round gave its slot back.
    expect(b.driver.openConnections).toHaveLength(0);
    const before = b.offers.length;
    expect(before).toBeGreaterThanOrEqual(OFFER_BURST + 5 * OFFER_RATE_PER_SECOND - 1); // paced, not stuck behind 16 x 10 s
    b.manager.peerSeen(real, { priority: 'high' });
    await jest.advanceTimersByTimeAsync(1_000);
    const offer = b.offers.find((o) => o.to === real);
    expect(offer?.delivered).toBe(true);
    expect(offer!.at - start).toBeLessThanOrEqual(5_100);
    expect(b.manager.state(real)).toBe('initiated');
  });

  it('keep the retry schedule: offers at 0, 11, 23 and 37 s, then not-connected at 47 s', async () => {
    const b = box(() => false);
    const peer = highId();
    const states: string[] = [];
    b.manager.on('state', (e) => states.push(`${e.state}@${Math.round((Date.now() - t0) / 1000)}`));
    const t0 = Date.now();
    b.manager.peerSeen(peer);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(b.offers.map((o) => (o.at - t0) / 1000)).toEqual([0, 11, 23, 37]);
    expect(states).toEqual(['initiated@0', 'not-connected@47']);
    expect(b.driver.openConnections).toHaveLength(0);
  });

  it('a parked round whose next offer is due waits for a free slot: live attempts never exceed 16', async () => {
    // First offers are refused, later ones delivered (and never answered): the worst case.
    const b = box((_to, nth) => nth > 1);
    for (let i = 0; i < 40; i++) b.manager.peerSeen(highId());
    let maxLive = 0;
    for (let step = 0; step < 300; step++) {
      await jest.advanceTimersByTimeAsync(100);
      maxLive = Math.max(maxLive, b.driver.openConnections.length);
    }
    expect(maxLive).toBe(MAX_INITIATOR_ATTEMPTS);
    // All 40 got their second offer in the end, as slots freed up.
    await jest.advanceTimersByTimeAsync(120_000);
    const second = new Set(b.offers.filter((o) => o.delivered).map((o) => o.to));
    expect(second.size).toBe(40);
  });
});

describe('responder attempts', () => {
  const keys = sortedKeys(MAX_RESPONDER_ATTEMPTS + 3);
  const LOCAL = keys.at(-1)!;
  const offerers = keys.slice(0, -1);
  const offerFrom = (key: TestKey): { kind: 'offer'; peer_id: string; data: string } => ({
    kind: 'offer',
    peer_id: key.id,
    data: signAs(key, LOCAL.id, 'offer', fakeSdp('offer')),
  });

  it(`beyond ${MAX_RESPONDER_ATTEMPTS} answered and unconnected offers, more are refused with ERR_TOO_MANY_ATTEMPTS`, async () => {
    const r = rig(LOCAL);
    for (const key of offerers.slice(0, MAX_RESPONDER_ATTEMPTS)) r.manager.handleSignal(offerFrom(key));
    expect(r.driver.connections).toHaveLength(MAX_RESPONDER_ATTEMPTS);
    const late = offerers[MAX_RESPONDER_ATTEMPTS]!;
    r.manager.handleSignal(offerFrom(late));
    expect(r.ignored).toEqual([expect.objectContaining({ peerId: late.id, kind: 'offer', code: 'ERR_TOO_MANY_ATTEMPTS' })]);
    expect(r.driver.connections).toHaveLength(MAX_RESPONDER_ATTEMPTS); // nothing created for it
    expect(r.sent.filter((s) => s.to === late.id)).toEqual([]);
    // A peer already waiting may replace its own attempt even when full.
    r.manager.handleSignal(offerFrom(offerers[0]!));
    expect(r.driver.connections).toHaveLength(MAX_RESPONDER_ATTEMPTS + 1);
    expect(r.driver.openConnections).toHaveLength(MAX_RESPONDER_ATTEMPTS);
    // One connects: a slot is free, the late peer's retry is answered.
    r.driver.last.remoteChannel(CONTROL_CHANNEL_LABEL);
    r.manager.handleSignal(offerFrom(late));
    expect(r.manager.state(late.id)).toBe('initiating');
    // Unconnected attempts time out (30 s) and free their slots.
    await jest.advanceTimersByTimeAsync(30_000);
    r.manager.handleSignal(offerFrom(offerers[MAX_RESPONDER_ATTEMPTS + 1]!));
    expect(r.manager.state(offerers[MAX_RESPONDER_ATTEMPTS + 1]!.id)).toBe('initiating');
    await flush();
  });
});

describe('refusal logs', () => {
  it(`at most ${REFUSAL_LOG_LIMIT} warnings per code per 10 s, then a count of those left out`, async () => {
    const r = rig(sortedKeys(1)[0]!);
    const lower = '0'.repeat(32);
    for (let i = 0; i < 50; i++) r.manager.handleSignal({ kind: 'offer', peer_id: lower, data: fakeSdp('offer') });
    expect(r.ignored).toHaveLength(50); // every refusal is still an event
    expect(r.warnings).toHaveLength(REFUSAL_LOG_LIMIT);
    // When the window ends, one line says how many were left out.
    await jest.advanceTimersByTimeAsync(10_000);
    expect(r.warnings).toHaveLength(REFUSAL_LOG_LIMIT + 1);
    expect(r.warnings.at(-1)).toMatchObject({ message: expect.stringContaining('45 more'), fields: { suppressed: 45, code: 'ERR_PROOF_MISSING' } });
    // A new window logs again.
    r.manager.handleSignal({ kind: 'offer', peer_id: lower, data: fakeSdp('offer') });
    expect(r.warnings).toHaveLength(REFUSAL_LOG_LIMIT + 2);
  });
});

describe('TokenBucket and PeerQueue', () => {
  it('the bucket refills at its rate up to its burst, and a clock going back takes nothing', () => {
    const bucket = new TokenBucket(10, 3, 1_000);
    expect([bucket.take(1_000), bucket.take(1_000), bucket.take(1_000), bucket.take(1_000)]).toEqual([true, true, true, false]);
    expect(bucket.waitMs(1_000)).toBe(100);
    expect(bucket.take(1_050)).toBe(false);
    expect(bucket.take(1_100)).toBe(true);
    expect(bucket.take(500)).toBe(false);
    expect(bucket.take(100_000)).toBe(true);
    expect([bucket.take(100_000), bucket.take(100_000), bucket.take(100_000)]).toEqual([true, true, false]);
  });

  it('the queue keeps order, ignores duplicates and drops the oldest when full', () => {
    const queue = new PeerQueue(3);
    expect([queue.push('a'), queue.push('b'), queue.push('a'), queue.push('c'), queue.push('d')]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'a',
    ]);
    queue.delete('c');
    expect([queue.shift(), queue.shift(), queue.shift()]).toEqual(['b', 'd', undefined]);
  });
});
