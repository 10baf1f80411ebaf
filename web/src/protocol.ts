/**
 * Messages between the page and the simulation worker (worker.ts). Everything crossing is
 * plain data: the scenario text, numbers, typed arrays (transferred, not copied) and strings.
 */
import type { RunResult, SimConfig } from '../../src/sim.js';
import type { LocatedIssue } from '../../src/workload/scenario.js';
import type { TimelineData } from './timeline/data.js';

export interface RunRequest {
  type: 'run';
  text: string;
  file: string;
  /** Overrides, as the CLI's --seed and --model. */
  seed?: number;
  model?: string;
  /** The variant to trace (and show on the timeline); all variants are run for the comparison. */
  variant?: string;
  /** Run only that variant (the comparison is kept from the previous run). */
  only?: boolean;
}

export interface DetailsRequest {
  type: 'details';
  req: number;
  track: number;
  /** Slice index on the track, or -1 - instant index for an instant. */
  index: number;
  /** The slice's times (an instant: start = end), to find it again in a replay. */
  start: number;
  end: number;
}

export type StorySubject = { kind: 'thread' | 'goroutine'; id: number };

export interface StoryRequest {
  type: 'story';
  req: number;
  subject: StorySubject;
  at: number;
}

export interface TraceRequest {
  type: 'trace';
  req: number;
  format: 'json' | 'proto';
}

export type ToWorker = RunRequest | DetailsRequest | StoryRequest | TraceRequest;

export interface VariantInfo {
  name: string;
  /** The CLI's --json `config` of this run. */
  config: SimConfig;
}

export type FromWorker =
  | { type: 'invalid'; issues: LocatedIssue[] }
  | { type: 'failed'; message: string }
  | { type: 'started'; variants: string[]; traced: string | null; runs: number; only: boolean }
  | { type: 'progress'; run: number; runs: number; name: string; simNs: number; events: number }
  | { type: 'timeline'; name: string | null; result: RunResult; config: SimConfig; data: TimelineData; runMs: number }
  | { type: 'variant'; index: number; name: string; result: RunResult }
  | { type: 'done'; ms: number }
  | { type: 'details'; req: number; args: Record<string, string | number> | null; replayed: boolean }
  | { type: 'story'; req: number; text: string }
  | { type: 'trace'; req: number; blob: Blob; name: string }
  /** A question (details, story, trace) could not be answered. */
  | { type: 'error'; req: number; message: string };
