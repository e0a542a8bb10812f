import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, exitCodeFor } from '../../src/exit-codes.js';
import { describeEvent, formatBytes, formatDuration, progressBar } from '../../src/format.js';

const AGENT = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/main.js');

function agent(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [AGENT, ...args], { timeout: 15000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

describe('exit codes', () => {
  it('map error codes to the documented exit codes', () => {
    expect(exitCodeFor('ERR_PEER_NOT_FOUND')).toBe(EXIT.peerUnavailable);
    expect(exitCodeFor('ERR_TRANSFER_DECLINED')).toBe(EXIT.declined);
    expect(exitCodeFor('ERR_TRANSFER_CANCELLED')).toBe(EXIT.cancelled);
    expect(exitCodeFor('ERR_TRANSFER_INTEGRITY')).toBe(EXIT.transferFailed);
    expect(exitCodeFor('ERR_TRANSFER_DISK_FULL')).toBe(EXIT.transferFailed);
    expect(exitCodeFor('ERR_PORT_IN_USE')).toBe(EXIT.startFailed);
    expect(exitCodeFor(undefined)).toBe(EXIT.failure);
  });
});

describe('readable output', () => {
  it('formats sizes, durations and bars', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(256 * 1024 * 1024)).toBe('256 MiB');
    expect(formatBytes(5 * 1024 ** 4 * 1024)).toBe('5120 TiB');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('--:--');
    expect(progressBar(50, 100, 10)).toBe('[#####-----]  50%');
    expect(progressBar(0, 0, 4)).toBe('[####] 100%');
  });

  it('describes events as sentences with the short id', () => {
    const id = '0123456789abcdef0123456789abcdef';
    expect(describeEvent({ event: 'peer-state', peerId: id, state: 'not-connected' })).toBe('peer 01234567: not connected');
    expect(describeEvent({ event: 'transfer-failed', transferId: id, direction: 'send', peerId: id, code: 'ERR_TRANSFER_DECLINED', message: 'Declined.' })).toBe(
      'transfer 01234567 failed: Declined. [ERR_TRANSFER_DECLINED]',
    );
    expect(describeEvent({ event: 'transfer-progress', transferId: id, direction: 'send', peerId: id, bytes: 1, totalBytes: 2, bytesPerSecond: 1 })).toBeUndefined();
  });
});

describe('command line (the built agent, run for real)', () => {
  let busy: Server;
  let busyPort: number;
  let stateDir: string;
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'fileshare-agent-cli-'));
    busy = createServer();
    await new Promise<void>((listening) => busy.listen(0, '127.0.0.1', listening));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((closed) => busy.close(closed));
    await rm(stateDir, { recursive: true, force: true });
  });

  it('--help lists the commands', async () => {
    const r = await agent(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/run \[options\]/);
    expect(r.stdout).toMatch(/send \[options\]/);
  });

  it('a bad option value is a usage error (exit 2) with a sentence, not a stack', async () => {
    const r = await agent(['run', '--port', '70000']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/port/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('send without --to or without anything to send is a usage error', async () => {
    expect((await agent(['send', 'x'])).code).toBe(EXIT.usage);
    const nothing = await agent(['send', '--to', 'someone', '--state-dir', stateDir]);
    expect(nothing.code).toBe(EXIT.usage);
    expect(nothing.stderr).toMatch(/nothing to send/);
  });

  it('a port in use ends with exit 7 and one clear sentence (JSON error event with --json)', async () => {
    const r = await agent(['run', '--json', '--port', String(busyPort), '--state-dir', stateDir]);
    expect(r.code).toBe(EXIT.startFailed);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { event: string; code: string; message: string };
    expect(last).toMatchObject({ event: 'error', code: 'ERR_PORT_IN_USE' });
    expect(last.message).toMatch(new RegExp(`Port ${busyPort} is already in use`));
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
