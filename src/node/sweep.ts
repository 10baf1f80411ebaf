/**
 * Parameter sweeps: a grid of scenario overrides × seeds, run in parallel on worker threads,
 * collected by grid index (so the output never depends on which worker finished first), and
 * written as runs.csv, runs.json and an SVG plot of one metric with the best value named.
 *
 * Every grid point is validated before anything runs: a bad --vary value is a scenario error
 * (exit 2, no output files), and so is a --metric that is not a number in every point's result
 * (checked on each point's configuration stopped before its first event). An
 * interrupted sweep (abort signal, Ctrl-C in the CLI) stops the workers and keeps the rows that
 * finished. The best value and the plot use completed runs only.
 */
import { accessSync, constants, mkdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { formatDuration } from '../engine/time.js';
import { simulate, type SimConfig } from '../sim.js';
import { loadScenario, parseSetFlag, ScenarioError, type Override } from '../workload/scenario.js';
import { lineSpec, renderSvg, type LinePoint } from './plot.js';
import { writeFileAtomic } from './write-file.js';
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
  /** How many variants the file declares (a sweep runs the scenario without them). */
  variants: number;
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

/** The files a sweep writes into its directory (the plot files only when there is a point to plot). */
export const SWEEP_FILES = ['runs.csv', 'runs.json', 'plot.vl.json', 'plot.svg'] as const;

/** True when one dotted path is the other or lies inside it ("os" and "os.policy"). */
function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/** The override of one --vary value, labelled `--vary path=value` in messages. */
function varyOverride(path: string, value: string): Override {
  const label = `--vary ${path}=${value}`;
  try {
    return { ...parseSetFlag(`${path}=${value}`), label };
  } catch (e) {
    if (e instanceof ScenarioError) throw new ScenarioError(e.issues.map((i) => ({ ...i, where: label })));
    throw e;
  }
}

/** "model=pool:2, os.policy=rr": the --vary values of one grid point. */
export function gridPointLabel(vary: readonly Vary[], params: readonly string[]): string {
  return params.map((val, i) => `${vary[i]!.path}=${val}`).join(', ');
}

/**
 * Builds and validates every grid point (throws ScenarioError on any bad value, naming the
 * grid point; Error on a bad combination of flags).
 */
export function planSweep(spec: SweepSpec): SweepPlan {
  if (spec.vary.length === 0) throw new Error('sweep: give at least one --vary path=v1,v2,...');
  if (!Number.isInteger(spec.seeds) || spec.seeds < 1 || spec.seeds > 10_000) throw new Error(`--seeds ${spec.seeds}: a count from 1 to 10000`);
  // Each path once: a second --vary of the same path would replace the first one's values.
  spec.vary.forEach((v, i) => {
    for (const w of spec.vary.slice(0, i)) {
      if (w.path === v.path) throw new Error(`--vary ${v.path}: given twice; give all its values in one --vary ${v.path}=v1,v2,...`);
      if (overlaps(w.path, v.path)) throw new Error(`--vary ${w.path} and --vary ${v.path}: one path lies inside the other; vary one of them`);
    }
    // A --set, --model or --seed of a varied path would be silently replaced by the --vary value.
    for (const o of spec.overrides) {
      if (overlaps(o.path, v.path)) throw new Error(`${o.label} and --vary ${v.path}=...: both set ${o.path === v.path ? v.path : `${o.path} / ${v.path}`}; use one of them`);
    }
  });
  const base = loadScenario(spec.text, spec.file, { overrides: spec.overrides });
  // `--vary seed=1,2,3` chooses the seeds itself: then each grid point runs once, with its seed.
  const varySeed = spec.vary.some((v) => v.path === 'seed');
  if (varySeed && spec.seeds > 1) throw new Error(`--vary seed=... and --seeds ${spec.seeds} both choose seeds: use one of them`);
  if (varySeed && spec.seed !== undefined) throw new Error(`--vary seed=... and --seed ${spec.seed} both choose seeds: use one of them`);
  const seed0 = spec.seed ?? base.config.seed;
  const seeds = varySeed ? [] : Array.from({ length: spec.seeds }, (_, i) => (seed0 + i) >>> 0);
  // Every value parsed once, labelled as the user wrote it.
  const valueOverrides = spec.vary.map((v) => v.values.map((val) => varyOverride(v.path, val)));
  const combos: number[][] = [[]];
  for (const v of spec.vary) {
    const next: number[][] = [];
    for (const c of combos) for (let k = 0; k < v.values.length; k++) next.push([...c, k]);
    combos.splice(0, combos.length, ...next);
  }
  const points: SweepPoint[] = [];
  for (const ks of combos) {
    const params = ks.map((k, i) => spec.vary[i]!.values[k]!);
    const vo = ks.map((k, i) => valueOverrides[i]![k]!);
    const load = (overrides: Override[]): SimConfig => {
      try {
        return loadScenario(spec.text, spec.file, { overrides }).config;
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw e;
        const at = `grid point ${gridPointLabel(spec.vary, params)}`;
        throw new ScenarioError(e.issues.map((i) => ({ ...i, where: `${at}: ${i.where}` })));
      }
    };
    if (varySeed) {
      const config = load([...spec.overrides, ...vo]);
      points.push({ index: points.length, params, seed: config.seed >>> 0, config });
      continue;
    }
    for (const seed of seeds) {
      const config = load([...spec.overrides, ...vo, { path: 'seed', value: seed, label: `seed ${seed}` }]);
      points.push({ index: points.length, params, seed, config });
    }
  }
  return { scenario: base.name, variants: base.variants.length, points, seeds: varySeed ? [...new Set(points.map((p) => p.seed))] : seeds };
}

/** Writes "a.b, a.c, d" as "a.{b,c}, d" (paths in order). */
function compactPaths(paths: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < paths.length; ) {
    const dot = paths[i]!.lastIndexOf('.');
    const parent = dot < 0 ? null : paths[i]!.slice(0, dot);
    let j = i + 1;
    if (parent !== null) while (j < paths.length && paths[j]!.lastIndexOf('.') === dot && paths[j]!.startsWith(`${parent}.`)) j++;
    if (parent === null || j - i === 1) out.push(paths[i]!);
    else out.push(`${parent}.{${paths.slice(i, j).map((p) => p.slice(dot + 1)).join(',')}}`);
    i = j;
  }
  return out.join(', ');
}

