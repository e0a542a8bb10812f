import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TransferEntry, parseTransferLabel } from '@fileshare/protocol';
import { createTransferService } from '../../src/index.js';
import type { TransferError, TransferService } from '../../src/index.js';
import { RECEIVER_ID, type Rig, SENDER_ID, createRig, exists, listTree, nextEvent, randomFile, tempDir, partialEntries } from '../support/fixtures.js';
import { cleanupNative, createPeerPair } from '../support/ndc-pair.js';
import { RawPeer } from '../support/raw-peer.js';


const KiB = 1024;
const MiB = 1024 * KiB;

afterAll(() => cleanupNative());

const file = (path: string, size = 1): TransferEntry => ({ path, kind: 'file', size });

const HOSTILE: [string, TransferEntry[]][] = [
  ['parent segment', [file('../x')]],
  ['absolute path', [file('/etc/x')]],
  ['climbing out from a folder', [file('a/../../x')]],
  ['parent folder entry', [{ path: '..', kind: 'directory', size: 0 }]],
  ['NUL character', [file('a\u0000b')]],
  ['newline', [file('a\nb')]],
  ['terminal escape', [file('a\u001b[31mred')]],
  ['backslash', [file('a\\..\\x')]],
  ['drive letter', [file('C:/x')]],
  ['drive-relative', [file('c:x')]],
  ['device name', [file('CON')]],
  ['device name with extension in a folder', [file('folder/nul.txt')]],
  ['device COM1', [file('com1.log')]],
  ['empty segment', [file('a//b')]],
  ['trailing slash', [file('a/')]],
  ['dot segment', [file('./a')]],
  ['dots only', [file('...')]],
  ['segment over 255 bytes', [file('é'.repeat(128))]],
  ['path over 4096 bytes', [file(`${'abcdefgh/'.repeat(460)}x`)]],
  ['the partial-data folder', [file('.fileshare-partial/x.part')]],
  ['duplicate paths', [file('a.txt'), file('a.txt')]],
  ['a file inside a file', [file('a'), file('a/b')]],
  ['the partial-data folder in another case', [file('.FileShare-Partial/x.part')]],
  ['the partial-data folder in full-width letters', [file('\uff0efileshare-partial/x.part')]],
  ['one name in NFC and NFD', [file('caf\u00e9.txt'), file('cafe\u0301.txt')]],
  ['one name in two cases', [file('A.txt'), file('a.txt')]],
  ['one folder in two cases', [file('Photos/1.jpg'), file('photos/2.jpg')]],
  ['a right-to-left override', [file('invoice\u202etxt.exe')]],
  ['a bidi isolate in a folder name', [file('a\u2067b/c.txt')]],
];

