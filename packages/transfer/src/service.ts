import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type DataChannelLike,
  type DataChannelProvider,
  type Logger,
  MAX_TRANSFER_CHANNELS,
  MAX_TRANSFER_CHUNK_PAYLOAD_BYTES,
  MAX_TRANSFER_TEXT_BYTES,
  MIN_TRANSFER_CHUNK_BYTES,
  MIN_TRANSFER_WINDOW_BYTES,
  parseTransferLabel,
  silentLogger,
} from '@fileshare/protocol';
import type { TransferEventSink } from './common.js';
import {
  BUSY_LOG_INTERVAL_MS,
  CLOSE_FLUSH_MS,
  DEFAULT_BUFFER_HIGH_BYTES,
  DEFAULT_BUFFER_LOW_BYTES,
  DEFAULT_CHANNELS_PER_TRANSFER,
  DEFAULT_CHUNK_BYTES,
  DEFAULT_DECISION_TIMEOUT_MS,
  DEFAULT_DONE_RETENTION_MS,
  DEFAULT_MAX_INCOMING_PER_PEER,
  DEFAULT_MAX_INCOMING_TOTAL,
  DEFAULT_PARTIAL_RETENTION_MS,
  DEFAULT_WINDOW_BYTES,
  DEFAULT_WINDOW_FILES,
  MAX_DONE_RECORDS_PER_SENDER,
  RECEIVE_RECONNECT_GRACE_MS,
  SEND_RECONNECT_GRACE_MS,
} from './constants.js';
import { PeerReturns, SuspendedReceives, sendWithContinuation } from './continuation.js';
import { DoneRecords } from './done-records.js';
import { TransferError, writeError } from './errors.js';
import { IncomingTransfer } from './incoming.js';
import { OutgoingTransfer } from './outgoing.js';
import { processUmask } from './file-mode.js';
import { PartialFolder, type PartialLease } from './partial-folder.js';
import { RefusedTransfer } from './refusal.js';
import { type SourceEntry, scanSources } from './scan.js';
import type { FailedEvent, SendOptions, TransferEvents, TransferResult, TransferService, TransferServiceInit } from './types.js';

function intOption(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}

class TransferServiceImpl implements TransferService {
  private readonly emitter = new EventEmitter();
  private readonly logger: Logger;
  private readonly peers = new Map<string, { provider: DataChannelProvider; off: () => void }>();
  private readonly outgoing = new Map<string, OutgoingTransfer>();
  private readonly incoming = new Map<string, IncomingTransfer>();
  /** Sends by id, across the attempts of a continuation: aborting one cancels it wherever it is. */
  private readonly sends = new Map<string, AbortController>();
  private readonly returns = new PeerReturns((peerId) => this.peers.get(peerId)?.provider);
  private readonly suspended: SuspendedReceives;
  private readonly sendGraceMs: number;
  /** Offers declined as busy whose channel is not closed yet (so close() can close it). */
  private readonly refused = new Set<RefusedTransfer>();
  private busyRefusals = 0;
  private busyLoggedAt = Number.NEGATIVE_INFINITY;
  private readonly locks = new Set<string>();
  private storagePromise: Promise<{ root: string; partial: PartialFolder }> | undefined;
  private readonly done: DoneRecords;
  private readonly umask: number;
  private prunePromise: Promise<void> = Promise.resolve();
  private readonly events: TransferEventSink;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly channels: number;
  private readonly chunkBytes: number;
  private readonly bufferHighBytes: number;
  private readonly bufferLowBytes: number;
  private readonly windowBytes: number;
  private readonly windowFiles: number;
  private readonly decisionTimeoutMs: number;
  private readonly retentionMs: number;
  private readonly maxIncomingPerPeer: number;
  private readonly maxIncomingTotal: number;

