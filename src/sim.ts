/**
 * The composition root: builds engine, hardware, kernel, execution model and workload from a
 * resolved configuration, runs it, and reports the result. Everything here is deterministic:
 * the same configuration and seed give the same result, byte for byte.
 */
import { Engine, Phase, type StopReason } from './engine/engine.js';
import type { EventHandler, SimEvent } from './engine/event-queue.js';
import { Rng } from './engine/rng.js';
import type { Nanos } from './engine/time.js';
import type { ExecModel, ModelSpec } from './exec/model.js';
import { defaultGomaxprocs, modelName, modelSpecOf } from './exec/model.js';
import { PoolModel } from './exec/pool.js';
import { ThreadsModel } from './exec/threads.js';
import { DEFAULT_COSTS, type Costs } from './hw/costs.js';
import type { Summary } from './metrics/stats.js';
import type { BandwidthGroup } from './os/bandwidth.js';
import { Kernel } from './os/kernel.js';
import { getPolicy } from './os/policy/registry.js';
import { FatalError, ProgramPanic } from './program/sync.js';
import { Runner } from './program/runner.js';
import type { TraceSink } from './trace/events.js';
import { createObjects, resolveProgram, spawnNamesOf, type RunObjects } from './workload/compile.js';
import type { Program } from './program/program.js';
import type { SourceSpec, WorkloadSpec } from './workload/spec.js';
import { createGoModel, type GoParamsInput } from './go/model.js';

export interface OsConfig {
  /** fifo | rr | cfs | eevdf */
  policy: string;
  /** Policy parameters (rr: quantum; cfs: latency, minGranularity, wakeupGranularity; eevdf: baseSlice, runToParity). */
  params?: Record<string, unknown>;
  /** Scheduler tick rate; slice ends are noticed at ticks. */
  hz?: number;
  /** Preempt exactly at slice end (high-resolution ticks) instead of at the next tick. */
  exactSliceEnd?: boolean;
  /** Periodic load-balancing interval (default 4ms; 0 = idle pulls only). */
  balanceIntervalNs?: Nanos;
  /** CPU bandwidth limit (cgroup cpu.max) on the workload's threads. */
  bandwidth?: { quotaNs: Nanos; periodNs: Nanos; sliceNs?: Nanos; phaseNs?: Nanos } | null;
}

export interface SimConfig {
  name: string;
  seed: number;
  machine: { cpus: number; costs?: Partial<Costs> };
  os: OsConfig;
  model: ModelSpec | string;
  go?: GoParamsInput;
  limits?: { timeNs?: Nanos; events?: number };
  workload: WorkloadSpec;
  /** Record the order in which tasks complete (result.tasks.completionOrder). */
  recordOrder?: boolean;
}

export interface SimOptions {
  trace?: TraceSink | null;
  /** Run the whole-state invariant check after every event (slow; for tests). */
  check?: boolean;
}

export type Outcome = 'completed' | 'deadlock' | 'truncated' | 'panic' | 'idle';

export interface RunResult {
  scenario: string;
  seed: number;
  model: string;
  policy: string;
  outcome: Outcome;
  stopReason: StopReason;
  simulatedNs: Nanos;
  events: number;
  truncated: boolean;
  cpus: { count: number; utilization: number; switchingShare: number; busyNs: number[] };
  contextSwitches: { voluntary: number; involuntary: number; total: number };
  migrations: number;
  threads: { created: number; maxLive: number; runningNs: Nanos; runnableNs: Nanos; waitingNs: Nanos };
  /**
   * The workload's own tasks (batch entries and arrivals: "requests"); tasks they spawn are
   * counted under `spawned`, so a request's latency covers the goroutines/threads it fans out to.
   */
  tasks: {
    created: number;
    completed: number;
    throughputPerSec: number;
    latencyNs: Summary;
    spawned: {
      created: number;
      completed: number;
      latencyNs: Summary;
      /** The same figures per spawned name (the spawn op's `name`, else its program's), in the order the scenario's programs mention them (a generator program's: in the order first spawned, after those). */
      byName: Array<{ name: string; created: number; completed: number; latencyNs: Summary }>;
    };
    /** The same figures per workload source (batch or arrivals entry), in scenario order. */
    bySource: Array<{ name: string; created: number; completed: number; latencyNs: Summary }>;
    completionOrder?: number[];
  };
  schedLatencyNs: Summary;
  /**
   * cpu.stat's figures: periods (refills seen while the group was active), throttledPeriods
   * (periods that ended with the group throttled on some CPU), throttledNs (throttled time
   * summed over the CPUs, as the kernel's throttled_usec).
   */
  bandwidth?: { quotaNs: Nanos; periodNs: Nanos; periods: number; throttledPeriods: number; throttledNs: Nanos };
  pool?: Record<string, unknown>;
  go?: Record<string, unknown>;
  deadlock?: { blocked: Array<{ task: number; name: string; reason: string; on: string; where: string }> };
  panic?: string;
}

