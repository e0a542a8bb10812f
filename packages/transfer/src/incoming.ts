import { createHash } from 'node:crypto';
import { type DataChannelLike, type Logger, type ResumeEntry, type TransferMessage, type TransferMessageOf, decodeChunk } from '@fileshare/protocol';
import { ReorderBuffer } from './chunking.js';
import { type TransferEventSink, TransferBase } from './common.js';
import { ACK_FRACTION, CHECKPOINT_BYTES, MAX_WRITE_BATCH, OFFER_RECEIVE_TIMEOUT_MS, PAGE_TARGET_BYTES, SMALL_FILE_BYTES } from './constants.js';
import { TransferError, asTransferError, remoteError, writeError } from './errors.js';
import type { DoneRecords } from './done-records.js';
import type { PartialLease } from './partial-folder.js';
import type { PartialStore } from './partial-store.js';
import { ProgressTracker } from './progress.js';
import { type ReceiveFile, checkpointPart, keepPartial, openPart, receiveError, writeAll } from './receive-file.js';
import { dropRootsIfNothingPending, refreshHeld, removeResumeState } from './receive-finish.js';
import { FileFinisher } from './receive-finisher.js';
import { OfferCollector, requestDecision } from './receive-offer.js';
import { planReceive } from './receive-plan.js';
import type { CompletedFile, IncomingOffer, OfferDecision, TransferTestHooks } from './types.js';
import { Notifier } from './wait.js';

/** What the service lends every incoming transfer. */
export interface ReceiverContext {
  /** Creates the receive folder and takes the partial-data folder (created if needed); returns the receive folder's real path. */
  storage(): Promise<{ root: string; lease: PartialLease }>;
  /** What this receiver verified and placed before (idempotent re-sends). */
  done: DoneRecords;
  /** Applied to the modes senders offer. */
  umask: number;
  hooks: TransferTestHooks;
  /** Resume keys and folder names held by running transfers (so two transfers never share a `.part`). */
  locks: Set<string>;
  acceptPolicy: ((offer: IncomingOffer) => OfferDecision) | undefined;
  decisionTimeoutMs: number;
  windowBytes: number;
  windowFiles: number;
  logger: Logger;
  events: TransferEventSink;
  /**
   * Set when this channel re-opens a transfer that lost its peer connection after it was accepted
   * (same id, same peer): the offer key it had. An offer with the same key is accepted without
   * asking again (it was accepted once); any other goes through the usual decision.
   */
  continues?: string;
}

type Phase = 'offer' | 'deciding' | 'preparing' | 'receiving';

type FileMessage = TransferMessageOf<'file-start'> | TransferMessageOf<'file-end'>;

/**
 * One incoming transfer: collect and check the offer ({@link OfferCollector}), get a decision,
 * plan the files ({@link planReceive}), then the receive loop: each file's chunks are put in order
 * and either streamed to its `.part` (large or resumed files) or, for small files, kept in memory;
 * a {@link FileFinisher} verifies and places them (small ones in durable batches).
 */
export class IncomingTransfer extends TransferBase {
  private phase: Phase = 'offer';
  private readonly offer: OfferCollector;
  private offerTimer: ReturnType<typeof setTimeout> | undefined;
  private decisionTimer: ReturnType<typeof setTimeout> | undefined;
  private files = new Map<number, ReceiveFile>();
  private fileOrder: number[] = [];
  private nextFilePos = 0;
  private current: ReceiveFile | undefined;
  /** The current file goes whole into memory and then to the batch placer. */
  private currentSmall: { data: Buffer[]; bytes: number } | undefined;
  private readonly ctlQueue: FileMessage[] = [];
  private readonly wake = new Notifier();
  private receivedBytes = 0;
  private consumedBytes = 0;
  private ackedBytes = 0;
  private bufferedChunks = 0;
  private maxBufferedChunks = 0;
  private chunkLimit = 0;
  private readonly dataIndexes = new Set<number>();
  private readonly held: string[] = [];
  private roots: string[] = [];
  private root = '';
  private store: PartialStore | undefined;
  private lease: PartialLease | undefined;
  private progress: ProgressTracker | undefined;
  private finisher: FileFinisher | undefined;
  private work: Promise<void> = Promise.resolve();
  private readonly completedByIndex = new Map<number, CompletedFile>();
  readonly settled: Promise<void>;
  private markSettled!: () => void;

