/**
 * `schedlab explain FILE --thread T | --task N | --goroutine G [--at TIME]`: runs the scenario
 * and tells the story of one OS thread, task or goroutine in plain words (src/trace/explain.ts).
 */
import { Command } from '@commander-js/extra-typings';
import { parseDuration } from '../engine/time.js';
import { modelName, modelSpecOf } from '../exec/model.js';
import { simulate } from '../sim.js';
import { ExplainSink, type ExplainSubject } from '../trace/explain.js';
import { defaultExamplesDir, loadScenarioPath, resolveScenarioPath, type CliIo } from './io.js';
import { collect, overridesOf, pickConfig, UsageError } from './trace-options.js';

export interface ExplainFlags {
  thread?: string;
  task?: string;
  goroutine?: string;
  at?: string;
  seed?: string;
  model?: string;
  set?: string[];
  variant?: string;
}

function subjectOf(o: ExplainFlags): ExplainSubject {
  const given: ExplainSubject[] = [];
  for (const kind of ['thread', 'task', 'goroutine'] as const) {
    const v = o[kind];
    if (v === undefined) continue;
    const id = Number(v);
    if (!/^[0-9]+$/.test(v) || id < 1) throw new UsageError(`--${kind} ${v}: an id is a whole number ≥ 1`);
    given.push({ kind, id });
  }
  if (given.length !== 1) throw new UsageError('explain: give exactly one of --thread T, --task N, --goroutine G');
  return given[0]!;
}

/** Runs the explanation and returns its text (throws on bad input). FILE may name an example, as for `run`. */
export function explainFile(file: string, o: ExplainFlags, examplesDir = defaultExamplesDir()): string {
  const subject = subjectOf(o);
  let at: number | undefined;
  if (o.at !== undefined) {
    try {
      at = parseDuration(o.at);
    } catch (e) {
      throw new UsageError(`--at ${o.at}: ${(e as Error).message}`);
    }
  }
  const scenario = loadScenarioPath(resolveScenarioPath(file, examplesDir), overridesOf(o), o.variant);
  const config = pickConfig(scenario, o.variant);
  const model = modelName(modelSpecOf(config.model));
  if (subject.kind === 'goroutine' && !model.startsWith('go:')) throw new UsageError(`--goroutine: the model is ${model}; goroutines exist under go:P (try --model go:2)`);
  const sink = new ExplainSink(subject, at !== undefined ? { at } : {});
  const r = simulate(config, { trace: sink });
  const header = `scenario ${config.name}${o.variant !== undefined ? ` (variant ${o.variant})` : ''}, seed ${r.seed}, model ${r.model}, policy ${r.policy}, ${config.machine.cpus} hardware thread${config.machine.cpus === 1 ? '' : 's'}`;
  if (!sink.subjectFound) {
    const flag = `--${subject.kind} ${subject.id}`;
    throw new UsageError(`${flag}: no ${subject.kind === 'thread' ? 'OS thread' : subject.kind} ${subject.id} in this run of ${config.name}${o.variant !== undefined ? ` (variant ${o.variant})` : ''} (seed ${r.seed}, model ${r.model}): ${sink.whatExisted()}`);
  }
  return sink.render(header);
}

export function explainCommand(io: CliIo): Command {
  const cmd = new Command('explain')
    .description('run a scenario and tell the story of one OS thread, task or goroutine: every state, why it began, what it waited for, why it ended')
    .argument('<file>', 'scenario file, or the name of an example (schedlab examples)')
    .option('--thread <T>', 'OS thread id')
    .option('--task <N>', 'task id')
    .option('--goroutine <G>', 'goroutine id (go:P models)')
    .option('--at <time>', 'only the interval covering this time, e.g. 15ms')
    .option('--seed <n>', 'seed')
    .option('--model <model>', 'execution model: threads, pool:N, go:P')
    .option('--set <path=value>', 'override a scenario field (repeatable)', collect, [] as string[])
    .option('--variant <name>', 'run this variant of the scenario')
    // Bad input throws (UsageError, ScenarioError): the command line prints it, exit code 2.
    .action((file, o) => {
      io.out(explainFile(file, o, io.examplesDir ?? defaultExamplesDir()));
    });
  return cmd as unknown as Command;
}

/** Adds `explain` to the program. */
export function registerExplain(program: { addCommand(cmd: Command): unknown }, io: CliIo): void {
  program.addCommand(explainCommand(io));
}
