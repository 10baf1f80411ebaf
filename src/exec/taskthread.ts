/**
 * Running a task on an OS thread: the part the `threads` and `pool` models share.
 *
 * Each blocking action first pays the system-call entry/exit cost on the CPU
 * (`costs.syscall`), then blocks the thread: `io` and `syscall` for their duration (a device,
 * no timer slack), `sleep` for its duration plus the timer slack (nanosleep). Parking on a
 * channel, mutex or WaitGroup blocks the thread (a futex wait); being readied wakes it.
 */
import type { Kernel } from '../os/kernel.js';
import type { Thread } from '../os/thread.js';
import { Action, type Runner } from '../program/runner.js';
import type { Task } from '../program/task.js';

export const PEND_NONE = 0;
export const PEND_IO = 1;
export const PEND_SYSCALL = 2;
export const PEND_SLEEP = 3;
/** `threads`: the new thread first pays its creation cost (`task.ns`) on its own CPU. */
export const PEND_START = 4;

/**
 * Advances `task` on thread `t`. Returns true if the task exited (the caller decides what the
 * thread does next); otherwise the thread has been given its next action.
 *
 * What the thread is in the middle of lives on the task (`task.osPending`, with the duration
 * in `task.ns`), not in a per-thread record: one object fewer to load per dispatch.
 */
export function runTaskOnThread(kernel: Kernel, runner: Runner, t: Thread, task: Task): boolean {
  if (task.osPending !== PEND_NONE) {
    blockNow(kernel, t, task);
    return false;
  }
  const a = runner.step(task);
  switch (a) {
    case Action.Compute:
      kernel.compute(t, task.ns);
      return false;
    case Action.Io:
      return blockingCall(kernel, t, task, PEND_IO);
    case Action.Syscall:
      return blockingCall(kernel, t, task, PEND_SYSCALL);
    case Action.Sleep:
      return blockingCall(kernel, t, task, PEND_SLEEP);
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

/** Enters a blocking system call of `task.ns`: first its entry cost on the CPU. */
function blockingCall(kernel: Kernel, t: Thread, task: Task, pend: number): boolean {
  task.osPending = pend;
  const entry = kernel.costs.syscall;
  if (entry > 0) kernel.compute(t, entry);
  else blockNow(kernel, t, task);
  return false;
}

/** The system call has been entered: block for its duration (or, PEND_START, pay the creation cost). */
function blockNow(kernel: Kernel, t: Thread, task: Task): void {
  const pend = task.osPending;
  task.osPending = PEND_NONE;
  if (pend === PEND_START) kernel.compute(t, task.ns);
  else if (pend === PEND_SLEEP) kernel.sleep(t, task.ns, 'sleep', true);
  else kernel.sleep(t, task.ns, pend === PEND_IO ? 'IO wait' : 'syscall', false);
}
