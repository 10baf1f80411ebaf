/**
 * Placement and load balancing on 2–4 CPUs, by hand (fifo unless noted, so only placement
 * decides who runs where). Costs: context switch 2 µs, wake-up IPI 8 µs where set.
 */
import { describe, expect, it } from 'vitest';
import type { Thread } from '../src/os/thread.js';
import { batch, ms, rig, run, runs, us } from './support.js';

const migrations = (ev: ReturnType<typeof rig>['sink']['events']): Array<[number, number, number, number, string]> =>
  ev.flatMap((e) => (e.k === 'migrate' ? [[e.t, e.tid, e.from, e.to, e.why] as [number, number, number, number, string]] : []));

describe('placement of new threads', () => {
  it('new threads go to idle CPUs first, then to the least loaded (first from the creator’s CPU)', () => {
    // 6 threads on 4 CPUs at time 0: 1–4 one per CPU; 5 → all have 1, tie → cpu0; 6 → cpu1.
    const { events } = run({ cpus: 4, os: { policy: 'fifo' }, workload: { sources: [batch('j', 6, [{ compute: ms(10) }])] } });
    expect(runs(events, 0)).toEqual([
      [0, 1],
      [ms(10), 5],
    ]);
    expect(runs(events, 1)).toEqual([
      [0, 2],
      [ms(10), 6],
    ]);
    expect(runs(events, 2)).toEqual([[0, 3]]);
    expect(runs(events, 3)).toEqual([[0, 4]]);
  });

  it('a thread created by a thread on cpu 2 looks for an idle CPU starting at cpu 2', () => {
    const r = rig({ policy: 'fifo', cpus: 4 });
    let child: Thread | null = null;
    r.spawn('parent', [{ c: ms(1) }, () => (child = r.spawn('child', [{ c: ms(1) }], { creator: r.kernel.threads[0] })), { c: ms(1) }], { cpu: 2 });
    r.run();
    // cpu2 is busy with the parent: the next idle one from there is cpu3.
    expect(child!.lastCpu).toBe(3);
  });
});

describe('wake-up placement', () => {
  function scenario(cpus: number, withHog: boolean) {
    // w (cpu0) blocks at once; h (cpu0, optional) computes 10 ms; k (cpu1) computes 1 ms,
    // wakes w, computes 20 ms more (so cpu1 stays busy). Costs: switch 2 µs, IPI 8 µs.
    const r = rig({ policy: 'fifo', cpus, costs: { contextSwitch: us(2), wakeupIpi: us(8) } });
    const w = r.spawn('w', [{ b: 'wait' }, { c: ms(1) }], { cpu: 0 });
    if (withHog) r.spawn('h', [{ c: ms(10) }], { cpu: 0 });
    r.spawn('k', [{ c: ms(1) }, (t) => r.kernel.wake(w, t, 'woken by k'), { c: ms(20) }], { cpu: 1 });
    r.run();
    return { r, w };
  }

  it('the previous CPU when it is idle (an IPI from the waker’s CPU, no switch: it ran there last)', () => {
    // k runs 2 µs–1.002 ms, wakes w onto idle cpu0: IPI 8 µs, and cpu0 last ran w → w runs at 1.010.
    const { r, w } = scenario(2, false);
    expect(runs(r.sink.events, 0)).toEqual([
      [us(2), 1],
      [us(1010), 1],
    ]);
    expect(w.lastCpu).toBe(0);
    expect(r.kernel.migrations).toBe(0);
  });

  it('another idle CPU when the previous one is busy (IPI + switch)', () => {
    // cpu0: w 2 µs (blocks), h switched in 2–4 µs, runs. cpu2 idle. k wakes w at 1.002 ms →
    // cpu2: IPI 8 + switch 2 → w runs at 1.012 ms.
    const { r, w } = scenario(3, true);
    expect(runs(r.sink.events, 2)).toEqual([[us(1012), 1]]);
    expect(w.lastCpu).toBe(2);
    expect(r.kernel.migrations).toBe(1);
  });

  it('back to the previous CPU, queued, when no CPU is idle', () => {
    // 2 CPUs: cpu0 runs h (4 µs–10.004 ms), cpu1 runs k. w waits behind h on cpu0 (fifo) and
    // runs after h exits: switch 10.004–10.006.
    const { r, w } = scenario(2, true);
    expect(runs(r.sink.events, 0)).toEqual([
      [us(2), 1],
      [us(4), 2],
      [us(10006), 1],
    ]);
    expect(w.lastCpu).toBe(0);
    expect(r.kernel.migrations).toBe(0);
  });
});

