/**
 * A task: one running instance of a program (a thread's work under `threads`, a queued job
 * under `pool`, a goroutine under `go`). The execution model keeps its own data in `exec`.
 */
import { hash32, RandomStream } from '../engine/rng.js';
import type { Nanos } from '../engine/time.js';
import type { Samples } from '../metrics/stats.js';
import { listNext, type ListOp, type ListState, type Program, type ProgramInstance, type TaskInfo } from './program.js';
import type { SelectWait } from './chan.js';
import type { Op } from './ops.js';

const NO_OPS: ListOp[] = [];

/** Mixes a parent's stream key with a child index (deterministic, 32-bit). */
export function mixKey(parent: number, index: number): number {
  let h = (parent ^ Math.imul(index + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Created and completed tasks of one workload source or one spawned name, and their latencies. */
export interface TaskStat {
  created: number;
  completed: number;
  latency: Samples;
}

/**
 * A task is its own random stream (it extends RandomStream, seeded from `key`), so a duration
 * draw touches no other object.
 */
export class Task extends RandomStream implements TaskInfo, ListState, ProgramInstance {
  // Fields in order of use by a step (after RandomStream's state, which comes first).
  /**
   * Models that run tasks on OS threads (threads, pool): the system call the task's thread is
   * in the middle of (exec/taskthread.ts PEND_*; 0: none).
   */
  osPending = 0;
  inst: ProgramInstance | null = null;
  /** Result handed to the program at its next step. */
  result: unknown = undefined;
  /** Mutex wake in normal mode: the task must compete for the lock again when it runs. */
  retryLock = false;
  // ---- list programs (fromOps): the task is its own interpreter (see listNext) ----
  lops: ListOp[] = NO_OPS;
  li = 0;
  lleft = 0;
  lstack: ListState['lstack'] = null;
  /** Duration of the action the runner just returned (compute/io/syscall/sleep), in ns. */
  ns: Nanos = 0;
  /** CPU time owed for sync ops that completed without parking (paid with the next CPU work). */
  cpuDebt = 0;
  /** Set by the model (a mutex handoff): stop after the current op and yield. */
  yieldNow = false;
  /** What the task waits for while parked ("chan receive", "sync.Mutex.Lock", …). */
  waitReason = '';
  /** Execution-model data (the OS thread, or the Go G). */
  exec: unknown = null;
  /** The object it waits on (for deadlock reports), if any. */
  waitOn = '';
  /** When the task first started waiting for the mutex it wants (-1: not waiting). */
  lockWaitStart: Nanos = -1;
  sel: SelectWait | null = null;
  /** The program has finished. */
  done = false;
  /**
   * Seed of the task's random stream, derived from its spawn path and the run's seed (kept as
   * a signed 32-bit value: a small integer in the object rather than a heap box).
   */
  readonly key: number;
  children = 0;
  /** The counts its end adds to: its workload source's, or (spawned) its name's. */
  stat: TaskStat | null = null;
  /** Links in the runner's list of live tasks. */
  prevLive: Task | null = null;
  nextLive: Task | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly program: Program,
    readonly parent: Task | null,
    readonly createdAt: Nanos,
    /** Index among its parent's children, or within its workload source for a root task. */
    readonly index: number,
    /** For a root task: its source's label ("request0"); null for a spawned task. */
    readonly label: string | null,
    key: number,
  ) {
    super(key);
    this.key = key | 0;
  }

  /** Starts running op list `ops` (fromOps); the task is then its own ProgramInstance. */
  startList(ops: ListOp[]): ProgramInstance {
    this.lops = ops;
    this.li = 0;
    this.lleft = 1;
    this.lstack = null;
    return this;
  }

  /** The next op of its list program (only when started by startList). */
  next(): Op | null {
    return listNext(this);
  }

  /** Stable spawn path ("request0.17", "request0.17/3"), the same under every model. */
  get path(): string {
    return this.parent !== null ? `${this.parent.path}/${this.index}` : `${this.label}.${this.index}`;
  }

  /** The task's own random stream (durations), independent of the execution model. */
  rng(): RandomStream {
    return this;
  }
}

/** Stream key of a root task: a hash of its path and the run's seed. */
export function rootKey(label: string, index: number, runSeed: number): number {
  return hash32(`${label}.${index}`, runSeed);
}
