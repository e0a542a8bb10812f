import type { DiscoveredPeer } from '@fileshare/discovery';
import type { RemoteHello, SignalTarget } from '@fileshare/signaling';
import type { NodeEvent, PeerInfo, PeerStatus } from './types.js';

/** Listed peers that have not proven their key this session; beyond it the oldest idle one goes. */
export const MAX_UNVERIFIED_PEERS = 512;
/** Peers known only from a signaling hello (not listed, never dialled). */
export const MAX_HELLO_PEERS = 256;
/** A hello-only peer that has not proven its id within this long is forgotten. */
export const HELLO_PEER_TTL_MS = 60_000;
const SWEEP_INTERVAL_MS = 10_000;

export interface PeerDirectoryDeps {
  emit(event: NodeEvent): void;
  /** Ends any attempt or connection with the peer and fails its transfers: the peer is forgotten. */
  forget(peerId: string): void;
  /** Trusted by id (trust file or session). */
  isTrusted(peerId: string): boolean;
  /** The trusted peer this name imitates (see TrustBook.lookalikeOf). */
  lookalikeOf(peerId: string, name: string): string | undefined;
  now?: () => number;
}

interface Entry {
  id: string;
  name: string;
  /** Shown address: where we found it, frozen while an authenticated connection is live. */
  address: string;
  port: number;
  state: PeerStatus;
  manual: boolean;
  verified: boolean;
  verificationCode?: string;
  publicKey?: Uint8Array;
  /** An authenticated connection is open. */
  live: boolean;
  /** mDNS currently announces it. */
  announced: boolean;
  /** Where to dial next time: the latest mDNS record (unauthenticated: a hint, never authority). */
  hint?: { address: string; port: number; name: string };
  /** mDNS said it left while its connection was live: removed once that connection ends. */
  lost?: 'goodbye' | 'expired';
  /** Where the live authenticated connection's signaling came from: an mDNS record that agrees is confirmed. */
  provenAddress?: string;
}

interface HelloPeer {
  name: string;
  address: string;
  port: number;
  manual: boolean;
  expiresAt: number;
}

/**
 * The peers a node knows, and who has authority over what. mDNS records and hellos are claims
 * anyone on the LAN can make; only a connection whose offer/answer proved the device key is
 * authority. So: mDNS may add a peer (listed, unverified) and tell where to dial it, but while a
 * peer's authenticated connection is live, a goodbye, an expiry or a new address changes only the
 * dial hint, never the connection, its transfers or the address shown. A peer known only from a
 * hello is not listed and never dialled until it proves its id on a connection. Both tables are
 * bounded, so a flood of fake records or hellos costs bounded memory.
 */
