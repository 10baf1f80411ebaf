/**
 * Parameter sweeps: a grid of scenario overrides × seeds, run in parallel on worker threads,
 * collected by grid index (so the output never depends on which worker finished first), and
 * written as runs.csv, runs.json and an SVG plot of one metric with the best value named.
 *
 * Every grid point is validated before anything runs: a bad --vary value is a scenario error
 * (exit 2, no output files). An interrupted sweep (abort signal, Ctrl-C in the CLI) stops the
 * workers and keeps the rows that finished.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { formatDuration } from '../engine/time.js';
import type { SimConfig } from '../sim.js';
import { loadScenario, parseSetFlag, type Override } from '../workload/scenario.js';
import { lineSpec, renderSvg, type LinePoint } from './plot.js';
import type { Job, JobReply } from './sweep-worker.js';

export interface Vary {
  path: string;
  values: string[];
}

export interface SweepSpec {
  /** Scenario text and its file name (for messages). */
  text: string;
  file: string;
  /** --set (and --model) overrides applied to every run. */
  overrides: Override[];
  vary: Vary[];
  /** How many seeds per grid point: base, base+1, … */
  seeds: number;
  /** First seed (default: the scenario's). */
  seed?: number;
  metric: string;
  /** Which end is better (default: max for throughput/utilization, else min). */
  best?: 'min' | 'max';
}

export interface SweepPoint {
  index: number;
  /** One value per --vary, as written. */
  params: string[];
  seed: number;
  config: SimConfig;
}

export interface SweepPlan {
  scenario: string;
  points: SweepPoint[];
  seeds: number[];
}

/** Key figures written for every run (dotted paths into the run result). */
export const KEY_METRICS = [
  'simulatedNs',
  'events',
  'cpus.utilization',
  'contextSwitches.total',
  'threads.created',
  'tasks.completed',
  'tasks.throughputPerSec',
  'tasks.latencyNs.p50',
  'tasks.latencyNs.p99',
  'schedLatencyNs.p50',
  'schedLatencyNs.p99',
] as const;

/** Parses `path=v1,v2,...` (the argument of --vary). */
export function parseVary(arg: string): Vary {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`--vary ${arg}: expected path=v1,v2,... for example --vary model=pool:4,pool:8`);
  const path = arg.slice(0, eq).trim();
  const values = arg
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim());
  if (values.length === 0 || values.some((v) => v === '')) throw new Error(`--vary ${arg}: empty value in the list`);
  return { path, values };
}

/** Builds and validates every grid point (throws ScenarioError on any bad value). */
export function planSweep(spec: SweepSpec): SweepPlan {
  if (spec.vary.length === 0) throw new Error('sweep: give at least one --vary path=v1,v2,...');
  if (!Number.isInteger(spec.seeds) || spec.seeds < 1 || spec.seeds > 10_000) throw new Error(`--seeds ${spec.seeds}: a count from 1 to 10000`);
  const base = loadScenario(spec.text, spec.file, { overrides: spec.overrides });
  // `--vary seed=1,2,3` chooses the seeds itself: then each grid point runs once, with its seed.
  const varySeed = spec.vary.some((v) => v.path === 'seed');
  if (varySeed && spec.seeds > 1) throw new Error(`--vary seed=... and --seeds ${spec.seeds} both choose seeds: use one of them`);
  const seed0 = spec.seed ?? base.config.seed;
  const seeds = varySeed ? [] : Array.from({ length: spec.seeds }, (_, i) => (seed0 + i) >>> 0);
  const combos: string[][] = [[]];
  for (const v of spec.vary) {
    const next: string[][] = [];
    for (const c of combos) for (const val of v.values) next.push([...c, val]);
    combos.splice(0, combos.length, ...next);
  }
  const points: SweepPoint[] = [];
  for (const params of combos) {
    const vo = params.map((val, i) => parseSetFlag(`${spec.vary[i]!.path}=${val}`));
    if (varySeed) {
      const s = loadScenario(spec.text, spec.file, { overrides: [...spec.overrides, ...vo] });
      points.push({ index: points.length, params, seed: s.config.seed >>> 0, config: s.config });
      continue;
    }
    for (const seed of seeds) {
      const overrides = [...spec.overrides, ...vo, { path: 'seed', value: seed, label: `seed ${seed}` }];
      const s = loadScenario(spec.text, spec.file, { overrides });
      points.push({ index: points.length, params, seed, config: s.config });
    }
  }
  return { scenario: base.name, points, seeds: varySeed ? [...new Set(points.map((p) => p.seed))] : seeds };
}

export interface RunOptions {
  jobs?: number;
  signal?: AbortSignal;
  /** Called after each finished run (done so far, total). */
  onDone?: (done: number, total: number) => void;
}

