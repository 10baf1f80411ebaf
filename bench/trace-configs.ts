/**
 * The tracing benches' workloads (bench/trace-overhead.ts, tools/measure/trace-instructions.sh),
 * in a module of their own so a bundled measuring script can import them without running a
 * bench.
 */
import type { SimConfig } from '../src/sim.js';

/**
 * rr, 64 threads on 8 hardware threads, compute bursts of 200 µs and IO waits of 1 ms (means).
 * Like bench/run.ts's rr-64x8 but with longer IO waits and the policy's default quantum.
 */
export function benchConfig(events: number): SimConfig {
  return {
    name: 'trace-bench',
    seed: 1,
    machine: { cpus: 8 },
    os: { policy: 'rr' },
    model: 'threads',
    limits: { events },
    workload: {
      sources: [
        {
          kind: 'batch',
          name: 'w',
          count: 64,
          program: [{ repeat: 'forever', do: [{ compute: { dist: 'exponential', mean: 200_000 } }, { io: { dist: 'exponential', mean: 1_000_000 } }] }],
        },
      ],
    },
  };
}

/**
 * The Go model's tracing workload: go:4 on 4 hardware threads (cfs), 256 goroutines in
 * compute bursts and netpoll IO waits — goroutine, P, P-status and M lanes, run queues,
 * counters and the goroutines' Grunnable causes.
 */
export function goBenchConfig(events: number): SimConfig {
  return {
    name: 'trace-bench-go',
    seed: 1,
    machine: { cpus: 4 },
    os: { policy: 'cfs' },
    model: 'go:4',
    limits: { events },
    workload: {
      sources: [
        {
          kind: 'batch',
          name: 'g',
          count: 256,
          program: [{ repeat: 'forever', do: [{ compute: { dist: 'exponential', mean: 50_000 } }, { io: { dist: 'exponential', mean: 200_000 } }] }],
        },
      ],
    },
  };
}

