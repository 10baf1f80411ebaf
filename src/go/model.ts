/** Placeholder: the Go runtime model is being built (issue 3). */
import type { ExecModel } from '../exec/model.js';
import type { Simulation } from '../sim.js';

export interface GoParams {
  version: '1.25' | '1.26';
}

export function createGoModel(_sim: Simulation, _procs: number, _params: Partial<GoParams>): ExecModel {
  throw new Error('the go model is not available yet');
}
