import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { type Logger, type SignalMessage, decodeIceCandidate, encodeIceCandidate, verifyProof } from '@fileshare/protocol';
import {
  CONTROL_CHANNEL_LABEL,
  type PeerConnectedEvent,
  type PeerDisconnectedEvent,
  type PeerManager,
  type PeerManagerInit,
  type PeerStateEvent,
  type PeerTiming,
  type SignalIgnoredEvent,
  createPeerManager,
} from '../../src/index.js';
import { FakeDriver, fakeSdp, flush } from './fake-driver.js';
import { type TestKey, signAs, sortedKeys } from '../support/identities.js';

// Real keys, ids derived from them; sorted so that LOWER < LOCAL < HIGHER < HIGHER_2 < HIGHER_3.
const keys = sortedKeys(5);
const KEYS = new Map<string, TestKey>(keys.map((k) => [k.id, k]));
const LOWER = keys[0]!.id;
const LOCAL_KEY = keys[1]!;
const LOCAL = LOCAL_KEY.id;
const HIGHER = keys[2]!.id;
const HIGHER_2 = keys[3]!.id;
const HIGHER_3 = keys[4]!.id;

const ice = (candidate: string): string => encodeIceCandidate({ candidate, sdpMid: '0' });
const HOST_A = 'candidate:1 1 UDP 2114977791 192.0.2.10 40001 typ host';
const HOST_B = 'candidate:2 1 UDP 2114977791 192.0.2.10 40002 typ host';

interface Rig {
  manager: PeerManager;
  driver: FakeDriver;
  sent: { to: string; message: SignalMessage }[];
  states: PeerStateEvent[];
  connected: PeerConnectedEvent[];
  disconnected: PeerDisconnectedEvent[];
  ignored: SignalIgnoredEvent[];
  warnings: string[];
  sentKinds(): string[];
  sentIce(): string[];
}

let rigs: Rig[] = [];

function rig(
  options: {
    timing?: Partial<PeerTiming>;
    sendSignal?: (to: string, m: SignalMessage) => Promise<void>;
    init?: Pick<PeerManagerInit, 'sctpMtu' | 'maxMessageSize'>;
  } = {},
): Rig {
  const driver = new FakeDriver();
  const sent: Rig['sent'] = [];
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => warnings.push(message),
    error: (message) => warnings.push(message),
  };
  const manager = createPeerManager({
    localId: LOCAL,
    identity: LOCAL_KEY.identity,
    driver,
    logger,
    timing: options.timing,
    ...options.init,
    sendSignal:
      options.sendSignal ??
      ((to, message) => {
        sent.push({ to, message });
        if (message.kind === 'offer') lastOfferTo.set(to, message.data);
        return Promise.resolve();
      }),
  });
  const r: Rig = {
    manager,
    driver,
    sent,
    states: [],
    connected: [],
    disconnected: [],
    ignored: [],
    warnings,
    sentKinds: () => sent.map((s) => s.message.kind),
    sentIce: () =>
      sent
        .filter((s) => s.message.kind === 'ice')
        .map((s) => {
          const decoded = decodeIceCandidate(s.message.data);
          if (!decoded.ok) throw decoded.error;
          return decoded.value.candidate;
        }),
  };
  manager.on('state', (e) => r.states.push(e));
  manager.on('connected', (e) => r.connected.push(e));
  manager.on('disconnected', (e) => r.disconnected.push(e));
  manager.on('signal-ignored', (e) => r.ignored.push(e));
  rigs.push(r);
  return r;
}

/** The last offer any rig sent to a peer: the answer's proof binds it. */
const lastOfferTo = new Map<string, string>();
const keyOf = (peerId: string): TestKey => {
  const key = KEYS.get(peerId);
  if (!key) throw new Error(`no test key for ${peerId}`);
  return key;
};
/** A properly signed offer from `peerId` to us. */
const offerFrom = (peerId: string, sdp = fakeSdp('offer')): SignalMessage => ({
  kind: 'offer',
  peer_id: peerId,
  data: signAs(keyOf(peerId), LOCAL, 'offer', sdp),
});
/** A properly signed answer from `peerId` to the last offer we sent it. */
const answerFrom = (peerId: string, sdp = fakeSdp('answer')): SignalMessage => ({
  kind: 'answer',
  peer_id: peerId,
  data: signAs(keyOf(peerId), LOCAL, 'answer', sdp, lastOfferTo.get(peerId) ?? fakeSdp('offer')),
});
const iceFrom = (peerId: string, candidate: string): SignalMessage => ({ kind: 'ice', peer_id: peerId, data: ice(candidate) });

