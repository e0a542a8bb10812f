import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import type { NodeEvent, PeerInfo } from '@fileshare/core';
import { formatPeerTable, peerJson, peerState } from '../../src/commands/peers.js';
import { receivePolicy } from '../../src/commands/receive.js';
import { acceptCommand } from '../../src/commands/run.js';
import { ANSWER_PROMPT, describeOffer, OfferPrompter, parseAnswer } from '../../src/offer-prompt.js';
import { ReceiveTracker } from '../../src/receive-tracker.js';

const PEER = 'fbcedc8d3bd6a24398c27a0eff260e47';
const T1 = '1'.repeat(32);
const T2 = '2'.repeat(32);
const failed = (transferId: string, code: string): NodeEvent => ({ event: 'transfer-failed', transferId, direction: 'receive', peerId: PEER, code, message: code });
const complete = (transferId: string): NodeEvent => ({ event: 'transfer-complete', transferId, direction: 'receive', peerId: PEER, files: [], bytesTransferred: 0, resumedBytes: 0 });
const progress = (transferId: string): NodeEvent => ({ event: 'transfer-progress', transferId, direction: 'receive', peerId: PEER, bytes: 1, totalBytes: 9, bytesPerSecond: 1 });

describe('receive --once: which transfer decides the exit code', () => {
  it('a verified transfer: 0', async () => {
    const t = new ReceiveTracker(true);
    t.observe(progress(T1));
    expect(t.taken).toBe(true);
    t.observe(complete(T1));
    expect(await t.done).toBe(0);
  });

  it('offers the policy declined by itself do not count; the next transfer does', async () => {
    const t = new ReceiveTracker(true);
    t.observe(failed(T1, 'ERR_TRANSFER_DECLINED'));
    t.observe(failed('3'.repeat(32), 'ERR_TRANSFER_BUSY'));
    expect(t.taken).toBe(false);
    t.observe(progress(T2));
    t.observe(failed(T2, 'ERR_TRANSFER_INTEGRITY'));
    expect(await t.done).toBe(6);
  });

  it('declined by the person: 4; the sender cancelled: 5; a text: 0', async () => {
    const declined = new ReceiveTracker(true);
    declined.answered(T1, 'decline');
    declined.observe(failed(T1, 'ERR_TRANSFER_DECLINED'));
    expect(await declined.done).toBe(4);
    const cancelled = new ReceiveTracker(true);
    cancelled.answered(T1, 'accept');
    cancelled.observe(failed(T1, 'ERR_TRANSFER_CANCELLED'));
    expect(await cancelled.done).toBe(5);
    const text = new ReceiveTracker(true);
    text.observe({ event: 'text-received', transferId: T1, peerId: PEER, peerName: 'desk', text: 'hi' });
    expect(await text.done).toBe(0);
  });

  it('Ctrl-C: 5 with --once, or while a transfer runs; 0 when idle without --once', () => {
    expect(new ReceiveTracker(true).interruptedCode()).toBe(5);
    const idle = new ReceiveTracker(false);
    idle.observe(progress(T1));
    idle.observe(complete(T1));
    expect(idle.interruptedCode()).toBe(0);
    idle.observe(progress(T2));
    expect(idle.interruptedCode()).toBe(5);
  });
});

describe('receive --accept', () => {
  it('asks on a terminal by default; without one the caller must choose', () => {
    expect(receivePolicy(undefined, true)).toBe('ask');
    expect(receivePolicy('all', false)).toBe('all');
    expect(() => receivePolicy(undefined, false)).toThrow(/not on a terminal.*--accept trusted.*--accept all/);
    expect(() => receivePolicy('ask', false)).toThrow(/--accept ask needs a terminal/);
  });

  it('run --accept none suggests the exact command, with the state folder given', () => {
    expect(acceptCommand({})).toBe('fileshare-agent run --accept trusted');
    expect(acceptCommand({ stateDir: '/srv/my state', dir: '/in' })).toBe(`fileshare-agent run --accept trusted --state-dir '/srv/my state' --dir /in`);
  });
});

