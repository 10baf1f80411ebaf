/**
 * A mutex with Go's sync.Mutex algorithm (internal/sync/mutex.go, runtime/sema.go), usable by
 * every execution model:
 *
 * - Lock: free and not starving → acquired. Otherwise the task queues (at the tail the first
 *   time, at the head if it has waited before — semacquire's lifo) and parks.
 * - Unlock, normal mode: if nobody is already woken, the first waiter is readied and must
 *   compete for the lock again when it runs; a task arriving meanwhile can barge in and win.
 * - Starvation mode: a waiter that waited more than `starvationNs` (1 ms) switches the mutex
 *   to starvation mode; Unlock then hands ownership directly to the first waiter (handoff),
 *   and the unlocker yields (Go's goyield). The mode ends when the new owner waited less than
 *   1 ms or was the last waiter.
 *
 * `starvation: false` gives a plain futex/pthread-style mutex (normal mode only).
 *
 * SIM: no active spinning (Go spins ≤ 4 × procyield(30) before parking, ~1 µs).
 */
import { ProgramPanic, type SyncContext } from './sync.js';
import type { Task } from './task.js';

export const STARVATION_THRESHOLD_NS = 1_000_000;

export class Mutex {
  locked = false;
  owner: Task | null = null;
  woken = false;
  starving = false;
  readonly waiters: Task[] = [];
  acquisitions = 0;
  contended = 0;
  handoffs = 0;
  constructor(
    readonly name: string,
    readonly starvation = true,
    readonly starvationNs = STARVATION_THRESHOLD_NS,
  ) {}
}

/** Returns true if the task now holds the mutex, false if it must park. */
export function mutexLock(ctx: SyncContext, task: Task, mu: Mutex): boolean {
  const now = ctx.now();
  const retry = task.retryLock;
  task.retryLock = false;
  if (retry) mu.woken = false;
  if (!mu.locked && !mu.starving) {
    mu.locked = true;
    mu.owner = task;
    mu.acquisitions++;
    if (task.lockWaitStart >= 0) {
      // A woken waiter won the race in normal mode.
      task.lockWaitStart = -1;
    }
    return true;
  }
  // Must wait.
  if (task.lockWaitStart < 0) {
    task.lockWaitStart = now;
    mu.contended++;
    mu.waiters.push(task);
  } else {
    // Waited before: queue at the head (semacquire lifo); check for starvation.
    if (mu.starvation && now - task.lockWaitStart > mu.starvationNs && mu.locked) mu.starving = true;
    mu.waiters.unshift(task);
  }
  task.waitReason = 'sync.Mutex.Lock';
  task.waitOn = mu.name;
  return false;
}

/** Unlocks; readies a waiter as the mode says. */
export function mutexUnlock(ctx: SyncContext, task: Task, mu: Mutex): void {
  if (!mu.locked) throw new ProgramPanic(`sync: unlock of unlocked mutex ${mu.name}`, task);
  mu.locked = false;
  mu.owner = null;
  if (mu.waiters.length === 0) {
    mu.starving = false;
    return;
  }
  if (mu.starving) {
    // Direct handoff: the first waiter owns the mutex when it runs.
    const w = mu.waiters.shift()!;
    const waited = ctx.now() - w.lockWaitStart;
    w.lockWaitStart = -1;
    mu.locked = true;
    mu.owner = w;
    mu.acquisitions++;
    mu.handoffs++;
    if (waited < mu.starvationNs || mu.waiters.length === 0) mu.starving = false;
    w.result = undefined;
    ctx.ready(w, task, true);
    return;
  }
  if (mu.woken) return; // someone is already on its way to compete
  const w = mu.waiters.shift()!;
  mu.woken = true;
  w.retryLock = true;
  ctx.ready(w, task, false);
}