  constructor(
    transferId: string,
    peerId: string,
    ctl: DataChannelLike,
    private readonly ctx: ReceiverContext,
  ) {
    super(transferId, peerId, 'receive', ctx.logger);
    this.offer = new OfferCollector(transferId);
    this.settled = new Promise<void>((resolve) => {
      this.markSettled = resolve;
    });
    this.ctl = ctl;
    this.watchControl(ctl);
    this.listen(ctl.onMessage((data) => this.onControl(data)));
    this.offerTimer = setTimeout(() => {
      this.fail(this.protocolError(`the offer did not arrive within ${OFFER_RECEIVE_TIMEOUT_MS / 1000} s`), 'error');
    }, OFFER_RECEIVE_TIMEOUT_MS);
    this.offerTimer.unref?.();
  }

  // ---- control messages and the decision --------------------------------------------------------

  protected handleControl(m: TransferMessage): string | undefined {
    if (m.type === 'cancel') {
      this.fail(new TransferError('ERR_TRANSFER_CANCELLED', 'The sender cancelled the transfer.'), 'none');
      return undefined;
    }
    if (m.type === 'error') {
      this.fail(remoteError(m.code, m.message, 'sender'), 'none');
      return undefined;
    }
    switch (this.phase) {
      case 'offer': {
        const step = this.offer.add(m);
        if (step.kind === 'problem') return step.problem;
        if (step.kind === 'decline') this.declineWith(step.error);
        else if (step.kind === 'complete' && !this.isEnded) {
          clearTimeout(this.offerTimer);
          this.phase = 'deciding';
          this.decide();
        }
        return undefined;
      }
      case 'receiving':
        if (m.type !== 'file-start' && m.type !== 'file-end') return `unexpected "${m.type}" while receiving`;
        if (this.ctlQueue.length >= 2 * this.ctx.windowFiles + 2) return 'more files in flight than the window allows';
        this.ctlQueue.push(m);
        this.wake.notify();
        return undefined;
      default:
        return `unexpected "${m.type}" before the offer was accepted`;
    }
  }

  /** Accepted and receiving: worth continuing after an outage. */
  get wasAccepted(): boolean {
    return this.phase === 'receiving';
  }

  /** What a continuation must offer again to be accepted without asking: every entry as offered. */
  offerKey(): string {
    return JSON.stringify(this.offer.entries.map((e) => [e.path, e.kind, e.size, e.mtimeMs ?? null]));
  }

  private decide(): void {
    const offer = this.offer.offer!;
    if (this.ctx.continues !== undefined && offer.kind === 'files' && this.offerKey() === this.ctx.continues) {
      this.logger.info('transfer continues after an outage; accepted as before', { transferId: this.transferId, peerId: this.peerId });
      this.onDecision('accept', undefined);
      return;
    }
    this.logger.debug('offer received', { transferId: this.transferId, peerId: this.peerId, kind: offer.kind, entries: this.offer.entries.length, bytes: offer.totalBytes });
    const text = this.offer.takeText();
    this.decisionTimer = requestDecision({
      transferId: this.transferId,
      peerId: this.peerId,
      senderName: this.offer.senderName,
      entries: this.offer.entries,
      totalBytes: offer.totalBytes,
      text,
      policy: this.ctx.acceptPolicy,
      events: this.ctx.events,
      logger: this.logger,
      timeoutMs: this.ctx.decisionTimeoutMs,
      decide: (decision, busy) => this.onDecision(decision, text, busy),
      stillDeciding: () => this.phase === 'deciding' && !this.isEnded,
      timedOut: (error) => this.declineWith(error),
    });
  }

  private onDecision(decision: 'accept' | 'decline', text: string | undefined, busy?: 'ERR_TRANSFER_BUSY'): void {
    if (this.isEnded || this.phase !== 'deciding') return;
    clearTimeout(this.decisionTimer);
    if (busy) {
      this.declineWith(new TransferError(busy, 'The receiver has too many offers waiting for a decision; try again later.'));
      return;
    }
    if (decision === 'decline') {
      this.declineWith(new TransferError('ERR_TRANSFER_DECLINED', 'The offer was declined.'));
      return;
    }
    this.phase = 'preparing';
    this.work = this.acceptAndReceive(text).catch((cause: unknown) => {
      const error = receiveError(cause);
      if (this.phase === 'preparing') this.declineWith(error);
      else this.fail(error, 'error');
    });
  }

  /** Says no (before any accept went out) and ends the transfer with the same error locally. */
  private declineWith(error: TransferError): void {
    if (this.isEnded) return;
    this.fail(error, 'decline');
  }

  // ---- accepting -------------------------------------------------------------------------------

