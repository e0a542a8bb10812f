/**
 * Test-only adapter: two real node-datachannel PeerConnections wired to each other in-process on
 * 127.0.0.1, exposed through the DataChannelLike/DataChannelProvider contract that the transfer
 * layer consumes. (The production adapter lives in packages/peer, which transfer may not import.)
 */
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import type { DataChannelLike, DataChannelProvider } from '@fileshare/protocol';

type Listener<A extends unknown[]> = (...args: A) => void;

class Listeners<A extends unknown[]> {
  private readonly set = new Set<Listener<A>>();
  add(l: Listener<A>): () => void {
    this.set.add(l);
    return () => this.set.delete(l);
  }
  emit(...args: A): void {
    for (const l of [...this.set]) l(...args);
  }
  get size(): number {
    return this.set.size;
  }
}

export class NdcChannel implements DataChannelLike {
  readonly label: string;
  private readonly messages = new Listeners<[string | Buffer]>();
  private readonly lows = new Listeners<[]>();
  private readonly closes = new Listeners<[]>();
  private readonly errors = new Listeners<[Error]>();
  /** node-datachannel keeps one callback per event, so the adapter fans each out to listeners. */
  readonly opens = new Listeners<[]>();
  /** Messages that arrive before anyone listens are kept (libdatachannel delivers them at once). */
  private early: (string | Buffer)[] = [];
  private threshold = 0;
  private closed = false;

  constructor(
    readonly dc: DataChannel,
    private readonly onGone: (ch: NdcChannel) => void,
    /** Decides whether an arriving message is delivered; false drops it, as a cut link would. */
    private readonly admit: (data: string | Buffer) => boolean = () => true,
  ) {
    this.label = dc.getLabel();
    dc.onOpen(() => {
      this.opens.emit();
    });
    dc.onMessage((msg) => {
      const data = typeof msg === 'string' ? msg : Buffer.isBuffer(msg) ? msg : Buffer.from(msg);
      if (!this.admit(data)) return;
      if (this.messages.size === 0) this.early.push(data);
      else this.messages.emit(data);
    });
    dc.onBufferedAmountLow(() => this.lows.emit());
    dc.onError((e) => this.errors.emit(new Error(e)));
    dc.onClosed(() => this.markClosed());
  }

  get isOpen(): boolean {
    // Asked of the native side: it opens on its own thread, before the JS callback runs.
    if (this.closed) return false;
    try {
      return this.dc.isOpen();
    } catch {
      return false;
    }
  }

  get bufferedAmount(): number {
    return this.isOpen ? this.dc.bufferedAmount() : 0;
  }

  get bufferedAmountLowThreshold(): number {
    return this.threshold;
  }

  set bufferedAmountLowThreshold(value: number) {
    this.threshold = value;
    this.dc.setBufferedAmountLowThreshold(value);
  }

  send(data: string | Uint8Array): void {
    if (!this.isOpen) throw new Error(`channel ${this.label} is not open`);
    if (typeof data === 'string') this.dc.sendMessage(data);
    else this.dc.sendMessageBinary(data);
  }

  onMessage(listener: (data: string | Buffer) => void): () => void {
    const off = this.messages.add(listener);
    if (this.early.length > 0) {
      const early = this.early;
      this.early = [];
      for (const m of early) listener(m);
    }
    return off;
  }

  onBufferedAmountLow(listener: () => void): () => void {
    return this.lows.add(listener);
  }

  onClose(listener: () => void): () => void {
    return this.closes.add(listener);
  }

  onError(listener: (error: Error) => void): () => void {
    return this.errors.add(listener);
  }

  close(): void {
    if (this.closed) return;
    try {
      this.dc.close();
    } catch {
      // The connection is gone already.
    }
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.closes.emit();
    this.onGone(this);
  }
}

export class NdcProvider implements DataChannelProvider {
  /** Every channel stays referenced here until it closes: an unreferenced native channel is collected mid-transfer. */
  readonly channels = new Set<NdcChannel>();
  private readonly remote = new Listeners<[DataChannelLike]>();
  private closed = false;
  private inboundFilter: ((data: string | Buffer) => boolean) | undefined;
  /** Counts channels opened by this side, for tests that look at the channel count. */
  opened: string[] = [];
  /** What the peer layer would report from the remote `a=max-message-size`; undefined: unknown. */
  maxMessageSize: number | undefined;

  constructor(readonly pc: PeerConnection) {
    pc.onDataChannel((dc) => {
      const ch = this.wrap(dc);
      this.remote.emit(ch);
    });
  }

  private wrap(dc: DataChannel): NdcChannel {
    const ch = new NdcChannel(
      dc,
      (c) => this.channels.delete(c),
      (data) => this.inboundFilter?.(data) ?? true,
    );
    this.channels.add(ch);
    return ch;
  }

