// The connection attempt on its own: its phases, the calls each phase refuses, its candidates,
// and its timers (connect timeout, liveness, native release), none of which outlives it.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { IceCandidate, Logger } from '@fileshare/protocol';
import { type AttemptPhase, type AttemptRole, AttemptPhaseError, ConnectionAttempt } from '../../src/connection-attempt.js';
import { CONTROL_CHANNEL_LABEL, KEEPALIVE_MESSAGE, NATIVE_CLOSE_WAIT_MS, timingWithDefaults } from '../../src/constants.js';
import { PeerError } from '../../src/errors.js';
import { OfferRound } from '../../src/offer-round.js';
import { type FakeConnection, FakeDriver, fakeSdp, flush } from './fake-driver.js';

const PEER = 'b'.repeat(32);
const PEER_KEY = new Uint8Array(32).fill(7);
const HOST_A = 'candidate:1 1 UDP 2114977791 192.0.2.10 40001 typ host';
const HOST_B = 'candidate:2 1 UDP 2114977791 192.0.2.10 40002 typ host';
const candidate = (c: string): IceCandidate => ({ candidate: c, sdpMid: '0' });
const sign = (sdp: string): string => `${sdp}a=x-signed\r\n`;
const closeReason = (): PeerError => new PeerError('ERR_CONNECTION_CLOSED', 'closed by the test');

interface Made {
  attempt: ConnectionAttempt;
  conn: FakeConnection;
  opened: number;
  ended: PeerError[];
  sent: IceCandidate[];
  refused: PeerError[];
  warnings: string[];
}

function make(role: AttemptRole): Made {
  const driver = new FakeDriver();
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => warnings.push(message),
    error: (message) => warnings.push(message),
  };
  const made = { opened: 0, ended: [], sent: [], refused: [], warnings } as unknown as Made;
  made.attempt = new ConnectionAttempt({
    peerId: PEER,
    role,
    driver,
    connection: { name: 'test' },
    timing: timingWithDefaults(),
    logger,
    hooks: {
      opened: () => (made.opened += 1),
      ended: (_attempt, error) => made.ended.push(error),
      sendCandidate: (_attempt, c) => made.sent.push(c),
      candidateRefused: (_attempt, error) => made.refused.push(error),
    },
  });
  made.conn = driver.last;
  return made;
}

