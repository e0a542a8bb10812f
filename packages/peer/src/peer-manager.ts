import {
  type DataChannelProvider,
  type IceCandidate,
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
import { CandidateBuffer } from './candidate-buffer.js';
import { ChannelSource, type PeerChannel } from './channel.js';
import {
  CONTROL_CHANNEL_LABEL,
  DEFAULT_ANSWER_TIMEOUT_MS,
  DEFAULT_CANDIDATE_BUFFER_TTL_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS,
  KEEPALIVE_MESSAGE,
  DEFAULT_RETRY_DELAYS_MS,
  MAX_ANSWERED_OFFERS_PER_PEER,
  MAX_BUFFERED_CANDIDATES,
  MAX_EARLY_CANDIDATE_PEERS,
  MAX_INITIATOR_ATTEMPTS,
  MAX_QUEUED_PEERS,
  MAX_REPLAY_PEERS,
  MAX_RESPONDER_ATTEMPTS,
  NATIVE_CLOSE_WAIT_MS,
  OFFER_BURST,
  OFFER_RATE_PER_SECOND,
  REFUSAL_LOG_LIMIT,
  REFUSAL_LOG_WINDOW_MS,
} from './constants.js';
import { HIGH_PRIORITY_RESERVED_ATTEMPTS, MAX_LOW_PRIORITY_ATTEMPTS, OfferPacer, type PeerSeenOptions } from './attempt-limits.js';
import { type PeerIdentity, ReplayGuard, assertIdentity, checkProof, signSdp } from './proof-check.js';
import type { RtcChannel, RtcConnection, RtcDriver } from './driver.js';
import { SafeEmitter } from './emitter.js';
import { PeerError, type PeerErrorCode, describeError } from './errors.js';
import { createNodeDataChannelDriver } from './node-datachannel-driver.js';
import { hasDataChannelSection, remoteMaxMessageSize } from './sdp.js';

/**
 * The protocol's connection states. `initiated`: we sent an offer and wait (including the pauses
 * between retries). `initiating`: we answered an offer and wait for the channel. `connected`: the
 * control channel is open. `not-connected`: the last attempt failed or the connection ended.
 */
export type PeerState = 'initiated' | 'initiating' | 'connected' | 'not-connected';

export interface PeerTiming {
  /** Wait for an answer to one offer. Default 10000. */
  answerTimeoutMs: number;
  /** Pauses before each further offer; their count is the number of retries. Default [1000, 2000, 4000]. */
  retryDelaysMs: readonly number[];
  /** Lifetime of a remote candidate buffered before both descriptions are set. Default 30000. */
  candidateBufferTtlMs: number;
  /** Both descriptions set, control channel still not open: give up. Default 30000. */
  connectTimeoutMs: number;
  /** Connected: send a keepalive on the control channel (and judge liveness) this often. Default 1000. */
  keepaliveIntervalMs: number;
  /**
   * Connected and idle: nothing heard from the peer for this long (no message on any channel of
   * the connection, none of our queued data acknowledged) means it is gone. Default 5000.
   */
  keepaliveTimeoutMs: number;
  /**
   * The same limit while a transfer runs: bulk data (on a channel other than the control
   * channel, either way) in the `keepaliveTimeoutMs` before the silence began. It covers SCTP's
   * retransmission backoff under loss. Default 15000.
   */
  busyKeepaliveTimeoutMs: number;
}

export interface PeerManagerInit {
  /** Our device id: the id of `identity.publicKey` (a TypeError otherwise). */
  localId: string;
  /**
   * Our device key. Every offer and answer we send carries a proof signed with it; every offer and
   * answer we receive must carry the sender's (docs/PROTOCOL.md, "Device identity").
   */
  identity: PeerIdentity;
  /**
   * Sends a signaling message to a peer (core routes it through the TCP signaling layer). Calls
   * for one peer must be delivered in call order. May reject; a rejection counts as a lost
   * message, which the answer timeout and retries cover.
   */
  sendSignal: (peerId: string, message: SignalMessage) => Promise<void>;
  /** Default: silent. */
  logger?: Logger;
  /** Default: see {@link PeerTiming}. */
  timing?: Partial<PeerTiming>;
  /**
   * SCTP MTU (node-datachannel `mtu`): one value for every connection, or a function asked for
   * each new connection with the peer's id (undefined, or a throw: the default). Default:
   * libdatachannel's (1280-byte packets). Up to ~4000 works on a 9000-byte link.
   */
  sctpMtu?: number | ((peerId: string) => number | undefined);
  /**
   * The `a=max-message-size` we advertise (node-datachannel `maxMessageSize`): the largest message
   * the peer may send us. Default: libdatachannel's (262 144). Tests set 65 536 to act like a
   * standard WebRTC stack.
   */
  maxMessageSize?: number;
  /** Gather candidates on this local address only (libjuice `bindAddress`). Default: every interface. */
  bindAddress?: string;
  /** Share one UDP port between all connections. Default false. */
  enableIceUdpMux?: boolean;
  /** Local UDP port range for ICE. Default: any port. */
  portRange?: { begin: number; end: number };
  /** The WebRTC implementation; unit tests inject a fake. Default: node-datachannel. */
  driver?: RtcDriver;
}

export interface PeerStateEvent {
  peerId: string;
  state: PeerState;
  /** Why the peer went `not-connected`, as a sentence. */
  reason?: string;
  code?: PeerErrorCode;
  error?: PeerError;
}

export interface PeerConnectedEvent {
  peerId: string;
  channels: DataChannelProvider;
  /** The peer's raw 32-byte Ed25519 public key, proven by its offer or answer on this connection. */
  publicKey: Uint8Array;
}

export interface PeerDisconnectedEvent {
  peerId: string;
  reason?: string;
  code?: PeerErrorCode;
}

export interface SignalIgnoredEvent {
  peerId: string;
  kind: string;
  reason: string;
  code?: PeerErrorCode;
}

/** An offer went out: `attempt` counts from 1 to `attempts` (1 + the number of retries). */
export interface OfferSentEvent {
  peerId: string;
  attempt: number;
  attempts: number;
}

export interface PeerManagerEvents {
  state: PeerStateEvent;
  connected: PeerConnectedEvent;
  /** A connected peer's connection went away (it failed, closed, was replaced, or the peer left). */
  disconnected: PeerDisconnectedEvent;
  /** A signaling message was dropped (offer from a higher id, answer nobody waits for, bad SDP, failed proof...). */
  'signal-ignored': SignalIgnoredEvent;
  /** We sent an offer (one per attempt of a round: 1 to 4). */
  'offer-sent': OfferSentEvent;
}

export interface PeerManager {
  /**
   * Discovery (or a manual add) says this peer exists or announced again. If our id is lower and
   * the peer has no attempt running and is not connected, we send an offer, at once or, when
   * {@link MAX_INITIATOR_ATTEMPTS} rounds are running or the offer rate is used up, once it is its
   * turn in a bounded queue. If our id is higher we wait for its offer (no state change).
   * `priority` (default `normal`): `high` peers go ahead of every waiting peer and may use
   * {@link HIGH_PRIORITY_RESERVED_ATTEMPTS} further slots; at most {@link MAX_LOW_PRIORITY_ATTEMPTS}
   * `low` rounds hold a slot at once. Seen again with a higher priority, a waiting peer moves up.
   */
  peerSeen(peerId: string, options?: PeerSeenOptions): void;
  /** A signaling message from `message.peer_id`. Never throws. */
  handleSignal(message: SignalMessage): void;
  /** The peer left (goodbye, expiry): closes its connection and forgets it. */
  peerGone(peerId: string): void;
  state(peerId: string): PeerState | undefined;
  /** The open connection's channel source, while `connected`. */
  channels(peerId: string): DataChannelProvider | undefined;
  /** The peer's proven raw Ed25519 public key, while `connected`. */
  publicKey(peerId: string): Uint8Array | undefined;
  /** Every peer this manager tracks, with its state. */
  peers(): { peerId: string; state: PeerState }[];
  on<K extends keyof PeerManagerEvents>(event: K, listener: (event: PeerManagerEvents[K]) => void): this;
  off<K extends keyof PeerManagerEvents>(event: K, listener: (event: PeerManagerEvents[K]) => void): this;
  /** Idempotent: closes every connection and channel, clears every timer, resolves once the native side let go. */
  close(): Promise<void>;
}

export function createPeerManager(init: PeerManagerInit): PeerManager {
  return new DefaultPeerManager(init);
}

type Role = 'initiator' | 'responder';
type Timer = ReturnType<typeof setTimeout>;

/** One RTCPeerConnection and everything hanging on it. A retry or a new offer makes a new one. */
interface Attempt {
  readonly peerId: string;
  readonly role: Role;
  conn: RtcConnection;
  source: ChannelSource;
  control: PeerChannel | undefined;
  /** Initiator: the signed offer we sent, which the answer's proof must bind. */
  localOffer: string | undefined;
  /** The peer's key, proven by its answer (initiator) or offer (responder). */
  remoteKey: Uint8Array | undefined;
  /** `a=mid` of our description, for the end-of-candidates message. */
  mid: string;
  localSet: boolean;
  remoteSet: boolean;
  /** Our candidates may go out (initiator: answer received; responder: first remote candidate received). */
  sendingCandidates: boolean;
  heldCandidates: IceCandidate[];
  gatheringComplete: boolean;
  endOfCandidatesSent: boolean;
  remoteBuffer: CandidateBuffer;
  connected: boolean;
  closed: boolean;
  connectTimer: Timer | undefined;
  keepaliveTimer: Timer | undefined;
  nativeClosed: boolean;
  channelsReleased: boolean;
  releaseTimer: Timer | undefined;
  released: Promise<void>;
  markReleased: () => void;
}

interface PeerEntry {
  readonly peerId: string;
  readonly role: Role;
  state: PeerState | undefined;
  attempt: Attempt | undefined;
  /**
   * Responder: a connection for a new, proven offer of a peer that is `connected`. It is built
   * beside the live one and replaces it only once its control channel opens (no hijack by an
   * offer that cannot finish DTLS); if it fails, the live one is untouched.
   */
  pending: Attempt | undefined;
  /** Offers sent in the current round (initiator). */
  offers: number;
  /** Answer timeout or the pause before the next offer. */
  timer: Timer | undefined;
}

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
  /** Candidates from a lower-id peer that arrived before its offer (signaling may reorder across connections). */
  private readonly early = new Map<string, CandidateBuffer>();
  /** Closed attempts whose native objects have not reported closed yet; holding them keeps them alive. */
  private readonly closing = new Set<Attempt>();
  /** Initiator entries whose round is running (state `initiated`): at most MAX_INITIATOR_ATTEMPTS. */
  private readonly rounds = new Set<PeerEntry>();
  /** When a peer that was seen gets its round (bounded rounds, paced offers, bounded queue). */
  private readonly pacer: OfferPacer;
  private readonly replays = new ReplayGuard(MAX_ANSWERED_OFFERS_PER_PEER, MAX_REPLAY_PEERS);
  private readonly refusalLog: LogLimiter;
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
    this.timing = {
      answerTimeoutMs: init.timing?.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
      retryDelaysMs: [...(init.timing?.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)],
      candidateBufferTtlMs: init.timing?.candidateBufferTtlMs ?? DEFAULT_CANDIDATE_BUFFER_TTL_MS,
      connectTimeoutMs: init.timing?.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      keepaliveIntervalMs: init.timing?.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
      keepaliveTimeoutMs: init.timing?.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS,
      busyKeepaliveTimeoutMs: init.timing?.busyKeepaliveTimeoutMs ?? DEFAULT_BUSY_KEEPALIVE_TIMEOUT_MS,
    };
    this.driver = init.driver ?? createNodeDataChannelDriver();
    this.emitter = new SafeEmitter(this.logger);
    this.refusalLog = new LogLimiter(this.logger, {
      linesPerWindow: REFUSAL_LOG_LIMIT,
      windowMs: REFUSAL_LOG_WINDOW_MS,
      subject: 'refused signaling messages',
    });
    this.pacer = new OfferPacer(
      {
        maxRunning: MAX_INITIATOR_ATTEMPTS,
        reservedHigh: HIGH_PRIORITY_RESERVED_ATTEMPTS,
        maxLowRunning: MAX_LOW_PRIORITY_ATTEMPTS,
        ratePerSecond: OFFER_RATE_PER_SECOND,
        burst: OFFER_BURST,
        maxQueued: MAX_QUEUED_PEERS,
      },
      {
        wanted: (peerId) => this.needsRound(peerId),
        start: (peerId) => this.beginRound(peerId),
        dropped: (peerId) => this.logger.debug('offer queue full; forgot the oldest waiting peer', { peerId }),
      },
    );
  }

  // ---- public API -------------------------------------------------------------------------

  peerSeen(peerId: string, options: PeerSeenOptions = {}): void {
    if (this.closed) return;
    if (!isDeviceId(peerId) || peerId === this.localId) {
      this.logger.warn('peerSeen with an invalid or our own device id', { peerId });
      return;
    }
    if (!isInitiator(this.localId, peerId)) return; // its id is lower: it sends the offer
    if (!this.needsRound(peerId)) return; // attempt running or connected
    this.pacer.request(peerId, options.priority ?? 'normal');
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
          this.handleOffer(peerId, message.data);
          break;
        case 'answer':
          this.handleAnswer(peerId, message.data);
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
    this.early.get(peerId)?.clear();
    this.early.delete(peerId);
    this.pacer.forget(peerId);
    const entry = this.entries.get(peerId);
    if (!entry) return;
    const wasConnected = entry.attempt?.connected ?? false;
    const reason = new PeerError('ERR_CONNECTION_CLOSED', `Peer ${peerId} left.`);
    this.dropPending(entry, reason);
    this.dropAttempt(entry, reason);
    this.entries.delete(peerId);
    if (this.rounds.delete(entry)) this.pacer.roundEnded(peerId);
    if (wasConnected && !this.closed) {
      this.emitter.emit('disconnected', { peerId, reason: `Peer ${peerId} left.`, code: 'ERR_CONNECTION_CLOSED' });
    }
  }

  state(peerId: string): PeerState | undefined {
    return this.entries.get(peerId)?.state;
  }

  channels(peerId: string): DataChannelProvider | undefined {
    const attempt = this.entries.get(peerId)?.attempt;
    return attempt?.connected ? attempt.source : undefined;
  }

  publicKey(peerId: string): Uint8Array | undefined {
    const attempt = this.entries.get(peerId)?.attempt;
    return attempt?.connected && attempt.remoteKey ? new Uint8Array(attempt.remoteKey) : undefined;
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
      this.dropPending(entry, reason);
      this.dropAttempt(entry, reason);
    }
    this.entries.clear();
    this.rounds.clear();
    this.pacer.close();
    this.refusalLog.close();
    this.replays.clear();
    for (const buffer of this.early.values()) buffer.clear();
    this.early.clear();
    this.closePromise = Promise.all([...this.closing].map((a) => a.released)).then(() => undefined);
    return this.closePromise;
  }

  // ---- initiator --------------------------------------------------------------------------

  /** True when `peerId` has no attempt running and is not connected (so a round may start). */
  private needsRound(peerId: string): boolean {
    const entry = this.entries.get(peerId);
    return !entry || entry.state === undefined || entry.state === 'not-connected';
  }

  private beginRound(peerId: string): void {
    const entry = this.entries.get(peerId) ?? this.addEntry(peerId, 'initiator');
    entry.offers = 0;
    this.sendOffer(entry);
  }

  private sendOffer(entry: PeerEntry): void {
    this.dropAttempt(entry);
    entry.offers += 1;
    let attempt: Attempt;
    try {
      attempt = this.createAttempt(entry.peerId, 'initiator');
    } catch (error) {
      this.setState(entry, 'not-connected', this.error('ERR_CREATE_OFFER', `Could not create a connection to peer ${entry.peerId}`, error));
      return;
    }
    entry.attempt = attempt;
    let sdp: string;
    try {
      const offer = attempt.conn.createOffer(CONTROL_CHANNEL_LABEL);
      attempt.mid = midOf(offer.sdp);
      attempt.control = this.adoptControl(attempt, offer.control);
      sdp = signSdp(offer.sdp, this.identity, 'offer', this.localId, entry.peerId);
      attempt.localOffer = sdp;
    } catch (error) {
      this.fail(entry, attempt, this.error('ERR_CREATE_OFFER', `Could not create an offer for peer ${entry.peerId}`, error));
      return;
    }
    attempt.localSet = true;
    this.setState(entry, 'initiated');
    const attempts = 1 + this.timing.retryDelaysMs.length;
    this.logger.debug('sending offer', { peerId: entry.peerId, attempt: entry.offers, attempts });
    this.emitter.emit('offer-sent', { peerId: entry.peerId, attempt: entry.offers, attempts });
    this.send(entry.peerId, 'offer', sdp, () => this.offerUndelivered(entry, attempt));
    entry.timer = setTimeout(() => this.answerTimedOut(entry, attempt), this.timing.answerTimeoutMs);
  }

  /**
   * The offer never left (no route, connection refused): no answer can come to it, so its peer
   * connection is freed now and the round gives its slot back (attempt limits); the answer
   * timeout keeps running, so the retry schedule stays as specified.
   */
  private offerUndelivered(entry: PeerEntry, attempt: Attempt): void {
    if (this.closed || entry.attempt !== attempt || attempt.remoteSet) return;
    const answerTimer = entry.timer;
    entry.timer = undefined;
    this.dropAttempt(entry, new PeerError('ERR_CONNECTION_CLOSED', `The offer to peer ${entry.peerId} could not be delivered.`));
    entry.timer = answerTimer;
    this.pacer.offerUndelivered(entry.peerId);
  }

  private answerTimedOut(entry: PeerEntry, attempt: Attempt): void {
    // No attempt left: its offer was not delivered (offerUndelivered); the round goes on.
    if ((entry.attempt !== undefined && entry.attempt !== attempt) || attempt.remoteSet) return;
    entry.timer = undefined;
    // The next offer gets a fresh connection; a late answer to this one is then ignored.
    this.dropAttempt(entry, new PeerError('ERR_ANSWER_TIMEOUT', 'No answer in time; the offer is withdrawn.'));
    const delay = this.timing.retryDelaysMs[entry.offers - 1];
    if (delay !== undefined) {
      this.logger.info('no answer, offering again', { peerId: entry.peerId, offers: entry.offers, delayMs: delay });
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        // A round that gave its slot back waits here for a free one (live attempts stay bounded).
        this.pacer.resume(entry.peerId, () => {
          if (!this.closed && this.entries.get(entry.peerId) === entry) this.sendOffer(entry);
        });
      }, delay);
      return;
    }
    const error = new PeerError(
      'ERR_ANSWER_TIMEOUT',
      `Peer ${entry.peerId} did not answer any of ${entry.offers} offers.`,
    );
    this.logger.warn(error.message, { peerId: entry.peerId, code: error.code });
    this.setState(entry, 'not-connected', error);
  }

  private handleAnswer(peerId: string, sdp: string): void {
    if (!isInitiator(this.localId, peerId)) {
      this.ignored(peerId, 'answer', 'An answer from a peer with a lower id: it offers to us, we never offer to it.');
      return;
    }
    const entry = this.entries.get(peerId);
    const attempt = entry?.attempt;
    if (!entry || !attempt || attempt.remoteSet) {
      this.ignored(peerId, 'answer', 'No offer to this peer is waiting for an answer (late or duplicate answer).');
      return;
    }
    // Before the WebRTC stack sees it: the answer must prove the peer's key and bind our offer.
    // A refused answer changes nothing; the answer timeout and retries still apply.
    const proof = checkProof(sdp, 'answer', this.localId, peerId, attempt.localOffer);
    if (!proof.ok) {
      this.ignored(peerId, 'answer', proof.error.message, proof.error.code);
      return;
    }
    try {
      attempt.conn.acceptAnswer(sdp);
      attempt.source.maxMessageSize = remoteMaxMessageSize(sdp);
    } catch (error) {
      // Keep waiting: the answer timeout and retries still apply.
      const e = this.error('ERR_SET_REMOTE_DESCRIPTION', `Invalid answer from peer ${peerId}`, error);
      this.ignored(peerId, 'answer', e.message, e.code);
      return;
    }
    attempt.remoteSet = true;
    attempt.remoteKey = proof.value.publicKey;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    this.startConnectTimer(entry, attempt);
    this.flushRemoteCandidates(attempt);
    this.startSendingCandidates(attempt);
  }

  // ---- responder --------------------------------------------------------------------------

  private handleOffer(peerId: string, sdp: string): void {
    if (!isInitiator(peerId, this.localId)) {
      this.ignored(peerId, 'offer', 'An offer from a peer with a higher id: the lower id initiates, so we offer to it.');
      return;
    }
    // Every check comes before any RtcConnection exists: a refused offer costs no native resources.
    const proof = checkProof(sdp, 'offer', this.localId, peerId);
    if (!proof.ok) {
      this.ignored(peerId, 'offer', proof.error.message, proof.error.code);
      return;
    }
    if (this.replays.has(peerId, proof.value)) {
      this.ignored(peerId, 'offer', `Refused an offer from peer ${peerId}: it was already answered (a copy of an old offer).`, 'ERR_PROOF_REPLAYED');
      return;
    }
    if (!hasDataChannelSection(sdp)) {
      this.ignored(peerId, 'offer', `Invalid offer from peer ${peerId}: no data channel section.`, 'ERR_SET_REMOTE_DESCRIPTION');
      return;
    }
    const entry = this.entries.get(peerId);
    // A connected peer's new offer is exempt: it proved its key on a live connection and holds at
    // most one pending replacement, so fresh ids cannot use the cap to keep it from reconnecting.
    if (!entry?.attempt?.connected && this.pendingResponderAttempts(peerId) >= MAX_RESPONDER_ATTEMPTS) {
      this.ignored(
        peerId,
        'offer',
        `Refused an offer from peer ${peerId}: ${MAX_RESPONDER_ATTEMPTS} other offers are already being answered.`,
        'ERR_TOO_MANY_ATTEMPTS',
      );
      return;
    }
    let attempt: Attempt;
    try {
      attempt = this.createAttempt(peerId, 'responder');
    } catch (error) {
      const e = this.error('ERR_SET_REMOTE_DESCRIPTION', `Could not create a connection for the offer of peer ${peerId}`, error);
      this.ignored(peerId, 'offer', e.message, e.code);
      return;
    }
    let answer: string;
    try {
      answer = attempt.conn.acceptOffer(sdp);
      attempt.source.maxMessageSize = remoteMaxMessageSize(sdp);
      attempt.mid = midOf(answer);
      answer = signSdp(answer, this.identity, 'answer', this.localId, peerId, sdp);
    } catch (error) {
      const e = this.error('ERR_SET_REMOTE_DESCRIPTION', `Invalid offer from peer ${peerId}`, error);
      this.closeAttempt(attempt, e);
      // An existing connection stays as it is: a broken offer replaces nothing.
      this.ignored(peerId, 'offer', e.message, e.code);
      return;
    }
    this.replays.add(peerId, proof.value);
    attempt.remoteKey = proof.value.publicKey;
    attempt.localSet = true;
    attempt.remoteSet = true;
    const target = entry ?? this.addEntry(peerId, 'responder');
    if (target.attempt?.connected) {
      // No hijack: the live connection stays until the new one's control channel opens.
      this.dropPending(target, new PeerError('ERR_CONNECTION_CLOSED', `Peer ${peerId} sent a newer offer.`));
      target.pending = attempt;
      this.logger.info('new offer from a connected peer; connecting beside the live connection', { peerId });
    } else {
      // The initiator restarted or retried before this attempt connected: the new offer replaces it.
      this.dropAttempt(target, new PeerError('ERR_CONNECTION_CLOSED', `Peer ${peerId} sent a new offer; the old attempt was replaced.`));
      target.attempt = attempt;
      this.setState(target, 'initiating');
    }
    this.send(peerId, 'answer', answer);
    this.startConnectTimer(target, attempt);
    const early = this.early.get(peerId);
    if (early) {
      this.early.delete(peerId);
      for (const candidate of early.drain()) this.receiveCandidate(attempt, candidate);
    }
  }

  /** Answered offers not yet connected, other than `exceptPeerId`'s (which a new offer of its own replaces). */
  private pendingResponderAttempts(exceptPeerId: string): number {
    let count = 0;
    for (const entry of this.entries.values()) {
      if (entry.role !== 'responder' || entry.peerId === exceptPeerId) continue;
      if (entry.attempt && !entry.attempt.connected) count += 1;
      if (entry.pending) count += 1;
    }
    return count;
  }

  // ---- ICE --------------------------------------------------------------------------------

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
      this.receiveCandidate(attempt, decoded.value);
      return;
    }
    if (isInitiator(peerId, this.localId)) {
      // From a peer that offers to us, ahead of its offer: keep it for the offer.
      let buffer = this.early.get(peerId);
      if (!buffer) {
        // Bounded: candidates from ids that never send an offer must not pile up.
        if (this.early.size >= MAX_EARLY_CANDIDATE_PEERS) {
          const [oldest] = this.early.keys();
          if (oldest !== undefined) {
            this.early.get(oldest)?.clear();
            this.early.delete(oldest);
          }
        }
        buffer = new CandidateBuffer(this.timing.candidateBufferTtlMs, MAX_BUFFERED_CANDIDATES, (why) => {
          this.logger.warn('dropped a buffered ICE candidate', { peerId, why });
          if (buffer?.size === 0 && this.early.get(peerId) === buffer) this.early.delete(peerId);
        });
        this.early.set(peerId, buffer);
      }
      buffer.push(decoded.value);
      return;
    }
    this.ignored(peerId, 'ice', `No connection attempt with peer ${peerId} (late candidate).`);
  }

  private receiveCandidate(attempt: Attempt, candidate: IceCandidate): void {
    if (attempt.localSet && attempt.remoteSet) this.applyCandidate(attempt, candidate);
    else attempt.remoteBuffer.push(candidate);
    // Protocol step 6: the responder sends its own candidates once the initiator's first arrived.
    if (attempt.role === 'responder') this.startSendingCandidates(attempt);
  }

  private applyCandidate(attempt: Attempt, candidate: IceCandidate): void {
    // An empty candidate is the end-of-candidates marker; libdatachannel needs no call for it.
    if (candidate.candidate === '') return;
    try {
      attempt.conn.addRemoteCandidate(candidate);
    } catch (error) {
      const e = this.error('ERR_ADD_ICE_CANDIDATE', `Could not apply an ICE candidate of peer ${attempt.peerId}`, error);
      this.ignored(attempt.peerId, 'ice', e.message, e.code);
    }
  }

  private flushRemoteCandidates(attempt: Attempt): void {
    for (const candidate of attempt.remoteBuffer.drain()) this.applyCandidate(attempt, candidate);
  }

  private startSendingCandidates(attempt: Attempt): void {
    if (attempt.sendingCandidates || attempt.closed) return;
    attempt.sendingCandidates = true;
    const held = attempt.heldCandidates;
    attempt.heldCandidates = [];
    for (const candidate of held) this.send(attempt.peerId, 'ice', encodeIceCandidate(candidate));
    if (attempt.gatheringComplete) this.sendEndOfCandidates(attempt);
  }

  private localCandidate(attempt: Attempt, candidate: IceCandidate): void {
    if (attempt.closed) return;
    if (attempt.sendingCandidates) this.send(attempt.peerId, 'ice', encodeIceCandidate(candidate));
    else attempt.heldCandidates.push(candidate);
  }

  private localGatheringComplete(attempt: Attempt): void {
    if (attempt.closed) return;
    attempt.gatheringComplete = true;
    if (attempt.sendingCandidates) this.sendEndOfCandidates(attempt);
  }

  /**
   * `{"candidate":"","sdpMid":<mid>}` after the last candidate. It is what lets the responder
   * start sending when the initiator gathered no candidate at all (otherwise nothing would ever
   * trigger step 6), and it is WebRTC's own end-of-candidates form.
   */
  private sendEndOfCandidates(attempt: Attempt): void {
    if (attempt.endOfCandidatesSent) return;
    attempt.endOfCandidatesSent = true;
    this.send(attempt.peerId, 'ice', encodeIceCandidate({ candidate: '', sdpMid: attempt.mid }));
  }

  // ---- connection life cycle --------------------------------------------------------------

  private createAttempt(peerId: string, role: Role): Attempt {
    let markReleased!: () => void;
    const released = new Promise<void>((resolve) => {
      markReleased = resolve;
    });
    const attempt = {
      peerId,
      role,
      control: undefined,
      localOffer: undefined,
      remoteKey: undefined,
      mid: '0',
      localSet: false,
      remoteSet: false,
      sendingCandidates: false,
      heldCandidates: [],
      gatheringComplete: false,
      endOfCandidatesSent: false,
      remoteBuffer: new CandidateBuffer(this.timing.candidateBufferTtlMs, MAX_BUFFERED_CANDIDATES, (why) =>
        this.logger.warn('dropped a buffered ICE candidate', { peerId, why }),
      ),
      connected: false,
      closed: false,
      connectTimer: undefined,
      keepaliveTimer: undefined,
      nativeClosed: false,
      channelsReleased: false,
      releaseTimer: undefined,
      released,
      markReleased,
    } as Omit<Attempt, 'conn' | 'source'> as Attempt;
    const { maxMessageSize, bindAddress, enableIceUdpMux, portRange } = this.init;
    const sctpMtu = this.sctpMtuFor(peerId);
    attempt.conn = this.driver.createConnection(
      {
        name: `${this.localId.slice(0, 8)}-${peerId.slice(0, 8)}`,
        mtu: sctpMtu,
        maxMessageSize,
        bindAddress,
        enableIceUdpMux,
        portRangeBegin: portRange?.begin,
        portRangeEnd: portRange?.end,
      },
      {
        localCandidate: (candidate) => this.localCandidate(attempt, candidate),
        gatheringComplete: () => this.localGatheringComplete(attempt),
        stateChange: (kind, state) => this.nativeStateChange(attempt, kind, state),
        dataChannel: (channel) => this.remoteChannel(attempt, channel),
      },
    );
    attempt.source = new ChannelSource(attempt.conn, peerId, this.logger);
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

  private adoptControl(attempt: Attempt, raw: RtcChannel): PeerChannel {
    const control = attempt.source.adopt(raw, () => this.controlOpened(attempt));
    // Its messages (keepalives) only count as signs of life, which the source records for every
    // channel; a listener still drains what arrives so nothing piles up.
    control.onMessage(() => undefined);
    control.onClose(() => {
      const entry = this.current(attempt);
      if (entry) this.fail(entry, attempt, new PeerError('ERR_CONNECTION_CLOSED', `The connection to peer ${attempt.peerId} closed.`));
    });
    return control;
  }

  private remoteChannel(attempt: Attempt, raw: RtcChannel): void {
    if (attempt.closed) {
      attempt.source.adopt(raw, () => undefined).close();
      return;
    }
    if (raw.label === CONTROL_CHANNEL_LABEL) {
      if (attempt.role === 'responder' && !attempt.control) {
        attempt.control = this.adoptControl(attempt, raw);
      } else {
        this.logger.warn('closing an unexpected control channel', { peerId: attempt.peerId });
        attempt.source.adopt(raw, () => undefined).close();
      }
      return;
    }
    attempt.source.adopt(raw, (channel) => attempt.source.acceptRemote(channel));
  }

  private controlOpened(attempt: Attempt): void {
    const entry = this.current(attempt);
    if (!entry || attempt.connected) return;
    if (!attempt.remoteKey) {
      // Unreachable: no remote description is set without a verified proof. Refuse rather than trust.
      this.fail(entry, attempt, new PeerError('ERR_PROOF_MISSING', `The connection to peer ${attempt.peerId} opened without a proven key.`));
      return;
    }
    if (entry.pending === attempt) this.promotePending(entry);
    attempt.connected = true;
    clearTimeout(attempt.connectTimer);
    attempt.connectTimer = undefined;
    attempt.source.markUsable();
    this.startKeepalive(entry, attempt);
    this.setState(entry, 'connected');
    this.emitter.emit('connected', { peerId: entry.peerId, channels: attempt.source, publicKey: new Uint8Array(attempt.remoteKey) });
  }

  /**
   * The replacement connection opened (or the live one failed first): it becomes the entry's
   * attempt; a live one is closed and reported `disconnected`, then the state goes through
   * `initiating` as for any new offer.
   */
  private promotePending(entry: PeerEntry): void {
    const next = entry.pending;
    if (!next) return;
    entry.pending = undefined;
    const live = entry.attempt;
    if (live && !live.closed) {
      const reason = new PeerError('ERR_CONNECTION_CLOSED', `Peer ${entry.peerId} connected again; the old connection was replaced.`);
      const wasConnected = live.connected;
      this.dropAttempt(entry, reason);
      if (wasConnected) this.emitter.emit('disconnected', { peerId: entry.peerId, reason: reason.message, code: reason.code });
    }
    entry.attempt = next;
    this.setState(entry, 'initiating');
  }

  private nativeStateChange(attempt: Attempt, kind: 'connection' | 'ice', state: string): void {
    if (kind === 'connection' && state === 'closed') {
      attempt.nativeClosed = true;
      this.checkReleased(attempt);
    }
    const entry = this.current(attempt);
    if (!entry) return;
    this.logger.debug('connection state', { peerId: attempt.peerId, kind, state });
    let error: PeerError | undefined;
    if (state === 'failed') {
      error = new PeerError('ERR_ICE_FAILED', `The connection to peer ${attempt.peerId} failed (${kind} state failed).`);
    } else if (state === 'disconnected') {
      error = new PeerError('ERR_ICE_DISCONNECTED', `The connection to peer ${attempt.peerId} was lost (${kind} state disconnected).`);
    } else if (state === 'closed') {
      error = new PeerError('ERR_CONNECTION_CLOSED', `The connection to peer ${attempt.peerId} closed.`);
    }
    if (error) this.fail(entry, attempt, error);
  }

  /**
   * Liveness (docs/PROTOCOL.md, "Keepalive and liveness"). Every interval: judge, then send a
   * keepalive on the control channel. The peer is alive while it was heard within the limit
   * (5 s idle, 15 s when bulk data moved in the 5 s before the silence began):
   * any message on any channel of the connection counts (bulk data never hides the peer behind
   * its own chunks), and so does our queued data moving on (it only moves when the peer
   * acknowledges, so our keepalive waiting behind megabytes of chunks hides nothing either).
   * A tick that came late by more than an interval means our own event loop was held up: the
   * peer's messages of that time may still wait in the native queue, so that one tick is not
   * judged (the next is). Bound: `PEER_GONE_DETECTION_BOUND_MS` (constants.ts).
   */
  private startKeepalive(entry: PeerEntry, attempt: Attempt): void {
    const source = attempt.source;
    const interval = this.timing.keepaliveIntervalMs;
    const idleTimeout = this.timing.keepaliveTimeoutMs;
    const busyTimeout = Math.max(idleTimeout, this.timing.busyKeepaliveTimeoutMs);
    source.lastHeardAt = Date.now();
    let lastTickAt = Date.now();
    let skipped = false;
    source.queuedDataMoved(); // the first marks
    attempt.keepaliveTimer = setInterval(() => {
      if (this.current(attempt) !== entry || attempt.closed) return;
      const now = Date.now();
      const previousTickAt = lastTickAt;
      lastTickAt = now;
      // Acknowledged since the previous tick: alive at least then (not necessarily now).
      if (source.queuedDataMoved()) source.lastHeardAt = Math.max(source.lastHeardAt, previousTickAt);
      const late = now - previousTickAt > 2 * interval;
      if (late && !skipped) {
        skipped = true;
      } else {
        skipped = false;
        const silent = now - source.lastHeardAt;
        const busy = source.lastBulkAt > 0 && source.lastBulkAt >= source.lastHeardAt - idleTimeout;
        const limit = busy ? busyTimeout : idleTimeout;
        if (silent > limit) {
          this.fail(
            entry,
            attempt,
            new PeerError(
              'ERR_PEER_UNRESPONSIVE',
              `Peer ${entry.peerId} stopped answering (nothing heard on any channel for ${silent} ms; the limit is ${limit} ms${busy ? ' during a transfer' : ''}).`,
            ),
          );
          return;
        }
      }
      try {
        attempt.control?.send(KEEPALIVE_MESSAGE);
      } catch (error) {
        this.logger.debug('keepalive not sent', { peerId: entry.peerId, error: describeError(error) });
      }
    }, interval);
  }

  private startConnectTimer(entry: PeerEntry, attempt: Attempt): void {
    clearTimeout(attempt.connectTimer);
    attempt.connectTimer = setTimeout(() => {
      attempt.connectTimer = undefined;
      if (this.current(attempt) !== entry || attempt.connected) return;
      this.fail(
        entry,
        attempt,
        new PeerError('ERR_CONNECT_TIMEOUT', `The connection to peer ${entry.peerId} did not open within ${this.timing.connectTimeoutMs} ms.`),
      );
    }, this.timing.connectTimeoutMs);
  }

  /**
   * Protocol step 7: the attempt is over; the peer is `not-connected` until seen (or offered)
   * again. A failed replacement only goes away (the live connection is untouched); a failed live
   * connection with a replacement under way hands over to it.
   */
  private fail(entry: PeerEntry, attempt: Attempt, error: PeerError): void {
    if (attempt.closed) return;
    if (entry.pending === attempt) {
      entry.pending = undefined;
      this.closeAttempt(attempt, error);
      this.logger.info('a new connection beside the live one failed; the live one stays', { peerId: entry.peerId, code: error.code });
      return;
    }
    if (entry.attempt !== attempt) return;
    const wasConnected = attempt.connected;
    this.dropAttempt(entry, error);
    this.logger.info('peer not connected', { peerId: entry.peerId, code: error.code, reason: error.message });
    if (wasConnected) this.emitter.emit('disconnected', { peerId: entry.peerId, reason: error.message, code: error.code });
    if (entry.pending) {
      this.promotePending(entry);
      return;
    }
    this.setState(entry, 'not-connected', error);
  }

  /** Clears the entry's timer and closes its attempt, if any. */
  private dropAttempt(entry: PeerEntry, reason?: PeerError): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const attempt = entry.attempt;
    entry.attempt = undefined;
    if (attempt) {
      this.closeAttempt(attempt, reason ?? new PeerError('ERR_CONNECTION_CLOSED', `The connection to peer ${entry.peerId} was closed.`));
    }
  }

  private dropPending(entry: PeerEntry, reason: PeerError): void {
    const pending = entry.pending;
    entry.pending = undefined;
    if (pending) this.closeAttempt(pending, reason);
  }

  private closeAttempt(attempt: Attempt, reason: PeerError): void {
    if (attempt.closed) return;
    attempt.closed = true;
    clearTimeout(attempt.connectTimer);
    attempt.connectTimer = undefined;
    clearInterval(attempt.keepaliveTimer);
    attempt.keepaliveTimer = undefined;
    attempt.remoteBuffer.clear();
    attempt.heldCandidates = [];
    this.closing.add(attempt);
    const releaseTimer = setTimeout(() => {
      this.logger.debug('native close not confirmed in time; dropping references', { peerId: attempt.peerId });
      this.finishRelease(attempt);
    }, NATIVE_CLOSE_WAIT_MS);
    releaseTimer.unref();
    attempt.releaseTimer = releaseTimer;
    attempt.source.shutdown(reason, () => {
      attempt.channelsReleased = true;
      this.checkReleased(attempt);
    });
    try {
      attempt.conn.close();
    } catch (error) {
      this.logger.debug('closing a peer connection failed', { peerId: attempt.peerId, error: describeError(error) });
    }
  }

  private checkReleased(attempt: Attempt): void {
    if (attempt.closed && attempt.channelsReleased && attempt.nativeClosed) this.finishRelease(attempt);
  }

  private finishRelease(attempt: Attempt): void {
    if (!this.closing.delete(attempt)) return;
    clearTimeout(attempt.releaseTimer);
    attempt.releaseTimer = undefined;
    attempt.markReleased();
  }

  // ---- helpers ----------------------------------------------------------------------------

  private addEntry(peerId: string, role: Role): PeerEntry {
    const entry: PeerEntry = { peerId, role, state: undefined, attempt: undefined, pending: undefined, offers: 0, timer: undefined };
    this.entries.set(peerId, entry);
    return entry;
  }

  /** The entry whose live or pending attempt this is, or undefined for a closed or replaced attempt. */
  private current(attempt: Attempt): PeerEntry | undefined {
    if (attempt.closed) return undefined;
    const entry = this.entries.get(attempt.peerId);
    return entry?.attempt === attempt || entry?.pending === attempt ? entry : undefined;
  }

  private setState(entry: PeerEntry, state: PeerState, error?: PeerError): void {
    if (entry.state === state) return;
    entry.state = state;
    if (entry.role === 'initiator') {
      // A round runs while `initiated`; its slot frees as soon as it connects or gives up.
      if (state === 'initiated') this.rounds.add(entry);
      else if (this.rounds.delete(entry)) this.pacer.roundEnded(entry.peerId);
    }
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

  private error(code: PeerErrorCode, what: string, cause: unknown): PeerError {
    return new PeerError(code, `${what}: ${describeError(cause)}`, { cause });
  }
}

function midOf(sdp: string): string {
  return /^a=mid:(\S+)/m.exec(sdp)?.[1] ?? '0';
}
