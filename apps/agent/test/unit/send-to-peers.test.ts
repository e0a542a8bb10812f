import { describe, expect, it } from '@jest/globals';
import { CoreError, type FileshareNode, type NodeEvent, type PeerInfo, type TransferResult } from '@fileshare/core';
import { describeResult, describeSummary } from '../../src/send/send-output.js';
import { overallExitCode, sendToPeers, type SendResult } from '../../src/send/send-to-peers.js';

const id = (c: string): string => c.repeat(32);
const peer = (c: string, name: string): PeerInfo => ({
  id: id(c),
  name,
  address: '10.0.0.2',
  port: 1,
  state: 'connected',
  manual: false,
  verified: true,
  trusted: false,
  verificationCode: '01234 56789',
});

/** The part of a node a send uses; peers answer as scripted (a result, or a core error). */
function fakeNode(peers: PeerInfo[], outcome: Record<string, Error | undefined>) {
  const listeners = new Set<(e: NodeEvent) => void>();
  const sent: string[] = [];
  const node = {
    subscribe(listener: (e: NodeEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitForPeer(to: string): Promise<PeerInfo> {
      const found = peers.find((p) => p.id === to || p.name === to || (to.length >= 4 && p.id.startsWith(to)));
      return found ? Promise.resolve(found) : Promise.reject(new CoreError('ERR_PEER_NOT_FOUND', `No peer called "${to}" appeared within 1 s.`));
    },
    sendFiles(peerId: string, _paths: string[], options: { onStarted?: (id: string) => void }): Promise<TransferResult> {
      const transferId = `${peerId.slice(0, 4)}${'0'.repeat(28)}`;
      sent.push(peerId);
      options.onStarted?.(transferId);
      for (const l of listeners) l({ event: 'transfer-progress', transferId, direction: 'send', peerId, bytes: 1, totalBytes: 2, bytesPerSecond: 1 });
      // Someone else's transfer on the same node: not ours to report.
      for (const l of listeners) l({ event: 'transfer-progress', transferId: id('f'), direction: 'send', peerId, bytes: 1, totalBytes: 2, bytesPerSecond: 1 });
      const error = outcome[peerId];
      if (error) return Promise.reject(error);
      return Promise.resolve({ transferId, files: [{ path: 'a.bin', size: 2, sha256: 'x' }, { path: 'b.bin', size: 5, sha256: 'y', alreadyThere: true }], bytesTransferred: 2, resumedBytes: 0 });
    },
    sendText(peerId: string, text: string, options: { onStarted?: (id: string) => void }): Promise<TransferResult> {
      options.onStarted?.(id('7'));
      sent.push(peerId);
      return Promise.resolve({ transferId: id('7'), files: [], bytesTransferred: Buffer.byteLength(text), resumedBytes: 0 });
    },
  };
  return { node: node as unknown as FileshareNode, sent };
}

describe('sending to several peers', () => {
  it('sends to each at once; one result per --to in order; a peer named twice gets one transfer', async () => {
    const { node, sent } = fakeNode([peer('a', 'lab'), peer('b', 'desk')], { [id('b')]: new CoreError('ERR_ABORTED', 'x') });
    const events: NodeEvent[] = [];
    const seen: SendResult[] = [];
    const results = await sendToPeers(
      node,
      { to: ['lab', 'ghost', 'aaaa', 'desk'], paths: ['/tmp/a.bin'], timeoutMs: 1000 },
      { signal: new AbortController().signal, onEvent: (e) => events.push(e), onResult: (r) => seen.push(r), announceVerified: true },
    );
    expect(sent.sort()).toEqual([id('a'), id('b')]);
    expect(results.map((r) => [r.to, r.ok, r.exitCode, r.code])).toEqual([
      ['lab', true, 0, undefined],
      ['ghost', false, 3, 'ERR_PEER_NOT_FOUND'],
      ['aaaa', true, 0, undefined],
      ['desk', false, 5, 'ERR_ABORTED'],
    ]);
    expect(results[0]).toMatchObject({ peerId: id('a'), name: 'lab', kind: 'files', files: 2, bytes: 7, alreadyThere: 1 });
    expect(seen).toHaveLength(4);
    // Only our transfers, and each receiver's code for the person to compare.
    expect(events.filter((e) => e.event === 'transfer-progress').map((e) => (e as { transferId: string }).transferId).sort()).toEqual([`aaaa${'0'.repeat(28)}`, `bbbb${'0'.repeat(28)}`]);
    expect(events.filter((e) => e.event === 'peer-verified').map((e) => (e as { peerId: string }).peerId).sort()).toEqual([id('a'), id('b')]);
    // The exit code: that of the first failed --to in command-line order.
    expect(overallExitCode(results)).toBe(3);
  });

  it('0 only when every peer verified everything', () => {
    const ok: SendResult = { to: 'a', ok: true, exitCode: 0, kind: 'files' };
    expect(overallExitCode([ok, ok])).toBe(0);
    expect(overallExitCode([ok, { to: 'b', ok: false, exitCode: 4, kind: 'files' }, { to: 'c', ok: false, exitCode: 6, kind: 'files' }])).toBe(4);
  });

  it('a text send reports characters, never files', async () => {
    const { node } = fakeNode([peer('a', 'lab')], {});
    const [result] = await sendToPeers(node, { to: ['lab'], text: 'héllo ✓', timeoutMs: 1000 }, { signal: new AbortController().signal, onEvent: () => undefined, onResult: () => undefined, announceVerified: false });
    expect(result).toMatchObject({ ok: true, kind: 'text', characters: 7 });
    expect(describeResult(result!, false)).toBe(`sent text (7 characters) to lab (aaaaaaaa); receiver confirmed`);
    expect(describeResult(result!, false)).not.toMatch(/file/);
  });
});

describe('what send prints per peer', () => {
  const files: SendResult = { to: 'lab', peerId: id('a'), name: 'lab', ok: true, exitCode: 0, kind: 'files', files: 3, bytes: 2_500_000, alreadyThere: 1 };
  const declined: SendResult = { to: 'desk', peerId: id('b'), name: 'desk\u001b[2J', ok: false, exitCode: 4, code: 'ERR_TRANSFER_DECLINED', message: 'The receiver declined the transfer.', kind: 'files' };
  const ghost: SendResult = { to: 'ghost', ok: false, exitCode: 3, code: 'ERR_PEER_NOT_FOUND', message: 'No peer called "ghost" appeared within 30 s.', kind: 'files' };

  it('says what arrived in core units, and why each failure failed', () => {
    expect(describeResult(files, true)).toBe('sent 3 files (1 already there), 2.50 MB to lab (aaaaaaaa); receiver verified every SHA-256');
    expect(describeResult(declined, true)).toBe('not sent to desk\\x1b[2J (bbbbbbbb): The receiver declined the transfer. [ERR_TRANSFER_DECLINED] (exit 4)');
    expect(describeResult(ghost, true)).toBe('not sent to ghost: No peer called "ghost" appeared within 30 s. [ERR_PEER_NOT_FOUND] (exit 3)');
    expect(describeResult(ghost, false)).toBe('No peer called "ghost" appeared within 30 s. [ERR_PEER_NOT_FOUND]');
  });

  it('sums up several receivers with the exit code and which --to decided it', () => {
    expect(describeSummary([files, files])).toBe('all 2 receivers got everything');
    expect(describeSummary([files, ghost, declined])).toBe('1 of 3 receivers got everything; exit 3 (that of the first failed --to, ghost)');
  });
});
