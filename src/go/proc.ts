/**
 * The Go runtime scheduler (golang/go src/runtime/proc.go, Go 1.25) as an execution model on
 * top of the simulated OS. Function names mirror the runtime's; docs/go-scheduler-spec.md
 * (shared/go-scheduler-spec.md) gives each rule with its source.
 *
 * Two levels. Every M is an OS thread of the kernel model: the scheduler code and goroutines
 * run only while that thread holds a hardware thread, and an M that parks (stopm), blocks in a
 * syscall or in netpoll, or sleeps (usleep) is a Waiting OS thread. So GOMAXPROCS above the
 * CPU count, other processes' threads, CPU quotas and thread creation all cost what they cost
 * on a machine.
 *
 * How an M runs. Its thread body (`run`) is a small state machine (MState in runtime2.ts). In
 * 'schedule' it runs findRunnable's search (steps 1–12 of the spec's §4.2) at one instant, then
 * spends the CPU time that search costs (a goroutine switch, plus one `stealProbe` per victim
 * looked at, plus a netpoll), and only then executes the G it found — or, if it found nothing,
 * runs steps 16–19 (drop the P, re-check, block in netpoll or stopm) with fresh state. The
 * G runs its program's ops through the shared runner; compute is a CPU burst of the M's
 * thread, and the other ops park the G (netpoller, timers, channels…), block the M (syscall),
 * or yield.
 *
 * SIM (each also marked where it applies, and listed in docs/fidelity.md):
 * - no GC (no STW, no mark workers, no assists), no LockOSThread, no cgo callbacks, no
 *   GOMAXPROCS changes at run time;
 * - findRunnable's search happens at one instant; its cost is charged after the decision;
 * - a new M's thread-creation cost is charged to the new thread, not to its creator;
 * - netpoll returns ready goroutines in the order their IO completed (epoll's order is the
 *   kernel's); all of them in one call (no 128-event batch limit);
 * - the initial batch of a workload is created by `main` on P0 at time 0 without cost, and
 *   tasks arriving later come in through the netpoller (as if a connection became readable);
 * - Go 1.25's syscall design (_Psyscall); 1.26's is described in the spec but not modelled.
 */
import { invariant, InvariantError } from '../engine/assert.js';
import { Phase, type Engine } from '../engine/engine.js';
import type { EventHandler, SimEvent } from '../engine/event-queue.js';
import type { Rng } from '../engine/rng.js';
import { formatDuration, type Nanos } from '../engine/time.js';
import type { ExecModel } from '../exec/model.js';
import type { BandwidthGroup } from '../os/bandwidth.js';
import type { Kernel } from '../os/kernel.js';
import { Samples } from '../metrics/stats.js';
import type { Thread, ThreadBody } from '../os/thread.js';
import { Action, type Runner } from '../program/runner.js';
import { FatalError } from '../program/sync.js';
import type { Task } from '../program/task.js';
import { newEvent, traceEvent, type GCountsEvent, type GRunqEvent, type GStateEvent, type GTakeEvent, type MStateEvent, type PRunEvent, type PStateEvent, type RunqEvent, type TraceSink } from '../trace/events.js';
import {
  FORCE_PREEMPT_NS,
  GLOBAL_RUNQ_BATCH,
  GLOBAL_RUNQ_FAIRNESS_TICKS,
  LOCAL_RUNQ_SIZE,
  RUNNEXT_STEAL_BACKOFF_NS,
  RUNQ_SPILL,
  STEAL_TRIES,
  SYSCALL_RETAKE_NS,
  type GoParams,
} from './params.js';
import { G, GQueue, M, P, Q_GLOBAL, Q_NETPOLL, Q_NONE, type GStatus, type PStatus } from './runtime2.js';
import { TimerHeap } from './timers.js';
import { Sysmon } from './sysmon.js';

/** Result of findRunnable's search phase. */
/**
 * Goroutines an M runs back to back within one event, when switching to them costs no time
 * (findRunnable found one at no cost: a goroutine that exits or parks at once, or zero Go
 * costs), before it goes on in a new event at the same instant. execute → runG → schedule →
 * execute is a recursion in this model; without the bound, a long enough chain of
 * goroutines that take no time overflows the JavaScript stack (found with a program that only
 * spawns itself). SIM: the same instants and order; only the event count differs.
 */
const MAX_EXECUTE_DEPTH = 64;

const FR_FOUND = 0;
const FR_NOTHING = 1;
const FR_USLEEP = 2;
const FR_AGAIN = 3;

const EV_IO = 0;

/** randomOrder (proc.go): enumerate 0..n-1 from a random start with a random coprime stride. */
class RandomOrder {
  readonly coprimes: number[] = [];
  constructor(readonly count: number) {
    for (let i = 1; i <= count; i++) if (gcd(i, count) === 1) this.coprimes.push(i);
  }
  start(r: number): number[] {
    const n = this.count;
    const out = new Array<number>(n);
    let pos = r % n;
    const inc = this.coprimes[Math.floor(r / n) % this.coprimes.length]!;
    for (let i = 0; i < n; i++) {
      out[i] = pos;
      pos = (pos + inc) % n;
    }
    return out;
  }
}

