/**
 * The simulated twin of each `npm run validate` experiment, run next to what the real machine
 * measured: given the JSON validation/run.sh prints, one row per compared quantity with the
 * real figure, schedlab's, and their ratio (docs/validation.md explains every row).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_COSTS } from '../src/hw/costs.js';
import { simulate, type RunResult, type SimConfig } from '../src/sim.js';
import { MemorySink } from '../src/trace/events.js';
import { loadScenario, parseSetFlag } from '../src/workload/scenario.js';

const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');

/** One compared quantity: real and simulated values in `unit`, and which twin gave it. */
export interface TwinRow {
  experiment: string;
  quantity: string;
  unit: 'ms' | 'µs' | 'ns' | 'threads' | '/s' | 'count';
  real: number;
  schedlab: number;
  /** The twin: scenario file and variant (and what was set on top). */
  twin: string;
}

interface Stat {
  p50Ns: number;
}
interface TimesliceRun {
  threads: number;
  seconds: number;
  runs: Stat;
  waits: Stat;
  handovers: Stat;
}
interface BlockingResult {
  mode: string;
  goroutines?: number;
  gomaxprocs?: number;
  peakThreads: number;
  lastGoroutineStartedMs: number;
  elapsedMs: number;
}
interface HandoffRun {
  gomaxprocs: number;
  goroutines: number;
  partsUs: Record<string, { p50: number } | undefined>;
}
interface PingPongResult {
  gomaxprocs: number;
  cpuNsPerSwitch: number;
  osContextSwitches: number;
  seconds: number;
}
interface PoolRun {
  threads: number;
  waitUs: number;
  jobs: number;
  computeUs: number;
  makespanNs: number;
  latencyNs: { p50: number };
}
interface QuotaRun {
  gomaxprocs: number;
  mode: 'light' | 'heavy';
  numCPU: number;
  requests: { count: number; p50Ns: number; p99Ns: number };
  throttled: { periods: number; throttledPeriods: number; throttledNs: number } | null;
  /** Where the quota's periods fell against the client's start (µs; absent or null: not seen). */
  phaseUs?: number | null;
}
/** The parts of validation/run.sh's JSON this module reads (every experiment is optional). */
export interface ValidateOutput {
  goQuota?: { quotaUs: number; periodUs: number; runs: QuotaRun[] };
  pool?: { runs: PoolRun[] };
  kernelScheduler?: { configHz?: number | null };
  timeslices?: TimesliceRun[];
  goBlocking?: { results: BlockingResult[] };
  goHandoff?: { runs: HandoffRun[] };
  goPreemption?: { wakeDelayAlone: Stat; wakeDelayWithHog: Stat };
  goPingPong?: { results: PingPongResult[] };
}

function variant(file: string, name: string | null): SimConfig {
  const path = join(SCENARIOS, file);
  const loaded = loadScenario(readFileSync(path, 'utf8'), path);
  if (name === null) return loaded.config;
  const v = loaded.variants.find((x) => x.name === name);
  if (v === undefined) throw new Error(`${path}: no variant ${name}`);
  return v.config;
}

/** `config` with every workload source's count set to `count` (the real run's size). */
function sized(config: SimConfig, count: number): SimConfig {
  return { ...config, workload: { ...config.workload, sources: config.workload.sources.map((x) => ({ ...x, count })) } };
}

interface GoFigures {
  maxThreads: number;
  goroutineSchedLatencyNs: { max: number };
  timerLatenessNs: { p50: number };
}
const go = (r: RunResult): GoFigures => r.go as unknown as GoFigures;
/**
 * The twin of one real goQuota run (validation/go/quota): validation/scenarios/go-quota.yaml's
 * variant for its load and GOMAXPROCS, with its request count (and in heavy load one job per 50
 * requests), CPUs and quota. Requests arrive evenly spaced, as the real client sends them.
 * `phaseUs` places the quota's periods (the real run's phase to them is unknown).
 */
