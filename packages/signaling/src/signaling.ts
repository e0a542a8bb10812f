import { EventEmitter } from 'node:events';
import net from 'node:net';
import {
  type Logger,
  ProtocolError,
  SIGNAL_HELLO_VERSION,
  type SignalHello,
  type SignalMessage,
  encodeSignalFrame,
  encodeSignalHelloFrame,
  isDeviceId,
  parseDeviceId,
  silentLogger,
  validateSignalMessage,
  LogLimiter,
} from '@fileshare/protocol';
import { AddressRateLimiter } from './address-rate.js';
import { type InboundSlot, admit } from './admission.js';
import { Connection, normalizeAddress } from './connection.js';
import {
  CONNECT_TIMEOUT_MS,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  INBOUND_BURST_PER_ADDRESS,
  INBOUND_RATE_PER_ADDRESS,
  LOG_LINES_PER_CODE,
  LOG_WINDOW_MS,
  MAX_INBOUND_PER_ADDRESS,
  MAX_LAST_SEEN_PEERS,
  MAX_PENDING_HELLOS_PER_ADDRESS,
  MAX_RATE_TRACKED_ADDRESSES,
} from './constants.js';
import { SignalingError, type SignalingErrorCode, abortedError, fromProtocolError } from './errors.js';
import type {
  ConnectionInfo,
  RemoteHello,
  SendOptions,
  Signaling,
  SignalingEvents,
  SignalingInit,
  SignalTarget,
} from './types.js';

function closedError(): SignalingError {
  return new SignalingError('ERR_SIGNAL_CLOSED', 'Signaling is closed.');
}

function invalid(message: string, cause?: unknown): SignalingError {
  return new SignalingError('ERR_SIGNAL_SEND_INVALID', message, { cause });
}

/** Settles like `promise`, or rejects with ERR_SIGNAL_ABORTED as soon as `signal` aborts. */
function withAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortedError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

class SignalingNode implements Signaling {
  private readonly deviceId: string;
  private readonly name: string;
  private readonly host: string;
  private readonly requestedPort: number;
  private readonly logger: Logger;
  private readonly maxConnections: number;
  private readonly helloTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly isAuthenticated: (peerId: string) => boolean;
  private readonly rate = new AddressRateLimiter({
    ratePerSecond: INBOUND_RATE_PER_ADDRESS,
    burst: INBOUND_BURST_PER_ADDRESS,
    maxAddresses: MAX_RATE_TRACKED_ADDRESSES,
  });
  private readonly warnings: LogLimiter;

  private server: net.Server | undefined;
  private listening: Promise<number> | undefined;
  private boundPort = 0;
  private readonly open = new Set<Connection>();
  /** Outbound sockets still in TCP connect: not yet a Connection, but close() must end them. */
  private readonly connecting = new Set<net.Socket>();
  private readonly pendingDials = new Map<string, Promise<Connection>>();
  /**
   * Where each peer was last seen listening: socket address + the port from its hello. Least
   * recently seen first (Map order), capped at MAX_LAST_SEEN_PEERS.
   */
  private readonly lastSeen = new Map<string, { address: string; port: number }>();
  private readonly emitter = new EventEmitter();
  private sequence = 0;
  private closing: Promise<void> | undefined;

  constructor(init: SignalingInit) {
    const id = parseDeviceId(init.deviceId);
    if (!id.ok) throw id.error;
    this.deviceId = id.value;
    this.name = init.name;
    this.host = init.host ?? DEFAULT_HOST;
    this.requestedPort = init.port ?? 0;
    this.logger = init.logger ?? silentLogger;
    this.maxConnections = init.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.helloTimeoutMs = init.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
    this.idleTimeoutMs = init.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const isAuthenticated = init.isAuthenticated;
    this.isAuthenticated = isAuthenticated
      ? (peerId) => {
          try {
            return isAuthenticated(peerId);
          } catch (error) {
            // A broken callback must not make us evict a peer that may well be proven.
            this.logger.error('signaling isAuthenticated threw', { message: error instanceof Error ? error.message : String(error) });
            return true;
          }
        }
      : () => false;
    this.warnings = new LogLimiter(this.logger, { linesPerWindow: LOG_LINES_PER_CODE, windowMs: LOG_WINDOW_MS, subject: 'signaling warnings' });
  }

