/**
 * Compiles scenario op lists into runnable programs for one run: names of channels, mutexes,
 * WaitGroups and programs become the run's objects.
 *
 * Names resolve through a chain of environments, innermost first: a program with `locals` gets
 * fresh objects each time it runs (a request's own WaitGroup), and the tasks it spawns see
 * them too — as goroutines see the variables their creating function captured. The outermost
 * environment holds the scenario's global objects.
 */
import { Chan } from '../program/chan.js';
import { Mutex } from '../program/mutex.js';
import type { Op, SelectCase } from '../program/ops.js';
import { fromOps, spawnNames, type ListOp, type Program } from '../program/program.js';
import { WaitGroup } from '../program/waitgroup.js';
import type { LocalsSpec, OpSpec, ProgramDef, ProgramRef, WorkloadSpec } from './spec.js';

export class RunObjects {
  readonly channels = new Map<string, Chan>();
  readonly mutexes = new Map<string, Mutex>();
  readonly waitgroups = new Map<string, WaitGroup>();
  /** Named programs compiled against this environment (lazily). */
  private readonly compiled = new Map<string, Program>();

  constructor(
    readonly parent: RunObjects | null,
    /** The scenario's named program definitions (shared by every environment of a run). */
    readonly defs: Readonly<Record<string, OpSpec[] | ProgramDef>>,
    readonly mutexStarvation: boolean,
    private readonly ids: { next: number },
  ) {}

  /** A child environment with fresh local objects. */
  extend(locals: LocalsSpec): RunObjects {
    const env = new RunObjects(this, this.defs, this.mutexStarvation, this.ids);
    env.declare(locals);
    return env;
  }

  declare(l: LocalsSpec): void {
    for (const c of l.channels ?? []) this.channels.set(c.name, new Chan(c.name, c.cap, ++this.ids.next));
    for (const m of l.mutexes ?? []) this.mutexes.set(m.name, new Mutex(m.name, this.mutexStarvation));
    for (const g of l.waitgroups ?? []) {
      const wg = new WaitGroup(g.name);
      wg.counter = g.count ?? 0;
      this.waitgroups.set(g.name, wg);
    }
  }

  lookup<K extends 'channels' | 'mutexes' | 'waitgroups'>(kind: K, name: string): RunObjects[K] extends Map<string, infer V> ? V | undefined : never {
    const v = this[kind].get(name);
    if (v !== undefined) return v as never;
    return this.parent !== null ? this.parent.lookup(kind, name) : (undefined as never);
  }

  /** The named program `name`, resolving its names in this environment. */
  program(name: string): Program | undefined {
    let p = this.compiled.get(name);
    if (p !== undefined) return p;
    const def = this.defs[name];
    if (def === undefined) return undefined;
    p = programFrom(name, def, this);
    this.compiled.set(name, p);
    return p;
  }
}

export function createObjects(w: WorkloadSpec, mutexStarvation: boolean): RunObjects {
  const root = new RunObjects(null, w.programs ?? {}, mutexStarvation, { next: 0 });
  root.declare({ channels: w.channels, mutexes: w.mutexes, waitgroups: w.waitgroups });
  return root;
}

function isDef(x: unknown): x is ProgramDef {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'do' in x && 'locals' in x;
}

/** A program for an op list or a definition with locals, compiled (lazily) against `env`. */
function programFrom(name: string, def: OpSpec[] | ProgramDef, env: RunObjects): Program {
  if (isDef(def)) {
    const locals = def.locals;
    const ops = def.do;
    return { name, start: (task) => fromOps(name, compileOps(ops, env.extend(locals))).start(task) };
  }
  let compiled: ListOp[] | null = null;
  return {
    name,
    start(task) {
      compiled ??= compileOps(def, env);
      return fromOps(name, compiled).start(task);
    },
  };
}

/**
 * The names of the tasks a source's program can spawn (a spawn's `name`, else its program's,
 * as compileOp gives them), directly or through the programs it spawns, in the order first met,
 * added to `out`. Read from the scenario's definitions, before anything runs; a generator
 * program's spawns cannot be read and are left out.
 */
