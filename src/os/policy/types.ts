/**
 * The interface between the kernel and a scheduling policy. A policy is a small object per CPU
 * (its run queue); the kernel never switches on the policy's name. The shape follows Linux's
 * `struct sched_class`: enqueue/dequeue, pick_next, set_next (setCurr), put_prev, task_tick
 * (tick), wakeup_preempt, with the running thread kept out of the queue as Linux does.
 *
 * Time is integer nanoseconds. `tickNs` is the scheduler tick period (1e9/HZ), or 0 when slice
 * ends are enforced exactly (high-resolution ticks).
 */
import type { Nanos } from '../../engine/time.js';
import type { Thread } from '../thread.js';

/** Why a thread enters a run queue. */
export type EnqueueKind = 'new' | 'wakeup' | 'preempted' | 'yield' | 'migrated' | 'unthrottled';

/** Why the running thread leaves its CPU. */
export type PutPrevKind = 'preempted' | 'yield' | 'sleep' | 'exit' | 'throttled';

export interface PolicyContext {
  /** Number of CPUs of the machine (Linux scales its defaults with it). */
  cpus: number;
  /** Scheduler tick period in ns; 0 = exact slice ends. */
  tickNs: Nanos;
}

export interface RunQueue {
  /** Queued threads (not counting the running one). */
  readonly nr: number;
  enqueue(t: Thread, kind: EnqueueKind, now: Nanos): void;
  /** Removes a queued thread (migration to another CPU, bandwidth throttling). */
  dequeue(t: Thread, now: Nanos): void;
  /** Removes and returns the thread to run next, or null if the queue is empty. */
  pickNext(now: Nanos): Thread | null;
  /** `t` starts running on this CPU. */
  setCurr(t: Thread, now: Nanos): void;
  /** The running thread `t` stops running (accounting only; the kernel re-enqueues it if needed). */
  putPrev(t: Thread, now: Nanos, kind: PutPrevKind): void;
  /**
   * Earliest time at which `tick` could decide to preempt the running thread `t`, given the
   * queue as it is now (Infinity: never). The kernel arms one event there, and re-asks after
   * every change to this queue; so ticks that could change nothing cost nothing.
   */
  nextCheck(t: Thread, now: Nanos): Nanos;
  /** The scheduler tick for the running thread: true = preempt it. */
  tick(t: Thread, now: Nanos): boolean;
  /** A thread was woken (or created) onto this CPU while `curr` runs: should it preempt? */
  wakeupPreempt(curr: Thread, woken: Thread, now: Nanos): boolean;
  /**
   * Called after `dequeue` when the thread moves to another CPU's queue (CFS makes its
   * vruntime relative to this queue's min_vruntime). Optional.
   */
  detach?(t: Thread): void;
  /** Queued threads in the order this policy would run them (for traces and checks; may be slow). */
  snapshot(): Thread[];
  /** Extra named figures for traces (for example min_vruntime). */
  describe?(): Record<string, number>;
}

export interface Policy {
  readonly name: string;
  /** One-line summary of the resolved parameters, for the CLI header. */
  summary(): string;
  createRunQueue(cpu: number): RunQueue;
}

export interface PolicyFactory {
  readonly name: string;
  readonly description: string;
  create(params: Record<string, unknown>, ctx: PolicyContext): Policy;
}

/** First tick boundary at or after `t` (identity when ticks are off). */
export function tickCeil(t: Nanos, tickNs: Nanos): Nanos {
  if (tickNs <= 0) return t;
  return Math.ceil(t / tickNs) * tickNs;
}

/** First tick boundary strictly after `t`. */
export function tickAfter(t: Nanos, tickNs: Nanos): Nanos {
  if (tickNs <= 0) return t;
  return Math.floor(t / tickNs) * tickNs + tickNs;
}

/** Linux's sched_prio_to_weight, nice -20 … 19 (kernel/sched/core.c). */
export const NICE_TO_WEIGHT: readonly number[] = [
  88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991,
  1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
];

export function niceWeight(nice: number): number {
  return NICE_TO_WEIGHT[Math.max(-20, Math.min(19, nice)) + 20]!;
}

/**
 * Linux scales its fair-scheduler defaults by 1 + ilog2(min(cpus, 8))
 * (kernel/sched/fair.c get_update_sysctl_factor, SCHED_TUNABLESCALING_LOG).
 */
export function linuxScaleFactor(cpus: number): number {
  return 1 + Math.floor(Math.log2(Math.min(Math.max(cpus, 1), 8)));
}

/** vruntime advance for `delta` ns of CPU at `weight` (calc_delta_fair; exact for nice 0). */
export function calcDeltaFair(delta: Nanos, weight: number): number {
  return weight === 1024 ? delta : Math.trunc((delta * 1024) / weight);
}
