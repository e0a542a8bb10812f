import { type DataChannelLike, silentLogger } from '@fileshare/protocol';
import { TransferBase } from './common.js';
import { TransferError } from './errors.js';

/**
 * An incoming transfer turned away the moment its control channel opens, without reading the
 * offer: `decline ERR_TRANSFER_BUSY`, then the channel closes (the sender closes it on the
 * decline; we do after the close grace). Nothing is reported to the service's listeners, and it
 * logs nothing itself (the service logs refusals, rate-limited): a flood of offers costs one small
 * object per channel for at most a few seconds.
 */
export class RefusedTransfer extends TransferBase {
  constructor(transferId: string, peerId: string, ctl: DataChannelLike, message: string) {
    super(transferId, peerId, 'receive', silentLogger);
    this.ctl = ctl;
    this.fail(new TransferError('ERR_TRANSFER_BUSY', message), 'decline');
  }

  protected handleControl(): string | undefined {
    return undefined;
  }

  protected afterFailure(): Promise<void> {
    return Promise.resolve();
  }
}
