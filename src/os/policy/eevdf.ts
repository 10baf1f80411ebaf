/**
 * `eevdf` — Linux's Earliest Eligible Virtual Deadline First fair scheduler (kernel 6.6+,
 * kernel/sched/fair.c), for SCHED_NORMAL threads without group scheduling.
 *
 * Modelled, with the kernel function each rule comes from:
 * - vruntime advances by delta·1024/weight (update_curr / calc_delta_fair).
 * - avg_vruntime V = Σ w_i·v_i / Σ w_i over the queued threads and curr (avg_vruntime); kept
 *   as Σ w_i·(v_i − base) against a base, as the kernel keeps it against min_vruntime.
 * - eligible: v_i ≤ V (entity_eligible, exact in rationals: Σw·(v_i−base) ≤ Σ w_j(v_j−base)).
 * - pick: among eligible threads (curr included), the earliest virtual deadline, a queued
 *   thread winning a tie with curr (pick_eevdf); with RUN_TO_PARITY curr keeps the CPU while
 *   it is eligible and has not reached its deadline since it was picked.
 * - deadline: vruntime + base_slice·1024/weight; when curr reaches it, a new deadline is set
 *   and, if anyone else is queued, curr is preempted (update_deadline). That is the only
 *   preemption at a tick: since EEVDF (6.6) entity_tick no longer runs check_preempt_tick, so
 *   a curr that falls behind its deadline-less rivals but is not yet at its deadline runs on
 *   until its deadline or a wake-up preemption.
 * - lag: on sleep, vlag = V − v clamped to ±max(2·slice, tick) (update_entity_lag); on wake,
 *   v = V − vlag·(W + w)/W (place_entity with PLACE_LAG), deadline = v + vslice, and half a
 *   vslice for a new thread (PLACE_DEADLINE_INITIAL).
 * - wake-up preemption: the woken thread preempts if pick_eevdf would now choose it
 *   (check_preempt_wakeup_fair).
 * - yield: the deadline moves one vslice later (yield_task_fair).
 *
 * SIM: no PELT, no group entities, no per-task custom slices (sched_attr.sched_runtime), and
 * RUN_TO_PARITY as in 6.6 (later kernels shorten its protection).
 *
 * Default base slice: 0.75 ms × (1 + ilog2(min(cpus, 8))), as Linux scales it.
 */
import type { Nanos } from '../../engine/time.js';
import { ThreadHeap } from '../queues.js';
import type { Thread } from '../thread.js';
import type { EnqueueKind, Policy, PolicyContext, PolicyFactory, PutPrevKind, RunQueue } from './types.js';
import { calcDeltaFair, linuxScaleFactor, tickCeil } from './types.js';

export interface EevdfParams {
  baseSlice: Nanos;
  runToParity: boolean;
}

const byDeadline = (x: Thread, y: Thread): boolean => x.deadline < y.deadline || (x.deadline === y.deadline && x.qseq < y.qseq);

class EevdfRunQueue implements RunQueue {
  readonly heap = new ThreadHeap(byDeadline);
  /** Reference point for keys; moved towards V from time to time to keep numbers small. */
  base = 0;
  /** Σ w·(v − base) and Σ w over queued threads (curr excluded). */
  private sumKW = 0;
  private sumW = 0;
  private curr: Thread | null = null;
  /** RUN_TO_PARITY: curr's deadline when it was picked (protection holds while unchanged). */
  private protectedDeadline = NaN;
  private seq = 0;
  private readonly tickLimit: Nanos;

  constructor(
    private readonly p: EevdfParams,
    private readonly tickNs: Nanos,
  ) {
    this.tickLimit = tickNs > 0 ? tickNs : 1_000_000;
  }

  get nr(): number {
    return this.heap.size;
  }

