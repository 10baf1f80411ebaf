/**
 * `pool:N`: a fixed pool of N OS threads taking tasks from one FIFO queue — the seed's
 * "magic number" of threads. A worker runs one task to completion; a blocking operation
 * (io, syscall, sleep, or parking on a channel/mutex/WaitGroup) blocks the worker with it.
 * An idle worker sleeps on the queue (a futex wait) and is woken when a task is submitted.
 * The workers exist at time 0; submitting a task costs its submitter nothing.
 *
 * Taking a task from the queue costs nothing either, so a worker can run many tasks that take
 * no time in one event (a batch of tasks that only synchronise, or a program that spawns
 * itself). Two bounds keep that finite, as a thread's creation and switch costs do under
 * `threads`: after TASKS_PER_EVENT tasks in one event the worker goes on in a new event at the
 * same instant (Kernel.continueNow: no cost, no switch), so the run's limits see the work; and
 * a worker that runs MAX_ZERO_TIME_TASKS tasks in a row without any taking time panics with
 * "no progress", as a task does after 1,000,000 zero-time operations (runner.ts).
 *
 * A pool can deadlock where threads would not: if every worker waits for a task that is still
 * in the queue, nothing can run. The run then ends with outcome `deadlock`.
 */
import type { Nanos } from '../engine/time.js';
import type { BandwidthGroup } from '../os/bandwidth.js';
import type { Kernel } from '../os/kernel.js';
import type { Thread, ThreadBody } from '../os/thread.js';
import type { Runner } from '../program/runner.js';
import { ProgramPanic } from '../program/sync.js';
import type { Task } from '../program/task.js';
import type { ExecModel } from './model.js';
import { runTaskOnThread } from './taskthread.js';

interface Worker {
  task: Task | null;
  id: number;
  thread: Thread;
  idle: boolean;
  tasksRun: number;
  /** Tasks run to their end in a row, since the worker last took time or waited. */
  zeroTimeRun: number;
}

/** Tasks a worker takes from the queue in one event before it goes on in a new event. */
export const TASKS_PER_EVENT = 64;
/** Tasks in a row without any taking time before a worker gives up (see runner.ts MAX_OPS_PER_STEP). */
export const MAX_ZERO_TIME_TASKS = 1_000_000;

export class PoolModel implements ExecModel, ThreadBody {
  readonly name: string;
  private readonly workers: Worker[] = [];
  private readonly queue: Task[] = [];
  private qhead = 0;
  private readonly idle: Worker[] = [];
  maxQueue = 0;

  constructor(
    private readonly kernel: Kernel,
    private readonly runner: Runner,
    readonly size: number,
    private readonly group: BandwidthGroup | null,
  ) {
    this.name = `pool:${size}`;
  }

  start(): void {
    for (let i = 0; i < this.size; i++) {
      const w: Worker = { id: i, thread: null as unknown as Thread, idle: false, tasksRun: 0, zeroTimeRun: 0, task: null };
      w.thread = this.kernel.spawn(`worker-${i}`, this, { group: this.group });
      w.thread.owner = w;
      this.workers.push(w);
    }
  }

  private get queued(): number {
    return this.queue.length - this.qhead;
  }

  submit(task: Task, parent: Task | null): Nanos {
    this.queue.push(task);
    if (this.queued > this.maxQueue) this.maxQueue = this.queued;
    const w = this.idle.pop();
    if (w !== undefined) {
      w.idle = false;
      const waker = parent !== null ? ((parent.exec as Worker | null)?.thread ?? null) : null;
      this.kernel.wake(w.thread, waker, 'task submitted to the pool');
    }
    return 0;
  }

  ready(task: Task, waker: Task | null): void {
    const w = task.exec as Worker;
    const wt = waker !== null ? ((waker.exec as Worker | null)?.thread ?? null) : null;
    this.kernel.wake(w.thread, wt, this.kernel.traceWhy ? `readied by ${waker !== null ? `task ${waker.id}` : 'timer'}` : '');
  }

  run(t: Thread): void {
    const w = t.owner as Worker;
    let taken = 0;
    for (;;) {
      if (w.task === null) {
        if (this.queued === 0) {
          w.zeroTimeRun = 0;
          w.idle = true;
          this.idle.push(w);
          this.kernel.block(t, 'pool: waiting for a task');
          return;
        }
        if (taken === TASKS_PER_EVENT) {
          this.kernel.continueNow(t);
          return;
        }
        const task = this.queue[this.qhead++]!;
        if (this.qhead > 1024 && this.qhead * 2 > this.queue.length) {
          this.queue.splice(0, this.qhead);
          this.qhead = 0;
        }
        task.exec = w;
        w.task = task;
        w.tasksRun++;
        taken++;
      }
      if (!runTaskOnThread(this.kernel, this.runner, t, w.task)) {
        w.zeroTimeRun = 0;
        return;
      }
      const done = w.task;
      w.task = null;
      if (this.runner.checkDone()) {
        this.kernel.block(t, 'pool: workload done');
        return;
      }
      if (++w.zeroTimeRun >= MAX_ZERO_TIME_TASKS) {
        throw new ProgramPanic(
          `no progress: pool worker ${w.id} ran ${MAX_ZERO_TIME_TASKS} tasks in a row without any taking time (tasks that only spawn more tasks?)`,
          done,
        );
      }
    }
  }

  describe(t: Thread): string {
    const w = t.owner as Worker;
    return w.task !== null ? `worker ${w.id} running task ${w.task.id} ${w.task.name}` : `worker ${w.id} idle`;
  }

  metrics(): Record<string, unknown> {
    return { workers: this.size, maxQueued: this.maxQueue, tasksPerWorker: this.workers.map((w) => w.tasksRun) };
  }

  whereIs(task: Task): string {
    const w = task.exec as Worker | null;
    if (w === null) return 'queued, waiting for a pool worker';
    return `on worker ${w.id} (thread ${w.thread.id} ${w.thread.state})`;
  }
}
