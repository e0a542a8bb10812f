import { type Logger, MAX_TRANSFER_FILES, MAX_TRANSFER_TEXT_BYTES, type TransferEntry, type TransferMessage, type TransferMessageOf, sanitizeDeviceName } from '@fileshare/protocol';
import { TransferError } from './errors.js';
import type { TransferEventSink } from './common.js';
import { offerEntriesProblem } from './path-safety.js';
import type { FileEntry, IncomingOffer, OfferDecision, OfferDeclineCode } from './types.js';

/**
 * What one incoming control message did to the offer being collected:
 *  - `more`: keep collecting;
 *  - `complete`: the whole offer is here and passed every check;
 *  - `problem`: the sender broke the protocol (the transfer fails with an `error`);
 *  - `decline`: a well-formed offer we refuse (the transfer ends with a `decline`).
 */
export type OfferStep =
  | { kind: 'more' }
  | { kind: 'complete' }
  | { kind: 'problem'; problem: string }
  | { kind: 'decline'; error: TransferError };

const MORE: OfferStep = { kind: 'more' };

/**
 * Collects an offer (the `offer` header, then `files` or `text` pages) and checks it, without any
 * I/O: page order, sizes against the header, the entry count and text size limits, and the path
 * rules over the whole entry list (PROTOCOL.md, "Order of a transfer", steps 1 and 2).
 */
export class OfferCollector {
  private header: TransferMessageOf<'offer'> | undefined;
  readonly entries: TransferEntry[] = [];
  private textParts: string[] = [];
  private textBytes = 0;
  private finished = false;
  /** Sanitized sender name (empty until the header arrived). */
  senderName = '';

  constructor(private readonly transferId: string) {}

  get offer(): TransferMessageOf<'offer'> | undefined {
    return this.header;
  }

  /** The whole text of a text offer (once complete); cleared after the first call. */
  takeText(): string | undefined {
    if (this.header?.kind !== 'text') return undefined;
    const text = this.textParts.join('');
    this.textParts = [];
    return text;
  }

  add(m: TransferMessage): OfferStep {
    if (this.finished) return { kind: 'problem', problem: `unexpected "${m.type}" after the offer` };
    const offer = this.header;
    if (!offer) return this.addHeader(m);
    if (offer.kind === 'files' && m.type === 'files') {
      if (m.first !== this.entries.length || this.entries.length + m.entries.length > offer.fileCount) return { kind: 'problem', problem: 'file list pages out of order' };
      this.entries.push(...m.entries);
    } else if (offer.kind === 'text' && m.type === 'text') {
      this.textBytes += Buffer.byteLength(m.data, 'utf8');
      if (this.textBytes > (offer.textBytes ?? 0)) return { kind: 'problem', problem: 'more text than announced' };
      this.textParts.push(m.data);
    } else {
      return { kind: 'problem', problem: `unexpected "${m.type}" in the offer` };
    }
    return this.maybeComplete();
  }

  private addHeader(m: TransferMessage): OfferStep {
    if (m.type !== 'offer') return { kind: 'problem', problem: `"${m.type}" before the offer` };
    if (m.transferId !== this.transferId) return { kind: 'problem', problem: 'offer for another transfer id' };
    this.header = m;
    this.senderName = sanitizeDeviceName(m.senderName);
    if (m.kind === 'text') {
      if (m.fileCount !== 0 || m.textBytes === undefined || m.totalBytes !== m.textBytes) return { kind: 'problem', problem: 'inconsistent text offer' };
      if (m.textBytes > MAX_TRANSFER_TEXT_BYTES) {
        this.finished = true;
        return { kind: 'decline', error: new TransferError('ERR_TRANSFER_TEXT_TOO_LARGE', `The text is ${m.textBytes} bytes; at most ${MAX_TRANSFER_TEXT_BYTES} are accepted.`) };
      }
    } else {
      if (m.textBytes !== undefined) return { kind: 'problem', problem: 'text size in a files offer' };
      if (m.fileCount === 0) return { kind: 'problem', problem: 'an offer of no files' };
      if (m.fileCount > MAX_TRANSFER_FILES) {
        this.finished = true;
        return { kind: 'decline', error: new TransferError('ERR_TRANSFER_UNSAFE_PATH', `The offer lists ${m.fileCount} entries; at most ${MAX_TRANSFER_FILES} are accepted.`) };
      }
    }
    return this.maybeComplete();
  }

