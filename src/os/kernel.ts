/**
 * The OS layer: a preemptive kernel scheduling OS threads onto hardware threads.
 *
 * What is modelled
 * - Threads in Running / Runnable / Waiting / Exited; every transition goes through
 *   `setState`, which keeps per-state time, counts context switches (voluntary when a thread
 *   blocks, involuntary when it is preempted or yields to another), records each
 *   Runnable→Running wait as a scheduling-latency sample, and emits the trace event.
 * - Per-CPU run queues owned by a policy object (fifo, rr, cfs, eevdf; see policy/), the
 *   running thread kept out of its queue as Linux does.
 * - Context-switch cost: a CPU switching to a thread other than the one that last ran on it
 *   spends `costs.contextSwitch` before the thread makes progress; a wake-up from one CPU onto
 *   another, idle CPU adds `costs.wakeupIpi`.
 * - Slice expiry noticed at scheduler ticks (HZ) or exactly (`tickNs = 0`), through one
 *   "slice check" event per CPU armed at the earliest tick where the policy could preempt.
 * - Wake-up preemption, asked of the policy when a thread is woken or created onto a busy CPU.
 *   A preemption of the thread whose body is executing, or of a thread still switching in, is
 *   deferred to the next point where it can happen (Linux's TIF_NEED_RESCHED).
 * - Placement: a woken thread goes to its previous CPU if idle, else to any idle CPU, else
 *   back to its previous CPU (select_task_rq_fair/select_idle_sibling, simplified); a new
 *   thread goes to an idle CPU or the least loaded one (sched_balance_find_dst_cpu).
 * - Load balancing: a CPU that goes idle pulls the next thread of the busiest queue
 *   (newidle balance); every `balanceIntervalNs` queues are evened out (periodic balance).
 * - CPU bandwidth groups (cgroup cpu.max): see bandwidth.ts.
 *
 * What a thread does is up to its body (thread.ts): the kernel calls `body.run(t)` when `t` is
 * on a CPU with nothing to do, and the body answers with compute / block / sleep / yield /
 * exit. Bodies never run nested inside one another: every dispatch goes through the CPU's
 * event, so a wake-up issued by one body only queues work.
 *
 * SIM: no SMT sibling slowdown, no NUMA or cache model, IPIs only for wake-ups onto idle CPUs;
 * a preemption of a remote CPU's thread takes effect immediately.
 */
import { Samples } from '../metrics/stats.js';
import { invariant, InvariantError } from '../engine/assert.js';
import { Phase, type Engine } from '../engine/engine.js';
import type { EventHandler, SimEvent } from '../engine/event-queue.js';
import type { Nanos } from '../engine/time.js';
import type { Costs } from '../hw/costs.js';
import { newEvent, traceEvent, type CpuEvent, type EventOf, type TraceSink, type TStateEvent } from '../trace/events.js';
import { BandwidthGroup, DEFAULT_BANDWIDTH_SLICE, MIN_BANDWIDTH_EXPIRATION, MIN_CFS_RQ_RUNTIME, SLACK_PERIOD } from './bandwidth.js';
import { Cpu } from './cpu.js';
import type { EnqueueKind, Policy } from './policy/types.js';
import { niceWeight, tickAfter } from './policy/types.js';
import { Thread, type ThreadBody, type ThreadState } from './thread.js';

export interface KernelConfig {
  cpus: number;
  costs: Costs;
  policy: Policy;
  /** Scheduler tick period (1e9 / HZ), or 0 for exact slice ends. */
  tickNs: Nanos;
  /** Periodic load-balancing interval (0: only idle pulls). */
  balanceIntervalNs: Nanos;
}

export interface SpawnOptions {
  /** The thread that creates this one (its CPU guides placement), if any. */
  creator?: Thread | null;
  group?: BandwidthGroup | null;
  nice?: number;
  /**
   * The CPU to place the new thread on (-1 or absent: chosen by placement). Placement only,
   * not affinity: wake-up placement and load balancing may move the thread later.
   */
  cpu?: number;
}

// Event kinds on a CPU's `ev`.
const EV_SWITCH = 0;
const EV_BURST = 1;
const EV_INTERRUPT = 2;
const EV_YIELD = 3;
/** cpu.ev of a thread that left the CPU, until schedule() re-arms or cancels it (never fires). */
const EV_STALE = 4;
// Other kernel events.
const EV_SLICE = 10;
const EV_WAKE = 11;
const EV_BALANCE = 12;
const EV_REFILL = 13;
const EV_BWCHECK = 14;
const EV_SLACK = 15;

/** The argument of a bandwidth group's per-CPU runtime check. */
interface BwCheck {
  g: BandwidthGroup;
  i: number;
}

/**
 * The kernel's recurring reason texts, each built once: a trace sink interns a text it has seen
 * by the string's identity and cached hash, where a freshly built copy would have to be
 * flattened and hashed again. Traced runs only.
 */
export class WhyTexts {
  private readonly dispatch: string[] = [];
  /** By chosen CPU and placement variant: texts by previous CPU + 1. */
  private readonly placed: Array<Array<string | undefined> | undefined> = [];
  private readonly timer = new Map<string, string>();
  /** timerDone's last lookup (the same reason recurs: no table lookup). */
  private lastReason: string | null = null;
  private lastTimer = '';
  /** woken's texts by why, then as placement's (by chosen CPU and variant, then previous CPU + 1). */
  private readonly wokenRows = new Map<string, Array<Array<string | undefined> | undefined>>();
  /** woken's last why and its rows (no table lookup while the same reason recurs). */
  private lastWhy: string | null = null;
  private lastRows: Array<Array<string | undefined> | undefined> | undefined = undefined;

  dispatched(cpu: number): string {
    return (this.dispatch[cpu] ??= `dispatched on cpu ${cpu}`);
  }

  /**
   * selectCpuWake's choice in words: it chose `cpu` (`idle`: before the thread is queued on
   * it) for a thread that last ran on `prev` (-1: never ran).
   */
  placement(cpu: number, prev: number, idle: boolean): string {
    const variant = prev < 0 ? (idle ? 0 : 1) : cpu !== prev ? 2 : idle ? 3 : 4;
    const row = (this.placed[cpu * 5 + variant] ??= []);
    return (row[prev + 1] ??= placementText(variant, cpu, prev));
  }

  /** `${why}; ${placement(cpu, prev, idle)}`, the same string object for the same arguments. */
  woken(why: string, cpu: number, prev: number, idle: boolean): string {
    let rows = why === this.lastWhy ? this.lastRows : this.wokenRows.get(why);
    if (rows === undefined) {
      // Only texts that recur are worth a table (the reasons come from bounded sets here, but a
      // waker's text may name a task: cap the table).
      if (this.wokenRows.size >= 4096) return `${why}; ${this.placement(cpu, prev, idle)}`;
      this.wokenRows.set(why, (rows = []));
    }
    this.lastWhy = why;
    this.lastRows = rows;
    const variant = prev < 0 ? (idle ? 0 : 1) : cpu !== prev ? 2 : idle ? 3 : 4;
    const row = (rows[cpu * 5 + variant] ??= []);
    return (row[prev + 1] ??= `${why}; ${this.placement(cpu, prev, idle)}`);
  }

