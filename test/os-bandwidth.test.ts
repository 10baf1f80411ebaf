/**
 * CPU bandwidth (cgroup cpu.max quota/period): throttle and refill times on small cases, by
 * hand. Periods are aligned to time 0; usage is counted exactly (all running threads of the
 * group draw from the quota at once); a throttled group's threads wait, Runnable, until the
 * next period starts.
 */
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../src/trace/events.js';
import { batch, ms, run, runs } from './support.js';

const throttles = (ev: TraceEvent[]): Array<[number, boolean]> => ev.flatMap((e) => (e.k === 'throttle' ? [[e.t / 1e6, e.on] as [number, boolean]] : []));
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

  it('two threads on two CPUs draw from one quota at twice the rate', () => {
    // quota 20/100, each thread 30 ms: both run 0–10 (20 used) → throttled at 10;
    // 100–110 → throttled; 200–210 done. Throttled 10–100 + 110–200 = 180 ms.
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
    expect(throttles(events)).toEqual([
      [10, true],
      [100, false],
      [110, true],
      [200, false],
    ]);
    expect(result.bandwidth?.throttledNs).toBe(ms(180));
    expect(result.simulatedNs).toBe(ms(210));
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
