import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { safeForTerminal, type TransferFile } from '@fileshare/core';
import { formatBytes, isTextOffer, plural, short } from './format.js';

/** y: accept this offer; n: decline it; t: trust the sender (trust file) and accept. */
export type OfferAnswer = 'accept' | 'decline' | 'trust';

export interface OfferQuestion {
  peerId: string;
  peerName: string;
  /** Set once the sender proved its key (always, for an offer that reached a decision). */
  verificationCode?: string;
  files: readonly TransferFile[];
  totalBytes: number;
  /** The sender carries the name of this trusted device but is another one. */
  lookalikeOf?: string;
}

/** Entries listed in a prompt; the rest are counted. */
const LISTED = 8;

/** The question shown for an offer, without the answer line. */
export function describeOffer(q: OfferQuestion): string {
  const name = safeForTerminal(q.peerName) || 'unnamed device';
  const lines = [`Offer from ${name} (${short(q.peerId)})${q.verificationCode !== undefined ? `, verification code ${q.verificationCode}` : ''}`];
  if (q.lookalikeOf !== undefined) {
    lines.push(`  WARNING: it uses the name of your trusted device ${short(q.lookalikeOf)} but is ANOTHER device (id ${q.peerId}).`);
  }
  if (isTextOffer(q)) {
    lines.push(`  a text message, ${formatBytes(q.totalBytes)}`);
    return lines.join('\n');
  }
  const files = q.files.filter((f) => f.kind === 'file').length;
  const folders = q.files.length - files;
  lines.push(`  ${plural(files, 'file')}${folders > 0 ? ` in ${plural(folders, 'folder')}` : ''}, ${formatBytes(q.totalBytes)} in all:`);
  for (const f of q.files.slice(0, LISTED)) {
    lines.push(`    ${safeForTerminal(f.path)}${f.kind === 'directory' ? '/' : `  ${formatBytes(f.size)}`}`);
  }
  if (q.files.length > LISTED) lines.push(`    ... and ${q.files.length - LISTED} more`);
  return lines.join('\n');
}

export const ANSWER_PROMPT = 'Accept? [y]es, [n]o, [t]rust this device and accept (only if the code matches the one it shows): ';

export function parseAnswer(line: string): OfferAnswer | undefined {
  switch (line.trim().toLowerCase()) {
    case 'y':
    case 'yes':
      return 'accept';
    case 'n':
    case 'no':
      return 'decline';
    case 't':
    case 'trust':
      return 'trust';
    default:
      return undefined;
  }
}

/**
 * Asks about incoming offers on a terminal (questions on `output`, answers from `input`), one
 * offer at a time in the order they came. An offer withdrawn while asked (the sender cancelled,
 * it timed out) stops its question. Once input ends, every offer is declined.
 */
export class OfferPrompter {
  private readonly rl: Interface;
  private queue: Promise<unknown> = Promise.resolve();
  private ended = false;

  constructor(
    input: Readable,
    private readonly output: Writable,
  ) {
    this.rl = createInterface({ input, output, terminal: (output as { isTTY?: boolean }).isTTY === true });
    this.rl.once('close', () => (this.ended = true));
    // On a terminal readline reads keys raw, so Ctrl-C reaches it as a key, not as a signal:
    // passed on as the signal, it stops the command as it does everywhere else.
    this.rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
  }

  /** Resolves with the answer, or 'withdrawn' when `signal` aborted first. */
  ask(q: OfferQuestion, signal: AbortSignal): Promise<OfferAnswer | 'withdrawn'> {
    const next = this.queue.then(() => this.askNow(q, signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.rl.close();
  }

  private async askNow(q: OfferQuestion, signal: AbortSignal): Promise<OfferAnswer | 'withdrawn'> {
    if (signal.aborted) return 'withdrawn';
    if (this.ended) return 'decline';
    this.output.write(`\n${describeOffer(q)}\n`);
    for (;;) {
      const line = await this.question(ANSWER_PROMPT, signal);
      if (line === undefined) {
        if (signal.aborted) {
          this.output.write('\n(the offer was withdrawn)\n');
          return 'withdrawn';
        }
        this.output.write('\n(input ended: declined)\n');
        return 'decline';
      }
      const answer = parseAnswer(line);
      if (answer !== undefined) return answer;
      this.output.write('Please answer y, n or t.\n');
    }
  }

  /** One answer line; undefined when aborted or input ended. */
  private question(query: string, signal: AbortSignal): Promise<string | undefined> {
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((answered) => {
      const onClose = (): void => answered(undefined);
      this.rl.once('close', onClose);
      this.rl.question(query, { signal }, (line) => {
        this.rl.off('close', onClose);
        answered(line);
      });
      signal.addEventListener(
        'abort',
        () => {
          this.rl.off('close', onClose);
          answered(undefined);
        },
        { once: true },
      );
    });
  }
}
