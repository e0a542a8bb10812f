import { afterEach, describe, expect, it } from '@jest/globals';
import { SIGNAL_HELLO_VERSION, type SignalMessage, encodeIceCandidate } from '@fileshare/protocol';
import { SignalingError } from '../../src/index.js';
import { Harness, ID_A, ID_B, ID_C, inbox, next, offer, until } from './helpers.js';

const h = new Harness();
afterEach(() => h.closeAll());

const ice = (from: string, n: number): SignalMessage => ({
  kind: 'ice',
  peer_id: from,
  data: encodeIceCandidate({ candidate: `candidate:${n} 1 udp 2122260223 10.0.0.${n % 250} 5000${n % 10} typ host`, sdpMid: '0' }),
});

describe('signaling between two nodes', () => {
  it('exchanges messages both ways, in order, over one TCP connection', async () => {
    const a = await h.listening({ deviceId: ID_A, name: 'alpha' });
    const b = await h.listening({ deviceId: ID_B, name: 'beta' });
    const helloAtB = next(b, 'hello');
    const firstAtB = next(b, 'message');

    await a.send({ peerId: ID_B, address: '127.0.0.1', port: b.port }, offer(ID_A));

    const [message, from] = await firstAtB;
    expect(message).toEqual(offer(ID_A));
    expect(from).toEqual({ peerId: ID_A, name: 'alpha', port: a.port, version: SIGNAL_HELLO_VERSION, address: '127.0.0.1' });
    expect((await helloAtB)[0]).toEqual(from);

    // B answers without an address: it must use the connection A opened.
    const answerAtA = next(a, 'message');
    await b.send({ peerId: ID_A }, { kind: 'answer', peer_id: ID_B, data: 'v=0 answer' });
    const [answer, fromB] = await answerAtA;
    expect(answer.kind).toBe('answer');
    expect(fromB).toEqual({ peerId: ID_B, name: 'beta', port: b.port, version: SIGNAL_HELLO_VERSION, address: '127.0.0.1' });

    const atB = inbox(b);
    const atA = inbox(a);
    const batch = Array.from({ length: 30 }, (_, i) => i);
    await Promise.all([
      ...batch.map((i) => a.send({ peerId: ID_B }, ice(ID_A, i))),
      ...batch.map((i) => b.send({ peerId: ID_A }, ice(ID_B, i))),
    ]);
    await until(() => atB.length === 30 && atA.length === 30, 'both batches arrived');
    expect(atB).toEqual(batch.map((i) => ice(ID_A, i)));
    expect(atA).toEqual(batch.map((i) => ice(ID_B, i)));

    expect(a.connectionCount()).toBe(1);
    expect(b.connectionCount()).toBe(1);
    expect(a.connections()).toEqual([{ direction: 'outbound', state: 'open', address: '127.0.0.1', peerId: ID_B }]);
    expect(b.connections()).toEqual([{ direction: 'inbound', state: 'open', address: '127.0.0.1', peerId: ID_A }]);
  });

  it('connect() to an address learns who is there, and that connection is reused', async () => {
    const a = await h.listening({ deviceId: ID_A, name: 'alpha' });
    const b = await h.listening({ deviceId: ID_B, name: 'beta' });
    const helloAtB = next(b, 'hello');

    const hello = await a.connect('127.0.0.1', b.port);
    expect(hello).toEqual({ peerId: ID_B, name: 'beta', port: b.port, version: SIGNAL_HELLO_VERSION, address: '127.0.0.1' });
    expect((await helloAtB)[0]).toMatchObject({ peerId: ID_A, port: a.port });

    expect(await a.connect('127.0.0.1', b.port)).toEqual(hello);
    const atB = next(b, 'message');
    await a.send({ peerId: ID_B }, offer(ID_A));
    expect((await atB)[0]).toEqual(offer(ID_A));
    const atA = next(a, 'message');
    await b.send({ peerId: ID_A }, offer(ID_B, 'x'));
    expect((await atA)[0].data).toBe('x');
    expect([a.connectionCount(), b.connectionCount()]).toEqual([1, 1]);
  });

  it('two nodes that dial each other at once lose nothing and settle on one connection', async () => {
    const a = await h.listening({ deviceId: ID_A });
    const b = await h.listening({ deviceId: ID_B });
    const atA = inbox(a);
    const atB = inbox(b);
    const batch = Array.from({ length: 10 }, (_, i) => i);
    await Promise.all([
      ...batch.map((i) => a.send({ peerId: ID_B, address: '127.0.0.1', port: b.port }, ice(ID_A, i))),
      ...batch.map((i) => b.send({ peerId: ID_A, address: '127.0.0.1', port: a.port }, ice(ID_B, i))),
    ]);
    await until(() => atA.length === 10 && atB.length === 10, 'all messages arrived');
    // Order is only promised per connection; with two connections briefly open, compare as sets.
    expect(new Set(atB.map((m) => m.data))).toEqual(new Set(batch.map((i) => ice(ID_A, i).data)));
    expect(new Set(atA.map((m) => m.data))).toEqual(new Set(batch.map((i) => ice(ID_B, i).data)));

    await until(() => a.connectionCount() === 1 && b.connectionCount() === 1, 'the duplicate connection is closed');
    // The survivor is the one the lower id (A) dialled.
    expect(a.connections()[0]).toMatchObject({ direction: 'outbound', peerId: ID_B });
    const more = next(b, 'message');
    await a.send({ peerId: ID_B }, offer(ID_A, 'after'));
    expect((await more)[0].data).toBe('after');
    const back = next(a, 'message');
    await b.send({ peerId: ID_A }, offer(ID_B, 'back'));
    expect((await back)[0].data).toBe('back');
  });

  it('a peer that restarts on the same port is dialled again on the next send', async () => {
    const a = await h.listening({ deviceId: ID_A });
    const b = await h.listening({ deviceId: ID_B });
    const port = b.port;
    const first = next(b, 'message');
    await a.send({ peerId: ID_B, address: '127.0.0.1', port }, offer(ID_A, 'one'));
    await first;

    await b.close();
    await until(() => a.connectionCount() === 0, 'A noticed that B went away');
    const b2 = await h.listening({ deviceId: ID_B, port });
    const second = next(b2, 'message');
    // No address given: A dials where it last saw B.
    await a.send({ peerId: ID_B }, offer(ID_A, 'two'));
    expect((await second)[0].data).toBe('two');
    expect(a.connectionCount()).toBe(1);
  });

  it('an idle connection is closed on both sides, and the next send dials again', async () => {
    const a = await h.listening({ deviceId: ID_A, idleTimeoutMs: 150 });
    const b = await h.listening({ deviceId: ID_B, idleTimeoutMs: 150 });
    const first = next(b, 'message');
    await a.send({ peerId: ID_B, address: '127.0.0.1', port: b.port }, offer(ID_A, 'one'));
    await first;
    await until(() => a.connectionCount() === 0 && b.connectionCount() === 0, 'the idle connection is closed');
    const second = next(a, 'message');
    await b.send({ peerId: ID_A }, offer(ID_B, 'two'));
    expect((await second)[0].data).toBe('two');
  });

  it('many large messages sent at once all arrive, in order (backpressure)', async () => {
    const a = await h.listening({ deviceId: ID_A });
    const b = await h.listening({ deviceId: ID_B });
    const atB = inbox(b);
    const count = 200;
    const big = (i: number) => offer(ID_A, `${i}:`.padEnd(50_000, 'x'));
    await Promise.all(Array.from({ length: count }, (_, i) => a.send({ peerId: ID_B, address: '127.0.0.1', port: b.port }, big(i))));
    await until(() => atB.length === count, 'every message arrived');
    expect(atB.map((m) => m.data.slice(0, m.data.indexOf(':')))).toEqual(Array.from({ length: count }, (_, i) => String(i)));
    expect(a.connectionCount()).toBe(1);
  });
});