  private maybeComplete(): OfferStep {
    const offer = this.header!;
    const complete = offer.kind === 'text' ? this.textBytes === offer.textBytes : this.entries.length === offer.fileCount;
    if (!complete) return MORE;
    this.finished = true;
    if (offer.kind === 'files') {
      const problem = offerEntriesProblem(this.entries);
      if (problem) {
        const error = new TransferError('ERR_TRANSFER_UNSAFE_PATH', `Refused the offer from ${this.senderName || 'the sender'}: ${problem.charAt(0).toLowerCase()}${problem.slice(1)}`);
        return { kind: 'decline', error };
      }
      const sum = this.entries.reduce((n, e) => n + e.size, 0);
      if (sum !== offer.totalBytes || !Number.isSafeInteger(sum)) return { kind: 'problem', problem: 'totalBytes is not the sum of the file sizes' };
    }
    return { kind: 'complete' };
  }
}

export interface DecisionRequest {
  transferId: string;
  peerId: string;
  senderName: string;
  entries: readonly TransferEntry[];
  totalBytes: number;
  text: string | undefined;
  policy: ((offer: IncomingOffer) => OfferDecision) | undefined;
  events: TransferEventSink;
  logger: Logger;
  timeoutMs: number;
  /** Called with the decision (at once for a policy's, later for a person's). */
  decide(decision: 'accept' | 'decline', busy?: 'ERR_TRANSFER_BUSY'): void;
  /** False once a decision was taken (or the transfer ended). */
  stillDeciding(): boolean;
  /** Nobody decided within `timeoutMs`. */
  timedOut(error: TransferError): void;
}

/**
 * Step 3 of a transfer: the accept policy decides, or (`ask`) the `offer` event waits for a
 * person's accept()/decline(), declined after the timeout. Emits `offered` either way. Returns
 * the decision timer when one was started (the caller clears it once decided).
 */
export function requestDecision(r: DecisionRequest): ReturnType<typeof setTimeout> | undefined {
  const files: FileEntry[] = r.entries.map((e) => ({ path: e.path, size: e.size, kind: e.kind }));
  const text = r.text !== undefined ? { text: r.text } : {};
  const incoming: IncomingOffer = {
    transferId: r.transferId,
    peerId: r.peerId,
    senderName: r.senderName,
    files,
    totalBytes: r.totalBytes,
    ...text,
    accept: () => r.decide('accept'),
    decline: (code?: OfferDeclineCode) => r.decide('decline', code === 'ERR_TRANSFER_BUSY' ? code : undefined),
  };
  let decision: OfferDecision = 'ask';
  try {
    decision = r.policy ? r.policy(incoming) : 'ask';
  } catch (cause) {
    r.logger.warn('accept policy threw; declining', { transferId: r.transferId, error: String(cause) });
    decision = 'decline';
  }
  const offered = { transferId: r.transferId, peerId: r.peerId, senderName: r.senderName, files, totalBytes: r.totalBytes, direction: 'receive' as const, ...text };
  if (decision !== 'ask') {
    r.events.offered(offered);
    r.decide(decision);
    return undefined;
  }
  // 'offer' first, so a listener of 'offered' already knows the offer awaits a decision.
  r.events.offer(incoming);
  r.events.offered(offered);
  if (!r.stillDeciding()) return undefined; // decided synchronously inside a listener
  const timer = setTimeout(() => {
    r.timedOut(new TransferError('ERR_TRANSFER_DECISION_TIMEOUT', `Nobody accepted the offer within ${Math.round(r.timeoutMs / 1000)} s; it was declined.`));
  }, r.timeoutMs);
  timer.unref?.();
  return timer;
}