  constructor(private readonly init: TransferServiceInit) {
    this.logger = init.logger ?? silentLogger;
    this.channels = intOption(init.channelsPerTransfer, DEFAULT_CHANNELS_PER_TRANSFER, 1, MAX_TRANSFER_CHANNELS, 'channelsPerTransfer');
    this.chunkBytes = intOption(init.chunkBytes, DEFAULT_CHUNK_BYTES, MIN_TRANSFER_CHUNK_BYTES, MAX_TRANSFER_CHUNK_PAYLOAD_BYTES, 'chunkBytes');
    this.bufferHighBytes = intOption(init.bufferHighBytes, DEFAULT_BUFFER_HIGH_BYTES, 1, Number.MAX_SAFE_INTEGER, 'bufferHighBytes');
    this.bufferLowBytes = intOption(init.bufferLowBytes, Math.min(DEFAULT_BUFFER_LOW_BYTES, this.bufferHighBytes), 0, this.bufferHighBytes, 'bufferLowBytes');
    this.windowBytes = intOption(init.windowBytes, DEFAULT_WINDOW_BYTES, MIN_TRANSFER_WINDOW_BYTES, Number.MAX_SAFE_INTEGER, 'windowBytes');
    this.windowFiles = intOption(init.windowFiles, DEFAULT_WINDOW_FILES, 1, 0xffff_ffff, 'windowFiles');
    this.decisionTimeoutMs = intOption(init.decisionTimeoutMs, DEFAULT_DECISION_TIMEOUT_MS, 1, 2 ** 31 - 1, 'decisionTimeoutMs');
    this.retentionMs = intOption(init.partialRetentionMs, DEFAULT_PARTIAL_RETENTION_MS, 0, Number.MAX_SAFE_INTEGER, 'partialRetentionMs');
    this.maxIncomingTotal = intOption(init.maxIncomingTotal, DEFAULT_MAX_INCOMING_TOTAL, 1, 1_000_000, 'maxIncomingTotal');
    this.maxIncomingPerPeer = intOption(init.maxIncomingPerPeer, Math.min(DEFAULT_MAX_INCOMING_PER_PEER, this.maxIncomingTotal), 1, this.maxIncomingTotal, 'maxIncomingPerPeer');
    const doneRetentionMs = intOption(init.doneRetentionMs, DEFAULT_DONE_RETENTION_MS, 0, Number.MAX_SAFE_INTEGER, 'doneRetentionMs');
    this.done = new DoneRecords({ dir: init.doneRecordsDir !== undefined ? resolve(init.doneRecordsDir) : undefined, retentionMs: doneRetentionMs, maxPerSender: MAX_DONE_RECORDS_PER_SENDER });
    this.umask = intOption(init.umask, init.umask ?? processUmask(), 0, 0o777, 'umask');
    const emit = <E extends keyof TransferEvents>(event: E, ...args: Parameters<TransferEvents[E]>): void => {
      try {
        this.emitter.emit(event, ...args);
      } catch (cause) {
        this.logger.error('a transfer event listener threw', { event, error: String(cause) });
      }
    };
    this.events = {
      offer: (o) => emit('offer', o),
      offered: (o) => emit('offered', o),
      started: (s) => emit('started', s),
      progress: (p) => emit('progress', p),
      complete: (r) => emit('complete', r),
      failed: (f) => emit('failed', f),
      text: (t) => emit('text', t),
      reconnecting: (r) => emit('reconnecting', r),
    };
    this.sendGraceMs = intOption(init.sendReconnectGraceMs, SEND_RECONNECT_GRACE_MS, 0, 2 ** 31 - 1, 'sendReconnectGraceMs');
    const receiveGraceMs = intOption(init.receiveReconnectGraceMs, RECEIVE_RECONNECT_GRACE_MS, 0, 2 ** 31 - 1, 'receiveReconnectGraceMs');
    this.suspended = new SuspendedReceives(receiveGraceMs, this.events, this.logger);
    // Old partial data and done-records are removed in the background (and the partial-data
    // folder with them when that empties it); a failure here must not stop the service.
    this.prunePromise = Promise.all([this.prunePartial(), this.done.prune().catch((cause: unknown) => this.logger.warn('could not prune done-records', { error: String(cause) }))]).then(() => undefined);
  }

  private async prunePartial(): Promise<void> {
    let lease: PartialLease;
    try {
      ({ lease } = await this.lease());
    } catch (cause) {
      this.logger.warn('receive folder not usable yet', { error: String(cause) });
      return;
    }
    try {
      const busy = (key: string): boolean => this.locks.has(`file:${key}`) || this.locks.has(`root:${key}`);
      const n = await lease.store.prune(Date.now(), this.retentionMs, busy);
      if (n > 0) this.logger.info('removed old partial data', { entries: n });
    } catch (cause) {
      this.logger.warn('could not prune partial data', { error: String(cause) });
    } finally {
      await lease.release();
    }
  }

