/**
 * `go:P` — the Go runtime scheduler as an execution model (GOMAXPROCS = P). See proc.ts.
 */
import type { ExecModel } from '../exec/model.js';
import type { Simulation } from '../sim.js';
import { DEFAULT_GO_COSTS, DEFAULT_GO_PARAMS, type GoCosts, type GoParams } from './params.js';
import { GoRuntime } from './proc.js';

export type { GoParams } from './params.js';

export interface GoParamsInput {
  version?: GoParams['version'];
  costs?: Partial<GoCosts>;
  asyncPreemptOff?: boolean;
  maxThreads?: number;
}

export function resolveGoParams(p: GoParamsInput): GoParams {
  return {
    version: p.version ?? DEFAULT_GO_PARAMS.version,
    costs: { ...DEFAULT_GO_COSTS, ...(p.costs ?? {}) },
    asyncPreemptOff: p.asyncPreemptOff ?? DEFAULT_GO_PARAMS.asyncPreemptOff,
    maxThreads: p.maxThreads ?? DEFAULT_GO_PARAMS.maxThreads,
  };
}

export function createGoModel(sim: Simulation, procs: number, params: GoParamsInput): ExecModel {
  const rt = new GoRuntime(sim.engine, sim.kernel, sim.runner, procs, resolveGoParams(params), sim.group, sim.rootRng.fork('go'));
  rt.trace = sim.options.trace ?? null;
  return rt;
}
