/**
 * The scenario file format as zod 4 schemas: the single source of truth for validation and for
 * the published JSON Schema (schema/scenario.schema.json, `npm run schema`).
 *
 * Every leaf schema is registered in ALLOWED with a sentence saying what it accepts; the error
 * formatter (scenario-issues.ts) appends it to each message. Durations are parsed here, so the
 * parsed output carries integer nanoseconds; names are checked against each other later
 * (scenario.ts), where the whole document is known.
 */
import * as z from 'zod';
import { MODEL_FORMS, parseModel } from '../exec/model.js';
import type { Nanos } from '../engine/time.js';
import { DEFAULT_GO_COSTS, DEFAULT_GO_PARAMS } from '../go/params.js';
import type { Dur } from '../program/dist.js';
import {
  DURATION_ALLOWED,
  fixedDurationAllowed,
  MAX_DURATION_NS,
  RATE_ALLOWED,
  groupDigits,
  parseFixedDuration,
  parseOpDuration,
  parseRate,
} from './scenario-text.js';

export interface AllowedMeta {
  /** What the field accepts, in words. */
  allowed: string;
  /** The field is a duration: a bare number gets "has no unit". */
  duration?: boolean;
  /** The map is an op (unknown keys are "unknown op"). */
  op?: boolean;
}

/** What each schema accepts, for error messages (not exported to JSON Schema). */
export const ALLOWED = z.registry<AllowedMeta>();

function allow<T extends z.ZodType>(s: T, allowed: string, extra: Omit<AllowedMeta, 'allowed'> = {}): T {
  ALLOWED.add(s, { allowed, ...extra });
  return s;
}

export const LIMITS = {
  cpus: 4096,
  batch: 10_000_000,
  spawnCount: 10_000_000,
  repeat: 1_000_000_000,
  backgroundThreads: 100_000,
  channelCap: 100_000_000,
  waitgroup: 1_000_000_000,
  events: 1e12,
  variants: 1000,
  nameLength: 64,
} as const;

const int = (lo: number, hi: number, text?: string) =>
  allow(z.number().int().min(lo).max(hi), text ?? `an integer from ${groupDigits(lo)} to ${groupDigits(hi)}`);

/** Registers a map schema; what it allows is the list of its fields. */
function allowObj<T extends z.ZodObject>(s: T): T {
  return allow(s, `a map with the fields ${Object.keys(s.shape).join(', ')}`);
}

const bool = (what = 'true or false') => allow(z.boolean(), what);

// ---- names ----
export const SCENARIO_NAME_RE = /^[a-z0-9][a-z0-9-]*$/;
export const OBJECT_NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;
export const VARIANT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:+-]*$/;

const scenarioName = allow(
  z.string().max(LIMITS.nameLength).regex(SCENARIO_NAME_RE).meta({ description: 'Scenario name: lowercase letters, digits and dashes.' }),
  `lowercase letters, digits and dashes, at most ${LIMITS.nameLength} characters, for example "seed-time-slices"`,
);
const objectNameText = `a name of letters, digits, "_" and "-", starting with a letter or "_", at most ${LIMITS.nameLength} characters`;
const objectName = (what: string) =>
  allow(z.string().max(LIMITS.nameLength).regex(OBJECT_NAME_RE), `${what}: ${objectNameText}`);
const chanRef = allow(z.string(), 'the name of a channel declared under channels');
const mutexRef = allow(z.string(), 'the name of a mutex declared under mutexes');
const wgRef = allow(z.string(), 'the name of a WaitGroup declared under waitgroups');
const programRef = allow(z.string(), 'the name of a program declared under programs');

// ---- durations ----
const DURATION_PATTERN = '^\\s*(0|[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?\\s*(ns|us|µs|μs|ms|s|m|min|h))\\s*$';
const OP_DURATION_PATTERN =
  '^\\s*((0|[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?\\s*(ns|us|µs|μs|ms|s|m|min|h))|(exp|exponential|constant|uniform|lognormal)\\s*\\(.*\\))\\s*$';

/**
 * The input side of a duration: a string with a unit, or the number 0 (the only duration that
 * needs no unit). Other numbers pass the type check and are rejected by the transform with
 * "has no unit", which says more than "expected a string".
 */
