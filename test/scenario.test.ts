/**
 * Scenario files → SimConfig: the mapping of every field, durations and rates, defaults,
 * --set overrides, variants, JSON files, the published JSON Schema, and the loader's messages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { schemaText } from '../src/cli/gen-schema.js';
import { simulate } from '../src/sim.js';
import { describeConfig, effectivePolicyParams, formatDur } from '../src/workload/scenario-describe.js';
import { editDistance, parseOpDuration, parseRate, suggest } from '../src/workload/scenario-text.js';
import { loadScenario, parseSetFlag, ScenarioError, type Override } from '../src/workload/scenario.js';

function load(text: string, overrides: Override[] = [], file = 's.yaml') {
  return loadScenario(text, file, { overrides });
}

function errors(text: string, overrides: Override[] = [], file = 's.yaml'): string[] {
  try {
    load(text, overrides, file);
  } catch (e) {
    if (e instanceof ScenarioError) return e.message.split('\n');
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

const MINIMAL = `name: minimal
machine: { cpus: 2 }
workload:
  - batch: 3
    program: [ {compute: 1ms} ]
`;

describe('scenario → SimConfig', () => {
  it('fills the documented defaults', () => {
    const s = load(MINIMAL);
    expect(s.name).toBe('minimal');
    expect(s.variants).toEqual([]);
    expect(s.config).toEqual({
      name: 'minimal',
      seed: 1,
      machine: { cpus: 2 },
      os: { policy: 'cfs', params: {} },
      model: 'threads',
      limits: { timeNs: 3_600_000_000_000, events: 200_000_000 },
      workload: { sources: [{ kind: 'batch', name: 'task', count: 3, program: [{ compute: 1_000_000 }] }] },
    });
  });

  it('maps every section and every op', () => {
    const text = `# yaml-language-server: $schema=../schema/scenario.schema.json
name: everything
description: |
  All of it.
seed: 7
machine:
  cpus: 4
  costs: { contextSwitch: 3us, wakeupIpi: 9us, threadCreate: 25us, syscall: 300ns, timerSlack: 0 }
os:
  policy: rr
  quantum: 5ms
  hz: 1000
  exactSliceEnd: true
  balanceInterval: 2ms
  bandwidth: { quota: 200ms, period: 100ms }
model: pool:8
go: { maxThreads: 500, costs: { goroutineSwitch: 200ns } }
limits: { time: 10s, events: 1000000 }
recordOrder: true
channels: { jobs: 0, results: { cap: 16 } }
mutexes: [mu]
waitgroups: { done: 2 }
programs:
  worker:
    - compute: uniform(1ms, 3ms)
    - io: exp(5ms)
    - syscall: { dist: lognormal, median: 1ms, sigma: 0.5 }
    - sleep: { dist: constant, value: 250us }
    - yield
    - yield: true
    - lock: mu
    - unlock: mu
    - send: jobs
    - send: { chan: results, value: 42 }
    - recv: jobs
    - select: { cases: [ {recv: jobs}, {send: results}, {send: {chan: results, value: x}} ], default: true }
    - close: results
    - wgAdd: done
    - wgAdd: { wg: done, n: 3 }
    - wgDone: done
    - wgWait: done
    - repeat: { times: 3, do: [ {compute: 1us} ] }
    - repeat: { times: forever, do: [ {sleep: 1s} ] }
    - spawn: worker
    - spawn: [ {compute: 2ms} ]
    - spawn: { program: worker, count: 5, name: child }
    - spawn: { program: [ {io: 1ms} ] }
workload:
  - batch: 10
    name: hog
    at: 1ms
    program: worker
  - arrivals: { rate: 200/s, for: 10s, process: uniform, start: 1s }
    program: worker
  - arrivals: { rate: 50, for: 1s }
    program: [ {compute: "lognormal(2ms, 0.25)"} ]
background:
  - { threads: 2, name: noise, program: [ {compute: 1s} ], nice: 5 }
  - { threads: 1, program: worker }
`;
    const s = load(text);
    expect(s.description).toBe('All of it.\n');
    expect(s.config).toEqual({
      name: 'everything',
      seed: 7,
      machine: { cpus: 4, costs: { contextSwitch: 3000, wakeupIpi: 9000, threadCreate: 25000, syscall: 300, timerSlack: 0 } },
      os: {
        policy: 'rr',
        params: { quantum: 5_000_000 },
        hz: 1000,
        exactSliceEnd: true,
        balanceIntervalNs: 2_000_000,
        bandwidth: { quotaNs: 200_000_000, periodNs: 100_000_000 },
      },
      model: 'pool:8',
      go: { maxThreads: 500, costs: { goroutineSwitch: 200 } },
      limits: { timeNs: 10_000_000_000, events: 1_000_000 },
      recordOrder: true,
      workload: {
        channels: [
          { name: 'jobs', cap: 0 },
          { name: 'results', cap: 16 },
        ],
        mutexes: [{ name: 'mu' }],
        waitgroups: [{ name: 'done', count: 2 }],
        programs: {
          worker: [
            { compute: { dist: 'uniform', min: 1_000_000, max: 3_000_000 } },
            { io: { dist: 'exponential', mean: 5_000_000 } },
            { syscall: { dist: 'lognormal', median: 1_000_000, sigma: 0.5 } },
            { sleep: { dist: 'constant', value: 250_000 } },
            { yield: true },
            { yield: true },
            { lock: 'mu' },
            { unlock: 'mu' },
            { send: 'jobs' },
            { send: 'results', value: 42 },
            { recv: 'jobs' },
            { select: [{ recv: 'jobs' }, { send: 'results' }, { send: 'results', value: 'x' }], default: true },
            { close: 'results' },
            { wgAdd: 'done' },
            { wgAdd: 'done', n: 3 },
            { wgDone: 'done' },
            { wgWait: 'done' },
            { repeat: 3, do: [{ compute: 1000 }] },
            { repeat: 'forever', do: [{ sleep: 1_000_000_000 }] },
            { spawn: 'worker' },
            { spawn: [{ compute: 2_000_000 }] },
            { spawn: 'worker', count: 5, name: 'child' },
            { spawn: [{ io: 1_000_000 }] },
          ],
        },
        sources: [
          { kind: 'batch', name: 'hog', count: 10, program: 'worker', at: 1_000_000 },
          { kind: 'arrivals', name: 'worker', ratePerSec: 200, durationNs: 10_000_000_000, start: 1_000_000_000, process: 'uniform', program: 'worker' },
          { kind: 'arrivals', name: 'task', ratePerSec: 50, durationNs: 1_000_000_000, process: 'poisson', program: [{ compute: { dist: 'lognormal', median: 2_000_000, sigma: 0.25 } }] },
        ],
        background: [
          { name: 'noise', count: 2, program: [{ compute: 1_000_000_000 }], nice: 5 },
          { name: 'worker', count: 1, program: 'worker' },
        ],
      },
    });
  });

  it('reads JSON files with the same schema', () => {
    const json = JSON.stringify({ name: 'minimal', machine: { cpus: 2 }, workload: [{ batch: 3, program: [{ compute: '1ms' }] }] }, null, 2);
    expect(load(json, [], 'm.json').config).toEqual(load(MINIMAL).config);
    expect(errors('{\n  "name": "x",\n  "machine": {"cpus": 2}, "machine": {"cpus": 3}\n}', [], 'd.json')).toEqual([
      'd.json:3:27: bad JSON: duplicate key "machine" (each key may appear once in a map)',
    ]);
  });

  it('runs a scenario that uses channels, select, a mutex, a WaitGroup, spawn and repeat', () => {
    const s = load(`name: pipeline
machine: { cpus: 2 }
channels: { jobs: 4 }
mutexes: [mu]
waitgroups: { wg: 0 }
programs:
  consumer:
    - repeat: { times: 4, do: [ {recv: jobs}, {lock: mu}, {compute: 100us}, {unlock: mu} ] }
    - wgDone: wg
workload:
  - batch: 1
    name: main
    program:
      - wgAdd: { wg: wg, n: 2 }
      - spawn: { program: consumer, count: 2 }
      - repeat: { times: 8, do: [ {send: jobs}, {select: {cases: [{send: jobs}], default: true}} ] }
      - wgWait: wg
`);
    const r = simulate(s.config);
    expect(r.outcome).toBe('completed');
    expect(r.tasks.created).toBe(1);
    expect(r.tasks.completed).toBe(1);
    expect(r.tasks.spawned).toMatchObject({ created: 2, completed: 2 });
  });
});

describe('durations and rates', () => {
  it.each([
    ['10ms', 10_000_000],
    ['250us', 250_000],
    ['250µs', 250_000],
    ['1.5s', 1_500_000_000],
    ['0', 0],
    ['2m', 120_000_000_000],
    ['exp(1ms)', { dist: 'exponential', mean: 1_000_000 }],
    ['exponential(2us)', { dist: 'exponential', mean: 2_000 }],
    ['uniform(1ms, 3ms)', { dist: 'uniform', min: 1_000_000, max: 3_000_000 }],
    ['lognormal(1ms, 0.5)', { dist: 'lognormal', median: 1_000_000, sigma: 0.5 }],
    ['constant(7ns)', { dist: 'constant', value: 7 }],
  ])('%s', (text, value) => {
    expect(parseOpDuration(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['10', '"10" has no unit'],
    ['-1ms', '"-1ms" is negative'],
    ['10 parsecs', '"10 parsecs" has an unknown unit "parsecs"'],
    ['fast', '"fast" is not a duration'],
    ['uniform(1ms', '"uniform(1ms" was cut at a comma: inside { } or [ ], put the distribution in quotes, e.g. {io: "uniform(1ms, 3ms)"}'],
    ['5msec', '"5msec" has an unknown unit "msec"'],
    ['2000000s', '"2000000s" is too large'],
    ['exp(1ms, 2ms)', '"exp(1ms, 2ms)": exp() takes 1 argument, got 2'],
    ['uniform(3ms, 1ms)', '"uniform(3ms, 1ms)": the maximum is below the minimum'],
    ['lognormal(1ms, -1)', '"lognormal(1ms, -1)": sigma "-1" is not a number from 0 to 10'],
    ['gauss(1ms)', '"gauss(1ms)": unknown distribution "gauss" (distributions: exp(mean), uniform(min, max), lognormal(median, sigma), constant(value))'],
    ['expo(1ms)', '"expo(1ms)": unknown distribution "expo"; did you mean "exp"? (distributions: exp(mean), uniform(min, max), lognormal(median, sigma), constant(value))'],
  ])('rejects %s', (text, problem) => {
    expect(parseOpDuration(text)).toEqual({ ok: false, problem });
  });

  it('parses rates', () => {
    expect(parseRate('200/s')).toEqual({ ok: true, value: 200 });
    expect(parseRate('5/ms')).toEqual({ ok: true, value: 5000 });
    expect(parseRate('30/m')).toEqual({ ok: true, value: 0.5 });
    expect(parseRate(50)).toEqual({ ok: true, value: 50 });
    expect(parseRate('1e9/s')).toEqual({ ok: true, value: 1e9 });
    expect(parseRate('2e9/s')).toEqual({ ok: false, problem: '"2e9/s" is too high' });
    expect(parseRate(0)).toEqual({ ok: false, problem: '0 is not above 0' });
    expect(parseRate('10/fortnight')).toEqual({ ok: false, problem: '"10/fortnight" has an unknown time unit "fortnight"' });
  });

  it('formats durations back', () => {
    expect(formatDur(1_500_000)).toBe('1.5ms');
    expect(formatDur({ dist: 'uniform', min: 1_000_000, max: 3_000_000 })).toBe('uniform(1ms, 3ms)');
    expect(formatDur({ dist: 'lognormal', median: 1_000, sigma: 0.5 })).toBe('lognormal(1us, 0.5)');
  });
});

describe('--set overrides', () => {
  it('parses path=value with YAML values', () => {
    expect(parseSetFlag('machine.cpus=4')).toEqual({ path: 'machine.cpus', value: 4, label: '--set machine.cpus=4' });
    expect(parseSetFlag('os.policy=fifo').value).toBe('fifo');
    expect(parseSetFlag('os.exactSliceEnd=true').value).toBe(true);
    expect(parseSetFlag('workload.0.program=[{compute: 2ms}]').value).toEqual([{ compute: '2ms' }]);
    expect(parseSetFlag('os.quantum=').value).toBe(null);
    expect(parseSetFlag('description=a=b').value).toBe('a=b');
  });

  it('overrides, creates, appends and removes fields', () => {
    const sets = ['machine.cpus=8', 'os.policy=rr', 'os.quantum=20ms', 'machine.costs.contextSwitch=5us', 'workload.1={batch: 2, name: extra, program: [{io: 1ms}]}', 'workload.0.batch=5'];
    const c = load(MINIMAL, sets.map(parseSetFlag)).config;
    expect(c.machine).toEqual({ cpus: 8, costs: { contextSwitch: 5000 } });
    expect(c.os).toEqual({ policy: 'rr', params: { quantum: 20_000_000 } });
    expect(c.workload.sources).toEqual([
      { kind: 'batch', name: 'task', count: 5, program: [{ compute: 1_000_000 }] },
      { kind: 'batch', name: 'extra', count: 2, program: [{ io: 1_000_000 }] },
    ]);
    const removed = load(`${MINIMAL}os: { policy: rr, quantum: 5ms }\n`, ['os.policy=fifo', 'os.quantum=null'].map(parseSetFlag)).config;
    expect(removed.os).toEqual({ policy: 'fifo', params: {} });
  });

  it('applies --seed and --model style overrides last', () => {
    const c = load(MINIMAL, [
      { path: 'seed', value: 99, label: '--seed 99' },
      { path: 'model', value: 'pool:3', label: '--model pool:3' },
    ]).config;
    expect(c.seed).toBe(99);
    expect(c.model).toBe('pool:3');
  });
});

describe('variants', () => {
  const V = `name: v
machine: { cpus: 1 }
os: { policy: rr, quantum: 10ms }
workload:
  - batch: 4
    program: [ {compute: 30ms} ]
variants:
  - name: rr
    description: the file as it is
    set: {}
  - name: fifo
    set: { os.policy: fifo, os.quantum: null }
  - name: wide
    set: { machine.cpus: 4, "workload.0.batch": 16 }
`;

  it('resolves each variant from the file plus its set', () => {
    const s = load(V);
    expect(s.variants.map((v) => v.name)).toEqual(['rr', 'fifo', 'wide']);
    expect(s.variants[0]!.description).toBe('the file as it is');
    expect(s.variants[0]!.config).toEqual(s.config);
    expect(s.variants[1]!.config.os).toEqual({ policy: 'fifo', params: {} });
    expect(s.variants[1]!.set).toEqual({ 'os.policy': 'fifo', 'os.quantum': null });
    expect(s.variants[2]!.config.machine.cpus).toBe(4);
    expect(s.variants[2]!.config.workload.sources[0]).toMatchObject({ count: 16 });
    expect(s.variants[2]!.config.os).toEqual({ policy: 'rr', params: { quantum: 10_000_000 } });
  });

  it('lets --set override every variant, and remove the variants', () => {
    const s = load(V, [parseSetFlag('machine.cpus=2')]);
    expect(s.variants.map((v) => v.config.machine.cpus)).toEqual([2, 2, 2]);
    expect(load(V, [parseSetFlag('variants=null')]).variants).toEqual([]);
  });

  it('validates each variant on its own and names it', () => {
    expect(errors(V.replace('machine.cpus: 4', 'machine.cpus: 0'))).toEqual([
      's.yaml:14:26: variant "wide": machine.cpus: 0 is too small (allowed: an integer from 1 to 4,096)',
    ]);
    expect(errors(V.replace('set: { os.policy: fifo, os.quantum: null }', 'set: { "os..policy": fifo }'))).toEqual([
      's.yaml:12:12: variant "fifo": variants.1.set["os..policy"]: the field path "os..policy" has an empty part (write for example machine.cpus or workload.0.batch)',
    ]);
    expect(errors(V.replace('set: { os.policy: fifo, os.quantum: null }', 'set: { variants.0.name: x }'))).toEqual([
      's.yaml:12:12: variant "fifo": variants.1.set["variants.0.name"]: a variant cannot set variants',
    ]);
  });
});

describe('messages', () => {
  it('suggests close names only', () => {
    expect(editDistance('comptue', 'compute')).toBe(1);
    expect(suggest('comptue', ['compute', 'io'])).toBe('compute');
    expect(suggest('polcy', ['policy', 'quantum'])).toBe('policy');
    expect(suggest('Policy', ['policy'])).toBe('policy');
    expect(suggest('xyz', ['policy', 'quantum'])).toBeUndefined();
  });

  it('gives each issue its place in the file', () => {
    try {
      load('name: x\nmachine:\n  cpus: 0\nworkload: []\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      expect((e as ScenarioError).issues).toEqual([
        { where: 's.yaml:3:9', file: 's.yaml', line: 3, col: 9, path: 'machine.cpus', message: '0 is too small (allowed: an integer from 1 to 4,096)' },
        {
          where: 's.yaml:4:11',
          file: 's.yaml',
          line: 4,
          col: 11,
          path: 'workload',
          message: 'is empty (allowed: a list of at least one source: {batch: N, program} or {arrivals: {rate, for}, program})',
        },
      ]);
    }
  });

  it('reports structural problems and unknown names in one pass each', () => {
    expect(
      errors(`name: x
machine: { cpus: 1 }
mutexes: [mu, mu]
waitgroups: { wg: 0 }
programs:
  p: [ {lock: mux}, {wgWait: gw}, {send: nochan}, {} ]
workload:
  - arrivals: { rate: 1e9/s, for: 1h }
    program: p
`),
    ).toEqual([
      's.yaml:3:15: mutexes.1: "mu" is declared twice (allowed: each mutex name once)',
      's.yaml:6:15: programs.p.0.lock: unknown mutex "mux"; did you mean "mu"? (declared mutexes: mu)',
      's.yaml:6:30: programs.p.1.wgWait: unknown WaitGroup "gw"; did you mean "wg"? (declared WaitGroups: wg)',
      's.yaml:6:42: programs.p.2.send: unknown channel "nochan" (no channels are declared; add one under channels)',
      's.yaml:6:51: programs.p.3: an empty op (allowed: a map with one of the keys compute, io, syscall, sleep, yield, spawn, send, recv, close, select, lock, unlock, wgAdd, wgDone, wgWait, repeat, or the bare word yield)',
      's.yaml:8:15: workload.0.arrivals: rate × for gives about 3,600,000,000,000 tasks (allowed: at most 100,000,000 per source; lower the rate or shorten for)',
    ]);
  });
});

describe('resolved scenario in words', () => {
  it('shows the effective policy parameters, defaults scaled as Linux does', () => {
    const cfs = load(MINIMAL).config;
    expect(effectivePolicyParams(cfs)).toEqual([
      ['latency', '12ms'],
      ['minGranularity', '1.5ms'],
      ['wakeupGranularity', '2ms'],
    ]);
    const eevdf = load(MINIMAL, [parseSetFlag('os.policy=eevdf'), parseSetFlag('machine.cpus=16')]).config;
    expect(effectivePolicyParams(eevdf)).toEqual([
      ['baseSlice', '3ms'],
      ['runToParity', 'true'],
    ]);
    const rr = load(MINIMAL, [parseSetFlag('os.policy=rr')]).config;
    expect(effectivePolicyParams(rr)).toEqual([['quantum', '100ms']]);
    expect(describeConfig(cfs)).toEqual([
      ['machine', '2 CPUs; costs: contextSwitch 1.1us, wakeupIpi 5.6us, threadCreate 22us, syscall 1us, timerSlack 108us'],
      ['os', 'cfs latency=12ms minGranularity=1.5ms wakeupGranularity=2ms; hz 250 (slice ends at ticks); balance every 4ms'],
      ['model', 'threads'],
      ['workload', 'task: 3 tasks: compute 1ms'],
      ['limits', 'time 1h, events 200,000,000'],
    ]);
  });
});

describe('JSON Schema', () => {
  it('schema/scenario.schema.json is up to date (npm run schema)', () => {
    expect(readFileSync('schema/scenario.schema.json', 'utf8')).toBe(schemaText());
  });

  it('describes the format for editors', () => {
    const s = JSON.parse(schemaText()) as {
      $schema: string;
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { properties?: Record<string, { enum?: string[]; default?: string }> }>;
      $defs: Record<string, unknown>;
    };
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(s.required).toEqual(['name', 'machine', 'workload']);
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.os!.properties!.policy).toMatchObject({ enum: ['fifo', 'rr', 'cfs', 'eevdf'], default: 'cfs' });
    expect(Object.keys(s.$defs).sort()).toEqual(['Distribution', 'Op', 'OpDuration', 'OpList', 'Program']);
  });
});
