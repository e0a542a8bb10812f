import type { DataChannelProvider, Logger } from '@fileshare/protocol';
import type { TransferEventSink } from './common.js';
import { TransferError } from './errors.js';
import type { OutgoingTransfer } from './outgoing.js';
import type { FailedEvent, TransferResult } from './types.js';

/**
 * Continuing a transfer after its peer connection dropped (PROTOCOL.md "Continuing after an
 * outage"): the sender waits for the same device to be connected again and re-opens the
 * transfer under the same id; the receiver keeps the interrupted transfer's offer key and accepts
 * the re-opened offer without asking again. Bytes the receiver holds are not sent twice: the
 * ordinary resume exchange runs again.
 */

/** Waits for peers to be connected (attached) again. */
export class PeerReturns {
  /** `connected`: the peer's channels while it is connected (it may be back before anyone waits). */
  constructor(private readonly connected: (peerId: string) => DataChannelProvider | undefined) {}

  private readonly waiters = new Set<{ peerId: string; resolve: (p: DataChannelProvider) => void }>();

  attached(peerId: string, provider: DataChannelProvider): void {
    for (const w of [...this.waiters]) if (w.peerId === peerId) w.resolve(provider);
  }

  /** The peer's channels once it is connected again; rejects after `timeoutMs` or on abort. */
  wait(peerId: string, timeoutMs: number, signal: AbortSignal): Promise<DataChannelProvider> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
      };
      const waiter = {
        peerId,
        resolve: (p: DataChannelProvider) => {
          done();
          resolve(p);
        },
      };
      const onAbort = (): void => {
        done();
        reject(signal.reason instanceof Error ? signal.reason : new TransferError('ERR_TRANSFER_CANCELLED', 'The transfer was cancelled.'));
      };
      const timer = setTimeout(() => {
        done();
        reject(new TransferError('ERR_TRANSFER_PEER_GONE', `The connection to the peer was lost and it did not come back within ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
      if (signal.aborted) {
        onAbort();
        return;
      }
      const back = this.connected(peerId);
      if (back) {
        clearTimeout(timer);
        resolve(back);
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }
}

export interface SendContinuation {
  transferId: string;
  peerId: string;
  graceMs: number;
  /** Aborted by a cancel of the transfer (the user, its AbortSignal, shutdown). */
  signal: AbortSignal;
  returns: PeerReturns;
  events: TransferEventSink;
  logger: Logger;
  /** Starts one attempt on `provider`; its `failed` event must come to `onFailed`, not to the user. */
  attempt(provider: DataChannelProvider, onFailed: (f: FailedEvent) => void): OutgoingTransfer;
}

/**
 * Runs a send, attempt after attempt: an accepted transfer that loses its peer connection waits
 * up to `graceMs` for the peer and goes on; anything else ends it as a single attempt would.
 */
export async function sendWithContinuation(c: SendContinuation, first: DataChannelProvider): Promise<TransferResult> {
  let provider = first;
  let movedBefore = 0;
  for (;;) {
    let failed: FailedEvent | undefined;
    const attempt = c.attempt(provider, (f) => (failed = f));
    try {
      const result = await attempt.result;
      return { ...result, bytesTransferred: result.bytesTransferred + movedBefore, resumedBytes: Math.max(0, result.resumedBytes - movedBefore) };
    } catch (cause) {
      const error = cause instanceof TransferError ? cause : new TransferError('ERR_TRANSFER_FAILED', String(cause));
      if (error.code !== 'ERR_TRANSFER_PEER_GONE' || !attempt.wasAccepted || c.signal.aborted || c.graceMs <= 0) {
        c.events.failed(failed ?? { transferId: c.transferId, direction: 'send', peerId: c.peerId, code: error.code, message: error.message });
        throw error;
      }
      movedBefore += attempt.bytesMoved;
      c.logger.info('peer connection lost during the transfer; waiting for the peer to come back', { transferId: c.transferId, peerId: c.peerId, graceMs: c.graceMs });
      c.events.reconnecting({ transferId: c.transferId, direction: 'send', peerId: c.peerId, graceMs: c.graceMs, message: error.message });
      try {
        // Its files are closed and its channels let go before the same id is opened again.
        await Promise.all([attempt.settled, attempt.channelsClosed]);
        provider = await c.returns.wait(c.peerId, c.graceMs, c.signal);
      } catch (waitCause) {
        const end = waitCause instanceof TransferError ? waitCause : new TransferError('ERR_TRANSFER_PEER_GONE', String(waitCause));
        c.events.failed({ transferId: c.transferId, direction: 'send', peerId: c.peerId, code: end.code, message: end.message });
        throw end;
      }
      c.logger.info('peer is back; continuing the transfer', { transferId: c.transferId, peerId: c.peerId });
    }
  }
}

interface Suspended {
  peerId: string;
  offerKey: string;
  timer: ReturnType<typeof setTimeout>;
  failed: FailedEvent;
}

/**
 * Receiver: accepted transfers whose sender's connection dropped, kept for a continuation until
 * their grace ends (then reported failed, as they would have been at once before).
 */
export class SuspendedReceives {
  private readonly byId = new Map<string, Suspended>();

  constructor(
    readonly graceMs: number,
    private readonly events: TransferEventSink,
    private readonly logger: Logger,
  ) {}

  suspend(transferId: string, offerKey: string, failed: FailedEvent): void {
    const timer = setTimeout(() => {
      this.byId.delete(transferId);
      this.events.failed({ ...failed, message: `${failed.message} The sender did not come back within ${Math.round(this.graceMs / 1000)} s.` });
    }, this.graceMs);
    timer.unref?.();
    this.byId.set(transferId, { peerId: failed.peerId, offerKey, timer, failed });
    this.logger.info('incoming transfer interrupted; kept for the sender to continue', { transferId, peerId: failed.peerId, graceMs: this.graceMs });
    this.events.reconnecting({ transferId, direction: 'receive', peerId: failed.peerId, graceMs: this.graceMs, message: failed.message });
  }

  has(transferId: string): boolean {
    return this.byId.has(transferId);
  }

  /** The offer key of `transferId` when it is suspended and was `peerId`'s; it stops waiting. */
  take(peerId: string, transferId: string): string | undefined {
    const s = this.byId.get(transferId);
    if (!s || s.peerId !== peerId) return undefined;
    clearTimeout(s.timer);
    this.byId.delete(transferId);
    return s.offerKey;
  }

  /** Shutdown: every suspended transfer fails now, as it would have without a continuation. */
  close(): void {
    for (const [id, s] of this.byId) {
      clearTimeout(s.timer);
      this.byId.delete(id);
      this.events.failed(s.failed);
    }
  }
}
