import { afterEach, describe, expect, it } from '@jest/globals';
import { HistoryList } from '../../src/ui/HistoryList.js';
import { OfferPrompt } from '../../src/ui/OfferPrompt.js';
import { PeerList } from '../../src/ui/PeerList.js';
import { ProgressLine } from '../../src/ui/ProgressLine.js';
import { packCandidates } from '../../src/ui/SendDialog.js';
import { TextDialog } from '../../src/ui/TextDialog.js';
import type { PeerView } from '../../src/state/types.js';
import { renderApp, type Rendered } from '../support/render.js';

let rendered: Rendered | undefined;
afterEach(() => {
  rendered?.unmount();
  rendered = undefined;
});

function show(tree: React.ReactElement, columns = 80): string {
  rendered = renderApp(tree, { columns });
  return rendered.frame();
}

const view = (id: string, name: string, state: PeerView['state']): PeerView => ({ id: id.padEnd(32, '0'), name, address: '192.168.1.7', port: 41000, state, manual: false });

describe('PeerList', () => {
  const peers = [
    view('aa', 'desk-pc', 'connected'),
    view('bb', 'lab-box', 'discovered'),
    view('cc', 'kitchen', 'initiated'),
    view('dd', 'attic', 'initiating'),
    view('ee', 'old-nas', 'not-connected'),
  ];

  it('states each peer in words with a symbol, the selected one marked', () => {
    const lines = show(<PeerList peers={peers} selectedId={peers[1]!.id} focused maxRows={10} columns={80} />).split('\n');
    expect(lines[0]).toBe('Peers (5)');
    expect(lines[1]).toMatch(/^ {2}● connected +desk-pc +aa000000 +192\.168\.1\.7:41000$/);
    expect(lines[2]).toMatch(/^› ○ discovered +lab-box +bb000000/);
    expect(lines[3]).toMatch(/◌ connecting +kitchen/);
    expect(lines[4]).toMatch(/◌ connecting +attic/);
    expect(lines[5]).toMatch(/✕ not connected +old-nas/);
  });

  it('scrolls to keep the selection visible and says so', () => {
    const frame = show(<PeerList peers={peers} selectedId={peers[4]!.id} focused maxRows={2} columns={80} />);
    expect(frame.split('\n')[0]).toBe('Peers (5, 4-5 shown)');
    expect(frame).toContain('› ✕ not connected');
    expect(frame).not.toContain('desk-pc');
  });

  it('explains an empty list', () => {
    expect(show(<PeerList peers={[]} selectedId={undefined} focused maxRows={3} columns={80} />)).toContain('Looking for devices running fileshare');
  });
});

describe('ProgressLine', () => {
  it('shows bar, percentage, speed, ETA and bytes', () => {
    const frame = show(<ProgressLine bytes={6_500_000} totalBytes={13_000_000} bytesPerSecond={4_100_000} etaSeconds={65} />);
    expect(frame).toBe(`    ${'█'.repeat(12)}${'░'.repeat(12)}  50%   4.10 MB/s  ETA 1m 05s  6.50 MB of 13.0 MB`);
  });

  it('says -- while speed and ETA are unknown', () => {
    const frame = show(<ProgressLine bytes={0} totalBytes={100} bytesPerSecond={0} />);
    expect(frame).toContain('0%');
    expect(frame).toContain('-- /s');
    expect(frame).toContain('ETA --');
  });
});

describe('OfferPrompt', () => {
  const offer = {
    transferId: 't1',
    peerId: '3b7e09aa'.padEnd(32, '1'),
    peerName: 'desk-pc',
    files: [
      { path: 'photos', size: 0, kind: 'directory' as const },
      ...Array.from({ length: 7 }, (_, i) => ({ path: `photos/img_${i}.jpg`, size: 2_000_000, kind: 'file' as const })),
    ],
    totalBytes: 14_000_000,
  };

  it('shows who with the full id, what truncated, and how big', () => {
    const frame = show(<OfferPrompt offer={offer} queued={0} peers={[]} receiveDir="/recv" columns={80} />);
    expect(frame).toContain('From desk-pc');
    expect(frame).toContain(`Id   ${offer.peerId}`);
    expect(frame).toContain('Wants to send 7 files, 14.0 MB in total:');
    expect(frame).toMatch(/photos\/img_0\.jpg +2\.00 MB/);
    expect(frame).toContain('photos/img_4.jpg');
    expect(frame).not.toContain('photos/img_5.jpg');
    expect(frame).toContain('and 2 more');
    expect(frame).toContain('Files go to /recv');
    expect(frame).toMatch(/a accept +d decline +t always accept from desk-pc/);
  });

  it('warns when another device uses the same name', () => {
    const twin = view('ff', 'Desk-PC', 'connected');
    const frame = show(<OfferPrompt offer={offer} queued={1} peers={[twin]} receiveDir="/recv" columns={80} />);
    expect(frame).toContain('Another device is also called “desk-pc” (ff000000)');
    expect(frame).toContain('1 more waiting');
  });
});

describe('HistoryList', () => {
  it('lists newest first with outcome words and reasons', () => {
    const frame = show(
      <HistoryList
        maxItems={2}
        history={[
          { id: '1', direction: 'send', peerId: 'a', peerName: 'desk', what: 'old.txt', totalBytes: 1, outcome: 'verified' },
          { id: '2', direction: 'receive', peerId: 'a', peerName: 'desk', what: 'a.jpg', totalBytes: 1000, outcome: 'verified', savedTo: '/recv' },
          { id: '3', direction: 'send', peerId: 'b', peerName: 'lab', what: 'big.iso', totalBytes: 5e9, outcome: 'failed', reason: 'The connection was lost.' },
        ]}
      />,
    );
    expect(frame.split('\n')).toEqual([
      'History (3, newest 2 shown)',
      '  ✗ failed     ↑ big.iso to lab · 5.00 GB · The connection was lost.',
      '  ✓ verified   ↓ a.jpg from desk · 1.00 KB · in /recv',
    ]);
  });
});

describe('TextDialog', () => {
  it('shows the text and how much was cut', () => {
    const text = Array.from({ length: 12 }, (_, i) => `line ${i}`).join('\n');
    const frame = show(<TextDialog message={{ transferId: 'x', peerId: 'ab'.repeat(16), peerName: 'desk', text }} queued={0} columns={80} maxLines={5} />);
    expect(frame).toContain('Message from desk (abababab)');
    expect(frame).toContain('line 4');
    expect(frame).not.toContain('line 5');
    expect(frame).toContain('… 7 more lines');
  });
});

describe('packCandidates', () => {
  it('lays names out in columns and counts what does not fit', () => {
    expect(packCandidates(['a', 'bb', 'ccc'], 20, 2)).toEqual({ lines: ['a    bb   ccc'], more: 0 });
    const many = Array.from({ length: 30 }, (_, i) => `file${i}`);
    const packed = packCandidates(many, 30, 3);
    expect(packed.lines).toHaveLength(2);
    expect(packed.lines[0]).toBe("file0   file1   file2");
    expect(packed.more).toBe(30 - 6);
  });
});
