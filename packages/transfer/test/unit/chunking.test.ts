import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeChunk, encodeChunk } from '@fileshare/protocol';
import { ReorderBuffer, chunkAt, chunkCount, chunkRanges, sendChunkBytes } from '../../src/chunking.js';

const FOUR_GIB = 2 ** 32;

describe('chunk maths', () => {
  it('chunks tile [start, size) exactly, at any size up to 2^53', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 2 ** 30 }),
        fc.integer({ min: 0, max: 2 ** 22 }),
        fc.integer({ min: 1024, max: 262_128 }),
        fc.integer({ min: 0, max: 2 ** 22 }),
        (base, length, chunkBytes, startIn) => {
          const size = base + length;
          const start = base + Math.min(startIn, length);
          const chunks = [...chunkRanges(size, start, chunkBytes)];
          expect(chunks).toHaveLength(chunkCount(size, start, chunkBytes));
          let at = start;
          chunks.forEach((c, k) => {
            expect(c).toEqual(chunkAt(size, start, chunkBytes, k));
            expect(c.offset).toBe(at);
            expect(c.length).toBeGreaterThan(0);
            expect(c.length).toBeLessThanOrEqual(chunkBytes);
            at += c.length;
          });
          expect(at).toBe(Math.max(start, size));
        },
      ),
    );
  });

  it('offsets around and beyond 4 GiB survive the 64-bit header exactly', () => {
    const size = FOUR_GIB + 3 * 65536 + 17;
    const chunks = [...chunkRanges(size, FOUR_GIB - 65536, 65536)];
    expect(chunks.map((c) => c.offset)).toEqual([FOUR_GIB - 65536, FOUR_GIB, FOUR_GIB + 65536, FOUR_GIB + 131072, FOUR_GIB + 196608]);
    expect(chunks.at(-1)!.length).toBe(17);
    for (const c of chunks) {
      const decoded = decodeChunk(encodeChunk({ fileIndex: 99_999, offset: c.offset, payload: new Uint8Array(1) }));
      expect(decoded.ok && decoded.value.offset).toBe(c.offset);
    }
    for (const offset of [FOUR_GIB - 1, FOUR_GIB, FOUR_GIB + 1, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER - 1]) {
      const decoded = decodeChunk(encodeChunk({ fileIndex: 0, offset, payload: new Uint8Array(1) }));
      expect(decoded.ok && decoded.value.offset).toBe(offset);
    }
  });
});

describe('reorder buffer', () => {
  const bytes = (n: number) => Buffer.alloc(n, 1);

  it('yields chunks in file order whatever order they arrive in, also beyond 4 GiB', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 2 ** 20 }), (lengths, seed) => {
        const start = FOUR_GIB + 7;
        const ranges: { offset: number; length: number }[] = [];
        let at = start;
        for (const length of lengths) {
          ranges.push({ offset: at, length });
          at += length;
        }
        const shuffled = [...ranges].sort((a, b) => ((a.offset * 2654435761 + seed) % 97) - ((b.offset * 2654435761 + seed) % 97));
        const buf = new ReorderBuffer<Buffer>(at, start);
        const out: number[] = [];
        for (const r of shuffled) {
          expect(buf.add(r.offset, bytes(r.length))).toBeUndefined();
          for (;;) {
            const taken = buf.takeContiguous(4);
            if (taken.chunks.length === 0) break;
            let o = taken.offset;
            for (const c of taken.chunks) {
              out.push(o);
              o += c.length;
            }
          }
        }
        expect(out).toEqual(ranges.map((r) => r.offset));
        expect(buf.nextOffset).toBe(at);
        expect(buf.bufferedBytes).toBe(0);
      }),
    );
  });

  it('refuses chunks outside the file, before the start, duplicated or overlapping, and notices gaps', () => {
    const buf = new ReorderBuffer<Buffer>(100, 10);
    expect(buf.add(5, bytes(5))).toMatch(/outside/);
    expect(buf.add(95, bytes(10))).toMatch(/outside/);
    expect(buf.add(10, bytes(0))).toMatch(/empty/);
    expect(buf.add(20, bytes(10))).toBeUndefined();
    expect(buf.add(20, bytes(10))).toMatch(/duplicate/);
    expect(buf.add(25, bytes(70))).toBeUndefined(); // overlaps [20, 30) but still fits the total
    expect(buf.add(11, bytes(15))).toMatch(/overlapping/);
    expect(buf.isStuck).toBe(false);
    const gap = new ReorderBuffer<Buffer>(30, 0);
    expect(gap.add(10, bytes(20))).toBeUndefined();
    expect(gap.add(5, bytes(10))).toBeUndefined(); // overlaps; the missing bytes [0, 5) can never come
    expect(gap.isStuck).toBe(true);
  });

  it('rebases once the start offset is known, refusing chunks before it', () => {
    const buf = new ReorderBuffer<Buffer>(100, 0);
    expect(buf.add(60, bytes(10))).toBeUndefined();
    expect(buf.rebase(50)).toBeUndefined();
    expect(buf.nextOffset).toBe(50);
    const early = new ReorderBuffer<Buffer>(100, 0);
    expect(early.add(10, bytes(10))).toBeUndefined();
    expect(early.rebase(50)).toMatch(/before the start/);
    expect(new ReorderBuffer<Buffer>(100, 0).rebase(101)).toMatch(/outside/);
  });
});

describe('sendChunkBytes: a chunk message (16-byte header + payload) fits the peer\'s a=max-message-size', () => {
  it('cuts the configured size to the peer limit minus the header; unknown means 65 536', () => {
    expect(sendChunkBytes(65_536, 65_536)).toBe(65_520);
    expect(sendChunkBytes(65_536)).toBe(65_520);
    expect(sendChunkBytes(65_536, 262_144)).toBe(65_536);
    expect(sendChunkBytes(200_000, 100_000)).toBe(99_984);
    expect(sendChunkBytes(300_000, 262_144)).toBe(262_128);
    expect(sendChunkBytes(4096, 65_536)).toBe(4096);
  });

  it('never yields a chunk below the protocol minimum (1024) or a message above the limit', () => {
    expect(sendChunkBytes(65_536, 1039)).toBeUndefined();
    expect(sendChunkBytes(65_536, 1040)).toBe(1024);
    fc.assert(
      fc.property(fc.integer({ min: 1024, max: 262_128 }), fc.integer({ min: 0, max: 1_000_000 }), (configured, limit) => {
        const bytes = sendChunkBytes(configured, limit);
        if (bytes === undefined) return limit - 16 < 1024;
        return bytes >= 1024 && bytes <= configured && bytes + 16 <= limit && bytes + 16 <= 262_144;
      }),
    );
  });
});
