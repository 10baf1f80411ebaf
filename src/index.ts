/**
 * schedlab — the public library API.
 *
 * Build a SimConfig (or load a scenario file's text with `loadScenario`), write programs as
 * generator functions with the op helpers, and run them with `simulate`:
 *
 * ```ts
 * import { simulate, fromGenerator, compute, io, send, recv, Chan, ms, us } from 'schedlab';
 * const jobs = new Chan('jobs', 0);
 * const producer = fromGenerator('producer', function* () {
 *   for (let i = 0; i < 10; i++) yield send(jobs, i);
 * });
 * const consumer = fromGenerator('consumer', function* () {
 *   for (let i = 0; i < 10; i++) {
 *     const r = (yield recv(jobs)) as RecvResult;
 *     yield compute(ms(1));
 *   }
 * });
 * const result = simulate({
 *   name: 'example', seed: 1, machine: { cpus: 2 }, os: { policy: 'eevdf' }, model: 'go:2',
 *   workload: { sources: [
 *     { kind: 'batch', name: 'producer', count: 1, program: producer },
 *     { kind: 'batch', name: 'consumer', count: 1, program: consumer },
 *   ] },
 * });
 * ```
 */
export { simulate, Simulation } from './sim.js';
export type { SimConfig, SimOptions, OsConfig, RunResult, Outcome } from './sim.js';
export type { WorkloadSpec, SourceSpec, OpSpec, ProgramRef, ProgramDef, LocalsSpec } from './workload/spec.js';
export { loadScenario, toSimConfig, ScenarioError, parseSetFlag } from './workload/scenario.js';
export type { LoadedScenario, LoadOptions, ResolvedVariant } from './workload/scenario.js';
export { fromGenerator, fromOps } from './program/program.js';
export type { Program, ProgramInstance, TaskInfo } from './program/program.js';
export {
  compute,
  io,
  syscall,
  sleep,
  yieldOp,
  spawn,
  send,
  recv,
  close,
  select,
  lock,
  unlock,
  wgAdd,
  wgDone,
  wgWait,
} from './program/ops.js';
export type { Op, RecvResult, SelectResult, SelectCase } from './program/ops.js';
export { Chan } from './program/chan.js';
export { Mutex } from './program/mutex.js';
export { WaitGroup } from './program/waitgroup.js';
export type { Dist, Dur } from './program/dist.js';
export { parseDuration, formatDuration, NS, US, MS, SEC } from './engine/time.js';
export type { Nanos } from './engine/time.js';
export { DEFAULT_COSTS } from './hw/costs.js';
export type { Costs } from './hw/costs.js';
export { DEFAULT_GO_PARAMS, DEFAULT_GO_COSTS } from './go/params.js';
export type { GoParams, GoCosts } from './go/params.js';
export { POLICY_NAMES } from './os/policy/registry.js';
export { parseModel, modelName } from './exec/model.js';
export type { ModelSpec } from './exec/model.js';
export { MemorySink, TeeSink } from './trace/events.js';
export type { TraceEvent, TraceSink } from './trace/events.js';

/** Nanoseconds from milliseconds, microseconds, seconds (integers, rounded). */
export const ms = (x: number): number => Math.round(x * 1_000_000);
export const us = (x: number): number => Math.round(x * 1_000);
export const sec = (x: number): number => Math.round(x * 1_000_000_000);
