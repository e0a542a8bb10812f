import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import type { FailedEvent, ReconnectingEvent, TransferError, TransferService } from '../../src/index.js';
import { DEFAULT_WINDOW_BYTES } from '../../src/index.js';
import { RECEIVER_ID, SENDER_ID, type Rig, createRig, exists, nextEvent, partialEntries, randomFile, sha256File } from '../support/fixtures.js';
import { cleanupNative } from '../support/ndc-pair.js';

const MiB = 1024 * 1024;

afterAll(() => cleanupNative());

/** Every `reconnecting` and `failed` event of a service, in order. */
function record(service: TransferService): { reconnecting: ReconnectingEvent[]; failed: FailedEvent[] } {
  const seen = { reconnecting: [] as ReconnectingEvent[], failed: [] as FailedEvent[] };
  service.on('reconnecting', (r) => seen.reconnecting.push(r));
  service.on('failed', (f) => seen.failed.push(f));
  return seen;
}

describe('a transfer continues by itself after its peer connection dropped', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('goes on from what the receiver holds when the peer is back within the grace: same id, no failure, hash matches', async () => {
    rig = await createRig({ sender: { sendReconnectGraceMs: 20_000 }, receiver: { receiveReconnectGraceMs: 30_000 } });
    const size = 64 * MiB + 7;
    const src = join(rig.senderDir, 'big.bin');
    await randomFile(src, size);
    const senderSeen = record(rig.sender);
    const receiverSeen = record(rig.receiver);
    const receiverDone = nextEvent(rig.receiver, 'complete');
    const restarted = nextEvent(rig.receiver, 'started', (s) => s.resumeFromBytes > 0);

    // cutAfter replaces the connection with a fresh one (same services), as a peer coming back does.
    const cut = rig.cutAfter(16 * MiB);
    const result = await rig.sender.sendFiles(RECEIVER_ID, [src]);
    const bytesAtCut = await cut;
    const received = await receiverDone;

    expect(received.transferId).toBe(result.transferId);
    expect(senderSeen.reconnecting).toEqual([expect.objectContaining({ transferId: result.transferId, direction: 'send', peerId: RECEIVER_ID, graceMs: 20_000 })]);
    expect(receiverSeen.reconnecting).toEqual([expect.objectContaining({ transferId: result.transferId, direction: 'receive', peerId: SENDER_ID, graceMs: 30_000 })]);
    expect(senderSeen.failed).toEqual([]);
    expect(receiverSeen.failed).toEqual([]);
    // The continuation started from the receiver's durable data: what was delivered before the
    // cut is not sent again, except what was still in flight (at most one receive window).
    expect((await restarted).resumeFromBytes).toBeGreaterThan(0);
    expect(result.bytesTransferred).toBeLessThanOrEqual(size - bytesAtCut + DEFAULT_WINDOW_BYTES + 16 * MiB);
    expect(result.bytesTransferred).toBeGreaterThanOrEqual(size - result.resumedBytes);
    expect(await sha256File(join(rig.receiveDir, 'big.bin'))).toBe(await sha256File(src));
    expect(await partialEntries(rig.receiveDir)).toBeUndefined();
  }, 120_000);

  it('fails on both sides with ERR_TRANSFER_PEER_GONE when the peer is not back within the grace, partial data kept', async () => {
    rig = await createRig({ sender: { sendReconnectGraceMs: 1_000 }, receiver: { receiveReconnectGraceMs: 1_500 } });
    const src = join(rig.senderDir, 'big.bin');
    await randomFile(src, 48 * MiB);
    const senderSeen = record(rig.sender);
    const receiverFailed = nextEvent(rig.receiver, 'failed');
    const started = nextEvent(rig.receiver, 'progress', (p) => p.bytes >= 4 * MiB);
    const sending = rig.sender.sendFiles(RECEIVER_ID, [src]).then(
      () => undefined,
      (e: unknown) => e as TransferError,
    );
    await started;
    // The connection is lost and never replaced.
    const lostAt = Date.now();
    rig.pair.close();
    rig.sender.detachPeer(RECEIVER_ID);
    rig.receiver.detachPeer(SENDER_ID);

    const error = await sending;
    expect(error?.code).toBe('ERR_TRANSFER_PEER_GONE');
    expect(error?.message).toMatch(/did not come back within 1 s/);
    expect(senderSeen.reconnecting).toHaveLength(1);
    const failed = await receiverFailed;
    expect(failed.code).toBe('ERR_TRANSFER_PEER_GONE');
    expect(failed.message).toMatch(/did not come back within 2 s/);
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(1_400);
    expect(await exists(join(rig.receiveDir, 'big.bin'))).toBe(false);
    expect(((await partialEntries(rig.receiveDir)) ?? []).some((n) => n.endsWith('.part'))).toBe(true);
  }, 60_000);

  it('a cancel while waiting for the peer ends the send at once with ERR_TRANSFER_CANCELLED', async () => {
    rig = await createRig({ sender: { sendReconnectGraceMs: 60_000 }, receiver: { receiveReconnectGraceMs: 60_000 } });
    const src = join(rig.senderDir, 'big.bin');
    await randomFile(src, 48 * MiB);
    const waiting = nextEvent(rig.sender, 'reconnecting');
    const started = nextEvent(rig.receiver, 'progress', (p) => p.bytes >= 4 * MiB);
    const sending = rig.sender.sendFiles(RECEIVER_ID, [src]).then(
      () => undefined,
      (e: unknown) => e as TransferError,
    );
    await started;
    rig.pair.close();
    rig.sender.detachPeer(RECEIVER_ID);
    rig.receiver.detachPeer(SENDER_ID);
    const { transferId } = await waiting;
    const cancelledAt = Date.now();
    rig.sender.cancel(transferId);
    const error = await sending;
    expect(error?.code).toBe('ERR_TRANSFER_CANCELLED');
    expect(Date.now() - cancelledAt).toBeLessThan(2_000);
  }, 60_000);
});
