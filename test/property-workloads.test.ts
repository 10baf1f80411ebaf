/**
 * Property tests: random small workloads under every OS policy (fifo, rr, cfs, eevdf; with
 * ticks and with exact slice ends) and every execution model (threads, pool:N), with the
 * whole-state invariant check after every event (`check: true`), then conservation checks:
 *
 * - every task completed, or the run ended in deadlock and every live task is reported;
 * - Σ thread running time = Σ CPU run + switch time; every CPU's time is idle + run + switch;
 * - per thread: running + runnable + waiting = its lifetime;
 * - voluntary/involuntary switch counts agree between threads and kernel, and every dispatch
 *   ends in a block, a preemption/yield, an exit, or is still running at the end.
 *
 * Workloads that cannot deadlock under `threads` (channels with matched sends and receives,
 * balanced lock/unlock, fan-out with a WaitGroup, select with default on buffered channels)
 * must complete there; under `pool:N` deadlock is an accepted outcome (a worker can wait for
 * a task still in the queue), and must be reported with every blocked task. A third property
 * throws in unstructured misuse (unbalanced unlocks, stray receives, double closes), where a
 * panic is an accepted outcome too; only the invariants are checked there.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Costs } from '../src/hw/costs.js';
import { Simulation, type SimConfig } from '../src/sim.js';
import { MemorySink } from '../src/trace/events.js';
import type { OpSpec, SourceSpec, WorkloadSpec } from '../src/workload/spec.js';

// ---------------------------------------------------------------- generators

const dur = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 2_000_000 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 1_000_000 }).map((mean) => ({ dist: 'exponential' as const, mean })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 500_000 }).map((min) => ({ dist: 'uniform' as const, min, max: min + 500_000 })) },
);

/** Ops that take time or give the CPU away, never touching shared objects. */
const plainOp: fc.Arbitrary<OpSpec> = fc.oneof(
  { weight: 4, arbitrary: dur.map((d) => ({ compute: d })) },
  { weight: 2, arbitrary: dur.map((d) => ({ io: d })) },
  { weight: 1, arbitrary: dur.map((d) => ({ syscall: d })) },
  { weight: 1, arbitrary: dur.map((d) => ({ sleep: d })) },
  { weight: 1, arbitrary: fc.constant({ yield: true as const }) },
);
const plainOps = fc.array(plainOp, { maxLength: 3 });

/** Building blocks that cannot deadlock under thread-per-task. */
type Pattern =
  | { kind: 'plain'; count: number; ops: OpSpec[]; at: number }
  | { kind: 'pipe'; cap: number; items: number; before: OpSpec[]; after: OpSpec[]; closeAtEnd: boolean }
  | { kind: 'locker'; count: number; rounds: number; inside: OpSpec[]; outside: OpSpec[] }
  | { kind: 'fanout'; workers: number; work: OpSpec[] }
  | { kind: 'poller'; items: number; polls: number; between: OpSpec[] };

const pattern: fc.Arbitrary<Pattern> = fc.oneof(
  fc.record({ kind: fc.constant('plain' as const), count: fc.integer({ min: 1, max: 3 }), ops: plainOps, at: fc.constantFrom(0, 0, 1_500_000) }),
  fc.record({
    kind: fc.constant('pipe' as const),
    cap: fc.integer({ min: 0, max: 2 }),
    items: fc.integer({ min: 1, max: 4 }),
    before: plainOps,
    after: plainOps,
    closeAtEnd: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('locker' as const),
    count: fc.integer({ min: 1, max: 3 }),
    rounds: fc.integer({ min: 1, max: 3 }),
    inside: fc.array(dur.map((d) => ({ compute: d })), { maxLength: 2 }),
    outside: plainOps,
  }),
  fc.record({ kind: fc.constant('fanout' as const), workers: fc.integer({ min: 1, max: 4 }), work: plainOps }),
  fc.record({ kind: fc.constant('poller' as const), items: fc.integer({ min: 0, max: 4 }), polls: fc.integer({ min: 1, max: 5 }), between: plainOps }),
);

