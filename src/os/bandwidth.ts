/**
 * CPU bandwidth control — the cgroup v2 `cpu.max` "quota period" limit (Linux's CFS bandwidth
 * controller, kernel/sched/fair.c and Documentation/scheduler/sched-bwc.rst).
 *
 * A group may use `quota` ns of CPU time in each `period` (periods are aligned to time 0).
 * Once its threads together have used the quota, the group is throttled: its running threads
 * are taken off their CPUs and its runnable threads wait, still Runnable, until the next
 * period begins and the quota is refilled. Usage is accounted exactly while threads run on
 * several CPUs at once, so quota 200ms per 100ms lets a group use two CPUs' worth.
 *
 * SIM: Linux hands out runtime to CPUs in 5 ms slices from the global pool
 * (sched_cfs_bandwidth_slice_us) and notices exhaustion at ticks; here the pool is drawn
 * exactly and exhaustion is noticed at the nanosecond it happens. No burst (cpu.max.burst).
 */
import type { SimEvent } from '../engine/event-queue.js';
import type { Nanos } from '../engine/time.js';
import type { Thread } from './thread.js';

export class BandwidthGroup {
  /** CPU time used in the current period, up to `mark`. */
  used: Nanos = 0;
  /** Time up to which `used` is brought. */
  mark: Nanos = 0;
  /** Threads of the group currently holding a CPU. */
  running = 0;
  throttled = false;
  throttledSince: Nanos = 0;
  /** Runnable threads held back while throttled. */
  readonly parked: Thread[] = [];
  /** Current period index (period k covers [k·period, (k+1)·period)). */
  periodIndex = 0;
  // cpu.stat figures
  nrPeriods = 0;
  nrThrottled = 0;
  throttledNs: Nanos = 0;
  refillEv: SimEvent | null = null;
  exhaustEv: SimEvent | null = null;

  constructor(
    readonly name: string,
    readonly quota: Nanos,
    readonly period: Nanos,
  ) {}

  /** Brings `used` up to `now`. */
  update(now: Nanos): void {
    if (now > this.mark) {
      this.used += this.running * (now - this.mark);
      this.mark = now;
    }
  }

  /** When the quota runs out at the current rate, or Infinity. */
  exhaustAt(): Nanos {
    if (this.running === 0 || this.throttled) return Infinity;
    const left = this.quota - this.used;
    if (left <= 0) return this.mark;
    return this.mark + Math.ceil(left / this.running);
  }
}
