/**
 * `schedlab compare FILE --models threads,pool:8,go:2 [--out DIR]`: runs one workload under
 * several execution models (in parallel, one worker thread each) and prints the figures side
 * by side; with --out, writes compare.csv, compare.json and an SVG bar chart (compare.svg).
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import Table from 'cli-table3';
import { formatDuration } from '../engine/time.js';
import { parseModel } from '../exec/model.js';
import { barSpec, renderSvg, type Bar } from '../node/plot.js';
import { metricOf, runPoints, type SweepPoint } from '../node/sweep.js';
import { defaultExamplesDir, loadScenarioPath, resolveScenarioPath, writeFileAtomic, type CliIo } from './io.js';
import { collect, overridesOf, UsageError } from './trace-options.js';

export interface CompareFlags {
  models?: string;
  out?: string;
  seed?: string;
  set?: string[];
  jobs?: string;
}

interface Row {
  label: string;
  path: string;
  kind: 'ns' | 'num' | 'pct';
  chart: boolean;
}

/** The figures compared, in print order. */
export const COMPARE_ROWS: Row[] = [
  { label: 'outcome', path: 'outcome', kind: 'num', chart: false },
  { label: 'completion time', path: 'simulatedNs', kind: 'ns', chart: true },
  { label: 'throughput (tasks/s)', path: 'tasks.throughputPerSec', kind: 'num', chart: true },
  { label: 'task latency p50', path: 'tasks.latencyNs.p50', kind: 'ns', chart: false },
  { label: 'task latency p99', path: 'tasks.latencyNs.p99', kind: 'ns', chart: true },
  { label: 'scheduling latency p99', path: 'schedLatencyNs.p99', kind: 'ns', chart: true },
  { label: 'CPU utilization', path: 'cpus.utilization', kind: 'pct', chart: true },
  { label: 'time switching', path: 'cpus.switchingShare', kind: 'pct', chart: false },
  { label: 'context switches', path: 'contextSwitches.total', kind: 'num', chart: true },
  { label: 'OS threads created', path: 'threads.created', kind: 'num', chart: true },
  { label: 'OS threads live (max)', path: 'threads.maxLive', kind: 'num', chart: false },
  { label: 'simulated events', path: 'events', kind: 'num', chart: false },
  { label: 'go: goroutines created', path: 'go.goroutinesCreated', kind: 'num', chart: false },
  { label: 'go: goroutine sched latency p99', path: 'go.goroutineSchedLatencyNs.p99', kind: 'ns', chart: false },
  { label: 'go: steals', path: 'go.steals', kind: 'num', chart: false },
  { label: 'go: P handoffs', path: 'go.handoffs', kind: 'num', chart: false },
  { label: 'go: time spinning', path: 'go.spinningNs', kind: 'ns', chart: false },
];

function show(row: Row, r: Record<string, unknown> | undefined): string {
  if (r === undefined) return 'failed';
  if (row.path === 'outcome') return String(r.outcome);
  const v = metricOf(r, row.path);
  if (v === undefined) return '-';
  if (row.kind === 'ns') return formatDuration(v);
  if (row.kind === 'pct') return `${(v * 100).toFixed(1)}%`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** --out DIR: a directory, or a path where one can be made (checked before any run). */
function checkOutDir(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    return; // made when the files are written
  }
  if (!isDir) throw new UsageError(`--out ${dir}: is a file, not a directory (compare writes compare.csv, compare.json, compare.vl.json and compare.svg into a directory)`);
}

