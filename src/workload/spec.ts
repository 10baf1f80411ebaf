/**
 * The resolved workload: what a scenario file (after validation) or a library user gives the
 * simulation. Durations are already integer ns or distributions; names of channels, mutexes,
 * WaitGroups and programs are resolved per run by compile.ts.
 */
import type { Nanos } from '../engine/time.js';
import type { Dur } from '../program/dist.js';
import type { Program } from '../program/program.js';

/** One op as written in a scenario (after duration parsing). */
export type OpSpec =
  | { compute: Dur }
  | { io: Dur }
  | { syscall: Dur }
  | { sleep: Dur }
  | { yield: true }
  | { spawn: string | OpSpec[]; count?: number; name?: string }
  | { send: string; value?: unknown }
  | { recv: string }
  | { close: string }
  | { select: Array<{ send: string; value?: unknown } | { recv: string }>; default?: boolean }
  | { lock: string }
  | { unlock: string }
  | { wgAdd: string; n?: number }
  | { wgDone: string }
  | { wgWait: string }
  | { repeat: number | 'forever'; do: OpSpec[] };

/**
 * Objects created afresh for every run of a program (like variables declared in a Go function):
 * its ops and the tasks it spawns refer to them by name, before the scenario's global objects.
 */
export interface LocalsSpec {
  channels?: Array<{ name: string; cap: number }>;
  mutexes?: Array<{ name: string }>;
  waitgroups?: Array<{ name: string; count?: number }>;
}

/** A program with local objects. */
export interface ProgramDef {
  locals: LocalsSpec;
  do: OpSpec[];
}

export type ProgramRef = string | OpSpec[] | ProgramDef | Program;

export type SourceSpec =
  | {
      kind: 'batch';
      name: string;
      count: number;
      program: ProgramRef;
      /** When the batch appears (default 0). */
      at?: Nanos;
    }
  | {
      kind: 'arrivals';
      name: string;
      /** Mean arrivals per second. */
      ratePerSec: number;
      /** Arrivals happen in [start, start + duration). */
      durationNs: Nanos;
      start?: Nanos;
      /** poisson: exponential gaps; uniform: evenly spaced. */
      process: 'poisson' | 'uniform';
      program: ProgramRef;
    };

export interface WorkloadSpec {
  channels?: Array<{ name: string; cap: number }>;
  mutexes?: Array<{ name: string }>;
  waitgroups?: Array<{ name: string; count?: number }>;
  programs?: Record<string, OpSpec[] | ProgramDef>;
  sources: SourceSpec[];
  /**
   * Other processes' threads: plain OS threads outside the execution model (noisy
   * neighbours). They do not count as workload tasks.
   */
  background?: Array<{ name: string; count: number; program: ProgramRef; nice?: number }>;
}