/** An attempt brought to `phase` the way the manager does it. */
function inPhase(phase: AttemptPhase, role: AttemptRole = 'initiator'): Made {
  const m = make(role);
  if (phase === 'offering' || phase === 'answering') return m;
  if (role === 'initiator') {
    m.attempt.createOffer(sign);
    m.attempt.acceptAnswer(fakeSdp('answer'), PEER_KEY);
  } else {
    m.attempt.acceptOffer(fakeSdp('offer'), PEER_KEY, sign);
  }
  if (phase === 'connecting') return m;
  if (role === 'initiator') m.conn.control!.open();
  else m.conn.remoteChannel(CONTROL_CHANNEL_LABEL);
  m.attempt.markOpen();
  if (phase === 'open') return m;
  m.attempt.close(closeReason());
  return m;
}

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('phases', () => {
  it('an initiator goes offering → connecting → open → closing → closed', async () => {
    const m = make('initiator');
    expect(m.attempt.phase).toBe('offering');
    const offer = m.attempt.createOffer(sign);
    expect(offer).toBe(`${m.conn.localDescription!}a=x-signed\r\n`);
    expect(m.attempt.localOffer).toBe(offer);
    expect(m.attempt.awaitingAnswer).toBe(true);
    const answer = fakeSdp('answer');
    m.attempt.acceptAnswer(answer, PEER_KEY);
    expect(m.conn.remoteDescription).toBe(answer);
    expect(m.attempt.phase).toBe('connecting');
    expect(m.attempt.remoteKey).toBe(PEER_KEY);
    m.conn.control!.open();
    expect(m.opened).toBe(1);
    expect(m.attempt.phase).toBe('connecting'); // the owner decides
    m.attempt.markOpen();
    expect(m.attempt.phase).toBe('open');
    expect(m.attempt.isOpen).toBe(true);
    m.attempt.close(closeReason());
    expect(m.attempt.phase).toBe('closing');
    expect(m.attempt.isClosed).toBe(true);
    expect(m.conn.closed).toBe(true);
    await flush(); // the fake reports the connection and its channels closed
    expect(m.attempt.phase).toBe('closed');
    await expect(m.attempt.released).resolves.toBeUndefined();
  });

  it('a responder goes answering → connecting → open; the control channel arrives from the peer', () => {
    const m = make('responder');
    expect(m.attempt.phase).toBe('answering');
    const offer = fakeSdp('offer');
    const answer = m.attempt.acceptOffer(offer, PEER_KEY, sign);
    expect(m.conn.remoteDescription).toBe(offer);
    expect(answer).toBe(`${m.conn.localDescription!}a=x-signed\r\n`);
    expect(m.attempt.phase).toBe('connecting');
    m.conn.remoteChannel(CONTROL_CHANNEL_LABEL);
    expect(m.opened).toBe(1);
    m.attempt.markOpen();
    expect(m.attempt.phase).toBe('open');
    m.attempt.close(closeReason());
  });

  const illegal: [AttemptPhase, AttemptRole, string, (a: ConnectionAttempt) => unknown][] = [
    ['offering', 'initiator', 'open before the answer', (a) => a.markOpen()],
    ['offering', 'initiator', 'accept an offer', (a) => a.acceptOffer(fakeSdp('offer'), PEER_KEY, sign)],
    ['answering', 'responder', 'create an offer', (a) => a.createOffer(sign)],
    ['answering', 'responder', 'accept an answer', (a) => a.acceptAnswer(fakeSdp('answer'), PEER_KEY)],
    ['answering', 'responder', 'open before the offer is applied', (a) => a.markOpen()],
    ['connecting', 'initiator', 'accept a second answer', (a) => a.acceptAnswer(fakeSdp('answer'), PEER_KEY)],
    ['connecting', 'initiator', 'create another offer', (a) => a.createOffer(sign)],
    ['connecting', 'responder', 'accept a second offer', (a) => a.acceptOffer(fakeSdp('offer'), PEER_KEY, sign)],
    ['open', 'initiator', 'open twice', (a) => a.markOpen()],
    ['open', 'responder', 'accept an offer when open', (a) => a.acceptOffer(fakeSdp('offer'), PEER_KEY, sign)],
    ['closing', 'initiator', 'accept an answer after close', (a) => a.acceptAnswer(fakeSdp('answer'), PEER_KEY)],
    ['closing', 'initiator', 'open after close', (a) => a.markOpen()],
  ];

  it.each(illegal)('%s (%s): refuses to %s and stays where it was', async (phase, role, _what, call) => {
    const m = inPhase(phase, role);
    const remote = m.conn.remoteDescription;
    let thrown: unknown;
    try {
      call(m.attempt);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AttemptPhaseError);
    expect(thrown).toMatchObject({ code: 'ERR_ATTEMPT_PHASE', message: expect.stringContaining(`it is ${phase}`) });
    expect(m.attempt.phase).toBe(phase);
    expect(m.conn.remoteDescription).toBe(remote); // the native side was not touched
    m.attempt.close(closeReason());
    await flush();
  });

  it('after closed, everything but close() is refused; close() is idempotent', async () => {
    const m = inPhase('open');
    m.attempt.close(closeReason());
    m.attempt.close(closeReason());
    await flush();
    expect(m.attempt.phase).toBe('closed');
    expect(() => m.attempt.markOpen()).toThrow(AttemptPhaseError);
    expect(() => m.attempt.acceptAnswer(fakeSdp('answer'), PEER_KEY)).toThrow(AttemptPhaseError);
    m.attempt.close(closeReason());
    expect(m.attempt.phase).toBe('closed');
  });

  it('an answer the stack rejects leaves it offering: the offer keeps waiting', () => {
    const m = make('initiator');
    m.attempt.createOffer(sign);
    expect(() => m.attempt.acceptAnswer(`${fakeSdp('answer')}BROKEN\r\n`, PEER_KEY)).toThrow('no ICE user fragment');
    expect(m.attempt.phase).toBe('offering');
    expect(m.attempt.remoteKey).toBeUndefined();
    expect(jest.getTimerCount()).toBe(0); // no connect timeout without both descriptions
    m.attempt.acceptAnswer(fakeSdp('answer'), PEER_KEY);
    expect(m.attempt.phase).toBe('connecting');
    m.attempt.close(closeReason());
  });
});

