/** The command line run in-process with its output captured, for the CLI tests. */
import { runCli } from '../src/cli/cli.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the command line in-process and returns its exit code and what it printed (no colors unless asked). */
export async function cliRun(args: readonly string[], opts: { color?: boolean; examplesDir?: string } = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    color: opts.color ?? false,
    ...(opts.examplesDir !== undefined ? { examplesDir: opts.examplesDir } : {}),
  });
  return { code, out, err };
}
