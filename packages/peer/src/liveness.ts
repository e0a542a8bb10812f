import type { Logger } from '@fileshare/protocol';
import type { ChannelSource, PeerChannel } from './channel.js';
import { KEEPALIVE_MESSAGE } from './constants.js';
import { PeerError, describeError } from './errors.js';
import type { PeerTiming } from './types.js';

export type LivenessTiming = Pick<PeerTiming, 'keepaliveIntervalMs' | 'keepaliveTimeoutMs' | 'busyKeepaliveTimeoutMs'>;

export interface LivenessInit {
  peerId: string;
  /** The connection's channels: they record when the peer was last heard and when bulk data last moved. */
  source: ChannelSource;
  /** The control channel, read at each tick (a responder receives it after the monitor exists). */
  control: () => PeerChannel | undefined;
  timing: LivenessTiming;
  logger: Logger;
  /** The peer was silent past the limit (`ERR_PEER_UNRESPONSIVE`). The monitor stops judging only when stopped. */
  silent: (error: PeerError) => void;
}

/**
 * Liveness of an open connection (docs/PROTOCOL.md, "Liveness"). Every interval: judge, then send
 * a keepalive on the control channel. The peer is alive while it was heard within the limit
 * (5 s idle, 15 s when bulk data moved in the 5 s before the silence began):
 * any message on any channel of the connection counts (bulk data never hides the peer behind
 * its own chunks), and so does our queued data moving on (it only moves when the peer
 * acknowledges, so our keepalive waiting behind megabytes of chunks hides nothing either).
 * A tick that came late by more than an interval means our own event loop was held up: the
 * peer's messages of that time may still wait in the native queue, so that one tick is not
 * judged (the next is). Bound: `PEER_GONE_DETECTION_BOUND_MS` (constants.ts).
 * One interval timer, from `start` until `stop`.
 */
export class LivenessMonitor {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly init: LivenessInit) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    const { source, timing } = this.init;
    const interval = timing.keepaliveIntervalMs;
    source.lastHeardAt = Date.now();
    let lastTickAt = Date.now();
    let skipped = false;
    source.queuedDataMoved(); // the first marks
    this.timer = setInterval(() => {
      const now = Date.now();
      const previousTickAt = lastTickAt;
      lastTickAt = now;
      // Acknowledged since the previous tick: alive at least then (not necessarily now).
      if (source.queuedDataMoved()) source.lastHeardAt = Math.max(source.lastHeardAt, previousTickAt);
      const late = now - previousTickAt > 2 * interval;
      if (late && !skipped) {
        skipped = true;
      } else {
        skipped = false;
        const error = this.judge(now);
        if (error) {
          this.init.silent(error);
          return;
        }
      }
      this.sendKeepalive();
    }, interval);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The error when the peer was silent past its limit, else undefined. */
  private judge(now: number): PeerError | undefined {
    const { source, timing, peerId } = this.init;
    const idleTimeout = timing.keepaliveTimeoutMs;
    const busyTimeout = Math.max(idleTimeout, timing.busyKeepaliveTimeoutMs);
    const silent = now - source.lastHeardAt;
    const busy = source.lastBulkAt > 0 && source.lastBulkAt >= source.lastHeardAt - idleTimeout;
    const limit = busy ? busyTimeout : idleTimeout;
    if (silent <= limit) return undefined;
    return new PeerError(
      'ERR_PEER_UNRESPONSIVE',
      `Peer ${peerId} stopped answering (nothing heard on any channel for ${silent} ms; the limit is ${limit} ms${busy ? ' during a transfer' : ''}).`,
    );
  }

  private sendKeepalive(): void {
    try {
      this.init.control()?.send(KEEPALIVE_MESSAGE);
    } catch (error) {
      this.init.logger.debug('keepalive not sent', { peerId: this.init.peerId, error: describeError(error) });
    }
  }
}
