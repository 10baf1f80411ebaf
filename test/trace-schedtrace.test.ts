/**
 * GODEBUG=schedtrace for go:P: the exact line format of runtime.schedtrace, the lines of a
 * small run, and a run whose result does not change when it is observed.
 */
import { describe, expect, it } from 'vitest';
import { Simulation, type SimConfig } from '../src/sim.js';
import { formatSchedtrace, SchedtraceSampler, type SchedSnapshot } from '../src/trace/schedtrace.js';

const MS = 1_000_000;
const snap: SchedSnapshot = {
  ms: 10,
  gomaxprocs: 2,
  idleprocs: 0,
  threads: 5,
  spinningthreads: 0,
  needspinning: 0,
  idlethreads: 1,
  runqueue: 0,
  sysmonwait: false,
  ps: [
    { status: 1, schedtick: 12, syscalltick: 3, m: 0, runqsize: 3, gfreecnt: 0, timerslen: 0 },
    { status: 1, schedtick: 7, syscalltick: 0, m: 2, runqsize: 4, gfreecnt: 0, timerslen: 1 },
  ],
  mlist: [
    { id: 2, p: 1, curg: 5, spinning: false, blocked: false },
    { id: 1, p: -1, curg: -1, spinning: false, blocked: false },
    { id: 0, p: 0, curg: 1, spinning: false, blocked: false },
  ],
  gs: [
    { goid: 1, status: 2, waitreason: '', m: 0 },
    { goid: 4, status: 4, waitreason: 'chan receive', m: -1 },
  ],
};

describe('schedtrace format', () => {
  it('prints the summary line exactly as runtime.schedtrace does', () => {
    expect(formatSchedtrace(snap, false)).toBe('SCHED 10ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0 needspinning=0 idlethreads=1 runqueue=0 [3 4]\n');
  });

  it('prints the scheddetail lines for Ps, Ms (newest first) and goroutines', () => {
    expect(formatSchedtrace(snap, true).split('\n')).toEqual([
      'SCHED 10ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0 needspinning=0 idlethreads=1 runqueue=0 gcwaiting=false nmidlelocked=0 stopwait=0 sysmonwait=false',
      '  P0: status=1 schedtick=12 syscalltick=3 m=0 runqsize=3 gfreecnt=0 timerslen=0',
      '  P1: status=1 schedtick=7 syscalltick=0 m=2 runqsize=4 gfreecnt=0 timerslen=1',
      '  M2: p=1 curg=5 mallocing=0 throwing=0 preemptoff= locks=0 dying=0 spinning=false blocked=false lockedg=nil',
      '  M1: p=nil curg=nil mallocing=0 throwing=0 preemptoff= locks=0 dying=0 spinning=false blocked=false lockedg=nil',
      '  M0: p=0 curg=1 mallocing=0 throwing=0 preemptoff= locks=0 dying=0 spinning=false blocked=false lockedg=nil',
      '  G1: status=2() m=0 lockedm=nil',
      '  G4: status=4(chan receive) m=nil lockedm=nil',
      '',
    ]);
  });
});

/** Four goroutines of 1 ms CPU + 4 ms IO on 2 hardware threads, GOMAXPROCS 2. */
function goRun(): SimConfig {
  return {
    name: 'go-io',
    seed: 1,
    machine: { cpus: 2, costs: { contextSwitch: 1000, wakeupIpi: 0, threadCreate: 0, syscall: 0, timerSlack: 0 } },
    os: { policy: 'fifo', balanceIntervalNs: 0 },
    model: 'go:2',
    workload: { sources: [{ kind: 'batch', name: 'req', count: 4, program: [{ compute: 1 * MS }, { io: 4 * MS }] }] },
  };
}

describe('schedtrace sampling', () => {
  it('samples the runtime every period from 0', () => {
    const lines: string[] = [];
    const sim = new Simulation(goRun());
    new SchedtraceSampler(sim, 2 * MS, false, (t) => lines.push(t));
    sim.run();
    const text = lines.join('');
    expect(text.split('\n').filter((l) => l !== '').map((l) => l.slice(0, l.indexOf(':')))).toEqual(['SCHED 0ms', 'SCHED 2ms', 'SCHED 4ms', 'SCHED 6ms']);
    // At 0 ms M0 runs G4 (runnext) on P0 with three goroutines queued; at 4 ms every
    // goroutine waits in the netpoller and both Ps are idle.
    expect(text).toContain('SCHED 0ms: gomaxprocs=2 idleprocs=0 threads=3 ');
    expect(text).toContain(' [3 0]\n');
    expect(text).toContain('SCHED 4ms: gomaxprocs=2 idleprocs=2 threads=3 spinningthreads=0 needspinning=0 idlethreads=1 runqueue=0 [0 0]\n');
  });

  it('does not change the run it observes', () => {
    const plain = new Simulation(goRun()).run();
    const sim = new Simulation(goRun());
    new SchedtraceSampler(sim, 1 * MS, true, () => undefined);
    expect(JSON.stringify(sim.run())).toBe(JSON.stringify(plain));
  });

  it('needs the Go model', () => {
    expect(() => new SchedtraceSampler(new Simulation({ ...goRun(), model: 'threads' }), MS, false, () => undefined)).toThrow(
      'schedtrace: the model is threads; schedtrace reads the Go runtime (go:P models)',
    );
  });
});
