/**
 * Simulated time: integer nanoseconds in a plain `number` (exact up to 2^53 ns ≈ 104 days).
 *
 * Durations enter the simulation as strings with a unit ("10ms", "250us", "1.5s") and are
 * converted here, once, at the boundary. Inside the core every time is an integer count of
 * nanoseconds; floats appear only when figures are displayed.
 */
export type Nanos = number;

export const NS = 1;
export const US = 1_000;
export const MS = 1_000_000;
export const SEC = 1_000_000_000;

const UNITS: Readonly<Record<string, number>> = {
  ns: NS,
  us: US,
  µs: US,
  μs: US,
  ms: MS,
  s: SEC,
  m: 60 * SEC,
  min: 60 * SEC,
  h: 3600 * SEC,
};

export const DURATION_UNITS = 'ns, us (or µs), ms, s, m, h';

/** Thrown by parseDuration; `message` says what was wrong and what is allowed. */
export class DurationError extends Error {}

const DURATION_RE = /^\s*([0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)\s*([a-zµμ]+)\s*$/i;

/**
 * Parses "10ms", "250us", "1.5s", "0" into integer nanoseconds (rounded to the nearest ns).
 * A bare number other than 0 is rejected: a duration needs a unit.
 */
export function parseDuration(text: string): Nanos {
  const s = text.trim();
  if (s === '0') return 0;
  if (s.startsWith('-')) throw new DurationError(`negative duration "${text}": durations must be ≥ 0`);
  const m = DURATION_RE.exec(s);
  if (!m) {
    if (/^[0-9.]+$/.test(s)) {
      throw new DurationError(`duration "${text}" has no unit: write for example "${s}ms" (units: ${DURATION_UNITS})`);
    }
    throw new DurationError(`"${text}" is not a duration: write a number and a unit such as "10ms" or "250us" (units: ${DURATION_UNITS})`);
  }
  const unit = UNITS[m[2]!.toLowerCase()] ?? UNITS[m[2]!];
  if (unit === undefined) {
    throw new DurationError(`unknown time unit "${m[2]}" in "${text}" (units: ${DURATION_UNITS})`);
  }
  const v = Number(m[1]) * unit;
  if (!Number.isFinite(v) || v > Number.MAX_SAFE_INTEGER) {
    throw new DurationError(`duration "${text}" is too large (at most about 104 days)`);
  }
  return Math.round(v);
}

/** Formats nanoseconds for people: "0", "750ns", "12.5us", "10ms", "1.234s". */
export function formatDuration(ns: Nanos): string {
  if (!Number.isFinite(ns)) return String(ns);
  const a = Math.abs(ns);
  if (a === 0) return '0';
  if (a < US) return `${ns}ns`;
  if (a < MS) return `${trim(ns / US)}us`;
  if (a < SEC) return `${trim(ns / MS)}ms`;
  return `${trim(ns / SEC)}s`;
}

function trim(x: number): string {
  // Up to 3 significant decimals, no trailing zeros: 12.5, 1.234, 10.
  const s = x.toFixed(3);
  return s.replace(/\.?0+$/, '');
}
