/**
 * Scenario files (YAML or JSON) → validated SimConfig.
 *
 *   loadScenario(text, file, { overrides })  →  { config, variants: [{ name, config }] }
 *
 * The loader takes text, not a path, so the web playground can use it as it is; the CLI reads
 * files (src/cli/load.ts). Every problem becomes a ScenarioError whose issues name the file, the
 * line and column (or the `--set` flag the value came from), the field path, the bad value and
 * what is allowed. The format is documented in docs/scenario-format.md.
 *
 * Order of application: the file, then a variant's `set`, then `--set` flags, then the
 * explicit flags (--seed, --model). A null value removes a field.
 */
import { formatDuration, type Nanos } from '../engine/time.js';
import type { SimConfig } from '../sim.js';
import type { LocalsSpec, OpSpec, ProgramDef, ProgramRef, SourceSpec, WorkloadSpec } from './spec.js';
import { fromZodIssues, formatPath, type PathSeg, type ScenarioIssue } from './scenario-issues.js';
import { OP_NAMES, POLICY_PARAMS, scenarioSchema, type OpOut, type ProgramOut, type ScenarioOut, type SendOut } from './scenario-schema.js';
import { applySet, formatFromName, locate, parseSetPath, parseSetValue, parseText, type ParsedText, type ScenarioFormat } from './scenario-source.js';
import { didYouMean, groupDigits, kindOf, show } from './scenario-text.js';

export { scenarioJsonSchema } from './scenario-schema.js';
export type { ScenarioIssue } from './scenario-issues.js';

export const DEFAULT_SEED = 1;
export const DEFAULT_TIME_LIMIT_NS: Nanos = 3_600_000_000_000;
export const DEFAULT_EVENT_LIMIT = 200_000_000;

/** A value given outside the file: `--set path=value`, `--seed N`, `--model M`. */
export interface Override {
  path: string;
  value: unknown;
  /** How the user wrote it, for messages ("--set os.policy=fifo"). */
  label: string;
}

/** An issue with its place: a file position or the flag it came from. */
export interface LocatedIssue {
  /** "file.yaml:3:7", "file.yaml" or "--set os.policy=fiffo". */
  where: string;
  file?: string;
  line?: number;
  col?: number;
  /** The variant being validated, if the problem only arises in it. */
  variant?: string;
  /** Field path ("workload.0.program.2.compute"), or '' for problems with the text itself. */
  path: string;
  message: string;
}

export function formatIssue(i: LocatedIssue): string {
  const v = i.variant !== undefined ? `variant "${i.variant}": ` : '';
  const p = i.path !== '' ? `${i.path}: ` : '';
  return `${i.where}: ${v}${p}${i.message}`;
}

/** Bad input: the scenario (or a flag) cannot be used. `message` holds one line per issue. */
export class ScenarioError extends Error {
  constructor(readonly issues: LocatedIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ScenarioError';
  }
}

export interface ResolvedVariant {
  name: string;
  description?: string;
  /** The overrides as written in the file. */
  set: Record<string, unknown>;
  config: SimConfig;
}

export interface LoadedScenario {
  file: string;
  name: string;
  description?: string;
  /** The scenario without variants (with --set applied). */
  config: SimConfig;
  /** Empty when the scenario declares none. */
  variants: ResolvedVariant[];
}

export interface LoadOptions {
  overrides?: readonly Override[];
  format?: ScenarioFormat;
  /** Build and check only this variant (`--variant`): --set then applies to it alone. */
  only?: string;
}

/** Parses `path=value` (the argument of --set). Throws ScenarioError. */
export function parseSetFlag(arg: string): Override {
  const label = `--set ${arg}`;
  const eq = arg.indexOf('=');
  if (eq < 0) throw new ScenarioError([{ where: label, path: '', message: 'expected path=value, for example --set machine.cpus=4' }]);
  const path = arg.slice(0, eq).trim();
  const segs = parseSetPath(path);
  if (typeof segs === 'string') throw new ScenarioError([{ where: label, path: '', message: segs }]);
  const v = parseSetValue(arg.slice(eq + 1));
  if (!v.ok) throw new ScenarioError([{ where: label, path, message: v.problem }]);
  return { path, value: v.value, label };
}