  private async acceptAndReceive(text: string | undefined): Promise<void> {
    const offer = this.offer.offer!;
    if (text !== undefined) {
      this.sendControl({ type: 'accept', windowBytes: this.ctx.windowBytes, windowFiles: this.ctx.windowFiles, resumeCount: 0 });
      this.reportStarted(offer.totalBytes, []);
      this.sendControl({ type: 'complete' });
      if (!this.endOk(false)) return;
      this.bytesTransferred = offer.totalBytes;
      this.cleanup();
      this.ctx.events.text({ transferId: this.transferId, peerId: this.peerId, senderName: this.offer.senderName, text });
      this.ctx.events.complete(this.buildResult());
      this.markSettled();
      return;
    }
    const { root, lease } = await this.ctx.storage();
    this.lease = lease;
    const store = lease.store;
    this.root = root;
    this.store = store;
    if (this.isEnded) return;
    const plan = await planReceive({
      root,
      store,
      peerId: this.peerId,
      entries: this.offer.entries,
      done: await this.ctx.done.lookup(this.peerId, root),
      lock: (name) => this.lock(name),
      isLocked: (name) => this.ctx.locks.has(name),
      isEnded: () => this.isEnded,
    });
    this.files = plan.files;
    this.fileOrder = plan.order;
    this.roots = plan.roots;
    if (this.isEnded) return;
    const resume = plan.resume;
    this.logger.debug('offer prepared', { transferId: this.transferId, resume: resume.length });

    this.phase = 'receiving';
    this.chunkLimit = Math.min(offer.chunkBytes, this.ctx.windowBytes);
    this.maxBufferedChunks = this.ctx.windowFiles + Math.ceil(this.ctx.windowBytes / this.chunkLimit) + 1;
    this.progress = new ProgressTracker({
      totalBytes: offer.totalBytes,
      emit: (s) => this.ctx.events.progress({ transferId: this.transferId, direction: 'receive', peerId: this.peerId, ...s }),
    });
    this.finisher = new FileFinisher({
      root,
      store,
      peerId: this.peerId,
      logger: this.logger,
      umask: this.ctx.umask,
      done: this.ctx.done,
      windowFiles: this.ctx.windowFiles,
      onWritten: (bytes, path) => this.consumed(bytes, path),
      onPlaced: (file, finalPath, sha256) => this.placed(file, finalPath, sha256),
      onError: (cause) => this.fail(receiveError(cause), 'error'),
    });
    this.sendControl({ type: 'accept', windowBytes: this.ctx.windowBytes, windowFiles: this.ctx.windowFiles, resumeCount: resume.length });
    const perPage = Math.max(1, Math.floor(PAGE_TARGET_BYTES / 120));
    for (let i = 0; i < resume.length; i += perPage) this.sendControl({ type: 'resume', entries: resume.slice(i, i + perPage) });
    this.reportStarted(offer.totalBytes, resume);
    await this.receiveLoop();
  }

  /** Accepted, and what we hold is offered: the same figures the sender's `started` shows. */
  private reportStarted(totalBytes: number, resume: readonly ResumeEntry[]): void {
    this.ctx.events.started({
      transferId: this.transferId,
      direction: 'receive',
      peerId: this.peerId,
      totalBytes,
      resumeFromBytes: resume.reduce((n, r) => n + r.offset, 0),
      alreadyThereFiles: resume.filter((r) => r.offset === this.files.get(r.index)!.entry.size).length,
    });
  }

  private lock(name: string): boolean {
    if (this.ctx.locks.has(name)) return false;
    this.ctx.locks.add(name);
    this.held.push(name);
    return true;
  }

  // ---- receiving -------------------------------------------------------------------------------

  attachData(index: number, ch: DataChannelLike): void {
    // After the end the sender closes what it opened; closing it from here too would race.
    if (this.isEnded) return;
    if (this.phase !== 'receiving' || index >= (this.offer.offer?.channels ?? 0) || this.dataIndexes.has(index)) {
      ch.close();
      this.fail(this.protocolError(`unexpected data channel ${index}`), 'error');
      return;
    }
    this.dataIndexes.add(index);
    this.dataChannels.push(ch);
    this.watchData(ch, `data/${index}`);
    this.listen(ch.onMessage((data) => this.onChunk(data)));
  }

  private onChunk(data: string | Buffer): void {
    if (this.isEnded) return;
    const decoded = decodeChunk(data);
    if (!decoded.ok) {
      this.fail(asTransferError(decoded.error), 'error');
      return;
    }
    const { fileIndex, offset, payload } = decoded.value;
    const problem = this.acceptChunk(fileIndex, offset, payload as Buffer);
    if (problem) this.fail(this.protocolError(problem), 'error');
  }

