import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createDiscovery, type Discovery, type DiscoveredPeer } from '@fileshare/discovery';
import { createPeerManager, type PeerManager } from '@fileshare/peer';
import { FileshareError, type Logger, sanitizeDeviceName, silentLogger } from '@fileshare/protocol';
import { createSignaling, type RemoteHello, type Signaling } from '@fileshare/signaling';
import {
  createTransferService,
  type IncomingOffer,
  type TransferResult as TransferServiceResult,
  type TransferService,
} from '@fileshare/transfer';
import { MANUAL_PEER_RETRY_MAX_MS, MANUAL_PEER_RETRY_MIN_MS, WAIT_FOR_PEER_DEFAULT_MS } from './constants.js';
import { defaultDeviceName, defaultReceiveDir, defaultStateDir, interfaceIPv4, parseHostPort } from './defaults.js';
import { CoreError } from './errors.js';
import { type Identity, loadIdentity } from './identity.js';
import type {
  AcceptPolicy,
  FileshareNode,
  FileshareNodeInit,
  NodeEvent,
  PeerInfo,
  TransferResult,
} from './types.js';

/** What a sender learns of its finished transfer (the service's result without its routing fields). */
function summarize(result: TransferServiceResult): TransferResult {
  return { transferId: result.transferId, files: result.files, bytesTransferred: result.bytesTransferred, resumedBytes: result.resumedBytes };
}

interface ManualPeer {
  host: string;
  port: number;
  peerId?: string;
  timer?: NodeJS.Timeout;
  delayMs: number;
}

/**
 * Starts a fileshare node: loads the device identity, listens for signaling, advertises and
 * browses mDNS, and connects to every peer it finds. Rejects with a FileshareError (e.g.
 * ERR_PORT_IN_USE) when it cannot start; nothing is left open in that case.
 */
export async function createFileshareNode(init: FileshareNodeInit = {}): Promise<FileshareNode> {
  const node = new Node(init);
  try {
    await node.start();
  } catch (error) {
    await node.close();
    throw error;
  }
  return node;
}

