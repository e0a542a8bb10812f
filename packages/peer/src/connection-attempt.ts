import { FileshareError, type IceCandidate, type Logger } from '@fileshare/protocol';
import { CandidateBuffer } from './candidate-buffer.js';
import { ChannelSource, type PeerChannel } from './channel.js';
import { CONTROL_CHANNEL_LABEL, MAX_BUFFERED_CANDIDATES, NATIVE_CLOSE_WAIT_MS } from './constants.js';
import type { RtcChannel, RtcConnection, RtcConnectionOptions, RtcDriver } from './driver.js';
import { PeerError, describeError, wrapError } from './errors.js';
import { LivenessMonitor } from './liveness.js';
import { LocalCandidates } from './local-candidates.js';
import { remoteMaxMessageSize } from './sdp.js';
import type { PeerTiming } from './types.js';

export type AttemptRole = 'initiator' | 'responder';

/**
 * Where a connection attempt is. Each attempt moves forward only:
 *
 * ```
 * initiator: offering --answer accepted--> connecting --control channel open--> open
 * responder: answering --offer accepted, answer made--> connecting --> open
 * any of these --close()--> closing --native side let go (or 2 s)--> closed
 * ```
 *
 * - `offering`: our offer is made (or being made) and waits for its answer.
 * - `answering`: the connection exists for a proven offer that is not applied yet.
 * - `connecting`: both descriptions are set; the control channel must open within the connect
 *   timeout; remote candidates are applied as they come.
 * - `open`: the control channel is open (the peer is `connected`); liveness is watched.
 * - `closing`: closed by its owner; its native objects stay referenced until they report closed.
 * - `closed`: released; nothing of it is left.
 */
export type AttemptPhase = 'offering' | 'answering' | 'connecting' | 'open' | 'closing' | 'closed';

const NEXT_PHASES: Readonly<Record<AttemptPhase, readonly AttemptPhase[]>> = {
  offering: ['connecting', 'closing'],
  answering: ['connecting', 'closing'],
  connecting: ['open', 'closing'],
  open: ['closing'],
  closing: ['closed'],
  closed: [],
};

/** A method called in a phase it does not apply to: a bug of the caller, never the peer's doing. */
export class AttemptPhaseError extends FileshareError {
  declare readonly code: 'ERR_ATTEMPT_PHASE';

  constructor(peerId: string, phase: AttemptPhase, action: string) {
    super('ERR_ATTEMPT_PHASE', `Cannot ${action} on the connection attempt with peer ${peerId}: it is ${phase}.`);
    this.name = 'AttemptPhaseError';
  }
}

export type AttemptTiming = Pick<
  PeerTiming,
  'connectTimeoutMs' | 'candidateBufferTtlMs' | 'keepaliveIntervalMs' | 'keepaliveTimeoutMs' | 'busyKeepaliveTimeoutMs'
>;

/** What an attempt reports to its owner. Nothing is reported once it is closing. */
export interface AttemptHooks {
  /** The control channel opened: the owner decides whether the attempt becomes `open` ({@link ConnectionAttempt.markOpen}). */
  opened(attempt: ConnectionAttempt): void;
  /**
   * The attempt cannot go on: ICE or the peer connection failed, disconnected or closed, the
   * control channel closed, the connect timeout passed or the peer fell silent. The owner closes it.
   */
  ended(attempt: ConnectionAttempt, error: PeerError): void;
  /** One of our candidates, or the end-of-candidates marker, may go out now. */
  sendCandidate(attempt: ConnectionAttempt, candidate: IceCandidate): void;
  /** The WebRTC stack refused a remote candidate (`ERR_ADD_ICE_CANDIDATE`); the attempt goes on. */
  candidateRefused(attempt: ConnectionAttempt, error: PeerError): void;
}

export interface ConnectionAttemptInit {
  peerId: string;
  role: AttemptRole;
  driver: RtcDriver;
  connection: RtcConnectionOptions;
  timing: AttemptTiming;
  logger: Logger;
  hooks: AttemptHooks;
}

