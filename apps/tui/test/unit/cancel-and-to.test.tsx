import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { NodeEvent } from '@fileshare/core';
import { CLI_SEND_SUGGEST_AFTER_MS } from '../../src/constants.js';
import { closestPeerNames, editDistance, matchesPeer } from '../../src/peer-suggestions.js';
import { App } from '../../src/ui/App.js';
import { FakeNode, peer } from '../support/fake-node.js';
import { KEYS, renderApp, settle, type Rendered } from '../support/render.js';

const DESK = peer('3b7e09aa', 'desk-pc');
const DESKTOP = peer('4c8f1a00', 'desktop');
const LAB = peer('9c1d2f00', 'lab-box');

let rendered: Rendered | undefined;
afterEach(() => {
  rendered?.unmount();
  rendered = undefined;
  jest.useRealTimers();
});

const sending = (id: string): NodeEvent[] => [
  { event: 'transfer-offered', transferId: id, direction: 'send', peerId: DESK.id, peerName: 'laptop', files: [{ path: 'big.iso', size: 3e8, kind: 'file' }], totalBytes: 3e8, awaitingDecision: false, trusted: false },
  { event: 'transfer-progress', transferId: id, direction: 'send', peerId: DESK.id, bytes: 1e8, totalBytes: 3e8, bytesPerSecond: 3e7, etaSeconds: 7 },
];

describe('c asks before cancelling a running transfer', () => {
  async function withTransfer(): Promise<{ r: Rendered; node: FakeNode }> {
    const node = new FakeNode({ peers: [DESK] });
    rendered = renderApp(<App node={node} version="9.9.9" cwd="/" />);
    await rendered.waitForFrame('desk-pc');
    for (const e of sending('out-1')) node.emit(e);
    await rendered.waitForFrame('big.iso');
    return { r: rendered, node };
  }

  it('n and esc keep it going; other keys neither cancel nor drop the question', async () => {
    const { r, node } = await withTransfer();
    await r.press('c');
    let frame = await r.waitForFrame('Cancel sending big.iso');
    expect(frame.replace(/[│\s]+/g, ' ')).toContain('Cancel sending big.iso to desk-pc (100 MB of 300 MB done)? y cancels it, n or esc keeps it going.');
    expect(frame).toContain('y cancel the transfer · n or esc keep it going');
    await r.press('q', 'c', KEYS.down);
    expect(r.frame()).toContain('Cancel sending big.iso');
    await r.press('n');
    frame = await r.waitForFrame('The transfer to desk-pc goes on.');
    expect(frame).not.toContain('Cancel sending');
    await r.press('c');
    await r.waitForFrame('Cancel sending big.iso');
    await r.press(KEYS.escape);
    await r.waitForFrame((f) => !f.includes('Cancel sending'));
    expect(node.cancelled).toEqual([]);
  });

  it('y cancels it', async () => {
    const { r, node } = await withTransfer();
    await r.press('c');
    await r.waitForFrame('Cancel sending big.iso');
    await r.press('y');
    await r.waitForFrame('Cancelling the transfer to desk-pc…');
    expect(node.cancelled).toEqual(['out-1']);
  });

  it('the question goes away when the transfer ends by itself meanwhile; a late y cancels nothing', async () => {
    const { r, node } = await withTransfer();
    await r.press('c');
    await r.waitForFrame('Cancel sending big.iso');
    node.emit({ event: 'transfer-complete', transferId: 'out-1', direction: 'send', peerId: DESK.id, files: [{ path: 'big.iso', size: 3e8, sha256: 'x' }], bytesTransferred: 3e8, resumedBytes: 0 });
    await r.waitForFrame((f) => !f.includes('Cancel sending') && f.includes('verified'));
    await r.press('y');
    expect(node.cancelled).toEqual([]);
  });
});

describe('fileshare --to NAME that matches no peer', () => {
  it('after the bound, says so and suggests the closest names; keeps waiting', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'Date', 'performance'] });
    const node = new FakeNode({ peers: [DESK, DESKTOP, LAB] });
    rendered = renderApp(<App node={node} version="9.9.9" cwd="/" send={{ to: 'deskpc', paths: ['/data/a.bin'] }} />);
    await settle(10);
    expect(rendered.frame()).toContain('Waiting for deskpc to connect, then sending /data/a.bin');
    jest.advanceTimersByTime(CLI_SEND_SUGGEST_AFTER_MS - 1);
    await settle(10);
    expect(rendered.frame()).not.toContain('No peer called');
    jest.advanceTimersByTime(1);
    await settle(10);
    const frame = rendered.frame().replace(/\s+/g, ' ');
    expect(frame).toContain('No peer called "deskpc" after 10 s. Did you mean desk-pc, desktop? Still waiting. Or choose a peer and press enter: the files are filled in.');
    // Still waiting: the node was asked once and never told to stop.
    expect(node.waits.map((w) => w.idOrName)).toEqual(['deskpc']);
  });

  it('choosing a peer fills in the files; sending them there ends the wait', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'Date', 'performance'] });
    const node = new FakeNode({ peers: [DESK, LAB] });
    rendered = renderApp(<App node={node} version="9.9.9" cwd="/" send={{ to: 'deskpc', paths: ['/data/a.bin'] }} />);
    await settle(10);
    jest.advanceTimersByTime(CLI_SEND_SUGGEST_AFTER_MS);
    await settle(10);
    expect(rendered.frame()).toContain('No peer called "deskpc"');
    jest.useRealTimers();
    await rendered.press(KEYS.enter);
    let frame = await rendered.waitForFrame('Send to desk-pc');
    expect(frame).toContain('+ /data/a.bin');
    expect(frame.replace(/\s+/g, ' ')).toContain('The files given with --to deskpc are listed: enter on the empty line sends them to desk-pc.');
    await rendered.press(KEYS.enter);
    frame = await rendered.waitForFrame('Stopped waiting for deskpc: you sent /data/a.bin to desk-pc.');
    expect(node.sends.map((s) => [s.peerId, s.paths])).toEqual([[DESK.id, ['/data/a.bin']]]);
  });
});

describe('peer suggestions', () => {
  const peers = [DESK, DESKTOP, LAB, peer('77aa0000', 'Desk-PC-2')];

  it('matches the way the node looks a peer up: id, id prefix, name in any case', () => {
    expect(matchesPeer('DESK-PC', peers)).toBe(true);
    expect(matchesPeer('3b7e', peers)).toBe(true);
    expect(matchesPeer('3b7', peers)).toBe(false);
    expect(matchesPeer('deskpc', peers)).toBe(false);
  });

  it('puts names starting with the query first, then the nearest by edit distance; far ones are no suggestion', () => {
    expect(closestPeerNames('desk', peers)).toEqual(['desk-pc', 'desktop', 'Desk-PC-2']);
    // Both 3 edits away: alphabetical.
    expect(closestPeerNames('deskpc', peers)).toEqual(['desk-pc', 'Desk-PC-2', 'desktop']);
    expect(closestPeerNames('lab-bx', peers)).toEqual(['lab-box']);
    expect(closestPeerNames('printer', peers)).toEqual([]);
  });

  it('counts edits as Levenshtein does', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('desk-pc', 'desk-pc')).toBe(0);
    expect(editDistance('😀a', 'a')).toBe(1);
  });
});
