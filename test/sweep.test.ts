/**
 * Sweeps: grid planning and validation, parallel runs collected by grid index, the CSV/JSON/SVG
 * outputs, the best value, and an interrupted sweep (injected abort, and Ctrl-C on a child
 * process) that keeps the finished rows. Bad input (a --vary path twice, a bad --metric, an
 * unusable --out, a bad --vary value, clashing flags) is refused before anything runs or
 * prints, with exit code 2 and no file written.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { sweepCommand, sweepFile, type SweepFlags } from '../src/cli/sweep.js';
import { UsageError } from '../src/cli/trace-options.js';
import { checkMetric, parseVary, planSweep, runPoints, writeSweep, type SweepSpec } from '../src/node/sweep.js';
import { ScenarioError } from '../src/workload/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'schedlab-sweep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'pool-io.yaml');
const TEXT = `name: pool-io
machine: {cpus: 1, costs: {contextSwitch: 1us, wakeupIpi: 0ns, threadCreate: 0ns, syscall: 0ns, timerSlack: 0ns}}
os: {policy: fifo, balanceInterval: 0ns}
model: pool:1
workload:
  - batch: 4
    name: req
    program: [{compute: 1ms}, {io: 4ms}]
`;
writeFileSync(file, TEXT);

function io(): { out: string[]; err: string[]; io: Parameters<typeof sweepFile>[2] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s) => out.push(s), err: (s) => err.push(s), stderrTty: false } };
}

describe('sweep planning', () => {
  it('parses --vary and rejects bad lists', () => {
    expect(parseVary('model=pool:1, pool:2')).toEqual({ path: 'model', values: ['pool:1', 'pool:2'] });
    expect(() => parseVary('model')).toThrow('expected path=v1,v2,...');
    expect(() => parseVary('model=pool:1,,pool:2')).toThrow('empty value');
  });

  it('builds the grid in order: first parameter slowest, seeds fastest', () => {
    const spec: SweepSpec = { text: TEXT, file, overrides: [], vary: [parseVary('model=pool:1,pool:2'), parseVary('machine.cpus=1,2')], seeds: 2, metric: 'simulatedNs' };
    const plan = planSweep(spec);
    expect(plan.points.map((p) => [p.index, ...p.params, p.seed])).toEqual([
      [0, 'pool:1', '1', 1],
      [1, 'pool:1', '1', 2],
      [2, 'pool:1', '2', 1],
      [3, 'pool:1', '2', 2],
      [4, 'pool:2', '1', 1],
      [5, 'pool:2', '1', 2],
      [6, 'pool:2', '2', 1],
      [7, 'pool:2', '2', 2],
    ]);
    expect(plan.points[6]!.config.machine.cpus).toBe(2);
    expect(plan.points[6]!.config.model).toBe('pool:2');
  });

  it('validates every value before running anything', async () => {
    const out = join(dir, 'bad');
    const h = io();
    await expect(sweepFile(file, { vary: ['model=pool:1,pool:x'], out }, h.io)).rejects.toThrow('grid point model=pool:x: --vary model=pool:x: model: "pool:x" is not an execution model');
    await expect(sweepFile(file, { vary: ['model=pool:1'] }, h.io)).rejects.toThrow(UsageError);
    expect(existsSync(out)).toBe(false);
  });
});

describe('sweep runs', () => {
  it('writes every run, plots the metric and names the best value', async () => {
    const out = join(dir, 'full');
    const h = io();
    const code = await sweepFile(file, { vary: ['model=pool:1,pool:2,pool:4', 'workload.0.program.1.io=1ms,4ms'], seeds: '2', metric: 'simulatedNs', out, jobs: '2' }, h.io);
    expect(code).toBe(0);
    expect(h.out[0]).toBe('best model for simulatedNs at workload.0.program.1.io=1ms: pool:2 (lowest, 5.005ms, mean over 2 seeds)\n');
    expect(h.out[1]).toBe('best model for simulatedNs at workload.0.program.1.io=4ms: pool:4 (lowest, 8.005ms, mean over 2 seeds)\n');
    const csv = readFileSync(join(out, 'runs.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'index,model,workload.0.program.1.io,seed,outcome,simulatedNs,events,cpus.utilization,contextSwitches.total,threads.created,tasks.completed,tasks.throughputPerSec,tasks.latencyNs.p50,tasks.latencyNs.p99,schedLatencyNs.p50,schedLatencyNs.p99',
    );
    expect(csv.length).toBe(13);
    // One CPU, 1 us per switch to another thread. pool:1 runs the 4 tasks one after another
    // (1 ms CPU + IO each); pool:4 overlaps every IO with the next task's CPU.
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 6).join(','))).toEqual([
      '0,pool:1,1ms,1,completed,8001000',
      '1,pool:1,1ms,2,completed,8001000',
      '2,pool:1,4ms,1,completed,20001000',
      '3,pool:1,4ms,2,completed,20001000',
      '4,pool:2,1ms,1,completed,5005000',
      '5,pool:2,1ms,2,completed,5005000',
      '6,pool:2,4ms,1,completed,11004000',
      '7,pool:2,4ms,2,completed,11004000',
      '8,pool:4,1ms,1,completed,5005000',
      '9,pool:4,1ms,2,completed,5005000',
      '10,pool:4,4ms,1,completed,8005000',
      '11,pool:4,4ms,2,completed,8005000',
    ]);
    const doc = JSON.parse(readFileSync(join(out, 'runs.json'), 'utf8')) as Record<string, unknown> & { runs: Array<Record<string, unknown>> };
    expect(doc.complete).toBe(true);
    expect(doc.finished).toBe(12);
    expect(doc.better).toBe('min');
    expect(doc.best).toEqual([
      { at: '1ms', model: 'pool:2', mean: 5_005_000 },
      { at: '4ms', model: 'pool:4', mean: 8_005_000 },
    ]);
    expect(doc.runs[2]).toMatchObject({ index: 2, params: { model: 'pool:1', 'workload.0.program.1.io': '4ms' }, seed: 1, outcome: 'completed' });
    const svg = readFileSync(join(out, 'plot.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('simulatedNs (ms)');
    // Same sweep again, one worker: byte-identical files.
    const out2 = join(dir, 'full2');
    await sweepFile(file, { vary: ['model=pool:1,pool:2,pool:4', 'workload.0.program.1.io=1ms,4ms'], seeds: '2', metric: 'simulatedNs', out: out2, jobs: '1' }, io().io);
    for (const f of ['runs.csv', 'runs.json', 'plot.svg']) expect(readFileSync(join(out2, f), 'utf8')).toBe(readFileSync(join(out, f), 'utf8'));
  });

  it('keeps the finished rows when interrupted', async () => {
    const spec: SweepSpec = { text: TEXT, file, overrides: [], vary: [parseVary('model=pool:1,pool:2,pool:4')], seeds: 2, metric: 'simulatedNs' };
    const plan = planSweep(spec);
    const ac = new AbortController();
    const outcome = await runPoints(plan.points, { jobs: 1, signal: ac.signal, onDone: (done) => done === 2 && ac.abort() });
    expect(outcome.interrupted).toBe(true);
    expect(outcome.finished).toBe(2);
    const out = join(dir, 'cut');
    await writeSweep(out, spec, plan, outcome);
    const csv = readFileSync(join(out, 'runs.csv'), 'utf8').trim().split('\n');
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual(['0,pool:1,1,completed', '1,pool:1,2,completed']);
    const doc = JSON.parse(readFileSync(join(out, 'runs.json'), 'utf8')) as Record<string, unknown>;
    expect([doc.complete, doc.finished, doc.total]).toEqual([false, 2, 6]);
  });

  it('stops on Ctrl-C in the CLI, says so, keeps finished rows, exits 130', async () => {
    // The first value is quick, the others take long (about 2.5 s each here, so that a fast
    // machine does not finish them before the signal): SIGINT arrives while the sweep runs.
    const slow = join(dir, 'slow.yaml');
    writeFileSync(slow, TEXT.replace('batch: 4', 'batch: 1'));
    const out = join(dir, 'sigint');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "import {sweepCommand} from './src/cli/sweep.ts'; await sweepCommand().parseAsync(process.argv.slice(1), {from:'user'});",
        '--',
        slow,
        '--vary',
        'workload.0.batch=1,600000,600000,600000',
        '--jobs',
        '1',
        '--out',
        out,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && stderr.includes('4 runs')) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 1500);
      }
    });
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(130);
    const m = /interrupted: (\d+) of 4 runs finished; the files hold the finished rows only/.exec(stderr);
    expect(m).not.toBeNull();
    const k = Number(m![1]);
    expect(k).toBeLessThan(4);
    const csv = readFileSync(join(out, 'runs.csv'), 'utf8').trim().split('\n');
    expect(csv.length - 1).toBe(k);
    const doc = JSON.parse(readFileSync(join(out, 'runs.json'), 'utf8')) as Record<string, unknown>;
    expect([doc.complete, doc.finished]).toEqual([false, k]);
  });
});

/** The error a sweep is refused with; checks that it printed nothing (so no run started) and wrote nothing. */
async function refused(flags: Omit<SweepFlags, 'out'> & { out?: string }, arg = file, examplesDir?: string): Promise<Error> {
  const out = flags.out ?? join(dir, 'never');
  const existed = existsSync(out);
  const h = io();
  const e = await sweepFile(arg, { ...flags, out }, { ...h.io, ...(examplesDir !== undefined ? { examplesDir } : {}) }).then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).not.toBeNull();
  // Bad input: UsageError or ScenarioError, both exit code 2 (reportError).
  expect(e instanceof UsageError || e instanceof ScenarioError).toBe(true);
  expect(h.err).toEqual([]);
  expect(h.out).toEqual([]);
  if (!existed) expect(existsSync(out)).toBe(false);
  return e as Error;
}

