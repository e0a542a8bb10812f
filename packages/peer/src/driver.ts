import type { IceCandidate } from '@fileshare/protocol';

/**
 * The WebRTC side of the peer layer, cut to what the state machine needs. The real one wraps
 * node-datachannel (node-datachannel-driver.ts, the only file that imports it); unit tests inject
 * a fake so every transition can run under fake timers.
 *
 * Callbacks may arrive at any later turn of the event loop, also after `close()`: the state
 * machine ignores those of connections it no longer owns.
 */
export interface RtcDriver {
  createConnection(options: RtcConnectionOptions, handlers: RtcConnectionHandlers): RtcConnection;
}

export interface RtcConnectionOptions {
  /** Shows up in native log lines only. */
  name: string;
  /** SCTP MTU in bytes (node-datachannel `mtu`). */
  mtu?: number;
  /** The `a=max-message-size` we advertise (node-datachannel `maxMessageSize`). */
  maxMessageSize?: number;
  /** Only gather candidates on this local address (node-datachannel `bindAddress`). */
  bindAddress?: string;
  /** One UDP port for all connections (node-datachannel `enableIceUdpMux`). */
  enableIceUdpMux?: boolean;
  /** Local UDP port range for ICE. */
  portRangeBegin?: number;
  portRangeEnd?: number;
}

export interface RtcConnectionHandlers {
  /** A gathered local candidate, `candidate` without the `a=` prefix. */
  localCandidate(candidate: IceCandidate): void;
  /** Gathering finished; no more `localCandidate` calls follow. */
  gatheringComplete(): void;
  /** Peer-connection state (`connection`) or ICE state (`ice`), named as in WebRTC. */
  stateChange(kind: 'connection' | 'ice', state: string): void;
  /** A channel the remote side opened. */
  dataChannel(channel: RtcChannel): void;
}

export interface RtcConnection {
  /**
   * Creates the channel `controlLabel` (which puts the `m=application` section into the offer)
   * and the offer, and sets it as the local description. Returns the SDP text to send, without
   * candidate lines. Throws on failure.
   */
  createOffer(controlLabel: string): { sdp: string; control: RtcChannel };
  /** Sets the remote offer and creates and sets the answer; returns the answer SDP without candidate lines. Throws on bad SDP. */
  acceptOffer(sdp: string): string;
  /** Sets the remote answer. Throws on bad SDP. */
  acceptAnswer(sdp: string): void;
  /** Throws on a malformed candidate or when no remote description is set. */
  addRemoteCandidate(candidate: IceCandidate): void;
  /** Creates a channel; it opens later (`open` handler) or closes if it cannot. */
  createChannel(label: string): RtcChannel;
  /** Idempotent. The native side then reports `stateChange('connection', 'closed')` and closes every channel. */
  close(): void;
}

export interface RtcChannelHandlers {
  open(): void;
  closed(): void;
  error(message: string): void;
  message(data: string | Buffer): void;
  bufferedAmountLow(): void;
}

export interface RtcChannel {
  readonly label: string;
  /**
   * Set once, right after the channel was created or received. Events that happen before are
   * kept and delivered then.
   */
  setHandlers(handlers: RtcChannelHandlers): void;
  isOpen(): boolean;
  bufferedAmount(): number;
  setBufferedAmountLowThreshold(bytes: number): void;
  /**
   * Returns false when the message was queued instead of handed to SCTP at once (not an error:
   * `bufferedAmount` grows). Throws when the channel is closed or the message is refused.
   */
  sendText(text: string): boolean;
  sendBinary(data: Uint8Array): boolean;
  /** Idempotent; the `closed` handler follows. */
  close(): void;
}
