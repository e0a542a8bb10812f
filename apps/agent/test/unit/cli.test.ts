import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDeviceId } from '../../src/device-id.js';
import { EXIT, exitCodeFor } from '../../src/exit-codes.js';
import { describeEvent, formatBytes, formatDuration, progressBar, trustAddCommand } from '../../src/format.js';
import { jsonLine } from '../../src/json.js';
import { agent } from './run-agent.js';

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

  it('an insecure or unreadable state folder is a start failure; a busy receiver is a "no"', () => {
    expect(exitCodeFor('ERR_STATE_INSECURE')).toBe(EXIT.startFailed);
    expect(exitCodeFor('ERR_TRUST_FILE_INVALID')).toBe(EXIT.startFailed);
    expect(exitCodeFor('ERR_TRANSFER_BUSY')).toBe(EXIT.declined);
    expect(exitCodeFor('ERR_PEER_ID_INVALID')).toBe(EXIT.usage);
  });
});

describe('device ids given by a person', () => {
  it('accepts the full id in either case and nothing shorter or longer', () => {
    expect(parseDeviceId(' FBCEDC8D3BD6A24398C27A0EFF260E47 ')).toBe('fbcedc8d3bd6a24398c27a0eff260e47');
    expect(() => parseDeviceId('fbcedc8d')).toThrow(/32 hex digits/);
    expect(() => parseDeviceId('desk-pc')).toThrow(/32 hex digits/);
    expect(() => parseDeviceId('g'.repeat(32))).toThrow(/32 hex digits/);
  });
});

describe('readable output', () => {
  it('formats sizes, durations and bars', () => {
    // The same units as the TUI (core's formatBytes), so a size reads the same everywhere.
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(256 * 1024 * 1024)).toBe('268 MB');
    expect(formatBytes(5e15)).toBe('5000 TB');
    expect(formatDuration(75)).toBe('1m 15s');
    expect(formatDuration(3725)).toBe('1h 02m');
    expect(formatDuration(Infinity)).toBe('--');
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

  const CODE = '01234 56789 01234 56789 01234 56789';
  const peerId = 'fbcedc8d3bd6a24398c27a0eff260e47';

  it('prints the verification code of a verified peer with the command that trusts it', () => {
    expect(describeEvent({ event: 'peer-verified', peerId, name: 'desk-pc', verificationCode: CODE, trusted: false })).toBe(
      `desk-pc (fbcedc8d) verified; code ${CODE} — compare it on the other device before trusting: fileshare-agent trust add ${peerId}`,
    );
    expect(describeEvent({ event: 'peer-verified', peerId, name: 'desk-pc', verificationCode: CODE, trusted: false }, { stateDir: '/srv/my state' })).toMatch(
      /trust add fbcedc8d3bd6a24398c27a0eff260e47 --state-dir '\/srv\/my state'$/,
    );
    expect(describeEvent({ event: 'peer-verified', peerId, name: 'desk-pc', verificationCode: CODE, trusted: true })).toBe(`desk-pc (fbcedc8d) verified, trusted; code ${CODE}`);
    expect(trustAddCommand(peerId)).toBe(`fileshare-agent trust add ${peerId}`);
  });

  it('tags an offer from a look-alike of a trusted device, and one from a trusted device', () => {
    const line = describeEvent({
      event: 'transfer-offered',
      transferId: 't',
      direction: 'receive',
      peerId: '66'.repeat(16),
      peerName: 'desk-pc',
      files: [{ path: 'a.txt', size: 3, kind: 'file' }],
      totalBytes: 3,
      awaitingDecision: false,
      trusted: false,
      lookalikeOf: peerId,
    });
    expect(line).toBe('incoming from desk-pc (66666666): 1 item(s), 3 B [LOOK-ALIKE of trusted fbcedc8d: another device with its name; never accepted automatically]');
    const fromTrusted = describeEvent({
      event: 'transfer-offered',
      transferId: 't',
      direction: 'receive',
      peerId,
      peerName: 'desk-pc',
      files: [],
      totalBytes: 0,
      awaitingDecision: false,
      trusted: true,
    });
    expect(fromTrusted).toBe('incoming from desk-pc (fbcedc8d): 0 item(s), 0 B [trusted]');
  });

  it('shows what a peer chose (names, texts, messages, paths) escaped, never raw', () => {
    const hostile = 'evil\u001b]52;c;aGk=\u0007\u001b[2J\u202egpj.exe';
    const text = describeEvent({ event: 'text-received', transferId: 't', peerId, peerName: hostile, text: `line 1\n${hostile}\r` })!;
    expect(text).toBe('text from evil\\x1b]52;c;aGk=\\x07\\x1b[2J<U+202E>gpj.exe (fbcedc8d):\nline 1\nevil\\x1b]52;c;aGk=\\x07\\x1b[2J<U+202E>gpj.exe\\x0d');
    const failed = describeEvent({ event: 'transfer-failed', transferId: 't', direction: 'send', peerId, code: 'ERR_TRANSFER_REMOTE', message: `Refused: ${hostile}` })!;
    const complete = describeEvent({ event: 'transfer-complete', transferId: 't', direction: 'receive', peerId, files: [], bytesTransferred: 0, resumedBytes: 0, savedTo: `/in/${hostile}` })!;
    const found = describeEvent({ event: 'peer-discovered', peerId, name: hostile, address: '10.0.0.2', port: 1, manual: false })!;
    for (const line of [text, failed, complete, found]) {
      expect(line).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    }
  });

  it('JSON lines escape what a terminal would act on, and parse back to the same values', () => {
    const value = { event: 'text-received', text: 'a\u001b[2J\u009b31m\u202eb\u2028c' };
    const line = jsonLine(value);
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2028]/);
    expect(line).toContain('\\u009b');
    expect(JSON.parse(line)).toEqual(value);
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
    expect(r.stdout).toMatch(/trust/);
  });

  it('run --help lists the accept policies and --trust', async () => {
    const r = await agent(['run', '--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/--accept <policy>/);
    expect(help).toMatch(/trusted = accept only from trusted devices/);
    expect(help).toMatch(/choices: "all", "none", "trusted", default: "none"/);
    expect(help).toMatch(/--trust <id> also trust this device id for this run only, not saved \(repeatable/);
  });

  it('an unknown policy or a --trust that is not a full id is a usage error (exit 2)', async () => {
    const policy = await agent(['run', '--accept', 'everyone', '--state-dir', stateDir]);
    expect(policy.code).toBe(EXIT.usage);
    expect(policy.stderr).toMatch(/Allowed choices are all, none, trusted/);
    const id = await agent(['run', '--trust', 'fbcedc8d', '--state-dir', stateDir]);
    expect(id.code).toBe(EXIT.usage);
    expect(id.stderr).toMatch(/a device id is 32 hex digits/);
    expect(id.stderr).not.toMatch(/at .*\.js:\d+/);
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
