import { describe, expect, it } from '@jest/globals';
import type { NodeEvent } from '@fileshare/core';
import { initialState, reduce } from '../../src/state/reducer.js';
import type { Input, UiState } from '../../src/state/types.js';
import { currentView } from '../../src/state/view.js';

const SELF = { deviceId: 'f'.repeat(32), name: 'laptop', port: 5000, addresses: ['10.0.0.1'], receiveDir: '/recv' };
const A = 'a1'.padEnd(32, '0');

const connected: Input[] = [
  { event: 'peer-discovered', peerId: A, name: 'desk', address: '10.0.0.2', port: 6000, manual: false },
  { event: 'peer-state', peerId: A, state: 'connected' },
];
const offer = (transferId: string): NodeEvent => ({
  event: 'transfer-offered',
  transferId,
  direction: 'receive',
  peerId: A,
  peerName: 'desk',
  files: [{ path: 'report.pdf', size: 1000, kind: 'file' }],
  totalBytes: 1000,
  awaitingDecision: true,
  trusted: false,
});
const run = (from: UiState, ...inputs: Input[]) => inputs.reduce(reduce, from);
const start = (...inputs: Input[]) => run(initialState(SELF), ...inputs);

describe('esc in the send dialog with an offer waiting', () => {
  const typing = start(...connected, { type: 'open-send' }, { type: 'draft-add', path: '/x/a' }, { type: 'draft-input', value: 'b' }, offer('in-1'), offer('in-2'));

  it('keeps the draft and shows the offer; the dialog comes back after the last answer', () => {
    expect(currentView(typing)).toBe('send');
    let s = run(typing, { type: 'close-dialog' });
    expect(currentView(s)).toBe('offer');
    expect(s.draft).toMatchObject({ paths: ['/x/a'], input: 'b' });
    s = run(s, { type: 'offer-decided', transferId: 'in-1', decision: 'accept' });
    expect(currentView(s)).toBe('offer');
    s = run(s, { type: 'offer-decided', transferId: 'in-2', decision: 'decline' });
    expect(currentView(s)).toBe('send');
    expect(s.draft).toMatchObject({ paths: ['/x/a'], input: 'b' });
  });

  it('waits for a trust question about the offer to be answered too', () => {
    let s = run(typing, { type: 'close-dialog' }, { type: 'open-trust', peerId: A, transferId: 'in-1' });
    s = run(s, { type: 'offer-decided', transferId: 'in-1', decision: 'accept' }, { type: 'offer-decided', transferId: 'in-2', decision: 'accept' });
    expect(currentView(s)).toBe('trust');
    s = run(s, { type: 'close-trust' });
    expect(currentView(s)).toBe('send');
  });

  it('without an offer, esc drops the draft as before', () => {
    const s = run(start(...connected, { type: 'open-send' }, { type: 'draft-add', path: '/x/a' }), { type: 'close-dialog' });
    expect(s.draft).toBeUndefined();
    expect(currentView(s)).toBe('main');
  });
});

describe('removing a chosen path', () => {
  it('is armed by the first backspace, undone by any other edit, done by the second; ctrl+y yanks it', () => {
    const chosen = start(...connected, { type: 'open-send' }, { type: 'draft-add', path: '/x/a' }, { type: 'draft-add', path: '/x/b' });
    const backspace: Input = { type: 'draft-edit', command: { kind: 'backspace' } };
    let s = run(chosen, backspace);
    expect(s.draft).toMatchObject({ paths: ['/x/a', '/x/b'], removeArmed: true });
    s = run(s, { type: 'draft-edit', command: { kind: 'left' } });
    expect(s.draft).toMatchObject({ paths: ['/x/a', '/x/b'], removeArmed: false });
    s = run(s, backspace, backspace);
    expect(s.draft).toMatchObject({ paths: ['/x/a'], removeArmed: false, note: 'Removed /x/b. ctrl+y puts it back on the line.' });
    s = run(s, { type: 'draft-edit', command: { kind: 'yank' } });
    expect(s.draft).toMatchObject({ input: '/x/b', cursor: 4 });
    expect(s.draft!.note).toBeUndefined();
  });

  it('a backspace on a line with text edits the text, never the list', () => {
    const s = start(...connected, { type: 'open-send' }, { type: 'draft-add', path: '/x/a' }, { type: 'draft-input', value: 'ab' }, { type: 'draft-edit', command: { kind: 'backspace' } });
    expect(s.draft).toMatchObject({ paths: ['/x/a'], input: 'a', removeArmed: false });
  });
});

describe('the cancel question', () => {
  const running = start(...connected, offer('t1'), { type: 'offer-decided', transferId: 't1', decision: 'accept' });

  it('is asked only about a transfer that exists, and goes away with the transfer', () => {
    expect(run(running, { type: 'ask-cancel', transferId: 'nope' }).cancelAsked).toBeUndefined();
    const asked = run(running, { type: 'ask-cancel', transferId: 't1' });
    expect(asked.cancelAsked).toBe('t1');
    expect(run(asked, { type: 'answer-cancel' }).cancelAsked).toBeUndefined();
    const failed = run(asked, { event: 'transfer-failed', transferId: 't1', direction: 'receive', peerId: A, code: 'ERR_X', message: 'The connection was lost.' });
    expect(failed.cancelAsked).toBeUndefined();
  });
});

describe('a --to send that found no peer', () => {
  const waiting = initialState(SELF, [], { to: 'dsek', paths: ['/d/a', '/d/b'] });

  it('fills its paths into a dialog opened after the bound, and is redirected only when they are sent', () => {
    const early = run(waiting, ...connected, { type: 'open-send' });
    expect(early.draft!.paths).toEqual([]);

    const late = run(waiting, { type: 'cli-send-waited-long' }, ...connected, { type: 'open-send' });
    expect(late.draft).toMatchObject({ paths: ['/d/a', '/d/b'], fromCli: true });
    // Sending only part of them leaves the wait alone.
    expect(run(late, { type: 'send-started', peerId: A, paths: ['/d/a'] }).cliSend!.status).toBe('waiting');
    expect(run(late, { type: 'send-started', peerId: A, paths: ['/d/a', '/d/b'] }).cliSend).toMatchObject({ status: 'redirected', message: 'desk' });
  });
});
