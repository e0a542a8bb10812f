import { describe, expect, it } from '@jest/globals';
import dnsPacket, { type Answer, type Question } from 'dns-packet';
import fc from 'fast-check';
import { encodeTxt, hostNameFor, instanceFqdnFor, isDeviceId } from '@fileshare/protocol';
import { PeerCache } from '../../src/cache.js';
import { isUsableUnicast } from '../../src/ipv4.js';
import { type LocalService, answerQuestions, ownRecords } from '../../src/records.js';

// Everything a host on the LAN multicasts reaches the peer cache (responses) and the responder
// (queries with known answers). Whatever it sends, bytes or well-formed records with any
// content: nothing throws, the tables stay within their bounds, and only sane peers come out.

const SELF = 'ffffffffffffffffffffffffffffffff';
const svc: LocalService = { id: SELF, name: 'me', port: 7000, version: 2, hostTtl: 120, serviceTtl: 4500 };
const hex = '0123456789abcdef';

/** A few ids, so that records of one instance meet each other often. */
const deviceId = fc.constantFrom('a0000000000000000000000000000000', 'b0000000000000000000000000000000', 'c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1', SELF);
const anyId = fc.oneof(deviceId, fc.string({ unit: fc.constantFrom(...hex), minLength: 32, maxLength: 32 }));
const junkName = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom('_fileshare._tcp.local', 'Peer-.local', 'Peer-xyz._fileshare._tcp.local', '.', '', '_services._dns-sd._udp.local'),
);
const instanceName = fc.oneof(anyId.map(instanceFqdnFor), anyId.map((id) => instanceFqdnFor(id).toUpperCase()), junkName);
const hostName = fc.oneof(anyId.map(hostNameFor), junkName);
const address = fc.oneof(fc.ipV4(), fc.constantFrom('0.0.0.0', '127.0.0.1', '255.255.255.255', '224.0.0.251', '::1', 'not an address', ''));
const ttl = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5000 }), fc.constant(4294967295));
const txtStrings = fc.oneof(
  fc.record({ id: anyId, port: fc.integer({ min: 1, max: 65535 }), name: fc.string({ maxLength: 80 }), version: fc.integer({ min: 0, max: 9 }) }).map(encodeTxt),
  fc.array(fc.oneof(fc.string({ maxLength: 60 }).map((s) => Buffer.from(s)), fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b))), { maxLength: 6 }),
);

const record: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({ name: fc.oneof(fc.constant('_fileshare._tcp.local'), junkName), type: fc.constant('PTR' as const), class: fc.constant('IN' as const), ttl, flush: fc.boolean(), data: instanceName }),
  fc.record({
    name: instanceName,
    type: fc.constant('SRV' as const),
    class: fc.constant('IN' as const),
    ttl,
    flush: fc.boolean(),
    data: fc.record({ priority: fc.nat(65535), weight: fc.nat(65535), port: fc.integer({ min: -5, max: 70000 }), target: hostName }),
  }),
  fc.record({ name: instanceName, type: fc.constant('TXT' as const), class: fc.constant('IN' as const), ttl, flush: fc.boolean(), data: txtStrings }),
  fc.record({ name: hostName, type: fc.constant('A' as const), class: fc.constantFrom('IN' as const, 'CH' as const), ttl, flush: fc.boolean(), data: address }),
);

/** A whole announcement of some instance, so that real peers come out of the mix too. */
const announcement = fc
  .record({ id: deviceId, port: fc.integer({ min: 1, max: 65535 }), ip: fc.ipV4(), name: fc.string({ maxLength: 70 }), ttl })
  .map(({ id, port, ip, name, ttl: t }) => {
    const r = ownRecords({ id, name, port, version: 2, hostTtl: t, serviceTtl: t }, [ip]);
    return [r.ptr, r.srv, r.txt, ...r.a];
  });

const packetRecords = fc.array(fc.oneof(record.map((r) => [r]), announcement), { maxLength: 8 }).map((groups) => groups.flat());

function checkInvariants(cache: PeerCache, maxPeers: number, maxRecords: number): void {
  const peers = cache.peers();
  expect(peers.length).toBeLessThanOrEqual(maxPeers);
  expect(cache.size).toBeLessThanOrEqual(maxRecords);
  for (const p of peers) {
    expect(isDeviceId(p.id)).toBe(true);
    expect(p.id).not.toBe(SELF);
    expect(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535).toBe(true);
    expect(p.addresses.length).toBeGreaterThan(0);
    for (const a of p.addresses) expect(isUsableUnicast(a)).toBe(true);
    expect(p.addresses).toContain(p.address);
    // The name is shown to users: no control or bidi-override characters survive.
    expect(p.name).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  }
}