export class PeerDirectory {
  private readonly table = new Map<string, Entry>();
  private readonly helloPeers = new Map<string, HelloPeer>();
  private readonly now: () => number;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: PeerDirectoryDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Starts expiring hello-only peers (HELLO_PEER_TTL_MS). */
  start(): void {
    this.sweepTimer ??= setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  close(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.table.clear();
    this.helloPeers.clear();
  }

  // ---- queries ---------------------------------------------------------------------------------

  list(): PeerInfo[] {
    return [...this.table.values()].map((e) => this.info(e));
  }

  get(peerId: string): PeerInfo | undefined {
    const entry = this.table.get(peerId);
    return entry ? this.info(entry) : undefined;
  }

  publicKey(peerId: string): Uint8Array | undefined {
    return this.table.get(peerId)?.publicKey;
  }

  /** The name of a peer that proved its key this session (names of unproven ones are anyone's claim). */
  verifiedName(peerId: string): string | undefined {
    const entry = this.table.get(peerId);
    return entry?.verified ? entry.name : undefined;
  }

  /** The peer's IPv4/IPv6 address as we know it (listed, its mDNS hint, or its signaling hello); undefined if unknown. */
  addressOf(peerId: string): string | undefined {
    const entry = this.table.get(peerId);
    return entry?.address || entry?.hint?.address || this.helloPeers.get(peerId)?.address || undefined;
  }

  isLive(peerId: string): boolean {
    return this.table.get(peerId)?.live ?? false;
  }

  /** Known only from a hello, waiting to prove itself. */
  isHelloPeer(peerId: string): boolean {
    return this.helloPeers.has(peerId);
  }

  /** Proved its key on a connection this session (cheap: called for every cached mDNS instance). */
  isVerified(peerId: string): boolean {
    return this.table.get(peerId)?.verified ?? false;
  }

  /** Reached by an address the person gave (`--peer`, `addPeer`), listed or not yet. */
  isManual(peerId: string): boolean {
    return this.table.get(peerId)?.manual ?? this.helloPeers.get(peerId)?.manual ?? false;
  }

  /** How to reach a peer over signaling: dial only peers mDNS told us where to find. */
  route(peerId: string): { target: SignalTarget; dial: boolean } {
    const hint = this.table.get(peerId)?.hint;
    return hint ? { target: { peerId, address: hint.address, port: hint.port }, dial: true } : { target: { peerId }, dial: false };
  }

  private info(e: Entry): PeerInfo {
    const lookalikeOf = this.deps.lookalikeOf(e.id, e.name);
    return {
      id: e.id,
      name: e.name,
      address: e.address,
      port: e.port,
      state: e.state,
      manual: e.manual,
      verified: e.verified,
      trusted: e.verified && this.deps.isTrusted(e.id),
      ...(lookalikeOf !== undefined ? { lookalikeOf } : {}),
      ...(e.verificationCode !== undefined ? { verificationCode: e.verificationCode } : {}),
    };
  }

  // ---- mDNS ------------------------------------------------------------------------------------

  /** mDNS found, updated or refreshed a peer. False when the table is full of peers that cannot go. */
  discovered(found: DiscoveredPeer): boolean {
    const hint = { address: found.address, port: found.port, name: found.name };
    const entry = this.table.get(found.id);
    if (!entry) {
      if (!this.makeRoom()) return false;
      const manual = this.helloPeers.get(found.id)?.manual ?? false;
      this.helloPeers.delete(found.id);
      const added: Entry = { id: found.id, name: found.name, address: found.address, port: found.port, state: 'discovered', manual, verified: false, live: false, announced: true, hint };
      this.table.set(found.id, added);
      this.deps.emit({ event: 'peer-discovered', peerId: added.id, name: added.name, address: added.address, port: added.port, manual });
      return true;
    }
    entry.announced = true;
    delete entry.lost;
    entry.hint = hint;
    // While connected, the record is only a hint: the name and address shown are the ones the
    // authenticated connection was made with, unless the record agrees with where that
    // connection comes from (the peer moved, and its new connection came before its record).
    if (!entry.live || (!entry.manual && entry.provenAddress === hint.address)) this.showLatest(entry);
    return true;
  }

  /** mDNS says the peer left (goodbye or expiry). */
  lost(peerId: string, reason: 'goodbye' | 'expired'): void {
    const entry = this.table.get(peerId);
    if (!entry) return;
    entry.announced = false;
    if (entry.manual) return; // reached by address, not by mDNS
    if (entry.live) {
      entry.lost = reason; // possibly forged: the live connection decides
      return;
    }
    this.remove(entry, reason);
  }

  /** Shows the latest mDNS record (a peer without a live connection). */
  private showLatest(entry: Entry): void {
    const hint = entry.hint;
    if (!hint) return;
    if (entry.address === hint.address && entry.port === hint.port && entry.name === hint.name) return;
    Object.assign(entry, { name: hint.name, address: hint.address, port: hint.port });
    this.deps.emit({ event: 'peer-updated', peerId: entry.id, name: entry.name, address: entry.address, port: entry.port });
  }

  /** Keeps the unverified part of the table bounded: the oldest idle unverified peer goes first. */
  private makeRoom(): boolean {
    let unverified = 0;
    let victim: Entry | undefined;
    for (const e of this.table.values()) {
      if (e.verified) continue;
      unverified++;
      if (!victim && !e.live && !e.manual) victim = e;
    }
    if (unverified < MAX_UNVERIFIED_PEERS) return true;
    if (!victim) return false;
    this.remove(victim, 'expired');
    return true;
  }

  // ---- signaling -------------------------------------------------------------------------------

  /** A signaling hello. Listed peers stay as they are; others wait, unlisted, to prove their id. */
  hello(hello: RemoteHello, manual: boolean): void {
    const entry = this.table.get(hello.peerId);
    if (entry) {
      if (manual) entry.manual = true;
      return;
    }
    const previous = this.helloPeers.get(hello.peerId);
    this.helloPeers.delete(hello.peerId); // re-inserted last: the map is oldest-first
    if (this.helloPeers.size >= MAX_HELLO_PEERS) this.evictOldestHelloPeer();
    this.helloPeers.set(hello.peerId, {
      name: hello.name,
      address: hello.address,
      port: hello.port,
      manual: manual || (previous?.manual ?? false),
      expiresAt: this.now() + HELLO_PEER_TTL_MS,
    });
  }

  /** A `--peer` address answered with this id. */
  markManual(peerId: string): void {
    const entry = this.table.get(peerId) ?? this.helloPeers.get(peerId);
    if (entry) entry.manual = true;
  }

  /** The last signaling connection with the peer closed: a hello-only peer is forgotten. */
  signalingClosed(peerId: string): void {
    if (!this.helloPeers.delete(peerId)) return;
    this.deps.forget(peerId);
  }

  /** Forgets hello-only peers past their TTL (manual ones are kept: the person asked for them). */
  sweep(): void {
    const now = this.now();
    for (const [id, peer] of this.helloPeers) {
      if (peer.manual || peer.expiresAt > now) continue;
      this.helloPeers.delete(id);
      this.deps.forget(id);
    }
  }

  private evictOldestHelloPeer(): void {
    for (const [id, peer] of this.helloPeers) {
      if (peer.manual) continue;
      this.helloPeers.delete(id);
      this.deps.forget(id);
      return;
    }
  }

  // ---- connections -----------------------------------------------------------------------------

  /**
   * The peer proved its key on a connection that is now open. A peer not listed yet (known from a
   * hello, or not at all) is listed now, with `fallback` as its address when no hello told one.
   * Returns its info and whether this is the first proof this session.
   */
  connected(peerId: string, publicKey: Uint8Array, verificationCode: string, fallback?: { address: string; port: number; name?: string }): { info: PeerInfo; first: boolean } {
    let entry = this.table.get(peerId);
    if (!entry) {
      const hello = this.helloPeers.get(peerId);
      this.helloPeers.delete(peerId);
      entry = {
        id: peerId,
        name: hello?.name ?? fallback?.name ?? '',
        address: hello?.address ?? fallback?.address ?? '',
        port: hello?.port ?? fallback?.port ?? 0,
        state: 'discovered',
        manual: hello?.manual ?? false,
        verified: false,
        live: false,
        announced: false,
      };
      this.table.set(peerId, entry);
      this.deps.emit({ event: 'peer-discovered', peerId, name: entry.name, address: entry.address, port: entry.port, manual: entry.manual });
    }
    const first = !entry.verified;
    // The proven connection comes from where the latest mDNS record says the peer is (it moved
    // and announced its new address while the old connection was still live): now that record
    // is confirmed, show it.
    if (!entry.manual && fallback !== undefined && entry.hint?.address === fallback.address) this.showLatest(entry);
    Object.assign(entry, { verified: true, publicKey, verificationCode, live: true, state: 'connected' });
    if (fallback !== undefined) entry.provenAddress = fallback.address;
    else delete entry.provenAddress;
    this.deps.emit({ event: 'peer-state', peerId, state: 'connected' });
    return { info: this.info(entry), first };
  }

  /** The authenticated connection closed (a `not-connected` state or a removal follows). */
  disconnected(peerId: string): void {
    const entry = this.table.get(peerId);
    if (entry) entry.live = false;
  }

  /** A state change from the peer manager (`connected` comes through `connected()` instead). */
  stateChanged(peerId: string, state: Exclude<PeerStatus, 'discovered' | 'connected'>, reason?: string): void {
    const entry = this.table.get(peerId);
    if (!entry) return; // hello-only peers are not shown
    // A new attempt beside a live connection (an offer claiming a connected peer) changes nothing
    // users see: the live connection stays until a proven one replaces it.
    if (entry.live && state !== 'not-connected') return;
    entry.state = state;
    if (state === 'not-connected') entry.live = false;
    this.deps.emit({ event: 'peer-state', peerId, state, ...(reason !== undefined ? { reason } : {}) });
    if (state === 'not-connected') this.connectionEnded(entry);
  }

  private connectionEnded(entry: Entry): void {
    if (entry.lost) this.remove(entry, entry.lost);
    else if (!entry.announced && !entry.manual) this.remove(entry, 'closed'); // was listed only by its proof
    else this.showLatest(entry);
  }

  private remove(entry: Entry, reason: 'goodbye' | 'expired' | 'closed'): void {
    this.table.delete(entry.id);
    this.deps.forget(entry.id);
    this.deps.emit({ event: 'peer-removed', peerId: entry.id, reason });
  }
}
