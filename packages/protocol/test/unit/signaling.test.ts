import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  MAX_SIGNAL_FRAME_BYTES,
  ProtocolError,
  SignalFrameDecoder,
  type SignalMessage,
  decodeIceCandidate,
  decodeSignalBody,
  encodeIceCandidate,
  encodeSignalFrame,
} from '../../src/index.js';

const deviceId = fc.stringMatching(/^[0-9a-f]{32}$/);
const message: fc.Arbitrary<SignalMessage> = fc.record({
  kind: fc.constantFrom('offer' as const, 'answer' as const, 'ice' as const),
  peer_id: deviceId,
  data: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2000 }),
});

function decodeAll(decoder: SignalFrameDecoder, chunks: Uint8Array[]) {
  return chunks.flatMap((c) => decoder.push(c));
}

describe('signaling framing', () => {
  it('decode(encode(m)) = m, whatever the chunking of the stream', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 64 })), (msgs, cuts) => {
        const stream = Buffer.concat(msgs.map(encodeSignalFrame));
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
        expect(results).toEqual(msgs.map((m) => ({ ok: true, value: m })));
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

  it('random frame bodies decode to a valid message or a typed error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 500 }), fc.json().map((j) => Buffer.from(j))), (body) => {
        const r = decodeSignalBody(body);
        if (!r.ok) expect(r.error).toBeInstanceOf(ProtocolError);
      }),
    );
  });

  it('a truncated frame yields nothing until the rest arrives', () => {
    fc.assert(
      fc.property(message, fc.nat(), (m, n) => {
        const frame = encodeSignalFrame(m);
        const cut = n % frame.length;
        const decoder = new SignalFrameDecoder();
        expect(decoder.push(frame.subarray(0, cut))).toEqual([]);
        expect(decoder.bufferedBytes).toBe(cut);
        expect(decoder.push(frame.subarray(cut))).toEqual([{ ok: true, value: m }]);
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
    expect(results[1]).toEqual({ ok: true, value: good });
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
