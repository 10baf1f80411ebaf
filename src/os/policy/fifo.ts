/**
 * `fifo` and `rr` — Linux's SCHED_FIFO and SCHED_RR at one priority level.
 *
 * fifo: a thread runs until it blocks, yields or exits; a woken thread joins the tail and never
 * preempts. rr: the same plus a fixed quantum (Linux `sched_rr_timeslice_ms`, default 100 ms).
 * The quantum is kept per thread (`timeSliceLeft`) across blocking, as Linux keeps
 * `rt.time_slice`; when it runs out the thread gets a fresh quantum and, if anyone else is
 * queued, goes to the tail. With ticks on, the quantum is counted in ticks like Linux's
 * task_tick_rt: it runs out at the N-th tick boundary while running, N = ceil(quantum / tick).
 */
import type { Nanos } from '../../engine/time.js';
import { ThreadRing } from '../queues.js';
import type { Thread } from '../thread.js';
import type { EnqueueKind, Policy, PolicyContext, PolicyFactory, PutPrevKind, RunQueue } from './types.js';
import { tickAfter } from './types.js';

class FifoRunQueue implements RunQueue {
  protected q = new ThreadRing();
  get nr(): number {
    return this.q.size;
  }
  enqueue(t: Thread, _kind: EnqueueKind, _now: Nanos): void {
    this.q.push(t);
  }
  dequeue(t: Thread): void {
    this.q.remove(t);
  }
  pickNext(): Thread | null {
    return this.q.shift();
  }
  setCurr(t: Thread, now: Nanos): void {
    t.execStart = now;
  }
  putPrev(t: Thread, now: Nanos, _kind: PutPrevKind): void {
    t.sumExec += now - t.execStart;
  }
  nextCheck(_t: Thread, _now: Nanos): Nanos {
    return Infinity;
  }
  tick(_t: Thread, _now: Nanos): boolean {
    return false;
  }
  wakeupPreempt(): boolean {
    return false;
  }
  snapshot(): Thread[] {
    return [...this.q];
  }
}

class RrRunQueue extends FifoRunQueue {
  /** Quantum in ns (exact mode) or ticks (tick mode). */
  private readonly full: number;
  constructor(
    private readonly quantum: Nanos,
    private readonly tickNs: Nanos,
  ) {
    super();
    this.full = tickNs > 0 ? Math.max(1, Math.ceil(quantum / tickNs)) : quantum;
  }
  override enqueue(t: Thread, kind: EnqueueKind, _now: Nanos): void {
    if (kind === 'new' || t.timeSliceLeft <= 0) t.timeSliceLeft = this.full;
    this.q.push(t);
  }
  override setCurr(t: Thread, now: Nanos): void {
    t.execStart = now;
    if (t.timeSliceLeft <= 0) t.timeSliceLeft = this.full;
  }
  override putPrev(t: Thread, now: Nanos, _kind: PutPrevKind): void {
    t.sumExec += now - t.execStart;
    t.timeSliceLeft -= this.used(t, now);
  }
  /** Quantum consumed since setCurr: ns, or tick boundaries crossed while running. */
  private used(t: Thread, now: Nanos): number {
    if (this.tickNs <= 0) return now - t.execStart;
    // Tick boundaries in (execStart, now].
    return Math.floor(now / this.tickNs) - Math.floor(t.execStart / this.tickNs);
  }
  override nextCheck(t: Thread, _now: Nanos): Nanos {
    if (this.tickNs <= 0) return t.execStart + t.timeSliceLeft;
    // The timeSliceLeft-th boundary strictly after execStart.
    return tickAfter(t.execStart, this.tickNs) + (t.timeSliceLeft - 1) * this.tickNs;
  }
  override tick(t: Thread, now: Nanos): boolean {
    if (this.used(t, now) < t.timeSliceLeft) return false;
    // Quantum over: refill (in place, as task_tick_rt does) and preempt only if anyone waits.
    t.timeSliceLeft = this.full;
    t.prevSumExec = t.sumExec + (now - t.execStart);
    t.sumExec += now - t.execStart;
    t.execStart = now;
    return this.q.size > 0;
  }
}

export const fifoPolicy: PolicyFactory = {
  name: 'fifo',
  description: 'SCHED_FIFO: run until block, yield or exit; no time slice, no preemption at equal priority',
  create(): Policy {
    return {
      name: 'fifo',
      summary: () => 'fifo',
      createRunQueue: () => new FifoRunQueue(),
    };
  },
};

export const RR_DEFAULT_QUANTUM: Nanos = 100_000_000;

export const rrPolicy: PolicyFactory = {
  name: 'rr',
  description: 'SCHED_RR: fifo with a fixed quantum (default 100ms, Linux sched_rr_timeslice_ms)',
  create(params: Record<string, unknown>, ctx: PolicyContext): Policy {
    const quantum = (params.quantum as number | undefined) ?? RR_DEFAULT_QUANTUM;
    return {
      name: 'rr',
      summary: () => `rr quantum=${quantum}ns`,
      createRunQueue: () => new RrRunQueue(quantum, ctx.tickNs),
    };
  },
};
