import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import {
  type DataChannelLike,
  type DataChannelProvider,
  type Logger,
  TRANSFER_CHUNK_HEADER_BYTES,
  TRANSFER_PROTOCOL_VERSION,
  type TransferEntry,
  type TransferMessage,
  transferControlLabel,
  transferDataLabel,
} from '@fileshare/protocol';
import { type TransferEventSink, TransferBase } from './common.js';
import { CLOSE_GRACE_MS, PAGE_TARGET_BYTES, TEXT_PAGE_CODE_POINTS } from './constants.js';
import { TransferError, asTransferError, readError, remoteError } from './errors.js';
import { sendChunkBytes } from './chunking.js';
import { ChunkReader, LOOK_AHEAD_FILE_BYTES, LookAhead, type WholeFile, hashPrefix } from './source-read.js';
import { ProgressTracker } from './progress.js';
import type { SourceEntry } from './scan.js';
import type { CompletedFile, TransferResult } from './types.js';
import { DataChannelClosedError, Notifier, channelWithRoom } from './wait.js';

export interface OutgoingInit {
  transferId: string;
  peerId: string;
  provider: DataChannelProvider;
  localName: string;
  /** Either entries (a files transfer) or text. */
  entries?: SourceEntry[];
  text?: string;
  channels: number;
  chunkBytes: number;
  bufferHighBytes: number;
  bufferLowBytes: number;
  logger: Logger;
  events: TransferEventSink;
}

type Phase = 'connecting' | 'offered' | 'accepting' | 'sending' | 'completing';

function textPages(text: string): string[] {
  const pages: string[] = [];
  const points = Array.from(text);
  for (let i = 0; i < points.length; i += TEXT_PAGE_CODE_POINTS) pages.push(points.slice(i, i + TEXT_PAGE_CODE_POINTS).join(''));
  return pages;
}

/** Packs entries into `files` messages below the size limit. */
export function filePages(entries: readonly TransferEntry[]): { first: number; entries: TransferEntry[] }[] {
  const pages: { first: number; entries: TransferEntry[] }[] = [];
  let current: TransferEntry[] = [];
  let first = 0;
  let bytes = 64; // envelope: {"type":"files","first":N,"entries":[]}
  entries.forEach((e, i) => {
    const size = Buffer.byteLength(JSON.stringify(e), 'utf8') + 1;
    if (current.length > 0 && bytes + size > PAGE_TARGET_BYTES) {
      pages.push({ first, entries: current });
      current = [];
      first = i;
      bytes = 64;
    }
    current.push(e);
    bytes += size;
  });
  if (current.length > 0) pages.push({ first, entries: current });
  return pages;
}

/** One outgoing transfer: offer, wait for the decision, then stream every file and wait for the receiver's verdicts. */
export class OutgoingTransfer extends TransferBase {
  readonly result: Promise<TransferResult>;
  private resolveResult!: (r: TransferResult) => void;
  private rejectResult!: (e: TransferError) => void;
  private phase: Phase = 'connecting';
  private readonly changed = new Notifier();
  private readonly entries: SourceEntry[];
  private readonly totalBytes: number;
  private windowBytes = 0;
  /** The `chunkBytes` of our offer: the configured size cut to the peer's message size limit. */
  private chunkBytes = 0;
  private windowFiles = 0;
  private resumeExpected = 0;
  private readonly resume = new Map<number, { offset: number; sha256: string }>();
  private sentBytes = 0;
  private ackedBytes = 0;
  private filesStarted = 0;
  private filesDone = 0;
  private readonly endedFiles = new Set<number>();
  private readonly shas = new Map<number, string>();
  private readonly doneFiles = new Map<number, CompletedFile>();
  /** Files the receiver held whole and we confirmed: nothing of them is sent. */
  private readonly alreadyThere = new Set<number>();
  private loopDone: Promise<void> = Promise.resolve();
  /** Settles once the transfer has ended and reported, its files closed. */
  readonly settled: Promise<void>;
  private markSettled!: () => void;
  private readonly fileCount: number;
  private progress: ProgressTracker | undefined;
  private dataReady: Promise<void> | undefined;

