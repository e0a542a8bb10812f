import { describe, expect, it } from '@jest/globals';
import type { NodeEvent } from '@fileshare/core';
import { landedFolder, resumeNote } from '../../src/state/content.js';
import { initialState, reduce } from '../../src/state/reducer.js';
import type { Input, UiState } from '../../src/state/types.js';
import { currentView, keyHints } from '../../src/state/view.js';

const SELF = { deviceId: 'f'.repeat(32), name: 'laptop', port: 5000, addresses: ['10.0.0.1'], receiveDir: '/recv' };
const A = 'a1'.padEnd(32, '0');

function run(...inputs: Input[]): UiState {
  return apply(initialState(SELF), ...inputs);
}

function apply(state: UiState, ...inputs: Input[]): UiState {
  return inputs.reduce(reduce, state);
}

const connected: Input[] = [
  { event: 'peer-discovered', peerId: A, name: 'desk', address: '10.0.0.2', port: 6000, manual: false },
  { event: 'peer-state', peerId: A, state: 'connected' },
];
const type = (text: string): Input => ({ type: 'compose-edit', edit: { kind: 'insert', text } });
const failed = (id: string, message = 'x'): NodeEvent => ({ event: 'transfer-failed', transferId: id, direction: 'send', peerId: A, code: 'ERR_X', message });

describe('writing a message', () => {
  it('opens only on a connected peer, edits like a line, and keeps a paste’s line breaks', () => {
    expect(run({ type: 'open-compose' }).notice?.text).toMatch(/No peer selected/);
    expect(run(connected[0]!, { type: 'open-compose' }).notice?.text).toBe('desk is not connected yet; wait until it shows "connected" to send it a message.');

    let s = run(...connected, { type: 'open-compose' });
    expect(currentView(s)).toBe('compose');
    s = apply(s, type('hello worx'), { type: 'compose-edit', edit: { kind: 'backspace' } }, type('ld'), { type: 'compose-edit', edit: { kind: 'newline' } }, type('pasted\r\nlines\rhere\u001b'));
    expect(s.compose!.text).toBe('hello world\npasted\nlines\nhere');
    s = reduce(s, { type: 'compose-edit', edit: { kind: 'delete-word' } });
    expect(s.compose!.text).toBe('hello world\npasted\nlines\n');
    s = apply(s, type('some more words'), { type: 'compose-edit', edit: { kind: 'clear-line' } });
    expect(s.compose!.text).toBe('hello world\npasted\nlines\n');
  });

  it('esc keeps the text for the next m on that peer; a failed send keeps it too', () => {
    let s = run(...connected, { type: 'open-compose' }, type('draft'), { type: 'close-compose' });
    expect(currentView(s)).toBe('main');
    s = reduce(s, { type: 'open-compose' });
    expect(s.compose!.text).toBe('draft');

    s = reduce(s, { type: 'text-send-started', peerId: A, text: 'draft' });
    expect(currentView(s)).toBe('main');
    expect(s.notice?.text).toBe('Sending a message to desk…');
    expect(reduce(s, { type: 'open-compose' }).compose!.text).toBe('');
    s = reduce(s, { type: 'text-send-failed', peerId: A, text: 'draft', message: 'The offer was declined.' });
    expect(s.notice).toEqual({ kind: 'error', text: 'Could not send the message to desk: The offer was declined. Press m on desk to try again; your text is kept.' });
    expect(reduce(s, { type: 'open-compose' }).compose!.text).toBe('draft');

    s = reduce(s, { type: 'text-send-done', peerId: A, text: 'draft' });
    expect(reduce(s, { type: 'open-compose' }).compose!.text).toBe('');
  });

  it('names a text transfer a message, in the list and the history', () => {
    const offered: NodeEvent = { event: 'transfer-offered', transferId: 't1', direction: 'send', peerId: A, peerName: '', files: [], totalBytes: 5, awaitingDecision: false, trusted: false };
    const complete: NodeEvent = { event: 'transfer-complete', transferId: 't1', direction: 'send', peerId: A, files: [], bytesTransferred: 5, resumedBytes: 0 };
    const s = run(...connected, offered, complete);
    expect(s.history[0]).toMatchObject({ what: 'a message', text: true, outcome: 'verified' });
    expect(s.notice?.text).toBe('Your message arrived at desk.');
    expect(run(...connected, offered, failed('t1')).history[0]).toMatchObject({ what: 'a message', text: true, outcome: 'failed' });
  });
});

describe('received text', () => {
  it('scrolls, and copying records the file on the text and on its history entry', () => {
    let s = run(...connected, { event: 'text-received', transferId: 't1', peerId: A, peerName: 'desk', text: 'a\r\nb' });
    expect(s.texts[0]!.text).toBe('a\nb');
    s = reduce(s, { event: 'transfer-complete', transferId: 't1', direction: 'receive', peerId: A, files: [], bytesTransferred: 3, resumedBytes: 0 });
    expect(s.notice).toBeUndefined();
    s = reduce(s, { type: 'scroll-text', top: 4 });
    expect(s.texts[0]!.top).toBe(4);
    s = reduce(s, { type: 'text-copied', transferId: 't1', result: { clipboard: 'sent', file: '/recv/text-20260304-140312.txt' } });
    expect(s.texts[0]!.savedTo).toBe('/recv/text-20260304-140312.txt');
    expect(s.history[0]).toMatchObject({ text: true, folder: '/recv' });
    expect(s.notice?.text).toBe(
      'Copied to the clipboard through the terminal (OSC 52; a terminal or tmux that does not allow it ignores it); saved to /recv/text-20260304-140312.txt',
    );
    const tooLong = reduce(s, { type: 'text-copied', transferId: 't1', result: { clipboard: 'too-long', fileError: 'No space left on device.' } });
    expect(tooLong.notice).toEqual({ kind: 'warning', text: 'Too long for the terminal clipboard (OSC 52), not copied; could not save it to a file: No space left on device.' });
  });
});