describe('send and connect failures', () => {
  it('reports a dead address, a different device at the address, and a missing address with typed errors', async () => {
    const a = await h.listening({ deviceId: ID_A });
    const b = await h.listening({ deviceId: ID_B });

    const dead = await h.deadPort();
    await expect(a.send({ peerId: ID_C, address: '127.0.0.1', port: dead }, offer(ID_A))).rejects.toMatchObject({
      code: 'ERR_SIGNAL_CONNECT_FAILED',
    });
    await expect(a.connect('127.0.0.1', dead)).rejects.toMatchObject({ code: 'ERR_SIGNAL_CONNECT_FAILED' });

    const sent = a.send({ peerId: ID_C, address: '127.0.0.1', port: b.port }, offer(ID_A));
    await expect(sent).rejects.toBeInstanceOf(SignalingError);
    await expect(sent).rejects.toMatchObject({ code: 'ERR_SIGNAL_PEER_MISMATCH' });
    await until(() => a.connectionCount() === 0 && b.connectionCount() === 0, 'the mismatched connection is closed');

    await expect(a.send({ peerId: ID_C }, offer(ID_A))).rejects.toMatchObject({ code: 'ERR_SIGNAL_NO_ADDRESS' });
    // Our own id is required as peer_id: a receiver would drop anything else.
    await expect(a.send({ peerId: ID_B, address: '127.0.0.1', port: b.port }, offer(ID_C))).rejects.toMatchObject({
      code: 'ERR_SIGNAL_SEND_INVALID',
    });
    await expect(a.send({ peerId: 'nope', address: '127.0.0.1', port: b.port }, offer(ID_A))).rejects.toMatchObject({
      code: 'ERR_SIGNAL_SEND_INVALID',
    });
    await expect(
      a.send({ peerId: ID_B, address: '127.0.0.1', port: b.port }, offer(ID_A, 'x'.repeat(70_000))),
    ).rejects.toMatchObject({ code: 'ERR_SIGNAL_SEND_INVALID' });
  });

  it('connect() to our own address fails with ERR_SIGNAL_SELF_CONNECT', async () => {
    const a = await h.listening({ deviceId: ID_A });
    await expect(a.connect('127.0.0.1', a.port)).rejects.toMatchObject({ code: 'ERR_SIGNAL_SELF_CONNECT' });
    await until(() => a.connectionCount() === 0, 'both ends of the self connection are closed');
  });

  it('a listener that never answers the hello fails the send with ERR_SIGNAL_HELLO_TIMEOUT', async () => {
    const a = await h.listening({ deviceId: ID_A, helloTimeoutMs: 100 });
    const mute = await h.mute();
    await expect(a.send({ peerId: ID_B, address: '127.0.0.1', port: mute.port }, offer(ID_A))).rejects.toMatchObject({
      code: 'ERR_SIGNAL_HELLO_TIMEOUT',
    });
    expect(a.connectionCount()).toBe(0);
  });

  it('an AbortSignal cancels a send that is still dialling', async () => {
    const a = await h.listening({ deviceId: ID_A });
    const mute = await h.mute();
    const controller = new AbortController();
    const sent = a.send({ peerId: ID_B, address: '127.0.0.1', port: mute.port }, offer(ID_A), { signal: controller.signal });
    await mute.accepted;
    controller.abort();
    await expect(sent).rejects.toMatchObject({ code: 'ERR_SIGNAL_ABORTED' });
    await expect(a.connect('127.0.0.1', mute.port, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ERR_SIGNAL_ABORTED',
    });
  });

  it('close() is idempotent, fails pending and later calls with ERR_SIGNAL_CLOSED, and closes every socket', async () => {
    const a = await h.listening({ deviceId: ID_A });
    const b = await h.listening({ deviceId: ID_B });
    await a.connect('127.0.0.1', b.port);
    const mute = await h.mute();
    const pending = a.send({ peerId: ID_C, address: '127.0.0.1', port: mute.port }, offer(ID_A));
    const muteSocket = await mute.accepted;
    const muteClosed = new Promise((resolve) => muteSocket.once('close', resolve));

    await Promise.all([a.close(), a.close()]);
    await a.close();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_SIGNAL_CLOSED' });
    await expect(a.send({ peerId: ID_B }, offer(ID_A))).rejects.toMatchObject({ code: 'ERR_SIGNAL_CLOSED' });
    await expect(a.connect('127.0.0.1', b.port)).rejects.toMatchObject({ code: 'ERR_SIGNAL_CLOSED' });
    await expect(a.listen()).rejects.toMatchObject({ code: 'ERR_SIGNAL_CLOSED' });
    expect(a.connectionCount()).toBe(0);
    await muteClosed;
    await until(() => b.connectionCount() === 0, 'B saw the connection close');
  });

  it('listen() reports a port in use as ERR_SIGNAL_LISTEN_FAILED', async () => {
    const a = await h.listening({ deviceId: ID_A });
    expect(await a.listen()).toBe(a.port);
    const b = h.node({ deviceId: ID_B, port: a.port });
    await expect(b.listen()).rejects.toMatchObject({ code: 'ERR_SIGNAL_LISTEN_FAILED' });
  });
});