  timerDone(reason: string): string {
    if (reason === this.lastReason) return this.lastTimer;
    let s = this.timer.get(reason);
    if (s === undefined) this.timer.set(reason, (s = `timer: ${reason} done`));
    this.lastReason = reason;
    this.lastTimer = s;
    return s;
  }
}

function placementText(variant: number, cpu: number, prev: number): string {
  switch (variant) {
    case 0:
      return `placed on cpu ${cpu} (idle)`;
    case 1:
      return `placed on cpu ${cpu}`;
    case 2:
      return `placed on idle cpu ${cpu} (its previous cpu ${prev} is busy)`;
    case 3:
      return `placed on its previous cpu ${prev} (idle)`;
    default:
      return `placed on its previous cpu ${prev} (no idle cpu)`;
  }
}

export class Kernel implements EventHandler {
  readonly cpus: Cpu[] = [];
  readonly threads: Thread[] = [];
  readonly groups: BandwidthGroup[] = [];
  live = 0;
  maxLive = 0;
  /** Each Runnable→Running wait, in ns. */
  readonly schedLatency = new Samples();
  nvcsw = 0;
  nivcsw = 0;
  migrations = 0;
  /** The attached trace sink (attachTrace), or null. */
  trace: TraceSink | null = null;
  /** A trace is attached and wants the plain-words reasons (TraceSink.why). */
  traceWhy = false;
  /** The thread whose body is executing right now (bodies never nest). */
  private inBody: Thread | null = null;
  private idleCount: number;
  private readonly balanceEv: SimEvent;
  private nextTid = 1;
  /** Reason texts for traces, built once and reused (see WhyTexts). */
  private readonly texts = new WhyTexts();
  /**
   * The two events a traced run emits most (a state change, a CPU switching or running),
   * refilled for each emit rather than allocated: a sink copies what it keeps (TraceSink).
   */
  private readonly tstateEv: TStateEvent = newEvent('tstate');
  private readonly cpuEv: CpuEvent = newEvent('cpu');
  private readonly migrateEv: EventOf<'migrate'> = newEvent('migrate');

  constructor(
    readonly engine: Engine,
    readonly config: KernelConfig,
  ) {
    for (let i = 0; i < config.cpus; i++) {
      const cpu = new Cpu(
        i,
        config.policy.createRunQueue(i),
        engine.event(this, EV_SWITCH, null, Phase.Cpu),
        engine.event(this, EV_SLICE, null, Phase.Tick),
      );
      cpu.ev.arg = cpu;
      cpu.sliceEv.arg = cpu;
      this.cpus.push(cpu);
    }
    this.idleCount = config.cpus;
    this.balanceEv = engine.event(this, EV_BALANCE, null, Phase.Tick);
  }

  /** Attaches a trace sink (null: none) before the run starts. */
  attachTrace(sink: TraceSink | null): void {
    this.trace = sink;
    this.traceWhy = sink !== null && sink.why !== false;
  }

  get now(): Nanos {
    return this.engine.now;
  }

  get costs(): Costs {
    return this.config.costs;
  }

  // ------------------------------------------------------------------ threads

  createGroup(name: string, quota: Nanos, period: Nanos, slice: Nanos = DEFAULT_BANDWIDTH_SLICE, phase: Nanos = 0): BandwidthGroup {
    invariant(quota > 0 && period > 0 && slice > 0, 'createGroup: quota, period and slice must be positive');
    invariant(phase >= 0 && phase < period, 'createGroup: the phase must be at least 0 and less than the period');
    const g = new BandwidthGroup(name, quota, period, slice, this.cpus.length, phase);
    g.refillEv = this.engine.event(this, EV_REFILL, g, Phase.Tick);
    g.slackEv = this.engine.event(this, EV_SLACK, g, Phase.Tick);
    for (let i = 0; i < this.cpus.length; i++) g.checkEv.push(this.engine.event(this, EV_BWCHECK, { g, i } satisfies BwCheck, Phase.Tick));
    this.groups.push(g);
    return g;
  }

  /** Creates a Runnable thread and places it on a CPU. */
  spawn(name: string, body: ThreadBody, opts: SpawnOptions = {}): Thread {
    // The wake-up timer is made with the thread, so it sits next to it in memory (a timer
    // made at the first sleep lands anywhere, and with thousands of threads each sleep and
    // wake-up may find it out of cache), and no path has to check for a missing one.
    const timer = this.engine.event(this, EV_WAKE, null, Phase.Wake);
    const t = new Thread(this.nextTid++, name, body, opts.group ?? null, timer);
    timer.arg = t;
    if (opts.nice !== undefined && opts.nice !== 0) {
      t.nice = opts.nice;
      t.weight = niceWeight(opts.nice);
    }
    t.createdAt = this.now;
    t.since = this.now;
    this.threads.push(t);
    this.live++;
    if (this.live > this.maxLive) this.maxLive = this.live;
    const pinned = opts.cpu ?? -1;
    const cpu = pinned >= 0 ? this.cpus[pinned]! : this.selectCpuFork(opts.creator ?? null);
    if (this.trace !== null) {
      // Placement as selectCpuFork decided it (sched_balance_find_dst_cpu, simplified).
      const place = pinned >= 0 ? 'pinned' : cpu.idle ? 'an idle cpu' : `no idle cpu; least loaded, ${cpu.nrRunning} thread${cpu.nrRunning === 1 ? '' : 's'}`;
      this.trace.emit(traceEvent({ k: 'thread', t: this.now, tid: t.id, name, group: t.group?.name ?? null }));
      // The creating thread runs clone(): Perfetto names it as the waker of sched_wakeup_new.
      const creator = opts.creator ?? null;
      const by = creator !== null && creator.state === 'running' && creator.cpu !== null ? creator : null;
      this.trace.emit(traceEvent({ k: 'tstate', t: this.now, tid: t.id, from: 'runnable', to: 'runnable', cpu: cpu.id, why: `created on cpu ${cpu.id} (${place})`, waker: by?.id ?? 0, wakerCpu: by?.cpu?.id ?? -1 }));
    }
    if (pinned >= 0) t.lastCpu = pinned;
    const from = opts.creator?.cpu?.id ?? -1;
    this.enqueueRunnable(t, cpu, 'new', from, 'new thread');
    return t;
  }

  /** The running thread `t` computes for `ns` (> 0) ns of CPU time. */
  compute(t: Thread, ns: Nanos): void {
    const cpu = t.cpu;
    if (t.state !== 'running' || cpu === null || cpu.phase !== 'running') throw new InvariantError(`compute: thread ${t.id} is not running`);
    if (!(ns > 0) || !Number.isFinite(ns)) throw new InvariantError(`compute: burst must be > 0, got ${ns}`);
    t.burst = Math.round(ns);
    t.burstStart = this.now;
    if (cpu.needResched) {
      cpu.needResched = false;
      if (cpu.rq.nr > 0 || (t.group !== null && t.group.thr[cpu.id] === 1)) {
        this.preemptNow(cpu, cpu.needReschedWhy);
        return;
      }
    }
    cpu.ev.kind = EV_BURST;
    this.engine.at(cpu.ev, this.now + t.burst);
    // Called from outside the thread's body (no post-body sync): queue a held-back slice
    // check now if this burst no longer ends before it.
    if (cpu.slicePending && this.inBody !== t) this.syncSlice(cpu);
  }