const durationInput = (pattern: string) =>
  z.union([z.string().meta({ pattern }), z.number().meta({ const: 0, description: '0 needs no unit' })]);

function noUnit(v: number, ctx: z.core.$RefinementCtx<unknown>): void {
  ctx.issues.push({ code: 'custom', input: v, message: `${v} has no unit` });
}

/** A fixed duration ("10ms") → integer ns, within [min, max]. */
function fixedDuration(min: Nanos = 0, max: Nanos = MAX_DURATION_NS, description?: string) {
  const text = fixedDurationAllowed(min, max);
  const s = durationInput(DURATION_PATTERN).transform((v, ctx): Nanos => {
    if (typeof v === 'number' && v !== 0) {
      noUnit(v, ctx);
      return z.NEVER;
    }
    const r = parseFixedDuration(String(v), min, max);
    if (!r.ok) {
      ctx.issues.push({ code: 'custom', input: v, message: typeof v === 'number' ? `${v} is too small` : r.problem });
      return z.NEVER;
    }
    return r.value;
  });
  return allow(description !== undefined ? s.meta({ description }) : s, text, { duration: true });
}

const distDur = (what: string) => fixedDuration(0, MAX_DURATION_NS, what);

const distObject = allow(
  z.discriminatedUnion('dist', [
    z.strictObject({ dist: z.literal('constant'), value: distDur('The constant value.') }),
    z
      .strictObject({ dist: z.literal('uniform'), min: distDur('Lower bound.'), max: distDur('Upper bound.') })
      .check((ctx) => {
        if (ctx.value.max < ctx.value.min) {
          ctx.issues.push({ code: 'custom', input: ctx.value, path: ['max'], message: 'the maximum is below the minimum', params: { complete: true } });
        }
      }),
    z.strictObject({ dist: z.literal('exponential'), mean: distDur('The mean.') }),
    z.strictObject({
      dist: z.literal('lognormal'),
      median: distDur('The median (e^μ).'),
      sigma: allow(z.number().min(0).max(10), 'a number from 0 to 10').meta({ description: 'σ of the underlying normal.' }),
    }),
  ]).meta({ id: 'Distribution' }),
  'a distribution: {dist: constant, value}, {dist: uniform, min, max}, {dist: exponential, mean} or {dist: lognormal, median, sigma}',
);

const opDurationString = durationInput(OP_DURATION_PATTERN).transform((v, ctx): Dur => {
    if (typeof v === 'number') {
      if (v === 0) return 0;
      noUnit(v, ctx);
      return z.NEVER;
    }
    const r = parseOpDuration(v);
    if (!r.ok) {
      ctx.issues.push({ code: 'custom', input: v, message: r.problem });
      return z.NEVER;
    }
    return r.value;
  });

/** A duration in an op: a fixed duration, a distribution shorthand, or a distribution object. */
const opDuration = allow(z.union([opDurationString, distObject]).meta({ id: 'OpDuration' }), DURATION_ALLOWED, { duration: true });

// ---- ops ----
export type OpIn =
  | 'yield'
  | {
      compute?: unknown;
      io?: unknown;
      syscall?: unknown;
      sleep?: unknown;
      yield?: unknown;
      spawn?: unknown;
      send?: unknown;
      recv?: unknown;
      close?: unknown;
      select?: unknown;
      lock?: unknown;
      unlock?: unknown;
      wgAdd?: unknown;
      wgDone?: unknown;
      wgWait?: unknown;
      repeat?: unknown;
    };

export type SendOut = string | { chan: string; value?: unknown };
export type ProgramOut = string | OpOut[];
export interface LocalsOut {
  channels?: Record<string, number | { cap: number }>;
  mutexes?: string[];
  waitgroups?: Record<string, number>;
}
export type ProgramDefOut = OpOut[] | { locals: LocalsOut; do: OpOut[] };
export type OpOut =
  | 'yield'
  | {
      compute?: Dur;
      io?: Dur;
      syscall?: Dur;
      sleep?: Dur;
      yield?: true | null;
      spawn?: ProgramOut | { program: ProgramOut; count?: number; name?: string };
      send?: SendOut;
      recv?: string;
      close?: string;
      select?: { cases: Array<{ recv: string } | { send: SendOut }>; default?: boolean };
      lock?: string;
      unlock?: string;
      wgAdd?: string | { wg: string; n?: number };
      wgDone?: string;
      wgWait?: string;
      repeat?: { times: number | 'forever'; do: OpOut[] };
    };