/**
 * An override that was applied: the part of the config it owns, and where it came from — a
 * flag, or a variant's `set` entry in the file (docPath; its value node holds what is under valuePath).
 */
type Applied = { segments: string[]; cli: string } | { segments: string[]; variant: string; docPath: PathSeg[]; valuePath: string[] };

interface Ctx {
  parsed: ParsedText;
  variant?: string;
}

function startsWith(path: readonly PathSeg[], prefix: readonly string[]): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (String(path[i]) !== prefix[i]) return false;
  return true;
}

function place(ctx: Ctx, applied: readonly Applied[], issue: ScenarioIssue): LocatedIssue {
  const base = { path: formatPath(issue.path), message: issue.message, ...(ctx.variant !== undefined ? { variant: ctx.variant } : {}) };
  for (let k = applied.length - 1; k >= 0; k--) {
    const a = applied[k]!;
    if (!startsWith(issue.path, a.segments)) continue;
    if ('cli' in a) return { where: a.cli, ...base };
    const inValue = startsWith(issue.path, a.valuePath);
    const pos = inValue
      ? locate(ctx.parsed, [...a.docPath, ...issue.path.slice(a.valuePath.length)], issue.atKey === true)
      : locate(ctx.parsed, a.docPath, true);
    return { where: `${ctx.parsed.file}:${pos.line}:${pos.col}`, file: ctx.parsed.file, line: pos.line, col: pos.col, ...base };
  }
  const pos = locate(ctx.parsed, issue.path, issue.atKey === true);
  return { where: `${ctx.parsed.file}:${pos.line}:${pos.col}`, file: ctx.parsed.file, line: pos.line, col: pos.col, ...base };
}

function byPosition(a: LocatedIssue, b: LocatedIssue): number {
  const fa = a.line !== undefined ? 0 : 1;
  const fb = b.line !== undefined ? 0 : 1;
  if (fa !== fb) return fa - fb;
  if ((a.line ?? 0) !== (b.line ?? 0)) return (a.line ?? 0) - (b.line ?? 0);
  return (a.col ?? 0) - (b.col ?? 0);
}

/**
 * Loads a scenario from its text. `file` names it in messages (and picks JSON for *.json).
 * Throws ScenarioError on any problem; nothing is run.
 */
