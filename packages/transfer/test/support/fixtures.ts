import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, lstat, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { TRANSFER_CHUNK_HEADER_BYTES } from '@fileshare/protocol';
import { createTransferService } from '../../src/index.js';
import type { TransferEvents, TransferService, TransferServiceInit } from '../../src/index.js';
import { type PairOptions, type PeerPair, createPeerPair } from './ndc-pair.js';

export const SENDER_ID = 'a'.repeat(32);
export const RECEIVER_ID = 'b'.repeat(32);

export async function tempDir(prefix = 'fileshare-transfer-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes `size` random bytes (in 1 MiB pieces, so memory stays small). */
export async function randomFile(path: string, size: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, 'w');
  try {
    for (let at = 0; at < size; ) {
      const n = Math.min(1024 * 1024, size - at);
      await fh.write(randomBytes(n), 0, n, at);
      at += n;
    }
  } finally {
    await fh.close();
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every entry below `dir` (relative, `/`-separated; folders end with `/`), sorted; `.fileshare-partial` left out. */
export async function listTree(dir: string, options: { includePartial?: boolean } = {}): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      const rel = relative(dir, abs).split('\\').join('/');
      if (!options.includePartial && rel.startsWith('.fileshare-partial')) continue;
      if (e.isDirectory()) {
        out.push(`${rel}/`);
        await walk(abs);
      } else {
        out.push(rel);
      }
    }
  }
  await walk(dir);
  return out.sort();
}

/** Names in the receive folder's `.fileshare-partial/`, sorted; undefined when the folder is gone (nothing pending). */
export async function partialEntries(receiveDir: string): Promise<string[] | undefined> {
  try {
    return (await readdir(join(receiveDir, '.fileshare-partial'))).sort();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cause;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Resolves with the first event matching `pick` (no timers: the test timeout bounds it). */
export function nextEvent<E extends keyof TransferEvents>(
  service: TransferService,
  event: E,
  pick: (arg: Parameters<TransferEvents[E]>[0]) => boolean = () => true,
): Promise<Parameters<TransferEvents[E]>[0]> {
  return new Promise((resolve) => {
    const listener = ((arg: Parameters<TransferEvents[E]>[0]) => {
      if (!pick(arg)) return;
      service.off(event, listener);
      resolve(arg);
    }) as TransferEvents[E];
    service.on(event, listener);
  });
}

/** Two services connected over a real node-datachannel pair. */
export interface Rig {
  dir: string;
  pair: PeerPair;
  sender: TransferService;
  receiver: TransferService;
  senderDir: string;
  receiveDir: string;
  /** Cuts the connection and connects a fresh pair (same services). */
  reconnect(): Promise<void>;
  /**
   * Cuts the link once the receiver has been handed `payloadBytes` of file data: from then on it
   * gets nothing more, and the pair is replaced as in {@link reconnect}. Resolves with the payload
   * bytes delivered. Unlike cutting on a progress event (emitted at most every 250 ms), a fast
   * transfer can never finish before the cut.
   */
  cutAfter(payloadBytes: number): Promise<number>;
  close(): Promise<void>;
}

const t0 = Date.now();
/** Set FILESHARE_TEST_LOG=1 to see the services' logs while debugging a test. */
const testLogger = process.env['FILESHARE_TEST_LOG']
  ? {
      debug: (m: string, f?: object) => process.stderr.write(`${Date.now() - t0} debug ${m} ${JSON.stringify(f ?? {})}\n`),
      info: (m: string, f?: object) => process.stderr.write(`${Date.now() - t0} info ${m} ${JSON.stringify(f ?? {})}\n`),
      warn: (m: string, f?: object) => process.stderr.write(`${Date.now() - t0} warn ${m} ${JSON.stringify(f ?? {})}\n`),
      error: (m: string, f?: object) => process.stderr.write(`${Date.now() - t0} error ${m} ${JSON.stringify(f ?? {})}\n`),
    }
  : undefined;

export async function createRig(
  options: { sender?: Partial<TransferServiceInit>; receiver?: Partial<TransferServiceInit>; pair?: PairOptions } = {},
): Promise<Rig> {
  const dir = await tempDir();
  const senderDir = join(dir, 'src');
  const receiveDir = join(dir, 'recv');
  await mkdir(senderDir, { recursive: true });
  const logger = testLogger ? { logger: testLogger } : {};
  // Without a reconnect grace unless a test asks for one: most tests of an interrupted transfer
  // are about what a later, separate send finds (continuation.test.ts is about the grace).
  const noGrace = { sendReconnectGraceMs: 0, receiveReconnectGraceMs: 0 };
  const sender = createTransferService({ localName: 'Alice', receiveDir: join(dir, 'sender-recv'), ...noGrace, ...logger, ...options.sender });
  const receiver = createTransferService({ localName: 'Bob', receiveDir, acceptPolicy: () => 'accept', ...noGrace, ...logger, ...options.receiver });
  let pair = await createPeerPair(options.pair);
  const attach = (): void => {
    sender.attachPeer(RECEIVER_ID, pair.a);
    receiver.attachPeer(SENDER_ID, pair.b);
  };
  attach();
  const rig: Rig = {
    dir,
    pair,
    sender,
    receiver,
    senderDir,
    receiveDir,
    async reconnect() {
      pair.close();
      sender.detachPeer(RECEIVER_ID);
      receiver.detachPeer(SENDER_ID);
      pair = await createPeerPair(options.pair);
      rig.pair = pair;
      attach();
    },
    cutAfter(payloadBytes) {
      return new Promise<number>((resolve, reject) => {
        let delivered = 0;
        let cut = false;
        pair.b.setInboundFilter((data) => {
          if (cut) return false;
          if (typeof data !== 'string') delivered += data.length - TRANSFER_CHUNK_HEADER_BYTES;
          if (delivered >= payloadBytes) {
            cut = true;
            // Not from inside the native message callback: closing there could re-enter it.
            setImmediate(() => void rig.reconnect().then(() => resolve(delivered), reject));
          }
          return true;
        });
      });
    },
    async close() {
      await Promise.all([sender.close(), receiver.close()]);
      pair.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return rig;
}
