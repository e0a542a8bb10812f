// Under a flood of fake announcements or hellos, the peers a person cares about go first.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import type { Discovery, DiscoveredPeer } from '@fileshare/discovery';
import type { PeerManager } from '@fileshare/peer';
import { silentLogger } from '@fileshare/protocol';
import type { RemoteHello, Signaling } from '@fileshare/signaling';
import { ManualPeers } from '../../src/manual-peers.js';
import { PeerDirectory } from '../../src/peer-directory.js';
import { PeerLinks } from '../../src/peer-links.js';
import { PeerWaits, peerPriority } from '../../src/peer-priority.js';
import type { TrustBook } from '../../src/trust-book.js';

const SELF = 'f'.repeat(32);
const KEY = new Uint8Array(32).fill(7);
const CODE = '01234 56789 01234 56789 01234 56789';
const id = (n: number): string => n.toString(16).padStart(32, '0');
const mdns = (n: number): DiscoveredPeer => ({ id: id(n), name: `peer-${n}`, address: '10.0.0.2', addresses: ['10.0.0.2'], port: 4000, version: 2 });
const hello = (n: number): RemoteHello => ({ peerId: id(n), name: `hello-${n}`, port: 4100, version: 2, address: '10.0.0.9' });

function setup() {
  const trusted = new Set<string>();
  const seen: string[] = [];
  const directory = new PeerDirectory({
    emit: () => undefined,
    forget: () => undefined,
    isTrusted: (peerId) => trusted.has(peerId),
    lookalikeOf: () => undefined,
  });
  const manual = new ManualPeers({ signaling: () => undefined, answered: () => undefined, logger: silentLogger });
  const peerManager = {
    peerSeen: (peerId: string, options?: { priority?: string }) => seen.push(`${peerId.slice(-2)} ${options?.priority ?? 'normal'}`),
  } as unknown as PeerManager;
  const links = new PeerLinks({
    deviceId: () => SELF,
    identity: () => {
      throw new Error('not used');
    },
    directory,
    manual,
    trust: () => ({ isTrusted: (peerId: string) => trusted.has(peerId) }) as unknown as TrustBook,
    peerManager: () => peerManager,
    signaling: () => {
      throw new Error('not used');
    },
    signalingAddress: () => undefined,
    transfers: () => undefined,
    emit: () => undefined,
    warn: () => undefined,
    warnLimited: () => undefined,
    refreshTrust: () => undefined,
    trustedName: () => '',
    logger: silentLogger,
  });
  const discovery = new EventEmitter();
  const signaling = new EventEmitter();
  links.wireDiscovery(discovery as unknown as Discovery);
  links.wireSignaling(signaling as unknown as Signaling);
  return { links, directory, manual, trusted, seen, discovery, signaling };
}

describe('peer priority', () => {
  it('mDNS peers are normal, hello-only peers low; trusted, verified and manual peers high', () => {
    const { directory, trusted, seen, discovery, signaling } = setup();
    discovery.emit('peer-found', mdns(1));
    signaling.emit('hello', hello(2));
    trusted.add(id(3));
    discovery.emit('peer-found', mdns(3));
    signaling.emit('hello', hello(3 + 1)); // a hello-only peer...
    trusted.add(id(4)); // ...that is trusted
    signaling.emit('hello', hello(4));
    directory.discovered(mdns(5));
    directory.connected(id(5), KEY, CODE);
    directory.disconnected(id(5));
    discovery.emit('peer-seen', mdns(5)); // verified earlier this session
    expect(seen).toEqual(['01 normal', '02 low', '03 high', '04 low', '04 high', '05 high']);
  });

  it('a peer at an address given with --peer is high, even before it proves its id', () => {
    const { manual, seen, signaling } = setup();
    manual.add('10.0.0.9', 4100);
    signaling.emit('hello', hello(6)); // comes from that address and port
    expect(seen).toEqual(['06 high']);
  });

  it('a peer someone waits for is high from then on, and is announced again at once when known', () => {
    const { links, seen, discovery, signaling } = setup();
    discovery.emit('peer-found', mdns(1));
    signaling.emit('hello', hello(2));
    const byId = links.beginWait(id(2)); // exact id of a hello-only peer
    const byName = links.beginWait('peer-1');
    links.waitMatched(byName, id(1)); // what waitForPeer does once the name resolves
    links.waitMatched(byName, id(1)); // once per wait
    expect(seen).toEqual(['01 normal', '02 low', '02 high', '01 high']);
    // Unknown yet: nothing to announce, but high when it appears.
    const later = links.beginWait(id(7));
    expect(seen).toHaveLength(4);
    discovery.emit('peer-found', mdns(7));
    expect(seen.at(-1)).toBe('07 high');
    // The waits end: back to what they are.
    links.endWait(byId);
    links.endWait(byName);
    links.endWait(later);
    discovery.emit('peer-seen', mdns(1));
    signaling.emit('hello', hello(2));
    expect(seen.slice(-2)).toEqual(['01 normal', '02 low']);
  });

  it('discovery pins verified and trusted peers only', () => {
    const { links, directory, trusted } = setup();
    directory.discovered(mdns(1));
    directory.discovered(mdns(2));
    directory.connected(id(2), KEY, CODE);
    trusted.add(id(3));
    expect([1, 2, 3].map((n) => links.isPinned(id(n)))).toEqual([false, true, true]);
    directory.disconnected(id(2)); // verified this session: still pinned
    expect(links.isPinned(id(2))).toBe(true);
  });

  it('waits are counted: a peer stays wanted until the last wait for it ends', () => {
    const waits = new PeerWaits();
    const a = waits.begin();
    const b = waits.begin();
    expect([waits.add(a, id(1)), waits.add(a, id(1)), waits.add(b, id(1))]).toEqual([true, false, true]);
    waits.end(a);
    expect(waits.has(id(1))).toBe(true);
    waits.end(b);
    expect(waits.has(id(1))).toBe(false);
    const none = { isWaitedFor: () => false, isTrusted: () => false, isVerified: () => false, isManual: () => false, isHelloOnly: () => false };
    expect(peerPriority(none, id(1))).toBe('normal');
    expect(peerPriority({ ...none, isHelloOnly: () => true }, id(1))).toBe('low');
    expect(peerPriority({ ...none, isHelloOnly: () => true, isManual: () => true }, id(1))).toBe('high');
  });
});