export function twinQuota(r: Pick<QuotaRun, 'gomaxprocs' | 'mode' | 'numCPU'> & { requests: { count: number } }, quotaUs: number, periodUs: number, hz?: number | null, phaseUs = 0): { requests: { p50: number; p99: number }; throttledPeriods: number; throttledNs: number } {
  // The variant of the load (its GOMAXPROCS 2 one), at the real run's GOMAXPROCS.
  const v = variant('go-quota.yaml', `${r.mode}-gomaxprocs-2`);
  // Arrivals stop before the end of `for`: half a gap after the last request.
  const gapUs = r.mode === 'light' ? 100_000 : 10_000;
  const forUs = r.requests.count * gapUs + gapUs / 2;
  const config: SimConfig = {
    ...v,
    model: `go:${r.gomaxprocs}`,
    machine: { ...v.machine, cpus: r.numCPU },
    os: { ...v.os, bandwidth: { quotaNs: quotaUs * 1000, periodNs: periodUs * 1000, phaseNs: phaseUs * 1000 }, ...(typeof hz === 'number' && hz > 0 ? { hz } : {}) },
    workload: { ...v.workload, sources: v.workload.sources.map((x) => (x.kind === 'arrivals' ? { ...x, durationNs: forUs * 1000 } : x)) },
  };
  const s = simulate(config);
  const req = s.tasks.bySource.find((b) => b.name === 'request')!;
  return { requests: { p50: req.latencyNs.p50, p99: req.latencyNs.p99 }, throttledPeriods: s.bandwidth?.throttledPeriods ?? 0, throttledNs: s.bandwidth?.throttledNs ?? 0 };
}

/** `items` grouped by `key`, in the order each key first appears. */
function groupBy<T>(items: readonly T[], key: (x: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const x of items) {
    const k = key(x);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [x]);
    else g.push(x);
  }
  return [...groups.values()];
}

/** The median (the lower middle value of an even count). */
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;

/**
 * A syscall handoff in the twin, from its trace: P0's retakes (Psyscall → Pidle), the time
 * from each to P0 running again (the new M holds it), and from one retake to the next.
 */
export function twinHandoff(config: SimConfig): { handoffNs: number; startNs: number } {
  const sink = new MemorySink();
  simulate(config, { trace: sink });
  const periods: number[] = [];
  const starts: number[] = [];
  let last = -1;
  let open = -1;
  for (const e of sink.events) {
    if (e.k !== 'pstate' || e.p !== 0) continue;
    if (e.from === 'Psyscall' && e.to === 'Pidle') {
      if (last >= 0) periods.push(e.t - last);
      last = e.t;
      open = e.t;
    } else if (e.to === 'Prunning' && open >= 0) {
      starts.push(e.t - open);
      open = -1;
    }
  }
  return { handoffNs: median(periods), startNs: median(starts) };
}

/**
 * The twin of one real pool run (validation/pool.c): validation/scenarios/magic-number.yaml
 * with the run's pool size, wait, job count and compute time, and the kernel's HZ.
 */
export function twinPool(r: Pick<PoolRun, 'threads' | 'waitUs' | 'jobs' | 'computeUs'>, hz: number | null | undefined): RunResult {
  const path = join(SCENARIOS, 'magic-number.yaml');
  const sets = [`model=pool:${r.threads}`, `programs.job.0.compute=${r.computeUs}us`, `programs.job.1.sleep=${r.waitUs}us`, `workload.0.batch=${r.jobs}`];
  if (typeof hz === 'number' && hz > 0) sets.push(`os.hz=${hz}`);
  return simulate(loadScenario(readFileSync(path, 'utf8'), path, { overrides: sets.map(parseSetFlag) }).config);
}

