/**
 * The park/ready interface between the synchronisation primitives and an execution model.
 *
 * The primitives (channels, select, mutex, WaitGroup) are written once against this interface.
 * When an operation cannot complete, the primitive records the task on its wait queue and
 * returns false: the runner reports "park" and the model takes the task off its thread
 * (threads/pool: the OS thread blocks; go: gopark). When another task's operation lets it
 * continue, the primitive stores the result on the waiting task and calls `ready` — under go
 * that puts the G in runnext of the waker's P, under threads it wakes the OS thread.
 */
import type { Rng } from '../engine/rng.js';
import type { Nanos } from '../engine/time.js';
import type { Task } from './task.js';

export interface ReadyTarget {
  /**
   * A parked task may continue. `waker` is the task whose operation readied it (null for a
   * timer or device). `handoff` marks a direct handoff (a starving mutex passes ownership
   * and the unlocker yields, Go's semrelease with handoff=true).
   */
  ready(task: Task, waker: Task | null, handoff: boolean): void;
}

export interface SyncContext extends ReadyTarget {
  now(): Nanos;
  /** The task whose op is being executed (the waker of anything readied now). */
  readonly current: Task | null;
  /** Random stream for select's poll order. */
  readonly selectRng: Rng;
}

/** A Go-style runtime panic in a program (send on a closed channel, negative WaitGroup, …). */
export class ProgramPanic extends Error {
  constructor(
    message: string,
    readonly task: Task,
  ) {
    super(`panic: ${message} [task ${task.id} ${task.name}]`);
    this.name = 'ProgramPanic';
  }
}

/** A fatal runtime error that ends the run (Go's "fatal error: thread exhaustion"). */
export class FatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FatalError';
  }
}