export const OP_NAMES = [
  'compute',
  'io',
  'syscall',
  'sleep',
  'yield',
  'spawn',
  'send',
  'recv',
  'close',
  'select',
  'lock',
  'unlock',
  'wgAdd',
  'wgDone',
  'wgWait',
  'repeat',
] as const;

const sendSpec = allow(
  z.union([chanRef, z.strictObject({ chan: chanRef, value: z.unknown().optional() })]),
  'a channel name, or {chan: name, value: any}',
);

const OpList: z.ZodType<OpOut[]> = z.lazy(() => allow(z.array(Op), 'a list of ops')).meta({ id: 'OpList' });

const programSpec = allow(
  z.union([programRef, OpList]).meta({ id: 'Program', description: 'A program name (declared under programs) or a list of ops.' }),
  'a program name (declared under programs) or a list of ops',
);

const opObject = allow(
  z
    .strictObject({
      compute: opDuration.optional().meta({ description: 'Burn CPU for this long.' }),
      io: opDuration.optional().meta({ description: 'Wait for network-style IO (the netpoller under go).' }),
      syscall: opDuration.optional().meta({ description: 'A blocking system call (blocks the OS thread in every model).' }),
      sleep: opDuration.optional().meta({ description: 'A timed wait.' }),
      yield: allow(z.union([z.literal(true), z.null()]), 'true (or write the bare op: - yield)').optional(),
      spawn: allow(
        z.union([
          programRef,
          OpList,
          z.strictObject({
            program: programSpec,
            count: int(1, LIMITS.spawnCount).optional(),
            name: objectName('a task name').optional(),
          }),
        ]),
        'a program name, a list of ops, or {program, count, name}',
      )
        .optional()
        .meta({ description: 'Start new tasks (the go statement; a new thread; a pool submission).' }),
      send: sendSpec.optional().meta({ description: 'Send on a channel.' }),
      recv: chanRef.optional().meta({ description: 'Receive from a channel.' }),
      close: chanRef.optional().meta({ description: 'Close a channel.' }),
      select: z
        .strictObject({
          cases: allow(
            z.array(allow(z.union([z.strictObject({ recv: chanRef }), z.strictObject({ send: sendSpec })]), '{recv: chan} or {send: chan}')).min(1),
            'a list of at least one case: {recv: chan} or {send: chan}',
          ),
          default: bool().optional(),
        })
        .optional()
        .meta({ description: 'Wait on several channel operations; with default: true, do not wait.' }),
      lock: mutexRef.optional(),
      unlock: mutexRef.optional(),
      wgAdd: allow(
        z.union([wgRef, z.strictObject({ wg: wgRef, n: int(-LIMITS.waitgroup, LIMITS.waitgroup).optional() })]),
        'a WaitGroup name, or {wg: name, n: integer}',
      ).optional(),
      wgDone: wgRef.optional(),
      wgWait: wgRef.optional(),
      repeat: z
        .strictObject({
          times: allow(z.union([int(0, LIMITS.repeat), z.literal('forever')]), `an integer from 0 to ${groupDigits(LIMITS.repeat)}, or forever`),
          do: OpList,
        })
        .optional(),
    })
    .meta({ minProperties: 1, maxProperties: 1 })
    .check((ctx) => {
      const keys = Object.keys(ctx.value);
      if (keys.length > 1) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          message: `an op has exactly one key, this one has ${keys.length} (${keys.join(', ')}): write each op as its own list item`,
          params: { complete: true },
        });
      }
    }),
  `one of the ops ${OP_NAMES.join(', ')}`,
  { op: true },
);

