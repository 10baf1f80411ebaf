/**
 * `cfs` — Linux's Completely Fair Scheduler as it was before EEVDF (kernel ≤ 6.5,
 * kernel/sched/fair.c), for SCHED_NORMAL threads without group scheduling.
 *
 * Modelled:
 * - vruntime advances by delta·1024/weight (calc_delta_fair); nice weights from
 *   sched_prio_to_weight.
 * - pick: the queued thread with the smallest vruntime (the rbtree's leftmost).
 * - min_vruntime: monotonic max(min_vruntime, min(curr, leftmost)) (update_min_vruntime).
 * - the slice: sched_slice = period·w/Σw with period = target latency, or nr·min_granularity
 *   when more than latency/min_granularity (sched_nr_latency, 8) threads are runnable; never
 *   below min_granularity (BASE_SLICE, 5.13+).
 * - the tick (check_preempt_tick): preempt when the slice is used up; or, after
 *   min_granularity, when curr's vruntime leads the leftmost by more than the slice. With
 *   exact slice ends (no ticks) the slice ends exactly when used up, as with Linux's hrtick
 *   (hrtick_start_fair arms a timer at the slice end, whose tick reschedules).
 * - placement (place_entity): new threads at min_vruntime + vslice (START_DEBIT); woken
 *   threads at max(own, min_vruntime − latency/2) (GENTLE_FAIR_SLEEPERS).
 * - wake-up preemption (check_preempt_wakeup): preempt when curr's vruntime exceeds the woken
 *   thread's by more than wakeup_granularity scaled to the woken thread's weight.
 * - yield (yield_task_fair): the yielding thread is skipped by the next pick if another is
 *   queued (the skip buddy).
 * - migration: vruntime is made relative to the old queue's min_vruntime and re-based on the
 *   new one's, as migrate_task_rq_fair/enqueue_entity do.
 *
 * SIM: no wakeup/next/last buddies other than skip; no PELT load tracking; no group entities.
 *
 * Defaults (scaled by 1 + ilog2(min(cpus, 8)) as Linux does): latency 6 ms, min_granularity
 * 0.75 ms, wakeup_granularity 1 ms.
 */
import type { Nanos } from '../../engine/time.js';
import { ThreadHeap } from '../queues.js';
import type { Thread } from '../thread.js';
import type { EnqueueKind, Policy, PolicyContext, PolicyFactory, PutPrevKind, RunQueue } from './types.js';
import { calcDeltaFair, linuxScaleFactor, tickCeil } from './types.js';

export interface CfsParams {
  latency: Nanos;
  minGranularity: Nanos;
  wakeupGranularity: Nanos;
}

const byVruntime = (x: Thread, y: Thread): boolean => x.vruntime < y.vruntime || (x.vruntime === y.vruntime && x.qseq < y.qseq);

class CfsRunQueue implements RunQueue {
  readonly heap = new ThreadHeap(byVruntime);
  minVruntime = 0;
  /** Σ weights of queued threads (not curr). */
  private load = 0;
  private curr: Thread | null = null;
  private skip: Thread | null = null;
  private readonly nrLatency: number;
  private seq = 0;

  constructor(
    private readonly p: CfsParams,
    private readonly tickNs: Nanos,
  ) {
    this.nrLatency = Math.max(1, Math.floor(p.latency / p.minGranularity));
  }

  get nr(): number {
    return this.heap.size;
  }

  private period(nrRunning: number): Nanos {
    return nrRunning > this.nrLatency ? nrRunning * this.p.minGranularity : this.p.latency;
  }

  /**
   * sched_slice for `t`, counting it as runnable: its weight's share of the period, but at
   * least min_granularity (the BASE_SLICE feature, on by default in Linux 5.13–6.5, so a
   * low-weight thread still gets a useful slice).
   */
  slice(t: Thread, tOnRq: boolean): Nanos {
    const nrRunning = this.heap.size + (this.curr !== null ? 1 : 0) + (tOnRq ? 0 : 1);
    const totalW = this.load + (this.curr !== null ? this.curr.weight : 0) + (tOnRq ? 0 : t.weight);
    return Math.max(Math.trunc((this.period(nrRunning) * t.weight) / totalW), this.p.minGranularity);
  }

  /** Brings curr's vruntime up to `now` (update_curr). */
  private updateCurr(now: Nanos): void {
    const c = this.curr;
    if (c === null) return;
    const delta = now - c.execStart;
    if (delta <= 0) return;
    c.sumExec += delta;
    c.execStart = now;
    c.vruntime += calcDeltaFair(delta, c.weight);
    this.updateMinVruntime();
  }

  private updateMinVruntime(): void {
    let v = this.minVruntime;
    const c = this.curr;
    const left = this.heap.peek();
    if (c !== null) v = c.vruntime;
    if (left !== null) v = c !== null ? Math.min(v, left.vruntime) : left.vruntime;
    if (c !== null || left !== null) this.minVruntime = Math.max(this.minVruntime, v);
  }

  enqueue(t: Thread, kind: EnqueueKind, now: Nanos): void {
    this.updateCurr(now);
    if (t.vrel) {
      t.vruntime += this.minVruntime; // detached from another queue: re-base on this one
      t.vrel = false;
    }
    if (kind === 'new') {
      // START_DEBIT: a new thread starts one virtual slice after min_vruntime.
      t.vruntime = this.minVruntime + calcDeltaFair(this.slice(t, false), t.weight);
    } else if (kind === 'wakeup' || kind === 'unthrottled') {
      // GENTLE_FAIR_SLEEPERS: a sleeper gets at most half a latency of credit.
      t.vruntime = Math.max(t.vruntime, this.minVruntime - (this.p.latency >> 1));
    }
    t.qseq = this.seq++;
    this.heap.push(t);
    this.load += t.weight;
    this.updateMinVruntime();
  }

