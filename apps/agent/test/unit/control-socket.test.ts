import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, NodeEvent, PeerInfo } from '@fileshare/core';
import { DaemonConnection } from '../../src/control/client.js';
import { CONTROL_PROTOCOL_VERSION, LineSplitter, decodeClientMessage, type ClientMessage, type ReadyEvent } from '../../src/control/protocol.js';
import { openControlServer, type ControlHandler, type ControlServer } from '../../src/control/server.js';
import type { SendRequest, SendResult } from '../../src/send/send-to-peers.js';

const DAEMON = 'da'.repeat(16);
const PEER = 'be'.repeat(16);
const READY: ReadyEvent = { event: 'ready', deviceId: DAEMON, name: 'daemon', port: 4000, addresses: ['10.0.0.1'], receiveDir: '/in' };
const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A daemon's node, faked: each send waits until the test releases or the client cancels it. */
class FakeHandler implements ControlHandler {
  requests: SendRequest[] = [];
  signals: AbortSignal[] = [];
  private releases: (() => void)[] = [];

  ready(): ReadyEvent {
    return READY;
  }

  peers(): Promise<PeerInfo[]> {
    return Promise.resolve([{ id: PEER, name: 'lab', address: '10.0.0.2', port: 5000, state: 'connected', manual: false, verified: true, trusted: false }]);
  }

  async send(request: SendRequest, options: { signal: AbortSignal; onEvent(event: NodeEvent): void; onResult(result: SendResult): void }): Promise<SendResult[]> {
    this.requests.push(request);
    this.signals.push(options.signal);
    const transferId = 'ab'.repeat(16);
    options.onEvent({ event: 'transfer-offered', transferId, direction: 'send', peerId: PEER, peerName: 'lab', files: [{ path: 'a.txt', size: 3, kind: 'file' }], totalBytes: 3, awaitingDecision: false, trusted: false });
    const cancelled = await new Promise<boolean>((settle) => {
      const release = (): void => settle(false);
      this.releases.push(release);
      options.signal.addEventListener(
        'abort',
        () => {
          this.releases = this.releases.filter((r) => r !== release);
          settle(true);
        },
        { once: true },
      );
    });
    const result: SendResult = cancelled
      ? { to: request.to[0]!, peerId: PEER, name: 'lab', ok: false, exitCode: 5, code: 'ERR_TRANSFER_CANCELLED', message: 'Cancelled.', kind: 'files' }
      : { to: request.to[0]!, peerId: PEER, name: 'lab', ok: true, exitCode: 0, transferId, kind: 'files', files: 1, bytes: 3, alreadyThere: 0 };
    options.onResult(result);
    return [result];
  }

  release(): void {
    this.releases.shift()?.();
  }
}

