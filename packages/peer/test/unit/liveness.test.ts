// Liveness under bulk data (issue 10): any traffic from the peer counts, our own queued data
// moving on counts, and a peer that is really gone is still noticed within the documented bound.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { DataChannelLike, DataChannelProvider } from '@fileshare/protocol';
import {
  DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  IDLE_PEER_GONE_DETECTION_BOUND_MS,
  PEER_GONE_DETECTION_BOUND_MS,
  type PeerManager,
  type PeerStateEvent,
  createPeerManager,
} from '../../src/index.js';
import { type FakeChannel, type FakeConnection, FakeDriver, fakeSdp, flush } from './fake-driver.js';
import { signAs, sortedKeys } from '../support/identities.js';

const keys = sortedKeys(2);
const LOCAL_KEY = keys[0]!;
const HIGHER_KEY = keys[1]!;
const LOCAL = LOCAL_KEY.id;
const HIGHER = HIGHER_KEY.id;
const KEEPALIVE = '{"type":"keepalive"}';
const CHUNK = Buffer.alloc(64 * 1024, 7);

let manager: PeerManager;
let conn: FakeConnection;
let provider: DataChannelProvider;
let states: PeerStateEvent[];
let connectedAt: number;

beforeEach(() => {
  jest.useFakeTimers();
  const driver = new FakeDriver();
  let offer = '';
  states = [];
  manager = createPeerManager({
    localId: LOCAL,
    identity: LOCAL_KEY.identity,
    driver,
    sendSignal: (_to, message) => {
      if (message.kind === 'offer') offer = message.data;
      return Promise.resolve();
    },
  });
  manager.on('state', (e) => states.push(e));
  manager.peerSeen(HIGHER);
  manager.handleSignal({ kind: 'answer', peer_id: HIGHER, data: signAs(HIGHER_KEY, LOCAL, 'answer', fakeSdp('answer'), offer) });
  conn = driver.last;
  conn.control!.open();
  connectedAt = Date.now();
  provider = manager.channels(HIGHER)!;
  expect(manager.state(HIGHER)).toBe('connected');
});

afterEach(async () => {
  await manager.close();
  await flush();
  expect(jest.getTimerCount()).toBe(0);
  jest.useRealTimers();
});

/** A transfer channel we opened (we are the sender). */
async function outgoing(label = 'fileshare-transfer/1'): Promise<{ channel: DataChannelLike; raw: FakeChannel }> {
  const pending = provider.openChannel(label);
  const raw = conn.channels.at(-1)!;
  raw.open();
  return { channel: await pending, raw };
}

/** Milliseconds from `from` until the peer went not-connected, advancing 100 ms at a time, at most `limit`. */
async function timeUntilGone(from: number, limit: number): Promise<number> {
  while (manager.state(HIGHER) === 'connected' && Date.now() - from <= limit) await jest.advanceTimersByTimeAsync(100);
  return Date.now() - from;
}

