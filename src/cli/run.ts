/**
 * `schedlab run FILE`: load and validate the scenario (all variants first, so bad input never
 * runs anything), run it, and print the resolved scenario and a summary table — or, with
 * --json, exactly one JSON object.
 */
import { resolve } from 'node:path';
import { modelName, modelSpecOf } from '../exec/model.js';
import { simulate, type RunResult, type SimConfig } from '../sim.js';
import type { LoadedScenario } from '../workload/scenario.js';
import { colors, header, summaryTable, truncationNote, variantTable } from './format.js';
import { defaultExamplesDir, loadScenarioPath, resolveScenarioPath, type CliIo } from './io.js';
import { overridesOf, pickConfig, runWithTrace, schedtracePeriod, traceWrittenLines, UsageError, type TraceWritten } from './trace-options.js';

export interface RunFlags {
  seed?: string;
  model?: string;
  set?: string[];
  variant?: string;
  json?: boolean;
  check?: boolean;
  trace?: string;
  /** true: --why (the trace carries the why texts); false: --no-why (the default, said explicitly). */
  why?: boolean;
  schedtrace?: string;
  scheddetail?: boolean;
}

async function runOne(config: SimConfig, flags: RunFlags, written?: (w: TraceWritten) => void): Promise<RunResult> {
  const check = flags.check === true;
  if (flags.schedtrace !== undefined) {
    return runWithTrace(config, flags.trace, { why: flags.why === true, written, check, schedtrace: { period: flags.schedtrace, detailed: flags.scheddetail === true, out: (t) => process.stderr.write(t) } });
  }
  if (flags.trace !== undefined) return runWithTrace(config, flags.trace, { why: flags.why === true, written, check });
  return simulate(config, { check });
}

/** --schedtrace reads the Go runtime: every run it would sample must be a go:P run, checked before any runs. */
function checkSchedtraceModels(runs: ReadonlyArray<{ name: string | null; config: SimConfig }>, file: string): void {
  const notGo = runs.filter((r) => modelSpecOf(r.config.model).kind !== 'go');
  if (notGo.length === 0) return;
  if (runs.length === 1) {
    throw new UsageError(`--schedtrace: the model is ${modelName(modelSpecOf(notGo[0]!.config.model))}; schedtrace reads the Go runtime (go:P models; try --model go:4)`);
  }
  const names = notGo.map((r) => `${r.name} (${modelName(modelSpecOf(r.config.model))})`).join(', ');
  const goNames = runs.filter((r) => !notGo.includes(r)).map((r) => r.name!);
  const pick = goNames.length > 0 ? `; pick a go:P variant with --variant (${goNames.join(', ')})` : '';
  throw new UsageError(`--schedtrace reads the Go runtime (go:P models), and ${file} has variants that are not: ${names}${pick}`);
}

/** Loads FILE with the flags' overrides (throws ScenarioError / UsageError on bad input). */
export function loadForRun(file: string, flags: RunFlags, io: CliIo): LoadedScenario {
  const overrides = overridesOf(flags);
  const path = resolveScenarioPath(file, io.examplesDir ?? defaultExamplesDir());
  return loadScenarioPath(path, overrides, flags.variant);
}

export async function runCommand(file: string, flags: RunFlags, io: CliIo): Promise<number> {
  // Flags that only qualify another flag are refused on their own rather than ignored.
  if (flags.why !== undefined && flags.trace === undefined) throw new UsageError(`--${flags.why ? '' : 'no-'}why only applies to a trace: add --trace FILE (.pftrace or .json, optionally .gz)`);
  if (flags.scheddetail === true && flags.schedtrace === undefined) throw new UsageError('--scheddetail only applies with --schedtrace PERIOD (for example --schedtrace 10ms)');
  // The period is checked before any run (a scenario with variants prints each one's header first).
  if (flags.schedtrace !== undefined) schedtracePeriod(flags.schedtrace);
  const s = loadForRun(file, flags, io);
  if (flags.trace !== undefined && resolve(flags.trace) === resolve(s.file)) {
    throw new UsageError(`--trace ${flags.trace}: that is the scenario file; the trace would replace it (give another name)`);
  }
  const c = colors(io.color && flags.json !== true);
  const single = s.variants.length === 0 || flags.variant !== undefined;
  if (single) {
    const config = pickConfig(s, flags.variant);
    if (flags.schedtrace !== undefined) checkSchedtraceModels([{ name: null, config }], s.file);
    let written: TraceWritten | null = null;
    const r = await runOne(config, flags, (w) => (written = w));
    if (flags.json === true) io.out(`${JSON.stringify({ ...r, config }, null, 2)}\n`);
    else {
      const name = flags.variant !== undefined ? `${s.file}, variant ${flags.variant}` : s.file;
      io.out(`${header(config, name, c)}\n${summaryTable(r, c)}`);
    }
    // Where the trace went (stderr with --json: stdout holds exactly one JSON object).
    if (written !== null) {
      for (const line of traceWrittenLines(written)) {
        if (flags.json === true) io.err(`${line}\n`);
        else io.out(`${line}\n`);
      }
    }
    const note = truncationNote(r, config);
    if (note !== null) {
      if (flags.json === true) io.err(`note: ${note}\n`);
      else io.out(`note: ${note}\n`);
    }
    return 0;
  }
  if (flags.trace !== undefined) {
    throw new UsageError(`--trace records one run, and ${s.file} has ${s.variants.length} variants: pick one with --variant (${s.variants.map((v) => v.name).join(', ')})`);
  }
  if (flags.schedtrace !== undefined) checkSchedtraceModels(s.variants, s.file);
  const rows: Array<{ name: string; result: RunResult; config: SimConfig }> = [];
  for (const v of s.variants) {
    // Each variant's SCHED lines under a line that names it (the lines start again at 0ms).
    if (flags.schedtrace !== undefined) process.stderr.write(`# variant ${v.name}\n`);
    rows.push({ name: v.name, result: await runOne(v.config, flags), config: v.config });
  }
  if (flags.json === true) {
    const obj = { scenario: s.name, seed: s.config.seed >>> 0, variants: rows.map((r) => ({ name: r.name, ...r.result, config: r.config })) };
    io.out(`${JSON.stringify(obj, null, 2)}\n`);
  } else {
    io.out(`${header(s.config, s.file, c, s.variants)}\n${variantTable(rows, c)}`);
  }
  for (const r of rows) {
    const note = truncationNote(r.result, r.config);
    if (note === null) continue;
    if (flags.json === true) io.err(`note: variant ${r.name}: ${note}\n`);
    else io.out(`note: variant ${r.name}: ${note}\n`);
  }
  return 0;
}