describe('hostile and broken senders', () => {
  let rig: Rig | undefined;
  let outside = '';
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
    if (outside) await rm(outside, { recursive: true, force: true });
  });

  it('declines every unsafe offer with ERR_TRANSFER_UNSAFE_PATH and writes nothing', async () => {
    rig = await createRig();
    outside = await tempDir('fileshare-outside-');
    for (const [what, entries] of HOSTILE) {
      const failed = nextEvent(rig.receiver, 'failed');
      const raw = await RawPeer.open(rig.pair.a);
      raw.offer(entries);
      const answer = await raw.next('decline', 'accept', 'error');
      expect({ what, answer: answer?.type, code: answer && 'code' in answer ? answer.code : undefined }).toEqual({ what, answer: 'decline', code: 'ERR_TRANSFER_UNSAFE_PATH' });
      expect(await failed).toMatchObject({ code: 'ERR_TRANSFER_UNSAFE_PATH', direction: 'receive', peerId: SENDER_ID });
      raw.close(); // the side that receives the terminal message closes
    }
    // Too many entries is refused from the header alone.
    const raw = await RawPeer.open(rig.pair.a);
    raw.offer([], { fileCount: 100_001, totalBytes: 0 });
    expect(await raw.next('decline')).toMatchObject({ code: 'ERR_TRANSFER_UNSAFE_PATH', message: expect.stringMatching(/100000/) });

    expect(await listTree(rig.receiveDir)).toEqual([]);
    expect(await partialEntries(rig.receiveDir)).toBeUndefined();
    expect(await listTree(outside)).toEqual([]);
    expect(await exists(join(rig.dir, 'x'))).toBe(false);
  }, 60_000);

  it('never follows symlinks in the receive folder: a folder link, a file link and a dangling link are all left alone', async () => {
    rig = await createRig();
    outside = await tempDir('fileshare-outside-');
    await writeFile(join(outside, 'target.txt'), 'original');
    await mkdir(rig.receiveDir, { recursive: true });
    await symlink(outside, join(rig.receiveDir, 'evil'));
    await symlink(join(outside, 'target.txt'), join(rig.receiveDir, 'link.txt'));
    await symlink(join(outside, 'not-there.txt'), join(rig.receiveDir, 'dangling.txt'));
    await mkdir(join(rig.senderDir, 'evil'));
    await writeFile(join(rig.senderDir, 'evil', 'x.txt'), 'payload');
    await writeFile(join(rig.senderDir, 'link.txt'), 'payload');
    await writeFile(join(rig.senderDir, 'dangling.txt'), 'payload');

    const result = await rig.sender.sendFiles(RECEIVER_ID, ['evil', 'link.txt', 'dangling.txt'].map((p) => join(rig!.senderDir, p)));
    expect(result.files.map((f) => f.path)).toEqual(['evil (1)/x.txt', 'link (1).txt', 'dangling (1).txt']);
    expect(await listTree(outside)).toEqual(['target.txt']);
    expect(await readFile(join(outside, 'target.txt'), 'utf8')).toBe('original');
    expect(await readFile(join(rig.receiveDir, 'evil (1)', 'x.txt'), 'utf8')).toBe('payload');
  });

  it('refuses to use a partial-data folder that is a symlink', async () => {
    const dir = await tempDir();
    outside = await tempDir('fileshare-outside-');
    const receiveDir = join(dir, 'recv');
    await mkdir(receiveDir);
    await symlink(outside, join(receiveDir, '.fileshare-partial'));
    const receiver = createTransferService({ localName: 'r', receiveDir, acceptPolicy: () => 'accept' });
    const sender = createTransferService({ localName: 's', receiveDir: join(dir, 'other') });
    const pair = await createPeerPair();
    try {
      sender.attachPeer(RECEIVER_ID, pair.a);
      receiver.attachPeer(SENDER_ID, pair.b);
      await writeFile(join(dir, 'x.txt'), 'payload');
      await expect(sender.sendFiles(RECEIVER_ID, [join(dir, 'x.txt')])).rejects.toMatchObject({ code: 'ERR_TRANSFER_UNSAFE_PATH' });
      expect(await listTree(outside)).toEqual([]);
    } finally {
      await Promise.all([receiver.close(), sender.close()]);
      pair.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a sender whose data does not match its SHA-256 gets ERR_TRANSFER_INTEGRITY and no file is kept', async () => {
    rig = await createRig();
    const data = randomBytes(200 * KiB);
    const failed = nextEvent(rig.receiver, 'failed');
    const raw = await RawPeer.open(rig.pair.a);
    raw.offer([{ path: 'c.bin', kind: 'file', size: data.length, mtimeMs: 1 }]);
    expect(await raw.next('accept')).toMatchObject({ resumeCount: 0 });
    const ch = await raw.openData(0);
    raw.send({ type: 'file-start', index: 0, offset: 0 });
    const damaged = Buffer.from(data);
    damaged[100_000] = damaged[100_000]! ^ 0xff;
    for (let at = 0; at < data.length; at += 64 * KiB) raw.sendChunk(ch, 0, at, damaged.subarray(at, at + 64 * KiB));
    raw.send({ type: 'file-end', index: 0, sha256: createHash('sha256').update(data).digest('hex') });
    expect(await raw.next('error')).toMatchObject({ code: 'ERR_TRANSFER_INTEGRITY', message: expect.stringMatching(/c\.bin.*damaged/) });
    expect(await failed).toMatchObject({ code: 'ERR_TRANSFER_INTEGRITY' });
    expect(await listTree(rig.receiveDir)).toEqual([]);
    expect(await partialEntries(rig.receiveDir)).toBeUndefined();
  });

  it('malformed, oversized and out-of-place messages fail that transfer with a typed error; the service goes on', async () => {
    rig = await createRig();
    const cases: { what: string; act: (raw: RawPeer) => void | Promise<void> }[] = [
      { what: 'not JSON', act: (raw) => raw.send('this is not json') },
      { what: 'binary on the control channel', act: (raw) => raw.ctl.send(new Uint8Array([1, 2, 3])) },
      { what: 'oversized message', act: (raw) => raw.send(JSON.stringify({ type: 'text', data: 'x'.repeat(70_000) })) },
      { what: 'files before the offer', act: (raw) => raw.send({ type: 'files', first: 0, entries: [file('a')] }) },
      { what: 'offer with a wrong total', act: (raw) => raw.offer([file('a', 5)], { totalBytes: 4 }) },
      {
        what: 'file-end before file-start',
        act: async (raw) => {
          raw.offer([file('a', 5)], {});
          await raw.next('accept');
          raw.send({ type: 'file-end', index: 0, sha256: '0'.repeat(64) });
        },
      },
      {
        what: 'a chunk past the end of the file',
        act: async (raw) => {
          raw.offer([file('a', 5)]);
          await raw.next('accept');
          const ch = await raw.openData(0);
          raw.send({ type: 'file-start', index: 0, offset: 0 });
          raw.sendChunk(ch, 0, 3, Buffer.from('abcdef'));
        },
      },
      {
        what: 'a chunk for a file that does not exist',
        act: async (raw) => {
          raw.offer([file('a', 5)]);
          await raw.next('accept');
          const ch = await raw.openData(0);
          raw.sendChunk(ch, 7, 0, Buffer.from('abcde'));
        },
      },
      {
        what: 'a data channel the offer did not announce',
        act: async (raw) => {
          raw.offer([file('a', 5)]);
          await raw.next('accept');
          await raw.openData(3);
        },
      },
    ];
    for (const { what, act } of cases) {
      const failed = nextEvent(rig.receiver, 'failed');
      const raw = await RawPeer.open(rig.pair.a);
      await act(raw);
      const event = await failed;
      expect({ what, code: event.code }).toEqual({ what, code: 'ERR_TRANSFER_MESSAGE_INVALID' });
      raw.close();
    }
    await writeFile(join(rig.senderDir, 'ok.txt'), 'fine');
    expect((await rig.sender.sendFiles(RECEIVER_ID, [join(rig.senderDir, 'ok.txt')])).files[0]!.path).toBe('ok.txt');
    expect(await listTree(rig.receiveDir)).toEqual(['ok.txt']);
  }, 60_000);
});

