/**
 * The Go examples in examples/go-*.yaml: each file states its expected figures in its
 * comments; this test loads the file through the scenario loader and checks them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulate, type RunResult } from '../src/sim.js';
import { loadScenario } from '../src/workload/scenario.js';

const MS = 1_000_000;

function variants(file: string): Map<string, RunResult> {
  const loaded = loadScenario(readFileSync(file, 'utf8'), file);
  const out = new Map<string, RunResult>();
  for (const v of loaded.variants) out.set(v.name, simulate(v.config));
  return out;
}

function go(r: RunResult): Record<string, number | number[] | Record<string, number>> {
  return r.go as Record<string, number | number[] | Record<string, number>>;
}

describe('Go examples', () => {
  it('go-vs-threads: the same service thread-per-request, on a pool of 8, and on GOMAXPROCS 2', () => {
    const r = variants('examples/go-vs-threads.yaml');
    const threads = r.get('threads')!;
    const pool = r.get('pool-8')!;
    const g = r.get('go-2')!;
    for (const x of [threads, pool, g]) {
      expect(x.outcome).toBe('completed');
      expect(x.tasks.completed).toBe(x.tasks.created);
    }
    expect(threads.tasks.created).toBe(8035);
    expect(threads.threads.created).toBe(8035);
    expect(pool.threads.created).toBe(8);
    expect(g.threads.created).toBeLessThan(10);
    // The pool of 8 cannot keep up (≈ 1500/s < 4000/s): its queue grows for the whole run.
    expect(pool.tasks.latencyNs.p99).toBeGreaterThan(1000 * MS);
    expect(pool.tasks.throughputPerSec).toBeLessThan(1600);
    // Threads and goroutines both keep up: p50 ≈ the work plus the wait.
    for (const x of [threads, g]) {
      expect(x.tasks.latencyNs.p50).toBeGreaterThan(3 * MS);
      expect(x.tasks.latencyNs.p50).toBeLessThan(5 * MS);
      expect(x.tasks.latencyNs.p99).toBeLessThan(30 * MS);
    }
    // Thread-per-request spends CPU creating threads: more CPU for the same work.
    expect(threads.cpus.utilization).toBeGreaterThan(g.cpus.utilization);
  });

  it('go-blocking-syscalls: blocking syscalls create a thread each; io and sleep do not', () => {
    const r = variants('examples/go-blocking-syscalls.yaml');
    const sys = r.get('syscall')!;
    expect(sys.outcome).toBe('completed');
    expect(sys.threads.created).toBeGreaterThanOrEqual(1000);
    expect(sys.threads.created).toBeLessThanOrEqual(1006);
    expect(go(sys).syscallRetakes).toBeGreaterThanOrEqual(996);
    for (const name of ['io', 'sleep']) {
      const x = r.get(name)!;
      expect(x.outcome).toBe('completed');
      expect(x.threads.created).toBeLessThanOrEqual(4 + 2);
    }
  });

  it('go-preemption: a sleeper behind a compute loop wakes 10–20ms late; never with async preemption off', () => {
    const r = variants('examples/go-preemption.yaml');
    const on = r.get('async-preemption')!;
    const late = go(on).timerLatenessNs as Record<string, number>;
    expect(late.count).toBe(50);
    expect(late.p50).toBeGreaterThan(10 * MS);
    expect(late.p50).toBeLessThan(20 * MS);
    expect(go(on).preemptions).toBeGreaterThanOrEqual(45);
    const off = r.get('asyncpreemptoff')!;
    const lateOff = go(off).timerLatenessNs as Record<string, number>;
    expect(go(off).preemptions).toBe(0);
    // The first wake-up waits for the whole 1s loop.
    expect(lateOff.max).toBeGreaterThan(990 * MS);
  });

  it('go-work-stealing: the global queue spreads 10,000 goroutines; 200 move by stealing', () => {
    const r = variants('examples/go-work-stealing.yaml');
    const big = r.get('spawn-10000')!;
    expect(big.outcome).toBe('completed');
    expect(big.tasks.spawned.completed).toBe(10_000);
    const perP = go(big).executesPerP as number[];
    expect(perP).toHaveLength(4);
    for (const n of perP) {
      expect(n).toBeGreaterThan(2000);
      expect(n).toBeLessThan(3000);
    }
    expect(go(big).globalRunqMax).toBeGreaterThan(9000);
    expect(typeof go(big).steals).toBe('number');
    expect(big.simulatedNs).toBeGreaterThan(50 * MS);
    expect(big.simulatedNs).toBeLessThan(55 * MS);
    const small = r.get('spawn-200')!;
    expect(small.outcome).toBe('completed');
    expect(go(small)).toMatchObject({ steals: 3, stolenGs: 200, executesPerP: [51, 50, 50, 50], globalRunqMax: 0 });
  });

  it('go-gomaxprocs-quota: light load 5ms vs 25ms; heavy load throttles GOMAXPROCS 10, hardly GOMAXPROCS 2', () => {
    const file = 'examples/go-gomaxprocs-quota.yaml';
    const loaded = loadScenario(readFileSync(file, 'utf8'), file);
    const r = variants(file);
    const l10 = r.get('light-gomaxprocs-10')!;
    const l2 = r.get('light-gomaxprocs-2')!;
    expect(l10.tasks.latencyNs.p50).toBeGreaterThanOrEqual(5 * MS);
    expect(l10.tasks.latencyNs.p50).toBeLessThan(5.5 * MS);
    expect(l2.tasks.latencyNs.p50).toBeGreaterThanOrEqual(25 * MS);
    expect(l2.tasks.latencyNs.p50).toBeLessThan(25.5 * MS);
    expect(l10.bandwidth?.throttledPeriods).toBe(0);
    expect(l2.bandwidth?.throttledPeriods).toBe(0);
    const h10 = r.get('heavy-gomaxprocs-10')!;
    const h2 = r.get('heavy-gomaxprocs-2')!;
    // GOMAXPROCS 10: throttled in 5 periods, on all 10 CPUs in 4 of them; cpu.stat's throttled
    // time is summed over the CPUs (2.377 s in a 5 s run). GOMAXPROCS 2: three times one CPU
    // found the pool empty at the tick 4 ms before a period's end and waited for the refill.
    expect(h10.bandwidth).toMatchObject({ periods: 49, throttledPeriods: 5 });
    expect(Math.round(h10.bandwidth!.throttledNs / MS)).toBe(2377);
    expect(h2.bandwidth).toMatchObject({ periods: 49, throttledPeriods: 3, throttledNs: 12 * MS });
    const req = (x: RunResult) => x.tasks.bySource.find((s) => s.name === 'request')!.latencyNs;
    // The figures stated in the file: seed 1, and the mean p99 over seeds 1–5.
    expect(Math.round(req(h10).p99 / MS)).toBe(76);
    expect(Math.round(req(h2).p99 / MS)).toBe(144);
    const meanP99 = (name: string): number => {
      const v = loaded.variants.find((x) => x.name === name)!;
      let sum = 0;
      for (let seed = 1; seed <= 5; seed++) sum += req(simulate({ ...v.config, seed })).p99;
      return Math.round(sum / 5 / MS);
    };
    expect(meanP99('heavy-gomaxprocs-10')).toBe(85);
    expect(meanP99('heavy-gomaxprocs-2')).toBe(205);
  });
});