export function loadScenario(text: string, file: string, options: LoadOptions = {}): LoadedScenario {
  const parsed = parseText(text, file, options.format ?? formatFromName(file));
  if (Array.isArray(parsed)) {
    throw new ScenarioError(parsed.map((p) => ({ where: `${file}:${p.line}:${p.col}`, file, line: p.line, col: p.col, path: '', message: p.message })));
  }
  const data = parsed.data;
  if (data === null || data === undefined) {
    throw new ScenarioError([{ where: `${file}:1:1`, file, line: 1, col: 1, path: '', message: 'the file is empty (a scenario needs at least name, machine and workload)' }]);
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ScenarioError([
      { where: `${file}:1:1`, file, line: 1, col: 1, path: '', message: `the file holds ${kindOf(data)}; a scenario is a map of fields (name, machine, os, workload, ...)` },
    ]);
  }
  const overrides = options.overrides ?? [];
  const ctx: Ctx = { parsed };

  const base = structuredClone(data) as Record<string, unknown>;
  const cli = applyOverrides(base, overrides);
  if (cli.issues.length > 0) throw new ScenarioError(cli.issues);
  const baseResult = validate(base, cli.applied, ctx);
  if (baseResult.issues.length > 0) throw new ScenarioError(baseResult.issues);
  const out = baseResult.out!;

  const variants: ResolvedVariant[] = [];
  const issues: LocatedIssue[] = [];
  const rawVariants = (base.variants ?? []) as Array<{ set: Record<string, unknown> }>;
  (out.variants ?? []).forEach((v, i) => {
    if (options.only !== undefined && v.name !== options.only) return;
    const vctx: Ctx = { parsed, variant: v.name };
    const raw = structuredClone(data) as Record<string, unknown>;
    delete raw.variants;
    const applied: Applied[] = [];
    // The variant's set as written (from the document after --set, so --set variants.0.set... works).
    const set = rawVariants[i]?.set ?? {};
    for (const [key, value] of Object.entries(set)) {
      const docPath: PathSeg[] = ['variants', i, 'set', key];
      const segs = parseSetPath(key);
      const fromCli = overrides.some((o) => startsWith(docPath, o.path.split('.')));
      const where = (atKey: boolean): LocatedIssue => {
        const pos = locate(parsed, docPath, atKey);
        return { where: `${file}:${pos.line}:${pos.col}`, file, line: pos.line, col: pos.col, variant: v.name, path: formatPath(docPath), message: '' };
      };
      if (typeof segs === 'string') {
        issues.push({ ...where(true), message: segs });
        continue;
      }
      if (segs[0] === 'variants') {
        issues.push({ ...where(true), message: 'a variant cannot set variants' });
        continue;
      }
      const done = applySet(raw, segs, structuredClone(value));
      if (typeof done === 'string') {
        issues.push({ ...where(false), message: done });
        continue;
      }
      const cliLabel = fromCli ? overrides.find((o) => startsWith(docPath, o.path.split('.')))!.label : undefined;
      applied.push(cliLabel !== undefined ? { segments: done.owned, cli: cliLabel } : { segments: done.owned, variant: v.name, docPath, valuePath: segs });
    }
    const again = applyOverrides(raw, overrides.filter((o) => !o.path.startsWith('variants')));
    for (const e of again.issues) issues.push({ ...e, variant: v.name });
    const r = validate(raw, [...applied, ...again.applied], vctx);
    issues.push(...r.issues);
    if (r.out) {
      variants.push({
        name: v.name,
        ...(v.description !== undefined ? { description: v.description } : {}),
        set: structuredClone(set),
        config: toSimConfig(r.out),
      });
    }
  });
  if (issues.length > 0) throw new ScenarioError(dedupe(issues));
  if (options.only !== undefined && variants.length === 0) {
    // The same words as the CLI's pickConfig, which never sees the file's names once they are filtered out.
    const names = (out.variants ?? []).map((v) => v.name);
    throw new ScenarioError([{ where: `--variant ${options.only}`, path: '', message: `${file} has ${names.length > 0 ? `variants ${names.join(', ')}` : 'no variants'}` }]);
  }
  const description = out.description;
  return {
    file,
    name: out.name,
    ...(description !== undefined ? { description } : {}),
    config: toSimConfig(out),
    variants,
  };
}

function dedupe(issues: LocatedIssue[]): LocatedIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = formatIssue(i);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function applyOverrides(raw: Record<string, unknown>, overrides: readonly Override[]): { applied: Applied[]; issues: LocatedIssue[] } {
  const applied: Applied[] = [];
  const issues: LocatedIssue[] = [];
  for (const o of overrides) {
    const segs = parseSetPath(o.path);
    if (typeof segs === 'string') {
      issues.push({ where: o.label, path: '', message: segs });
      continue;
    }
    const done = applySet(raw, segs, structuredClone(o.value));
    if (typeof done === 'string') issues.push({ where: o.label, path: o.path, message: done });
    else applied.push({ segments: done.owned, cli: o.label });
  }
  return { applied, issues };
}

function validate(raw: Record<string, unknown>, applied: readonly Applied[], ctx: Ctx): { out?: ScenarioOut; issues: LocatedIssue[] } {
  const r = scenarioSchema.safeParse(raw);
  let issues: ScenarioIssue[];
  if (!r.success) issues = fromZodIssues(r.error.issues, scenarioSchema, raw);
  else issues = checkMeaning(r.data, raw, applied);
  const located = issues.map((i) => place(ctx, applied, i)).sort(byPosition);
  return r.success && issues.length === 0 ? { out: r.data, issues: [] } : { issues: dedupe(located) };
}

