import type { Answer } from 'dns-packet';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { encodeTxt } from '@fileshare/protocol';
import { type CacheResult, PeerCache } from '../../src/cache.js';
import { type LocalService, announcement, goodbye, ownRecords } from '../../src/records.js';

const SELF = 'ffffffffffffffffffffffffffffffff';
const A = 'a0000000000000000000000000000000';
const B = 'b0000000000000000000000000000000';
const C = 'c0000000000000000000000000000000';

const service = (id: string, extra: Partial<LocalService> = {}): LocalService => ({
  id,
  name: `node ${id.slice(0, 1)}`,
  port: 7000,
  version: 1,
  hostTtl: 120,
  serviceTtl: 4500,
  ...extra,
});

const newCache = (init: Partial<ConstructorParameters<typeof PeerCache>[0]> = {}): PeerCache =>
  new PeerCache({ selfId: SELF, now: () => Date.now(), random: () => 0, ...init });

const events = (r: CacheResult): string[] =>
  r.events.map((e) => `${e.type} ${e.peer.id.slice(0, 1)}${e.type === 'peer-lost' ? ` ${e.reason}` : ''}`);
const codes = (r: CacheResult): string[] => r.warnings.map((w) => w.code);
const questions = (r: CacheResult): string[] =>
  [...r.questions].flatMap(([iface, qs]) => qs.map((q) => `${iface} ${q.type} ${q.name}`));

