import { afterEach, describe, expect, it } from '@jest/globals';
import type { NodeEvent } from '@fileshare/core';
import { App } from '../../src/ui/App.js';
import { HELP_SECTIONS } from '../../src/ui/keys.js';
import { packHints } from '../../src/ui/layout.js';
import { FakeNode, peer } from '../support/fake-node.js';
import { KEYS, renderApp, type Rendered } from '../support/render.js';

const COLUMNS = 60;
const ROWS = 24;
const DESK = peer('3b7e09aa', 'desk-pc');

let rendered: Rendered | undefined;
afterEach(() => {
  rendered?.unmount();
  rendered = undefined;
});

function start(node: FakeNode): Rendered {
  rendered = renderApp(<App node={node} version="9.9.9" cwd="/" />, { columns: COLUMNS, rows: ROWS });
  return rendered;
}

/** Nothing wider than the terminal, and shorter than it (Ink redraws everything at full height). */
function expectFits(frame: string): void {
  const lines = frame.split('\n');
  for (const line of lines) expect([...line].length).toBeLessThanOrEqual(COLUMNS);
  expect(lines.length).toBeLessThan(ROWS);
}

/** The frame's words in order, so a sentence is found however it was wrapped. */
const words = (text: string) => text.replace(/[│║]/g, ' ').replace(/\s+/g, ' ').trim();

const offer = (over: Partial<Extract<NodeEvent, { event: 'transfer-offered' }>> = {}): NodeEvent => ({
  event: 'transfer-offered',
  transferId: 'in-1',
  direction: 'receive',
  peerId: DESK.id,
  peerName: 'desk-pc-in-the-back-office',
  files: [
    { path: 'holiday-photos-2025/IMG_20250812_143302_HDR.jpg', size: 4_200_000, kind: 'file' },
    { path: 'holiday-photos-2025/IMG_20250812_143309.jpg', size: 3_900_000, kind: 'file' },
  ],
  totalBytes: 8_100_000,
  awaitingDecision: true,
  trusted: false,
  ...over,
});

describe('at 60 columns', () => {
  it('the footer wraps between hints instead of cutting the last ones off', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit({ event: 'transfer-offered', transferId: 'out-1', direction: 'send', peerId: DESK.id, peerName: 'laptop', files: [{ path: 'big.iso', size: 3e8, kind: 'file' }], totalBytes: 3e8, awaitingDecision: false, trusted: false });
    node.emit({ event: 'transfer-progress', transferId: 'out-1', direction: 'send', peerId: DESK.id, bytes: 1e8, totalBytes: 3e8, bytesPerSecond: 3e7, etaSeconds: 7 });
    node.emit({ event: 'warning', code: 'W', message: 'Multicast is blocked on the interface wlp3s0; peers on it will not be found, add them with --peer.' });
    const frame = await r.waitForFrame('Multicast');
    expectFits(frame);
    expect(words(frame)).toContain('⚠ Multicast is blocked on the interface wlp3s0; peers on it will not be found, add them with --peer.');
    expect(words(frame)).toMatch(/\? help · q quit$/);
  });

  it('the help screen wraps its lines and scrolls to every key', async () => {
    const r = start(new FakeNode());
    await r.waitForFrame('Peers (0)');
    await r.press('?');
    let frame = await r.waitForFrame('Device id');
    expectFits(frame);
    // Below the header and its gap, above the scroll line: the help text shown.
    const body = (f: string) => {
      const lines = f.split('\n');
      return lines.slice(3, lines.findIndex((l) => /more (below|above): ↑↓ scroll/.test(l)));
    };
    const all = body(frame);
    // One line at a time: each ↓ brings exactly one new line in at the bottom.
    for (let i = 0; i < 100 && !/↑ \d+ more above/.test(frame); i++) {
      await r.press(KEYS.down);
      frame = r.frame();
      expectFits(frame);
      all.push(body(frame).at(-1)!);
    }
    expect(frame).toMatch(/↑ \d+ more above: ↑↓ scroll/);
    const text = words(all.join('\n'));
    for (const [title, keys] of HELP_SECTIONS) {
      expect(text).toContain(words(title));
      for (const [key, what] of keys) expect(text).toContain(`${words(key)} ${words(what)}`);
    }
    expect(text).toMatch(/All options: fileshare --help$/);
    await r.press(KEYS.escape);
    await r.waitForFrame('Peers (0)');
  });

  it('the offer box wraps its sentences and answers; nothing is cut off', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit(offer());
    const frame = await r.waitForFrame('Incoming offer');
    expectFits(frame);
    const text = words(frame);
    expect(text).toContain('a accept d decline b block');
    expect(text).toContain('t trust: always accept from desk-pc-in-the-back-office');
    expect(text).toContain('Files go to /home/user/Downloads/fileshare');
    // The footer breaks between hints.
    expect(text).toContain('a accept · d decline · b block · t always accept (trust)');
    expect(text).toMatch(/\? help · q quit$/);
  });

  it('a banner announces an offer arriving while the send dialog is open, whole', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    await r.press(KEYS.enter);
    await r.waitForFrame('Send to desk-pc');
    node.emit(offer());
    const frame = await r.waitForFrame('Incoming offer');
    expectFits(frame);
    const text = words(frame);
    expect(text).toContain('▶ Incoming offer: desk-pc-in-the-back-office wants to send holiday-photos-2025/ (2 files), 8.10 MB.');
    expect(text).toContain('Press esc to answer it now; your chosen paths are kept and come back after.');
    // Above the dialog, which is still there to type in.
    expect(frame.indexOf('Incoming offer')).toBeLessThan(frame.indexOf('Send to desk-pc'));
    expect(frame).toContain('Path ›');
  });

  it('the cancel question is shown whole', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit({ event: 'transfer-offered', transferId: 'out-1', direction: 'send', peerId: DESK.id, peerName: 'laptop', files: [{ path: 'big.iso', size: 3e8, kind: 'file' }], totalBytes: 3e8, awaitingDecision: false, trusted: false });
    node.emit({ event: 'transfer-progress', transferId: 'out-1', direction: 'send', peerId: DESK.id, bytes: 1e8, totalBytes: 3e8, bytesPerSecond: 3e7, etaSeconds: 7 });
    await r.waitForFrame('big.iso');
    await r.press('c');
    const frame = await r.waitForFrame('Cancel sending');
    expectFits(frame);
    expect(words(frame)).toContain('Cancel sending big.iso to desk-pc (100 MB of 300 MB done)? y cancels it, n or esc keeps it going.');
  });
});

describe('packHints', () => {
  it('breaks only between hints and keeps each line within the width', () => {
    expect(packHints('a accept · d decline · b block · t always accept (trust) · ? help · q quit', 40)).toEqual([
      'a accept · d decline · b block',
      't always accept (trust) · ? help',
      'q quit',
    ]);
    expect(packHints('short · hints', 60)).toEqual(['short · hints']);
  });
});
