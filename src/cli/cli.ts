/**
 * The `schedlab` command line (commander). Parsing and formatting live in src/cli; the logic
 * (loading scenarios, simulating) lives in the library, so the web playground shares it.
 *
 * Exit codes: 0 ok; 2 bad input (bad scenario, bad flag, unknown file), with the problem on
 * stderr and no output files; 1 internal error.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from '@commander-js/extra-typings';
import { InvariantError } from '../engine/assert.js';
import { ScenarioError } from '../workload/scenario.js';
import { demoCommand, examplesCommand } from './demo.js';
import { registerCompare } from './compare.js';
import { registerExplain } from './explain.js';
import { registerOpen } from './open.js';
import type { CliIo } from './io.js';
import { didYouMean } from '../workload/scenario-text.js';
import { runCommand } from './run.js';
import { registerSweep } from './sweep.js';
import { registerUi } from './ui.js';
import { collect, Interrupted, UsageError } from './trace-options.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code = 0;
  const program = new Command('schedlab')
    .description('A deterministic scheduler laboratory: hardware threads, an OS scheduler and the Go runtime scheduler, simulated.')
    .version(version(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(schedlab help <command> shows its options)');

  program
    .command('run')
    .description('run a scenario file (YAML or JSON) and print the resolved scenario and a summary table')
    .argument('<file>', 'scenario file, or the name of an example (schedlab examples)')
    .option('--seed <n>', 'seed of all randomness (overrides the file)')
    .option('--model <model>', 'execution model: threads, pool:N, go:P (overrides the file)')
    .option('--set <path=value>', 'override a field, e.g. --set machine.cpus=4 (repeatable)', collect, [] as string[])
    .option('--variant <name>', 'run only this variant')
    .option('--json', 'print exactly one JSON object with the results')
    .option('--check', 'check every invariant after every event (slow)')
    .option('--trace <file>', 'write a Perfetto trace (.pftrace or .json, optionally .gz)')
    .option('--why', "with --trace: put the plain-words why texts in the trace's slice details (about 4× the size, 2× the time to write)")
    .option('--no-why', 'with --trace: leave the why texts out (the default)')
    .option('--schedtrace <period>', "go:P: print Go's GODEBUG=schedtrace lines to stderr every period of simulated time, e.g. 10ms")
    .option('--scheddetail', 'with --schedtrace: the detailed P/M/G lines (GODEBUG=scheddetail=1)')
    .action(async (file, flags) => {
      code = await runCommand(file, flags, io);
    });

  program
    .command('examples')
    .description('list the example scenarios with their descriptions')
    .action(() => {
      code = examplesCommand(io);
    });

  program
    .command('demo')
    .description("run the seed examples, each with a short explanation and its key figures")
    .action(() => {
      code = demoCommand(io);
    });

  // Commands defined in their own files get the same output and error handling.
  const host = {
    addCommand: (cmd: Command) => {
      cmd.copyInheritedSettings(program);
      return program.addCommand(cmd);
    },
  };
  registerSweep(host);
  registerExplain(host, io);
  registerCompare(host, io, (c) => (code = c));
  registerUi(host, io, (c) => (code = c));
  registerOpen(host, io, (c) => (code = c));

  try {
    if (argv.length === 0) {
      io.err(program.helpInformation());
      return 2;
    }
    // `help NAME` for a command that does not exist: say so, as for `schedlab NAME`.
    if (argv[0] === 'help' && argv.length > 1 && !program.commands.some((c) => c.name() === argv[1])) {
      const names = program.commands.map((c) => c.name());
      io.err(`error: unknown command '${argv[1]}'${didYouMean(argv[1]!, names)} (commands: ${names.join(', ')})\n`);
      return 2;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : 2;
      return 2; // commander has printed the message
    }
    if (e instanceof ScenarioError || e instanceof UsageError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    if (e instanceof Interrupted) {
      io.err(`${e.message}\n`);
      return 130;
    }
    const what = e instanceof InvariantError ? 'invariant violated' : 'internal error';
    io.err(`schedlab: ${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
