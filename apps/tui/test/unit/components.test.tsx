import { afterEach, describe, expect, it } from '@jest/globals';
import { HistoryList } from '../../src/ui/HistoryList.js';
import { OfferPrompt } from '../../src/ui/OfferPrompt.js';
import { PeerList } from '../../src/ui/PeerList.js';
import { ProgressLine } from '../../src/ui/ProgressLine.js';
import { packCandidates } from '../../src/ui/SendDialog.js';
import { TextDialog } from '../../src/ui/TextDialog.js';
import { TrustDialog } from '../../src/ui/TrustDialog.js';
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

const view = (id: string, name: string, state: PeerView['state'], over: Partial<PeerView> = {}): PeerView => ({
  id: id.padEnd(32, '0'),
  name,
  address: '192.168.1.7',
  port: 41000,
  state,
  manual: false,
  verified: state === 'connected',
  trusted: false,
  ...over,
});

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

  it('marks trusted, look-alike and blocked peers in words, and explains a selected look-alike', () => {
    const trusted = view('fb', 'desk-pc', 'connected', { trusted: true });
    const twin = view('66', 'desk-pc', 'connected', { lookalikeOf: trusted.id });
    const blocked = view('77', 'pest', 'connected', { blocked: true });
    const lines = show(<PeerList peers={[trusted, twin, blocked]} selectedId={twin.id} focused maxRows={5} columns={80} />).split('\n');
    expect(lines[1]).toMatch(/^ {2}● connected +desk-pc +✓ trusted +fb000000 +192\.168\.1\.7:41000$/);
    expect(lines[2]).toMatch(/^› ● connected +desk-pc +⚠ look-alike +66000000/);
    expect(lines[3]).toMatch(/pest +⊘ blocked +77000000/);
    expect(lines[4]).toBe('  ⚠ Not your trusted “desk-pc” (fb000000): same name, different device');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('shows a hostile name escaped, cut to its column', () => {
    // As the reducer stores it: escaped by core's safeForTerminal on the way in.
    const hostile = view('ab', 'evil\\x1b[2J\\x1b]52;c;aGk=\\x07<U+202E>gpj.exe', 'connected');
    const frame = show(<PeerList peers={[hostile]} selectedId={undefined} focused maxRows={5} columns={80} />);
    expect(frame).not.toContain('\u001b');
    expect(frame).toMatch(/ evil\\x1b\[2J\\x1.*….*gpj\.exe +ab000000 /);
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
    trusted: false,
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
    expect(frame).toMatch(/a accept +d decline +b block +t trust: always accept from desk-pc/);
  });

  it('warns when another device uses the same name', () => {
    const twin = view('ff', 'Desk-PC', 'connected');
    const frame = show(<OfferPrompt offer={offer} queued={1} peers={[twin]} receiveDir="/recv" columns={80} />);
    expect(frame).toContain('Another device is also called “desk-pc” (ff000000)');
    expect(frame).toContain('1 more waiting');
  });
});

describe('OfferPrompt from a look-alike', () => {
  it('warns in red words that it is not the trusted device', () => {
    const trusted = view('fb', 'desk-pc', 'not-connected', { trusted: true });
    const offer = { transferId: 't', peerId: '66'.padEnd(32, '0'), peerName: 'desk-pc', files: [{ path: 'a.txt', size: 5, kind: 'file' as const }], totalBytes: 5, trusted: false, lookalikeOf: trusted.id };
    const frame = show(<OfferPrompt offer={offer} queued={0} peers={[trusted]} receiveDir="/recv" columns={80} />);
    expect(frame.replace(/│/g, '').replace(/\s+/g, ' ')).toContain('⚠ Not your trusted “desk-pc” (fb000000): same name, different device. Decline unless you expected it.');
    // The generic "also called" note would repeat it.
    expect(frame).not.toContain('Another device is also called');
  });
});

describe('TrustDialog', () => {
  const CODE = '01234 56789 01234 56789 01234 56789';
  const peerId = 'fbcedc8d3bd6a24398c27a0eff260e47';

  it('from an offer: name, id, code, what to compare, and the four answers, within 80 columns', () => {
    const frame = show(<TrustDialog trust={{ peerId, peerName: 'desk-pc', code: CODE, trusted: false, transferId: 't1' }} peers={[]} columns={80} />);
    const flat = frame.replace(/[│╭╮╰╯─]/g, '').replace(/\s+/g, ' ');
    expect(frame).toContain('Trust desk-pc?');
    expect(frame).toContain(`Id    ${peerId}`);
    expect(frame).toContain(`Code  ${CODE}`);
    expect(flat).toContain('Compare it with the code desk-pc shows for this device');
    expect(flat).toContain('Trust only if every digit matches.');
    expect(frame).toMatch(/y +codes match: trust desk-pc and accept \(saved\)/);
    expect(frame).toMatch(/n +not now: accept from desk-pc until you quit \(not saved\)/);
    expect(frame).toMatch(/b +codes differ: decline and block it until you quit/);
    expect(frame).toMatch(/esc +back to the offer/);
    for (const line of frame.split('\n')) {
      expect(line.length).toBeLessThanOrEqual(80);
      // Wrapped at words, without a continuation line starting indented.
      expect(line).not.toMatch(/^│ {2}\S/);
    }
  });

  it('from the peer list: a trusted peer can be untrusted; without a code there is nothing to confirm', () => {
    let frame = show(<TrustDialog trust={{ peerId, peerName: 'desk-pc', code: CODE, trusted: true }} peers={[]} columns={80} />);
    expect(frame).toContain('desk-pc is trusted');
    expect(frame).toMatch(/u +stop trusting desk-pc/);
    expect(frame).not.toMatch(/y +codes match/);
    rendered?.unmount();
    frame = show(<TrustDialog trust={{ peerId, peerName: 'desk-pc', trusted: false }} peers={[]} columns={80} />);
    expect(frame).toContain('none yet: it appears once desk-pc is connected');
    expect(frame).not.toMatch(/y +codes match/);
  });

  it('warns when the peer has the name of a trusted device', () => {
    const trusted = view('fb', 'desk-pc', 'connected', { trusted: true });
    const frame = show(<TrustDialog trust={{ peerId: '66'.padEnd(32, '0'), peerName: 'desk-pc', code: CODE, trusted: false, lookalikeOf: trusted.id }} peers={[trusted]} columns={80} />);
    expect(frame.replace(/│/g, '').replace(/\s+/g, ' ')).toContain('⚠ Same name as your trusted device “desk-pc” (fb000000), but this is a different device.');
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
      '  ✗ failed     ↑ big.iso to lab · The connection was lost. · 5.00 GB',
      '  ✓ verified   ↓ a.jpg from desk · 1.00 KB · in /recv',
    ]);
  });
});

describe('TextDialog', () => {
  it('shows the text and how much was cut', () => {
    const text = Array.from({ length: 12 }, (_, i) => `line ${i}`).join('\n');
    const frame = show(<TextDialog message={{ transferId: 'x', peerId: 'ab'.repeat(16), peerName: 'desk', text }} queued={0} columns={80} maxLines={5} />);
    expect(frame).toContain('Message from desk (abababab)');
    expect(frame).toContain('line 3');
    expect(frame).not.toContain('line 4');
    expect(frame).toContain('lines 1-4 of 12 · 8 more below');
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
