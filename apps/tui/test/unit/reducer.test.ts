import { describe, expect, it } from '@jest/globals';
import type { NodeEvent } from '@fileshare/core';
import { initialState, reduce } from '../../src/state/reducer.js';
import type { Input, UiState } from '../../src/state/types.js';
import { currentView } from '../../src/state/view.js';
import { peer } from '../support/fake-node.js';

const SELF = { deviceId: 'f'.repeat(32), name: 'laptop', port: 5000, addresses: ['10.0.0.1'], receiveDir: '/recv' };
const A = 'a1'.padEnd(32, '0');
const B = 'b2'.padEnd(32, '0');

function run(...inputs: Input[]): UiState {
  return inputs.reduce(reduce, initialState(SELF));
}

const discovered = (peerId: string, name: string): NodeEvent => ({ event: 'peer-discovered', peerId, name, address: '10.0.0.2', port: 6000, manual: false });
const offered = (transferId: string, over: Partial<Extract<NodeEvent, { event: 'transfer-offered' }>> = {}): NodeEvent => ({
  event: 'transfer-offered',
  transferId,
  direction: 'receive',
  peerId: A,
  peerName: 'desk',
  files: [{ path: 'report.pdf', size: 1000, kind: 'file' }],
  totalBytes: 1000,
  awaitingDecision: true,
  trusted: false,
  ...over,
});
const progress = (transferId: string, bytes: number): NodeEvent => ({
  event: 'transfer-progress',
  transferId,
  direction: 'receive',
  peerId: A,
  bytes,
  totalBytes: 1000,
  bytesPerSecond: 250,
  etaSeconds: (1000 - bytes) / 250,
});

describe('peers', () => {
  it('adds discovered peers, follows their state and removes them', () => {
    let s = run(discovered(A, 'desk'), discovered(B, 'lab'));
    expect(s.peers.map((p) => [p.name, p.state])).toEqual([
      ['desk', 'discovered'],
      ['lab', 'discovered'],
    ]);
    expect(s.selectedPeerId).toBe(A);

    s = [
      { event: 'peer-state', peerId: A, state: 'initiated' },
      { event: 'peer-state', peerId: A, state: 'connected' },
      { event: 'peer-updated', peerId: B, name: 'lab-2', address: '10.0.0.9', port: 7000 },
    ].reduce<UiState>((st, e) => reduce(st, e as NodeEvent), s);
    expect(s.peers.map((p) => [p.name, p.state, p.address])).toEqual([
      ['desk', 'connected', '10.0.0.2'],
      ['lab-2', 'discovered', '10.0.0.9'],
    ]);

    s = reduce(s, { event: 'peer-removed', peerId: A, reason: 'goodbye' });
    expect(s.peers.map((p) => p.name)).toEqual(['lab-2']);
    // The selected peer left: the selection moves to the one now in its place.
    expect(s.selectedPeerId).toBe(B);
  });

  it('keeps the selection on the same peer while others come and go', () => {
    let s = run(discovered(A, 'desk'), discovered(B, 'lab'), { type: 'move-selection', delta: 1 });
    expect(s.selectedPeerId).toBe(B);
    s = reduce(s, discovered('c3'.padEnd(32, '0'), 'new'));
    s = reduce(s, { event: 'peer-removed', peerId: A, reason: 'expired' });
    expect(s.selectedPeerId).toBe(B);
  });

  it('moves the selection within bounds', () => {
    const s = run(discovered(A, 'desk'), discovered(B, 'lab'), { type: 'move-selection', delta: 5 }, { type: 'move-selection', delta: -9 });
    expect(s.selectedPeerId).toBe(A);
  });

  it('merges a snapshot taken after subscribing', () => {
    const s = run(discovered(B, 'lab'), { type: 'sync-peers', peers: [peer('a1', 'desk', 'connected')] });
    expect(s.peers.map((p) => [p.name, p.state])).toEqual([
      ['lab', 'discovered'],
      ['desk', 'connected'],
    ]);
  });

  it('shows control and bidi characters in names a peer chose escaped, never raw', () => {
    const s = run(discovered(A, 'desk\u001b[2J\u0007evil\u202egpj.exe'));
    expect(s.peers[0]!.name).toBe('desk\\x1b[2J\\x07evil<U+202E>gpj.exe');
  });

  it('opens the send dialog only for a connected peer', () => {
    let s = run(discovered(A, 'desk'), { type: 'open-send' });
    expect(s.screen).toBe('main');
    expect(s.notice?.text).toMatch(/desk is not connected yet/);
    s = run(discovered(A, 'desk'), { event: 'peer-state', peerId: A, state: 'connected' }, { type: 'open-send' });
    expect(s.screen).toBe('send');
    expect(s.draft).toMatchObject({ peerId: A, peerName: 'desk', paths: [] });
  });
});

