/**
 * The Go runtime's entities — G (goroutine), M (OS thread), P (processor) and `sched` — with
 * the fields the scheduler model uses, named as in runtime2.go. Statuses are the runtime's
 * (`_Grunnable` is 'Grunnable' here). Every status change goes through `casgstatus` /
 * `setPStatus` in proc.ts, which checks the transition and emits the trace event.
 */
import type { SimEvent } from '../engine/event-queue.js';
import type { Nanos } from '../engine/time.js';
import type { Thread } from '../os/thread.js';
import type { Task } from '../program/task.js';
import { LOCAL_RUNQ_SIZE } from './params.js';
import type { TimerHeap } from './timers.js';

export type GStatus = 'Gidle' | 'Grunnable' | 'Grunning' | 'Gsyscall' | 'Gwaiting' | 'Gdead';

/** Where a runnable G is queued (for the "a G is on at most one queue" invariant). */
export const Q_NONE = -3;
export const Q_GLOBAL = -2;
export const Q_NETPOLL = -1;
// Q >= 0: the local run queue (or runnext) of P number Q.

export class G {
  status: GStatus = 'Gidle';
  m: M | null = null;
  waitreason = '';
  /** gp.preempt: a preemption was requested (sysmon's preemptone). */
  preempt = false;
  /** CPU work left of a compute op that was preempted. */
  computeLeft: Nanos = 0;
  /** Which queue holds this G (Q_* or a P id). */
  onq = Q_NONE;
  /** Set by ready() with handoff: after its current op, this G yields to its LRQ tail (goyield). */
  yieldAfterOp = false;
  /** Pending time.Sleep timer's `when`, while parked in sleep (-1: none). */
  sleepUntil: Nanos = -1;
  /** Insertion order of the timer in its P's heap (ties). */
  timerSeq = 0;
  /** When this G last became runnable (goroutine scheduling latency). */
  runnableSince: Nanos = 0;
  /** An IO op whose read returned EAGAIN: park for this long once its syscall cost is paid (-1: none). */
  pendingIo: Nanos = -1;
  /**
   * netpoll returned it: when it runs, its read is retried (internal/poll's read loop), a
   * system call whose entersyscall wakes a deep-sleeping sysmon.
   */
  readAfterPoll = false;
  /** The IO completion event (allocated on first IO). */
  ioEv: SimEvent | null = null;
  constructor(
    readonly goid: number,
    readonly task: Task,
  ) {}
}

export type PStatus = 'Pidle' | 'Prunning' | 'Psyscall';

export interface SysmonTick {
  schedtick: number;
  schedwhen: Nanos;
  syscalltick: number;
  syscallwhen: Nanos;
}

export class P {
  status: PStatus = 'Pidle';
  m: M | null = null;
  readonly runq: (G | null)[] = new Array<G | null>(LOCAL_RUNQ_SIZE).fill(null);
  /** Monotonic counters as in the runtime: length = runqtail − runqhead. */
  runqhead = 0;
  runqtail = 0;
  runnext: G | null = null;
  schedtick = 0;
  syscalltick = 0;
  readonly sysmontick: SysmonTick = { schedtick: 0, schedwhen: 0, syscalltick: 0, syscallwhen: 0 };
  /** idlepMask bit. */
  idle = false;
  /** Goroutines executed on this P (metrics). */
  executes = 0;
  /** pp.preempt: "enter the scheduler as soon as possible". */
  preempt = false;
  constructor(
    readonly id: number,
    readonly timers: TimerHeap,
  ) {}

  get runqsize(): number {
    return this.runqtail - this.runqhead;
  }
}

/** What an M's thread is doing, as the model's state machine sees it. */
export type MState =
  | 'new' // thread just created: pays the creation cost
  | 'mstart' // creation paid: acquires m.nextp (mstart1 → schedule)
  | 'schedule' // must run schedule() when it gets the CPU
  | 'switching' // paid for the switch to m.nextg; execute it next
  | 'dropping' // findRunnable found nothing: run steps 16–19 after the search cost
  | 'running' // running m.curg
  | 'syscall' // blocked in a system call with m.curg
  | 'usleep' // in runqgrab's usleep(3) before stealing a runnext
  | 'netpoll' // blocked in netpoll (epoll_wait)
  | 'idle' // parked on the idle M list (stopm)
  | 'sysmon';

export class M {
  st: MState = 'new';
  p: P | null = null;
  nextp: P | null = null;
  oldp: P | null = null;
  curg: G | null = null;
  /** The G chosen by findRunnable, executed after the switch cost. */
  nextg: G | null = null;
  nextInherit = false;
  /** The rule that chose nextg (for the trace). */
  nextWhy = '';
  /** Earliest timer seen by the search phase (findRunnable's pollUntil). */
  pollUntilSearch: Nanos = 0;
  /** The label last emitted for this M's trace lane. */
  traceLabel = '';
  /** The fixed cost of this schedule() has been paid; the search runs next. */
  switchPaid = false;
  /** Scheduler CPU work done but not yet charged (a search interrupted by usleep(3)). */
  pendingCost: Nanos = 0;
  /** Remaining duration of the syscall being entered (-1: none). */
  syscallLeft: Nanos = -1;
  spinning = false;
  spinningSince: Nanos = 0;
  /** findRunnable: was spinning before dropping its P (step 17). */
  wasSpinning = false;
  syscalltick = 0;
  /** Resumable stealWork state (the usleep(3) before a runnext steal). */
  steal: { round: number; order: number[]; k: number; pollUntil: Nanos; ranTimer: boolean; victim: number } | null = null;
  /** Thread (OS) that this M is. */
  thread!: Thread;
  constructor(readonly id: number) {}
}

/** A FIFO of Gs (the global run queue, gLists). Ring buffer, O(1) at both ends. */
export class GQueue {
  private buf: (G | null)[] = new Array<G | null>(64).fill(null);
  private head = 0;
  size = 0;

  pushBack(g: G): void {
    if (this.size === this.buf.length) this.grow();
    this.buf[(this.head + this.size) & (this.buf.length - 1)] = g;
    this.size++;
  }

  pushFront(g: G): void {
    if (this.size === this.buf.length) this.grow();
    this.head = (this.head - 1) & (this.buf.length - 1);
    this.buf[this.head] = g;
    this.size++;
  }

  pop(): G | null {
    if (this.size === 0) return null;
    const g = this.buf[this.head]!;
    this.buf[this.head] = null;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.size--;
    return g;
  }

  at(i: number): G {
    return this.buf[(this.head + i) & (this.buf.length - 1)]!;
  }

  *[Symbol.iterator](): IterableIterator<G> {
    for (let i = 0; i < this.size; i++) yield this.at(i);
  }

  private grow(): void {
    const old = this.buf;
    const nb = new Array<G | null>(old.length * 2).fill(null);
    for (let i = 0; i < this.size; i++) nb[i] = old[(this.head + i) & (old.length - 1)]!;
    this.buf = nb;
    this.head = 0;
  }
}
