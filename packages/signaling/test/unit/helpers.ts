import net from 'node:net';
import { once } from 'node:events';
import { type Logger, SIGNAL_HELLO_VERSION, type SignalMessage, encodeSignalHelloFrame } from '@fileshare/protocol';
import { type Signaling, type SignalingEvents, type SignalingInit, createSignaling } from '../../src/index.js';

export const ID_A = 'a'.repeat(32);
export const ID_B = 'b'.repeat(32);
export const ID_C = 'c'.repeat(32);

/** The hello frame a raw client sends to pass as device `id`. */
export const helloFrom = (id: string): Buffer => encodeSignalHelloFrame({ peer_id: id, name: 'raw', port: 0, v: SIGNAL_HELLO_VERSION });

/** A distinct valid device id per number. */
export const idOf = (n: number): string => n.toString(16).padStart(32, '0');

export const offer = (from: string, sdp = 'v=0 offer'): SignalMessage => ({ kind: 'offer', peer_id: from, data: sdp });

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Everything a test opens, closed in afterEach. */
export class Harness {
  private readonly nodes: Signaling[] = [];
  private readonly sockets: net.Socket[] = [];
  private readonly servers: net.Server[] = [];

  node(init: Partial<SignalingInit> & { deviceId: string }): Signaling {
    const node = createSignaling({ name: `node-${init.deviceId.slice(0, 4)}`, host: '127.0.0.1', ...init });
    this.nodes.push(node);
    return node;
  }

  async listening(init: Partial<SignalingInit> & { deviceId: string }): Promise<Signaling> {
    const node = this.node(init);
    await node.listen();
    return node;
  }

  /**
   * A raw TCP client that reads (so FIN/close are noticed) and records what it receives. `from`
   * picks its source address: Linux routes all of 127/8 to lo, so 127.0.0.2, 127.0.0.3... are
   * distinct remote IPs for the server.
   */
  async raw(port: number, from = '127.0.0.1'): Promise<RawClient> {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: from });
    this.sockets.push(socket);
    const client = new RawClient(socket);
    await once(socket, 'connect');
    return client;
  }

  /** A TCP server that accepts connections and never says anything. */
  async mute(): Promise<{ port: number; accepted: Promise<net.Socket> }> {
    let onAccept!: (socket: net.Socket) => void;
    const accepted = new Promise<net.Socket>((resolve) => (onAccept = resolve));
    const server = net.createServer((socket) => {
      this.sockets.push(socket);
      socket.on('error', () => undefined);
      socket.resume();
      onAccept(socket);
    });
    this.servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { port: (server.address() as net.AddressInfo).port, accepted };
  }

  /** A port on which nothing listens (bound, then released). */
  async deadPort(): Promise<number> {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  /** Opens a raw client and sends a hello as `id`; resolves once it is greeted or closed. */
  async greeted(port: number, id: string, from = '127.0.0.1'): Promise<RawClient> {
    const client = await this.raw(port, from);
    client.write(helloFrom(id));
    await until(() => client.received.length > 0 || client.isClosed, `${id} from ${from} is greeted or closed`);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.nodes.splice(0).map((n) => n.close()));
    for (const socket of this.sockets.splice(0)) socket.destroy();
    await Promise.all(this.servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

export class RawClient {
  readonly closed: Promise<void>;
  received = Buffer.alloc(0);
  isClosed = false;

  constructor(readonly socket: net.Socket) {
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Greeted with the server's hello and not closed. */
  get admitted(): boolean {
    return this.received.length > 0 && !this.isClosed;
  }
}

/** A frame with an arbitrary JSON body. */
export function jsonFrame(body: unknown): Buffer {
  const bytes = Buffer.from(JSON.stringify(body));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(bytes.length);
  return Buffer.concat([head, bytes]);
}

/** Resolves with the arguments of the next `event` (listener removed afterwards). */
export function next<E extends keyof SignalingEvents>(node: Signaling, event: E): Promise<Parameters<SignalingEvents[E]>> {
  return new Promise((resolve) => {
    const listener = ((...args: Parameters<SignalingEvents[E]>) => {
      node.off(event, listener);
      resolve(args);
    }) as SignalingEvents[E];
    node.on(event, listener);
  });
}

/** Collects every message a node receives. */
export function inbox(node: Signaling): SignalMessage[] {
  const messages: SignalMessage[] = [];
  node.on('message', (m) => messages.push(m));
  return messages;
}

/**
 * Waits until `condition` holds, re-checking whenever the event loop has turned (a condition
 * wait, not a fixed sleep: it returns as soon as the state is reached).
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
