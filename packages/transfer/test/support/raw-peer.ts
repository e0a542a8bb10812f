/**
 * Speaks the transfer protocol by hand over a channel, to play a hostile or buggy sender (or
 * receiver) against the real service.
 */
import { randomBytes } from 'node:crypto';
import {
  type DataChannelLike,
  type DataChannelProvider,
  type TransferEntry,
  type TransferMessage,
  type TransferMessageType,
  decodeTransferMessage,
  encodeChunk,
  encodeTransferMessage,
  transferControlLabel,
  transferDataLabel,
} from '@fileshare/protocol';

export class RawPeer {
  private readonly inbox: TransferMessage[] = [];
  private waiters: (() => void)[] = [];
  readonly data: DataChannelLike[] = [];
  closed = false;
  readonly whenClosed: Promise<void>;

  private constructor(
    readonly provider: DataChannelProvider,
    readonly transferId: string,
    readonly ctl: DataChannelLike,
  ) {
    ctl.onMessage((m) => {
      const r = decodeTransferMessage(m);
      if (r.ok) this.inbox.push(r.value);
      this.wake();
    });
    this.whenClosed = new Promise<void>((resolve) => {
      ctl.onClose(() => {
        this.closed = true;
        this.wake();
        resolve();
      });
    });
  }

  /** Wraps a control channel the other side opened (playing the receiver). */
  static wrap(provider: DataChannelProvider, transferId: string, ctl: DataChannelLike): RawPeer {
    return new RawPeer(provider, transferId, ctl);
  }

  static async open(provider: DataChannelProvider, transferId = randomBytes(16).toString('hex')): Promise<RawPeer> {
    const ctl = await provider.openChannel(transferControlLabel(transferId));
    return new RawPeer(provider, transferId, ctl);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(message: TransferMessage | string): void {
    this.ctl.send(typeof message === 'string' ? message : encodeTransferMessage(message));
  }

  /** Sends an offer for `entries` (one page) in the service's format. */
  offer(entries: TransferEntry[], extra: Partial<TransferMessage & { type: 'offer' }> = {}): void {
    this.send({
      type: 'offer',
      v: 1,
      transferId: this.transferId,
      senderName: 'Mallory',
      kind: 'files',
      fileCount: entries.length,
      totalBytes: entries.reduce((n, e) => n + e.size, 0),
      channels: 1,
      chunkBytes: 65536,
      ...extra,
    });
    if (entries.length > 0) this.send({ type: 'files', first: 0, entries });
  }

  /** The next message of the given type (others are skipped); undefined if the channel closes first. */
  async next<T extends TransferMessageType>(...types: T[]): Promise<Extract<TransferMessage, { type: T }> | undefined> {
    for (;;) {
      const i = this.inbox.findIndex((m) => (types as string[]).includes(m.type));
      if (i >= 0) return this.inbox.splice(i, 1)[0] as Extract<TransferMessage, { type: T }>;
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async openData(n = 0): Promise<DataChannelLike> {
    const ch = await this.provider.openChannel(transferDataLabel(this.transferId, n));
    this.data.push(ch);
    return ch;
  }

  sendChunk(ch: DataChannelLike, fileIndex: number, offset: number, payload: Uint8Array): void {
    ch.send(encodeChunk({ fileIndex, offset, payload }));
  }

  close(): void {
    for (const ch of this.data) ch.close();
    this.ctl.close();
  }
}
