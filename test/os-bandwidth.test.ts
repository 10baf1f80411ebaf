/**
 * CPU bandwidth (cgroup cpu.max quota/period): throttle and refill times on small cases, by
 * hand. Periods are aligned to time 0. As in Linux, each CPU runs the group on local runtime
 * drawn from the period's pool in slices (5 ms unless set), notices that it ran out at a tick
 * (exactly with exactSliceEnd), and is throttled alone when the pool is empty; the refill
 * gives each throttled CPU what it overran plus 1 ns.
 */
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../src/trace/events.js';
import { batch, ms, run, runs } from './support.js';

const throttles = (ev: TraceEvent[]): Array<[number, boolean]> => ev.flatMap((e) => (e.k === 'throttle' ? [[e.t / 1e6, e.on] as [number, boolean]] : []));
/** [ms, cpu, on] of each throttle event. */
const throttlesOn = (ev: TraceEvent[]): Array<[number, number, boolean]> => ev.flatMap((e) => (e.k === 'throttle' ? [[e.t / 1e6, e.cpu, e.on] as [number, number, boolean]] : []));
const runsMs = (ev: TraceEvent[], cpu = 0): Array<[number, number]> => runs(ev, cpu).map(([t, tid]) => [t / 1e6, tid]);

describe('bandwidth', () => {
  it('one thread, quota 20 ms per 100 ms: runs 20, waits 80, three times', () => {
    // 50 ms of work: 0–20 (throttled at 20), 100–120 (throttled), 200–210 done.
    // Throttled 20–100 and 120–200 = 160 ms; 2 throttled periods; refills seen at 100, 200.
    const { result, events } = run({
      os: { policy: 'cfs', exactSliceEnd: true, bandwidth: { quotaNs: ms(20), periodNs: ms(100) } },
      workload: { sources: [batch('a', 1, [{ compute: ms(50) }])] },
    });
    expect(runsMs(events)).toEqual([
      [0, 1],
      [100, 1],
      [200, 1],
    ]);
    expect(throttles(events)).toEqual([
      [20, true],
      [100, false],
      [120, true],
      [200, false],
    ]);
    expect(result.simulatedNs).toBe(ms(210));
    expect(result.bandwidth).toEqual({ quotaNs: ms(20), periodNs: ms(100), periods: 2, throttledPeriods: 2, throttledNs: ms(160) });
    // Throttling is an involuntary switch; the thread stays Runnable while throttled.
    expect(result.contextSwitches).toEqual({ voluntary: 0, involuntary: 2, total: 2 });
    expect(result.threads.runnableNs).toBe(ms(160));
  });

  it('a phase moves the periods: with phase 30 ms they end at 30, 130, 230 …', () => {
    // The first case with os.bandwidth.phase 30 ms: the run starts 70 ms into a period that
    // ends at 30. 0–20 (the quota), throttled until the refill at 30; 30–50, throttled until
    // 130; 130–140 done. Throttled 10 + 80 ms; 2 refills, both finding it throttled.
    const { result, events } = run({
      os: { policy: 'cfs', exactSliceEnd: true, bandwidth: { quotaNs: ms(20), periodNs: ms(100), phaseNs: ms(30) } },
      workload: { sources: [batch('a', 1, [{ compute: ms(50) }])] },
    });
    expect(throttles(events)).toEqual([
      [20, true],
      [30, false],
      [50, true],
      [130, false],
    ]);
    expect(result.simulatedNs).toBe(ms(140));
    expect(result.bandwidth).toEqual({ quotaNs: ms(20), periodNs: ms(100), periods: 2, throttledPeriods: 2, throttledNs: ms(90) });
  });

  it('two threads on two CPUs draw from one quota at twice the rate, each CPU throttled on its own', () => {
    // quota 20/100, slices of 5, each thread 30 ms. 0: each CPU draws 5 (pool 10); 5: 5 each
    // (pool 0); 10: both out, pool empty: cpu 0 and cpu 1 throttled. 100: the refill gives
    // each 1 ns (pool 20 ms − 2 ns); at 100 ms + 1 ns each has used its ns and draws a slice:
    // cpu 0 5 ms, cpu 1 5 ms (pool 10 ms − 2 ns); at 105 ms + 1 ns cpu 0 draws 5 ms, cpu 1
    // the 5 ms − 2 ns left. So cpu 1 runs out 2 ns before cpu 0: 110 ms − 1 ns and + 1 ns.
    // 200: unthrottled in the order they were throttled (cpu 1 first); both run their last
    // 10 ms and use up the period's 20 exactly as they exit: each CPU, left with no runtime
    // and an empty pool, is throttled with no thread on it (no time counted; the run ends
    // before the period does). Throttled time is summed over the CPUs, as cpu.stat's.
    const { result, events } = run({
      cpus: 2,
      os: { policy: 'cfs', exactSliceEnd: true, bandwidth: { quotaNs: ms(20), periodNs: ms(100) } },
      workload: { sources: [batch('a', 2, [{ compute: ms(30) }])] },
    });
    expect(runsMs(events, 0)).toEqual([
      [0, 1],
      [100, 1],
      [200, 1],
    ]);
    expect(runsMs(events, 1)).toEqual([
      [0, 2],
      [100, 2],
      [200, 2],
    ]);
    expect(throttlesOn(events)).toEqual([
      [10, 0, true],
      [10, 1, true],
      [100, 0, false],
      [100, 1, false],
      [109.999999, 1, true],
      [110.000001, 0, true],
      [200, 1, false],
      [200, 0, false],
      [209.999999, 0, true],
      [210.000001, 1, true],
    ]);
    expect(result.bandwidth?.throttledNs).toBe(ms(90) + (ms(90) - 1) + ms(90) + (ms(90) + 1));
    expect(result.bandwidth).toMatchObject({ periods: 2, throttledPeriods: 2 });
    // cpu 1's thread ran 10 + (10 ms − 1 ns) before 200, so it ends 1 ns after 210 ms.
    expect(result.simulatedNs).toBe(ms(210) + 1);
  });

  it('one CPU is throttled while another goes on with the runtime it holds', () => {
    // quota 12/100, two threads of 30 ms. 0: each CPU draws 5 (pool 2). 5: cpu 0 draws the
    // 2 left, cpu 1 finds the pool empty: cpu 1 throttled at 5, cpu 0 runs on to 7. The
    // refill at 100 unthrottles them in that order (cpu 1 first).
    const { result, events } = run({
      cpus: 2,
      os: { policy: 'cfs', exactSliceEnd: true, bandwidth: { quotaNs: ms(12), periodNs: ms(100) } },
      workload: { sources: [batch('a', 2, [{ compute: ms(30) }])] },
    });
    expect(throttlesOn(events).slice(0, 4)).toEqual([
      [5, 1, true],
      [7, 0, true],
      [100, 1, false],
      [100, 0, false],
    ]);
    expect(runsMs(events, 0).slice(0, 2)).toEqual([
      [0, 1],
      [100, 1],
    ]);
    // Each period splits the pool 7/5 (give or take the 1 ns of the refill), the 7 going to
    // the CPU throttled last. After four periods thread 1 has 6 ms − 1 ns of work left and
    // thread 2 6 ms + 1 ns; in the fifth, cpu 1 is throttled with 1 ms of thread 2's work to
    // go, which runs at 500–501.
    expect(result.simulatedNs).toBe(ms(501));
    expect(result.bandwidth).toMatchObject({ periods: 5, throttledPeriods: 5 });
  });

  it('at ticks a CPU overruns its runtime, and the overrun is repaid from the next period', () => {
    // quota 10/100, HZ 250 (ticks every 4 ms), one thread of 30 ms. 0: draws 5 (pool 5); out
    // at 5, seen at the tick at 8 (3 over): draws 5 + 3 but gets the 5 left (rem 2); out at
    // 10, seen at 12: pool empty, throttled at 12 (12 ms used for a quota of 10).
    // 100: the refill gives 2 ms + 1 ns back (pool 8 ms − 1 ns); at the tick at 104 the CPU
    // is 4 ms − 1 ns over and gets all the pool (rem 4 ms); throttled at 108 (8 ms used).
    // 200: 1 ns, then at 204 it is 4 ms − 1 ns over and draws that plus a slice (rem 5 ms,
    // pool 1 ms);
    // the last 10 ms end at 210, 1 ms over: the exit takes the last 1 ms of the pool, which
    // is not enough, and the CPU is throttled with nothing left on it.
    const { result, events } = run({
      os: { policy: 'cfs', hz: 250, bandwidth: { quotaNs: ms(10), periodNs: ms(100) } },
      workload: { sources: [batch('a', 1, [{ compute: ms(30) }])] },
    });
    expect(runsMs(events)).toEqual([
      [0, 1],
      [100, 1],
      [200, 1],
    ]);
    expect(throttles(events)).toEqual([
      [12, true],
      [100, false],
      [108, true],
      [200, false],
      [210, true],
    ]);
    expect(result.simulatedNs).toBe(ms(210));
    expect(result.bandwidth).toEqual({ quotaNs: ms(10), periodNs: ms(100), periods: 2, throttledPeriods: 2, throttledNs: ms(88 + 92) });
  });

  it('runtime returned by CPUs whose threads left is handed to a throttled CPU by the slack timer', () => {
    // quota 15/100, 3 CPUs. b (12 ms of work) on cpu 0; a#2, a#3 on cpus 1, 2 block at once
    // for 3.9 ms. 0: each CPU draws 5 (pool 0); a#2 and a#3 leave and return all but 1 ms
    // (pool 8). 3.9: they run on their 1 ms; 4.9: cpu 1 draws 5 (pool 3), cpu 2 the 3 left.
    // 5: cpu 0 is out and the pool empty: throttled. 5.1: a#2, a#3 exit holding 4.8 and 2.8
    // ms and return 3.8 + 1.8: the pool (5.6) is above a slice and a CPU is throttled, so the
    // slack timer fires 5 ms later: 10.1 cpu 0 gets 1 ns and is unthrottled, draws 5 ms at
    // 10.1 ms + 1 ns and the last 0.6 ms − 1 ns at 15.1 ms + 1 ns: throttled at 15.7. 100: the
    // refill; b's last 1.4 ms end at 101.4. Only the throttle still on at the period's end
    // counts as a throttled period.
    const { result, events } = run({
      cpus: 3,
      os: { policy: 'cfs', exactSliceEnd: true, bandwidth: { quotaNs: ms(15), periodNs: ms(100) } },
      workload: { sources: [batch('b', 1, [{ compute: ms(12) }]), batch('a', 2, [{ io: ms(3.9) }, { compute: ms(1.2) }])] },
    });
    expect(throttlesOn(events)).toEqual([
      [5, 0, true],
      [10.1, 0, false],
      [15.7, 0, true],
      [100, 0, false],
    ]);
    expect(result.simulatedNs).toBe(ms(101.4));
    expect(result.bandwidth).toEqual({ quotaNs: ms(15), periodNs: ms(100), periods: 1, throttledPeriods: 1, throttledNs: ms(5.1) + ms(84.3) });
  });

  it('a thread that blocks with its runtime overrun leaves its CPU throttled, with no time counted', () => {
    // quota 10/100, HZ 250. 0: a slice of 5 (pool 5); the tick at 8 sees 3 over and gets the 5
    // left (rem 2); the thread blocks at 11, 1 ms over: the dequeue notices, the pool is empty,
    // and the CPU is throttled with nothing on it (Linux's throttle-on-deactivate). No thread
    // waits there, so no throttled time; the period counts as throttled. The refill at 100
    // pays the 1 ms back (+1 ns); the thread wakes at 161 and ends at 162.
    const { result, events } = run({
      os: { policy: 'cfs', hz: 250, bandwidth: { quotaNs: ms(10), periodNs: ms(100) } },
      workload: { sources: [batch('a', 1, [{ compute: ms(11) }, { io: ms(150) }, { compute: ms(1) }])] },
    });
    expect(throttlesOn(events)).toEqual([
      [11, 0, true],
      [100, 0, false],
    ]);
    expect(result.bandwidth).toEqual({ quotaNs: ms(10), periodNs: ms(100), periods: 1, throttledPeriods: 1, throttledNs: 0 });
    expect(result.simulatedNs).toBe(ms(162));
  });

  it('a CPU throttled while it still switches, and unthrottled before the switch ends, is checked again', () => {
    // contextSwitch 3 ms, quota 1/2, one thread of 40 ms. Its switch (0–3) draws the 1 ms of
    // the pool (slice 5 > quota) and the CPU is throttled at 1, still switching. The refills
    // at 2 and 4 only pay the overrun back (rem reaches 0, not above); at 3 the switch ends
    // and the thread is parked. From 6 on it runs 1 ms in each 2 ms period: its 40 ms end at
    // 85. Throttled time: 3–6 (a thread waiting) and 1 ms in each of the next 39 periods.
    const { result, events } = run({
      costs: { contextSwitch: ms(3) },
      os: { policy: 'cfs', exactSliceEnd: true, bandwidth: { quotaNs: ms(1), periodNs: ms(2) } },
      workload: { sources: [batch('a', 1, [{ compute: ms(40) }])] },
    });
    expect(throttlesOn(events).slice(0, 4)).toEqual([
      [1, 0, true],
      [6, 0, false],
      [7, 0, true],
      [8, 0, false],
    ]);
    expect(result.simulatedNs).toBe(ms(85));
    expect(result.bandwidth).toEqual({ quotaNs: ms(1), periodNs: ms(2), periods: 42, throttledPeriods: 42, throttledNs: ms(3 + 39) });
  });

  it('a CPU throttled while it still switches is not throttled again by its runtime check', () => {
    // Found by the trace-structure property (a throttled counter of 2 on 1 CPU). quota 1/100,
    // HZ 250, a 6 ms context switch. a#1 is dispatched at 0 and draws the whole pool (1 ms):
    // its runtime runs out at 1, and the tick at 4 would notice. b#2 arrives at 2; its
    // enqueue charges a#1 (1 ms over), the pool is empty, and the CPU is throttled at 2,
    // while a#1 still switches in (it is taken off when its switch ends at 6). The runtime
    // check armed for the tick at 4 goes with the throttle: no second throttle there.
    const { events } = run({
      costs: { contextSwitch: ms(6) },
      os: { policy: 'cfs', hz: 250, bandwidth: { quotaNs: ms(1), periodNs: ms(100) } },
      limits: { timeNs: ms(50) },
      workload: { sources: [batch('a', 1, [{ compute: ms(10) }]), batch('b', 1, [{ compute: ms(1) }], ms(2))] },
    });
    expect(throttlesOn(events)).toEqual([[2, 0, true]]);
    expect(events.filter((e) => e.k === 'tstate' && e.tid === 1 && e.from === 'running' && e.to === 'runnable').map((e) => e.t / 1e6)).toEqual([6]);
  });

  it('an idle CPU does not pull a thread of a group throttled on it', () => {
    // quota 12/100, 3 threads (6 ms of work, then 50 ms of IO) on 2 CPUs: a#1 on cpu 0, a#2 on
    // cpu 1, a#3 queued on cpu 0. 0: 5 each (pool 2); 5: cpu 0 gets the 2, cpu 1 is throttled
    // and goes idle: it may not pull a#3 (Linux: throttled_lb_pair). 6: a#1 blocks keeping its
    // 1 ms; a#3 runs on it and cpu 0 is throttled at 7.
    const { events } = run({
      cpus: 2,
      os: { policy: 'cfs', exactSliceEnd: true, bandwidth: { quotaNs: ms(12), periodNs: ms(100) } },
      workload: { sources: [batch('a', 3, [{ compute: ms(6) }, { io: ms(50) }])] },
    });
    expect(throttlesOn(events).slice(0, 2)).toEqual([
      [5, 1, true],
      [7, 0, true],
    ]);
    expect(events.filter((e) => e.k === 'migrate' && e.t < ms(100))).toEqual([]);
    expect(runsMs(events, 0).slice(0, 2)).toEqual([
      [0, 1],
      [6, 3],
    ]);
  });

  it('a thread of the group queued where the group runs: its enqueue finds the runtime used up before the tick', () => {
    // quota 5/100, HZ 250, one CPU. a#1 (20 ms of work) draws the whole pool at 0 and runs
    // out at 5; the tick at 8 would notice. b#2 arrives at 6 and is queued on the same CPU:
    // the enqueue's update_curr charges a#1 (1 ms over), the pool is empty, and the CPU is
    // throttled at 6.
    const { events } = run({
      os: { policy: 'cfs', hz: 250, bandwidth: { quotaNs: ms(5), periodNs: ms(100) } },
      workload: { sources: [batch('a', 1, [{ compute: ms(20) }]), batch('b', 1, [{ compute: ms(1) }], ms(6))] },
    });
    expect(throttlesOn(events).slice(0, 2)).toEqual([
      [6, 0, true],
      [100, 0, false],
    ]);
  });

  it('a migration charges the group where it leaves, and may find the runtime used up where it arrives', () => {
    // quota 10/100, HZ 250, rr, 2 CPUs. idle#1 (outside the group) blocks on cpu 0 at once;
    // bg#2 runs on cpu 1 until 6. a#1 (20 ms of work) arrives at 0.05 on the idle cpu 0 and
    // draws a slice of 5 (pool 5); b#2 arrives at 1 and queues behind it (its enqueue charges
    // a#1 0.95 ms). a#1's runtime is out at 5.05; the tick at 8 would notice. At 6 bg#2
    // exits and cpu 1 pulls b#2. Leaving, the dequeue's update_curr charges a#1 (0.95 over):
    // cpu 0 draws the pool's 5 (runtime 4.05). Arriving on cpu 1, which holds no runtime,
    // b#2 finds the pool empty: cpu 1 is throttled at 6 and b#2 waits there. a#1 runs out
    // at 10.05 and the tick at 12 throttles cpu 0. The refill at 100 unthrottles both, in
    // the order they were throttled.
    const { result, events } = run({
      cpus: 2,
      os: { policy: 'rr', hz: 250, bandwidth: { quotaNs: ms(10), periodNs: ms(100) } },
      limits: { timeNs: ms(100) },
      workload: {
        sources: [batch('a', 1, [{ compute: ms(20) }], ms(0.05)), batch('b', 1, [{ compute: ms(3) }], ms(1))],
        background: [
          { name: 'idle', count: 1, program: [{ io: ms(200) }] },
          { name: 'bg', count: 1, program: [{ compute: ms(6) }] },
        ],
      },
    });
    expect(events.filter((e) => e.k === 'migrate').map((e) => e.k === 'migrate' && [e.t / 1e6, e.tid, e.from, e.to])).toEqual([[6, 4, 0, 1]]);
    expect(throttlesOn(events)).toEqual([
      [6, 1, true],
      [12, 0, true],
      [100, 1, false],
      [100, 0, false],
    ]);
    // b#2 never ran before the refill; a#1 ran 0.05–12 on cpu 0.
    expect(runsMs(events, 1)).toEqual([
      [0, 2],
      [100, 4],
    ]);
    expect(result.bandwidth?.throttledNs).toBe(ms(94) + ms(88));
  });

  it('an idle pull whose thread is throttled on arrival pulls again', () => {
    // Found by a review. The case above, with c#1 (outside the group) as well: it blocks at
    // once on cpu 0, wakes at 0.5 and queues there behind b#2 (rr: no wake-up preemption).
    // At 6 cpu 1 pulls b#2 and is throttled for the group on its arrival, b#2 waiting there;
    // it pulls again (Linux's newidle balance retries when it moved tasks but has none to
    // run) and takes c#1, which runs 6–11 on cpu 1 instead of waiting on cpu 0 until a#1 is
    // throttled at 12.
    const { events } = run({
      cpus: 2,
      os: { policy: 'rr', hz: 250, bandwidth: { quotaNs: ms(10), periodNs: ms(100) } },
      limits: { timeNs: ms(30) },
      workload: {
        sources: [batch('a', 1, [{ compute: ms(20) }], ms(0.05)), batch('b', 1, [{ compute: ms(3) }], ms(0.1))],
        background: [
          { name: 'c', count: 1, program: [{ io: ms(0.5) }, { compute: ms(5) }] },
          { name: 'bg', count: 1, program: [{ compute: ms(6) }] },
        ],
      },
    });
    expect(events.filter((e) => e.k === 'migrate').map((e) => e.k === 'migrate' && [e.t / 1e6, e.tid, e.from, e.to])).toEqual([
      [6, 4, 0, 1],
      [6, 1, 0, 1],
    ]);
    expect(throttlesOn(events)).toEqual([
      [6, 1, true],
      [12, 0, true],
    ]);
    expect(runsMs(events, 1)).toEqual([
      [0, 2],
      [6, 1],
    ]);
    expect(events.filter((e) => e.k === 'tstate' && e.tid === 1 && e.to === 'exited').map((e) => e.t / 1e6)).toEqual([11]);
  });

  it('a periodic balance that moves a thread of the group where the group has run out throttles that CPU at once', () => {
    // Found by a search over small workloads. quota 10/100, HZ 250, cfs, a balance every
    // 1 ms, 2 CPUs. bg#1 (outside the group) runs on cpu 0 and blocks at 1 until 4; a#1 runs
    // on cpu 1 from 0 on a slice of 5, out at 5 (the tick at 8 would notice). At 1 b#2 takes
    // the idle cpu 0 and the pool's last 5; b#3 queues behind it. At 4 b#2 blocks until 4.5,
    // b#3 starts and is preempted by bg#1's wake-up; at 4.5 b#2 queues on cpu 0 again: three
    // threads there, one on cpu 1. The balance at 5 moves b#2 to cpu 1, where its enqueue's
    // update_curr charges a#1, finds its runtime used up and the pool empty: cpu 1 is
    // throttled at 5, a#1 is preempted and both wait there; cpu 1 goes idle. b#3 runs on
    // cpu 0's 2 ms left from 10 (when bg#1 exits) and the tick at 12 throttles cpu 0.
    const { result, events } = run({
      cpus: 2,
      os: { policy: 'cfs', hz: 250, balanceIntervalNs: ms(1), bandwidth: { quotaNs: ms(10), periodNs: ms(100) } },
      limits: { timeNs: ms(100) },
      workload: {
        sources: [batch('a', 1, [{ compute: ms(6) }, { io: ms(1) }, { compute: ms(3) }]), batch('b', 2, [{ compute: ms(3) }, { io: ms(0.5) }, { compute: ms(1) }], ms(1))],
        background: [{ name: 'bg', count: 1, program: [{ compute: ms(1) }, { io: ms(3) }, { compute: ms(6) }] }],
      },
    });
    expect(events.filter((e) => e.k === 'migrate').map((e) => e.k === 'migrate' && [e.t / 1e6, e.tid, e.from, e.to])).toEqual([[5, 3, 0, 1]]);
    expect(throttlesOn(events)).toEqual([
      [5, 1, true],
      [12, 0, true],
      [100, 1, false],
      [100, 0, false],
    ]);
    // cpu 1 runs nothing from 5 until the refill gives it back to a#1.
    expect(runsMs(events, 1)).toEqual([
      [0, 2],
      [100, 2],
    ]);
    expect(result.bandwidth?.throttledNs).toBe(ms(95) + ms(88));
  });

  it('a CPU whose last queued thread of the group moves away returns its runtime to the pool', () => {
    // quota 10/100, rr, exact slice ends, 2 CPUs. bgA#1 runs on cpu 0 until 6, bgB#2 on cpu 1
    // until 2. b#1 (10 ms of work) arrives at 1 and queues on cpu 0: its enqueue draws a
    // slice of 5 there (pool 5). At 2 cpu 1 pulls it: cpu 0, left with no thread of the
    // group, keeps 1 ms and returns 4 (pool 9); cpu 1 draws 5 (pool 4) and b#1 runs from 2,
    // draws the last 4 at 7 and is throttled at 11 with 1 ms of work left. The refill at 100
    // gives it 1 ns, then a slice: done at 101. (Kept on cpu 0, the 4 ms would have left
    // b#1 throttled at 7, done at 105.)
    const { result, events } = run({
      cpus: 2,
      os: { policy: 'rr', exactSliceEnd: true, bandwidth: { quotaNs: ms(10), periodNs: ms(100) } },
      workload: {
        sources: [batch('b', 1, [{ compute: ms(10) }], ms(1))],
        background: [
          { name: 'bgA', count: 1, program: [{ compute: ms(6) }] },
          { name: 'bgB', count: 1, program: [{ compute: ms(2) }] },
        ],
      },
    });
    expect(events.filter((e) => e.k === 'migrate').map((e) => e.k === 'migrate' && [e.t / 1e6, e.tid, e.from, e.to])).toEqual([[2, 3, 0, 1]]);
    expect(throttlesOn(events)).toEqual([
      [11, 1, true],
      [100, 1, false],
    ]);
    expect(result.simulatedNs).toBe(ms(101));
    expect(result.bandwidth).toEqual({ quotaNs: ms(10), periodNs: ms(100), periods: 1, throttledPeriods: 1, throttledNs: ms(89) });
  });

  it('an idle CPU passes over a queue whose threads may not come and pulls from the next one', () => {
    // 3 CPUs, quota 3/20 in 1 ms slices, no periodic balance. bg#1–3 (outside the group)
    // start on cpus 0–2, a#1 and a#2 queue behind bg#1 and bg#2. At 2 they block and a#1, a#2
    // run, each on a 1 ms slice (pool 1 ms). At 3 the bg threads wake: bg#2 preempts a#2 on
    // cpu 1, and a#2, queued again there, takes the last 1 ms of the pool; bg#3 queues on
    // cpu 2 behind bg#1; cpu 0, out of runtime, is throttled and goes idle. Its idle pull
    // finds cpu 1's queue first (a#2, whose group is throttled on cpu 0: it may not move) and
    // pulls bg#3 from cpu 2 instead.
    const { events } = run({
      cpus: 3,
      os: { policy: 'cfs', exactSliceEnd: true, balanceIntervalNs: 0, bandwidth: { quotaNs: ms(3), periodNs: ms(20), sliceNs: ms(1) } },
      workload: {
        sources: [batch('a', 2, [{ compute: ms(3) }, { io: ms(1) }, { compute: ms(3) }])],
        background: [{ name: 'bg', count: 3, program: [{ compute: ms(2) }, { io: ms(1) }, { compute: ms(2) }] }],
      },
    });
    expect(throttlesOn(events)[0]).toEqual([3, 0, true]);
    expect(events.filter((e) => e.k === 'migrate' && e.t === ms(3)).map((e) => e.k === 'migrate' && [e.tid, e.from, e.to, e.why])).toEqual([[3, 2, 0, 'idle pull']]);
    expect(runsMs(events, 0).filter(([t]) => t === 3)).toEqual([[3, 3]]);
  });

  it('a periodic balance passes over a busiest queue whose threads may not move, and balances the next', () => {
    // Found by a search over small workloads: 4 CPUs, quota 6/20 in 1 ms slices, a balance
    // every 1 ms; 6 bg threads outside the group and 7 of it. At 3 ms cpus 2 and 3 are
    // throttled for the group. The balance moves bg#5 from cpu 0 to cpu 2; cpu 0 is still
    // among the busiest (3 threads, as cpu 1), but its queue now holds only the group's a#7
    // and a#3, which may not go to cpu 3: it is passed over, and bg#6 moves from cpu 1 to
    // cpu 3 instead.
    const { events } = run({
      cpus: 4,
      os: { policy: 'cfs', exactSliceEnd: true, balanceIntervalNs: ms(1), bandwidth: { quotaNs: ms(6), periodNs: ms(20), sliceNs: ms(1) } },
      limits: { timeNs: ms(40) },
      workload: {
        sources: [batch('a', 7, [{ compute: ms(3) }, { io: ms(1) }, { compute: ms(3) }])],
        background: [{ name: 'bg', count: 6, program: [{ compute: ms(2) }, { io: ms(1) }, { compute: ms(2) }] }],
      },
    });
    expect(throttlesOn(events).filter(([t]) => t === 3)).toEqual([
      [3, 2, true],
      [3, 3, true],
    ]);
    expect(events.filter((e) => e.k === 'migrate' && e.t === ms(3)).map((e) => e.k === 'migrate' && [e.tid, e.from, e.to, e.why])).toEqual([
      [5, 0, 2, 'periodic load balance'],
      [6, 1, 3, 'periodic load balance'],
    ]);
  });

  it('a quota unused while the group sleeps is refilled lazily for the period it wakes in', () => {
    // quota 20/50. compute 10 (0–10), IO 100 (→ 110, in period [100,150)), compute 15: the
    // new period's quota is fresh, so 110–125 runs unthrottled. Only the refill at 50 was
    // seen (the group was idle after it).
    const { result, events } = run({
      os: { policy: 'rr', params: { quantum: ms(10) }, exactSliceEnd: true, bandwidth: { quotaNs: ms(20), periodNs: ms(50) } },
      workload: { sources: [batch('a', 1, [{ compute: ms(10) }, { io: ms(100) }, { compute: ms(15) }])] },
    });
    expect(runsMs(events)).toEqual([
      [0, 1],
      [110, 1],
    ]);
    expect(throttles(events)).toEqual([]);
    expect(result.simulatedNs).toBe(ms(125));
    expect(result.bandwidth).toMatchObject({ periods: 1, throttledPeriods: 0, throttledNs: 0 });
  });

  it('rr with a quota: throttling parks the queue, the refill restores it, and an exhausted group is not picked', () => {
    // quota 25/50, quantum 10, two threads of 30 on one CPU.
    // 0–10 t1 | 10–20 t2 | 20–25 t1 → quota used at 25: t1 preempted (5 of its quantum used,
    // 5 kept), t2 parked. Refill at 50 re-queues the queued one first: t2 50–60, t1 60–65
    // (its 5 left), t2 65–75 done (30). At 75 the quota is used again (10+5+10): t1 is not
    // picked but parked at once; refill at 100: t1 100–110 done.
    const { result, events } = run({
      os: { policy: 'rr', params: { quantum: ms(10) }, exactSliceEnd: true, bandwidth: { quotaNs: ms(25), periodNs: ms(50) } },
      workload: { sources: [batch('a', 2, [{ compute: ms(30) }])] },
    });
    expect(runsMs(events)).toEqual([
      [0, 1],
      [10, 2],
      [20, 1],
      [50, 2],
      [60, 1],
      [65, 2],
      [100, 1],
    ]);
    expect(throttles(events)).toEqual([
      [25, true],
      [50, false],
      [75, true],
      [100, false],
    ]);
    // Preempted at 10 (t1), 20 (t2), 25 (t1, throttled), 60 (t2), 65 (t1).
    expect(result.contextSwitches.involuntary).toBe(5);
    expect(result.bandwidth).toMatchObject({ periods: 2, throttledPeriods: 2, throttledNs: ms(50) });
    expect(result.simulatedNs).toBe(ms(110));
  });

  it('a quota of two CPUs per period lets a group use two CPUs fully', () => {
    const { result } = run({
      cpus: 2,
      os: { policy: 'cfs', hz: 250, bandwidth: { quotaNs: ms(200), periodNs: ms(100) } },
      workload: { sources: [batch('a', 2, [{ compute: ms(300) }])] },
    });
    expect(result.bandwidth?.throttledNs).toBe(0);
    expect(result.simulatedNs).toBe(ms(300));
  });
});
