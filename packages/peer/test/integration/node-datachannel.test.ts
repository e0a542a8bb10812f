// Two peer managers in one process over the real node-datachannel stack, host candidates on
// 127.0.0.1, signaling delivered asynchronously (setImmediate) in order. No fake timers: the
// protocol's real timeouts are far longer than anything here takes.
import { afterEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { type DataChannelLike, type Logger, type SignalMessage, decodeIceCandidate } from '@fileshare/protocol';
import {
  type PeerManager,
  type PeerManagerEvents,
  type PeerManagerInit,
  type PeerState,
  createPeerManager,
} from '../../src/index.js';

const A = '1'.repeat(31) + 'a'; // lower: initiates
const B = 'f'.repeat(31) + 'b';

interface Logged {
  from: string;
  message: SignalMessage;
}

const managers: PeerManager[] = [];
const notes: string[] = [];
const logger: Logger = {
  debug: (message) => notes.push(message),
  info: () => undefined,
  warn: () => undefined,
  error: (message) => notes.push(`error: ${message}`),
};

/** Measured numbers, printed with PEER_DEBUG=1. */
function report(line: string): void {
  if (process.env.PEER_DEBUG) console.log(line);
}

afterEach(async () => {
  const started = performance.now();
  await Promise.all(managers.splice(0).map((m) => m.close()));
  const ms = performance.now() - started;
  report(`close took ${ms.toFixed(0)} ms; ${notes.filter((n) => n.includes('native')).join(', ')}`);
  notes.length = 0;
});

/** Managers whose sendSignal hands the message to the other one on a later turn. */
function network() {
  const byId = new Map<string, PeerManager>();
  const log: Logged[] = [];
  const create = (localId: string, init: Partial<PeerManagerInit> = {}): PeerManager => {
    const manager = createPeerManager({
      localId,
      bindAddress: '127.0.0.1',
      logger,
      sendSignal: (to, message) =>
        new Promise((resolve) => {
          setImmediate(() => {
            log.push({ from: localId, message });
            byId.get(to)?.handleSignal(message);
            resolve();
          });
        }),
      ...init,
    });
    byId.set(localId, manager);
    managers.push(manager);
    return manager;
  };
  return { create, log };
}

function waitForState(manager: PeerManager, peerId: string, state: PeerState): Promise<void> {
  if (manager.state(peerId) === state) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (e: PeerManagerEvents['state']): void => {
      if (e.peerId === peerId && e.state === state) {
        manager.off('state', listener);
        resolve();
      }
    };
    manager.on('state', listener);
  });
}

function nextEvent<K extends keyof PeerManagerEvents>(manager: PeerManager, event: K): Promise<PeerManagerEvents[K]> {
  return new Promise((resolve) => {
    const listener = (e: PeerManagerEvents[K]): void => {
      manager.off(event, listener);
      resolve(e);
    };
    manager.on(event, listener);
  });
}

async function connect(a: PeerManager, b: PeerManager): Promise<void> {
  const both = Promise.all([waitForState(a, B, 'connected'), waitForState(b, A, 'connected')]);
  a.peerSeen(B);
  b.peerSeen(A); // the higher id only waits
  await both;
}

/** Resolves when the channel's buffer is at or below its threshold (checking first: the event only fires on a drop). */
function drained(channel: DataChannelLike): Promise<void> {
  if (channel.bufferedAmount <= channel.bufferedAmountLowThreshold) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const offLow = channel.onBufferedAmountLow(() => {
      offLow();
      offClose();
      resolve();
    });
    const offClose = channel.onClose(() => {
      offLow();
      reject(new Error('channel closed while sending'));
    });
  });
}