describe('connection failures', () => {
  it('explains why a peer is not connected when asked to send to it', () => {
    let s = run(discovered(A, 'desk'), { event: 'peer-state', peerId: A, state: 'not-connected', reason: 'no answer after 3 offers' }, { type: 'open-send' });
    expect(s.notice?.text).toBe('desk is not connected (no answer after 3 offers); wait until it shows "connected".');
    s = reduce(s, { event: 'peer-state', peerId: A, state: 'initiated' });
    expect(s.peers[0]!.reason).toBeUndefined();
  });
});

describe('incoming offers', () => {
  it('queues an offer awaiting a decision and shows it as the current view', () => {
    const s = run(discovered(A, 'desk'), offered('t1'));
    expect(s.offers).toHaveLength(1);
    expect(currentView(s)).toBe('offer');
    expect(s.transfers[0]).toMatchObject({ id: 't1', phase: 'awaiting-decision' });
  });

  it('does not prompt for an offer that needs no decision', () => {
    const s = run(offered('t1', { awaitingDecision: false }));
    expect(s.offers).toHaveLength(0);
    expect(s.transfers[0]).toMatchObject({ phase: 'running' });
  });

  it('accepting removes the prompt and the transfer starts', () => {
    const s = run(offered('t1'), { type: 'offer-decided', transferId: 't1', decision: 'accept' });
    expect(s.offers).toHaveLength(0);
    expect(currentView(s)).toBe('main');
    expect(s.transfers[0]).toMatchObject({ id: 't1', phase: 'running' });
  });

  it('declining records the offer as declined', () => {
    const s = run(offered('t1'), { type: 'offer-decided', transferId: 't1', decision: 'decline' });
    expect(s.offers).toHaveLength(0);
    expect(s.transfers).toHaveLength(0);
    expect(s.history[0]).toMatchObject({ id: 't1', outcome: 'declined', what: 'report.pdf' });
  });

  it('the offer disappears when the sender cancels it', () => {
    const s = run(offered('t1'), { event: 'transfer-failed', transferId: 't1', direction: 'receive', peerId: A, code: 'ERR_TRANSFER_CANCELLED', message: 'The sender cancelled.' });
    expect(s.offers).toHaveLength(0);
    expect(s.history[0]).toMatchObject({ outcome: 'cancelled', reason: 'The sender cancelled.' });
  });

  it('does not show the prompt over the path input', () => {
    const s = run(discovered(A, 'desk'), { event: 'peer-state', peerId: A, state: 'connected' }, { type: 'open-send' }, offered('t1'));
    expect(currentView(s)).toBe('send');
    expect(currentView(reduce(s, { type: 'close-dialog' }))).toBe('offer');
  });
});