export interface RunOutcome {
  /** By grid index; undefined where the run did not finish. */
  results: Array<Record<string, unknown> | undefined>;
  errors: Array<string | undefined>;
  finished: number;
  interrupted: boolean;
}

function workerUrl(): URL {
  const ts = import.meta.url.endsWith('.ts');
  return new URL(ts ? './sweep-worker.ts' : './sweep-worker.js', import.meta.url);
}

function startWorker(): Worker {
  const url = workerUrl();
  if (url.pathname.endsWith('.ts')) {
    // Running from TypeScript sources: load tsx in the worker first.
    // Dynamic imports only, so the code runs whether eval input is CommonJS or ESM.
    const boot = `import('node:worker_threads').then(({ workerData }) =>
  import(workerData.tsx).then((api) => { api.register(); return import(workerData.url); }));`;
    return new Worker(boot, { eval: true, workerData: { url: url.href, tsx: import.meta.resolve('tsx/esm/api') } });
  }
  return new Worker(url);
}

/** Runs the points on worker threads; results are kept by grid index. */
export function runPoints(points: SweepPoint[], options: RunOptions = {}): Promise<RunOutcome> {
  const total = points.length;
  const results: RunOutcome['results'] = new Array<Record<string, unknown> | undefined>(total).fill(undefined);
  const errors: RunOutcome['errors'] = new Array<string | undefined>(total).fill(undefined);
  const nWorkers = Math.max(1, Math.min(options.jobs ?? availableParallelism(), total));
  const signal = options.signal;
  return new Promise((resolve, reject) => {
    let next = 0;
    let finished = 0;
    let settled = false;
    const workers: Worker[] = [];
    const finish = (interrupted: boolean): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      resolve({ results, errors, finished, interrupted });
    };
    const onAbort = (): void => finish(true);
    if (signal?.aborted === true) {
      finish(true);
      return;
    }
    signal?.addEventListener('abort', onAbort);
    const feed = (w: Worker): void => {
      if (next >= total) return;
      const p = points[next++]!;
      w.postMessage({ index: p.index, config: p.config } satisfies Job);
    };
    for (let i = 0; i < nWorkers; i++) {
      const w = startWorker();
      workers.push(w);
      w.on('message', (m: JobReply) => {
        if (settled) return;
        if ('result' in m) results[m.index] = m.result;
        else errors[m.index] = m.error;
        finished++;
        options.onDone?.(finished, total);
        if (settled) return;
        if (finished === total) finish(false);
        else feed(w);
      });
      w.on('error', (e) => {
        if (settled) return;
        settled = true;
        for (const x of workers) void x.terminate();
        reject(e);
      });
      feed(w);
    }
  });
}

/** Reads a dotted path of a run result (undefined if absent or not a number). */
export function metricOf(result: Record<string, unknown> | undefined, path: string): number | undefined {
  let v: unknown = result;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Numeric dotted paths of a result (for error messages). */
export function numericPaths(result: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(result)) {
    const p = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'number') out.push(p);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(...numericPaths(v as Record<string, unknown>, p));
  }
  return out;
}

export function betterEnd(metric: string, best?: 'min' | 'max'): 'min' | 'max' {
  if (best !== undefined) return best;
  return /throughput|utilization|completed/i.test(metric) ? 'max' : 'min';
}

/** Formats a metric value for people (durations for *Ns metrics). */
export function formatMetric(metric: string, v: number): string {
  if (/Ns($|\.)/.test(metric)) return formatDuration(Math.round(v));
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 10000) / 10000);
}

export interface BestLine {
  series: string;
  x: string;
  mean: number;
}

export interface SweepReport {
  points: LinePoint[];
  best: BestLine[];
  /** "best model for simulatedNs: pool:12 (mean 1.2s)" lines. */
  text: string[];
}

