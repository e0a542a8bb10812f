import type { PeerTiming } from './types.js';

export type OfferRoundTiming = Pick<PeerTiming, 'answerTimeoutMs' | 'retryDelaysMs'>;

/**
 * The initiator's schedule for one peer (protocol step 3): a round of up to 1 + retries offers,
 * each waiting `answerTimeoutMs` for its answer, with a pause before each further offer
 * (10 s, then 1, 2 and 4 s by default: offers at 0, 11, 23, 37 s, the round over at 47 s).
 * It holds at most one timer, the answer timeout or the pause; `stop` clears it.
 */
export class OfferRound {
  private offers = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly timing: OfferRoundTiming) {}

  /** Offers made in the current round, the current one included. */
  get offersMade(): number {
    return this.offers;
  }

  /** The most offers one round makes. */
  get offersPerRound(): number {
    return 1 + this.timing.retryDelaysMs.length;
  }

  /** A new round: the count starts again. */
  restart(): void {
    this.stop();
    this.offers = 0;
  }

  /** The next offer of the round is being made; returns its number (from 1). */
  nextOffer(): number {
    this.stop();
    this.offers += 1;
    return this.offers;
  }

  /** The offer went out: `timedOut` runs if no answer stops the round within the answer timeout. */
  awaitAnswer(timedOut: () => void): void {
    this.stop();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      timedOut();
    }, this.timing.answerTimeoutMs);
  }

  /**
   * No answer came: `due` runs after the pause before the next offer, whose length is returned;
   * undefined when that was the round's last offer (nothing is scheduled).
   */
  pauseBeforeNextOffer(due: () => void): number | undefined {
    this.stop();
    const delay = this.timing.retryDelaysMs[this.offers - 1];
    if (delay === undefined) return undefined;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      due();
    }, delay);
    return delay;
  }

  /** An answer came, the attempt failed or the peer went: no more offers in this round. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
