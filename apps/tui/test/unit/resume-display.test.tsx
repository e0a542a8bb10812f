import { afterEach, describe, expect, it } from '@jest/globals';
import type { NodeEvent } from '@fileshare/core';
import { App } from '../../src/ui/App.js';
import { FakeNode, peer } from '../support/fake-node.js';
import { renderApp, type Rendered } from '../support/render.js';

const DESK = peer('3b7e09aa', 'desk-pc');
let rendered: Rendered | undefined;
afterEach(() => {
  rendered?.unmount();
  rendered = undefined;
});

function start(node: FakeNode, columns = 80): Rendered {
  rendered = renderApp(<App node={node} version="9.9.9" />, { columns, rows: 24 });
  return rendered;
}

const offered = (direction: 'send' | 'receive', path = 'big.iso', size = 300e6): NodeEvent => ({
  event: 'transfer-offered',
  transferId: 't1',
  direction,
  peerId: DESK.id,
  peerName: 'desk-pc',
  files: [{ path, size, kind: 'file' }],
  totalBytes: size,
  awaitingDecision: false,
  trusted: true,
});
const started = (direction: 'send' | 'receive', resumeFromBytes: number, alreadyThereFiles = 0, totalBytes = 300e6): NodeEvent => ({
  event: 'transfer-started',
  transferId: 't1',
  direction,
  peerId: DESK.id,
  totalBytes,
  resumeFromBytes,
  alreadyThereFiles,
});

describe('resume on screen', () => {
  it.each(['send', 'receive'] as const)('a %s that resumes says from where, and its bar starts there', async (direction) => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit(offered(direction));
    node.emit(started(direction, 128e6));
    const frame = await r.waitForFrame('resuming from 128 MB');
    expect(frame).toMatch(new RegExp(`${direction === 'send' ? '↑' : '↓'} big\\.iso ${direction === 'send' ? 'to' : 'from'} desk-pc \\(3b7e09aa\\) · 300 MB · resuming from 128 MB`));
    expect(frame).toMatch(/ 42% .* 128 MB of 300 MB/);

    node.emit({ event: 'transfer-progress', transferId: 't1', direction, peerId: DESK.id, bytes: 200e6, totalBytes: 300e6, bytesPerSecond: 50e6, etaSeconds: 2 });
    await r.waitForFrame('200 MB of 300 MB');
    expect(r.frame()).toContain('resuming from 128 MB');

    node.emit({ event: 'transfer-complete', transferId: 't1', direction, peerId: DESK.id, files: [{ path: 'big.iso', size: 300e6, sha256: 'a' }], bytesTransferred: 172e6, resumedBytes: 128e6, ...(direction === 'receive' ? { savedTo: '/recv' } : {}) });
    const done = await r.waitForFrame(/✓ verified +[↑↓] big\.iso/);
    expect(done).toMatch(/big\.iso (to|from) desk-pc · resumed from 128 MB · 300 MB/);
  });

  it('keeps the resume note on a 60-column line by shortening the name', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node, 60);
    await r.waitForFrame('desk-pc');
    node.emit(offered('receive', 'a-very-long-name-of-a-disk-image-for-the-lab.iso'));
    node.emit(started('receive', 128e6));
    const frame = await r.waitForFrame('resuming from 128 MB');
    const line = frame.split('\n').find((l) => l.includes('resuming from'))!;
    expect(line).toMatch(/↓ a-very.*…/);
    expect([...line].length).toBeLessThanOrEqual(60);
  });

  it('says which files were already there, live and in the history', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit({
      ...offered('receive'),
      files: ['a', 'b', 'c'].map((n) => ({ path: `photos/${n}.jpg`, size: 100, kind: 'file' as const })),
      totalBytes: 300,
    } as NodeEvent);
    node.emit(started('receive', 300, 3, 300));
    await r.waitForFrame('↓ photos/ (3 files) from desk-pc (3b7e09aa) · 300 B · 3 files already there');
    node.emit({
      event: 'transfer-complete',
      transferId: 't1',
      direction: 'receive',
      peerId: DESK.id,
      files: ['a', 'b', 'c'].map((n) => ({ path: `photos/${n}.jpg`, size: 100, sha256: n, alreadyThere: true })),
      bytesTransferred: 0,
      resumedBytes: 300,
      savedTo: '/recv',
    });
    const frame = await r.waitForFrame(/✓ verified +↓ photos\//);
    expect(frame).toContain('photos/ (3 files) from desk-pc · already there · 300 B');
    expect(frame.replace(/\s+/g, ' ')).toContain('Received photos/ (3 files) from desk-pc, saved in /recv (already there)');
  });
});
