import { describe, expect, it } from '@jest/globals';
import type { DiscoveredPeer } from '@fileshare/discovery';
import type { RemoteHello } from '@fileshare/signaling';
import { HELLO_PEER_TTL_MS, MAX_HELLO_PEERS, MAX_UNVERIFIED_PEERS, PeerDirectory } from '../../src/peer-directory.js';
import type { NodeEvent } from '../../src/types.js';

const KEY = new Uint8Array(32).fill(7);
const CODE = '01234 56789 01234 56789 01234 56789';

function id(n: number): string {
  return n.toString(16).padStart(32, '0');
}

function mdns(n: number, address = '10.0.0.2', port = 4000, name = `peer-${n}`): DiscoveredPeer {
  return { id: id(n), name, address, addresses: [address], port, version: 2 };
}

function hello(n: number, address = '10.0.0.9', name = `hello-${n}`): RemoteHello {
  return { peerId: id(n), name, port: 4100, version: 2, address };
}

function setup() {
  const events: NodeEvent[] = [];
  const forgotten: string[] = [];
  let now = 0;
  const trusted = new Set<string>();
  const directory = new PeerDirectory({
    emit: (e) => events.push(e),
    forget: (peerId) => forgotten.push(peerId),
    isTrusted: (peerId) => trusted.has(peerId),
    lookalikeOf: (peerId, name) => (!trusted.has(peerId) && name === 'desk' ? id(1) : undefined),
    now: () => now,
  });
  return { directory, events, forgotten, trusted, advance: (ms: number) => (now += ms) };
}

describe('peer directory: the authenticated connection is the authority', () => {
  it('a goodbye for a connected peer changes nothing until its connection ends; then it is removed', () => {
    const { directory, events, forgotten } = setup();
    directory.discovered(mdns(1));
    directory.connected(id(1), KEY, CODE);
    events.length = 0;
    directory.lost(id(1), 'goodbye');
    expect(events).toEqual([]);
    expect(forgotten).toEqual([]);
    expect(directory.get(id(1))?.state).toBe('connected');
    directory.disconnected(id(1));
    directory.stateChanged(id(1), 'not-connected', 'closed');
    expect(events.map((e) => e.event)).toEqual(['peer-state', 'peer-removed']);
    expect(events[1]).toEqual({ event: 'peer-removed', peerId: id(1), reason: 'goodbye' });
    expect(forgotten).toEqual([id(1)]);
  });

  it('a goodbye followed by a fresh announcement while connected keeps the peer after its connection ends', () => {
    const { directory } = setup();
    directory.discovered(mdns(1));
    directory.connected(id(1), KEY, CODE);
    directory.lost(id(1), 'expired');
    directory.discovered(mdns(1));
    directory.disconnected(id(1));
    directory.stateChanged(id(1), 'not-connected');
    expect(directory.get(id(1))?.state).toBe('not-connected');
  });

  it('a new address for a connected peer is only a dial hint: no event, the address shown stays', () => {
    const { directory, events } = setup();
    directory.discovered(mdns(1, '10.0.0.2', 4000));
    directory.connected(id(1), KEY, CODE);
    events.length = 0;
    directory.discovered(mdns(1, '10.6.6.6', 6666, 'evil'));
    expect(events).toEqual([]);
    expect(directory.get(id(1))).toMatchObject({ address: '10.0.0.2', port: 4000, name: 'peer-1', state: 'connected' });
    expect(directory.route(id(1))).toEqual({ target: { peerId: id(1), address: '10.6.6.6', port: 6666 }, dial: true });
    // Once the connection is gone, the latest record is what we show (and try next).
    directory.disconnected(id(1));
    directory.stateChanged(id(1), 'not-connected');
    expect(events.at(-1)).toEqual({ event: 'peer-updated', peerId: id(1), name: 'evil', address: '10.6.6.6', port: 6666 });
  });

  it('a peer that moved is shown at its new address once a proven connection comes from there', () => {
    const { directory, events } = setup();
    directory.discovered(mdns(1, '10.0.0.2', 4000));
    directory.connected(id(1), KEY, CODE, { address: '10.0.0.2', port: 0 });
    // It restarts elsewhere: the new record arrives while the old connection still looks live.
    directory.discovered(mdns(1, '10.0.0.9', 4100));
    expect(directory.get(id(1))).toMatchObject({ address: '10.0.0.2', port: 4000 });
    events.length = 0;
    // The replacing connection proves the key and comes from the announced address.
    directory.connected(id(1), KEY, CODE, { address: '10.0.0.9', port: 0 });
    expect(events).toEqual([
      { event: 'peer-updated', peerId: id(1), name: 'peer-1', address: '10.0.0.9', port: 4100 },
      { event: 'peer-state', peerId: id(1), state: 'connected' },
    ]);
    // The other order: the new connection first, its record after.
    directory.connected(id(1), KEY, CODE, { address: '10.0.0.5', port: 0 });
    events.length = 0;
    directory.discovered(mdns(1, '10.0.0.5', 4200));
    expect(events).toEqual([{ event: 'peer-updated', peerId: id(1), name: 'peer-1', address: '10.0.0.5', port: 4200 }]);
    // A record the proven connection does not confirm stays a hint.
    directory.discovered(mdns(1, '10.6.6.6', 6666, 'evil'));
    directory.connected(id(1), KEY, CODE, { address: '10.0.0.5', port: 0 });
    expect(directory.get(id(1))).toMatchObject({ address: '10.0.0.5', port: 4200, name: 'peer-1' });
  });

  it('addressOf gives the address a connection goes to (listed, else the hello\'s), for the SCTP mtu choice', () => {
    const { directory } = setup();
    expect(directory.addressOf(id(1))).toBeUndefined();
    directory.hello(hello(1, '10.0.0.9'), false);
    expect(directory.addressOf(id(1))).toBe('10.0.0.9');
    directory.discovered(mdns(2, '10.0.0.2'));
    expect(directory.addressOf(id(2))).toBe('10.0.0.2');
  });

  it('a new attempt beside a live connection does not show the peer as connecting', () => {
    const { directory, events } = setup();
    directory.discovered(mdns(1));
    directory.connected(id(1), KEY, CODE);
    events.length = 0;
    directory.stateChanged(id(1), 'initiating');
    expect(events).toEqual([]);
    expect(directory.get(id(1))?.state).toBe('connected');
  });

  it('a peer not connected is updated and removed by mDNS as before', () => {
    const { directory, events, forgotten } = setup();
    directory.discovered(mdns(1, '10.0.0.2'));
    directory.discovered(mdns(1, '10.0.0.3'));
    directory.lost(id(1), 'expired');
    expect(events.map((e) => e.event)).toEqual(['peer-discovered', 'peer-updated', 'peer-removed']);
    expect(forgotten).toEqual([id(1)]);
  });

  it('marks a peer verified with its code once it proved its key, and only the first time reports it as new', () => {
    const { directory, trusted } = setup();
    directory.discovered(mdns(1));
    expect(directory.get(id(1))).toMatchObject({ verified: false, trusted: false });
    trusted.add(id(1));
    expect(directory.get(id(1))?.trusted).toBe(false); // trusted id, but not proven yet
    expect(directory.connected(id(1), KEY, CODE).first).toBe(true);
    expect(directory.get(id(1))).toMatchObject({ verified: true, trusted: true, verificationCode: CODE });
    directory.disconnected(id(1));
    directory.stateChanged(id(1), 'not-connected');
    expect(directory.connected(id(1), KEY, CODE).first).toBe(false);
  });

  it('flags a look-alike in the list', () => {
    const { directory } = setup();
    directory.discovered(mdns(2, '10.0.0.4', 4000, 'desk'));
    expect(directory.get(id(2))?.lookalikeOf).toBe(id(1));
  });
});

