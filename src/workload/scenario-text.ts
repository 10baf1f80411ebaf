/**
 * Small text helpers for scenario files: "did you mean" suggestions, showing a bad value in an
 * error message, and parsing the string forms of durations, distributions and rates.
 * Browser-safe (no Node modules).
 */
import { parseDuration, type Nanos } from '../engine/time.js';
import type { Dur } from '../program/dist.js';

/** Largest duration a scenario may hold: 10^6 s (about 11.6 days of simulated time). */
export const MAX_DURATION_NS: Nanos = 1e15;

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: m + 1 }, (_, j) => j);
  for (let i = 1; i <= n; i++) {
    const cur: number[] = [i];
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[m]!;
}

/**
 * The candidate closest to `word` if it is close enough to be a likely typo (case-insensitive;
 * at most 1 edit for short words, 2 for words of 6+ letters, 3 for 12+), else undefined.
 * Ties go to the earlier candidate.
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(w.length, best.length) >= 12 ? 3 : Math.max(w.length, best.length) >= 6 ? 2 : 1;
  if (bestD === 0 && best !== word) return best; // differs only in case
  return bestD > 0 && bestD <= limit ? best : undefined;
}

/** `; did you mean "x"?` or ''. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : `; did you mean "${s}"?`;
}

/** A value as it appears in an error message: strings quoted, objects as compact JSON. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  let s: string;
  try {
    s = JSON.stringify(v) ?? typeof v;
  } catch {
    s = typeof v;
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** "a string", "a number", "a list", "a map", "null", "true". */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

/** 10000000 → "10,000,000" (locale-independent, so output is the same everywhere). */
export function groupDigits(n: number): string {
  const neg = n < 0;
  const [int, frac] = String(Math.abs(n)).split('.');
  const g = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + g + (frac !== undefined ? `.${frac}` : '');
}

const UNITS_TEXT = 'units ns, us, ms, s, m, h';

/** What a fixed duration field accepts, with its bounds in words. */
export function fixedDurationAllowed(min: Nanos = 0, max: Nanos = MAX_DURATION_NS): string {
  const base = `a duration such as "10ms", "250us" or "1.5s" (${UNITS_TEXT})`;
  if (min > 1) return `${base} from ${fmtNs(min)} to ${fmtNs(max)}`;
  if (min === 1) return `${base} above 0, at most ${fmtNs(max)}`;
  return `${base} up to ${fmtNs(max)}`;
}

export const DURATION_ALLOWED = `${fixedDurationAllowed()}, or a distribution such as "exp(1ms)", "uniform(1ms, 3ms)" or "lognormal(1ms, 0.5)"`;

/** Result of parsing: the value, or the problem in words (what is wrong with the value). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * Parses a fixed duration string ("10ms"), with bounds. Problems are phrased as
 * `"<value>" <what is wrong>`, without the allowed forms (the caller adds them).
 */