/** Why a sleep timer fired when it did (timers run only when some M checks that P's heap). */
function timerWhy(owner: P, runnerP: P, late: Nanos): string {
  const by = owner === runnerP ? `by P${owner.id} in findRunnable` : `by P${runnerP.id} stealing P${owner.id}'s timers`;
  if (late <= 0) return `timer fired on time (run ${by})`;
  return `timer fired ${formatDuration(late)} late (run ${by}; a P's timers run only when it schedules, is stolen from, or the netpoller wakes)`;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export class GoRuntime implements ExecModel, ThreadBody, EventHandler {
  readonly name: string;
  readonly allp: P[] = [];
  readonly allm: M[] = [];
  // ---- sched (runtime2.go schedt) ----
  readonly runq = new GQueue();
  readonly midle: M[] = [];
  readonly pidle: P[] = [];
  npidle = 0;
  nmspinning = 0;
  needspinning = 0;
  /** sched.lastpoll: time of the last netpoll; the M blocked in netpoll when non-null ("lastpoll == 0"). */
  lastpoll: Nanos = 0;
  pollerM: M | null = null;
  /** Traced runs only, by goid: when the G's IO became ready (-1: not waiting on ready IO), and whether an M was blocked in netpoll then. */
  private readonly ioReadyAt: number[] = [];
  private readonly ioReadyPolled: number[] = [];
  pollUntil: Nanos = 0;
  sysmonwait = false;
  netpollInited = false;
  // ---- netpoller ----
  readonly netpollReadyQ: G[] = [];
  netpollWaiters = 0;
  // ---- bookkeeping ----
  /** The M whose thread body is executing now (bodies never nest). */
  curM: M | null = null;
  trace: TraceSink | null = null;
  /** The Go events a traced run emits most, refilled for each emit (a sink copies what it keeps). */
  private readonly gstateEv: GStateEvent = newEvent('gstate');
  private readonly prunEv: PRunEvent = newEvent('prun');
  private readonly pstateEv: PStateEvent = newEvent('pstate');
  private readonly mstateEv: MStateEvent = newEvent('mstate');
  private readonly gtakeEv: GTakeEvent = newEvent('gtake');
  private readonly runqEv: RunqEvent = newEvent('runq');
  private readonly grunqEv: GRunqEvent = newEvent('grunq');
  private readonly gcountsEv: GCountsEvent = Object.assign(newEvent('gcounts'), { live: -1, spinning: -1, idleP: -1, threads: -1 });
  /** The M lanes' labels naming a goroutine ("G12", "syscall (G12)"), by goroutine id (built once). */
  private readonly gLabels: string[] = [];
  private readonly gSyscallLabels: string[] = [];
  readonly stealOrder: RandomOrder;
  readonly sysmon: Sysmon;
  private nextGoid = 1;
  private liveGs = 0;
  private initialDone = false;
  private probes = 0;
  private searchNetpolled = false;
  /** executeNext calls nested in this event (MAX_EXECUTE_DEPTH). */
  private executeDepth = 0;
  // ---- metrics ----
  goroutinesCreated = 0;
  maxLiveGoroutines = 0;
  steals = 0;
  stolenGs = 0;
  handoffs = 0;
  preemptions = 0;
  threadsCreated = 0;
  spinningNs: Nanos = 0;
  netpollReady = 0;
  globalRunqMax = 0;
  schedules = 0;
  syscallRetakes = 0;
  timersRun = 0;
  readonly gSchedLatency = new Samples();
  /** How late each sleep timer fired (fire time − when). */
  readonly timerLateness = new Samples();

  constructor(
    readonly engine: Engine,
    readonly kernel: Kernel,
    readonly runner: Runner,
    readonly gomaxprocs: number,
    readonly params: GoParams,
    readonly group: BandwidthGroup | null,
    readonly rng: Rng,
  ) {
    this.name = `go:${gomaxprocs}`;
    runner.syncOpNs = params.costs.syncOp;
    this.stealOrder = new RandomOrder(gomaxprocs);
    this.sysmon = new Sysmon(this);
  }

  get now(): Nanos {
    return this.engine.now;
  }

  get costs(): GoParams['costs'] {
    return this.params.costs;
  }

  // ======================================================================= start-up

  /** schedinit + runtime.main: allp, M0 running on P0, sysmon. */
  start(): void {
    for (let i = 0; i < this.gomaxprocs; i++) this.allp.push(new P(i, new TimerHeap()));
    // procresize leaves every P but P0 idle; pidle is LIFO, so push the highest first.
    for (let i = this.gomaxprocs - 1; i >= 1; i--) this.pidleput(this.allp[i]!);
    if (this.trace !== null) for (let i = 1; i < this.gomaxprocs; i++) this.trace.emit(traceEvent({ k: 'pstate', t: 0, p: i, from: 'Pidle', to: 'Pidle', m: -1, why: 'procresize: idle at start' }));
    const m0 = this.allocm(this.allp[0]!, false);
    m0.st = 'schedule';
    this.acquirep(m0, this.allp[0]!);
    m0.nextp = null;
    this.spawnThread(m0, 'M0');
    const sm = this.allocm(null, false);
    sm.st = 'sysmon';
    this.sysmon.m = sm;
    this.spawnThread(sm, 'sysmon');
  }

  afterStart(): void {
    this.initialDone = true;
    // A workload with arrivals has a listener: the netpoller is in use from the start, and an
    // idle M blocks in netpoll waiting for connections.
    if (this.runner.pendingArrivals > 0) this.netpollInited = true;
    // The counters from time 0, as schedtrace's first line reads them (not after the first M's turn).
    if (this.trace !== null) this.traceCounts();
  }

  private allocm(nextp: P | null, spinning: boolean): M {
    if (this.allm.length >= this.params.maxThreads) {
      throw new FatalError(`runtime: program exceeds ${this.params.maxThreads}-thread limit\nfatal error: thread exhaustion`);
    }
    const mp = new M(this.allm.length);
    mp.nextp = nextp;
    this.allm.push(mp);
    this.threadsCreated++;
    if (spinning) this.setSpinning(mp, true);
    return mp;
  }

  /** The first `n` of the Ms sysmon is creating get their threads, now that it has paid for them. */
  spawnNewMs(ms: M[], n: number): void {
    for (const mp of ms.splice(0, n)) this.spawnThread(mp, `M${mp.id}`);
  }

  private spawnThread(mp: M, name: string): void {
    mp.thread = this.kernel.spawn(name, this, { group: this.group, creator: this.curM?.thread ?? null });
    mp.thread.owner = mp;
    if (this.trace !== null) this.trace.emit(traceEvent({ k: 'mstate', t: this.now, m: mp.id, tid: mp.thread.id, what: 'created', p: mp.nextp?.id ?? -1, why: 'newm' }));
  }

  // ======================================================================= ExecModel

  /** newproc (the `go` statement) or a goroutine arriving from outside. */
  submit(task: Task, parent: Task | null): Nanos {
    // SIM: goids are sequential; the runtime hands them out to Ps in batches of 16 (_GoidCacheBatch).
    const gp = new G(this.nextGoid++, task);
    task.exec = gp;
    this.goroutinesCreated++;
    this.liveGs++;
    if (this.liveGs > this.maxLiveGoroutines) this.maxLiveGoroutines = this.liveGs;
    if (this.trace !== null) this.trace.emit(traceEvent({ k: 'g', t: this.now, g: gp.goid, name: task.name, parent: (parent?.exec as G | null)?.goid ?? 0 }));
    if (parent !== null) {
      const pp = this.curM?.p ?? null;
      invariant(pp !== null, 'newproc: no current P');
      this.casgstatus(gp, 'Gidle', 'Grunnable', 'go statement');
      this.runqput(pp, gp, true);
      this.wakep();
      return this.costs.goStatement;
    }
    if (!this.initialDone) {
      // The initial batch: created by main on P0 at time 0 (SIM: without cost).
      this.casgstatus(gp, 'Gidle', 'Grunnable', 'created by main');
      this.runqput(this.allp[0]!, gp, true);
      this.wakep();
      return 0;
    }
    // An arrival: its goroutine becomes ready through the netpoller.
    // SIM: no listener goroutine; the request's goroutine appears as if its connection became readable.
    this.casgstatus(gp, 'Gidle', 'Gwaiting', 'arrival');
    gp.waitreason = 'IO wait';
    this.netpollInited = true;
    this.netpollWaiters++;
    this.netpollMarkReady(gp);
    // Outside any M's turn (which ends with the counters): the live-goroutine count rises now.
    if (this.trace !== null) this.traceCounts();
    return 0;
  }

  /** goready / ready(gp, next=true): runnext of the waker's P, then wakep. */
  ready(task: Task, waker: Task | null, handoff: boolean): void {
    const gp = task.exec as G;
    this.casgstatus(gp, 'Gwaiting', 'Grunnable', this.trace === null ? '' : waker !== null ? `readied by G${(waker.exec as G).goid}` : 'readied');
    const pp = this.curM?.p ?? null;
    if (pp === null) {
      this.globrunqput(gp);
    } else {
      this.runqput(pp, gp, true);
    }
    if (handoff && waker !== null) {
      // semrelease(handoff=true) with a ticket: the releaser yields to its LRQ tail (goyield).
      (waker.exec as G).yieldAfterOp = true;
      waker.yieldNow = true;
    }
    this.wakep();
  }

  metrics(): Record<string, unknown> {
    const maxThreads = this.allm.length; // Ms never exit in this model (as without LockOSThread)
    return {
      gomaxprocs: this.gomaxprocs,
      goroutinesCreated: this.goroutinesCreated,
      maxLiveGoroutines: this.maxLiveGoroutines,
      steals: this.steals,
      stolenGs: this.stolenGs,
      handoffs: this.handoffs,
      syscallRetakes: this.syscallRetakes,
      preemptions: this.preemptions,
      threadsCreated: this.threadsCreated,
      maxThreads,
      spinningNs: this.spinningTotal(),
      netpollReady: this.netpollReady,
      globalRunqMax: this.globalRunqMax,
      schedules: this.schedules,
      timersRun: this.timersRun,
      goroutineSchedLatencyNs: this.gSchedLatency.summary(),
      timerLatenessNs: this.timerLateness.summary(),
      executesPerP: this.allp.map((p) => p.executes),
    };
  }

  private spinningTotal(): Nanos {
    let s = this.spinningNs;
    for (const mp of this.allm) if (mp.spinning) s += this.now - mp.spinningSince;
    return s;
  }

  whereIs(task: Task): string {
    const gp = task.exec as G | null;
    if (gp === null) return 'not started';
    const m = gp.m !== null ? ` on M${gp.m.id}` : '';
    return `goroutine ${gp.goid} [${gp.status === 'Gwaiting' ? gp.waitreason : gp.status}]${m}`;
  }

  // ======================================================================= status changes

  // SIM: no _Gscan bit, _Gcopystack or _Gpreempted (no GC, no stack growth, no suspendG).
  casgstatus(gp: G, from: GStatus, to: GStatus, why: string): void {
    if (gp.status !== from) throw new InvariantError(`casgstatus: G${gp.goid} is ${gp.status}, expected ${from} (→ ${to})`);
    gp.status = to;
    if (to === 'Grunnable') gp.runnableSince = this.now;
    else if (from === 'Grunnable' && to === 'Grunning') this.gSchedLatency.push(this.now - gp.runnableSince);
    if (this.trace !== null) {
      const mp = gp.m;
      const ev = this.gstateEv;
      ev.t = this.now;
      ev.g = gp.goid;
      ev.from = from;
      ev.to = to;
      ev.p = mp?.p?.id ?? -1;
      ev.m = mp?.id ?? -1;
      ev.why = why;
      let late = -1;
      if (from === 'Gwaiting' && gp.goid < this.ioReadyAt.length) {
        const at = this.ioReadyAt[gp.goid]!;
        if (at >= 0) {
          late = this.now - at;
          this.ioReadyAt[gp.goid] = -1;
        }
      }
      ev.late = late;
      ev.polled = late >= 0 && this.ioReadyPolled[gp.goid] === 1;
      this.trace.emit(ev);
    }
  }

  private setPStatus(pp: P, to: PStatus, why: string): void {
    const from = pp.status;
    pp.status = to;
    if (this.trace !== null) {
      const ev = this.pstateEv;
      ev.t = this.now;
      ev.p = pp.id;
      ev.from = from;
      ev.to = to;
      ev.m = pp.m?.id ?? -1;
      ev.why = why;
      this.trace.emit(ev);
    }
  }

  private setSpinning(mp: M, on: boolean): void {
    if (mp.spinning === on) return;
    mp.spinning = on;
    if (on) mp.spinningSince = this.now;
    else this.spinningNs += this.now - mp.spinningSince;
  }

  // ======================================================================= run queues

  /** runqput: runnext (kicking the old runnext to the tail), or the LRQ tail, or runqputslow. */
  runqput(pp: P, gp: G, next: boolean): void {
    if (next) {
      const old = pp.runnext;
      pp.runnext = gp;
      gp.onq = pp.id;
      if (old === null) {
        // The run-queue counter counts runnext too.
        if (this.trace !== null) this.traceRunq(pp);
        return;
      }
      gp = old; // the kicked-out G goes to the tail
    }
    if (pp.runqsize < LOCAL_RUNQ_SIZE) {
      pp.runq[pp.runqtail % LOCAL_RUNQ_SIZE] = gp;
      pp.runqtail++;
      gp.onq = pp.id;
      this.traceRunq(pp);
      return;
    }
    this.runqputslow(pp, gp);
  }

  /** runqputslow: move the first half of the LRQ plus gp (129 Gs) to the GRQ tail. */
  private runqputslow(pp: P, gp: G): void {
    const batch: G[] = [];
    for (let i = 0; i < RUNQ_SPILL; i++) {
      const g = pp.runq[(pp.runqhead + i) % LOCAL_RUNQ_SIZE]!;
      pp.runq[(pp.runqhead + i) % LOCAL_RUNQ_SIZE] = null;
      batch.push(g);
    }
    pp.runqhead += RUNQ_SPILL;
    batch.push(gp);
    for (const g of batch) this.globrunqput(g);
    this.traceRunq(pp);
    if (this.trace !== null) this.decision(`P${pp.id}`, `runqputslow: local run queue full, moved ${batch.length} goroutines to the global queue`);
  }

  /** Set by runqget: whether the G it returned came from runnext (inherits the time slice). */
  inheritTime = false;

  /** runqget: runnext first (inherits the time slice), else the LRQ head; see inheritTime. */
  runqget(pp: P): G | null {
    const next = pp.runnext;
    if (next !== null) {
      pp.runnext = null;
      next.onq = Q_NONE;
      this.inheritTime = true;
      if (this.trace !== null) this.traceRunq(pp);
      return next;
    }
    this.inheritTime = false;
    if (pp.runqtail === pp.runqhead) return null;
    const i = pp.runqhead % LOCAL_RUNQ_SIZE;
    const gp = pp.runq[i]!;
    pp.runq[i] = null;
    pp.runqhead++;
    gp.onq = Q_NONE;
    if (this.trace !== null) this.traceRunq(pp);
    return gp;
  }

  runqempty(pp: P): boolean {
    return pp.runqsize === 0 && pp.runnext === null;
  }

  globrunqput(gp: G): void {
    this.runq.pushBack(gp);
    gp.onq = Q_GLOBAL;
    if (this.runq.size > this.globalRunqMax) this.globalRunqMax = this.runq.size;
    if (this.trace !== null) this.traceGrunq();
  }

  /** globrunqget: exactly one G (the 1-in-61 fairness check). */
  private globrunqget(): G | null {
    const gp = this.runq.pop();
    if (gp !== null) gp.onq = Q_NONE;
    if (this.trace !== null) this.traceGrunq();
    return gp;
  }

  /** globrunqgetbatch: n = min(128, size, size/gomaxprocs + 1); first to run, rest to the LRQ. */
  private globrunqgetbatch(pp: P): [G | null, number] {
    const size = this.runq.size;
    if (size === 0) return [null, 0];
    let n = Math.min(size, Math.floor(size / this.gomaxprocs) + 1);
    n = Math.min(n, GLOBAL_RUNQ_BATCH);
    const gp = this.runq.pop()!;
    gp.onq = Q_NONE;
    for (let i = 1; i < n; i++) {
      const g = this.runq.pop()!;
      this.runqput(pp, g, false);
    }
    if (this.trace !== null) this.traceGrunq();
    return [gp, n];
  }

  /** How many Gs runqgrab would take from pp now: ceil(half) of its LRQ. */
  private grabCount(p2: P): number {
    const n = p2.runqsize;
    return n - Math.floor(n / 2);
  }

  /** runqsteal: grab ceil(n/2) from p2's head; return the last, put the rest on pp's tail. */
  private runqsteal(pp: P, p2: P, n: number, round: number): G {
    const grabbed: G[] = [];
    for (let i = 0; i < n; i++) {
      const idx = (p2.runqhead + i) % LOCAL_RUNQ_SIZE;
      grabbed.push(p2.runq[idx]!);
      p2.runq[idx] = null;
    }
    p2.runqhead += n;
    const gp = grabbed.pop()!;
    gp.onq = Q_NONE;
    for (const g of grabbed) {
      pp.runq[pp.runqtail % LOCAL_RUNQ_SIZE] = g;
      pp.runqtail++;
      g.onq = pp.id;
    }
    this.steals++;
    this.stolenGs += n;
    if (this.trace !== null) {
      this.trace.emit(traceEvent({ k: 'steal', t: this.now, p: pp.id, victim: p2.id, n, round, runnext: false }));
      this.traceRunq(pp);
      this.traceRunq(p2);
    }
    return gp;
  }

  private traceRunq(pp: P): void {
    if (this.trace === null) return;
    const ev = this.runqEv;
    ev.t = this.now;
    ev.p = pp.id;
    ev.n = pp.runqsize + (pp.runnext !== null ? 1 : 0);
    this.trace.emit(ev);
  }

  private traceGrunq(): void {
    const ev = this.grunqEv;
    ev.t = this.now;
    ev.n = this.runq.size;
    this.trace!.emit(ev);
  }

  private decision(subject: string, text: string): void {
    this.trace?.emit(traceEvent({ k: 'decision', t: this.now, subject, text }));
  }

  // ======================================================================= P and M lists

  pidleput(pp: P): void {
    if (!this.runqempty(pp)) throw new InvariantError(`pidleput: P${pp.id} has a non-empty run queue`);
    if (pp.m !== null) pp.m = null;
    if (pp.status !== 'Pidle') this.setPStatus(pp, 'Pidle', 'pidleput');
    pp.idle = true;
    this.pidle.push(pp);
    this.npidle++;
  }

  pidleget(): P | null {
    const pp = this.pidle.pop();
    if (pp === undefined) return null;
    pp.idle = false;
    this.npidle--;
    return pp;
  }

  /** pidlegetSpinning: pidleget, and set needspinning when none is free. */
  private pidlegetSpinning(): P | null {
    const pp = this.pidleget();
    if (pp === null) this.needspinning = 1;
    return pp;
  }

  acquirep(mp: M, pp: P): void {
    if (mp.p !== null) throw new InvariantError(`acquirep: M${mp.id} already has P${mp.p.id}`);
    if (!(pp.m === null && pp.status === 'Pidle')) throw new InvariantError(`acquirep: P${pp.id} is ${pp.status} with M${pp.m?.id}`);
    mp.p = pp;
    pp.m = mp;
    this.setPStatus(pp, 'Prunning', `acquired by M${mp.id}`);
  }

  releasep(mp: M): P {
    const pp = mp.p!;
    if (pp.m !== mp) throw new InvariantError(`releasep: P${pp.id} not owned by M${mp.id}`);
    pp.m = null;
    mp.p = null;
    this.setPStatus(pp, 'Pidle', `released by M${mp.id}`);
    return pp;
  }

  private mput(mp: M): void {
    this.midle.push(mp);
  }

  private mget(): M | null {
    return this.midle.pop() ?? null;
  }

  // ======================================================================= wakep / startm / handoffp

  /** wakep: start a spinning M if none is spinning and a P is idle. */
  wakep(): void {
    // SIM: runtime.main has always started (mainStarted), so newproc and Gosched always call wakep.
    if (this.nmspinning !== 0) return;
    this.nmspinning = 1; // CAS 0 → 1
    const pp = this.pidlegetSpinning();
    if (pp === null) {
      this.nmspinning--;
      return;
    }
    this.startm(pp, true, 'wakep');
  }

  /** startm: run pp (or an idle P) on an idle M, creating one if none is idle. */
  startm(pp: P | null, spinning: boolean, why: string): void {
    if (pp === null) {
      pp = this.pidleget();
      if (pp === null) {
        if (spinning) this.nmspinning--;
        return;
      }
    }
    invariant(!spinning || this.runqempty(pp), 'startm: spinning start with a non-empty run queue');
    const nmp = this.mget();
    if (nmp === null) {
      const mp = this.allocm(pp, spinning);
      if (this.curM !== null && this.curM === this.sysmon.m) {
        // newm on sysmon's thread (a retake's handoffp, or injectglist after its netpoll):
        // allocm and newosproc's clone are sysmon's own work, paid in its loop, and the new
        // thread exists once its clone returns (Sysmon.run, then spawnNewMs): one after another.
        mp.st = 'mstart';
        this.sysmon.newms.push(mp);
        if (this.trace !== null) this.decision(`M${mp.id}`, `startm (${why}): no idle M, sysmon creates a thread for P${pp.id}${spinning ? ' (spinning)' : ''}`);
        return;
      }
      mp.st = 'new';
      this.spawnThread(mp, `M${mp.id}`);
      if (this.trace !== null) this.decision(`M${mp.id}`, `startm (${why}): no idle M, created thread for P${pp.id}${spinning ? ' (spinning)' : ''}`);
      return;
    }
    this.setSpinning(nmp, spinning);
    nmp.nextp = pp;
    if (this.trace !== null) this.decision(`M${nmp.id}`, `startm (${why}): woke idle M for P${pp.id}${spinning ? ' (spinning)' : ''}`);
    this.kernel.wake(nmp.thread, this.curM?.thread ?? null, `notewakeup(m.park): ${why}`);
  }

  /** handoffp: a P without an M (syscall retake): start an M if findRunnable would find work. */
  handoffp(pp: P): void {
    this.handoffs++;
    if (!this.runqempty(pp) || this.runq.size > 0) {
      this.startm(pp, false, 'handoffp: P has work');
      return;
    }
    if (this.nmspinning + this.npidle === 0) {
      this.nmspinning = 1;
      this.needspinning = 0;
      this.startm(pp, true, 'handoffp: nobody is looking for work');
      return;
    }
    if (this.runq.size > 0) {
      this.startm(pp, false, 'handoffp: global queue has work');
      return;
    }
    if (this.npidle === this.gomaxprocs - 1 && this.pollerM === null && this.netpollInited) {
      this.startm(pp, false, 'handoffp: last running P and nobody polls the network');
      return;
    }
    const when = pp.timers.wakeTime();
    this.pidleput(pp);
    if (when !== 0) this.wakeNetPoller(when);
  }

  /** wakeNetPoller: make sure someone will wake for a timer at `when`. */
  wakeNetPoller(when: Nanos): void {
    if (this.pollerM !== null) {
      if (this.pollUntil === 0 || this.pollUntil > when) this.netpollBreak('timer earlier than the poller’s wake-up');
    } else {
      this.wakep();
    }
  }

  private netpollBreak(why: string): void {
    const mp = this.pollerM;
    if (mp !== null && mp.thread.state === 'waiting') this.kernel.wake(mp.thread, this.curM?.thread ?? null, `netpollBreak: ${why}`);
  }

  // ======================================================================= the M thread body

  run(t: Thread): void {
    const mp = t.owner as M;
    this.curM = mp;
    try {
      this.runM(mp, t);
    } finally {
      this.curM = null;
    }
    if (this.trace !== null) {
      this.traceM(mp);
      this.traceCounts();
    }
  }

  /** What an M is doing, as its trace lane shows it. */
  private mLabel(mp: M): string {
    switch (mp.st) {
      case 'running':
        return mp.curg !== null ? (this.gLabels[mp.curg.goid] ??= `G${mp.curg.goid}`) : 'scheduling';
      case 'syscall':
        return mp.curg !== null ? (this.gSyscallLabels[mp.curg.goid] ??= `syscall (G${mp.curg.goid})`) : 'syscall';
      case 'schedule':
      case 'switching':
      case 'dropping':
        return mp.spinning ? 'spinning' : 'scheduling';
      case 'usleep':
        return 'usleep(3) before stealing runnext';
      case 'netpoll':
        return 'netpoll (blocked in epoll_wait)';
      case 'idle':
        return 'idle (stopm)';
      case 'new':
      case 'mstart':
        return 'starting';
      case 'sysmon':
        return 'sysmon';
    }
  }

  private traceM(mp: M): void {
    const label = this.mLabel(mp);
    if (label === mp.traceLabel) return;
    mp.traceLabel = label;
    const ev = this.mstateEv;
    ev.t = this.now;
    ev.m = mp.id;
    ev.tid = mp.thread.id;
    ev.what = label;
    ev.p = mp.p?.id ?? -1;
    ev.why = mp.st;
    this.trace!.emit(ev);
  }

  /** The scheduler's counters (live goroutines, spinning Ms, idle Ps, threads), when they change. */
  private traceCounts(): void {
    const ev = this.gcountsEv;
    const threads = this.allm.length;
    // The first call always emits (the object starts at -1s).
    if (this.liveGs === ev.live && this.nmspinning === ev.spinning && this.npidle === ev.idleP && threads === ev.threads) return;
    ev.t = this.now;
    ev.live = this.liveGs;
    ev.spinning = this.nmspinning;
    ev.idleP = this.npidle;
    ev.threads = threads;
    this.trace!.emit(ev);
  }

  describe(t: Thread): string {
    const mp = t.owner as M;
    if (mp.st === 'sysmon') return 'sysmon';
    return `M${mp.id} ${mp.st}${mp.p !== null ? ` P${mp.p.id}` : ''}${mp.curg !== null ? ` G${mp.curg.goid}` : ''}`;
  }

  private runM(mp: M, t: Thread): void {
    if (t.burst > 0) {
      // A signal (SIGURG) interrupted a CPU burst.
      if (mp.st === 'running' && mp.curg !== null && mp.curg.preempt && !this.params.asyncPreemptOff) {
        const gp = mp.curg;
        gp.computeLeft = t.burst;
        t.burst = 0;
        this.preemptions++;
        this.goschedImpl(mp, gp, true);
        this.scheduleLoop(mp, t, this.costs.asyncPreempt);
        return;
      }
      // Not at an async safe point for this request (scheduler code, stale request): resume.
      this.kernel.compute(t, t.burst);
      return;
    }
    switch (mp.st) {
      case 'new':
        // SIM: an M created from an M's turn (wakep, handoffp) pays its own creation before it
        // acquires its P, not its creator (newm); sysmon pays for the Ms it creates. The P
        // waits meanwhile, off the idle list but not yet _Prunning, as in the runtime.
        mp.st = 'mstart';
        this.kernel.compute(t, Math.max(1, this.kernel.costs.threadCreate));
        return;
      case 'mstart':
        mp.st = 'schedule';
        if (mp.nextp !== null) {
          const pp = mp.nextp;
          mp.nextp = null;
          this.acquirep(mp, pp);
        }
        this.scheduleLoop(mp, t, 0);
        return;
      case 'schedule':
        this.scheduleLoop(mp, t, 0);
        return;
      case 'switching':
        this.executeNext(mp, t);
        return;
      case 'dropping':
        this.findRunnableDrop(mp, t);
        return;
      case 'running':
        this.runG(mp, t);
        return;
      case 'syscall':
        this.syscallStep(mp, t);
        return;
      case 'usleep':
        mp.st = 'schedule';
        this.scheduleLoop(mp, t, 0, true);
        return;
      case 'netpoll':
        this.netpollReturn(mp, t);
        return;
      case 'idle': {
        // Woken by startm: acquire m.nextp and schedule.
        const pp = mp.nextp!;
        mp.nextp = null;
        this.acquirep(mp, pp);
        mp.st = 'schedule';
        this.scheduleLoop(mp, t, 0);
        return;
      }
      case 'sysmon':
        this.sysmon.run(t);
        return;
    }
  }

  /**
   * schedule(): first the fixed cost of entering the scheduler (mcall to g0, the context of a
   * goroutine switch) — during which a G just readied into runnext is still visible to thieves,
   * as in the runtime — then findRunnable's search at one instant, then the search's variable
   * cost (one `stealProbe` per victim looked at, a netpoll), then execute the G found, or drop
   * the P (steps 16–19).
   */
  private scheduleLoop(mp: M, t: Thread, extraCost: Nanos, resumeSteal = false): void {
    if (!resumeSteal && !mp.switchPaid) {
      const pay = this.costs.goroutineSwitch + extraCost + mp.pendingCost;
      mp.pendingCost = 0;
      mp.switchPaid = true;
      mp.st = 'schedule';
      if (pay > 0) {
        this.kernel.compute(t, pay);
        return;
      }
      extraCost = 0;
    }
    mp.switchPaid = false;
    // Work not yet charged: the search interrupted by usleep(3), or extra cost given while the
    // switch had already been paid.
    let cost = extraCost + mp.pendingCost;
    mp.pendingCost = 0;
    for (let guard = 0; guard < 1000; guard++) {
      const pp = mp.p;
      if (pp === null) throw new InvariantError(`schedule: M${mp.id} has no P`);
      if (!resumeSteal) {
        pp.preempt = false;
        if (mp.spinning && !this.runqempty(pp)) throw new InvariantError('schedule: spinning with local work');
      }
      this.probes = 0;
      this.searchNetpolled = false;
      // SIM: the search runs at one instant; its variable cost is charged after the decision.
      const r = this.findRunnableSearch(mp, pp, resumeSteal);
      resumeSteal = false;
      cost += this.probes * this.costs.stealProbe + (this.searchNetpolled ? this.costs.netpoll : 0);
      if (r === FR_AGAIN) {
        // newWork (a stolen timer ran): goto top, paying for another pass.
        cost += this.costs.goroutineSwitch;
        continue;
      }
      if (r === FR_USLEEP) {
        // runqgrab: usleep(3) before taking a victim's runnext (the M's thread sleeps).
        mp.st = 'usleep';
        mp.pendingCost = cost;
        this.kernel.sleep(t, RUNNEXT_STEAL_BACKOFF_NS, 'usleep(3) in runqgrab', true);
        return;
      }
      this.schedules++;
      if (r === FR_FOUND) {
        if (mp.spinning) this.resetspinning(mp);
        if (cost > 0) {
          mp.st = 'switching';
          this.kernel.compute(t, cost);
        } else if (this.executeDepth < MAX_EXECUTE_DEPTH) {
          this.executeNext(mp, t);
        } else {
          mp.st = 'switching';
          this.kernel.continueNow(t);
        }
        return;
      }
      if (cost > 0) {
        mp.st = 'dropping';
        this.kernel.compute(t, cost);
      } else {
        this.findRunnableDrop(mp, t);
      }
      return;
    }
    throw new InvariantError(`schedule: M${mp.id} looped without progress`);
  }

  /** findRunnable steps 1–12: returns FR_FOUND (mp.nextg set), FR_NOTHING, FR_USLEEP or FR_AGAIN. */
  private findRunnableSearch(mp: M, pp: P, resumeSteal: boolean): number {
    if (!resumeSteal) {
      // 3: run this P's expired timers (readied Gs land in this P's runnext/LRQ).
      mp.pollUntilSearch = this.checkTimers(pp, pp);
      // 6: the 1-in-61 fairness check of the global queue.
      if (pp.schedtick % GLOBAL_RUNQ_FAIRNESS_TICKS === 0 && this.runq.size > 0) {
        const gp = this.globrunqget()!;
        return this.found(mp, gp, false, `findRunnable: global queue (schedtick ${pp.schedtick} % 61 == 0 fairness check)`);
      }
      // 9: local run queue, runnext first.
      const lg = this.runqget(pp);
      if (lg !== null) {
        const inherit = this.inheritTime;
        return this.found(mp, lg, inherit, inherit ? 'findRunnable: runnext (inherits the time slice)' : 'findRunnable: local run queue');
      }
      // 10: a batch from the global queue.
      if (this.runq.size > 0) {
        const [gg, n] = this.globrunqgetbatch(pp);
        return this.found(mp, gg!, false, `findRunnable: global queue batch of ${n}`);
      }
      // 11: non-blocking netpoll, if anyone waits on the network and no M is blocked in it.
      if (this.netpollInited && this.netpollAnyWaiters() && this.pollerM === null) {
        this.searchNetpolled = true;
        const list = this.netpoll();
        if (list.length > 0) {
          const gp = list.shift()!;
          this.injectglist(list);
          this.casgstatus(gp, 'Gwaiting', 'Grunnable', 'netpoll: IO ready');
          return this.found(mp, gp, false, 'findRunnable: non-blocking netpoll');
        }
      }
      // 12: steal, if spinning or allowed to start spinning.
      if (!(mp.spinning || 2 * this.nmspinning < this.gomaxprocs - this.npidle)) return FR_NOTHING;
      if (!mp.spinning) this.becomeSpinning(mp);
      mp.steal = { round: 0, order: this.stealOrder.start(this.rng.nextU32()), k: 0, pollUntil: 0, ranTimer: false, victim: -1 };
    }
    const r = this.stealWork(mp, pp, resumeSteal);
    if (r === FR_NOTHING && mp.steal !== null) {
      const s = mp.steal;
      mp.steal = null;
      if (s.ranTimer) return FR_AGAIN; // newWork: goto top
      if (s.pollUntil !== 0 && (mp.pollUntilSearch === 0 || s.pollUntil < mp.pollUntilSearch)) mp.pollUntilSearch = s.pollUntil;
    }
    return r;
  }

  private found(mp: M, gp: G, inherit: boolean, why: string): number {
    if (this.trace !== null && this.kernel.traceWhy) {
      const ev = this.gtakeEv;
      ev.t = this.now;
      ev.g = gp.goid;
      ev.m = mp.id;
      this.trace.emit(ev);
    }
    mp.nextg = gp;
    mp.nextInherit = inherit;
    mp.nextWhy = why;
    return FR_FOUND;
  }

  /** stealWork: 4 rounds over all Ps in random order; timers and runnext only in the last. */
  private stealWork(mp: M, pp: P, resumed: boolean): number {
    const s = mp.steal!;
    const allp = this.allp;
    for (; s.round < STEAL_TRIES; s.round++) {
      const last = s.round === STEAL_TRIES - 1;
      if (s.k === 0 && s.round > 0 && !resumed) s.order = this.stealOrder.start(this.rng.nextU32());
      for (; s.k < s.order.length; s.k++) {
        const p2 = allp[s.order[s.k]!]!;
        if (p2 === pp) continue;
        const justSlept = resumed && s.victim === p2.id;
        resumed = false;
        if (!justSlept) {
          this.probes++;
          if (last && p2.timers.size > 0) {
            const w = this.checkTimers(p2, pp);
            if (w !== 0 && (s.pollUntil === 0 || w < s.pollUntil)) s.pollUntil = w;
            if (this.ranTimers > 0) {
              const gp = this.runqget(pp);
              if (gp !== null) {
                mp.steal = null;
                return this.found(mp, gp, this.inheritTime, `stealWork: ran an expired timer of P${p2.id} in round 4`);
              }
              s.ranTimer = true;
            }
          }
        }
        if (p2.idle) continue;
        const n = this.grabCount(p2);
        if (n > 0) {
          mp.steal = null;
          const gp = this.runqsteal(pp, p2, n, s.round + 1);
          return this.found(mp, gp, false, `stealWork: stole ${n} from P${p2.id} in round ${s.round + 1}`);
        }
        if (last && p2.runnext !== null) {
          if (!justSlept && p2.status === 'Prunning') {
            // runqgrab: give the victim 3µs to run the G it just readied.
            s.victim = p2.id;
            return FR_USLEEP;
          }
          const gp = p2.runnext;
          p2.runnext = null;
          gp.onq = Q_NONE;
          this.steals++;
          this.stolenGs++;
          mp.steal = null;
          if (this.trace !== null) {
            this.trace.emit(traceEvent({ k: 'steal', t: this.now, p: pp.id, victim: p2.id, n: 1, round: 4, runnext: true }));
            this.traceRunq(p2);
          }
          return this.found(mp, gp, false, `stealWork: took runnext of P${p2.id} in round 4${justSlept ? ' after usleep(3)' : ''}`);
        }
      }
      s.k = 0;
      if (s.round + 1 < STEAL_TRIES) s.order = this.stealOrder.start(this.rng.nextU32());
      resumed = false;
    }
    return FR_NOTHING;
  }

  private ranTimers = 0;
  private readonly expiredBuf: G[] = [];

  /**
   * timers.check on `owner`'s heap, run on the current M/P `runner`: expired sleep timers ready
   * their goroutines into runner's runnext. Returns the next wake time (0: none).
   */
  private checkTimers(owner: P, runnerP: P): Nanos {
    this.ranTimers = 0;
    if (owner.timers.size === 0) return 0;
    const out = this.expiredBuf;
    out.length = 0;
    owner.timers.expired(this.now, out);
    for (const gp of out) {
      const late = this.now - gp.sleepUntil;
      this.timerLateness.push(late);
      gp.sleepUntil = -1;
      gp.onq = Q_NONE;
      this.ranTimers++;
      this.timersRun++;
      this.casgstatus(gp, 'Gwaiting', 'Grunnable', this.trace === null ? '' : timerWhy(owner, runnerP, late));
      this.runqput(runnerP, gp, true);
      this.wakep();
    }
    out.length = 0;
    return owner.timers.wakeTime();
  }

  private becomeSpinning(mp: M): void {
    this.setSpinning(mp, true);
    this.nmspinning++;
    this.needspinning = 0;
  }

  /** resetspinning: a spinning M found work: stop spinning and wake another spinner. */
  private resetspinning(mp: M): void {
    this.setSpinning(mp, false);
    this.nmspinning--;
    invariant(this.nmspinning >= 0, 'resetspinning: negative nmspinning');
    this.wakep();
  }

  /** findRunnable steps 16–19, after the failed search has been paid for. */
  private findRunnableDrop(mp: M, t: Thread): void {
    const pp = mp.p!;
    // 16: last look at the global queue under the lock; needspinning; release the P.
    if (this.runq.size > 0) {
      const [gp, n] = this.globrunqgetbatch(pp);
      this.found(mp, gp!, false, `findRunnable: global queue batch of ${n} (re-check before dropping the P)`);
      if (mp.spinning) this.resetspinning(mp);
      this.executeNext(mp, t);
      return;
    }
    if (!mp.spinning && this.needspinning === 1) {
      this.becomeSpinning(mp);
      mp.st = 'schedule';
      this.scheduleLoop(mp, t, 0);
      return;
    }
    this.releasep(mp);
    this.pidleput(pp);
    // 17: the delicate dance: stop spinning first, then re-check everything.
    const wasSpinning = mp.spinning;
    mp.wasSpinning = wasSpinning;
    let pollUntil = mp.pollUntilSearch;
    if (wasSpinning) {
      this.setSpinning(mp, false);
      this.nmspinning--;
      invariant(this.nmspinning >= 0, 'findRunnable: negative nmspinning');
      if (this.runq.size > 0) {
        const p2 = this.pidlegetSpinning();
        if (p2 !== null) {
          this.acquirep(mp, p2);
          this.becomeSpinning(mp);
          const [gp, n] = this.globrunqgetbatch(p2);
          this.found(mp, gp!, false, `findRunnable: global queue batch of ${n} (after dropping spinning)`);
          this.resetspinning(mp);
          this.executeNext(mp, t);
          return;
        }
      }
      for (const p2 of this.allp) {
        if (!p2.idle && !this.runqempty(p2)) {
          const p3 = this.pidlegetSpinning();
          if (p3 !== null) {
            this.acquirep(mp, p3);
            this.becomeSpinning(mp);
            mp.st = 'schedule';
            this.scheduleLoop(mp, t, 0);
            return;
          }
          break;
        }
      }
      for (const p2 of this.allp) {
        const w = p2.timers.wakeTime();
        if (w !== 0 && (pollUntil === 0 || w < pollUntil)) pollUntil = w;
      }
    }
    // 18: become the one M blocked in netpoll, if there is anything to wait for.
    if (this.netpollInited && (this.netpollAnyWaiters() || pollUntil !== 0) && this.pollerM === null) {
      this.pollerM = mp;
      this.pollUntil = pollUntil;
      mp.st = 'netpoll';
      if (this.netpollReadyQ.length > 0) {
        // epoll_wait returns at once.
        this.kernel.sleep(t, 1, 'netpoll (ready)', false);
      } else if (pollUntil === 0) {
        this.kernel.block(t, 'netpoll (epoll_wait, no timeout)');
      } else {
        this.kernel.sleep(t, Math.max(0, pollUntil - this.now), 'netpoll (epoll_wait until next timer)', true);
      }
      return;
    }
    if (pollUntil !== 0 && this.netpollInited && this.pollerM !== null) {
      if (this.pollUntil === 0 || this.pollUntil > pollUntil) this.netpollBreak('earlier timer');
    }
    // 19
    this.stopm(mp, t);
  }

  /** stopm: park the M on the idle list until startm hands it a P. */
  private stopm(mp: M, t: Thread): void {
    if (mp.p !== null) throw new InvariantError(`stopm: M${mp.id} holds P${mp.p.id}`);
    if (mp.spinning) throw new InvariantError(`stopm: M${mp.id} is spinning`);
    this.mput(mp);
    mp.st = 'idle';
    this.kernel.block(t, 'stopm (futex on m.park)');
    this.checkdead();
  }

  /** The blocked netpoller M returns from epoll_wait (step 18, continued). */
  private netpollReturn(mp: M, t: Thread): void {
    this.pollerM = null;
    this.pollUntil = 0;
    this.lastpoll = this.now;
    const list = this.netpoll();
    const pp = this.pidleget();
    if (pp === null) {
      this.injectglist(list);
      this.stopm(mp, t);
      return;
    }
    this.acquirep(mp, pp);
    if (list.length > 0) {
      const gp = list.shift()!;
      this.injectglist(list);
      this.casgstatus(gp, 'Gwaiting', 'Grunnable', 'netpoll: IO ready');
      this.found(mp, gp, false, 'findRunnable: blocking netpoll returned it');
      if (mp.wasSpinning) {
        this.becomeSpinning(mp);
        this.resetspinning(mp);
      }
      mp.st = 'switching';
      this.kernel.compute(t, Math.max(1, this.costs.goroutineSwitch + this.costs.netpoll));
      return;
    }
    if (mp.wasSpinning) this.becomeSpinning(mp);
    mp.st = 'schedule';
    this.scheduleLoop(mp, t, this.costs.netpoll);
  }

  /** execute: run mp.nextg on this M (schedtick++ unless it inherits the time slice). */
  private executeNext(mp: M, t: Thread): void {
    const gp = mp.nextg!;
    const pp = mp.p!;
    mp.nextg = null;
    mp.curg = gp;
    gp.m = mp;
    this.casgstatus(gp, 'Grunnable', 'Grunning', mp.nextWhy);
    gp.preempt = false;
    if (!mp.nextInherit) pp.schedtick++;
    pp.executes++;
    if (this.trace !== null) this.emitPrun(pp.id, gp.goid, mp.id);
    mp.st = 'running';
    if (gp.readAfterPoll) {
      // The read that follows readiness enters a system call: reentersyscall wakes sysmon
      // from its deep sleep (entersyscall_sysmon). SIM: the read's own cost is not charged.
      gp.readAfterPoll = false;
      if (this.sysmonwait) this.sysmon.wake('entersyscall (the read after netpoll)');
    }
    this.executeDepth++;
    this.runG(mp, t);
    this.executeDepth--;
  }

  private dropg(mp: M, gp: G): void {
    mp.curg = null;
    gp.m = null;
    if (this.trace !== null && mp.p !== null) this.emitPrun(mp.p.id, 0, mp.id);
  }

  private emitPrun(p: number, g: number, m: number): void {
    const ev = this.prunEv;
    ev.t = this.now;
    ev.p = p;
    ev.g = g;
    ev.m = m;
    this.trace!.emit(ev);
  }

  /** Runs the current G until it computes, parks, blocks or exits. */
  private runG(mp: M, t: Thread): void {
    const gp = mp.curg!;
    if (gp.computeLeft > 0) {
      const left = gp.computeLeft;
      gp.computeLeft = 0;
      this.kernel.compute(t, left);
      return;
    }
    if (gp.pendingIo >= 0) {
      // The read returned EAGAIN: park in the netpoller until the IO completes.
      const d = gp.pendingIo;
      gp.pendingIo = -1;
      this.netpollblock(gp, d);
      this.casgstatus(gp, 'Grunning', 'Gwaiting', 'IO wait (netpoll)');
      gp.waitreason = 'IO wait';
      this.dropg(mp, gp);
      mp.st = 'schedule';
      this.scheduleLoop(mp, t, 0);
      return;
    }
    const task = gp.task;
    const a = this.runner.step(task);
    if (task.cpuDebt > 0 && a !== Action.Compute) {
      // Sync ops that completed without parking: paid with this M's next CPU work.
      mp.pendingCost += task.cpuDebt;
      task.cpuDebt = 0;
    }
    switch (a) {
      case Action.Compute:
        this.kernel.compute(t, task.ns);
        return;
      case Action.Io: {
        // A non-blocking read that would block: one syscall, then park in the netpoller. The
        // read goes through entersyscall/exitsyscall (the fast path; the P is never retaken in
        // so short a call), and entersyscall wakes a deep-sleeping sysmon.
        // SIM: the read after readiness is not charged separately.
        if (this.sysmonwait) this.sysmon.wake('entersyscall (a network read)');
        gp.pendingIo = task.ns;
        this.netpollInited = true;
        this.kernel.compute(t, Math.max(1, this.kernel.costs.syscall));
        return;
      }
      case Action.Syscall:
        this.entersyscall(mp, gp, task.ns, t);
        return;
      case Action.Sleep: {
        // time.Sleep: gopark(resetForSleep); the timer goes on this P's heap after parking.
        const pp = mp.p!;
        this.casgstatus(gp, 'Grunning', 'Gwaiting', 'time.Sleep');
        gp.waitreason = 'sleep';
        this.dropg(mp, gp);
        const when = this.now + task.ns;
        gp.sleepUntil = when;
        this.netpollInited = true;
        if (pp.timers.add(gp)) this.wakeNetPoller(when);
        mp.st = 'schedule';
        this.scheduleLoop(mp, t, 0);
        return;
      }
      case Action.Yield:
        if (gp.yieldAfterOp) {
          // goyield (semrelease handoff): to the tail of this P's LRQ; the waiter in runnext runs next.
          gp.yieldAfterOp = false;
          this.casgstatus(gp, 'Grunning', 'Grunnable', 'goyield after a mutex handoff');
          this.dropg(mp, gp);
          this.runqput(mp.p!, gp, false);
        } else {
          this.goschedImpl(mp, gp, false);
        }
        mp.st = 'schedule';
        this.scheduleLoop(mp, t, 0);
        return;
      case Action.Park:
        gp.waitreason = task.waitReason;
        this.casgstatus(gp, 'Grunning', 'Gwaiting', this.trace === null ? '' : `gopark: ${task.waitReason}`);
        this.dropg(mp, gp);
        mp.st = 'schedule';
        this.scheduleLoop(mp, t, 0);
        return;
      case Action.Exit:
        this.casgstatus(gp, 'Grunning', 'Gdead', 'goexit');
        this.dropg(mp, gp);
        this.liveGs--;
        if (this.runner.checkDone()) {
          // The workload is finished: park the M (the run stops after this event).
          mp.st = 'schedule';
          this.kernel.block(t, 'workload done');
          return;
        }
        mp.st = 'schedule';
        this.scheduleLoop(mp, t, 0);
        return;
    }
  }

  /** goschedImpl: Gosched or preemption: the G goes to the global queue tail; wakep. */
  private goschedImpl(mp: M, gp: G, preempted: boolean): void {
    this.casgstatus(gp, 'Grunning', 'Grunnable', preempted ? 'preempted by sysmon (ran ≥ 10ms: forcePreemptNS)' : 'runtime.Gosched');
    this.dropg(mp, gp);
    this.globrunqput(gp);
    this.wakep();
    mp.st = 'schedule';
  }

  // ======================================================================= syscalls

  /** entersyscall (Go 1.25): the G keeps its M, the P goes _Psyscall without an M. */
  private entersyscall(mp: M, gp: G, d: Nanos, t: Thread): void {
    // SIM: Go 1.25's _Psyscall protocol; Go 1.26 keeps the P wired (_Prunning) until sysmon takes it.
    const pp = mp.p!;
    this.casgstatus(gp, 'Grunning', 'Gsyscall', 'entersyscall');
    mp.syscalltick = pp.syscalltick;
    mp.oldp = pp;
    pp.m = null;
    mp.p = null;
    // The P runs no goroutine while its M is in the kernel: its lane's slice ends here.
    if (this.trace !== null) this.emitPrun(pp.id, 0, mp.id);
    this.setPStatus(pp, 'Psyscall', `M${mp.id} entered a syscall`);
    if (this.sysmonwait) this.sysmon.wake('entersyscall');
    mp.st = 'syscall';
    mp.syscallLeft = d;
    this.kernel.compute(t, Math.max(1, this.kernel.costs.syscall));
  }

  private syscallStep(mp: M, t: Thread): void {
    if (mp.syscallLeft >= 0) {
      // Entered the kernel: block for the syscall's duration.
      const d = mp.syscallLeft;
      mp.syscallLeft = -1;
      this.kernel.sleep(t, d, 'syscall', false);
      return;
    }
    this.exitsyscall(mp, t);
  }

  /** exitsyscall: fast path (old P still _Psyscall, or any idle P), else exitsyscall0. */
  private exitsyscall(mp: M, t: Thread): void {
    const gp = mp.curg!;
    const oldp = mp.oldp;
    mp.oldp = null;
    let pp: P | null = null;
    let why = '';
    if (oldp !== null && oldp.status === 'Psyscall') {
      // Re-acquire the old P (CAS _Psyscall → _Pidle, wirep).
      this.setPStatus(oldp, 'Pidle', 'exitsyscall: CAS _Psyscall → _Pidle');
      this.acquirep(mp, oldp);
      pp = oldp;
      why = 'exitsyscall fast path: old P still in _Psyscall';
    } else if (this.npidle > 0) {
      pp = this.pidleget()!;
      this.acquirep(mp, pp);
      if (this.sysmonwait) this.sysmon.wake('exitsyscall took an idle P');
      why = `exitsyscall fast path: old P retaken, took idle P${pp.id}`;
    }
    if (pp !== null) {
      pp.syscalltick++;
      this.casgstatus(gp, 'Gsyscall', 'Grunning', why);
      if (this.trace !== null) this.emitPrun(pp.id, gp.goid, mp.id);
      mp.st = 'running';
      this.runG(mp, t);
      return;
    }
    // exitsyscall0: no P: the G goes to the global queue and the M stops.
    this.casgstatus(gp, 'Gsyscall', 'Grunnable', 'exitsyscall0: no idle P');
    this.dropg(mp, gp);
    this.globrunqput(gp);
    if (this.trace !== null) this.decision(`G${gp.goid}`, 'exitsyscall0: no P free after the syscall; G to the global queue, M parks');
    this.stopm(mp, t);
  }

  /**
   * retake (sysmon): preempt Gs that ran ≥ 10 ms; take Ps from syscalls seen twice, if the P
   * has work, or nobody else can take new work, or 10 ms have passed. Returns the number of Ps
   * retaken from syscalls.
   */
  retake(now: Nanos): number {
    let n = 0;
    for (const pp of this.allp) {
      const pd = pp.sysmontick;
      const s = pp.status;
      let sysretake = false;
      if (s === 'Prunning' || s === 'Psyscall') {
        const tk = pp.schedtick;
        if (pd.schedtick !== tk) {
          pd.schedtick = tk;
          pd.schedwhen = now;
        } else if (pd.schedwhen + FORCE_PREEMPT_NS <= now) {
          this.preemptone(pp);
          sysretake = true;
        }
      }
      if (s === 'Psyscall') {
        const tk = pp.syscalltick;
        if (!sysretake && pd.syscalltick !== tk) {
          pd.syscalltick = tk;
          pd.syscallwhen = now;
          continue;
        }
        const work = !this.runqempty(pp);
        const nobody = this.nmspinning + this.npidle === 0;
        if (!work && !nobody && pd.syscallwhen + SYSCALL_RETAKE_NS > now) continue;
        // CAS _Psyscall → _Pidle, then hand the P off.
        this.setPStatus(pp, 'Pidle', 'retake: CAS _Psyscall → _Pidle');
        n++;
        pp.syscalltick++;
        this.syscallRetakes++;
        if (this.trace !== null) {
          // retake's condition, in words: why this P is taken now.
          const because = work ? 'its run queue has work' : nobody ? 'no spinning M or idle P could take new work' : `10ms or more in it since sysmon saw it at ${formatDuration(pd.syscallwhen)}`;
          this.decision(`P${pp.id}`, `retake: P in the same syscall at two sysmon checks, and ${because}; handoffp`);
        }
        this.handoffp(pp);
      }
    }
    return n;
  }

  /** preemptone: ask the G running on pp to stop (gp.preempt + SIGURG to its M). */
  private preemptone(pp: P): boolean {
    const mp = pp.m;
    if (mp === null || mp === this.curM) return false;
    const gp = mp.curg;
    if (gp === null || mp.st !== 'running') return false;
    gp.preempt = true;
    pp.preempt = true;
    if (this.trace !== null) this.decision(`G${gp.goid}`, `sysmon: preemptone P${pp.id} (same schedtick for ≥ 10ms)`);
    if (!this.params.asyncPreemptOff) this.kernel.interrupt(mp.thread);
    return true;
  }

  // ======================================================================= netpoller

  netpollAnyWaiters(): boolean {
    return this.netpollWaiters > 0 || this.runner.pendingArrivals > 0;
  }

  /** netpollblock: the G waits for its IO; the completion is an event at now + d. */
  private netpollblock(gp: G, d: Nanos): void {
    this.netpollWaiters++;
    let ev = gp.ioEv;
    if (ev === null) ev = gp.ioEv = this.engine.event(this, EV_IO, gp, Phase.Wake);
    this.engine.at(ev, this.now + d);
  }

  fire(ev: SimEvent): void {
    if (ev.kind === EV_IO) this.netpollMarkReady(ev.arg as G);
    if (this.trace !== null) this.traceCounts();
  }

  /** The fd became ready: epoll would now return this G; wake the blocked poller if any. */
  private netpollMarkReady(gp: G): void {
    if (this.trace !== null) {
      // For the trace: how long the IO was ready before the netpoller returned the G.
      while (this.ioReadyAt.length <= gp.goid) {
        this.ioReadyAt.push(-1);
        this.ioReadyPolled.push(0);
      }
      this.ioReadyAt[gp.goid] = this.now;
      this.ioReadyPolled[gp.goid] = this.pollerM !== null ? 1 : 0;
    }
    this.netpollReadyQ.push(gp);
    gp.onq = Q_NETPOLL;
    this.netpollBreak('fd ready');
  }

  /** netpoll(0): the Gs whose IO is ready (all of them), in completion order. */
  private netpoll(): G[] {
    // SIM: epoll returns fds in the kernel's order, at most 128 per call; here all, oldest first.
    const list = this.netpollReadyQ.splice(0);
    for (const gp of list) {
      gp.onq = Q_NONE;
      gp.readAfterPoll = true;
    }
    this.netpollWaiters -= list.length;
    this.netpollReady += list.length;
    return list;
  }

  /** sysmon: poll the network if nobody has for 10 ms. */
  sysmonNetpoll(now: Nanos): void {
    this.lastpoll = now;
    const list = this.netpoll();
    if (list.length > 0) this.injectglist(list);
  }

  /** injectglist: with a P, one G per idle P to the GRQ (and an M each), the rest to the LRQ. */
  injectglist(list: G[]): void {
    if (list.length === 0) return;
    for (const gp of list) this.casgstatus(gp, 'Gwaiting', 'Grunnable', 'netpoll: IO ready (injectglist)');
    const pp = this.curM?.p ?? null;
    if (pp === null) {
      for (const gp of list) this.globrunqput(gp);
      this.startIdle(list.length);
      return;
    }
    let k = this.npidle;
    let i = 0;
    let nglob = 0;
    for (; k > 0 && i < list.length; k--, i++) {
      this.globrunqput(list[i]!);
      nglob++;
    }
    if (nglob > 0) this.startIdle(nglob);
    for (; i < list.length; i++) this.runqput(pp, list[i]!, false);
    this.wakep();
  }

  private startIdle(n: number): void {
    for (let i = 0; i < n; i++) {
      const pp = this.pidlegetSpinning();
      if (pp === null) break;
      this.startm(pp, false, 'injectglist');
    }
  }

  // ======================================================================= deadlock

  /** checkdead: every M idle, no timers, no IO pending, live goroutines → deadlock. */
  private checkdead(): void {
    // run := mcount() - nmidle - nmsys: an M taken off the idle list by startm but not yet
    // running (its thread still waking) counts as running, as in the runtime.
    const run = this.allm.length - this.midle.length - (this.sysmon.m !== null ? 1 : 0);
    if (run > 0) return;
    if (this.runner.live === 0) return;
    if (this.netpollAnyWaiters() || this.netpollReadyQ.length > 0) return;
    for (const pp of this.allp) if (pp.timers.size > 0) return;
    for (const task of this.runner.liveTasks()) {
      const gp = task.exec as G;
      if (gp.status === 'Grunnable' || gp.status === 'Grunning' || gp.status === 'Gsyscall') {
        invariant(false, () => `checkdead: runnable g G${gp.goid} in status ${gp.status}`);
      }
    }
    this.engine.stop('deadlock');
  }

  // ======================================================================= checks

  /** Whole-state invariants (run after every event in tests). */
  check(): void {
    const seen = new Map<G, string>();
    const note = (gp: G, where: string): void => {
      invariant(!seen.has(gp), () => `check: G${gp.goid} is both ${seen.get(gp)} and ${where}`);
      seen.set(gp, where);
    };
    let idleCount = 0;
    for (const pp of this.allp) {
      invariant(pp.runqsize >= 0 && pp.runqsize <= LOCAL_RUNQ_SIZE, () => `check: P${pp.id} runq size ${pp.runqsize}`);
      for (let i = 0; i < pp.runqsize; i++) {
        const gp = pp.runq[(pp.runqhead + i) % LOCAL_RUNQ_SIZE]!;
        invariant(gp.status === 'Grunnable' && gp.onq === pp.id, () => `check: G${gp.goid} in P${pp.id} runq is ${gp.status} onq=${gp.onq}`);
        note(gp, `in P${pp.id} runq`);
      }
      if (pp.runnext !== null) {
        const gp = pp.runnext;
        invariant(gp.status === 'Grunnable' && gp.onq === pp.id, () => `check: runnext G${gp.goid} of P${pp.id} is ${gp.status}`);
        note(gp, `runnext of P${pp.id}`);
      }
      if (pp.idle) {
        idleCount++;
        invariant(pp.status === 'Pidle' && pp.m === null && this.runqempty(pp), () => `check: idle P${pp.id} is ${pp.status}`);
        invariant(this.pidle.includes(pp), () => `check: P${pp.id} idle but not on pidle`);
      } else if (pp.status === 'Prunning') {
        invariant(pp.m !== null && pp.m.p === pp, () => `check: running P${pp.id} not wired to its M`);
      } else if (pp.status === 'Psyscall') {
        invariant(pp.m === null && this.allm.some((m) => m.oldp === pp), () => `check: P${pp.id} in _Psyscall without its M`);
      } else {
        // Pidle but not on the idle list: just retaken or handed over within this instant; only allowed if an M is about to take it.
        invariant(this.allm.some((m) => m.nextp === pp), () => `check: P${pp.id} is idle, off the idle list, and no M will take it`);
      }
    }
    invariant(idleCount === this.npidle && this.pidle.length === this.npidle, () => `check: npidle ${this.npidle}, idle Ps ${idleCount}`);
    for (const gp of this.runq) {
      invariant(gp.status === 'Grunnable' && gp.onq === Q_GLOBAL, () => `check: G${gp.goid} in the global queue is ${gp.status}`);
      note(gp, 'in the global queue');
    }
    for (const gp of this.netpollReadyQ) {
      invariant(gp.status === 'Gwaiting' && gp.onq === Q_NETPOLL, () => `check: G${gp.goid} netpoll-ready is ${gp.status}`);
      note(gp, 'netpoll-ready');
    }
    let spinning = 0;
    let pollers = 0;
    for (const mp of this.allm) {
      if (mp.spinning) spinning++;
      if (mp.st === 'netpoll') pollers++;
      if (mp.p !== null) invariant(mp.p.m === mp, () => `check: M${mp.id} holds P${mp.p!.id} but P.m is M${mp.p!.m?.id}`);
      if (mp.curg !== null) {
        note(mp.curg, `running on M${mp.id}`);
        invariant(mp.curg.m === mp, () => `check: M${mp.id} curg G${mp.curg!.goid} has m M${mp.curg!.m?.id}`);
      }
      if (mp.nextg !== null) note(mp.nextg, `being switched to by M${mp.id}`);
      if (mp.st === 'idle') {
        // Parked on midle, or taken off it by startm and waking with m.nextp.
        invariant(mp.p === null && this.midle.includes(mp) !== (mp.nextp !== null), () => `check: idle M${mp.id} has a P, or is off midle without nextp`);
      }
    }
    invariant(spinning === this.nmspinning, () => `check: nmspinning ${this.nmspinning} but ${spinning} Ms spinning`);
    invariant(this.nmspinning >= 0 && this.nmspinning <= this.gomaxprocs, () => `check: nmspinning ${this.nmspinning} out of range`);
    invariant(pollers <= 1, () => `check: ${pollers} Ms blocked in netpoll`);
    for (const task of this.runner.liveTasks()) {
      const gp = task.exec as G;
      if (gp.status === 'Gdead') continue;
      if (!seen.has(gp)) {
        invariant(gp.status === 'Gwaiting' || gp.status === 'Gsyscall', () => `check: G${gp.goid} (${gp.status}) is nowhere (lost)`);
      }
    }
  }
}