  get port(): number {
    return this.boundPort;
  }

  listen(): Promise<number> {
    if (this.closing) return Promise.reject(closedError());
    this.listening ??= new Promise<number>((resolve, reject) => {
      const server = net.createServer((socket) => this.onInbound(socket));
      this.server = server;
      const onError = (error: NodeJS.ErrnoException) => {
        this.server = undefined;
        this.listening = undefined;
        reject(
          new SignalingError(
            'ERR_SIGNAL_LISTEN_FAILED',
            `Cannot listen for signaling on ${this.host}:${this.requestedPort} (${error.code ?? error.message}).`,
            { cause: error },
          ),
        );
      };
      server.once('error', onError);
      server.listen(this.requestedPort, this.host, () => {
        server.off('error', onError);
        server.on('error', (error) => this.logger.warn('signaling server error', { message: error.message }));
        if (this.closing) {
          // close() ran while the listen was still resolving its address.
          server.close();
          reject(closedError());
          return;
        }
        const address = server.address();
        this.boundPort = typeof address === 'object' && address ? address.port : 0;
        this.logger.info('signaling listening', { host: this.host, port: this.boundPort });
        resolve(this.boundPort);
      });
    });
    return this.listening;
  }

  async send(target: SignalTarget, message: SignalMessage, options: SendOptions = {}): Promise<void> {
    const { signal, dial = true } = options;
    if (this.closing) throw closedError();
    if (signal?.aborted) throw abortedError(signal);
    if (!isDeviceId(target.peerId)) throw invalid('The signaling target is not a device id.');
    if (target.peerId === this.deviceId) throw invalid('Cannot send a signaling message to ourselves.');
    const valid = validateSignalMessage(message);
    if (!valid.ok) throw invalid(valid.error.message, valid.error);
    if (valid.value.peer_id !== this.deviceId) throw invalid('A signaling message must carry our own device id as peer_id.');
    let frame: Buffer;
    try {
      frame = encodeSignalFrame(valid.value);
    } catch (error) {
      if (error instanceof ProtocolError) throw fromProtocolError(error);
      throw error;
    }

    try {
      // Two attempts: a connection can break (or be closed as a duplicate) between being chosen
      // and being written to; then we choose again, dialling if none is left.
      let lastError: unknown;
      for (let attempt = 0; attempt < 2; attempt++) {
        let connection = this.pick(target.peerId) ?? (dial ? await withAbort(this.dialPeer(target), signal) : undefined);
        if (!connection) {
          throw new SignalingError('ERR_SIGNAL_NO_CONNECTION', `No open signaling connection with ${target.peerId}.`);
        }
        if (!connection.usable) connection = this.pick(target.peerId) ?? connection;
        try {
          await connection.write(frame, signal);
          return;
        } catch (error) {
          if (!(error instanceof SignalingError) || error.code !== 'ERR_SIGNAL_CONNECTION_LOST') throw error;
          lastError = error;
          this.logger.debug('signaling connection broke during send, trying again', { peerId: target.peerId, attempt });
        }
      }
      throw lastError;
    } catch (error) {
      if (this.closing) throw closedError();
      throw error;
    }
  }

  async connect(address: string, port: number, options: { signal?: AbortSignal } = {}): Promise<RemoteHello> {
    const { signal } = options;
    if (this.closing) throw closedError();
    if (signal?.aborted) throw abortedError(signal);
    if (!address || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw invalid(`"${address}:${port}" is not an address and port to connect to.`);
    }
    const normalized = normalizeAddress(address);
    for (const connection of this.open) {
      if (connection.usable && connection.remote && connection.address === normalized && connection.remote.port === port) {
        return connection.remote;
      }
    }
    try {
      const connection = await withAbort(this.dial(address, port, undefined), signal);
      return connection.remote!;
    } catch (error) {
      if (this.closing) throw closedError();
      throw error;
    }
  }

  on<E extends keyof SignalingEvents>(event: E, listener: SignalingEvents[E]): this {
    this.emitter.on(event, listener);
    return this;
  }

  off<E extends keyof SignalingEvents>(event: E, listener: SignalingEvents[E]): this {
    this.emitter.off(event, listener);
    return this;
  }

