import { type DataChannelLike, type Logger, type TransferMessage, decodeTransferMessage, encodeTransferMessage } from '@fileshare/protocol';
import { CLOSE_GRACE_MS, CONTROL_CLOSE_SETTLE_MS } from './constants.js';
import { TransferError, asTransferError } from './errors.js';
import type { CompletedFile, FailedEvent, OfferedEvent, IncomingOffer, ReconnectingEvent, StartedEvent, TextEvent, TransferDirection, TransferProgress, TransferResult } from './types.js';

/** How a transfer reports to the service (which turns these into public events). */
export interface TransferEventSink {
  offer(offer: IncomingOffer): void;
  reconnecting(r: ReconnectingEvent): void;
  offered(o: OfferedEvent): void;
  started(s: StartedEvent): void;
  progress(p: TransferProgress): void;
  complete(r: TransferResult): void;
  failed(f: FailedEvent): void;
  text(t: TextEvent): void;
}

/** What ends a transfer on the local side, and what the peer is told. */
export type Notify = 'cancel' | 'error' | 'decline' | 'none';

/**
 * Shared life cycle of both directions: the channels, one abort signal that stops every wait,
 * and exactly one terminal outcome.
 */
export abstract class TransferBase {
  protected ctl: DataChannelLike | undefined;
  protected readonly dataChannels: DataChannelLike[] = [];
  protected readonly abort = new AbortController();
  private readonly offs: (() => void)[] = [];
  private readonly lingerOffs: (() => void)[] = [];
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private goneTimer: ReturnType<typeof setTimeout> | undefined;
  private ended = false;
  /** Resolves once every channel of this transfer is closed. */
  readonly channelsClosed: Promise<void>;
  private markChannelsClosed!: () => void;
  protected bytesTransferred = 0;
  protected resumedBytes = 0;
  protected readonly completed: CompletedFile[] = [];

  constructor(
    readonly transferId: string,
    readonly peerId: string,
    readonly direction: TransferDirection,
    protected readonly logger: Logger,
  ) {
    this.channelsClosed = new Promise<void>((resolve) => {
      this.markChannelsClosed = resolve;
    });
  }

  /** Payload bytes this transfer moved so far (a continuation adds those of earlier attempts). */
  get bytesMoved(): number {
    return this.bytesTransferred;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  protected get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Subscribes; the listener is removed when the transfer ends. */
  protected listen(off: () => void): void {
    // A listener can end the transfer while it is being added (messages that arrived early are
    // delivered at once): then there is nothing left to listen for.
    if (this.ended) off();
    else this.offs.push(off);
  }

  /**
   * Only the control channel's close means the peer is gone: it is ordered after the control
   * messages, so a `cancel` or `error` sent before a close is always seen first. Data channels
   * may close a moment earlier (the peer closes everything at once), which alone says nothing.
   */
  protected watchControl(ch: DataChannelLike): void {
    const closed = (): void => {
      if (this.ended || this.goneTimer !== undefined) return;
      // node-datachannel delivers close and message events through separate queues, so the
      // close may overtake the peer's last message (its cancel or error): let that land first.
      this.goneTimer = setTimeout(() => this.onChannelGone('The connection to the peer was lost (control channel closed).'), CONTROL_CLOSE_SETTLE_MS);
      this.goneTimer.unref?.();
    };
    this.listen(ch.onClose(closed));
    if (!ch.isOpen) closed();
    this.listen(ch.onError((e) => this.onChannelGone(`The control channel failed: ${e.message}`)));
  }

  /** An error for a peer that broke the protocol (malformed, out-of-place or out-of-order input). */
  protected protocolError(problem: string): TransferError {
    const peer = this.direction === 'receive' ? 'sender' : 'receiver';
    return new TransferError('ERR_TRANSFER_MESSAGE_INVALID', `The ${peer} broke the protocol: ${problem}`);
  }

  /** Decodes one control message and hands it to {@link handleControl}; anything wrong ends the transfer. */
  protected onControl(data: string | Buffer): void {
    if (this.ended) return;
    const decoded = decodeTransferMessage(data);
    if (!decoded.ok) {
      this.fail(asTransferError(decoded.error), 'error');
      return;
    }
    try {
      const problem = this.handleControl(decoded.value);
      if (problem) this.fail(this.protocolError(problem), 'error');
    } catch (cause) {
      this.fail(asTransferError(cause), 'error');
    }
  }

  /** Applies one control message from the peer; returns a reason when it is out of place. */
  protected abstract handleControl(m: TransferMessage): string | undefined;

  protected watchData(ch: DataChannelLike, what: string): void {
    this.listen(ch.onError((e) => this.logger.debug('data channel error', { transferId: this.transferId, channel: what, error: e.message })));
  }

  private onChannelGone(message: string): void {
    if (this.ended) return;
    this.fail(new TransferError('ERR_TRANSFER_PEER_GONE', message), 'none');
  }

  /**
   * Sends a control message. On a closed channel it is dropped: the close watcher decides the
   * outcome (the peer's own last message may still be on its way).
   */
  protected sendControl(message: TransferMessage): void {
    const text = encodeTransferMessage(message);
    const ch = this.ctl;
    if (!ch?.isOpen) return;
    try {
      ch.send(text);
    } catch (cause) {
      this.logger.debug('control message not sent', { transferId: this.transferId, type: message.type, error: String(cause) });
    }
  }

  /** Best effort, for the last words of a failing transfer. */
  protected trySendControl(message: TransferMessage): void {
    try {
      this.sendControl(message);
    } catch {
      // Nothing to tell a peer that cannot hear us.
    }
  }

  /**
   * Ends the transfer once, successfully. `closeNow`: we received the terminal message (the
   * peer then expects us to close); otherwise we sent it and wait for the peer to close.
   */
  protected endOk(closeNow: boolean): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.abort.abort(new TransferError('ERR_TRANSFER_FAILED', 'The transfer has ended.'));
    this.release(closeNow);
    return true;
  }