const Op: z.ZodType<OpOut> = allow(
  z.union([allow(z.literal('yield'), 'the bare op yield; every other op is a map such as {compute: 1ms}'), opObject]).meta({ id: 'Op' }),
  `an op: a map with one of the keys ${OP_NAMES.join(', ')}, or the bare word yield`,
);

// ---- machine, os, limits ----
const costs = allowObj(z.strictObject({
  contextSwitch: fixedDuration(0, 1e12, 'Direct cost of a same-CPU context switch.').optional(),
  wakeupIpi: fixedDuration(0, 1e12, 'Extra latency of waking a thread onto another, idle CPU.').optional(),
  threadCreate: fixedDuration(0, 1e12, 'Creating an OS thread, charged to the creator.').optional(),
  syscall: fixedDuration(0, 1e12, 'Entering and leaving the kernel for one system call.').optional(),
  timerSlack: fixedDuration(0, 1e12, 'Timer slack added to every sleep.').optional(),
}));

const machine = allow(
  z.strictObject({
    cpus: int(1, LIMITS.cpus).meta({ description: 'Number of hardware threads.' }),
    costs: costs.optional(),
  }),
  'a map such as {cpus: 4, costs: {contextSwitch: 2us}}',
);

export const POLICY_PARAMS: Readonly<Record<string, readonly string[]>> = {
  fifo: [],
  rr: ['quantum'],
  cfs: ['latency', 'minGranularity', 'wakeupGranularity'],
  eevdf: ['baseSlice', 'runToParity'],
};
export const POLICY_NAMES = ['fifo', 'rr', 'cfs', 'eevdf'] as const;

const os = allowObj(z.strictObject({
  policy: allow(z.enum(POLICY_NAMES), 'fifo, rr, cfs, eevdf')
    .default('cfs')
    .meta({ description: 'OS scheduling policy.' }),
  quantum: fixedDuration(1, 1e12, 'rr only: the time slice (default 100ms).').optional(),
  latency: fixedDuration(1, 1e12, 'cfs only: target latency (default 6ms × (1 + log2 min(cpus, 8))).').optional(),
  minGranularity: fixedDuration(1, 1e12, 'cfs only: minimum granularity (default 0.75ms, scaled like latency).').optional(),
  wakeupGranularity: fixedDuration(0, 1e12, 'cfs only: wake-up granularity (default 1ms, scaled like latency).').optional(),
  baseSlice: fixedDuration(1, 1e12, 'eevdf only: base slice (default 0.75ms, scaled like cfs).').optional(),
  runToParity: bool().optional().meta({ description: 'eevdf only: RUN_TO_PARITY (default true).' }),
  hz: allow(z.literal([100, 250, 300, 1000]), '100, 250, 300 or 1000')
    .optional()
    .meta({ description: 'Scheduler tick rate (default 250).' }),
  exactSliceEnd: bool().optional().meta({ description: 'Preempt exactly at slice end instead of at the next tick.' }),
  balanceInterval: fixedDuration(0, 1e12, 'Periodic load-balancing interval (default 4ms; 0 = idle pulls only).').optional(),
  bandwidth: z
    .strictObject({
      quota: fixedDuration(1_000_000, 1e12, 'CPU time the workload may use per period (cpu.max quota; at least 1ms).'),
      period: fixedDuration(1_000_000, 1_000_000_000, 'The period (cpu.max period; 1ms to 1s).'),
      slice: fixedDuration(1_000, 1_000_000_000, 'Runtime a CPU draws from the quota at a time (sched_cfs_bandwidth_slice_us; default 5ms).').optional(),
      phase: fixedDuration(0, 1_000_000_000, "Where the periods fall: each starts at phase + k × period (default 0, the run's start; less than the period). Linux's fall on multiples of the period of its monotonic clock, an arbitrary phase to a workload.").optional(),
    })
    .optional()
    .meta({ description: "A CPU bandwidth limit (cgroup cpu.max) on the workload's threads." }),
}));

