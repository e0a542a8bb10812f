import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdir, open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TransferResult } from '../../src/index.js';
import { fileKey } from '../../src/partial-store.js';
import { RECEIVER_ID, type Rig, SENDER_ID, createRig, nextEvent } from '../support/fixtures.js';
import { cleanupNative } from '../support/ndc-pair.js';

const MiB = 1024 * 1024;

afterAll(() => cleanupNative());

/**
 * A real file over 4 GiB without 4 GiB of disk or minutes of network: the sender's file is sparse,
 * and the receiver holds a (sparse) 4 GiB verified prefix from an "earlier run", so the wire
 * carries only the last MiB, at offsets beyond 2^32. Both sides still hash all 4 GiB + 1 MiB.
 */
describe('large files', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('files over 4 GiB: resuming a sparse 4 GiB + 1 MiB file sends only the last MiB, at offsets beyond 2^32', async () => {
    rig = await createRig();
    const fourGiB = 4 * 1024 * MiB;
    const size = fourGiB + MiB;
    const src = join(rig.senderDir, 'huge.bin');
    const tail = randomBytes(MiB);
    const fh = await open(src, 'w');
    await fh.truncate(size); // sparse: no 4 GiB of disk needed
    await fh.write(tail, 0, MiB, fourGiB);
    await fh.close();
    const mtimeMs = Math.floor((await stat(src)).mtimeMs);

    // The partial data an earlier, interrupted run would have left (format: docs/PROTOCOL.md, "Resume").
    const partialDir = join(rig.receiveDir, '.fileshare-partial');
    await mkdir(partialDir, { recursive: true });
    const key = fileKey(SENDER_ID, 'huge.bin', size, mtimeMs);
    const part = await open(join(partialDir, `${key}.part`), 'w');
    await part.truncate(fourGiB);
    await part.close();
    await writeFile(
      join(partialDir, `${key}.json`),
      JSON.stringify({ v: 1, peerId: SENDER_ID, path: 'huge.bin', size, mtimeMs, state: 'partial', verifiedBytes: fourGiB, updatedAt: Date.now() }),
    );

    const receiverDone = nextEvent(rig.receiver, 'complete');
    const result: TransferResult = await rig.sender.sendFiles(RECEIVER_ID, [src]);
    expect(result.resumedBytes).toBe(fourGiB);
    expect(result.bytesTransferred).toBe(MiB);
    // The sender hashed its file; the receiver hashed the partial prefix plus the new tail, and
    // only placed the file because both agree.
    expect(result.files).toEqual([{ path: 'huge.bin', size, sha256: (await receiverDone).files[0]!.sha256 }]);
    const received = join(rig.receiveDir, 'huge.bin');
    expect((await stat(received)).size).toBe(size);
    const check = await open(received, 'r');
    const got = Buffer.alloc(MiB);
    await check.read(got, 0, MiB, fourGiB);
    await check.close();
    expect(got.equals(tail)).toBe(true);
  }, 90_000);
});