describe('transfers', () => {
  it('tracks progress, then moves a verified transfer into the history', () => {
    let s = run(offered('t1', { awaitingDecision: false }), progress('t1', 250));
    expect(s.transfers[0]).toMatchObject({ bytes: 250, bytesPerSecond: 250, etaSeconds: 3 });
    s = reduce(s, progress('t1', 750));
    expect(s.transfers[0]!.bytes).toBe(750);
    s = reduce(s, {
      event: 'transfer-complete',
      transferId: 't1',
      direction: 'receive',
      peerId: A,
      files: [{ path: 'report.pdf', size: 1000, sha256: 'ab'.repeat(32) }],
      bytesTransferred: 1000,
      resumedBytes: 0,
      savedTo: '/recv',
    });
    expect(s.transfers).toHaveLength(0);
    expect(s.history).toEqual([
      expect.objectContaining({ id: 't1', outcome: 'verified', savedTo: '/recv', what: 'report.pdf', totalBytes: 1000, peerName: 'desk' }),
    ]);
    expect(s.notice?.text).toBe('Received report.pdf from desk, saved in /recv');
  });

  it('records a failure with its reason, once', () => {
    const failed: NodeEvent = { event: 'transfer-failed', transferId: 't1', direction: 'send', peerId: A, code: 'ERR_CHANNEL_CLOSED', message: 'The connection was lost.' };
    const s = run(offered('t1', { direction: 'send', awaitingDecision: false }), progress('t1', 100), failed, failed, progress('t1', 200));
    expect(s.transfers).toHaveLength(0);
    expect(s.history).toHaveLength(1);
    expect(s.history[0]).toMatchObject({ outcome: 'failed', reason: 'The connection was lost.', direction: 'send' });
  });

  it('names the receiver of our own send from the peer list, not from the offer', () => {
    const s = run(discovered(A, 'desk'), offered('t1', { direction: 'send', awaitingDecision: false, peerName: 'laptop' }));
    expect(s.transfers[0]!.peerName).toBe('desk');
  });

  it('shows a sent offer as waiting for the receiver until bytes move', () => {
    let s = run(offered('t1', { direction: 'send', awaitingDecision: false }));
    expect(s.transfers[0]!.phase).toBe('offered');
    s = reduce(s, progress('t1', 1));
    expect(s.transfers[0]!.phase).toBe('running');
  });

  it('says how a send ended', () => {
    const sent = run(discovered(A, 'desk'), offered('t1', { direction: 'send', awaitingDecision: false }), {
      event: 'transfer-complete',
      transferId: 't1',
      direction: 'send',
      peerId: A,
      files: [],
      bytesTransferred: 1000,
      resumedBytes: 0,
    });
    expect(sent.notice).toEqual({ kind: 'info', text: 'report.pdf arrived at desk and was verified.' });
    const failed = run(discovered(A, 'desk'), offered('t1', { direction: 'send', awaitingDecision: false }), {
      event: 'transfer-failed',
      transferId: 't1',
      direction: 'send',
      peerId: A,
      code: 'ERR_HASH_MISMATCH',
      message: 'report.pdf did not match its SHA-256.',
    });
    expect(failed.notice).toEqual({ kind: 'error', text: 'report.pdf to desk failed: report.pdf did not match its SHA-256.' });
  });

  it('a failed send that never produced an event becomes a notice', () => {
    const s = run(discovered(A, 'desk'), { type: 'send-failed', peerId: A, message: 'Peer is not connected.' });
    expect(s.notice).toEqual({ kind: 'error', text: 'Could not send to desk: Peer is not connected.' });
  });

  it('a rejected send for a live transfer moves it to the history', () => {
    const s = run(offered('t1', { direction: 'send', awaitingDecision: false }), { type: 'send-failed', peerId: A, transferId: 't1', message: 'Broken.' });
    expect(s.history[0]).toMatchObject({ outcome: 'failed', reason: 'Broken.' });
  });

  it('keeps the transfer selection valid and focus on a pane with items', () => {
    let s = run(offered('t1', { awaitingDecision: false }), offered('t2', { awaitingDecision: false }), { type: 'toggle-focus' }, { type: 'move-selection', delta: 1 });
    expect(s.focus).toBe('transfers');
    expect(s.selectedTransferId).toBe('t2');
    s = reduce(s, { event: 'transfer-failed', transferId: 't2', direction: 'receive', peerId: A, code: 'X', message: 'x' });
    expect(s.selectedTransferId).toBe('t1');
    s = reduce(s, { event: 'transfer-failed', transferId: 't1', direction: 'receive', peerId: A, code: 'X', message: 'x' });
    expect(s.selectedTransferId).toBeUndefined();
    expect(s.focus).toBe('peers');
  });

  it('bounds the history', () => {
    const events: Input[] = [];
    for (let i = 0; i < 250; i++) events.push({ event: 'transfer-failed', transferId: `t${i}`, direction: 'send', peerId: A, code: 'X', message: 'x' });
    const s = run(...events);
    expect(s.history).toHaveLength(200);
    expect(s.history.at(-1)!.id).toBe('t249');
  });
});

