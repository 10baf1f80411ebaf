/**
 * The program runner: advances a task through its ops until it reaches one that takes time or
 * must wait, and tells the execution model which (an Action). Synchronisation ops run here,
 * against the primitives, so their semantics are the same in every model; ops that need the
 * model — compute, io, syscall, sleep, yield, spawn, park, exit — are handed back.
 *
 * The model calls `step(task)` whenever the task may continue (it just got a CPU, its last
 * action finished, or it was readied after parking).
 */
import type { Engine } from '../engine/engine.js';
import type { Rng } from '../engine/rng.js';
import type { Nanos } from '../engine/time.js';
import { Samples } from '../metrics/stats.js';
import { traceEvent, type TraceSink } from '../trace/events.js';
import { chanClose, chanRecv, chanSelect, chanSend, SEND_ON_CLOSED } from './chan.js';
import { sample } from './dist.js';
import { mutexLock, mutexUnlock, type Mutex } from './mutex.js';
import type { Op } from './ops.js';
import type { Program } from './program.js';
import { ProgramPanic, type ReadyTarget, type SyncContext } from './sync.js';
import { mixKey, rootKey, Task, type TaskStat } from './task.js';
import { wgAdd, wgWait } from './waitgroup.js';

/** What the model must do next for a task (`task.ns` holds the duration where one applies). */
export const Action = {
  Compute: 0,
  Io: 1,
  Syscall: 2,
  Sleep: 3,
  Yield: 4,
  Park: 5,
  Exit: 6,
} as const;
export type Action = (typeof Action)[keyof typeof Action];

export interface TaskHost extends ReadyTarget {
  /**
   * A new task, spawned by `parent` (running now) or arriving from outside (parent null).
   * Returns CPU time (ns) to charge to the parent for creating it (0: none).
   */
  submit(task: Task, parent: Task | null): Nanos;
}

/** The counts of `name` in `stats`, added (zero) if it has none yet. */
function statOf(stats: Map<string, TaskStat>, name: string): TaskStat {
  let st = stats.get(name);
  if (st === undefined) stats.set(name, (st = { created: 0, completed: 0, latency: new Samples() }));
  return st;
}

/** Ops executed in one step without time passing before the runner gives up. */
const MAX_OPS_PER_STEP = 1_000_000;

export class Runner implements SyncContext {
  current: Task | null = null;
  host!: TaskHost;
  trace: TraceSink | null = null;
  private nextId = 1;
  /** All tasks, root and spawned. */
  created = 0;
  completed = 0;
  live = 0;
  maxLive = 0;
  /** Root tasks: the workload's own items (batch entries and arrivals). */
  rootsCreated = 0;
  rootsCompleted = 0;
  /** Completion latency (end − creation) of every finished root task. */
  readonly latency = new Samples();
  /** Completion latency of every finished spawned task. */
  readonly spawnedLatency = new Samples();
  /** Per workload source (root task name): counts and latencies, in first-seen order. */
  readonly bySource = new Map<string, TaskStat>();
  /** Per name of spawned task (the spawn's `name`, else its program's): counts and latencies, in first-seen order. */
  readonly spawnedByName = new Map<string, TaskStat>();
  /** Completion order (task ids), kept when `recordOrder` is on. */
  readonly order: number[] = [];
  recordOrder = false;
  /** Live tasks, oldest first (an intrusive list: no per-task allocation). */
  private liveHead: Task | null = null;
  private liveTail: Task | null = null;
  /** Called when the last live task ends and no more arrive. */
  onAllDone: (() => void) | null = null;
  /** CPU cost of a channel/mutex/WaitGroup op that completes without parking (set by the model). */
  syncOpNs = 0;
  /** Outstanding external arrivals (the run is not done while any remain). */
  pendingArrivals = 0;

  constructor(
    private readonly engine: Engine,
    readonly selectRng: Rng,
    private readonly runSeed: number,
  ) {}

  now(): Nanos {
    return this.engine.now;
  }

  ready(task: Task, waker: Task | null, handoff: boolean): void {
    this.host.ready(task, waker, handoff);
  }

  /**
   * Creates a task (not yet submitted to the model): a root task of a workload source (parent
   * null; `label` names the source) or a task spawned by `parent` as its `index`-th child.
   */
  /** Lists a workload source in `bySource` before any of its tasks exists (sources in the order declared). */
  registerSource(name: string): void {
    statOf(this.bySource, name);
  }

  /** Lists a spawned name in `spawnedByName` before any such task exists. */
  registerSpawned(name: string): void {
    statOf(this.spawnedByName, name);
  }

  newTask(program: Program, name: string, parent: Task | null, index: number, label: string | null = null): Task {
    const key = parent !== null ? mixKey(parent.key, index) : rootKey(label ?? name, index, this.runSeed);
    const t = new Task(this.nextId++, name, program, parent, this.engine.now, index, parent !== null ? null : (label ?? name), key);
    this.created++;
    const st = statOf(parent === null ? this.bySource : this.spawnedByName, name);
    st.created++;
    t.stat = st;
    if (parent === null) this.rootsCreated++;
    this.live++;
    if (this.live > this.maxLive) this.maxLive = this.live;
    t.prevLive = this.liveTail;
    if (this.liveTail !== null) this.liveTail.nextLive = t;
    else this.liveHead = t;
    this.liveTail = t;
    if (this.trace !== null) this.trace.emit(traceEvent({ k: 'task', t: this.engine.now, task: t.id, name, parent: parent?.id ?? 0 }));
    return t;
  }

