/**
 * The schedlab command line, called in process (runCli with collected streams) and, for the
 * real executable, through `node bin/schedlab.js`: output of run (human and --json), variants,
 * --set/--seed, determinism, examples, demo, exit codes.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliRun } from './cli-support.js';
import { seedExamples, summaryOf, unpredictable } from '../src/cli/demo.js';
import { writeFileAtomic } from '../src/cli/io.js';
import type { RunResult, SimConfig } from '../src/sim.js';
import { loadScenario } from '../src/workload/scenario.js';

const cli = cliRun;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'schedlab-cli-'));
}

function write(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Two 10ms tasks on one CPU under fifo with every cost zero: figures computable by hand. */
const TWO = `name: two-tasks
description: |
  Two CPU-bound tasks, one CPU, fifo. The second waits for the first.
machine:
  cpus: 1
  costs: { contextSwitch: 0, wakeupIpi: 0, threadCreate: 0, syscall: 0, timerSlack: 0 }
os: { policy: fifo }
workload:
  - batch: 2
    name: job
    program: [ {compute: 10ms} ]
`;

const VARIANTS = `${TWO}variants:
  - name: one-cpu
    set: {}
  - name: two-cpus
    set: { machine.cpus: 2 }
  - name: four-jobs
    set: { workload.0.batch: 4 }
`;