describe('send dialog draft', () => {
  const open: Input[] = [discovered(A, 'desk'), { event: 'peer-state', peerId: A, state: 'connected' }, { type: 'open-send' }];

  it('applies a completion only to the input it was computed for', () => {
    let s = run(...open, { type: 'draft-input', value: 'Doc' });
    const stale = reduce(reduce(s, { type: 'draft-input', value: 'Docx' }), { type: 'draft-completed', forInput: 'Doc', value: 'Documents/', candidates: [] });
    expect(stale.draft!.input).toBe('Docx');
    s = reduce(s, { type: 'draft-completed', forInput: 'Doc', value: 'Documents/', candidates: [] });
    expect(s.draft!.input).toBe('Documents/');
    expect(s.draft!.cursor).toBe('Documents/'.length);
  });

  it('adds paths once, clears the input and removes the last one on a second backspace', () => {
    let s = run(...open, { type: 'draft-input', value: 'a' }, { type: 'draft-add', path: '/x/a' }, { type: 'draft-add', path: '/x/a' }, { type: 'draft-add', path: '/x/b' });
    expect(s.draft).toMatchObject({ paths: ['/x/a', '/x/b'], input: '' });
    s = reduce(s, { type: 'draft-edit', command: { kind: 'backspace' } });
    expect(s.draft).toMatchObject({ paths: ['/x/a', '/x/b'], removeArmed: true });
    s = reduce(s, { type: 'draft-edit', command: { kind: 'backspace' } });
    expect(s.draft!.paths).toEqual(['/x/a']);
    s = reduce(s, { type: 'send-started', peerId: A, paths: ['/x/a'] });
    expect(s.screen).toBe('main');
    expect(s.draft).toBeUndefined();
    expect(s.notice?.text).toBe('Offering /x/a to desk…');
    // Once the offer is out, the transfer list says the same thing.
    s = reduce(s, offered('t1', { direction: 'send', awaitingDecision: false }));
    expect(s.notice).toBeUndefined();
  });
});

describe('quit, texts, help', () => {
  it('asks for a second q while transfers run', () => {
    let s = run(offered('t1', { awaitingDecision: false }), { type: 'arm-quit' });
    expect(s.quitArmed).toBe(true);
    expect(s.notice?.text).toMatch(/Press q again/);
    s = reduce(s, { type: 'move-selection', delta: 1 });
    expect(s.quitArmed).toBe(false);
  });

  it('queues received texts', () => {
    let s = run({ event: 'text-received', transferId: 'x1', peerId: A, peerName: 'desk', text: 'hello' }, { event: 'text-received', transferId: 'x2', peerId: A, peerName: 'desk', text: 'again' });
    expect(currentView(s)).toBe('text');
    s = reduce(s, { type: 'dismiss-text' });
    expect(s.texts.map((t) => t.text)).toEqual(['again']);
  });

  it('toggles help from the main screen only', () => {
    expect(run({ type: 'toggle-help' }).screen).toBe('help');
    expect(run({ type: 'toggle-help' }, { type: 'toggle-help' }).screen).toBe('main');
  });

  it('follows ready and warnings', () => {
    const s = run(
      { event: 'ready', deviceId: 'e'.repeat(32), name: 'renamed', port: 7, addresses: ['10.1.1.1'], receiveDir: '/r2' },
      { event: 'warning', code: 'W', message: 'Multicast is blocked on eth0.' },
    );
    expect(s.self).toMatchObject({ name: 'renamed', port: 7, receiveDir: '/r2' });
    expect(s.notice).toEqual({ kind: 'warning', text: 'Multicast is blocked on eth0.' });
  });

  it('tracks the --to send', () => {
    let s = reduce(initialState(SELF, [], { to: 'desk', paths: ['/a'] }), { type: 'cli-send', status: 'sending', message: 'desk' });
    expect(s.cliSend).toEqual({ to: 'desk', paths: ['/a'], status: 'sending', message: 'desk' });
    s = reduce(s, { type: 'cli-send', status: 'failed', message: 'Timed out.' });
    expect(s.cliSend!.status).toBe('failed');
  });
});