function build(patterns: Pattern[]): WorkloadSpec {
  const w: Required<Pick<WorkloadSpec, 'channels' | 'mutexes' | 'waitgroups' | 'programs'>> & WorkloadSpec = {
    channels: [],
    mutexes: [],
    waitgroups: [],
    programs: {},
    sources: [],
  };
  patterns.forEach((p, i) => {
    switch (p.kind) {
      case 'plain':
        w.sources.push({ kind: 'batch', name: `plain${i}`, count: p.count, program: p.ops, ...(p.at > 0 ? { at: p.at } : {}) });
        break;
      case 'pipe': {
        const ch = `pipe${i}`;
        w.channels.push({ name: ch, cap: p.cap });
        const prod: OpSpec[] = [{ repeat: p.items, do: [...p.before, { send: ch }] }];
        if (p.closeAtEnd) prod.push({ close: ch });
        // With a close, the consumer reads one more time and gets ok=false.
        const cons: OpSpec[] = [{ repeat: p.items + (p.closeAtEnd ? 1 : 0), do: [{ recv: ch }, ...p.after] }];
        w.sources.push({ kind: 'batch', name: `cons${i}`, count: 1, program: cons });
        w.sources.push({ kind: 'batch', name: `prod${i}`, count: 1, program: prod });
        break;
      }
      case 'locker': {
        const mu = `mu${i}`;
        w.mutexes.push({ name: mu });
        w.sources.push({ kind: 'batch', name: `lock${i}`, count: p.count, program: [{ repeat: p.rounds, do: [{ lock: mu }, ...p.inside, { unlock: mu }, ...p.outside] }] });
        break;
      }
      case 'fanout': {
        const wg = `wg${i}`;
        w.waitgroups.push({ name: wg });
        w.programs[`worker${i}`] = [...p.work, { wgDone: wg }];
        w.sources.push({
          kind: 'batch',
          name: `main${i}`,
          count: 1,
          program: [{ wgAdd: wg, n: p.workers }, { spawn: `worker${i}`, count: p.workers }, { wgWait: wg }],
        });
        break;
      }
      case 'poller': {
        const a = `pa${i}`;
        const b = `pb${i}`;
        w.channels.push({ name: a, cap: 8 }, { name: b, cap: 8 });
        w.sources.push({ kind: 'batch', name: `feed${i}`, count: 1, program: [{ repeat: p.items, do: [{ send: a }, { send: b }] }] });
        w.sources.push({
          kind: 'batch',
          name: `poll${i}`,
          count: 1,
          program: [{ repeat: p.polls, do: [{ select: [{ recv: a }, { recv: b }], default: true }, ...p.between] }],
        });
        break;
      }
    }
  });
  return w;
}

const costs: fc.Arbitrary<Partial<Costs>> = fc.record({
  contextSwitch: fc.constantFrom(0, 2_000, 50_000),
  wakeupIpi: fc.constantFrom(0, 8_000),
  threadCreate: fc.constantFrom(0, 20_000),
  syscall: fc.constantFrom(0, 200),
  timerSlack: fc.constantFrom(0, 50_000),
});

const osConfig = fc.record({
  policy: fc.constantFrom('fifo', 'rr', 'cfs', 'eevdf'),
  ticks: fc.constantFrom<0 | 250 | 1000>(0, 250, 1000),
  small: fc.boolean(),
  balance: fc.constantFrom(0, 4_000_000),
  // Periods of 20 ms leave room for the slack timer (not within 7 ms of a period's end).
  bandwidth: fc.option(fc.record({ quotaNs: fc.constantFrom(1_000_000, 3_000_000, 8_000_000), periodNs: fc.constantFrom(5_000_000, 10_000_000, 20_000_000), sliceNs: fc.constantFrom(5_000_000, 500_000) }), { nil: null }),
});

