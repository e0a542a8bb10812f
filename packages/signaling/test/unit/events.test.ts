import { afterEach, describe, expect, it } from '@jest/globals';
import { LOG_LINES_PER_CODE } from '../../src/index.js';
import { Harness, ID_A, ID_B, ID_C, idOf, next, offer, recordingLogger, until } from './helpers.js';

const h = new Harness();
afterEach(() => h.closeAll());

describe('send with dial: false', () => {
  it('rejects with ERR_SIGNAL_NO_CONNECTION without dialling, and uses a connection the peer opened', async () => {
    const a = await h.listening({ deviceId: ID_A });
    const b = await h.listening({ deviceId: ID_B });
    const mute = await h.mute();
    let dialled = false;
    void mute.accepted.then(() => (dialled = true));

    // Given an address where something listens, a dial would hang in its hello; it fails at once.
    await expect(a.send({ peerId: ID_B, address: '127.0.0.1', port: mute.port }, offer(ID_A), { dial: false })).rejects.toMatchObject({
      code: 'ERR_SIGNAL_NO_CONNECTION',
    });
    // Given the peer's real address, still no dial (a dial would have opened a connection).
    await expect(a.send({ peerId: ID_B, address: '127.0.0.1', port: b.port }, offer(ID_A), { dial: false })).rejects.toMatchObject({
      code: 'ERR_SIGNAL_NO_CONNECTION',
    });
    expect(a.connectionCount()).toBe(0);
    expect(b.connectionCount()).toBe(0);

    // B dials A; A answers over that inbound connection without dialling.
    const hello = next(a, 'hello');
    await b.connect('127.0.0.1', a.port);
    await hello;
    const got = next(b, 'message');
    await a.send({ peerId: ID_B }, offer(ID_A, 'over your connection'), { dial: false });
    expect((await got)[0].data).toBe('over your connection');
    expect(a.connections()).toEqual([expect.objectContaining({ direction: 'inbound', peerId: ID_B })]);
    expect(dialled).toBe(false);
  });
});

describe('disconnected', () => {
  it('fires once, when the last connection bound to a peer closes', async () => {
    const b = await h.listening({ deviceId: ID_B });
    const gone: string[] = [];
    b.on('disconnected', ({ peerId }) => gone.push(peerId));

    const first = await h.greeted(b.port, ID_C, '127.0.0.2');
    const second = await h.greeted(b.port, ID_C, '127.0.0.2');
    const silent = await h.raw(b.port, '127.0.0.3');
    await until(() => b.connectionCount() === 3, 'three connections are open');

    first.socket.destroy();
    silent.socket.destroy();
    await until(() => b.connectionCount() === 1, 'two connections closed');
    // ID_C still has a connection; the silent one was never bound to a peer.
    expect(gone).toEqual([]);

    second.socket.end();
    await until(() => gone.length > 0, 'the last connection of ID_C closed');
    expect(gone).toEqual([ID_C]);
    expect(b.connections()).toEqual([]);
  });

  it('fires when a peer node closes, and when we close', async () => {
    const a = await h.listening({ deviceId: ID_A });
    const b = await h.listening({ deviceId: ID_B });
    const goneAtB: string[] = [];
    const goneAtA: string[] = [];
    b.on('disconnected', ({ peerId }) => goneAtB.push(peerId));
    a.on('disconnected', ({ peerId }) => goneAtA.push(peerId));
    await a.send({ peerId: ID_B, address: '127.0.0.1', port: b.port }, offer(ID_A));
    await until(() => b.connectionCount() === 1, 'B has the connection');

    const disconnected = next(b, 'disconnected');
    await a.close();
    expect((await disconnected)[0]).toEqual({ peerId: ID_A });
    expect(goneAtA).toEqual([ID_B]);
    await b.close();
    expect(goneAtB).toEqual([ID_A]);
  });
});

describe('log lines about bad connections', () => {
  it(`are limited to ${LOG_LINES_PER_CODE} per code, then summarised; every connection-error still fires`, async () => {
    const logger = recordingLogger();
    const b = await h.listening({ deviceId: ID_B, logger });
    const errors: string[] = [];
    b.on('connection-error', (error) => errors.push(error.code));
    for (let i = 0; i < 12; i++) {
      const bad = await h.raw(b.port, `127.0.0.${2 + (i % 4)}`);
      bad.write(Buffer.from([0, 0, 0, 5, 0x68, 0x65, 0x6c, 0x6c, 0x6f]));
      await bad.closed;
    }
    await until(() => errors.length === 12, 'every bad connection is reported');
    expect(errors.every((code) => code === 'ERR_SIGNAL_FRAME_NOT_JSON')).toBe(true);
    const notJson = () => logger.lines.filter((l) => l.fields?.['code'] === 'ERR_SIGNAL_FRAME_NOT_JSON');
    expect(notJson()).toHaveLength(LOG_LINES_PER_CODE);

    // Another code has its own budget.
    const silentHello = await h.greeted(b.port, idOf(9), '127.0.0.9');
    silentHello.write(Buffer.from([0, 0, 0, 0]));
    await silentHello.closed;
    expect(logger.lines).toContainEqual(expect.objectContaining({ fields: expect.objectContaining({ code: 'ERR_SIGNAL_FRAME_EMPTY' }) }));

    // The rest is summarised in one line (at the end of the 10 s window, or on close).
    await b.close();
    const summary = notJson().slice(LOG_LINES_PER_CODE);
    expect(summary).toEqual([
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ suppressed: 12 - LOG_LINES_PER_CODE }) }),
    ]);
    expect(summary[0]!.message).toContain('7 more');
  });
});
