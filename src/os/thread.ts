/**
 * OS threads. A thread is in exactly one of the seed's states — Running (on a hardware thread),
 * Runnable (ready, waiting for a hardware thread), Waiting (blocked on something else) — or
 * Exited. Every change of state goes through `Kernel.setState`, which keeps the per-state time
 * accounts and emits the trace event.
 *
 * What a thread does is decided by its `body`, supplied by whoever created it (an execution
 * model, or a Go M). The kernel calls `body.run(t)` whenever the thread is on a CPU and has
 * nothing left to do; the body answers by calling exactly one of the kernel's `compute`,
 * `block`, `sleep`, `yield` or `exit` for that thread.
 */
import type { SimEvent } from '../engine/event-queue.js';
import type { Nanos } from '../engine/time.js';
import type { Cpu } from './cpu.js';
import type { BandwidthGroup } from './bandwidth.js';

export type ThreadState = 'running' | 'runnable' | 'waiting' | 'exited';

export interface ThreadBody {
  run(t: Thread): void;
  /** Optional: a human label for what the thread is doing now (traces, explain). */
  describe?(t: Thread): string;
}

/**
 * Where a thread's time fields live. Times and accumulated nanoseconds pass 2^31 early in a
 * run, and V8 keeps such numbers in object fields as separate heap boxes: with thousands of
 * threads every access would load another cold object. So each thread's numbers sit together
 * in a slice of a shared Float64Array chunk (one or two cache lines per thread), read and
 * written through the accessors on Thread.
 */
export class ThreadNumbers {
  private chunk = new Float64Array(0);
  private used = 0;

  /** A new zeroed record: [chunk, offset]. */
  take(): [Float64Array, number] {
    if (this.used === this.chunk.length) {
      this.chunk = new Float64Array(CHUNK_THREADS * STRIDE);
      this.used = 0;
    }
    const o = this.used;
    this.used += STRIDE;
    return [this.chunk, o];
  }
}

const F_SINCE = 0;
const F_BURST_START = 1;
const F_RUNNING = 2;
const F_RUNNABLE = 3;
const F_WAITING = 4;
const F_SUM_EXEC = 5;
const F_EXEC_START = 6;
const F_PREV_SUM_EXEC = 7;
const F_VRUNTIME = 8;
const F_DEADLINE = 9;
const F_VLAG = 10;
const F_BURST = 11;
const F_CREATED = 12;
const F_EXITED = 13;
/** Doubles per thread: 16 (128 bytes, two cache lines; the first holds the rr hot path's). */
const STRIDE = 16;
const CHUNK_THREADS = 256;

export class Thread {
  // Fields in order of use on the dispatch path (V8 lays them out in this order).
  /** This thread's record in a ThreadNumbers chunk: f[o + F_…]. */
  private readonly f: Float64Array;
  private readonly o: number;
  state: ThreadState = 'runnable';
  body: ThreadBody;
  group: BandwidthGroup | null;
  /** Owner's data (for example the task or Go M this thread runs). */
  owner: unknown = null;
  /** CPU this thread is on while Running (including its switch-in), else null. */
  cpu: Cpu | null = null;
  /** CPU whose run queue holds this thread while Runnable, else -1. */
  rqCpu = -1;
  /** CPU it last ran on (-1: never ran). */
  lastCpu = -1;
  /** Position in a policy's heap, or in a ring queue (policy-defined). */
  qpos = -1;
  /** Insertion sequence in the policy queue (FIFO tie-break). */
  qseq = 0;
  /** For RR: remaining quantum carried across preemptions by higher work (unused by FIFO). */
  timeSliceLeft: Nanos = 0;
  /** Set while the thread is throttled by its bandwidth group (it stays Runnable). */
  throttled = false;
  /** An interrupt (signal) arrived while the thread was not computing on a CPU. */
  interruptPending = false;
  /** Voluntary context switches (the thread blocked). */
  nvcsw = 0;
  /** Involuntary context switches (the thread was preempted or yielded). */
  nivcsw = 0;
  /** Why it is Waiting (for traces and deadlock reports). */
  waitReason = '';
  /** Wake-up timer for sleeps and timed blocks (allocated on first use). */
  timer: SimEvent | null = null;