function writeAtomic(path: string, data: string): void {
  try {
    writeFileAtomic(path, data);
  } catch (e) {
    throw new UsageError(`--out: cannot write ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export async function compareFile(file: string, o: CompareFlags, io: { out: (s: string) => void; err: (s: string) => void; examplesDir?: string }): Promise<number> {
  if (o.models === undefined) throw new UsageError('compare: --models is required, for example --models threads,pool:8,go:2');
  const models = o.models
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  if (models.length === 0) throw new UsageError('compare: --models lists no model');
  const twice = models.find((m, i) => models.indexOf(m) !== i);
  if (twice !== undefined) throw new UsageError(`--models: ${twice} is listed twice (each model once)`);
  let jobs: number | undefined;
  if (o.jobs !== undefined) {
    jobs = Number(o.jobs);
    if (!/^[0-9]+$/.test(o.jobs) || jobs < 1 || jobs > 1024) throw new UsageError(`--jobs ${o.jobs}: a whole number from 1 to 1024`);
  }
  if (o.out !== undefined) checkOutDir(o.out);
  const path = resolveScenarioPath(file, io.examplesDir ?? defaultExamplesDir());
  for (const m of models) {
    try {
      parseModel(m);
    } catch (e) {
      throw new UsageError(`--models: ${(e as Error).message}`);
    }
  }
  const base = overridesOf({ ...(o.set !== undefined ? { set: o.set } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) });
  const points: SweepPoint[] = models.map((m, index) => {
    const s = loadScenarioPath(path, [...base, { path: 'model', value: m, label: `--models ${m}` }]);
    return { index, params: [m], seed: s.config.seed, config: s.config };
  });
  const outcome = await runPoints(points, jobs !== undefined ? { jobs } : {});
  const cfg = points[0]!.config;
  io.out(`scenario ${cfg.name}, seed ${cfg.seed}, ${cfg.machine.cpus} hardware thread${cfg.machine.cpus === 1 ? '' : 's'}, policy ${cfg.os.policy}\n`);
  const table = new Table({ head: ['', ...models], style: { head: [], border: [], compact: true } });
  for (const row of COMPARE_ROWS) table.push([row.label, ...models.map((_, i) => show(row, outcome.results[i]))]);
  io.out(`${table.toString()}\n`);
  outcome.errors.forEach((e, i) => {
    if (e !== undefined) io.err(`${models[i]!}: ${e}\n`);
  });
  if (o.out !== undefined) {
    try {
      mkdirSync(o.out, { recursive: true });
    } catch (e) {
      throw new UsageError(`--out ${o.out}: cannot make the directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const csv = [['figure', ...models].join(','), ...COMPARE_ROWS.map((row) => [row.path, ...models.map((_, i) => (row.path === 'outcome' ? String(outcome.results[i]?.outcome as string) : (metricOf(outcome.results[i], row.path) ?? '')))].join(','))];
    writeAtomic(join(o.out, 'compare.csv'), `${csv.join('\n')}\n`);
    const doc = {
      scenario: cfg.name,
      seed: cfg.seed,
      models: models.map((m, i) => ({ model: m, ...(outcome.errors[i] !== undefined ? { error: outcome.errors[i] } : {}), result: outcome.results[i] ?? null })),
    };
    writeAtomic(join(o.out, 'compare.json'), `${JSON.stringify(doc, null, 2)}\n`);
    const bars: Bar[] = [];
    for (const row of COMPARE_ROWS) {
      if (!row.chart) continue;
      models.forEach((m, i) => {
        const v = metricOf(outcome.results[i], row.path);
        if (v === undefined) return;
        const label = row.kind === 'ns' ? `${row.label} (ms)` : row.kind === 'pct' ? `${row.label} (%)` : row.label;
        bars.push({ model: m, metric: label, value: row.kind === 'ns' ? v / 1e6 : row.kind === 'pct' ? v * 100 : v });
      });
    }
    const spec = barSpec({ title: `${cfg.name}: execution models compared`, bars, modelOrder: models, metricOrder: [...new Set(bars.map((b) => b.metric))] });
    writeAtomic(join(o.out, 'compare.vl.json'), `${JSON.stringify(spec, null, 2)}\n`);
    writeAtomic(join(o.out, 'compare.svg'), await renderSvg(spec));
    io.out(`wrote ${['compare.csv', 'compare.json', 'compare.vl.json', 'compare.svg'].map((f) => join(o.out!, f)).join(', ')}\n`);
  }
  return outcome.errors.some((e) => e !== undefined) ? 1 : 0;
}

export function compareCommand(io: CliIo, setCode: (code: number) => void): Command {
  const cmd = new Command('compare')
    .description('run one workload under several execution models and show the figures side by side (and an SVG chart with --out)')
    .argument('<file>', 'scenario file, or the name of an example (schedlab examples)')
    .option('--models <list>', 'comma-separated models, e.g. threads,pool:8,go:2')
    .option('--out <dir>', 'write compare.csv, compare.json, compare.vl.json (Vega-Lite) and compare.svg here')
    .option('--seed <n>', 'seed')
    .option('--set <path=value>', 'override a scenario field (repeatable)', collect, [] as string[])
    .option('--jobs <n>', 'worker threads (default: the number of cores)')
    // Bad input throws (UsageError, ScenarioError): the command line prints it, exit code 2.
    .action(async (file, o) => {
      setCode(await compareFile(file, o, io));
    });
  return cmd as unknown as Command;
}

export function registerCompare(program: { addCommand(cmd: Command): unknown }, io: CliIo, setCode: (code: number) => void): void {
  program.addCommand(compareCommand(io, setCode));
}