type OsArb = typeof osConfig extends fc.Arbitrary<infer T> ? T : never;

function simConfig(os: OsArb, cpus: number, model: string, c: Partial<Costs>, workload: WorkloadSpec, seed: number): SimConfig {
  // Small slices make preemption frequent in these short runs.
  const params: Record<string, unknown> = {};
  if (os.small) {
    if (os.policy === 'rr') params.quantum = 500_000;
    if (os.policy === 'cfs') Object.assign(params, { latency: 1_000_000, minGranularity: 200_000, wakeupGranularity: 300_000 });
    if (os.policy === 'eevdf') params.baseSlice = 300_000;
  }
  return {
    name: 'property',
    seed,
    machine: { cpus, costs: c },
    os: {
      policy: os.policy,
      params,
      ...(os.ticks === 0 ? { exactSliceEnd: true } : { hz: os.ticks }),
      balanceIntervalNs: os.balance,
      bandwidth: os.bandwidth,
    },
    model,
    limits: { events: 200_000 },
    workload,
  };
}

// ---------------------------------------------------------------- checks

function runChecked(config: SimConfig) {
  const sink = new MemorySink();
  const sim = new Simulation(config, { check: true, trace: sink });
  const result = sim.run();
  return { sim, result, sink };
}

/** Time and switch accounting that must hold for any run that ended cleanly. */
function conservation(sim: Simulation, sink: MemorySink): void {
  const k = sim.kernel;
  const now = sim.engine.now;
  let running = 0;
  let nvcsw = 0;
  let nivcsw = 0;
  let exited = 0;
  let stillRunning = 0;
  for (const t of k.threads) {
    running += t.runningNs;
    nvcsw += t.nvcsw;
    nivcsw += t.nivcsw;
    const end = t.exitedAt >= 0 ? t.exitedAt : now;
    expect(t.runningNs + t.runnableNs + t.waitingNs, `thread ${t.id} state times`).toBe(end - t.createdAt);
    if (t.state === 'exited') exited++;
    if (t.state === 'running') stillRunning++;
  }
  let cpuBusy = 0;
  for (const c of k.cpus) {
    cpuBusy += c.runNs + c.switchNs;
    expect(c.idleNs + c.runNs + c.switchNs, `cpu ${c.id} time`).toBe(now);
  }
  expect(running).toBe(cpuBusy);
  expect(nvcsw).toBe(k.nvcsw);
  expect(nivcsw).toBe(k.nivcsw);
  const dispatches = sink.events.filter((e) => e.k === 'tstate' && e.to === 'running').length;
  expect(dispatches).toBe(nvcsw + nivcsw + exited + stillRunning);
  expect(k.schedLatency.n).toBe(dispatches);
  const r = sim.runner;
  expect(r.completed + r.live).toBe(r.created);
}

// ---------------------------------------------------------------- properties

const workloadArb = fc.array(pattern, { minLength: 1, maxLength: 4 });
// PROP_RUNS=5000 PROP_SEED=… npx vitest run test/property-workloads.test.ts for a long search.
const NUM_RUNS = Number(process.env.PROP_RUNS ?? 60);
const seedFor = (fixed: number): number => (process.env.PROP_SEED !== undefined ? Number(process.env.PROP_SEED) + fixed : fixed);

