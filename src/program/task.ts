/**
 * A task: one running instance of a program (a thread's work under `threads`, a queued job
 * under `pool`, a goroutine under `go`). The execution model keeps its own data in `exec`.
 */
import { hash32, Rng } from '../engine/rng.js';
import type { Nanos } from '../engine/time.js';
import type { Program, ProgramInstance, TaskInfo } from './program.js';
import type { SelectWait } from './chan.js';

export class Task implements TaskInfo {
  inst: ProgramInstance | null = null;
  /** Result handed to the program at its next step. */
  result: unknown = undefined;
  /** Duration of the action the runner just returned (compute/io/syscall/sleep), in ns. */
  ns: Nanos = 0;
  /** What the task waits for while parked ("chan receive", "sync.Mutex.Lock", …). */
  waitReason = '';
  /** The object it waits on (for deadlock reports), if any. */
  waitOn = '';
  /** Mutex wake in normal mode: the task must compete for the lock again when it runs. */
  retryLock = false;
  /** When the task first started waiting for the mutex it wants (-1: not waiting). */
  lockWaitStart: Nanos = -1;
  sel: SelectWait | null = null;
  /** Set by the model (a mutex handoff): stop after the current op and yield. */
  yieldNow = false;
  startedAt: Nanos = -1;
  endedAt: Nanos = -1;
  children = 0;
  /** Execution-model data (the OS thread, or the Go G). */
  exec: unknown = null;
  private rngInst: Rng | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    /** Stable spawn path ("batch0.17", "batch0.17/3"): seeds the task's random stream. */
    readonly path: string,
    readonly program: Program,
    readonly parent: Task | null,
    readonly createdAt: Nanos,
    private readonly runSeed: number,
  ) {}

  get done(): boolean {
    return this.endedAt >= 0;
  }

  /** The task's own random stream (durations), independent of the execution model. */
  rng = (): Rng => (this.rngInst ??= new Rng(hash32(this.path, this.runSeed)));
}
