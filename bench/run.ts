/**
 * npm run bench — simulated events per second, against a bare event-heap loop.
 *
 * Model workloads (rr, the OS layer's hot path: dispatch, bursts, IO waits, slice checks).
 * Threads repeat a compute burst (exponential, mean 200 µs) and an IO wait (exponential,
 * mean 100 µs), untraced and unchecked (as the CLI runs), for a fixed number of events:
 *   rr-64x8          64 threads on 8 hardware threads, 10 ms quantum (the seed's slice):
 *                    bursts are short, so preemption is rare.
 *   rr-10000x64      10,000 such threads on 64 hardware threads, 10 ms quantum.
 *   rr-64x8-q100us   as rr-64x8 with a 100 µs quantum: most bursts are preempted, so the
 *                    preemption path (slice checks, requeue, switch) is exercised hard.
 *   rr-10000x64-q100us
 *
 * Bare loops: the "hold" model (pop the earliest event, push one new event a random time
 * later; as many events as the model ran, with as many pending events as the model has
 * threads) on a minimal binary heap keyed by (time, seq), in two forms:
 *   bare heap         a heap of event objects (time, seq, payload), each popped event
 *                     re-armed and pushed again: the plain JS event-heap loop, the kind
 *                     the target's reference figure (8–11 M events/s on such a load) is for.
 *                     Target: the model at ≥ 0.5× it.
 *   typed-array floor the same heap with (time, seq) in parallel Float64Arrays and no
 *                     objects at all: the cost floor of any discrete-event simulation on
 *                     one heap, stricter than the reference (13–15 M events/s here). Its
 *                     ratio is printed too.
 *
 * Every measurement runs several times, interleaved (model, bare, model, bare, …), and the
 * medians are reported: the machine is shared and noisy. Each bench runs in a fresh process
 * (as `schedlab run` runs one scenario per process). Times are CPU time of this process
 * (see timeIt). Usage:
 *   npm run bench [-- --reps 7] [-- --only rr-64x8] [-- --json] [-- --wall]
 */
import { benchMillion, benchPingPong } from './go.js';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Engine } from '../src/engine/engine.js';
import type { EventHandler } from '../src/engine/event-queue.js';
import { simulate, type SimConfig } from '../src/sim.js';

interface Bench {
  name: string;
  what: string;
  /** Runs once; returns the number of events (or operations) done. */
  run(): number;
  /** Name of the bare-loop counterpart, if any. */
  bare?: { pending: number; events: number };
}

function rrWorkload(threads: number, cpus: number, quantum: number, events: number): SimConfig {
  return {
    name: `bench-rr-${threads}x${cpus}`,
    seed: 1,
    machine: { cpus },
    os: { policy: 'rr', params: { quantum }, exactSliceEnd: true },
    model: 'threads',
    limits: { events },
    workload: {
      sources: [
        {
          kind: 'batch',
          name: 'w',
          count: threads,
          program: [{ repeat: Infinity, do: [{ compute: { dist: 'exponential', mean: 200_000 } }, { io: { dist: 'exponential', mean: 100_000 } }] }],
        },
      ],
    },
  };
}

function modelBench(name: string, threads: number, cpus: number, quantum: number, events: number): Bench {
  const config = rrWorkload(threads, cpus, quantum, events);
  return {
    name,
    what: `rr ${quantum / 1e6}ms, ${threads} threads on ${cpus} CPUs, compute/IO bursts`,
    run: () => simulate(config).events,
    bare: { pending: threads, events },
  };
}

// ---------------------------------------------------------------- the bare hold loop

/** Uniform draws in [0, 1) from xorshift32, the same sequence for both hold loops (deterministic, cheap). */
function xorshift32(): () => number {
  let x = 2463534242;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** A pending event of the object-heap hold loop: its sort key and a payload. */
class HoldEvent {
  constructor(
    public time: number,
    public seq: number,
    readonly id: number,
  ) {}
}

/** Minimal binary min-heap of event objects ordered by (time, seq); popped events are re-armed. */
function objectHold(pending: number, events: number): number {
  const h: HoldEvent[] = [];
  let seq = 0;
  const rnd = xorshift32();
  const before = (a: HoldEvent, b: HoldEvent): boolean => a.time < b.time || (a.time === b.time && a.seq < b.seq);
  const push = (e: HoldEvent): void => {
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = h[p]!;
      if (before(q, e)) break;
      h[i] = q;
      i = p;
    }
    h[i] = e;
  };
  const pop = (): HoldEvent => {
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n === 0) return top;
    let i = 0;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      const r = c + 1;
      if (r < n && before(h[r]!, h[c]!)) c = r;
      const child = h[c]!;
      if (before(last, child)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
    return top;
  };
  for (let i = 0; i < pending; i++) push(new HoldEvent(Math.floor(rnd() * 300_000), seq++, i));
  let now = 0;
  for (let k = 0; k < events; k++) {
    const e = pop();
    now = e.time;
    e.time = now + Math.floor(rnd() * 300_000);
    e.seq = seq++;
    push(e);
  }
  return now > 0 ? events : 0;
}

