import type { NodeEvent } from '@fileshare/core';
import { EXIT, exitCodeFor } from './exit-codes.js';

/** Declines the node makes by itself (policy, busy): not a transfer that ends `receive --once`. */
const POLICY_DECLINES = new Set(['ERR_TRANSFER_DECLINED', 'ERR_TRANSFER_BUSY']);

/**
 * Follows the incoming transfers of `receive` to give it its exit code. With --once, the first
 * incoming transfer that is accepted (by the policy or by the person) or that the person declined
 * is "the" transfer: its end ends the command with its code (0 verified, 4 declined, 5
 * interrupted, 6 failed). Offers the policy declines by itself do not count: a stranger's offer
 * must not end a `receive --once --accept trusted`.
 */
export class ReceiveTracker {
  /** Resolves with the exit code once "the" transfer ended (--once only). */
  readonly done: Promise<number>;
  private finish: (code: number) => void = () => undefined;
  private finished = false;
  /** The sender of "the" transfer, once it ended (--once). */
  decidedPeerId: string | undefined;
  private readonly asked = new Set<string>();
  private readonly accepted = new Set<string>();
  private readonly ended = new Set<string>();

  constructor(private readonly once: boolean) {
    this.done = new Promise((resolveDone) => (this.finish = resolveDone));
  }

  /** --once: a transfer is under way (or over), so other offers are declined. */
  get taken(): boolean {
    return this.finished || [...this.accepted].some((id) => !this.ended.has(id)) || [...this.asked].some((id) => !this.ended.has(id));
  }

  /** The person answered about this offer (so its decline is the outcome of a --once). */
  answered(transferId: string, answer: 'accept' | 'decline' | 'trust'): void {
    this.asked.add(transferId);
    if (answer !== 'decline') this.accepted.add(transferId);
  }

  observe(e: NodeEvent): void {
    switch (e.event) {
      case 'transfer-started':
      case 'transfer-progress':
        if (e.direction === 'receive') this.accepted.add(e.transferId);
        return;
      case 'text-received':
        this.end(e.transferId, e.peerId, EXIT.ok);
        return;
      case 'transfer-complete':
        if (e.direction === 'receive') this.end(e.transferId, e.peerId, EXIT.ok);
        return;
      case 'transfer-failed':
        if (e.direction !== 'receive') return;
        if (POLICY_DECLINES.has(e.code) && !this.asked.has(e.transferId)) {
          this.ended.add(e.transferId);
          return;
        }
        this.end(e.transferId, e.peerId, exitCodeFor(e.code));
        return;
      default:
        return;
    }
  }

  /** The exit code when the person stops the command (Ctrl-C). */
  interruptedCode(): number {
    if (this.once) return EXIT.cancelled;
    return [...this.accepted].some((id) => !this.ended.has(id)) ? EXIT.cancelled : EXIT.ok;
  }

  private end(transferId: string, peerId: string, code: number): void {
    if (this.ended.has(transferId)) return;
    this.ended.add(transferId);
    if (!this.once || this.finished) return;
    this.finished = true;
    this.decidedPeerId = peerId;
    this.finish(code);
  }
}
