/**
 * The op-list interpreter (fromOps / listNext): the exact op sequence for nested repeats,
 * including repeat-forever (kept as -1 internally), empty bodies and zero counts.
 */
import { describe, expect, it } from 'vitest';
import type { Op } from '../src/program/ops.js';
import { fromOps, type ListOp } from '../src/program/program.js';
import { Task } from '../src/program/task.js';

const c = (ns: number): Op => ({ op: 'compute', d: ns });

function run(ops: ListOp[], max = 50): number[] {
  const p = fromOps('p', ops);
  const task = new Task(1, 'p', p, null, 0, 0, 'p', 7);
  const inst = p.start(task);
  const out: number[] = [];
  for (let i = 0; i < max; i++) {
    const op = inst.next(undefined);
    if (op === null) {
      out.push(-1);
      break;
    }
    out.push((op as { d: number }).d);
  }
  return out;
}

describe('list programs', () => {
  it('runs nested finite repeats in order, then ends', () => {
    expect(run([c(1), { op: 'repeat', times: 2, body: [c(2), { op: 'repeat', times: 3, body: [c(3)] }] }, c(4)])).toEqual([1, 2, 3, 3, 3, 2, 3, 3, 3, 4, -1]);
  });

  it('skips zero-count and empty repeats', () => {
    expect(run([{ op: 'repeat', times: 0, body: [c(9)] }, { op: 'repeat', times: 5, body: [] }, c(1)])).toEqual([1, -1]);
  });

  it('repeats forever, also inside a finite repeat, and never ends', () => {
    expect(run([c(1), { op: 'repeat', times: Infinity, body: [c(2), c(3)] }, c(4)], 9)).toEqual([1, 2, 3, 2, 3, 2, 3, 2, 3]);
    expect(run([{ op: 'repeat', times: 2, body: [c(5), { op: 'repeat', times: Infinity, body: [c(6)] }] }], 6)).toEqual([5, 6, 6, 6, 6, 6]);
  });

  it('a task is its own interpreter: each start begins again', () => {
    const p = fromOps('p', [c(1), c(2)]);
    const task = new Task(1, 'p', p, null, 0, 0, 'p', 7);
    expect(p.start(task).next(undefined)).toEqual(c(1));
    const again = p.start(task);
    expect(again.next(undefined)).toEqual(c(1));
    expect(again.next(undefined)).toEqual(c(2));
    expect(again.next(undefined)).toBeNull();
  });
});
