import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { chmod, mkdir, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransferService } from '../../src/index.js';
import type { StartedEvent, TransferResult, TransferService, TransferServiceInit } from '../../src/index.js';
import { RECEIVER_ID, SENDER_ID, listTree, nextEvent, partialEntries, randomFile, sha256File, tempDir } from '../support/fixtures.js';
import { type PeerPair, cleanupNative, createPeerPair } from '../support/ndc-pair.js';

afterAll(() => cleanupNative());

const KiB = 1024;

/**
 * A sender and a receiver service over a real node-datachannel pair; the receiver can be
 * "restarted" (a new service on the same folders, as after a crash) with a fresh connection.
 */
class Pair {
  sender: TransferService;
  receiver!: TransferService;
  private pair!: PeerPair;
  readonly src: string;
  readonly inbox: string;
  readonly records: string;

  constructor(
    readonly dir: string,
    private readonly receiverInit: Partial<TransferServiceInit>,
  ) {
    this.src = join(dir, 'src');
    this.inbox = join(dir, 'inbox');
    this.records = join(dir, 'state', 'received');
    this.sender = createTransferService({ localName: 'Alice', receiveDir: join(dir, 'sender-inbox') });
  }

  async startReceiver(extra: Partial<TransferServiceInit> = {}): Promise<void> {
    this.receiver = createTransferService({ localName: 'Bob', receiveDir: this.inbox, doneRecordsDir: this.records, acceptPolicy: () => 'accept', ...this.receiverInit, ...extra });
    this.pair = await createPeerPair();
    this.sender.attachPeer(RECEIVER_ID, this.pair.a);
    this.receiver.attachPeer(SENDER_ID, this.pair.b);
  }

  /** The receiver process dies: its connection and service go, nothing of it gets tidied. */
  async killReceiver(): Promise<void> {
    this.pair.close();
    this.sender.detachPeer(RECEIVER_ID);
    this.receiver.detachPeer(SENDER_ID);
    await this.receiver.close();
  }

  /** Sends and collects what both sides reported. */
  async send(paths: string[]): Promise<{ sent: TransferResult; received: TransferResult; started: { send: StartedEvent; receive: StartedEvent } }> {
    const received = nextEvent(this.receiver, 'complete');
    const startedReceive = nextEvent(this.receiver, 'started');
    const startedSend = nextEvent(this.sender, 'started');
    const sent = await this.sender.sendFiles(RECEIVER_ID, paths);
    return { sent, received: await received, started: { send: await startedSend, receive: await startedReceive } };
  }

  async close(): Promise<void> {
    await Promise.all([this.sender.close(), this.receiver.close()]);
    this.pair.close();
  }
}

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o7777;

