import {
  type DataChannelProvider,
  type Logger,
  type SignalKind,
  type SignalMessage,
  decodeIceCandidate,
  encodeIceCandidate,
  isDeviceId,
  isInitiator,
  silentLogger,
  LogLimiter,
} from '@fileshare/protocol';
import type { PeerSeenOptions } from './attempt-limits.js';
import { type AttemptHooks, type AttemptRole, ConnectionAttempt } from './connection-attempt.js';
import { REFUSAL_LOG_LIMIT, REFUSAL_LOG_WINDOW_MS, timingWithDefaults } from './constants.js';
import type { RtcDriver } from './driver.js';
import { SafeEmitter } from './emitter.js';
import { PeerError, type PeerErrorCode, describeError } from './errors.js';
import { Initiator } from './initiator.js';
import type { ManagerContext } from './manager-context.js';
import { createNodeDataChannelDriver } from './node-datachannel-driver.js';
import { PeerEntry } from './peer-entry.js';
import { type PeerIdentity, assertIdentity } from './proof-check.js';
import { Responder } from './responder.js';
import type { PeerManager, PeerManagerEvents, PeerManagerInit, PeerState, PeerTiming } from './types.js';

export function createPeerManager(init: PeerManagerInit): PeerManager {
  return new DefaultPeerManager(init);
}

/**
 * The peer table and what happens to it: signaling messages go to the initiator or responder
 * procedure, attempts report back here, and here an attempt that opens or fails changes the
 * peer's state and events (protocol step 7, the replacement rule). Connection details live in
 * connection-attempt.ts, the offer schedule in offer-round.ts and initiator.ts.
 */
class DefaultPeerManager implements PeerManager {
  private readonly localId: string;
  private readonly sendSignal: PeerManagerInit['sendSignal'];
  private readonly logger: Logger;
  private readonly timing: PeerTiming;
  private readonly identity: PeerIdentity;
  private readonly driver: RtcDriver;
  private readonly init: PeerManagerInit;
  private readonly emitter: SafeEmitter<PeerManagerEvents>;
  private readonly entries = new Map<string, PeerEntry>();
  /** Every attempt not yet released by the native side; holding them keeps their native objects alive. */
  private readonly attempts = new Set<ConnectionAttempt>();
  private readonly initiator: Initiator;
  private readonly responder: Responder;
  private readonly refusalLog: LogLimiter;
  private readonly attemptHooks: AttemptHooks = {
    opened: (attempt) => this.attemptOpened(attempt),
    ended: (attempt, error) => {
      const entry = this.current(attempt);
      if (entry) this.fail(entry, attempt, error);
    },
    sendCandidate: (attempt, candidate) => this.send(attempt.peerId, 'ice', encodeIceCandidate(candidate)),
    candidateRefused: (attempt, error) => this.ignored(attempt.peerId, 'ice', error.message, error.code),
  };
  private closed = false;
  private closePromise: Promise<void> | undefined;

  constructor(init: PeerManagerInit) {
    if (!isDeviceId(init.localId)) {
      throw new TypeError('localId must be a device id (32 lowercase hexadecimal characters).');
    }
    assertIdentity(init.localId, init.identity);
    this.identity = init.identity;
    this.init = init;
    this.localId = init.localId;
    this.sendSignal = init.sendSignal;
    this.logger = init.logger ?? silentLogger;
    this.timing = timingWithDefaults(init.timing);
    this.driver = init.driver ?? createNodeDataChannelDriver();
    this.emitter = new SafeEmitter(this.logger);
    this.refusalLog = new LogLimiter(this.logger, {
      linesPerWindow: REFUSAL_LOG_LIMIT,
      windowMs: REFUSAL_LOG_WINDOW_MS,
      subject: 'refused signaling messages',
    });
    const context = this.context();
    this.initiator = new Initiator(context);
    this.responder = new Responder(context);
  }

