import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransferService } from '../../src/index.js';
import type { TransferError, TransferProgress, TransferService } from '../../src/index.js';
import { RECEIVER_ID, type Rig, SENDER_ID, createRig, listTree, nextEvent, randomFile, sha256File, tempDir, partialEntries } from '../support/fixtures.js';
import { cleanupNative, createPeerPair } from '../support/ndc-pair.js';


const MiB = 1024 * 1024;

afterAll(() => cleanupNative());

describe('transfer over real data channels', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('delivers a 64 MiB random file and a folder tree (nested, unicode, empty file, empty folder) with matching SHA-256', async () => {
    rig = await createRig();
    const src = rig.senderDir;
    const files: Record<string, number> = {
      'tree/a/b/c/deep.txt': 1234,
      'tree/Ünïcödé 日本語/файл.txt': 70_000,
      'tree/emoji 😀.md': 10,
      'tree/empty.txt': 0,
      'tree/.hidden': 5,
    };
    for (const [path, size] of Object.entries(files)) await randomFile(join(src, path), size);
    await mkdir(join(src, 'tree/empty-dir/nested-empty'), { recursive: true });
    await randomFile(join(src, 'big.bin'), 64 * MiB);

    const progress: TransferProgress[] = [];
    rig.receiver.on('progress', (p) => progress.push(p));
    const received = nextEvent(rig.receiver, 'complete');
    const offered = nextEvent(rig.receiver, 'offered');
    const started = Date.now();
    const result = await rig.sender.sendFiles(RECEIVER_ID, [join(src, 'big.bin'), join(src, 'tree')]);
    const elapsed = (Date.now() - started) / 1000;
    const receiverResult = await received;

    const total = 64 * MiB + Object.values(files).reduce((a, b) => a + b, 0);
    expect((await offered).senderName).toBe('Alice');
    expect((await offered).totalBytes).toBe(total);
    expect(await listTree(rig.receiveDir)).toEqual(
      [
        'big.bin',
        'tree/',
        'tree/.hidden',
        'tree/a/',
        'tree/a/b/',
        'tree/a/b/c/',
        'tree/a/b/c/deep.txt',
        'tree/empty-dir/',
        'tree/empty-dir/nested-empty/',
        'tree/empty.txt',
        'tree/emoji 😀.md',
        'tree/Ünïcödé 日本語/',
        'tree/Ünïcödé 日本語/файл.txt',
      ].sort(),
    );
    for (const path of ['big.bin', ...Object.keys(files)]) {
      const sha = await sha256File(join(src, path));
      expect(await sha256File(join(rig.receiveDir, path))).toBe(sha);
      expect(result.files.find((f) => f.path === path)?.sha256).toBe(sha);
      expect(receiverResult.files.find((f) => f.path === path)?.sha256).toBe(sha);
    }
    expect(result).toMatchObject({ direction: 'send', peerId: RECEIVER_ID, bytesTransferred: total, resumedBytes: 0 });
    expect(receiverResult).toMatchObject({ direction: 'receive', peerId: SENDER_ID, bytesTransferred: total, savedTo: await realpath(rig.receiveDir) });
    // Throttled: a few per second plus the last one, which reports everything.
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(elapsed * 4) + 2);
    expect(progress.at(-1)).toMatchObject({ bytes: total, totalBytes: total, etaSeconds: 0 });
    expect(progress.at(-1)!.bytesPerSecond).toBeGreaterThan(0);
    // Nothing left behind in the partial-data folder once the transfer completed.
    expect(await partialEntries(rig.receiveDir)).toBeUndefined();
  }, 150_000);

  it('to a peer advertising a=max-message-size 65 536, every chunk message fits it and the files arrive verified', async () => {
    // Side b's libdatachannel advertises 65 536, so side a's refuses to send anything larger (a
    // 16-byte header + 64 KiB chunk was refused before the sender honoured the limit).
    rig = await createRig({ pair: { bMaxMessageSize: 65_536 } });
    const files: Record<string, number> = { 'big.bin': 3 * MiB + 12_345, 'mid.bin': 200_000, 'small.bin': 70_000, 'tiny.txt': 10 };
    for (const [path, size] of Object.entries(files)) await randomFile(join(rig.senderDir, path), size);
    let largest = 0;
    let chunkBytes = 0;
    rig.pair.b.setInboundFilter((data) => {
      if (typeof data === 'string') {
        const message = JSON.parse(data) as { type?: string; chunkBytes?: number };
        if (message.type === 'offer') chunkBytes = message.chunkBytes!;
      } else {
        largest = Math.max(largest, data.length);
      }
      return true;
    });
    const received = nextEvent(rig.receiver, 'complete');
    const result = await rig.sender.sendFiles(RECEIVER_ID, Object.keys(files).map((p) => join(rig!.senderDir, p)));
    await received;
    expect(chunkBytes).toBe(65_536 - 16);
    expect(largest).toBe(65_536);
    for (const path of Object.keys(files)) {
      const sha = await sha256File(join(rig.senderDir, path));
      expect(await sha256File(join(rig.receiveDir, path))).toBe(sha);
      expect(result.files.find((f) => f.path === path)?.sha256).toBe(sha);
    }
  }, 60_000);

  it('never overwrites: a taken file name becomes "a (1).txt", a taken folder "photos (1)"', async () => {
    rig = await createRig();
    await writeFile(join(rig.senderDir, 'a.txt'), 'new a');
    await writeFile(join(rig.senderDir, 'report.tar.gz'), 'new archive');
    await mkdir(join(rig.senderDir, 'photos'));
    await writeFile(join(rig.senderDir, 'photos/p.jpg'), 'new photo');
    await mkdir(join(rig.receiveDir, 'photos'), { recursive: true });
    await writeFile(join(rig.receiveDir, 'a.txt'), 'old a');
    await writeFile(join(rig.receiveDir, 'a (1).txt'), 'old a1');
    await writeFile(join(rig.receiveDir, 'report.tar.gz'), 'old archive');
    await writeFile(join(rig.receiveDir, 'photos/p.jpg'), 'old photo');

    const result = await rig.sender.sendFiles(RECEIVER_ID, ['a.txt', 'report.tar.gz', 'photos'].map((p) => join(rig!.senderDir, p)));
    expect(result.files.map((f) => f.path)).toEqual(['a (2).txt', 'report (1).tar.gz', 'photos (1)/p.jpg']);
    expect(await readFile(join(rig.receiveDir, 'a.txt'), 'utf8')).toBe('old a');
    expect(await readFile(join(rig.receiveDir, 'a (1).txt'), 'utf8')).toBe('old a1');
    expect(await readFile(join(rig.receiveDir, 'a (2).txt'), 'utf8')).toBe('new a');
    expect(await readFile(join(rig.receiveDir, 'photos/p.jpg'), 'utf8')).toBe('old photo');
    expect(await readFile(join(rig.receiveDir, 'photos (1)/p.jpg'), 'utf8')).toBe('new photo');
  });

  it('sends text: the receiver gets a text event (multi-page, unicode), too-large text is refused', async () => {
    rig = await createRig();
    const text = 'Grüße 👋 — ' + 'x'.repeat(200_000) + ' 日本語\n\ttab';
    const textEvent = nextEvent(rig.receiver, 'text');
    const result = await rig.sender.sendText(RECEIVER_ID, text);
    expect(await textEvent).toMatchObject({ peerId: SENDER_ID, senderName: 'Alice', text });
    expect(result).toMatchObject({ files: [], bytesTransferred: Buffer.byteLength(text) });
    await expect(rig.sender.sendText(RECEIVER_ID, 'x'.repeat(1024 * 1024 + 1))).rejects.toMatchObject({ code: 'ERR_TRANSFER_TEXT_TOO_LARGE' });
    expect(await listTree(rig.receiveDir)).toEqual([]);
  });

  it('decline by policy: both sides report ERR_TRANSFER_DECLINED and nothing is written', async () => {
    rig = await createRig({ receiver: { acceptPolicy: () => 'decline' } });
    await writeFile(join(rig.senderDir, 'x.txt'), 'x');
    const failed = nextEvent(rig.receiver, 'failed');
    await expect(rig.sender.sendFiles(RECEIVER_ID, [join(rig.senderDir, 'x.txt')])).rejects.toMatchObject({ code: 'ERR_TRANSFER_DECLINED' });
    expect(await failed).toMatchObject({ code: 'ERR_TRANSFER_DECLINED', direction: 'receive', peerId: SENDER_ID });
    expect(await listTree(rig.receiveDir)).toEqual([]);
  });

  it('ask: the offer waits for a person; accept() and decline() work, no decision times out', async () => {
    rig = await createRig({ receiver: { acceptPolicy: () => 'ask', decisionTimeoutMs: 300 } });
    await writeFile(join(rig.senderDir, 'x.txt'), 'hello');
    const receiver = rig.receiver;

    let offer = nextEvent(receiver, 'offer');
    let sending = rig.sender.sendFiles(RECEIVER_ID, [join(rig.senderDir, 'x.txt')]);
    const first = await offer;
    expect(first).toMatchObject({ senderName: 'Alice', totalBytes: 5, files: [{ path: 'x.txt', size: 5, kind: 'file' }] });
    first.accept();
    expect((await sending).files[0]!.path).toBe('x.txt');

    offer = nextEvent(receiver, 'offer');
    sending = rig.sender.sendFiles(RECEIVER_ID, [join(rig.senderDir, 'x.txt')]);
    (await offer).decline();
    await expect(sending).rejects.toMatchObject({ code: 'ERR_TRANSFER_DECLINED' });

    const timedOut = nextEvent(receiver, 'failed');
    await expect(rig.sender.sendFiles(RECEIVER_ID, [join(rig.senderDir, 'x.txt')])).rejects.toMatchObject({ code: 'ERR_TRANSFER_DECISION_TIMEOUT' });
    expect((await timedOut).code).toBe('ERR_TRANSFER_DECISION_TIMEOUT');
    expect(await listTree(rig.receiveDir)).toEqual(['x.txt']);
  });

  it('uses channelsPerTransfer data channels and delivers many small files', async () => {
    rig = await createRig({ sender: { channelsPerTransfer: 2 } });
    await randomFile(join(rig.senderDir, 'two.bin'), 24 * MiB + 3);
    await mkdir(join(rig.senderDir, 'many'));
    for (let i = 0; i < 400; i++) await writeFile(join(rig.senderDir, `many/f${String(i).padStart(3, '0')}.txt`), `file ${i}`);
    const result = await rig.sender.sendFiles(RECEIVER_ID, [join(rig.senderDir, 'two.bin'), join(rig.senderDir, 'many')]);
    expect(rig.pair.a.opened.filter((l) => l.includes('/data/'))).toHaveLength(2);
    expect(result.files).toHaveLength(401);
    expect(await sha256File(join(rig.receiveDir, 'two.bin'))).toBe(await sha256File(join(rig.senderDir, 'two.bin')));
    expect(await readFile(join(rig.receiveDir, 'many/f399.txt'), 'utf8')).toBe('file 399');
  }, 60_000);
});

