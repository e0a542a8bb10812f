import type { Socket } from 'node:net';
import { type Logger, type SignalHello, type SignalMessage, SignalFrameDecoder } from '@fileshare/protocol';
import { CLOSE_GRACE_MS, DRAIN_TIMEOUT_MS } from './constants.js';
import { SignalingError, abortedError, fromProtocolError } from './errors.js';
import type { ConnectionInfo, RemoteHello } from './types.js';

/** What a connection reports to its owner. The owner decides what a hello means. */
export interface ConnectionHandlers {
  /** The first frame was a valid hello: the owner must open(), end() or fail() the connection. */
  onHello(connection: Connection, hello: SignalHello): void;
  onMessage(connection: Connection, message: SignalMessage): void;
  /** A protocol violation or timeout; the connection is already being destroyed. */
  onError(connection: Connection, error: SignalingError): void;
  onClose(connection: Connection): void;
}

export interface ConnectionOptions {
  direction: 'inbound' | 'outbound';
  /** Outbound only: the device id we meant to reach, if we know it. */
  expectedPeerId?: string;
  helloTimeoutMs: number;
  idleTimeoutMs: number;
  logger: Logger;
  handlers: ConnectionHandlers;
}

/** IPv4-mapped IPv6 (`::ffff:10.0.0.2`, what a dual-stack listener reports) as plain IPv4. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return '';
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * One signaling TCP connection: framing, the hello handshake state, timeouts, ordered writes with
 * backpressure, and graceful close. Identity rules (who may talk, which connection is used) live
 * in the owner.
 */
export class Connection {
  readonly direction: 'inbound' | 'outbound';
  readonly expectedPeerId: string | undefined;
  readonly address: string;
  /** Set when the hello is accepted; orders connections by establishment (higher = newer). */
  sequence = 0;
  /** Monotonic ms when the socket was accepted or connected (the oldest waiting hello goes first). */
  readonly acceptedAt = performance.now();
  /** Monotonic ms of the last byte read or written (the longest idle connection goes first). */
  lastActive = this.acceptedAt;
  remote: RemoteHello | undefined;
  private state: ConnectionInfo['state'] | 'closed' = 'hello';
  private readonly decoder = new SignalFrameDecoder();
  private helloTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  /** Writes are chained so frames leave in send() order even when some wait for a drain. */
  private writeChain: Promise<void> = Promise.resolve();
  /** Rejects every pending write or drain wait when the socket closes. */
  private readonly onDestroyed = new Set<(error: SignalingError) => void>();
  private closeError: SignalingError | undefined;
  private readonly established: Promise<RemoteHello>;
  private settleEstablished!: { resolve: (hello: RemoteHello) => void; reject: (error: SignalingError) => void };
  readonly closed: Promise<void>;