/**
 * One RTCPeerConnection and everything hanging on it: its channels, the candidates on both sides,
 * and its timers (connect timeout, liveness, native release), each cleared when it is no longer
 * needed and all of them on close. A retry or a new offer makes a new attempt.
 */
export class ConnectionAttempt {
  readonly peerId: string;
  readonly role: AttemptRole;
  /** The `DataChannelProvider` of this connection; it holds every channel until it reports closed. */
  readonly channels: ChannelSource;
  /** Resolves once the native side let go of the connection and its channels (after close). */
  readonly released: Promise<void>;
  private currentPhase: AttemptPhase;
  private readonly conn: RtcConnection;
  private readonly timing: AttemptTiming;
  private readonly logger: Logger;
  private readonly hooks: AttemptHooks;
  private control: PeerChannel | undefined;
  private signedOffer: string | undefined;
  private provenKey: Uint8Array | undefined;
  /** `a=mid` of our description, for the end-of-candidates marker. */
  private mid = '0';
  /** Remote candidates that came before both descriptions were set. */
  private readonly remoteCandidates: CandidateBuffer;
  private readonly localCandidates: LocalCandidates;
  private readonly liveness: LivenessMonitor;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private releaseTimer: ReturnType<typeof setTimeout> | undefined;
  // Release bookkeeping, not phase: both may happen before or after close, in either order.
  private nativeClosed = false;
  private channelsReleased = false;
  private markReleased!: () => void;

  /** Creates the native connection; throws when the stack cannot. */
  constructor(init: ConnectionAttemptInit) {
    const { peerId, logger } = init;
    this.peerId = peerId;
    this.role = init.role;
    this.timing = init.timing;
    this.logger = logger;
    this.hooks = init.hooks;
    this.currentPhase = init.role === 'initiator' ? 'offering' : 'answering';
    this.released = new Promise<void>((resolve) => {
      this.markReleased = resolve;
    });
    this.remoteCandidates = new CandidateBuffer(init.timing.candidateBufferTtlMs, MAX_BUFFERED_CANDIDATES, (why) =>
      logger.warn('dropped a buffered ICE candidate', { peerId, why }),
    );
    this.localCandidates = new LocalCandidates(
      (candidate) => this.hooks.sendCandidate(this, candidate),
      () => this.mid,
    );
    this.conn = init.driver.createConnection(init.connection, {
      localCandidate: (candidate) => {
        if (!this.isClosed) this.localCandidates.gathered(candidate);
      },
      gatheringComplete: () => {
        if (!this.isClosed) this.localCandidates.complete();
      },
      stateChange: (kind, state) => this.nativeStateChanged(kind, state),
      dataChannel: (channel) => this.remoteChannelArrived(channel),
    });
    this.channels = new ChannelSource(this.conn, peerId, logger);
    this.liveness = new LivenessMonitor({
      peerId,
      source: this.channels,
      control: () => this.control,
      timing: init.timing,
      logger,
      silent: (error) => this.report(error),
    });
  }

  get phase(): AttemptPhase {
    return this.currentPhase;
  }

  /** The control channel is open: the peer is `connected` on this attempt. */
  get isOpen(): boolean {
    return this.currentPhase === 'open';
  }

  /** Closed by its owner (`closing` or `closed`): it does and reports nothing more. */
  get isClosed(): boolean {
    return this.currentPhase === 'closing' || this.currentPhase === 'closed';
  }

  /** Initiator: our offer is out and no answer was accepted yet. */
  get awaitingAnswer(): boolean {
    return this.currentPhase === 'offering';
  }

  /** Initiator: the signed offer we sent, which the answer's proof must bind. */
  get localOffer(): string | undefined {
    return this.signedOffer;
  }

  /** The peer's key, proven by its answer (initiator) or offer (responder). */
  get remoteKey(): Uint8Array | undefined {
    return this.provenKey;
  }