describe('mDNS input from anyone on the LAN (property tests)', () => {
  it('any sequence of responses (well-formed records with any content, goodbyes, cache-flush) never throws and keeps the peer table bounded and sane', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(packetRecords, fc.integer({ min: 0, max: 200_000 })), { maxLength: 12 }), (steps) => {
        let now = 1_000_000;
        const maxPeers = 2;
        const maxRecords = 24;
        // Pinning and per-source caps take part too: evictions must keep every bound.
        const cache = new PeerCache({ selfId: SELF, now: () => now, random: () => 0.5, maxPeers, maxRecords, maxPerSource: 1, isPinned: (id) => id.startsWith('a') });
        for (const [i, [records, elapsed]] of steps.entries()) {
          const result = cache.ingest('eth0', records, i % 3 === 2 ? {} : { source: i % 3 === 0 ? '192.0.2.1' : '192.0.2.2' });
          for (const w of result.warnings) expect(w.code).toMatch(/^ERR_DISCOVERY_/);
          checkInvariants(cache, maxPeers, maxRecords);
          now += elapsed;
          cache.advance();
          checkInvariants(cache, maxPeers, maxRecords);
        }
        // Long after every TTL (the largest a DNS TTL can be: 2^32 - 1 s), nothing is left.
        now += 4_294_967_296_000;
        cache.advance();
        expect(cache.peers()).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes as a datagram: decoded or refused by dns-packet, and what decodes never breaks the cache', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        let packet: dnsPacket.Packet;
        try {
          packet = dnsPacket.decode(Buffer.from(bytes));
        } catch {
          return; // multicast-dns reports it as a warning: ERR_DISCOVERY_MALFORMED_PACKET
        }
        const cache = new PeerCache({ selfId: SELF, now: () => 1_000_000, random: () => 0 });
        cache.ingest('eth0', [...(packet.answers ?? []), ...(packet.additionals ?? [])]);
        checkInvariants(cache, 1024, 8192);
        answerQuestions(svc, ['192.0.2.1'], packet.questions ?? [], packet.answers ?? []);
      }),
      { numRuns: 2000 },
    );
  });

  it('a real announcement with bytes flipped in flight never throws, and any peer made of it is sane', () => {
    const r = ownRecords({ id: 'a0000000000000000000000000000000', name: 'laptop', port: 7000, version: 2, hostTtl: 120, serviceTtl: 4500 }, ['192.0.2.7']);
    const real = dnsPacket.encode({ type: 'response', flags: 1 << 10, answers: [r.ptr, r.srv, r.txt, ...r.a, r.enumeration, r.nsec] });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (flips) => {
        const bytes = Buffer.from(real);
        for (const [at, value] of flips) bytes[at] = value;
        let packet: dnsPacket.Packet;
        try {
          packet = dnsPacket.decode(bytes);
        } catch {
          return;
        }
        const cache = new PeerCache({ selfId: SELF, now: () => 1_000_000, random: () => 0 });
        cache.ingest('eth0', [...(packet.answers ?? []), ...(packet.additionals ?? [])]);
        checkInvariants(cache, 1024, 8192);
      }),
      { numRuns: 2000 },
    );
  });

  it('queries with any questions and known answers are answered with our own records only', () => {
    const question: fc.Arbitrary<Question> = fc.record({
      name: fc.oneof(junkName, fc.constant(instanceFqdnFor(SELF)), fc.constant(hostNameFor(SELF)), fc.constant('_fileshare._tcp.LOCAL')),
      type: fc.constantFrom('PTR', 'SRV', 'TXT', 'A', 'AAAA', 'ANY', 'NSEC', 'CNAME') as fc.Arbitrary<Question['type']>,
      class: fc.constantFrom('IN', 'ANY', 'CH', 'UNKNOWN_32769', 'UNKNOWN_33023', undefined) as fc.Arbitrary<Question['class']>,
    });
    const own = ownRecords(svc, ['192.0.2.1']);
    const ownKeys = new Set([own.ptr, own.enumeration, own.srv, own.txt, ...own.a, own.nsec].map((r) => JSON.stringify(r)));
    fc.assert(
      fc.property(fc.array(question, { maxLength: 10 }), fc.array(record, { maxLength: 10 }), (questions, known) => {
        const { answers, additionals } = answerQuestions(svc, ['192.0.2.1'], questions, known);
        for (const r of [...answers, ...additionals]) expect(ownKeys.has(JSON.stringify(r))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
