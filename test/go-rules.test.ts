/**
 * One test per rule of the Go scheduler cheat-sheet (docs/go-scheduler-spec.md §1), each on a
 * small case with an exact expected sequence, plus the runtime's fatal and deadlock outcomes.
 * Every run has the whole-state invariant check after every event (kernel and Go runtime).
 */
import { describe, expect, it } from 'vitest';
import type { GoRuntime } from '../src/go/proc.js';
import type { GoCosts } from '../src/go/params.js';
import { Simulation, type SimConfig } from '../src/sim.js';
import { MemorySink, type TraceEvent } from '../src/trace/events.js';
import type { SourceSpec, WorkloadSpec } from '../src/workload/spec.js';
import { ZERO_COSTS, ms, us } from './support.js';

const GO_COSTS: GoCosts = { goroutineSwitch: 100, goStatement: 100, stealProbe: 0, netpoll: 0, asyncPreempt: 0, sysmonLoop: 100, syncOp: 0 };

interface GoRun {
  sim: Simulation;
  rt: GoRuntime;
  events: TraceEvent[];
  result: ReturnType<Simulation['run']>;
}

function goRun(opts: {
  procs: number;
  cpus?: number;
  workload: WorkloadSpec;
  costs?: Partial<typeof ZERO_COSTS>;
  go?: Partial<GoCosts>;
  limitNs?: number;
  maxThreads?: number;
}): GoRun {
  const config: SimConfig = {
    name: 'go-rule',
    seed: 1,
    machine: { cpus: opts.cpus ?? opts.procs, costs: { ...ZERO_COSTS, ...(opts.costs ?? {}) } },
    os: { policy: 'cfs', balanceIntervalNs: 0 },
    model: `go:${opts.procs}`,
    go: { costs: { ...GO_COSTS, ...(opts.go ?? {}) }, ...(opts.maxThreads !== undefined ? { maxThreads: opts.maxThreads } : {}) },
    workload: opts.workload,
    limits: opts.limitNs !== undefined ? { timeNs: opts.limitNs } : {},
    recordOrder: true,
  };
  const sink = new MemorySink();
  const sim = new Simulation(config, { trace: sink, check: true });
  const result = sim.run();
  return { sim, rt: sim.model as GoRuntime, events: sink.events, result };
}

const batch = (name: string, program: SourceSpec['program'], count = 1): SourceSpec => ({ kind: 'batch', name, count, program });

/** goid → task name. */
function names(events: TraceEvent[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const e of events) if (e.k === 'g') m.set(e.g, e.name);
  return m;
}

/** The order in which goroutines were put on a P (Grunnable → Grunning), with the rule. */
function starts(events: TraceEvent[]): Array<{ t: number; name: string; g: number; why: string; p: number }> {
  const n = names(events);
  const out: Array<{ t: number; name: string; g: number; why: string; p: number }> = [];
  for (const e of events) {
    if (e.k === 'gstate' && e.from === 'Grunnable' && e.to === 'Grunning') out.push({ t: e.t, name: n.get(e.g)!, g: e.g, why: e.why, p: e.p });
  }
  return out;
}

