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

/** Runs an op list; the outermost level is kept inline, nested repeats on a small stack. */
class ListInstance implements ProgramInstance {
  private ops: ListOp[];
  private i = 0;
  private left = 1;
  private stack: Frame[] | null = null;
  constructor(ops: ListOp[]) {
    this.ops = ops;
  }
  next(): Op | null {
    for (;;) {
      if (this.i >= this.ops.length) {
        if (--this.left > 0) {
          this.i = 0;
          continue;
        }
        const st = this.stack;
        if (st === null || st.length === 0) {
          this.i = this.ops.length;
          this.left = 0;
          return null;
        }
        const f = st.pop()!;
        this.ops = f.ops;
        this.i = f.i;
        this.left = f.left;
        continue;
      }
      const op = this.ops[this.i++]!;
      if (op.op === 'repeat') {
        if (op.times > 0 && op.body.length > 0) {
          (this.stack ??= []).push({ ops: this.ops, i: this.i, left: this.left });
          this.ops = op.body;
          this.i = 0;
          this.left = op.times;
        }
        continue;
      }
      return op;
    }
  }
}

export function fromOps(name: string, ops: ListOp[]): Program {
  invariant(Array.isArray(ops), 'fromOps: ops must be an array');
  return { name, start: () => new ListInstance(ops) };
}
