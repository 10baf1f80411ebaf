/**
 * CLI helpers shared by `explain`, `sweep`, `compare` and the `--trace` option of `run`:
 * loading a scenario file with flag overrides, running with a trace file, and reporting bad
 * input (exit code 2, no output files).
 */
import { readFileSync, statSync } from 'node:fs';
import { TRACE_EXTENSIONS, TraceFile, traceFormatOf, traceMetaOf, type TraceFormat } from '../node/trace-file.js';
import { formatDuration, parseDuration } from '../engine/time.js';
import { Simulation, type RunResult, type SimConfig } from '../sim.js';
import { SchedtraceSampler } from '../trace/schedtrace.js';
import type { TraceSink } from '../trace/events.js';
import { TeeSink } from '../trace/events.js';
import { loadScenario, parseSetFlag, ScenarioError, type LoadedScenario, type Override } from '../workload/scenario.js';

/** Bad input: printed as is, exit code 2. */
export class UsageError extends Error {}

export interface ScenarioFlags {
  seed?: string;
  model?: string;
  set?: string[];
}

/** Overrides from --set, --seed and --model, in the loader's order of application. */
export function overridesOf(flags: ScenarioFlags): Override[] {
  const out: Override[] = (flags.set ?? []).map((s) => parseSetFlag(s));
  if (flags.seed !== undefined) {
    const n = Number(flags.seed);
    if (!/^[0-9]+$/.test(flags.seed) || n > 0xffffffff) throw new UsageError(`--seed ${flags.seed}: a seed is an integer from 0 to 4294967295`);
    out.push({ path: 'seed', value: n, label: `--seed ${flags.seed}` });
  }
  if (flags.model !== undefined) out.push({ path: 'model', value: flags.model, label: `--model ${flags.model}` });
  return out;
}

/** Reads and validates a scenario file (throws ScenarioError / UsageError). */
export function loadScenarioFile(file: string, overrides: readonly Override[] = [], only?: string): LoadedScenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(e)})`);
  }
  return loadScenario(text, file, only !== undefined ? { overrides, only } : { overrides });
}

/** Picks the base scenario or a named variant. */
export function pickConfig(s: LoadedScenario, variant: string | undefined): SimConfig {
  if (variant === undefined) return s.config;
  const v = s.variants.find((x) => x.name === variant);
  if (v === undefined) {
    const names = s.variants.map((x) => x.name);
    throw new UsageError(`--variant ${variant}: ${s.file} has ${names.length > 0 ? `variants ${names.join(', ')}` : 'no variants'}`);
  }
  return v.config;
}

/**
 * Runs `config`, streaming a Perfetto trace to `tracePath` when given (written to a temporary
 * file and renamed into place only if the run finishes). `extra` sinks see the same events.
 */
/** A trace file as written, for the line the CLI prints after a traced run. */
export interface TraceWritten {
  path: string;
  format: TraceFormat;
  gzip: boolean;
  why: boolean;
  /** Size of the file. */
  fileBytes: number;
  /** Size before compression (the same as fileBytes without .gz). */
  rawBytes: number;
}

/**
 * Uncompressed size above which a trace may not open in the Perfetto UI in a browser: the UI
 * keeps the whole trace in WebAssembly memory, which browsers typically cap at 2 GB, and its
 * in-memory form is 2-4× the size of an uncompressed protobuf trace
 * (https://perfetto.dev/docs/visualization/large-traces).
 */
export const BIG_TRACE_BYTES = 512 * 2 ** 20;

/** `s` as one shell word: as is when plain, else in single quotes. */
function shellWord(s: string): string {
  return /^[\w./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The lines printed after a trace is written: where, how big, what it holds; a note when it is big. */
export function traceWrittenLines(w: TraceWritten): string[] {
  const mb = (n: number): string => (n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`);
  const kind = w.format === 'proto' ? 'Perfetto protobuf' : 'Chrome JSON trace events';
  const lines = [`trace: ${w.path}, ${mb(w.fileBytes)} (${kind}${w.gzip ? ', gzip' : ''}, ${w.why ? 'with the why texts' : 'without the why texts; --why adds them'}): open it in https://ui.perfetto.dev (schedlab open ${shellWord(w.path)})`];
  if (w.rawBytes > BIG_TRACE_BYTES) {
    const size = w.gzip ? `${mb(w.rawBytes)} before compression` : mb(w.rawBytes);
    const shorter = 'a shorter run (--set limits.time=DURATION or --set limits.events=N)';
    const smaller = w.why ? `a run without --why (about a quarter of the size) or ${shorter}` : shorter;
    lines.push(
      `note: the trace is ${size}; the Perfetto UI holds a trace in browser memory (typically 2 GB, 2-4× an uncompressed trace's size), so it may not open there: load it through trace_processor --httpd (https://perfetto.dev/docs/visualization/large-traces), or make it smaller with ${smaller}`,
    );
  }
  return lines;
}