export function spawnNamesOf(ref: ProgramRef, defs: Readonly<Record<string, OpSpec[] | ProgramDef>>, out: string[], seen = new Set<unknown>()): string[] {
  const walk = (ops: readonly OpSpec[]): void => {
    for (const o of ops) {
      if ('repeat' in o) walk(o.do);
      else if ('spawn' in o) {
        const ref = o.spawn;
        const name = o.name ?? (typeof ref === 'string' ? ref : 'spawned');
        if (!out.includes(name)) out.push(name);
        spawnNamesOf(ref, defs, out, seen);
      }
    }
  };
  const key = typeof ref === 'string' ? `program:${ref}` : ref;
  if (seen.has(key)) return out;
  seen.add(key);
  if (typeof ref === 'string') {
    const def = defs[ref];
    if (def !== undefined) walk(Array.isArray(def) ? def : def.do);
  } else if (Array.isArray(ref)) walk(ref);
  else if (isDef(ref)) walk(ref.do);
  else spawnNames(ref, out);
  return out;
}

export function resolveProgram(ref: ProgramRef, objs: RunObjects, fallbackName: string): Program {
  if (typeof ref === 'string') {
    const p = objs.program(ref);
    if (!p) throw new Error(`unknown program "${ref}"`);
    return p;
  }
  if (Array.isArray(ref)) return fromOps(fallbackName, compileOps(ref, objs));
  if (isDef(ref)) return programFrom(fallbackName, ref, objs);
  return ref;
}

function need<K extends 'channels' | 'mutexes' | 'waitgroups'>(objs: RunObjects, kind: K, name: string, what: string) {
  const v = objs.lookup(kind, name);
  if (v === undefined) throw new Error(`unknown ${what} "${name}"`);
  return v;
}

/** Whether running `ops` once runs at least one op (a repeat of 0 times or of an empty body runs none). */
function runsAnOp(ops: readonly ListOp[]): boolean {
  return ops.some((op) => op.op !== 'repeat' || (op.times > 0 && runsAnOp(op.body)));
}

export function compileOps(ops: OpSpec[], objs: RunObjects): ListOp[] {
  return ops.map((o) => compileOp(o, objs));
}

function compileOp(o: OpSpec, objs: RunObjects): ListOp {
  if ('compute' in o) return { op: 'compute', d: o.compute };
  if ('io' in o) return { op: 'io', d: o.io };
  if ('syscall' in o) return { op: 'syscall', d: o.syscall };
  if ('sleep' in o) return { op: 'sleep', d: o.sleep };
  if ('yield' in o) return { op: 'yield' };
  if ('spawn' in o) {
    const program = resolveProgram(o.spawn, objs, o.name ?? 'spawned');
    const one: Op = o.name !== undefined ? { op: 'spawn', program, name: o.name } : { op: 'spawn', program };
    const n = o.count ?? 1;
    return n === 1 ? one : { op: 'repeat', times: n, body: [one] };
  }
  if ('send' in o) return { op: 'send', ch: need(objs, 'channels', o.send, 'channel'), value: o.value };
  if ('recv' in o) return { op: 'recv', ch: need(objs, 'channels', o.recv, 'channel') };
  if ('close' in o) return { op: 'close', ch: need(objs, 'channels', o.close, 'channel') };
  if ('select' in o) {
    const cases: SelectCase[] = o.select.map((c) =>
      'send' in c ? { send: need(objs, 'channels', c.send, 'channel'), value: c.value } : { recv: need(objs, 'channels', c.recv, 'channel') },
    );
    return { op: 'select', cases, default: o.default ?? false };
  }
  if ('lock' in o) return { op: 'lock', mu: need(objs, 'mutexes', o.lock, 'mutex') };
  if ('unlock' in o) return { op: 'unlock', mu: need(objs, 'mutexes', o.unlock, 'mutex') };
  if ('wgAdd' in o) return { op: 'wgAdd', wg: need(objs, 'waitgroups', o.wgAdd, 'waitgroup'), n: o.n ?? 1 };
  if ('wgDone' in o) return { op: 'wgAdd', wg: need(objs, 'waitgroups', o.wgDone, 'waitgroup'), n: -1 };
  if ('wgWait' in o) return { op: 'wgWait', wg: need(objs, 'waitgroups', o.wgWait, 'waitgroup') };
  if ('repeat' in o) {
    const body = compileOps(o.do, objs);
    // The scenario loader reports this with its field path; a workload built in code gets here.
    if (o.repeat === 'forever' && !runsAnOp(body)) throw new Error('repeat forever: the body runs no op (an empty list, or only empty or 0-times repeats); a forever loop needs at least one op to repeat');
    return { op: 'repeat', times: o.repeat === 'forever' ? Infinity : o.repeat, body };
  }
  throw new Error(`unknown op ${JSON.stringify(o)}`);
}
