import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TransferError } from '../../src/index.js';
import { RECEIVER_ID, type Rig, createRig, listTree, nextEvent, partialEntries } from '../support/fixtures.js';
import { cleanupNative } from '../support/ndc-pair.js';

afterAll(() => cleanupNative());

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** `count` files of 0-4 KiB random bytes in folders of 100, below `<dir>/tree`; returns relative path (from `tree/`) -> sha256. */
async function makeTree(dir: string, count: number): Promise<Map<string, string>> {
  const expected = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const folder = `tree/d${Math.floor(i / 100)}`;
    if (i % 100 === 0) await mkdir(join(dir, folder), { recursive: true });
    const data = randomBytes(randomInt(0, 4097));
    await writeFile(join(dir, folder, `f${i}.bin`), data);
    expected.set(`${folder}/f${i}.bin`, sha256(data));
  }
  return expected;
}

/** Every regular file under the receive folder (not the partial-data folder) and its hash. */
async function receivedFiles(rig: Rig): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const rel of await listTree(rig.receiveDir)) {
    if (rel.endsWith('/')) continue;
    out.set(rel, sha256(await readFile(join(rig.receiveDir, rel))));
  }
  return out;
}

describe('many small files', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('2 000 files of 0-4 KiB arrive verified with the right contents; nothing is left in .fileshare-partial', async () => {
    rig = await createRig();
    const expected = await makeTree(rig.senderDir, 2000);
    const received = nextEvent(rig.receiver, 'complete');
    const result = await rig.sender.sendFiles(RECEIVER_ID, [join(rig.senderDir, 'tree')]);
    expect(result.files).toHaveLength(2000);
    expect((await received).files).toHaveLength(2000);
    for (const f of result.files) expect(f.sha256).toBe(expected.get(f.path));
    expect(await receivedFiles(rig)).toEqual(expected);
    // Nothing pending: the partial-data folder is gone.
    expect(await partialEntries(rig.receiveDir)).toBeUndefined();
  }, 120_000);

  it('a connection cut in the middle of the batches never leaves an unverified file under its name; the resume completes without duplicates', async () => {
    rig = await createRig();
    const expected = await makeTree(rig.senderDir, 1500);
    const receiverFailed = nextEvent(rig.receiver, 'failed');
    // About a third of the payload (files average 2 KiB).
    const cut = rig.cutAfter(1000 * 1024);
    const senderError = await rig.sender.sendFiles(RECEIVER_ID, [join(rig.senderDir, 'tree')]).then(
      () => undefined,
      (e: unknown) => e as TransferError,
    );
    expect(senderError?.code).toBe('ERR_TRANSFER_PEER_GONE');
    expect((await receiverFailed).code).toBe('ERR_TRANSFER_PEER_GONE');
    await cut;

    // Whatever is under a final name is complete and correct.
    const placed = await receivedFiles(rig);
    expect(placed.size).toBeGreaterThan(0);
    expect(placed.size).toBeLessThan(1500);
    for (const [path, sum] of placed) expect({ path, sum }).toEqual({ path, sum: expected.get(path) });
    // No unplaced data of a batch is kept (small files are simply sent again): with nothing
    // pending, not even the folder's record, the partial-data folder is gone.
    expect(await partialEntries(rig.receiveDir)).toBeUndefined();

    const received = nextEvent(rig.receiver, 'complete');
    const result = await rig.sender.sendFiles(RECEIVER_ID, [join(rig.senderDir, 'tree')]);
    await received;
    expect(result.files).toHaveLength(1500);
    // Placed files were not sent again, and no "f1 (1).bin" duplicates appeared.
    expect(result.resumedBytes).toBeGreaterThan(0);
    expect(await receivedFiles(rig)).toEqual(expected);
    expect(result.files.filter((f) => f.alreadyThere).length).toBe(placed.size);
    expect(await partialEntries(rig.receiveDir)).toBeUndefined();
  }, 120_000);
});
