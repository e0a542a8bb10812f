import type { DataChannelLike, DataChannelProvider, Logger } from '@fileshare/protocol';
import { CONTROL_CHANNEL_LABEL } from './constants.js';
import type { RtcChannel, RtcConnection } from './driver.js';
import { PeerError, describeError } from './errors.js';

interface ChannelHooks {
  opened(channel: PeerChannel): void;
  /** The native side reported the channel closed: its references may go. */
  closed(channel: PeerChannel): void;
  /** A message arrived on it (any message, before it is handed to a listener): the peer is alive. */
  heard(channel: PeerChannel): void;
  /** We handed a message to it. */
  sent(channel: PeerChannel): void;
}

/** What {@link ChannelSource.queuedDataMoved} saw of a channel at its previous call. */
interface OutgoingMark {
  buffered: number;
  sent: number;
}

/** A node-datachannel channel as the transfer layer sees it (`DataChannelLike`). */
export class PeerChannel implements DataChannelLike {
  readonly label: string;
  private opened = false;
  private ended = false;
  private threshold = 0;
  private readonly messageListeners = new Set<(data: string | Buffer) => void>();
  private readonly lowListeners = new Set<() => void>();
  private readonly closeListeners = new Set<() => void>();
  private readonly errorListeners = new Set<(error: Error) => void>();
  /** Messages that arrived before anybody listened (between open and the first `onMessage`). */
  private early: (string | Buffer)[] = [];
  /** Bytes handed to `send` so far (what `bufferedAmount` counts, in the same unit). */
  sentBytes = 0;
  /** `close()` was called: its queue may be discarded, which is no sign of the peer. */
  closeRequested = false;
  /** Bookkeeping of {@link ChannelSource.queuedDataMoved}. */
  outgoingMark: OutgoingMark | undefined;

  constructor(
    private readonly raw: RtcChannel,
    private readonly hooks: ChannelHooks,
  ) {
    this.label = raw.label;
    raw.setHandlers({
      open: () => this.handleOpen(),
      closed: () => this.handleClosed(),
      error: (message) => {
        const error = new PeerError('ERR_CHANNEL_ERROR', `Data channel "${this.label}" failed: ${message}`);
        for (const listener of [...this.errorListeners]) listener(error);
      },
      message: (data) => {
        this.hooks.heard(this);
        if (this.messageListeners.size === 0) {
          this.early.push(data);
          return;
        }
        for (const listener of [...this.messageListeners]) listener(data);
      },
      bufferedAmountLow: () => {
        for (const listener of [...this.lowListeners]) listener();
      },
    });
    // A channel received from the remote side is usually open already.
    if (raw.isOpen()) this.handleOpen();
  }

  get isOpen(): boolean {
    return this.opened && !this.ended;
  }

  /** Closed for good (by either side or with its connection). */
  get isClosed(): boolean {
    return this.ended;
  }

  get bufferedAmount(): number {
    return this.ended ? 0 : this.raw.bufferedAmount();
  }

  get bufferedAmountLowThreshold(): number {
    return this.threshold;
  }

  set bufferedAmountLowThreshold(bytes: number) {
    this.threshold = bytes;
    if (!this.ended) this.raw.setBufferedAmountLowThreshold(bytes);
  }

  send(data: string | Uint8Array): void {
    if (!this.isOpen) {
      throw new PeerError('ERR_CHANNEL_CLOSED', `Data channel "${this.label}" is not open.`);
    }
    // A false return only means "queued": bufferedAmount covers flow control.
    try {
      if (typeof data === 'string') {
        this.raw.sendText(data);
        this.sentBytes += Buffer.byteLength(data);
      } else {
        this.raw.sendBinary(data);
        this.sentBytes += data.byteLength;
      }
      this.hooks.sent(this);
    } catch (error) {
      if (!this.raw.isOpen()) {
        throw new PeerError('ERR_CHANNEL_CLOSED', `Data channel "${this.label}" is not open.`, { cause: error });
      }
      throw new PeerError('ERR_CHANNEL_SEND', `Could not send on data channel "${this.label}": ${describeError(error)}`, {
        cause: error,
      });
    }
  }

