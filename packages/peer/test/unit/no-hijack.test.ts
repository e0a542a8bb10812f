// A new offer for a connected peer never takes the live connection down unless the new one opens.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { encodeIceCandidate } from '@fileshare/protocol';
import { CONTROL_CHANNEL_LABEL } from '../../src/index.js';
import { type FakeConnection, fakeSdp, flush } from './fake-driver.js';
import { signAs, sortedKeys } from '../support/identities.js';
import { type Rig, createRig } from '../support/rig.js';

const keys = sortedKeys(3);
const PEER = keys[0]!;
const IMPOSTOR = keys[1]!;
const LOCAL = keys[2]!;

let r: Rig;
let live: FakeConnection;

beforeEach(() => {
  jest.useFakeTimers();
  // Keepalives are not under test here: a long timeout keeps the live connection up on its own.
  r = createRig(LOCAL, { keepaliveTimeoutMs: 600_000 });
  r.manager.handleSignal(newOffer());
  live = r.driver.last;
  live.remoteChannel(CONTROL_CHANNEL_LABEL);
  expect(r.manager.state(PEER.id)).toBe('connected');
});

afterEach(async () => {
  await r.manager.close();
  expect(jest.getTimerCount()).toBe(0);
  jest.useRealTimers();
});

function newOffer(): { kind: 'offer'; peer_id: string; data: string } {
  return { kind: 'offer', peer_id: PEER.id, data: signAs(PEER, LOCAL.id, 'offer', fakeSdp('offer')) };
}

function expectLiveUntouched(): void {
  expect(live.closed).toBe(false);
  expect(r.manager.state(PEER.id)).toBe('connected');
  expect(r.manager.channels(PEER.id)).toBe(r.connected[0]!.channels);
  expect(r.manager.publicKey(PEER.id)).toEqual(PEER.publicKey);
  expect(r.disconnected).toEqual([]);
  expect(r.states.map((s) => s.state)).toEqual(['initiating', 'connected']);
}

describe('a new offer for a connected peer', () => {
  it('that never connects leaves the live connection untouched (connect timeout)', async () => {
    r.manager.handleSignal(newOffer());
    const next = r.driver.last;
    expect(next).not.toBe(live);
    expect(r.sent.map((s) => s.message.kind)).toEqual(['answer', 'answer']);
    expectLiveUntouched();
    await jest.advanceTimersByTimeAsync(30_000);
    expect(next.closed).toBe(true);
    expectLiveUntouched();
    // and the live one still works: it is the one that carries channels
    live.remoteChannel('fileshare-transfer/1');
    await flush();
  });

  it('whose connection fails leaves the live connection untouched', async () => {
    r.manager.handleSignal(newOffer());
    const next = r.driver.last;
    next.state('ice', 'failed');
    expect(next.closed).toBe(true);
    expectLiveUntouched();
    await flush();
  });

  it('that connects replaces the live one: disconnected, then connected with the proven key', async () => {
    r.manager.handleSignal(newOffer());
    const next = r.driver.last;
    next.remoteChannel(CONTROL_CHANNEL_LABEL);
    expect(live.closed).toBe(true);
    expect(r.disconnected).toEqual([expect.objectContaining({ peerId: PEER.id, code: 'ERR_CONNECTION_CLOSED' })]);
    expect(r.connected).toHaveLength(2);
    expect(r.connected[1]).toMatchObject({ peerId: PEER.id, publicKey: PEER.publicKey });
    expect(r.manager.channels(PEER.id)).toBe(r.connected[1]!.channels);
    expect(r.states.map((s) => s.state)).toEqual(['initiating', 'connected', 'initiating', 'connected']);
    await flush();
  });

  it('takes over when the live one fails first', async () => {
    r.manager.handleSignal(newOffer());
    const next = r.driver.last;
    live.state('ice', 'failed');
    expect(r.disconnected).toEqual([expect.objectContaining({ code: 'ERR_ICE_FAILED' })]);
    expect(r.manager.state(PEER.id)).toBe('initiating');
    expect(next.closed).toBe(false);
    next.remoteChannel(CONTROL_CHANNEL_LABEL);
    expect(r.manager.state(PEER.id)).toBe('connected');
    expect(r.states.map((s) => s.state)).toEqual(['initiating', 'connected', 'initiating', 'connected']);
    await flush();
  });

  it('gets the ICE candidates that follow it; a newer offer replaces it', async () => {
    r.manager.handleSignal(newOffer());
    const next = r.driver.last;
    r.manager.handleSignal({ kind: 'ice', peer_id: PEER.id, data: encodeIceCandidate({ candidate: 'candidate:1 1 UDP 1 192.0.2.1 4000 typ host', sdpMid: '0' }) });
    expect(next.remoteCandidates).toHaveLength(1);
    expect(live.remoteCandidates).toHaveLength(0);
    r.manager.handleSignal(newOffer());
    expect(next.closed).toBe(true);
    expect(r.driver.last.closed).toBe(false);
    expectLiveUntouched();
    await flush();
  });

  it('from an impostor (another key claiming the id) is refused and creates nothing', () => {
    r.manager.handleSignal({ kind: 'offer', peer_id: PEER.id, data: signAs(IMPOSTOR, LOCAL.id, 'offer', fakeSdp('offer')) });
    expect(r.ignored.map((e) => e.code)).toEqual(['ERR_PROOF_KEY_MISMATCH']);
    expect(r.driver.connections).toHaveLength(1);
    expectLiveUntouched();
  });

  it('peerGone and close() release both connections', async () => {
    r.manager.handleSignal(newOffer());
    const next = r.driver.last;
    r.manager.peerGone(PEER.id);
    expect(live.closed).toBe(true);
    expect(next.closed).toBe(true);
    await flush();
  });
});