  /** V, the weighted average vruntime (avg_vruntime; floor division like the kernel). */
  avgVruntime(): number {
    let avg = this.sumKW;
    let load = this.sumW;
    const c = this.curr;
    if (c !== null) {
      avg += (c.vruntime - this.base) * c.weight;
      load += c.weight;
    }
    if (load === 0) return this.base;
    return this.base + Math.floor(avg / load);
  }

  /** entity_eligible: (v − base)·load ≤ Σ w(v_j − base). */
  eligible(t: Thread): boolean {
    let avg = this.sumKW;
    let load = this.sumW;
    const c = this.curr;
    if (c !== null) {
      avg += (c.vruntime - this.base) * c.weight;
      load += c.weight;
    }
    return (t.vruntime - this.base) * load <= avg;
  }

  private add(t: Thread): void {
    this.sumKW += (t.vruntime - this.base) * t.weight;
    this.sumW += t.weight;
  }

  private sub(t: Thread): void {
    this.sumKW -= (t.vruntime - this.base) * t.weight;
    this.sumW -= t.weight;
  }

  /** Moves the key base to the current average (exact: keys shift by the same amount). */
  private rebase(): void {
    const v = this.avgVruntime();
    const d = v - this.base;
    if (d === 0) return;
    this.sumKW -= d * this.sumW;
    this.base = v;
  }

  private updateCurr(now: Nanos): void {
    const c = this.curr;
    if (c === null) return;
    const delta = now - c.execStart;
    if (delta <= 0) return;
    c.sumExec += delta;
    c.execStart = now;
    c.vruntime += calcDeltaFair(delta, c.weight);
    if (Math.abs(c.vruntime - this.base) > 1e12) this.rebase();
  }

  private vslice(t: Thread): number {
    return calcDeltaFair(this.p.baseSlice, t.weight);
  }

  enqueue(t: Thread, kind: EnqueueKind, now: Nanos): void {
    this.updateCurr(now);
    if (kind !== 'preempted' && kind !== 'yield') {
      // place_entity: preserve lag relative to the average.
      const V = this.avgVruntime();
      let lag = 0;
      const load = this.sumW + (this.curr !== null ? this.curr.weight : 0);
      if (load > 0 && kind !== 'new') lag = Math.trunc((t.vlag * (load + t.weight)) / load);
      t.vruntime = V - lag;
      t.slice = this.p.baseSlice;
      const vs = this.vslice(t);
      t.deadline = t.vruntime + (kind === 'new' ? Math.trunc(vs / 2) : vs);
    }
    t.qseq = this.seq++;
    this.heap.push(t);
    this.add(t);
  }

  dequeue(t: Thread, now: Nanos): void {
    this.updateCurr(now);
    // dequeue_entity: the lag is taken while V still counts the thread (update_entity_lag
    // before __dequeue_entity).
    this.saveLag(t);
    this.heap.remove(t);
    this.sub(t);
  }

  /** update_entity_lag: vlag = V − v, clamped. */
  private saveLag(t: Thread): void {
    const V = this.avgVruntime();
    const limit = calcDeltaFair(Math.max(2 * this.p.baseSlice, this.tickLimit), t.weight);
    t.vlag = Math.max(-limit, Math.min(limit, V - t.vruntime));
  }

  /** pick_eevdf over the queue plus curr (when curr is still runnable and given). */
  private pickEevdf(curr: Thread | null): Thread | null {
    let best: Thread | null = curr !== null && this.eligible(curr) ? curr : null;
    if (best !== null && this.p.runToParity && curr!.deadline === this.protectedDeadline) return curr;
    // Earliest deadline among eligible queued threads: pop until one is eligible.
    const heap = this.heap;
    let stash: Thread[] | null = null;
    let found: Thread | null = null;
    while (heap.size > 0) {
      const t = heap.peek()!;
      if (this.eligible(t)) {
        found = t;
        break;
      }
      heap.pop();
      (stash ??= []).push(t);
    }
    if (stash !== null) for (const t of stash) heap.push(t);
    // deadline_gt(best, curr): curr wins only with a strictly earlier deadline.
    if (found !== null && (best === null || found.deadline <= best.deadline)) best = found;
    if (best === null) {
      // Nothing eligible can only happen through rounding: take the earliest deadline.
      best = heap.peek() ?? curr;
    }
    return best;
  }