describe('two peer managers over real node-datachannel', () => {
  it('connect on both sides in the protocol order: offer, answer, initiator ICE, responder ICE', async () => {
    const { create, log } = network();
    const a = create(A);
    const b = create(B);
    const started = performance.now();
    await connect(a, b);
    const elapsed = performance.now() - started;
    report(`connected in ${elapsed.toFixed(0)} ms`);

    expect(log[0]).toMatchObject({ from: A, message: { kind: 'offer', peer_id: A } });
    expect(log[1]).toMatchObject({ from: B, message: { kind: 'answer', peer_id: B } });
    expect(log[0]!.message.data).not.toContain('a=candidate');
    const ice = log.filter((l) => l.message.kind === 'ice');
    const firstFromA = log.findIndex((l) => l.from === A && l.message.kind === 'ice');
    const firstFromB = log.findIndex((l) => l.from === B && l.message.kind === 'ice');
    expect(firstFromA).toBeGreaterThan(1);
    expect(firstFromB).toBeGreaterThan(firstFromA);
    const candidates = ice.map((l) => {
      const decoded = decodeIceCandidate(l.message.data);
      if (!decoded.ok) throw decoded.error;
      return decoded.value;
    });
    expect(candidates.some((c) => /^candidate:\S+ 1 UDP \d+ 127\.0\.0\.1 \d+ typ host/.test(c.candidate))).toBe(true);
    expect(candidates.filter((c) => c.candidate === '')).toHaveLength(2); // one end marker each way
    expect(a.channels(B)).toBeDefined();
    expect(b.channels(A)).toBeDefined();
  });

  it('moves 8 MiB through an extra channel with bufferedAmount backpressure, bytes intact', async () => {
    const { create } = network();
    const a = create(A);
    const b = create(B);
    await connect(a, b);

    const total = 8 * 1024 * 1024;
    const chunkSize = 64 * 1024;
    const received = new Promise<{ bytes: number; sha256: string; label: string }>((resolve, reject) => {
      b.channels(A)!.onChannel((channel) => {
        const hash = createHash('sha256');
        let bytes = 0;
        channel.onMessage((data) => {
          if (typeof data === 'string') {
            reject(new Error('unexpected text message'));
            return;
          }
          hash.update(data);
          bytes += data.length;
          if (bytes >= total) resolve({ bytes, sha256: hash.digest('hex'), label: channel.label });
        });
      });
    });

    const channel = await a.channels(B)!.openChannel('fileshare-test/bulk');
    channel.bufferedAmountLowThreshold = 256 * 1024;
    const sentHash = createHash('sha256');
    const started = performance.now();
    let maxBuffered = 0;
    for (let offset = 0; offset < total; offset += chunkSize) {
      const chunk = Buffer.alloc(chunkSize, (offset / chunkSize) % 251);
      chunk.writeUInt32BE(offset, 0);
      sentHash.update(chunk);
      channel.send(chunk);
      maxBuffered = Math.max(maxBuffered, channel.bufferedAmount);
      if (channel.bufferedAmount > 1024 * 1024) await drained(channel);
    }
    const result = await received;
    const seconds = (performance.now() - started) / 1000;
    report(`8 MiB in ${seconds.toFixed(2)} s (${(total / 1e6 / seconds).toFixed(1)} MB/s), max buffered ${maxBuffered}`);
    expect(result).toEqual({ bytes: total, sha256: sentHash.digest('hex'), label: 'fileshare-test/bulk' });
    // Bounded near the 1 MiB high-water mark (libdatachannel counts a little slack), not 8 MiB.
    expect(maxBuffered).toBeLessThanOrEqual(2 * 1024 * 1024);
    channel.close();
  });

  it('when one side closes, the other sees disconnected and not-connected; seen again, it reconnects', async () => {
    const { create } = network();
    const a = create(A);
    const b = create(B);
    await connect(a, b);
    const channel = await a.channels(B)!.openChannel('fileshare-test/x');
    const channelClosed = new Promise<void>((resolve) => channel.onClose(resolve));

    const disconnected = nextEvent(a, 'disconnected');
    await b.close();
    expect(await disconnected).toMatchObject({ peerId: B });
    expect(a.state(B)).toBe('not-connected');
    await channelClosed;
    expect(a.channels(B)).toBeUndefined();

    // B comes back (a new process, say) and discovery reports it again.
    const b2 = create(B);
    await connect(a, b2);
    expect(a.state(B)).toBe('connected');
  });

  it('a restarted initiator replaces the responder’s old connection with its new offer', async () => {
    const { create } = network();
    const a = create(A);
    const b = create(B);
    await connect(a, b);
    const oldGone = nextEvent(b, 'disconnected');
    const a2 = create(A); // same id, fresh state: as if A restarted without closing
    const reconnected = Promise.all([waitForState(a2, B, 'connected'), oldGone]);
    a2.peerSeen(B);
    await reconnected;
    await waitForState(b, A, 'connected');
    expect(b.state(A)).toBe('connected');
    await a.close();
  });

  it('invalid SDP and ICE from the network are ignored, never a crash', () => {
    const ignored: string[] = [];
    const a = createPeerManager({ localId: A, bindAddress: '127.0.0.1', sendSignal: () => Promise.resolve() });
    const b = createPeerManager({ localId: B, bindAddress: '127.0.0.1', sendSignal: () => Promise.resolve() });
    managers.push(a, b);
    for (const m of [a, b]) m.on('signal-ignored', (e) => ignored.push(`${e.kind}:${e.code ?? ''}`));

    b.handleSignal({ kind: 'offer', peer_id: A, data: 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nnonsense' });
    b.handleSignal({ kind: 'offer', peer_id: A, data: 'v=0\r\n' });
    a.peerSeen(B);
    a.handleSignal({ kind: 'answer', peer_id: B, data: 'v=0\r\ngarbage' });
    a.handleSignal({ kind: 'ice', peer_id: B, data: '{"candidate":"candidate:garbage","sdpMid":"0"}' }); // buffered
    expect(ignored).toEqual(['offer:ERR_SET_REMOTE_DESCRIPTION', 'offer:ERR_SET_REMOTE_DESCRIPTION', 'answer:ERR_SET_REMOTE_DESCRIPTION']);
    expect(a.state(B)).toBe('initiated');
    expect(b.state(A)).toBeUndefined();
  });
});
