import { describe, expect, it } from '@jest/globals';
import {
  formatBytes,
  formatEta,
  formatPercent,
  formatRate,
  peerStateLabel,
  progressBar,
  summarizeFiles,
  tildify,
  truncateMiddle,
  wordWrap,
} from '../../src/format.js';
import { planMainLayout, windowAround } from '../../src/ui/layout.js';

describe('formatting', () => {
  it('sizes use three significant digits', () => {
    expect([0, 999, 1000, 1234, 12_345, 123_456, 999_999, 12_500_000, 5e9, 4.4e12].map(formatBytes)).toEqual([
      '0 B',
      '999 B',
      '1.00 KB',
      '1.23 KB',
      '12.3 KB',
      '123 KB',
      '1.00 MB',
      '12.5 MB',
      '5.00 GB',
      '4.40 TB',
    ]);
  });

  it('rates, percentages and ETAs', () => {
    expect(formatRate(4_100_000)).toBe('4.10 MB/s');
    expect(formatRate(0)).toBe('-- /s');
    expect(formatPercent(1, 3)).toBe('33%');
    expect(formatPercent(0, 0)).toBe('0%');
    expect([undefined, 0.2, 42, 185, 7380].map(formatEta)).toEqual(['--', '1s', '42s', '3m 05s', '2h 03m']);
  });

  it('draws a bar proportional to progress', () => {
    expect(progressBar(0.5, 10)).toBe('█████░░░░░');
    expect(progressBar(2, 4)).toBe('████');
  });

  it('names peer states in words', () => {
    expect((['discovered', 'initiated', 'initiating', 'connected', 'not-connected'] as const).map(peerStateLabel)).toEqual([
      'discovered',
      'connecting',
      'connecting',
      'connected',
      'not connected',
    ]);
  });

  it('summarizes what a transfer carries', () => {
    expect(summarizeFiles([{ path: 'a.txt', kind: 'file' }])).toBe('a.txt');
    expect(summarizeFiles([{ path: 'a.txt', kind: 'file' }, { path: 'b.txt', kind: 'file' }, { path: 'c', kind: 'file' }])).toBe('a.txt and 2 more');
    expect(
      summarizeFiles([
        { path: 'photos', kind: 'directory' },
        { path: 'photos/1.jpg', kind: 'file' },
        { path: 'photos/2.jpg', kind: 'file' },
      ]),
    ).toBe('photos/ (2 files)');
  });

  it('wraps at spaces, cutting only a word longer than the line', () => {
    expect(wordWrap('Compare it with the code  shown there.', 12)).toEqual(['Compare it', 'with the', 'code shown', 'there.']);
    expect(wordWrap('abcdefghij kl', 4)).toEqual(['abcd', 'efgh', 'ij', 'kl']);
    expect(wordWrap('', 10)).toEqual([]);
  });

  it('shortens text in the middle and paths under home', () => {
    expect(truncateMiddle('abcdefghij', 5)).toBe('ab…ij');
    expect(tildify('/home/u/x', '/home/u')).toBe('~/x');
    expect(tildify('/home/ux', '/home/u')).toBe('/home/ux');
  });
});

describe('layout', () => {
  it('fits the main screen into the terminal height', () => {
    for (const rows of [24, 30, 50]) {
      for (const peers of [0, 3, 40]) {
        for (const transfers of [0, 2, 10]) {
          const plan = planMainLayout(rows, { peers, transfers, history: 100, statusLines: 2 });
          const lines = 10 + 2 + plan.peers + Math.max(1, Math.min(transfers, plan.transfers) * 2) + plan.history;
          expect(lines).toBeLessThan(rows);
        }
      }
    }
  });

  it('shows everything when there is room', () => {
    expect(planMainLayout(50, { peers: 4, transfers: 2, history: 3, statusLines: 0 })).toEqual({ peers: 4, transfers: 2, history: 3 });
  });

  it('scrolls a window that keeps the selection visible', () => {
    const items = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(windowAround(items, 0, 3)).toEqual({ start: 0, items: [0, 1, 2] });
    expect(windowAround(items, 5, 3)).toEqual({ start: 4, items: [4, 5, 6] });
    expect(windowAround(items, 9, 3)).toEqual({ start: 7, items: [7, 8, 9] });
  });
});
