#!/usr/bin/env node
/** The `schedlab` executable (bin/schedlab.js loads this through tsx, or dist/cli/main.js). */
import { runCli } from './cli.js';
import { processIo } from './io.js';

// A closed pipe (`schedlab ... | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const code = await runCli(process.argv.slice(2), processIo());
// Commands that report through process.exitCode themselves keep their code when ours is 0.
if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
