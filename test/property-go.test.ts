/**
 * Property tests for the Go model: random small workloads under go:P (P = 1..4) on 1..4
 * hardware threads and every OS policy, with the whole-state invariant check of the kernel and
 * of the Go runtime after every event (a G on at most one queue, an M holds at most one P and
 * the P points back, idle Ps on the idle list with empty queues, nmspinning equal to the
 * spinning Ms and within GOMAXPROCS, at most one M in netpoll, every live G somewhere — no lost
 * goroutine). Workloads are built from patterns that cannot deadlock, so every run must
 * complete with every goroutine dead; a second property adds cross-goroutine blocking that may
 * deadlock, and then the deadlock must list every live goroutine.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GoRuntime } from '../src/go/proc.js';
import { Simulation, type SimConfig } from '../src/sim.js';
import type { OpSpec, SourceSpec, WorkloadSpec } from '../src/workload/spec.js';

const dur = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 3_000_000 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 2_000_000 }).map((mean) => ({ dist: 'exponential' as const, mean })) },
);

const plainOp: fc.Arbitrary<OpSpec> = fc.oneof(
  { weight: 4, arbitrary: dur.map((d) => ({ compute: d })) },
  { weight: 2, arbitrary: dur.map((d) => ({ io: d })) },
  { weight: 1, arbitrary: dur.map((d) => ({ syscall: d })) },
  { weight: 2, arbitrary: dur.map((d) => ({ sleep: d })) },
  { weight: 1, arbitrary: fc.constant({ yield: true as const }) },
);
const plainOps = fc.array(plainOp, { maxLength: 4 });

type Pattern =
  | { kind: 'plain'; count: number; ops: OpSpec[] }
  | { kind: 'pipe'; cap: number; items: number; before: OpSpec[]; after: OpSpec[] }
  | { kind: 'locker'; count: number; rounds: number; inside: OpSpec[] }
  | { kind: 'fanout'; workers: number; work: OpSpec[] }
  | { kind: 'spawner'; children: number; work: OpSpec[] }
  | { kind: 'arrivals'; rate: number; ops: OpSpec[] };

const pattern: fc.Arbitrary<Pattern> = fc.oneof(
  fc.record({ kind: fc.constant('plain' as const), count: fc.integer({ min: 1, max: 6 }), ops: plainOps }),
  fc.record({ kind: fc.constant('pipe' as const), cap: fc.integer({ min: 0, max: 2 }), items: fc.integer({ min: 1, max: 5 }), before: plainOps, after: plainOps }),
  fc.record({ kind: fc.constant('locker' as const), count: fc.integer({ min: 2, max: 4 }), rounds: fc.integer({ min: 1, max: 3 }), inside: fc.array(dur.map((d) => ({ compute: d })), { maxLength: 2 }) }),
  fc.record({ kind: fc.constant('fanout' as const), workers: fc.integer({ min: 1, max: 6 }), work: plainOps }),
  fc.record({ kind: fc.constant('spawner' as const), children: fc.integer({ min: 1, max: 300 }), work: fc.array(dur.map((d) => ({ compute: d })), { maxLength: 1 }) }),
  fc.record({ kind: fc.constant('arrivals' as const), rate: fc.integer({ min: 100, max: 3000 }), ops: plainOps }),
);

function build(patterns: Pattern[]): WorkloadSpec {
  const w: WorkloadSpec & Required<Pick<WorkloadSpec, 'channels' | 'mutexes' | 'waitgroups' | 'programs'>> = { channels: [], mutexes: [], waitgroups: [], programs: {}, sources: [] };
  const src = (name: string, count: number, program: OpSpec[]): SourceSpec => ({ kind: 'batch', name, count, program });
  patterns.forEach((p, i) => {
    switch (p.kind) {
      case 'plain':
        w.sources.push(src(`plain${i}`, p.count, p.ops));
        return;
      case 'pipe': {
        const ch = `c${i}`;
        w.channels.push({ name: ch, cap: p.cap });
        w.sources.push(src(`producer${i}`, 1, [...p.before, { repeat: p.items, do: [{ send: ch }] }, { close: ch }]));
        w.sources.push(src(`consumer${i}`, 1, [{ repeat: p.items + 1, do: [{ recv: ch }, ...p.after] }]));
        return;
      }
      case 'locker': {
        const mu = `mu${i}`;
        w.mutexes.push({ name: mu });
        w.sources.push(src(`locker${i}`, p.count, [{ repeat: p.rounds, do: [{ lock: mu }, ...p.inside, { unlock: mu }] }]));
        return;
      }
      case 'fanout': {
        const wg = `wg${i}`;
        w.waitgroups.push({ name: wg });
        w.programs[`worker${i}`] = [...p.work, { wgDone: wg }];
        w.sources.push(src(`fanout${i}`, 1, [{ wgAdd: wg, n: p.workers }, { spawn: `worker${i}`, count: p.workers }, { wgWait: wg }]));
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

const osArb = fc.record({
  policy: fc.constantFrom('fifo', 'rr', 'cfs', 'eevdf'),
  exact: fc.boolean(),
});

function config(os: { policy: string; exact: boolean }, cpus: number, procs: number, workload: WorkloadSpec, seed: number): SimConfig {
  return {
    name: 'prop-go',
    seed,
    machine: { cpus },
    os: { policy: os.policy, exactSliceEnd: os.exact, ...(os.policy === 'rr' ? { params: { quantum: 2_000_000 } } : {}) },
    model: `go:${procs}`,
    workload,
    limits: { timeNs: 60_000_000_000, events: 2_000_000 },
  };
}

const RUNS = Number(process.env.PROP_RUNS ?? 40);

describe('Go model under random workloads', () => {
  it('cannot-deadlock workloads complete, every goroutine ends, invariants hold after every event', () => {
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 4 }),
        osArb,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 1000 }),
        (patterns, os, cpus, procs, seed) => {
          const sim = new Simulation(config(os, cpus, procs, build(patterns), seed), { check: true });
          const r = sim.run();
          expect(r.outcome).toBe('completed');
          const rt = sim.model as GoRuntime;
          expect(sim.runner.live).toBe(0);
          expect(r.go!.goroutinesCreated).toBe(r.tasks.created + r.tasks.spawned.created);
          expect(r.tasks.completed + r.tasks.spawned.completed).toBe(r.tasks.created + r.tasks.spawned.created);
          expect(rt.nmspinning).toBeGreaterThanOrEqual(0);
          // Kernel conservation: every thread's state times add up to its lifetime.
          for (const t of sim.kernel.threads) {
            const end = t.exitedAt >= 0 ? t.exitedAt : r.simulatedNs;
            expect(t.runningNs + t.runnableNs + t.waitingNs).toBe(end - t.createdAt);
          }
        },
      ),
      { numRuns: RUNS, seed: 4242 },
    );
  });

  it('workloads that may block each other end completed or deadlocked, and a deadlock lists every live goroutine', () => {
    const blocker = fc.record({ recvs: fc.integer({ min: 1, max: 3 }), sends: fc.integer({ min: 0, max: 3 }), cap: fc.integer({ min: 0, max: 1 }) });
    fc.assert(
      fc.property(fc.array(pattern, { maxLength: 2 }), blocker, osArb, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), (patterns, b, os, cpus, procs) => {
        const w = build(patterns);
        (w.channels ??= []).push({ name: 'x', cap: b.cap });
        w.sources.push({ kind: 'batch', name: 'rx', count: b.recvs, program: [{ recv: 'x' }] });
        if (b.sends > 0) w.sources.push({ kind: 'batch', name: 'tx', count: b.sends, program: [{ send: 'x' }] });
        const sim = new Simulation(config(os, cpus, procs, w, 7), { check: true });
        const r = sim.run();
        expect(['completed', 'deadlock']).toContain(r.outcome);
        if (b.recvs === b.sends) expect(r.outcome).toBe('completed');
        if (r.outcome === 'deadlock') {
          expect(r.deadlock!.blocked.length).toBe(sim.runner.live);
          expect(r.deadlock!.blocked.every((x) => x.reason === 'chan receive' || x.reason === 'chan send')).toBe(true);
        }
      }),
      { numRuns: RUNS, seed: 99 },
    );
  });
});