  /** The running thread `t` blocks (Waiting) until someone calls `wake(t)`. */
  block(t: Thread, reason: string): void {
    const cpu = this.leaveCpu(t, 'block');
    t.waitReason = reason;
    t.nvcsw++;
    this.nvcsw++;
    cpu.rq.putPrev(t, this.now, 'sleep');
    this.setState(t, 'waiting', reason, cpu.id);
    this.schedule(cpu, 0);
  }

  /** The running thread `t` blocks for `ns`, then wakes by itself (plus timer slack if `slack`). */
  sleep(t: Thread, ns: Nanos, reason: string, slack = true): void {
    this.block(t, reason);
    this.engine.at(t.timer, this.now + ns + (slack ? this.costs.timerSlack : 0));
  }

  /**
   * Wakes a Waiting thread. `waker` is the thread whose action woke it (its CPU matters for
   * the inter-processor-interrupt cost), or null for a timer or device.
   */
  wake(t: Thread, waker: Thread | null, why = 'woken'): void {
    if (t.state !== 'waiting') throw new InvariantError(`wake: thread ${t.id} is ${t.state}, not waiting`);
    this.engine.cancel(t.timer);
    const fromCpu = waker?.cpu?.id ?? -1;
    const cpu = this.selectCpuWake(t, fromCpu);
    if (t.lastCpu >= 0 && t.lastCpu !== cpu.id) {
      this.cpus[t.lastCpu]!.rq.detach?.(t);
      this.migrations++;
    }
    // Traced runs also say where the wake-up placed the thread, by selectCpuWake's rule (read
    // before the thread is queued, while cpu.idle still tells how it was found).
    this.setState(t, 'runnable', this.traceWhy ? this.texts.woken(why, cpu.id, t.lastCpu, cpu.idle) : why, cpu.id, fromCpu >= 0 ? waker!.id : 0, fromCpu);
    this.enqueueRunnable(t, cpu, 'wakeup', fromCpu, why);
  }

  /** sched_yield(): the running thread lets others on its CPU run first. */
  yield(t: Thread): void {
    const cpu = t.cpu;
    if (!(t.state === 'running' && cpu !== null && cpu.phase === 'running')) throw new InvariantError(`yield: thread ${t.id} is not running`);
    if (cpu.rq.nr === 0) {
      // Nobody else here: Linux picks the same thread again and counts no switch.
      cpu.ev.kind = EV_YIELD;
      this.engine.at(cpu.ev, this.now);
      return;
    }
    this.putBack(cpu, t, 'yield', 'sched_yield');
  }

  /**
   * The running thread `t` keeps its CPU and its body runs again in a new event at this
   * instant. Unlike yield() it gives way to no one and counts no switch: it costs nothing
   * and changes nothing but the event count. A body that does an unbounded amount of
   * zero-time work (a pool worker taking task after task) uses it to go through the event
   * loop now and then, so that the run's limits see the work. A pending reschedule is
   * honoured first, as compute() does.
   */
  continueNow(t: Thread): void {
    const cpu = t.cpu;
    if (!(t.state === 'running' && cpu !== null && cpu.phase === 'running')) throw new InvariantError(`continueNow: thread ${t.id} is not running`);
    // compute()'s pending-reschedule check, written out in both: as a shared method it cost
    // the Go model's untraced run 0.9 % more instructions (compute is on every burst's path).
    if (cpu.needResched) {
      cpu.needResched = false;
      if (cpu.rq.nr > 0 || (t.group !== null && t.group.thr[cpu.id] === 1)) {
        this.preemptNow(cpu, cpu.needReschedWhy);
        return;
      }
    }
    cpu.ev.kind = EV_YIELD;
    this.engine.at(cpu.ev, this.now);
  }

  /** The running thread `t` exits. */
  exit(t: Thread): void {
    const cpu = this.leaveCpu(t, 'exit');
    cpu.rq.putPrev(t, this.now, 'exit');
    this.setState(t, 'exited', 'exit', cpu.id);
    t.exitedAt = this.now;
    this.live--;
    if (cpu.last === t) cpu.last = null;
    this.schedule(cpu, 0);
  }

