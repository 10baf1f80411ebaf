/**
 * The Go model's P-lane and run-queue events on a tiny run with exact times: a P's slice ends
 * when its M enters a system call (the P then runs no goroutine, and sysmon may hand it to
 * another M), starts again when a goroutine comes back from one on a P, and the run-queue
 * counter counts runnext.
 */
import { describe, expect, it } from 'vitest';
import { simulate, type SimConfig } from '../src/sim.js';
import { MemorySink, type TraceEvent } from '../src/trace/events.js';

const ZERO_GO = { goroutineSwitch: 0, goStatement: 0, stealProbe: 0, netpoll: 0, asyncPreempt: 0, sysmonLoop: 0, syncOp: 0 };
const ZERO_OS = { contextSwitch: 0, wakeupIpi: 0, threadCreate: 0, syscall: 0, timerSlack: 0 };

function lanes(config: SimConfig, decisions: string[] = []): string[] {
  const sink = new MemorySink();
  simulate(config, { trace: sink });
  for (const e of sink.events) if (e.k === 'decision') decisions.push(`${e.t} ${e.subject}: ${e.text}`);
  return sink.events
    .filter((e): e is Extract<TraceEvent, { k: 'prun' | 'runq' }> => e.k === 'prun' || e.k === 'runq')
    .map((e) => (e.k === 'prun' ? `${e.t} P${e.p} ${e.g === 0 ? 'none' : `G${e.g} on M${e.m}`}` : `${e.t} P${e.p} runq ${e.n}`));
}

describe('Go trace: P lanes and run queues', () => {
  it('a P runs no goroutine while its M is in a syscall; the goroutine is back on a P when the syscall returns', () => {
    // Two goroutines of 10us CPU, a 100us syscall, 10us CPU on go:1. G2 (runnext) runs first and
    // enters its syscall at 10us; sysmon retakes P0 at 30us for M2, which runs G1 until its own
    // syscall; G2 returns at 110us (the syscall's minimum 1ns included) on the idle P0.
    const config: SimConfig = {
      name: 'syscall-lanes',
      seed: 1,
      machine: { cpus: 1, costs: ZERO_OS },
      os: { policy: 'fifo' },
      model: 'go:1',
      go: { costs: ZERO_GO },
      workload: { sources: [{ kind: 'batch', name: 'g', count: 2, program: [{ compute: 10_000 }, { syscall: 100_000 }, { compute: 10_000 }] }] },
    };
    const decisions: string[] = [];
    expect(lanes(config, decisions)).toEqual([
      '0 P0 runq 1',
      '0 P0 runq 2',
      '0 P0 runq 1',
      '0 P0 G2 on M0',
      '10000 P0 none',
      '30002 P0 runq 0',
      '30002 P0 G1 on M2',
      '40002 P0 none',
      '110001 P0 G2 on M0',
      '120001 P0 none',
      '140003 P0 G1 on M2',
      '150003 P0 none',
    ]);
    // sysmon retakes P0 at 30.001us because its run queue held G1 (M2's thread exists once
    // sysmon's loop, which pays for creating it, 0 here, has run its 1ns: M2 runs G1 from
    // 30.002us), and again at 70.003us, in G1's syscall, because no spinning M or idle P was
    // left.
    expect(decisions.filter((d) => d.includes('retake'))).toEqual([
      '30001 P0: retake: P in the same syscall at two sysmon checks, and its run queue has work; handoffp',
      '70003 P0: retake: P in the same syscall at two sysmon checks, and no spinning M or idle P could take new work; handoffp',
    ]);
  });
});

describe('Go trace: counters', () => {
  it('the live-goroutine count rises when a request arrives, not when an M next runs', () => {
    // Requests every 1ms (uniform), 100us of CPU each, on go:1.
    const sink = new MemorySink();
    simulate(
      {
        name: 'arrivals',
        seed: 1,
        machine: { cpus: 1 },
        os: { policy: 'fifo' },
        model: 'go:1',
        workload: { sources: [{ kind: 'arrivals', name: 'r', ratePerSec: 1000, process: 'uniform', durationNs: 2_500_000, program: [{ compute: 100_000 }] }] },
      },
      { trace: sink },
    );
    const seen = sink.events.filter((e) => e.k === 'g' || e.k === 'gcounts').map((e) => (e.k === 'g' ? `${e.t} new G${e.g}` : e.k === 'gcounts' ? `${e.t} live ${e.live}` : ''));
    expect(seen.filter((l) => / new G|live 1$/.test(l)).slice(0, 4)).toEqual(['1000000 new G1', '1000000 live 1', '1001100 live 1', '2000000 new G2']);
  });
});

describe('Go trace: counters at time 0', () => {
  it('are those of the start (schedtrace\'s first line), not of the first M\'s turn', () => {
    // go:4, 8 goroutines created by main at 0: M0 holds P0, wakep started one spinning M on a P.
    const sink = new MemorySink();
    simulate(
      { name: 'start', seed: 1, machine: { cpus: 4 }, os: { policy: 'fifo' }, model: 'go:4', workload: { sources: [{ kind: 'batch', name: 'g', count: 8, program: [{ compute: 100_000 }] }] } },
      { trace: sink },
    );
    const first = sink.events.find((e) => e.k === 'gcounts');
    expect(first).toEqual({ k: 'gcounts', t: 0, live: 8, spinning: 1, idleP: 2, threads: 3 });
  });
});

describe('Go trace: a new M', () => {
  it('pays its thread creation before it acquires its P, and its lane says starting meanwhile', () => {
    // go:2: G1 spawns a goroutine at once; wakep takes idle P1 and creates M2 for it, whose
    // thread pays 22us of creation (on its own CPU) before mstart1 acquires P1; spinning, it
    // finds the child in P0's runnext and sleeps usleep(3) before stealing it.
    const config: SimConfig = {
      name: 'new-m',
      seed: 1,
      machine: { cpus: 3, costs: { ...ZERO_OS, threadCreate: 22_000 } },
      os: { policy: 'fifo' },
      model: 'go:2',
      go: { costs: ZERO_GO },
      workload: { programs: { child: [{ compute: 50_000 }] }, sources: [{ kind: 'batch', name: 'parent', count: 1, program: [{ spawn: 'child' }, { compute: 100_000 }] }] },
    };
    const sink = new MemorySink();
    simulate(config, { trace: sink });
    const m2 = sink.events.filter((e) => (e.k === 'mstate' && e.m === 2) || (e.k === 'pstate' && e.p === 1 && e.from !== e.to)).map((e) => (e.k === 'mstate' ? `${e.t} M2 ${e.what}` : `${e.t} P1 ${e.k === 'pstate' ? `${e.from}→${e.to}` : ''}`));
    expect(m2.slice(0, 4)).toEqual(['0 M2 created', '0 M2 starting', '22000 P1 Pidle→Prunning', '22000 M2 usleep(3) before stealing runnext']);
  });
});
