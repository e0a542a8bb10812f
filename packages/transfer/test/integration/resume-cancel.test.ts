import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TransferError } from '../../src/index.js';
import { RECEIVER_ID, type Rig, createRig, exists, listTree, nextEvent, randomFile, sha256File, partialEntries } from '../support/fixtures.js';
import { cleanupNative } from '../support/ndc-pair.js';


const MiB = 1024 * 1024;

afterAll(() => cleanupNative());

/** Sends `paths` and cuts the link once the receiver holds `atBytes` of file data; returns how both sides failed. */
async function sendAndCut(rig: Rig, paths: string[], atBytes: number): Promise<{ senderError: TransferError; receiverCode: string; bytesAtCut: number }> {
  const receiverFailed = nextEvent(rig.receiver, 'failed');
  const cut = rig.cutAfter(atBytes);
  const senderError = await rig.sender.sendFiles(RECEIVER_ID, paths).then(
    () => undefined,
    (e: unknown) => e as TransferError,
  );
  if (!senderError) throw new Error('the transfer finished although the link was cut');
  return { senderError, receiverCode: (await receiverFailed).code, bytesAtCut: await cut };
}

async function partialFiles(rig: Rig): Promise<string[]> {
  return (await partialEntries(rig.receiveDir)) ?? [];
}

