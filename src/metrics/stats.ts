/**
 * Summary statistics over samples. Percentiles use the nearest-rank method: the p-th
 * percentile of n sorted samples is the value at rank ceil(p/100 · n) (1-based), so every
 * reported percentile is a value that actually occurred. Exact, not approximated.
 */
export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[Math.min(n, rank) - 1]!;
}

/**
 * A growing list of samples (one per scheduling decision: millions), in fixed-size chunks so
 * that growing never copies. Samples are nanosecond durations, so while every value is an
 * integer in [0, 2^32) (up to 4.29 s) they are kept in 32-bit chunks: half the memory, and
 * fresh memory is dear (on a VM each new page costs a fault and zeroing, about 8 ms per MB
 * here). The first value that does not fit widens the storage to 64-bit floats for good.
 */
export class Samples {
  /** Full chunks, in push order: all Uint32Array while narrow, all Float64Array once wide. */
  private chunks: Array<Uint32Array | Float64Array> = [];
  /**
   * The chunk being filled while narrow (null once wide). Chunks start small and double up
   * to CHUNK entries, so a run with few samples (most of a sweep's) takes little fresh memory.
   */
  private cur32: Uint32Array | null = new Uint32Array(FIRST_CHUNK);
  /** The chunk being filled once wide (null while narrow). */
  private cur64: Float64Array | null = null;
  private i = 0;
  /** Samples so far. */
  n = 0;

  push(x: number): void {
    const c = this.cur32;
    const i = this.i;
    if (c !== null && i < c.length && x >>> 0 === x) {
      c[i] = x;
      this.i = i + 1;
      this.n++;
    } else {
      this.pushSlow(x);
    }
  }

  /** A full chunk, a value past 32 bits, or wide storage. */
  private pushSlow(x: number): void {
    if (this.cur32 !== null && x >>> 0 !== x) this.widen();
    const c = this.cur32 ?? this.cur64!;
    if (this.i === c.length) this.next();
    (this.cur32 ?? this.cur64!)[this.i++] = x;
    this.n++;
  }

  /** Converts every sample so far to 64-bit floats (once, at the first value past 32 bits). */
  private widen(): void {
    this.chunks = this.chunks.map((c) => Float64Array.from(c));
    const cur = new Float64Array(this.cur32!.length);
    cur.set(this.cur32!.subarray(0, this.i));
    this.cur64 = cur;
    this.cur32 = null;
  }

  /** The current chunk is full: keep it and start one twice its size (at most CHUNK). */
  private next(): void {
    if (this.cur32 !== null) {
      this.chunks.push(this.cur32);
      this.cur32 = new Uint32Array(Math.min(CHUNK, this.cur32.length * 2));
    } else {
      this.chunks.push(this.cur64!);
      this.cur64 = new Float64Array(Math.min(CHUNK, this.cur64!.length * 2));
    }
    this.i = 0;
  }