/** Every row the given validation output allows, each twin run once. */
export function twinRows(v: ValidateOutput): TwinRow[] {
  const rows: TwinRow[] = [];
  for (const r of v.timeslices ?? []) {
    // The twin's variant for 2, 10 or 100 threads, with the real run's thread count, length
    // and (when the kernel's config says) tick rate.
    const base = variant('linux-timeslices.yaml', 'n2');
    const hz = v.kernelScheduler?.configHz;
    const cfg: SimConfig = {
      ...sized(base, r.threads),
      os: { ...base.os, ...(typeof hz === 'number' && hz > 0 ? { hz } : {}) },
      limits: { ...base.limits, timeNs: Math.round(r.seconds * 1e9) },
    };
    const s = simulate(cfg);
    const twin = `linux-timeslices.yaml ×${r.threads}, ${r.seconds}s${typeof hz === 'number' && hz > 0 ? `, hz ${hz}` : ''}`;
    const turns = s.contextSwitches.involuntary;
    rows.push({ experiment: `(a) ${r.threads} threads on 1 CPU`, quantity: 'run length, p50 (schedlab: mean)', unit: 'ms', real: r.runs.p50Ns / 1e6, schedlab: turns > 0 ? s.threads.runningNs / turns / 1e6 : NaN, twin });
    rows.push({ experiment: `(a) ${r.threads} threads on 1 CPU`, quantity: 'wait between turns, p50', unit: 'ms', real: r.waits.p50Ns / 1e6, schedlab: s.schedLatencyNs.p50 / 1e6, twin });
    rows.push({ experiment: `(a) ${r.threads} threads on 1 CPU`, quantity: 'handover (involuntary switch), p50', unit: 'µs', real: r.handovers.p50Ns / 1e3, schedlab: (cfg.machine.costs?.contextSwitch ?? DEFAULT_COSTS.contextSwitch) / 1e3, twin: 'machine.costs.contextSwitch' });
  }
  if (v.goBlocking !== undefined) {
    const twinOf: Record<string, string> = { nanosleep: 'syscall', read: 'syscall', sleep: 'sleep', netpoll: 'io' };
    const runs = new Map<string, RunResult>();
    const run = (key: string, cfg: SimConfig): RunResult => {
      let r = runs.get(key);
      if (r === undefined) runs.set(key, (r = simulate(cfg)));
      return r;
    };
    for (const b of v.goBlocking.results) {
      const name = twinOf[b.mode];
      if (name === undefined) continue;
      // The twin at the real run's size (1000 goroutines at GOMAXPROCS 2 unless it says).
      const n = b.goroutines ?? 1000;
      const procs = b.gomaxprocs ?? 2;
      const config = (vname: string): [string, SimConfig] => [`${vname} ${n} ${procs}`, { ...sized(variant('go-blocking.yaml', vname), n), model: `go:${procs}` }];
      const exp = `(b) ${n} goroutines, ${b.mode}`;
      const size = n === 1000 && procs === 2 ? '' : `, go:${procs} ×${n}`;
      const twin = `go-blocking.yaml ${name}${size}`;
      const s = run(...config(name));
      rows.push({ experiment: exp, quantity: 'peak OS threads', unit: 'threads', real: b.peakThreads, schedlab: go(s).maxThreads, twin });
      // In a blocking syscall the goroutines start as fast as Ps are handed off; parked, as
      // fast as the real main goroutine runs its go statements, which the twin does not model
      // (its batch is created at time 0), so that figure is compared for syscalls only.
      if (name === 'syscall') rows.push({ experiment: exp, quantity: 'last goroutine started its wait', unit: 'ms', real: b.lastGoroutineStartedMs, schedlab: go(s).goroutineSchedLatencyNs.max / 1e6, twin });
      rows.push({ experiment: exp, quantity: 'all done', unit: 'ms', real: b.elapsedMs, schedlab: s.simulatedNs / 1e6, twin });
      if (b.mode === 'nanosleep') {
        const slow = run(...config('syscall-newm-measured'));
        rows.push({ experiment: exp, quantity: 'last goroutine started its wait', unit: 'ms', real: b.lastGoroutineStartedMs, schedlab: go(slow).goroutineSchedLatencyNs.max / 1e6, twin: `go-blocking.yaml syscall-newm-measured${size}` });
      }
    }
  }
  for (const h of v.goHandoff?.runs ?? []) {
    const exp = `(b) syscall handoff, GOMAXPROCS=${h.gomaxprocs}`;
    for (const name of ['syscall', 'syscall-newm-measured']) {
      const cfg: SimConfig = { ...sized(variant('go-blocking.yaml', name), h.goroutines), model: `go:${h.gomaxprocs}` };
      const t = twinHandoff(cfg);
      const twin = `go-blocking.yaml ${name}, go:${h.gomaxprocs} ×${h.goroutines}`;
      // `hold` is measured directly since it was added; an older output has only its parts.
      const hold = h.partsUs.hold?.p50 ?? (h.partsUs.allocm?.p50 ?? NaN) + (h.partsUs.start?.p50 ?? NaN);
      rows.push({ experiment: exp, quantity: 'retake → the new M holds the P, p50', unit: 'µs', real: hold, schedlab: t.startNs / 1e3, twin });
      rows.push({ experiment: exp, quantity: 'one handoff (retake to retake), p50', unit: 'µs', real: h.partsUs.handoff?.p50 ?? NaN, schedlab: t.handoffNs / 1e3, twin });
    }
  }
  if (v.goPreemption !== undefined) {
    const withHog = simulate(variant('go-preemption.yaml', null));
    const base = variant('go-preemption.yaml', null);
    const alone = simulate({ ...base, workload: { ...base.workload, sources: base.workload.sources.filter((s) => s.name !== 'hog') } });
    rows.push({ experiment: '(c) 1 ms sleeper, GOMAXPROCS=1', quantity: 'wake-up delay alone, p50', unit: 'µs', real: v.goPreemption.wakeDelayAlone.p50Ns / 1e3, schedlab: go(alone).timerLatenessNs.p50 / 1e3, twin: 'go-preemption.yaml without the hog' });
    rows.push({ experiment: '(c) 1 ms sleeper, GOMAXPROCS=1', quantity: 'wake-up delay with a compute loop, p50', unit: 'ms', real: v.goPreemption.wakeDelayWithHog.p50Ns / 1e6, schedlab: go(withHog).timerLatenessNs.p50 / 1e6, twin: 'go-preemption.yaml' });
  }
  for (const p of v.goPingPong?.results ?? []) {
    const cfg = variant('go-pingpong.yaml', `gomaxprocs${p.gomaxprocs}`);
    const s = simulate(cfg);
    const busy = s.cpus.busyNs.reduce((a, b) => a + b, 0);
    const switches = 2 * 100_000; // 100,000 round trips, two goroutine switches each
    const exp = `(d) channel ping-pong, GOMAXPROCS=${p.gomaxprocs}`;
    const twin = `go-pingpong.yaml gomaxprocs${p.gomaxprocs}`;
    rows.push({ experiment: exp, quantity: 'CPU time per goroutine switch', unit: 'ns', real: p.cpuNsPerSwitch, schedlab: busy / switches, twin });
    // The OS switch rate over as long a run as the real one (sysmon's start-up, at its 20 µs
    // period, would dominate the twin's 33 ms): the round trips go on until the time limit.
    const long: SimConfig = {
      ...cfg,
      limits: { ...cfg.limits, timeNs: Math.round(p.seconds * 1e9) },
      workload: { ...cfg.workload, sources: cfg.workload.sources.map((x) => ({ ...x, program: JSON.parse(JSON.stringify(x.program).replace(/"repeat":100000/g, '"repeat":1000000000')) as typeof x.program })) },
    };
    const l = simulate(long);
    rows.push({ experiment: exp, quantity: 'OS context switches per second', unit: '/s', real: p.osContextSwitches / p.seconds, schedlab: l.contextSwitches.total / (l.simulatedNs / 1e9), twin: `${twin}, for ${p.seconds.toFixed(2)}s` });
  }
  if (v.pool !== undefined) {
    // One point per job and pool size, the median of its repeats; per job, the pool size with
    // the lowest median job latency, real and simulated.
    const jobKey = (r: PoolRun): string => `${r.waitUs} ${r.jobs} ${r.computeUs}`;
    const points = groupBy(v.pool.runs, (r) => `${jobKey(r)} ${r.threads}`).map((runs) => {
      const r = runs[0]!;
      const s = twinPool(r, v.kernelScheduler?.configHz);
      return { job: r, threads: r.threads, real: median(runs.map((x) => x.latencyNs.p50)), sim: s.tasks.latencyNs.p50, realDone: median(runs.map((x) => x.makespanNs)), simDone: s.simulatedNs };
    });
    // Grouped by job (count, compute, wait); one row per pool size.
    for (const list of groupBy(points, (p) => jobKey(p.job)).sort((a, b) => a[0]!.job.waitUs - b[0]!.job.waitUs || a[0]!.job.jobs - b[0]!.job.jobs || a[0]!.job.computeUs - b[0]!.job.computeUs)) {
      const job = list[0]!.job;
      list.sort((a, b) => a.threads - b.threads);
      const exp = `(e) ${job.jobs} jobs (${fmtUs(job.computeUs)} compute, ${fmtUs(job.waitUs)} nanosleep), pool of T threads`;
      const twin = `magic-number.yaml, sleep ${fmtUs(job.waitUs)}`;
      for (const p of list) rows.push({ experiment: exp, quantity: `median job latency, T = ${p.threads}`, unit: 'ms', real: p.real / 1e6, schedlab: p.sim / 1e6, twin: `${twin}, pool:${p.threads}` });
      // The largest pool: the CPUs are the limit, and the batch time shows their overheads.
      const last = list[list.length - 1]!;
      rows.push({ experiment: exp, quantity: `batch done, T = ${last.threads}`, unit: 'ms', real: last.realDone / 1e6, schedlab: last.simDone / 1e6, twin: `${twin}, pool:${last.threads}` });
      const best = (key: 'real' | 'sim'): (typeof list)[number] => list.reduce((b, p) => (p[key] < b[key] ? p : b));
      const realBest = best('real');
      const simBest = best('sim');
      rows.push({ experiment: exp, quantity: 'best pool size (lowest median latency)', unit: 'threads', real: realBest.threads, schedlab: simBest.threads, twin });
      // What following schedlab's advice costs on the real machine: the real median latency at
      // schedlab's best pool size, against the lowest real one (near the best, the real curve
      // is flat: two sizes within the noise of each other can swap places from run to run).
      rows.push({ experiment: exp, quantity: `real latency at schedlab's best T = ${simBest.threads} / at T = ${realBest.threads}`, unit: 'ms', real: realBest.real / 1e6, schedlab: simBest.real / 1e6, twin: 'both real' });
    }
  }
  if (v.goQuota !== undefined) {
    // One point per load and GOMAXPROCS, the median of its rounds: light before heavy, the
    // larger GOMAXPROCS first.
    const q = v.goQuota;
    const order = groupBy(q.runs, (r) => `${r.mode} ${r.gomaxprocs}`).sort((a, b) => (a[0]!.mode === b[0]!.mode ? b[0]!.gomaxprocs - a[0]!.gomaxprocs : a[0]!.mode === 'light' ? -1 : 1));
    for (const runs of order) {
      const r = runs[0]!;
      // Each round meets the quota's periods at its own phase: a twin per round, at the phase
      // the client saw (0 when it saw none), and the median of the twins as of the rounds.
      const phases = runs.map((x) => (typeof x.phaseUs === 'number' && x.phaseUs >= 0 ? Math.round(x.phaseUs) : 0));
      const twins = phases.map((ph) => twinQuota(r, q.quotaUs, q.periodUs, v.kernelScheduler?.configHz, ph));
      const quota = `${fmtUs(q.quotaUs)} per ${fmtUs(q.periodUs)}`;
      const exp = `(f) ${r.mode} load, CPU quota ${quota} on ${r.numCPU} CPUs, GOMAXPROCS=${r.gomaxprocs}`;
      const seen = runs.some((x) => typeof x.phaseUs === 'number' && x.phaseUs >= 0);
      const twin = `go-quota.yaml ${r.mode}, go:${r.gomaxprocs}${seen ? `, phases ${phases.map((ph) => fmtUs(ph)).join(' ')}` : ''}`;
      const simMedian = (f: (t: ReturnType<typeof twinQuota>) => number): number => median(twins.map(f));
      rows.push({ experiment: exp, quantity: 'request latency, p50', unit: 'ms', real: median(runs.map((x) => x.requests.p50Ns)) / 1e6, schedlab: simMedian((t) => t.requests.p50) / 1e6, twin });
      rows.push({ experiment: exp, quantity: 'request latency, p99', unit: 'ms', real: median(runs.map((x) => x.requests.p99Ns)) / 1e6, schedlab: simMedian((t) => t.requests.p99) / 1e6, twin });
      if (runs.every((x) => x.throttled !== null)) {
        rows.push({ experiment: exp, quantity: 'throttled periods', unit: 'count', real: median(runs.map((x) => x.throttled!.throttledPeriods)), schedlab: simMedian((t) => t.throttledPeriods), twin });
        // cpu.stat's throttled time and schedlab's are both summed over the CPUs.
        rows.push({ experiment: exp, quantity: 'throttled time, summed over the CPUs', unit: 'ms', real: median(runs.map((x) => x.throttled!.throttledNs)) / 1e6, schedlab: simMedian((t) => t.throttledNs) / 1e6, twin });
      }
    }
  }
  return rows;
}

/** 4000 → "4ms", 1500 → "1500us": a duration as the scenario format writes it. */
function fmtUs(us: number): string {
  return us % 1000 === 0 ? `${us / 1000}ms` : `${us}us`;
}