describe('Go scheduler rules (cheat-sheet §1)', () => {
  it('rule 1: exactly GOMAXPROCS Ps; never more Gs running than Ps', () => {
    const { rt, events, result } = goRun({ procs: 3, cpus: 4, workload: { sources: [batch('w', [{ compute: ms(1) }], 12)] } });
    expect(result.outcome).toBe('completed');
    expect(rt.allp.length).toBe(3);
    let running = 0;
    let max = 0;
    for (const e of events) {
      if (e.k !== 'gstate') continue;
      if (e.to === 'Grunning') running++;
      if (e.from === 'Grunning') running--;
      max = Math.max(max, running);
    }
    expect(max).toBe(3);
  });

  it('rule 2: a full LRQ of 256 spills its first 128 plus the new G (129) to the global queue', () => {
    // main (G1) spawns 258 goroutines on GOMAXPROCS 1, then computes; stop before anything else runs.
    const { rt, result } = goRun({
      procs: 1,
      workload: { programs: { w: [{ compute: us(1) }] }, sources: [batch('main', [{ spawn: 'w', count: 258 }, { compute: ms(1) }])] },
      limitNs: us(500),
    });
    expect(result.outcome).toBe('truncated');
    const p0 = rt.allp[0]!;
    const grq = [...rt.runq].map((g) => g.goid);
    // Spawned goroutines are G2..G259. G2..G129 were the LRQ head; G258 was kicked out of runnext.
    expect(grq).toEqual([...Array.from({ length: 128 }, (_, i) => i + 2), 258]);
    const lrq: number[] = [];
    for (let i = p0.runqhead; i < p0.runqtail; i++) lrq.push(p0.runq[i % 256]!.goid);
    expect(lrq).toEqual(Array.from({ length: 128 }, (_, i) => i + 130));
    expect(p0.runnext?.goid).toBe(259);
    expect(result.go?.globalRunqMax).toBe(129);
  });

  it('rule 3: `go` puts the new G in runnext, kicking the old one to the LRQ tail; the creator continues', () => {
    const { events } = goRun({
      procs: 1,
      workload: {
        programs: { A: [{ compute: us(1) }], B: [{ compute: us(1) }], C: [{ compute: us(1) }] },
        sources: [batch('main', [{ spawn: 'A' }, { spawn: 'B' }, { spawn: 'C' }, { compute: us(10) }])],
      },
    });
    const s = starts(events).map((x) => `${x.name}:${x.why}`);
    expect(s).toEqual([
      'main:findRunnable: runnext (inherits the time slice)',
      'C:findRunnable: runnext (inherits the time slice)',
      'A:findRunnable: local run queue',
      'B:findRunnable: local run queue',
    ]);
    // main ran its 10µs compute after the three spawns before anyone else started.
    const c = starts(events).find((x) => x.name === 'C')!;
    expect(c.t).toBe(100 + 3 * 100 + us(10) + 100);
  });

  it('rule 4: a G readied by a channel send runs next on the sender’s P and inherits the time slice', () => {
    const { events, rt } = goRun({
      procs: 1,
      workload: {
        channels: [{ name: 'c', cap: 0 }],
        programs: { x: [{ compute: us(1) }] },
        // Created in order s, r: r is in runnext and runs first; it parks on recv.
        sources: [batch('s', [{ compute: us(1) }, { spawn: 'x' }, { send: 'c' }, { compute: us(5) }]), batch('r', [{ recv: 'c' }, { compute: us(1) }])],
      },
    });
    const s = starts(events).map((x) => `${x.name}:${x.why}`);
    expect(s).toEqual([
      'r:findRunnable: runnext (inherits the time slice)',
      's:findRunnable: local run queue',
      'r:findRunnable: runnext (inherits the time slice)',
      'x:findRunnable: local run queue',
    ]);
    // r was readied into P0's runnext by s's send; x (spawned before) was kicked to the LRQ.
    const ready = events.find((e) => e.k === 'gstate' && e.to === 'Grunnable' && e.from === 'Gwaiting')!;
    expect(ready).toMatchObject({ why: 'readied by G1' });
    // Only s and x started new time slices: schedtick counts 2.
    expect(rt.allp[0]!.schedtick).toBe(2);
  });

  it('rules 5 and 6: Gosched goes to the global queue tail; schedtick%61==0 takes one G from it first', () => {
    const { events } = goRun({
      procs: 1,
      workload: {
        // Created a, b, c: c in runnext, a and b in the LRQ.
        sources: [batch('a', [{ compute: us(1) }]), batch('b', [{ compute: us(1) }]), batch('c', [{ yield: true }, { yield: true }, { compute: us(1) }])],
      },
    });
    const s = starts(events).map((x) => `${x.name}:${x.why}`);
    expect(s).toEqual([
      'c:findRunnable: runnext (inherits the time slice)',
      // schedtick is still 0 (runnext inherited), 0 % 61 == 0 and c sits in the global queue.
      'c:findRunnable: global queue (schedtick 0 % 61 == 0 fairness check)',
      'a:findRunnable: local run queue',
      'b:findRunnable: local run queue',
      'c:findRunnable: global queue batch of 1',
    ]);
  });

  it('rule 5: a G running ≥ 10 ms is preempted by sysmon to the global queue; a sleeper waits 10–20 ms', () => {
    const { events, result } = goRun({
      procs: 1,
      cpus: 2,
      workload: { sources: [batch('hog', [{ compute: ms(60) }]), batch('sleeper', [{ repeat: 3, do: [{ sleep: ms(1) }] }])] },
    });
    expect(result.outcome).toBe('completed');
    const pre = events.filter((e) => e.k === 'gstate' && e.why.startsWith('preempted by sysmon'));
    expect(pre.length).toBeGreaterThanOrEqual(3);
    const n = names(events);
    // The sleeper's wake-ups: from timer expiry to running again.
    const sl = [...n].find(([, v]) => v === 'sleeper')![0];
    const parks: number[] = [];
    const runsAt: number[] = [];
    for (const e of events) {
      if (e.k !== 'gstate' || e.g !== sl) continue;
      if (e.to === 'Gwaiting') parks.push(e.t);
      if (e.to === 'Grunning') runsAt.push(e.t);
    }
    // The first run is at start; each later run follows a park by 1 ms + the hog's slice end.
    for (let i = 0; i < parks.length; i++) {
      const late = runsAt[i + 1]! - (parks[i]! + ms(1));
      expect(late).toBeGreaterThan(ms(8));
      expect(late).toBeLessThan(ms(21));
    }
  });

  it('rule 7: a steal takes ceil(n/2) from the victim’s LRQ head; the thief runs the last one', () => {
    // main spawns 10 goroutines on P0; the spinning M for P1 starts 20µs later (thread creation).
    const { events, result } = goRun({
      procs: 2,
      costs: { threadCreate: us(20) },
      workload: { programs: { w: [{ compute: us(100) }] }, sources: [batch('main', [{ spawn: 'w', count: 10 }, { compute: ms(1) }])] },
    });
    expect(result.outcome).toBe('completed');
    const steal = events.find((e) => e.k === 'steal')!;
    // P0: runnext G11, LRQ G2..G10 (9) → ceil(9/2) = 5 (G2..G6); P1 runs G6, keeps G2..G5.
    expect(steal).toMatchObject({ p: 1, victim: 0, n: 5, round: 1, runnext: false });
    const firstOnP1 = starts(events).find((x) => x.p === 1)!;
    expect(firstOnP1.g).toBe(6);
    expect(firstOnP1.why).toBe('stealWork: stole 5 from P0 in round 1');
  });

  it('rule 7: runnext is stolen only in the last round, after usleep(3)', () => {
    // P0 runs a hog; a goroutine sits in P0's runnext; the other P's spinning M can only take runnext.
    const { events } = goRun({
      procs: 2,
      costs: { threadCreate: us(20) },
      workload: { programs: { w: [{ compute: us(5) }] }, sources: [batch('main', [{ spawn: 'w' }, { compute: ms(2) }])] },
    });
    const steal = events.find((e) => e.k === 'steal')!;
    expect(steal).toMatchObject({ p: 1, victim: 0, n: 1, round: 4, runnext: true });
    const started = starts(events).find((x) => x.p === 1)!;
    expect(started.why).toBe('stealWork: took runnext of P0 in round 4 after usleep(3)');
    // The thread slept 3µs (no timer slack in this test) before taking it.
    const sleep = events.find((e) => e.k === 'tstate' && e.to === 'waiting' && e.why === 'usleep(3) in runqgrab')!;
    expect(steal.t - sleep.t).toBe(3_000);
  });

  it('rule 8: wakep starts a spinner only if none spins and a P is idle; spinning Ms never exceed the cap', () => {
    const { events, rt, result } = goRun({
      procs: 4,
      costs: { threadCreate: us(10) },
      workload: { programs: { w: [{ compute: us(50) }] }, sources: [batch('main', [{ spawn: 'w', count: 40 }, { compute: us(100) }])] },
    });
    expect(result.outcome).toBe('completed');
    // main is created at time 0 and wakep starts one spinning M (M2, for P1) at once. The forty
    // spawns that follow start nobody (a spinner exists). Each spinner that finds work calls
    // wakep again (resetspinning), so Ms come one after another, each 10µs of thread creation
    // later plus the 100ns of entering the scheduler, and each steals half of what its victim
    // has: 39 → 20, 19 → 10, then from P1 19 → 10.
    const created = events.filter((e) => e.k === 'mstate' && e.what === 'created').map((e) => e.t);
    expect(created).toEqual([0, 0, 0, us(10) + 100, us(20) + 200]);
    const steals = events.filter((e) => e.k === 'steal').map((e) => (e.k === 'steal' ? [e.t, e.p, e.victim, e.n] : []));
    expect(steals.slice(0, 3)).toEqual([
      [us(10) + 100, 1, 0, 20],
      [us(20) + 200, 2, 0, 10],
      [us(30) + 300, 3, 1, 10],
    ]);
    expect(rt.allm.length).toBe(5); // M0, sysmon, and one M for each of P1..P3
    // Never more spinning Ms than the cap allows, checked after every event by the invariant check.
  });

  it('rule 9: a syscall keeps its M; sysmon retakes the P on its second look when the P has work', () => {
    // s makes a 5µs syscall (its exit bumps P0's syscalltick), then a 1ms one.
    const { events, result } = goRun({
      procs: 1,
      cpus: 2,
      workload: { sources: [batch('x', [{ compute: ms(3) }]), batch('s', [{ syscall: us(5) }, { syscall: ms(1) }, { compute: us(1) }])] },
    });
    expect(result.outcome).toBe('completed');
    const enter = events.filter((e) => e.k === 'gstate' && e.to === 'Gsyscall')[1]!;
    const retake = events.find((e) => e.k === 'decision' && e.text.startsWith('retake'))!;
    // sysmon looks every 20µs (+100ns of work): the first look records the syscall, the second retakes.
    expect(retake.t - enter.t).toBeGreaterThan(us(20));
    expect(retake.t - enter.t).toBeLessThanOrEqual(us(41));
    expect(result.go).toMatchObject({ syscallRetakes: 1, threadsCreated: 3 });
    // x runs on the new M while s is in its syscall; s returns to no free P: global queue, runs after x.
    const s = starts(events).map((x) => x.name);
    expect(s).toEqual(['s', 'x', 's']);
    const back = events.filter((e) => e.k === 'gstate' && e.from === 'Gsyscall')[1]!;
    expect(back).toMatchObject({ to: 'Grunnable', why: 'exitsyscall0: no idle P' });
  });

  it('rule 9: with an idle P and nothing queued, a syscall keeps its P until 10 ms have passed', () => {
    const short = goRun({ procs: 2, workload: { sources: [batch('s', [{ syscall: ms(5) }])] } });
    expect(short.result.go).toMatchObject({ syscallRetakes: 0 });
    const long = goRun({ procs: 2, workload: { sources: [batch('s', [{ syscall: ms(30) }])] } });
    expect(long.result.go).toMatchObject({ syscallRetakes: 1 });
    const enter = long.events.find((e) => e.k === 'gstate' && e.to === 'Gsyscall')!;
    const retake = long.events.find((e) => e.k === 'decision' && e.text.startsWith('retake'))!;
    expect(retake.t - enter.t).toBeGreaterThanOrEqual(ms(10));
    expect(retake.t - enter.t).toBeLessThan(ms(20));
  });

  it('rule 10: sysmon sleeps 20µs for 51 loops, then doubles up to 10ms', () => {
    const { events } = goRun({ procs: 1, cpus: 2, workload: { sources: [batch('hog', [{ compute: ms(80) }])] } });
    const sysmonTid = events.find((e) => e.k === 'thread' && e.name === 'sysmon')!;
    const tid = (sysmonTid as { tid: number }).tid;
    const sleeps: number[] = [];
    let since = -1;
    for (const e of events) {
      if (e.k !== 'tstate' || e.tid !== tid) continue;
      if (e.to === 'waiting' && e.why === 'sysmon usleep') since = e.t;
      else if (e.from === 'waiting' && since >= 0) {
        sleeps.push(e.t - since);
        since = -1;
      }
    }
    const expected = [...Array<number>(51).fill(us(20)), us(40), us(80), us(160), us(320), us(640), us(1280), us(2560), us(5120), ms(10), ms(10)];
    expect(sleeps.slice(0, expected.length)).toEqual(expected);
  });

  it('rule 11: netpoll results come back through the poller, not by parking Ms', () => {
    const { result } = goRun({
      procs: 2,
      workload: { sources: [batch('w', [{ io: ms(5) }, { compute: us(10) }], 200)] },
    });
    expect(result.outcome).toBe('completed');
    expect(result.go).toMatchObject({ netpollReady: 200 });
    // 200 goroutines waiting on IO at once need no more threads than Ms for the Ps (+ sysmon).
    expect(result.threads.created).toBeLessThanOrEqual(4);
  });

  it('rule 11: a goroutine whose IO is ready stays Gwaiting until an M polls; the trace says for how long', () => {
    const ready = (events: TraceEvent[]): TraceEvent[] => events.filter((e) => e.k === 'gstate' && e.from === 'Gwaiting' && e.to === 'Grunnable');
    // An M blocked in netpoll: netpollBreak wakes its OS thread, which pays a 2us context switch
    // (sysmon ran last on the one CPU) before netpoll returns the goroutine. IO from 2.101us.
    const polled = goRun({ procs: 1, costs: { contextSwitch: us(2) }, workload: { sources: [batch('io', [{ io: ms(1) }, { compute: us(10) }])] } });
    expect(ready(polled.events)).toEqual([{ k: 'gstate', t: 1_004_101, g: 1, from: 'Gwaiting', to: 'Grunnable', p: -1, m: -1, why: 'netpoll: IO ready', late: 2_000, polled: true }]);
    // The one P busy with a hog and no M blocked in netpoll: the IO, ready at 1.000101ms, waits
    // for sysmon's netpoll (lastpoll more than 10ms ago), which hands it to injectglist.
    const hog = goRun({ procs: 1, cpus: 2, workload: { sources: [batch('hog', [{ compute: ms(30) }]), batch('io', [{ io: ms(1) }, { compute: us(10) }])] } });
    const [late] = ready(hog.events);
    expect(late).toEqual({ k: 'gstate', t: 11_225_800, g: 2, from: 'Gwaiting', to: 'Grunnable', p: -1, m: -1, why: 'netpoll: IO ready (injectglist)', late: 10_225_699, polled: false });
    const parked = hog.events.find((e) => e.k === 'gstate' && e.g === 2 && e.to === 'Gwaiting')!;
    expect(late!.t - (late as { late: number }).late).toBe(parked.t + ms(1));
    // Every other end of a wait has no lateness.
    expect(hog.events.filter((e) => e.k === 'gstate' && (e.late !== -1 || e.polled)).length).toBe(1);
  });
});

