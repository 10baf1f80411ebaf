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

export function summarize(samples: Float64Array): Summary {
  const n = samples.length;
  if (n === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  // The three order statistics by selection (O(n)) rather than a full sort: runs keep a
  // sample per scheduling decision, millions of them. Same values as percentile() on the
  // sorted samples.
  const s = samples.slice();
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
  select(s, k99, 0, n - 1);
  select(s, k90, 0, k99);
  select(s, k50, 0, k90);
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
