/**
 * Oracle tests for the textbook policies, fifo and rr, on small job lists. Every expected
 * figure is computed by hand in the comment above it. Costs are zero unless a case sets one;
 * times in the comments are in ms. "sw" is a context switch, paid on the CPU after the pick:
 * under rr the quantum runs from the pick, so the switch is part of the thread's turn (as in
 * Linux, where the tick charges the incoming thread from pick_next_task on).
 */
import { describe, expect, it } from 'vitest';
import { batch, dispatches, exits, ms, run, runs, states, taskEnds } from './support.js';

const three = [batch('a', 1, [{ compute: ms(30) }]), batch('b', 1, [{ compute: ms(20) }]), batch('c', 1, [{ compute: ms(10) }])];
const rr10 = { policy: 'rr', params: { quantum: ms(10) } };

/** runs() in ms for readability. */
const runsMs = (ev: Parameters<typeof runs>[0], cpu = 0): Array<[number, number]> => runs(ev, cpu).map(([t, tid]) => [t / 1e6, tid]);
const exitsMs = (ev: Parameters<typeof exits>[0]): Record<number, number> => Object.fromEntries([...exits(ev)].map(([k, v]) => [k, v / 1e6]));

describe('fifo', () => {
  it('runs 30/20/10 ms jobs to completion in arrival order', () => {
    // t1 0–30, t2 30–50, t3 50–60. Completion 30, 50, 60; runnable waits 0, 30, 50 (Σ 80).
    // No thread blocks or is preempted: 0 voluntary, 0 involuntary switches; 3 dispatches.
    const { result, events } = run({ os: { policy: 'fifo', exactSliceEnd: true }, workload: { sources: three } });
    expect(runsMs(events)).toEqual([
      [0, 1],
      [30, 2],
      [50, 3],
    ]);
    expect(exitsMs(events)).toEqual({ 1: 30, 2: 50, 3: 60 });
    expect(result.simulatedNs).toBe(ms(60));
    expect(result.threads.runnableNs).toBe(ms(80));
    expect(result.threads.runningNs).toBe(ms(60));
    expect(result.contextSwitches).toEqual({ voluntary: 0, involuntary: 0, total: 0 });
    expect(result.tasks.latencyNs).toMatchObject({ count: 3, p50: ms(50), max: ms(60), mean: ms(140 / 3) });
    expect(result.schedLatencyNs).toMatchObject({ count: 3, p50: ms(30), max: ms(50) });
    expect(result.cpus.utilization).toBe(1);
  });

  it('ticks change nothing under fifo', () => {
    const a = run({ os: { policy: 'fifo', hz: 250 }, workload: { sources: three } });
    const b = run({ os: { policy: 'fifo', exactSliceEnd: true }, workload: { sources: three } });
    expect(runs(a.events)).toEqual(runs(b.events));
  });

  it('a job with IO gives the CPU away while it waits', () => {
    // t1: compute 5, io 10, compute 5; t2: compute 10.
    // t1 0–5 then blocks (IO until 15); t2 5–15 exits; t1 wakes at 15, runs 15–20.
    // One voluntary switch (t1's IO). t1 waited 10 in IO, 0 runnable.
    const { result, events } = run({
      os: { policy: 'fifo' },
      workload: { sources: [batch('io', 1, [{ compute: ms(5) }, { io: ms(10) }, { compute: ms(5) }]), batch('cpu', 1, [{ compute: ms(10) }])] },
    });
    expect(runsMs(events)).toEqual([
      [0, 1],
      [5, 2],
      [15, 1],
    ]);
    expect(exitsMs(events)).toEqual({ 1: 20, 2: 15 });
    expect(result.contextSwitches).toEqual({ voluntary: 1, involuntary: 0, total: 1 });
    expect(result.threads.waitingNs).toBe(ms(10));
    expect(result.threads.runnableNs).toBe(ms(5));
  });

  it('jobs arriving later (batch at) queue behind the running one', () => {
    // t1 at 0 (30), t2 at 5 (10), t3 at 12 (5): t1 0–30, t2 30–40, t3 40–45.
    // Latencies (end − arrival): 30, 35, 33.
    const { result, events } = run({
      os: { policy: 'fifo' },
      workload: { sources: [batch('a', 1, [{ compute: ms(30) }]), batch('b', 1, [{ compute: ms(10) }], ms(5)), batch('c', 1, [{ compute: ms(5) }], ms(12))] },
    });
    expect(runsMs(events)).toEqual([
      [0, 1],
      [30, 2],
      [40, 3],
    ]);
    expect(exitsMs(events)).toEqual({ 1: 30, 2: 40, 3: 45 });
    expect(result.tasks.latencyNs).toMatchObject({ count: 3, p50: ms(33), max: ms(35) });
  });
});