describe('peer cache', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('turns an announcement into a peer, with the SRV port, TXT name and version, and the A address', () => {
    const cache = newCache();
    const r = cache.ingest('eth0', announcement(service(A, { port: 7443, name: 'Bob' }), ['192.168.1.30']));
    expect(r.events).toEqual([
      {
        type: 'peer-found',
        peer: { id: A, name: 'Bob', address: '192.168.1.30', addresses: ['192.168.1.30'], port: 7443, version: 1 },
      },
    ]);
    expect(r.warnings).toEqual([]);
    expect(cache.peers().map((p) => p.id)).toEqual([A]);
  });

  it('ignores our own records, and A records of hosts that no fileshare SRV points to', () => {
    const cache = newCache();
    expect(events(cache.ingest('eth0', announcement(service(SELF), ['192.168.1.2'])))).toEqual([]);
    const printer: Answer = { name: 'printer.local', type: 'A', ttl: 120, data: '192.168.1.9' };
    expect(events(cache.ingest('eth0', [printer]))).toEqual([]);
    expect(cache.size).toBe(0);
  });

  it('resolves a half-known instance: asks for SRV and TXT, then for the address', () => {
    const cache = newCache();
    const r = ownRecords(service(A), ['192.168.1.30']);
    const first = cache.ingest('eth0', [r.ptr]);
    expect(questions(first)).toEqual([
      `eth0 SRV peer-${A}._fileshare._tcp.local`,
      `eth0 TXT peer-${A}._fileshare._tcp.local`,
    ]);
    // Asked again within a second: not repeated.
    expect(questions(cache.ingest('eth0', [r.ptr]))).toEqual([]);
    const second = cache.ingest('eth0', [r.srv, r.txt]);
    expect(questions(second)).toEqual([`eth0 A fileshare-${A}.local`]);
    expect(events(cache.ingest('eth0', r.a))).toEqual(['peer-found a']);
  });

  it('rejects untrusted records with a warning: bad TXT, TXT id of another device, bad name, bad SRV', () => {
    const cache = newCache();
    const r = ownRecords(service(A), ['192.168.1.30']);
    const badTxt: Answer = { ...r.txt, data: [Buffer.from('id=nothex'), Buffer.from('port=7000')] } as Answer;
    const otherId: Answer = { ...r.txt, data: encodeTxt({ id: B, port: 7000, name: 'x', version: 1 }) } as Answer;
    const badName: Answer = { ...r.srv, name: 'Printer._fileshare._tcp.local' };
    const badPtr: Answer = { ...r.ptr, data: 'Printer._fileshare._tcp.local' } as Answer;
    const badSrv: Answer = { ...r.srv, data: { port: 0, target: 'x.local' } } as Answer;
    for (const bad of [badTxt, otherId, badName, badPtr, badSrv]) {
      const out = cache.ingest('eth0', [bad]);
      expect(codes(out)).toEqual(['ERR_DISCOVERY_INVALID_RECORD']);
      expect(out.warnings[0]?.message.length).toBeGreaterThan(10);
    }
    // None of it makes a peer even together with the good parts.
    expect(events(cache.ingest('eth0', [r.srv, badTxt, ...r.a]))).toEqual([]);
    expect(cache.peers()).toEqual([]);
  });

  it('uses the SRV port when the TXT port disagrees, and says so', () => {
    const cache = newCache();
    const r = ownRecords(service(A, { port: 7000 }), ['192.168.1.30']);
    const txt = { ...r.txt, data: encodeTxt({ id: A, port: 9999, name: 'node a', version: 1 }) } as Answer;
    const out = cache.ingest('eth0', [r.ptr, r.srv, txt, ...r.a]);
    expect(out.events[0]?.peer.port).toBe(7000);
    expect(codes(out)).toEqual(['ERR_DISCOVERY_PORT_MISMATCH']);
  });

  it('refuses an A record with a loopback address except on the loopback interface', () => {
    const cache = newCache();
    const records = announcement(service(A), ['127.0.0.1']);
    const out = cache.ingest('eth0', records);
    expect(codes(out)).toEqual(['ERR_DISCOVERY_INVALID_RECORD']);
    expect(out.events).toEqual([]);
    expect(events(cache.ingest('lo', records, { loopbackInterface: true }))).toEqual(['peer-found a']);
  });

  it('reports a known peer heard again unchanged as seen (so a dropped connection is retried), but not on its goodbye', () => {
    const cache = newCache();
    expect(events(cache.ingest('eth0', announcement(service(A), ['192.168.1.30'])))).toEqual(['peer-found a']);
    expect(events(cache.ingest('eth0', announcement(service(A), ['192.168.1.30'])))).toEqual(['peer-seen a']);
    expect(events(cache.ingest('eth0', goodbye(service(A), ['192.168.1.30'])))).toEqual([]);
  });

  it('loses a peer one second after its goodbye (RFC 6762 10.1), with reason goodbye', () => {
    const cache = newCache();
    cache.ingest('eth0', announcement(service(A), ['192.168.1.30']));
    expect(events(cache.ingest('eth0', goodbye(service(A), ['192.168.1.30'])))).toEqual([]);
    expect(cache.nextDeadline()).toBe(Date.now() + 1000);
    jest.advanceTimersByTime(999);
    expect(events(cache.advance())).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(events(cache.advance())).toEqual(['peer-lost a goodbye']);
    expect(cache.size).toBe(0);
  });

  it('treats a goodbye for the PTR alone as the end of the instance', () => {
    const cache = newCache();
    cache.ingest('eth0', announcement(service(A), ['192.168.1.30']));
    cache.ingest('eth0', [{ ...ownRecords(service(A), []).ptr, ttl: 0 } as Answer]);
    jest.advanceTimersByTime(1000);
    expect(events(cache.advance())).toEqual(['peer-lost a goodbye']);
  });

  it('asks again at 80, 85, 90 and 95% of the TTL and expires the peer at 100% when nobody answers', () => {
    const cache = newCache();
    cache.ingest('eth0', announcement(service(A, { hostTtl: 10 }), ['192.168.1.30']));
    const asked: string[] = [];
    let lost: string[] = [];
    for (let t = 0; t < 10_000 && lost.length === 0; ) {
      const next = cache.nextDeadline()!;
      jest.advanceTimersByTime(next - Date.now());
      t = next - 1_000_000;
      const r = cache.advance();
      for (const q of questions(r)) asked.push(`${t} ${q}`);
      lost = events(r);
    }
    const host = `fileshare-${A}.local`;
    const srv = `peer-${A}._fileshare._tcp.local`;
    expect(asked).toEqual([8000, 8500, 9000, 9500].flatMap((t) => [`${t} eth0 SRV ${srv}`, `${t} eth0 A ${host}`]));
    expect(lost).toEqual(['peer-lost a expired']);
    expect(Date.now() - 1_000_000).toBe(10_000);
    // The long-lived PTR and TXT went with it, so the peer is found again when it reappears.
    expect(cache.size).toBe(0);
    expect(events(cache.ingest('eth0', announcement(service(A, { hostTtl: 10 }), ['192.168.1.30'])))).toEqual([
      'peer-found a',
    ]);
  });

  it('keeps a peer that answers the refresh query', () => {
    const cache = newCache();
    const records = announcement(service(A, { hostTtl: 10 }), ['192.168.1.30']);
    cache.ingest('eth0', records);
    jest.advanceTimersByTime(8000);
    expect(questions(cache.advance()).length).toBeGreaterThan(0);
    cache.ingest('eth0', records);
    jest.advanceTimersByTime(5000);
    expect(events(cache.advance())).toEqual([]);
    expect(cache.peers()).toHaveLength(1);
  });

  it('applies the cache-flush bit per interface: a new address replaces the old one a second later', () => {
    const cache = newCache();
    cache.ingest('eth0', announcement(service(A), ['192.168.1.30']));
    cache.ingest('wlan0', announcement(service(A), ['10.0.0.30']));
    jest.advanceTimersByTime(5000);
    const moved = cache.ingest('eth0', announcement(service(A), ['192.168.1.31']));
    expect(moved.events.map((e) => e.peer.addresses)).toEqual([['10.0.0.30', '192.168.1.30', '192.168.1.31']]);
    jest.advanceTimersByTime(1000);
    const after = cache.advance();
    expect(events(after)).toEqual(['peer-updated a']);
    // wlan0's record is untouched by a flush that arrived on eth0.
    expect(after.events[0]?.peer.addresses).toEqual(['10.0.0.30', '192.168.1.31']);
  });

  it('offers the address on a subnet we share first', () => {
    const cache = newCache({ isLocalSubnet: (a) => a.startsWith('10.0.0.') });
    const out = cache.ingest('eth0', announcement(service(A), ['192.168.1.30', '10.0.0.30']));
    expect(out.events[0]?.peer).toMatchObject({ address: '10.0.0.30', addresses: ['10.0.0.30', '192.168.1.30'] });
  });

  it('reports a changed name as peer-updated', () => {
    const cache = newCache();
    cache.ingest('eth0', announcement(service(A, { name: 'old' }), ['192.168.1.30']));
    jest.advanceTimersByTime(2000);
    const out = cache.ingest('eth0', announcement(service(A, { name: 'new' }), ['192.168.1.30']));
    expect(out.events.map((e) => [e.type, e.peer.name])).toEqual([['peer-updated', 'new']]);
  });

  it('forgets what it learnt on an interface that went away', () => {
    const cache = newCache();
    cache.ingest('eth0', announcement(service(A), ['192.168.1.30']));
    cache.ingest('eth1', announcement(service(B), ['10.1.0.30']));
    expect(events(cache.removeInterface('eth0'))).toEqual(['peer-lost a expired']);
    expect(cache.peers().map((p) => p.id)).toEqual([B]);
  });

  it('lists PTRs with more than half their TTL left as known answers for the browse query', () => {
    const cache = newCache();
    cache.ingest('eth0', announcement(service(A), ['192.168.1.30']));
    expect(cache.knownAnswers('eth0')).toEqual([
      { name: '_fileshare._tcp.local', type: 'PTR', class: 'IN', ttl: 4500, data: `Peer-${A}._fileshare._tcp.local` },
    ]);
    expect(cache.knownAnswers('eth1')).toEqual([]);
    jest.advanceTimersByTime(2250_000);
    // The SRV and A records expired long ago; the peer is gone and so is its PTR.
    cache.advance();
    expect(cache.knownAnswers('eth0')).toEqual([]);
  });

  it('tracks at most maxPeers peers: a newcomer evicts the peer heard least recently, which is lost as expired', () => {
    const cache = newCache({ maxPeers: 2 });
    cache.ingest('eth0', announcement(service(A), ['192.168.1.30']));
    jest.advanceTimersByTime(1000);
    cache.ingest('eth0', announcement(service(B), ['192.168.1.31']));
    jest.advanceTimersByTime(1000);
    cache.ingest('eth0', announcement(service(A), ['192.168.1.30'])); // A heard again: B is now the oldest
    const third = cache.ingest('eth0', announcement(service(C), ['192.168.1.32']));
    expect(events(third)).toEqual(['peer-lost b expired', 'peer-found c']);
    expect(codes(third)).toEqual([]);
    expect(cache.peers().map((p) => p.id).sort()).toEqual([A, C]);
    // B announcing again comes back (evicting A, now the oldest).
    jest.advanceTimersByTime(1000);
    expect(events(cache.ingest('eth0', announcement(service(B), ['192.168.1.31'])))).toEqual(['peer-lost a expired', 'peer-found b']);
  });

  it('never evicts a pinned peer; when every peer is pinned the newcomer is refused with a warning', () => {
    const pinned = new Set([A]);
    const cache = newCache({ maxPeers: 2, isPinned: (id) => pinned.has(id) });
    cache.ingest('eth0', announcement(service(A), ['192.168.1.30']));
    jest.advanceTimersByTime(1000);
    cache.ingest('eth0', announcement(service(B), ['192.168.1.31']));
    // A is the oldest but pinned (connected): B goes.
    expect(events(cache.ingest('eth0', announcement(service(C), ['192.168.1.32'])))).toEqual(['peer-lost b expired', 'peer-found c']);
    pinned.add(C);
    const refused = cache.ingest('eth0', announcement(service(B), ['192.168.1.31']));
    expect(refused.events).toEqual([]);
    expect(new Set(codes(refused))).toEqual(new Set(['ERR_DISCOVERY_LIMIT']));
    expect(cache.peers().map((p) => p.id).sort()).toEqual([A, C]);
  });

  it('a flood of fake instances does not keep an honest newcomer out, and connected peers stay', () => {
    const connected = new Set<string>();
    const cache = newCache({ maxPeers: 64, maxPerSource: 1_000_000, isPinned: (id) => connected.has(id) });
    cache.ingest('eth0', announcement(service(A), ['192.168.1.30']), { source: '192.168.1.30' });
    connected.add(A);
    for (let i = 0; i < 3000; i++) {
      const id = (i + 1).toString(16).padStart(32, '1');
      cache.ingest('eth0', announcement(service(id), ['192.168.1.66']), { source: '192.168.1.66' });
    }
    const honest = cache.ingest('eth0', announcement(service(B), ['192.168.1.31']), { source: '192.168.1.31' });
    expect(events(honest)).toEqual([expect.stringMatching(/^peer-lost 1 expired$/), 'peer-found b']);
    const ids = cache.peers().map((p) => p.id);
    expect(ids).toHaveLength(64);
    expect(ids).toEqual(expect.arrayContaining([A, B]));
  });

  it(`learns at most maxPerSource instances from one source address, with one warning per source`, () => {
    const cache = newCache({ maxPerSource: 3 });
    const fakes = Array.from({ length: 10 }, (_, i) => (i + 1).toString(16).padStart(32, '2'));
    const results = fakes.map((id) => cache.ingest('eth0', announcement(service(id), ['192.168.1.66']), { source: '192.168.1.66' }));
    expect(cache.peers()).toHaveLength(3);
    expect(results.slice(0, 3).flatMap(events)).toHaveLength(3);
    const warnings = results.slice(3).flatMap((r) => r.warnings);
    expect(new Set(warnings.map((w) => w.code))).toEqual(new Set(['ERR_DISCOVERY_LIMIT']));
    // Always the same sentence, so the discovery's dedupe logs it once a minute.
    expect(new Set(warnings.map((w) => w.message))).toEqual(new Set(['192.168.1.66 announces more than 3 instances; ignoring the others it announces.']));
    // Known instances from that source still refresh; another source is not affected.
    expect(events(cache.ingest('eth0', announcement(service(fakes[0]!), ['192.168.1.66']), { source: '192.168.1.66' }))).toEqual(['peer-seen 2']);
    expect(events(cache.ingest('eth0', announcement(service(B), ['192.168.1.31']), { source: '192.168.1.31' }))).toEqual(['peer-found b']);
    // One of its instances leaves: its place is free again.
    cache.ingest('eth0', goodbye(service(fakes[0]!), ['192.168.1.66']), { source: '192.168.1.66' });
    jest.advanceTimersByTime(1000);
    cache.advance();
    expect(events(cache.ingest('eth0', announcement(service(fakes[9]!), ['192.168.1.66']), { source: '192.168.1.66' }))).toEqual(['peer-found 2']);
  });

  it('bounds the record cache: evicts records of no peer first, then refuses', () => {
    const cache = newCache({ maxRecords: 8 });
    cache.ingest('eth0', announcement(service(A), ['192.168.1.30']));
    expect(cache.size).toBe(4);
    // PTRs of instances that never resolve fill the rest and are evicted oldest-first.
    for (let i = 1; i <= 10; i++) {
      const id = i.toString(16).padStart(32, '1');
      cache.ingest('eth0', [ownRecords(service(id), []).ptr]);
    }
    expect(cache.size).toBe(8);
    expect(cache.peers().map((p) => p.id)).toEqual([A]);
    // Once every cached record belongs to a peer, new ones are refused with a warning.
    cache.ingest('eth0', announcement(service(B), ['192.168.1.31']));
    expect(cache.peers().map((p) => p.id).sort()).toEqual([A, B]);
    const refused = cache.ingest('eth0', announcement(service(C), ['192.168.1.32']));
    expect(refused.events).toEqual([]);
    expect(codes(refused)).toContain('ERR_DISCOVERY_LIMIT');
  });
});
