/**
 * Shared helpers for the OS-layer and program tests: build a SimConfig with zero costs unless
 * a test asks for some, run it with the whole-state check and a MemorySink, and read exact
 * sequences back out of the trace.
 */
import { Engine } from '../src/engine/engine.js';
import type { Costs } from '../src/hw/costs.js';
import { Kernel } from '../src/os/kernel.js';
import { getPolicy } from '../src/os/policy/registry.js';
import type { Thread, ThreadBody } from '../src/os/thread.js';
import { simulate, type OsConfig, type RunResult, type SimConfig } from '../src/sim.js';
import { MemorySink, type TraceEvent } from '../src/trace/events.js';
import type { SourceSpec, WorkloadSpec } from '../src/workload/spec.js';

export const ZERO_COSTS: Costs = { contextSwitch: 0, wakeupIpi: 0, threadCreate: 0, syscall: 0, timerSlack: 0 };

export const ms = (x: number): number => Math.round(x * 1_000_000);
export const us = (x: number): number => Math.round(x * 1_000);

export interface Cfg {
  cpus?: number;
  costs?: Partial<Costs>;
  os: OsConfig;
  model?: string;
  workload: WorkloadSpec;
  limits?: SimConfig['limits'];
  seed?: number;
  recordOrder?: boolean;
}

export function config(c: Cfg): SimConfig {
  return {
    name: 'test',
    seed: c.seed ?? 1,
    machine: { cpus: c.cpus ?? 1, costs: { ...ZERO_COSTS, ...(c.costs ?? {}) } },
    os: { balanceIntervalNs: 0, ...c.os },
    model: c.model ?? 'threads',
    workload: c.workload,
    limits: c.limits,
    recordOrder: c.recordOrder ?? true,
  };
}

export interface Traced {
  result: RunResult;
  events: TraceEvent[];
}

/** Runs with the whole-state invariant check after every event and a memory trace. */
export function run(c: Cfg | SimConfig): Traced {
  const sink = new MemorySink();
  const conf = 'workload' in c && 'machine' in c ? c : config(c);
  const result = simulate(conf, { trace: sink, check: true });
  return { result, events: sink.events };
}

/** A batch source of `count` tasks running `ops` (scenario-form ops). */
export function batch(name: string, count: number, ops: SourceSpec['program'], at?: number): SourceSpec {
  return at === undefined ? { kind: 'batch', name, count, program: ops } : { kind: 'batch', name, count, program: ops, at };
}

/** Per CPU: the (time, tid) at which each thread started making progress ('run' events). */
export function runs(events: TraceEvent[], cpu = 0): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const e of events) if (e.k === 'cpu' && e.cpu === cpu && e.what === 'run') out.push([e.t, e.tid]);
  return out;
}

/** Per CPU: the (time, tid) of every switch start (dispatch), with idle as tid 0. */
export function dispatches(events: TraceEvent[], cpu = 0): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const e of events) if (e.k === 'cpu' && e.cpu === cpu && e.what !== 'run') out.push([e.t, e.what === 'idle' ? 0 : e.tid]);
  return out;
}

/** Time each thread exited, by tid. */
export function exits(events: TraceEvent[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const e of events) if (e.k === 'tstate' && e.to === 'exited') m.set(e.tid, e.t);
  return m;
}

/** Time each task ended, by task id. */
export function taskEnds(events: TraceEvent[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const e of events) if (e.k === 'taskEnd') m.set(e.task, e.t);
  return m;
}

/** The state transitions of one thread: [time, to, why]. */
export function states(events: TraceEvent[], tid: number): Array<[number, string, string]> {
  const out: Array<[number, string, string]> = [];
  for (const e of events) if (e.k === 'tstate' && e.tid === tid) out.push([e.t, e.to, e.why]);
  return out;
}

// ---------------------------------------------------------------- kernel-level rigs


/** One step of a scripted thread: compute, sleep, block, yield, or an action (then go on). */
export type Step = { c: number } | { s: number } | { b: string } | 'y' | ((t: Thread) => void);

export interface Rig {
  engine: Engine;
  kernel: Kernel;
  sink: MemorySink;
  /** Spawns a thread that runs `steps` then exits. */
  spawn(name: string, steps: Step[], opts?: Parameters<Kernel['spawn']>[2]): Thread;
  /** Runs with the kernel's whole-state check after every event. */
  run(timeNs?: number): void;
}

export function rig(opts: {
  policy: string;
  params?: Record<string, unknown>;
  cpus?: number;
  tickNs?: number;
  costs?: Partial<Costs>;
  balanceIntervalNs?: number;
}): Rig {
  const engine = new Engine();
  const cpus = opts.cpus ?? 1;
  const tickNs = opts.tickNs ?? 0;
  const policy = getPolicy(opts.policy).create(opts.params ?? {}, { cpus, tickNs });
  const kernel = new Kernel(engine, {
    cpus,
    costs: { ...ZERO_COSTS, ...(opts.costs ?? {}) },
    policy,
    tickNs,
    balanceIntervalNs: opts.balanceIntervalNs ?? 0,
  });
  const sink = new MemorySink();
  kernel.attachTrace(sink);
  engine.afterEvent = () => kernel.check();
  return {
    engine,
    kernel,
    sink,
    spawn(name, steps, o) {
      let i = 0;
      const body: ThreadBody = {
        run(t) {
          for (;;) {
            const st = steps[i++];
            if (st === undefined) return kernel.exit(t);
            if (typeof st === 'function') {
              st(t);
              continue;
            }
            if (st === 'y') return kernel.yield(t);
            if ('c' in st) return kernel.compute(t, st.c);
            if ('s' in st) return kernel.sleep(t, st.s, 'sleep', false);
            return kernel.block(t, st.b);
          }
        },
      };
      return kernel.spawn(name, body, o);
    },
    run(timeNs) {
      engine.run(timeNs === undefined ? {} : { timeNs });
      kernel.finish();
    },
  };
}