class Node implements FileshareNode {
  deviceId = '';
  readonly name: string;
  readonly receiveDir: string;
  private readonly logger: Logger;
  private readonly policy: AcceptPolicy;
  private readonly listeners = new Set<(event: NodeEvent) => void>();
  private readonly peerTable = new Map<string, PeerInfo>();
  private readonly trusted = new Set<string>();
  private readonly pendingOffers = new Map<string, IncomingOffer>();
  private readonly manualPeers: ManualPeer[] = [];
  private identity: Identity | undefined;
  private signaling: Signaling | undefined;
  private discovery: Discovery | undefined;
  private peerManager: PeerManager | undefined;
  private transfers: TransferService | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly init: FileshareNodeInit) {
    // Subscribed before start so that `ready` and start-up warnings are not missed.
    if (init.onEvent) this.listeners.add(init.onEvent);
    this.name = sanitizeDeviceName(init.name ?? '') || defaultDeviceName();
    this.receiveDir = resolve(init.receiveDir ?? defaultReceiveDir());
    this.logger = init.logger ?? silentLogger;
    this.policy = init.accept ?? 'ask';
  }

  get port(): number {
    return this.signaling?.port ?? 0;
  }

  get addresses(): readonly string[] {
    return this.discovery?.addresses ?? [];
  }

  async start(): Promise<void> {
    for (const spec of this.init.peers ?? []) {
      const parsed = parseHostPort(spec);
      if (!parsed) throw new CoreError('ERR_PEER_ADDRESS_INVALID', `"${spec}" is not host:port.`);
      this.manualPeers.push({ ...parsed, delayMs: MANUAL_PEER_RETRY_MIN_MS });
    }
    this.identity = await loadIdentity(this.init.stateDir ?? defaultStateDir());
    this.deviceId = this.identity.deviceId;
    if (this.identity.kind === 'ephemeral') {
      this.warn('WARN_EPHEMERAL_IDENTITY', 'Another fileshare node is using this state folder; this one uses a temporary device id.');
    }
    await mkdir(this.receiveDir, { recursive: true });

    this.transfers = createTransferService({
      localName: this.name,
      receiveDir: this.receiveDir,
      acceptPolicy: (offer) => this.decide(offer.peerId),
      ...(this.init.channelsPerTransfer !== undefined ? { channelsPerTransfer: this.init.channelsPerTransfer } : {}),
      logger: this.logger,
    });
    this.wireTransfers(this.transfers);

    this.signaling = createSignaling({
      deviceId: this.deviceId,
      name: this.name,
      port: this.init.port ?? 0,
      logger: this.logger,
    });
    // With --interface, ICE gathers candidates on that interface only, like mDNS answers.
    const bindAddress = this.init.interface !== undefined ? interfaceIPv4(this.init.interface) : undefined;
    this.peerManager = createPeerManager({
      localId: this.deviceId,
      ...(bindAddress !== undefined ? { bindAddress } : {}),
      logger: this.logger,
      sendSignal: (peerId, message) => {
        const peer = this.peerTable.get(peerId);
        return this.requireSignaling().send(
          peer ? { peerId, address: peer.address, port: peer.port } : { peerId },
          message,
        );
      },
    });
    this.wirePeers(this.peerManager);
    this.wireSignaling(this.signaling);
    try {
      await this.signaling.listen();
    } catch (cause) {
      const inner = cause instanceof Error && cause.cause !== undefined ? cause.cause : cause;
      if ((inner as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new CoreError('ERR_PORT_IN_USE', `Port ${this.init.port ?? 0} is already in use; choose another with --port.`, { cause });
      }
      throw cause;
    }

    this.discovery = createDiscovery({
      deviceId: this.deviceId,
      name: this.name,
      port: this.signaling.port,
      ...(this.init.interface !== undefined ? { interface: this.init.interface } : {}),
      ...(this.init.mdnsTtlSeconds !== undefined ? { ttlSeconds: this.init.mdnsTtlSeconds } : {}),
      logger: this.logger,
    });
    this.wireDiscovery(this.discovery);
    await this.discovery.start();

    this.emit({
      event: 'ready',
      deviceId: this.deviceId,
      name: this.name,
      port: this.signaling.port,
      addresses: [...this.discovery.addresses],
      receiveDir: this.receiveDir,
    });
    for (const manual of this.manualPeers) this.dialManualPeer(manual);
  }

  // ---- wiring -------------------------------------------------------------------------------

  private wireDiscovery(discovery: Discovery): void {
    discovery.on('peer-found', (peer) => this.onDiscovered(peer));
    discovery.on('peer-updated', (peer) => this.onDiscovered(peer));
    discovery.on('peer-seen', (peer) => this.onDiscovered(peer));
    discovery.on('peer-lost', (peer, reason) => this.removePeer(peer.id, reason));
    discovery.on('warning', (error) => this.logger.debug('mDNS warning', { code: error.code, message: error.message }));
  }

  private onDiscovered(found: DiscoveredPeer): void {
    const known = this.peerTable.get(found.id);
    if (!known) {
      this.addKnownPeer({ id: found.id, name: found.name, address: found.address, port: found.port, manual: false });
    } else if (known.address !== found.address || known.port !== found.port || known.name !== found.name) {
      Object.assign(known, { name: found.name, address: found.address, port: found.port });
      this.emit({ event: 'peer-updated', peerId: found.id, name: found.name, address: found.address, port: found.port });
    }
    this.peerManager?.peerSeen(found.id);
  }

  private wireSignaling(signaling: Signaling): void {
    signaling.on('hello', (hello) => this.onHello(hello));
    signaling.on('message', (message) => this.peerManager?.handleSignal(message));
    signaling.on('connection-error', (error, info) =>
      this.logger.warn('signaling connection closed', { code: error.code, message: error.message, address: info.address }),
    );
  }

  /** A peer identified itself on a signaling connection: it exists even if mDNS never showed it. */
  private onHello(hello: RemoteHello): void {
    if (hello.peerId === this.deviceId) return;
    if (!this.peerTable.has(hello.peerId)) {
      // The hello of a dialled `--peer` arrives before connect() resolves: match by address too.
      const manual = this.manualPeers.some(
        (m) => m.peerId === hello.peerId || (m.host === hello.address && m.port === hello.port),
      );
      this.addKnownPeer({ id: hello.peerId, name: hello.name, address: hello.address, port: hello.port, manual });
    }
    this.peerManager?.peerSeen(hello.peerId);
  }

  /** A peer we did not know, from mDNS or a signaling hello: listed as `discovered`. */
  private addKnownPeer(peer: Omit<PeerInfo, 'state'>): void {
    this.peerTable.set(peer.id, { ...peer, state: 'discovered' });
    this.emit({ event: 'peer-discovered', peerId: peer.id, name: peer.name, address: peer.address, port: peer.port, manual: peer.manual });
  }

  private wirePeers(peers: PeerManager): void {
    peers.on('state', ({ peerId, state, reason }) => {
      const peer = this.peerTable.get(peerId);
      if (!peer) return;
      peer.state = state;
      this.emit({ event: 'peer-state', peerId, state, ...(reason !== undefined ? { reason } : {}) });
      if (state === 'not-connected') {
        const manual = this.manualPeers.find((m) => m.peerId === peerId);
        if (manual) this.dialManualPeer(manual);
      }
    });
    peers.on('connected', ({ peerId, channels }) => this.transfers?.attachPeer(peerId, channels));
    peers.on('disconnected', ({ peerId }) => this.transfers?.detachPeer(peerId));
    peers.on('signal-ignored', (e) => this.logger.debug('signal ignored', { ...e }));
  }

  private wireTransfers(transfers: TransferService): void {
    transfers.on('offer', (offer) => {
      this.pendingOffers.set(offer.transferId, offer);
    });
    transfers.on('offered', (o) => {
      this.emit({
        event: 'transfer-offered',
        transferId: o.transferId,
        direction: o.direction,
        peerId: o.peerId,
        // For our own sends the transfer layer names us; users want the receiver's name.
        peerName: o.direction === 'send' ? (this.peerTable.get(o.peerId)?.name ?? '') : o.senderName,
        files: o.files,
        totalBytes: o.totalBytes,
        awaitingDecision: this.pendingOffers.has(o.transferId),
      });
    });
    transfers.on('progress', (p) =>
      this.emit({
        event: 'transfer-progress',
        transferId: p.transferId,
        direction: p.direction,
        peerId: p.peerId,
        bytes: p.bytes,
        totalBytes: p.totalBytes,
        bytesPerSecond: p.bytesPerSecond,
        ...(p.etaSeconds !== undefined ? { etaSeconds: p.etaSeconds } : {}),
        ...(p.currentFile !== undefined ? { currentFile: p.currentFile } : {}),
      }),
    );
    transfers.on('complete', (r) => {
      this.pendingOffers.delete(r.transferId);
      this.emit({
        event: 'transfer-complete',
        transferId: r.transferId,
        direction: r.direction,
        peerId: r.peerId,
        files: r.files,
        bytesTransferred: r.bytesTransferred,
        resumedBytes: r.resumedBytes,
        ...(r.savedTo !== undefined ? { savedTo: r.savedTo } : {}),
      });
    });
    transfers.on('failed', (f) => {
      this.pendingOffers.delete(f.transferId);
      this.emit({ event: 'transfer-failed', transferId: f.transferId, direction: f.direction, peerId: f.peerId, code: f.code, message: f.message });
    });
    transfers.on('text', (t) =>
      this.emit({ event: 'text-received', transferId: t.transferId, peerId: t.peerId, peerName: t.senderName, text: t.text }),
    );
  }

  private decide(peerId: string): 'accept' | 'decline' | 'ask' {
    if (this.trusted.has(peerId)) return 'accept';
    return this.policy === 'all' ? 'accept' : this.policy === 'none' ? 'decline' : 'ask';
  }

  // ---- manual peers -------------------------------------------------------------------------

  /** Dials a `--peer` address until it answers; again whenever that peer drops. */
  private dialManualPeer(manual: ManualPeer): void {
    if (this.closing || manual.timer) return;
    const attempt = (): void => {
      manual.timer = undefined;
      if (this.closing || !this.signaling) return;
      this.signaling
        .connect(manual.host, manual.port)
        .then((hello) => {
          manual.delayMs = MANUAL_PEER_RETRY_MIN_MS;
          this.markManual(manual, hello);
        })
        .catch((error: unknown) => {
          if (this.closing) return;
          this.logger.debug('manual peer unreachable', { host: manual.host, port: manual.port, message: String(error) });
          manual.timer = setTimeout(attempt, manual.delayMs);
          manual.delayMs = Math.min(manual.delayMs * 2, MANUAL_PEER_RETRY_MAX_MS);
        });
    };
    attempt();
  }

  async addPeer(hostPort: string): Promise<void> {
    const parsed = parseHostPort(hostPort);
    if (!parsed) throw new CoreError('ERR_PEER_ADDRESS_INVALID', `"${hostPort}" is not host:port.`);
    const manual: ManualPeer = { ...parsed, delayMs: MANUAL_PEER_RETRY_MIN_MS };
    this.manualPeers.push(manual);
    this.markManual(manual, await this.requireSignaling().connect(parsed.host, parsed.port));
  }

  /** A `--peer` address answered: remember whose it is, so that peer is kept and re-dialled. */
  private markManual(manual: ManualPeer, hello: RemoteHello): void {
    manual.peerId = hello.peerId;
    const peer = this.peerTable.get(hello.peerId);
    if (peer) peer.manual = true;
  }

  // ---- peers --------------------------------------------------------------------------------

  private removePeer(peerId: string, reason: 'goodbye' | 'expired' | 'closed'): void {
    if (!this.peerTable.has(peerId)) return;
    if (this.manualPeers.some((m) => m.peerId === peerId)) return; // kept: reached by address, not by mDNS
    this.peerManager?.peerGone(peerId);
    this.transfers?.detachPeer(peerId);
    this.peerTable.delete(peerId);
    this.emit({ event: 'peer-removed', peerId, reason });
  }

  peers(): PeerInfo[] {
    return [...this.peerTable.values()].map((p) => ({ ...p }));
  }

  findPeer(idOrName: string): PeerInfo | undefined {
    const wanted = idOrName.trim();
    const exact = this.peerTable.get(wanted.toLowerCase());
    if (exact) return { ...exact };
    const all = [...this.peerTable.values()];
    const byPrefix = wanted.length >= 4 ? all.filter((p) => p.id.startsWith(wanted.toLowerCase())) : [];
    const byName = all.filter((p) => p.name.toLowerCase() === wanted.toLowerCase());
    const matches = byPrefix.length > 0 ? byPrefix : byName;
    if (matches.length > 1) {
      throw new CoreError(
        'ERR_PEER_AMBIGUOUS',
        `"${idOrName}" matches ${matches.length} peers (${matches.map((p) => `${p.name} ${p.id.slice(0, 8)}`).join(', ')}); use the device id.`,
      );
    }
    return matches[0] ? { ...matches[0] } : undefined;
  }

  waitForPeer(idOrName: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<PeerInfo> {
    const timeoutMs = options.timeoutMs ?? WAIT_FOR_PEER_DEFAULT_MS;
    if (options.signal?.aborted) return Promise.reject(new CoreError('ERR_ABORTED', 'Stopped waiting for the peer.'));
    return new Promise<PeerInfo>((resolvePeer, reject) => {
      const finish = (error: Error | undefined, peer?: PeerInfo): void => {
        clearTimeout(timer);
        unsubscribe();
        options.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolvePeer(peer!);
      };
      const lookup = (): PeerInfo | Error | undefined => {
        try {
          return this.findPeer(idOrName);
        } catch (error) {
          return error as Error;
        }
      };
      const check = (): void => {
        const found = lookup();
        if (found instanceof Error) finish(found);
        else if (found?.state === 'connected') finish(undefined, found);
      };
      const onAbort = (): void => finish(new CoreError('ERR_ABORTED', 'Stopped waiting for the peer.'));
      const timer = setTimeout(() => {
        const found = lookup();
        if (found instanceof Error) return finish(found);
        const seconds = Math.round(timeoutMs / 1000);
        finish(
          found
            ? new CoreError('ERR_PEER_NOT_CONNECTED', `Found ${found.name} (${found.id.slice(0, 8)}) but could not connect within ${seconds} s (state: ${found.state}).`)
            : new CoreError('ERR_PEER_NOT_FOUND', `No peer called "${idOrName}" appeared within ${seconds} s.`),
        );
      }, timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const unsubscribe = this.subscribe(check);
      check();
    });
  }

  // ---- transfers ----------------------------------------------------------------------------

  private requireConnected(peerId: string): string {
    const peer = this.findPeer(peerId);
    if (!peer) throw new CoreError('ERR_PEER_NOT_FOUND', `No peer "${peerId}".`);
    if (peer.state !== 'connected') throw new CoreError('ERR_PEER_NOT_CONNECTED', `${peer.name} is not connected (${peer.state}).`);
    return peer.id;
  }

  async sendFiles(peerId: string, paths: string[], options: { signal?: AbortSignal; onStarted?: (transferId: string) => void } = {}): Promise<TransferResult> {
    const id = this.requireConnected(peerId);
    return summarize(await this.requireTransfers().sendFiles(id, paths, options));
  }

  async sendText(peerId: string, text: string, options: { signal?: AbortSignal } = {}): Promise<TransferResult> {
    const id = this.requireConnected(peerId);
    return summarize(await this.requireTransfers().sendText(id, text, options));
  }

  respondToOffer(transferId: string, decision: 'accept' | 'decline'): void {
    const offer = this.pendingOffers.get(transferId);
    if (!offer) return;
    this.pendingOffers.delete(transferId);
    if (decision === 'accept') offer.accept();
    else offer.decline();
  }

  trustPeerForSession(peerId: string): void {
    this.trusted.add(peerId);
    for (const offer of [...this.pendingOffers.values()]) {
      if (offer.peerId === peerId) this.respondToOffer(offer.transferId, 'accept');
    }
  }

  cancelTransfer(transferId: string): void {
    this.transfers?.cancel(transferId);
  }

  // ---- events and lifecycle -----------------------------------------------------------------

  subscribe(listener: (event: NodeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: NodeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error('event listener threw', { event: event.event, message: String(error) });
      }
    }
  }

  private warn(code: string, message: string): void {
    this.logger.warn(message, { code });
    this.emit({ event: 'warning', code, message });
  }

  private requireSignaling(): Signaling {
    if (!this.signaling || this.closing) throw new CoreError('ERR_NODE_CLOSED', 'The node is closed.');
    return this.signaling;
  }

  private requireTransfers(): TransferService {
    if (!this.transfers || this.closing) throw new CoreError('ERR_NODE_CLOSED', 'The node is closed.');
    return this.transfers;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const manual of this.manualPeers) clearTimeout(manual.timer);
    const step = async (what: string, fn: (() => Promise<void>) | undefined): Promise<void> => {
      try {
        await fn?.();
      } catch (error) {
        this.logger.warn(`closing ${what} failed`, { message: error instanceof FileshareError ? error.message : String(error) });
      }
    };
    // Goodbyes first, so peers drop us at once rather than on TTL expiry.
    await step('discovery', this.discovery && (() => this.discovery!.close()));
    await step('transfers', this.transfers && (() => this.transfers!.close()));
    await step('peers', this.peerManager && (() => this.peerManager!.close()));
    await step('signaling', this.signaling && (() => this.signaling!.close()));
    await step('identity', this.identity && (() => this.identity!.release()));
    this.listeners.clear();
  }
}