  onMessage(listener: (data: string | Buffer) => void): () => void {
    this.messageListeners.add(listener);
    if (this.early.length > 0) {
      const early = this.early;
      this.early = [];
      for (const data of early) listener(data);
    }
    return () => this.messageListeners.delete(listener);
  }

  onBufferedAmountLow(listener: () => void): () => void {
    this.lowListeners.add(listener);
    return () => this.lowListeners.delete(listener);
  }

  onClose(listener: () => void): () => void {
    if (this.ended) {
      // Late subscribers still learn that it is closed, but not synchronously.
      void Promise.resolve().then(listener);
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  onError(listener: (error: Error) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  close(): void {
    if (this.ended) return;
    this.closeRequested = true;
    this.raw.close();
  }

  private handleOpen(): void {
    if (this.opened || this.ended) return;
    this.opened = true;
    this.hooks.opened(this);
  }

  private handleClosed(): void {
    if (this.ended) return;
    this.ended = true;
    const listeners = [...this.closeListeners];
    // Message listeners stay: node-datachannel delivers close and message events on separate
    // queues, so a channel's last message (a transfer's `cancel`, say) can come after its close.
    this.lowListeners.clear();
    this.closeListeners.clear();
    this.errorListeners.clear();
    this.early = [];
    for (const listener of listeners) listener();
    this.hooks.closed(this);
  }
}

/**
 * The `DataChannelProvider` of one peer connection. It owns the references to every channel of
 * that connection (the control channel included) until the native side reports them closed.
 */
export class ChannelSource implements DataChannelProvider {
  /** Every channel of the connection not yet reported closed; holding them keeps them alive. */
  readonly channels = new Set<PeerChannel>();
  private readonly channelListeners = new Set<(channel: DataChannelLike) => void>();
  private early: PeerChannel[] = [];
  private readonly pendingOpens = new Set<(error: PeerError) => void>();
  private usable = false;
  private shutDown = false;
  private onReleased: (() => void) | undefined;
  /**
   * Date.now() of the last sign of life from the peer: a message on any channel of this
   * connection (the control channel's keepalives, but also every transfer chunk and ack), or our
   * own queued data moving on (see {@link queuedDataMoved}). 0: nothing yet.
   */
  lastHeardAt = 0;
  /**
   * Date.now() of the last bulk traffic: a message received on, or sent to, a channel other than
   * the control channel (a transfer's chunks, acks, offers). 0: none yet.
   */
  lastBulkAt = 0;
  /** The remote description's `a=max-message-size` (see sdp.ts), set once it was accepted. */
  maxMessageSize: number | undefined;

  constructor(
    private readonly connection: RtcConnection,
    private readonly peerId: string,
    private readonly logger: Logger,
  ) {}

  /** Wraps a channel and keeps it referenced until it is closed. */
  adopt(raw: RtcChannel, opened: (channel: PeerChannel) => void): PeerChannel {
    const channel = new PeerChannel(raw, {
      opened,
      closed: (c) => {
        this.channels.delete(c);
        this.checkReleased();
      },
      heard: (c) => {
        const now = Date.now();
        this.lastHeardAt = now;
        if (c.label !== CONTROL_CHANNEL_LABEL) this.lastBulkAt = now;
      },
      sent: (c) => {
        if (c.label !== CONTROL_CHANNEL_LABEL) this.lastBulkAt = Date.now();
      },
    });
    if (!channel.isClosed) this.channels.add(channel);
    return channel;
  }

  /** The connection is up: `openChannel` may be used. */
  markUsable(): void {
    if (!this.shutDown) this.usable = true;
  }

  /** A channel the remote side opened (not the control channel). */
  acceptRemote(channel: PeerChannel): void {
    if (this.shutDown) {
      channel.close();
      return;
    }
    if (this.channelListeners.size === 0) {
      this.early.push(channel);
      return;
    }
    for (const listener of [...this.channelListeners]) listener(channel);
  }

  openChannel(label: string, options: { signal?: AbortSignal } = {}): Promise<DataChannelLike> {
    const { signal } = options;
    if (label === CONTROL_CHANNEL_LABEL) {
      return Promise.reject(
        new PeerError('ERR_CHANNEL_LABEL_RESERVED', `The channel label "${CONTROL_CHANNEL_LABEL}" is reserved.`),
      );
    }
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (!this.usable || this.shutDown) {
      return Promise.reject(new PeerError('ERR_PEER_NOT_CONNECTED', `Peer ${this.peerId} is not connected.`));
    }
    return new Promise<DataChannelLike>((resolve, reject) => {
      const pending: { settled: boolean; channel?: PeerChannel; removeClose?: () => void } = { settled: false };
      const finish = (error?: Error): void => {
        if (pending.settled) return;
        pending.settled = true;
        this.pendingOpens.delete(finish);
        signal?.removeEventListener('abort', onAbort);
        pending.removeClose?.();
        if (!error && pending.channel) {
          resolve(pending.channel);
          return;
        }
        pending.channel?.close();
        reject(error ?? new PeerError('ERR_CHANNEL_OPEN', `Data channel "${label}" could not be opened.`));
      };
      const onAbort = (): void => finish(signal ? abortReason(signal) : undefined);
      this.pendingOpens.add(finish);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        // The open hook may fire inside adopt(), before `pending.channel` is set; the check below covers it.
        pending.channel = this.adopt(this.connection.createChannel(label), () => {
          if (pending.channel) finish();
        });
      } catch (error) {
        finish(new PeerError('ERR_CHANNEL_OPEN', `Could not create data channel "${label}": ${describeError(error)}`, { cause: error }));
        return;
      }
      if (pending.channel.isOpen) {
        finish();
        return;
      }
      pending.removeClose = pending.channel.onClose(() =>
        finish(new PeerError('ERR_CHANNEL_OPEN', `Data channel "${label}" closed before it opened.`)),
      );
    });
  }

  onChannel(listener: (channel: DataChannelLike) => void): () => void {
    this.channelListeners.add(listener);
    if (this.early.length > 0) {
      const early = this.early;
      this.early = [];
      for (const channel of early) if (!channel.isClosed) listener(channel);
    }
    return () => this.channelListeners.delete(listener);
  }

  /**
   * Whether data that was queued toward the peer at the previous call (`bufferedAmount` > 0 on
   * some channel) has moved on since. libdatachannel queues a message only when SCTP's send
   * buffer is full, and that buffer frees only when the peer acknowledges (SACK) what it
   * received; so queued bytes that moved prove the peer was alive after the previous call, even
   * when everything it sends us (its keepalives included) waits behind loss recovery. Bytes
   * that went straight into a non-full buffer, or that sat in a queue that was empty before,
   * prove nothing and do not count; nor does a channel being closed (its queue is discarded).
   * Call it once per keepalive tick.
   */
  queuedDataMoved(): boolean {
    let moved = false;
    for (const channel of this.channels) {
      const mark: OutgoingMark = { buffered: channel.bufferedAmount, sent: channel.sentBytes };
      const previous = channel.outgoingMark;
      channel.outgoingMark = mark;
      if (!previous || previous.buffered === 0 || channel.closeRequested || channel.isClosed) continue;
      // What left the queue since: what was in it, plus what was added, minus what is in it now.
      if (previous.buffered + (mark.sent - previous.sent) > mark.buffered) moved = true;
    }
    return moved;
  }

  /**
   * The connection is going away: fail pending opens, close every channel. `released` runs once
   * the native side reported each of them closed (call `connectionClosed` for the connection).
   */
  shutdown(reason: PeerError, released: () => void): void {
    if (this.shutDown) return;
    this.shutDown = true;
    this.usable = false;
    this.onReleased = released;
    for (const fail of [...this.pendingOpens]) fail(reason);
    this.channelListeners.clear();
    for (const channel of this.early) channel.close();
    this.early = [];
    for (const channel of [...this.channels]) {
      try {
        channel.close();
      } catch (error) {
        this.logger.debug('closing a data channel failed', { peerId: this.peerId, error: describeError(error) });
      }
    }
    this.checkReleased();
  }

  private checkReleased(): void {
    if (this.shutDown && this.channels.size === 0 && this.onReleased) {
      const released = this.onReleased;
      this.onReleased = undefined;
      released();
    }
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted.', 'AbortError');
}