  /**
   * Ends the transfer once, with an error; tells the peer as `notify` says. Having told it, we
   * let it close the channels; having been told (or having lost the peer), we close them.
   */
  fail(error: TransferError, notify: Notify): void {
    if (this.ended) return;
    this.ended = true;
    if (notify === 'cancel') this.trySendControl({ type: 'cancel', message: error.message.slice(0, 1000) });
    if (notify === 'error') this.trySendControl({ type: 'error', code: error.code, message: error.message.slice(0, 1000) });
    if (notify === 'decline') this.trySendControl({ type: 'decline', code: error.code, message: error.message.slice(0, 1000) });
    this.abort.abort(error);
    this.release(notify === 'none');
    this.logger.info('transfer failed', { transferId: this.transferId, peerId: this.peerId, direction: this.direction, code: error.code, message: error.message });
    void this.afterFailure(error);
  }

  /** Subclasses release files and state, then report. Must not throw. */
  protected abstract afterFailure(error: TransferError): Promise<void>;

  /**
   * Exactly one side closes a finished transfer's channels: when both reset the same SCTP stream
   * at once, a late reset can close the next channel that reuses the stream id. The side that
   * receives the terminal message (complete, decline, cancel, error) closes at once; the side
   * that sent it waits for that, and closes after {@link CLOSE_GRACE_MS} only if the peer never does.
   */
  private release(closeNow: boolean): void {
    clearTimeout(this.goneTimer);
    for (const off of this.offs.splice(0)) off();
    const open = [this.ctl, ...this.dataChannels].filter((ch): ch is DataChannelLike => ch?.isOpen === true);
    if (closeNow || open.length === 0) {
      this.closeChannels();
      return;
    }
    let remaining = open.length;
    for (const ch of open) {
      this.lingerOffs.push(
        ch.onClose(() => {
          if (--remaining === 0) this.closeChannels();
        }),
      );
    }
    this.graceTimer = setTimeout(() => this.closeChannels(), CLOSE_GRACE_MS);
    this.graceTimer.unref?.();
  }

  /** Closes every channel of this transfer now (also ends a grace period early, e.g. on shutdown). */
  closeChannels(): void {
    clearTimeout(this.graceTimer);
    for (const off of this.offs.splice(0)) off();
    for (const off of this.lingerOffs.splice(0)) off();
    for (const ch of [this.ctl, ...this.dataChannels]) {
      try {
        ch?.close();
      } catch {
        // Already closed.
      }
    }
    this.markChannelsClosed();
  }

  protected failedEvent(error: TransferError): FailedEvent {
    return { transferId: this.transferId, direction: this.direction, peerId: this.peerId, code: error.code, message: error.message };
  }

  protected buildResult(savedTo?: string): TransferResult {
    return {
      transferId: this.transferId,
      direction: this.direction,
      peerId: this.peerId,
      files: [...this.completed],
      bytesTransferred: this.bytesTransferred,
      resumedBytes: this.resumedBytes,
      ...(savedTo !== undefined ? { savedTo } : {}),
    };
  }

  /** Local cancel (the user, an AbortSignal, or shutdown). */
  cancel(error = new TransferError('ERR_TRANSFER_CANCELLED', 'The transfer was cancelled.')): void {
    this.fail(error, 'cancel');
  }

  /** The peer's connection went away. */
  peerGone(): void {
    this.fail(new TransferError('ERR_TRANSFER_PEER_GONE', 'The connection to the peer was lost.'), 'none');
  }
}