/**
 * Checks that `metric` is a number in the result of every grid point, before anything runs.
 * The shape of a result depends on the setup (pool and go models add figures, and so does a
 * CPU quota) and on the workload's sources (`tasks.bySource.N`, one per source, listed from
 * the start), not on how the run goes: each distinct configuration is started and stopped
 * before its first event (`limits.events` 0), which builds the full result at no cost. Throws
 * Error naming the metrics every run has.
 */
export function checkMetric(plan: SweepPlan, vary: readonly Vary[], metric: string): void {
  const probes = new Map<string, string[] | null>();
  let common: string[] | null = null;
  let missing: SweepPoint | null = null;
  for (const p of plan.points) {
    const setup = { ...p.config, seed: 0, limits: { ...p.config.limits, events: 0 } };
    const key = JSON.stringify(setup);
    let paths = probes.get(key);
    if (paths === undefined) {
      try {
        paths = numericPaths(simulate(setup) as unknown as Record<string, unknown>, '', true);
      } catch {
        paths = null; // the real run will fail too, and be reported as an error
      }
      probes.set(key, paths);
    }
    if (paths === null) continue;
    const has = new Set(paths);
    common = common === null ? paths : common.filter((x) => has.has(x));
    if (missing === null && !has.has(metric)) missing = p;
  }
  if (missing === null || common === null) return;
  const inSome = [...probes.values()].some((ps) => ps !== null && ps.includes(metric));
  const where = inSome ? ` of grid point ${gridPointLabel(vary, missing.params)} (only of some points)` : 's of this sweep';
  throw new Error(`--metric ${metric}: not a number in the result${where}; every run has: ${compactPaths(common)}`);
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

const SAMPLE_FIGURES = new Set(['mean', 'p50', 'p90', 'p99', 'max']);

/**
 * A figure of a run for the sweep files: like metricOf, but a mean or percentile of an empty
 * sample (count 0: a deadlocked run's task latency) has no value instead of 0.
 */
export function figureOf(result: Record<string, unknown> | undefined, path: string): number | undefined {
  const v = metricOf(result, path);
  if (v === undefined) return undefined;
  const dot = path.lastIndexOf('.');
  if (dot > 0 && SAMPLE_FIGURES.has(path.slice(dot + 1)) && metricOf(result, `${path.slice(0, dot)}.count`) === 0) return undefined;
  return v;
}

/**
 * Numeric dotted paths of a result (for error messages); with `nulls`, also the paths of null
 * fields (a figure with no value in this result).
 */
export function numericPaths(result: Record<string, unknown>, prefix = '', nulls = false): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(result)) {
    const p = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'number' || (nulls && v === null)) out.push(p);
    // Arrays by index (tasks.bySource.0.latencyNs.p99), as metricOf reads them.
    else if (v !== null && typeof v === 'object') out.push(...numericPaths(v as Record<string, unknown>, p, nulls));
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
  /**
   * Finished runs left out of the best value and the plot because they did not complete, by
   * outcome ("deadlock", "truncated", "panic", …; "error" for a run that failed), in grid order.
   */
  leftOut: Record<string, number>;
  /** Completed runs with no value of the metric (a figure of an empty sample). */
  noValue: number;
  /** "best model for simulatedNs: pool:12 (mean 1.2s)" lines, then what was left out. */
  text: string[];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Aggregates the metric over seeds per (first param, other params) and names the best x. Only
 * completed runs count: a deadlocked or truncated run stops early, so its figures (a short
 * completion time, latencies of no task) would "win" without meaning anything.
 */
