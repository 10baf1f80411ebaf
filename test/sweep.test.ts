/**
 * Sweeps: grid planning and validation, parallel runs collected by grid index, the CSV/JSON/SVG
 * outputs, the best value, and an interrupted sweep (injected abort, and Ctrl-C on a child
 * process) that keeps the finished rows.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepFile } from '../src/cli/sweep.js';
import { UsageError } from '../src/cli/trace-options.js';
import { parseVary, planSweep, runPoints, writeSweep, type SweepSpec } from '../src/node/sweep.js';

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
    await expect(sweepFile(file, { vary: ['model=pool:1,pool:x'], out }, h.io)).rejects.toThrow('--set model=pool:x');
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
    // The first value is quick, the others take long: SIGINT arrives while the sweep runs.
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
        'workload.0.batch=1,200000,200000,200000',
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