/** Minimal binary min-heap of (time, seq) in parallel typed arrays. */
function bareHold(pending: number, events: number): number {
  const cap = pending + 1;
  const t = new Float64Array(cap);
  const s = new Float64Array(cap);
  let n = 0;
  let seq = 0;
  const rnd = xorshift32();
  const push = (time: number): void => {
    let i = n++;
    const q = seq++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p]! < time || (t[p] === time && s[p]! < q)) break;
      t[i] = t[p]!;
      s[i] = s[p]!;
      i = p;
    }
    t[i] = time;
    s[i] = q;
  };
  const popTime = (): number => {
    const top = t[0]!;
    const lt = t[--n]!;
    const ls = s[n]!;
    let i = 0;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      const r = c + 1;
      if (r < n && (t[r]! < t[c]! || (t[r] === t[c] && s[r]! < s[c]!))) c = r;
      if (lt < t[c]! || (lt === t[c] && ls < s[c]!)) break;
      t[i] = t[c]!;
      s[i] = s[c]!;
      i = c;
    }
    t[i] = lt;
    s[i] = ls;
    return top;
  };
  for (let i = 0; i < pending; i++) push(Math.floor(rnd() * 300_000));
  let now = 0;
  for (let k = 0; k < events; k++) {
    now = popTime();
    push(now + Math.floor(rnd() * 300_000));
  }
  return now > 0 ? events : 0;
}

/**
 * The same hold model on schedlab's own engine (Engine + EventQueue, SimEvent objects that
 * re-arm themselves): the engine's share of the model's cost, for reference.
 */
function engineHold(pending: number, events: number): number {
  const engine = new Engine();
  const rnd = xorshift32();
  const h: EventHandler = { fire: (ev) => engine.at(ev, engine.now + Math.floor(rnd() * 300_000)) };
  for (let i = 0; i < pending; i++) engine.at(engine.event(h, 0), Math.floor(rnd() * 300_000));
  engine.run({ events });
  return engine.events;
}

// ---------------------------------------------------------------- registry

const BENCHES: Bench[] = [
  modelBench('rr-64x8', 64, 8, 10_000_000, 2_000_000),
  modelBench('rr-10000x64', 10_000, 64, 10_000_000, 2_000_000),
  modelBench('rr-64x8-q100us', 64, 8, 100_000, 2_000_000),
  modelBench('rr-10000x64-q100us', 10_000, 64, 100_000, 2_000_000),
  // Go runtime: simulated goroutine switches per second on an unbuffered-channel ping-pong
  // (bench/go.ts). Reported on their own (switches/s); target ≥ 3 M/s.
  { name: 'go-switch-p1', what: 'goroutine switches/s, ping-pong, GOMAXPROCS 1', run: () => benchPingPong(1, 500_000, () => 0).switches },
  { name: 'go-switch-p2', what: 'goroutine switches/s, ping-pong, GOMAXPROCS 2', run: () => benchPingPong(2, 500_000, () => 0).switches },
  // A bench without `bare` is reported on its own (ops/s).
];

// ---------------------------------------------------------------- runner

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Times `f` by the process's CPU time (user + system, all threads) rather than the wall
 * clock: on a shared machine the wall clock also counts the time other processes held the
 * CPU. `--wall` switches to the wall clock.
 */
function timeIt(f: () => number): { rate: number; ms: number; n: number } {
  if (WALL) {
    const t0 = performance.now();
    const n = f();
    const ms = performance.now() - t0;
    return { rate: n / (ms / 1000), ms, n };
  }
  const c0 = process.cpuUsage();
  const n = f();
  const c = process.cpuUsage(c0);
  const ms = (c.user + c.system) / 1000;
  return { rate: n / (ms / 1000), ms, n };
}

const WALL = process.argv.includes('--wall');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Row {
  bench: string;
  what: string;
  reps: number;
  modelEventsPerSec: number;
  /** The object-heap hold loop (the target's baseline). */
  bareEventsPerSec?: number;
  /** The typed-array hold loop (the stricter floor). */
  floorEventsPerSec?: number;
  engineHoldEventsPerSec?: number;
  /** model / bare heap: the target is ≥ 0.5. */
  ratio?: number;
  /** model / typed-array floor. */
  floorRatio?: number;
}

