/**
 * CPU bandwidth control — the cgroup v2 `cpu.max` "quota period" limit (Linux's CFS bandwidth
 * controller, kernel/sched/fair.c and Documentation/scheduler/sched-bwc.rst).
 *
 * As in Linux, the quota is a global pool (`cfs_b->runtime`) refilled at each period, and each
 * CPU's share of the group (its `cfs_rq`) runs on local runtime that it draws from the pool in
 * slices (`sched_cfs_bandwidth_slice_us`, 5 ms by default):
 * - a CPU whose local runtime has run out asks the pool for a slice (plus what it overran);
 *   when the pool has nothing left, that CPU's part of the group is throttled: its running
 *   thread is taken off the CPU and its queued threads wait, still Runnable, while the
 *   group's threads on other CPUs go on using the local runtime they hold;
 * - the kernel notices a CPU's local runtime running out in `update_curr`, at the scheduler
 *   tick, when the thread leaves the CPU or another is picked, or when another thread of the
 *   group is queued there or moved away, so a group can overrun by up to a tick per CPU; the
 *   overrun is
 *   repaid from the next slice (with `exactSliceEnd` it is noticed at the nanosecond). A
 *   thread that blocks or exits with its CPU's runtime overrun and the pool empty leaves that
 *   CPU throttled with nothing on it ("throttle-on-deactivate");
 * - threads of a group throttled on a CPU are not moved onto it by idle pulls or balancing
 *   (`throttled_lb_pair`); a thread moved onto a CPU is enqueued there as any arrival is
 *   (`attach_task` → `enqueue_entity`: `update_curr` when the group runs there, else
 *   `check_enqueue_throttle`), so a CPU whose local runtime is used up and cannot be topped up
 *   is throttled at once, with the thread waiting there, and an idle pull whose thread is
 *   throttled so pulls again; an unthrottle reschedules only an idle CPU (no wake-up
 *   preemption);
 * - at each period's start the pool is refilled to the quota and the throttled CPUs are
 *   given, in the order they were throttled, what they overran plus 1 ns
 *   (`distribute_cfs_runtime`), which unthrottles them;
 * - when the last thread of the group leaves a CPU (it blocks or exits, or the last queued
 *   one is moved to another CPU while none of the group runs there), the CPU returns
 *   its local runtime above 1 ms to the pool (`return_cfs_rq_runtime`); if the pool then holds
 *   more than a slice and some CPU is throttled, the slack timer hands it out 5 ms later
 *   (unless the period ends within 7 ms);
 * - local runtime does not expire at the period's end (Linux 5.4 on): a CPU keeps what it
 *   holds, at most a slice, into the next period.
 * cpu.stat's figures follow the kernel's: `nr_throttled` counts the periods at whose end some
 * CPU was throttled, and `throttled_usec` sums the throttled time of every CPU, counted while
 * a thread of the group waits there (cfs_rq->throttled_clock).
 *
 * Periods start at `phase` + k × period (`os.bandwidth.phase`, default 0). Linux's period timer
 * runs on multiples of the period of the monotonic clock (`hrtimer_forward_now`), so its phase
 * to a workload is arbitrary: a sweep over the phase gives the spread.
 *
 * SIM: with the default phase and a period that is a multiple of the tick, a CPU that runs out
 * at the tick that ends a period may be refilled first and not throttled (its overrun is still
 * repaid); a CPU's
 * runtime used up when a move charges it, or when a thread is moved onto it, throttles it at
 * that instant (Linux reschedules and throttles when the running thread is put back, the same
 * instant here, where a reschedule takes no time); a CPU whose queued threads may not move to a
 * balance's least loaded CPU is passed over for the rest of that balance, even after the
 * least loaded CPU changes; `periods` counts the refills while the group is active (Linux's
 * period timer runs one more period after the group goes idle); a throttle still on at the
 * end of a run counts its time up to the end (cpu.stat adds it at the unthrottle). No burst
 * (cpu.max.burst). This is the kernel's cfs_rq-level throttling; newer kernels (the 2025
 * "task based throttle" series) stop a throttled group's tasks one by one as they return to
 * user space, and balancing checks only the destination.
 */