  /** Takes the partial-data folder (created if needed; removed when its last user lets go and it is empty). */
  private async lease(): Promise<{ root: string; lease: PartialLease }> {
    const { root, partial } = await this.storage();
    try {
      return { root, lease: await partial.acquire() };
    } catch (cause) {
      throw writeError(cause, `the folder ${partial.path}`);
    }
  }

  /** The receive folder (created on first use). */
  private storage(): Promise<{ root: string; partial: PartialFolder }> {
    this.storagePromise ??= (async () => {
      const dir = resolve(this.init.receiveDir);
      try {
        await mkdir(dir, { recursive: true });
        const root = await realpath(dir);
        return { root, partial: new PartialFolder(root) };
      } catch (cause) {
        throw writeError(cause, `the receive folder ${dir}`);
      }
    })();
    // A failure is not cached: the folder may become usable (a disk mounted) later.
    this.storagePromise.catch(() => {
      this.storagePromise = undefined;
    });
    return this.storagePromise;
  }

  attachPeer(peerId: string, provider: DataChannelProvider): void {
    if (this.closed) return;
    if (this.peers.has(peerId)) this.detachPeer(peerId);
    const off = provider.onChannel((ch) => this.onChannel(peerId, ch));
    this.peers.set(peerId, { provider, off });
    this.returns.attached(peerId, provider);
  }

  detachPeer(peerId: string): void {
    const peer = this.peers.get(peerId);
    if (peer) {
      peer.off();
      this.peers.delete(peerId);
    }
    for (const t of [...this.outgoing.values(), ...this.incoming.values()]) {
      if (t.peerId === peerId) t.peerGone();
    }
  }

  private onChannel(peerId: string, ch: DataChannelLike, afterSettle = false): void {
    const label = parseTransferLabel(ch.label);
    if (!label) return; // another feature's channel
    if (this.closed) {
      ch.close();
      return;
    }
    if (label.kind === 'ctl') {
      const earlier = this.incoming.get(label.transferId);
      if (!afterSettle && earlier?.peerId === peerId && earlier.isEnded && !this.suspended.has(label.transferId)) {
        // The sender is back before this side finished ending the interrupted attempt (closing
        // its files, then suspending it): decide once that is done.
        void earlier.settled.then(() => this.onChannel(peerId, ch, true));
        return;
      }
      const continues = this.suspended.take(peerId, label.transferId);
      // The interrupted attempt has ended; its entry only waits for channels that are gone.
      if (continues !== undefined && this.incoming.get(label.transferId)?.isEnded) this.incoming.delete(label.transferId);
      if (this.incoming.has(label.transferId) || this.outgoing.has(label.transferId)) {
        this.logger.warn('duplicate transfer id; closing the channel', { peerId, transferId: label.transferId });
        ch.close();
        return;
      }
      const busy = this.busyReason(peerId);
      if (busy) {
        this.refuse(peerId, label.transferId, ch, busy);
        return;
      }
      // Its `failed` comes here first: an accepted transfer that lost its sender waits for a continuation.
      const events: TransferEventSink = {
        ...this.events,
        failed: (f) => {
          if (f.code === 'ERR_TRANSFER_PEER_GONE' && transfer.wasAccepted && !this.closed && this.suspended.graceMs > 0) this.suspended.suspend(f.transferId, transfer.offerKey(), f);
          else this.events.failed(f);
        },
      };
      const transfer: IncomingTransfer = new IncomingTransfer(label.transferId, peerId, ch, {
        ...(continues !== undefined ? { continues } : {}),
        storage: () => this.lease(),
        done: this.done,
        umask: this.umask,
        hooks: this.init.testHooks ?? {},
        locks: this.locks,
        acceptPolicy: this.init.acceptPolicy,
        decisionTimeoutMs: this.decisionTimeoutMs,
        windowBytes: this.windowBytes,
        windowFiles: this.windowFiles,
        logger: this.logger,
        events,
      });
      this.incoming.set(label.transferId, transfer);
      // Kept until its channels are closed too, so late data channels are recognised, not refused;
      // a continuation may hold the id by then.
      void Promise.all([transfer.settled, transfer.channelsClosed]).then(() => {
        if (this.incoming.get(label.transferId) === transfer) this.incoming.delete(label.transferId);
      });
      return;
    }
    const transfer = this.incoming.get(label.transferId);
    if (!transfer || transfer.peerId !== peerId) {
      ch.close();
      return;
    }
    transfer.attachData(label.index, ch);
  }