/** The sweep command as the executable runs it, in process: exit code and what it printed. */
async function cliSweep(args: string[]): Promise<{ code: string | number | null | undefined; out: string; err: string }> {
  let out = '';
  let err = '';
  const saved = process.exitCode;
  process.exitCode = undefined;
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  let code: string | number | null | undefined;
  try {
    await sweepCommand().parseAsync(args, { from: 'user' });
  } finally {
    o.mockRestore();
    e.mockRestore();
    code = process.exitCode;
    process.exitCode = saved;
  }
  return { code, out, err };
}

/** What every run of TEXT (pool:1, threads for the model) has, as the --metric errors list it. */
const COMMON =
  'seed, simulatedNs, events, cpus.{count,utilization,switchingShare}, cpus.busyNs.0, contextSwitches.{voluntary,involuntary,total}, migrations, threads.{created,maxLive,runningNs,runnableNs,waitingNs}, tasks.{created,completed,throughputPerSec}, tasks.latencyNs.{count,mean,p50,p90,p99,max}, tasks.spawned.{created,completed}, tasks.spawned.latencyNs.{count,mean,p50,p90,p99,max}, tasks.bySource.0.{created,completed}, tasks.bySource.0.latencyNs.{count,mean,p50,p90,p99,max}, schedLatencyNs.{count,mean,p50,p90,p99,max}';