describe('liveness that bulk data cannot starve', () => {
  it('documents its bounds: 5-6 s idle (7 s at most), 15-16 s during a transfer (17 s at most)', () => {
    expect(DEFAULT_KEEPALIVE_INTERVAL_MS).toBe(1_000);
    expect(DEFAULT_KEEPALIVE_TIMEOUT_MS).toBe(5_000);
    expect(DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS).toBe(15_000);
    expect(IDLE_PEER_GONE_DETECTION_BOUND_MS).toBe(7_000);
    expect(PEER_GONE_DETECTION_BOUND_MS).toBe(17_000);
  });

  it('chunks on a transfer channel keep the peer alive while none of its keepalives arrive', async () => {
    const raw = conn.remoteChannel('fileshare-transfer/1');
    const received: (string | Buffer)[] = [];
    provider.onChannel((channel) => channel.onMessage((data) => received.push(data)));
    // 60 s of a transfer whose chunks arrive every 200 ms; the peer's keepalives are all stuck
    // behind them (none arrives on the control channel).
    for (let t = 0; t < 300; t++) {
      raw.receive(CHUNK);
      await jest.advanceTimersByTimeAsync(200);
    }
    expect(manager.state(HIGHER)).toBe('connected');
    expect(received).toHaveLength(300);
    expect(states.map((s) => s.state)).toEqual(['initiated', 'connected']);
    // Our own keepalives kept going out all along.
    expect(conn.control!.sent.filter((m) => m === KEEPALIVE).length).toBeGreaterThanOrEqual(59);
  });

  it('messages that arrive before the transfer layer listens count too', async () => {
    const raw = conn.remoteChannel('fileshare-transfer/early');
    for (let t = 0; t < 50; t++) {
      raw.receive(CHUNK); // nobody listens yet: held for the first listener
      await jest.advanceTimersByTimeAsync(500);
    }
    expect(manager.state(HIGHER)).toBe('connected');
    const got: (string | Buffer)[] = [];
    provider.onChannel((channel) => channel.onMessage((data) => got.push(data)));
    expect(got).toHaveLength(50);
  });

  it('a stall of 12 s mid-transfer (SCTP retransmission backoff under loss) is ridden out', async () => {
    const raw = conn.remoteChannel('fileshare-transfer/1');
    provider.onChannel((channel) => channel.onMessage(() => undefined));
    for (let t = 0; t < 20; t++) {
      raw.receive(CHUNK);
      await jest.advanceTimersByTimeAsync(250);
    }
    await jest.advanceTimersByTimeAsync(12_000); // nothing at all arrives: no chunk, no keepalive
    expect(manager.state(HIGHER)).toBe('connected');
    raw.receive(CHUNK);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(manager.state(HIGHER)).toBe('connected');
  });

  it('silence on every channel after a transfer ran still times out within the bound (15-16 s after the last chunk)', async () => {
    const raw = conn.remoteChannel('fileshare-transfer/1');
    provider.onChannel((channel) => channel.onMessage(() => undefined));
    for (let t = 0; t < 20; t++) {
      raw.receive(CHUNK);
      conn.control!.receive(KEEPALIVE);
      await jest.advanceTimersByTimeAsync(250);
    }
    raw.receive(CHUNK); // the peer's last sign of life: then it is killed
    const lastHeard = Date.now();
    const took = await timeUntilGone(lastHeard, PEER_GONE_DETECTION_BOUND_MS);
    expect(took).toBeGreaterThan(DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS);
    expect(took).toBeLessThanOrEqual(DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS + DEFAULT_KEEPALIVE_INTERVAL_MS);
    expect(states.at(-1)).toMatchObject({ state: 'not-connected', code: 'ERR_PEER_UNRESPONSIVE' });
    expect(states.at(-1)!.reason).toMatch(/nothing heard on any channel/);
    expect(conn.closed).toBe(true);
  });

  it('an idle peer that falls silent right after connecting is gone within the idle bound (5-6 s)', async () => {
    const took = await timeUntilGone(connectedAt, IDLE_PEER_GONE_DETECTION_BOUND_MS);
    expect(took).toBeGreaterThan(DEFAULT_KEEPALIVE_TIMEOUT_MS);
    expect(took).toBeLessThanOrEqual(DEFAULT_KEEPALIVE_TIMEOUT_MS + DEFAULT_KEEPALIVE_INTERVAL_MS);
    expect(manager.state(HIGHER)).toBe('not-connected');
  });

  it('our queued data moving on (the peer acknowledges it) keeps the peer alive when nothing it sends gets through', async () => {
    const { channel, raw } = await outgoing();
    // The sender's side: 4 MiB queued, of which SCTP takes 256 KiB per second (the peer's SACKs
    // free the send buffer); the transfer tops the queue up; nothing arrives from the peer.
    for (let i = 0; i < 64; i++) channel.send(CHUNK);
    for (let t = 0; t < 30; t++) {
      await jest.advanceTimersByTimeAsync(250);
      raw.buffered = Math.max(0, raw.buffered - CHUNK.length);
      channel.send(CHUNK);
    }
    expect(raw.buffered).toBeGreaterThan(0);
    expect(manager.state(HIGHER)).toBe('connected');
    // The peer dies: the queue stops moving (no more SACKs) while the transfer still tops it up once.
    channel.send(CHUNK);
    const stopped = Date.now();
    const took = await timeUntilGone(stopped, PEER_GONE_DETECTION_BOUND_MS);
    expect(took).toBeLessThanOrEqual(PEER_GONE_DETECTION_BOUND_MS);
    expect(took).toBeGreaterThan(DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS - DEFAULT_KEEPALIVE_INTERVAL_MS);
    expect(states.at(-1)).toMatchObject({ state: 'not-connected', code: 'ERR_PEER_UNRESPONSIVE' });
  });

  it('sending into an empty queue proves nothing: a silent peer times out although we keep sending', async () => {
    const { channel, raw } = await outgoing();
    const took = await (async () => {
      const from = Date.now();
      while (manager.state(HIGHER) === 'connected' && Date.now() - from <= PEER_GONE_DETECTION_BOUND_MS) {
        channel.send(CHUNK);
        raw.buffered = 0; // SCTP took it at once (its buffer had room): no acknowledgement needed
        await jest.advanceTimersByTimeAsync(100);
      }
      return Date.now() - connectedAt;
    })();
    // Our sends make it a transfer (the longer limit), but nothing we send proves the peer alive.
    expect(took).toBeGreaterThan(DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS);
    expect(took).toBeLessThanOrEqual(DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS + DEFAULT_KEEPALIVE_INTERVAL_MS);
    expect(manager.state(HIGHER)).toBe('not-connected');
  });

  it('a queue discarded because we close its channel proves nothing', async () => {
    const { channel, raw } = await outgoing();
    for (let i = 0; i < 16; i++) channel.send(CHUNK);
    await jest.advanceTimersByTimeAsync(1_000);
    channel.close();
    raw.buffered = 0;
    const took = await timeUntilGone(connectedAt, PEER_GONE_DETECTION_BOUND_MS);
    expect(took).toBeLessThanOrEqual(DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS + DEFAULT_KEEPALIVE_INTERVAL_MS);
    expect(manager.state(HIGHER)).toBe('not-connected');
  });

  it('a connection idle for longer than the idle limit since its last transfer is back to the 5 s limit', async () => {
    const raw = conn.remoteChannel('fileshare-transfer/1');
    provider.onChannel((channel) => channel.onMessage(() => undefined));
    raw.receive(CHUNK);
    for (let t = 0; t < 10; t++) {
      await jest.advanceTimersByTimeAsync(1_000);
      conn.control!.receive(KEEPALIVE);
    }
    const lastHeard = Date.now();
    const took = await timeUntilGone(lastHeard, PEER_GONE_DETECTION_BOUND_MS);
    expect(took).toBeGreaterThan(DEFAULT_KEEPALIVE_TIMEOUT_MS);
    expect(took).toBeLessThanOrEqual(DEFAULT_KEEPALIVE_TIMEOUT_MS + DEFAULT_KEEPALIVE_INTERVAL_MS);
  });

  it('a tick that comes late (our own event loop was held up) is not judged; the next one is', async () => {
    conn.control!.receive(KEEPALIVE);
    await jest.advanceTimersByTimeAsync(1_000);
    // Our process stalls for 8 s: the clock moves, no timer runs, the peer's keepalives of that
    // time wait in the native queue, behind the next tick.
    jest.setSystemTime(Date.now() + 8_000);
    await jest.advanceTimersByTimeAsync(DEFAULT_KEEPALIVE_INTERVAL_MS);
    expect(manager.state(HIGHER)).toBe('connected');
    conn.control!.receive(KEEPALIVE); // delivered after the late tick
    await jest.advanceTimersByTimeAsync(DEFAULT_KEEPALIVE_INTERVAL_MS);
    expect(manager.state(HIGHER)).toBe('connected');
    // A second stall in a row with nothing heard: judged this time (the bound holds).
    jest.setSystemTime(Date.now() + 8_000);
    await jest.advanceTimersByTimeAsync(DEFAULT_KEEPALIVE_INTERVAL_MS);
    expect(manager.state(HIGHER)).toBe('connected'); // first late tick after a judged one: skipped
    jest.setSystemTime(Date.now() + 8_000);
    await jest.advanceTimersByTimeAsync(DEFAULT_KEEPALIVE_INTERVAL_MS);
    expect(manager.state(HIGHER)).toBe('not-connected');
  });
});