describe('Go runtime outcomes', () => {
  it('reports all goroutines asleep as a deadlock with each wait reason', () => {
    const { result } = goRun({
      procs: 2,
      workload: { channels: [{ name: 'c', cap: 0 }], mutexes: [{ name: 'mu' }], sources: [batch('rx', [{ recv: 'c' }]), batch('wg', [{ lock: 'mu' }, { lock: 'mu' }])] },
    });
    expect(result.outcome).toBe('deadlock');
    expect(result.deadlock?.blocked.map((b) => `${b.name} ${b.reason} ${b.on}`)).toEqual(['rx chan receive c', 'wg sync.Mutex.Lock mu']);
  });

  it('an M woken by startm whose thread is still waking is not idle for checkdead (property counterexample)', () => {
    // Found by a property run: sysmon retakes P0 from G2's syscall and wakes idle M2 for it
    // (an 8µs IPI away). G2's syscall ends first, finds no idle P (P0 is promised to M2), goes
    // to the global queue, and M0 parks. Every M is then parked but M2, which is off the idle
    // list and about to run G2: checkdead must count it as running, as the runtime's
    // mcount − nmidle − nmsys does.
    const sim = new Simulation(
      {
        name: 'checkdead-race',
        seed: 424,
        machine: { cpus: 2, costs: { contextSwitch: 0, wakeupIpi: 8000, threadCreate: 0, syscall: 200, timerSlack: 0 } },
        os: { policy: 'fifo', exactSliceEnd: true, balanceIntervalNs: 0 },
        model: 'go:1',
        go: { costs: { goroutineSwitch: 150, goStatement: 250, stealProbe: 20, netpoll: 500, asyncPreempt: 3000, sysmonLoop: 500, syncOp: 0 } },
        limits: { events: 200_000 },
        workload: {
          channels: [
            { name: 'pa2', cap: 8 },
            { name: 'pb2', cap: 8 },
          ],
          mutexes: [{ name: 'mu1' }],
          sources: [
            batch('plain0', []),
            batch('lock1', [{ lock: 'mu1' }, { unlock: 'mu1' }, { syscall: 39851 }, { compute: { dist: 'exponential', mean: 933621 } }, { syscall: { dist: 'exponential', mean: 60436 } }]),
            batch('poll2', [{ select: [{ recv: 'pa2' }, { recv: 'pb2' }], default: true }]),
          ],
        },
      },
      { check: true },
    );
    const r = sim.run();
    expect(r.outcome).toBe('completed');
    expect(r.go).toMatchObject({ syscallRetakes: 2 });
  });

  it('a timer pending is not a deadlock', () => {
    const { result } = goRun({ procs: 1, workload: { sources: [batch('s', [{ sleep: ms(50) }])] } });
    expect(result.outcome).toBe('completed');
    expect(result.simulatedNs).toBeGreaterThanOrEqual(ms(50));
  });

  it('more blocked syscalls than the thread limit is a fatal thread exhaustion', () => {
    const { result } = goRun({ procs: 2, maxThreads: 50, workload: { sources: [batch('s', [{ syscall: ms(100) }], 100)] } });
    expect(result.outcome).toBe('panic');
    expect(result.panic).toBe('runtime: program exceeds 50-thread limit\nfatal error: thread exhaustion');
  });

  it('a starving sync.Mutex hands ownership to the waiter, and the unlocker yields to it', () => {
    // holder runs on P0 and re-locks at once after each unlock; waiter (stolen to P1) queues at
    // about 1µs, is woken at 2 ms but loses the race to the barging holder, and, having waited
    // over 1 ms, switches the mutex to starvation mode: the unlock at 4 ms hands it over.
    const { sim, result, events } = goRun({
      procs: 2,
      workload: {
        mutexes: [{ name: 'mu' }],
        sources: [batch('waiter', [{ compute: us(1) }, { lock: 'mu' }, { unlock: 'mu' }]), batch('holder', [{ repeat: 5, do: [{ lock: 'mu' }, { compute: ms(2) }, { unlock: 'mu' }] }])],
      },
    });
    expect(result.outcome).toBe('completed');
    const mu = sim.objects.mutexes.get('mu')!;
    expect(mu.handoffs).toBe(1);
    const yieldAt = events.find((e) => e.k === 'gstate' && e.why === 'goyield after a mutex handoff')!;
    expect(yieldAt.t).toBeGreaterThan(ms(4));
    expect(yieldAt.t).toBeLessThan(ms(4) + us(10));
    // The waiter runs right after the holder yields, from runnext of the holder's P.
    const n = names(events);
    const next = starts(events).find((x) => x.t >= yieldAt.t)!;
    expect(n.get(next.g)).toBe('waiter');
    expect(next.why).toBe('findRunnable: runnext (inherits the time slice)');
  });
});

