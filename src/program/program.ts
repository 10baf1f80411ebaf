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

class ListInstance implements ProgramInstance {
  private frames: Frame[];
  constructor(ops: ListOp[]) {
    this.frames = [{ ops, i: 0, left: 1 }];
  }
  next(): Op | null {
    const frames = this.frames;
    for (;;) {
      const f = frames[frames.length - 1];
      if (f === undefined) return null;
      if (f.i >= f.ops.length) {
        if (--f.left > 0) {
          f.i = 0;
          continue;
        }
        frames.pop();
        continue;
      }
      const op = f.ops[f.i++]!;
      if (op.op === 'repeat') {
        if (op.times > 0 && op.body.length > 0) frames.push({ ops: op.body, i: 0, left: op.times });
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
