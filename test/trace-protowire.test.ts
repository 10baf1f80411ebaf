/**
 * The protobuf wire writer: varints of every size a trace uses (32-bit fast path, simulated
 * nanoseconds past 2^31 and up to 2^53, negative int64), strings (ASCII, UTF-8, long), and
 * nested messages, read back with pbDecode and compared byte for byte with the encoding
 * protobuf specifies; and the number writers that put durations straight into a trace.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDuration as engineFormat } from '../src/engine/time.js';
import { PbWriter, pbDecode, pbPacked, pbString, putVarint, varintSize } from '../src/trace/protowire.js';
import { formatDuration, putDecimal, putDuration } from '../src/trace/timeline.js';

/** The protobuf varint encoding of a non-negative integer < 2^53, by plain arithmetic. */
function refVarint(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

describe('PbWriter', () => {
  it('reads back packed varints of every length (pbPacked)', () => {
    const values = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 52];
    const w = new PbWriter();
    for (const v of values) w.varint(v);
    expect(pbPacked(w.bytes())).toEqual(values);
    expect(pbPacked(null)).toEqual([]);
  });

  it('writes varints of every length exactly', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35 + 12_345, 987_654_321_012, 2 ** 49 + 7, 2 ** 53 - 1];
    for (const v of values) {
      const w = new PbWriter(4);
      w.uint(1, v);
      expect([...w.bytes()]).toEqual([0x08, ...refVarint(v)]);
      expect(pbDecode(w.bytes())).toEqual([{ field: 1, wire: 0, num: v, data: null }]);
    }
  });

  it('putVarint writes any integer below 2^53 as protobuf does, in varintSize bytes', () => {
    const check = (v: number): void => {
      const b = new Uint8Array(16).fill(0xee);
      const end = putVarint(b, 3, v);
      expect([...b.subarray(3, end)]).toEqual(refVarint(v));
      expect(end - 3).toBe(varintSize(v));
      expect(b[end]).toBe(0xee);
    };
    for (let k = 0; k < 53; k++) for (const d of [-1, 0, 1]) if (2 ** k + d >= 0) check(2 ** k + d);
    check(2 ** 53 - 1);
    fc.assert(fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (v) => check(v)), { numRuns: 2000 });
  });

  it('writes negative int64 as 10-byte two\'s complement', () => {
    const w = new PbWriter();
    w.uint(2, -1);
    expect([...w.bytes()]).toEqual([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('writes each string with its exact length varint', () => {
    for (const text of ['', 'abc', 'é', 'x'.repeat(127), 'x'.repeat(128), '→'.repeat(42), '→'.repeat(43), 'y'.repeat(2047), 'z'.repeat(3000), '😀 ok']) {
      const w = new PbWriter(4);
      w.string(5, text);
      const utf8 = new TextEncoder().encode(text);
      expect([...w.bytes()]).toEqual([0x2a, ...refVarint(utf8.length), ...utf8]);
    }
  });

  it('writes strings and nested messages', () => {
    const long = 'x'.repeat(20_000);
    const w = new PbWriter(8);
    w.begin(3);
    w.string(1, 'abc');
    w.string(2, 'switch → T3 worker-0');
    w.end();
    w.string(4, long);
    const top = pbDecode(w.bytes());
    expect(top.map((f) => f.field)).toEqual([3, 4]);
    const inner = pbDecode(top[0]!.data!);
    expect(inner.map((f) => pbString(f.data))).toEqual(['abc', 'switch → T3 worker-0']);
    expect(pbString(top[1]!.data)).toBe(long);
  });
});

describe('texts written straight into the buffer', () => {
  const ascii = (b: Uint8Array, n: number): string => new TextDecoder().decode(b.subarray(0, n));

  it('putDuration writes what formatDuration returns (and the engine formatter)', () => {
    const b = new Uint8Array(64);
    const edges = [0, 1, -1, 999, 1000, 1001, 1500, 999_999, 1_000_000, 1_000_500, 1_001_500, 1_234_500, 999_999_999, 1e9, 1_000_500_000, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, -1_234_567, 12_345_678_901];
    for (const ns of edges) {
      expect(ascii(b, putDuration(b, 0, ns)), String(ns)).toBe(formatDuration(ns));
      expect(formatDuration(ns), String(ns)).toBe(engineFormat(ns));
    }
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -2_000_000, max: 2_000_000 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 2 ** 22 }).map((k) => k * 500)), (ns) => {
        expect(ascii(b, putDuration(b, 0, ns))).toBe(formatDuration(ns));
        expect(formatDuration(ns)).toBe(engineFormat(ns));
      }),
      { numRuns: 20_000, seed: 4 },
    );
  });

  it('putDecimal writes integers up to 2^53', () => {
    const b = new Uint8Array(32);
    for (const n of [0, 9, 10, 99, 100, 101, 2 ** 31 - 1, 2 ** 31, 4_294_967_296, 2 ** 53 - 1]) expect(ascii(b, putDecimal(b, 0, n))).toBe(String(n));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        // At an offset, as in a buffer being filled.
        const end = putDecimal(b, 3, n);
        expect(ascii(b, end).slice(3)).toBe(String(n));
      }),
      { numRuns: 5_000, seed: 5 },
    );
  });

  it('utf8 appends the UTF-8 of ASCII and non-ASCII texts', () => {
    const w = new PbWriter(2);
    const texts = ['', 'abc', 'moved cpu 2 → cpu 3 (periodic load balance)', 'é', '😀 ok', 'x'.repeat(300)];
    for (const t of texts) w.utf8(t);
    expect([...w.bytes()]).toEqual([...new TextEncoder().encode(texts.join(''))]);
  });
});