beforeEach(() => {
  jest.useFakeTimers();
  rigs = [];
  lastOfferTo.clear();
});

afterEach(async () => {
  for (const r of rigs) await r.manager.close();
  expect(jest.getTimerCount()).toBe(0);
  jest.useRealTimers();
});

describe('connection options', () => {
  it('sctpMtu as a function is asked per connection with the peer id, as initiator and as responder', () => {
    const asked: string[] = [];
    const r = rig({ init: { sctpMtu: (peerId) => (asked.push(peerId), peerId === HIGHER ? 4000 : undefined), maxMessageSize: 65_536 } });
    r.manager.peerSeen(HIGHER);
    expect(r.driver.last.options).toMatchObject({ mtu: 4000, maxMessageSize: 65_536 });
    r.manager.handleSignal(offerFrom(LOWER));
    expect(r.driver.last.options.mtu).toBeUndefined();
    expect(asked).toEqual([HIGHER, LOWER]);
  });

  it('sctpMtu as a number applies to every connection; a throwing function means the default, with a warning', () => {
    const fixed = rig({ init: { sctpMtu: 1500 } });
    fixed.manager.peerSeen(HIGHER);
    expect(fixed.driver.last.options.mtu).toBe(1500);
    const broken = rig({
      init: {
        sctpMtu: () => {
          throw new Error('no /sys');
        },
      },
    });
    broken.manager.peerSeen(HIGHER);
    expect(broken.driver.last.options.mtu).toBeUndefined();
    expect(broken.warnings).toContain('sctpMtu failed; using the default');
  });
});