  private acceptChunk(fileIndex: number, offset: number, payload: Buffer): string | undefined {
    const file = this.files.get(fileIndex);
    if (!file || file.done) return `chunk for file ${fileIndex}, which is not expected`;
    if (this.current && fileIndex < this.current.index) return `chunk for file ${fileIndex} after it ended`;
    if (payload.byteLength > this.chunkLimit) return `chunk of ${payload.byteLength} bytes exceeds ${this.chunkLimit}`;
    this.receivedBytes += payload.byteLength;
    if (this.receivedBytes - this.ackedBytes > this.ctx.windowBytes) return 'more bytes in flight than the window allows';
    if (++this.bufferedChunks > this.maxBufferedChunks) return 'more chunks in flight than the window allows';
    file.buffer ??= new ReorderBuffer<Buffer>(file.entry.size, 0);
    const reason = file.buffer.add(offset, payload);
    if (reason) return `file ${fileIndex}: ${reason}`;
    this.wake.notify();
    return undefined;
  }

  private async receiveLoop(): Promise<void> {
    const signal = this.signal;
    while (!this.isEnded) {
      const file = this.current;
      if (!file) {
        const message = this.ctlQueue.shift();
        if (message) {
          if (message.type !== 'file-start') throw this.protocolError(`file-end for file ${message.index} before its file-start`);
          await this.startFile(message);
          continue;
        }
        if (this.nextFilePos === this.fileOrder.length) {
          await this.complete();
          return;
        }
        this.ack(true);
        await this.wake.wait(signal);
        continue;
      }
      const buffer = file.buffer!;
      const batch = buffer.takeContiguous(MAX_WRITE_BATCH);
      if (batch.chunks.length > 0) {
        this.bufferedChunks -= batch.chunks.length;
        for (const c of batch.chunks) file.hash!.update(c);
        if (this.currentSmall) {
          this.currentSmall.data.push(...batch.chunks);
          this.currentSmall.bytes += batch.bytes;
        } else {
          await this.write(file, batch.chunks, batch.offset, batch.bytes);
        }
        continue;
      }
      if (buffer.isStuck) throw this.protocolError(`file ${file.index} has a gap at ${buffer.nextOffset}`);
      if (file.expectedSha === undefined && this.ctlQueue.length > 0) {
        const head = this.ctlQueue.shift()!;
        if (head.type !== 'file-end' || head.index !== file.index) throw this.protocolError(`"${head.type}" for file ${head.index} while file ${file.index} is open`);
        file.expectedSha = head.sha256;
        continue;
      }
      if (file.expectedSha !== undefined && buffer.nextOffset === file.entry.size) {
        this.current = undefined;
        const small = this.currentSmall;
        this.currentSmall = undefined;
        if (small) await this.finisher!.small(file, small.data, small.bytes);
        else await this.finisher!.large(file);
        continue;
      }
      this.ack(true);
      await this.wake.wait(signal);
    }
  }

  private async startFile(m: TransferMessageOf<'file-start'>): Promise<void> {
    const expected = this.fileOrder[this.nextFilePos];
    if (m.index !== expected) throw this.protocolError(`file-start for ${m.index}, expected ${expected ?? 'none'}`);
    const file = this.files.get(m.index)!;
    const offered = file.offered;
    if (m.offset !== 0 && m.offset !== offered?.offset) throw this.protocolError(`file ${m.index} starts at ${m.offset}, which was not offered`);
    this.nextFilePos++;
    file.buffer ??= new ReorderBuffer<Buffer>(file.entry.size, 0);
    const reason = file.buffer.rebase(m.offset);
    if (reason) throw this.protocolError(`file ${m.index}: ${reason}`);
    file.start = m.offset;
    this.current = file;
    this.currentSmall = undefined;
    if (m.offset > 0) {
      this.resumedBytes += m.offset;
      this.progress?.addResumed(m.offset, file.entry.path);
    }
    if (offered?.heldPath !== undefined && m.offset === file.entry.size) return; // already placed by an earlier run
    if (m.offset === 0 && !offered && file.entry.size <= SMALL_FILE_BYTES) {
      // Small and new: received whole into memory (within the window), written with its batch.
      this.currentSmall = { data: [], bytes: 0 };
      file.hash = createHash('sha256');
      return;
    }
    try {
      file.fh = await openPart(file.partPath);
      await file.fh.truncate(m.offset);
    } catch (cause) {
      throw writeError(cause, `the partial file for ${JSON.stringify(file.entry.path)}`);
    }
    file.hash = m.offset > 0 && offered?.hash ? offered.hash : createHash('sha256');
    if (offered) delete offered.hash;
  }