describe('asking about an offer', () => {
  const offer = {
    peerId: PEER,
    peerName: 'desk\u001b]0;pwned\u0007',
    verificationCode: '01234 56789 01234 56789 01234 56789',
    files: [
      { path: 'photos', size: 0, kind: 'directory' as const },
      ...Array.from({ length: 10 }, (_, i) => ({ path: `photos/p${i}.jpg`, size: 2_000_000, kind: 'file' as const })),
    ],
    totalBytes: 20_000_000,
  };

  it('shows who (inert), the verification code, the files and the total', () => {
    expect(describeOffer(offer).split('\n')).toEqual([
      'Offer from desk\\x1b]0;pwned\\x07 (fbcedc8d), verification code 01234 56789 01234 56789 01234 56789',
      '  10 files in 1 folder, 20.0 MB in all:',
      '    photos/',
      ...Array.from({ length: 7 }, (_, i) => `    photos/p${i}.jpg  2.00 MB`),
      '    ... and 3 more',
    ]);
    expect(describeOffer({ ...offer, files: [], totalBytes: 42 })).toMatch(/a text message, 42 B$/);
    expect(describeOffer({ ...offer, lookalikeOf: '66'.repeat(16) })).toMatch(/WARNING: it uses the name of your trusted device 66666666 but is ANOTHER device/);
  });

  it('y, n, t (and the words); anything else is asked again', async () => {
    expect([parseAnswer('Y'), parseAnswer(' no '), parseAnswer('trust'), parseAnswer('maybe')]).toEqual(['accept', 'decline', 'trust', undefined]);
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    const prompts = (): number => shown.split(ANSWER_PROMPT).length - 1;
    const prompted = async (count: number): Promise<void> => {
      while (prompts() < count) await new Promise((r) => setTimeout(r, 5));
    };
    output.on('data', (c: Buffer) => (shown += c.toString()));
    const prompter = new OfferPrompter(input, output);
    // Typed before any question: never taken as an answer to a later offer.
    input.write('y\n');
    const first = prompter.ask(offer, new AbortController().signal);
    const second = prompter.ask({ ...offer, files: [], totalBytes: 5 }, new AbortController().signal);
    await prompted(1);
    input.write('what\n');
    await prompted(2);
    input.write('t\n');
    expect(await first).toBe('trust');
    await prompted(3);
    expect(shown).toMatch(/a text message, 5 B\n/);
    input.write('n\n');
    expect(await second).toBe('decline');
    expect(shown).toContain('Please answer y, n or t.');
    expect(shown.split(ANSWER_PROMPT)).toHaveLength(4);
    prompter.close();
  });

  it('an offer withdrawn while asked stops its question; input that ends declines', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    output.resume();
    const prompter = new OfferPrompter(input, output);
    const controller = new AbortController();
    const asked = prompter.ask(offer, controller.signal);
    controller.abort();
    expect(await asked).toBe('withdrawn');
    const next = prompter.ask(offer, new AbortController().signal);
    input.end();
    expect(await next).toBe('decline');
    prompter.close();
  });
});

describe('peers output', () => {
  const peers: PeerInfo[] = [
    { id: PEER, name: 'lab-server', address: '198.18.0.11', port: 41234, state: 'connected', manual: false, verified: true, trusted: true, verificationCode: '1 2' },
    { id: '9c'.repeat(16), name: 'a\u202eb', address: '198.18.0.12', port: 5000, state: 'discovered', manual: true, verified: false, trusted: false },
  ];

  it('a table sorted by name, states in words, peer strings inert', () => {
    expect(peerState(peers[0]!)).toBe('connected, verified, trusted');
    expect(formatPeerTable(peers)).toEqual([
      'NAME        ID                                ADDRESS            STATE',
      `a<U+202E>b  ${'9c'.repeat(16)}  198.18.0.12:5000   found [by address]`,
      `lab-server  ${PEER}  198.18.0.11:41234  connected, verified, trusted`,
    ]);
  });

  it('one JSON object per peer, with peerId like the node events', () => {
    expect(JSON.parse(peerJson(peers[0]!))).toEqual({
      event: 'peer',
      peerId: PEER,
      name: 'lab-server',
      address: '198.18.0.11',
      port: 41234,
      state: 'connected',
      manual: false,
      verified: true,
      trusted: true,
      verificationCode: '1 2',
    });
  });
});
