/**
 * close() on a channel that a select waits on twice: the select's first queued entry wins (the
 * selectDone CAS happens as closechan dequeues, in queue order), as in runtime/chan.go.
 */
import { describe, expect, it } from 'vitest';
import { Chan, fromGenerator, select, simulate, sleep, type SelectResult } from '../src/index.js';

describe('close wakes a select', () => {
  for (const model of ['threads', 'go:1']) {
    it(`waiting twice on the closed channel, through its first queued case (${model})`, () => {
      const c = new Chan('c', 0);
      const other = new Chan('other', 0);
      let got: SelectResult | null = null;
      const waiter = fromGenerator('waiter', function* () {
        got = (yield select([{ recv: other }, { recv: c }, { recv: c }])) as SelectResult;
      });
      // The closer sleeps first, so the waiter is parked in its select when the close comes.
      const closer = fromGenerator('closer', function* () {
        yield sleep(1_000_000);
        yield { op: 'close', ch: c };
      });
      const r = simulate({
        name: 'select-close',
        seed: 1,
        machine: { cpus: 1 },
        os: { policy: 'fifo' },
        model,
        workload: { sources: [{ kind: 'batch', name: 'waiter', count: 1, program: waiter }, { kind: 'batch', name: 'closer', count: 1, program: closer }] },
      });
      expect(r.outcome).toBe('completed');
      // Cases 1 and 2 are both on c; case 1 was queued first (lock order: channel, then case).
      expect(got).toEqual({ index: 1, value: undefined, ok: false });
    });
  }
});