  /** Payload is on disk (written, not necessarily synced): acknowledge it within the window. */
  private consumed(bytes: number, path: string): void {
    this.consumedBytes += bytes;
    this.bytesTransferred += bytes;
    this.progress?.add(bytes, path);
    this.ack(false);
  }

  private async write(file: ReceiveFile, chunks: Buffer[], offset: number, bytes: number): Promise<void> {
    try {
      await writeAll(file.fh!, chunks, offset);
    } catch (cause) {
      // The bytes before `offset` are intact: make them the resume point.
      throw writeError(cause, JSON.stringify(file.entry.path));
    }
    file.sinceCheckpoint += bytes;
    this.consumed(bytes, file.entry.path);
    if (file.sinceCheckpoint >= CHECKPOINT_BYTES && file.key) {
      try {
        await checkpointPart(this.store!, this.peerId, file, file.fh!, file.buffer!.nextOffset);
        file.sinceCheckpoint = 0;
      } catch (cause) {
        throw writeError(cause, JSON.stringify(file.entry.path));
      }
    }
  }

  private ack(force: boolean): void {
    const unacked = this.consumedBytes - this.ackedBytes;
    if (unacked === 0 || (!force && unacked < this.ctx.windowBytes / ACK_FRACTION)) return;
    this.ackedBytes = this.consumedBytes;
    this.sendControl({ type: 'ack', bytes: this.consumedBytes });
  }

  /** A file is verified, synced and under its final name: tell the sender. */
  private placed(file: ReceiveFile, finalPath: string, sha256: string): void {
    if (this.isEnded) return;
    file.done = true;
    file.buffer = undefined;
    // The sender confirmed all of it as held: nothing of it came over the wire, no copy was made.
    const alreadyThere = file.offered !== undefined && file.start === file.entry.size;
    this.completedByIndex.set(file.index, { path: finalPath, size: file.entry.size, sha256, ...(alreadyThere ? { alreadyThere } : {}) });
    this.ack(true);
    this.sendControl({ type: 'file-done', index: file.index, path: finalPath });
  }

  private async complete(): Promise<void> {
    await this.finisher!.idle();
    if (this.isEnded) return;
    for (const i of [...this.completedByIndex.keys()].sort((a, b) => a - b)) this.completed.push(this.completedByIndex.get(i)!);
    this.ack(true);
    await refreshHeld({ root: this.root, peerId: this.peerId, logger: this.logger }, this.ctx.done, this.files);
    // Pending state goes before `complete` is sent: nothing is pending once every file is placed.
    await removeResumeState(this.store!, this.files, this.roots);
    if (this.ctx.hooks.beforeComplete) await this.ctx.hooks.beforeComplete(this.transferId, this.signal);
    if (this.isEnded) return;
    this.sendControl({ type: 'complete' });
    if (!this.endOk(false)) return;
    await this.lease?.release();
    this.cleanup();
    this.progress?.finish();
    const result = this.buildResult(this.root);
    this.logger.info('transfer received', { transferId: this.transferId, peerId: this.peerId, files: result.files.length, bytes: result.bytesTransferred, resumed: result.resumedBytes, batches: this.finisher?.stats });
    this.ctx.events.complete(result);
    this.markSettled();
  }

  private cleanup(): void {
    clearTimeout(this.offerTimer);
    clearTimeout(this.decisionTimer);
    for (const name of this.held.splice(0)) this.ctx.locks.delete(name);
    for (const file of this.files.values()) file.buffer?.clear();
  }

  protected async afterFailure(error: TransferError): Promise<void> {
    clearTimeout(this.offerTimer);
    clearTimeout(this.decisionTimer);
    this.progress?.stop();
    await this.work;
    await this.finisher?.stop();
    const file = this.current;
    if (file?.fh && this.store) {
      // Keep what arrived intact for a resume, unless the failure was our disk's.
      const keepsHeld = error.code === 'ERR_TRANSFER_PEER_GONE' || error.code === 'ERR_TRANSFER_CANCELLED';
      await keepPartial(this.store, this.peerId, file, keepsHeld, (what, cause) => this.logger.warn(what, { transferId: this.transferId, error: String(cause) }));
    }
    if (this.store) await dropRootsIfNothingPending(this.store, this.files, this.roots).catch((cause: unknown) => this.logger.debug('could not tidy folder records', { error: String(cause) }));
    await this.lease?.release();
    this.cleanup();
    this.ctx.events.failed(this.failedEvent(error));
    this.markSettled();
  }
}