describe('random workloads', () => {
  it('cannot-deadlock workloads complete under threads, with invariants and conservation', () => {
    fc.assert(
      fc.property(workloadArb, osConfig, fc.integer({ min: 1, max: 4 }), costs, fc.integer({ min: 0, max: 1000 }), (ps, os, cpus, c, seed) => {
        const { sim, result, sink } = runChecked(simConfig(os, cpus, 'threads', c, build(ps), seed));
        expect(result.outcome).toBe('completed');
        expect(sim.runner.live).toBe(0);
        conservation(sim, sink);
      }),
      { numRuns: NUM_RUNS, seed: seedFor(20261129) },
    );
  });

  it('under pool:N they complete or deadlock, and a deadlock reports every live task', () => {
    fc.assert(
      fc.property(workloadArb, osConfig, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), costs, fc.integer({ min: 0, max: 1000 }), (ps, os, cpus, n, c, seed) => {
        const { sim, result, sink } = runChecked(simConfig(os, cpus, `pool:${n}`, c, build(ps), seed));
        expect(['completed', 'deadlock']).toContain(result.outcome);
        if (result.outcome === 'deadlock') {
          expect(result.deadlock!.blocked.length).toBe(sim.runner.live);
          expect(sim.runner.live).toBeGreaterThan(0);
        } else {
          expect(sim.runner.live).toBe(0);
        }
        conservation(sim, sink);
      }),
      { numRuns: NUM_RUNS, seed: seedFor(20261130) },
    );
  });

  it('the same config and seed give the same result, whatever the model', () => {
    fc.assert(
      fc.property(workloadArb, osConfig, fc.constantFrom('threads', 'pool:1', 'pool:3'), fc.integer({ min: 1, max: 3 }), costs, (ps, os, model, cpus, c) => {
        const conf = simConfig(os, cpus, model, c, build(ps), 7);
        const a = new Simulation(conf).run();
        const b = new Simulation(conf, { trace: new MemorySink() }).run();
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      }),
      { numRuns: 30, seed: seedFor(20261131) },
    );
  });

  // Unstructured: any op on any object, in any order.
  const names = { ch: ['c0', 'c1'], mu: ['m0'], wg: ['w0'] };
  const anyOp: fc.Arbitrary<OpSpec> = fc.oneof(
    { weight: 4, arbitrary: plainOp },
    { weight: 2, arbitrary: fc.constantFrom(...names.ch).map((ch) => ({ send: ch })) },
    { weight: 2, arbitrary: fc.constantFrom(...names.ch).map((ch) => ({ recv: ch })) },
    { weight: 1, arbitrary: fc.constantFrom(...names.ch).map((ch) => ({ close: ch })) },
    { weight: 1, arbitrary: fc.boolean().map((d) => ({ select: [{ recv: 'c0' }, { send: 'c1' }], default: d })) },
    { weight: 2, arbitrary: fc.constant({ lock: 'm0' }) },
    { weight: 2, arbitrary: fc.constant({ unlock: 'm0' }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }).map((n) => ({ wgAdd: 'w0', n })) },
    { weight: 1, arbitrary: fc.constant({ wgDone: 'w0' }) },
    { weight: 1, arbitrary: fc.constant({ wgWait: 'w0' }) },
  );

  it('unstructured programs end completed, deadlocked or panicked, never breaking an invariant', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ count: fc.integer({ min: 1, max: 3 }), ops: fc.array(anyOp, { maxLength: 6 }) }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 2 }),
        osConfig,
        fc.constantFrom('threads', 'pool:1', 'pool:2', 'pool:4'),
        fc.integer({ min: 1, max: 3 }),
        costs,
        (progs, cap, os, model, cpus, c) => {
          const workload: WorkloadSpec = {
            channels: [
              { name: 'c0', cap },
              { name: 'c1', cap: 1 },
            ],
            mutexes: [{ name: 'm0' }],
            waitgroups: [{ name: 'w0' }],
            sources: progs.map((p, i): SourceSpec => ({ kind: 'batch', name: `p${i}`, count: p.count, program: p.ops })),
          };
          const { sim, result, sink } = runChecked(simConfig(os, cpus, model, c, workload, 3));
          expect(['completed', 'deadlock', 'panic']).toContain(result.outcome);
          if (result.outcome !== 'panic') conservation(sim, sink);
        },
      ),
      { numRuns: NUM_RUNS, seed: seedFor(20261132) },
    );
  });
});