const sendMessage = (to: string[]): Extract<ClientMessage, { type: 'send' }> => ({ type: 'send', v: CONTROL_PROTOCOL_VERSION, to, paths: ['/tmp/a.txt'], timeoutSeconds: 5 });
const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('control socket (a real unix socket in a temporary state folder)', () => {
  let dir: string;
  let path: string;
  let handler: FakeHandler;
  let server: ControlServer | undefined;
  const others: Server[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fileshare-control-'));
    path = join(dir, 'agent.sock');
    handler = new FakeHandler();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    for (const s of others.splice(0)) await new Promise((closed) => s.close(closed));
    await rm(dir, { recursive: true, force: true });
  });

  const open = async (): Promise<ControlServer> => {
    const opened = await openControlServer(path, handler, quiet);
    if (opened.server === undefined) throw new Error(opened.reason);
    server = opened.server;
    return opened.server;
  };

  it('is a socket only its owner can use, and says hello with the daemon identity', async () => {
    await open();
    const info = await stat(path);
    expect(info.isSocket()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
    const connection = await DaemonConnection.connect(path);
    expect(connection?.ready).toEqual(READY);
    connection?.close();
  });

  it('streams the events and per-peer results of a send, then the exit code', async () => {
    await open();
    const connection = (await DaemonConnection.connect(path))!;
    const events: NodeEvent[] = [];
    const results: SendResult[] = [];
    const done = connection.request(sendMessage(['lab']), { onEvent: (e) => events.push(e), onResult: (r) => results.push(r) });
    await until(() => handler.requests.length === 1);
    expect(handler.requests[0]).toEqual({ to: ['lab'], paths: ['/tmp/a.txt'], timeoutMs: 5000 });
    handler.release();
    expect(await done).toBe(0);
    expect(events.map((e) => e.event)).toEqual(['transfer-offered']);
    expect(results).toEqual([expect.objectContaining({ to: 'lab', ok: true, exitCode: 0, files: 1 })]);
  });

  it('lists the daemon peers', async () => {
    await open();
    const connection = (await DaemonConnection.connect(path))!;
    let peers: PeerInfo[] = [];
    expect(await connection.request({ type: 'peers', v: CONTROL_PROTOCOL_VERSION, waitSeconds: 0 }, { onPeers: (p) => (peers = p) })).toBe(0);
    expect(peers.map((p) => p.id)).toEqual([PEER]);
  });

  it('cancel (Ctrl-C on the client) cancels the daemon transfer, which reports exit 5', async () => {
    await open();
    const connection = (await DaemonConnection.connect(path))!;
    const results: SendResult[] = [];
    const done = connection.request(sendMessage(['lab']), { onResult: (r) => results.push(r) });
    await until(() => handler.signals.length === 1);
    connection.cancel();
    expect(await done).toBe(5);
    expect(handler.signals[0]!.aborted).toBe(true);
    expect(results[0]).toMatchObject({ ok: false, code: 'ERR_TRANSFER_CANCELLED' });
  });

  it('a client that vanishes cancels only its own request; the daemon serves the next one', async () => {
    await open();
    const gone = (await DaemonConnection.connect(path))!;
    void gone.request(sendMessage(['lab']), {}).catch(() => undefined);
    await until(() => handler.signals.length === 1);
    gone.close();
    await until(() => handler.signals[0]!.aborted);
    const next = (await DaemonConnection.connect(path))!;
    const done = next.request(sendMessage(['desk']), {});
    await until(() => handler.requests.length === 2);
    expect(handler.signals[1]!.aborted).toBe(false);
    handler.release();
    expect(await done).toBe(0);
  });

  it('refuses a request that does not validate, and closes that connection only', async () => {
    await open();
    const reply = await new Promise<string>((resolveReply) => {
      const socket = createConnection(path);
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolveReply(text));
      socket.write(`${JSON.stringify({ type: 'send', v: CONTROL_PROTOCOL_VERSION, to: [], paths: ['relative/path'], timeoutSeconds: 5 })}\n`);
    });
    const lines = reply.trim().split('\n').map((l) => JSON.parse(l) as { type: string; code?: string; message?: string });
    expect(lines[0]).toMatchObject({ type: 'hello' });
    expect(lines[1]).toMatchObject({ type: 'error', code: 'ERR_CONTROL_PROTOCOL' });
    expect(handler.requests).toEqual([]);
    expect(await DaemonConnection.connect(path)).toBeDefined();
  });

  it('replaces a stale socket file (an agent that was killed), but never a live one or a plain file', async () => {
    // What a SIGKILLed agent leaves: the socket file, with nobody listening on it.
    await new Promise<void>((killed) =>
      execFile(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`], () => killed()),
    );
    expect((await stat(path)).isSocket()).toBe(true);
    await expect(DaemonConnection.connect(path)).resolves.toBeUndefined();
    await open();
    expect(await DaemonConnection.connect(path)).toBeDefined();

    const second = await openControlServer(path, handler, quiet);
    expect(second.server).toBeUndefined();
    expect(second).toMatchObject({ reason: `another agent already answers on ${path}` });

    const plain = join(dir, 'not-a-socket');
    await writeFile(plain, 'keep me');
    const refused = await openControlServer(plain, handler, quiet);
    expect(refused).toMatchObject({ reason: `${plain} exists and is not a socket (left as it is)` });
    expect((await stat(plain)).isFile()).toBe(true);
  });

  it('no daemon: no socket file, or a process that never says hello', async () => {
    await expect(DaemonConnection.connect(path)).resolves.toBeUndefined();
    const mute = createServer(() => undefined);
    others.push(mute);
    await new Promise<void>((listening) => mute.listen(path, listening));
    await expect(DaemonConnection.connect(path, 200)).rejects.toMatchObject({ code: 'ERR_CONTROL_NO_ANSWER' });
  });

  it('the client refuses a daemon that does not speak the protocol', async () => {
    const liar = createServer((socket) => socket.write('{"type":"hello","v":99,"ready":{}}\n'));
    others.push(liar);
    await new Promise<void>((listening) => liar.listen(path, listening));
    await expect(DaemonConnection.connect(path)).rejects.toMatchObject({ code: 'ERR_CONTROL_PROTOCOL' });
  });

  it('closing the daemon tells a running send it was cancelled', async () => {
    const s = await open();
    const connection = (await DaemonConnection.connect(path))!;
    const done = connection.request(sendMessage(['lab']), {});
    await until(() => handler.signals.length === 1);
    await s.close();
    server = undefined;
    expect(await done).toBe(5);
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });
});

describe('control protocol', () => {
  it('splits lines across chunks and refuses one that is too long', () => {
    const splitter = new LineSplitter(10);
    expect(splitter.push(Buffer.from('{"a":1}\n{"b"'))).toEqual(['{"a":1}']);
    expect(splitter.push(Buffer.from(':2}\n'))).toEqual(['{"b":2}']);
    expect(() => splitter.push(Buffer.from('x'.repeat(11)))).toThrow(/longer than 10 bytes/);
  });

  it('validates requests: version, receivers, absolute paths, text or paths', () => {
    expect(decodeClientMessage(JSON.stringify(sendMessage(['lab'])))).toMatchObject({ ok: true });
    expect(decodeClientMessage(JSON.stringify({ ...sendMessage(['lab']), v: 2 }))).toMatchObject({ ok: false });
    expect(decodeClientMessage(JSON.stringify(sendMessage([])))).toMatchObject({ ok: false });
    expect(decodeClientMessage(JSON.stringify({ ...sendMessage(['lab']), paths: ['a.txt'] }))).toMatchObject({ ok: false });
    expect(decodeClientMessage(JSON.stringify({ ...sendMessage(['lab']), text: 'hi' }))).toMatchObject({ ok: false, error: expect.stringMatching(/either paths or text/) });
    expect(decodeClientMessage('not json')).toEqual({ ok: false, error: 'not JSON' });
    expect(decodeClientMessage('{"type":"cancel"}')).toEqual({ ok: true, value: { type: 'cancel' } });
  });
});
