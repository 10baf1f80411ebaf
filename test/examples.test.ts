/**
 * The seed examples: each YAML file in examples/ states its expected figures in its own
 * comments; this test loads the file through the scenario loader, runs every variant, and
 * checks those figures (exactly, or within the tolerance the file states).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Simulation, simulate, type RunResult, type SimConfig } from '../src/sim.js';
import { MemorySink } from '../src/trace/events.js';
import { loadScenario } from '../src/workload/scenario.js';

const MS = 1e6;

function load(name: string) {
  const file = `examples/${name}.yaml`;
  const s = loadScenario(readFileSync(file, 'utf8'), file);
  expect(s.name).toBe(name);
  expect((s.description ?? '').length).toBeGreaterThan(40);
  return s;
}

function runVariants(name: string): Map<string, RunResult> {
  const s = load(name);
  const out = new Map<string, RunResult>();
  for (const v of s.variants) out.set(v.name, simulate(v.config));
  return out;
}

/** |got − want| ≤ tol. */
function near(got: number, want: number, tol: number, what: string): void {
  expect(Math.abs(got - want), `${what}: ${got} vs ${want} ± ${tol}`).toBeLessThanOrEqual(tol);
}

describe('seed examples', () => {
  it('seed-time-slices: 1000 threads, 10 ms slices: a thread waits 9.99 s between turns', () => {
    const s = load('seed-time-slices');
    expect(s.variants).toEqual([]);
    const r = simulate(s.config);
    expect(r.outcome).toBe('completed');
    expect(r.schedLatencyNs).toMatchObject({ count: 4000, p50: 9_990 * MS, p90: 9_990 * MS, max: 9_990 * MS });
    expect(r.contextSwitches).toEqual({ voluntary: 0, involuntary: 3000, total: 3000 });
    expect(r.simulatedNs).toBe(30_008 * MS);
    expect(r.tasks.latencyNs.p50).toBe(30_004 * MS);
  });

  it('seed-context-switching: the share lost to switching grows with threads only as the slice shrinks', () => {
    const runs = runVariants('seed-context-switching');
    // [variant, share, end (ms)] as stated in the file.
    const expected: Array<[string, number, number]> = [
      ['one', 0, 1000.002],
      ['rr-10', 0.00022, 1000.22],
      ['rr-1000', 0.002, 1002],
      ['cfs-10', 0.0027, 1002.7],
      ['cfs-100', 0.0028, 1002.8],
      ['cfs-1000', 0.004, 1004],
      ['nocap-10', 0.0033, 1003.3],
      ['nocap-100', 0.0333, 1034.5],
      ['nocap-1000', 0.3333, 1500],
    ];
    expect([...runs.keys()]).toEqual(expected.map(([n]) => n));
    for (const [name, share, end] of expected) {
      const r = runs.get(name)!;
      expect(r.outcome).toBe('completed');
      near(r.cpus.switchingShare, share, Math.max(0.0001, share * 0.02), `${name} share`);
      near(r.simulatedNs / MS, end, end * 0.006, `${name} end`);
      // The work itself is always 1 s: everything beyond it is switching.
      near(r.simulatedNs - r.cpus.switchingShare * r.simulatedNs, 1000 * MS, 0.00005 * r.simulatedNs + 1, `${name} work`);
    }
    // The Linux default min_granularity caps the loss; without it 1000 threads lose a third.
    expect(runs.get('cfs-1000')!.cpus.switchingShare).toBeLessThan(0.005);
    expect(runs.get('nocap-1000')!.cpus.switchingShare).toBeGreaterThan(0.3);
  });

  it('seed-cpu-vs-io: more threads than CPUs speed up IO-bound work, not CPU-bound work', () => {
    const runs = runVariants('seed-cpu-vs-io');
    expect(runs.get('cpu-2')!.simulatedNs).toBe(320.002 * MS);
    const cpu8 = runs.get('cpu-8')!.simulatedNs / MS;
    expect(cpu8).toBeGreaterThanOrEqual(320);
    expect(cpu8).toBeLessThanOrEqual(320.4);
    for (const [name, figure] of [
      ['io-2', 320],
      ['io-8', 83],
      ['io-16', 47],
      ['io-64', 41],
    ] as const) {
      const end = runs.get(name)!.simulatedNs / MS;
      expect(end, name).toBeGreaterThanOrEqual(figure);
      expect(end, name).toBeLessThanOrEqual(figure * 1.002 + 0.1);
      expect(runs.get(name)!.outcome).toBe('completed');
    }
  });

  it('seed-magic-number: the best pool size moves with the network wait (12 at 4 ms, 40 at 19 ms)', () => {
    const runs = runVariants('seed-magic-number');
    const table: Record<string, number[]> = {
      4: [251, 128, 106.2, 107.2, 111.3, 115.3, 119.3, 123.3, 130.3],
      19: [1001, 503, 343, 263, 183, 143, 122.0, 123.3, 130.3],
    };
    const sizes = [4, 8, 12, 16, 24, 32, 40, 48, 64];
    for (const [w, row] of Object.entries(table)) {
      const p50 = sizes.map((t) => runs.get(`wait${w}ms-pool${t}`)!.tasks.latencyNs.p50 / MS);
      row.forEach((want, i) => near(p50[i]!, want, want * 0.01, `W=${w} T=${sizes[i]}`));
      const best = sizes[p50.indexOf(Math.min(...p50))];
      expect(best, `best T at W=${w}ms`).toBe(w === '4' ? 12 : 40);
    }
    near(runs.get('wait4ms-pool16')!.simulatedNs / MS, 204, 1, 'batch end W=4 T=16');
    near(runs.get('wait19ms-pool48')!.simulatedNs / MS, 219, 1, 'batch end W=19 T=48');
  });

  it('seed-concurrency-vs-parallelism: after the sum on 1 CPU, after the longer on 2', () => {
    const runs = runVariants('seed-concurrency-vs-parallelism');
    const one = runs.get('one-cpu')!;
    expect(one.tasks.latencyNs).toMatchObject({ count: 2, p50: 80.022 * MS, max: 100.044 * MS });
    expect(one.contextSwitches.involuntary).toBe(20);
    const two = runs.get('two-cpus')!;
    expect(two.tasks.latencyNs).toMatchObject({ count: 2, p50: 40.002 * MS, max: 60.002 * MS });
    expect(two.contextSwitches.total).toBe(0);
  });

  it('seed-preemption: fifo waits for the hog, rr for its quantum, cfs/eevdf preempt it', () => {
    const s = load('seed-preemption');
    // [variant, median wait, max wait, done] in ms.
    const expected: Array<[string, number, number, number]> = [
      ['fifo', 16.75, 16.95, 2120],
      ['rr', 6.95, 6.95, 1101],
      ['cfs', 0, 0, 428.2],
      ['eevdf', 0, 0.708, 445.4],
      ['eevdf-hz250', 0, 4.469, 457.5],
    ];
    expect(s.variants.map((v) => v.name)).toEqual(expected.map(([n]) => n));
    for (const [name, p50, max, done] of expected) {
      const { waits, result } = interactiveWaits(s.variants.find((v) => v.name === name)!.config);
      expect(waits.length, name).toBe(100);
      const sorted = waits.slice().sort((a, b) => a - b);
      near(sorted[49]! / MS, p50, 0.01, `${name} median wait`);
      near(sorted[99]! / MS, max, 0.01, `${name} max wait`);
      near(result.tasks.latencyNs.max / MS, done, done * 0.005, `${name} done`);
    }
    // eevdf with exact slice ends: always within one base slice (0.75 ms on one CPU).
    const { waits } = interactiveWaits(s.variants.find((v) => v.name === 'eevdf')!.config);
    expect(Math.max(...waits)).toBeLessThan(0.75 * MS);
  });
});

/** The interactive thread's waits from each timer wake-up to its next run. */
function interactiveWaits(config: SimConfig): { waits: number[]; result: RunResult } {
  const sink = new MemorySink();
  const result = new Simulation(config, { trace: sink }).run();
  const names = new Map<number, string>();
  const woke = new Map<number, number>();
  const waits: number[] = [];
  for (const e of sink.events) {
    if (e.k === 'thread') names.set(e.tid, e.name);
    if (e.k !== 'tstate' || !names.get(e.tid)!.startsWith('interactive')) continue;
    if (e.to === 'runnable' && e.why.startsWith('timer')) woke.set(e.tid, e.t);
    else if (e.to === 'running' && woke.has(e.tid)) {
      waits.push(e.t - woke.get(e.tid)!);
      woke.delete(e.tid);
    }
  }
  return { waits, result };
}