export const DEFAULT_HZ = 250;
export const DEFAULT_BALANCE_INTERVAL: Nanos = 4_000_000;

class ArrivalSource implements EventHandler {
  readonly ev: SimEvent;
  private end: Nanos;
  private n = 0;
  private readonly rng: Rng;
  private readonly program: Program;
  private readonly label: string;
  constructor(
    private readonly sim: Simulation,
    private readonly spec: Extract<SourceSpec, { kind: 'arrivals' }>,
    private readonly index: number,
  ) {
    this.ev = sim.engine.event(this, 0, null, Phase.Arrival);
    this.program = resolveProgram(spec.program, sim.objects, spec.name);
    this.label = `${spec.name}${index}`;
    this.rng = sim.rootRng.fork(`arrivals/${index}`);
    const start = spec.start ?? 0;
    this.end = start + spec.durationNs;
    if (spec.ratePerSec <= 0 || spec.durationNs <= 0) return;
    const first = start + this.gap();
    if (first < this.end) {
      sim.runner.pendingArrivals++;
      sim.engine.at(this.ev, first);
    }
  }
  private gap(): Nanos {
    const mean = 1e9 / this.spec.ratePerSec;
    if (this.spec.process === 'uniform') return Math.round(mean);
    return Math.max(1, Math.round(-mean * Math.log(1 - this.rng.nextFloat())));
  }
  fire(): void {
    const sim = this.sim;
    const k = this.n++;
    const next = sim.engine.now + this.gap();
    const last = next >= this.end;
    if (last) sim.runner.pendingArrivals--;
    else sim.engine.at(this.ev, next);
    sim.submitRoot(this.program, this.spec.name, this.label, k);
    if (last) sim.runner.checkDone();
  }
}

export class Simulation {
  readonly engine = new Engine();
  readonly rootRng: Rng;
  readonly kernel: Kernel;
  readonly runner: Runner;
  readonly model: ExecModel;
  readonly objects: RunObjects;
  readonly modelSpec: ModelSpec;
  readonly group: BandwidthGroup | null;
  private readonly bgRunner: Runner;
  private result: RunResult | null = null;

  constructor(
    readonly config: SimConfig,
    readonly options: SimOptions = {},
  ) {
    const seed = config.seed >>> 0;
    this.rootRng = new Rng(seed);
    const costs: Costs = { ...DEFAULT_COSTS, ...(config.machine.costs ?? {}) };
    const hz = config.os.hz ?? DEFAULT_HZ;
    const tickNs = config.os.exactSliceEnd === true ? 0 : Math.round(1e9 / hz);
    const policy = getPolicy(config.os.policy).create(config.os.params ?? {}, { cpus: config.machine.cpus, tickNs });
    this.kernel = new Kernel(this.engine, {
      cpus: config.machine.cpus,
      costs,
      policy,
      tickNs,
      balanceIntervalNs: config.os.balanceIntervalNs ?? DEFAULT_BALANCE_INTERVAL,
    });
    const trace = options.trace ?? null;
    this.kernel.attachTrace(trace);
    this.runner = new Runner(this.engine, this.rootRng.fork('select'), seed);
    this.runner.trace = trace;
    this.runner.recordOrder = config.recordOrder === true;
    this.runner.onAllDone = () => this.engine.stop('done');
    this.bgRunner = new Runner(this.engine, this.rootRng.fork('select/bg'), seed ^ 0x5bd1e995);
    const bw = config.os.bandwidth ?? null;
    this.group = bw !== null ? this.kernel.createGroup('workload', bw.quotaNs, bw.periodNs, bw.sliceNs, bw.phaseNs) : null;
    const spec = modelSpecOf(config.model);
    // `go` without P: Go 1.25's default GOMAXPROCS for this machine and CPU quota.
    this.modelSpec = spec.kind === 'go' && spec.procs === 0 ? { kind: 'go', procs: defaultGomaxprocs(config.machine.cpus, bw) } : spec;
    const isGo = this.modelSpec.kind === 'go';
    this.objects = createObjects(config.workload, isGo);
    switch (this.modelSpec.kind) {
      case 'threads':
        this.model = new ThreadsModel(this.kernel, this.runner, this.group);
        break;
      case 'pool':
        this.model = new PoolModel(this.kernel, this.runner, this.modelSpec.size, this.group);
        break;
      case 'go':
        this.model = createGoModel(this, this.modelSpec.procs, config.go ?? {});
        break;
    }
    this.runner.host = this.model;
    if (options.check === true) {
      this.engine.afterEvent = () => this.checkAll();
    }
  }