describe('load balancing', () => {
  it('a CPU going idle pulls a queued thread from the busiest CPU (newidle balance)', () => {
    // cpu0: a (50), c (50) queued; cpu1: b (10). At 10 cpu1 pulls c: c runs 10–60 instead of 50–100.
    const r = rig({ policy: 'fifo', cpus: 2 });
    r.spawn('a', [{ c: ms(50) }], { cpu: 0 });
    r.spawn('b', [{ c: ms(10) }], { cpu: 1 });
    const c = r.spawn('c', [{ c: ms(50) }], { cpu: 0 });
    r.run();
    expect(runs(r.sink.events, 1)).toEqual([
      [0, 2],
      [ms(10), 3],
    ]);
    expect(migrations(r.sink.events)).toEqual([[ms(10), 3, 0, 1, 'idle pull']]);
    expect(c.exitedAt).toBe(ms(60));
    expect(r.engine.now).toBe(ms(60));
  });

  it('the periodic balance evens out queues that no idle pull will touch', () => {
    // Four hogs placed on cpu0 of 3 CPUs; cpu1 and cpu2 stay idle (nothing wakes them).
    // Balance every 4 ms: at 4, cpu0 has 4 → move its next (t2) to an emptiest CPU (cpu1),
    // then 3 vs 0 → t3 to cpu2; then 2/1/1: done.
    const r = rig({ policy: 'fifo', cpus: 3, balanceIntervalNs: ms(4) });
    for (let i = 0; i < 4; i++) r.spawn(`h${i}`, [{ c: ms(20) }], { cpu: 0 });
    r.run();
    expect(migrations(r.sink.events)).toEqual([
      [ms(4), 2, 0, 1, 'periodic load balance'],
      [ms(4), 3, 0, 2, 'periodic load balance'],
    ]);
    expect(runs(r.sink.events, 1)).toEqual([[ms(4), 2]]);
    expect(runs(r.sink.events, 2)).toEqual([[ms(4), 3]]);
    // cpu0: t1 0–20, t4 20–40. cpu1/cpu2: 4–24.
    expect(r.engine.now).toBe(ms(40));
  });

  it('without periodic balance the same queue stays on one CPU', () => {
    const r = rig({ policy: 'fifo', cpus: 3, balanceIntervalNs: 0 });
    for (let i = 0; i < 4; i++) r.spawn(`h${i}`, [{ c: ms(20) }], { cpu: 0 });
    r.run();
    expect(migrations(r.sink.events)).toEqual([]);
    expect(r.engine.now).toBe(ms(80));
  });

  it('rr on 2 CPUs with 3 threads: after the odd one is pulled, both CPUs stay busy', () => {
    // t1 (25) → cpu0, t2 (15) → cpu1, t3 (20) → cpu0 (tie). quantum 10, exact.
    // cpu0: t1 0–10, t3 from 10. At 15 cpu1 finishes t2 and pulls t1 (queued on cpu0 since
    // its quantum ended at 10): t1 15–30 on cpu1; t3 runs on alone on cpu0, done at 30.
    const { events, result } = run({
      cpus: 2,
      os: { policy: 'rr', params: { quantum: ms(10) }, exactSliceEnd: true },
      workload: { sources: [batch('a', 1, [{ compute: ms(25) }]), batch('b', 1, [{ compute: ms(15) }]), batch('c', 1, [{ compute: ms(20) }])] },
    });
    expect(runs(events, 0)).toEqual([
      [0, 1],
      [ms(10), 3],
    ]);
    expect(runs(events, 1)).toEqual([
      [0, 2],
      [ms(15), 1],
    ]);
    expect(result.migrations).toBe(1);
    expect(result.simulatedNs).toBe(ms(30));
  });
});
