import type { IceCandidate } from '@fileshare/protocol';

interface Buffered {
  candidate: IceCandidate;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Remote candidates that arrived before both descriptions were set (protocol step 6). Each one
 * is dropped `ttlMs` after it arrived unless drained first; the buffer holds at most `max`.
 */
export class CandidateBuffer {
  private items: Buffered[] = [];

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly dropped: (reason: 'expired' | 'overflow') => void,
  ) {}

  get size(): number {
    return this.items.length;
  }

  push(candidate: IceCandidate): void {
    if (this.items.length >= this.max) {
      const oldest = this.items.shift();
      if (oldest) clearTimeout(oldest.timer);
      this.dropped('overflow');
    }
    const item: Buffered = {
      candidate,
      timer: setTimeout(() => {
        this.items = this.items.filter((i) => i !== item);
        this.dropped('expired');
      }, this.ttlMs),
    };
    this.items.push(item);
  }

  /** Returns the buffered candidates in arrival order and empties the buffer. */
  drain(): IceCandidate[] {
    const items = this.items;
    this.items = [];
    for (const item of items) clearTimeout(item.timer);
    return items.map((i) => i.candidate);
  }

  clear(): void {
    this.drain();
  }
}
