import { type Hash, createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, lstat, open, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type DataChannelLike,
  type Logger,
  MAX_TRANSFER_FILES,
  MAX_TRANSFER_TEXT_BYTES,
  type ResumeEntry,
  type TransferEntry,
  type TransferMessage,
  type TransferMessageOf,
  decodeChunk,
  sanitizeDeviceName,
} from '@fileshare/protocol';
import { ReorderBuffer } from './chunking.js';
import { type TransferEventSink, TransferBase } from './common.js';
import { ACK_FRACTION, CHECKPOINT_BYTES, MAX_PARALLEL_FINISH, MAX_WRITE_BATCH, OFFER_RECEIVE_TIMEOUT_MS, PAGE_TARGET_BYTES, PREFIX_HASH_READ_BYTES } from './constants.js';
import { TransferError, asTransferError, remoteError, writeError } from './errors.js';
import { type PartialStore, fileKey, rootKey } from './partial-store.js';
import { offerEntriesProblem, writtenForm } from './path-safety.js';
import { ProgressTracker } from './progress.js';
import { ensureDirInside, openPartFile, placeFile, reserveDir } from './safe-fs.js';
import type { FileEntry, IncomingOffer, OfferDecision, OfferDeclineCode } from './types.js';
import { Notifier } from './wait.js';

/** What the service lends every incoming transfer. */
export interface ReceiverContext {
  /** Creates the receive folder and the partial-data folder on first use; returns the receive folder's real path. */
  storage(): Promise<{ root: string; store: PartialStore }>;
  /** Resume keys and folder names held by running transfers (so two transfers never share a `.part`). */
  locks: Set<string>;
  acceptPolicy: ((offer: IncomingOffer) => OfferDecision) | undefined;
  decisionTimeoutMs: number;
  windowBytes: number;
  windowFiles: number;
  logger: Logger;
  events: TransferEventSink;
}

type Phase = 'offer' | 'deciding' | 'preparing' | 'receiving';

interface ReceiveFile {
  index: number;
  entry: TransferEntry;
  /** Resume key; undefined when another transfer holds it (this file then has no resume state). */
  key: string | undefined;
  partPath: string;
  /** Parent folder below the receive folder, after the top-level folder was mapped. */
  dirSegments: string[];
  name: string;
  /** What we told the sender we hold. */
  offered?: { offset: number; sha256: string; hash?: Hash; heldPath?: string };
  buffer?: ReorderBuffer<Buffer>;
  fh?: FileHandle;
  hash?: Hash;
  start?: number;
  expectedSha?: string;
  sinceCheckpoint: number;
  done: boolean;
}

type FileMessage = TransferMessageOf<'file-start'> | TransferMessageOf<'file-end'>;

function errno(cause: unknown): string | undefined {
  return (cause as NodeJS.ErrnoException | undefined)?.code;
}

/** Raw file-system errors on the receiving side become typed write errors (a full disk its own code). */
function receiveError(cause: unknown): TransferError {
  return errno(cause) !== undefined && !(cause instanceof TransferError) ? writeError(cause, 'received data') : asTransferError(cause);
}

