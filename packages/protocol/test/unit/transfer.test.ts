import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  MAX_TRANSFER_CHUNK_MESSAGE_BYTES,
  MAX_TRANSFER_MESSAGE_BYTES,
  ProtocolError,
  TRANSFER_CHUNK_HEADER_BYTES,
  type TransferMessage,
  decodeChunk,
  decodeTransferMessage,
  decodeTransferMessageBytes,
  encodeChunk,
  encodeTransferMessage,
  parseTransferLabel,
  transferControlLabel,
  transferDataLabel,
  transferMessageByteLength,
  writeChunkHeader,
} from '../../src/index.js';

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const bytes = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const index = fc.integer({ min: 0, max: 0xffff_fffe });
const code = fc.stringMatching(/^ERR_[A-Z0-9_]{1,20}$/);
const text = (max: number) => fc.string({ unit: 'grapheme', maxLength: max });

const entry = fc.record(
  {
    path: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
    kind: fc.constantFrom('file' as const, 'directory' as const),
    size: bytes,
    mtimeMs: fc.integer({ min: -1e15, max: 1e15 }),
    mode: fc.integer({ min: 0, max: 0o777 }),
  },
  { requiredKeys: ['path', 'kind', 'size'] },
);

const message: fc.Arbitrary<TransferMessage> = fc.oneof(
  fc.record(
    {
      type: fc.constant('offer' as const),
      v: fc.integer({ min: 1, max: 999_999 }),
      transferId: hex(32),
      senderName: text(40),
      kind: fc.constantFrom('files' as const, 'text' as const),
      fileCount: index,
      totalBytes: bytes,
      channels: fc.integer({ min: 1, max: 16 }),
      chunkBytes: fc.integer({ min: 1024, max: MAX_TRANSFER_CHUNK_MESSAGE_BYTES - TRANSFER_CHUNK_HEADER_BYTES }),
      textBytes: bytes,
    },
    { requiredKeys: ['type', 'v', 'transferId', 'senderName', 'kind', 'fileCount', 'totalBytes', 'channels', 'chunkBytes'] },
  ),
  fc.record({ type: fc.constant('files' as const), first: index, entries: fc.array(entry, { minLength: 1, maxLength: 20 }) }),
  fc.record({ type: fc.constant('text' as const), data: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }) }),
  fc.record({
    type: fc.constant('accept' as const),
    windowBytes: fc.integer({ min: 65536, max: Number.MAX_SAFE_INTEGER }),
    windowFiles: fc.integer({ min: 1, max: 0xffff_ffff }),
    resumeCount: index,
  }),
  fc.record({
    type: fc.constant('resume' as const),
    entries: fc.array(fc.record({ index, offset: bytes, sha256: hex(64) }), { minLength: 1, maxLength: 10 }),
  }),
  fc.record({ type: fc.constant('decline' as const), code, message: text(100) }),
  fc.record({ type: fc.constant('file-start' as const), index, offset: bytes }),
  fc.record({ type: fc.constant('file-end' as const), index, sha256: hex(64) }),
  fc.record({ type: fc.constant('ack' as const), bytes }),
  fc.record({ type: fc.constant('file-done' as const), index, path: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }) }),
  fc.record({ type: fc.constant('complete' as const) }),
  fc.record({ type: fc.constant('cancel' as const), message: text(100) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('error' as const), code, message: text(100), index }, { requiredKeys: ['type', 'code', 'message'] }),
);

function expectTypedError(result: ReturnType<typeof decodeTransferMessage> | ReturnType<typeof decodeChunk>): void {
  if (!result.ok) {
    expect(result.error).toBeInstanceOf(ProtocolError);
    expect(result.error.code).toBe('ERR_TRANSFER_MESSAGE_INVALID');
  }
}

