import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  MAX_SIGNAL_FRAME_BYTES,
  ProtocolError,
  type SignalFrame,
  SignalFrameDecoder,
  type SignalHello,
  type SignalMessage,
  decodeIceCandidate,
  decodeSignalBody,
  decodeSignalFrameBody,
  encodeIceCandidate,
  encodeSignalFrame,
  encodeSignalHelloFrame,
  sanitizeDeviceName,
} from '../../src/index.js';

const deviceId = fc.stringMatching(/^[0-9a-f]{32}$/);
const message: fc.Arbitrary<SignalMessage> = fc.record({
  kind: fc.constantFrom('offer' as const, 'answer' as const, 'ice' as const),
  peer_id: deviceId,
  data: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2000 }),
});

const hello: fc.Arbitrary<SignalHello> = fc.record({
  peer_id: deviceId,
  name: fc.string({ unit: 'grapheme', maxLength: 40 }),
  port: fc.integer({ min: 0, max: 65535 }),
  v: fc.integer({ min: 1, max: 999_999 }),
});

const anyFrame: fc.Arbitrary<SignalFrame> = fc.oneof(
  message.map((m) => ({ type: 'message' as const, message: m })),
  hello.map((h) => ({ type: 'hello' as const, hello: h })),
);
const encode = (f: SignalFrame): Buffer => (f.type === 'message' ? encodeSignalFrame(f.message) : encodeSignalHelloFrame(f.hello));
/** What the decoder returns for a sent frame: hello names come back sanitized. */
const expected = (f: SignalFrame): SignalFrame =>
  f.type === 'message' ? f : { type: 'hello', hello: { ...f.hello, name: sanitizeDeviceName(f.hello.name) } };

const okMessage = (m: SignalMessage) => ({ ok: true, value: { type: 'message', message: m } });

function decodeAll(decoder: SignalFrameDecoder, chunks: Uint8Array[]) {
  return chunks.flatMap((c) => decoder.push(c));
}