  // ---- scheduling-class state (used by the policy objects) ----
  nice = 0;
  weight = 1024;
  /** EEVDF request size / CFS last computed slice. */
  slice = 0;
  /** CFS: vruntime is relative to no queue (detached for migration). */
  vrel = false;
  readonly id: number;
  name: string;

  constructor(id: number, name: string, body: ThreadBody, group: BandwidthGroup | null, numbers?: ThreadNumbers) {
    const [f, o] = numbers !== undefined ? numbers.take() : [new Float64Array(STRIDE), 0];
    this.f = f;
    this.o = o;
    this.body = body;
    this.group = group;
    this.id = id;
    this.name = name;
    this.exitedAt = -1;
  }

  /** Remaining CPU work of the current compute burst (0: none). */
  get burst(): Nanos {
    return this.f[this.o + F_BURST]!;
  }
  set burst(v: Nanos) {
    this.f[this.o + F_BURST] = v;
  }
  /** When the current burst last started progressing on a CPU. */
  get burstStart(): Nanos {
    return this.f[this.o + F_BURST_START]!;
  }
  set burstStart(v: Nanos) {
    this.f[this.o + F_BURST_START] = v;
  }
  /** When the thread entered its current state. */
  get since(): Nanos {
    return this.f[this.o + F_SINCE]!;
  }
  set since(v: Nanos) {
    this.f[this.o + F_SINCE] = v;
  }
  get runningNs(): Nanos {
    return this.f[this.o + F_RUNNING]!;
  }
  set runningNs(v: Nanos) {
    this.f[this.o + F_RUNNING] = v;
  }
  get runnableNs(): Nanos {
    return this.f[this.o + F_RUNNABLE]!;
  }
  set runnableNs(v: Nanos) {
    this.f[this.o + F_RUNNABLE] = v;
  }
  get waitingNs(): Nanos {
    return this.f[this.o + F_WAITING]!;
  }
  set waitingNs(v: Nanos) {
    this.f[this.o + F_WAITING] = v;
  }
  /** Total CPU time received (ns). */
  get sumExec(): Nanos {
    return this.f[this.o + F_SUM_EXEC]!;
  }
  set sumExec(v: Nanos) {
    this.f[this.o + F_SUM_EXEC] = v;
  }
  /** When the thread was last put on a CPU (its current slice began). */
  get execStart(): Nanos {
    return this.f[this.o + F_EXEC_START]!;
  }
  set execStart(v: Nanos) {
    this.f[this.o + F_EXEC_START] = v;
  }
  /** sumExec when the current slice began. */
  get prevSumExec(): Nanos {
    return this.f[this.o + F_PREV_SUM_EXEC]!;
  }
  set prevSumExec(v: Nanos) {
    this.f[this.o + F_PREV_SUM_EXEC] = v;
  }
  get vruntime(): number {
    return this.f[this.o + F_VRUNTIME]!;
  }
  set vruntime(v: number) {
    this.f[this.o + F_VRUNTIME] = v;
  }
  get deadline(): number {
    return this.f[this.o + F_DEADLINE]!;
  }
  set deadline(v: number) {
    this.f[this.o + F_DEADLINE] = v;
  }
  get vlag(): number {
    return this.f[this.o + F_VLAG]!;
  }
  set vlag(v: number) {
    this.f[this.o + F_VLAG] = v;
  }
  get createdAt(): Nanos {
    return this.f[this.o + F_CREATED]!;
  }
  set createdAt(v: Nanos) {
    this.f[this.o + F_CREATED] = v;
  }
  /** -1 while not exited. */
  get exitedAt(): Nanos {
    return this.f[this.o + F_EXITED]!;
  }
  set exitedAt(v: Nanos) {
    this.f[this.o + F_EXITED] = v;
  }
}
