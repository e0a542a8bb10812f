import { mkdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { createDiscovery, type Discovery } from '@fileshare/discovery';
import { createPeerManager, type PeerManager } from '@fileshare/peer';
import { FileshareError, type Logger, isDeviceId, sanitizeDeviceName, silentLogger } from '@fileshare/protocol';
import { createSignaling, type Signaling } from '@fileshare/signaling';
import { createTransferService, type TransferService } from '@fileshare/transfer';
import { defaultDeviceName, defaultReceiveDir, defaultStateDir, interfaceIPv4, parseHostPort } from './defaults.js';
import { CoreError } from './errors.js';
import { type Identity, loadIdentity } from './identity.js';
import { ManualPeers } from './manual-peers.js';
import { PeerDirectory } from './peer-directory.js';
import { PeerLinks } from './peer-links.js';
import { chooseSctpMtu } from './sctp-mtu.js';
import { findPeerIn, waitForPeerOn } from './peer-lookup.js';
import { DONE_RECORDS_DIR } from './constants.js';
import { transferTestHooks } from './test-hooks.js';
import { TransferEvents } from './transfer-events.js';
import { TrustBook } from './trust-book.js';
import { openTrustStore } from './trust-store.js';
import type { FileshareNode, FileshareNodeInit, NodeEvent, PeerInfo, TransferResult, TrustedPeer } from './types.js';
import { WarningLimiter } from './warning-limiter.js';

/**
 * Starts a fileshare node: loads the device identity and the trusted peers, listens for
 * signaling, advertises and browses mDNS, and connects to every peer it finds. Rejects with a
 * FileshareError (e.g. ERR_PORT_IN_USE, ERR_STATE_INSECURE, ERR_TRUST_FILE_INVALID) when it cannot
 * start; nothing is left open in that case.
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

function shortId(id: string): string {
  return id.slice(0, 8);
}

/** Runs synchronous work (the trust file is written synchronously) as a promise: a throw becomes a rejection. */
function settle(work: () => void): Promise<void> {
  try {
    work();
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

class Node implements FileshareNode {
  deviceId = '';
  readonly name: string;
  readonly receiveDir: string;
  private readonly logger: Logger;
  private readonly listeners = new Set<(event: NodeEvent) => void>();
  private readonly blocked = new Set<string>();
  private readonly limiter = new WarningLimiter();
  private readonly directory: PeerDirectory;
  private readonly manual: ManualPeers;
  private readonly links: PeerLinks;
  private trust: TrustBook | undefined;
  private identity: Identity | undefined;
  private signaling: Signaling | undefined;
  private discovery: Discovery | undefined;
  private peerManager: PeerManager | undefined;
  private transfers: TransferService | undefined;
  private transferEvents: TransferEvents | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly init: FileshareNodeInit) {
    // Subscribed before start so that `ready` and start-up warnings are not missed.
    if (init.onEvent) this.listeners.add(init.onEvent);
    this.name = sanitizeDeviceName(init.name ?? '') || defaultDeviceName();
    this.receiveDir = resolve(init.receiveDir ?? defaultReceiveDir());
    this.logger = init.logger ?? silentLogger;
    this.directory = new PeerDirectory({
      emit: (event) => this.emit(event),
      forget: (peerId) => {
        this.peerManager?.peerGone(peerId);
        this.transfers?.detachPeer(peerId);
      },
      isTrusted: (peerId) => this.trust?.isTrusted(peerId) ?? false,
      lookalikeOf: (peerId, name) => this.trust?.lookalikeOf(peerId, [name]),
    });
    this.manual = new ManualPeers({
      signaling: () => (this.closing ? undefined : this.signaling),
      answered: (manual, hello) => this.links.manualAnswered(manual, hello),
      logger: this.logger,
    });
    this.links = new PeerLinks({
      deviceId: () => this.deviceId,
      identity: () => this.identity!,
      directory: this.directory,
      manual: this.manual,
      trust: () => this.trust,
      peerManager: () => this.peerManager,
      signaling: () => this.requireSignaling(),
      signalingAddress: (peerId) => this.signaling?.connections().find((c) => c.peerId === peerId)?.address,
      transfers: () => this.transfers,
      emit: (event) => this.emit(event),
      warn: (code, message, peerId) => this.warn(code, message, peerId),
      warnLimited: (code, message, peerId) => this.warnLimited(code, message, peerId),
      refreshTrust: () => this.refreshTrust(),
      trustedName: (peerId) => this.trustedName(peerId),
      logger: this.logger,
    });
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
      this.manual.add(parsed.host, parsed.port);
    }
    const sessionTrust = (this.init.trust ?? []).map((id) => id.trim().toLowerCase());
    const bad = sessionTrust.findIndex((id) => !isDeviceId(id));
    if (bad >= 0) throw new CoreError('ERR_PEER_ID_INVALID', `"${this.init.trust![bad]}" is not a device id (32 hexadecimal characters).`);
    const stateDir = this.init.stateDir ?? defaultStateDir();
    this.identity = await loadIdentity(stateDir);
    this.deviceId = this.identity.deviceId;
    this.trust = new TrustBook(openTrustStore(stateDir), sessionTrust, (id) => this.directory.verifiedName(id));
    if (this.identity.kind === 'ephemeral') {
      this.warn('WARN_EPHEMERAL_IDENTITY', 'Another fileshare node is using this state folder; this one uses a temporary device id.');
    }
    await mkdir(this.receiveDir, { recursive: true });

    this.transfers = createTransferService({
      localName: this.name,
      receiveDir: this.receiveDir,
      acceptPolicy: (offer) => this.transferEvents!.admit(offer),
      ...(this.init.channelsPerTransfer !== undefined ? { channelsPerTransfer: this.init.channelsPerTransfer } : {}),
      // In the private state folder, not the receive folder: nothing of ours stays among the files.
      doneRecordsDir: join(stateDir, DONE_RECORDS_DIR),
      ...transferTestHooks(process.env, this.logger),
      logger: this.logger,
    });
    const view = {
      isBlocked: (peerId: string) => this.blocked.has(peerId),
      isTrusted: (peerId: string) => this.directory.get(peerId)?.trusted ?? false,
      lookalikeOf: (peerId: string, senderName: string) => this.trust?.lookalikeOf(peerId, [this.directory.get(peerId)?.name ?? '', senderName]),
    };
    this.transferEvents = new TransferEvents(this.transfers, this.init.accept ?? 'ask', view, {
      emit: (event) => {
        // A transfer waits for its peer: dial it again now rather than when mDNS next mentions it.
        if (event.event === 'transfer-reconnecting') this.links.reconnect(event.peerId);
        this.emit(event);
      },
      warn: (code, message, peerId) => this.warnLimited(code, message, peerId),
      refreshTrust: () => this.refreshTrust(),
      peer: (peerId) => this.directory.get(peerId),
      trustName: (peerId) => this.trustedName(peerId),
      logger: this.logger,
    });

    this.signaling = createSignaling({
      deviceId: this.deviceId,
      name: this.name,
      port: this.init.port ?? 0,
      logger: this.logger,
      isAuthenticated: (peerId) => this.directory.isLive(peerId),
    });
    // With --interface, ICE gathers candidates on that interface only, like mDNS answers.
    const bindAddress = this.init.interface !== undefined ? interfaceIPv4(this.init.interface) : undefined;
    const identity = this.identity;
    this.peerManager = createPeerManager({
      localId: this.deviceId,
      identity: { publicKey: identity.rawPublicKey, sign: (data) => identity.sign(data) },
      ...(bindAddress !== undefined ? { bindAddress } : {}),
      // SCTP packets as large as the link to the peer allows (see sctp-mtu.ts).
      sctpMtu: (peerId) => chooseSctpMtu(networkInterfaces(), this.directory.addressOf(peerId)),
      logger: this.logger,
      sendSignal: (peerId, message) => this.links.sendSignal(peerId, message),
    });
    this.links.wirePeers(this.peerManager);
    this.links.wireSignaling(this.signaling);
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
      isPinned: (peerId) => this.links.isPinned(peerId),
      logger: this.logger,
    });
    this.links.wireDiscovery(this.discovery);
    await this.discovery.start();
    this.directory.start();

    this.emit({
      event: 'ready',
      deviceId: this.deviceId,
      name: this.name,
      port: this.signaling.port,
      addresses: [...this.discovery.addresses],
      receiveDir: this.receiveDir,
    });
    for (const manual of this.manual.list()) this.manual.dial(manual);
  }

  private refreshTrust(): void {
    try {
      this.trust?.refresh();
    } catch (error) {
      this.warnLimited('WARN_TRUST_FILE', `${error instanceof Error ? error.message : String(error)} The trusted peers read before stay in use.`);
    }
  }

  private trustedName(peerId: string): string {
    return this.directory.verifiedName(peerId) || this.trust?.persisted(peerId)?.name || 'unnamed';
  }

  // ---- manual peers -------------------------------------------------------------------------

  async addPeer(hostPort: string): Promise<void> {
    const parsed = parseHostPort(hostPort);
    if (!parsed) throw new CoreError('ERR_PEER_ADDRESS_INVALID', `"${hostPort}" is not host:port.`);
    const manual = this.manual.add(parsed.host, parsed.port);
    this.links.manualAnswered(manual, await this.requireSignaling().connect(parsed.host, parsed.port));
  }

  // ---- peers --------------------------------------------------------------------------------

  peers(): PeerInfo[] {
    return this.directory.list();
  }

  findPeer(idOrName: string): PeerInfo | undefined {
    // An exact id needs no scan (waitForPeer looks up on every event, floods included).
    return this.directory.get(idOrName.trim().toLowerCase()) ?? findPeerIn(this.directory.list(), idOrName);
  }

  waitForPeer(idOrName: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<PeerInfo> {
    // The peer waited for goes ahead of every other peer the peer manager has to try (a flood
    // of fake announcements must not make it queue behind them), from now and whenever it appears.
    const wait = this.links.beginWait(idOrName);
    const source = {
      findPeer: (query: string): PeerInfo | undefined => {
        const peer = this.findPeer(query);
        if (peer && peer.state !== 'connected') this.links.waitMatched(wait, peer.id);
        return peer;
      },
      subscribe: (listener: (event: NodeEvent) => void) => this.subscribe(listener),
    };
    return waitForPeerOn(source, idOrName, options).finally(() => this.links.endWait(wait));
  }

  verificationCode(peerId: string): string | undefined {
    return this.findPeer(peerId)?.verificationCode;
  }

  // ---- trust --------------------------------------------------------------------------------

  /** A device id as given, or the id of the listed peer it names (prefix or name). */
  private resolveId(idOrName: string): string {
    const wanted = idOrName.trim().toLowerCase();
    return isDeviceId(wanted) ? wanted : (this.findPeer(idOrName)?.id ?? wanted);
  }

  trustPeerForSession(peerId: string): void {
    const id = this.resolveId(peerId);
    this.requireTrust().trustForSession(id);
    this.transferEvents?.acceptAllFrom(id);
  }

  trustPeer(peerId: string): Promise<void> {
    return settle(() => this.persistTrust(peerId));
  }

  private persistTrust(peerId: string): void {
    const peer = this.findPeer(peerId);
    if (!peer) throw new CoreError('ERR_PEER_NOT_FOUND', `No peer "${peerId}".`);
    const publicKey = this.directory.publicKey(peer.id);
    if (!peer.verified || !publicKey) {
      throw new CoreError('ERR_PEER_NOT_VERIFIED', `${peer.name || 'The peer'} (${shortId(peer.id)}) has not proven its key yet; trust it once it is connected and you compared the code.`);
    }
    this.requireTrust().persist({ id: peer.id, name: peer.name, publicKey });
    this.transferEvents?.acceptAllFrom(peer.id);
  }

  untrustPeer(peerId: string): Promise<void> {
    return settle(() => void this.requireTrust().untrust(this.resolveId(peerId)));
  }

  trustedPeers(): TrustedPeer[] {
    return this.trust?.list() ?? [];
  }

  blockPeer(peerId: string): void {
    const id = this.resolveId(peerId);
    this.blocked.add(id);
    this.transferEvents?.declineAllFrom(id);
  }

  private requireTrust(): TrustBook {
    if (!this.trust || this.closing) throw new CoreError('ERR_NODE_CLOSED', 'The node is closed.');
    return this.trust;
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

  async sendText(peerId: string, text: string, options: { signal?: AbortSignal; onStarted?: (transferId: string) => void } = {}): Promise<TransferResult> {
    const id = this.requireConnected(peerId);
    return summarize(await this.requireTransfers().sendText(id, text, options));
  }

  respondToOffer(transferId: string, decision: 'accept' | 'decline'): void {
    this.transferEvents?.respond(transferId, decision);
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

  private warn(code: string, message: string, peerId?: string): void {
    this.logger.warn(message, { code, ...(peerId !== undefined ? { peerId } : {}) });
    this.emit({ event: 'warning', code, message, ...(peerId !== undefined ? { peerId } : {}) });
  }

  /** A warning caused by what others send: rate-limited (WarningLimiter). */
  private warnLimited(code: string, message: string, peerId?: string): void {
    const { allowed, suppressedBefore } = this.limiter.allow(code, peerId);
    if (!allowed) return;
    this.warn(code, suppressedBefore > 0 ? `${message} (${suppressedBefore} similar warnings were suppressed.)` : message, peerId);
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
    this.manual.close();
    const step = async (what: string, fn: (() => Promise<void>) | undefined): Promise<void> => {
      try {
        await fn?.();
      } catch (error) {
        this.logger.warn(`closing ${what} failed`, { message: error instanceof FileshareError ? error.message : String(error) });
      }
    };
    // Goodbyes first, so peers drop us at once rather than on TTL expiry.
    await step('discovery', this.discovery && (() => this.discovery!.close()));
    this.transferEvents?.clear();
    await step('transfers', this.transfers && (() => this.transfers!.close()));
    await step('peers', this.peerManager && (() => this.peerManager!.close()));
    await step('signaling', this.signaling && (() => this.signaling!.close()));
    await step('identity', this.identity && (() => this.identity!.release()));
    this.directory.close();
    this.listeners.clear();
  }
}

/** What a sender learns of its finished transfer (the service's result without its routing fields). */
function summarize(result: { transferId: string; files: TransferResult['files']; bytesTransferred: number; resumedBytes: number }): TransferResult {
  return { transferId: result.transferId, files: result.files, bytesTransferred: result.bytesTransferred, resumedBytes: result.resumedBytes };
}
