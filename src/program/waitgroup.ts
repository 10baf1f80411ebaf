/**
 * sync.WaitGroup (sync/waitgroup.go): a counter and waiters. Wait returns at once when the
 * counter is 0, else parks. An Add that brings the counter to 0 readies every waiter, one
 * semrelease each, in the order they started waiting (under go each lands in the releaser's
 * runnext, pushing the previous one to the run-queue tail). A negative counter panics.
 */
import { ProgramPanic, type SyncContext } from './sync.js';
import type { Task } from './task.js';

export class WaitGroup {
  counter = 0;
  readonly waiters: Task[] = [];
  constructor(readonly name: string) {}
}

export function wgAdd(ctx: SyncContext, task: Task, wg: WaitGroup, n: number): void {
  wg.counter += n;
  if (wg.counter < 0) throw new ProgramPanic(`sync: negative WaitGroup counter (${wg.name})`, task);
  if (wg.counter > 0 || wg.waiters.length === 0) return;
  const ws = wg.waiters.splice(0);
  for (const w of ws) {
    w.result = undefined;
    ctx.ready(w, task, false);
  }
}

/** Returns true if the counter is 0 (no wait), false if the task must park. */
export function wgWait(_ctx: SyncContext, task: Task, wg: WaitGroup): boolean {
  if (wg.counter === 0) return true;
  wg.waiters.push(task);
  task.waitReason = 'sync.WaitGroup.Wait';
  task.waitOn = wg.name;
  return false;
}