  dequeue(t: Thread, now: Nanos): void {
    this.updateCurr(now);
    this.heap.remove(t);
    this.load -= t.weight;
    if (this.skip === t) this.skip = null;
    this.updateMinVruntime();
  }

  /** Makes a dequeued thread's vruntime relative, for migration to another queue. */
  detach(t: Thread): void {
    t.vruntime -= this.minVruntime;
    t.vrel = true;
  }

  /**
   * Takes the thread to run next off the queue. min_vruntime is not advanced past it here:
   * in Linux the picked entity becomes curr (set_next_entity) and keeps holding
   * min_vruntime back; and a thread taken for migration has its vruntime made relative to
   * min_vruntime as it was before its removal (dequeue_entity normalizes before
   * update_min_vruntime).
   */
  pickNext(now: Nanos): Thread | null {
    this.updateCurr(now);
    let t = this.heap.peek();
    if (t === null) return null;
    if (t === this.skip && this.heap.size > 1) {
      // The skip buddy: take the next-leftmost instead (pick_next_entity).
      this.heap.pop();
      const second = this.heap.pop()!;
      this.heap.push(t);
      this.skip = null;
      this.load -= second.weight;
      return second;
    }
    this.skip = null;
    t = this.heap.pop()!;
    this.load -= t.weight;
    return t;
  }

  setCurr(t: Thread, now: Nanos): void {
    this.curr = t;
    t.execStart = now;
    t.prevSumExec = t.sumExec;
  }

  putPrev(t: Thread, now: Nanos, kind: PutPrevKind): void {
    this.updateCurr(now);
    if (kind === 'yield') this.skip = t;
    this.curr = null;
    if (kind === 'sleep' || kind === 'exit' || kind === 'throttled') this.updateMinVruntime();
  }

  nextCheck(t: Thread, now: Nanos): Nanos {
    if (this.heap.size === 0) return Infinity; // alone: nothing to preempt for
    this.updateCurr(now);
    const ideal = this.slice(t, true);
    const ran = t.sumExec - t.prevSumExec;
    // Condition 1: slice used up (delta_exec > ideal_runtime at a tick; exactly at its end
    // with exact slice ends, where Linux's hrtick fires at the end and reschedules).
    let at = now + Math.max(0, ideal - ran) + (this.tickNs > 0 ? 1 : 0);
    // Condition 2: after min_granularity, vruntime lead over the leftmost > ideal.
    const left = this.heap.peek()!;
    const lead = t.vruntime - left.vruntime;
    const needV = ideal - lead + 1; // vruntime still to gain
    const needNs = needV <= 0 ? 0 : Math.ceil((needV * t.weight) / 1024);
    const at2 = now + Math.max(needNs, this.p.minGranularity - ran);
    if (at2 < at) at = at2;
    return tickCeil(at, this.tickNs);
  }

  tick(t: Thread, now: Nanos): boolean {
    this.updateCurr(now);
    if (this.heap.size === 0) return false;
    const ideal = this.slice(t, true);
    const ran = t.sumExec - t.prevSumExec;
    if (this.tickNs > 0 ? ran > ideal : ran >= ideal) return true;
    if (ran < this.p.minGranularity) return false;
    const left = this.heap.peek()!;
    const delta = t.vruntime - left.vruntime;
    return delta > ideal;
  }

  wakeupPreempt(curr: Thread, woken: Thread, now: Nanos): boolean {
    this.updateCurr(now);
    const vdiff = curr.vruntime - woken.vruntime;
    if (vdiff <= 0) return false;
    return vdiff > calcDeltaFair(this.p.wakeupGranularity, woken.weight);
  }

  snapshot(): Thread[] {
    return [...this.heap.a].sort((x, y) => (byVruntime(x, y) ? -1 : byVruntime(y, x) ? 1 : 0));
  }

  describe(): Record<string, number> {
    return { minVruntime: this.minVruntime };
  }
}

export function cfsDefaults(cpus: number): CfsParams {
  const f = linuxScaleFactor(cpus);
  return { latency: 6_000_000 * f, minGranularity: 750_000 * f, wakeupGranularity: 1_000_000 * f };
}

export const cfsPolicy: PolicyFactory = {
  name: 'cfs',
  description: 'Linux CFS (≤ 6.5): vruntime, target latency, minimum granularity, wake-up preemption',
  create(params: Record<string, unknown>, ctx: PolicyContext): Policy {
    const d = cfsDefaults(ctx.cpus);
    const p: CfsParams = {
      latency: (params.latency as number | undefined) ?? d.latency,
      minGranularity: (params.minGranularity as number | undefined) ?? d.minGranularity,
      wakeupGranularity: (params.wakeupGranularity as number | undefined) ?? d.wakeupGranularity,
    };
    return {
      name: 'cfs',
      summary: () => `cfs latency=${p.latency}ns minGranularity=${p.minGranularity}ns wakeupGranularity=${p.wakeupGranularity}ns`,
      createRunQueue: () => new CfsRunQueue(p, ctx.tickNs),
    };
  },
};

export { CfsRunQueue };
