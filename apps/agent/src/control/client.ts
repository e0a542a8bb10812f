import { createConnection, type Socket } from 'node:net';
import { FileshareError, type NodeEvent, type PeerInfo } from '@fileshare/core';
import type { SendResult } from '../send/send-to-peers.js';
import {
  CONTROL_PROTOCOL_VERSION,
  decodeForwardedEvent,
  decodeServerMessage,
  encodeLine,
  LineSplitter,
  MAX_REPLY_LINE_BYTES,
  type ClientMessage,
  type ReadyEvent,
  type ServerMessage,
} from './protocol.js';

export type ControlErrorCode =
  /** The daemon answered with something that is not this protocol. */
  | 'ERR_CONTROL_PROTOCOL'
  /** A process holds the socket but did not say hello in time. */
  | 'ERR_CONTROL_NO_ANSWER'
  /** The daemon went away before it finished (it was stopped): the send was interrupted. */
  | 'ERR_CONTROL_GONE';

/** A ControlErrorCode, or the code of a daemon's `error` reply (e.g. ERR_CONTROL_BUSY). */
export class ControlError extends FileshareError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'ControlError';
  }
}

/** How long a process on the socket has to say hello before the command gives up on it. */
const HELLO_TIMEOUT_MS = 5_000;

/** Errors that mean "no daemon here": the command then starts its own node. */
const NO_DAEMON = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ENOTDIR', 'EACCES', 'EPERM']);

export interface ReplyHandlers {
  onEvent?(event: NodeEvent): void;
  onResult?(result: SendResult): void;
  onPeers?(peers: PeerInfo[]): void;
  /** A forwarded event of a kind this version does not know (skipped). */
  onUnknownEvent?(reason: string): void;
}

/** A connection to a running `fileshare-agent run`, after its hello. */
export class DaemonConnection {
  private readonly splitter = new LineSplitter(MAX_REPLY_LINE_BYTES);
  private handlers: ReplyHandlers = {};
  private settle: ((exitCode: number) => void) | undefined;
  private reject: ((error: Error) => void) | undefined;
  private finished = false;

  private constructor(
    private readonly socket: Socket,
    readonly socketPath: string,
    /** The daemon's `ready` event: its device id, name, port, receive folder. */
    readonly ready: ReadyEvent,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.fail(new ControlError('ERR_CONTROL_GONE', 'The running agent stopped before it finished.')));
    socket.on('error', () => undefined); // 'close' follows and says it
  }

  /**
   * Connects to the daemon listening at `socketPath`. Resolves undefined when there is none (no
   * socket file, or a stale one nobody listens on); rejects when one is there but does not speak
   * this protocol in time.
   */
  static async connect(socketPath: string, helloTimeoutMs = HELLO_TIMEOUT_MS): Promise<DaemonConnection | undefined> {
    const socket = createConnection(socketPath);
    const splitter = new LineSplitter(MAX_REPLY_LINE_BYTES);
    return new Promise((resolveConnection, reject) => {
      let connected = false;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ControlError('ERR_CONTROL_NO_ANSWER', `A process holds ${socketPath} but did not answer within ${helloTimeoutMs / 1000} s; use --no-daemon, or stop it.`));
      }, helloTimeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('close', onClose);
      };
      const onError = (error: NodeJS.ErrnoException): void => {
        done();
        if (!connected && NO_DAEMON.has(error.code ?? '')) resolveConnection(undefined);
        else reject(new ControlError('ERR_CONTROL_NO_ANSWER', `Cannot talk to the running agent on ${socketPath}: ${error.message}`));
      };
      const onClose = (): void => {
        done();
        reject(new ControlError('ERR_CONTROL_NO_ANSWER', `The process on ${socketPath} closed the connection without a hello.`));
      };
      const onData = (chunk: Buffer): void => {
        let first: string | undefined;
        try {
          first = splitter.push(chunk)[0];
        } catch (error) {
          done();
          socket.destroy();
          reject(new ControlError('ERR_CONTROL_PROTOCOL', error instanceof Error ? error.message : String(error)));
          return;
        }
        if (first === undefined) return;
        done();
        const hello = decodeServerMessage(first);
        if (!hello.ok || hello.value.type !== 'hello' || hello.value.v !== CONTROL_PROTOCOL_VERSION) {
          socket.destroy();
          const what = hello.ok && hello.value.type === 'error' ? hello.value.message : 'it does not speak this version of the control protocol; restart it with this version';
          reject(new ControlError('ERR_CONTROL_PROTOCOL', `The running agent on ${socketPath} refused: ${what}`));
          return;
        }
        resolveConnection(new DaemonConnection(socket, socketPath, hello.value.ready));
      };
      socket.once('connect', () => (connected = true));
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('close', onClose);
    });
  }

  /** Sends the request; resolves with the daemon's exit code once it says `done`. */
  request(message: ClientMessage, handlers: ReplyHandlers): Promise<number> {
    this.handlers = handlers;
    return new Promise((settle, reject) => {
      this.settle = settle;
      this.reject = reject;
      this.socket.write(encodeLine(message));
    });
  }

  /** Ctrl-C: the daemon cancels the transfers it runs for us, then reports them (exit 5). */
  cancel(): void {
    if (!this.socket.destroyed) this.socket.write(encodeLine({ type: 'cancel' }));
  }

  close(): void {
    this.finished = true;
    this.socket.destroy();
  }

  private fail(error: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.socket.destroy();
    this.reject?.(error);
  }

  private onData(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.splitter.push(chunk);
    } catch (error) {
      this.fail(new ControlError('ERR_CONTROL_PROTOCOL', error instanceof Error ? error.message : String(error)));
      return;
    }
    for (const line of lines) {
      if (this.finished) return;
      const decoded = decodeServerMessage(line);
      if (!decoded.ok) {
        this.fail(new ControlError('ERR_CONTROL_PROTOCOL', `The running agent sent an invalid message (${decoded.error}).`));
        return;
      }
      this.dispatch(decoded.value);
    }
  }

  private dispatch(message: ServerMessage): void {
    switch (message.type) {
      case 'event': {
        const event = decodeForwardedEvent(message.event);
        if (event.ok) this.handlers.onEvent?.(event.value);
        else this.handlers.onUnknownEvent?.(`${message.event.event}: ${event.error}`);
        return;
      }
      case 'send-result':
        this.handlers.onResult?.(message.result);
        return;
      case 'peers':
        this.handlers.onPeers?.(message.peers);
        return;
      case 'done':
        this.finished = true;
        this.socket.destroy();
        this.settle?.(message.exitCode);
        return;
      case 'error':
        this.fail(new ControlError(message.code, message.message));
        return;
      case 'hello':
        this.fail(new ControlError('ERR_CONTROL_PROTOCOL', 'The running agent said hello twice.'));
    }
  }
}
