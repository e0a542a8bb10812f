import type { IceCandidate } from '@fileshare/protocol';

/**
 * Our gathered ICE candidates for one connection attempt, held back until they may go out
 * (protocol step 6: the initiator's once the answer is set, the responder's once the initiator's
 * first `ice` arrived), then sent in gathering order, each later one at once, and after the last
 * one the end-of-candidates marker `{"candidate":"","sdpMid":<mid>}`. The marker is what lets
 * the responder start sending when the initiator gathered no candidate at all (otherwise nothing
 * would ever trigger step 6), and it is WebRTC's own end-of-candidates form.
 */
export class LocalCandidates {
  private held: IceCandidate[] = [];
  private released = false;
  private gatheringComplete = false;
  private endSent = false;
  private discarded = false;

  /**
   * @param send puts one candidate (or the marker) on the wire.
   * @param mid the `a=mid` of our description, read when the marker goes out.
   */
  constructor(
    private readonly send: (candidate: IceCandidate) => void,
    private readonly mid: () => string,
  ) {}

  /** The stack gathered a candidate. */
  gathered(candidate: IceCandidate): void {
    if (this.discarded) return;
    if (this.released) this.send(candidate);
    else this.held.push(candidate);
  }

  /** The stack finished gathering: no more candidates follow. */
  complete(): void {
    if (this.discarded) return;
    this.gatheringComplete = true;
    if (this.released) this.sendEnd();
  }

  /** Our candidates may go out from now on. Idempotent. */
  release(): void {
    if (this.released || this.discarded) return;
    this.released = true;
    const held = this.held;
    this.held = [];
    for (const candidate of held) this.send(candidate);
    if (this.gatheringComplete) this.sendEnd();
  }

  /** The attempt is over: nothing more goes out. */
  discard(): void {
    this.discarded = true;
    this.held = [];
  }

  private sendEnd(): void {
    if (this.endSent) return;
    this.endSent = true;
    this.send({ candidate: '', sdpMid: this.mid() });
  }
}
