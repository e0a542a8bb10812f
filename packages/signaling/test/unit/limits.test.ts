import { afterEach, describe, expect, it } from '@jest/globals';
import { encodeSignalFrame } from '@fileshare/protocol';
import {
  INBOUND_BURST_PER_ADDRESS,
  MAX_INBOUND_PER_ADDRESS,
  MAX_PENDING_HELLOS_PER_ADDRESS,
  type Signaling,
  type SignalingError,
} from '../../src/index.js';
import { Harness, ID_A, ID_B, type RawClient, helloFrom, idOf, next, offer, recordingLogger, until } from './helpers.js';

const h = new Harness();
afterEach(() => h.closeAll());

const fromAddress = (node: Signaling, address: string) => node.connections().filter((c) => c.address === address).length;

/** A well-behaved node (dialling from 127.0.0.1) can still reach `server`. */
async function stillServes(server: Signaling, data = 'still here'): Promise<void> {
  const client = h.node({ deviceId: ID_A });
  const got = next(server, 'message');
  await client.send({ peerId: ID_B, address: '127.0.0.1', port: server.port }, offer(ID_A, data));
  expect((await got)[0].data).toBe(data);
}

describe('per-address limits', () => {
  it('one address opening 50 connections gets at most 8, and another address still connects', async () => {
    const logger = recordingLogger();
    const b = await h.listening({ deviceId: ID_B, logger });
    const flood: RawClient[] = [];
    for (let i = 0; i < 50; i++) flood.push(await h.greeted(b.port, idOf(i + 1), '127.0.0.2'));

    expect(flood.filter((c) => c.admitted)).toHaveLength(MAX_INBOUND_PER_ADDRESS);
    expect(fromAddress(b, '127.0.0.2')).toBe(MAX_INBOUND_PER_ADDRESS);
    const codes = new Set(logger.lines.map((l) => l.fields?.['code']));
    expect(codes).toContain('ERR_SIGNAL_TOO_MANY_FROM_ADDRESS');
    // 50 attempts in well under a second: the bucket (20, +10/s) ran dry.
    expect(codes).toContain('ERR_SIGNAL_RATE_LIMITED');

    const other = await h.greeted(b.port, idOf(100), '127.0.0.3');
    expect(other.admitted).toBe(true);
    await stillServes(b);
  });

  it(`an address holds at most ${MAX_PENDING_HELLOS_PER_ADDRESS} connections that have not said hello`, async () => {
    const logger = recordingLogger();
    const b = await h.listening({ deviceId: ID_B, logger });
    const silent: RawClient[] = [];
    for (let i = 0; i < MAX_PENDING_HELLOS_PER_ADDRESS; i++) silent.push(await h.raw(b.port, '127.0.0.2'));
    await until(() => fromAddress(b, '127.0.0.2') === MAX_PENDING_HELLOS_PER_ADDRESS, 'the silent connections are accepted');
    const onceMore = await h.raw(b.port, '127.0.0.2');
    await onceMore.closed;
    expect(onceMore.received.length).toBe(0);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ fields: expect.objectContaining({ code: 'ERR_SIGNAL_TOO_MANY_PENDING_HELLOS', address: '127.0.0.2' }) }),
    );
    expect(silent.every((c) => !c.isClosed)).toBe(true);
    // A new connection waits for its hello too: that address is stuck until its silent ones go
    // (hello timeout), every other address is not.
    expect((await h.greeted(b.port, idOf(7), '127.0.0.2')).admitted).toBe(false);
    expect((await h.greeted(b.port, idOf(8), '127.0.0.3')).admitted).toBe(true);
  });

  it('refuses an address over its connection rate, before reading anything', async () => {
    const logger = recordingLogger();
    const b = await h.listening({ deviceId: ID_B, logger });
    // Connect and leave at once, all together: only the rate bucket can refuse these.
    const clients = await Promise.all(Array.from({ length: INBOUND_BURST_PER_ADDRESS * 2 }, () => h.raw(b.port, '127.0.0.2')));
    for (const c of clients) c.socket.destroy();
    await until(
      () => logger.lines.some((l) => l.fields?.['code'] === 'ERR_SIGNAL_RATE_LIMITED' && l.fields['address'] === '127.0.0.2'),
      'a connection is refused for its rate',
    );
    expect(b.trackedAddresses()).toBe(1);
    expect((await h.greeted(b.port, idOf(2), '127.0.0.3')).admitted).toBe(true);
    expect(b.trackedAddresses()).toBe(2);
  });
});