export interface TraceRunOptions {
  /** The why texts in the trace (--why; default: left out). */
  why?: boolean;
  /** The whole-state invariant check after every event (--check). */
  check?: boolean;
  /** Called once the trace file is in place. */
  written?: (w: TraceWritten) => void;
  extra?: TraceSink[];
  /** GODEBUG=schedtrace: period (e.g. "10ms"), detail, and where the lines go (stderr in the CLI). */
  schedtrace?: { period: string; detailed: boolean; out: (text: string) => void };
}

/** Ctrl-C (SIGINT) or SIGTERM stopped a run whose output would have been a file: nothing was written. Exit code 130. */
export class Interrupted extends Error {}

/** Events between two turns of the event loop in a run that writes a file (a few ms of a run). */
const SIGNAL_SLICE = 1 << 16;

/**
 * Runs `sim` with SIGINT and SIGTERM caught: the run gives the event loop a turn every
 * SIGNAL_SLICE events, and a signal stops it there with Interrupted (the caller removes its
 * partial file). Without this a signal would end the process in the middle of a synchronous
 * run and leave the temporary file behind.
 */
async function runCatchingSignals(sim: Simulation): Promise<RunResult> {
  let signal: string | null = null;
  const onSignal = (name: string): void => {
    signal = name;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const r = await sim.runInterruptible(SIGNAL_SLICE, () => new Promise((resolve) => setImmediate(() => resolve(signal !== null))));
    if (r === null) throw new Interrupted(`interrupted (${signal}) at ${formatDuration(sim.engine.now)} of simulated time: the run stopped, and no trace was written`);
    return r;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The --schedtrace period in ns: a duration > 0, or a UsageError naming the flag. */
export function schedtracePeriod(text: string): number {
  let period: number;
  try {
    period = parseDuration(text);
  } catch (e) {
    throw new UsageError(`--schedtrace ${text}: ${(e as Error).message}`);
  }
  if (period <= 0) throw new UsageError(`--schedtrace ${text}: the period must be > 0`);
  return period;
}

/** Runs `config` with `sink`, and a schedtrace sampler when asked; `interruptible`: see runCatchingSignals. */
async function runSim(config: SimConfig, sink: TraceSink | null, options: TraceRunOptions, interruptible = false): Promise<RunResult> {
  const st = options.schedtrace;
  const check = options.check === true;
  if (st === undefined) {
    const sim = new Simulation(config, { trace: sink, check });
    return interruptible ? runCatchingSignals(sim) : sim.run();
  }
  const period = schedtracePeriod(st.period);
  const sim = new Simulation(config, { trace: sink, check });
  try {
    new SchedtraceSampler(sim, period, st.detailed, st.out);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return interruptible ? runCatchingSignals(sim) : sim.run();
}

export async function runWithTrace(config: SimConfig, tracePath: string | undefined, options: TraceRunOptions = {}): Promise<RunResult> {
  const extra = options.extra ?? [];
  if (tracePath === undefined) {
    const sink = extra.length === 0 ? null : extra.length === 1 ? extra[0]! : new TeeSink(extra);
    return runSim(config, sink, options);
  }
  try {
    traceFormatOf(tracePath);
  } catch {
    throw new UsageError(`--trace ${tracePath}: unknown extension (allowed: ${TRACE_EXTENSIONS})`);
  }
  if (isDirectory(tracePath)) throw new UsageError(`--trace ${tracePath}: is a directory (give a file name, ending in ${TRACE_EXTENSIONS})`);
  let tf: TraceFile;
  try {
    tf = new TraceFile(tracePath, traceMetaOf(config), { why: options.why ?? false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`--trace ${tracePath}: cannot write the file (${code ?? (e as Error).message})`);
  }
  try {
    const sink = extra.length === 0 ? tf.sink : new TeeSink([tf.sink, ...extra]);
    const result = await runSim(config, sink, options, true);
    await tf.commit();
    options.written?.({ path: tracePath, format: tf.format, gzip: tf.gzip, why: options.why ?? false, fileBytes: statSync(tracePath).size, rawBytes: tf.bytes });
    return result;
  } catch (e) {
    tf.abort();
    throw e;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Prints a bad-input error and sets exit code 2; rethrows anything else. */
export function reportError(e: unknown): void {
  if (e instanceof ScenarioError || e instanceof UsageError) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (e instanceof Error && /^trace file "/.test(e.message)) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 2;
    return;
  }
  throw e;
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
