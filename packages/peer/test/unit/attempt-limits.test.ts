// Bounds under abuse: a flood of announced peers or of offers costs bounded work.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
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
import { type Rig, createRig } from '../support/rig.js';
import { PeerQueue, TokenBucket } from '../../src/attempt-limits.js';

/** A key whose id starts below '8', so that ids starting with 'f' are all higher (we initiate). */
function lowKey(): TestKey {
  for (;;) {
    const key = testKey();
    if (key.id < '8') return key;
  }
}
const highId = (): string => `f${randomBytes(16).toString('hex').slice(1)}`;

let rigs: Rig[] = [];
const rig = (key: TestKey): Rig => {
  const r = createRig(key);
  rigs.push(r);
  return r;
};

beforeEach(() => {
  jest.useFakeTimers();
  rigs = [];
});

afterEach(async () => {
  for (const r of rigs) await r.manager.close();
  expect(jest.getTimerCount()).toBe(0);
  jest.useRealTimers();
});

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