/** Writes every byte of `buffers` at `position` (a positional write may be short on a nearly full disk). */
async function writeAll(fh: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let pending = buffers;
  let at = position;
  while (pending.length > 0) {
    const total = pending.reduce((n, b) => n + b.length, 0);
    const { bytesWritten } = await fh.writev(pending, at);
    if (bytesWritten === total) return;
    if (bytesWritten === 0) throw Object.assign(new Error('no bytes written'), { code: 'ENOSPC' });
    at += bytesWritten;
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const b of pending) {
      if (skip >= b.length) {
        skip -= b.length;
      } else {
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    pending = rest;
  }
}

/** One incoming transfer: collect and check the offer, get a decision, then receive, verify and place every file. */
export class IncomingTransfer extends TransferBase {
  private phase: Phase = 'offer';
  private offerMsg: TransferMessageOf<'offer'> | undefined;
  private readonly entries: TransferEntry[] = [];
  private textParts: string[] = [];
  private textBytes = 0;
  private senderName = '';
  private offerTimer: ReturnType<typeof setTimeout> | undefined;
  private decisionTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly files = new Map<number, ReceiveFile>();
  private fileOrder: number[] = [];
  private nextFilePos = 0;
  private current: ReceiveFile | undefined;
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
  private readonly roots: string[] = [];
  private root = '';
  private store: PartialStore | undefined;
  private progress: ProgressTracker | undefined;
  private work: Promise<void> = Promise.resolve();
  private readonly finishing = new Set<Promise<void>>();
  private readonly completedByIndex = new Map<number, { path: string; size: number; sha256: string }>();
  private readonly ensuredDirs = new Map<string, Promise<string>>();
  readonly settled: Promise<void>;
  private markSettled!: () => void;

  constructor(
    transferId: string,
    peerId: string,
    ctl: DataChannelLike,
    private readonly ctx: ReceiverContext,
  ) {
    super(transferId, peerId, 'receive', ctx.logger);
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

  // ---- control messages ------------------------------------------------------------------------

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
      case 'offer':
        return this.handleOffer(m);
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

  private handleOffer(m: TransferMessage): string | undefined {
    const offer = this.offerMsg;
    if (!offer) {
      if (m.type !== 'offer') return `"${m.type}" before the offer`;
      if (m.transferId !== this.transferId) return 'offer for another transfer id';
      this.offerMsg = m;
      this.senderName = sanitizeDeviceName(m.senderName);
      if (m.kind === 'text') {
        if (m.fileCount !== 0 || m.textBytes === undefined || m.totalBytes !== m.textBytes) return 'inconsistent text offer';
        if (m.textBytes > MAX_TRANSFER_TEXT_BYTES) {
          this.declineWith(new TransferError('ERR_TRANSFER_TEXT_TOO_LARGE', `The text is ${m.textBytes} bytes; at most ${MAX_TRANSFER_TEXT_BYTES} are accepted.`));
          return undefined;
        }
      } else {
        if (m.textBytes !== undefined) return 'text size in a files offer';
        if (m.fileCount === 0) return 'an offer of no files';
        if (m.fileCount > MAX_TRANSFER_FILES) {
          this.declineWith(new TransferError('ERR_TRANSFER_UNSAFE_PATH', `The offer lists ${m.fileCount} entries; at most ${MAX_TRANSFER_FILES} are accepted.`));
          return undefined;
        }
      }
      this.maybeOfferComplete();
      return undefined;
    }
    if (offer.kind === 'files' && m.type === 'files') {
      if (m.first !== this.entries.length || this.entries.length + m.entries.length > offer.fileCount) return 'file list pages out of order';
      this.entries.push(...m.entries);
    } else if (offer.kind === 'text' && m.type === 'text') {
      this.textBytes += Buffer.byteLength(m.data, 'utf8');
      if (this.textBytes > (offer.textBytes ?? 0)) return 'more text than announced';
      this.textParts.push(m.data);
    } else {
      return `unexpected "${m.type}" in the offer`;
    }
    this.maybeOfferComplete();
    return undefined;
  }

  private maybeOfferComplete(): void {
    const offer = this.offerMsg!;
    const complete = offer.kind === 'text' ? this.textBytes === offer.textBytes : this.entries.length === offer.fileCount;
    if (!complete || this.isEnded) return;
    clearTimeout(this.offerTimer);
    this.phase = 'deciding';
    if (offer.kind === 'files') {
      const problem = offerEntriesProblem(this.entries);
      if (problem) {
        this.declineWith(new TransferError('ERR_TRANSFER_UNSAFE_PATH', `Refused the offer from ${this.senderName || 'the sender'}: ${problem.charAt(0).toLowerCase()}${problem.slice(1)}`));
        return;
      }
      const sum = this.entries.reduce((n, e) => n + e.size, 0);
      if (sum !== offer.totalBytes || !Number.isSafeInteger(sum)) {
        this.fail(this.protocolError('totalBytes is not the sum of the file sizes'), 'error');
        return;
      }
    }
    this.decide();
  }

  private decide(): void {
    const offer = this.offerMsg!;
    this.logger.debug('offer received', { transferId: this.transferId, peerId: this.peerId, kind: offer.kind, entries: this.entries.length, bytes: offer.totalBytes });
    const text = offer.kind === 'text' ? this.textParts.join('') : undefined;
    this.textParts = [];
    const files: FileEntry[] = this.entries.map((e) => ({ path: e.path, size: e.size, kind: e.kind }));
    const incoming: IncomingOffer = {
      transferId: this.transferId,
      peerId: this.peerId,
      senderName: this.senderName,
      files,
      totalBytes: offer.totalBytes,
      ...(text !== undefined ? { text } : {}),
      accept: () => this.onDecision('accept', text),
      decline: (code?: OfferDeclineCode) => this.onDecision('decline', text, code === 'ERR_TRANSFER_BUSY' ? code : undefined),
    };
    let decision: OfferDecision = 'ask';
    try {
      decision = this.ctx.acceptPolicy ? this.ctx.acceptPolicy(incoming) : 'ask';
    } catch (cause) {
      this.logger.warn('accept policy threw; declining', { transferId: this.transferId, error: String(cause) });
      decision = 'decline';
    }
    const offered = {
      transferId: this.transferId,
      peerId: this.peerId,
      senderName: this.senderName,
      files,
      totalBytes: offer.totalBytes,
      direction: 'receive' as const,
      ...(text !== undefined ? { text } : {}),
    };
    if (decision === 'ask') {
      // 'offer' first, so a listener of 'offered' already knows the offer awaits a decision.
      this.ctx.events.offer(incoming);
      this.ctx.events.offered(offered);
      if (this.phase !== 'deciding') return; // decided synchronously inside a listener
      this.decisionTimer = setTimeout(() => {
        this.declineWith(new TransferError('ERR_TRANSFER_DECISION_TIMEOUT', `Nobody accepted the offer within ${Math.round(this.ctx.decisionTimeoutMs / 1000)} s; it was declined.`));
      }, this.ctx.decisionTimeoutMs);
      this.decisionTimer.unref?.();
    } else {
      this.ctx.events.offered(offered);
      this.onDecision(decision, text);
    }
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
    const offer = this.offerMsg!;
    if (text !== undefined) {
      this.sendControl({ type: 'accept', windowBytes: this.ctx.windowBytes, windowFiles: this.ctx.windowFiles, resumeCount: 0 });
      this.sendControl({ type: 'complete' });
      if (!this.endOk(false)) return;
      this.bytesTransferred = offer.totalBytes;
      this.cleanup();
      this.ctx.events.text({ transferId: this.transferId, peerId: this.peerId, senderName: this.senderName, text });
      this.ctx.events.complete(this.buildResult());
      this.markSettled();
      return;
    }
    const { root, store } = await this.ctx.storage();
    this.root = root;
    this.store = store;
    if (this.isEnded) return;
    const resume = await this.prepare(root, store);
    if (this.isEnded) return;
    this.logger.debug('offer prepared', { transferId: this.transferId, resume: resume.length });

    this.phase = 'receiving';
    this.chunkLimit = Math.min(offer.chunkBytes, this.ctx.windowBytes);
    this.maxBufferedChunks = this.ctx.windowFiles + Math.ceil(this.ctx.windowBytes / this.chunkLimit) + 1;
    this.progress = new ProgressTracker({
      totalBytes: offer.totalBytes,
      emit: (s) => this.ctx.events.progress({ transferId: this.transferId, direction: 'receive', peerId: this.peerId, ...s }),
    });
    this.sendControl({ type: 'accept', windowBytes: this.ctx.windowBytes, windowFiles: this.ctx.windowFiles, resumeCount: resume.length });
    const perPage = Math.max(1, Math.floor(PAGE_TARGET_BYTES / 120));
    for (let i = 0; i < resume.length; i += perPage) this.sendControl({ type: 'resume', entries: resume.slice(i, i + perPage) });
    await this.receiveLoop();
  }

  private lock(name: string): boolean {
    if (this.ctx.locks.has(name)) return false;
    this.ctx.locks.add(name);
    this.held.push(name);
    return true;
  }

  /**
   * Maps top-level folders (reusing the folder of an interrupted transfer of the same folder from
   * the same sender, else a fresh `name (n)`), creates every listed folder, finds resume state,
   * and checks the disk has room for what is still missing. Returns the resume entries to offer.
   * Names are written in NFC; resume keys and records keep the paths as offered, so a resumed
   * offer (which repeats them byte for byte) finds its state.
   */
  private async prepare(root: string, store: PartialStore): Promise<ResumeEntry[]> {
    const mapping = new Map<string, string>();
    for (const e of this.entries) {
      const segments = e.path.split('/');
      const top = segments[0]!;
      if ((segments.length === 1 && e.kind === 'file') || mapping.has(top)) continue;
      mapping.set(top, await this.mapRoot(root, store, top));
    }
    const mapped = (path: string): string[] => {
      const offeredTop = path.split('/', 1)[0]!;
      const segments = writtenForm(path).split('/');
      const top = mapping.get(offeredTop);
      return top !== undefined ? [top, ...segments.slice(1)] : segments;
    };
    for (const e of this.entries) {
      if (e.kind === 'directory') await ensureDirInside(root, mapped(e.path));
    }

    const resume: ResumeEntry[] = [];
    let missing = 0;
    for (const [index, entry] of this.entries.entries()) {
      if (entry.kind !== 'file') continue;
      const segments = mapped(entry.path);
      const candidateKey = fileKey(this.peerId, entry.path, entry.size, entry.mtimeMs);
      const key = this.lock(`file:${candidateKey}`) ? candidateKey : undefined;
      const file: ReceiveFile = {
        index,
        entry,
        key,
        partPath: key ? store.partPath(key) : store.scratchPartPath(),
        dirSegments: segments.slice(0, -1),
        name: segments[segments.length - 1]!,
        sinceCheckpoint: 0,
        done: false,
      };
      if (key && entry.size > 0) {
        const offered = await this.findResume(root, store, file, segments);
        if (offered) {
          file.offered = offered;
          resume.push({ index, offset: offered.offset, sha256: offered.sha256 });
        }
      }
      missing += entry.size - (file.offered?.offset ?? 0);
      this.files.set(index, file);
      this.fileOrder.push(index);
    }
    await this.checkFreeSpace(root, missing);
    return resume;
  }

  /** `top` as offered (the folder record's key and name); the folder created gets its NFC form. */
  private async mapRoot(root: string, store: PartialStore, top: string): Promise<string> {
    const key = rootKey(this.peerId, top);
    const written = writtenForm(top);
    if (this.lock(`root:${key}`)) {
      const record = await store.readRoot(key);
      if (record && record.peerId === this.peerId && record.name === top && this.lock(`dir:${record.finalName}`)) {
        try {
          const st = await lstat(join(root, record.finalName));
          if (st.isDirectory() && !st.isSymbolicLink()) {
            this.roots.push(key);
            return record.finalName;
          }
        } catch {
          // Gone: pick a fresh name below.
        }
      }
      const finalName = await reserveDir(root, written, (c) => this.ctx.locks.has(`dir:${c}`));
      this.lock(`dir:${finalName}`);
      await store.writeRoot(key, { v: 1, peerId: this.peerId, name: top, finalName, updatedAt: Date.now() });
      this.roots.push(key);
      return finalName;
    }
    // The same folder is arriving in another transfer right now: keep them apart.
    const finalName = await reserveDir(root, written, (c) => this.ctx.locks.has(`dir:${c}`));
    this.lock(`dir:${finalName}`);
    return finalName;
  }

  /** Resume state for one file: a verified file from an interrupted run, or a durable `.part` prefix (re-hashed from disk). */
  private async findResume(root: string, store: PartialStore, file: ReceiveFile, segments: string[]): Promise<ReceiveFile['offered']> {
    const record = await store.readFile(file.key!);
    if (!record || record.peerId !== this.peerId || record.path !== file.entry.path || record.size !== file.entry.size) return undefined;
    if (record.state === 'done') {
      const finalPath = record.finalPath!;
      const sameFolder = segments.length === 1 ? !finalPath.includes('/') : finalPath.split('/')[0] === segments[0];
      if (!sameFolder) return undefined;
      try {
        const st = await lstat(join(root, finalPath));
        if (st.isFile() && st.size === file.entry.size && st.mtimeMs === record.finalMtimeMs) {
          return { offset: file.entry.size, sha256: record.sha256!, heldPath: finalPath };
        }
      } catch {
        // The earlier file is gone: receive it again.
      }
      return undefined;
    }
    let fh: FileHandle | undefined;
    try {
      fh = await open(file.partPath, constants.O_RDONLY | constants.O_NOFOLLOW);
      const st = await fh.stat();
      const length = Math.min(record.verifiedBytes, st.size);
      if (!st.isFile() || length === 0) return undefined;
      const hash = createHash('sha256');
      const buf = Buffer.allocUnsafe(Math.min(length, PREFIX_HASH_READ_BYTES));
      for (let at = 0; at < length; ) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - at), at);
        if (bytesRead === 0) return undefined;
        hash.update(buf.subarray(0, bytesRead));
        at += bytesRead;
        if (this.isEnded) return undefined;
      }
      return { offset: length, sha256: hash.copy().digest('hex'), hash };
    } catch {
      return undefined;
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }

  private async checkFreeSpace(root: string, missing: number): Promise<void> {
    let available: number;
    try {
      const st = await statfs(root);
      available = st.bavail * st.bsize;
    } catch {
      return; // Unknown: let the writes tell.
    }
    if (missing > available) {
      throw new TransferError(
        'ERR_TRANSFER_DISK_FULL',
        `Not enough space in the receive folder: ${missing} bytes needed, ${available} available.`,
      );
    }
  }

  // ---- receiving -------------------------------------------------------------------------------

  attachData(index: number, ch: DataChannelLike): void {
    // After the end the sender closes what it opened; closing it from here too would race.
    if (this.isEnded) return;
    if (this.phase !== 'receiving' || index >= (this.offerMsg?.channels ?? 0) || this.dataIndexes.has(index)) {
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
        await this.write(file, batch.chunks, batch.offset, batch.bytes);
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
        await this.finishInBackground(file);
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
    if (m.offset > 0) {
      this.resumedBytes += m.offset;
      this.progress?.addResumed(m.offset, file.entry.path);
    }
    if (offered?.heldPath !== undefined && m.offset === file.entry.size) return; // already placed by an earlier run
    try {
      file.fh = await this.openPart(file);
      await file.fh.truncate(m.offset);
    } catch (cause) {
      throw writeError(cause, `the partial file for ${JSON.stringify(file.entry.path)}`);
    }
    file.hash = m.offset > 0 && offered?.hash ? offered.hash : createHash('sha256');
    if (offered) delete offered.hash;
  }

  private async openPart(file: ReceiveFile): Promise<FileHandle> {
    const st = await lstat(file.partPath).catch((cause: unknown) => {
      if (errno(cause) === 'ENOENT') return undefined;
      throw cause;
    });
    if (st && !st.isFile()) {
      throw new TransferError('ERR_TRANSFER_UNSAFE_PATH', 'A partial file in the receive folder is not a regular file; not writing through it.');
    }
    return openPartFile(file.partPath);
  }

  private async write(file: ReceiveFile, chunks: Buffer[], offset: number, bytes: number): Promise<void> {
    try {
      await writeAll(file.fh!, chunks, offset);
    } catch (cause) {
      // The bytes before `offset` are intact: make them the resume point.
      throw writeError(cause, JSON.stringify(file.entry.path));
    }
    for (const c of chunks) file.hash!.update(c);
    this.consumedBytes += bytes;
    this.bytesTransferred += bytes;
    file.sinceCheckpoint += bytes;
    this.progress?.add(bytes, file.entry.path);
    this.ack(false);
    if (file.sinceCheckpoint >= CHECKPOINT_BYTES && file.key) await this.checkpoint(file);
  }

  /** The part of a resume record that identifies the file (the resume key's inputs). */
  private recordOf(file: ReceiveFile) {
    return {
      v: 1 as const,
      peerId: this.peerId,
      path: file.entry.path,
      size: file.entry.size,
      ...(file.entry.mtimeMs !== undefined ? { mtimeMs: file.entry.mtimeMs } : {}),
      updatedAt: Date.now(),
    };
  }

  /** Makes the received prefix durable, then records its length: a record never claims bytes a crash could lose. */
  private async checkpoint(file: ReceiveFile): Promise<void> {
    try {
      await file.fh!.datasync();
      await this.store!.writeFile(file.key!, { ...this.recordOf(file), state: 'partial', verifiedBytes: file.buffer!.nextOffset }, true);
      file.sinceCheckpoint = 0;
    } catch (cause) {
      throw writeError(cause, JSON.stringify(file.entry.path));
    }
  }

  private ack(force: boolean): void {
    const unacked = this.consumedBytes - this.ackedBytes;
    if (unacked === 0 || (!force && unacked < this.ctx.windowBytes / ACK_FRACTION)) return;
    this.ackedBytes = this.consumedBytes;
    this.sendControl({ type: 'ack', bytes: this.consumedBytes });
  }

  /**
   * Verifies and places a finished file while the next ones are received: each finish is a dozen
   * small file-system calls (sync, link, record), and overlapping them keeps many small files fast.
   */
  private async finishInBackground(file: ReceiveFile): Promise<void> {
    while (this.finishing.size >= MAX_PARALLEL_FINISH) await Promise.race(this.finishing);
    const done = this.finishFile(file).catch((cause: unknown) => this.fail(receiveError(cause), 'error'));
    const tracked = done.then(() => {
      this.finishing.delete(tracked);
    });
    this.finishing.add(tracked);
  }

  private async finishFile(file: ReceiveFile): Promise<void> {
    const offered = file.offered;
    let finalPath: string;
    let sha256: string;
    if (!file.fh && offered?.heldPath !== undefined) {
      if (file.expectedSha !== offered.sha256) throw new TransferError('ERR_TRANSFER_INTEGRITY', `${JSON.stringify(file.entry.path)}: the sender's hash differs from the one it confirmed.`);
      finalPath = offered.heldPath;
      sha256 = offered.sha256;
    } else {
      const fh = file.fh!;
      sha256 = file.hash!.digest('hex');
      try {
        await fh.datasync();
      } catch (cause) {
        throw writeError(cause, JSON.stringify(file.entry.path));
      } finally {
        file.fh = undefined;
        await fh.close().catch(() => undefined);
      }
      if (sha256 !== file.expectedSha) {
        // Neither the data nor its prefix can be trusted for a resume: drop both.
        if (file.key) await this.store!.removeFile(file.key);
        else await this.store!.unlinkQuiet(file.partPath);
        throw new TransferError(
          'ERR_TRANSFER_INTEGRITY',
          `${JSON.stringify(file.entry.path)} arrived damaged (SHA-256 mismatch); it was not saved.`,
        );
      }
      const dir = await this.ensureDir(file.dirSegments);
      let name: string;
      try {
        name = await placeFile(this.root, dir, file.name, file.partPath);
      } catch (cause) {
        throw writeError(cause, JSON.stringify(file.entry.path));
      }
      finalPath = [...file.dirSegments, name].join('/');
      if (file.key) await this.recordDone(file, finalPath, sha256);
    }
    if (this.isEnded) return;
    file.done = true;
    file.buffer = undefined;
    this.completedByIndex.set(file.index, { path: finalPath, size: file.entry.size, sha256 });
    this.ack(true);
    this.sendControl({ type: 'file-done', index: file.index, path: finalPath });
  }

  /**
   * Remembers a placed file until the transfer completes, so a resumed transfer skips it. Best
   * effort: the file itself is safe, and without the record it would merely be sent again.
   */
  private async recordDone(file: ReceiveFile, finalPath: string, sha256: string): Promise<void> {
    try {
      const st = await lstat(join(this.root, finalPath));
      await this.store!.writeFile(
        file.key!,
        { ...this.recordOf(file), state: 'done', verifiedBytes: file.entry.size, finalPath, finalMtimeMs: st.mtimeMs, sha256 },
        false,
      );
    } catch (cause) {
      this.logger.warn('could not record a finished file for resume', { transferId: this.transferId, path: finalPath, error: String(cause) });
    }
  }

  /** Folders are checked and created once per transfer; placing a file re-checks its folder's real path anyway. */
  private ensureDir(segments: string[]): Promise<string> {
    const key = segments.join('/');
    let dir = this.ensuredDirs.get(key);
    if (!dir) {
      dir = ensureDirInside(this.root, segments);
      this.ensuredDirs.set(key, dir);
      dir.catch(() => this.ensuredDirs.delete(key));
    }
    return dir;
  }

  private async complete(): Promise<void> {
    while (this.finishing.size > 0) await Promise.all(this.finishing);
    if (this.isEnded) return;
    for (const i of [...this.completedByIndex.keys()].sort((a, b) => a - b)) this.completed.push(this.completedByIndex.get(i)!);
    this.ack(true);
    // Resume state goes before `complete` is sent: a record outliving a finished transfer would
    // make a later, deliberate re-send of the same file look like a resume.
    for (const file of this.files.values()) if (file.key) await this.store!.removeFile(file.key);
    for (const key of this.roots) await this.store!.removeRoot(key);
    this.sendControl({ type: 'complete' });
    if (!this.endOk(false)) return;
    this.cleanup();
    this.progress?.finish();
    const result = this.buildResult(this.root);
    this.logger.info('transfer received', { transferId: this.transferId, peerId: this.peerId, files: result.files.length, bytes: result.bytesTransferred, resumed: result.resumedBytes });
    this.ctx.events.complete(result);
    this.markSettled();
  }

  private cleanup(): void {
    clearTimeout(this.offerTimer);
    clearTimeout(this.decisionTimer);
    for (const name of this.held.splice(0)) this.ctx.locks.delete(name);
    for (const file of this.files.values()) file.buffer?.clear();
  }

  /**
   * Writes the in-order chunks that arrived but were not written yet when the transfer broke (up
   * to a window's worth), so a resume need not ask for them again. Returns the length of the
   * prefix now on disk; a write that fails leaves it at what was written before.
   */
  private async writeHeldPrefix(file: ReceiveFile, fh: FileHandle): Promise<number> {
    const buffer = file.buffer;
    if (!buffer) return 0;
    let written = buffer.nextOffset;
    try {
      for (;;) {
        const batch = buffer.takeContiguous(MAX_WRITE_BATCH);
        if (batch.chunks.length === 0) return written;
        await writeAll(fh, batch.chunks, batch.offset);
        written = batch.offset + batch.bytes;
      }
    } catch (cause) {
      this.logger.warn('could not write the data held in memory', { transferId: this.transferId, error: String(cause) });
      return written;
    }
  }

  protected async afterFailure(error: TransferError): Promise<void> {
    clearTimeout(this.offerTimer);
    clearTimeout(this.decisionTimer);
    this.progress?.stop();
    await this.work;
    while (this.finishing.size > 0) await Promise.all(this.finishing);
    const file = this.current;
    if (file?.fh) {
      const fh = file.fh;
      file.fh = undefined;
      try {
        // Keep what arrived intact for a resume: write what is held in memory (when the failure
        // was not our disk's), sync it, then record its length.
        const keepsHeld = error.code === 'ERR_TRANSFER_PEER_GONE' || error.code === 'ERR_TRANSFER_CANCELLED';
        const length = file.key && keepsHeld ? await this.writeHeldPrefix(file, fh) : (file.buffer?.nextOffset ?? 0);
        if (file.key && length > 0) {
          await fh.datasync();
          await this.store!.writeFile(
            file.key,
            {
              v: 1,
              peerId: this.peerId,
              path: file.entry.path,
              size: file.entry.size,
              ...(file.entry.mtimeMs !== undefined ? { mtimeMs: file.entry.mtimeMs } : {}),
              state: 'partial',
              verifiedBytes: length,
              updatedAt: Date.now(),
            },
            true,
          );
        } else if (!file.key) {
          await this.store?.unlinkQuiet(file.partPath);
        }
      } catch (cause) {
        this.logger.warn('could not record partial data', { transferId: this.transferId, error: String(cause) });
      } finally {
        await fh.close().catch(() => undefined);
      }
    }
    this.cleanup();
    this.ctx.events.failed(this.failedEvent(error));
    this.markSettled();
  }
}
