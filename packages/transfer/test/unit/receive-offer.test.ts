import { describe, expect, it, jest } from '@jest/globals';
import type { TransferMessage } from '@fileshare/protocol';
import type { TransferEventSink } from '../../src/common.js';
import { OfferCollector, requestDecision } from '../../src/receive-offer.js';

const ID = 'f'.repeat(32);
const header = (over: Record<string, unknown> = {}): TransferMessage =>
  ({ type: 'offer', v: 1, transferId: ID, senderName: 'Al\u0007ice', kind: 'files', fileCount: 2, totalBytes: 5, channels: 1, chunkBytes: 65536, ...over });
const page = (first: number, entries: { path: string; kind: 'file' | 'directory'; size: number }[]): TransferMessage => ({ type: 'files', first, entries });

describe('offer collector (no I/O)', () => {
  it('collects a files offer over pages and completes once every entry is in', () => {
    const c = new OfferCollector(ID);
    expect(c.add(header())).toEqual({ kind: 'more' });
    expect(c.senderName).toBe('Alice');
    expect(c.add(page(0, [{ path: 'd', kind: 'directory', size: 0 }]))).toEqual({ kind: 'more' });
    expect(c.add(page(1, [{ path: 'd/a.txt', kind: 'file', size: 5 }]))).toEqual({ kind: 'complete' });
    expect(c.entries.map((e) => e.path)).toEqual(['d', 'd/a.txt']);
    expect(c.add(page(2, []))).toMatchObject({ kind: 'problem' });
  });

  it('names protocol problems: order, ids, sums, kinds', () => {
    expect(new OfferCollector(ID).add(page(0, []))).toEqual({ kind: 'problem', problem: '"files" before the offer' });
    expect(new OfferCollector(ID).add(header({ transferId: 'e'.repeat(32) }))).toMatchObject({ kind: 'problem', problem: 'offer for another transfer id' });
    expect(new OfferCollector(ID).add(header({ fileCount: 0 }))).toMatchObject({ kind: 'problem', problem: 'an offer of no files' });
    expect(new OfferCollector(ID).add(header({ textBytes: 3 }))).toMatchObject({ kind: 'problem' });
    const skipped = new OfferCollector(ID);
    skipped.add(header());
    expect(skipped.add(page(1, [{ path: 'a', kind: 'file', size: 5 }]))).toEqual({ kind: 'problem', problem: 'file list pages out of order' });
    const wrongSum = new OfferCollector(ID);
    wrongSum.add(header({ fileCount: 1 }));
    expect(wrongSum.add(page(0, [{ path: 'a', kind: 'file', size: 4 }]))).toEqual({ kind: 'problem', problem: 'totalBytes is not the sum of the file sizes' });
    const text = new OfferCollector(ID);
    text.add(header({ kind: 'text', fileCount: 0, totalBytes: 2, textBytes: 2 }));
    expect(text.add({ type: 'text', data: 'abc' })).toEqual({ kind: 'problem', problem: 'more text than announced' });
  });

  it('declines unsafe paths (after the last page) and too many entries or too much text (from the header alone)', () => {
    const unsafe = new OfferCollector(ID);
    unsafe.add(header({ fileCount: 1 }));
    const step = unsafe.add(page(0, [{ path: '../etc/passwd', kind: 'file', size: 5 }]));
    expect(step).toMatchObject({ kind: 'decline', error: { code: 'ERR_TRANSFER_UNSAFE_PATH' } });
    expect(new OfferCollector(ID).add(header({ fileCount: 100_001 }))).toMatchObject({ kind: 'decline', error: { code: 'ERR_TRANSFER_UNSAFE_PATH' } });
    expect(new OfferCollector(ID).add(header({ kind: 'text', fileCount: 0, totalBytes: 2 ** 20 + 1, textBytes: 2 ** 20 + 1 }))).toMatchObject({
      kind: 'decline',
      error: { code: 'ERR_TRANSFER_TEXT_TOO_LARGE' },
    });
  });

  it('joins a text offer and hands it out once', () => {
    const c = new OfferCollector(ID);
    c.add(header({ kind: 'text', fileCount: 0, totalBytes: 6, textBytes: 6 }));
    expect(c.add({ type: 'text', data: 'Grü' })).toEqual({ kind: 'more' });
    expect(c.add({ type: 'text', data: 'ß' })).toEqual({ kind: 'complete' });
    expect(c.takeText()).toBe('Grüß');
    expect(c.takeText()).toBe('');
  });
});

describe('decision', () => {
  const sink = (): TransferEventSink & { calls: string[] } => {
    const calls: string[] = [];
    return { calls, offer: () => calls.push('offer'), offered: () => calls.push('offered'), started: () => undefined, progress: () => undefined, complete: () => undefined, failed: () => undefined, text: () => undefined, reconnecting: () => undefined };
  };
  const base = { transferId: ID, peerId: 'a'.repeat(32), senderName: 'A', entries: [{ path: 'a', kind: 'file' as const, size: 1 }], totalBytes: 1, text: undefined, logger: { debug() {}, info() {}, warn() {}, error() {} }, timeoutMs: 50 };

  it('a policy decides at once (a throwing policy declines); "ask" emits offer then offered and times out', async () => {
    const events = sink();
    const decide = jest.fn();
    expect(requestDecision({ ...base, policy: () => 'accept', events, decide, stillDeciding: () => true, timedOut: () => undefined })).toBeUndefined();
    expect(decide).toHaveBeenCalledWith('accept');
    requestDecision({ ...base, policy: () => { throw new Error('x'); }, events, decide, stillDeciding: () => true, timedOut: () => undefined });
    expect(decide).toHaveBeenLastCalledWith('decline');
    const asked = sink();
    const timedOut = new Promise<string>((resolve) => {
      requestDecision({ ...base, policy: undefined, events: asked, decide, stillDeciding: () => true, timedOut: (e) => resolve(e.code) });
    });
    expect(asked.calls).toEqual(['offer', 'offered']);
    expect(await timedOut).toBe('ERR_TRANSFER_DECISION_TIMEOUT');
  });
});