  /**
   * Why a new incoming transfer from `peerId` must wait, or undefined. Counted: every incoming
   * transfer not ended yet (offer still arriving, awaiting a decision, running).
   */
  private busyReason(peerId: string): string | undefined {
    let total = 0;
    let fromPeer = 0;
    for (const t of this.incoming.values()) {
      if (t.isEnded) continue;
      total++;
      if (t.peerId === peerId) fromPeer++;
    }
    if (fromPeer >= this.maxIncomingPerPeer) return `The receiver already has ${fromPeer} transfers from you (at most ${this.maxIncomingPerPeer} at once); try again when one has finished.`;
    if (total >= this.maxIncomingTotal) return `The receiver already has ${total} incoming transfers (at most ${this.maxIncomingTotal} at once); try again later.`;
    return undefined;
  }

  private refuse(peerId: string, transferId: string, ch: DataChannelLike, message: string): void {
    const refusal = new RefusedTransfer(transferId, peerId, ch, message);
    this.refused.add(refusal);
    void refusal.channelsClosed.then(() => this.refused.delete(refusal));
    // One line per interval, however many offers a flood brings.
    this.busyRefusals++;
    const now = Date.now();
    if (now - this.busyLoggedAt >= BUSY_LOG_INTERVAL_MS) {
      this.logger.warn('declined incoming transfers: too many at once (ERR_TRANSFER_BUSY)', { peerId, declined: this.busyRefusals, maxPerPeer: this.maxIncomingPerPeer, maxTotal: this.maxIncomingTotal });
      this.busyLoggedAt = now;
      this.busyRefusals = 0;
    }
  }

  async sendFiles(peerId: string, paths: string[], options: SendOptions = {}): Promise<TransferResult> {
    const provider = this.requirePeer(peerId);
    options.signal?.throwIfAborted();
    const entries = await scanSources(paths, this.logger);
    return this.startOutgoing(peerId, provider, { entries }, options);
  }