  // ---- public API -------------------------------------------------------------------------

  peerSeen(peerId: string, options: PeerSeenOptions = {}): void {
    if (this.closed) return;
    if (!isDeviceId(peerId) || peerId === this.localId) {
      this.logger.warn('peerSeen with an invalid or our own device id', { peerId });
      return;
    }
    if (!isInitiator(this.localId, peerId)) return; // its id is lower: it sends the offer
    this.initiator.seen(peerId, options.priority ?? 'normal');
  }

  handleSignal(message: SignalMessage): void {
    if (this.closed) return;
    const peerId = message.peer_id;
    if (!isDeviceId(peerId) || peerId === this.localId) {
      this.ignored(peerId, message.kind, 'The message carries an invalid device id or our own.');
      return;
    }
    try {
      switch (message.kind) {
        case 'offer':
          this.responder.handleOffer(peerId, message.data);
          break;
        case 'answer':
          this.initiator.handleAnswer(peerId, message.data);
          break;
        case 'ice':
          this.handleIce(peerId, message.data);
          break;
        default:
          this.ignored(peerId, String((message as { kind: unknown }).kind), 'Unknown message kind.');
      }
    } catch (error) {
      // Defensive: a bug here must not take the signaling layer down with it.
      this.logger.error('handling a signaling message failed', { peerId, kind: message.kind, error: describeError(error) });
    }
  }

  peerGone(peerId: string): void {
    const entry = this.entries.get(peerId);
    this.responder.forget(peerId);
    this.initiator.forget(peerId, entry);
    if (!entry) return;
    const wasConnected = entry.attempt?.isOpen ?? false;
    const reason = new PeerError('ERR_CONNECTION_CLOSED', `Peer ${peerId} left.`);
    entry.round?.stop();
    entry.closePending(reason);
    entry.closeAttempt(reason);
    this.entries.delete(peerId);
    if (wasConnected && !this.closed) {
      this.emitter.emit('disconnected', { peerId, reason: `Peer ${peerId} left.`, code: 'ERR_CONNECTION_CLOSED' });
    }
  }

  state(peerId: string): PeerState | undefined {
    return this.entries.get(peerId)?.state;
  }

  channels(peerId: string): DataChannelProvider | undefined {
    const attempt = this.entries.get(peerId)?.attempt;
    return attempt?.isOpen ? attempt.channels : undefined;
  }

  publicKey(peerId: string): Uint8Array | undefined {
    const attempt = this.entries.get(peerId)?.attempt;
    return attempt?.isOpen && attempt.remoteKey ? new Uint8Array(attempt.remoteKey) : undefined;
  }

  peers(): { peerId: string; state: PeerState }[] {
    const out: { peerId: string; state: PeerState }[] = [];
    for (const entry of this.entries.values()) if (entry.state) out.push({ peerId: entry.peerId, state: entry.state });
    return out;
  }

  on<K extends keyof PeerManagerEvents>(event: K, listener: (event: PeerManagerEvents[K]) => void): this {
    if (!this.closed) this.emitter.on(event, listener);
    return this;
  }

