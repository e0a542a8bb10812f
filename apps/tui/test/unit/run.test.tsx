import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { FileshareNode } from '@fileshare/core';
import { run, type RunIo } from '../../src/run.js';
import { FakeNode } from '../support/fake-node.js';
import { FakeStdin, FakeStdout, KEYS, stripAnsi, waitFor } from '../support/render.js';

interface Harness {
  io: RunIo;
  stdin: FakeStdin;
  stdout: FakeStdout;
  stderr: FakeStdout;
  signals: EventEmitter;
  node: FakeNode;
  inits: unknown[];
}

let open: Promise<number> | undefined;
afterEach(async () => {
  // A test that failed midway must still end the app it started.
  if (open) {
    harnessSignals?.emit('SIGTERM');
    await open;
  }
  open = undefined;
});
let harnessSignals: EventEmitter | undefined;

function harness(createNode?: RunIo['createNode']): Harness {
  const stdin = new FakeStdin();
  const stdout = new FakeStdout(80, 24);
  const stderr = new FakeStdout(80, 24);
  const signals = new EventEmitter();
  harnessSignals = signals;
  const node = new FakeNode();
  const inits: unknown[] = [];
  const io: RunIo = {
    createNode:
      createNode ??
      ((init) => {
        inits.push(init);
        return Promise.resolve(node as FileshareNode);
      }),
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    signals,
    cwd: '/work',
  };
  return { io, stdin, stdout, stderr, signals, node, inits };
}

const screen = (h: Harness) => stripAnsi(h.stdout.frames.join(''));

describe('run', () => {
  it('shows a warning the node raised while starting (before the UI subscribed)', async () => {
    const node = new FakeNode();
    const h = harness((init) => {
      init.onEvent?.({ event: 'warning', code: 'WARN_EPHEMERAL_IDENTITY', message: 'Another fileshare node is using this state folder.' });
      return Promise.resolve(node as FileshareNode);
    });
    open = run([], h.io);
    await waitFor(() => (screen(h).includes('Another fileshare node is using this state folder') ? true : undefined), 3000, () => screen(h));
    h.stdin.write('q');
    expect(await open).toBe(0);
    open = undefined;
  });

  it('q quits, closes the node and exits 0', async () => {
    const h = harness();
    open = run([], h.io);
    await waitFor(() => (screen(h).includes('Peers (0)') ? true : undefined), 3000, () => screen(h));
    expect(h.inits).toEqual([{ accept: 'ask', onEvent: expect.any(Function) }]);
    h.stdin.write('q');
    expect(await open).toBe(0);
    open = undefined;
    expect(h.node.closeCalls).toBe(1);
    expect(h.node.listenerCount).toBe(0);
    expect(h.signals.listenerCount('SIGINT')).toBe(0);
  });

  it('q during a transfer asks again before quitting', async () => {
    const h = harness();
    open = run([], h.io);
    await waitFor(() => (screen(h).includes('Peers (0)') ? true : undefined), 3000, () => screen(h));
    h.node.emit({ event: 'transfer-progress', transferId: 't', direction: 'receive', peerId: 'a'.repeat(32), bytes: 1, totalBytes: 9, bytesPerSecond: 1 });
    await waitFor(() => (screen(h).includes('Transfers (1)') ? true : undefined), 3000, () => screen(h));
    h.stdin.write('q');
    await waitFor(() => (screen(h).includes('1 transfer(s) still running. Press q again') ? true : undefined), 3000, () => screen(h));
    expect(h.node.closeCalls).toBe(0);
    h.stdin.write('q');
    expect(await open).toBe(0);
    open = undefined;
    expect(h.node.closeCalls).toBe(1);
  });

  it('ctrl+c quits the same way', async () => {
    const h = harness();
    open = run([], h.io);
    await waitFor(() => (screen(h).includes('Peers (0)') ? true : undefined), 3000, () => screen(h));
    h.stdin.write(KEYS.ctrlC);
    expect(await open).toBe(0);
    open = undefined;
    expect(h.node.closeCalls).toBe(1);
  });

  it('SIGTERM and SIGINT close the node and exit with 128+signal', async () => {
    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      const h = harness();
      open = run([], h.io);
      await waitFor(() => (screen(h).includes('Peers (0)') ? true : undefined), 3000, () => screen(h));
      h.signals.emit(signal);
      expect(await open).toBe(code);
      open = undefined;
      expect(h.node.closeCalls).toBe(1);
    }
  });

  it('reports a start failure as one sentence with exit code 1', async () => {
    const error = Object.assign(new Error('Port 5000 is already in use; choose another with --port.'), { code: 'ERR_PORT_IN_USE' });
    const h = harness(() => Promise.reject(error));
    expect(await run(['--port', '5000'], h.io)).toBe(1);
    expect(h.stderr.frames.join('')).toBe('fileshare: Port 5000 is already in use; choose another with --port.\n');
    // Only the first frame was drawn; the main screen never appears.
    expect(screen(h)).toContain('fileshare  starting…');
    expect(screen(h)).not.toContain('Peers');
  });

  it('draws its first frame before the node has started, then the main screen', async () => {
    let started!: (node: FileshareNode) => void;
    const h = harness(() => new Promise((resolve) => (started = resolve)));
    open = run([], h.io);
    await waitFor(() => (screen(h).includes('fileshare  starting…') ? true : undefined), 3000, () => screen(h));
    expect(screen(h)).not.toContain('Peers');
    started(h.node);
    await waitFor(() => (screen(h).includes('Peers (0)') ? true : undefined), 3000, () => screen(h));
    h.stdin.write('q');
    expect(await open).toBe(0);
    open = undefined;
  });

  it('a signal while the node starts ends the program once the node is up, and closes it', async () => {
    let started!: (node: FileshareNode) => void;
    const h = harness(() => new Promise((resolve) => (started = resolve)));
    open = run([], h.io);
    await waitFor(() => (screen(h).includes('fileshare  starting…') ? true : undefined), 3000, () => screen(h));
    h.signals.emit('SIGINT');
    started(h.node);
    expect(await open).toBe(130);
    open = undefined;
    expect(h.node.closeCalls).toBe(1);
    expect(screen(h)).not.toContain('Peers');
  });

  it('checks --to paths before starting anything', async () => {
    const h = harness();
    expect(await run(['--to', 'desk', '/definitely/not/here'], h.io)).toBe(2);
    expect(h.stderr.frames.join('')).toBe('fileshare: no file or folder at /definitely/not/here.\n');
    expect(h.inits).toEqual([]);
  });

  it('refuses to run without a terminal', async () => {
    const h = harness();
    h.stdin.isTTY = false;
    expect(await run([], h.io)).toBe(2);
    expect(h.stderr.frames.join('')).toMatch(/^fileshare: the interactive UI needs a terminal/);
  });

  it('prints help without starting a node', async () => {
    const h = harness();
    expect(await run(['--help'], h.io)).toBe(0);
    expect(h.stdout.frames.join('')).toContain('Usage: fileshare [options] [command] [paths...]');
    expect(h.inits).toEqual([]);
  });

  it('gives up on a node that never finishes closing', async () => {
    const h = harness();
    h.node.close = () => new Promise<void>(() => undefined);
    open = run([], { ...h.io, closeDeadlineMs: 50 });
    await waitFor(() => (screen(h).includes('Peers (0)') ? true : undefined), 3000, () => screen(h));
    h.stdin.write('q');
    expect(await open).toBe(1);
    open = undefined;
    expect(h.stderr.frames.join('')).toBe('fileshare: closing took longer than 0 s; leaving anyway.\n');
  });
});
