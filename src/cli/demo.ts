/**
 * `schedlab examples` lists the example scenarios; `schedlab demo` runs the seed examples
 * (examples/seed-*.yaml) one after another, each with its explanation and key figures, and
 * ends with "scheduling is unpredictable": one scenario under three seeds, whose completion
 * orders differ and are each exactly reproducible.
 */
import { basename } from 'node:path';
import { simulate, type RunResult } from '../sim.js';
import { formatIssue, ScenarioError, type LoadedScenario } from '../workload/scenario.js';
import { colors, orderText, truncationNote, variantTable, type Colors } from './format.js';
import { defaultExamplesDir, displayPath, exampleFiles, loadScenarioPath, type CliIo } from './io.js';

/** The order in which the demo tells the seed's story; other seed examples follow by name. */
export const DEMO_ORDER = [
  'seed-time-slices',
  'seed-context-switching',
  'seed-cpu-vs-io',
  'seed-magic-number',
  'seed-concurrency-vs-parallelism',
  'seed-preemption',
];
/** The example shown under three seeds at the end of the demo. */
export const UNPREDICTABLE = 'seed-unpredictable';
export const UNPREDICTABLE_SEEDS = [1, 2, 3] as const;

const stem = (file: string): string => basename(file).replace(/\.(ya?ml|json)$/i, '');

export interface ExampleInfo {
  name: string;
  file: string;
  /** First line of the description. */
  summary: string;
  error?: string;
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

/** The first sentence of a description, on one line, at most 100 characters. */
export function summaryOf(text: string | undefined): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  const end = flat.search(/[.!?](\s|$)/);
  const s = end >= 0 ? flat.slice(0, end + 1) : flat;
  if (s.length <= 100) return s;
  const cut = s.lastIndexOf(' ', 97);
  return `${s.slice(0, cut > 40 ? cut : 97)}...`;
}

function errorText(e: unknown): string {
  if (e instanceof ScenarioError) return e.issues.map(formatIssue).join('\n');
  return e instanceof Error ? e.message : String(e);
}

export function listExamples(dir: string): ExampleInfo[] {
  return exampleFiles(dir).map((f) => {
    const file = displayPath(f);
    try {
      const s = loadScenarioPath(file, []);
      return { name: stem(f), file, summary: summaryOf(s.description) };
    } catch (e) {
      return { name: stem(f), file, summary: '', error: firstLine(errorText(e)) };
    }
  });
}

export function examplesCommand(io: CliIo): number {
  const dir = io.examplesDir ?? defaultExamplesDir();
  const list = listExamples(dir);
  if (list.length === 0) {
    io.err(`no examples found in ${displayPath(dir)}\n`);
    return 1;
  }
  const c = colors(io.color);
  const w = Math.max(...list.map((e) => e.name.length));
  let s = '';
  for (const e of list) s += `${c.bold(e.name.padEnd(w))}  ${e.error !== undefined ? c.red(`invalid: ${e.error}`) : e.summary}\n`;
  s += `\nrun one: schedlab run ${list[0]!.name}   (or a path: schedlab run ${list[0]!.file})\n`;
  io.out(s);
  return list.some((e) => e.error !== undefined) ? 1 : 0;
}

/** The seed examples in demo order (the unpredictable one last). */
export function seedExamples(dir: string): string[] {
  const files = exampleFiles(dir).filter((f) => stem(f).startsWith('seed-'));
  const rank = (f: string): number => {
    const i = DEMO_ORDER.indexOf(stem(f));
    if (stem(f) === UNPREDICTABLE) return 2000;
    return i >= 0 ? i : 1000;
  };
  return files.sort((a, b) => rank(a) - rank(b) || (stem(a) < stem(b) ? -1 : stem(a) > stem(b) ? 1 : 0));
}

function rule(title: string, c: Colors): string {
  return `${c.bold(`── ${title} `)}${'─'.repeat(Math.max(3, 72 - title.length))}\n`;
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => (l === '' ? '' : `  ${l}`))
    .join('\n');
}

function runExample(s: LoadedScenario): Array<{ name: string; result: RunResult; note: string | null }> {
  const runs = s.variants.length > 0 ? s.variants.map((v) => ({ name: v.name, config: v.config })) : [{ name: s.name, config: s.config }];
  return runs.map(({ name, config }) => {
    const result = simulate(config);
    return { name, result, note: truncationNote(result, config) };
  });
}

/** Runs the unpredictable example under three seeds and checks each replays exactly. */
export function unpredictable(s: LoadedScenario): Array<{ seed: number; order: number[]; replayed: boolean }> {
  return UNPREDICTABLE_SEEDS.map((seed) => {
    const config = { ...s.config, seed, recordOrder: true };
    const a = simulate(config);
    const b = simulate(config);
    return { seed, order: a.tasks.completionOrder ?? [], replayed: JSON.stringify(a) === JSON.stringify(b) };
  });
}

export function demoCommand(io: CliIo): number {
  const dir = io.examplesDir ?? defaultExamplesDir();
  const c = colors(io.color);
  const files = seedExamples(dir);
  if (files.length === 0) {
    io.err(`no seed examples (seed-*.yaml) found in ${displayPath(dir)}\n`);
    return 1;
  }
  let failed = false;
  io.out(`schedlab demo: the seed's ideas, each as a small simulation (${files.length} scenario${files.length === 1 ? '' : 's'}).\nEvery figure below comes from the simulation: exact, and the same on every machine.\n\n`);
  files.forEach((f, i) => {
    const file = displayPath(f);
    const n = `${i + 1}/${files.length}`;
    let s: LoadedScenario;
    try {
      s = loadScenarioPath(file, []);
    } catch (e) {
      io.err(`${errorText(e)}\n`);
      failed = true;
      return;
    }
    if (stem(f) === UNPREDICTABLE) {
      io.out(rule(`${n}  scheduling is unpredictable (${s.name})`, c));
      if (s.description !== undefined) io.out(`${indent(s.description)}\n\n`);
      const runs = unpredictable(s);
      const w = Math.max(...runs.map((r) => String(r.seed).length));
      for (const r of runs) io.out(`  seed ${String(r.seed).padStart(w)}: tasks finished in the order ${orderText(r.order)}\n`);
      const distinct = new Set(runs.map((r) => r.order.join(' '))).size;
      const allReplayed = runs.every((r) => r.replayed);
      io.out(
        `\n  ${distinct === runs.length ? 'Three seeds, three different orders' : `${distinct} different order${distinct === 1 ? '' : 's'} among ${runs.length} seeds`}; ` +
          `${allReplayed ? 'running each seed again gave the same order and the same result, byte for byte.' : c.red('a seed did NOT replay exactly (this is a bug).')}\n`,
      );
      io.out(`  try: schedlab run ${file} --seed 2\n\n`);
      if (!allReplayed) failed = true;
      return;
    }
    io.out(rule(`${n}  ${s.name}`, c));
    if (s.description !== undefined) io.out(`${indent(s.description)}\n\n`);
    let rows: ReturnType<typeof runExample>;
    try {
      rows = runExample(s);
    } catch (e) {
      io.err(`${file}: ${errorText(e)}\n`);
      failed = true;
      return;
    }
    io.out(`${indent(variantTable(rows, c))}\n`);
    for (const r of rows) if (r.note !== null) io.out(`  note: ${r.name}: ${r.note}\n`);
    io.out(`  try: schedlab run ${file}\n\n`);
  });
  return failed ? 1 : 0;
}
