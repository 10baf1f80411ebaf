/**
 * Go-model benchmarks (part of `npm run bench`):
 *
 * - simulated goroutine switches per wall-clock second on an unbuffered-channel ping-pong
 *   (two goroutines, GOMAXPROCS 1 and 2; every send/receive pair is two switches);
 * - a run with 1,000,000 concurrently live goroutines (each sleeps, so all are alive at once),
 *   with the heap it takes per goroutine (heapUsed after − before, with forced GCs: run node
 *   with --expose-gc for this figure).
 *
 * Targets: ≥ 3 M goroutine switches per second; ≤ 500 bytes of heap per live goroutine.
 */
import { Simulation, simulate, type SimConfig } from '../src/sim.js';

export interface PingPongFigure {
  procs: number;
  switches: number;
  wallSec: number;
  switchesPerSec: number;
}

export function pingPongConfig(procs: number, rounds: number): SimConfig {
  return {
    name: 'bench-pingpong',
    seed: 1,
    machine: { cpus: procs },
    os: { policy: 'eevdf' },
    model: `go:${procs}`,
    workload: {
      channels: [
        { name: 'ping', cap: 0 },
        { name: 'pong', cap: 0 },
      ],
      sources: [
        { kind: 'batch', name: 'a', count: 1, program: [{ repeat: rounds, do: [{ send: 'ping' }, { recv: 'pong' }] }] },
        { kind: 'batch', name: 'b', count: 1, program: [{ repeat: rounds, do: [{ recv: 'ping' }, { send: 'pong' }] }] },
      ],
    },
  };
}

export function benchPingPong(procs: number, rounds: number, now: () => number): PingPongFigure {
  const t0 = now();
  const r = simulate(pingPongConfig(procs, rounds));
  const wallSec = (now() - t0) / 1000;
  if (r.outcome !== 'completed') throw new Error(`ping-pong did not complete: ${r.outcome}`);
  const switches = (r.go as { schedules: number }).schedules;
  return { procs, switches, wallSec, switchesPerSec: switches / wallSec };
}

export interface MillionFigure {
  goroutines: number;
  live: number;
  bytesPerGoroutine: number | null;
  wallSec: number;
  events: number;
}

export function benchMillion(n: number, now: () => number, heapUsed: () => number, gc: (() => void) | undefined): MillionFigure {
  gc?.();
  const before = heapUsed();
  const sim = new Simulation({
    name: 'bench-million',
    seed: 1,
    machine: { cpus: 4 },
    os: { policy: 'eevdf' },
    model: 'go:4',
    // Each goroutine sleeps 1s; the run stops at 0.5s, when every one is alive and parked.
    limits: { timeNs: 500_000_000 },
    workload: { sources: [{ kind: 'batch', name: 'g', count: n, program: [{ sleep: 1_000_000_000 }, { compute: 1_000 }] }] },
  });
  const t0 = now();
  const r = sim.run();
  const wallSec = (now() - t0) / 1000;
  gc?.();
  const after = heapUsed();
  const live = (r.go as { maxLiveGoroutines: number }).maxLiveGoroutines;
  // `sim` is still referenced here, so everything it holds is counted.
  if (sim.runner.live !== n) throw new Error(`expected ${n} live goroutines, found ${sim.runner.live}`);
  return { goroutines: n, live, bytesPerGoroutine: gc !== undefined ? Math.round((after - before) / n) : null, wallSec, events: r.events };
}