  openChannel(label: string, options: { signal?: AbortSignal } = {}): Promise<DataChannelLike> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    options.signal?.throwIfAborted();
    this.opened.push(label);
    const dc = this.pc.createDataChannel(label);
    const ch = this.wrap(dc);
    return new Promise<DataChannelLike>((resolve, reject) => {
      const onAbort = (): void => {
        ch.close();
        reject(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (dc.isOpen()) {
        options.signal?.removeEventListener('abort', onAbort);
        resolve(ch);
        return;
      }
      const offOpen = ch.opens.add(() => {
        offOpen();
        options.signal?.removeEventListener('abort', onAbort);
        resolve(ch);
      });
      const offClose = ch.onClose(() => {
        offClose();
        reject(new Error('connection closed'));
      });
    });
  }

  /** Every message arriving on this side's channels passes `filter` first (false drops it); undefined delivers all. */
  setInboundFilter(filter: ((data: string | Buffer) => boolean) | undefined): void {
    this.inboundFilter = filter;
  }

  onChannel(listener: (channel: DataChannelLike) => void): () => void {
    return this.remote.add(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ch of [...this.channels]) ch.close();
    this.pc.close();
  }
}

export interface PeerPair {
  a: NdcProvider;
  b: NdcProvider;
  /** Closes both connections (a link cut, as the transfer layer sees it). */
  close(): void;
}

/**
 * Passes `from`'s description and candidates to `to`. Candidates can be delivered before the
 * description (each native callback has its own queue), so they wait for it; and nothing may
 * throw here: an exception inside a node-datachannel callback aborts the process.
 */
function wire(from: PeerConnection, to: PeerConnection): void {
  let described = false;
  const early: [string, string][] = [];
  const add = (candidate: string, mid: string): void => {
    try {
      to.addRemoteCandidate(candidate, mid);
    } catch {
      // The connection was closed meanwhile.
    }
  };
  from.onLocalDescription((sdp, type) => {
    try {
      to.setRemoteDescription(sdp, type);
    } catch {
      return;
    }
    described = true;
    for (const [c, mid] of early.splice(0)) add(c, mid);
  });
  from.onLocalCandidate((candidate, mid) => {
    if (described) add(candidate, mid);
    else early.push([candidate, mid]);
  });
}

/** Two connected PeerConnections on 127.0.0.1, descriptions and candidates passed directly. */
/** One attempt at a connected pair on loopback does not always finish (see createPeerPair). */
const PAIR_ATTEMPT_TIMEOUT_MS = 10_000;
const PAIR_ATTEMPTS = 3;

/**
 * Two connected peer connections in this process. About once in a few dozen runs on a loaded
 * machine, libdatachannel never finishes connecting an in-process loopback pair (the test then
 * hung with no transfer started). The product's peer layer has a connect timeout and retries for
 * this; the test pair gets the same: a bounded wait, then a fresh pair.
 */
export async function createPeerPair(options: PairOptions = {}): Promise<PeerPair> {
  for (let attempt = 1; ; attempt++) {
    const pair = connectPair(options);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), PAIR_ATTEMPT_TIMEOUT_MS);
    });
    const outcome = await Promise.race([pair.ready.then(() => 'ready' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'ready') return pair.pair;
    pair.pair.close();
    if (attempt >= PAIR_ATTEMPTS) throw new Error(`no loopback peer connection after ${PAIR_ATTEMPTS} attempts`);
    process.stderr.write(`loopback peer pair did not connect within ${PAIR_ATTEMPT_TIMEOUT_MS} ms; trying a fresh pair\n`);
  }
}

export interface PairOptions {
  /**
   * The `a=max-message-size` side b advertises (node-datachannel `maxMessageSize`), as a standard
   * WebRTC stack would; side a's provider then reports it, as packages/peer does.
   */
  bMaxMessageSize?: number;
}

function connectPair(options: PairOptions): { pair: PeerPair; ready: Promise<void> } {
  const config = { iceServers: [], bindAddress: '127.0.0.1' };
  const pcA = new nodeDataChannel.PeerConnection('a', config);
  const pcB = new nodeDataChannel.PeerConnection(
    'b',
    options.bMaxMessageSize !== undefined ? { ...config, maxMessageSize: options.bMaxMessageSize } : config,
  );
  wire(pcA, pcB);
  wire(pcB, pcA);
  const a = new NdcProvider(pcA);
  const b = new NdcProvider(pcB);
  a.maxMessageSize = options.bMaxMessageSize;
  // A first channel negotiates the SCTP association; the transfer layer then opens its own.
  const warmRemote = new Promise<DataChannelLike>((resolve) => {
    const off = b.onChannel((ch) => {
      if (ch.label === 'warmup') {
        off();
        resolve(ch);
      }
    });
  });
  // The warm-up channel stays open until the pair closes: closing it here would let the next
  // channel reuse its SCTP stream while the reset is in flight, and that reset closes the newcomer.
  const ready = Promise.all([a.openChannel('warmup'), warmRemote]).then(() => undefined);
  ready.catch(() => undefined);
  return {
    pair: {
      a,
      b,
      close: () => {
        a.close();
        b.close();
      },
    },
    ready,
  };
}

/**
 * Frees node-datachannel's process-wide resources; without it the test process never exits.
 * Only for afterAll: it closes every connection in the process.
 */
export function cleanupNative(): void {
  nodeDataChannel.cleanup();
}