  off<K extends keyof PeerManagerEvents>(event: K, listener: (event: PeerManagerEvents[K]) => void): this {
    this.emitter.off(event, listener);
    return this;
  }

  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closed = true;
    this.emitter.clear();
    const reason = new PeerError('ERR_PEER_MANAGER_CLOSED', 'The peer manager was closed.');
    for (const entry of this.entries.values()) {
      entry.round?.stop();
      entry.closePending(reason);
      entry.closeAttempt(reason);
    }
    this.entries.clear();
    this.initiator.close();
    this.refusalLog.close();
    this.responder.close();
    // Every attempt is closed by now; these are the ones whose native side has not let go yet.
    this.closePromise = Promise.all([...this.attempts].map((a) => a.released)).then(() => undefined);
    return this.closePromise;
  }

  // ---- signaling in -----------------------------------------------------------------------

  private handleIce(peerId: string, data: string): void {
    const decoded = decodeIceCandidate(data);
    if (!decoded.ok) {
      this.ignored(peerId, 'ice', `Invalid ICE data from peer ${peerId}: ${decoded.error.message}`, 'ERR_ADD_ICE_CANDIDATE');
      return;
    }
    // Candidates that follow a new offer belong to its connection (signaling keeps per-peer order).
    const entry = this.entries.get(peerId);
    const attempt = entry?.pending ?? entry?.attempt;
    if (attempt) {
      attempt.receiveRemoteCandidate(decoded.value);
      return;
    }
    if (isInitiator(peerId, this.localId)) {
      // From a peer that offers to us, ahead of its offer: keep it for the offer.
      this.responder.holdEarlyCandidate(peerId, decoded.value);
      return;
    }
    this.ignored(peerId, 'ice', `No connection attempt with peer ${peerId} (late candidate).`);
  }

  // ---- what attempts report ---------------------------------------------------------------

  private attemptOpened(attempt: ConnectionAttempt): void {
    const entry = this.current(attempt);
    if (!entry || attempt.isOpen) return;
    const remoteKey = attempt.remoteKey;
    if (!remoteKey) {
      // Unreachable: no remote description is set without a verified proof. Refuse rather than trust.
      this.fail(entry, attempt, new PeerError('ERR_PROOF_MISSING', `The connection to peer ${attempt.peerId} opened without a proven key.`));
      return;
    }
    if (entry.pending === attempt) this.promotePending(entry);
    // A listener of the events above may have closed it (peerGone, close): then it never opens.
    if (attempt.isClosed) return;
    attempt.markOpen();
    this.setState(entry, 'connected');
    this.emitter.emit('connected', { peerId: entry.peerId, channels: attempt.channels, publicKey: new Uint8Array(remoteKey) });
  }

  /**
   * The replacement opened (or the live connection failed first): it becomes the attempt in use;
   * a live one is closed and reported `disconnected`, then the state goes through `initiating`
   * as for any new offer.
   */
  private promotePending(entry: PeerEntry): void {
    const next = entry.takePending();
    if (!next) return;
    const live = entry.attempt;
    if (live && !live.isClosed) {
      const reason = new PeerError('ERR_CONNECTION_CLOSED', `Peer ${entry.peerId} connected again; the old connection was replaced.`);
      const wasConnected = live.isOpen;
      entry.closeAttempt(reason);
      if (wasConnected) this.emitter.emit('disconnected', { peerId: entry.peerId, reason: reason.message, code: reason.code });
    }
    entry.attempt = next;
    this.setState(entry, 'initiating');
  }

  /**
   * Protocol step 7: the attempt is over; the peer is `not-connected` until seen (or offered)
   * again. A failed replacement only goes away (the live connection is untouched); a failed live
   * connection with a replacement under way hands over to it.
   */
  private fail(entry: PeerEntry, attempt: ConnectionAttempt, error: PeerError): void {
    if (attempt.isClosed) return;
    if (entry.pending === attempt) {
      entry.closePending(error);
      this.logger.info('a new connection beside the live one failed; the live one stays', { peerId: entry.peerId, code: error.code });
      return;
    }
    if (entry.attempt !== attempt) return;
    const wasConnected = attempt.isOpen;
    entry.round?.stop(); // no retries after a failure: the peer is tried again when seen again
    entry.closeAttempt(error);
    this.logger.info('peer not connected', { peerId: entry.peerId, code: error.code, reason: error.message });
    if (wasConnected) this.emitter.emit('disconnected', { peerId: entry.peerId, reason: error.message, code: error.code });
    if (entry.pending) {
      this.promotePending(entry);
      return;
    }
    this.setState(entry, 'not-connected', error);
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** What the initiator and responder procedures may use of this manager. */
  private context(): ManagerContext {
    return {
      localId: this.localId,
      identity: this.identity,
      timing: this.timing,
      logger: this.logger,
      isClosed: () => this.closed,
      entries: this.entries,
      addEntry: (peerId, role) => this.addEntry(peerId, role),
      newAttempt: (peerId, role) => this.newAttempt(peerId, role),
      setState: (entry, state, error) => this.setState(entry, state, error),
      fail: (entry, attempt, error) => this.fail(entry, attempt, error),
      emit: (event, payload) => this.emitter.emit(event, payload),
      send: (peerId, kind, data, undelivered) => this.send(peerId, kind, data, undelivered),
      ignored: (peerId, kind, reason, code) => this.ignored(peerId, kind, reason, code),
    };
  }

  private addEntry(peerId: string, role: AttemptRole): PeerEntry {
    const entry = new PeerEntry(peerId, role);
    this.entries.set(peerId, entry);
    return entry;
  }

  private newAttempt(peerId: string, role: AttemptRole): ConnectionAttempt {
    const { maxMessageSize, bindAddress, enableIceUdpMux, portRange } = this.init;
    const attempt = new ConnectionAttempt({
      peerId,
      role,
      driver: this.driver,
      connection: {
        name: `${this.localId.slice(0, 8)}-${peerId.slice(0, 8)}`,
        mtu: this.sctpMtuFor(peerId),
        maxMessageSize,
        bindAddress,
        enableIceUdpMux,
        portRangeBegin: portRange?.begin,
        portRangeEnd: portRange?.end,
      },
      timing: this.timing,
      logger: this.logger,
      hooks: this.attemptHooks,
    });
    this.attempts.add(attempt);
    void attempt.released.then(() => this.attempts.delete(attempt));
    return attempt;
  }

  private sctpMtuFor(peerId: string): number | undefined {
    const { sctpMtu } = this.init;
    if (typeof sctpMtu !== 'function') return sctpMtu;
    try {
      return sctpMtu(peerId);
    } catch (error) {
      this.logger.warn('sctpMtu failed; using the default', { peerId, error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  }

  /** The entry whose live or pending attempt this is, or undefined for a closed or replaced attempt. */
  private current(attempt: ConnectionAttempt): PeerEntry | undefined {
    const entry = this.entries.get(attempt.peerId);
    return entry?.owns(attempt) ? entry : undefined;
  }

  private setState(entry: PeerEntry, state: PeerState, error?: PeerError): void {
    if (entry.state === state) return;
    entry.state = state;
    if (entry.role === 'initiator') this.initiator.stateChanged(entry, state);
    if (this.closed) return;
    this.emitter.emit('state', { peerId: entry.peerId, state, reason: error?.message, code: error?.code, error });
  }

  /** `undelivered`: called when the message could not be sent (offers; their warnings are rate-limited: a flood of bad hints makes many). */
  private send(peerId: string, kind: SignalKind, data: string, undelivered?: () => void): void {
    const message: SignalMessage = { kind, peer_id: this.localId, data };
    const lost = (error: unknown): void => {
      if (undelivered) {
        this.refusalLog.warn('ERR_OFFER_UNDELIVERED', 'sending a signaling message failed', { peerId, kind, error: describeError(error) });
        undelivered();
        return;
      }
      this.logger.warn('sending a signaling message failed', { peerId, kind, error: describeError(error) });
    };
    try {
      void Promise.resolve(this.sendSignal(peerId, message)).catch(lost);
    } catch (error) {
      lost(error);
    }
  }

  private ignored(peerId: string, kind: string, reason: string, code?: PeerErrorCode): void {
    // Rate-limited per code: refused input is the attacker's to multiply.
    this.refusalLog.warn(code ?? 'other', 'ignored a signaling message', { peerId, kind, reason, ...(code ? { code } : {}) });
    this.emitter.emit('signal-ignored', { peerId, kind, reason, ...(code ? { code } : {}) });
  }
}