describe('initiator (our id is lower)', () => {
  it('sends an offer with the control channel and goes to initiated', () => {
    const r = rig();
    r.manager.peerSeen(HIGHER);
    expect(r.manager.state(HIGHER)).toBe('initiated');
    expect(r.states).toEqual([expect.objectContaining({ peerId: HIGHER, state: 'initiated' })]);
    expect(r.sent).toEqual([{ to: HIGHER, message: { kind: 'offer', peer_id: LOCAL, data: expect.stringContaining('a=x-fileshare-proof:') } }]);
    expect(r.sent[0]!.message.data).toContain(r.driver.last.localDescription!.split('\r\n')[5]); // its own fingerprint
    expect(r.driver.last.control?.label).toBe(CONTROL_CHANNEL_LABEL);
  });

  it('does nothing when our id is higher: it waits for the offer', () => {
    const r = rig();
    r.manager.peerSeen(LOWER);
    expect(r.manager.state(LOWER)).toBeUndefined();
    expect(r.sent).toEqual([]);
    expect(r.driver.connections).toHaveLength(0);
  });

  it('ignores peerSeen for itself, and again while an attempt runs', () => {
    const r = rig();
    r.manager.peerSeen(LOCAL);
    r.manager.peerSeen(HIGHER);
    r.manager.peerSeen(HIGHER);
    expect(r.sentKinds()).toEqual(['offer']);
    expect(r.driver.connections).toHaveLength(1);
  });

  it('retries after 10 s with pauses of 1, 2, 4 s on fresh connections, then is not-connected at 47 s', async () => {
    const r = rig();
    const offers: number[] = [];
    r.manager.on('offer-sent', (e) => offers.push(e.attempt));
    const start = Date.now();
    const offerTimes: number[] = [];
    r.manager.on('offer-sent', () => offerTimes.push(Date.now() - start));
    r.manager.peerSeen(HIGHER);

    await jest.advanceTimersByTimeAsync(9_999);
    expect(offerTimes).toEqual([0]);
    expect(r.driver.connections[0]!.closed).toBe(false);
    await jest.advanceTimersByTimeAsync(1); // t = 10 s: first offer withdrawn
    expect(r.driver.connections[0]!.closed).toBe(true);
    expect(r.manager.state(HIGHER)).toBe('initiated');

    await jest.advanceTimersByTimeAsync(60_000);
    expect(offerTimes).toEqual([0, 11_000, 23_000, 37_000]);
    expect(offers).toEqual([1, 2, 3, 4]);
    expect(r.driver.connections).toHaveLength(4);
    expect(r.driver.openConnections).toHaveLength(0);
    expect(r.manager.state(HIGHER)).toBe('not-connected');
    expect(r.states.map((s) => s.state)).toEqual(['initiated', 'not-connected']);
    expect(r.states[1]).toMatchObject({ code: 'ERR_ANSWER_TIMEOUT' });
    await flush();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a peer seen again while its round ran gets one new round at once when that round fails, not another after it', async () => {
    const r = rig();
    const offerTimes: number[] = [];
    const start = Date.now();
    r.manager.on('offer-sent', () => offerTimes.push(Date.now() - start));
    r.manager.peerSeen(HIGHER);
    await jest.advanceTimersByTimeAsync(30_000);
    // It announces itself again (say, restarted elsewhere) while the round still waits.
    r.manager.peerSeen(HIGHER);
    r.manager.peerSeen(HIGHER);
    await jest.advanceTimersByTimeAsync(17_000); // t = 47 s: the round fails
    await flush();
    expect(offerTimes).toEqual([0, 11_000, 23_000, 37_000, 47_000]);
    expect(r.manager.state(HIGHER)).toBe('initiated');
    await jest.advanceTimersByTimeAsync(60_000);
    expect(offerTimes).toHaveLength(8);
    expect(r.manager.state(HIGHER)).toBe('not-connected');
    await flush();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('the exact moment of the last timeout is 47 s', async () => {
    const r = rig();
    r.manager.peerSeen(HIGHER);
    await jest.advanceTimersByTimeAsync(46_999);
    expect(r.manager.state(HIGHER)).toBe('initiated');
    await jest.advanceTimersByTimeAsync(1);
    expect(r.manager.state(HIGHER)).toBe('not-connected');
  });

  it('an answer before the timeout stops the retries; the open control channel makes it connected', async () => {
    const r = rig();
    r.manager.peerSeen(HIGHER);
    await jest.advanceTimersByTimeAsync(5_000);
    const answer = answerFrom(HIGHER);
    r.manager.handleSignal(answer);
    expect(r.driver.last.remoteDescription).toBe(answer.data);
    r.driver.last.control!.open();
    expect(r.manager.state(HIGHER)).toBe('connected');
    expect(r.connected).toHaveLength(1);
    expect(r.connected[0]!.peerId).toBe(HIGHER);
    expect(r.connected[0]!.publicKey).toEqual(keyOf(HIGHER).publicKey);
    expect(r.manager.publicKey(HIGHER)).toEqual(keyOf(HIGHER).publicKey);
    expect(r.manager.channels(HIGHER)).toBe(r.connected[0]!.channels);
    // The peer stays alive: its keepalives arrive on the control channel.
    for (let t = 0; t < 120; t++) {
      await jest.advanceTimersByTimeAsync(1_000);
      r.driver.last.control!.receive('{"type":"keepalive"}');
    }
    expect(r.sentKinds().filter((k) => k === 'offer')).toHaveLength(1);
    expect(r.manager.state(HIGHER)).toBe('connected');
    expect(r.states.map((s) => s.state)).toEqual(['initiated', 'connected']);
    expect(r.driver.last.control!.sent.filter((m) => m === '{"type":"keepalive"}').length).toBeGreaterThanOrEqual(100);
  });

  it('a connected peer that falls silent (process killed) is not-connected after the 5 s keepalive timeout', async () => {
    const r = rig();
    r.manager.peerSeen(HIGHER);
    r.manager.handleSignal(answerFrom(HIGHER));
    r.driver.last.control!.open();
    expect(r.manager.state(HIGHER)).toBe('connected');
    await jest.advanceTimersByTimeAsync(5_000);
    expect(r.manager.state(HIGHER)).toBe('connected');
    await jest.advanceTimersByTimeAsync(1_000);
    expect(r.manager.state(HIGHER)).toBe('not-connected');
    expect(r.states.at(-1)).toMatchObject({ state: 'not-connected', code: 'ERR_PEER_UNRESPONSIVE' });
    expect(r.driver.last.closed).toBe(true);
  });

  it('a late answer (after its offer timed out) is ignored with a warning', async () => {
    const r = rig();
    r.manager.peerSeen(HIGHER);
    await jest.advanceTimersByTimeAsync(10_500); // in the 1 s pause
    r.manager.handleSignal(answerFrom(HIGHER));
    expect(r.ignored).toEqual([expect.objectContaining({ peerId: HIGHER, kind: 'answer' })]);
    expect(r.warnings.length).toBeGreaterThan(0);
    await jest.advanceTimersByTimeAsync(500);
    expect(r.sentKinds()).toEqual(['offer', 'offer']);
  });

  it('an invalid answer is ignored and the offer keeps waiting (and retrying)', async () => {
    const r = rig();
    r.manager.peerSeen(HIGHER);
    r.manager.handleSignal(answerFrom(HIGHER, `${fakeSdp('answer')}BROKEN\r\n`));
    expect(r.ignored).toEqual([expect.objectContaining({ kind: 'answer', code: 'ERR_SET_REMOTE_DESCRIPTION' })]);
    expect(r.manager.state(HIGHER)).toBe('initiated');
    await jest.advanceTimersByTimeAsync(11_000);
    expect(r.sentKinds()).toEqual(['offer', 'offer']);
    r.manager.handleSignal(answerFrom(HIGHER));
    r.driver.last.control!.open();
    expect(r.manager.state(HIGHER)).toBe('connected');
  });

  it('an answer from a lower id (we never offer to it) is ignored', () => {
    const r = rig();
    r.manager.handleSignal(answerFrom(LOWER));
    expect(r.ignored).toEqual([expect.objectContaining({ peerId: LOWER, kind: 'answer' })]);
    expect(r.manager.state(LOWER)).toBeUndefined();
  });

  it('a failing sendSignal counts as a lost offer: the retry still happens', async () => {
    let calls = 0;
    const r = rig({
      sendSignal: () => {
        calls += 1;
        return Promise.reject(new Error('no route'));
      },
    });
    r.manager.peerSeen(HIGHER);
    await jest.advanceTimersByTimeAsync(11_000);
    expect(calls).toBe(2);
    expect(r.warnings).toContain('sending a signaling message failed');
  });

  it('a native failure to create the offer makes the peer not-connected', async () => {
    const r = rig();
    r.driver.failCreate = true;
    r.manager.peerSeen(HIGHER);
    expect(r.manager.state(HIGHER)).toBe('not-connected');
    expect(r.states[0]).toMatchObject({ code: 'ERR_CREATE_OFFER' });
    expect(r.sent).toEqual([]);
    r.driver.failCreate = false;
    r.manager.peerSeen(HIGHER);
    expect(r.manager.state(HIGHER)).toBe('initiated');
    await flush();
  });
});

describe('responder (our id is higher)', () => {
  it('ignores an offer from a higher id', () => {
    const r = rig();
    r.manager.handleSignal(offerFrom(HIGHER));
    expect(r.ignored).toEqual([expect.objectContaining({ peerId: HIGHER, kind: 'offer' })]);
    expect(r.manager.state(HIGHER)).toBeUndefined();
    expect(r.driver.connections).toHaveLength(0);
    expect(r.sent).toEqual([]);
  });

  it('ignores messages carrying our own id or an invalid id', () => {
    const r = rig();
    r.manager.handleSignal(offerFrom(LOCAL));
    r.manager.handleSignal({ kind: 'offer', peer_id: 'NOT-AN-ID', data: fakeSdp('offer') });
    expect(r.ignored.map((i) => i.kind)).toEqual(['offer', 'offer']);
    expect(r.driver.connections).toHaveLength(0);
  });

  it('answers an offer from a lower id, adds the peer and goes to initiating', () => {
    const r = rig();
    const offer = offerFrom(LOWER);
    r.manager.handleSignal(offer);
    expect(r.manager.state(LOWER)).toBe('initiating');
    expect(r.states).toEqual([expect.objectContaining({ peerId: LOWER, state: 'initiating' })]);
    expect(r.driver.last.remoteDescription).toBe(offer.data);
    expect(r.sent).toEqual([{ to: LOWER, message: { kind: 'answer', peer_id: LOCAL, data: expect.stringContaining('a=x-fileshare-proof:') } }]);
    // The answer proves our key and binds the offer it answers.
    const verified = verifyProof(r.sent[0]!.message.data, { kind: 'answer', senderId: LOCAL, receiverId: LOWER, offerSdp: offer.data });
    expect(verified.ok && verified.value.publicKey).toEqual(LOCAL_KEY.publicKey);
  });

  it('is connected when the remote control channel opens; other channels go to onChannel', async () => {
    const r = rig();
    r.manager.handleSignal(offerFrom(LOWER));
    r.driver.last.remoteChannel(CONTROL_CHANNEL_LABEL);
    expect(r.manager.state(LOWER)).toBe('connected');
    const provider = r.manager.channels(LOWER)!;
    const seen: string[] = [];
    const early = r.driver.last.remoteChannel('fileshare-transfer/1'); // before anyone listens
    provider.onChannel((c) => seen.push(c.label));
    r.driver.last.remoteChannel('fileshare-transfer/2');
    expect(seen).toEqual(['fileshare-transfer/1', 'fileshare-transfer/2']);
    expect(early.closed).toBe(false);
    await flush();
  });

  it('ignores an offer without a data channel section, or one the WebRTC stack rejects', () => {
    const r = rig();
    r.manager.handleSignal(offerFrom(LOWER, fakeSdp('offer').replace('m=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'm=audio 9 UDP/TLS/RTP/SAVPF 111')));
    r.manager.handleSignal(offerFrom(LOWER, `${fakeSdp('offer')}BROKEN\r\n`));
    expect(r.ignored.map((i) => i.code)).toEqual(['ERR_SET_REMOTE_DESCRIPTION', 'ERR_SET_REMOTE_DESCRIPTION']);
    expect(r.manager.state(LOWER)).toBeUndefined();
    expect(r.driver.openConnections).toHaveLength(0);
  });

  it('a new offer from the same peer (it restarted) replaces the connection once the new one opens', async () => {
    const r = rig();
    r.manager.handleSignal(offerFrom(LOWER));
    const first = r.driver.last;
    first.remoteChannel(CONTROL_CHANNEL_LABEL);
    expect(r.manager.state(LOWER)).toBe('connected');
    const firstChannels = r.manager.channels(LOWER);
    r.manager.handleSignal(offerFrom(LOWER));
    const second = r.driver.last;
    expect(second).not.toBe(first);
    expect(r.sentKinds()).toEqual(['answer', 'answer']);
    // Until the new one opens, the live one is untouched.
    expect(first.closed).toBe(false);
    expect(r.manager.state(LOWER)).toBe('connected');
    expect(r.manager.channels(LOWER)).toBe(firstChannels);
    expect(r.disconnected).toEqual([]);
    second.remoteChannel(CONTROL_CHANNEL_LABEL);
    expect(first.closed).toBe(true);
    expect(r.disconnected).toEqual([expect.objectContaining({ peerId: LOWER })]);
    expect(r.connected).toHaveLength(2);
    expect(r.manager.channels(LOWER)).toBe(r.connected[1]!.channels);
    expect(r.manager.channels(LOWER)).not.toBe(firstChannels);
    expect(r.states.map((s) => s.state)).toEqual(['initiating', 'connected', 'initiating', 'connected']);
    await flush();
  });

  it('a broken new offer leaves the existing connection alone; a duplicate offer is refused as replayed', () => {
    const r = rig();
    const offer = offerFrom(LOWER);
    r.manager.handleSignal(offer);
    const first = r.driver.last;
    first.remoteChannel(CONTROL_CHANNEL_LABEL);
    r.manager.handleSignal(offerFrom(LOWER, `${fakeSdp('offer')}BROKEN\r\n`));
    r.manager.handleSignal(offer);
    expect(first.closed).toBe(false);
    expect(r.manager.state(LOWER)).toBe('connected');
    expect(r.ignored.map((i) => i.code)).toEqual(['ERR_SET_REMOTE_DESCRIPTION', 'ERR_PROOF_REPLAYED']);
    expect(r.driver.connections).toHaveLength(2); // the replay created none
  });
});

describe('ICE candidates', () => {
  it('initiator: holds its candidates until the answer, then sends them and the end marker', () => {
    const r = rig();
    r.manager.peerSeen(HIGHER);
    r.driver.last.gather(HOST_A);
    r.driver.last.gatheringComplete();
    expect(r.sentKinds()).toEqual(['offer']);
    r.manager.handleSignal(answerFrom(HIGHER));
    expect(r.sentIce()).toEqual([HOST_A, '']);
    r.driver.last.gather(HOST_B); // a late one goes out at once
    expect(r.sentIce()).toEqual([HOST_A, '', HOST_B]);
    expect(r.sent.every((s) => s.to === HIGHER && s.message.peer_id === LOCAL)).toBe(true);
  });

  it('responder: sends its candidates only after the first candidate of the initiator', () => {
    const r = rig();
    r.manager.handleSignal(offerFrom(LOWER));
    r.driver.last.gather(HOST_A, HOST_B);
    expect(r.sentKinds()).toEqual(['answer']);
    r.manager.handleSignal(iceFrom(LOWER, HOST_A));
    expect(r.driver.last.remoteCandidates.map((c) => c.candidate)).toEqual([HOST_A]);
    expect(r.sentIce()).toEqual([HOST_A, HOST_B]);
    r.driver.last.gatheringComplete();
    expect(r.sentIce()).toEqual([HOST_A, HOST_B, '']);
  });

  it('no deadlock when the initiator gathers nothing: its end marker releases the responder', () => {
    const initiator = rig();
    initiator.manager.peerSeen(HIGHER);
    initiator.driver.last.gatheringComplete(); // no candidates at all
    initiator.manager.handleSignal(answerFrom(HIGHER));
    expect(initiator.sentIce()).toEqual(['']);

    const responder = rig();
    responder.manager.handleSignal(offerFrom(LOWER));
    responder.driver.last.gather(HOST_B);
    const endMarker = initiator.sent.find((s) => s.message.kind === 'ice')!.message;
    responder.manager.handleSignal({ ...endMarker, peer_id: LOWER });
    expect(responder.sentIce()).toEqual([HOST_B]);
    expect(responder.driver.last.remoteCandidates).toEqual([]); // the marker is not a candidate
  });

  it('buffers candidates that arrive before the answer and applies them in order once it is set', () => {
    const r = rig();
    r.manager.peerSeen(HIGHER);
    r.manager.handleSignal(iceFrom(HIGHER, HOST_A));
    r.manager.handleSignal(iceFrom(HIGHER, HOST_B));
    expect(r.driver.last.remoteCandidates).toEqual([]);
    r.manager.handleSignal(answerFrom(HIGHER));
    expect(r.driver.last.remoteCandidates.map((c) => c.candidate)).toEqual([HOST_A, HOST_B]);
  });

  it('drops buffered candidates 30 s after they arrived when the descriptions are still not set', async () => {
    const r = rig({ timing: { answerTimeoutMs: 60_000 } });
    r.manager.peerSeen(HIGHER);
    r.manager.handleSignal(iceFrom(HIGHER, HOST_A));
    await jest.advanceTimersByTimeAsync(10_000);
    r.manager.handleSignal(iceFrom(HIGHER, HOST_B));
    await jest.advanceTimersByTimeAsync(20_000); // HOST_A is 30 s old, HOST_B 20 s
    expect(r.warnings).toContain('dropped a buffered ICE candidate');
    r.manager.handleSignal(answerFrom(HIGHER));
    expect(r.driver.last.remoteCandidates.map((c) => c.candidate)).toEqual([HOST_B]);
  });

  it('keeps candidates that overtook the offer of a lower id and applies them after it', () => {
    const r = rig();
    r.manager.handleSignal(iceFrom(LOWER, HOST_A));
    expect(r.ignored).toEqual([]);
    r.manager.handleSignal(offerFrom(LOWER));
    expect(r.driver.last.remoteCandidates.map((c) => c.candidate)).toEqual([HOST_A]);
    r.driver.last.gather(HOST_B);
    expect(r.sentIce()).toEqual([HOST_B]); // already released by the early candidate
  });

  it('forgets candidates that overtook an offer which never comes, after 30 s', async () => {
    const r = rig();
    r.manager.handleSignal(iceFrom(LOWER, HOST_A));
    await jest.advanceTimersByTimeAsync(30_000);
    expect(r.warnings).toContain('dropped a buffered ICE candidate');
    r.manager.handleSignal(offerFrom(LOWER));
    expect(r.driver.last.remoteCandidates).toEqual([]);
  });

  it('ignores ICE for a peer it has no attempt with, bad ICE JSON and candidates the stack rejects', () => {
    const r = rig();
    r.manager.handleSignal(iceFrom(HIGHER, HOST_A)); // we would be its initiator, no attempt
    r.manager.handleSignal({ kind: 'ice', peer_id: LOWER, data: 'not json' });
    r.manager.handleSignal(offerFrom(LOWER));
    r.manager.handleSignal(iceFrom(LOWER, 'candidate:garbage'));
    expect(r.ignored.map((i) => [i.peerId, i.kind, i.code])).toEqual([
      [HIGHER, 'ice', undefined],
      [LOWER, 'ice', 'ERR_ADD_ICE_CANDIDATE'],
      [LOWER, 'ice', 'ERR_ADD_ICE_CANDIDATE'],
    ]);
    expect(r.manager.state(LOWER)).toBe('initiating');
  });
});

describe('failure, reconnection and teardown', () => {
  async function connectedInitiator(): Promise<Rig> {
    const r = rig();
    r.manager.peerSeen(HIGHER);
    r.manager.handleSignal(answerFrom(HIGHER));
    r.driver.last.control!.open();
    expect(r.manager.state(HIGHER)).toBe('connected');
    await flush();
    return r;
  }

  it.each([
    ['ice', 'failed', 'ERR_ICE_FAILED'],
    ['ice', 'disconnected', 'ERR_ICE_DISCONNECTED'],
    ['connection', 'failed', 'ERR_ICE_FAILED'],
    ['connection', 'closed', 'ERR_CONNECTION_CLOSED'],
  ] as const)('%s state %s: not-connected, connection closed, channels freed', async (kind, state, code) => {
    const r = await connectedInitiator();
    const conn = r.driver.last;
    const provider = r.manager.channels(HIGHER)!;
    const opening = provider.openChannel('fileshare-transfer/x');
    conn.state(kind, state);
    expect(r.manager.state(HIGHER)).toBe('not-connected');
    expect(r.states.at(-1)).toMatchObject({ state: 'not-connected', code });
    expect(r.disconnected).toEqual([expect.objectContaining({ peerId: HIGHER, code })]);
    expect(conn.closed).toBe(true);
    expect(conn.channels.every((c) => c.closed)).toBe(true);
    expect(r.manager.channels(HIGHER)).toBeUndefined();
    await expect(opening).rejects.toMatchObject({ code });
    await expect(provider.openChannel('later')).rejects.toMatchObject({ code: 'ERR_PEER_NOT_CONNECTED' });
  });

  it('the remote closing the control channel ends the connection', async () => {
    const r = await connectedInitiator();
    r.driver.last.control!.close();
    await flush();
    expect(r.manager.state(HIGHER)).toBe('not-connected');
    expect(r.disconnected).toHaveLength(1);
  });

  it('a failure while waiting for the answer stops the retries', async () => {
    const r = rig();
    r.manager.peerSeen(HIGHER);
    r.driver.last.state('connection', 'failed');
    expect(r.manager.state(HIGHER)).toBe('not-connected');
    expect(r.disconnected).toEqual([]); // it never was connected
    await jest.advanceTimersByTimeAsync(60_000);
    expect(r.sentKinds()).toEqual(['offer']);
  });

  it('descriptions set but no channel within 30 s: ERR_CONNECT_TIMEOUT', async () => {
    const r = rig();
    r.manager.handleSignal(offerFrom(LOWER));
    await jest.advanceTimersByTimeAsync(29_999);
    expect(r.manager.state(LOWER)).toBe('initiating');
    await jest.advanceTimersByTimeAsync(1);
    expect(r.manager.state(LOWER)).toBe('not-connected');
    expect(r.states.at(-1)).toMatchObject({ code: 'ERR_CONNECT_TIMEOUT' });
    expect(r.driver.last.closed).toBe(true);
  });

  it('a not-connected peer that is seen again gets a new attempt on a new connection', async () => {
    const r = await connectedInitiator();
    r.driver.last.state('ice', 'failed');
    r.manager.peerSeen(HIGHER);
    expect(r.manager.state(HIGHER)).toBe('initiated');
    expect(r.driver.connections).toHaveLength(2);
    expect(r.sentKinds().filter((k) => k === 'offer')).toHaveLength(2);
    // a full new round of retries
    await jest.advanceTimersByTimeAsync(47_000);
    expect(r.sentKinds().filter((k) => k === 'offer')).toHaveLength(5);
    expect(r.manager.state(HIGHER)).toBe('not-connected');
  });

  it('a responder that is not-connected waits for a new offer (peerSeen changes nothing)', async () => {
    const r = rig();
    r.manager.handleSignal(offerFrom(LOWER));
    r.driver.last.state('ice', 'failed');
    r.manager.peerSeen(LOWER);
    expect(r.manager.state(LOWER)).toBe('not-connected');
    r.manager.handleSignal(offerFrom(LOWER));
    expect(r.manager.state(LOWER)).toBe('initiating');
    await flush();
  });

  it('callbacks of a replaced or closed connection are ignored', async () => {
    const r = await connectedInitiator();
    const old = r.driver.last;
    old.state('ice', 'failed');
    r.manager.peerSeen(HIGHER);
    old.gather(HOST_A);
    old.state('connection', 'connected');
    old.control!.open();
    expect(r.manager.state(HIGHER)).toBe('initiated');
    expect(r.sentIce()).toEqual([]);
  });

  it('peerGone closes the connection, frees everything and forgets the peer', async () => {
    const r = await connectedInitiator();
    const conn = r.driver.last;
    r.manager.peerGone(HIGHER);
    expect(conn.closed).toBe(true);
    expect(r.manager.state(HIGHER)).toBeUndefined();
    expect(r.manager.peers()).toEqual([]);
    expect(r.disconnected).toEqual([expect.objectContaining({ peerId: HIGHER })]);
    await flush();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('peerGone during the retry pause stops the retries', async () => {
    const r = rig();
    r.manager.peerSeen(HIGHER);
    await jest.advanceTimersByTimeAsync(10_500);
    r.manager.peerGone(HIGHER);
    await flush();
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(r.sentKinds()).toEqual(['offer']);
  });

  it('close() is idempotent, closes every connection and leaves no timer', async () => {
    const r = rig({ timing: { answerTimeoutMs: 60_000 } });
    r.manager.peerSeen(HIGHER); // initiated
    r.manager.peerSeen(HIGHER_2);
    r.manager.handleSignal(iceFrom(HIGHER_2, HOST_A)); // buffered before the answer
    r.manager.handleSignal(offerFrom(LOWER)); // initiating
    r.manager.handleSignal(iceFrom('0'.repeat(32), HOST_A)); // early, before an offer
    r.driver.last.remoteChannel(CONTROL_CHANNEL_LABEL); // LOWER connected
    expect(r.manager.state(LOWER)).toBe('connected');
    const first = r.manager.close();
    const second = r.manager.close();
    expect(second).toBe(first);
    await first;
    expect(r.driver.openConnections).toEqual([]);
    expect(r.driver.connections.flatMap((c) => c.channels).every((c) => c.closed)).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
    r.manager.peerSeen(HIGHER_3);
    r.manager.handleSignal(offerFrom(LOWER));
    expect(r.driver.connections).toHaveLength(3);
    expect(r.disconnected).toEqual([]); // no events after close
  });

  it('a throwing event listener does not break the state machine', () => {
    const r = rig();
    r.manager.on('state', () => {
      throw new Error('listener bug');
    });
    r.manager.peerSeen(HIGHER);
    expect(r.manager.state(HIGHER)).toBe('initiated');
    expect(r.warnings).toContain('a peer event listener threw');
  });
});
