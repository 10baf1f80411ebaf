/**
 * Random workloads and configurations shared by the property tests of the why texts
 * (property-why-sums) and of the trace's structure (property-trace-structure): small mixes of
 * plain compute/IO/syscall/sleep/yield tasks, channel pipes, mutex lockers, wait-group fan-outs,
 * spawners and open arrivals, with background threads, random costs, every policy, ticks or
 * exact slice ends, and bandwidth groups.
 */
import fc from 'fast-check';
import type { Costs } from '../src/hw/costs.js';
import type { SimConfig } from '../src/sim.js';
import type { OpSpec, SourceSpec, WorkloadSpec } from '../src/workload/spec.js';

/** Odd durations (not round) so that ms texts round. */
export const dur = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 2_500_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3_000 }) }, { weight: 1, arbitrary: fc.constant(0) });

export const plainOp: fc.Arbitrary<OpSpec> = fc.oneof(
  { weight: 4, arbitrary: dur.map((d) => ({ compute: d })) },
  { weight: 2, arbitrary: dur.map((d) => ({ io: d })) },
  { weight: 1, arbitrary: dur.map((d) => ({ syscall: d })) },
  { weight: 1, arbitrary: dur.map((d) => ({ sleep: d })) },
  { weight: 1, arbitrary: fc.constant({ yield: true as const }) },
);
export const plainOps = fc.array(plainOp, { minLength: 1, maxLength: 4 });

export type Pattern =
  | { kind: 'plain'; count: number; ops: OpSpec[]; at: number }
  | { kind: 'pipe'; cap: number; items: number; before: OpSpec[]; after: OpSpec[] }
  | { kind: 'locker'; count: number; inside: OpSpec[] }
  | { kind: 'fanout'; workers: number; work: OpSpec[] }
  | { kind: 'spawner'; children: number; work: OpSpec[] }
  | { kind: 'arrivals'; rate: number; ops: OpSpec[] };

export const pattern: fc.Arbitrary<Pattern> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('plain' as const), count: fc.integer({ min: 1, max: 4 }), ops: plainOps, at: fc.constantFrom(0, 0, 700_123) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pipe' as const), cap: fc.integer({ min: 0, max: 2 }), items: fc.integer({ min: 1, max: 3 }), before: plainOps, after: plainOps }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('locker' as const), count: fc.integer({ min: 2, max: 3 }), inside: fc.array(dur.map((d) => ({ compute: d })), { maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fanout' as const), workers: fc.integer({ min: 1, max: 4 }), work: plainOps }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('spawner' as const), children: fc.integer({ min: 1, max: 40 }), work: fc.array(dur.map((d) => ({ compute: d })), { maxLength: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('arrivals' as const), rate: fc.integer({ min: 500, max: 5000 }), ops: plainOps }) },
);

/** Other processes' threads: outside the execution model and the bandwidth group. */
export const background = fc.option(fc.record({ count: fc.integer({ min: 1, max: 2 }), ops: plainOps, nice: fc.constantFrom(-5, 0, 10) }), { nil: null, freq: 3 });
export type Background = typeof background extends fc.Arbitrary<infer T> ? T : never;

export function build(patterns: Pattern[], bg: Background): WorkloadSpec {
  const w: WorkloadSpec & Required<Pick<WorkloadSpec, 'channels' | 'mutexes' | 'waitgroups' | 'programs'>> = { channels: [], mutexes: [], waitgroups: [], programs: {}, sources: [] };
  if (bg !== null) w.background = [{ name: 'noise', count: bg.count, program: bg.ops, nice: bg.nice }];
  const src = (name: string, count: number, program: OpSpec[], at = 0): SourceSpec => ({ kind: 'batch', name, count, program, ...(at > 0 ? { at } : {}) });
  patterns.forEach((p, i) => {
    switch (p.kind) {
      case 'plain':
        w.sources.push(src(`plain${i}`, p.count, p.ops, p.at));
        return;
      case 'pipe': {
        const ch = `c${i}`;
        w.channels.push({ name: ch, cap: p.cap });
        w.sources.push(src(`cons${i}`, 1, [{ repeat: p.items, do: [{ recv: ch }, ...p.after] }]));
        w.sources.push(src(`prod${i}`, 1, [{ repeat: p.items, do: [...p.before, { send: ch }] }]));
        return;
      }
      case 'locker': {
        const mu = `mu${i}`;
        w.mutexes.push({ name: mu });
        w.sources.push(src(`lock${i}`, p.count, [{ repeat: 2, do: [{ lock: mu }, ...p.inside, { unlock: mu }] }]));
        return;
      }
      case 'fanout': {
        const wg = `wg${i}`;
        w.waitgroups.push({ name: wg });
        w.programs[`worker${i}`] = [...p.work, { wgDone: wg }];
        w.sources.push(src(`main${i}`, 1, [{ wgAdd: wg, n: p.workers }, { spawn: `worker${i}`, count: p.workers }, { wgWait: wg }]));
        return;
      }
      case 'spawner':
        w.programs[`child${i}`] = p.work;
        w.sources.push(src(`spawner${i}`, 1, [{ spawn: `child${i}`, count: p.children }]));
        return;
      case 'arrivals':
        w.sources.push({ kind: 'arrivals', name: `req${i}`, ratePerSec: p.rate, durationNs: 5_000_000, process: 'poisson', program: p.ops });
        return;
    }
  });
  return w;
}

export const costs: fc.Arbitrary<Partial<Costs>> = fc.record({
  contextSwitch: fc.constantFrom(0, 1_234, 2_000, 51_357),
  wakeupIpi: fc.constantFrom(0, 7_777),
  threadCreate: fc.constantFrom(0, 20_000),
  syscall: fc.constantFrom(0, 211),
  timerSlack: fc.constantFrom(0, 50_000),
});

export const osArb = fc.record({
  policy: fc.constantFrom('fifo', 'rr', 'cfs', 'eevdf'),
  ticks: fc.constantFrom<0 | 250 | 1000>(0, 250, 1000),
  small: fc.boolean(),
  balance: fc.constantFrom(0, 1_000_000),
  // Slices of 5 ms (above these quotas: one draw takes the pool) and of 0.3 ms (several draws,
  // returns and overruns per period).
  bandwidth: fc.option(fc.record({ quotaNs: fc.constantFrom(1_000_000, 1_700_000), periodNs: fc.constantFrom(2_000_000, 3_300_000), sliceNs: fc.constantFrom(5_000_000, 300_000), phaseNs: fc.constantFrom(0, 0, 700_000) }), { nil: null, freq: 2 }),
});
export type OsArb = typeof osArb extends fc.Arbitrary<infer T> ? T : never;

export function simConfig(name: string, os: OsArb, cpus: number, model: string, c: Partial<Costs>, workload: WorkloadSpec, seed: number): SimConfig {
  const params: Record<string, unknown> = {};
  if (os.small) {
    if (os.policy === 'rr') params.quantum = 300_000;
    if (os.policy === 'cfs') Object.assign(params, { latency: 1_000_000, minGranularity: 200_000, wakeupGranularity: 300_000 });
    if (os.policy === 'eevdf') params.baseSlice = 300_000;
  }
  return {
    name,
    seed,
    machine: { cpus, costs: c },
    os: { policy: os.policy, params, ...(os.ticks === 0 ? { exactSliceEnd: true } : { hz: os.ticks }), balanceIntervalNs: os.balance, bandwidth: os.bandwidth },
    model,
    // A few ms of simulated time; truncated runs end with open intervals (closed at the end).
    limits: { timeNs: 12_000_000, events: 20_000 },
    workload,
  };
}