  /**
   * Interrupts `t` (a signal, as Go's preemption SIGURG): if it is computing on a CPU its burst
   * stops, `t.burst` keeps what is left, and the body runs at once. If it is not on a CPU the
   * body runs as soon as it is. Returns false if `t` is not Running or Runnable.
   */
  interrupt(t: Thread): boolean {
    if (t.state === 'running') {
      const cpu = t.cpu!;
      if (cpu.phase === 'running' && cpu.ev.queued && cpu.ev.kind === EV_BURST) {
        t.burst -= this.now - t.burstStart;
        cpu.runNs += this.now - t.burstStart;
        cpu.ev.kind = EV_INTERRUPT;
        this.engine.at(cpu.ev, this.now);
      } else {
        t.interruptPending = true;
      }
      return true;
    }
    if (t.state === 'runnable') {
      t.interruptPending = true;
      return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ events

  fire(ev: SimEvent): void {
    switch (ev.kind) {
      case EV_SWITCH:
        this.switchDone(ev.arg as Cpu);
        return;
      case EV_BURST: {
        const cpu = ev.arg as Cpu;
        const t = cpu.curr!;
        cpu.runNs += this.now - t.burstStart;
        t.burst = 0;
        this.runBody(t);
        return;
      }
      case EV_INTERRUPT:
      case EV_YIELD: {
        const cpu = ev.arg as Cpu;
        const t = cpu.curr!;
        this.runBody(t);
        return;
      }
      case EV_SLICE: {
        const cpu = ev.arg as Cpu;
        const t = cpu.curr;
        if (t === null || cpu.phase !== 'running') return;
        if (cpu.rq.tick(t, this.now)) this.preempt(cpu, 'time slice expired');
        else this.armSlice(cpu, true);
        return;
      }
      case EV_WAKE: {
        const t = ev.arg as Thread;
        this.wake(t, null, this.traceWhy ? this.texts.timerDone(t.waitReason) : '');
        return;
      }
      case EV_BALANCE:
        this.periodicBalance();
        return;
      case EV_REFILL:
        this.refill(ev.arg as BandwidthGroup);
        return;
      case EV_BWCHECK: {
        const a = ev.arg as BwCheck;
        this.bwCheck(a.g, a.i);
        return;
      }
      case EV_SLACK:
        this.slackTimer(ev.arg as BandwidthGroup);
        return;
      default:
        invariant(false, `Kernel.fire: unknown event kind ${ev.kind}`);
    }
  }

  // ------------------------------------------------------------------ internals

  private runBody(t: Thread): void {
    if (this.inBody !== null) throw new InvariantError(`runBody: thread ${t.id} body entered inside thread ${this.inBody.id}'s body`);
    this.inBody = t;
    t.interruptPending = false;
    t.body.run(t);
    this.inBody = null;
    // The body must have given the thread something to do or taken it off the CPU.
    const cpu = t.cpu;
    if (cpu !== null && cpu.curr === t && cpu.slicePending) this.syncSlice(cpu);
    if (t.state === 'running' && cpu !== null && cpu.curr === t && !cpu.ev.queued && cpu.phase === 'running') {
      throw new InvariantError(`runBody: thread ${t.id} (${t.name}) body returned without compute/block/sleep/yield/exit`);
    }
  }

  /**
   * `why` is only read when tracing: hot paths pass '' when `trace` is null. A wake-up names
   * the thread whose code woke `t` and its cpu (0 and -1: a timer or a device).
   */
  private setState(t: Thread, to: ThreadState, why: string, cpu: number, waker = 0, wakerCpu = -1): void {
    const now = this.now;
    const d = now - t.since;
    const from = t.state;
    switch (from) {
      case 'running':
        t.runningNs += d;
        break;
      case 'runnable':
        t.runnableNs += d;
        if (to === 'running') this.schedLatency.push(d);
        break;
      case 'waiting':
        t.waitingNs += d;
        break;
      case 'exited':
        throw new InvariantError(`setState: thread ${t.id} has exited`);
    }
    t.state = to;
    t.since = now;
    if (this.trace !== null) {
      const ev = this.tstateEv;
      ev.t = now;
      ev.tid = t.id;
      ev.from = from;
      ev.to = to;
      ev.cpu = cpu;
      ev.why = why;
      ev.waker = waker;
      ev.wakerCpu = wakerCpu;
      this.trace.emit(ev);
    }
  }

  private emitCpu(cpu: Cpu, tid: number, what: CpuEvent['what']): void {
    const ev = this.cpuEv;
    ev.t = this.now;
    ev.cpu = cpu.id;
    ev.tid = tid;
    ev.what = what;
    this.trace!.emit(ev);
  }

  /** Takes the running thread `t` off its CPU (its caller decides where it goes). */
  private leaveCpu(t: Thread, what: string): Cpu {
    const cpu = t.cpu;
    if (t.state !== 'running' || cpu === null || cpu.curr !== t) throw new InvariantError(`${what}: thread ${t.id} is not running`);
    // A queued cpu.ev (the burst, or the switch) is left in the queue, marked stale: every
    // caller goes on to schedule(), which moves it in place for the next thread's switch or
    // cancels it when the CPU goes idle (cheaper than a removal and a fresh insertion, and
    // the same keys).
    if (cpu.phase === 'running') {
      if (cpu.ev.queued) {
        if (cpu.ev.kind === EV_BURST) {
          t.burst -= this.now - t.burstStart;
          cpu.runNs += this.now - t.burstStart;
        }
        cpu.ev.kind = EV_STALE;
      }
    } else if (cpu.phase === 'switching') {
      cpu.ev.kind = EV_STALE;
      cpu.switchNs += this.now - cpu.since;
    }
    this.engine.cancel(cpu.sliceEv);
    cpu.slicePending = false;
    cpu.curr = null;
    cpu.needResched = false;
    t.cpu = null;
    t.lastCpu = cpu.id;
    if (t.group !== null) this.bwOff(t.group, cpu, what === 'block' || what === 'exit');
    return cpu;
  }

  /** Puts a Runnable thread back on `cpu`'s queue, or parks it if its group is throttled. */
  private requeue(t: Thread, cpu: Cpu, kind: EnqueueKind): void {
    if (t.group !== null && !this.bwAdmit(t.group, cpu.id)) {
      this.park(t.group, t, cpu.id);
      return;
    }
    t.rqCpu = cpu.id;
    cpu.rq.enqueue(t, kind, this.now);
  }

  private enqueueRunnable(t: Thread, cpu: Cpu, kind: EnqueueKind, fromCpu: number, why: string): void {
    const wasIdle = cpu.idle;
    this.requeue(t, cpu, kind);
    if (t.throttled) return;
    if (cpu.curr === null) {
      if (wasIdle) this.idleCount--;
      const ipi = fromCpu >= 0 && fromCpu !== cpu.id ? this.costs.wakeupIpi : 0;
      this.schedule(cpu, ipi);
      return;
    }
    // Asked while the CPU still switches to curr too (curr is already the queue's current
    // thread, as after Linux's pick_next_task); the preemption then waits for the switch.
    // (Not for threads let go by an unthrottle: unthrottle_cfs_rq only reschedules an idle CPU.)
    if (kind !== 'unthrottled' && cpu.rq.wakeupPreempt(cpu.curr, t, this.now)) {
      this.preempt(cpu, this.traceWhy ? `wake-up preemption by thread ${t.id} (${why})` : '');
      return;
    }
    if (cpu.phase === 'running') this.armSlice(cpu, false);
    if (this.config.balanceIntervalNs > 0 && this.cpus.length > 1 && !this.balanceEv.queued) {
      this.engine.at(this.balanceEv, tickAfter(this.now, this.config.balanceIntervalNs));
    }
  }

  /** Requests preemption of `cpu`'s running thread; deferred if it cannot happen now. */
  private preempt(cpu: Cpu, why: string): void {
    const t = cpu.curr!;
    if (cpu.phase !== 'running' || this.inBody === t) {
      cpu.needResched = true;
      cpu.needReschedWhy = why;
      return;
    }
    this.preemptNow(cpu, why);
  }

  private preemptNow(cpu: Cpu, why: string): void {
    this.putBack(cpu, cpu.curr!, 'preempted', this.traceWhy ? `preempted: ${why}` : '');
  }

  /**
   * The running thread `t` gives up `cpu` but stays Runnable (preempted, or sched_yield with
   * others queued). As in Linux's schedule(), the policy may pick it again at once (cfs: it
   * is still the leftmost; eevdf: still the eligible thread with the earliest deadline):
   * then it keeps the CPU with a new slice, and no context switch happens or is counted
   * (__schedule counts a switch only when next != prev).
   */
  private putBack(cpu: Cpu, t: Thread, kind: 'preempted' | 'yield', why: string): void {
    const throttled = t.group !== null && t.group.thr[cpu.id] === 1;
    this.leaveCpu(t, kind === 'yield' ? 'yield' : 'preempt');
    cpu.rq.putPrev(t, this.now, throttled ? 'throttled' : kind);
    this.requeue(t, cpu, kind);
    const next = this.pickRunnable(cpu);
    if (next === t) {
      this.resume(cpu, t);
      return;
    }
    t.nivcsw++;
    this.nivcsw++;
    this.setState(t, 'runnable', why, cpu.id);
    this.runNext(cpu, next, 0);
  }

  /** `t`, just put back on `cpu`'s queue, was picked again: it goes on running, no switch. */
  private resume(cpu: Cpu, t: Thread): void {
    t.rqCpu = -1;
    t.cpu = cpu;
    cpu.curr = t;
    cpu.rq.setCurr(t, this.now);
    if (t.group !== null) this.bwOn(t.group, cpu.id);
    if (t.burst > 0 && !t.interruptPending) {
      t.burstStart = this.now;
      cpu.ev.kind = EV_BURST;
      this.engine.at(cpu.ev, this.now + t.burst);
    } else {
      // Its body decides what to do next, as after a sched_yield that found no one.
      cpu.ev.kind = EV_YIELD;
      this.engine.at(cpu.ev, this.now);
    }
    this.armSlice(cpu, false);
  }

  /** `cpu` has no current thread: pick the next one (or pull one, or go idle). */
  private schedule(cpu: Cpu, extraDelay: Nanos): void {
    if (cpu.curr !== null) throw new InvariantError(`schedule: cpu ${cpu.id} still runs thread ${cpu.curr.id}`);
    this.runNext(cpu, this.pickRunnable(cpu), extraDelay);
  }

  /** Dispatches `next` on `cpu`, which has no current thread, or lets it go idle. */
  private runNext(cpu: Cpu, next: Thread | null, extraDelay: Nanos): void {
    if (next === null) {
      this.engine.cancel(cpu.ev); // the previous thread's stale event, if any
      // Idle (again): a caller that queued work on an idle CPU has uncounted it already, and
      // that work may have been parked by a throttle in pickRunnable.
      this.idleCount++;
      if (cpu.phase !== 'idle') {
        cpu.phase = 'idle';
        cpu.since = this.now;
        if (this.trace !== null) this.emitCpu(cpu, 0, 'idle');
      }
      return;
    }
    if (cpu.phase === 'idle') {
      cpu.idleNs += this.now - cpu.since;
    }
    this.dispatch(cpu, next, extraDelay);
  }

  /**
   * The next thread for `cpu` (its own queue, else an idle pull). A thread of a bandwidth
   * group runs only if the group's local runtime on this CPU is positive or can be topped up
   * from the pool; otherwise the group is throttled on this CPU and the thread parked (Linux:
   * check_cfs_rq_runtime when the previous thread is put back).
   */
  private pickRunnable(cpu: Cpu): Thread | null {
    for (;;) {
      let next = cpu.rq.pickNext(this.now);
      if (next === null) next = this.idlePull(cpu);
      const g = next?.group ?? null;
      if (next === null || g === null) return next;
      const i = cpu.id;
      if (g.thr[i] === 0) {
        if (this.bwTopUp(g, i)) return next;
        this.throttleCpu(g, i);
      }
      this.park(g, next, i);
    }
  }

  private dispatch(cpu: Cpu, t: Thread, extraDelay: Nanos): void {
    t.rqCpu = -1;
    t.cpu = cpu;
    cpu.curr = t;
    // The thread is the queue's current one from the pick on, as in Linux (set_next_entity
    // before context_switch): its slice and vruntime count the switch, and threads queued
    // meanwhile see it running.
    cpu.rq.setCurr(t, this.now);
    this.setState(t, 'running', this.traceWhy ? this.texts.dispatched(cpu.id) : '', cpu.id);
    if (t.group !== null) this.bwOn(t.group, cpu.id);
    const cost = (t === cpu.last ? 0 : this.costs.contextSwitch) + extraDelay;
    if (t !== cpu.last) cpu.switches++;
    cpu.phase = 'switching';
    cpu.since = this.now;
    cpu.ev.kind = EV_SWITCH;
    this.engine.at(cpu.ev, this.now + cost);
    if (this.trace !== null) this.emitCpu(cpu, t.id, 'switch');
  }

  private switchDone(cpu: Cpu): void {
    const t = cpu.curr!;
    cpu.switchNs += this.now - cpu.since;
    cpu.phase = 'running';
    cpu.since = this.now;
    cpu.last = t;
    if (this.trace !== null) this.emitCpu(cpu, t.id, 'run');
    if (cpu.needResched) {
      cpu.needResched = false;
      if (cpu.rq.nr > 0 || (t.group !== null && t.group.thr[cpu.id] === 1)) {
        this.preemptNow(cpu, cpu.needReschedWhy);
        return;
      }
    }
    this.armSlice(cpu, false); // cpu.ev is not queued yet: the check stays pending
    if (t.burst > 0 && !t.interruptPending) {
      t.burstStart = this.now;
      cpu.ev.kind = EV_BURST;
      this.engine.at(cpu.ev, this.now + t.burst);
      if (cpu.slicePending) this.syncSlice(cpu);
    } else {
      this.runBody(t);
    }
  }

  /**
   * Decides the next slice check for `cpu`'s running thread. Most bursts end before their
   * slice check (rr's 100 ms quantum, cfs's milliseconds, against bursts of microseconds),
   * and a check that never fires would cost a heap insertion and a removal per dispatch. So
   * the check only enters the event queue once it could be the next thing to happen on the
   * CPU: while the thread's burst ends first, or its body is still deciding what to do, it
   * waits in `cpu.slicePending` with the insertion number it would have had
   * (reserveSeq), and syncSlice() queues it at the next point where that changes. Every
   * event that fires keeps its time and key, so runs are exactly as with eager arming.
   */
  // SIM: the slice check is armed only at the tick where the policy could preempt (Linux
  // checks at every tick): the same preemptions, without an event per tick.
  private armSlice(cpu: Cpu, afterTick: boolean): void {
    const t = cpu.curr!;
    let at = cpu.rq.nextCheck(t, this.now);
    if (at === Infinity) {
      this.engine.cancel(cpu.sliceEv);
      cpu.slicePending = false;
      return;
    }
    if (at < this.now || (afterTick && at <= this.now)) at = this.now + (afterTick ? 1 : 0);
    cpu.sliceAt = at;
    cpu.sliceSeq = this.engine.reserveSeq();
    cpu.slicePending = true;
    if (this.inBody === t || !this.syncSlice(cpu)) this.engine.cancel(cpu.sliceEv);
  }

  /**
   * Queues `cpu`'s pending slice check (moving it if an older one is queued) unless the
   * current burst still ends before it; returns whether it did.
   */
  private syncSlice(cpu: Cpu): boolean {
    const ev = cpu.ev;
    if (!ev.queued || (ev.kind === EV_BURST && this.engine.timeOf(ev) < cpu.sliceAt)) return false;
    cpu.slicePending = false;
    this.engine.atReserved(cpu.sliceEv, cpu.sliceAt, cpu.sliceSeq);
    return true;
  }

  // SIM: placement without wake_affine, LLC domains or PELT load: a new thread goes to an idle
  // CPU or the one with the fewest threads; a woken one (selectCpuWake) to its previous CPU if
  // idle, else any idle CPU, else its previous CPU.
  private selectCpuFork(creator: Thread | null): Cpu {
    const cpus = this.cpus;
    const n = cpus.length;
    const start = creator?.cpu?.id ?? 0;
    if (this.idleCount > 0) {
      for (let i = 0; i < n; i++) {
        const c = cpus[(start + i) % n]!;
        if (c.idle) return c;
      }
    }
    let best = cpus[start]!;
    for (let i = 1; i < n; i++) {
      const c = cpus[(start + i) % n]!;
      if (c.nrRunning < best.nrRunning) best = c;
    }
    return best;
  }

  private selectCpuWake(t: Thread, fromCpu: number): Cpu {
    const cpus = this.cpus;
    const prev = t.lastCpu >= 0 ? cpus[t.lastCpu]! : fromCpu >= 0 ? cpus[fromCpu]! : cpus[0]!;
    if (prev.idle || this.idleCount === 0) return prev;
    const n = cpus.length;
    for (let i = 1; i < n; i++) {
      const c = cpus[(prev.id + i) % n]!;
      if (c.idle) return c;
    }
    return prev;
  }

  /**
   * newidle balance: an idle CPU takes the next thread of the busiest queue.
   * SIM: load is the number of queued threads (no PELT, no sched domains); periodicBalance
   * evens out queue lengths the same way.
   */
  private idlePull(cpu: Cpu): Thread | null {
    if (this.cpus.length === 1) return null;
    let busiest: Cpu | null = null;
    for (const c of this.cpus) {
      // Not from a CPU inside its own schedule() (no curr, not idle: a pick there that throttles
      // a bandwidth group preempts this one): its queue may hold the thread it is putting back,
      // still running on it (Linux: its rq is locked, and can_migrate_task skips task_on_cpu).
      if (c.curr === null && c.phase !== 'idle') continue;
      if (c !== cpu && c.rq.nr > 0 && (busiest === null || c.rq.nr > busiest.rq.nr)) busiest = c;
    }
    if (busiest === null) return null;
    let t = this.takeFor(busiest, cpu);
    if (t === null) {
      // None of its threads may move here (their group is throttled on this CPU): the next
      // busiest queue, as load_balance retries without the CPU whose tasks all stay.
      const tried = new Set<Cpu>([busiest]);
      for (;;) {
        let next: Cpu | null = null;
        for (const c of this.cpus) {
          if (c === cpu || tried.has(c) || c.rq.nr === 0 || (c.curr === null && c.phase !== 'idle')) continue;
          if (next === null || c.rq.nr > next.rq.nr) next = c;
        }
        if (next === null) return null;
        tried.add(next);
        t = this.takeFor(next, cpu);
        if (t !== null) {
          busiest = next;
          break;
        }
      }
    }
    this.migrate(t, busiest, cpu, 'idle pull');
    const got = cpu.rq.pickNext(this.now);
    // Pulled, then parked: its group's runtime here was used up, and the CPU is throttled for
    // the group. Pull again, as Linux's newidle balance does when it moved tasks but has none
    // to run (pick_next_task_fair: `goto again`); the group's threads may no longer come here,
    // so this ends.
    if (got === null && t.throttled) return this.idlePull(cpu);
    return got;
  }

  /**
   * The thread a migration takes from `from`'s queue for `to`: the next one to run there,
   * passing over (as Linux's can_migrate_task does through throttled_lb_pair) the threads of
   * a bandwidth group throttled on `to`; null if none may move.
   */
  private takeFor(from: Cpu, to: Cpu): Thread | null {
    let barred = false;
    for (const g of this.groups) if (g.thr[to.id] === 1) barred = true;
    if (!barred) return from.rq.pickNext(this.now);
    for (const t of from.rq.snapshot()) {
      if (t.group !== null && t.group.thr[to.id] === 1) continue;
      from.rq.dequeue(t, this.now);
      return t;
    }
    return null;
  }

  /**
   * Moves queued thread `t` (already taken off `from`'s queue) to `to`'s queue. A thread of a
   * bandwidth group is dequeued and enqueued as Linux's detach_task / attach_task do: the
   * source accounts for its leaving (bwDetach), and the destination takes it as any arrival
   * (requeue: it may find its runtime for the group used up and be throttled, with `t` parked
   * there). The move is traced
   * first, so the timeline has `t` on `to` when either CPU is throttled.
   */
  private migrate(t: Thread, from: Cpu, to: Cpu, why: string): void {
    from.rq.detach?.(t);
    this.migrations++;
    t.rqCpu = to.id;
    if (this.trace !== null) {
      // Refilled, not built per migration (idle pulls are frequent).
      const ev = this.migrateEv;
      ev.t = this.now;
      ev.tid = t.id;
      ev.from = from.id;
      ev.to = to.id;
      ev.why = why;
      this.trace.emit(ev);
    }
    if (t.group !== null) this.bwDetach(t.group, from);
    this.requeue(t, to, 'migrated');
    if (from.curr !== null && from.phase === 'running') this.armSlice(from, false);
  }

  /** Periodic balance: move queued threads from the busiest to the least busy CPU. */
  private periodicBalance(): void {
    const cpus = this.cpus;
    let anyQueued = false;
    // CPUs whose queued threads may not move to this round's least loaded CPU (their group is
    // throttled there): passed over, as load_balance retries without them.
    let stuck: Set<Cpu> | null = null;
    for (let guard = 0; guard < cpus.length * 4; guard++) {
      let hi: Cpu | null = null;
      let lo = cpus[0]!;
      for (const c of cpus) {
        if ((stuck === null || !stuck.has(c)) && (hi === null || c.nrRunning > hi.nrRunning)) hi = c;
        if (c.nrRunning < lo.nrRunning) lo = c;
      }
      if (hi === null || hi.nrRunning - lo.nrRunning < 2 || hi.rq.nr === 0) break;
      const t = this.takeFor(hi, lo);
      if (t === null) {
        (stuck ??= new Set()).add(hi);
        continue;
      }
      this.migrate(t, hi, lo, 'periodic load balance');
      if (lo.curr === null) {
        // Idle, and counted so: before the move, or since it, when the thread's arrival found
        // the group's runtime used up there and the throttle preempted the group's running
        // thread. schedule() counts it again if it stays idle.
        this.idleCount--;
        this.schedule(lo, 0);
      } else if (lo.phase === 'running') {
        this.armSlice(lo, false);
      }
    }
    for (const c of cpus) if (c.rq.nr > 0) anyQueued = true;
    if (anyQueued) this.engine.at(this.balanceEv, this.now + this.config.balanceIntervalNs);
  }

  // ------------------------------------------------------------------ bandwidth

  /** A thread of `g` starts holding CPU `i`: its local runtime starts draining. */
  private bwOn(g: BandwidthGroup, i: number): void {
    const now = this.now;
    this.rollPeriod(g, now);
    g.on[i] = 1;
    g.mark[i] = now;
    g.running++;
    this.armBwCheck(g, i);
    if (!g.refillEv!.queued) this.engine.at(g.refillEv!, g.periodEnd());
  }

  /**
   * A thread of `g` leaves `cpu`. When it blocked or exited and no other thread of the group
   * is queued there, the CPU returns its local runtime above 1 ms to the pool
   * (return_cfs_rq_runtime), to be handed to throttled CPUs by the slack timer.
   */
  private bwOff(g: BandwidthGroup, cpu: Cpu, gone: boolean): void {
    const i = cpu.id;
    const now = this.now;
    g.update(i, now);
    g.on[i] = 0;
    g.running--;
    this.engine.cancel(g.checkEv[i]!);
    if (!gone) return;
    if (g.thr[i] === 0 && !this.bwTopUp(g, i)) {
      // Leaving with its runtime overrun (noticed only now, by the dequeue's update_curr) and
      // no slice to be had: the CPU is throttled although no thread of the group is left
      // there (put_prev_entity → check_cfs_rq_runtime, "throttle-on-deactivate").
      this.throttleCpu(g, i);
      return;
    }
    if (!this.queuesGroup(cpu, g)) this.returnSlack(g, i);
  }

  /**
   * A queued thread of `g` leaves `cpu` for another CPU (detach_task → dequeue_entity). The
   * dequeue's update_curr charges the group's thread holding the CPU, if any, and may find
   * its runtime used up before the tick would (then topped up from the pool, or the CPU is
   * throttled); with no thread of the group left there, running or queued, the CPU returns
   * its runtime above 1 ms to the pool (return_cfs_rq_runtime).
   */
  private bwDetach(g: BandwidthGroup, cpu: Cpu): void {
    const i = cpu.id;
    if (g.on[i] === 1) this.bwAccount(g, i);
    else if (!this.queuesGroup(cpu, g)) this.returnSlack(g, i);
  }

  /** Whether a thread of `g` is queued on `cpu`. */
  private queuesGroup(cpu: Cpu, g: BandwidthGroup): boolean {
    if (cpu.rq.nr > 0) for (const t of cpu.rq.snapshot()) if (t.group === g) return true;
    return false;
  }

  /**
   * __return_cfs_rq_runtime: CPU `i`, left with no thread of `g`, gives its local runtime above
   * 1 ms back to the pool; when the pool then holds more than a slice and a CPU is throttled,
   * the slack timer hands it out 5 ms later.
   */
  private returnSlack(g: BandwidthGroup, i: number): void {
    const now = this.now;
    const slack = g.rem[i]! - MIN_CFS_RQ_RUNTIME;
    if (slack <= 0) return;
    this.rollPeriod(g, now);
    g.pool += slack;
    g.rem[i] = MIN_CFS_RQ_RUNTIME;
    if (g.pool > g.slice && g.throttled) {
      // start_cfs_slack_bandwidth: not when the period ends soon, nor twice.
      if (g.periodEnd() - now < SLACK_PERIOD + MIN_BANDWIDTH_EXPIRATION || g.slackStarted) return;
      g.slackStarted = true;
      this.engine.at(g.slackEv!, now + SLACK_PERIOD);
    }
  }

  /**
   * May a Runnable thread of `g` be queued on CPU `i`? Not while the group is throttled
   * there; and when no thread of the group holds the CPU and its local runtime is used up,
   * only if the pool can top it up, else the group is throttled there now
   * (check_enqueue_throttle).
   */
  private bwAdmit(g: BandwidthGroup, i: number): boolean {
    return g.thr[i] === 0 && this.bwAccount(g, i);
  }

  /**
   * CPU `i`'s runtime for `g`, checked as an enqueue or dequeue there does (update_curr →
   * account_cfs_rq_runtime): a thread of the group holding the CPU is charged first, which may
   * find its runtime used up before the tick would. True when the runtime is positive or the
   * pool tops it up; else the CPU is throttled.
   */
  private bwAccount(g: BandwidthGroup, i: number): boolean {
    const held = g.on[i] === 1;
    if (held) g.update(i, this.now);
    if (g.rem[i]! > 0) return true;
    if (this.bwTopUp(g, i)) {
      if (held) this.armBwCheck(g, i);
      return true;
    }
    this.throttleCpu(g, i);
    return false;
  }

  /**
   * Whether CPU `i`'s local runtime is positive, topping it up with a slice (and what it
   * overran) from the pool when it is not (__account_cfs_rq_runtime → assign_cfs_rq_runtime).
   */
  private bwTopUp(g: BandwidthGroup, i: number): boolean {
    if (g.rem[i]! > 0) return true;
    this.rollPeriod(g, this.now);
    return g.assign(i, g.slice);
  }

  /**
   * Arms CPU `i`'s runtime check at the tick where the kernel's update_curr sees its local
   * runtime used up (exactly then without ticks).
   */
  private armBwCheck(g: BandwidthGroup, i: number): void {
    const out = this.now + Math.max(0, g.rem[i]!);
    const tick = this.config.tickNs;
    this.engine.at(g.checkEv[i]!, tick > 0 ? tickAfter(out - 1, tick) : out);
  }

  /** The check: top the local runtime up with a slice from the pool, or throttle the CPU. */
  private bwCheck(g: BandwidthGroup, i: number): void {
    if (g.on[i] === 0 || g.thr[i] === 1) return;
    g.update(i, this.now);
    if (this.bwTopUp(g, i)) {
      this.armBwCheck(g, i);
      return;
    }
    this.throttleCpu(g, i);
  }

  /** Starts a new period if time has passed the current one (lazy refill for idle groups). */
  private rollPeriod(g: BandwidthGroup, now: Nanos): void {
    const k = Math.floor((now - g.phase) / g.period);
    if (k > g.periodIndex) {
      g.periodIndex = k;
      g.pool = g.quota;
    }
  }

  /** The period timer: refill the pool, count the period, hand runtime to throttled CPUs. */
  private refill(g: BandwidthGroup): void {
    const now = this.now;
    this.rollPeriod(g, now);
    g.nrPeriods++;
    if (g.throttled) {
      g.nrThrottled++;
      this.distribute(g);
    }
    if (g.running > 0 || g.parked.length > 0 || g.throttled) this.engine.at(g.refillEv!, g.periodEnd());
  }

  /**
   * distribute_cfs_runtime: each throttled CPU, in the order they were throttled, gets what
   * it overran plus 1 ns while the pool lasts, and is unthrottled.
   */
  private distribute(g: BandwidthGroup): void {
    const ready: number[] = [];
    const list = g.throttledList;
    let kept = 0;
    const now = this.now;
    for (const i of list) {
      // A CPU throttled while it still switched to its thread has not let it go yet: charge it.
      g.update(i, now);
      if (g.pool > 0) {
        const amount = Math.min(1 - g.rem[i]!, g.pool);
        g.pool -= amount;
        g.rem[i] = g.rem[i]! + amount;
      }
      if (g.rem[i]! > 0) ready.push(i);
      else list[kept++] = i;
    }
    list.length = kept;
    for (const i of ready) this.unthrottleCpu(g, i);
  }

  /** The slack timer: hand returned runtime to throttled CPUs, unless the period ends soon. */
  private slackTimer(g: BandwidthGroup): void {
    g.slackStarted = false;
    const now = this.now;
    this.rollPeriod(g, now);
    if (g.periodEnd() - now < MIN_BANDWIDTH_EXPIRATION) return;
    if (g.pool > g.slice && g.throttled) this.distribute(g);
  }

  /** The group's local runtime on CPU `i` is used up and the pool is empty: throttle it there. */
  private throttleCpu(g: BandwidthGroup, i: number): void {
    const now = this.now;
    g.thr[i] = 1;
    // No runtime check while throttled (a thread still switching in keeps the CPU until its
    // switch ends): the unthrottle arms it again.
    this.engine.cancel(g.checkEv[i]!);
    // Throttled time counts while a thread of the group waits there (cfs_rq->throttled_clock).
    g.thrSince[i] = -1;
    g.throttledList.push(i);
    if (this.trace !== null) this.trace.emit(traceEvent({ k: 'throttle', t: now, group: g.name, cpu: i, on: true }));
    const cpu = this.cpus[i]!;
    // Queued threads of the group wait off the queue until the CPU is unthrottled.
    if (cpu.rq.nr > 0) {
      for (const t of cpu.rq.snapshot()) {
        if (t.group === g) {
          cpu.rq.dequeue(t, now);
          this.park(g, t, i);
        }
      }
    }
    const c = cpu.curr;
    if (c !== null && c.group === g) this.preempt(cpu, `throttled: group ${g.name} used its quota`);
    else if (c !== null && cpu.phase === 'running') this.armSlice(cpu, false);
    if (!g.refillEv!.queued) this.engine.at(g.refillEv!, g.periodEnd());
  }

  /** A Runnable thread of `g` waits on CPU `i`, where the group is throttled. */
  private park(g: BandwidthGroup, t: Thread, i: number): void {
    t.throttled = true;
    t.rqCpu = i;
    g.parked.push(t);
    if (g.thrSince[i]! < 0) g.thrSince[i] = this.now;
  }

  private unthrottleCpu(g: BandwidthGroup, i: number): void {
    const now = this.now;
    g.thr[i] = 0;
    if (g.thrSince[i]! >= 0) g.throttledNs += now - g.thrSince[i]!;
    // Still holding the CPU (throttled during its switch, the preemption not yet done): it
    // goes on, and its runtime is checked again.
    if (g.on[i] === 1) this.armBwCheck(g, i);
    if (this.trace !== null) this.trace.emit(traceEvent({ k: 'throttle', t: now, group: g.name, cpu: i, on: false }));
    const cpu = this.cpus[i]!;
    const back: Thread[] = [];
    let kept = 0;
    for (const t of g.parked) {
      if (t.rqCpu === i) back.push(t);
      else g.parked[kept++] = t;
    }
    g.parked.length = kept;
    for (const t of back) {
      t.throttled = false;
      this.enqueueRunnable(t, cpu, 'unthrottled', -1, 'bandwidth refilled');
    }
  }

  // ------------------------------------------------------------------ checks

  /** Whole-state invariant check (run after every event in tests). */
  check(): void {
    let idle = 0;
    const seen = new Set<Thread>();
    for (const cpu of this.cpus) {
      if (cpu.idle) idle++;
      const c = cpu.curr;
      if (cpu.slicePending) {
        // Held back only while something on the CPU comes first and then re-checks: the
        // burst's end, or a body run (after an interrupt or a yield) at or before the check.
        const ev = cpu.ev;
        invariant(
          c !== null && !cpu.sliceEv.queued && ev.queued && (ev.kind === EV_BURST ? this.engine.timeOf(ev) < cpu.sliceAt : this.engine.timeOf(ev) <= cpu.sliceAt),
          () => `check: cpu ${cpu.id} holds back a slice check at ${cpu.sliceAt} that could fire first (cpu.ev kind ${ev.kind} at ${this.engine.timeOf(ev)})`,
        );
      }
      if (c !== null) {
        invariant(c.state === 'running' && c.cpu === cpu, () => `check: cpu ${cpu.id} curr thread ${c.id} is ${c.state}`);
        invariant(!seen.has(c), () => `check: thread ${c.id} on two CPUs`);
        seen.add(c);
        invariant(cpu.phase !== 'idle', () => `check: cpu ${cpu.id} idle with a thread`);
      } else {
        invariant(cpu.phase === 'idle', () => `check: cpu ${cpu.id} is ${cpu.phase} without a thread`);
        invariant(cpu.rq.nr === 0, () => `check: cpu ${cpu.id} idle with ${cpu.rq.nr} queued threads`);
      }
      for (const t of cpu.rq.snapshot()) {
        invariant(t.state === 'runnable' && !t.throttled, () => `check: queued thread ${t.id} is ${t.state}`);
        invariant(t.rqCpu === cpu.id, () => `check: thread ${t.id} queued on cpu ${cpu.id} but rqCpu=${t.rqCpu}`);
        invariant(!seen.has(t), () => `check: thread ${t.id} is on two queues or queued while running`);
        seen.add(t);
      }
    }
    invariant(idle === this.idleCount, () => `check: idleCount ${this.idleCount} but ${idle} CPUs idle`);
    for (const g of this.groups) {
      let running = 0;
      for (const cpu of this.cpus) {
        const on = cpu.curr !== null && cpu.curr.group === g ? 1 : 0;
        running += on;
        invariant(g.on[cpu.id] === on, () => `check: group ${g.name} holds cpu ${cpu.id}: ${g.on[cpu.id]}, found ${on}`);
        invariant((g.thr[cpu.id] === 1) === g.throttledList.includes(cpu.id), () => `check: group ${g.name}'s throttled list disagrees on cpu ${cpu.id}`);
        invariant(g.thr[cpu.id] === 0 || !g.checkEv[cpu.id]!.queued, () => `check: group ${g.name} is throttled on cpu ${cpu.id} with a runtime check armed`);
      }
      invariant(new Set(g.throttledList).size === g.throttledList.length, () => `check: group ${g.name} is throttled twice on one cpu (${g.throttledList.join(', ')})`);
      invariant(running === g.running, () => `check: group ${g.name} counts ${g.running} running, found ${running}`);
      for (const t of g.parked) {
        invariant(t.state === 'runnable' && t.throttled && !seen.has(t) && g.thr[t.rqCpu] === 1, () => `check: parked thread ${t.id} is inconsistent`);
        seen.add(t);
      }
    }
    let live = 0;
    for (const t of this.threads) {
      if (t.state !== 'exited') live++;
      if (t.state === 'runnable') invariant(seen.has(t), () => `check: runnable thread ${t.id} is on no queue (lost)`);
      if (t.state === 'running') invariant(seen.has(t), () => `check: running thread ${t.id} is on no CPU`);
      if (t.state === 'waiting') invariant(!seen.has(t), () => `check: waiting thread ${t.id} is queued`);
    }
    invariant(live === this.live, () => `check: live count ${this.live} but ${live} threads live`);
  }

  /** Brings per-state and per-CPU accounts up to `now` (call once at the end of a run). */
  finish(): void {
    const now = this.now;
    for (const t of this.threads) {
      const d = now - t.since;
      if (t.state === 'running') t.runningNs += d;
      else if (t.state === 'runnable') t.runnableNs += d;
      else if (t.state === 'waiting') t.waitingNs += d;
      t.since = now;
    }
    for (const cpu of this.cpus) {
      const d = now - cpu.since;
      if (cpu.phase === 'idle') cpu.idleNs += d;
      else if (cpu.phase === 'switching') cpu.switchNs += d;
      else if (cpu.curr !== null && cpu.ev.queued && cpu.ev.kind === EV_BURST) cpu.runNs += now - cpu.curr.burstStart;
      cpu.since = now;
    }
    for (const g of this.groups) {
      for (const i of g.throttledList) {
        if (g.thrSince[i]! < 0) continue;
        g.throttledNs += now - g.thrSince[i]!;
        g.thrSince[i] = now;
      }
    }
  }
}
