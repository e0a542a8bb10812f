import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import dnsPacket, { type Answer } from 'dns-packet';
import makeMdns from 'multicast-dns';
import { afterEach, describe, expect, it } from '@jest/globals';
import { encodeTxt } from '@fileshare/protocol';
import {
  type DiscoveredPeer,
  type Discovery,
  type DiscoveryError,
  type DiscoveryDeps,
  type DiscoveryInit,
  type PeerLostReason,
  createDiscovery,
} from '../../src/index.js';
import { type LocalService, announcement, ownRecords } from '../../src/records.js';

// Real sockets on the loopback interface only: every node here uses `interface: 'lo'`.
const newId = (): string => randomBytes(16).toString('hex');
const opened: { close(): unknown }[] = [];

function node(init: Partial<DiscoveryInit> = {}, deps?: DiscoveryDeps): Discovery & { id: string } {
  const id = init.deviceId ?? newId();
  const d = createDiscovery({ deviceId: id, name: 'test node', port: 7000, interface: 'lo', ...init }, deps);
  opened.push(d);
  return Object.assign(d, { id });
}

function waitFor<T extends unknown[]>(
  d: Discovery,
  event: 'peer-found' | 'peer-updated' | 'peer-lost' | 'warning',
  match: (...args: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]): void => {
      if (!match(...(args as T))) return;
      clearTimeout(timer);
      d.off(event as 'warning', listener);
      resolve(args as T);
    };
    const timer = setTimeout(() => {
      d.off(event as 'warning', listener);
      reject(new Error(`no matching ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    d.on(event as 'warning', listener);
  });
}

/** A plain multicast-dns responder on lo, to play a peer that says exactly what a test wants. */
function rawResponder(): ReturnType<typeof makeMdns> {
  const m = makeMdns({ interface: '127.0.0.1', bind: '224.0.0.251', loopback: true });
  m.on('warning', () => undefined);
  opened.push({ close: () => new Promise<void>((r) => m.destroy(() => r())) });
  return m;
}

function udpSocket(): Promise<Socket> {
  const s = createSocket('udp4');
  opened.push({ close: () => new Promise<void>((r) => s.close(() => r())) });
  return new Promise((resolve) =>
    s.bind(0, '127.0.0.1', () => {
      s.setMulticastInterface('127.0.0.1');
      resolve(s);
    }),
  );
}

const remote = (id: string, extra: Partial<LocalService> = {}): LocalService => ({
  id,
  name: 'remote',
  port: 7100,
  version: 1,
  hostTtl: 120,
  serviceTtl: 4500,
  ...extra,
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
});

describe('discovery on the loopback interface (real sockets)', () => {
  it('two nodes find each other at 127.0.0.1, and a closed node is lost with reason goodbye', async () => {
    const a = node({ name: 'alpha', port: 7001 });
    const b = node({ name: 'beta', port: 7002 });
    const bId = b.id;
    const found = waitFor<[DiscoveredPeer]>(a, 'peer-found', (p) => p.id === bId);
    await Promise.all([a.start(), b.start()]);
    expect(a.addresses).toEqual(['127.0.0.1']);
    const [peer] = await found;
    expect(peer).toEqual({ id: bId, name: 'beta', address: '127.0.0.1', addresses: ['127.0.0.1'], port: 7002, version: 2 });
    expect(a.peers().some((p) => p.id === bId)).toBe(true);

    const lost = waitFor<[DiscoveredPeer, PeerLostReason]>(a, 'peer-lost', (p) => p.id === bId);
    await b.close();
    const [, reason] = await lost;
    expect(reason).toBe('goodbye');
    expect(a.peers().some((p) => p.id === bId)).toBe(false);
  });

  it('follows interfaces going away and coming back: goodbye, then a new announcement', async () => {
    const real = networkInterfaces();
    let loUp = true;
    const b = node({ name: 'flaky' }, { interfacePollMs: 50, networkInterfaces: () => (loUp ? real : {}) });
    const a = node();
    await Promise.all([a.start(), b.start()]);
    await waitFor<[DiscoveredPeer]>(a, 'peer-found', (p) => p.id === b.id);

    const warned = waitFor<[DiscoveryError]>(b, 'warning', (e) => e.code === 'ERR_DISCOVERY_INTERFACE_NOT_FOUND');
    const lost = waitFor<[DiscoveredPeer, PeerLostReason]>(a, 'peer-lost', (p) => p.id === b.id);
    loUp = false;
    await warned;
    expect((await lost)[1]).toBe('goodbye');
    expect(b.addresses).toEqual([]);

    const back = waitFor<[DiscoveredPeer]>(a, 'peer-found', (p) => p.id === b.id);
    loUp = true;
    await back;
    expect(b.addresses).toEqual(['127.0.0.1']);
  });

  it('close() is idempotent, and start() after close() is refused', async () => {
    const d = node();
    const s1 = d.start();
    expect(d.start()).toBe(s1);
    await s1;
    const c1 = d.close();
    expect(d.close()).toBe(c1);
    await c1;
    await expect(d.start()).rejects.toMatchObject({ code: 'ERR_DISCOVERY_CLOSED' });
  });

  it('close() while starting leaves nothing open', async () => {
    const d = node();
    const starting = d.start();
    await d.close();
    await expect(starting).rejects.toMatchObject({ code: 'ERR_DISCOVERY_CLOSED' });
  });

  it('rejects bad options and an unknown interface with clear errors', async () => {
    expect(() => createDiscovery({ deviceId: 'nope', name: 'x', port: 7000 })).toThrow(
      expect.objectContaining({ code: 'ERR_DISCOVERY_INVALID_OPTION' }),
    );
    expect(() => createDiscovery({ deviceId: newId(), name: 'x', port: 0 })).toThrow(/port/);
    expect(() => createDiscovery({ deviceId: newId(), name: 'x', port: 7000, ttlSeconds: 0 })).toThrow(/ttlSeconds/);
    await expect(node({ interface: 'no-such-if0' }).start()).rejects.toMatchObject({
      code: 'ERR_DISCOVERY_INTERFACE_NOT_FOUND',
    });
  });

  it('can start again after a failed start (no usable interface yet)', async () => {
    let up = false;
    const real = networkInterfaces();
    const d = node({}, { networkInterfaces: () => (up ? real : {}) });
    await expect(d.start()).rejects.toMatchObject({ code: 'ERR_DISCOVERY_INTERFACE_NOT_FOUND' });
    up = true;
    await d.start();
    expect(d.addresses).toEqual(['127.0.0.1']);
  });

  it('answers a legacy unicast query by unicast: id and question echoed, TTL at most 10 s (RFC 6762 6.7)', async () => {
    const d = node({ port: 7444 });
    await d.start();
    const instance = `Peer-${d.id}._fileshare._tcp.local`;
    const s = await udpSocket();
    const reply = new Promise<dnsPacket.DecodedPacket>((resolve) => {
      s.on('message', (msg) => {
        const p = dnsPacket.decode(msg);
        if (p.answers?.some((a) => a.type === 'PTR' && a.data === instance)) resolve(p);
      });
    });
    const query = dnsPacket.encode({ type: 'query', id: 4242, questions: [{ name: '_fileshare._tcp.local', type: 'PTR' }] });
    s.send(query, 5353, '224.0.0.251');
    const p = await reply;
    expect(p.id).toBe(4242);
    expect(p.questions).toEqual([{ name: '_fileshare._tcp.local', type: 'PTR', class: 'IN' }]);
    const all = [...(p.answers ?? []), ...(p.additionals ?? [])];
    expect(all.every((a) => a.type !== 'OPT' && (a.ttl ?? 0) <= 10 && !a.flush)).toBe(true);
    const srv = all.find((a) => a.type === 'SRV');
    expect(srv?.type === 'SRV' && srv.data.port).toBe(7444);
    expect(all.flatMap((a) => (a.type === 'A' ? [a.data] : []))).toEqual(['127.0.0.1']);
  });

  it('answers the DNS-SD service type enumeration', async () => {
    const d = node();
    await d.start();
    const s = await udpSocket();
    const reply = new Promise<Answer[]>((resolve) => {
      s.on('message', (msg) => resolve(dnsPacket.decode(msg).answers ?? []));
    });
    s.send(dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: '_services._dns-sd._udp.local', type: 'PTR' }] }), 5353, '224.0.0.251');
    expect(await reply).toEqual([
      expect.objectContaining({ name: '_services._dns-sd._udp.local', type: 'PTR', data: '_fileshare._tcp.local' }),
    ]);
  });

  it('survives a malformed packet with a warning, and keeps working', async () => {
    const d = node();
    await d.start();
    const warned = waitFor<[DiscoveryError]>(d, 'warning', (e) => e.code === 'ERR_DISCOVERY_MALFORMED_PACKET');
    const s = await udpSocket();
    s.send(Buffer.from([0, 0, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0xff, 0xff]), 5353, '224.0.0.251');
    const [warning] = await warned;
    expect(warning.message).toMatch(/malformed/i);

    const other = node({ name: 'after' });
    const otherId = other.id;
    const found = waitFor<[DiscoveredPeer]>(d, 'peer-found', (p) => p.id === otherId);
    await other.start();
    await found;
  });

  it('ignores a TXT whose id is not the instance id, with a warning, and responses not from port 5353', async () => {
    const d = node();
    await d.start();
    const liar = newId();
    const r = ownRecords(remote(liar), ['127.0.0.1']);
    const txt = { ...r.txt, data: encodeTxt({ id: newId(), port: 7100, name: 'liar', version: 1 }) } as Answer;
    const warned = waitFor<[DiscoveryError]>(d, 'warning', (e) => e.code === 'ERR_DISCOVERY_INVALID_RECORD' && e.message.includes(liar));
    rawResponder().respond({ answers: [r.ptr, r.srv, txt, ...r.a] });
    await warned;
    expect(d.peers().some((p) => p.id === liar)).toBe(false);

    // A complete, valid announcement, but from an ephemeral port: not mDNS, ignored.
    const sneaky = newId();
    const s = await udpSocket();
    s.send(
      dnsPacket.encode({ type: 'response', id: 0, flags: 1 << 10, answers: announcement(remote(sneaky), ['127.0.0.1']) }),
      5353,
      '224.0.0.251',
    );
    // The same announcement from port 5353 is taken: proof that the first one had arrived too.
    const honest = newId();
    const found = waitFor<[DiscoveredPeer]>(d, 'peer-found', (p) => p.id === honest);
    rawResponder().respond({ answers: announcement(remote(honest), ['127.0.0.1']) });
    await found;
    expect(d.peers().some((p) => p.id === sneaky)).toBe(false);
  });

  it('expires a peer that stops answering when its TTL runs out', async () => {
    const d = node();
    await d.start();
    const mute = newId();
    const found = waitFor<[DiscoveredPeer]>(d, 'peer-found', (p) => p.id === mute);
    const at = Date.now();
    rawResponder().respond({ answers: announcement(remote(mute, { hostTtl: 1 }), ['127.0.0.1']) });
    await found;
    const [, reason] = await waitFor<[DiscoveredPeer, PeerLostReason]>(d, 'peer-lost', (p) => p.id === mute, 3000);
    expect(reason).toBe('expired');
    expect(Date.now() - at).toBeGreaterThanOrEqual(990);
  });
});
