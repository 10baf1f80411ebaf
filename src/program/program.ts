/**
 * Programs: where a task's operations come from.
 *
 * - `fromGenerator(name, fn)`: a TypeScript generator function; each `yield op` hands one op to
 *   the runner, and the value of the `yield` expression is the op's result (a RecvResult for
 *   `recv`, a SelectResult for `select`, nothing otherwise).
 * - `fromOps(name, ops)`: a list compiled from a scenario file, with `repeat` blocks; run by a
 *   small interpreter without generators (cheaper for millions of tasks).
 */
import { invariant } from '../engine/assert.js';
import type { Op } from './ops.js';
import type { Task } from './task.js';

export interface ProgramInstance {
  /** The next op (given the previous op's result), or null when the program is done. */
  next(result: unknown): Op | null;
}

export interface Program {
  readonly name: string;
  start(task: Task): ProgramInstance;
  /** A list program's ops (fromOps), readable before it runs; generator programs have none. */
  readonly ops?: readonly ListOp[];
}

/** What a generator program receives: its task's id, name and spawn path. */
export interface TaskInfo {
  readonly id: number;
  readonly name: string;
  readonly path: string;
}

export function fromGenerator(name: string, fn: (task: TaskInfo) => Generator<Op, void, unknown>): Program {
  return {
    name,
    start(task: Task): ProgramInstance {
      const gen = fn(task);
      return {
        next(result: unknown): Op | null {
          const r = gen.next(result);
          return r.done === true ? null : r.value;
        },
      };
    },
  };
}

/** A compiled op list: plain ops plus `repeat` blocks (times may be Infinity). */
export type ListOp = Op | { op: 'repeat'; times: number; body: ListOp[] };

interface Frame {
  ops: ListOp[];
  i: number;
  left: number;
}

/** Where an op list is: the outermost level inline, nested repeats on a small stack. */
export interface ListState {
  lops: ListOp[];
  li: number;
  /** Passes left at this level (-1: forever). */
  lleft: number;
  lstack: Frame[] | null;
}

/**
 * The next op of the list program whose position is `st`, or null when it is done. A task
 * keeps this state itself (Task.startList), so a step loads no separate interpreter object.
 */
export function listNext(st: ListState): Op | null {
  for (;;) {
    if (st.li >= st.lops.length) {
      // lleft < 0: repeat forever.
      if (st.lleft < 0 || --st.lleft > 0) {
        st.li = 0;
        continue;
      }
      const stack = st.lstack;
      if (stack === null || stack.length === 0) {
        st.li = st.lops.length;
        st.lleft = 0;
        return null;
      }
      const f = stack.pop()!;
      st.lops = f.ops;
      st.li = f.i;
      st.lleft = f.left;
      continue;
    }
    const op = st.lops[st.li++]!;
    if (op.op === 'repeat') {
      if (op.times > 0 && op.body.length > 0) {
        (st.lstack ??= []).push({ ops: st.lops, i: st.li, left: st.lleft });
        st.lops = op.body;
        st.li = 0;
        // Forever is -1, not Infinity: a field that ever holds Infinity becomes a heap box in
        // every task.
        st.lleft = op.times === Infinity ? -1 : op.times;
      }
      continue;
    }
    return op;
  }
}

export function fromOps(name: string, ops: ListOp[]): Program {
  invariant(Array.isArray(ops), 'fromOps: ops must be an array');
  return { name, ops, start: (task) => task.startList(ops) };
}

/**
 * The names of the tasks `program` can spawn (a spawn's `name`, else its program's), directly
 * or through the programs it spawns, in the order first met; a generator program's spawns
 * cannot be read before it runs and are left out.
 */
export function spawnNames(program: Program, out: string[] = [], seen = new Set<Program>()): string[] {
  if (seen.has(program)) return out;
  seen.add(program);
  const walk = (ops: readonly ListOp[]): void => {
    for (const op of ops) {
      if (op.op === 'repeat') walk(op.body);
      else if (op.op === 'spawn') {
        const name = op.name ?? op.program.name;
        if (!out.includes(name)) out.push(name);
        spawnNames(op.program, out, seen);
      }
    }
  };
  if (program.ops !== undefined) walk(program.ops);
  return out;
}
