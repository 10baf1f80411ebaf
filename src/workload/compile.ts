/**
 * Compiles scenario op lists into runnable programs for one run: names of channels, mutexes,
 * WaitGroups and programs become the run's objects.
 */
import { Chan } from '../program/chan.js';
import { Mutex } from '../program/mutex.js';
import type { Op, SelectCase } from '../program/ops.js';
import { fromOps, type ListOp, type Program } from '../program/program.js';
import { WaitGroup } from '../program/waitgroup.js';
import type { OpSpec, ProgramRef, WorkloadSpec } from './spec.js';

export interface RunObjects {
  channels: Map<string, Chan>;
  mutexes: Map<string, Mutex>;
  waitgroups: Map<string, WaitGroup>;
  programs: Map<string, Program>;
}

export function createObjects(w: WorkloadSpec, mutexStarvation: boolean): RunObjects {
  const objs: RunObjects = {
    channels: new Map(),
    mutexes: new Map(),
    waitgroups: new Map(),
    programs: new Map(),
  };
  let id = 0;
  for (const c of w.channels ?? []) objs.channels.set(c.name, new Chan(c.name, c.cap, ++id));
  for (const m of w.mutexes ?? []) objs.mutexes.set(m.name, new Mutex(m.name, mutexStarvation));
  for (const g of w.waitgroups ?? []) {
    const wg = new WaitGroup(g.name);
    wg.counter = g.count ?? 0;
    objs.waitgroups.set(g.name, wg);
  }
  // Named programs may refer to each other (and to themselves): create them lazily.
  const specs = w.programs ?? {};
  for (const name of Object.keys(specs)) {
    let compiled: ListOp[] | null = null;
    const lazy: Program = {
      name,
      start(task) {
        compiled ??= compileOps(specs[name]!, objs);
        return fromOps(name, compiled).start(task);
      },
    };
    objs.programs.set(name, lazy);
  }
  return objs;
}

export function resolveProgram(ref: ProgramRef, objs: RunObjects, fallbackName: string): Program {
  if (typeof ref === 'string') {
    const p = objs.programs.get(ref);
    if (!p) throw new Error(`unknown program "${ref}"`);
    return p;
  }
  if (Array.isArray(ref)) return fromOps(fallbackName, compileOps(ref, objs));
  return ref;
}

function need<T>(m: Map<string, T>, name: string, what: string): T {
  const v = m.get(name);
  if (v === undefined) throw new Error(`unknown ${what} "${name}"`);
  return v;
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
  if ('send' in o) return { op: 'send', ch: need(objs.channels, o.send, 'channel'), value: o.value };
  if ('recv' in o) return { op: 'recv', ch: need(objs.channels, o.recv, 'channel') };
  if ('close' in o) return { op: 'close', ch: need(objs.channels, o.close, 'channel') };
  if ('select' in o) {
    const cases: SelectCase[] = o.select.map((c) =>
      'send' in c ? { send: need(objs.channels, c.send, 'channel'), value: c.value } : { recv: need(objs.channels, c.recv, 'channel') },
    );
    return { op: 'select', cases, default: o.default ?? false };
  }
  if ('lock' in o) return { op: 'lock', mu: need(objs.mutexes, o.lock, 'mutex') };
  if ('unlock' in o) return { op: 'unlock', mu: need(objs.mutexes, o.unlock, 'mutex') };
  if ('wgAdd' in o) return { op: 'wgAdd', wg: need(objs.waitgroups, o.wgAdd, 'waitgroup'), n: o.n ?? 1 };
  if ('wgDone' in o) return { op: 'wgAdd', wg: need(objs.waitgroups, o.wgDone, 'waitgroup'), n: -1 };
  if ('wgWait' in o) return { op: 'wgWait', wg: need(objs.waitgroups, o.wgWait, 'waitgroup') };
  if ('repeat' in o) return { op: 'repeat', times: o.repeat === 'forever' ? Infinity : o.repeat, body: compileOps(o.do, objs) };
  throw new Error(`unknown op ${JSON.stringify(o)}`);
}