  pickNext(now: Nanos): Thread | null {
    this.updateCurr(now);
    if (this.heap.size === 0) return null;
    const t = this.pickEevdf(null)!;
    // The kernel also takes threads to migrate through pickNext (idle pull, periodic balance):
    // record the lag such a thread carries to its new queue (update_entity_lag at dequeue).
    // For a thread that runs here instead it is harmless: it becomes curr, and its lag is
    // taken again whenever it leaves the queue.
    this.saveLag(t);
    this.heap.remove(t);
    this.sub(t);
    return t;
  }

  setCurr(t: Thread, now: Nanos): void {
    this.curr = t;
    t.execStart = now;
    t.prevSumExec = t.sumExec;
    this.protectedDeadline = t.deadline;
  }

  putPrev(t: Thread, now: Nanos, kind: PutPrevKind): void {
    this.updateCurr(now);
    if (kind === 'yield') t.deadline += this.vslice(t);
    // dequeue_entity of a sleeper: remember its lag against V while V still counts it.
    if (kind === 'sleep' || kind === 'exit' || kind === 'throttled') this.saveLag(t);
    this.curr = null;
  }

  /** update_deadline: true if curr reached its deadline (and got a new one). */
  private updateDeadline(t: Thread): boolean {
    if (t.vruntime < t.deadline) return false;
    t.slice = this.p.baseSlice;
    t.deadline = t.vruntime + this.vslice(t);
    return true;
  }

  nextCheck(t: Thread, now: Nanos): Nanos {
    this.updateCurr(now);
    // The deadline is reached after (deadline − v)·w/1024 more ns of running.
    const needV = t.deadline - t.vruntime;
    const needNs = needV <= 0 ? 0 : Math.ceil((needV * t.weight) / 1024);
    return tickCeil(now + needNs, this.tickNs);
  }

  tick(t: Thread, now: Nanos): boolean {
    this.updateCurr(now);
    // entity_tick → update_curr → update_deadline: preempt only at the deadline.
    return this.updateDeadline(t) && this.heap.size > 0;
  }

  wakeupPreempt(curr: Thread, woken: Thread, now: Nanos): boolean {
    this.updateCurr(now);
    if (this.updateDeadline(curr)) return true;
    return this.pickEevdf(curr) === woken;
  }

  snapshot(): Thread[] {
    return [...this.heap.a].sort((x, y) => (byDeadline(x, y) ? -1 : byDeadline(y, x) ? 1 : 0));
  }

  describe(): Record<string, number> {
    return { avgVruntime: this.avgVruntime() };
  }
}

export function eevdfDefaults(cpus: number): EevdfParams {
  return { baseSlice: 750_000 * linuxScaleFactor(cpus), runToParity: true };
}

export const eevdfPolicy: PolicyFactory = {
  name: 'eevdf',
  description: 'Linux EEVDF (6.6+): lag, eligibility, virtual deadlines, base slice',
  create(params: Record<string, unknown>, ctx: PolicyContext): Policy {
    const d = eevdfDefaults(ctx.cpus);
    const p: EevdfParams = {
      baseSlice: (params.baseSlice as number | undefined) ?? d.baseSlice,
      runToParity: (params.runToParity as boolean | undefined) ?? d.runToParity,
    };
    return {
      name: 'eevdf',
      summary: () => `eevdf baseSlice=${p.baseSlice}ns runToParity=${p.runToParity}`,
      createRunQueue: () => new EevdfRunQueue(p, ctx.tickNs),
    };
  },
};

export { EevdfRunQueue };