  /**
   * Initiator (`offering`): creates the control channel and the offer, which becomes the local
   * description; `sign` adds our proof. Returns the offer to send. Throws when the stack or
   * `sign` fails; the attempt is then of no use and its owner closes it.
   */
  createOffer(sign: (sdp: string) => string): string {
    this.requirePhase('offering', 'create an offer');
    if (this.control) throw new AttemptPhaseError(this.peerId, this.currentPhase, 'create a second offer');
    const offer = this.conn.createOffer(CONTROL_CHANNEL_LABEL);
    this.mid = midOf(offer.sdp);
    this.control = this.adoptControl(offer.control);
    this.signedOffer = sign(offer.sdp);
    return this.signedOffer;
  }

  /**
   * Initiator, `offering` → `connecting`: sets the answer (its proof already checked against our
   * offer) as remote description, starts the connect timeout, applies the remote candidates
   * buffered so far and lets ours go out (protocol step 4). Throws, and stays `offering`, when
   * the stack rejects the answer.
   */
  acceptAnswer(sdp: string, remoteKey: Uint8Array): void {
    this.requirePhase('offering', 'accept an answer');
    this.conn.acceptAnswer(sdp);
    this.channels.maxMessageSize = remoteMaxMessageSize(sdp);
    this.provenKey = remoteKey;
    this.enterConnecting();
    for (const candidate of this.remoteCandidates.drain()) this.applyRemoteCandidate(candidate);
    this.localCandidates.release();
  }

  /**
   * Responder, `answering` → `connecting`: sets the offer (its proof already checked) as remote
   * description, makes the answer, signs it with `sign` (which binds the offer) and starts the
   * connect timeout. Returns the answer to send. Throws, and stays `answering`, when the stack
   * rejects the offer; the owner then closes the attempt.
   */
  acceptOffer(sdp: string, remoteKey: Uint8Array, sign: (answer: string) => string): string {
    this.requirePhase('answering', 'accept an offer');
    const raw = this.conn.acceptOffer(sdp);
    this.channels.maxMessageSize = remoteMaxMessageSize(sdp);
    this.mid = midOf(raw);
    const answer = sign(raw);
    this.provenKey = remoteKey;
    this.enterConnecting();
    return answer;
  }

  /**
   * A remote candidate: applied once both descriptions are set, kept until then (each for the
   * buffer's lifetime). From a responder's first remote candidate on, its own go out (step 6).
   */
  receiveRemoteCandidate(candidate: IceCandidate): void {
    if (this.isClosed) return;
    if (this.currentPhase === 'connecting' || this.currentPhase === 'open') this.applyRemoteCandidate(candidate);
    else this.remoteCandidates.push(candidate);
    if (this.role === 'responder') this.localCandidates.release();
  }

  /**
   * `connecting` → `open`, once the control channel opened and the owner accepted it: the
   * connect timeout stops, channels may be opened, liveness is watched.
   */
  markOpen(): void {
    this.enter('open', 'open');
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.channels.markUsable();
    this.liveness.start();
  }

  /**
   * Closes the peer connection and every channel on it (pending `openChannel` calls fail with
   * `reason`), clears the connect timeout and liveness and drops every buffered candidate.
   * `released` resolves once the native side reported the connection and its channels closed, or
   * after NATIVE_CLOSE_WAIT_MS. Idempotent.
   */
  close(reason: PeerError): void {
    if (this.isClosed) return;
    this.enter('closing', 'close');
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.liveness.stop();
    this.remoteCandidates.clear();
    this.localCandidates.discard();
    const releaseTimer = setTimeout(() => {
      this.logger.debug('native close not confirmed in time; dropping references', { peerId: this.peerId });
      this.finishRelease();
    }, NATIVE_CLOSE_WAIT_MS);
    // Waiting for the native side must not keep the process alive on its own.
    releaseTimer.unref();
    this.releaseTimer = releaseTimer;
    this.channels.shutdown(reason, () => {
      this.channelsReleased = true;
      this.checkReleased();
    });
    try {
      this.conn.close();
    } catch (error) {
      this.logger.debug('closing a peer connection failed', { peerId: this.peerId, error: describeError(error) });
    }
  }