describe('peer directory: hello-only peers', () => {
  it('are not listed and never dialled until they prove their id; then listed, discovered then connected', () => {
    const { directory, events } = setup();
    directory.hello(hello(3), false);
    expect(directory.list()).toEqual([]);
    expect(events).toEqual([]);
    expect(directory.route(id(3))).toEqual({ target: { peerId: id(3) }, dial: false });
    directory.stateChanged(id(3), 'initiating');
    expect(events).toEqual([]);
    directory.connected(id(3), KEY, CODE);
    expect(events).toEqual([
      { event: 'peer-discovered', peerId: id(3), name: 'hello-3', address: '10.0.0.9', port: 4100, manual: false },
      { event: 'peer-state', peerId: id(3), state: 'connected' },
    ]);
    expect(directory.route(id(3)).dial).toBe(false);
    // Listed only by its proof: when the connection ends, it goes.
    directory.disconnected(id(3));
    directory.stateChanged(id(3), 'not-connected');
    expect(events.at(-1)).toEqual({ event: 'peer-removed', peerId: id(3), reason: 'closed' });
  });

  it('are forgotten when their signaling connection closes, and after the TTL', () => {
    const { directory, forgotten, advance } = setup();
    directory.hello(hello(3), false);
    directory.signalingClosed(id(3));
    expect(directory.isHelloPeer(id(3))).toBe(false);
    expect(forgotten).toEqual([id(3)]);
    directory.hello(hello(4), false);
    directory.hello(hello(5), true); // a --peer address: kept
    advance(HELLO_PEER_TTL_MS - 1);
    directory.sweep();
    expect(directory.isHelloPeer(id(4))).toBe(true);
    advance(1);
    directory.sweep();
    expect(directory.isHelloPeer(id(4))).toBe(false);
    expect(directory.isHelloPeer(id(5))).toBe(true);
    expect(forgotten).toEqual([id(3), id(4)]);
  });

  it(`are bounded: at most ${MAX_HELLO_PEERS}, the oldest forgotten first`, () => {
    const { directory, forgotten } = setup();
    for (let n = 0; n < MAX_HELLO_PEERS + 10; n++) directory.hello(hello(1000 + n), false);
    expect(forgotten).toEqual(Array.from({ length: 10 }, (_, n) => id(1000 + n)));
    expect(directory.isHelloPeer(id(1000 + MAX_HELLO_PEERS + 9))).toBe(true);
  });

  it('a signaling close does not touch a listed peer', () => {
    const { directory, forgotten } = setup();
    directory.discovered(mdns(1));
    directory.connected(id(1), KEY, CODE);
    directory.signalingClosed(id(1));
    expect(forgotten).toEqual([]);
    expect(directory.get(id(1))?.state).toBe('connected');
  });
});

describe('peer directory: bounded table', () => {
  it(`keeps at most ${MAX_UNVERIFIED_PEERS} unverified peers, dropping the oldest idle one; verified and connected peers stay`, () => {
    const { directory, forgotten } = setup();
    directory.discovered(mdns(1));
    directory.connected(id(1), KEY, CODE);
    for (let n = 0; n < MAX_UNVERIFIED_PEERS + 5; n++) directory.discovered(mdns(5000 + n));
    expect(directory.list().filter((p) => !p.verified)).toHaveLength(MAX_UNVERIFIED_PEERS);
    expect(directory.get(id(1))?.state).toBe('connected');
    expect(forgotten).toEqual(Array.from({ length: 5 }, (_, n) => id(5000 + n)));
  });
});
