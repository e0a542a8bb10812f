import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { DataChannelLike, DataChannelProvider } from '@fileshare/protocol';
import { CONTROL_CHANNEL_LABEL, type PeerManager, createPeerManager } from '../../src/index.js';
import { FakeChannel, type FakeConnection, FakeDriver, fakeSdp, flush } from './fake-driver.js';
import { signAs, sortedKeys } from '../support/identities.js';

const keys = sortedKeys(2);
const LOCAL_KEY = keys[0]!;
const HIGHER_KEY = keys[1]!;
const LOCAL = LOCAL_KEY.id;
const HIGHER = HIGHER_KEY.id;

let manager: PeerManager;
let conn: FakeConnection;
let provider: DataChannelProvider;

beforeEach(() => {
  jest.useFakeTimers();
  const driver = new FakeDriver();
  let offer = '';
  manager = createPeerManager({
    localId: LOCAL,
    identity: LOCAL_KEY.identity,
    driver,
    sendSignal: (_to, message) => {
      if (message.kind === 'offer') offer = message.data;
      return Promise.resolve();
    },
  });
  manager.peerSeen(HIGHER);
  manager.handleSignal({ kind: 'answer', peer_id: HIGHER, data: signAs(HIGHER_KEY, LOCAL, 'answer', fakeSdp('answer'), offer) });
  conn = driver.last;
  conn.control!.open();
  provider = manager.channels(HIGHER)!;
});

afterEach(async () => {
  await manager.close();
  expect(jest.getTimerCount()).toBe(0);
  jest.useRealTimers();
});

async function open(label: string): Promise<{ channel: DataChannelLike; raw: FakeChannel }> {
  const pending = provider.openChannel(label);
  const raw = conn.channels.at(-1)!;
  expect(raw.label).toBe(label);
  raw.open();
  return { channel: await pending, raw };
}

describe('openChannel', () => {
  it('resolves once the channel is open', async () => {
    const pending = provider.openChannel('fileshare-transfer/1');
    let settled = false;
    void pending.then(() => (settled = true));
    await flush();
    expect(settled).toBe(false);
    conn.channels.at(-1)!.open();
    const channel = await pending;
    expect(channel.label).toBe('fileshare-transfer/1');
    expect(channel.isOpen).toBe(true);
  });

  it('rejects the reserved control label', async () => {
    await expect(provider.openChannel(CONTROL_CHANNEL_LABEL)).rejects.toMatchObject({ code: 'ERR_CHANNEL_LABEL_RESERVED' });
  });

  it('rejects when the channel closes before opening', async () => {
    const pending = provider.openChannel('x');
    conn.channels.at(-1)!.close();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_CHANNEL_OPEN' });
  });

  it('rejects on abort and closes the half-open channel', async () => {
    const controller = new AbortController();
    const pending = provider.openChannel('x', { signal: controller.signal });
    controller.abort(new Error('user cancelled'));
    await expect(pending).rejects.toThrow('user cancelled');
    expect(conn.channels.at(-1)!.closed).toBe(true);
    await expect(provider.openChannel('y', { signal: controller.signal })).rejects.toThrow('user cancelled');
  });

  it('rejects when the connection goes away while waiting', async () => {
    const pending = provider.openChannel('x');
    conn.state('ice', 'disconnected');
    await expect(pending).rejects.toMatchObject({ code: 'ERR_ICE_DISCONNECTED' });
  });
});

describe('DataChannelLike over a native channel', () => {
  it('sends text as text and bytes as binary; false from the stack only means queued', async () => {
    const { channel, raw } = await open('t');
    channel.send('hello');
    channel.send(new Uint8Array([1, 2, 3]));
    expect(raw.sent).toEqual(['hello', new Uint8Array([1, 2, 3])]);
    expect(channel.bufferedAmount).toBe(8);
  });

  it('throws ERR_CHANNEL_CLOSED after close and ERR_CHANNEL_SEND when the stack refuses', async () => {
    const { channel, raw } = await open('t');
    raw.failSend = 'Message size exceeds limit';
    expect(() => channel.send(new Uint8Array(10))).toThrow(expect.objectContaining({ code: 'ERR_CHANNEL_SEND' }));
    raw.failSend = undefined;
    channel.close();
    channel.close(); // idempotent
    await flush();
    expect(channel.isOpen).toBe(false);
    expect(() => channel.send('x')).toThrow(expect.objectContaining({ code: 'ERR_CHANNEL_CLOSED' }));
    expect(channel.bufferedAmount).toBe(0);
  });

  it('passes the low-water threshold through and reports drops below it', async () => {
    const { channel, raw } = await open('t');
    channel.bufferedAmountLowThreshold = 1024;
    expect(raw.threshold).toBe(1024);
    expect(channel.bufferedAmountLowThreshold).toBe(1024);
    const low = jest.fn();
    const off = channel.onBufferedAmountLow(low);
    raw.drain();
    off();
    raw.drain();
    expect(low).toHaveBeenCalledTimes(1);
  });

  it('delivers messages, including those that arrived before the first listener', async () => {
    const { channel, raw } = await open('t');
    raw.receive('early');
    const got: (string | Buffer)[] = [];
    channel.onMessage((m) => got.push(m));
    raw.receive(Buffer.from([9, 9]));
    expect(got).toEqual(['early', Buffer.from([9, 9])]);
  });

  it('reports close once to every listener, and errors as PeerError', async () => {
    const { channel, raw } = await open('t');
    const closed = jest.fn();
    const errors: Error[] = [];
    channel.onClose(closed);
    channel.onError((e) => errors.push(e));
    raw.handlers!.error('SCTP association lost');
    expect(errors[0]).toMatchObject({ code: 'ERR_CHANNEL_ERROR' });
    raw.close();
    await flush();
    expect(closed).toHaveBeenCalledTimes(1);
    const late = jest.fn();
    channel.onClose(late);
    await flush();
    expect(late).toHaveBeenCalledTimes(1);
  });

  it('closes every channel when the connection closes', async () => {
    const { channel } = await open('t');
    const closed = jest.fn();
    channel.onClose(closed);
    manager.peerGone(HIGHER);
    await flush();
    expect(closed).toHaveBeenCalledTimes(1);
    expect(conn.channels.every((c) => c.closed)).toBe(true);
  });
});

describe('remote channels', () => {
  it('are delivered once open; the control label is never delivered', async () => {
    const labels: string[] = [];
    provider.onChannel((c) => labels.push(c.label));
    const ch = new FakeChannel('late');
    conn.channels.push(ch);
    conn.handlers.dataChannel(ch); // not open yet
    expect(labels).toEqual([]);
    ch.open();
    const extraControl = conn.remoteChannel(CONTROL_CHANNEL_LABEL);
    expect(labels).toEqual(['late']);
    await flush();
    expect(extraControl.closed).toBe(true); // the initiator owns the only control channel
    expect(manager.state(HIGHER)).toBe('connected');
  });
});