  connectionCount(): number {
    return this.open.size;
  }

  connections(): ConnectionInfo[] {
    return [...this.open].map((c) => c.info());
  }

  trackedAddresses(): number {
    return this.rate.size;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const waits: Promise<unknown>[] = [];
    const server = this.server;
    if (server) {
      this.server = undefined;
      waits.push(new Promise<void>((resolve) => server.close(() => resolve())));
    }
    for (const socket of this.connecting) {
      waits.push(new Promise<void>((resolve) => socket.once('close', () => resolve())));
      socket.destroy();
    }
    for (const connection of this.open) {
      waits.push(connection.closed);
      connection.destroy(closedError());
    }
    await Promise.all(waits);
    this.connecting.clear();
    this.open.clear();
    this.lastSeen.clear();
    this.rate.close();
    this.warnings.close();
    this.emitter.removeAllListeners();
    this.logger.debug('signaling closed');
  }

  /** Calls each listener on its own so one that throws cannot break the connection's read loop. */
  private emit<E extends keyof SignalingEvents>(event: E, ...args: Parameters<SignalingEvents[E]>): void {
    for (const listener of this.emitter.listeners(event) as ((...a: Parameters<SignalingEvents[E]>) => void)[]) {
      try {
        listener(...args);
      } catch (error) {
        this.logger.error('signaling event listener threw', {
          event,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  private helloFrame(): Buffer {
    const hello: SignalHello = { peer_id: this.deviceId, name: this.name, port: this.boundPort, v: SIGNAL_HELLO_VERSION };
    return encodeSignalHelloFrame(hello);
  }

  private onInbound(socket: net.Socket): void {
    const address = normalizeAddress(socket.remoteAddress);
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (!this.rate.take(address)) {
      this.refuse(socket, address, 'ERR_SIGNAL_RATE_LIMITED', 'signaling connection refused: its address connects too often', {
        ratePerSecond: INBOUND_RATE_PER_ADDRESS,
        burst: INBOUND_BURST_PER_ADDRESS,
      });
      return;
    }
    const admission = admit(
      address,
      this.inboundSlots(),
      {
        maxConnections: this.maxConnections,
        maxPerAddress: MAX_INBOUND_PER_ADDRESS,
        maxPendingHellosPerAddress: MAX_PENDING_HELLOS_PER_ADDRESS,
      },
      this.isAuthenticated,
    );
    if (!admission.accept) {
      const why = {
        ERR_SIGNAL_TOO_MANY_CONNECTIONS: 'too many connections',
        ERR_SIGNAL_TOO_MANY_FROM_ADDRESS: 'too many connections from its address',
        ERR_SIGNAL_TOO_MANY_PENDING_HELLOS: 'too many connections from its address are still without a hello',
      }[admission.code];
      this.refuse(socket, address, admission.code, `signaling connection refused: ${why}`, {
        maxConnections: this.maxConnections,
        maxPerAddress: MAX_INBOUND_PER_ADDRESS,
        maxPendingHellosPerAddress: MAX_PENDING_HELLOS_PER_ADDRESS,
      });
      return;
    }
    if (admission.evict) {
      const victim = admission.evict.connection;
      victim.fail(
        new SignalingError(
          'ERR_SIGNAL_EVICTED',
          `Signaling connection with ${victim.address} closed to make room for a new one (all ${this.maxConnections} taken).`,
        ),
      );
    }
    this.logger.debug('signaling connection accepted', { address });
    this.track(socket, 'inbound', undefined);
  }

  /** Inbound connections holding a slot (an evicted one may not have closed yet: it holds none). */
  private inboundSlots(): (InboundSlot & { connection: Connection })[] {
    const slots: (InboundSlot & { connection: Connection })[] = [];
    for (const connection of this.open) {
      if (connection.direction !== 'inbound' || connection.gone) continue;
      slots.push({ ...connection.info(), acceptedAt: connection.acceptedAt, lastActive: connection.lastActive, connection });
    }
    return slots;
  }

  /** Destroys a new socket at once, before reading anything from it. */
  private refuse(
    socket: net.Socket,
    address: string,
    code: SignalingErrorCode,
    message: string,
    fields: Record<string, unknown>,
  ): void {
    socket.on('error', () => undefined);
    socket.destroy();
    this.warnings.warn(code, message, { address, ...fields });
  }

  private track(socket: net.Socket, direction: 'inbound' | 'outbound', expectedPeerId: string | undefined): Connection {
    const connection = new Connection(socket, {
      direction,
      ...(expectedPeerId ? { expectedPeerId } : {}),
      helloTimeoutMs: this.helloTimeoutMs,
      idleTimeoutMs: this.idleTimeoutMs,
      logger: this.logger,
      handlers: {
        onHello: (c, hello) => this.onHello(c, hello),
        onMessage: (c, message) => this.onMessage(c, message),
        onError: (c, error) => this.onConnectionError(c, error),
        onClose: (c) => this.onClose(c),
      },
    });
    this.open.add(connection);
    return connection;
  }

  private onClose(connection: Connection): void {
    this.open.delete(connection);
    const peerId = connection.remote?.peerId;
    this.logger.debug('signaling connection closed', { address: connection.address, peerId, direction: connection.direction });
    if (peerId === undefined) return;
    for (const other of this.open) if (other.remote?.peerId === peerId) return;
    this.emit('disconnected', { peerId });
  }

  private onHello(connection: Connection, hello: SignalHello): void {
    const remote: RemoteHello = {
      peerId: hello.peer_id,
      name: hello.name,
      port: hello.port,
      version: hello.v,
      address: connection.address,
    };
    if (hello.peer_id === this.deviceId) {
      if (connection.direction === 'inbound') {
        // Answer, so that the dialer (most likely ourselves, via a manually added address)
        // learns whom it reached, then close.
        this.warnings.warn('WARN_SIGNAL_SELF_ID', 'signaling connection claims our own device id, closing', {
          address: connection.address,
        });
        connection.end(this.helloFrame());
      } else {
        connection.fail(
          new SignalingError('ERR_SIGNAL_SELF_CONNECT', `${connection.address} is this device's own signaling address.`),
          false,
        );
      }
      return;
    }
    if (connection.expectedPeerId && connection.expectedPeerId !== hello.peer_id) {
      connection.fail(
        new SignalingError(
          'ERR_SIGNAL_PEER_MISMATCH',
          `The device at ${connection.address} is ${hello.peer_id}, not the expected ${connection.expectedPeerId}.`,
        ),
        false,
      );
      return;
    }
    if (connection.direction === 'inbound') {
      // Queued before open(): our hello leaves before any message on this connection.
      connection.write(this.helloFrame()).catch(() => undefined);
    }
    connection.open(remote, ++this.sequence);
    if (hello.port > 0) this.remember(hello.peer_id, connection.address, hello.port);
    this.logger.debug('signaling hello', { ...remote, direction: connection.direction });
    this.closeDuplicates(hello.peer_id);
    this.emit('hello', remote);
  }

  private onMessage(connection: Connection, message: SignalMessage): void {
    const remote = connection.remote!;
    if (message.peer_id !== remote.peerId) {
      const why = 'signaling message dropped: its peer_id is not the id this connection said hello with';
      this.warnings.warn('WARN_SIGNAL_PEER_ID_MISMATCH', why, {
        address: connection.address,
        helloPeerId: remote.peerId,
        messagePeerId: message.peer_id,
        kind: message.kind,
      });
      return;
    }
    this.emit('message', message, remote);
  }

  private onConnectionError(connection: Connection, error: SignalingError): void {
    this.warnings.warn(error.code, 'signaling connection closed on error', {
      message: error.message,
      address: connection.address,
      peerId: connection.remote?.peerId,
    });
    // An outbound connection still in its hello belongs to a dial: its caller gets the error.
    if (connection.direction === 'outbound' && !connection.remote) return;
    this.emit('connection-error', error, {
      address: connection.address,
      ...(connection.remote ? { peerId: connection.remote.peerId } : {}),
    });
  }

  private remember(peerId: string, address: string, port: number): void {
    this.lastSeen.delete(peerId);
    this.lastSeen.set(peerId, { address, port });
    if (this.lastSeen.size > MAX_LAST_SEEN_PEERS) {
      const oldest = this.lastSeen.keys().next();
      if (!oldest.done) this.lastSeen.delete(oldest.value);
    }
  }

  /**
   * The connection both sides send on: the one dialled by the lower device id (so two peers
   * that dialled each other at once agree), and among those the most recently established.
   */
  private pick(peerId: string): Connection | undefined {
    const lowerDials = (c: Connection) => (c.direction === 'outbound' ? this.deviceId < peerId : peerId < this.deviceId);
    let best: Connection | undefined;
    for (const c of this.open) {
      if (!c.usable || c.remote?.peerId !== peerId) continue;
      if (!best) {
        best = c;
        continue;
      }
      const [a, b] = [lowerDials(c), lowerDials(best)];
      if ((a && !b) || (a === b && c.sequence > best.sequence)) best = c;
    }
    return best;
  }

  /** Each side closes (gracefully) the connections it dialled that are not the chosen one. */
  private closeDuplicates(peerId: string): void {
    const best = this.pick(peerId);
    for (const c of this.open) {
      if (c !== best && c.usable && c.direction === 'outbound' && c.remote?.peerId === peerId) {
        this.logger.debug('closing duplicate signaling connection', { peerId, address: c.address });
        c.end();
      }
    }
  }

  private dialPeer(target: SignalTarget): Promise<Connection> {
    const seen = this.lastSeen.get(target.peerId);
    const address = target.address ?? seen?.address;
    const port = target.port ?? seen?.port;
    if (!address || !port) {
      return Promise.reject(
        new SignalingError('ERR_SIGNAL_NO_ADDRESS', `No connection with ${target.peerId} and no address to reach it.`),
      );
    }
    return this.dial(address, port, target.peerId);
  }

  /** Concurrent dials of the same address for the same peer share one connection attempt. */
  private dial(address: string, port: number, expectedPeerId: string | undefined): Promise<Connection> {
    const key = `${expectedPeerId ?? '?'}@${address}:${port}`;
    let pending = this.pendingDials.get(key);
    if (!pending) {
      pending = this.openConnection(address, port, expectedPeerId).finally(() => this.pendingDials.delete(key));
      pending.catch(() => undefined);
      this.pendingDials.set(key, pending);
    }
    return pending;
  }

  private openConnection(address: string, port: number, expectedPeerId: string | undefined): Promise<Connection> {
    return new Promise<Connection>((resolve, reject) => {
      if (this.closing) {
        reject(closedError());
        return;
      }
      const where = `${address}:${port}`;
      const socket = net.connect({ host: address, port });
      this.connecting.add(socket);
      let settled = false;
      const settle = (error: SignalingError | undefined, connection?: Connection) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.connecting.delete(socket);
        socket.off('error', onError);
        socket.off('close', onClose);
        if (error) {
          socket.destroy();
          reject(error);
        } else {
          resolve(connection!);
        }
      };
      const timer = setTimeout(() => {
        settle(new SignalingError('ERR_SIGNAL_CONNECT_TIMEOUT', `No answer from ${where} within ${CONNECT_TIMEOUT_MS} ms.`));
      }, CONNECT_TIMEOUT_MS);
      const onError = (error: NodeJS.ErrnoException) => {
        settle(
          new SignalingError('ERR_SIGNAL_CONNECT_FAILED', `Cannot reach ${where} (${error.code ?? error.message}).`, { cause: error }),
        );
      };
      const onClose = () => settle(this.closing ? closedError() : new SignalingError('ERR_SIGNAL_CONNECT_FAILED', `Cannot reach ${where}.`));
      socket.once('error', onError);
      socket.once('close', onClose);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.connecting.delete(socket);
        socket.off('error', onError);
        socket.off('close', onClose);
        if (this.closing) {
          settle(closedError());
          return;
        }
        const connection = this.track(socket, 'outbound', expectedPeerId);
        connection.write(this.helloFrame()).catch(() => undefined);
        connection.whenEstablished().then(
          () => settle(undefined, connection),
          (error: SignalingError) => {
            settled = true;
            // Reject once the socket is gone, so the caller never sees a dead connection counted.
            void connection.closed.then(() => reject(error));
          },
        );
      });
    });
  }
}

export function createSignaling(init: SignalingInit): Signaling {
  return new SignalingNode(init);
}
