/**
 * A pick that throttles a bandwidth group used to preempt the group's threads on the other CPUs
 * from inside the picking CPU's schedule(); an idle pull there must not take the thread that
 * CPU is putting back (still running on it, queued for the pick). Found by the why-sums
 * property test (property-why-sums.test.ts): it threw "exit: thread 1 is not running" (the
 * whole-state check: "cpu 1 curr thread 1 is runnable"). Since bandwidth is drawn per CPU, a
 * pick throttles only its own CPU; the scenario stays as a check of the idle-pull rule.
 */
import { describe, expect, it } from 'vitest';
import { Simulation, type SimConfig } from '../src/sim.js';
import { MemorySink } from '../src/trace/events.js';

describe('bandwidth throttle inside a pick', () => {
  it('another CPU preempted by the throttle does not pull the thread being put back', () => {
    // At 1 ms: cpu 0's tick preempts noise#1 (no group) and picks a workload thread, whose group
    // has used its quota: the throttle preempts plain1#3 on cpu 1, and cpu 1, left without work,
    // pulled noise#1 from cpu 0's queue while cpu 0 still ran it.
    const config: SimConfig = {
      name: 'throttle-in-pick',
      seed: 0,
      machine: { cpus: 2, costs: { contextSwitch: 51_357, wakeupIpi: 0, threadCreate: 0, syscall: 0, timerSlack: 0 } },
      os: { policy: 'eevdf', hz: 1000, balanceIntervalNs: 0, bandwidth: { quotaNs: 1_000_000, periodNs: 2_000_000 } },
      model: 'threads',
      limits: { timeNs: 12_000_000 },
      workload: {
        sources: [
          { kind: 'batch', name: 'plain0', count: 1, program: [{ io: 1 }] },
          { kind: 'batch', name: 'plain1', count: 2, program: [{ compute: 895_179 }, { compute: 2_108 }] },
        ],
        background: [{ name: 'noise', count: 1, program: [{ compute: 948_644 }], nice: -5 }],
      },
    };
    const sink = new MemorySink();
    const r = new Simulation(config, { check: true, trace: sink }).run();
    expect(r.outcome).toBe('completed');
    // noise#1 keeps cpu 0 at 1 ms (picked again), and is never migrated.
    expect(sink.events.filter((e) => e.k === 'migrate' && e.tid === 1)).toEqual([]);
    const atOneMs = sink.events.filter((e) => e.k === 'tstate' && e.tid === 1 && e.t === 1_000_000);
    expect(atOneMs).toEqual([]);
  });
});