describe('timers', () => {
  it.each([
    ['offering', 'initiator', 'candidate buffer'],
    ['answering', 'responder', 'candidate buffer'],
    ['connecting', 'initiator', 'connect timeout'],
    ['connecting', 'responder', 'connect timeout'],
    ['open', 'initiator', 'liveness'],
    ['open', 'responder', 'liveness'],
  ] as const)('close() while %s (%s) clears its timers (%s): none is left once released', async (phase, role, _timer) => {
    const m = inPhase(phase, role);
    // A remote candidate waiting for the descriptions holds a timer of its own (its lifetime).
    if (phase === 'offering' || phase === 'answering') m.attempt.receiveRemoteCandidate(candidate(HOST_A));
    expect(jest.getTimerCount()).toBe(1);
    m.attempt.close(closeReason());
    expect(jest.getTimerCount()).toBe(1); // only the wait for the native side
    await flush();
    expect(m.attempt.phase).toBe('closed');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a native side that never confirms the close is let go after NATIVE_CLOSE_WAIT_MS', async () => {
    const m = inPhase('open');
    jest.spyOn(m.conn, 'close').mockImplementation(() => undefined); // no `closed` report ever comes
    m.attempt.close(closeReason());
    await flush();
    expect(m.attempt.phase).toBe('closing');
    await jest.advanceTimersByTimeAsync(NATIVE_CLOSE_WAIT_MS - 1);
    expect(m.attempt.phase).toBe('closing');
    await jest.advanceTimersByTimeAsync(1);
    expect(m.attempt.phase).toBe('closed');
    await expect(m.attempt.released).resolves.toBeUndefined();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('connecting: the connect timeout reports ERR_CONNECT_TIMEOUT after 30 s; opening stops it', async () => {
    const late = inPhase('connecting');
    await jest.advanceTimersByTimeAsync(29_999);
    expect(late.ended).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(late.ended).toEqual([expect.objectContaining({ code: 'ERR_CONNECT_TIMEOUT' })]);
    late.attempt.close(closeReason());

    const opened = inPhase('connecting');
    await jest.advanceTimersByTimeAsync(10_000);
    opened.attempt.markOpen();
    for (let t = 0; t < 40; t++) {
      opened.conn.control!.receive(KEEPALIVE_MESSAGE);
      await jest.advanceTimersByTimeAsync(1_000);
    }
    expect(opened.ended).toEqual([]);
    opened.attempt.close(closeReason());
    await flush();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('open: a keepalive goes out every second; 5 s of silence reports ERR_PEER_UNRESPONSIVE', async () => {
    const m = inPhase('open');
    await jest.advanceTimersByTimeAsync(3_000);
    expect(m.conn.control!.sent).toEqual([KEEPALIVE_MESSAGE, KEEPALIVE_MESSAGE, KEEPALIVE_MESSAGE]);
    expect(m.ended).toEqual([]);
    await jest.advanceTimersByTimeAsync(3_000);
    expect(m.ended).toEqual([expect.objectContaining({ code: 'ERR_PEER_UNRESPONSIVE' })]);
    m.attempt.close(closeReason());
    await flush();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('once closed it reports nothing: native failures, the control channel closing, timers', async () => {
    const m = inPhase('open');
    const control = m.conn.control!;
    m.attempt.close(closeReason());
    m.conn.state('ice', 'failed');
    control.open();
    await flush();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(m.ended).toEqual([]);
    expect(m.opened).toBe(1); // the one before close
  });
});

describe('candidates', () => {
  it('remote candidates wait for both descriptions and are applied in arrival order; the marker is never applied', () => {
    const m = make('initiator');
    m.attempt.createOffer(sign);
    m.attempt.receiveRemoteCandidate(candidate(HOST_A));
    m.attempt.receiveRemoteCandidate(candidate(HOST_B));
    expect(m.conn.remoteCandidates).toEqual([]);
    m.attempt.acceptAnswer(fakeSdp('answer'), PEER_KEY);
    expect(m.conn.remoteCandidates.map((c) => c.candidate)).toEqual([HOST_A, HOST_B]);
    m.attempt.receiveRemoteCandidate(candidate(''));
    m.attempt.receiveRemoteCandidate(candidate('candidate:garbage'));
    expect(m.conn.remoteCandidates).toHaveLength(2);
    expect(m.refused).toEqual([expect.objectContaining({ code: 'ERR_ADD_ICE_CANDIDATE' })]);
    m.attempt.close(closeReason());
  });

  it('an initiator holds its candidates until the answer, then sends them and the end marker', () => {
    const m = make('initiator');
    m.attempt.createOffer(sign);
    m.conn.gather(HOST_A);
    m.conn.gatheringComplete();
    expect(m.sent).toEqual([]);
    m.attempt.acceptAnswer(fakeSdp('answer'), PEER_KEY);
    expect(m.sent).toEqual([candidate(HOST_A), candidate('')]);
    m.attempt.close(closeReason());
  });

  it('a responder sends its candidates from the first remote one on; none after close', () => {
    const m = make('responder');
    m.attempt.acceptOffer(fakeSdp('offer'), PEER_KEY, sign);
    m.conn.gather(HOST_A);
    expect(m.sent).toEqual([]);
    m.attempt.receiveRemoteCandidate(candidate(HOST_B));
    expect(m.sent).toEqual([candidate(HOST_A)]);
    m.attempt.close(closeReason());
    m.conn.gather(HOST_B);
    m.conn.gatheringComplete();
    expect(m.sent).toEqual([candidate(HOST_A)]);
  });
});

describe('offer round', () => {
  it('offers at 0, 11, 23 and 37 s; the round is over at 47 s; stop() leaves no timer', async () => {
    const round = new OfferRound({ answerTimeoutMs: 10_000, retryDelaysMs: [1_000, 2_000, 4_000] });
    const start = Date.now();
    const offers: number[] = [];
    let over = -1;
    const offer = (): void => {
      round.nextOffer();
      offers.push(Date.now() - start);
      round.awaitAnswer(() => {
        if (round.pauseBeforeNextOffer(offer) === undefined) over = Date.now() - start;
      });
    };
    round.restart();
    offer();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(offers).toEqual([0, 11_000, 23_000, 37_000]);
    expect(over).toBe(47_000);
    expect(round.offersMade).toBe(round.offersPerRound);
    expect(jest.getTimerCount()).toBe(0);
    round.restart();
    offer();
    expect(jest.getTimerCount()).toBe(1);
    round.stop();
    expect(jest.getTimerCount()).toBe(0);
  });
});