describe('resume and files already there', () => {
  const started = (over: Partial<Extract<NodeEvent, { event: 'transfer-started' }>> = {}): NodeEvent => ({
    event: 'transfer-started',
    transferId: 't1',
    direction: 'receive',
    peerId: A,
    totalBytes: 300e6,
    resumeFromBytes: 128e6,
    alreadyThereFiles: 0,
    ...over,
  });

  it('marks the live transfer with where it resumes, and starts its bar there', () => {
    const offered: NodeEvent = { event: 'transfer-offered', transferId: 't1', direction: 'receive', peerId: A, peerName: 'desk', files: [{ path: 'big.iso', size: 300e6, kind: 'file' }], totalBytes: 300e6, awaitingDecision: true, trusted: false };
    const s = run(...connected, offered, started());
    expect(s.transfers[0]).toMatchObject({ phase: 'running', resumeFromBytes: 128e6, bytes: 128e6 });
    expect(s.offers).toHaveLength(0);
    expect(run(...connected, started({ resumeFromBytes: 0 })).transfers[0]!.resumeFromBytes).toBeUndefined();
  });

  it('says in the history and the notice which files were already there', () => {
    const complete: NodeEvent = {
      event: 'transfer-complete',
      transferId: 't1',
      direction: 'receive',
      peerId: A,
      files: [
        { path: 'photos/a.jpg', size: 10, sha256: 'a', alreadyThere: true },
        { path: 'photos/b.jpg', size: 10, sha256: 'b', alreadyThere: true },
        { path: 'photos/c.jpg', size: 10, sha256: 'c' },
      ],
      bytesTransferred: 10,
      resumedBytes: 20,
      savedTo: '/recv',
    };
    const s = run(...connected, started({ alreadyThereFiles: 2, resumeFromBytes: 20 }), complete);
    expect(s.history[0]).toMatchObject({ fileCount: 3, alreadyThere: 2, resumedBytes: 20, folder: '/recv/photos' });
    expect(s.notice?.text).toBe('Received photos/ (3 files) from desk, saved in /recv (2 of 3 files already there)');
    expect(resumeNote({ fileCount: 3, alreadyThere: 3 })).toBe('already there');
    expect(resumeNote({ alreadyThere: 1 })).toBe('1 file already there');
    expect(resumeNote({ resumedBytes: 128e6 })).toBe('resumed from 128 MB');
  });

  it('opens the one folder files came in, else the receive folder', () => {
    expect(landedFolder('/recv', [{ path: 'photos/a.jpg' }, { path: 'photos/x/b.jpg' }])).toBe('/recv/photos');
    expect(landedFolder('/recv/', [{ path: 'a.jpg' }])).toBe('/recv/');
    expect(landedFolder('/recv', [{ path: 'photos/a.jpg' }, { path: 'b.jpg' }])).toBe('/recv');
  });
});

describe('history list', () => {
  it('tab reaches the history; arrows walk it newest first; entries from the file go before this session’s', () => {
    let s = run(...connected, failed('t1'), failed('t2'));
    expect(keyHints(s, 'main')).toContain('tab history');
    s = reduce(s, { type: 'toggle-focus' });
    expect(s.focus).toBe('history');
    expect(s.selectedHistoryId).toBe('t2');
    s = reduce(s, { type: 'move-selection', delta: 1 });
    expect(s.selectedHistoryId).toBe('t1');
    s = reduce(s, { type: 'move-selection', delta: 5 });
    expect(s.selectedHistoryId).toBe('t1');
    expect(keyHints(s, 'main')).toContain('enter or o open its folder');
    s = reduce(s, { type: 'history-loaded', entries: [{ id: 'old', direction: 'receive', peerId: A, peerName: 'desk', what: 'x', totalBytes: 1, outcome: 'verified', time: 1 }, { id: 't1', direction: 'send', peerId: A, peerName: 'desk', what: 'dup', totalBytes: 1, outcome: 'verified' }] });
    expect(s.history.map((h) => h.id)).toEqual(['old', 't1', 't2']);
    expect(s.history[1]!.what).toBe('transfer');
    // A transfer ending while the history has the keys leaves them there.
    s = reduce(s, failed('t3'));
    expect(s.focus).toBe('history');
    s = reduce(s, { type: 'toggle-focus' });
    expect(s.focus).toBe('peers');
  });

  it('stamps each entry with the time it ended', () => {
    const before = Date.now();
    const s = run(failed('t1'));
    expect(s.history[0]!.time).toBeGreaterThanOrEqual(before);
    expect(s.history[0]!.time).toBeLessThanOrEqual(Date.now());
  });
});
