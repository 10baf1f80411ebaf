/**
 * Shared helpers for the OS-layer and program tests: build a SimConfig with zero costs unless
 * a test asks for some, run it with the whole-state check and a MemorySink, and read exact
 * sequences back out of the trace.
 */
import type { Costs } from '../src/hw/costs.js';
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