// ---- checks that need the whole document ----

type OpVisitor = (op: Exclude<OpOut, 'yield'>, path: PathSeg[]) => void;

function walkOps(ops: readonly OpOut[], path: PathSeg[], f: OpVisitor): void {
  ops.forEach((op, i) => {
    if (op === 'yield') return;
    const p = [...path, i];
    f(op, p);
    if (op.spawn !== undefined) {
      const s = op.spawn;
      if (Array.isArray(s)) walkOps(s, [...p, 'spawn'], f);
      else if (typeof s === 'object' && Array.isArray(s.program)) walkOps(s.program, [...p, 'spawn', 'program'], f);
    }
    if (op.repeat !== undefined) walkOps(op.repeat.do, [...p, 'repeat', 'do'], f);
  });
}

/** Whether running `ops` once runs at least one op (a repeat of 0 times or of an empty body runs none). */
function anyOpRuns(ops: readonly OpOut[]): boolean {
  return ops.some((op) => op === 'yield' || op.repeat === undefined || (op.repeat.times !== 0 && anyOpRuns(op.repeat.do)));
}

/** Whether `ops` hold a forever loop that runs (one reported on its own when it has nothing to repeat). */
function hasForeverLoop(ops: readonly OpOut[]): boolean {
  return ops.some((op) => op !== 'yield' && op.repeat !== undefined && op.repeat.times !== 0 && (op.repeat.times === 'forever' || hasForeverLoop(op.repeat.do)));
}

