import type { Discovery, DiscoveredPeer } from '@fileshare/discovery';
import type { PeerConnectedEvent, PeerManager, SignalIgnoredEvent } from '@fileshare/peer';
import { type Logger, type SignalMessage, verificationCode } from '@fileshare/protocol';
import type { RemoteHello, Signaling } from '@fileshare/signaling';
import type { TransferService } from '@fileshare/transfer';
import type { Identity } from './identity.js';
import type { ManualPeer, ManualPeers } from './manual-peers.js';
import type { PeerDirectory } from './peer-directory.js';
import { type PeerPriority, type PeerWait, PeerWaits, peerPriority } from './peer-priority.js';
import type { TrustBook } from './trust-book.js';
import type { NodeEvent } from './types.js';

function shortId(id: string): string {
  return id.slice(0, 8);
}

/** What the links need of the node; getters, because the parts are created one after another. */
export interface PeerLinksDeps {
  deviceId(): string;
  identity(): Identity;
  directory: PeerDirectory;
  manual: ManualPeers;
  trust(): TrustBook | undefined;
  peerManager(): PeerManager | undefined;
  /** Throws ERR_NODE_CLOSED once the node closes. */
  signaling(): Signaling;
  /** The remote address of an open signaling connection with the peer, if any. */
  signalingAddress(peerId: string): string | undefined;
  transfers(): TransferService | undefined;
  emit(event: NodeEvent): void;
  warn(code: string, message: string, peerId?: string): void;
  /** A warning caused by what others send: rate-limited. */
  warnLimited(code: string, message: string, peerId?: string): void;
  refreshTrust(): void;
  trustedName(peerId: string): string;
  logger: Logger;
}

/**
 * The node's wiring between mDNS, signaling and the peer manager, with the authority rules of
 * PeerDirectory: claims (mDNS records, hellos) only lead to connection attempts; a peer becomes
 * verified, listed as connected and able to carry transfers only through a connection whose
 * offer/answer proved its device key (the peer manager's `connected` event).
 */
export class PeerLinks {
  private readonly waits = new PeerWaits();

  constructor(private readonly deps: PeerLinksDeps) {}

  /** How soon the peer manager should try this peer when many wait (see peer-priority.ts). */
  priority(peerId: string): PeerPriority {
    const { directory, manual } = this.deps;
    return peerPriority(
      {
        isWaitedFor: (id) => this.waits.has(id),
        isTrusted: (id) => this.deps.trust()?.isTrusted(id) ?? false,
        isVerified: (id) => directory.isVerified(id),
        isManual: (id) => directory.isManual(id) || manual.byPeerId(id) !== undefined,
        isHelloOnly: (id) => directory.isHelloPeer(id),
      },
      peerId,
    );
  }

  /**
   * Discovery keeps these when its table is full of (possibly fake) instances: peers with a live
   * connection, peers verified this session and trusted peers.
   */
  isPinned(peerId: string): boolean {
    return this.deps.directory.isVerified(peerId) || (this.deps.trust()?.isTrusted(peerId) ?? false);
  }

  /** A transfer lost this peer's connection and waits for it: try to connect again at once. */
  reconnect(peerId: string): void {
    this.deps.peerManager()?.peerSeen(peerId, { priority: 'high' });
  }

  private seen(peerId: string): void {
    this.deps.peerManager()?.peerSeen(peerId, { priority: this.priority(peerId) });
  }

  /** `waitForPeer` starts: an exact device id is wanted at once (listed, hello-only or not yet known). */
  beginWait(idOrName: string): PeerWait {
    const wait = this.waits.begin();
    const wanted = idOrName.trim().toLowerCase();
    if (/^[0-9a-f]{32}$/.test(wanted)) this.waitMatched(wait, wanted);
    return wait;
  }

  /**
   * The wait matched this peer (it is listed, or appeared): it becomes `high` and, if known, is
   * announced again to the peer manager so that it goes ahead of every peer waiting for a slot.
   */
  waitMatched(wait: PeerWait, peerId: string): void {
    if (peerId === this.deps.deviceId() || !this.waits.add(wait, peerId)) return;
    const { directory } = this.deps;
    if (directory.get(peerId) !== undefined || directory.isHelloPeer(peerId)) this.seen(peerId);
  }

  endWait(wait: PeerWait): void {
    this.waits.end(wait);
  }

  wireDiscovery(discovery: Discovery): void {
    const found = (peer: DiscoveredPeer): void => {
      if (peer.id === this.deps.deviceId()) return;
      if (this.deps.directory.discovered(peer)) this.seen(peer.id);
    };
    discovery.on('peer-found', found);
    discovery.on('peer-updated', found);
    discovery.on('peer-seen', found);
    discovery.on('peer-lost', (peer, reason) => this.deps.directory.lost(peer.id, reason));
    discovery.on('warning', (error) => this.deps.logger.debug('mDNS warning', { code: error.code, message: error.message }));
  }