  /** Whole-state invariant check (kernel and model). */
  checkAll(): void {
    this.kernel.check();
    (this.model as { check?: () => void }).check?.();
  }

  /** Creates root task number `index` of a workload source and hands it to the model. */
  submitRoot(program: Program, name: string, label: string, index: number): void {
    const task = this.runner.newTask(program, name, null, index, label);
    this.model.submit(task, null);
  }

  run(): RunResult {
    if (this.result !== null) return this.result;
    this.start();
    let panic: string | undefined;
    if (this.runner.allDone) this.engine.stop('done');
    else {
      try {
        this.engine.run(this.config.limits ?? {});
      } catch (e) {
        if (e instanceof ProgramPanic || e instanceof FatalError) panic = e.message;
        else throw e;
      }
    }
    return this.end(panic);
  }

  /**
   * The same run as `run()`, the same events in the same order, with `pause()` awaited after
   * every `slice` events: the event loop turns there, so a signal handler can ask the run to
   * stop (pause resolves true). Returns null when stopped that way; the trace sink is then not
   * closed (the caller drops what it wrote).
   */
  async runInterruptible(slice: number, pause: () => Promise<boolean>): Promise<RunResult | null> {
    if (this.result !== null) return this.result;
    this.start();
    const { engine } = this;
    let panic: string | undefined;
    if (this.runner.allDone) engine.stop('done');
    else {
      const limits = this.config.limits ?? {};
      const maxEvents = limits.events ?? Number.MAX_SAFE_INTEGER;
      try {
        for (;;) {
          const cap = Math.min(maxEvents, engine.events + slice);
          const reason = engine.run({ ...limits, events: cap });
          // Stopped for any reason but this slice's end (done, idle, deadlock, the time limit, the run's own event limit).
          if (reason !== 'event-limit' || cap === maxEvents) break;
          if (await pause()) return null;
        }
      } catch (e) {
        if (e instanceof ProgramPanic || e instanceof FatalError) panic = e.message;
        else throw e;
      }
    }
    return this.end(panic);
  }

  /** Sets the run up: background threads, the model, the workload's sources. */
  private start(): void {
    const { config, engine } = this;
    // Background threads (other processes) under their own thread-per-task model.
    const bg = config.workload.background ?? [];
    if (bg.length > 0) {
      const bgModel = new ThreadsModel(this.kernel, this.bgRunner, null);
      this.bgRunner.host = bgModel;
      for (const b of bg) {
        const program = resolveProgram(b.program, this.objects, b.name);
        bgModel.nice = b.nice ?? 0;
        for (let i = 0; i < b.count; i++) {
          const task = this.bgRunner.newTask(program, b.name, null, i, `bg.${b.name}`);
          bgModel.submit(task, null);
        }
      }
    }
    this.model.start();
    // tasks.bySource in the order the sources are declared, each listed even before (or without) any task.
    for (const src of config.workload.sources) this.runner.registerSource(src.name);
    // The names a list program can spawn are known before the run; a generator's appear when spawned.
    const spawned: string[] = [];
    for (const src of config.workload.sources) spawnNamesOf(src.program, config.workload.programs ?? {}, spawned);
    for (const name of spawned) this.runner.registerSpawned(name);
    config.workload.sources.forEach((src, i) => {
      if (src.kind === 'batch') {
        // Compiled once per source: every task of the source shares the program.
        const program = resolveProgram(src.program, this.objects, src.name);
        const at = src.at ?? 0;
        if (at === 0) {
          for (let k = 0; k < src.count; k++) this.submitRoot(program, src.name, `${src.name}${i}`, k);
        } else {
          this.runner.pendingArrivals++;
          const h: EventHandler = {
            fire: () => {
              this.runner.pendingArrivals--;
              for (let k = 0; k < src.count; k++) this.submitRoot(program, src.name, `${src.name}${i}`, k);
              this.runner.checkDone();
            },
          };
          engine.at(engine.event(h, 0, null, Phase.Arrival), at);
        }
      } else {
        new ArrivalSource(this, src, i);
      }
    });
    (this.model as { afterStart?: () => void }).afterStart?.();
  }

