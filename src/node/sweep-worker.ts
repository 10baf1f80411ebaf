/**
 * Worker thread of a sweep: runs the simulations it is sent ({index, config}) one at a time and
 * posts back {index, result} (or {index, error}). The simulation is deterministic, so which
 * worker ran a job never shows in the output.
 */
import { parentPort } from 'node:worker_threads';
import { simulate, type SimConfig } from '../sim.js';

export interface Job {
  index: number;
  config: SimConfig;
}

export type JobReply = { index: number; result: Record<string, unknown> } | { index: number; error: string };

const port = parentPort;
if (port !== null) {
  port.on('message', (job: Job) => {
    try {
      const r = simulate(job.config);
      // Completion orders can be long and are not sweep figures.
      delete r.tasks.completionOrder;
      port.postMessage({ index: job.index, result: r as unknown as Record<string, unknown> } satisfies JobReply);
    } catch (e) {
      port.postMessage({ index: job.index, error: e instanceof Error ? e.message : String(e) } satisfies JobReply);
    }
  });
}
