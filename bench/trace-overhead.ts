/**
 * Tracing overhead (issue 4): simulated events per second on an rr workload (64 threads on 8
 * hardware threads, compute bursts and IO waits; bench/trace-configs.ts) —
 *   untraced (sink null) vs the same simulation built with every trace hook removed,
 *   with a sink that drops events (the cost of building them),
 *   with the Perfetto protobuf sink without the why texts (`--trace`) and with them (`--why`,
 *   the why-log), with the JSON sink without and with them,
 * then the Go model's workload (go:4, 256 goroutines on 4 hardware threads) in the stripped
 * build, untraced, and with the protobuf sink without and with the why texts,
 * and the time to write a 10 M-event trace to disk, without and with the why texts. Modes run
 * interleaved, best of N, so a busy machine affects them alike. Targets: untraced loses ≤ 5 %
 * to the hooks; a traced run (`--trace`, the why-log not asked for) stays within 3× of an
 * untraced one; the why-log's cost is reported beside it.
 *
 * Run: npx tsx bench/trace-overhead.ts [events] [reps] [big-trace events] [--no-big]
 *   (or as part of npm run bench); --no-big skips writing the big traces to disk (~30 s).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TraceFile, traceMetaOf } from '../src/node/trace-file.js';
import { simulate } from '../src/sim.js';
import { benchConfig, goBenchConfig } from './trace-configs.js';

export { benchConfig, goBenchConfig };
import type { TraceSink } from '../src/trace/events.js';
import { PerfettoSink } from '../src/trace/perfetto.js';
import { JsonEncoder } from '../src/trace/perfetto-json.js';
import { ProtoEncoder } from '../src/trace/perfetto-proto.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A copy of src/ with every `if (this.trace !== null) …` hook removed (single statements and
 * blocks), in a new temporary directory (returned; the caller removes it).
 */
export function makeStrippedCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'schedlab-nohooks-'));
  cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true });
  // The same module format (package.json "type": without it the copy is compiled as
  // CommonJS, with every imported binding read through an exports object) and the same
  // compiler options (class-field semantics change V8's field layout and speed).
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  cpSync(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  let removed = 0;
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        const out = stripHooks(readFileSync(p, 'utf8'));
        removed += out.n;
        if (out.n > 0) writeFileSync(p, out.text);
      }
    }
  };
  walk(join(dir, 'src'));
  if (removed < 10) throw new Error(`stripping trace hooks found only ${removed}`);
  return dir;
}

/** Removes `if (this.trace !== null) stmt;` and `if (this.trace !== null) { … }` (brace-matched). */
export function stripHooks(text: string): { text: string; n: number } {
  const re = /if \(this\.trace !== null(?: && [^)]*)?\) /g;
  let out = '';
  let i = 0;
  let n = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index < i) continue;
    let j = m.index + m[0].length;
    if (text[j] === '{') {
      let depth = 0;
      for (; j < text.length; j++) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}' && --depth === 0) break;
      }
      j++;
    } else {
      // One statement up to the semicolon that ends it (outside parentheses and braces).
      let depth = 0;
      for (; j < text.length; j++) {
        const c = text[j];
        if (c === '(' || c === '{' || c === '[') depth++;
        else if (c === ')' || c === '}' || c === ']') depth--;
        else if (c === ';' && depth === 0) break;
      }
      j++;
    }
    out += text.slice(i, m.index);
    i = j;
    n++;
    re.lastIndex = j;
  }
  return { text: out + text.slice(i), n };
}

const drop: TraceSink = { emit: () => undefined };

/**
 * The hooks line: what the trace hooks cost an untraced run (untraced rate against the
 * stripped build's). The two builds run the same code but for null checks, so a difference
 * past 10 % says the machine was busy during one of them, and then every ratio of the run is
 * suspect: the line says so instead of reporting a cost. `model` names the workload when it is
 * not the threads one (the Go rows are checked against their own stripped-build run).
 */