function checkMeaning(s: ScenarioOut, raw: Record<string, unknown>, applied: readonly Applied[]): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  // Policy parameters belong to one policy.
  const policy = s.os?.policy ?? 'cfs';
  const rawOs = (raw.os ?? {}) as Record<string, unknown>;
  const policyFromOverride = applied.some((a) => startsWith(['os', 'policy'], a.segments));
  for (const [owner, params] of Object.entries(POLICY_PARAMS)) {
    if (owner === policy) continue;
    for (const p of params) {
      if (rawOs[p] === undefined) continue;
      const own = POLICY_PARAMS[policy] ?? [];
      const hint = policyFromOverride ? `; to drop it where the policy changes, set os.${p} to null` : '';
      issues.push({
        path: ['os', p],
        atKey: true,
        message: `${p} is a parameter of ${owner}; the policy is ${policy} (${policy} parameters: ${own.length > 0 ? own.join(', ') : 'none'})${hint}`,
      });
    }
  }

  // A bandwidth phase lies within one period.
  const bw = s.os?.bandwidth;
  if (bw?.phase !== undefined && bw.phase >= bw.period) {
    issues.push({ path: ['os', 'bandwidth', 'phase'], message: `${formatDuration(bw.phase)} is not less than the period ${formatDuration(bw.period)} (allowed: 0 up to just under the period)` });
  }

  // Names referenced by ops must be declared.
  const channels = Object.keys(s.channels ?? {});
  const waitgroups = Object.keys(s.waitgroups ?? {});
  const programs = Object.keys(s.programs ?? {});
  const mutexes: string[] = [];
  // Names declared as program locals count as declared (they resolve when the program runs).
  const localMutexes: string[] = [];
  for (const def of Object.values(s.programs ?? {})) {
    if (Array.isArray(def)) continue;
    for (const c of Object.keys(def.locals.channels ?? {})) if (!channels.includes(c)) channels.push(c);
    for (const w of Object.keys(def.locals.waitgroups ?? {})) if (!waitgroups.includes(w)) waitgroups.push(w);
    for (const m of def.locals.mutexes ?? []) if (!localMutexes.includes(m)) localMutexes.push(m);
  }
  (s.mutexes ?? []).forEach((m, i) => {
    if (mutexes.includes(m)) issues.push({ path: ['mutexes', i], message: `${show(m)} is declared twice (allowed: each mutex name once)` });
    else mutexes.push(m);
  });
  const need = (name: string, declared: string[], what: string, section: string, path: PathSeg[]): void => {
    if (declared.includes(name)) return;
    const plural = what === 'mutex' ? 'mutexes' : `${what}s`;
    const list = declared.length > 0 ? `declared ${plural}: ${declared.join(', ')}` : `no ${plural} are declared; add one under ${section}`;
    issues.push({ path, message: `unknown ${what} ${show(name)}${didYouMean(name, declared)} (${list})` });
  };
  const checkProgram = (ref: ProgramOut, path: PathSeg[]): void => {
    if (typeof ref === 'string') need(ref, programs, 'program', 'programs', path);
  };
  const checkSend = (sp: SendOut, path: PathSeg[]): void => {
    if (typeof sp === 'string') need(sp, channels, 'channel', 'channels', path);
    else need(sp.chan, channels, 'channel', 'channels', [...path, 'chan']);
  };
  const visit: OpVisitor = (op, p) => {
    if (Object.keys(op).length === 0) {
      issues.push({ path: p, message: `an empty op (allowed: a map with one of the keys ${OP_NAMES.join(', ')}, or the bare word yield)` });
      return;
    }
    if (op.spawn !== undefined) {
      const sp = op.spawn;
      if (typeof sp === 'string') checkProgram(sp, [...p, 'spawn']);
      else if (!Array.isArray(sp)) checkProgram(sp.program, [...p, 'spawn', 'program']);
    }
    if (op.send !== undefined) checkSend(op.send, [...p, 'send']);
    if (op.recv !== undefined) need(op.recv, channels, 'channel', 'channels', [...p, 'recv']);
    if (op.close !== undefined) need(op.close, channels, 'channel', 'channels', [...p, 'close']);
    if (op.select !== undefined) {
      op.select.cases.forEach((c, j) => {
        const cp = [...p, 'select', 'cases', j];
        if ('recv' in c) need(c.recv, channels, 'channel', 'channels', [...cp, 'recv']);
        else checkSend(c.send, [...cp, 'send']);
      });
    }
    if (op.lock !== undefined) need(op.lock, mutexes, 'mutex', 'mutexes', [...p, 'lock']);
    if (op.unlock !== undefined) need(op.unlock, mutexes, 'mutex', 'mutexes', [...p, 'unlock']);
    if (op.wgAdd !== undefined) {
      const w = op.wgAdd;
      if (typeof w === 'string') need(w, waitgroups, 'WaitGroup', 'waitgroups', [...p, 'wgAdd']);
      else need(w.wg, waitgroups, 'WaitGroup', 'waitgroups', [...p, 'wgAdd', 'wg']);
    }
    if (op.wgDone !== undefined) need(op.wgDone, waitgroups, 'WaitGroup', 'waitgroups', [...p, 'wgDone']);
    if (op.wgWait !== undefined) need(op.wgWait, waitgroups, 'WaitGroup', 'waitgroups', [...p, 'wgWait']);
    // A forever loop with nothing to repeat would spin without end and without any op to stop it.
    // A loop inside it that is reported itself is not reported again here.
    const rep = op.repeat;
    if (rep !== undefined && rep.times === 'forever' && !anyOpRuns(rep.do) && !hasForeverLoop(rep.do)) {
      issues.push({
        path: [...p, 'repeat', 'do'],
        message:
          rep.do.length === 0
            ? 'a forever loop with an empty body (allowed: at least one op to repeat)'
            : 'a forever loop whose body runs no op, only empty or 0-times repeats (allowed: at least one op to repeat)',
      });
    }
  };
  const checkRef = (ref: ProgramOut, path: PathSeg[]): void => {
    if (typeof ref === 'string') checkProgram(ref, path);
    else walkOps(ref, path, visit);
  };
  for (const m of localMutexes) if (!mutexes.includes(m)) mutexes.push(m);
  for (const [name, def] of Object.entries(s.programs ?? {})) {
    if (Array.isArray(def)) walkOps(def, ['programs', name], visit);
    else walkOps(def.do, ['programs', name, 'do'], visit);
  }
  s.workload.forEach((src, i) => {
    checkRef(src.program, ['workload', i, 'program']);
    if (src.arrivals !== undefined) {
      const expected = (src.arrivals.rate * src.arrivals.for) / 1e9;
      if (expected > 100_000_000) {
        issues.push({
          path: ['workload', i, 'arrivals'],
          message: `rate × for gives about ${groupDigits(Math.round(expected))} tasks (allowed: at most 100,000,000 per source; lower the rate or shorten for)`,
        });
      }
    }
  });
  (s.background ?? []).forEach((b, i) => checkRef(b.program, ['background', i, 'program']));

  const seen = new Set<string>();
  (s.variants ?? []).forEach((v, i) => {
    if (seen.has(v.name)) issues.push({ path: ['variants', i, 'name'], message: `${show(v.name)} is used by an earlier variant (allowed: a name not used by another variant)` });
    seen.add(v.name);
  });
  return issues;
}

