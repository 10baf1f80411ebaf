/**
 * Durations drawn from distributions. A duration in a program is either a fixed number of ns
 * or one of these; each task draws from its own seeded stream, so the same task gets the same
 * durations under every execution model.
 *
 * Formulas (inverse CDF on a uniform u in [0,1)):
 * - constant: value
 * - uniform: min + u·(max − min)
 * - exponential: −mean·ln(1 − u)
 * - lognormal: exp(μ + σ·z), z standard normal (Box–Muller); given as median (= e^μ) and σ,
 *   or as mean and σ (μ = ln(mean) − σ²/2)
 * Results are rounded to whole ns and never negative.
 */
import type { RandomStream } from '../engine/rng.js';
import type { Nanos } from '../engine/time.js';

export type Dist =
  | { dist: 'constant'; value: Nanos }
  | { dist: 'uniform'; min: Nanos; max: Nanos }
  | { dist: 'exponential'; mean: Nanos }
  | { dist: 'lognormal'; median: Nanos; sigma: number };

export type Dur = Nanos | Dist;

export const DIST_NAMES = ['constant', 'uniform', 'exponential', 'lognormal'] as const;

export function sample(d: Dur, src: { rng(): RandomStream }): Nanos {
  if (typeof d === 'number') return d;
  switch (d.dist) {
    case 'constant':
      return d.value;
    case 'uniform':
      return Math.round(d.min + src.rng().nextFloat() * (d.max - d.min));
    case 'exponential':
      return Math.round(-d.mean * Math.log(1 - src.rng().nextFloat()));
    case 'lognormal':
      return Math.max(0, Math.round(d.median * Math.exp(d.sigma * src.rng().normal())));
  }
}

/** Mean of a duration (for summaries and sizing). */
export function meanOf(d: Dur): number {
  if (typeof d === 'number') return d;
  switch (d.dist) {
    case 'constant':
      return d.value;
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'exponential':
      return d.mean;
    case 'lognormal':
      return d.median * Math.exp((d.sigma * d.sigma) / 2);
  }
}