  wireSignaling(signaling: Signaling): void {
    signaling.on('hello', (hello) => this.onHello(hello));
    signaling.on('message', (message) => this.deps.peerManager()?.handleSignal(message));
    signaling.on('disconnected', ({ peerId }) => this.onSignalingClosed(peerId));
    signaling.on('connection-error', (error, info) =>
      this.deps.logger.debug('signaling connection closed', { code: error.code, message: error.message, address: info.address }),
    );
  }

  /**
   * A device claims an id on a signaling connection. The claim is not listed and we never dial
   * the address it came from; we only try (over that same connection) to get it to prove the id.
   */
  private onHello(hello: RemoteHello): void {
    if (hello.peerId === this.deps.deviceId()) return;
    this.deps.directory.hello(hello, this.deps.manual.matches(hello));
    this.seen(hello.peerId);
  }

  private onSignalingClosed(peerId: string): void {
    this.deps.directory.signalingClosed(peerId);
    const manual = this.deps.manual.byPeerId(peerId);
    if (manual && !this.deps.directory.isLive(peerId)) this.deps.manual.retryLater(manual);
  }

  /** Routes a peer manager message: dial only where mDNS or the person said the peer is. */
  sendSignal(peerId: string, message: SignalMessage): Promise<void> {
    let signaling: Signaling;
    try {
      signaling = this.deps.signaling();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const manual = this.deps.manual.byPeerId(peerId);
    if (manual) return signaling.send({ peerId, address: manual.host, port: manual.port }, message);
    const { target, dial } = this.deps.directory.route(peerId);
    return signaling.send(target, message, dial ? {} : { dial: false });
  }

  wirePeers(peers: PeerManager): void {
    peers.on('state', ({ peerId, state, reason }) => {
      if (state === 'not-connected') {
        const manual = this.deps.manual.byPeerId(peerId);
        if (manual) this.deps.manual.dial(manual);
      }
      if (state !== 'connected') this.deps.directory.stateChanged(peerId, state, reason);
    });
    peers.on('connected', (event) => this.onConnected(event));
    peers.on('disconnected', ({ peerId }) => {
      this.deps.directory.disconnected(peerId);
      this.deps.transfers()?.detachPeer(peerId);
    });
    peers.on('signal-ignored', (event) => this.onSignalIgnored(event));
  }

  /** A peer proved its key and its connection is open. */
  private onConnected({ peerId, channels, publicKey }: PeerConnectedEvent): void {
    const code = verificationCode(this.deps.identity().rawPublicKey, publicKey);
    const seenAt = this.deps.signalingAddress(peerId);
    this.deps.transfers()?.attachPeer(peerId, channels);
    this.deps.manual.connected(peerId);
    this.deps.refreshTrust();
    const { info, first } = this.deps.directory.connected(peerId, publicKey, code, seenAt !== undefined ? { address: seenAt, port: 0 } : undefined);
    this.rememberKey(peerId, publicKey);
    if (!first) return;
    this.deps.emit({ event: 'peer-verified', peerId, name: info.name, verificationCode: code, trusted: info.trusted });
    if (info.lookalikeOf !== undefined) {
      this.deps.warnLimited(
        'WARN_LOOKALIKE_PEER',
        `${info.name} (${shortId(peerId)}) uses the name of the trusted peer ${this.deps.trustedName(info.lookalikeOf)} (${shortId(info.lookalikeOf)}) but is another device; its offers are never accepted without asking.`,
        peerId,
      );
    }
  }

  /** A trusted peer added by id only (`trust add`) gets its proven key stored on first contact. */
  private rememberKey(peerId: string, publicKey: Uint8Array): void {
    const entry = this.deps.trust()?.persisted(peerId);
    if (!entry || entry.publicKey !== undefined) return;
    try {
      this.deps.trust()!.persist({ id: peerId, name: entry.name || (this.deps.directory.get(peerId)?.name ?? ''), publicKey });
    } catch (error) {
      this.deps.warn('WARN_TRUST_FILE', `Could not store the key of trusted peer ${shortId(peerId)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private onSignalIgnored(event: SignalIgnoredEvent): void {
    this.deps.logger.debug('signal ignored', { ...event });
    if (!event.code?.startsWith('ERR_PROOF_')) return;
    const name = this.deps.directory.get(event.peerId)?.name;
    this.deps.warnLimited(
      'WARN_PROOF_REFUSED',
      `Refused a connection claiming to be ${name ? `${name} ` : 'device '}${shortId(event.peerId)}: it did not prove that device's key (${event.code}: ${event.reason}).`,
      event.peerId,
    );
  }

  /** A `--peer` address answered: remember whose it is (kept, re-dialled) and ask it to prove it. */
  manualAnswered(manual: ManualPeer, hello: RemoteHello): void {
    if (hello.peerId === this.deps.deviceId()) return;
    manual.peerId = hello.peerId;
    this.deps.directory.markManual(hello.peerId);
    this.deps.peerManager()?.peerSeen(hello.peerId, { priority: 'high' });
  }
}