describe('eviction when every slot is taken', () => {
  it('64 idle strangers with a hello do not lock out a newcomer, and an authenticated peer survives', async () => {
    const authenticated = new Set<string>();
    const b = await h.listening({ deviceId: ID_B, isAuthenticated: (id) => authenticated.has(id) });
    const evicted: [SignalingError, { address: string; peerId?: string }][] = [];
    b.on('connection-error', (error, info) => evicted.push([error, info]));

    // The proven peer connects first: it is the longest idle of all.
    const proven = await h.greeted(b.port, idOf(1), '127.0.0.2');
    authenticated.add(idOf(1));
    const strangers: RawClient[] = [];
    for (let i = 0; i < 63; i++) strangers.push(await h.greeted(b.port, idOf(1000 + i), `127.0.0.${10 + (i % 16)}`));
    expect(strangers.every((c) => c.admitted)).toBe(true);
    expect(b.connectionCount()).toBe(64);

    const newcomer = await h.greeted(b.port, idOf(5000), '127.0.0.5');
    expect(newcomer.admitted).toBe(true);
    // The longest idle stranger made room.
    await strangers[0]!.closed;
    expect(evicted.map(([e, info]) => [e.code, info.peerId])).toEqual([['ERR_SIGNAL_EVICTED', idOf(1000)]]);
    expect(strangers.slice(1).every((c) => !c.isClosed)).toBe(true);
    await until(() => b.connectionCount() === 64, 'the evicted connection is gone');

    // An honest node dialling in also gets a slot (the next idlest stranger goes).
    await stillServes(b);
    await strangers[1]!.closed;
    // The proven peer, idler than all of them, is still there and heard.
    expect(proven.isClosed).toBe(false);
    const got = next(b, 'message');
    proven.write(encodeSignalFrame(offer(idOf(1), 'proven')));
    expect((await got)[0].data).toBe('proven');
  }, 60_000);

  it('slowloris connections without a hello are evicted first, oldest first', async () => {
    const b = await h.listening({ deviceId: ID_B, maxConnections: 6 });
    const talkers: RawClient[] = [];
    for (let i = 0; i < 3; i++) talkers.push(await h.greeted(b.port, idOf(i + 1), '127.0.0.2'));
    const slow: RawClient[] = [];
    for (let i = 0; i < 3; i++) {
      slow.push(await h.raw(b.port, `127.0.0.${3 + i}`));
      await until(() => b.connectionCount() === 4 + i, 'the silent connection is accepted');
    }

    expect((await h.greeted(b.port, idOf(10), '127.0.0.9')).admitted).toBe(true);
    await slow[0]!.closed;
    expect((await h.greeted(b.port, idOf(11), '127.0.0.9')).admitted).toBe(true);
    await slow[1]!.closed;
    expect(slow[2]!.isClosed).toBe(false);
    // The idle talkers, older and idler than the silent ones, were spared.
    expect(talkers.every((c) => c.admitted)).toBe(true);
  });
});

describe('memory under a flood', () => {
  it('2000 connections from 20 addresses: bounded connections and log lines, and per-address state freed afterwards', async () => {
    const logger = recordingLogger();
    const b = await h.listening({ deviceId: ID_B, logger });
    let errors = 0;
    b.on('connection-error', () => errors++);
    let peak = 0;
    b.on('hello', () => (peak = Math.max(peak, b.connectionCount())));
    for (let batch = 0; batch < 20; batch++) {
      const clients = await Promise.all(Array.from({ length: 100 }, (_, i) => h.raw(b.port, `127.0.1.${1 + (i % 20)}`)));
      // Half say hello with a fresh id, half send garbage (a length header far over the limit).
      clients.forEach((c, i) => c.write(i % 2 === 0 ? helloFrom(idOf(batch * 100 + i + 1)) : Buffer.from('GET / HTTP/1.1\r\n\r\n')));
      await until(() => clients.every((c) => c.received.length > 0 || c.isClosed), 'the server dealt with the batch');
      for (const c of clients) c.socket.destroy();
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(20 * MAX_INBOUND_PER_ADDRESS);

    await stillServes(b);
    // Only the honest node's connection is left, and no per-address state at all once buckets refill.
    await until(() => b.connectionCount() === 1 && b.trackedAddresses() === 0, 'the flood state is freed', 10_000);
    // Every bad connection was reported, but the log holds a handful of lines per code.
    expect(errors).toBeGreaterThan(0);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings.length).toBeLessThan(40);
    expect(warnings.length).toBeLessThan(errors);
  }, 60_000);
});
