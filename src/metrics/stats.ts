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
 * that growing never copies.
 */
export class Samples {
  private chunks: Float64Array[] = [];
  private cur = new Float64Array(CHUNK);
  private i = 0;
  /** Samples so far. */
  n = 0;

  push(x: number): void {
    if (this.i === CHUNK) this.next();
    this.cur[this.i++] = x;
    this.n++;
  }

  private next(): void {
    this.chunks.push(this.cur);
    this.cur = new Float64Array(CHUNK);
    this.i = 0;
  }

  /** A fresh contiguous copy of the samples, in the order pushed. */
  view(): Float64Array {
    const out = new Float64Array(this.n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += CHUNK;
    }
    out.set(this.cur.subarray(0, this.i), o);
    return out;
  }

  summary(): Summary {
    return summarizeInPlace(this.view());
  }
}

const CHUNK = 65536;

/** Summary of `samples` (left unchanged). */
export function summarize(samples: Float64Array): Summary {
  return summarizeInPlace(samples.slice());
}

/** Summary of `s`, which it reorders. */
export function summarizeInPlace(s: Float64Array): Summary {
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
function select(a: Float64Array, k: number, lo: number, hi: number): void {
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

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
