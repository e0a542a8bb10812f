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
  type RtcDriver,
  type SignalIgnoredEvent,
  createNodeDataChannelDriver,
  createPeerManager,
} from '../../src/index.js';
import { type TestKey, signAs, sortedKeys } from '../support/identities.js';

// Real device keys; sorted ids: A < C < B < D. A initiates to B; C is an attacker; D a bystander.
const keys = sortedKeys(4);
const KEY_A = keys[0]!;
const KEY_C = keys[1]!;
const KEY_B = keys[2]!;
const KEY_D = keys[3]!;
const A = KEY_A.id;
const B = KEY_B.id;
const C = KEY_C.id;
const D = KEY_D.id;
const KEYS = new Map<string, TestKey>(keys.map((k) => [k.id, k]));

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

/** Rewrites (or drops, with undefined) a message in transit: the man in the middle. */
type Tamper = (from: string, to: string, message: SignalMessage) => SignalMessage | undefined;

/** Managers whose sendSignal hands the message to the other one on a later turn. */
function network(tamper?: Tamper) {
  const byId = new Map<string, PeerManager>();
  const log: Logged[] = [];
  const create = (localId: string, init: Partial<PeerManagerInit> = {}): PeerManager => {
    const key = KEYS.get(localId);
    if (!key) throw new Error('no test key');
    const manager = createPeerManager({
      localId,
      identity: key.identity,
      bindAddress: '127.0.0.1',
      logger,
      sendSignal: (to, message) =>
        new Promise((resolve) => {
          setImmediate(() => {
            log.push({ from: localId, message });
            const delivered = tamper ? tamper(localId, to, message) : message;
            if (delivered) byId.get(to)?.handleSignal(delivered);
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

/** node-datachannel, counting the peer connections created (a refused offer must create none). */
function countingDriver(): { driver: RtcDriver; created: () => number } {
  const inner = createNodeDataChannelDriver();
  let count = 0;
  return {
    driver: {
      createConnection: (options, handlers) => {
        count += 1;
        return inner.createConnection(options, handlers);
      },
    },
    created: () => count,
  };
}

function ignoredBy(manager: PeerManager): SignalIgnoredEvent[] {
  const out: SignalIgnoredEvent[] = [];
  manager.on('signal-ignored', (e) => out.push(e));
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

  it('a side configured with maxMessageSize 65 536 advertises it; the other side reports it and libdatachannel refuses larger messages', async () => {
    const { create, log } = network();
    const a = create(A);
    const b = create(B, { maxMessageSize: 65_536 });
    await connect(a, b);
    // B's answer carries its limit; A's offer carries libdatachannel's default.
    expect(log.find((l) => l.from === B && l.message.kind === 'answer')!.message.data).toMatch(/^a=max-message-size:65536\r?$/m);
    expect(a.channels(B)!.maxMessageSize).toBe(65_536);
    expect(b.channels(A)!.maxMessageSize).toBe(262_144);

    const received = new Promise<number>((resolve) => {
      b.channels(A)!.onChannel((channel) => channel.onMessage((data) => resolve(data.length)));
    });
    const channel = await a.channels(B)!.openChannel('fileshare-test/limit');
    // One byte over the advertised limit: what a 64 KiB chunk plus its 16-byte header used to be.
    expect(() => channel.send(Buffer.alloc(65_552))).toThrow(/size/i);
    channel.send(Buffer.alloc(65_536));
    await expect(received).resolves.toBe(65_536);
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
    const a = createPeerManager({ localId: A, identity: KEY_A.identity, bindAddress: '127.0.0.1', sendSignal: () => Promise.resolve() });
    const b = createPeerManager({ localId: B, identity: KEY_B.identity, bindAddress: '127.0.0.1', sendSignal: () => Promise.resolve() });
    managers.push(a, b);
    for (const m of [a, b]) m.on('signal-ignored', (e) => ignored.push(`${e.kind}:${e.code ?? ''}`));

    const fingerprint = `a=fingerprint:sha-256 ${Array.from({ length: 32 }, () => 'AB').join(':')}`;
    const nonsense = `m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n${fingerprint}\r\na=ice-ufrag:abcd\r\nnonsense`;
    // Unsigned: refused before the WebRTC stack sees it. Signed but broken: the stack refuses it.
    b.handleSignal({ kind: 'offer', peer_id: A, data: 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nnonsense' });
    b.handleSignal({ kind: 'offer', peer_id: A, data: signAs(KEY_A, B, 'offer', nonsense) });
    b.handleSignal({ kind: 'offer', peer_id: A, data: 'v=0\r\n' });
    a.peerSeen(B);
    a.handleSignal({ kind: 'answer', peer_id: B, data: 'v=0\r\ngarbage' });
    a.handleSignal({ kind: 'ice', peer_id: B, data: '{"candidate":"candidate:garbage","sdpMid":"0"}' }); // buffered
    expect(ignored).toEqual([
      'offer:ERR_PROOF_MISSING',
      'offer:ERR_SET_REMOTE_DESCRIPTION',
      'offer:ERR_PROOF_MISSING',
      'answer:ERR_PROOF_MISSING',
    ]);
    expect(a.state(B)).toBe('initiated');
    expect(b.state(A)).toBeUndefined();
  });
});

describe('proof of identity over real node-datachannel', () => {
  it('each side reports the key the other proved', async () => {
    const { create } = network();
    const a = create(A);
    const b = create(B);
    const aConnected = nextEvent(a, 'connected');
    const bConnected = nextEvent(b, 'connected');
    await connect(a, b);
    expect((await aConnected).publicKey).toEqual(KEY_B.publicKey);
    expect((await bConnected).publicKey).toEqual(KEY_A.publicKey);
    expect(a.publicKey(B)).toEqual(KEY_B.publicKey);
    expect(b.publicKey(A)).toEqual(KEY_A.publicKey);
  });

  it('a fingerprint swapped in transit (to another connection’s) is refused with ERR_PROOF_INVALID; nothing connects', async () => {
    // The attacker's own connection: a real certificate whose fingerprint it would like B to trust.
    const mitm = createNodeDataChannelDriver().createConnection(
      { name: 'mitm', bindAddress: '127.0.0.1' },
      { localCandidate: () => undefined, gatheringComplete: () => undefined, stateChange: () => undefined, dataChannel: () => undefined },
    );
    const mitmOffer = mitm.createOffer('x');
    // Handlers registered, or node-datachannel never releases the channel (and the process).
    const mitmClosed = new Promise<void>((resolve) =>
      mitmOffer.control.setHandlers({ open: () => undefined, closed: resolve, error: () => undefined, message: () => undefined, bufferedAmountLow: () => undefined }),
    );
    const mitmFingerprint = /^a=fingerprint:.*$/m.exec(mitmOffer.sdp)![0];
    mitmOffer.control.close();
    mitm.close();
    await mitmClosed;
    let swapped = 0;
    const { create } = network((_from, _to, message) => {
      if (message.kind !== 'offer') return message;
      swapped += 1;
      return { ...message, data: message.data.replace(/^a=fingerprint:.*$/m, mitmFingerprint) };
    });
    const counting = countingDriver();
    const a = create(A);
    const b = create(B, { driver: counting.driver });
    const refused = ignoredBy(b);
    const connected: string[] = [];
    a.on('connected', (e) => connected.push(e.peerId));
    b.on('connected', (e) => connected.push(e.peerId));
    a.peerSeen(B);
    await sleep(1_500);
    expect(swapped).toBe(1);
    expect(refused).toEqual([expect.objectContaining({ peerId: A, kind: 'offer', code: 'ERR_PROOF_INVALID' })]);
    expect(counting.created()).toBe(0); // no PeerConnection for a refused offer
    expect(connected).toEqual([]);
    expect(b.state(A)).toBeUndefined();
    expect(a.state(B)).toBe('initiated'); // still waiting; its retries would be refused the same way
  });

  it('a genuine offer forwarded by an attacker to another receiver is refused (the receiver id is bound)', async () => {
    const captured: SignalMessage[] = [];
    const { create } = network((from, to, message) => {
      if (from === A && to === B && message.kind === 'offer') {
        captured.push(message);
        return undefined; // the attacker keeps it
      }
      return message;
    });
    const a = create(A);
    create(B);
    const attacker = create(C);
    const counting = countingDriver();
    const d = create(D, { driver: counting.driver });
    const refused = ignoredBy(d);
    a.peerSeen(B);
    await sleep(200);
    expect(captured).toHaveLength(1);
    const genuine = captured[0]!.data;
    expect(genuine).toContain('a=x-fileshare-proof:');
    // Verbatim, as A (A's key, but bound to receiver B) and as the attacker itself (not its key).
    d.handleSignal({ kind: 'offer', peer_id: A, data: genuine });
    d.handleSignal({ kind: 'offer', peer_id: C, data: genuine });
    expect(refused.map((e) => [e.peerId, e.code])).toEqual([
      [A, 'ERR_PROOF_INVALID'],
      [C, 'ERR_PROOF_KEY_MISMATCH'],
    ]);
    expect(counting.created()).toBe(0);
    expect(d.peers()).toEqual([]);
    expect(attacker.peers()).toEqual([]);
  });

  it('a verbatim re-send of an answered offer is refused as replayed; the live connection stays', async () => {
    const { create, log } = network();
    const a = create(A);
    const b = create(B);
    await connect(a, b);
    const refused = ignoredBy(b);
    const disconnected: string[] = [];
    b.on('disconnected', (e) => disconnected.push(e.peerId));
    const offer = log.find((l) => l.from === A && l.message.kind === 'offer')!.message;
    b.handleSignal(offer);
    expect(refused).toEqual([expect.objectContaining({ peerId: A, kind: 'offer', code: 'ERR_PROOF_REPLAYED' })]);
    await sleep(300);
    expect(disconnected).toEqual([]);
    expect(b.state(A)).toBe('connected');
    expect(a.state(B)).toBe('connected');
  });
});