describe('transfer control messages', () => {
  it('decode(encode(m)) = m for every message type', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeTransferMessage(encodeTransferMessage(m))).toEqual({ ok: true, value: m });
        expect(decodeTransferMessageBytes(Buffer.from(encodeTransferMessage(m)))).toEqual({ ok: true, value: m });
        expect(transferMessageByteLength(m)).toBe(Buffer.byteLength(encodeTransferMessage(m)));
      }),
      { numRuns: 500 },
    );
  });

  it('an entry mode outside the permission bits, or not an integer, is read as absent; unknown entry fields are dropped', () => {
    const page = (mode: unknown) => JSON.stringify({ type: 'files', first: 0, entries: [{ path: 'run.sh', kind: 'file', size: 3, mode, colour: 'red' }] });
    const modeOf = (mode: unknown) => {
      const r = decodeTransferMessage(page(mode));
      if (!r.ok || r.value.type !== 'files') throw new Error('not decoded');
      expect(Object.keys(r.value.entries[0]!)).not.toContain('colour');
      return r.value.entries[0]!.mode;
    };
    expect(modeOf(0o755)).toBe(0o755);
    expect(modeOf(0)).toBe(0);
    for (const bad of [0o4755, 0o1777, -1, 1.5, '0755', null, [0o644]]) expect(modeOf(bad)).toBeUndefined();
    expect(encodeTransferMessage({ type: 'files', first: 0, entries: [{ path: 'a', kind: 'file', size: 1, mode: 0o640 }] })).toContain('"mode":416');
  });

  it('random strings, random JSON and random bytes only ever yield typed errors', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 3 })), (s) => {
        expectTypedError(decodeTransferMessage(s));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const r = decodeTransferMessageBytes(b);
        expectTypedError(r);
        expect(decodeTransferMessage(b).ok).toBe(false);
      }),
    );
  });

  it('messages with a wrong field are refused with the field named', () => {
    fc.assert(
      fc.property(message, fc.string({ maxLength: 8 }), (m, junk) => {
        const tampered = { ...(JSON.parse(encodeTransferMessage(m)) as Record<string, unknown>), type: `x${junk}` };
        expectTypedError(decodeTransferMessage(JSON.stringify(tampered)));
        expect(decodeTransferMessage(JSON.stringify(tampered)).ok).toBe(false);
      }),
    );
    const r = decodeTransferMessage(JSON.stringify({ type: 'file-start', index: -1, offset: 1.5 }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/index/);
  });

  it('offsets beyond 2^53, bad hashes and oversized messages are refused', () => {
    expect(decodeTransferMessage('{"type":"ack","bytes":9007199254740993}').ok).toBe(false);
    expect(decodeTransferMessage(`{"type":"file-end","index":0,"sha256":"${'A'.repeat(64)}"}`).ok).toBe(false);
    const big = JSON.stringify({ type: 'text', data: 'x'.repeat(MAX_TRANSFER_MESSAGE_BYTES) });
    const r = decodeTransferMessage(big);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/limit/);
    expect(() => encodeTransferMessage({ type: 'text', data: 'é'.repeat(MAX_TRANSFER_MESSAGE_BYTES / 2) })).toThrow(ProtocolError);
  });

  it('unknown fields are ignored (later versions may add some)', () => {
    expect(decodeTransferMessage('{"type":"ack","bytes":5,"future":true}')).toEqual({ ok: true, value: { type: 'ack', bytes: 5 } });
  });
});

describe('transfer data chunks', () => {
  it('decode(encode(c)) = c, offsets up to 2^53 - 1 (far beyond 4 GiB)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_fffe }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1000 }),
        fc.uint8Array({ minLength: 1, maxLength: 1000 }),
        (fileIndex, offset, payload) => {
          const r = decodeChunk(encodeChunk({ fileIndex, offset, payload }));
          expect(r.ok).toBe(true);
          if (r.ok) {
            expect(r.value.fileIndex).toBe(fileIndex);
            expect(r.value.offset).toBe(offset);
            expect(Buffer.from(r.value.payload).equals(Buffer.from(payload))).toBe(true);
          }
        },
      ),
    );
  });

  it('lays the header out as documented: type, flags, reserved, u32 index, u64 offset, big-endian', () => {
    const buf = new Uint8Array(TRANSFER_CHUNK_HEADER_BYTES + 1);
    writeChunkHeader(buf, 0x01020304, 2 ** 32 + 5);
    expect(Buffer.from(buf.subarray(0, 16)).toString('hex')).toBe('01000000' + '01020304' + '0000000100000005');
    const r = decodeChunk(Buffer.from('0100000000000007' + '0000000100000000' + 'ff', 'hex'));
    expect(r).toEqual({ ok: true, value: { fileIndex: 7, offset: 4294967296, payload: expect.anything() } });
  });

  it('random bytes only ever yield typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expectTypedError(decodeChunk(b));
      }),
    );
    expect(decodeChunk('text').ok).toBe(false);
    expect(decodeChunk(new Uint8Array(16)).ok).toBe(false); // header only
    expect(decodeChunk(new Uint8Array(MAX_TRANSFER_CHUNK_MESSAGE_BYTES + 1)).ok).toBe(false);
    const badType = encodeChunk({ fileIndex: 0, offset: 0, payload: new Uint8Array(1) });
    badType[0] = 2;
    expect(decodeChunk(badType).ok).toBe(false);
    const hugeOffset = encodeChunk({ fileIndex: 0, offset: 0, payload: new Uint8Array(1) });
    hugeOffset[8] = 0xff;
    expect(decodeChunk(hugeOffset).ok).toBe(false);
  });
});

describe('transfer channel labels', () => {
  it('round-trips control and data labels and ignores others', () => {
    fc.assert(
      fc.property(hex(32), fc.integer({ min: 0, max: 15 }), (id, n) => {
        expect(parseTransferLabel(transferControlLabel(id))).toEqual({ transferId: id, kind: 'ctl' });
        expect(parseTransferLabel(transferDataLabel(id, n))).toEqual({ transferId: id, kind: 'data', index: n });
      }),
    );
    for (const label of ['fileshare-control', 'fileshare-transfer/abc/ctl', `fileshare-transfer/${'a'.repeat(32)}/data/16`, `fileshare-transfer/${'a'.repeat(32)}/data/01`, '']) {
      expect(parseTransferLabel(label)).toBeUndefined();
    }
  });
});