const model = allow(
  z
    .string()
    .meta({ pattern: '^(threads|pool:[0-9]+|go:[0-9]+|go)$' })
    .transform((v, ctx) => {
      try {
        parseModel(v);
      } catch {
        const m = /^(pool|go):([0-9]+)$/.exec(v.trim());
        ctx.issues.push({
          code: 'custom',
          input: v,
          message: m ? `${JSON.stringify(v)} has a ${m[1]} size outside 1 to 100,000` : `${JSON.stringify(v)} is not an execution model`,
        });
        return z.NEVER;
      }
      return v.trim();
    }),
  MODEL_FORMS,
);

// The Go runtime's parameters (src/go/params.ts); the cost fields follow DEFAULT_GO_COSTS.
const goCosts = allowObj(
  z.strictObject(
    Object.fromEntries(
      Object.keys(DEFAULT_GO_COSTS).map((k) => [k, fixedDuration(0, 1e12, `Go runtime cost: ${k} (default ${DEFAULT_GO_COSTS[k as keyof typeof DEFAULT_GO_COSTS]}ns).`).optional()]),
    ),
  ),
);

const goParams = allowObj(
  z.strictObject({
    version: allow(z.literal(DEFAULT_GO_PARAMS.version), `"${DEFAULT_GO_PARAMS.version}"`)
      .optional()
      .meta({ description: 'Which Go runtime to model.' }),
    costs: goCosts.optional(),
    asyncPreemptOff: bool().optional().meta({ description: 'GODEBUG asyncpreemptoff=1: cooperative preemption only.' }),
    maxThreads: int(1, 1_000_000)
      .optional()
      .meta({ description: `debug.SetMaxThreads (default ${DEFAULT_GO_PARAMS.maxThreads}).` }),
  }),
);

const limits = allowObj(z.strictObject({
  time: fixedDuration(1, MAX_DURATION_NS, 'Stop the run at this simulated time (default 1h).').optional(),
  events: int(1, LIMITS.events).optional().meta({ description: 'Stop the run after this many events (default 200,000,000).' }),
}));

// ---- workload ----
const channelCap = allow(
  z.union([int(0, LIMITS.channelCap), z.strictObject({ cap: int(0, LIMITS.channelCap) })]),
  `a capacity from 0 (unbuffered) to ${groupDigits(LIMITS.channelCap)}, or {cap: N}`,
);

const sourceName = objectName('a source name');

const arrivals = allowObj(z.strictObject({
  rate: allow(
    z
      .union([z.string(), z.number()])
      .meta({ description: 'Mean arrival rate: "200/s", "5/ms" or a number per second.' })
      .transform((v, ctx): number => {
        const r = parseRate(v);
        if (!r.ok) {
          ctx.issues.push({ code: 'custom', input: v, message: r.problem });
          return z.NEVER;
        }
        return r.value;
      }),
    RATE_ALLOWED,
  ),
  for: fixedDuration(1, MAX_DURATION_NS, 'Arrivals happen for this long.'),
  process: allow(z.enum(['poisson', 'uniform']), 'poisson or uniform')
    .optional()
    .meta({ description: 'poisson: exponential gaps (default); uniform: evenly spaced.' }),
  start: fixedDuration(0, MAX_DURATION_NS, 'When arrivals start (default 0).').optional(),
}));

const source = allow(
  z
    .strictObject({
      batch: int(0, LIMITS.batch).optional().meta({ description: 'A closed batch: this many tasks at time `at`.' }),
      arrivals: arrivals.optional().meta({ description: 'Open arrivals at a rate for a duration.' }),
      name: sourceName.optional().meta({ description: 'Name of the tasks (default: the program name, or "task").' }),
      at: fixedDuration(0, MAX_DURATION_NS, 'batch only: when the batch appears (default 0).').optional(),
      program: programSpec,
    })
    .meta({ oneOf: [{ required: ['batch'] }, { required: ['arrivals'] }] })
    .check((ctx) => {
      const v = ctx.value;
      if (v.batch !== undefined && v.arrivals !== undefined) {
        ctx.issues.push({ code: 'custom', input: v, message: 'a source has either batch or arrivals, not both', params: { complete: true } });
      } else if (v.batch === undefined && v.arrivals === undefined) {
        ctx.issues.push({ code: 'custom', input: v, message: 'a source needs batch: N (a closed batch) or arrivals: {rate, for} (open arrivals)', params: { complete: true } });
      } else if (v.arrivals !== undefined && v.at !== undefined) {
        ctx.issues.push({ code: 'custom', input: v, path: ['at'], message: 'at belongs to batch sources; arrivals start at arrivals.start', params: { complete: true } });
      }
    }),
  'a source: {batch: N, program} or {arrivals: {rate, for}, program}',
);

