// The peer manager's public types: its options, states, events and interface (exported from
// index.ts). The implementation is peer-manager.ts.
import type { DataChannelProvider, Logger, SignalMessage } from '@fileshare/protocol';
import type { PeerSeenOptions } from './attempt-limits.js';
import type { RtcDriver } from './driver.js';
import type { PeerError, PeerErrorCode } from './errors.js';
import type { PeerIdentity } from './proof-check.js';

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