describe('several transfers at once', () => {
  const services: TransferService[] = [];
  const pairs: { close(): void }[] = [];
  let dir = '';
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.close()));
    for (const p of pairs.splice(0)) p.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs two transfers to the same peer, one to another peer and one in the other direction together', async () => {
    dir = await tempDir();
    const ids = { a: '1'.repeat(32), b: '2'.repeat(32), c: '3'.repeat(32) };
    const make = (name: string) => {
      const s = createTransferService({ localName: name, receiveDir: join(dir, `${name}-recv`), acceptPolicy: () => 'accept' });
      services.push(s);
      return s;
    };
    const a = make('a');
    const b = make('b');
    const c = make('c');
    const ab = await createPeerPair();
    const ac = await createPeerPair();
    pairs.push(ab, ac);
    a.attachPeer(ids.b, ab.a);
    b.attachPeer(ids.a, ab.b);
    a.attachPeer(ids.c, ac.a);
    c.attachPeer(ids.a, ac.b);
    for (const name of ['one', 'two', 'three', 'back']) await randomFile(join(dir, 'src', `${name}.bin`), 6 * MiB + name.length);

    const results = await Promise.all([
      a.sendFiles(ids.b, [join(dir, 'src/one.bin')]),
      a.sendFiles(ids.b, [join(dir, 'src/two.bin')]),
      a.sendFiles(ids.c, [join(dir, 'src/three.bin')]),
      b.sendFiles(ids.a, [join(dir, 'src/back.bin')]),
    ]);
    expect(new Set(results.map((r) => r.transferId)).size).toBe(4);
    const where: [string, string][] = [['b-recv', 'one'], ['b-recv', 'two'], ['c-recv', 'three'], ['a-recv', 'back']];
    for (const [recv, name] of where) {
      expect(await sha256File(join(dir, recv, `${name}.bin`))).toBe(await sha256File(join(dir, 'src', `${name}.bin`)));
    }
  }, 60_000);
});

describe('service edges', () => {
  it('rejects sends to unknown peers and after close, with typed errors', async () => {
    const dir = await tempDir();
    const s = createTransferService({ localName: 'x', receiveDir: join(dir, 'r') });
    await expect(s.sendFiles('f'.repeat(32), [dir])).rejects.toMatchObject({ code: 'ERR_TRANSFER_PEER_GONE' });
    await s.close();
    await s.close();
    const error = (await s.sendText('f'.repeat(32), 'hi').catch((e: unknown) => e)) as TransferError;
    expect(error.code).toBe('ERR_TRANSFER_CLOSED');
    await rm(dir, { recursive: true, force: true });
  });
});