/** Aggregates the metric over seeds per (first param, other params) and names the best x. */
export function summarize(plan: SweepPlan, vary: Vary[], outcome: RunOutcome, metric: string, best: 'min' | 'max'): SweepReport {
  const groups = new Map<string, { x: string; series: string; vals: number[] }>();
  for (const p of plan.points) {
    const v = metricOf(outcome.results[p.index], metric);
    if (v === undefined) continue;
    const series = p.params
      .slice(1)
      .map((val, i) => (vary.length > 2 ? `${vary[i + 1]!.path}=${val}` : val))
      .join(', ');
    const key = `${p.params[0]!}\u0000${series}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { x: p.params[0]!, series, vals: [] }));
    g.vals.push(v);
  }
  const points: LinePoint[] = [];
  for (const g of groups.values()) {
    const sum = g.vals.reduce((a, b) => a + b, 0);
    points.push({ x: g.x, series: g.series, mean: sum / g.vals.length, min: Math.min(...g.vals), max: Math.max(...g.vals), n: g.vals.length });
  }
  const bestBy = new Map<string, LinePoint>();
  for (const p of points) {
    const b = bestBy.get(p.series);
    if (b === undefined || (best === 'min' ? p.mean < b.mean : p.mean > b.mean)) bestBy.set(p.series, p);
  }
  const bestLines: BestLine[] = [];
  const text: string[] = [];
  const seriesOrder = [...new Set(points.map((p) => p.series))];
  for (const s of seriesOrder) {
    const b = bestBy.get(s)!;
    bestLines.push({ series: s, x: b.x, mean: b.mean });
    const at = s === '' ? '' : vary.length === 2 ? ` at ${vary[1]!.path}=${s}` : ` at ${s}`;
    const over = b.n > 1 ? `mean over ${b.n} seeds` : 'one seed';
    text.push(`best ${vary[0]!.path} for ${metric}${at}: ${b.x} (${best === 'min' ? 'lowest' : 'highest'}, ${formatMetric(metric, b.mean)}, ${over})`);
  }
  return { points, best: bestLines, text };
}

function csvCell(v: string | number | null | undefined): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes a file atomically (temporary name, then rename). */
function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export interface WrittenSweep {
  files: string[];
  report: SweepReport;
}

/** Writes runs.csv, runs.json, plot.svg and plot.vl.json into `dir` (finished rows only). */
export async function writeSweep(dir: string, spec: SweepSpec, plan: SweepPlan, outcome: RunOutcome): Promise<WrittenSweep> {
  mkdirSync(dir, { recursive: true });
  const metric = spec.metric;
  const best = betterEnd(metric, spec.best);
  const cols = [...KEY_METRICS, ...(KEY_METRICS.includes(metric as (typeof KEY_METRICS)[number]) ? [] : [metric])];
  // With --vary seed the seed is already a varied column.
  const seedCol = !spec.vary.some((v) => v.path === 'seed');
  const header = ['index', ...spec.vary.map((v) => v.path), ...(seedCol ? ['seed'] : []), 'outcome', ...cols];
  const lines = [header.map(csvCell).join(',')];
  const runs: Array<Record<string, unknown>> = [];
  for (const p of plan.points) {
    const r = outcome.results[p.index];
    const err = outcome.errors[p.index];
    if (r === undefined && err === undefined) continue;
    const metrics: Record<string, number | null> = {};
    for (const c of cols) metrics[c] = metricOf(r, c) ?? null;
    const params: Record<string, string> = {};
    spec.vary.forEach((v, i) => (params[v.path] = p.params[i]!));
    const outcomeName = err !== undefined ? 'error' : String(r!.outcome);
    lines.push([p.index, ...p.params, ...(seedCol ? [p.seed] : []), outcomeName, ...cols.map((c) => metrics[c])].map(csvCell).join(','));
    runs.push({ index: p.index, params, seed: p.seed, outcome: outcomeName, ...(err !== undefined ? { error: err } : {}), metrics });
  }
  const report = summarize(plan, spec.vary, outcome, metric, best);
  const doc = {
    scenario: plan.scenario,
    file: spec.file,
    metric,
    better: best,
    vary: spec.vary,
    seeds: plan.seeds,
    total: plan.points.length,
    finished: runs.length,
    complete: !outcome.interrupted && runs.length === plan.points.length,
    best: report.best.map((b) => ({ ...(b.series !== '' ? { at: b.series } : {}), [spec.vary[0]!.path]: b.x, mean: b.mean })),
    runs,
  };
  const files: string[] = [];
  const out = (name: string, data: string): void => {
    const p = join(dir, name);
    writeAtomic(p, data);
    files.push(p);
  };
  out('runs.csv', `${lines.join('\n')}\n`);
  out('runs.json', `${JSON.stringify(doc, null, 2)}\n`);
  if (report.points.length > 0) {
    // Durations are plotted in milliseconds.
    const ns = /Ns($|\.)/.test(metric);
    const k = ns ? 1e-6 : 1;
    const spec2 = lineSpec({
      title: `${plan.scenario}: ${metric} vs ${spec.vary[0]!.path}${outcome.interrupted ? ' (interrupted: partial)' : ''}`,
      xTitle: spec.vary[0]!.path,
      xOrder: spec.vary[0]!.values,
      yTitle: ns ? `${metric} (ms)` : metric,
      seriesTitle: spec.vary.length > 1 ? spec.vary.slice(1).map((v) => v.path).join(', ') : null,
      points: report.points.map((p) => ({ ...p, mean: p.mean * k, min: p.min * k, max: p.max * k })),
    });
    out('plot.vl.json', `${JSON.stringify(spec2, null, 2)}\n`);
    out('plot.svg', await renderSvg(spec2));
  }
  return { files, report };
}
