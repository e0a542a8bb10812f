import type { Logger } from '@fileshare/protocol';
import type { RemoteHello, Signaling } from '@fileshare/signaling';
import { MANUAL_PEER_RETRY_MAX_MS, MANUAL_PEER_RETRY_MIN_MS } from './constants.js';

export interface ManualPeer {
  host: string;
  port: number;
  /** The device id that answered at this address (a claim until it proves it on a connection). */
  peerId?: string;
  timer?: NodeJS.Timeout;
  delayMs: number;
}

export interface ManualPeersDeps {
  /** Undefined once the node closes. */
  signaling(): Signaling | undefined;
  /** The address answered with this hello. */
  answered(manual: ManualPeer, hello: RemoteHello): void;
  logger: Logger;
}

/**
 * Peers added by address (`--peer host:port`, `addPeer`): the person chose to dial them, so we
 * keep dialling (with backoff) until they answer and again whenever they drop. They are listed
 * only once they prove their id on a connection, like any peer learned from a hello.
 */
export class ManualPeers {
  private readonly all: ManualPeer[] = [];
  private closed = false;

  constructor(private readonly deps: ManualPeersDeps) {}

  add(host: string, port: number): ManualPeer {
    const manual: ManualPeer = { host, port, delayMs: MANUAL_PEER_RETRY_MIN_MS };
    this.all.push(manual);
    return manual;
  }

  list(): readonly ManualPeer[] {
    return this.all;
  }

  byPeerId(peerId: string): ManualPeer | undefined {
    return this.all.find((m) => m.peerId === peerId);
  }

  /** A hello from one of our addresses (it arrives before connect() resolves): match by id or address. */
  matches(hello: RemoteHello): boolean {
    return this.all.some((m) => m.peerId === hello.peerId || (m.host === hello.address && m.port === hello.port));
  }

  /** The peer proved its id on a connection: the next drop is retried quickly again. */
  connected(peerId: string): void {
    const manual = this.byPeerId(peerId);
    if (manual) manual.delayMs = MANUAL_PEER_RETRY_MIN_MS;
  }

  /** Dials now (unless a retry is already scheduled). */
  dial(manual: ManualPeer): void {
    if (this.closed || manual.timer) return;
    const signaling = this.deps.signaling();
    if (!signaling) return;
    signaling
      .connect(manual.host, manual.port)
      .then((hello) => {
        if (!this.closed) this.deps.answered(manual, hello);
      })
      .catch((error: unknown) => {
        if (this.closed) return;
        this.deps.logger.debug('manual peer unreachable', { host: manual.host, port: manual.port, message: String(error) });
        this.retryLater(manual);
      });
  }

  /** Dials again after the current backoff, which then doubles (up to MANUAL_PEER_RETRY_MAX_MS). */
  retryLater(manual: ManualPeer): void {
    if (this.closed || manual.timer) return;
    manual.timer = setTimeout(() => {
      manual.timer = undefined;
      this.dial(manual);
    }, manual.delayMs);
    manual.delayMs = Math.min(manual.delayMs * 2, MANUAL_PEER_RETRY_MAX_MS);
  }

  close(): void {
    this.closed = true;
    for (const manual of this.all) clearTimeout(manual.timer);
  }
}