describe('schedlab run', () => {
  it('prints the resolved scenario, then the summary table', async () => {
    const dir = tmp();
    const f = write(dir, 'two.yaml', TWO);
    const r = await cli(['run', f]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const json = JSON.parse((await cli(['run', f, '--json'])).out) as RunResult;
    const cs = json.contextSwitches;
    // fifo on one CPU: job 1 runs 0–10ms, job 2 waits 10ms and runs 10–20ms.
    expect(r.out).toBe(
      [
        `scenario  two-tasks (${f}), seed 1`,
        'machine   1 CPU; costs: contextSwitch 0, wakeupIpi 0, threadCreate 0, syscall 0, timerSlack 0',
        'os        fifo; hz 250 (slice ends at ticks); balance every 4ms',
        'model     threads',
        'workload  job: 2 tasks: compute 10ms',
        'limits    time 1h, events 200,000,000',
        '',
        '┌──────────────────┬──────────────────────────────────────────────┐',
        '│ outcome          │ completed                                    │',
        '│ simulated time   │ 20ms                                         │',
        `│ events           │ ${String(json.events).padEnd(45)}│`,
        '│ CPU              │ utilization 100.00%, switching 0.00% (1 CPU) │',
        `│ context switches │ ${`${cs.voluntary} voluntary, ${cs.involuntary} involuntary`.padEnd(45)}│`,
        '│ threads          │ 2 created, 2 max live                        │',
        '│ tasks            │ 2 completed of 2 created                     │',
        '│ throughput       │ 100 tasks/s                                  │',
        '│ task latency     │ p50 10ms  p90 20ms  p99 20ms  max 20ms       │',
        '│ sched latency    │ p50 0  p90 10ms  p99 10ms  max 10ms          │',
        '└──────────────────┴──────────────────────────────────────────────┘',
        '',
      ].join('\n'),
    );
  });

  it('--json prints exactly one object: the result fields and the resolved config', async () => {
    const dir = tmp();
    const f = write(dir, 'two.yaml', TWO);
    const r = await cli(['run', f, '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.endsWith('}\n')).toBe(true);
    const j = JSON.parse(r.out) as RunResult & { config: SimConfig };
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['scenario', 'seed', 'model', 'simulatedNs', 'events', 'truncated', 'cpus', 'contextSwitches', 'threads', 'tasks', 'schedLatencyNs', 'config']));
    expect(j).toMatchObject({
      scenario: 'two-tasks',
      seed: 1,
      model: 'threads',
      policy: 'fifo',
      outcome: 'completed',
      simulatedNs: 20_000_000,
      truncated: false,
      cpus: { count: 1, utilization: 1 },
      threads: { created: 2, maxLive: 2 },
      tasks: { completed: 2, throughputPerSec: 100, latencyNs: { p50: 10_000_000, p90: 20_000_000, p99: 20_000_000, max: 20_000_000 } },
      schedLatencyNs: { p50: 0, p90: 10_000_000, p99: 10_000_000, max: 10_000_000 },
    });
    expect(j.contextSwitches).toEqual({ voluntary: expect.any(Number) as number, involuntary: expect.any(Number) as number, total: expect.any(Number) as number });
    expect(j.config).toEqual(loadScenario(TWO, f).config);
  });

  it('applies --set, --seed and --model', async () => {
    const dir = tmp();
    const f = write(dir, 'two.yaml', TWO);
    const r = await cli(['run', f, '--json', '--set', 'machine.cpus=2', '--seed', '9', '--model', 'pool:1']);
    const j = JSON.parse(r.out) as RunResult & { config: SimConfig };
    expect(j.seed).toBe(9);
    expect(j.model).toBe('pool:1');
    expect(j.config.machine.cpus).toBe(2);
    // One pool worker: the jobs still run one after the other, on either CPU.
    expect(j.simulatedNs).toBe(20_000_000);
    const wide = JSON.parse((await cli(['run', f, '--json', '--set', 'machine.cpus=2'])).out) as RunResult;
    expect(wide.simulatedNs).toBe(10_000_000);
  });

  it('runs every variant and prints one row each', async () => {
    const dir = tmp();
    const f = write(dir, 'v.yaml', VARIANTS);
    const r = await cli(['run', f]);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines).toContain('variants  one-cpu');
    expect(lines).toContain('          two-cpus: machine.cpus=2');
    expect(lines).toContain('          four-jobs: workload.0.batch=4');
    const rows = lines.filter((l) => /^│ (one-cpu|two-cpus|four-jobs) /.test(l)).map((l) => l.split('│').map((c) => c.trim()));
    expect(rows.map((c) => [c[1], c[2]])).toEqual([
      ['one-cpu', '20ms'],
      ['two-cpus', '10ms'],
      ['four-jobs', '40ms'],
    ]);
    const j = JSON.parse((await cli(['run', f, '--json'])).out) as { scenario: string; seed: number; variants: Array<RunResult & { name: string; config: SimConfig }> };
    expect(Object.keys(j)).toEqual(['scenario', 'seed', 'variants']);
    expect(j.scenario).toBe('two-tasks');
    expect(j.variants.map((v) => [v.name, v.simulatedNs, v.config.machine.cpus, v.tasks.completed])).toEqual([
      ['one-cpu', 20_000_000, 1, 2],
      ['two-cpus', 10_000_000, 2, 2],
      ['four-jobs', 40_000_000, 1, 4],
    ]);
    const one = JSON.parse((await cli(['run', f, '--json', '--variant', 'two-cpus'])).out) as RunResult & { config: SimConfig };
    expect(one.simulatedNs).toBe(10_000_000);
    expect(one.config.machine.cpus).toBe(2);
  });

  it('gives the same output for the same scenario and seed, byte for byte', async () => {
    const file = 'examples/seed-unpredictable.yaml';
    for (const args of [['run', file], ['run', file, '--json'], ['run', file, '--seed', '3', '--json']]) {
      const a = await cli(args);
      const b = await cli(args);
      expect(a.code).toBe(0);
      expect(b.out).toBe(a.out);
    }
    // …and the real executable prints the same bytes as the in-process CLI.
    const viaBin = execFileSync(process.execPath, ['bin/schedlab.js', 'run', file, '--json'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(viaBin).toBe((await cli(['run', file, '--json'])).out);
  });

  it('says when a run was cut short and how to raise the limit', async () => {
    const dir = tmp();
    const f = write(dir, 'long.yaml', TWO.replace('os: { policy: fifo }', 'os: { policy: fifo }\nlimits: { time: 5ms }'));
    const r = await cli(['run', f]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('│ outcome          │ truncated (time limit reached)');
    expect(r.out).toContain(
      'note: the run was cut short at the time limit (5ms); the figures cover only that part. Raise the limit, e.g. --set limits.time=20ms\n',
    );
    const j = await cli(['run', f, '--json']);
    expect((JSON.parse(j.out) as RunResult).truncated).toBe(true);
    expect(j.err).toBe('note: the run was cut short at the time limit (5ms); the figures cover only that part. Raise the limit, e.g. --set limits.time=20ms\n');
  });

  it('reports a deadlock with the blocked tasks', async () => {
    const dir = tmp();
    const f = write(
      dir,
      'dl.yaml',
      `name: stuck
machine: { cpus: 1 }
channels: { never: 0 }
workload:
  - batch: 1
    name: waiter
    program: [ {recv: never} ]
`,
    );
    const r = await cli(['run', f]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('│ outcome          │ deadlock');
    expect(r.out).toMatch(/\ndeadlock: 1 task blocked forever\n {2}task \d+ \(waiter\): .*never/);
  });

  it('uses colours only when asked', async () => {
    const plain = await cli(['run', 'examples/seed-unpredictable.yaml']);
    expect(plain.out).not.toContain('\u001b[');
    const coloured = await cli(['run', 'examples/seed-unpredictable.yaml'], { color: true });
    expect(coloured.out).toContain('\u001b[');
    const json = await cli(['run', 'examples/seed-unpredictable.yaml', '--json'], { color: true });
    expect(json.out).not.toContain('\u001b[');
  });

  it('finds an example by name', async () => {
    const r = await cli(['run', 'seed-unpredictable', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as RunResult).scenario).toBe('seed-unpredictable');
  });

  it('writes a trace only for a finished single run', async () => {
    const dir = tmp();
    const f = write(dir, 'v.yaml', VARIANTS);
    const trace = join(dir, 'out.json');
    const bad = await cli(['run', f, '--trace', trace]);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(`--trace records one run, and ${f} has 3 variants: pick one with --variant (one-cpu, two-cpus, four-jobs)\n`);
    expect(existsSync(trace)).toBe(false);
    const ok = await cli(['run', f, '--variant', 'two-cpus', '--trace', trace]);
    expect(ok.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['out.json', 'v.yaml']);
    expect(() => JSON.parse(readFileSync(trace, 'utf8')) as unknown).not.toThrow();
  });

  it('exit codes: help 0, no command 2, unknown file 2 (also from the real executable)', async () => {
    expect((await cli(['--help'])).code).toBe(0);
    expect((await cli(['run', '--help'])).code).toBe(0);
    expect((await cli(['--version'])).code).toBe(0);
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: schedlab');
    expect(await cli(['help', 'rnu'])).toEqual({ code: 2, out: '', err: `error: unknown command 'rnu'; did you mean "run"? (commands: run, examples, demo, sweep, explain, compare, ui, open)\n` });
    expect((await cli(['help', 'run'])).out).toMatch(/^Usage: schedlab run \[options\] <file>/);
    // An explain subject that is not in the run is bad input too, and nothing goes to stdout.
    const missing = await cli(['explain', 'seed-unpredictable', '--thread', '9999']);
    expect(missing.code).toBe(2);
    expect(missing.out).toBe('');
    expect(missing.err).toMatch(/^--thread 9999: no OS thread 9999 in this run of seed-unpredictable \(seed \d+, model threads\): the run had OS threads T1–T\d+\n$/);
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, ['bin/schedlab.js', 'run', 'no-such-file.yaml'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = (e as { stderr: string }).stderr;
    }
    expect(status).toBe(2);
    expect(stderr).toBe('no-such-file.yaml: no such file\n');
  });
});

describe('schedlab examples and demo', () => {
  const SEED_A = `name: seed-time-slices
description: |
  Time slices. One CPU shared by two threads.
machine: { cpus: 1 }
os: { policy: rr, quantum: 10ms }
workload:
  - batch: 2
    program: [ {compute: 30ms} ]
`;
  const SEED_B = `name: seed-b
description: Something else entirely. More words here.
machine: { cpus: 2 }
workload:
  - batch: 2
    program: [ {compute: 1ms} ]
variants:
  - { name: threads, set: {} }
  - { name: pool-1, set: { model: "pool:1" } }
`;

  function exampleDir(): string {
    const dir = tmp();
    write(dir, 'seed-b.yaml', SEED_B);
    write(dir, 'seed-time-slices.yaml', SEED_A);
    write(dir, 'zzz-other.yaml', SEED_B.replace('seed-b', 'zzz-other'));
    copyFileSync('examples/seed-unpredictable.yaml', join(dir, 'seed-unpredictable.yaml'));
    return dir;
  }

  it('lists the examples with the first sentence of their descriptions', async () => {
    const dir = exampleDir();
    write(dir, 'broken.yaml', 'name: broken\n');
    const r = await cli(['examples'], { examplesDir: dir });
    expect(r.out.split('\n').slice(0, 5)).toEqual([
      'broken              invalid: ' + `${join(dir, 'broken.yaml')}:1:1: machine: missing (required: a map such as {cpus: 4, costs: {contextSwitch: 2us}})`,
      'seed-b              Something else entirely.',
      'seed-time-slices    Time slices.',
      'seed-unpredictable  The same six tasks finish in a different order under each seed.',
      'zzz-other           Something else entirely.',
    ]);
    expect(r.code).toBe(1);
    const real = await cli(['examples']);
    expect(real.code).toBe(0);
    expect(real.out).toMatch(/^seed-unpredictable +The same six tasks finish in a different order under each seed\.$/m);
  });

  it('summarises a description by its first sentence', () => {
    expect(summaryOf('One CPU.\nTwo threads.')).toBe('One CPU.');
    expect(summaryOf(undefined)).toBe('');
    expect(summaryOf('x'.repeat(120))).toBe(`${'x'.repeat(97)}...`);
    expect(summaryOf(`${'word '.repeat(30)}end.`)).toBe(`${'word '.repeat(18)}word...`);
  });

  it('runs the seed examples in the story order, the unpredictable one last', async () => {
    const dir = exampleDir();
    expect(seedExamples(dir).map((f) => f.slice(dir.length + 1))).toEqual(['seed-time-slices.yaml', 'seed-b.yaml', 'seed-unpredictable.yaml']);
    const r = await cli(['demo'], { examplesDir: dir });
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const titles = r.out.split('\n').filter((l) => l.startsWith('── '));
    expect(titles.map((t) => t.replace(/ ─+$/, ''))).toEqual([
      '── 1/3  seed-time-slices',
      '── 2/3  seed-b',
      '── 3/3  scheduling is unpredictable (seed-unpredictable)',
    ]);
    expect(r.out).toContain('  Time slices. One CPU shared by two threads.\n');
    // rr, 10ms slices, two 30ms threads on one CPU: both finish near 60ms.
    expect(r.out).toMatch(/│ seed-time-slices │ 60\.\d+ms /);
    expect(r.out).toMatch(/│ threads +│ .*\n.*│ pool-1 +│/);
    expect(r.out).toContain('Three seeds, three different orders; running each seed again gave the same order and the same result, byte for byte.');
    expect(r.out).not.toContain('zzz-other');
    const again = await cli(['demo'], { examplesDir: dir });
    expect(again.out).toBe(r.out);
  });

  it('scheduling is unpredictable: three seeds, three orders, each reproducible', () => {
    const s = loadScenario(readFileSync('examples/seed-unpredictable.yaml', 'utf8'), 'examples/seed-unpredictable.yaml');
    const runs = unpredictable(s);
    expect(runs.map((r) => r.seed)).toEqual([1, 2, 3]);
    for (const r of runs) {
      expect(r.replayed).toBe(true);
      expect([...r.order].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    }
    expect(new Set(runs.map((r) => r.order.join(','))).size).toBe(3);
  });
});

describe('output files', () => {
  it('are written whole or not at all', () => {
    const dir = tmp();
    const p = join(dir, 'result.json');
    writeFileAtomic(p, '{"ok":true}\n');
    expect(readFileSync(p, 'utf8')).toBe('{"ok":true}\n');
    expect(readdirSync(dir)).toEqual(['result.json']);
    expect(() => writeFileAtomic(join(dir, 'missing-dir', 'x.json'), 'x')).toThrow();
    expect(readdirSync(dir)).toEqual(['result.json']);
  });
});
