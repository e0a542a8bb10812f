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

  it('a text transfer speaks of text, never of "0 file(s)"; a resume says from where', () => {
    const id = '0123456789abcdef0123456789abcdef';
    const base = { transferId: id, peerId: id, awaitingDecision: false, trusted: false, peerName: 'lab', files: [], totalBytes: 42 };
    expect(describeEvent({ event: 'transfer-offered', direction: 'send', ...base })).toBe('offering to lab (01234567): text, 42 B');
    expect(describeEvent({ event: 'transfer-offered', direction: 'receive', ...base })).toBe('incoming from lab (01234567): text, 42 B');
    const done = { event: 'transfer-complete' as const, transferId: id, peerId: id, files: [], bytesTransferred: 42, resumedBytes: 0 };
    expect(describeEvent({ ...done, direction: 'send' })).toBe('text 01234567 confirmed by the receiver');
    expect(describeEvent({ ...done, direction: 'receive' })).toBeUndefined();
    const started = { event: 'transfer-started' as const, transferId: id, peerId: id, totalBytes: 256e6 };
    expect(describeEvent({ ...started, direction: 'receive', resumeFromBytes: 128e6, alreadyThereFiles: 2 })).toBe('transfer 01234567: resuming from 128 MB of 256 MB (2 files already there)');
    expect(describeEvent({ ...started, direction: 'send', resumeFromBytes: 0, alreadyThereFiles: 0 })).toBe('transfer 01234567 accepted; sending 256 MB');
    expect(describeEvent({ ...started, direction: 'receive', resumeFromBytes: 0, alreadyThereFiles: 0 })).toBeUndefined();
    const files = [{ path: 'a', size: 1, sha256: 'x' }, { path: 'b', size: 1, sha256: 'y', alreadyThere: true }];
    expect(describeEvent({ ...done, direction: 'receive', files, bytesTransferred: 1, savedTo: '/in' })).toBe('transfer 01234567 verified: 2 files (1 already there) in /in');
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
      files: [{ path: 'b.txt', size: 5, kind: 'file' }],
      totalBytes: 5,
      awaitingDecision: false,
      trusted: true,
    });
    expect(fromTrusted).toBe('incoming from desk-pc (fbcedc8d): 1 item(s), 5 B [trusted]');
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
    expect(help).toMatch(/choices: "all", "none", "trusted", "ask", default: "none"/);
    expect(help).toMatch(/--trust <id> also trust this device id for this run only, not saved \(repeatable/);
  });

  it('an unknown policy or a --trust that is not a full id is a usage error (exit 2)', async () => {
    const policy = await agent(['run', '--accept', 'everyone', '--state-dir', stateDir]);
    expect(policy.code).toBe(EXIT.usage);
    expect(policy.stderr).toMatch(/Allowed choices are all, none, trusted, ask/);
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
    const noTarget = await agent(['send', 'x']);
    expect(noTarget.code).toBe(EXIT.usage);
    expect(noTarget.stderr).toMatch(/--to NAME/);
    const nothing = await agent(['send', '--to', 'someone', '--state-dir', stateDir]);
    expect(nothing.code).toBe(EXIT.usage);
    expect(nothing.stderr).toMatch(/nothing to send/);
  });

  it('every verb\'s --help shows examples and the exit codes', async () => {
    for (const verb of [[], ['peers'], ['receive'], ['send'], ['run'], ['trust']]) {
      const r = await agent([...verb, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\nExamples:\n {2}.*fileshare-agent /);
      expect(r.stdout).toMatch(/Exit codes:\n {2}0 {2}success/);
      expect(r.stdout).toMatch(/ {2}7 {2}could not start/);
    }
    expect((await agent(['send', '--help'])).stdout).toMatch(/else the code of the first failed --to/);
  });

  it('send checks its paths before anything else: a missing one exits 2 at once, named, nothing started', async () => {
    const missing = join(stateDir, 'no-such-report.pdf');
    const started = Date.now();
    const r = await agent(['send', '--json', '--to', 'nobody', '--timeout', '30', '--state-dir', stateDir, missing, join(stateDir, 'also-missing')]);
    expect(r.code).toBe(EXIT.usage);
    expect(Date.now() - started).toBeLessThan(10000);
    expect(r.stderr).toContain(`fileshare-agent: cannot send ${missing}: no such file or folder`);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; code?: string; path?: string });
    expect(events).toEqual([
      expect.objectContaining({ event: 'error', code: 'ERR_SOURCE_INVALID', path: missing }),
      expect.objectContaining({ event: 'error', code: 'ERR_SOURCE_INVALID', path: join(stateDir, 'also-missing') }),
    ]);
  });

  it('send - needs --as NAME, --as takes no path, and --text - refuses more than one message holds', async () => {
    expect((await agent(['send', '--to', 'x', '-'], { input: 'data' })).stderr).toMatch(/name that file with --as NAME/);
    const path = await agent(['send', '--to', 'x', '-', '--as', '../etc/passwd'], { input: 'data' });
    expect(path.code).toBe(EXIT.usage);
    expect(path.stderr).toMatch(/--as takes a file name, not a path: "..\/etc\/passwd" contains a path separator/);
    const long = await agent(['send', '--to', 'x', '--state-dir', stateDir, '--text', '-'], { input: Buffer.alloc(1024 * 1024 + 1, 0x61) });
    expect(long.code).toBe(EXIT.usage);
    expect(long.stderr).toMatch(/the text on stdin is longer than that; one text message carries at most 1.05 MB \(1048576 bytes\)/);
    const empty = await agent(['send', '--to', 'x', '--state-dir', stateDir, '--text', '-'], { input: '' });
    expect(empty.code).toBe(EXIT.usage);
    expect(empty.stderr).toMatch(/the text on stdin is empty/);
  });

  it('receive without a terminal must be told which offers to take (exit 2)', async () => {
    const r = await agent(['receive', '--once', '--state-dir', stateDir]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/receive is not on a terminal.*--accept trusted.*--accept all/);
    const ask = await agent(['run', '--accept', 'ask', '--state-dir', stateDir]);
    expect(ask.code).toBe(EXIT.usage);
    expect(ask.stderr).toMatch(/--accept ask needs a terminal/);
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