describe('GOMAXPROCS default (model `go` without P)', () => {
  it('follows Go 1.25: the CPU count, lowered to ceil(quota/period) but not below 2', async () => {
    const { defaultGomaxprocs } = await import('../src/exec/model.js');
    expect(defaultGomaxprocs(10, null)).toBe(10);
    expect(defaultGomaxprocs(10, { quotaNs: 200_000_000, periodNs: 100_000_000 })).toBe(2);
    expect(defaultGomaxprocs(10, { quotaNs: 250_000_000, periodNs: 100_000_000 })).toBe(3);
    expect(defaultGomaxprocs(10, { quotaNs: 50_000_000, periodNs: 100_000_000 })).toBe(2);
    expect(defaultGomaxprocs(1, { quotaNs: 50_000_000, periodNs: 100_000_000 })).toBe(1);
    const sim = new Simulation({
      name: 'auto',
      seed: 1,
      machine: { cpus: 8 },
      os: { policy: 'cfs', bandwidth: { quotaNs: 300_000_000, periodNs: 100_000_000 } },
      model: 'go',
      workload: { sources: [{ kind: 'batch', name: 'w', count: 1, program: [{ compute: 1000 }] }] },
    });
    const r = sim.run();
    expect(r.model).toBe('go:3');
    expect(r.go).toMatchObject({ gomaxprocs: 3 });
  });
});
