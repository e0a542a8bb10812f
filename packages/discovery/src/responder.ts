import type { Answer } from 'dns-packet';
import { MIN_MULTICAST_INTERVAL_MS } from './constants.js';
import { recordKey } from './records.js';

export interface ResponseSchedulerInit {
  /** Multicasts one response on the interface. */
  send: (answers: Answer[], additionals: Answer[]) => void;
  now?: () => number;
}

/**
 * Multicast answers of one interface: delays them as asked (RFC 6762 6: 20-120 ms for shared
 * records), merges answers that come due together into one packet, and multicasts a record at
 * most once per second per interface (RFC 6762 6); a record that went out less than a second ago
 * waits until the second is over.
 */
export class ResponseScheduler {
  private readonly sendPacket: ResponseSchedulerInit['send'];
  private readonly now: () => number;
  private readonly lastSent = new Map<string, number>();
  private answers = new Map<string, Answer>();
  private additionals = new Map<string, Answer>();
  private sendAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(init: ResponseSchedulerInit) {
    this.sendPacket = init.send;
    this.now = init.now ?? Date.now;
  }

  schedule(answers: readonly Answer[], additionals: readonly Answer[], delayMs: number): void {
    if (this.closed || answers.length === 0) return;
    const now = this.now();
    let at = now + delayMs;
    for (const a of answers) {
      const key = recordKey(a);
      const last = this.lastSent.get(key);
      if (last !== undefined) at = Math.max(at, last + MIN_MULTICAST_INTERVAL_MS);
      this.answers.set(key, a);
    }
    for (const a of additionals) this.additionals.set(recordKey(a), a);
    if (this.timer === undefined || at > this.sendAt) {
      this.sendAt = Math.max(at, this.sendAt);
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), Math.max(0, this.sendAt - now));
    }
  }

  /** Records that were just multicast by someone else in this module (announcements). */
  noteSent(records: readonly Answer[]): void {
    const now = this.now();
    for (const a of records) this.lastSent.set(recordKey(a), now);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.answers.clear();
    this.additionals.clear();
  }

  private flush(): void {
    this.timer = undefined;
    this.sendAt = 0;
    const now = this.now();
    // Sent (by an announcement) after this answer was scheduled: the querier has it already.
    const answers = [...this.answers].filter(([key]) => {
      const last = this.lastSent.get(key);
      return last === undefined || now - last >= MIN_MULTICAST_INTERVAL_MS;
    });
    const additionals = [...this.additionals].filter(([key]) => !this.answers.has(key));
    this.answers = new Map();
    this.additionals = new Map();
    if (answers.length === 0) return;
    const all = [...answers.map(([, a]) => a), ...additionals.map(([, a]) => a)];
    this.noteSent(all);
    this.sendPacket(
      answers.map(([, a]) => a),
      additionals.map(([, a]) => a),
    );
  }
}