  /** A fresh contiguous copy of the samples, in the order pushed (32-bit while they all fit). */
  view(): Uint32Array | Float64Array {
    const out = this.cur32 !== null ? new Uint32Array(this.n) : new Float64Array(this.n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    out.set((this.cur32 ?? this.cur64!).subarray(0, this.i), o);
    return out;
  }

  /**
   * Count, mean, exact nearest-rank p50/p90/p99 and max; the samples are left as they are.
   * 32-bit samples are summarized where they lie, by radix: after a pass for the sum and the
   * maximum, each read-only pass narrows the three ranks to the values that share 11 more
   * leading bits (of as many bits as the maximum has), until the values are exact. Typical
   * latencies (up to a few ms: 22 bits) take two such passes. No copy of millions of
   * samples, and no reordering.
   */
  summary(): Summary {
    if (this.cur32 === null) return summarizeInPlace(this.view());
    const n = this.n;
    if (n === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const parts = this.chunks.slice() as Uint32Array[];
    parts.push(this.cur32.subarray(0, this.i));
    let sum = 0;
    let max = 0;
    for (const c of parts) {
      sum = sumMax(c, sum);
      if (sumMaxLast > max) max = sumMaxLast;
    }
    const ranks = [rankIndex(50, n), rankIndex(90, n), rankIndex(99, n)];
    // Per rank: the leading bits found so far (above `top`), and its rank among the values
    // that share them.
    const prefix = [0, 0, 0];
    const hist = new Float64Array(3 * RADIX);
    let top = 32 - Math.clz32(max);
    while (top > 0) {
      const shift = Math.max(0, top - RADIX_BITS);
      const size = 1 << (top - shift);
      hist.fill(0);
      for (const c of parts) countDigits(c, top, shift, size - 1, prefix[0]!, prefix[1]!, prefix[2]!, hist);
      for (let r = 0; r < 3; r++) {
        let k = ranks[r]!;
        let d = 0;
        for (; d < size; d++) {
          const h = hist[r * RADIX + d]!;
          if (k < h) break;
          k -= h;
        }
        ranks[r] = k;
        prefix[r] = prefix[r]! * size + d;
      }
      top = shift;
    }
    return { count: n, mean: Math.round(sum / n), p50: prefix[0]!, p90: prefix[1]!, p99: prefix[2]!, max };
  }
}

const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;

/** The maximum of the last sumMax call (a second result without an object per call). */
let sumMaxLast = 0;

/** `sum` plus the values of `c`, added in order; their maximum goes to sumMaxLast. */
function sumMax(c: Uint32Array, sum: number): number {
  let max = 0;
  for (let j = 0; j < c.length; j++) {
    const x = c[j]!;
    sum += x;
    if (x > max) max = x;
  }
  sumMaxLast = max;
  return sum;
}

/**
 * For each of three ranks, counts the values of `c` whose bits above `top` equal its prefix,
 * by their digit (bits shift..top-1), into hist[rank · RADIX + digit].
 */
function countDigits(c: Uint32Array, top: number, shift: number, mask: number, p0: number, p1: number, p2: number, hist: Float64Array): void {
  const m2 = RADIX;
  const m3 = 2 * RADIX;
  for (let j = 0; j < c.length; j++) {
    const x = c[j]!;
    const hi = top >= 32 ? 0 : x >>> top;
    const d = (x >>> shift) & mask;
    if (hi === p0) hist[d]!++;
    if (hi === p1) hist[m2 + d]!++;
    if (hi === p2) hist[m3 + d]!++;
  }
}

const FIRST_CHUNK = 256;
const CHUNK = 65536;

/** Summary of `samples` (left unchanged). */
export function summarize(samples: Float64Array): Summary {
  return summarizeInPlace(samples.slice());
}

/** Summary of `s`, which it reorders. */
export function summarizeInPlace(s: Float64Array | Uint32Array): Summary {
  const n = s.length;
  if (n === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  // The three order statistics by selection (O(n)) rather than a full sort: runs keep a
  // sample per scheduling decision, millions of them. Same values as percentile() on the
  // sorted samples. Lowest rank first, each next one among the values above it.
  let sum = 0;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = s[i]!;
    sum += x;
    if (x > max) max = x;
  }
  const k99 = rankIndex(99, n);
  const k90 = rankIndex(90, n);
  const k50 = rankIndex(50, n);
  select(s, k50, 0, n - 1);
  select(s, k90, k50, n - 1);
  select(s, k99, k90, n - 1);
  return { count: n, mean: Math.round(sum / n), p50: s[k50]!, p90: s[k90]!, p99: s[k99]!, max };
}

/** 0-based index of the nearest-rank p-th percentile among n sorted samples. */
function rankIndex(p: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil((p / 100) * n))) - 1;
}

/**
 * Rearranges a[lo..hi] so that a[k] holds the value it would have if a[lo..hi] were sorted,
 * with nothing larger before it and nothing smaller after it (Hoare's selection with a
 * median-of-three pivot; runs of equal values split evenly).
 */
function select(a: Float64Array | Uint32Array, k: number, lo: number, hi: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as the pivot.
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array | Uint32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