describe('signaling framing', () => {
  it('decode(encode(f)) = f for hellos and messages, whatever the chunking of the stream', () => {
    fc.assert(
      fc.property(fc.array(anyFrame, { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 64 })), (msgs, cuts) => {
        const stream = Buffer.concat(msgs.map(encode));
        const chunks: Buffer[] = [];
        let at = 0;
        for (const cut of cuts) {
          if (at >= stream.length) break;
          chunks.push(stream.subarray(at, at + cut));
          at += cut;
        }
        if (at < stream.length) chunks.push(stream.subarray(at));
        const decoder = new SignalFrameDecoder();
        const results = decodeAll(decoder, chunks);
        expect(results).toEqual(msgs.map((m) => ({ ok: true, value: expected(m) })));
        expect(decoder.bufferedBytes).toBe(0);
      }),
    );
  });

  it('random bytes only ever yield typed protocol errors, never a throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (chunks) => {
        const decoder = new SignalFrameDecoder();
        for (const r of decodeAll(decoder, chunks)) {
          if (!r.ok) {
            expect(r.error).toBeInstanceOf(ProtocolError);
            expect(r.error.code).toMatch(/^ERR_SIGNAL_/);
          }
        }
      }),
    );
  });

  it('random frame bodies decode to a valid frame or a typed error', () => {
    const hellos = fc.json().map((j) => Buffer.from(`{"hello":${j}}`));
    const helloish = fc
      .record({ peer_id: fc.oneof(deviceId, fc.anything()), name: fc.anything(), port: fc.anything(), v: fc.anything() }, { requiredKeys: [] })
      .map((h) => Buffer.from(JSON.stringify({ hello: h })));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 500 }), fc.json().map((j) => Buffer.from(j)), hellos, helloish), (body) => {
        for (const r of [decodeSignalBody(body), decodeSignalFrameBody(body)]) {
          if (!r.ok) {
            expect(r.error).toBeInstanceOf(ProtocolError);
            expect(r.error.code).toMatch(/^ERR_SIGNAL_/);
          }
        }
      }),
    );
  });

  it('a hello with the wrong shape is a typed error, and its name comes back sanitized', () => {
    const body = (o: unknown) => Buffer.from(JSON.stringify(o));
    const good = { peer_id: 'b'.repeat(32), name: 'lab\u0007 box\u202e  one', port: 4000, v: 1 };
    expect(decodeSignalFrameBody(body({ hello: good }))).toEqual({
      ok: true,
      value: { type: 'hello', hello: { ...good, name: 'lab box one' } },
    });
    // Unknown fields are ignored (room for later versions).
    expect(decodeSignalFrameBody(body({ hello: { ...good, key: 'x' }, extra: 1 }))).toMatchObject({ ok: true, value: { type: 'hello' } });
    for (const bad of [
      { hello: null },
      { hello: { ...good, peer_id: 'B'.repeat(32) } },
      { hello: { ...good, port: 70000 } },
      { hello: { ...good, port: '4000' } },
      { hello: { ...good, v: 0 } },
      { hello: { ...good, name: 'x'.repeat(300) } },
      { hello: { peer_id: good.peer_id } },
    ]) {
      expect(decodeSignalFrameBody(body(bad))).toMatchObject({ ok: false, error: { code: 'ERR_SIGNAL_HELLO_INVALID' } });
    }
    // A hello is not a message.
    expect(decodeSignalBody(body({ hello: good }))).toMatchObject({ ok: false, error: { code: 'ERR_SIGNAL_MESSAGE_INVALID' } });
  });

  it('an encoded hello carries exactly the documented fields', () => {
    const frameBytes = encodeSignalHelloFrame({ peer_id: 'c'.repeat(32), name: 'desk', port: 51000, v: 1 });
    expect(frameBytes.readUInt32BE(0)).toBe(frameBytes.length - 4);
    expect(JSON.parse(frameBytes.subarray(4).toString('utf8'))).toEqual({
      hello: { peer_id: 'c'.repeat(32), name: 'desk', port: 51000, v: 1 },
    });
  });

  it('a truncated frame yields nothing until the rest arrives', () => {
    fc.assert(
      fc.property(message, fc.nat(), (m, n) => {
        const frame = encodeSignalFrame(m);
        const cut = n % frame.length;
        const decoder = new SignalFrameDecoder();
        expect(decoder.push(frame.subarray(0, cut))).toEqual([]);
        expect(decoder.bufferedBytes).toBe(cut);
        expect(decoder.push(frame.subarray(cut))).toEqual([okMessage(m)]);
      }),
    );
  });

  it('an oversized header is refused before its body is buffered, and the stream is dead', () => {
    const decoder = new SignalFrameDecoder();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_SIGNAL_FRAME_BYTES + 1);
    const [result] = decoder.push(header);
    expect(result).toMatchObject({ ok: false, error: { code: 'ERR_SIGNAL_FRAME_TOO_LARGE' } });
    expect(decoder.isBroken).toBe(true);
    expect(decoder.push(Buffer.alloc(1000))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('a bad frame does not poison the frames after it', () => {
    const good: SignalMessage = { kind: 'offer', peer_id: 'a'.repeat(32), data: 'v=0' };
    const bad = Buffer.from('{"kind":"hello"}');
    const badFrame = Buffer.concat([Buffer.from([0, 0, 0, bad.length]), bad]);
    const results = new SignalFrameDecoder().push(Buffer.concat([badFrame, encodeSignalFrame(good)]));
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'ERR_SIGNAL_MESSAGE_INVALID' } });
    expect(results[1]).toEqual(okMessage(good));
  });

  it('rejects a peer_id that is not a device id and a kind outside the three', () => {
    const body = (o: object) => Buffer.from(JSON.stringify(o));
    expect(decodeSignalBody(body({ kind: 'offer', peer_id: 'ABC', data: 'x' }))).toMatchObject({ ok: false });
    expect(decodeSignalBody(body({ kind: 'bye', peer_id: 'a'.repeat(32), data: 'x' }))).toMatchObject({ ok: false });
    expect(decodeSignalBody(Buffer.from([0xff, 0xfe]))).toMatchObject({ ok: false, error: { code: 'ERR_SIGNAL_FRAME_NOT_UTF8' } });
    expect(decodeSignalBody(Buffer.alloc(0))).toMatchObject({ ok: false, error: { code: 'ERR_SIGNAL_FRAME_EMPTY' } });
  });

  it('refuses to encode a message over the limit', () => {
    const huge: SignalMessage = { kind: 'offer', peer_id: 'a'.repeat(32), data: 'x'.repeat(MAX_SIGNAL_FRAME_BYTES) };
    expect(() => encodeSignalFrame(huge)).toThrow(ProtocolError);
  });

  it('ICE candidate data round-trips and rejects junk', () => {
    fc.assert(
      fc.property(fc.record({ candidate: fc.string({ maxLength: 200 }), sdpMid: fc.string({ maxLength: 8 }) }), (c) => {
        expect(decodeIceCandidate(encodeIceCandidate(c))).toEqual({ ok: true, value: c });
      }),
    );
    expect(decodeIceCandidate('not json')).toMatchObject({ ok: false, error: { code: 'ERR_SIGNAL_PAYLOAD_INVALID' } });
    expect(decodeIceCandidate('{"candidate":1}')).toMatchObject({ ok: false });
  });
});
