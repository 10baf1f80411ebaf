/**
 * `schedlab sweep FILE --vary path=v1,v2,... [--vary ...] [--seeds N] [--metric name] --out DIR`
 *
 * Runs the grid in parallel on worker threads with a progress bar on stderr (time left; the
 * bar prints nothing when stderr is not a terminal), writes runs.csv, runs.json, plot.svg and
 * plot.vl.json into DIR, and names the best value of the first varied parameter among the
 * completed runs. Bad input (flags, the scenario, a --vary value, --metric, --out) is reported
 * before anything runs, with exit code 2 and no file written. Ctrl-C stops the sweep, keeps the
 * finished rows in the files, says so, and exits with code 130.
 */
import { readFileSync, statSync } from 'node:fs';
import { Command } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { ScenarioError } from '../workload/scenario.js';
import { checkMetric, checkOutDir, parseVary, planSweep, runPoints, writeSweep, type SweepPlan, type SweepSpec } from '../node/sweep.js';
import { defaultExamplesDir, resolveScenarioPath } from './io.js';
import { collect, overridesOf, reportError, UsageError } from './trace-options.js';

export interface SweepFlags {
  vary: string[];
  seeds?: string;
  seed?: string;
  metric?: string;
  best?: string;
  out?: string;
  set?: string[];
  model?: string;
  jobs?: string;
  quiet?: boolean;
}

export interface SweepIo {
  out: (s: string) => void;
  err: (s: string) => void;
  stderrTty: boolean;
  signal?: AbortSignal;
  /** Where a bare example name is looked up (default: the package's examples/). */
  examplesDir?: string;
}

function intFlag(name: string, v: string | undefined, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new UsageError(`--${name} ${v}: a whole number from ${lo} to ${hi}`);
  return n;
}

/** The scenario argument, as `schedlab run` takes it: a file, or the name of an example. */
function readScenario(arg: string, examplesDir: string): { file: string; text: string } {
  const file = resolveScenarioPath(arg, examplesDir);
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`${file}: is a directory (expected a scenario file, .yaml or .json)`);
    return { file, text: readFileSync(file, 'utf8') };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(e)})`);
  }
}

/**
 * Runs a sweep; returns the exit code (0 done, 130 interrupted). Throws UsageError or
 * ScenarioError on bad input, before anything runs and before any file is written.
 */
export async function sweepFile(arg: string, o: SweepFlags, io: SweepIo): Promise<number> {
  if (o.out === undefined || o.out === '') throw new UsageError('sweep: --out DIR is required (where runs.csv, runs.json and plot.svg go)');
  const outDir = o.out;
  if (o.best !== undefined && o.best !== 'min' && o.best !== 'max') throw new UsageError(`--best ${o.best}: min or max`);
  const jobs = intFlag('jobs', o.jobs, 1, 1024);
  const seeds = intFlag('seeds', o.seeds, 1, 10_000) ?? 1;
  const seed = intFlag('seed', o.seed, 0, 0xffffffff);
  const { file, text } = readScenario(arg, io.examplesDir ?? defaultExamplesDir());
  const vary = o.vary.map((v) => {
    try {
      return parseVary(v);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  });
  const spec: SweepSpec = {
    text,
    file,
    overrides: overridesOf({ ...(o.set !== undefined ? { set: o.set } : {}), ...(o.model !== undefined ? { model: o.model } : {}) }),
    vary,
    seeds,
    metric: o.metric ?? 'simulatedNs',
  };
  if (seed !== undefined) spec.seed = seed;
  if (o.best !== undefined) spec.best = o.best;
  let plan: SweepPlan;
  try {
    checkOutDir(outDir);
    plan = planSweep(spec);
    checkMetric(plan, vary, spec.metric);
  } catch (e) {
    if (e instanceof Error && !(e instanceof ScenarioError)) throw new UsageError(e.message);
    throw e;
  }
  const total = plan.points.length;
  io.err(`sweep ${plan.scenario}: ${total} run${total === 1 ? '' : 's'} (${vary.map((v) => `${v.path} × ${v.values.length}`).join(', ')}, ${plan.seeds.length} seed${plan.seeds.length === 1 ? '' : 's'})\n`);
  if (plan.variants > 0) io.err(`note: the file's ${plan.variants} variant${plan.variants === 1 ? ' is' : 's are'} not part of the sweep (it varies the scenario without variants)\n`);
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: ' {bar} {percentage}% | {value}/{total} runs | {duration_formatted} elapsed | {eta_formatted} left', hideCursor: true, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  if (io.stderrTty && o.quiet !== true) bar.start(total, 0);
  const outcome = await runPoints(plan.points, {
    ...(jobs !== undefined ? { jobs } : {}),
    ...(io.signal !== undefined ? { signal: io.signal } : {}),
    onDone: (done) => {
      if (io.stderrTty && o.quiet !== true) bar.update(done);
    },
  });
  if (io.stderrTty && o.quiet !== true) bar.stop();
  let written;
  try {
    written = await writeSweep(outDir, spec, plan, outcome);
  } catch (e) {
    // The directory was checked before the runs; it can still fail (disk full, removed meanwhile).
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw new UsageError(`--out ${outDir}: cannot write the sweep files (${code})`);
    throw e;
  }
  for (const line of written.report.text) io.out(`${line}\n`);
  const failed = outcome.errors.filter((e) => e !== undefined).length;
  if (failed > 0) io.err(`${failed} run${failed === 1 ? '' : 's'} failed (outcome "error" in runs.csv)\n`);
  io.out(`wrote ${written.files.join(', ')}\n`);
  if (outcome.interrupted) {
    io.err(`interrupted: ${outcome.finished} of ${total} runs finished; the files hold the finished rows only\n`);
    return 130;
  }
  return 0;
}

export function sweepCommand(): Command {
  const cmd = new Command('sweep')
    .description('run a scenario over a grid of parameter values (and seeds) in parallel; write CSV, JSON and an SVG plot; name the best value')
    .argument('<file>', 'scenario file, or the name of an example (schedlab examples)')
    .option('--vary <path=v1,v2,...>', 'a parameter and its values (repeatable, one path each; the first is the plot x axis, the second one line each)', collect, [] as string[])
    .option('--seeds <n>', 'seeds per grid point: the scenario seed, +1, +2, … (default: 1)')
    .option('--seed <n>', 'first seed (default: the scenario seed; not with --vary seed=...)')
    .option('--metric <path>', 'result figure to plot and optimise, e.g. tasks.latencyNs.p99 (default: simulatedNs; checked before anything runs)')
    .option('--best <min|max>', 'which end is best (default: max for throughput/utilization, else min)')
    .option('--out <dir>', 'output directory')
    .option('--set <path=value>', 'override a scenario field in every run (repeatable)', collect, [] as string[])
    .option('--model <model>', 'execution model for every run')
    .option('--jobs <n>', 'worker threads (default: the number of cores)')
    .option('--quiet', 'no progress bar')
    .action(async (file, o) => {
      const ac = new AbortController();
      const onSigint = (): void => ac.abort();
      process.once('SIGINT', onSigint);
      try {
        const code = await sweepFile(file, o, {
          out: (s) => process.stdout.write(s),
          err: (s) => process.stderr.write(s),
          stderrTty: process.stderr.isTTY,
          signal: ac.signal,
        });
        if (code !== 0) process.exitCode = code;
      } catch (e) {
        reportError(e);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
  return cmd as unknown as Command;
}

export function registerSweep(program: { addCommand(cmd: Command): unknown }): void {
  program.addCommand(sweepCommand());
}