describe('trust', () => {
  const CODE = '01234 56789 01234 56789 01234 56789';
  const verified = (peerId: string, name: string, trusted = false): NodeEvent => ({ event: 'peer-verified', peerId, name, verificationCode: CODE, trusted });

  it('a peer that proved its key carries its verification code and trust', () => {
    const s = run(discovered(A, 'desk'), verified(A, 'desk'), verified(B, 'lab', true));
    expect(s.peers[0]).toMatchObject({ id: A, verified: true, trusted: false, verificationCode: CODE });
    // Proven before it was announced (we subscribed late): listed anyway.
    expect(s.peers[1]).toMatchObject({ id: B, name: 'lab', verified: true, trusted: true });
  });

  it('takes the look-alike and trusted marks from the node, keeping what the UI tracks', () => {
    let s = run(discovered(A, 'desk'), { event: 'peer-state', peerId: A, state: 'not-connected', reason: 'ICE failed' });
    s = reduce(s, { type: 'trust-sync', peers: [{ ...peer('a1', 'desk'), trusted: false, lookalikeOf: B, verificationCode: CODE }] });
    expect(s.peers[0]).toMatchObject({ lookalikeOf: B, verificationCode: CODE, reason: 'ICE failed' });
    s = reduce(s, { type: 'trust-sync', peers: [{ ...peer('a1', 'desk'), trusted: true }] });
    expect(s.peers[0]!.lookalikeOf).toBeUndefined();
    expect(s.peers[0]).toMatchObject({ trusted: true, verificationCode: CODE });
  });

  it('t on an offer opens the dialog with name, id, code and look-alike; esc goes back to the offer', () => {
    let s = run(discovered(A, 'desk'), offered('t1', { lookalikeOf: B }), { type: 'open-trust', peerId: A, transferId: 't1', code: CODE });
    expect(currentView(s)).toBe('trust');
    expect(s.trust).toEqual({ peerId: A, peerName: 'desk', code: CODE, trusted: false, lookalikeOf: B, transferId: 't1' });
    s = reduce(s, { type: 'close-trust' });
    expect(currentView(s)).toBe('offer');
    expect(s.offers).toHaveLength(1);
  });

  it('saved trust marks the peer and says what it means', () => {
    let s = run(discovered(A, 'desk'), { type: 'open-trust', peerId: A, code: CODE }, { type: 'trust-changed', peerId: A, trusted: true });
    expect(s.peers[0]!.trusted).toBe(true);
    expect(s.trust?.trusted).toBe(true);
    expect(s.notice?.text).toBe('Trusted desk (a1000000), saved: its offers are accepted without asking.');
    s = reduce(s, { type: 'trust-failed', peerId: A, message: 'The state folder is not private.' });
    expect(s.notice).toEqual({ kind: 'error', text: 'Could not change the trust of desk: The state folder is not private.' });
  });

  it('n on an offer accepts from that peer for the session only, and says it is not saved', () => {
    const s = run(offered('t1'), { type: 'offer-decided', transferId: 't1', decision: 'trust' });
    expect(s.notice?.text).toBe('Accepting everything from desk (a1000000) until you quit; not saved.');
  });

  it('blocking declines what that peer has waiting and marks it, other peers untouched', () => {
    const s = run(
      discovered(A, 'desk'),
      offered('t1'),
      offered('t2'),
      offered('t3', { peerId: B, peerName: 'lab' }),
      { type: 'open-trust', peerId: A, transferId: 't1', code: CODE },
      { type: 'peer-blocked', peerId: A },
    );
    expect(s.offers.map((o) => o.transferId)).toEqual(['t3']);
    expect(s.history.map((h) => [h.id, h.outcome, h.reason])).toEqual([
      ['t1', 'declined', 'you blocked it'],
      ['t2', 'declined', 'you blocked it'],
    ]);
    expect(s.peers[0]!.blocked).toBe(true);
    expect(s.trust).toBeUndefined();
    expect(s.notice?.text).toBe('Blocked desk (a1000000): its offers are declined until you quit.');
    // The node's own decline of those offers arrives afterwards and changes nothing.
    const after = reduce(s, { event: 'transfer-failed', transferId: 't2', direction: 'receive', peerId: A, code: 'ERR_TRANSFER_DECLINED', message: 'Declined.' });
    expect(after.history).toHaveLength(2);
  });

  it('an offer from a look-alike keeps the warning with it', () => {
    const s = run(offered('t1', { lookalikeOf: B }));
    expect(s.offers[0]).toMatchObject({ lookalikeOf: B, trusted: false });
  });
});