import type { SimEvent } from '../engine/event-queue.js';
import type { Nanos } from '../engine/time.js';
import type { Thread } from './thread.js';

/** Linux's default `sched_cfs_bandwidth_slice_us`: 5 ms. */
export const DEFAULT_BANDWIDTH_SLICE: Nanos = 5_000_000;
/** A CPU keeps this much local runtime when its last thread of the group leaves (min_cfs_rq_runtime). */
export const MIN_CFS_RQ_RUNTIME: Nanos = 1_000_000;
/** The slack timer's delay (cfs_bandwidth_slack_period). */
export const SLACK_PERIOD: Nanos = 5_000_000;
/** No slack is handed out this close to the period's end (min_bandwidth_expiration). */
export const MIN_BANDWIDTH_EXPIRATION: Nanos = 2_000_000;

export class BandwidthGroup {
  /** What is left of the current period's quota (cfs_b->runtime). */
  pool: Nanos;
  /** Per CPU: local runtime (cfs_rq->runtime_remaining; negative after an overrun). */
  readonly rem: number[];
  /** Per CPU: the time up to which `rem` is brought, while a thread of the group runs there. */
  readonly mark: number[];
  /** Per CPU: a thread of the group holds the CPU (1) or not (0). */
  readonly on: Uint8Array;
  /** Per CPU: the group is throttled there. */
  readonly thr: Uint8Array;
  readonly thrSince: number[];
  /** Throttled CPUs, in the order they were throttled (cfs_b->throttled_cfs_rq). */
  readonly throttledList: number[] = [];
  /** Threads of the group holding a CPU. */
  running = 0;
  /** Runnable threads held back on throttled CPUs (each with rqCpu = its CPU). */
  readonly parked: Thread[] = [];
  /** Current period index (period k covers [phase + k·period, phase + (k+1)·period)). */
  periodIndex: number;
  slackStarted = false;
  // cpu.stat figures
  nrPeriods = 0;
  nrThrottled = 0;
  /** Summed over CPUs, as cpu.stat's throttled_usec. */
  throttledNs: Nanos = 0;
  refillEv: SimEvent | null = null;
  slackEv: SimEvent | null = null;
  /** Per CPU: the check of the local runtime (at the tick after it runs out). */
  readonly checkEv: SimEvent[] = [];

  constructor(
    readonly name: string,
    readonly quota: Nanos,
    readonly period: Nanos,
    readonly slice: Nanos,
    cpus: number,
    /** Where the periods fall, 0 ≤ phase < period: the run's start is in period 0, or −1 when phase > 0. */
    readonly phase: Nanos = 0,
  ) {
    this.periodIndex = phase > 0 ? -1 : 0;
    this.pool = quota;
    this.rem = new Array<number>(cpus).fill(0);
    this.mark = new Array<number>(cpus).fill(0);
    this.on = new Uint8Array(cpus);
    this.thr = new Uint8Array(cpus);
    this.thrSince = new Array<number>(cpus).fill(0);
  }

  /** When the current period ends (the next refill). */
  periodEnd(): Nanos {
    return (this.periodIndex + 1) * this.period + this.phase;
  }

  /** Charges CPU `i`'s running thread of the group up to `now`. */
  update(i: number, now: Nanos): void {
    if (this.on[i] === 1 && now > this.mark[i]!) {
      this.rem[i] = this.rem[i]! - (now - this.mark[i]!);
      this.mark[i] = now;
    }
  }

  /**
   * __assign_cfs_rq_runtime: tops CPU `i`'s local runtime up to `target` from the pool (as
   * much as the pool has); true when it is then positive.
   */
  assign(i: number, target: Nanos): boolean {
    const want = target - this.rem[i]!;
    if (want > 0 && this.pool > 0) {
      const amount = Math.min(this.pool, want);
      this.pool -= amount;
      this.rem[i] = this.rem[i]! + amount;
    }
    return this.rem[i]! > 0;
  }

  /** The group is throttled on some CPU. */
  get throttled(): boolean {
    return this.throttledList.length > 0;
  }
}