// ---- to SimConfig ----

function convertProgram(p: ProgramOut): ProgramRef {
  return typeof p === 'string' ? p : p.map(convertOp);
}

function convertOps(ops: readonly OpOut[]): OpSpec[] {
  return ops.map(convertOp);
}

function convertSend(sp: SendOut): { send: string; value?: unknown } {
  if (typeof sp === 'string') return { send: sp };
  return sp.value !== undefined ? { send: sp.chan, value: sp.value } : { send: sp.chan };
}

function convertOp(op: OpOut): OpSpec {
  if (op === 'yield' || op.yield !== undefined) return { yield: true };
  if (op.compute !== undefined) return { compute: op.compute };
  if (op.io !== undefined) return { io: op.io };
  if (op.syscall !== undefined) return { syscall: op.syscall };
  if (op.sleep !== undefined) return { sleep: op.sleep };
  if (op.spawn !== undefined) {
    const sp = op.spawn;
    if (typeof sp === 'string') return { spawn: sp };
    if (Array.isArray(sp)) return { spawn: convertOps(sp) };
    const prog = sp.program;
    return {
      spawn: typeof prog === 'string' ? prog : convertOps(prog),
      ...(sp.count !== undefined ? { count: sp.count } : {}),
      ...(sp.name !== undefined ? { name: sp.name } : {}),
    };
  }
  if (op.send !== undefined) return convertSend(op.send);
  if (op.recv !== undefined) return { recv: op.recv };
  if (op.close !== undefined) return { close: op.close };
  if (op.select !== undefined) {
    const cases = op.select.cases.map((c) => ('recv' in c ? { recv: c.recv } : convertSend(c.send)));
    return op.select.default !== undefined ? { select: cases, default: op.select.default } : { select: cases };
  }
  if (op.lock !== undefined) return { lock: op.lock };
  if (op.unlock !== undefined) return { unlock: op.unlock };
  if (op.wgAdd !== undefined) {
    const w = op.wgAdd;
    return typeof w === 'string' ? { wgAdd: w } : w.n !== undefined ? { wgAdd: w.wg, n: w.n } : { wgAdd: w.wg };
  }
  if (op.wgDone !== undefined) return { wgDone: op.wgDone };
  if (op.wgWait !== undefined) return { wgWait: op.wgWait };
  if (op.repeat !== undefined) return { repeat: op.repeat.times, do: convertOps(op.repeat.do) };
  throw new Error(`unreachable: op ${JSON.stringify(op)}`);
}

function sourceName(name: string | undefined, program: ProgramOut, fallback: string): string {
  return name ?? (typeof program === 'string' ? program : fallback);
}

