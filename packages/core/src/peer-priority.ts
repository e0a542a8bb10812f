import type { RoundPriority } from '@fileshare/peer';

/**
 * Which peers go first when the peer manager has more peers to offer to than it may try at once
 * (docs/PROTOCOL.md, "Attempt limits"): under a flood of fake announcements, the peer a person
 * waits for, trusts or added by hand must not queue behind thousands of fakes.
 */
export type PeerPriority = RoundPriority;

export interface PriorityView {
  /** Someone waits for it (`waitForPeer`, hence `send`). */
  isWaitedFor(peerId: string): boolean;
  /** In the trust file or trusted for this session. */
  isTrusted(peerId: string): boolean;
  /** Proved its key on a connection this session. */
  isVerified(peerId: string): boolean;
  /** Added by address (`--peer`, `addPeer`). */
  isManual(peerId: string): boolean;
  /** Known only from a signaling hello (anyone can send those by the thousand). */
  isHelloOnly(peerId: string): boolean;
}

/** `high` for peers the person cares about, `low` for hello-only claims, `normal` (mDNS) otherwise. */
export function peerPriority(view: PriorityView, peerId: string): PeerPriority {
  if (view.isWaitedFor(peerId) || view.isTrusted(peerId) || view.isVerified(peerId) || view.isManual(peerId)) return 'high';
  return view.isHelloOnly(peerId) ? 'low' : 'normal';
}

/** One `waitForPeer` call: the ids it has matched so far. */
export interface PeerWait {
  readonly ids: Set<string>;
}

/** The peers someone is waiting for, counted per wait (several waits may want the same peer). */
export class PeerWaits {
  private readonly counts = new Map<string, number>();

  begin(): PeerWait {
    return { ids: new Set() };
  }

  /** The wait matched `peerId`; true when it is new to this wait. */
  add(wait: PeerWait, peerId: string): boolean {
    if (wait.ids.has(peerId)) return false;
    wait.ids.add(peerId);
    this.counts.set(peerId, (this.counts.get(peerId) ?? 0) + 1);
    return true;
  }

  end(wait: PeerWait): void {
    for (const id of wait.ids) {
      const left = (this.counts.get(id) ?? 1) - 1;
      if (left <= 0) this.counts.delete(id);
      else this.counts.set(id, left);
    }
    wait.ids.clear();
  }

  has(peerId: string): boolean {
    return this.counts.has(peerId);
  }
}
