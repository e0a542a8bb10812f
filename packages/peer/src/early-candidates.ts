import type { IceCandidate, Logger } from '@fileshare/protocol';
import { CandidateBuffer } from './candidate-buffer.js';

/**
 * ICE candidates from lower-id peers (they offer to us) that arrived before their offer: the
 * signaling layer keeps order only within one TCP connection, and it may switch connections.
 * They are applied to the connection that offer creates. Bounded in candidates per peer (oldest
 * dropped), in lifetime, and in peers (the oldest peer's dropped): ids that never send an
 * offer must not make them pile up.
 */
export class EarlyCandidates {
  private readonly byPeer = new Map<string, CandidateBuffer>();

  constructor(
    private readonly limits: { ttlMs: number; perPeer: number; peers: number },
    private readonly logger: Logger,
  ) {}

  hold(peerId: string, candidate: IceCandidate): void {
    let buffer = this.byPeer.get(peerId);
    if (!buffer) {
      if (this.byPeer.size >= this.limits.peers) {
        const [oldest] = this.byPeer.keys();
        if (oldest !== undefined) this.forget(oldest);
      }
      const created = new CandidateBuffer(this.limits.ttlMs, this.limits.perPeer, (why) => {
        this.logger.warn('dropped a buffered ICE candidate', { peerId, why });
        if (created.size === 0 && this.byPeer.get(peerId) === created) this.byPeer.delete(peerId);
      });
      buffer = created;
      this.byPeer.set(peerId, buffer);
    }
    buffer.push(candidate);
  }

  /** The peer's held candidates in arrival order; they are forgotten here. */
  take(peerId: string): IceCandidate[] {
    const buffer = this.byPeer.get(peerId);
    if (!buffer) return [];
    this.byPeer.delete(peerId);
    return buffer.drain();
  }

  forget(peerId: string): void {
    this.byPeer.get(peerId)?.clear();
    this.byPeer.delete(peerId);
  }

  clear(): void {
    for (const buffer of this.byPeer.values()) buffer.clear();
    this.byPeer.clear();
  }
}