/** Builds the SimConfig of a validated scenario. */
export function toSimConfig(s: ScenarioOut): SimConfig {
  const os = s.os ?? { policy: 'cfs' as const };
  const params: Record<string, unknown> = {};
  for (const p of POLICY_PARAMS[os.policy] ?? []) {
    const v = (os as Record<string, unknown>)[p];
    if (v !== undefined) params[p] = v;
  }
  const workload: WorkloadSpec = { sources: [] };
  if (s.channels !== undefined) {
    workload.channels = Object.entries(s.channels).map(([name, c]) => ({ name, cap: typeof c === 'number' ? c : c.cap }));
  }
  if (s.mutexes !== undefined) workload.mutexes = s.mutexes.map((name) => ({ name }));
  if (s.waitgroups !== undefined) workload.waitgroups = Object.entries(s.waitgroups).map(([name, count]) => ({ name, count }));
  if (s.programs !== undefined) {
    const programs: Record<string, OpSpec[] | ProgramDef> = {};
    for (const [name, def] of Object.entries(s.programs)) {
      if (Array.isArray(def)) {
        programs[name] = convertOps(def);
        continue;
      }
      const l = def.locals;
      const locals: LocalsSpec = {};
      if (l.channels !== undefined) locals.channels = Object.entries(l.channels).map(([n, c]) => ({ name: n, cap: typeof c === 'number' ? c : c.cap }));
      if (l.mutexes !== undefined) locals.mutexes = l.mutexes.map((n) => ({ name: n }));
      if (l.waitgroups !== undefined) locals.waitgroups = Object.entries(l.waitgroups).map(([n, count]) => ({ name: n, count }));
      programs[name] = { locals, do: convertOps(def.do) };
    }
    workload.programs = programs;
  }
  workload.sources = s.workload.map((src): SourceSpec => {
    const program = convertProgram(src.program);
    if (src.arrivals !== undefined) {
      const a = src.arrivals;
      return {
        kind: 'arrivals',
        name: sourceName(src.name, src.program, 'task'),
        ratePerSec: a.rate,
        durationNs: a.for,
        ...(a.start !== undefined ? { start: a.start } : {}),
        process: a.process ?? 'poisson',
        program,
      };
    }
    return {
      kind: 'batch',
      name: sourceName(src.name, src.program, 'task'),
      count: src.batch ?? 0,
      program,
      ...(src.at !== undefined ? { at: src.at } : {}),
    };
  });
  if (s.background !== undefined) {
    workload.background = s.background.map((b) => ({
      name: sourceName(b.name, b.program, 'background'),
      count: b.threads,
      program: convertProgram(b.program),
      ...(b.nice !== undefined ? { nice: b.nice } : {}),
    }));
  }
  const config: SimConfig = {
    name: s.name,
    seed: s.seed ?? DEFAULT_SEED,
    machine: { cpus: s.machine.cpus, ...(s.machine.costs !== undefined ? { costs: { ...s.machine.costs } } : {}) },
    os: {
      policy: os.policy,
      params,
      ...(os.hz !== undefined ? { hz: os.hz } : {}),
      ...(os.exactSliceEnd !== undefined ? { exactSliceEnd: os.exactSliceEnd } : {}),
      ...(os.balanceInterval !== undefined ? { balanceIntervalNs: os.balanceInterval } : {}),
      ...(os.bandwidth !== undefined ? { bandwidth: { quotaNs: os.bandwidth.quota, periodNs: os.bandwidth.period, ...(os.bandwidth.slice !== undefined ? { sliceNs: os.bandwidth.slice } : {}), ...(os.bandwidth.phase !== undefined ? { phaseNs: os.bandwidth.phase } : {}) } } : {}),
    },
    model: s.model ?? 'threads',
    limits: { timeNs: s.limits?.time ?? DEFAULT_TIME_LIMIT_NS, events: s.limits?.events ?? DEFAULT_EVENT_LIMIT },
    workload,
  };
  if (s.go !== undefined) config.go = structuredClone(s.go);
  if (s.recordOrder !== undefined) config.recordOrder = s.recordOrder;
  return config;
}