describe('hostile receivers', () => {
  it('a receiver that lies in its acks or declines with an unknown code gets a typed error', async () => {
    const dir = await tempDir();
    const sender = createTransferService({ localName: 's', receiveDir: join(dir, 'r') });
    const pair = await createPeerPair();
    const raws: RawPeer[] = [];
    pair.b.onChannel((ch) => {
      const label = parseTransferLabel(ch.label);
      if (label?.kind === 'ctl') raws.push(RawPeer.wrap(pair.b, label.transferId, ch));
    });
    const nextRaw = async (): Promise<RawPeer> => {
      while (raws.length === 0) await new Promise<void>((r) => setImmediate(r));
      return raws.shift()!;
    };
    try {
      sender.attachPeer(RECEIVER_ID, pair.a);
      await randomFile(join(dir, 'x.bin'), 3 * MiB);

      let sending = sender.sendFiles(RECEIVER_ID, [join(dir, 'x.bin')]);
      let raw = await nextRaw();
      await raw.next('files');
      raw.send({ type: 'accept', windowBytes: 1 * MiB, windowFiles: 4, resumeCount: 0 });
      await raw.next('file-start');
      raw.send({ type: 'ack', bytes: 10 * MiB });
      await expect(sending).rejects.toMatchObject({ code: 'ERR_TRANSFER_MESSAGE_INVALID' });
      expect(await raw.next('error')).toMatchObject({ code: 'ERR_TRANSFER_MESSAGE_INVALID' });

      sending = sender.sendFiles(RECEIVER_ID, [join(dir, 'x.bin')]);
      raw = await nextRaw();
      await raw.next('files');
      raw.send({ type: 'decline', code: 'ERR_SOMETHING_ODD', message: 'no\u001b[2J thanks' });
      const error = (await sending.catch((e: unknown) => e)) as TransferError;
      expect(error.code).toBe('ERR_TRANSFER_REMOTE_ERROR');
      expect(error.message).not.toMatch(/\u001b/);
    } finally {
      await sender.close();
      pair.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('full disk', () => {
  let mnt = '';
  let root = '';
  let mounted = false;
  const services: TransferService[] = [];
  const pairs: { close(): void }[] = [];

  beforeAll(async () => {
    root = await tempDir();
    mnt = join(root, 'tmpfs');
    await mkdir(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'ignore' });
      mounted = true;
    } catch {
      mounted = false;
    }
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.close()));
    for (const p of pairs) p.close();
    if (mounted) execFileSync('umount', [mnt]);
    await rm(root, { recursive: true, force: true });
  });

  it('a full disk fails that transfer with ERR_TRANSFER_DISK_FULL; other transfers and later ones still work', async () => {
    if (!mounted) {
      console.warn('skipped: mounting a tmpfs needs root (mount -t tmpfs)');
      return;
    }
    const ids = { s: '1'.repeat(32), full: '2'.repeat(32), roomy: '3'.repeat(32) };
    const sender = createTransferService({ localName: 's', receiveDir: join(root, 's-recv') });
    // 'ask' lets both offers be accepted in the same tick, so both pass the free-space check
    // before either writes: the disk then fills up mid-transfer, not at the check.
    const full = createTransferService({ localName: 'full', receiveDir: join(mnt, 'recv'), acceptPolicy: () => 'ask' });
    const roomy = createTransferService({ localName: 'roomy', receiveDir: join(root, 'roomy'), acceptPolicy: () => 'accept' });
    services.push(sender, full, roomy);
    const p1 = await createPeerPair();
    const p2 = await createPeerPair();
    pairs.push(p1, p2);
    sender.attachPeer(ids.full, p1.a);
    full.attachPeer(ids.s, p1.b);
    sender.attachPeer(ids.roomy, p2.a);
    roomy.attachPeer(ids.s, p2.b);
    for (const n of ['one', 'two', 'other']) await randomFile(join(root, 'src', `${n}.bin`), 3 * MiB);

    // Too big from the start: refused before anything is written.
    await randomFile(join(root, 'src', 'huge.bin'), 8 * MiB);
    const refusedOffer = nextEvent(full, 'offer');
    const refused = sender.sendFiles(ids.full, [join(root, 'src', 'huge.bin')]);
    (await refusedOffer).accept();
    await expect(refused).rejects.toMatchObject({ code: 'ERR_TRANSFER_DISK_FULL' });

    const offers: { accept(): void }[] = [];
    const acceptBoth = (o: { accept(): void }): void => {
      offers.push(o);
      if (offers.length === 2) for (const o2 of offers) o2.accept();
    };
    full.on('offer', acceptBoth);
    const outcomes = await Promise.allSettled([
      sender.sendFiles(ids.full, [join(root, 'src', 'one.bin')]),
      sender.sendFiles(ids.full, [join(root, 'src', 'two.bin')]),
      sender.sendFiles(ids.roomy, [join(root, 'src', 'other.bin')]),
    ]);
    const toFull = outcomes.slice(0, 2);
    const codes = toFull.map((o) => (o.status === 'rejected' ? (o.reason as TransferError).code : 'ok'));
    expect(codes).toContain('ERR_TRANSFER_DISK_FULL');
    // The disk filled up while writing (the check before accepting had passed for both).
    const messages = toFull.map((o) => (o.status === 'rejected' ? (o.reason as TransferError).message : ''));
    expect(messages.some((m) => /while writing/.test(m))).toBe(true);
    for (const c of codes) expect(['ok', 'ERR_TRANSFER_DISK_FULL']).toContain(c);
    expect(outcomes[2].status).toBe('fulfilled');

    // The user frees space; the same service takes the next transfer.
    for (const n of ['one.bin', 'two.bin']) await unlink(join(mnt, 'recv', n)).catch(() => undefined);
    await rm(join(mnt, 'recv', '.fileshare-partial'), { recursive: true, force: true });
    await mkdir(join(mnt, 'recv', '.fileshare-partial'));
    await writeFile(join(root, 'src', 'small.txt'), 'small');
    full.off('offer', acceptBoth);
    full.on('offer', (o) => o.accept());
    expect((await sender.sendFiles(ids.full, [join(root, 'src', 'small.txt')])).files[0]!.path).toBe('small.txt');
  }, 150_000);
});