  sendText(peerId: string, text: string, options: SendOptions = {}): Promise<TransferResult> {
    try {
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > MAX_TRANSFER_TEXT_BYTES) {
        throw new TransferError('ERR_TRANSFER_TEXT_TOO_LARGE', `The text is ${bytes} bytes; at most ${MAX_TRANSFER_TEXT_BYTES} can be sent.`);
      }
      const provider = this.requirePeer(peerId);
      return this.startOutgoing(peerId, provider, { text }, options);
    } catch (cause) {
      return Promise.reject(cause instanceof Error ? cause : new Error(String(cause)));
    }
  }

  private requirePeer(peerId: string): DataChannelProvider {
    if (this.closed) throw new TransferError('ERR_TRANSFER_CLOSED', 'The transfer service is closed.');
    const peer = this.peers.get(peerId);
    if (!peer) throw new TransferError('ERR_TRANSFER_PEER_GONE', `Peer ${peerId} is not connected.`);
    return peer.provider;
  }

  private startOutgoing(
    peerId: string,
    provider: DataChannelProvider,
    what: { entries?: SourceEntry[]; text?: string },
    options: SendOptions,
  ): Promise<TransferResult> {
    if (this.closed) return Promise.reject(new TransferError('ERR_TRANSFER_CLOSED', 'The transfer service is closed.'));
    const transferId = randomBytes(16).toString('hex');
    const job = new AbortController();
    this.sends.set(transferId, job);
    const signal = options.signal;
    const onAbort = (): void => job.abort(new TransferError('ERR_TRANSFER_CANCELLED', 'The transfer was cancelled.'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const attempt = (attemptProvider: DataChannelProvider, onFailed: (f: FailedEvent) => void): OutgoingTransfer => {
      const transfer = new OutgoingTransfer({
        transferId,
        peerId,
        provider: attemptProvider,
        localName: this.init.localName,
        ...(what.entries ? { entries: what.entries } : {}),
        ...(what.text !== undefined ? { text: what.text } : {}),
        channels: this.channels,
        chunkBytes: this.chunkBytes,
        bufferHighBytes: this.bufferHighBytes,
        bufferLowBytes: this.bufferLowBytes,
        logger: this.logger,
        events: { ...this.events, failed: onFailed },
      });
      this.outgoing.set(transferId, transfer);
      void Promise.all([transfer.settled, transfer.channelsClosed]).then(() => {
        if (this.outgoing.get(transferId) === transfer) this.outgoing.delete(transferId);
      });
      const cancelAttempt = (): void => transfer.cancel(job.signal.reason instanceof TransferError ? job.signal.reason : undefined);
      job.signal.addEventListener('abort', cancelAttempt, { once: true });
      void transfer.settled.then(() => job.signal.removeEventListener('abort', cancelAttempt));
      if (job.signal.aborted) transfer.cancel();
      else transfer.start();
      return transfer;
    };
    options.onStarted?.(transferId);
    const files = (what.entries ?? []).map((e) => ({ path: e.path, size: e.size, kind: e.kind }));
    this.events.offered({
      transferId,
      peerId,
      senderName: this.init.localName,
      files,
      totalBytes: what.text !== undefined ? Buffer.byteLength(what.text, 'utf8') : files.reduce((n, f) => n + f.size, 0),
      direction: 'send',
      ...(what.text !== undefined ? { text: what.text } : {}),
    });
    if (signal?.aborted) onAbort();
    const run = sendWithContinuation(
      { transferId, peerId, graceMs: this.sendGraceMs, signal: job.signal, returns: this.returns, events: this.events, logger: this.logger, attempt },
      provider,
    );
    void run.then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      signal?.removeEventListener('abort', onAbort);
      this.sends.delete(transferId);
    });
    return run;
  }

  cancel(transferId: string): void {
    // A send waiting for its peer to come back has no running attempt to cancel.
    this.sends.get(transferId)?.abort(new TransferError('ERR_TRANSFER_CANCELLED', 'You cancelled the transfer.'));
    const transfer = this.outgoing.get(transferId) ?? this.incoming.get(transferId);
    if (transfer?.isEnded) return;
    transfer?.cancel(new TransferError('ERR_TRANSFER_CANCELLED', 'You cancelled the transfer.'));
  }

  on<E extends keyof TransferEvents>(event: E, listener: TransferEvents[E]): this {
    this.emitter.on(event, listener);
    return this;
  }

  off<E extends keyof TransferEvents>(event: E, listener: TransferEvents[E]): this {
    this.emitter.off(event, listener);
    return this;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      for (const { off } of this.peers.values()) off();
      this.peers.clear();
      const stopped = new TransferError('ERR_TRANSFER_CLOSED', 'The transfer was stopped because fileshare is shutting down.');
      for (const job of this.sends.values()) job.abort(stopped);
      const all = [...this.outgoing.values(), ...this.incoming.values()];
      for (const t of all) t.cancel(stopped);
      this.suspended.close();
      await Promise.all(all.map((t) => t.settled));
      // A transfer that just sent its last word (complete, cancel) waits for the peer to close its
      // channels, which says the word arrived; closing the connection under it can lose it (the
      // sender of a finished transfer would see the peer gone). Bounded: the peer may be gone.
      let flushTimer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all([...all, ...this.refused].map((t) => t.channelsClosed)),
        new Promise<void>((resolveFlush) => (flushTimer = setTimeout(resolveFlush, CLOSE_FLUSH_MS))),
      ]);
      clearTimeout(flushTimer);
      // Ends grace periods: nobody is left to wait for the peer.
      for (const t of [...all, ...this.refused]) t.closeChannels();
      this.refused.clear();
      await this.prunePromise;
      this.emitter.removeAllListeners();
    })();
    return this.closing;
  }
}

/** Creates the transfer service: it offers, sends, receives and resumes files over the peers' data channels. */
export function createTransferService(init: TransferServiceInit): TransferService {
  return new TransferServiceImpl(init);
}