  /** Ends the run: closes the kernel's and the sink's open intervals, builds the result. */
  private end(panic: string | undefined): RunResult {
    this.kernel.finish();
    this.options.trace?.close?.(this.engine.now);
    this.result = this.buildResult(panic);
    return this.result;
  }

  private buildResult(panic: string | undefined): RunResult {
    const { engine, kernel, runner, config } = this;
    const simulatedNs = engine.now;
    let outcome: Outcome;
    if (panic !== undefined) outcome = 'panic';
    else if (engine.truncated) outcome = 'truncated';
    else if (runner.live > 0 && (engine.stopReason === 'idle' || engine.stopReason === 'deadlock')) outcome = 'deadlock';
    else if (runner.allDone) outcome = 'completed';
    else outcome = 'idle';
    let busy = 0;
    let sw = 0;
    const busyNs: number[] = [];
    for (const c of kernel.cpus) {
      busy += c.runNs + c.switchNs;
      sw += c.switchNs;
      busyNs.push(c.runNs + c.switchNs);
    }
    const total = simulatedNs * kernel.cpus.length;
    let runningNs = 0;
    let runnableNs = 0;
    let waitingNs = 0;
    for (const t of kernel.threads) {
      runningNs += t.runningNs;
      runnableNs += t.runnableNs;
      waitingNs += t.waitingNs;
    }
    const r: RunResult = {
      scenario: config.name,
      seed: config.seed >>> 0,
      model: modelName(this.modelSpec),
      policy: config.os.policy,
      outcome,
      stopReason: engine.stopReason,
      simulatedNs,
      events: engine.events,
      truncated: engine.truncated,
      cpus: {
        count: kernel.cpus.length,
        utilization: total > 0 ? round4(busy / total) : 0,
        switchingShare: total > 0 ? round4(sw / total) : 0,
        busyNs,
      },
      contextSwitches: { voluntary: kernel.nvcsw, involuntary: kernel.nivcsw, total: kernel.nvcsw + kernel.nivcsw },
      migrations: kernel.migrations,
      threads: { created: kernel.threads.length, maxLive: kernel.maxLive, runningNs, runnableNs, waitingNs },
      tasks: {
        created: runner.rootsCreated,
        completed: runner.rootsCompleted,
        throughputPerSec: simulatedNs > 0 ? round4(runner.rootsCompleted / (simulatedNs / 1e9)) : 0,
        latencyNs: runner.latency.summary(),
        spawned: {
          created: runner.created - runner.rootsCreated,
          completed: runner.completed - runner.rootsCompleted,
          latencyNs: runner.spawnedLatency.summary(),
          byName: [...runner.spawnedByName].map(([name, st]) => ({ name, created: st.created, completed: st.completed, latencyNs: st.latency.summary() })),
        },
        bySource: [...runner.bySource].map(([name, st]) => ({ name, created: st.created, completed: st.completed, latencyNs: st.latency.summary() })),
      },
      schedLatencyNs: kernel.schedLatency.summary(),
    };
    if (runner.recordOrder) r.tasks.completionOrder = runner.order.slice();
    if (this.group !== null) {
      const g = this.group;
      r.bandwidth = { quotaNs: g.quota, periodNs: g.period, periods: g.nrPeriods, throttledPeriods: g.nrThrottled, throttledNs: g.throttledNs };
    }
    const m = this.model.metrics();
    if (m !== null) {
      if (this.modelSpec.kind === 'go') r.go = m;
      else r.pool = m;
    }
    if (outcome === 'deadlock') {
      r.deadlock = {
        blocked: [...runner.liveTasks()]
          .sort((a, b) => a.id - b.id)
          .map((t) => ({ task: t.id, name: t.name, reason: t.waitReason || 'runnable', on: t.waitOn, where: this.model.whereIs(t) })),
      };
    }
    if (panic !== undefined) r.panic = panic;
    return r;
  }
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}

export function simulate(config: SimConfig, options: SimOptions = {}): RunResult {
  return new Simulation(config, options).run();
}