  /** The live tasks, oldest first. */
  *liveTasks(): IterableIterator<Task> {
    for (let t = this.liveHead; t !== null; t = t.nextLive) yield t;
  }

  /** Advances `task` to its next model-visible action. */
  step(task: Task): Action {
    const prev = this.current;
    this.current = task;
    try {
      return this.stepInner(task);
    } finally {
      this.current = prev;
    }
  }

  private stepInner(task: Task): Action {
    if (task.inst === null) {
      task.inst = task.program.start(task);
    }
    if (task.result === SEND_ON_CLOSED) throw new ProgramPanic('send on closed channel', task);
    if (task.retryLock) {
      // Woken in normal mode: compete for the mutex again before continuing.
      const mu = task.result as Mutex;
      task.result = undefined;
      if (!mutexLock(this, task, mu)) {
        task.result = mu;
        return Action.Park;
      }
    }
    for (let n = 0; n < MAX_OPS_PER_STEP; n++) {
      const op = task.inst.next(task.result);
      task.result = undefined;
      if (op === null) {
        this.finish(task);
        return Action.Exit;
      }
      const a = this.exec(task, op);
      if (a !== -1) return a;
      if (task.yieldNow) {
        task.yieldNow = false;
        return Action.Yield;
      }
    }
    throw new ProgramPanic(`no progress: ${MAX_OPS_PER_STEP} operations ran without any taking time (an endless loop of zero-time operations?)`, task);
  }

  /** Executes one op; returns an Action, or -1 to continue with the next op. */
  private exec(task: Task, op: Op): Action | -1 {
    switch (op.op) {
      case 'compute': {
        const ns = sample(op.d, task) + task.cpuDebt;
        if (ns <= 0) return -1;
        task.cpuDebt = 0;
        task.ns = ns;
        return Action.Compute;
      }
      case 'io': {
        task.ns = sample(op.d, task);
        task.waitReason = 'IO wait';
        return Action.Io;
      }
      case 'syscall': {
        task.ns = sample(op.d, task);
        task.waitReason = 'syscall';
        return Action.Syscall;
      }
      case 'sleep': {
        const ns = sample(op.d, task);
        if (ns <= 0) return -1;
        task.ns = ns;
        task.waitReason = 'sleep';
        return Action.Sleep;
      }
      case 'yield':
        return Action.Yield;
      case 'spawn': {
        const k = task.children++;
        const child = this.newTask(op.program, op.name ?? op.program.name, task, k);
        const cost = this.host.submit(child, task);
        if (cost > 0) {
          task.ns = cost;
          return Action.Compute;
        }
        return -1;
      }
      case 'send':
        return chanSend(this, task, op.ch, op.value) ? this.syncDone(task) : Action.Park;
      case 'recv':
        return chanRecv(this, task, op.ch) ? this.syncDone(task) : Action.Park;
      case 'close':
        chanClose(this, task, op.ch);
        return this.syncDone(task);
      case 'select':
        return chanSelect(this, task, op.cases, op.default) ? this.syncDone(task) : Action.Park;
      case 'lock':
        if (mutexLock(this, task, op.mu)) return this.syncDone(task);
        task.result = op.mu; // kept for the retry after a normal-mode wake
        return Action.Park;
      case 'unlock':
        mutexUnlock(this, task, op.mu);
        return this.syncDone(task);
      case 'wgAdd':
        wgAdd(this, task, op.wg, op.n);
        return this.syncDone(task);
      case 'wgWait':
        return wgWait(this, task, op.wg) ? this.syncDone(task) : Action.Park;
    }
  }

  /**
   * A synchronisation op completed without parking: it cost `syncOpNs` of CPU. The cost is
   * owed (task.cpuDebt) and paid with the task's next compute, or by the model with its next
   * CPU work; it takes no event of its own.
   */
  private syncDone(task: Task): -1 {
    task.cpuDebt += this.syncOpNs;
    return -1;
  }

  private finish(task: Task): void {
    task.done = true;
    const latency = this.engine.now - task.createdAt;
    this.completed++;
    this.live--;
    const p = task.prevLive;
    const n = task.nextLive;
    if (p !== null) p.nextLive = n;
    else this.liveHead = n;
    if (n !== null) n.prevLive = p;
    else this.liveTail = p;
    task.prevLive = task.nextLive = null;
    const st = task.stat!;
    st.completed++;
    st.latency.push(latency);
    if (task.parent === null) {
      this.rootsCompleted++;
      this.latency.push(latency);
    } else {
      this.spawnedLatency.push(latency);
    }
    if (this.recordOrder) this.order.push(task.id);
    if (this.trace !== null) this.trace.emit(traceEvent({ k: 'taskEnd', t: this.engine.now, task: task.id }));
  }

  /** Whether the workload is finished (no live task, no arrival to come). */
  get allDone(): boolean {
    return this.live === 0 && this.pendingArrivals === 0;
  }

  /** Calls onAllDone if the workload is finished; returns whether it is. */
  checkDone(): boolean {
    if (!this.allDone) return false;
    this.onAllDone?.();
    return true;
  }
}
