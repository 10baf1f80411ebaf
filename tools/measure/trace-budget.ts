/**
 * Where a traced run's time goes: the tracing bench's workload (bench/trace-configs.ts) run
 * with the protobuf trace taken apart step by step, each step in a fresh process (one JIT
 * state per variant), rounds interleaved, best of all rounds, wall time.
 *
 *   npx tsx tools/measure/trace-budget.ts [threads|go] [EVENTS] [ROUNDS]
 *     (defaults: threads 2000000 3; about a minute per round for threads)
 *
 * Variants (each adds to the one before it, except `nowhy`):
 *   untraced    no trace sink
 *   nowhy       the trace without the why texts (`--trace`, the default)
 *   why-base    the trace with the why texts, but no state slice (threads) or lane slice (Go)
 *               written: the simulation building its reasons, the timeline deriving every
 *               interval and keeping the accounting the causes need, the CPU lanes, counters,
 *               compact_sched
 *   +waiting    threads: the Waiting slices too (with `why` and `next`)
 *   +slices     every state or lane slice with its arguments but without its cause text
 *   why         the whole trace with the why texts (`--trace … --why`)
 * Each line gives the best time and its ratio to `untraced`; differences between lines are what
 * each step costs. The machine's noise (5–15 % per run) is in every figure: compare rounds.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchConfig, goBenchConfig } from '../../bench/trace-configs.js';
import { traceMetaOf } from '../../src/node/trace-file.js';
import { simulate, type SimConfig } from '../../src/sim.js';
import type { LaneArgs, StateIndex, TextSource, TrackSpec } from '../../src/trace/encoder.js';
import { PerfettoSink } from '../../src/trace/perfetto.js';
import { ProtoEncoder } from '../../src/trace/perfetto-proto.js';

type Model = 'threads' | 'go';
const VARIANTS = {
  threads: ['untraced', 'nowhy', 'why-base', '+waiting', '+slices', 'why'],
  go: ['untraced', 'nowhy', 'why-base', '+slices', 'why'],
} as const;
type Variant = (typeof VARIANTS)[Model][number];

const nowhere = { write: (): void => undefined };

/** No state or lane slice written at all. */
class NoSlices extends ProtoEncoder {
  override stateSlice(): void {}
  override laneSlice(): void {}
}
/** Only the Waiting state slices. */
class WaitingOnly extends ProtoEncoder {
  override stateSlice(track: TrackSpec, state: StateIndex, start: number, end: number, name: string, why: string, cause: TextSource | null, next: string, cpu: number): void {
    if (state === 2) super.stateSlice(track, state, start, end, name, why, cause, next, cpu);
  }
  override laneSlice(): void {}
}
/** Every state and lane slice, without its cause text. */
class NoCauses extends ProtoEncoder {
  override stateSlice(track: TrackSpec, state: StateIndex, start: number, end: number, name: string, why: string, _cause: TextSource | null, next: string, cpu: number): void {
    super.stateSlice(track, state, start, end, name, why, null, next, cpu);
  }
  override laneSlice(track: TrackSpec, start: number, end: number, name: string, a: LaneArgs | null): void {
    if (a !== null && a.causeSrc !== null) {
      const src = a.causeSrc;
      a.causeSrc = null;
      a.cause = '';
      super.laneSlice(track, start, end, name, a);
      a.causeSrc = src;
    } else super.laneSlice(track, start, end, name, a);
  }
}

function sink(variant: Variant, cfg: SimConfig): PerfettoSink | null {
  const meta = traceMetaOf(cfg);
  switch (variant) {
    case 'untraced':
      return null;
    case 'nowhy':
      return new PerfettoSink(new ProtoEncoder(nowhere), meta, { why: false });
    case 'why-base':
      return new PerfettoSink(new NoSlices(nowhere), meta);
    case '+waiting':
      return new PerfettoSink(new WaitingOnly(nowhere), meta);
    case '+slices':
      return new PerfettoSink(new NoCauses(nowhere), meta);
    case 'why':
      return new PerfettoSink(new ProtoEncoder(nowhere), meta);
  }
}

/** One variant in this process: a warm-up run, then the best of three (ms, wall). */
function measure(model: Model, variant: Variant, events: number): number {
  const cfg = model === 'go' ? goBenchConfig(events) : benchConfig(events);
  simulate(cfg, { trace: sink(variant, cfg) });
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    simulate(cfg, { trace: sink(variant, cfg) });
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function usage(msg: string): never {
  process.stderr.write(`trace-budget: ${msg}\nusage: npx tsx tools/measure/trace-budget.ts [threads|go] [EVENTS] [ROUNDS]\n`);
  process.exit(2);
}

const self = fileURLToPath(import.meta.url);
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  if (args[0] === '--variant') {
    const [, model, variant, events] = args;
    process.stdout.write(`${measure(model as Model, variant as Variant, Number(events))}\n`);
  } else {
    const [model = 'threads', eventsArg = '2000000', roundsArg = '3'] = args;
    if (model !== 'threads' && model !== 'go') usage(`the model must be threads or go (got '${model}')`);
    if (!/^[1-9][0-9]*$/.test(eventsArg)) usage(`EVENTS must be a positive integer (got '${eventsArg}')`);
    if (!/^[1-9][0-9]*$/.test(roundsArg)) usage(`ROUNDS must be a positive integer (got '${roundsArg}')`);
    const events = Number(eventsArg);
    const variants = VARIANTS[model];
    const best = new Map<Variant, number>();
    for (let r = 0; r < Number(roundsArg); r++) {
      const row: string[] = [];
      for (const v of variants) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--variant', model, v, String(events)], { encoding: 'utf8' });
        const ms = Number(out.trim());
        row.push(`${v} ${ms.toFixed(0)}`);
        best.set(v, Math.min(best.get(v) ?? Infinity, ms));
      }
      process.stderr.write(`round ${r + 1}: ${row.join(', ')} ms\n`);
    }
    const base = best.get('untraced')!;
    console.log(`trace budget, ${model}: ${events.toLocaleString('en-US')} events, best of ${3 * Number(roundsArg)} runs (wall)`);
    let prev = base;
    for (const v of variants) {
      const ms = best.get(v)!;
      const step = v === 'untraced' || v === 'nowhy' ? '' : `   step +${(ms - prev).toFixed(0)} ms (${((ms - prev) / base).toFixed(2)}× untraced)`;
      console.log(`  ${v.padEnd(9)} ${ms.toFixed(0).padStart(6)} ms   ${(ms / base).toFixed(2)}×${step}`);
      if (v !== 'nowhy') prev = ms;
    }
  }
}