  private enterConnecting(): void {
    this.enter('connecting', 'set both descriptions');
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      this.report(new PeerError('ERR_CONNECT_TIMEOUT', `The connection to peer ${this.peerId} did not open within ${this.timing.connectTimeoutMs} ms.`));
    }, this.timing.connectTimeoutMs);
  }

  /** Checked before touching the native side, so a refused call changes nothing. */
  private requirePhase(phase: AttemptPhase, action: string): void {
    if (this.currentPhase !== phase) throw new AttemptPhaseError(this.peerId, this.currentPhase, action);
  }

  private enter(next: AttemptPhase, action: string): void {
    if (!NEXT_PHASES[this.currentPhase].includes(next)) throw new AttemptPhaseError(this.peerId, this.currentPhase, action);
    this.currentPhase = next;
  }

  private report(error: PeerError): void {
    if (!this.isClosed) this.hooks.ended(this, error);
  }

  private applyRemoteCandidate(candidate: IceCandidate): void {
    // An empty candidate is the end-of-candidates marker; libdatachannel needs no call for it.
    if (candidate.candidate === '') return;
    try {
      this.conn.addRemoteCandidate(candidate);
    } catch (error) {
      this.hooks.candidateRefused(this, wrapError('ERR_ADD_ICE_CANDIDATE', `Could not apply an ICE candidate of peer ${this.peerId}`, error));
    }
  }

  private adoptControl(raw: RtcChannel): PeerChannel {
    const control = this.channels.adopt(raw, () => {
      if (!this.isClosed) this.hooks.opened(this);
    });
    // Its messages (keepalives) only count as signs of life, which the source records for every
    // channel; a listener still drains what arrives so nothing piles up.
    control.onMessage(() => undefined);
    control.onClose(() => this.report(new PeerError('ERR_CONNECTION_CLOSED', `The connection to peer ${this.peerId} closed.`)));
    return control;
  }

  private remoteChannelArrived(raw: RtcChannel): void {
    if (this.isClosed) {
      this.channels.adopt(raw, () => undefined).close();
      return;
    }
    if (raw.label === CONTROL_CHANNEL_LABEL) {
      if (this.role === 'responder' && !this.control) {
        // It may open (and be reported) inside adopt(), before this assignment: liveness reads it lazily.
        this.control = this.adoptControl(raw);
      } else {
        this.logger.warn('closing an unexpected control channel', { peerId: this.peerId });
        this.channels.adopt(raw, () => undefined).close();
      }
      return;
    }
    this.channels.adopt(raw, (channel) => this.channels.acceptRemote(channel));
  }

  private nativeStateChanged(kind: 'connection' | 'ice', state: string): void {
    if (kind === 'connection' && state === 'closed') {
      this.nativeClosed = true;
      this.checkReleased();
    }
    if (this.isClosed) return;
    this.logger.debug('connection state', { peerId: this.peerId, kind, state });
    if (state === 'failed') {
      this.report(new PeerError('ERR_ICE_FAILED', `The connection to peer ${this.peerId} failed (${kind} state failed).`));
    } else if (state === 'disconnected') {
      this.report(new PeerError('ERR_ICE_DISCONNECTED', `The connection to peer ${this.peerId} was lost (${kind} state disconnected).`));
    } else if (state === 'closed') {
      this.report(new PeerError('ERR_CONNECTION_CLOSED', `The connection to peer ${this.peerId} closed.`));
    }
  }

  private checkReleased(): void {
    if (this.currentPhase === 'closing' && this.channelsReleased && this.nativeClosed) this.finishRelease();
  }

  private finishRelease(): void {
    if (this.currentPhase !== 'closing') return;
    this.enter('closed', 'release');
    clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
    this.markReleased();
  }
}

function midOf(sdp: string): string {
  return /^a=mid:(\S+)/m.exec(sdp)?.[1] ?? '0';
}
