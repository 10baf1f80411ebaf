/**
 * `threads`: thread-per-task. Every task is its own OS thread. A task spawned by another costs
 * its creator `costs.threadCreate` of CPU (clone and set-up); a task arriving from outside
 * pays that cost on its own new thread before its first op (SIM: no acceptor thread is
 * modelled); the initial batch exists at time 0 for free.
 */
import type { Nanos } from '../engine/time.js';
import type { BandwidthGroup } from '../os/bandwidth.js';
import type { Kernel } from '../os/kernel.js';
import type { Thread, ThreadBody } from '../os/thread.js';
import type { Runner } from '../program/runner.js';
import type { Task } from '../program/task.js';
import type { ExecModel } from './model.js';
import { PEND_START, runTaskOnThread } from './taskthread.js';

export class ThreadsModel implements ExecModel, ThreadBody {
  readonly name = 'threads';
  /**
   * Tasks submitted before this is set are the initial batch (they exist at time 0 for
   * free); it is set once the simulation has submitted them (afterStart), not at start(),
   * which runs before the batch is submitted.
   */
  started = false;
  /** Nice value of the threads of tasks submitted from outside (background threads set it). */
  nice = 0;

  constructor(
    private readonly kernel: Kernel,
    private readonly runner: Runner,
    private readonly group: BandwidthGroup | null,
  ) {}

  start(): void {}

  afterStart(): void {
    this.started = true;
  }

  submit(task: Task, parent: Task | null): Nanos {
    const creator = parent !== null ? (parent.exec as Thread) : null;
    if (parent === null && this.started && this.kernel.costs.threadCreate > 0) {
      task.osPending = PEND_START;
      task.ns = this.kernel.costs.threadCreate;
    }
    // A spawned thread inherits its creator's nice value, as on Linux.
    const nice = creator !== null ? creator.nice : this.nice;
    const t = this.kernel.spawn(`${task.name}#${task.id}`, this, { creator, group: this.group, nice });
    t.owner = task;
    task.exec = t;
    return parent !== null ? this.kernel.costs.threadCreate : 0;
  }

  ready(task: Task, waker: Task | null): void {
    const why = this.kernel.traceWhy ? `readied by ${waker !== null ? `task ${waker.id}` : 'timer'}` : '';
    this.kernel.wake(task.exec as Thread, waker !== null ? (waker.exec as Thread) : null, why);
  }

  run(t: Thread): void {
    if (runTaskOnThread(this.kernel, this.runner, t, t.owner as Task)) {
      this.kernel.exit(t);
      this.runner.checkDone();
    }
  }

  describe(t: Thread): string {
    const task = t.owner as Task;
    return task.done ? 'exited' : `task ${task.id} ${task.name}`;
  }

  metrics(): null {
    return null;
  }

  whereIs(task: Task): string {
    const t = task.exec as Thread | null;
    if (t === null) return 'not started';
    return `thread ${t.id} ${t.state}${t.state === 'waiting' ? ` (${t.waitReason})` : ''}`;
  }
}