  constructor(
    readonly socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.direction = options.direction;
    this.expectedPeerId = options.expectedPeerId;
    this.address = normalizeAddress(socket.remoteAddress);
    this.established = new Promise<RemoteHello>((resolve, reject) => {
      this.settleEstablished = { resolve, reject };
    });
    // A dial's caller may give up (abort) before the hello: never an unhandled rejection.
    this.established.catch(() => undefined);
    this.closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs);
    this.helloTimer = setTimeout(() => {
      this.fail(
        new SignalingError('ERR_SIGNAL_HELLO_TIMEOUT', `No signaling hello from ${this.address} within ${options.helloTimeoutMs} ms.`),
      );
    }, options.helloTimeoutMs);

    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => {
      options.logger.debug('signaling connection idle, closing', { address: this.address, peerId: this.remote?.peerId });
      this.end();
    });
    // The other side half-closed: it will write nothing more, and Node ends our half too.
    socket.on('end', () => {
      if (this.state === 'hello') {
        this.fail(new SignalingError('ERR_SIGNAL_CONNECTION_LOST', `${this.address} closed the connection before its hello.`), false);
      } else if (this.state === 'open') {
        this.state = 'closing';
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      options.logger.debug('signaling socket error', { address: this.address, code: error.code, message: error.message });
    });
    socket.on('close', () => this.onSocketClose());
  }

  /** Resolves with the remote hello once accepted; rejects if the connection fails first. */
  whenEstablished(): Promise<RemoteHello> {
    return this.established;
  }

  /** Usable for sending: hello done, not closing. */
  get usable(): boolean {
    return this.state === 'open' && this.socket.writable;
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Destroyed or closed: it no longer holds a slot, even if its close event is still to come. */
  get gone(): boolean {
    return this.state === 'closed' || this.socket.destroyed;
  }

  info(): ConnectionInfo {
    const state = this.state === 'closed' ? 'closing' : this.state;
    return { direction: this.direction, state, address: this.address, ...(this.remote ? { peerId: this.remote.peerId } : {}) };
  }

  /** Queues a frame regardless of state (used for our hello before the connection is open). */
  write(frame: Buffer, signal?: AbortSignal): Promise<void> {
    const turn = this.writeChain.then(() => this.handOff(frame, signal));
    this.writeChain = turn.then(
      () => undefined,
      () => undefined,
    );
    // handOff resolves once socket.write() was called, with a promise for the flush.
    return turn.then((flush) => flush.done);
  }

  /**
   * Graceful close: half-close (FIN) and keep reading, so frames the other side wrote before it
   * saw our FIN are still delivered. Destroyed after CLOSE_GRACE_MS if the other side lingers.
   * `lastFrame` is written just before the FIN (used to answer a hello we then refuse).
   */
  end(lastFrame?: Buffer): void {
    if (this.state === 'closed' || this.graceTimer) return;
    clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
    if (this.state === 'hello') this.settleEstablished.reject(this.lostError());
    this.state = 'closing';
    if (lastFrame && this.socket.writable) this.socket.write(lastFrame);
    this.socket.end();
    this.graceTimer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
  }

  /** Immediate close; pending writes fail with `error` (default ERR_SIGNAL_CONNECTION_LOST). */
  destroy(error?: SignalingError): void {
    if (this.state === 'closed') return;
    this.closeError ??= error;
    this.settleEstablished.reject(this.closeError ?? this.lostError());
    this.socket.destroy();
  }

  /** Closes for a protocol violation; `report` says whether the owner hears of it as an error. */
  fail(error: SignalingError, report = true): void {
    if (this.state === 'closed' || this.closeError) return;
    this.closeError = error;
    this.settleEstablished.reject(error);
    if (report) this.options.handlers.onError(this, error);
    this.socket.destroy();
  }

  private lostError(): SignalingError {
    return new SignalingError('ERR_SIGNAL_CONNECTION_LOST', `The signaling connection with ${this.address} closed.`);
  }

  private async handOff(frame: Buffer, signal?: AbortSignal): Promise<{ done: Promise<void> }> {
    if (signal?.aborted) throw abortedError(signal);
    if (this.isClosed || !this.socket.writable) throw this.closeError ?? this.lostError();
    if (this.socket.writableNeedDrain) await this.drained(signal);
    // The state may have changed while waiting for the drain.
    if (this.isClosed || !this.socket.writable) throw this.closeError ?? this.lostError();
    this.lastActive = performance.now();
    const done = new Promise<void>((resolve, reject) => {
      const onDestroyed = (error: SignalingError) => reject(error);
      this.onDestroyed.add(onDestroyed);
      this.socket.write(frame, (error) => {
        this.onDestroyed.delete(onDestroyed);
        if (error) reject(new SignalingError('ERR_SIGNAL_CONNECTION_LOST', `Write to ${this.address} failed.`, { cause: error }));
        else resolve();
      });
    });
    return { done };
  }

  private drained(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.socket.off('drain', onDrain);
        signal?.removeEventListener('abort', onAbort);
        this.onDestroyed.delete(onDestroyed);
      };
      const onDrain = () => {
        cleanup();
        resolve();
      };
      const onAbort = () => {
        cleanup();
        reject(abortedError(signal!));
      };
      const onDestroyed = (error: SignalingError) => {
        cleanup();
        reject(error);
      };
      const timer = setTimeout(() => {
        cleanup();
        const error = new SignalingError('ERR_SIGNAL_SEND_TIMEOUT', `${this.address} stopped reading signaling messages.`);
        reject(error);
        this.destroy(error);
      }, DRAIN_TIMEOUT_MS);
      this.socket.once('drain', onDrain);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.onDestroyed.add(onDestroyed);
    });
  }

  private onData(chunk: Buffer): void {
    this.lastActive = performance.now();
    for (const result of this.decoder.push(chunk)) {
      if (this.state === 'closed' || this.closeError) return;
      if (!result.ok) {
        this.fail(fromProtocolError(result.error));
        return;
      }
      const frame = result.value;
      if (this.state === 'hello') {
        if (frame.type !== 'hello') {
          this.fail(new SignalingError('ERR_SIGNAL_HELLO_EXPECTED', `${this.address} sent a message before its hello.`));
          return;
        }
        clearTimeout(this.helloTimer);
        this.helloTimer = undefined;
        this.options.handlers.onHello(this, frame.hello);
        // The owner may have refused the hello and closed the connection.
        if (!this.usable) return;
        continue;
      }
      if (frame.type === 'hello') {
        this.fail(new SignalingError('ERR_SIGNAL_HELLO_UNEXPECTED', `${this.address} sent a second hello.`));
        return;
      }
      this.options.handlers.onMessage(this, frame.message);
    }
  }

  /** Called by the owner when it accepts the hello. */
  open(remote: RemoteHello, sequence: number): void {
    if (this.state !== 'hello') return;
    this.remote = remote;
    this.sequence = sequence;
    this.state = 'open';
    this.settleEstablished.resolve(remote);
  }

  private onSocketClose(): void {
    const wasOpen = this.state !== 'closed';
    this.state = 'closed';
    clearTimeout(this.helloTimer);
    clearTimeout(this.graceTimer);
    this.helloTimer = undefined;
    const error = this.closeError ?? this.lostError();
    this.settleEstablished.reject(error);
    for (const reject of [...this.onDestroyed]) reject(error);
    this.onDestroyed.clear();
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('timeout');
    if (wasOpen) this.options.handlers.onClose(this);
  }
}
