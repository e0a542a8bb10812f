import type { DataChannelLike } from '@fileshare/protocol';
import { TransferError } from './errors.js';

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new TransferError('ERR_TRANSFER_CANCELLED', 'The transfer was cancelled.');
}

/**
 * A level-free wake-up: `wait()` resolves at the next `notify()` (or rejects when the signal
 * aborts). Callers re-check their condition in a loop, so a notify nobody waited for is harmless.
 */
export class Notifier {
  private waiters: (() => void)[] = [];

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  wait(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(abortReason(signal));
      };
      const wake = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiters.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** A data channel closed under the send loop; the control channel will say why (or that the peer is gone). */
export class DataChannelClosedError extends TransferError {
  constructor() {
    super('ERR_TRANSFER_PEER_GONE', 'A data channel closed during the transfer.');
  }
}

/**
 * Returns the first channel whose buffer is at or below `high`, waiting for one to drain if
 * none is. `bufferedAmount` is checked before waiting because `onBufferedAmountLow` fires only
 * when the amount drops through the threshold, never for a buffer that is already low.
 */
export async function channelWithRoom(channels: readonly DataChannelLike[], high: number, signal: AbortSignal): Promise<DataChannelLike> {
  for (;;) {
    let best: DataChannelLike | undefined;
    for (const ch of channels) {
      if (!ch.isOpen) throw new DataChannelClosedError();
      if (ch.bufferedAmount <= high && (best === undefined || ch.bufferedAmount < best.bufferedAmount)) best = ch;
    }
    if (best) return best;
    await anyDrained(channels, signal);
  }
}

function anyDrained(channels: readonly DataChannelLike[], signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    const offs: (() => void)[] = [];
    const cleanup = (): void => {
      for (const off of offs) off();
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      cleanup();
      reject(abortReason(signal));
    };
    const onLow = (): void => {
      cleanup();
      resolve();
    };
    for (const ch of channels) {
      offs.push(ch.onBufferedAmountLow(onLow));
      offs.push(ch.onClose(onLow)); // the caller's loop then reports the closed channel
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
