/**
 * summarize() picks nearest-rank percentiles by selection; it must give exactly what the
 * definition gives on the sorted samples, whatever the input (ties, sorted, reversed, tiny).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { percentile, Samples, summarize } from '../src/metrics/stats.js';

function reference(xs: number[]) {
  const s = Float64Array.from(xs).sort();
  let sum = 0;
  for (const x of s) sum += x;
  return { count: xs.length, mean: Math.round(sum / xs.length), p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] };
}

describe('summarize', () => {
  it('matches the sorted definition on random, tied, sorted and reversed inputs', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.int(trial < 100 ? 12 : 3000);
      const spread = [2, 10, 1e9][trial % 3]!;
      const xs = Array.from({ length: n }, () => rng.int(spread));
      if (trial % 7 === 0) xs.sort((a, b) => a - b);
      if (trial % 11 === 0) xs.sort((a, b) => b - a);
      const input = Float64Array.from(xs);
      expect(summarize(input)).toEqual(reference(xs));
      // The input is not reordered.
      expect(Array.from(input)).toEqual(xs);
    }
  });

  it('is all zeros for no samples; a single sample is every percentile', () => {
    expect(summarize(new Float64Array(0))).toEqual({ count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
    expect(summarize(Float64Array.of(7))).toEqual({ count: 1, mean: 7, p50: 7, p90: 7, p99: 7, max: 7 });
    // Nearest rank on 10 samples: p50 = 5th, p90 = 9th, p99 = 10th.
    expect(summarize(Float64Array.from([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]))).toEqual({ count: 10, mean: 6, p50: 5, p90: 9, p99: 10, max: 10 });
  });
});

describe('Samples', () => {
  it('keeps every sample in push order across chunk boundaries, and summarizes like summarize()', () => {
    const rng = new Rng(5);
    const s = new Samples();
    const xs: number[] = [];
    // Chunks of 256, 512, … doubling to 65,536 entries: every size, then three full largest
    // chunks and part of another, with values past 2^31.
    for (let i = 0; i < 3 * 65536 + 1234; i++) {
      const x = rng.int(1000) * 5_000_000 + i;
      xs.push(x);
      s.push(x);
    }
    expect(s.n).toBe(xs.length);
    const v = s.view();
    expect(v.length).toBe(xs.length);
    expect(v[0]).toBe(xs[0]);
    expect(v[65535]).toBe(xs[65535]);
    expect(v[65536]).toBe(xs[65536]);
    expect(v[xs.length - 1]).toBe(xs[xs.length - 1]);
    expect(Array.from(v)).toEqual(xs);
    expect(s.summary()).toEqual(reference(xs));
    // summary() works on a copy: the samples are unchanged and a second summary agrees.
    expect(Array.from(s.view())).toEqual(xs);
    expect(s.summary()).toEqual(reference(xs));
  });

  it('keeps 32-bit samples while every value fits, and widens them all at the first that does not', () => {
    const rng = new Rng(9);
    // Two full chunks and part of a third of integers in [0, 2^32), including the extremes.
    const xs: number[] = [0, 2 ** 32 - 1];
    for (let i = 2; i < 2 * 65536 + 500; i++) xs.push(rng.int(2 ** 31) * 2 + (i & 1));
    const s = new Samples();
    for (const x of xs) s.push(x);
    expect(s.view()).toBeInstanceOf(Uint32Array);
    expect(Array.from(s.view())).toEqual(xs);
    expect(s.summary()).toEqual(reference(xs));
    // Each of these does not fit in 32 bits: the first widens everything, in place and order.
    for (const odd of [2 ** 32, 1.5, -3, 7e12]) {
      xs.push(odd);
      s.push(odd);
      for (let i = 0; i < 40_000; i++) {
        const x = rng.int(1_000_000);
        xs.push(x);
        s.push(x);
      }
      expect(s.view()).toBeInstanceOf(Float64Array);
      expect(Array.from(s.view())).toEqual(xs);
      expect(s.summary()).toEqual(reference(xs));
    }
    expect(s.n).toBe(xs.length);
  });

  it('summarizes 32-bit samples exactly by radix: ties, one value, tiny and huge values, skew', () => {
    const rng = new Rng(21);
    const cases: number[][] = [
      Array.from({ length: 1000 }, () => 1100),
      [5],
      [2 ** 32 - 1, 0, 2 ** 32 - 1],
      Array.from({ length: 70_000 }, (_, i) => i % 3),
      Array.from({ length: 5000 }, () => rng.int(1024)),
      // Mostly small with a long tail: the ranks fall in different leading-bit buckets.
      Array.from({ length: 140_000 }, (_, i) => (i % 100 === 0 ? rng.int(2 ** 32) : rng.int(5000))),
      Array.from({ length: 3000 }, () => rng.int(2 ** 32)),
    ];
    for (const xs of cases) {
      const s = new Samples();
      for (const x of xs) s.push(x);
      expect(s.view()).toBeInstanceOf(Uint32Array);
      expect(s.summary()).toEqual(reference(xs));
      // Nothing was reordered.
      expect(Array.from(s.view())).toEqual(xs);
    }
  });

  it('keeps push order and exact summaries at every chunk boundary (256, 768, … then 65,536 apart)', () => {
    const edges: number[] = [];
    for (let size = 256, end = 0; end < 200_000; size = Math.min(65536, size * 2)) {
      end += size;
      edges.push(end);
    }
    expect(edges.slice(0, 3)).toEqual([256, 768, 1792]);
    for (const wide of [false, true]) {
      for (const edge of [edges[0]!, edges[1]!, edges[8]!, edges[9]!]) {
        for (const len of [edge - 1, edge, edge + 1]) {
          const xs = Array.from({ length: len }, (_, i) => (wide && i === len >> 1 ? 0.5 : (i * 7919) % 100_003));
          const s = new Samples();
          for (const x of xs) s.push(x);
          expect(s.n).toBe(len);
          expect(Array.from(s.view())).toEqual(xs);
          expect(s.summary()).toEqual(reference(xs));
        }
      }
    }
  });

  it('summarizes an empty and an exactly-full chunk', () => {
    expect(new Samples().summary()).toEqual({ count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
    const s = new Samples();
    const xs = Array.from({ length: 65536 }, (_, i) => 65536 - i);
    for (const x of xs) s.push(x);
    expect(s.summary()).toEqual(reference(xs));
  });
});
