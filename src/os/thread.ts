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

export class Thread {
  // Fields in order of use on the dispatch path (V8 lays them out in this order, and with
  // 10,000 threads most dispatches find the thread out of cache).
  state: ThreadState = 'runnable';
  group: BandwidthGroup | null;
  body: ThreadBody;
  /** Owner's data (for example the task or Go M this thread runs). */
  owner: unknown = null;
  /** CPU this thread is on while Running (including its switch-in), else null. */
  cpu: Cpu | null = null;
  /** CPU whose run queue holds this thread while Runnable, else -1. */
  rqCpu = -1;
  /** CPU it last ran on (-1: never ran). */
  lastCpu = -1;
  /** For RR: remaining quantum carried across preemptions by higher work (unused by FIFO). */
  timeSliceLeft: Nanos = 0;
  /** When the thread entered its current state. */
  since: Nanos = 0;
  /** Remaining CPU work of the current compute burst (0: none). */
  burst: Nanos = 0;
  /** When the current burst last started progressing on a CPU. */
  burstStart: Nanos = 0;
  runningNs: Nanos = 0;
  runnableNs: Nanos = 0;
  waitingNs: Nanos = 0;
  /** When the thread was last put on a CPU (its current slice began). */
  execStart: Nanos = 0;
  /** Total CPU time received (ns). */
  sumExec: Nanos = 0;
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
  /** Wake-up timer for sleeps and timed blocks (made with the thread, see Kernel.spawn). */
  readonly timer: SimEvent;
  /** Position in a policy's heap, or in a ring queue (policy-defined). */
  qpos = -1;
  /** Insertion sequence in the policy queue (FIFO tie-break). */
  qseq = 0;

  // ---- scheduling-class state (used by the policy objects) ----
  nice = 0;
  weight = 1024;
  vruntime = 0;
  deadline = 0;
  vlag = 0;
  /** EEVDF request size / CFS last computed slice. */
  slice = 0;
  /** sumExec when the current slice began. */
  prevSumExec: Nanos = 0;
  /** CFS: vruntime is relative to no queue (detached for migration). */
  vrel = false;
  createdAt: Nanos = 0;
  /** -1 while not exited. */
  exitedAt: Nanos = -1;
  readonly id: number;
  name: string;

  constructor(id: number, name: string, body: ThreadBody, group: BandwidthGroup | null, timer: SimEvent) {
    this.body = body;
    this.timer = timer;
    this.group = group;
    this.id = id;
    this.name = name;
  }
}