export function summarize(plan: SweepPlan, vary: Vary[], outcome: RunOutcome, metric: string, best: 'min' | 'max'): SweepReport {
  const groups = new Map<string, { x: string; series: string; vals: number[] }>();
  const seriesOrder = new Set<string>();
  const completedIn = new Map<string, number>();
  const leftOut: Record<string, number> = {};
  let noValue = 0;
  let finished = 0;
  for (const p of plan.points) {
    const r = outcome.results[p.index];
    if (r === undefined && outcome.errors[p.index] === undefined) continue; // did not run
    finished++;
    const series = p.params
      .slice(1)
      .map((val, i) => (vary.length > 2 ? `${vary[i + 1]!.path}=${val}` : val))
      .join(', ');
    seriesOrder.add(series);
    const name = r === undefined ? 'error' : String(r.outcome);
    if (name !== 'completed') {
      leftOut[name] = (leftOut[name] ?? 0) + 1;
      continue;
    }
    completedIn.set(series, (completedIn.get(series) ?? 0) + 1);
    const v = figureOf(r, metric);
    if (v === undefined) {
      noValue++;
      continue;
    }
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
  for (const s of seriesOrder) {
    const at = s === '' ? '' : vary.length === 2 ? ` at ${vary[1]!.path}=${s}` : ` at ${s}`;
    const b = bestBy.get(s);
    if (b === undefined) {
      text.push(`no best ${vary[0]!.path} for ${metric}${at}: ${(completedIn.get(s) ?? 0) === 0 ? 'no run completed' : `no completed run has a value of ${metric}`}`);
      continue;
    }
    bestLines.push({ series: s, x: b.x, mean: b.mean });
    const over = b.n > 1 ? `mean over ${b.n} seeds` : 'one seed';
    text.push(`best ${vary[0]!.path} for ${metric}${at}: ${b.x} (${best === 'min' ? 'lowest' : 'highest'}, ${formatMetric(metric, b.mean)}, ${over})`);
  }
  const left = Object.entries(leftOut);
  if (left.length > 0) {
    const n = left.reduce((a, [, k]) => a + k, 0);
    const why = left.map(([name, k]) => `${k} ${name === 'error' ? 'failed' : name}`).join(', ');
    text.push(`left out ${n} of ${plural(finished, 'run')}: not completed (${why}); the best value and the plot use completed runs only`);
  }
  if (noValue > 0) text.push(`left out ${plural(noValue, 'completed run')} with no value of ${metric} (a figure of an empty sample)`);
  return { points, best: bestLines, leftOut, noValue, text };
}

function csvCell(v: string | number | null | undefined): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Checks, before anything runs, that the sweep can write into `dir`: it is a directory (or can
 * be made one) that can be written, and none of the sweep's file names is taken by a directory.
 * Throws Error with a one-line message.
 */
export function checkOutDir(dir: string): void {
  let p = dir;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new Error(`--out ${dir}: cannot use ${p === dir ? 'it' : p} (${code ?? String(e)})`, { cause: e });
      const up = dirname(p);
      if (up === p) throw new Error(`--out ${dir}: no existing directory to create it in`, { cause: e });
      p = up;
      continue;
    }
    if (!isDir) {
      throw new Error(p === dir ? `--out ${dir}: is a file, not a directory (the sweep writes ${SWEEP_FILES.join(', ')} into a directory)` : `--out ${dir}: ${p} is a file, not a directory`);
    }
    try {
      accessSync(p, constants.W_OK);
    } catch (e) {
      throw new Error(`--out ${dir}: cannot write into ${p === dir ? 'it' : p} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
    }
    if (p !== dir) return; // to be created: empty
    for (const name of SWEEP_FILES) {
      let taken = false;
      try {
        taken = statSync(join(dir, name)).isDirectory();
      } catch {
        // absent: fine
      }
      if (taken) throw new Error(`--out ${dir}: ${join(dir, name)} is a directory, where the sweep writes its ${name}`);
    }
    return;
  }
}

export interface WrittenSweep {
  files: string[];
  report: SweepReport;
}

/**
 * Writes runs.csv, runs.json, plot.svg and plot.vl.json into `dir` (finished rows only). With no
 * point to plot (no completed run with a value), an earlier sweep's plot files are removed, so a
 * plot in `dir` always belongs to its runs.csv.
 */
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
    for (const c of cols) metrics[c] = figureOf(r, c) ?? null;
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
    leftOut: report.leftOut,
    noValue: report.noValue,
    runs,
  };
  const files: string[] = [];
  const out = (name: string, data: string): void => {
    const p = join(dir, name);
    writeFileAtomic(p, data);
    files.push(p);
  };
  if (report.points.length === 0) {
    for (const name of ['plot.vl.json', 'plot.svg']) rmSync(join(dir, name), { force: true });
  }
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