  constructor(private readonly init: OutgoingInit) {
    super(init.transferId, init.peerId, 'send', init.logger);
    this.result = new Promise<TransferResult>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    this.settled = new Promise<void>((resolve) => {
      this.markSettled = resolve;
    });
    this.entries = init.entries ?? [];
    this.fileCount = this.entries.filter((e) => e.kind === 'file').length;
    this.totalBytes = init.text !== undefined ? Buffer.byteLength(init.text, 'utf8') : this.entries.reduce((sum, e) => sum + e.size, 0);
  }

  /** The receiver accepted and the files are moving (or done): worth continuing after an outage. */
  get wasAccepted(): boolean {
    return this.phase === 'sending' || this.phase === 'completing';
  }

  start(): void {
    this.loopDone = this.run().then(
      () => undefined,
      async (cause: unknown) => {
        if (cause instanceof DataChannelClosedError) {
          // The peer closes data channels right after a cancel/error on the control channel,
          // whose message may still be on its way: give it a moment to explain before failing.
          await this.explained(CLOSE_GRACE_MS);
          this.fail(cause, 'none');
          return;
        }
        this.fail(asTransferError(cause), 'error');
      },
    );
  }

  private async run(): Promise<void> {
    const { provider, transferId } = this.init;
    const isText = this.init.text !== undefined;
    let ctl: DataChannelLike;
    try {
      ctl = await provider.openChannel(transferControlLabel(transferId), { signal: this.signal });
    } catch (cause) {
      if (this.signal.aborted) return;
      throw new TransferError('ERR_TRANSFER_PEER_GONE', `Could not open a channel to the peer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    if (this.isEnded) {
      ctl.close();
      return;
    }
    this.ctl = ctl;
    this.watchControl(ctl);
    this.listen(ctl.onMessage((data) => this.onControl(data)));
    // A decline that arrived with the channel's opening was delivered just now.
    if (this.isEnded) return;

    const chunkBytes = sendChunkBytes(this.init.chunkBytes, provider.maxMessageSize);
    if (chunkBytes === undefined) {
      throw new TransferError(
        'ERR_TRANSFER_FAILED',
        `The peer accepts messages of at most ${provider.maxMessageSize} bytes, too small for a data chunk.`,
      );
    }
    this.chunkBytes = chunkBytes;

    const wireEntries: TransferEntry[] = this.entries.map((e) => ({
      path: e.path,
      kind: e.kind,
      size: e.size,
      ...(e.mtimeMs !== undefined ? { mtimeMs: e.mtimeMs } : {}),
      ...(e.kind === 'file' && e.mode !== undefined ? { mode: e.mode } : {}),
    }));
    this.sendControl({
      type: 'offer',
      v: TRANSFER_PROTOCOL_VERSION,
      transferId,
      senderName: this.init.localName,
      kind: isText ? 'text' : 'files',
      fileCount: wireEntries.length,
      totalBytes: this.totalBytes,
      channels: this.init.channels,
      chunkBytes,
      ...(isText ? { textBytes: this.totalBytes } : {}),
    });
    if (isText) {
      for (const data of textPages(this.init.text!)) this.sendControl({ type: 'text', data });
    } else {
      for (const page of filePages(wireEntries)) {
        await this.whenControlDrained();
        this.sendControl({ type: 'files', first: page.first, entries: page.entries });
      }
    }
    this.phase = 'offered';
    this.logger.debug('offer sent', { transferId, peerId: this.peerId, entries: wireEntries.length, bytes: this.totalBytes });
    while (this.phase === 'offered' || this.phase === 'accepting') await this.changed.wait(this.signal);

    this.logger.debug('offer accepted', { transferId, resume: this.resume.size });
    this.progress = new ProgressTracker({
      totalBytes: this.totalBytes,
      emit: (s) => this.init.events.progress({ transferId, direction: 'send', peerId: this.peerId, ...s }),
    });
    if (isText) {
      this.bytesTransferred = this.totalBytes;
    } else {
      await this.sendAll();
    }
    this.phase = 'completing';
    while (!this.isEnded) await this.changed.wait(this.signal);
  }

  /** What the receiver said it holds, before anything is confirmed: the same figures its own `started` shows. */
  private reportStarted(): void {
    let resumeFromBytes = 0;
    let alreadyThereFiles = 0;
    for (const [index, r] of this.resume) {
      resumeFromBytes += r.offset;
      if (r.offset === this.entries[index]!.size) alreadyThereFiles++;
    }
    this.init.events.started({ transferId: this.transferId, direction: 'send', peerId: this.peerId, totalBytes: this.totalBytes, resumeFromBytes, alreadyThereFiles });
  }

  /** Resolves when the transfer ends or after `ms`. */
  private explained(ms: number): Promise<void> {
    if (this.isEnded) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref?.();
      const signal = this.signal;
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Control pages are tiny compared to data, but a 100k-file offer is still several MB: respect the buffer. */
  private async whenControlDrained(): Promise<void> {
    const ch = this.ctl;
    if (ch) await channelWithRoom([ch], this.init.bufferHighBytes, this.signal);
  }

  private async sendAll(): Promise<void> {
    const chunkBytes = Math.min(this.chunkBytes, this.windowBytes);
    // Small files without resume state are opened, read and hashed ahead of the send loop, so
    // their file-system round trips overlap the sending of the files before them.
    const lookAhead = new LookAhead(this.entries, chunkBytes, (index, entry) => entry.kind === 'file' && entry.size <= LOOK_AHEAD_FILE_BYTES && !this.resume.has(index));
    try {
      for (let index = 0; index < this.entries.length; index++) {
        const entry = this.entries[index]!;
        if (entry.kind !== 'file') continue;
        lookAhead.fill(index);
        while (this.filesStarted - this.filesDone >= this.windowFiles) await this.changed.wait(this.signal);
        const ready = lookAhead.take(index);
        if (ready) await this.sendWhole(index, entry, await ready);
        else await this.sendFile(index, entry, chunkBytes);
      }
    } finally {
      await lookAhead.drain();
    }
  }

  /** Sends a file read ahead whole: `file-start`, its chunks, `file-end`. */
  private async sendWhole(index: number, entry: SourceEntry, read: WholeFile): Promise<void> {
    if (!read.ok) throw read.error;
    this.sendControl({ type: 'file-start', index, offset: 0 });
    this.filesStarted++;
    if (read.messages.length > 0) await this.ensureDataChannels();
    const high = this.init.bufferHighBytes;
    for (const message of read.messages) {
      const length = message.length - TRANSFER_CHUNK_HEADER_BYTES;
      while (this.sentBytes - this.ackedBytes + length > this.windowBytes) await this.changed.wait(this.signal);
      const ch = await channelWithRoom(this.dataChannels, high, this.signal);
      ch.send(message);
      this.sentBytes += length;
      this.bytesTransferred += length;
    }
    this.shas.set(index, read.sha256);
    this.endedFiles.add(index);
    this.sendControl({ type: 'file-end', index, sha256: read.sha256 });
  }

  /** Data channels are opened when the first byte needs one: a transfer of empty or already-held files needs none. */
  private ensureDataChannels(): Promise<void> {
    this.dataReady ??= this.openDataChannels();
    return this.dataReady;
  }

  private async openDataChannels(): Promise<void> {
    const opened = await Promise.allSettled(
      Array.from({ length: this.init.channels }, (_, n) =>
        this.init.provider.openChannel(transferDataLabel(this.transferId, n), { signal: this.signal }),
      ),
    );
    for (const r of opened) if (r.status === 'fulfilled') this.dataChannels.push(r.value);
    this.logger.debug('data channels opened', { transferId: this.transferId, open: this.dataChannels.length });
    if (this.isEnded) {
      for (const ch of this.dataChannels) ch.close();
      throw this.signal.reason;
    }
    const failed = opened.find((r) => r.status === 'rejected');
    if (failed) {
      throw new TransferError('ERR_TRANSFER_PEER_GONE', `Could not open a data channel: ${String(failed.reason)}`, { cause: failed.reason });
    }
    for (const [n, ch] of this.dataChannels.entries()) {
      ch.bufferedAmountLowThreshold = this.init.bufferLowBytes;
      this.watchData(ch, `data/${n}`);
      // A receiver never sends on data channels.
      this.listen(ch.onMessage(() => this.fail(new TransferError('ERR_TRANSFER_MESSAGE_INVALID', 'The receiver sent data on a data channel.'), 'error')));
    }
  }

  private async sendFile(index: number, entry: SourceEntry, chunkBytes: number): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(entry.source, 'r');
    } catch (cause) {
      throw readError(cause, entry.source);
    }
    let reader: ChunkReader | undefined;
    try {
      let hash = createHash('sha256');
      let start = 0;
      let confirmed = false;
      const resume = this.resume.get(index);
      if (resume && resume.offset <= entry.size) {
        await hashPrefix(fh, resume.offset, hash, entry.source, this.signal);
        if (hash.copy().digest('hex') === resume.sha256) {
          start = resume.offset;
          confirmed = true;
        } else {
          this.logger.info('resume prefix differs; sending the whole file', { transferId: this.transferId, path: entry.path });
          hash = createHash('sha256');
        }
      }
      this.logger.debug('file start', { transferId: this.transferId, index, offset: start });
      this.sendControl({ type: 'file-start', index, offset: start });
      this.filesStarted++;
      // Confirmed whole (an empty file included): the receiver keeps the copy it has.
      if (confirmed && start === entry.size) this.alreadyThere.add(index);
      if (start > 0) {
        this.resumedBytes += start;
        this.progress?.addResumed(start, entry.path);
      }
      if (start < entry.size) await this.ensureDataChannels();
      reader = new ChunkReader(fh, index, start, entry.size, chunkBytes, entry.source);
      const high = this.init.bufferHighBytes;
      for (;;) {
        const message = await reader.next();
        if (!message) break;
        const length = message.length - TRANSFER_CHUNK_HEADER_BYTES;
        while (this.sentBytes - this.ackedBytes + length > this.windowBytes) await this.changed.wait(this.signal);
        const ch = await channelWithRoom(this.dataChannels, high, this.signal);
        hash.update(message.subarray(TRANSFER_CHUNK_HEADER_BYTES));
        ch.send(message);
        this.sentBytes += length;
        this.bytesTransferred += length;
      }
      const st = await fh.stat();
      if (st.size !== entry.size) {
        throw new TransferError('ERR_TRANSFER_SOURCE_CHANGED', `${entry.source} changed size while it was being sent.`);
      }
      const sha256 = hash.digest('hex');
      this.shas.set(index, sha256);
      this.endedFiles.add(index);
      this.sendControl({ type: 'file-end', index, sha256 });
    } finally {
      await reader?.drain();
      await fh.close().catch(() => undefined);
    }
  }

  protected handleControl(m: TransferMessage): string | undefined {
    switch (m.type) {
      case 'cancel':
        this.fail(new TransferError('ERR_TRANSFER_CANCELLED', 'The receiver cancelled the transfer.'), 'none');
        return undefined;
      case 'error':
        this.fail(remoteError(m.code, m.message, 'receiver'), 'none');
        return undefined;
      case 'decline':
        // Also while the offer is still going out: a busy receiver declines as soon as the
        // control channel opens, and a too-large offer from its header alone.
        if (this.phase !== 'offered' && this.phase !== 'connecting') return 'decline after the decision';
        this.fail(
          m.code === 'ERR_TRANSFER_DECLINED' ? new TransferError('ERR_TRANSFER_DECLINED', 'The receiver declined the transfer.') : remoteError(m.code, m.message, 'receiver'),
          'none',
        );
        return undefined;
      case 'accept':
        if (this.phase !== 'offered') return 'accept twice or too early';
        if (m.resumeCount > this.fileCount) return 'more resume entries than files';
        this.windowBytes = m.windowBytes;
        this.windowFiles = m.windowFiles;
        this.resumeExpected = m.resumeCount;
        this.phase = m.resumeCount === 0 ? 'sending' : 'accepting';
        if (this.phase === 'sending') this.reportStarted();
        this.changed.notify();
        return undefined;
      case 'resume':
        if (this.phase !== 'accepting') return 'resume entries outside the accept';
        for (const e of m.entries) {
          const entry = this.entries[e.index];
          if (entry?.kind !== 'file' || e.offset > entry.size || this.resume.has(e.index)) return `bad resume entry for index ${e.index}`;
          this.resume.set(e.index, { offset: e.offset, sha256: e.sha256 });
        }
        if (this.resume.size > this.resumeExpected) return 'more resume entries than announced';
        if (this.resume.size === this.resumeExpected) {
          this.phase = 'sending';
          this.reportStarted();
          this.changed.notify();
        }
        return undefined;
      case 'ack':
        if (this.phase !== 'sending' && this.phase !== 'completing') return 'ack before accept';
        if (m.bytes < this.ackedBytes || m.bytes > this.sentBytes) return `ack of ${m.bytes} bytes (sent ${this.sentBytes}, acked ${this.ackedBytes})`;
        this.progress?.add(m.bytes - this.ackedBytes);
        this.ackedBytes = m.bytes;
        this.changed.notify();
        return undefined;
      case 'file-done': {
        if (!this.endedFiles.has(m.index) || this.doneFiles.has(m.index)) return `file-done for index ${m.index} out of order`;
        this.doneFiles.set(m.index, {
          path: m.path,
          size: this.entries[m.index]!.size,
          sha256: this.shas.get(m.index)!,
          ...(this.alreadyThere.has(m.index) ? { alreadyThere: true } : {}),
        });
        this.filesDone++;
        this.changed.notify();
        return undefined;
      }
      case 'complete':
        if (this.phase === 'offered' || this.phase === 'accepting' || this.phase === 'connecting') return 'complete before accept';
        if (this.filesDone !== this.fileCount || this.ackedBytes !== this.sentBytes) {
          return `complete with ${this.filesDone} of ${this.fileCount} files confirmed`;
        }
        this.succeed();
        return undefined;
      default:
        return `unexpected "${m.type}" message`;
    }
  }

  private succeed(): void {
    if (!this.endOk(true)) return;
    this.progress?.finish();
    // Files in offer order, whatever order the verdicts came in.
    for (const i of [...this.doneFiles.keys()].sort((a, b) => a - b)) this.completed.push(this.doneFiles.get(i)!);
    const result = this.buildResult();
    this.logger.info('transfer sent', { transferId: this.transferId, peerId: this.peerId, bytes: result.bytesTransferred, resumed: result.resumedBytes });
    this.init.events.complete(result);
    this.resolveResult(result);
    void this.loopDone.then(this.markSettled);
  }

  protected async afterFailure(error: TransferError): Promise<void> {
    this.progress?.stop();
    // The send loop sees the abort at its next wait and closes the file it reads.
    await this.loopDone;
    this.init.events.failed(this.failedEvent(error));
    this.rejectResult(error);
    this.markSettled();
  }
}