describe('files as users expect them, and idempotent re-sends', () => {
  let pair: Pair | undefined;
  let dir = '';
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps permission bits (less the umask, never set-id), then a re-send of the folder is all "already there": no byte sent, no copy', async () => {
    dir = await tempDir();
    pair = new Pair(dir, { umask: 0o027 });
    await pair.startReceiver();
    const album = join(pair.src, 'album');
    await mkdir(album, { recursive: true });
    await writeFile(join(album, 'run.sh'), '#!/bin/sh\necho hi\n');
    await chmod(join(album, 'run.sh'), 0o755);
    await writeFile(join(album, 'notes.txt'), 'notes');
    await chmod(join(album, 'notes.txt'), 0o640);
    await writeFile(join(album, 'tool'), 'set-id');
    await chmod(join(album, 'tool'), 0o4755);
    // Streamed (above the small-file size) rather than batched: the other placing path.
    await randomFile(join(album, 'big.bin'), 600 * KiB);
    await chmod(join(album, 'big.bin'), 0o751);
    await writeFile(join(album, 'empty'), '');

    const first = await pair.send([album]);
    expect(first.sent.bytesTransferred).toBe(600 * KiB + 5 + 6 + 18);
    expect(first.sent.files.some((f) => f.alreadyThere)).toBe(false);
    const got = join(pair.inbox, 'album');
    expect(await modeOf(join(got, 'run.sh'))).toBe(0o750);
    expect(await modeOf(join(got, 'notes.txt'))).toBe(0o640);
    expect(await modeOf(join(got, 'tool'))).toBe(0o750);
    expect(await modeOf(join(got, 'big.bin'))).toBe(0o750);
    expect(await modeOf(join(got, 'empty'))).toBe(0o640);
    expect(await partialEntries(pair.inbox)).toBeUndefined();

    const again = await pair.send([album]);
    const total = first.sent.bytesTransferred;
    for (const side of [again.sent, again.received]) {
      expect(side).toMatchObject({ bytesTransferred: 0, resumedBytes: total });
      expect(side.files.map((f) => [f.path, f.alreadyThere])).toEqual(['big.bin', 'empty', 'notes.txt', 'run.sh', 'tool'].map((n) => [`album/${n}`, true]));
    }
    expect(again.started.send).toMatchObject({ direction: 'send', totalBytes: total, resumeFromBytes: total, alreadyThereFiles: 5 });
    expect(again.started.receive).toMatchObject({ direction: 'receive', totalBytes: total, resumeFromBytes: total, alreadyThereFiles: 5 });
    expect(await listTree(pair.inbox)).toEqual(['album/', ...['big.bin', 'empty', 'notes.txt', 'run.sh', 'tool'].map((n) => `album/${n}`)]);
    expect(await partialEntries(pair.inbox)).toBeUndefined();

    // A file that changed is a new file: it never overwrites, it lands beside the old one.
    await writeFile(join(album, 'notes.txt'), 'NOTES');
    await utimes(join(album, 'notes.txt'), new Date(), new Date(Date.now() + 5000));
    const third = await pair.send([album]);
    expect(third.sent.bytesTransferred).toBe(5);
    expect(third.sent.files.find((f) => f.path.includes('notes'))).toEqual(expect.objectContaining({ path: 'album/notes (1).txt' }));
    expect(third.sent.files.filter((f) => f.alreadyThere)).toHaveLength(4);
    expect(await sha256File(join(got, 'notes.txt'))).not.toBe(await sha256File(join(got, 'notes (1).txt')));
  }, 60_000);

  it('the ambiguous end: the receiver dies after verifying everything, before "complete" reaches the sender; a re-send finishes at once without copies', async () => {
    dir = await tempDir();
    pair = new Pair(dir, {});
    let held: (() => void) | undefined;
    const holding = new Promise<void>((resolve) => (held = resolve));
    await pair.startReceiver({
      testHooks: {
        beforeComplete: (_id, signal) =>
          new Promise<void>((resolve) => {
            held!();
            signal.addEventListener('abort', () => resolve(), { once: true });
          }),
      },
    });
    const docs = join(pair.src, 'docs');
    await mkdir(docs, { recursive: true });
    await writeFile(join(docs, 'a.txt'), 'alpha');
    await writeFile(join(docs, 'empty.txt'), '');
    await randomFile(join(docs, 'b.bin'), 400 * KiB);

    const first = pair.sender.sendFiles(RECEIVER_ID, [docs]).catch((e: unknown) => e);
    await holding;
    await pair.killReceiver();
    expect(await first).toMatchObject({ code: 'ERR_TRANSFER_PEER_GONE' });
    expect(await listTree(pair.inbox)).toEqual(['docs/', 'docs/a.txt', 'docs/b.bin', 'docs/empty.txt']);

    await pair.startReceiver();
    const again = await pair.send([docs]);
    expect(again.sent).toMatchObject({ bytesTransferred: 0, resumedBytes: 400 * KiB + 5 });
    expect(again.sent.files.map((f) => [f.path, f.alreadyThere])).toEqual([
      ['docs/a.txt', true],
      ['docs/b.bin', true],
      ['docs/empty.txt', true],
    ]);
    expect(await listTree(pair.inbox)).toEqual(['docs/', 'docs/a.txt', 'docs/b.bin', 'docs/empty.txt']);
    expect(await sha256File(join(pair.inbox, 'docs', 'b.bin'))).toBe(await sha256File(join(docs, 'b.bin')));
    // Started again on the same folders, the receiver removed the partial-data folder the dead one left empty.
    expect(await partialEntries(pair.inbox)).toBeUndefined();
  }, 60_000);

  it('at start-up an empty partial-data folder is removed; one holding pending data stays', async () => {
    dir = await tempDir();
    const empty = join(dir, 'a');
    const pending = join(dir, 'b');
    await mkdir(join(empty, '.fileshare-partial'), { recursive: true });
    await mkdir(join(pending, '.fileshare-partial'), { recursive: true });
    const key = 'c'.repeat(32);
    await writeFile(join(pending, '.fileshare-partial', `${key}.part`), 'data');
    await writeFile(
      join(pending, '.fileshare-partial', `${key}.json`),
      JSON.stringify({ v: 1, peerId: SENDER_ID, path: 'x', size: 10, state: 'partial', verifiedBytes: 4, updatedAt: Date.now() }),
    );
    // close() waits for the start-up clean-up.
    await createTransferService({ localName: 'a', receiveDir: empty }).close();
    await createTransferService({ localName: 'b', receiveDir: pending }).close();
    expect(await readdir(empty)).toEqual([]);
    expect(await partialEntries(pending)).toEqual([`${key}.json`, `${key}.part`]);
  });
});
