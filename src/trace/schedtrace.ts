/**
 * GODEBUG=schedtrace=X[,scheddetail=1] for the go:P model: every X of simulated time, the
 * runtime's state printed in exactly the format of runtime.schedtrace (proc.go), so people who
 * know Go's output can read it and tools that parse it work:
 *
 *   SCHED 10ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0 needspinning=0 idlethreads=1 runqueue=0 [3 4]
 *
 * and with scheddetail the header ends in `gcwaiting=false nmidlelocked=0 stopwait=0
 * sysmonwait=false`, followed by one line per P, per M (newest first, as allm is a list with
 * the newest M at its head) and per goroutine.
 *
 * The sampler is an Observe-phase engine event: it runs after everything else at its instant
 * and never changes the simulation. It takes its own firings out of the event count and does
 * not extend the run, so a run's result is identical with and without --schedtrace.
 *
 * SIM: lines are printed at exact multiples of the period from 0 ("SCHED 0ms" first); Go
 * prints them from sysmon, whose wake-ups drift by up to its 10 ms sleep. No GC (gcwaiting=false, stopwait=0), no locked Ms or Gs, no G
 * free lists (gfreecnt=0); finished goroutines are not listed (Go lists them with status=6).
 */
import { Phase } from '../engine/engine.js';
import type { EventHandler, SimEvent } from '../engine/event-queue.js';
import type { Nanos } from '../engine/time.js';
import type { GoRuntime } from '../go/proc.js';
import type { G, GStatus, PStatus } from '../go/runtime2.js';
import type { Simulation } from '../sim.js';

export interface SchedP {
  status: number;
  schedtick: number;
  syscalltick: number;
  /** M id, or -1 (nil). */
  m: number;
  runqsize: number;
  gfreecnt: number;
  timerslen: number;
}

export interface SchedM {
  id: number;
  p: number;
  curg: number;
  spinning: boolean;
  blocked: boolean;
}

export interface SchedG {
  goid: number;
  status: number;
  waitreason: string;
  m: number;
}

/** What runtime.schedtrace reads, as plain data. */
export interface SchedSnapshot {
  ms: number;
  gomaxprocs: number;
  idleprocs: number;
  threads: number;
  spinningthreads: number;
  needspinning: number;
  idlethreads: number;
  runqueue: number;
  sysmonwait: boolean;
  ps: SchedP[];
  /** Newest first (allm order). */
  mlist: SchedM[];
  gs: SchedG[];
}

const P_STATUS: Record<PStatus, number> = { Pidle: 0, Prunning: 1, Psyscall: 2 };
const G_STATUS: Record<GStatus, number> = { Gidle: 0, Grunnable: 1, Grunning: 2, Gsyscall: 3, Gwaiting: 4, Gdead: 6 };

const nil = (n: number): string => (n < 0 ? 'nil' : String(n));

/** The lines runtime.schedtrace prints for `s` (each ends with a newline). */
export function formatSchedtrace(s: SchedSnapshot, detailed: boolean): string {
  let out = `SCHED ${s.ms}ms: gomaxprocs=${s.gomaxprocs} idleprocs=${s.idleprocs} threads=${s.threads} spinningthreads=${s.spinningthreads} needspinning=${s.needspinning} idlethreads=${s.idlethreads} runqueue=${s.runqueue}`;
  if (!detailed) {
    out += ` [${s.ps.map((p) => p.runqsize).join(' ')}]\n`;
    return out;
  }
  out += ` gcwaiting=false nmidlelocked=0 stopwait=0 sysmonwait=${s.sysmonwait}\n`;
  s.ps.forEach((p, i) => {
    out += `  P${i}: status=${p.status} schedtick=${p.schedtick} syscalltick=${p.syscalltick} m=${nil(p.m)} runqsize=${p.runqsize} gfreecnt=${p.gfreecnt} timerslen=${p.timerslen}\n`;
  });
  for (const m of s.mlist) {
    out += `  M${m.id}: p=${nil(m.p)} curg=${nil(m.curg)} mallocing=0 throwing=0 preemptoff= locks=0 dying=0 spinning=${m.spinning} blocked=${m.blocked} lockedg=nil\n`;
  }
  for (const g of s.gs) out += `  G${g.goid}: status=${g.status}(${g.waitreason}) m=${nil(g.m)} lockedm=nil\n`;
  return out;
}

/** Reads the Go runtime's state at `now`. */
export function snapshotGo(rt: GoRuntime, sim: Simulation, now: Nanos): SchedSnapshot {
  const ps: SchedP[] = rt.allp.map((p) => ({
    status: P_STATUS[p.status],
    schedtick: p.schedtick,
    syscalltick: p.syscalltick,
    m: p.m?.id ?? -1,
    runqsize: p.runqsize,
    gfreecnt: 0,
    timerslen: p.timers.size,
  }));
  const mlist: SchedM[] = [];
  for (let i = rt.allm.length - 1; i >= 0; i--) {
    const m = rt.allm[i]!;
    mlist.push({ id: m.id, p: m.p?.id ?? -1, curg: m.curg?.goid ?? -1, spinning: m.spinning, blocked: m.st === 'idle' });
  }
  const gs: SchedG[] = [];
  for (const task of sim.runner.liveTasks()) {
    const g = task.exec as G | null;
    if (g === null) continue;
    gs.push({ goid: g.goid, status: G_STATUS[g.status], waitreason: g.status === 'Gwaiting' ? g.waitreason : '', m: g.m?.id ?? -1 });
  }
  gs.sort((a, b) => a.goid - b.goid);
  return {
    ms: Math.floor(now / 1e6),
    gomaxprocs: rt.allp.length,
    idleprocs: rt.npidle,
    threads: rt.allm.length,
    spinningthreads: rt.nmspinning,
    needspinning: rt.needspinning,
    idlethreads: rt.midle.length,
    runqueue: rt.runq.size,
    sysmonwait: rt.sysmonwait,
    ps,
    mlist,
    gs,
  };
}

/** Prints schedtrace lines every `periodNs` of simulated time through `out`. */
export class SchedtraceSampler implements EventHandler {
  private readonly ev: SimEvent;
  private lastReal: Nanos = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly periodNs: Nanos,
    private readonly detailed: boolean,
    private readonly out: (text: string) => void,
  ) {
    if (sim.modelSpec.kind !== 'go') throw new Error(`schedtrace: the model is ${sim.model.name}; schedtrace reads the Go runtime (go:P models)`);
    if (!(periodNs > 0)) throw new Error('schedtrace: the period must be > 0');
    this.ev = sim.engine.event(this, 0, null, Phase.Observe);
    sim.engine.at(this.ev, 0);
  }

  fire(): void {
    const engine = this.sim.engine;
    // Observation only: not counted as a simulation event.
    engine.events--;
    if (engine.queue.size === 0) {
      // Nothing left to simulate: this sample lies past the run's end; do not extend the run.
      engine.now = this.lastReal;
      return;
    }
    this.out(formatSchedtrace(snapshotGo(this.sim.model as GoRuntime, this.sim, engine.now), this.detailed));
    this.lastReal = engine.now;
    engine.at(this.ev, engine.now + this.periodNs);
  }
}