export function parseFixedDuration(text: string, min: Nanos = 0, max: Nanos = MAX_DURATION_NS): Parsed<Nanos> {
  const s = text.trim();
  if (s.startsWith('-')) return { ok: false, problem: `${show(text)} is negative` };
  if (/^[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?$/i.test(s) && s !== '0') return { ok: false, problem: `${show(text)} has no unit` };
  const unit = /^[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?\s*([a-zµμ]+)$/i.exec(s);
  let ns: Nanos;
  try {
    ns = parseDuration(s);
  } catch {
    if (unit) return { ok: false, problem: `${show(text)} has an unknown unit "${unit[1]}"` };
    return { ok: false, problem: `${show(text)} is not a duration` };
  }
  if (ns > max) return { ok: false, problem: `${show(text)} is too large` };
  if (ns < min) return { ok: false, problem: `${show(text)} is too small` };
  return { ok: true, value: ns };
}

function fmtNs(ns: Nanos): string {
  if (ns >= 1e9 && ns % 1e9 === 0) return `${ns / 1e9}s`;
  if (ns >= 1e6 && ns % 1e6 === 0) return `${ns / 1e6}ms`;
  if (ns >= 1e3 && ns % 1e3 === 0) return `${ns / 1e3}us`;
  return `${ns}ns`;
}

const DIST_FORMS = 'exp(mean), uniform(min, max), lognormal(median, sigma), constant(value)';

/**
 * Parses an op duration string: a fixed duration or a distribution shorthand
 * ("exp(1ms)", "exponential(1ms)", "uniform(1ms, 3ms)", "lognormal(1ms, 0.5)", "constant(1ms)").
 */
export function parseOpDuration(text: string): Parsed<Dur> {
  const m = /^\s*([a-z]+)\s*\((.*)\)\s*$/i.exec(text);
  if (!m) {
    if (/^\s*(exp|exponential|uniform|lognormal|constant)\s*\([^)]*$/i.test(text)) {
      return { ok: false, problem: `${show(text)} was cut at a comma: inside { } or [ ], put the distribution in quotes, e.g. {io: "uniform(1ms, 3ms)"}` };
    }
    return parseFixedDuration(text);
  }
  const fn = m[1]!.toLowerCase();
  const args = m[2]!.split(',').map((a) => a.trim());
  const want = (n: number): string | null =>
    args.length === n ? null : `${show(text)}: ${fn}() takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`;
  const dur = (a: string, what: string): Parsed<Nanos> => {
    const r = parseFixedDuration(a);
    return r.ok ? r : { ok: false, problem: `${show(text)}: the ${what} ${r.problem}` };
  };
  switch (fn) {
    case 'exp':
    case 'exponential': {
      const bad = want(1);
      if (bad !== null) return { ok: false, problem: bad };
      const mean = dur(args[0]!, 'mean');
      return mean.ok ? { ok: true, value: { dist: 'exponential', mean: mean.value } } : mean;
    }
    case 'constant': {
      const bad = want(1);
      if (bad !== null) return { ok: false, problem: bad };
      const v = dur(args[0]!, 'value');
      return v.ok ? { ok: true, value: { dist: 'constant', value: v.value } } : v;
    }
    case 'uniform': {
      const bad = want(2);
      if (bad !== null) return { ok: false, problem: bad };
      const lo = dur(args[0]!, 'minimum');
      if (!lo.ok) return lo;
      const hi = dur(args[1]!, 'maximum');
      if (!hi.ok) return hi;
      if (hi.value < lo.value) return { ok: false, problem: `${show(text)}: the maximum is below the minimum` };
      return { ok: true, value: { dist: 'uniform', min: lo.value, max: hi.value } };
    }
    case 'lognormal': {
      const bad = want(2);
      if (bad !== null) return { ok: false, problem: bad };
      const med = dur(args[0]!, 'median');
      if (!med.ok) return med;
      const sigma = Number(args[1]);
      if (args[1] === '' || !Number.isFinite(sigma) || sigma < 0 || sigma > 10) {
        return { ok: false, problem: `${show(text)}: sigma ${show(args[1])} is not a number from 0 to 10` };
      }
      return { ok: true, value: { dist: 'lognormal', median: med.value, sigma } };
    }
    default:
      return { ok: false, problem: `${show(text)}: unknown distribution "${m[1]}"${didYouMean(fn, ['exp', 'uniform', 'lognormal', 'constant'])} (distributions: ${DIST_FORMS})` };
  }
}

export const RATE_ALLOWED = 'a rate such as "200/s", "5/ms" or a number of arrivals per second, above 0 and at most 1e9/s';

const RATE_UNITS: Readonly<Record<string, number>> = { ns: 1e9, us: 1e6, µs: 1e6, ms: 1e3, s: 1, m: 1 / 60, min: 1 / 60, h: 1 / 3600 };

/** "200/s" → 200; "5/ms" → 5000; a plain number is per second. */
export function parseRate(v: string | number): Parsed<number> {
  let perSec: number;
  if (typeof v === 'number') perSec = v;
  else {
    const m = /^\s*([0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)\s*\/\s*([a-zµ]+)\s*$/i.exec(v);
    if (!m) {
      if (/^\s*[0-9.e+]+\s*$/i.test(v) && Number.isFinite(Number(v))) perSec = Number(v);
      else return { ok: false, problem: `${show(v)} is not a rate` };
    } else {
      const u = RATE_UNITS[m[2]!.toLowerCase()] ?? RATE_UNITS[m[2]!];
      if (u === undefined) return { ok: false, problem: `${show(v)} has an unknown time unit "${m[2]}"` };
      perSec = Number(m[1]) * u;
    }
  }
  if (!Number.isFinite(perSec) || perSec <= 0) return { ok: false, problem: `${show(v)} is not above 0` };
  if (perSec > 1e9) return { ok: false, problem: `${show(v)} is too high` };
  return { ok: true, value: perSec };
}
