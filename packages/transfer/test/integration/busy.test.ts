import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_MAX_INCOMING_PER_PEER, DEFAULT_MAX_INCOMING_TOTAL, createTransferService } from '../../src/index.js';
import type { IncomingOffer, TransferError, TransferService } from '../../src/index.js';
import { BUSY_LOG_INTERVAL_MS } from '../../src/constants.js';
import { tempDir } from '../support/fixtures.js';
import { type PeerPair, cleanupNative, createPeerPair } from '../support/ndc-pair.js';
import { RawPeer } from '../support/raw-peer.js';

afterAll(() => cleanupNative());

const RECEIVER_ID = 'f'.repeat(32);
const peerId = (n: number): string => String(n).repeat(32);

/** Collects a service's `offer` events; `reach(n)` resolves once n have arrived. */
function collectOffers(service: TransferService): { asked: IncomingOffer[]; reach(count: number): Promise<void> } {
  const asked: IncomingOffer[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  service.on('offer', (o) => {
    asked.push(o);
    for (const w of waiters.filter((x) => asked.length >= x.count)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  return {
    asked,
    reach: (count) => (asked.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))),
  };
}

describe('a cap on concurrent incoming transfers', () => {
  const services: TransferService[] = [];
  const pairs: PeerPair[] = [];
  const raws: RawPeer[] = [];
  let dir = '';
  afterEach(async () => {
    for (const r of raws.splice(0)) r.close();
    await Promise.all(services.splice(0).map((s) => s.close()));
    for (const p of pairs.splice(0)) p.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`the ${DEFAULT_MAX_INCOMING_PER_PEER + 1}th offer from one peer and the ${DEFAULT_MAX_INCOMING_TOTAL + 1}rd overall are declined with ERR_TRANSFER_BUSY; other peers still get through`, async () => {
    expect([DEFAULT_MAX_INCOMING_PER_PEER, DEFAULT_MAX_INCOMING_TOTAL]).toEqual([8, 32]);
    dir = await tempDir();
    const warnings: string[] = [];
    const receiver = createTransferService({
      localName: 'receiver',
      receiveDir: join(dir, 'recv'),
      acceptPolicy: () => 'ask',
      logger: { debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined },
    });
    services.push(receiver);
    const { asked, reach } = collectOffers(receiver);
    // Peer 1 is a real sender service; peers 2-5 speak the protocol by hand (cheaper than services).
    const connect = async (n: number): Promise<PeerPair> => {
      const pair = await createPeerPair();
      pairs.push(pair);
      receiver.attachPeer(peerId(n), pair.b);
      return pair;
    };
    const p1 = await connect(1);
    const sender = createTransferService({ localName: 'one', receiveDir: join(dir, 'one-recv') });
    services.push(sender);
    sender.attachPeer(RECEIVER_ID, p1.a);
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'x.txt'), 'x');

    // Eight offers from peer 1 wait for a person; the ninth is turned away at once.
    const eight = reach(8);
    const pending = Array.from({ length: 8 }, (_, i) => sender.sendText(RECEIVER_ID, `note ${i}`).catch((e: unknown) => e as TransferError));
    await eight;
    const firstRefusalAt = Date.now();
    const ninth = (await sender.sendFiles(RECEIVER_ID, [join(dir, 'src', 'x.txt')]).catch((e: unknown) => e)) as TransferError;
    expect(ninth.code).toBe('ERR_TRANSFER_BUSY');
    expect(ninth.message).toMatch(/8 transfers from you/);
    expect(asked).toHaveLength(8);

    // Peers 2, 3 and 4 are not affected by peer 1's flood: 24 more offers reach the person.
    const raw = async (pair: PeerPair, count: number): Promise<RawPeer[]> => {
      const opened: RawPeer[] = [];
      for (let i = 0; i < count; i++) {
        const r = await RawPeer.open(pair.a);
        raws.push(r);
        r.offer([{ path: `f${i}.txt`, kind: 'file', size: 1 }]);
        opened.push(r);
      }
      return opened;
    };
    const thirtyTwo = reach(32);
    for (const n of [2, 3, 4]) await raw(await connect(n), 8);
    await thirtyTwo;
    expect(new Set(asked.map((o) => o.peerId))).toEqual(new Set([1, 2, 3, 4].map(peerId)));

    // 32 in total: the next one, from a fifth peer with none yet, is declined too.
    const p5 = await connect(5);
    const [thirtyThird] = await raw(p5, 1);
    expect(await thirtyThird!.next('decline', 'accept', 'error')).toMatchObject({ type: 'decline', code: 'ERR_TRANSFER_BUSY', message: expect.stringMatching(/32 incoming transfers/) });
    expect(asked).toHaveLength(32);

    // Once one is decided, there is room again.
    const one = asked.find((o) => o.peerId === peerId(1))!;
    one.decline();
    const thirtyThree = reach(33);
    await raw(p5, 1);
    await thirtyThree;
    expect(asked[32]!.peerId).toBe(peerId(5));

    // The person's answers still reach peer 1's waiting senders; refusals were logged once, not per offer.
    for (const o of asked.filter((x) => x.peerId === peerId(1))) o.accept();
    const outcomes = await Promise.all(pending);
    expect(outcomes.filter((o) => (o as TransferError).code === 'ERR_TRANSFER_DECLINED')).toHaveLength(1);
    expect(outcomes.filter((o) => !(o instanceof Error))).toHaveLength(7);
    // One line per BUSY_LOG_INTERVAL_MS at most: on a loaded machine the two refusals (the 9th
    // and the 33rd offer) can fall into two intervals.
    const busyLines = warnings.filter((w) => /ERR_TRANSFER_BUSY/.test(w)).length;
    expect(busyLines).toBeGreaterThanOrEqual(1);
    expect(busyLines).toBeLessThanOrEqual(1 + Math.floor((Date.now() - firstRefusalAt) / BUSY_LOG_INTERVAL_MS));
  }, 60_000);

  it('a core that queues prompts can turn an offer away as busy', async () => {
    dir = await tempDir();
    const receiver = createTransferService({ localName: 'r', receiveDir: join(dir, 'recv'), acceptPolicy: () => 'ask' });
    const sender = createTransferService({ localName: 's', receiveDir: join(dir, 's-recv') });
    services.push(receiver, sender);
    const pair = await createPeerPair();
    pairs.push(pair);
    receiver.attachPeer(peerId(1), pair.b);
    sender.attachPeer(RECEIVER_ID, pair.a);
    receiver.on('offer', (o) => o.decline('ERR_TRANSFER_BUSY'));
    const failed = new Promise((resolve) => receiver.on('failed', resolve));
    await expect(sender.sendText(RECEIVER_ID, 'hi')).rejects.toMatchObject({ code: 'ERR_TRANSFER_BUSY', message: expect.stringMatching(/try again later/) });
    expect(await failed).toMatchObject({ code: 'ERR_TRANSFER_BUSY', direction: 'receive' });
  });

  it('rejects limits that make no sense', async () => {
    dir = await tempDir();
    const receiveDir = join(dir, 'recv');
    expect(() => createTransferService({ localName: 'x', receiveDir, maxIncomingTotal: 0 })).toThrow(RangeError);
    expect(() => createTransferService({ localName: 'x', receiveDir, maxIncomingTotal: 4, maxIncomingPerPeer: 5 })).toThrow(RangeError);
  });
});
