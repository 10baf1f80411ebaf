/**
 * The library API: generator programs with channels, a WaitGroup and a mutex run unchanged
 * under threads, pool:N and go:P, deterministically, with exact results where they are
 * model-independent.
 */
import { describe, expect, it } from 'vitest';
import {
  Chan,
  Mutex,
  WaitGroup,
  compute,
  fromGenerator,
  lock,
  ms,
  recv,
  send,
  simulate,
  spawn,
  unlock,
  us,
  wgAdd,
  wgDone,
  wgWait,
  type RecvResult,
  type SimConfig,
} from '../src/index.js';

function pipeline(model: string): { config: SimConfig; received: unknown[] } {
  const received: unknown[] = [];
  const jobs = new Chan('jobs', 2);
  const mu = new Mutex('mu', model.startsWith('go'));
  const wg = new WaitGroup('wg');
  let shared = 0;
  const worker = fromGenerator('worker', function* () {
    for (;;) {
      const r = (yield recv(jobs)) as RecvResult;
      if (!r.ok) break;
      received.push(r.value);
      yield compute(us(200));
      yield lock(mu);
      shared++;
      yield compute(us(10));
      yield unlock(mu);
    }
    yield wgDone(wg);
  });
  const main = fromGenerator('main', function* () {
    yield wgAdd(wg, 3);
    for (let i = 0; i < 3; i++) yield spawn(worker);
    for (let i = 0; i < 12; i++) yield send(jobs, i);
    yield { op: 'close', ch: jobs };
    yield wgWait(wg);
    if (shared !== 12) throw new Error(`lost an update: ${shared}`);
  });
  return {
    received,
    config: { name: 'api', seed: 3, machine: { cpus: 2 }, os: { policy: 'eevdf' }, model, workload: { sources: [{ kind: 'batch', name: 'main', count: 1, program: main }] } },
  };
}

describe('library API', () => {
  for (const model of ['threads', 'pool:4', 'go:2']) {
    it(`a generator pipeline with channel, WaitGroup and mutex completes under ${model}`, () => {
      const { config, received } = pipeline(model);
      const r = simulate(config);
      expect(r.outcome).toBe('completed');
      expect(r.tasks).toMatchObject({ created: 1, completed: 1, spawned: { created: 3, completed: 3 } });
      expect([...received].sort((a, b) => (a as number) - (b as number))).toEqual([...Array(12).keys()]);
      // 12 jobs × 210µs of CPU on 2 CPUs with 3 workers: at least 4 rounds of 210µs.
      expect(r.simulatedNs).toBeGreaterThan(4 * us(210));
      expect(r.simulatedNs).toBeLessThan(ms(5));
      // Deterministic: the same config again gives the same result.
      const again = pipeline(model);
      expect(simulate(again.config)).toEqual(r);
      expect(again.received).toEqual(received);
    });
  }
});

describe('tasks.bySource', () => {
  it('lists the sources in the order declared, each from the start, whichever runs first', () => {
    const r = simulate({
      name: 'by-source',
      seed: 1,
      machine: { cpus: 1 },
      os: { policy: 'fifo' },
      model: 'threads',
      workload: {
        sources: [
          { kind: 'batch', name: 'late', count: 1, at: 5_000_000, program: [{ compute: 1_000_000 }] },
          { kind: 'batch', name: 'early', count: 2, program: [{ compute: 1_000_000 }] },
          { kind: 'batch', name: 'never', count: 1, at: 1_000_000_000, program: [{ compute: 1 }] },
        ],
      },
      limits: { timeNs: 10_000_000 },
    });
    expect(r.tasks.bySource.map((s) => [s.name, s.created, s.completed])).toEqual([
      ['late', 1, 1],
      ['early', 2, 2],
      ['never', 0, 0],
    ]);
  });
});

describe('tasks.spawned.byName', () => {
  it('lists every name a program can spawn from the start, in the order met, with its own latency', () => {
    const r = simulate({
      name: 'by-name',
      seed: 1,
      // no cost to create or switch threads: the latencies are the programs' own times
      machine: { cpus: 1, costs: { contextSwitch: 0, threadCreate: 0, syscall: 0 } },
      os: { policy: 'fifo' },
      model: 'threads',
      workload: {
        programs: {
          // A ticker loop: every 10 ms it spawns a request (named by the spawn op).
          ticker: [{ repeat: 3, do: [{ sleep: 10_000_000 }, { spawn: 'req', name: 'request' }] }],
          req: [{ compute: 1_000_000 }, { spawn: [{ compute: 2_000_000 }], name: 'log' }],
          rare: [{ compute: 1 }],
        },
        sources: [
          { kind: 'batch', name: 'ticker', count: 1, program: 'ticker' },
          // Spawns `rare` (a named program, no `name` on the op), but only after the run ends.
          { kind: 'batch', name: 'late', count: 1, at: 1_000_000_000, program: [{ spawn: 'rare' }] },
        ],
      },
      limits: { timeNs: 100_000_000 },
    });
    // A request runs 1 ms as soon as it is spawned (the CPU is free: the ticker sleeps); its
    // `log` child then runs 2 ms, FIFO, after the request's end.
    expect(r.tasks.spawned.byName.map((s) => [s.name, s.created, s.completed, s.latencyNs.p50])).toEqual([
      ['request', 3, 3, 1_000_000],
      ['log', 3, 3, 2_000_000],
      ['rare', 0, 0, 0],
    ]);
    expect(r.tasks.spawned.created).toBe(6);
  });

  it('names an inline program without a name "spawned", and lists a generator\'s spawns after, when first spawned', () => {
    const child = fromGenerator('child', function* () {
      yield compute(ms(2));
    });
    const gen = fromGenerator('gen', function* () {
      yield compute(ms(1));
      yield spawn(child);
    });
    const r = simulate({
      name: 'by-name-generator',
      seed: 1,
      machine: { cpus: 1, costs: { contextSwitch: 0, threadCreate: 0, syscall: 0 } },
      os: { policy: 'fifo' },
      model: 'threads',
      workload: {
        sources: [
          { kind: 'batch', name: 'g', count: 1, program: gen },
          { kind: 'batch', name: 'list', count: 1, program: [{ spawn: [{ compute: 3_000_000 }] }] },
        ],
      },
    });
    // Known before the run: the list's inline child ("spawned"); the generator's child is
    // added when it is spawned. FIFO on one CPU: g runs 1 ms and spawns child, then list
    // spawns its child at 1 ms; child runs 1-3 ms (2 ms after its spawn), "spawned" 3-6 ms (5).
    expect(r.tasks.spawned.byName.map((s) => [s.name, s.created, s.latencyNs.max])).toEqual([
      ['spawned', 1, 5_000_000],
      ['child', 1, 2_000_000],
    ]);
  });
});
