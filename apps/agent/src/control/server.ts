import { chmod, lstat, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import type { Logger, NodeEvent, PeerInfo } from '@fileshare/core';
import { overallExitCode, type SendRequest, type SendResult } from '../send/send-to-peers.js';
import { CONTROL_PROTOCOL_VERSION, decodeClientMessage, encodeLine, LineSplitter, MAX_REQUEST_LINE_BYTES, type OutgoingServerMessage, type ReadyEvent } from './protocol.js';

/** What the daemon does for its clients (its node); a fake one in unit tests. */
export interface ControlHandler {
  ready(): ReadyEvent;
  peers(waitSeconds: number, signal: AbortSignal): Promise<PeerInfo[]>;
  send(request: SendRequest, options: { signal: AbortSignal; onEvent(event: NodeEvent): void; onResult(result: SendResult): void }): Promise<SendResult[]>;
}

export interface ControlServer {
  readonly path: string;
  /** Cancels what clients asked for, tells them, closes the socket and removes its file. */
  close(): Promise<void>;
}

/** Clients served at once; more are told the daemon is busy. */
const MAX_CLIENTS = 32;
/** A connection that asks for nothing is closed after this long. */
const IDLE_MS = 60_000;
/** How long closing waits for running requests to report their (cancelled) outcome. */
const CLOSE_GRACE_MS = 2_000;

/** Whether a process accepts connections on the unix socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolveAnswer(true);
    });
    probe.once('error', () => resolveAnswer(false));
  });
}

/**
 * Makes `path` free for our socket. A socket file nobody answers on was left by an agent that
 * was killed: it is replaced. Returns why it cannot be used otherwise (another agent answers
 * there, or it is not a socket: never deleted).
 */
async function claimSocketPath(path: string): Promise<string | undefined> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!info.isSocket()) return `${path} exists and is not a socket (left as it is)`;
  if (await answers(path)) return `another agent already answers on ${path}`;
  await unlink(path);
  return undefined;
}

/**
 * Opens the control socket at `path` (inside the private state folder; the socket itself 0600).
 * Resolves with the server, or with the reason it was not opened: the agent then runs without
 * one, and `send` on this state folder starts its own node.
 */
export async function openControlServer(path: string, handler: ControlHandler, logger: Logger): Promise<{ server: ControlServer } | { server?: undefined; reason: string }> {
  const busy = await claimSocketPath(path);
  if (busy !== undefined) return { reason: busy };
  const clients = new Set<Client>();
  const server = createServer((socket) => {
    if (clients.size >= MAX_CLIENTS) {
      socket.end(encodeLine({ type: 'error', code: 'ERR_CONTROL_BUSY', message: `The running agent serves ${MAX_CLIENTS} commands already; try again.` }));
      return;
    }
    const client = new Client(socket, handler, logger);
    clients.add(client);
    socket.once('close', () => clients.delete(client));
  });
  try {
    await new Promise<void>((listening, failed) => {
      server.once('error', failed);
      server.listen(path, () => {
        server.off('error', failed);
        listening();
      });
    });
    await chmod(path, 0o600);
  } catch (error) {
    server.close();
    const code = (error as NodeJS.ErrnoException).code;
    // Two agents starting at once on one state folder: the other one got there first.
    return { reason: code === 'EADDRINUSE' ? `another agent already answers on ${path}` : `cannot listen on ${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
  server.on('error', (error) => logger.warn('control socket error', { message: error.message }));
  return {
    server: {
      path,
      close: async () => {
        const stopping = [...clients].map((c) => c.stop());
        await Promise.race([Promise.all(stopping), new Promise((wait) => setTimeout(wait, CLOSE_GRACE_MS).unref())]);
        for (const c of clients) c.destroy();
        await new Promise<void>((closed) => server.close(() => closed()));
      },
    },
  };
}

/** One connected command (`send` or `peers`): one request, its replies, its cancellation. */
class Client {
  private readonly controller = new AbortController();
  private readonly splitter = new LineSplitter(MAX_REQUEST_LINE_BYTES);
  private work: Promise<void> | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly handler: ControlHandler,
    private readonly logger: Logger,
  ) {
    // A client that vanishes (killed, Ctrl-C twice) cancels what it asked for; the daemon goes on.
    socket.once('close', () => this.controller.abort());
    socket.on('error', (error) => logger.debug('control client error', { message: error.message }));
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.write({ type: 'hello', v: CONTROL_PROTOCOL_VERSION, ready: handler.ready() });
  }

  /** The daemon stops: cancel, and resolve once the outcome was written. */
  stop(): Promise<void> {
    this.controller.abort();
    return this.work ?? Promise.resolve();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private write(message: OutgoingServerMessage): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(encodeLine(message));
  }

  private refuse(code: string, message: string): void {
    this.write({ type: 'error', code, message });
    this.socket.end();
  }

  private onData(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.splitter.push(chunk);
    } catch (error) {
      this.refuse('ERR_CONTROL_PROTOCOL', error instanceof Error ? error.message : String(error));
      return;
    }
    for (const line of lines) {
      const decoded = decodeClientMessage(line);
      if (!decoded.ok) {
        this.refuse('ERR_CONTROL_PROTOCOL', `Invalid request (${decoded.error}); is this agent older or newer than the command?`);
        return;
      }
      const message = decoded.value;
      if (message.type === 'cancel') {
        this.controller.abort();
        continue;
      }
      if (this.work !== undefined) {
        this.refuse('ERR_CONTROL_PROTOCOL', 'One request per connection.');
        return;
      }
      this.socket.setTimeout(0);
      this.work = (message.type === 'send' ? this.send(message) : this.peers(message.waitSeconds)).catch((error: unknown) => {
        this.logger.error('control request failed', { message: error instanceof Error ? error.message : String(error) });
        this.refuse('ERR_UNEXPECTED', error instanceof Error ? error.message : String(error));
      });
    }
  }

  private async send(message: { to: string[]; paths?: string[]; text?: string; timeoutSeconds: number }): Promise<void> {
    this.logger.info('sending for a local command', { to: message.to, items: message.paths?.length ?? 0, text: message.text !== undefined });
    const request: SendRequest = {
      to: message.to,
      ...(message.paths !== undefined ? { paths: message.paths } : {}),
      ...(message.text !== undefined ? { text: message.text } : {}),
      timeoutMs: message.timeoutSeconds * 1000,
    };
    const results = await this.handler.send(request, {
      signal: this.controller.signal,
      onEvent: (event) => this.write({ type: 'event', event }),
      onResult: (result) => this.write({ type: 'send-result', result }),
    });
    this.write({ type: 'done', exitCode: overallExitCode(results) });
    this.socket.end();
  }

  private async peers(waitSeconds: number): Promise<void> {
    const peers = await this.handler.peers(waitSeconds, this.controller.signal);
    this.write({ type: 'peers', peers });
    this.write({ type: 'done', exitCode: 0 });
    this.socket.end();
  }
}