describe('resume and cancel', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('resumes a big file after the connection dropped: only the rest is sent, hashes match', async () => {
    rig = await createRig();
    const size = 96 * MiB + 123;
    const src = join(rig.senderDir, 'big.bin');
    await randomFile(src, size);

    const cut = await sendAndCut(rig, [src], 16 * MiB);
    expect(cut.senderError.code).toBe('ERR_TRANSFER_PEER_GONE');
    expect(cut.receiverCode).toBe('ERR_TRANSFER_PEER_GONE');
    expect(await exists(join(rig.receiveDir, 'big.bin'))).toBe(false);
    expect(await partialFiles(rig)).toEqual(expect.arrayContaining([expect.stringMatching(/\.part$/), expect.stringMatching(/^[0-9a-f]{32}\.json$/)]));

    const receiverDone = nextEvent(rig.receiver, 'complete');
    const result = await rig.sender.sendFiles(RECEIVER_ID, [src]);
    const received = await receiverDone;
    expect(result.resumedBytes).toBeGreaterThanOrEqual(cut.bytesAtCut);
    expect(result.bytesTransferred).toBe(size - result.resumedBytes);
    expect(result.bytesTransferred).toBeLessThan(size * 0.9);
    expect(received).toMatchObject({ resumedBytes: result.resumedBytes, bytesTransferred: result.bytesTransferred });
    expect(result.files).toEqual([{ path: 'big.bin', size, sha256: await sha256File(src) }]);
    expect(await sha256File(join(rig.receiveDir, 'big.bin'))).toBe(await sha256File(src));
    expect(await partialEntries(rig.receiveDir)).toBeUndefined();
  }, 150_000);

  it('a damaged partial file is never trusted: the prefix hash differs and the whole file is sent', async () => {
    rig = await createRig();
    const size = 64 * MiB;
    const src = join(rig.senderDir, 'big.bin');
    await randomFile(src, size);
    await sendAndCut(rig, [src], 8 * MiB);
    const part = (await partialFiles(rig)).find((n) => n.endsWith('.part'))!;
    const fh = await open(join(rig.receiveDir, '.fileshare-partial', part), 'r+');
    await fh.write(randomBytes(16), 0, 16, 1000);
    await fh.close();

    const result = await rig.sender.sendFiles(RECEIVER_ID, [src]);
    expect(result.resumedBytes).toBe(0);
    expect(result.bytesTransferred).toBe(size);
    expect(await sha256File(join(rig.receiveDir, 'big.bin'))).toBe(await sha256File(src));
  }, 150_000);

  it('resumes a folder in the same place without sending finished files again or duplicating them', async () => {
    // A small receive window keeps delivery at most 2 MiB ahead of what the receiver has written,
    // so at the cut (30 MiB in) the first two 12 MiB files are written and being placed.
    rig = await createRig({ receiver: { windowBytes: 2 * MiB } });
    const names = ['f1.bin', 'f2.bin', 'f3.bin', 'f4.bin'];
    for (const n of names) await randomFile(join(rig.senderDir, 'album', n), 12 * MiB);
    await mkdir(join(rig.senderDir, 'album', 'empty'));
    const album = join(rig.senderDir, 'album');

    await sendAndCut(rig, [album], 30 * MiB);
    const before = await listTree(rig.receiveDir);
    expect(before).toEqual(expect.arrayContaining(['album/', 'album/empty/', 'album/f1.bin', 'album/f2.bin']));

    const result = await rig.sender.sendFiles(RECEIVER_ID, [album]);
    expect(result.files.map((f) => f.path)).toEqual(names.map((n) => `album/${n}`));
    expect(result.resumedBytes).toBeGreaterThanOrEqual(24 * MiB);
    expect(await listTree(rig.receiveDir)).toEqual(['album/', 'album/empty/', ...names.map((n) => `album/${n}`)]);
    for (const n of names) expect(await sha256File(join(rig.receiveDir, 'album', n))).toBe(await sha256File(join(album, n)));
    expect(await partialEntries(rig.receiveDir)).toBeUndefined();
  }, 150_000);

  it('cancel from the sender: both sides end with ERR_TRANSFER_CANCELLED, no final file, partial data kept', async () => {
    rig = await createRig();
    const src = join(rig.senderDir, 'big.bin');
    await randomFile(src, 64 * MiB);
    const controller = new AbortController();
    const receiverFailed = nextEvent(rig.receiver, 'failed');
    const senderFailed = nextEvent(rig.sender, 'failed');
    const started = nextEvent(rig.receiver, 'progress');
    const sending = rig.sender.sendFiles(RECEIVER_ID, [src], { signal: controller.signal });
    await started;
    controller.abort();
    await expect(sending).rejects.toMatchObject({ code: 'ERR_TRANSFER_CANCELLED' });
    expect(await receiverFailed).toMatchObject({ code: 'ERR_TRANSFER_CANCELLED', message: expect.stringMatching(/sender cancelled/) });
    expect(await senderFailed).toMatchObject({ code: 'ERR_TRANSFER_CANCELLED', direction: 'send' });
    expect(await listTree(rig.receiveDir)).toEqual([]);
    expect((await partialFiles(rig)).some((n) => n.endsWith('.part'))).toBe(true);
  }, 60_000);

  it('cancel from the receiver: the sender rejects with ERR_TRANSFER_CANCELLED; the service goes on', async () => {
    rig = await createRig();
    const src = join(rig.senderDir, 'big.bin');
    await randomFile(src, 64 * MiB);
    const receiverFailed = nextEvent(rig.receiver, 'failed');
    const receiver = rig.receiver;
    const cancelIt = (p: { transferId: string }): void => receiver.cancel(p.transferId);
    receiver.on('progress', cancelIt);
    const error = (await rig.sender.sendFiles(RECEIVER_ID, [src]).catch((e: unknown) => e)) as TransferError;
    expect(error.code).toBe('ERR_TRANSFER_CANCELLED');
    expect(error.message).toMatch(/receiver cancelled/);
    expect(await receiverFailed).toMatchObject({ code: 'ERR_TRANSFER_CANCELLED' });
    expect(await listTree(rig.receiveDir)).toEqual([]);

    receiver.off('progress', cancelIt);
    await writeFile(join(rig.senderDir, 'after.txt'), 'still works');
    expect((await rig.sender.sendFiles(RECEIVER_ID, [join(rig.senderDir, 'after.txt')])).files[0]!.path).toBe('after.txt');
  }, 60_000);

  it('a cancel while the offer waits for a decision reaches the receiver', async () => {
    rig = await createRig({ receiver: { acceptPolicy: () => 'ask' } });
    await writeFile(join(rig.senderDir, 'x.txt'), 'x');
    const offer = nextEvent(rig.receiver, 'offer');
    const receiverFailed = nextEvent(rig.receiver, 'failed');
    let id = '';
    const sending = rig.sender.sendFiles(RECEIVER_ID, [join(rig.senderDir, 'x.txt')], { onStarted: (t) => (id = t) });
    await offer;
    rig.sender.cancel(id);
    await expect(sending).rejects.toMatchObject({ code: 'ERR_TRANSFER_CANCELLED' });
    expect(await receiverFailed).toMatchObject({ code: 'ERR_TRANSFER_CANCELLED', transferId: id });
  });

  it('closing the service stops its transfers cleanly', async () => {
    rig = await createRig();
    const src = join(rig.senderDir, 'big.bin');
    await randomFile(src, 64 * MiB);
    const receiverFailed = nextEvent(rig.receiver, 'failed');
    const started = nextEvent(rig.receiver, 'progress');
    const sending = rig.sender.sendFiles(RECEIVER_ID, [src]);
    await started;
    await rig.sender.close();
    await expect(sending).rejects.toMatchObject({ code: 'ERR_TRANSFER_CLOSED' });
    expect((await receiverFailed).code).toBe('ERR_TRANSFER_CANCELLED');
  }, 60_000);
});
