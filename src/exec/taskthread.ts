/**
 * Running a task on an OS thread: the part the `threads` and `pool` models share.
 *
 * Each blocking action first pays the system-call entry/exit cost on the CPU
 * (`costs.syscall`), then blocks the thread: `io` and `syscall` for their duration (a device,
 * no timer slack), `sleep` for its duration plus the timer slack (nanosleep). Parking on a
 * channel, mutex or WaitGroup blocks the thread (a futex wait); being readied wakes it.
 */
import type { Nanos } from '../engine/time.js';
import type { Kernel } from '../os/kernel.js';
import type { Thread } from '../os/thread.js';
import { Action, type Runner } from '../program/runner.js';
import type { Task } from '../program/task.js';

export const PEND_NONE = 0;
export const PEND_IO = 1;
export const PEND_SYSCALL = 2;
export const PEND_SLEEP = 3;

/** Per-thread state of a task-running thread. */
export interface TaskSlot {
  task: Task | null;
  pending: number;
  pendingNs: Nanos;
}

/**
 * Advances `slot.task` on thread `t`. Returns true if the task exited (the caller decides what
 * the thread does next); otherwise the thread has been given its next action.
 */
export function runTaskOnThread(kernel: Kernel, runner: Runner, t: Thread, slot: TaskSlot): boolean {
  if (slot.pending !== PEND_NONE) {
    blockNow(kernel, t, slot);
    return false;
  }
  const task = slot.task!;
  const a = runner.step(task);
  switch (a) {
    case Action.Compute:
      kernel.compute(t, task.ns);
      return false;
    case Action.Io:
      return blockingCall(kernel, t, slot, PEND_IO, task.ns);
    case Action.Syscall:
      return blockingCall(kernel, t, slot, PEND_SYSCALL, task.ns);
    case Action.Sleep:
      return blockingCall(kernel, t, slot, PEND_SLEEP, task.ns);
    case Action.Yield:
      kernel.yield(t);
      return false;
    case Action.Park:
      kernel.block(t, task.waitReason);
      return false;
    case Action.Exit:
      return true;
  }
}

function blockingCall(kernel: Kernel, t: Thread, slot: TaskSlot, pend: number, ns: Nanos): boolean {
  slot.pending = pend;
  slot.pendingNs = ns;
  const entry = kernel.costs.syscall;
  if (entry > 0) kernel.compute(t, entry);
  else blockNow(kernel, t, slot);
  return false;
}

/** The system call has been entered: block for its duration. */
function blockNow(kernel: Kernel, t: Thread, slot: TaskSlot): void {
  const pend = slot.pending;
  slot.pending = PEND_NONE;
  if (pend === PEND_SLEEP) kernel.sleep(t, slot.pendingNs, 'sleep', true);
  else kernel.sleep(t, slot.pendingNs, pend === PEND_IO ? 'IO wait' : 'syscall', false);
}
