import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TransferError } from '../../src/index.js';
import { RECEIVER_ID, type Rig, createRig, listTree, nextEvent, randomFile, sha256File, partialEntries } from '../support/fixtures.js';
import { cleanupNative } from '../support/ndc-pair.js';

const MiB = 1024 * 1024;
const NFC = (s: string): string => s.normalize('NFC');
const NFD = (s: string): string => s.normalize('NFD');

afterAll(() => cleanupNative());

describe('names in another Unicode form than the ones already on disk', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('an NFD "café.txt" next to an existing NFC one is numbered, never a second identical-looking file; folders land in NFC too', async () => {
    rig = await createRig();
    // Linux keeps names as bytes: the sender's files are really NFD, as copied from a Mac.
    await writeFile(join(rig.senderDir, NFD('café.txt')), 'from the sender');
    await mkdir(join(rig.senderDir, NFD('Crème')));
    await writeFile(join(rig.senderDir, NFD('Crème'), NFD('brûlée.txt')), 'recipe');
    await mkdir(rig.receiveDir, { recursive: true });
    await writeFile(join(rig.receiveDir, NFC('café.txt')), 'already here');

    const result = await rig.sender.sendFiles(RECEIVER_ID, [join(rig.senderDir, NFD('café.txt')), join(rig.senderDir, NFD('Crème'))]);

    expect(result.files.map((f) => f.path)).toEqual([NFC('café (1).txt'), NFC('Crème/brûlée.txt')]);
    const names = await readdir(rig.receiveDir);
    expect(names.filter((n) => n !== '.fileshare-partial').sort()).toEqual([NFC('Crème'), NFC('café (1).txt'), NFC('café.txt')].sort());
    for (const n of names) expect(n).toBe(NFC(n));
    expect(await readdir(join(rig.receiveDir, NFC('Crème')))).toEqual([NFC('brûlée.txt')]);
    expect(await readFile(join(rig.receiveDir, NFC('café.txt')), 'utf8')).toBe('already here');
    expect(await readFile(join(rig.receiveDir, NFC('café (1).txt')), 'utf8')).toBe('from the sender');
  });

  it('resume still finds its records for NFD names: the folder is reused, finished files are not sent again', async () => {
    // A 2 MiB window keeps delivery close behind the writes, so at the cut the first file is placed.
    rig = await createRig({ receiver: { windowBytes: 2 * MiB } });
    const album = join(rig.senderDir, NFD('Été'));
    const names = [NFD('é1.bin'), NFD('é2.bin')];
    for (const n of names) await randomFile(join(album, n), 12 * MiB);

    const receiverFailed = nextEvent(rig.receiver, 'failed');
    const cut = rig.cutAfter(18 * MiB);
    const error = (await rig.sender.sendFiles(RECEIVER_ID, [album]).catch((e: unknown) => e)) as TransferError;
    expect(error.code).toBe('ERR_TRANSFER_PEER_GONE');
    expect((await receiverFailed).code).toBe('ERR_TRANSFER_PEER_GONE');
    const atCut = await cut;
    expect(await listTree(rig.receiveDir)).toEqual(expect.arrayContaining([`${NFC('Été')}/`, `${NFC('Été')}/${NFC('é1.bin')}`]));

    const result = await rig.sender.sendFiles(RECEIVER_ID, [album]);
    expect(result.resumedBytes).toBeGreaterThanOrEqual(12 * MiB);
    expect(result.bytesTransferred).toBeLessThanOrEqual(24 * MiB - atCut + 2 * MiB);
    expect(result.files.map((f) => f.path)).toEqual(names.map((n) => NFC(`Été/${n}`)));
    expect(await listTree(rig.receiveDir)).toEqual([`${NFC('Été')}/`, ...names.map((n) => NFC(`Été/${n}`))]);
    for (const n of names) expect(await sha256File(join(rig.receiveDir, NFC('Été'), NFC(n)))).toBe(await sha256File(join(album, n)));
    expect(await partialEntries(rig.receiveDir)).toBeUndefined();
  }, 120_000);
});
