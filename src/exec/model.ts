/**
 * Execution models: how a workload's tasks are mapped onto OS threads. The workload stays the
 * same; the model is a parameter (`threads`, `pool:N`, `go:P`).
 *
 * A model is a TaskHost (it accepts new tasks and readies parked ones, see program/runner.ts)
 * that reports its own figures at the end of a run.
 */
import type { TaskHost } from '../program/runner.js';
import type { Task } from '../program/task.js';

export interface ExecModel extends TaskHost {
  /** 'threads', 'pool:8', 'go:2'. */
  readonly name: string;
  /** Called once before the run starts (create workers, the Go runtime's first M, sysmon…). */
  start(): void;
  /** Model-specific figures for the result (`go` object for the Go model), or null. */
  metrics(): Record<string, unknown> | null;
  /** Where a live task is, in words, for deadlock reports ("waiting for a pool worker"). */
  whereIs(task: Task): string;
}

/** `procs: 0` for go means "Go's default GOMAXPROCS" (see defaultGomaxprocs). */
export type ModelSpec = { kind: 'threads' } | { kind: 'pool'; size: number } | { kind: 'go'; procs: number };

export const MODEL_FORMS = "threads, pool:N (N ≥ 1 worker threads), go:P (GOMAXPROCS P ≥ 1), or go (Go 1.25's default GOMAXPROCS)";

/**
 * Go 1.25's default GOMAXPROCS (runtime/cgroup_linux.go, defaultGOMAXPROCS): the number of
 * CPUs, lowered to the CPU bandwidth limit quota/period rounded up when that is smaller, but
 * not below 2 (and never above the CPU count).
 */
export function defaultGomaxprocs(cpus: number, bandwidth: { quotaNs: number; periodNs: number } | null | undefined): number {
  if (bandwidth === null || bandwidth === undefined) return cpus;
  const limit = Math.max(2, Math.ceil(bandwidth.quotaNs / bandwidth.periodNs));
  return Math.min(cpus, limit);
}

/** Parses "threads", "pool:8", "go:2", "go". Throws with the allowed forms on anything else. */
export function parseModel(text: string): ModelSpec {
  const s = text.trim();
  if (s === 'threads') return { kind: 'threads' };
  if (s === 'go') return { kind: 'go', procs: 0 };
  const m = /^(pool|go):([0-9]+)$/.exec(s);
  if (m) {
    const n = Number(m[2]);
    if (n < 1 || n > 100_000) throw new Error(`model "${text}": ${m[1]} size must be between 1 and 100000`);
    return m[1] === 'pool' ? { kind: 'pool', size: n } : { kind: 'go', procs: n };
  }
  throw new Error(`unknown execution model "${text}" (allowed: ${MODEL_FORMS})`);
}

/** A configuration's model as a spec (a scenario may give it as text). */
export function modelSpecOf(model: ModelSpec | string): ModelSpec {
  return typeof model === 'string' ? parseModel(model) : model;
}

export function modelName(m: ModelSpec): string {
  switch (m.kind) {
    case 'threads':
      return 'threads';
    case 'pool':
      return `pool:${m.size}`;
    case 'go':
      return m.procs === 0 ? 'go' : `go:${m.procs}`;
  }
}