const background = allowObj(z.strictObject({
  threads: int(1, LIMITS.backgroundThreads).meta({ description: 'How many OS threads.' }),
  name: sourceName.optional(),
  program: programSpec,
  nice: int(-20, 19).optional().meta({ description: 'Nice value (default 0).' }),
}));

const variant = allowObj(z.strictObject({
  name: allow(z.string().max(LIMITS.nameLength).regex(VARIANT_NAME_RE), `letters, digits and _ . : + -, at most ${LIMITS.nameLength} characters`),
  description: allow(z.string(), 'text').optional(),
  set: allow(z.record(z.string(), z.unknown()), 'a map of field paths to values, for example {os.policy: fifo, machine.cpus: 4}').meta({
    description: 'Overrides: field path → value, applied like --set.',
  }),
}));

/** Objects a program creates afresh each time it runs (its tasks and their spawns see them). */
const programLocals = z
  .strictObject({
    channels: allow(z.record(objectName('a channel name'), channelCap), 'a map of channel names to capacities').optional(),
    mutexes: allow(z.array(objectName('a mutex name')), 'a list of mutex names').optional(),
    waitgroups: allow(z.record(objectName('a WaitGroup name'), int(0, LIMITS.waitgroup)), 'a map of WaitGroup names to initial counters').optional(),
  })
  .meta({ description: 'Channels, mutexes and WaitGroups created for every run of the program, visible to the tasks it spawns.' });

const programDef = allow(
  z.union([OpList, z.strictObject({ locals: programLocals, do: OpList })]),
  'a list of ops, or {locals, do} (a program with its own channels, mutexes and WaitGroups)',
);

export const scenarioSchema = z
  .strictObject({
    $schema: allow(z.string(), 'a path or URL of the JSON Schema (for editors)').optional(),
    name: scenarioName,
    description: allow(z.string(), 'text').optional().meta({ description: 'Shown by `schedlab examples` and `schedlab demo`.' }),
    seed: int(0, 0xffffffff).optional().meta({ description: 'Seed of all randomness (default 1; --seed overrides).' }),
    machine,
    os: os.optional(),
    model: model.optional().meta({ description: 'Execution model: threads, pool:N or go:P (default threads; --model overrides).' }),
    go: goParams.optional().meta({ description: 'Go runtime parameters (model go:P).' }),
    limits: limits.optional(),
    recordOrder: bool().optional().meta({ description: 'Record the order in which tasks complete (tasks.completionOrder in --json).' }),
    channels: allow(z.record(objectName('a channel name'), channelCap), 'a map of channel names to capacities').optional(),
    mutexes: allow(z.array(objectName('a mutex name')), 'a list of mutex names').optional(),
    waitgroups: allow(z.record(objectName('a WaitGroup name'), int(0, LIMITS.waitgroup)), 'a map of WaitGroup names to initial counters').optional(),
    programs: allow(z.record(objectName('a program name'), programDef), 'a map of program names to op lists or {locals, do}').optional(),
    workload: allow(z.array(source).min(1), 'a list of at least one source: {batch: N, program} or {arrivals: {rate, for}, program}'),
    background: allow(z.array(background), 'a list of {threads: N, program}').optional(),
    variants: allow(z.array(variant).max(LIMITS.variants), `a list of at most ${LIMITS.variants} variants {name, set}`).optional(),
  })
  .meta({
    title: 'schedlab scenario',
    description: 'A schedlab scenario: machine, OS scheduler, execution model and workload. See docs/scenario-format.md.',
  });

export type ScenarioIn = z.input<typeof scenarioSchema>;
export type ScenarioOut = z.output<typeof scenarioSchema>;

/** The JSON Schema (draft 2020-12) of scenario files, as published in schema/scenario.schema.json. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' });
}