export function hooksLine(untraced: number, stripped: number, model = ''): string {
  const cost = (1 - untraced / stripped) * 100;
  const of = model === '' ? '' : ` (${model})`;
  const line = `  the hooks cost an untraced run${of} ${cost.toFixed(1)} % (target ≤ 5 %; negative: within noise)`;
  if (Math.abs(cost) <= 10) return line;
  return `${line}
  WARNING: the untraced run${of} and the stripped build differ by ${Math.abs(cost).toFixed(0)} %: the machine was busy during one of them, so ${model === '' ? "this run's ratios" : `the ratios of ${model}`} are off; run the bench again`;
}

/**
 * A mode child's last line, "<cpu ms> <trace bytes>". Anything else (a warning printed to
 * stdout, a crash) is an error naming the mode, not a NaN in the table.
 */
export function parseModeOutput(mode: string, out: string): [number, number] {
  const last = out.trim().split('\n').pop() ?? '';
  const m = /^(\d+(?:\.\d+)?) (\d+)$/.exec(last.trim());
  if (m === null) throw new Error(`trace-overhead: mode ${mode} printed ${JSON.stringify(out.slice(-300))}, not "<ms> <bytes>"`);
  return [Number(m[1]), Number(m[2])];
}

const MODES = ['nohooks', 'untraced', 'dropped', 'proto', 'proto+why', 'json', 'json+why', 'go-nohooks', 'go', 'go+proto', 'go+proto+why'] as const;
type ModeName = (typeof MODES)[number];

const LABEL: Record<ModeName, string> = {
  nohooks: 'no hooks (stripped build)',
  'go-nohooks': 'no hooks (stripped build)',
  untraced: 'untraced (sink null)',
  dropped: 'events built, dropped',
  proto: 'Perfetto protobuf',
  'proto+why': 'Perfetto protobuf, --why',
  json: 'Perfetto JSON',
  'json+why': 'Perfetto JSON, --why',
  go: 'untraced (sink null)',
  'go+proto': 'Perfetto protobuf',
  'go+proto+why': 'Perfetto protobuf, --why',
};

/** Runs one mode in this process; returns [ms, trace bytes]. */
async function runMode(mode: ModeName, events: number, strippedDir: string | null): Promise<[number, number]> {
  const cfg = mode.startsWith('go') ? goBenchConfig(events) : benchConfig(events);
  const meta = traceMetaOf(cfg);
  let bytes = 0;
  // A string chunk is converted as the file writer converts it (both encoders write bytes now;
  // a string's .length would count neither its UTF-8 size nor the conversion's time).
  const count = { write: (c: Uint8Array | string) => (bytes += typeof c === 'string' ? Buffer.from(c, 'utf8').length : c.length) };
  let sim = simulate;
  if (mode === 'nohooks' || mode === 'go-nohooks') sim = ((await import(pathToFileURL(join(strippedDir!, 'src', 'sim.ts')).href)) as { simulate: typeof simulate }).simulate;
  const sink = (): TraceSink | null => {
    switch (mode) {
      case 'nohooks':
      case 'go-nohooks':
      case 'untraced':
      case 'go':
        return null;
      case 'dropped':
        return drop;
      case 'proto':
      case 'go+proto':
        return new PerfettoSink(new ProtoEncoder(count), meta, { why: false });
      case 'proto+why':
      case 'go+proto+why':
        return new PerfettoSink(new ProtoEncoder(count), meta, { why: true });
      case 'json':
        return new PerfettoSink(new JsonEncoder(count), meta, { why: false });
      case 'json+why':
        return new PerfettoSink(new JsonEncoder(count), meta, { why: true });
    }
  };
  // Warm-up (JIT, heap) with a full run, then the best of two. CPU time of this process, not
  // wall time: a busy machine (other processes waiting for the same cores) inflates it less.
  sim(cfg, { trace: sink() });
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    bytes = 0;
    const c0 = process.cpuUsage();
    sim(cfg, { trace: sink() });
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  return [best, bytes];
}

