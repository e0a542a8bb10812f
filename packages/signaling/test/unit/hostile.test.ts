import { afterEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_SIGNAL_FRAME_BYTES, SIGNAL_HELLO_VERSION, SignalFrameDecoder, encodeSignalFrame } from '@fileshare/protocol';
import type { Signaling } from '../../src/index.js';
import { Harness, ID_A, ID_B, ID_C, helloFrom, inbox, jsonFrame, next, offer, recordingLogger, until } from './helpers.js';

const h = new Harness();
afterEach(() => h.closeAll());

/** A well-behaved node can still reach `server` after whatever happened before. */
async function stillServes(server: Signaling): Promise<void> {
  const client = h.node({ deviceId: ID_A });
  const got = next(server, 'message');
  await client.send({ peerId: ID_B, address: '127.0.0.1', port: server.port }, offer(ID_A, 'still here'));
  expect((await got)[0].data).toBe('still here');
}

describe('a signaling server facing bad clients', () => {
  it('closes a connection that announces an oversized frame, and keeps serving others', async () => {
    const logger = recordingLogger();
    const b = await h.listening({ deviceId: ID_B, logger });
    const bystander = await h.raw(b.port);
    bystander.write(helloFrom(ID_C));
    await until(() => b.connectionCount() === 1 && bystander.received.length > 0, 'the bystander is greeted');

    const errors = next(b, 'connection-error');
    const bad = await h.raw(b.port);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_SIGNAL_FRAME_BYTES + 1);
    bad.write(Buffer.concat([head, Buffer.alloc(1000, 0x7b)]));

    const [error, info] = await errors;
    expect(error.code).toBe('ERR_SIGNAL_FRAME_TOO_LARGE');
    expect(info).toEqual({ address: '127.0.0.1' });
    await bad.closed;
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ code: 'ERR_SIGNAL_FRAME_TOO_LARGE' }) }),
    );

    // The other connection is untouched and a new client works.
    const got = next(b, 'message');
    bystander.write(encodeSignalFrame(offer(ID_C, 'bystander')));
    expect((await got)[0].data).toBe('bystander');
    await stillServes(b);
  });

  const cases: [string, Buffer[], string][] = [
    ['bytes that are not JSON', [Buffer.from([0, 0, 0, 5]), Buffer.from('hello')], 'ERR_SIGNAL_FRAME_NOT_JSON'],
    ['a zero-length frame', [Buffer.alloc(4)], 'ERR_SIGNAL_FRAME_EMPTY'],
    ['a body that is not UTF-8', [Buffer.from([0, 0, 0, 2, 0xff, 0xfe])], 'ERR_SIGNAL_FRAME_NOT_UTF8'],
    ['an invalid hello', [jsonFrame({ hello: { peer_id: ID_C, name: 'x', port: -1, v: 1 } })], 'ERR_SIGNAL_HELLO_INVALID'],
    ['a message before the hello', [encodeSignalFrame(offer(ID_C))], 'ERR_SIGNAL_HELLO_EXPECTED'],
    ['an unknown kind after the hello', [helloFrom(ID_C), jsonFrame({ kind: 'bye', peer_id: ID_C, data: 'x' })], 'ERR_SIGNAL_MESSAGE_INVALID'],
    ['a second hello', [helloFrom(ID_C), helloFrom(ID_C)], 'ERR_SIGNAL_HELLO_UNEXPECTED'],
  ];

  it.each(cases)('closes the connection on %s, with a connection-error', async (_what, frames, code) => {
    const b = await h.listening({ deviceId: ID_B });
    const errors = next(b, 'connection-error');
    const bad = await h.raw(b.port);
    for (const frame of frames) bad.write(frame);
    const [error] = await errors;
    expect(error.code).toBe(code);
    await bad.closed;
    await until(() => b.connectionCount() === 0, 'the bad connection is gone');
    await stillServes(b);
  });

  it('closes a client that sends no hello within helloTimeoutMs', async () => {
    const b = await h.listening({ deviceId: ID_B, helloTimeoutMs: 150 });
    const errors = next(b, 'connection-error');
    const started = Date.now();
    const silent = await h.raw(b.port);
    await silent.closed;
    const elapsed = Date.now() - started;
    expect((await errors)[0].code).toBe('ERR_SIGNAL_HELLO_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(2000);
    // Other clients are still served.
    await stillServes(b);
  });

  it('drops a message whose peer_id is not the id the connection said hello with', async () => {
    const logger = recordingLogger();
    const b = await h.listening({ deviceId: ID_B, logger });
    const messages = inbox(b);
    const stranger = await h.raw(b.port);
    stranger.write(helloFrom(ID_C));
    stranger.write(encodeSignalFrame(offer(ID_A, 'spoofed')));
    stranger.write(encodeSignalFrame(offer(ID_C, 'genuine')));
    await until(() => messages.length > 0 && stranger.received.length > 0, 'the genuine message arrived and B answered');
    expect(messages).toEqual([offer(ID_C, 'genuine')]);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ helloPeerId: ID_C, messagePeerId: ID_A }) }),
    );
    // The listener answered with its own hello, and only that.
    const frames = new SignalFrameDecoder().push(stranger.received);
    const hello = { peer_id: ID_B, name: 'node-bbbb', port: b.port, v: SIGNAL_HELLO_VERSION };
    expect(frames).toEqual([{ ok: true, value: { type: 'hello', hello } }]);
  });

  it('accepts and at once closes connections beyond maxConnections when every slot is an authenticated peer', async () => {
    const logger = recordingLogger();
    const b = await h.listening({ deviceId: ID_B, maxConnections: 2, logger, isAuthenticated: () => true });
    const first = await h.raw(b.port);
    const second = await h.raw(b.port);
    first.write(helloFrom(ID_A));
    second.write(helloFrom(ID_C));
    await until(() => first.received.length > 0 && second.received.length > 0, 'both clients are greeted');
    const third = await h.raw(b.port);
    await third.closed;
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ code: 'ERR_SIGNAL_TOO_MANY_CONNECTIONS' }) }),
    );
    // The first two are still served.
    const got = next(b, 'message');
    first.write(encodeSignalFrame(offer(ID_A, 'first')));
    expect((await got)[0].data).toBe('first');
    expect(b.connectionCount()).toBe(2);
  });

  it('survives random byte streams, and serves well-behaved clients afterwards', async () => {
    const b = await h.listening({ deviceId: ID_B, helloTimeoutMs: 1000 });
    const errors: string[] = [];
    b.on('connection-error', (e) => errors.push(e.code));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 6 }),
        async (greet, chunks) => {
          // Spread over source addresses so the per-address connection rate does not interfere.
          const raw = await h.raw(b.port, `127.0.0.${10 + (run++ % 20)}`);
          if (greet) raw.write(helloFrom(ID_C));
          for (const chunk of chunks) raw.write(chunk);
          raw.socket.end();
          await raw.closed;
        },
      ),
      { numRuns: 40 },
    );
    await until(() => b.connectionCount() === 0, 'every random connection is gone');
    expect(errors.every((code) => code.startsWith('ERR_SIGNAL_'))).toBe(true);
    await stillServes(b);
  });
});
