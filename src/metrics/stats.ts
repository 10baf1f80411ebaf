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
  const s = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i]!;
  return {
    count: n,
    mean: Math.round(sum / n),
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s[n - 1]!,
  };
}
