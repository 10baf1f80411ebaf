/**
 * The hardware: N hardware threads (CPUs) and the cost model. A hardware thread executes one
 * OS thread at a time; parallelism is limited by how many there are (the seed's definition).
 */
import type { Costs } from './costs.js';

export interface MachineConfig {
  /** Number of hardware threads. */
  cpus: number;
  costs: Costs;
}