/** Each measurement in a fresh process (one JIT state per build), modes interleaved, best of `reps`. */
export async function traceOverhead(events = 2_000_000, reps = 3, bigEvents = 10_000_000): Promise<string[]> {
  const stripped = makeStrippedCopy();
  const best = new Map<ModeName, number>();
  const bytes = new Map<ModeName, number>();
  try {
    for (let r = 0; r < reps; r++) {
      for (const m of MODES) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--mode', m, String(events), stripped], { cwd: root, encoding: 'utf8' });
        const [ms, b] = parseModeOutput(m, out);
        best.set(m, Math.min(best.get(m) ?? Infinity, ms));
        bytes.set(m, b);
      }
    }
  } finally {
    rmSync(stripped, { recursive: true, force: true });
  }
  const rate = (m: ModeName): number => events / (best.get(m)! / 1000);
  const base = rate('untraced');
  const lines = [`tracing overhead: ${events.toLocaleString('en-US')} events per run (rr, 64 threads on 8 CPUs, compute bursts and IO waits), CPU time, best of ${reps * 2} after a warm-up run, in fresh processes`];
  for (const m of MODES) {
    if (m === 'go-nohooks') lines.push(`  the Go model (go:4, 256 goroutines on 4 CPUs, compute bursts and netpoll waits), the same way:`);
    const r = rate(m);
    const b = m.startsWith('go') ? rate('go') : base;
    lines.push(`  ${LABEL[m].padEnd(28)} ${(r / 1e6).toFixed(2).padStart(6)} M events/s   ${(b / r).toFixed(2)}× the untraced time`);
  }
  lines.push(hooksLine(base, rate('nohooks')));
  lines.push(hooksLine(rate('go'), rate('go-nohooks'), 'the Go model'));
  const perEvent = (m: ModeName): string => `${(bytes.get(m)! / events).toFixed(0)} B/event`;
  lines.push(`  trace size: protobuf ${perEvent('proto')}, with --why ${perEvent('proto+why')}; JSON ${perEvent('json')}, with --why ${perEvent('json+why')}; Go: protobuf ${perEvent('go+proto')}, with --why ${perEvent('go+proto+why')}`);
  if (bigEvents <= 0) return lines;
  const dir = mkdtempSync(join(tmpdir(), 'schedlab-trace-bench-'));
  try {
    for (const [name, n, why] of [
      ['big.pftrace', bigEvents, false],
      ['big.pftrace', bigEvents, true],
      ['big.json.gz', events, true],
    ] as const) {
      const big = benchConfig(n);
      const path = join(dir, name);
      const t0 = performance.now();
      const tf = new TraceFile(path, traceMetaOf(big), { why });
      const r = simulate(big, { trace: tf.sink });
      const tSim = performance.now();
      await tf.commit();
      const t1 = performance.now();
      const size = statSync(path).size;
      rmSync(path);
      lines.push(
        `  ${(r.events / 1e6).toFixed(r.events < 10_000_000 ? 1 : 0)} M-event trace to ${name}${why ? ' with --why' : ''}: ${((t1 - t0) / 1000).toFixed(1)} s (run + write ${((tSim - t0) / 1000).toFixed(1)} s${name.endsWith('.gz') ? `, gzip ${((t1 - tSim) / 1000).toFixed(1)} s` : ''}), ${(size / 1e6).toFixed(0)} MB${name.endsWith('.gz') ? ` (${(tf.bytes / 1e6).toFixed(0)} MB before compression)` : ''}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv[2] === '--mode') {
  const [ms, bytes] = await runMode(process.argv[3] as ModeName, Number(process.argv[4]), process.argv[5] ?? null);
  console.log(`${ms} ${bytes}`);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const pos = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const events = Number(pos[0] ?? 2_000_000);
  const reps = Number(pos[1] ?? 3);
  const big = process.argv.includes('--no-big') ? 0 : Number(pos[2] ?? 10_000_000);
  for (const l of await traceOverhead(events, reps, big)) console.log(l);
}
