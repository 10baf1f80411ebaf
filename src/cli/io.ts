/**
 * The CLI's contact with the outside: output streams (injected, so tests can call the CLI in
 * process), reading scenario files, finding the bundled examples, and writing output files
 * atomically (temporary file + rename, so a failed run leaves no partial file behind).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { didYouMean } from '../workload/scenario-text.js';
import { loadScenario, type LoadedScenario, type Override } from '../workload/scenario.js';
import { UsageError } from './trace-options.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Colours on stdout (a TTY without NO_COLOR). */
  color: boolean;
  /** Where the examples are (default: the package's examples/). */
  examplesDir?: string;
}

/** The package's examples/ directory (same relative place from src/cli and dist/cli). */
export function defaultExamplesDir(): string {
  return fileURLToPath(new URL('../../examples/', import.meta.url));
}

/** The real process streams. Colours only on a terminal, never with NO_COLOR or TERM=dumb. */
export function processIo(): CliIo {
  const env = process.env;
  const color = process.stdout.isTTY && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    color,
  };
}

/** Example scenario files (*.yaml, *.yml, *.json) in `dir`, sorted by name. */
export function exampleFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /\.(ya?ml|json)$/i.test(n))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((n) => join(dir, n));
}

/** How to show a path: relative to the working directory when inside it. */
export function displayPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : p;
}

/**
 * The file a `run FILE` argument means: the path itself, or, for a bare name such as
 * `seed-time-slices`, the example of that name.
 */
export function resolveScenarioPath(arg: string, examplesDir: string): string {
  if (existsSync(arg)) return arg;
  const bare = /^[A-Za-z0-9_-]+$/.test(arg);
  if (bare) {
    for (const ext of ['.yaml', '.yml', '.json']) {
      const p = join(examplesDir, arg + ext);
      if (existsSync(p)) return displayPath(p);
    }
    const names = exampleFiles(examplesDir).map((f) => basename(f).replace(/\.(ya?ml|json)$/i, ''));
    throw new UsageError(`${arg}: no such file, and no example of that name${didYouMean(arg, names)} (run schedlab examples for the list)`);
  }
  throw new UsageError(`${arg}: no such file`);
}

/** Reads a scenario file (UTF-8) and loads it; bad input throws UsageError or ScenarioError. */
export function loadScenarioPath(file: string, overrides: readonly Override[], only?: string): LoadedScenario {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`${file}: is a directory (expected a scenario file, .yaml or .json)`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(e)})`);
  }
  return loadScenario(text, file, only !== undefined ? { overrides, only } : { overrides });
}

export { writeFileAtomic } from '../node/write-file.js';