describe('rr', () => {
  it('quantum 10 ms, exact slice ends, no switch cost', () => {
    // 0–10 t1 | 10–20 t2 | 20–30 t3 (done) | 30–40 t1 | 40–50 t2 (done) | 50–60 t1 (done).
    // Completion t3 30, t2 50, t1 60. Runnable: t1 10–30 + 40–50 = 30, t2 0–10 + 20–40 = 30,
    // t3 0–20 = 20 (Σ 80). Preemptions at 10, 20, 40 → 3 involuntary switches. At 30 and 50 the
    // burst ends at the same instant as the slice: the burst (phase Cpu) is handled first.
    const { result, events } = run({ os: { ...rr10, exactSliceEnd: true }, workload: { sources: three } });
    expect(runsMs(events)).toEqual([
      [0, 1],
      [10, 2],
      [20, 3],
      [30, 1],
      [40, 2],
      [50, 1],
    ]);
    expect(exitsMs(events)).toEqual({ 1: 60, 2: 50, 3: 30 });
    expect(result.threads.runnableNs).toBe(ms(80));
    expect(result.contextSwitches).toEqual({ voluntary: 0, involuntary: 3, total: 3 });
    expect(result.tasks.completionOrder).toEqual([3, 2, 1]);
    expect(result.schedLatencyNs).toMatchObject({ count: 6, max: ms(20), mean: ms(80 / 6) });
  });

  it('quantum 10 ms at HZ=250: the quantum is 3 ticks, ending at the 3rd tick after the pick', () => {
    // tick = 4 ms; 10 ms → ceil(10/4) = 3 ticks (msecs_to_jiffies).
    // t1 picked at 0: ticks 4, 8, 12 → preempted at 12 (ran 12, left 18).
    // t2 at 12: ticks 16, 20, 24 → preempted at 24 (left 8).
    // t3 at 24: needs 10 → done at 34 (before its 3rd tick at 36).
    // t1 at 34: ticks 36, 40, 44 → preempted at 44 (ran 10, left 8).
    // t2 at 44: needs 8 → done at 52 (its 2nd tick; the burst end is handled first).
    // t1 at 52: alone, done at 60.
    const { result, events } = run({ os: { ...rr10, hz: 250 }, workload: { sources: three } });
    expect(runsMs(events)).toEqual([
      [0, 1],
      [12, 2],
      [24, 3],
      [34, 1],
      [44, 2],
      [52, 1],
    ]);
    expect(exitsMs(events)).toEqual({ 1: 60, 2: 52, 3: 34 });
    expect(result.contextSwitches.involuntary).toBe(3);
  });

  it('quantum 10 ms at HZ=1000 (10 ticks) matches the exact schedule', () => {
    const a = run({ os: { ...rr10, hz: 1000 }, workload: { sources: three } });
    const b = run({ os: { ...rr10, exactSliceEnd: true }, workload: { sources: three } });
    expect(runs(a.events)).toEqual(runs(b.events));
    expect(a.result.simulatedNs).toBe(ms(60));
  });

  it('quantum 10 ms, exact, context switch 1 ms: every turn starts with 1 ms of switching', () => {
    // Each pick costs 1 ms (also the first: the CPU switches from idle). The quantum runs from
    // the pick, so a full turn is 1 ms switch + 9 ms of work.
    // 0 pick t1, work 1–10 (left 21) | 10 t2, work 11–20 (left 11) | 20 t3, work 21–30 (left 1)
    // 30 t1, work 31–40 (left 12) | 40 t2, 41–50 (left 2) | 50 t3, 51–52 done
    // 52 t1, 53–62 (left 3) | 62 t2, 63–65 done | 65 t1, 66–69 done.
    // 9 picks × 1 ms = 9 ms switching; 60 ms work; end 69. Preemptions at 10,20,30,40,50,62 = 6.
    const { result, events } = run({ costs: { contextSwitch: ms(1) }, os: { ...rr10, exactSliceEnd: true }, workload: { sources: three } });
    expect(dispatches(events).map(([t, tid]) => [t / 1e6, tid])).toEqual([
      [0, 1],
      [10, 2],
      [20, 3],
      [30, 1],
      [40, 2],
      [50, 3],
      [52, 1],
      [62, 2],
      [65, 1],
      [69, 0],
    ]);
    expect(runsMs(events).map(([t]) => t)).toEqual([1, 11, 21, 31, 41, 51, 53, 63, 66]);
    expect(exitsMs(events)).toEqual({ 1: 69, 2: 65, 3: 52 });
    expect(result.contextSwitches).toEqual({ voluntary: 0, involuntary: 6, total: 6 });
    expect(result.cpus.busyNs).toEqual([ms(69)]);
    expect(result.cpus.switchingShare).toBe(Math.round((9 / 69) * 10000) / 10000);
    // Running time of the threads includes their switch-in: Σ = 69.
    expect(result.threads.runningNs).toBe(ms(69));
  });

  it('quantum 10 ms at HZ=250 with a 1 ms context switch', () => {
    // Ticks every 4; the quantum is 3 ticks after the pick.
    // t1 pick 0 (ticks 4,8,12): work 1–12 = 11, left 19 → preempted at 12.
    // t2 pick 12 (16,20,24): work 13–24 = 11, left 9 → preempted at 24.
    // t3 pick 24: work 25–35 → done at 35.
    // t1 pick 35 (36,40,44): work 36–44 = 8, left 11 → preempted at 44.
    // t2 pick 44: work 45–54 → done at 54.
    // t1 pick 54: work 55–66 → done at 66 (alone at its 3rd tick, 64: no preemption).
    const { result, events } = run({ costs: { contextSwitch: ms(1) }, os: { ...rr10, hz: 250 }, workload: { sources: three } });
    expect(dispatches(events).map(([t, tid]) => [t / 1e6, tid])).toEqual([
      [0, 1],
      [12, 2],
      [24, 3],
      [35, 1],
      [44, 2],
      [54, 1],
      [66, 0],
    ]);
    expect(exitsMs(events)).toEqual({ 1: 66, 2: 54, 3: 35 });
    expect(result.contextSwitches.involuntary).toBe(3);
    expect(result.cpus.switchingShare).toBe(Math.round((6 / 66) * 10000) / 10000);
  });

  it('later arrivals join the tail; a preempted thread goes behind those already queued', () => {
    // t1 at 0 (30), t2 at 5 (10), t3 at 12 (5); quantum 10, exact.
    // 0–10 t1 (t2 queued at 5) | 10–20 t2 done (t1 requeued at 10, t3 arrives 12: [t1, t3])
    // 20–30 t1 | 30–35 t3 done | 35–45 t1 done.
    // Latencies: t2 20−5 = 15, t3 35−12 = 23, t1 45.
    const { result, events } = run({
      os: { ...rr10, exactSliceEnd: true },
      workload: { sources: [batch('a', 1, [{ compute: ms(30) }]), batch('b', 1, [{ compute: ms(10) }], ms(5)), batch('c', 1, [{ compute: ms(5) }], ms(12))] },
    });
    expect(runsMs(events)).toEqual([
      [0, 1],
      [10, 2],
      [20, 1],
      [30, 3],
      [35, 1],
    ]);
    expect(result.tasks.latencyNs).toMatchObject({ count: 3, p50: ms(23), max: ms(45) });
  });

  it('IO: the remaining quantum survives a sleep (rt.time_slice is kept), refilled when used up', () => {
    // quantum 4, exact. t1: compute 5, io 10, compute 4. t2: compute 10. t3 arrives at 18: compute 10.
    // 0–4 t1 (quantum over, t2 waiting → preempted; t1 refilled to 4)
    // 4–8 t2 (preempted, refilled) | 8–9 t1, then IO until 19 (1 of its quantum used: 3 left)
    // 9–15 t2 alone: its quantum ends at 13 with nobody queued → refilled in place, runs on; done 15
    // idle 15–18 | 18 t3 arrives, runs | 19 t1 wakes, queued
    // 22 t3's quantum over → t1 runs 22–25 with its 3 ms left → preempted (1 ms of work left)
    // 25–29 t3 | 29–30 t1 done | 30–32 t3 done.
    const { result, events } = run({
      os: { policy: 'rr', params: { quantum: ms(4) }, exactSliceEnd: true },
      workload: {
        sources: [
          batch('io', 1, [{ compute: ms(5) }, { io: ms(10) }, { compute: ms(4) }]),
          batch('cpu', 1, [{ compute: ms(10) }]),
          batch('late', 1, [{ compute: ms(10) }], ms(18)),
        ],
      },
    });
    expect(runsMs(events)).toEqual([
      [0, 1],
      [4, 2],
      [8, 1],
      [9, 2],
      [18, 3],
      [22, 1],
      [25, 3],
      [29, 1],
      [30, 3],
    ]);
    expect(exitsMs(events)).toEqual({ 1: 30, 2: 15, 3: 32 });
    // t1: preempted at 4 and 25, one IO; t2 preempted at 8; t3 at 22 and 29.
    expect(result.contextSwitches).toEqual({ voluntary: 1, involuntary: 5, total: 6 });
    expect(states(events, 1).map(([t, to]) => [t / 1e6, to])).toEqual([
      [0, 'runnable'],
      [0, 'running'],
      [4, 'runnable'],
      [8, 'running'],
      [9, 'waiting'],
      [19, 'runnable'],
      [22, 'running'],
      [25, 'runnable'],
      [29, 'running'],
      [30, 'exited'],
    ]);
  });

  it('rr on 2 CPUs: each CPU round-robins its own queue; an idle CPU pulls queued work', () => {
    // 4 jobs of 20 ms, quantum 10, exact, 2 CPUs. Placement: t1 → cpu0, t2 → cpu1 (idle),
    // t3 → least loaded (tie → cpu0), t4 → cpu1.
    // cpu0: 0–10 t1 | 10–20 t3 | 20–30 t1 | 30–40 t3; cpu1 the same with t2, t4. All done at 40.
    const { result, events } = run({
      cpus: 2,
      os: { ...rr10, exactSliceEnd: true },
      workload: { sources: [batch('j', 4, [{ compute: ms(20) }])] },
    });
    expect(runsMs(events, 0)).toEqual([
      [0, 1],
      [10, 3],
      [20, 1],
      [30, 3],
    ]);
    expect(runsMs(events, 1)).toEqual([
      [0, 2],
      [10, 4],
      [20, 2],
      [30, 4],
    ]);
    expect(result.simulatedNs).toBe(ms(40));
    expect(result.migrations).toBe(0);
  });
});

describe('accounting', () => {
  it('every thread: running + runnable + waiting = lifetime; CPU busy = Σ running', () => {
    const { result, events } = run({
      costs: { contextSwitch: ms(1), syscall: ms(0.5) },
      os: { ...rr10, hz: 250 },
      workload: { sources: [batch('io', 2, [{ compute: ms(7) }, { io: ms(3) }, { compute: ms(9) }]), batch('cpu', 2, [{ compute: ms(25) }])] },
    });
    const ends = taskEnds(events);
    expect(ends.size).toBe(4);
    expect(result.threads.runningNs).toBe(result.cpus.busyNs.reduce((a, b) => a + b, 0));
    const life = [...exits(events).values()].reduce((a, b) => a + b, 0);
    expect(result.threads.runningNs + result.threads.runnableNs + result.threads.waitingNs).toBe(life);
  });
});