/** Measures one bench in this process: model and bare loop interleaved, medians. */
function measure(b: Bench, reps: number): Row {
  // Warm-up (JIT), not measured.
  b.run();
  if (b.bare) {
    objectHold(b.bare.pending, Math.min(b.bare.events, 200_000));
    bareHold(b.bare.pending, Math.min(b.bare.events, 200_000));
  }
  const model: number[] = [];
  const bare: number[] = [];
  const floor: number[] = [];
  const eng: number[] = [];
  for (let i = 0; i < reps; i++) {
    model.push(timeIt(() => b.run()).rate);
    if (b.bare) {
      bare.push(timeIt(() => objectHold(b.bare!.pending, b.bare!.events)).rate);
      floor.push(timeIt(() => bareHold(b.bare!.pending, b.bare!.events)).rate);
      eng.push(timeIt(() => engineHold(b.bare!.pending, b.bare!.events)).rate);
    }
  }
  const m = median(model);
  const row: Row = { bench: b.name, what: b.what, reps, modelEventsPerSec: Math.round(m) };
  if (b.bare) {
    const bm = median(bare);
    const fm = median(floor);
    row.bareEventsPerSec = Math.round(bm);
    row.floorEventsPerSec = Math.round(fm);
    row.engineHoldEventsPerSec = Math.round(median(eng));
    row.ratio = Math.round((m / bm) * 1000) / 1000;
    row.floorRatio = Math.round((m / fm) * 1000) / 1000;
  }
  return row;
}

/**
 * Each bench runs in a fresh process, as `schedlab run` runs one scenario per process: in a
 * shared process the JIT's type feedback from one workload (other thread counts, the Go
 * model) slows the ones after it, which no real run would see.
 */
function main(): void {
  const reps = Number(arg('reps') ?? 5);
  const only = arg('only');
  const json = process.argv.includes('--json');
  const child = arg('child');
  if (child !== undefined) {
    const b = BENCHES.find((x) => x.name === child)!;
    console.log(JSON.stringify(measure(b, reps)));
    return;
  }
  const rows: Row[] = [];
  const fmt = (r: number): string => `${(r / 1e6).toFixed(2)} M/s`;
  for (const b of BENCHES) {
    if (only !== undefined && b.name !== only) continue;
    const args = ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', b.name, '--reps', String(reps)];
    if (WALL) args.push('--wall');
    const row = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }).trim().split('\n').pop()!) as Row;
    rows.push(row);
    if (json) continue;
    const m = row.modelEventsPerSec;
    if (row.ratio !== undefined) {
      console.log(
        `${b.name.padEnd(20)} model ${fmt(m)}   bare heap ${fmt(row.bareEventsPerSec!)}   ratio ${row.ratio.toFixed(2)}   typed-array floor ${fmt(row.floorEventsPerSec!)}   ratio ${row.floorRatio!.toFixed(2)}   (engine alone ${fmt(row.engineHoldEventsPerSec!)}; ${b.what}; median of ${reps})`,
      );
    } else {
      console.log(`${b.name.padEnd(20)} ${fmt(m)}   (${b.what}; median of ${reps})`);
    }
  }
  if (json) console.log(JSON.stringify({ node: process.version, rows }, null, 2));
}

main();
const CHILD = arg('child') !== undefined;

// ---------------------------------------------------------------- 1M live goroutines (issue 3)
// Heap per live goroutine needs --expose-gc (npm run bench passes it). Target ≤ 500 bytes.
if (!CHILD && !process.argv.includes('--json') && (arg('only') === undefined || arg('only') === 'go-1m')) {
  const g = globalThis as { gc?: () => void };
  const f = benchMillion(1_000_000, () => performance.now(), () => process.memoryUsage().heapUsed, g.gc);
  console.log(
    `${'go-1m'.padEnd(20)} ${f.live.toLocaleString('en-US')} live goroutines, ${f.bytesPerGoroutine === null ? 'heap n/a (run node with --expose-gc)' : `${f.bytesPerGoroutine} bytes of heap per goroutine`}, ${f.wallSec.toFixed(1)} s wall for ${f.events.toLocaleString('en-US')} events`,
  );
}

// ---------------------------------------------------------------- tracing overhead (issue 4)
// Events/s untraced vs a build without the hooks, with a sink, with the Perfetto protobuf and
// JSON writers with and without the why texts, and the time to write a 10 M-event trace. Each
// mode runs in a fresh process (bench/trace-overhead.ts). Skipped with --json or --no-trace.
if (!CHILD && !process.argv.includes('--json') && !process.argv.includes('--no-trace') && (arg('only') === undefined || arg('only') === 'trace')) {
  const { traceOverhead } = await import('./trace-overhead.js');
  const lines = await traceOverhead(Number(arg('trace-events') ?? 2_000_000), Number(arg('trace-reps') ?? 3), Number(arg('trace-big') ?? 10_000_000));
  for (const line of lines) console.log(line);
}