describe('sweep bad input, refused before anything runs', () => {
  it('B6: refuses a --vary path given twice (exit 2, one line, nothing written)', async () => {
    const e = await refused({ vary: ['model=pool:1,pool:2', 'model=pool:4'] });
    expect(e.message).toBe('--vary model: given twice; give all its values in one --vary model=v1,v2,...');
    const out = join(dir, 'dup');
    const r = await cliSweep([file, '--vary', 'model=pool:1,pool:2', '--vary', 'model=pool:4', '--out', out]);
    expect(r).toEqual({ code: 2, out: '', err: '--vary model: given twice; give all its values in one --vary model=v1,v2,...\n' });
    expect(existsSync(out)).toBe(false);
    // A path inside another varied path would be overwritten the same way.
    expect((await refused({ vary: ['machine=1', 'machine.cpus=1,2'] })).message).toBe('--vary machine and --vary machine.cpus: one path lies inside the other; vary one of them');
  });

  it('B7: checks --metric against the result shape before running, naming the figures every run has', async () => {
    expect((await refused({ vary: ['model=pool:1,pool:2'], metric: 'nope' })).message).toBe(`--metric nope: not a number in the results of this sweep; every run has: ${COMMON}, pool.{workers,maxQueued}, pool.tasksPerWorker.0`);
    // Not a number: an object, a string.
    expect((await refused({ vary: ['model=pool:1'], metric: 'tasks' })).message).toMatch(/^--metric tasks: not a number in the results of this sweep; every run has: seed, /);
    expect((await refused({ vary: ['model=pool:1'], metric: 'outcome' })).message).toMatch(/^--metric outcome: not a number in the results of this sweep; every run has: seed, /);
    // A pool figure is not in a threads run's result.
    expect((await refused({ vary: ['model=pool:1,threads'], metric: 'pool.maxQueued' })).message).toBe(
      `--metric pool.maxQueued: not a number in the result of grid point model=threads (only of some points); every run has: ${COMMON}`,
    );
    // A figure of one workload source, by its index, is known before the run (a source with no task yet is listed).
    const two = join(dir, 'two-sources.yaml');
    writeFileSync(two, `${TEXT}  - arrivals: {rate: 100/s, for: 10ms}\n    name: late\n    program: [{compute: 1ms}]\n`);
    const plan = planSweep({ text: readFileSync(two, 'utf8'), file: two, vary: [parseVary('model=pool:1,threads')], seeds: 1, overrides: [], metric: 'simulatedNs' });
    expect(() => checkMetric(plan, [parseVary('model=pool:1,threads')], 'tasks.bySource.1.latencyNs.p99')).not.toThrow();
    expect(() => checkMetric(plan, [parseVary('model=pool:1,threads')], 'tasks.bySource.2.created')).toThrow(/^--metric tasks\.bySource\.2\.created: not a number in the results of this sweep; every run has: .*tasks\.bySource\.1\.\{created,completed\}/);
    const r = await cliSweep([file, '--vary', 'model=pool:2', '--metric', 'nope', '--out', join(dir, 'e1')]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`--metric nope: not a number in the results of this sweep; every run has: ${COMMON}, pool.{workers,maxQueued}, pool.tasksPerWorker.{0,1}\n`);
    expect(existsSync(join(dir, 'e1'))).toBe(false);
  });

  it('B8: refuses an --out that is a file, or lies under one, or whose file names are directories (exit 2, one line)', async () => {
    const afile = join(dir, 'afile');
    writeFileSync(afile, 'x');
    expect((await refused({ vary: ['model=pool:1'], out: afile })).message).toBe(`--out ${afile}: is a file, not a directory (the sweep writes runs.csv, runs.json, plot.vl.json, plot.svg into a directory)`);
    expect((await refused({ vary: ['model=pool:1'], out: join(afile, 'sub') })).message).toBe(`--out ${join(afile, 'sub')}: ${afile} is a file, not a directory`);
    const taken = join(dir, 'taken');
    mkdirSync(join(taken, 'runs.csv'), { recursive: true });
    expect((await refused({ vary: ['model=pool:1'], out: taken })).message).toBe(`--out ${taken}: ${join(taken, 'runs.csv')} is a directory, where the sweep writes its runs.csv`);
    const r = await cliSweep([file, '--vary', 'model=pool:1,pool:2', '--out', afile]);
    expect(r).toEqual({ code: 2, out: '', err: `--out ${afile}: is a file, not a directory (the sweep writes runs.csv, runs.json, plot.vl.json, plot.svg into a directory)\n` });
    expect(readFileSync(afile, 'utf8')).toBe('x');
  });

  it('C2: labels a bad value --vary path=value and names the grid point', async () => {
    const e = await refused({ vary: ['model=pool:1,bogus'] });
    expect(e.message).toBe(
      'grid point model=bogus: --vary model=bogus: model: "bogus" is not an execution model (allowed: threads, pool:N (N ≥ 1 worker threads), go:P (GOMAXPROCS P ≥ 1), or go (Go 1.25\'s default GOMAXPROCS))',
    );
    expect(e.message).not.toContain('--set');
    // A value that is not YAML: refused as it is parsed.
    expect((await refused({ vary: ['machine.cpus=1,[2'] })).message).toMatch(/^--vary machine\.cpus=\[2: machine\.cpus: the value "\[2" is not valid YAML: /);
    // A problem of the file that only one grid point brings up: the grid point is named.
    const cfs = join(dir, 'cfs.yaml');
    writeFileSync(cfs, TEXT.replace('os: {policy: fifo, balanceInterval: 0ns}', 'os: {policy: cfs, latency: 6ms, balanceInterval: 0ns}'));
    expect((await refused({ vary: ['machine.cpus=1,2', 'os.policy=cfs,rr'] }, cfs)).message).toBe(
      `grid point machine.cpus=1, os.policy=rr: ${cfs}:3:19: os.latency: latency is a parameter of cfs; the policy is rr (rr parameters: quantum); to drop it where the policy changes, set os.latency to null`,
    );
  });

  it('nits: --jobs 0 before printing anything; --seed, --model or --set of a varied path is refused', async () => {
    expect((await refused({ vary: ['model=pool:1'], jobs: '0' })).message).toBe('--jobs 0: a whole number from 1 to 1024');
    expect((await refused({ vary: ['seed=5,6'], seed: '100' })).message).toBe('--vary seed=... and --seed 100 both choose seeds: use one of them');
    expect((await refused({ vary: ['model=pool:1,pool:2'], model: 'pool:4' })).message).toBe('--model pool:4 and --vary model=...: both set model; use one of them');
    expect((await refused({ vary: ['machine.cpus=1,2'], set: ['machine.cpus=4'] })).message).toBe('--set machine.cpus=4 and --vary machine.cpus=...: both set machine.cpus; use one of them');
  });

  it('C1: takes an example name like run, and says when the argument is a directory', async () => {
    const examples = join(dir, 'examples');
    mkdirSync(examples, { recursive: true });
    writeFileSync(join(examples, 'tiny.yaml'), `${TEXT}variants:\n  - name: two\n    set: {machine.cpus: 2}\n`);
    const out = join(dir, 'byname');
    const h = io();
    const code = await sweepFile('tiny', { vary: ['model=pool:1,pool:2'], out, jobs: '1' }, { ...h.io, examplesDir: examples });
    expect(code).toBe(0);
    expect(h.err).toEqual(['sweep pool-io: 2 runs (model × 2, 1 seed)\n', "note: the file's 1 variant is not part of the sweep (it varies the scenario without variants)\n"]);
    expect(h.out[0]).toBe('best model for simulatedNs: pool:2 (lowest, 11.004ms, one seed)\n');
    const doc = JSON.parse(readFileSync(join(out, 'runs.json'), 'utf8')) as { file: string; finished: number };
    expect([doc.file, doc.finished]).toEqual([join(examples, 'tiny.yaml'), 2]);
    expect((await refused({ vary: ['model=pool:1'] }, 'tinyy', examples)).message).toBe('tinyy: no such file, and no example of that name; did you mean "tiny"? (run schedlab examples for the list)');
    expect((await refused({ vary: ['model=pool:1'] }, examples)).message).toBe(`${examples}: is a directory (expected a scenario file, .yaml or .json)`);
    // The package's own examples: the name resolves (the metric check then refuses it, so nothing runs).
    expect((await refused({ vary: ['seed=1,2'], metric: 'nope' }, 'seed-unpredictable')).message).toMatch(/^--metric nope: not a number in the results of this sweep; every run has: seed, simulatedNs, /);
  });
});

describe('sweep best value and output files', () => {
  it('B5: leaves runs that did not complete out of the best value and the plot, and says so', async () => {
    // limits.events=5 cuts the run short: it "finishes" first but is truncated.
    const out = join(dir, 'trunc');
    const h = io();
    expect(await sweepFile(file, { vary: ['limits.events=5,1000'], out, jobs: '2' }, h.io)).toBe(0);
    expect(h.out.slice(0, 2)).toEqual([
      'best limits.events for simulatedNs: 1000 (lowest, 20.001ms, one seed)\n',
      'left out 1 of 2 runs: not completed (1 truncated); the best value and the plot use completed runs only\n',
    ]);
    const doc = JSON.parse(readFileSync(join(out, 'runs.json'), 'utf8')) as Record<string, unknown>;
    expect(doc.best).toEqual([{ 'limits.events': '1000', mean: 20_001_000 }]);
    expect(doc.leftOut).toEqual({ truncated: 1 });
    const vl = JSON.parse(readFileSync(join(out, 'plot.vl.json'), 'utf8')) as { data: { values: Array<{ x: string }> } };
    expect(vl.data.values.map((p) => p.x)).toEqual(['1000']);
    // A deadlock: its latency figures are of no task, so they are empty, not 0, and do not win.
    const dl = join(dir, 'dl.yaml');
    writeFileSync(dl, 'name: dl\nmachine: {cpus: 1}\nchannels: {jobs: 0}\nworkload:\n  - batch: 1\n    name: sender\n    program: [{compute: 1ms}, {send: jobs}, {compute: 1ms}]\n');
    const out2 = join(dir, 'dl');
    const h2 = io();
    expect(await sweepFile(dl, { vary: ['channels.jobs=0,1'], metric: 'tasks.latencyNs.p50', out: out2, jobs: '2' }, h2.io)).toBe(0);
    expect(h2.out.slice(0, 2)).toEqual([
      'best channels.jobs for tasks.latencyNs.p50: 1 (lowest, 2.001ms, one seed)\n',
      'left out 1 of 2 runs: not completed (1 deadlock); the best value and the plot use completed runs only\n',
    ]);
    const csv = readFileSync(join(out2, 'runs.csv'), 'utf8').trim().split('\n');
    expect(csv[1]!.split(',').slice(0, 4)).toEqual(['0', '0', '1', 'deadlock']);
    // tasks.latencyNs.p50 and .p99 (columns 12, 13) of the deadlocked run: no value.
    expect(csv[1]!.split(',').slice(11, 13)).toEqual(['', '']);
  });

  it('B5/B7: no best when no run completed, and an earlier sweep\'s plot files are removed', async () => {
    const out = join(dir, 'none');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'plot.svg'), '<svg>an earlier sweep</svg>');
    writeFileSync(join(out, 'plot.vl.json'), '{}');
    const h = io();
    expect(await sweepFile(file, { vary: ['limits.events=5,6'], out, jobs: '2' }, h.io)).toBe(0);
    expect(h.out).toEqual([
      'no best limits.events for simulatedNs: no run completed\n',
      'left out 2 of 2 runs: not completed (2 truncated); the best value and the plot use completed runs only\n',
      `wrote ${join(out, 'runs.csv')}, ${join(out, 'runs.json')}\n`,
    ]);
    expect(readdirSync(out).sort()).toEqual(['runs.csv', 'runs.json']);
  });

  it('B7: a sweep interrupted before any run finished leaves no earlier plot behind', async () => {
    const out = join(dir, 'zero');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'plot.svg'), '<svg>an earlier sweep</svg>');
    writeFileSync(join(out, 'plot.vl.json'), '{}');
    const ac = new AbortController();
    ac.abort();
    const h = io();
    expect(await sweepFile(file, { vary: ['model=pool:1,pool:2'], out }, { ...h.io, signal: ac.signal })).toBe(130);
    expect(h.err.at(-1)).toBe('interrupted: 0 of 2 runs finished; the files hold the finished rows only\n');
    expect(readdirSync(out).sort()).toEqual(['runs.csv', 'runs.json']);
    const doc = JSON.parse(readFileSync(join(out, 'runs.json'), 'utf8')) as Record<string, unknown>;
    expect([doc.complete, doc.finished, doc.total]).toEqual([false, 0, 2]);
  });
});
