/**
 * Program semantics under the `threads` and `pool:N` models: channels (unbuffered rendezvous,
 * buffered, close), select (default, poll order per seed, blocking on several channels),
 * mutex (normal-mode barging, starvation-mode handoff), WaitGroup, spawn costs, deadlock
 * detection and panics. Programs are TypeScript generators that log (time, what) as they run;
 * the expected logs are worked out by hand in the comments (times in ms).
 */
import { describe, expect, it } from 'vitest';
import type { Costs } from '../src/hw/costs.js';
import { Chan } from '../src/program/chan.js';
import { Mutex } from '../src/program/mutex.js';
import { close, compute, lock, recv, select, send, spawn, unlock, wgAdd, wgDone, wgWait, type RecvResult, type SelectResult } from '../src/program/ops.js';
import { fromGenerator, type Program } from '../src/program/program.js';
import { WaitGroup } from '../src/program/waitgroup.js';
import { Simulation, type RunResult } from '../src/sim.js';
import type { SourceSpec } from '../src/workload/spec.js';
import { ms, ZERO_COSTS } from './support.js';

interface H {
  log: Array<[number, string]>;
  mark(what: string): void;
}

function runWith(
  model: string,
  build: (h: H) => SourceSpec[],
  opts: { cpus?: number; costs?: Partial<Costs>; seed?: number; policy?: string } = {},
): { result: RunResult; log: Array<[number, string]> } {
  let sim: Simulation | null = null;
  const h: H = { log: [], mark: (what) => h.log.push([sim!.engine.now / 1e6, what]) };
  const sources = build(h);
  sim = new Simulation(
    {
      name: 'program-test',
      seed: opts.seed ?? 1,
      machine: { cpus: opts.cpus ?? 1, costs: { ...ZERO_COSTS, ...(opts.costs ?? {}) } },
      os: { policy: opts.policy ?? 'fifo', balanceIntervalNs: 0 },
      model,
      workload: { sources },
    },
    { check: true },
  );
  return { result: sim.run(), log: h.log };
}

const one = (name: string, program: Program): SourceSpec => ({ kind: 'batch', name, count: 1, program });
const gen = fromGenerator;
const MODELS = ['threads', 'pool:4'];

describe.each(MODELS)('channels under %s', (model) => {
  it('unbuffered: the receiver blocks until the sender arrives (rendezvous)', () => {
    // r (task 1) runs first and blocks at 0; s computes 1, sends: r is readied, s goes on;
    // on 1 CPU (fifo) r runs when s exits at 1.
    const { log, result } = runWith(model, (h) => {
      const c = new Chan('c', 0);
      return [
        one('r', gen('r', function* () {
          h.mark('r waits');
          const v = (yield recv(c)) as RecvResult;
          h.mark(`r got ${String(v.value)} ${v.ok}`);
        })),
        one('s', gen('s', function* () {
          yield compute(ms(1));
          h.mark('s sends');
          yield send(c, 42);
          h.mark('s sent');
        })),
      ];
    });
    expect(log).toEqual([
      [0, 'r waits'],
      [1, 's sends'],
      [1, 's sent'],
      [1, 'r got 42 true'],
    ]);
    expect(result.outcome).toBe('completed');
  });

  it('unbuffered: the sender blocks until a receiver arrives', () => {
    // s sends at 0 and blocks; r computes 1 and receives at once; s continues after r exits.
    const { log } = runWith(model, (h) => {
      const c = new Chan('c', 0);
      return [
        one('s', gen('s', function* () {
          h.mark('s sends');
          yield send(c, 'x');
          h.mark('s sent');
        })),
        one('r', gen('r', function* () {
          yield compute(ms(1));
          const v = (yield recv(c)) as RecvResult;
          h.mark(`r got ${String(v.value)}`);
        })),
      ];
    });
    expect(log).toEqual([
      [0, 's sends'],
      [1, 'r got x'],
      [1, 's sent'],
    ]);
  });

  it('buffered (cap 2): two sends complete at once, the third waits for a receive; FIFO values', () => {
    // s: send 1, 2 (buffered), 3 blocks. r computes 5, then receives: 1 (buffer head; s's 3
    // moves into the buffer and s is readied), 2, 3 without blocking.
    const { log } = runWith(model, (h) => {
      const c = new Chan('c', 2);
      return [
        one('s', gen('s', function* () {
          for (const v of [1, 2, 3]) {
            yield send(c, v);
            h.mark(`sent ${v}`);
          }
        })),
        one('r', gen('r', function* () {
          yield compute(ms(5));
          for (let i = 0; i < 3; i++) {
            const v = (yield recv(c)) as RecvResult;
            h.mark(`got ${String(v.value)}`);
          }
        })),
      ];
    });
    expect(log).toEqual([
      [0, 'sent 1'],
      [0, 'sent 2'],
      [5, 'got 1'],
      [5, 'got 2'],
      [5, 'got 3'],
      [5, 'sent 3'],
    ]);
  });

  it('close wakes every receiver with ok=false, the last queued first (Go’s gList order)', () => {
    const { log } = runWith(model, (h) => {
      const c = new Chan('c', 0);
      const receiver = (name: string): SourceSpec =>
        one(name, gen(name, function* () {
          const v = (yield recv(c)) as RecvResult;
          h.mark(`${name} ${String(v.value)} ${v.ok}`);
        }));
      return [
        receiver('r1'),
        receiver('r2'),
        one('closer', gen('closer', function* () {
          yield compute(ms(1));
          yield close(c);
          h.mark('closed');
        })),
      ];
    });
    expect(log).toEqual([
      [1, 'closed'],
      [1, 'r2 undefined false'],
      [1, 'r1 undefined false'],
    ]);
  });

  it('a closed buffered channel still delivers its buffer, then zero values with ok=false', () => {
    const { log } = runWith(model, (h) => {
      const c = new Chan('c', 2);
      return [
        one('s', gen('s', function* () {
          yield send(c, 7);
          yield send(c, 8);
          yield close(c);
        })),
        one('r', gen('r', function* () {
          for (let i = 0; i < 3; i++) {
            const v = (yield recv(c)) as RecvResult;
            h.mark(`${String(v.value)} ${v.ok}`);
          }
        })),
      ];
    });
    expect(log.map(([, w]) => w)).toEqual(['7 true', '8 true', 'undefined false']);
  });

  it('close readies a blocked sender, which panics: outcome panic', () => {
    const { result } = runWith(model, () => {
      const c = new Chan('c', 0);
      return [
        one('s', gen('s', function* () {
          yield send(c, 1);
        })),
        one('closer', gen('closer', function* () {
          yield compute(ms(1));
          yield close(c);
        })),
      ];
    });
    expect(result.outcome).toBe('panic');
    expect(result.panic).toBe('panic: send on closed channel [task 1 s]');
  });

  it('closing a closed channel and sending on a closed channel panic at once', () => {
    const twice = runWith(model, () => {
      const c = new Chan('c', 0);
      return [one('t', gen('t', function* () {
        yield close(c);
        yield close(c);
      }))];
    });
    expect(twice.result.outcome).toBe('panic');
    expect(twice.result.panic).toBe('panic: close of closed channel c [task 1 t]');
    const sendClosed = runWith(model, () => {
      const c = new Chan('c', 1);
      return [one('t', gen('t', function* () {
        yield close(c);
        yield send(c, 1);
      }))];
    });
    expect(sendClosed.result.panic).toBe('panic: send on closed channel c [task 1 t]');
  });
});

describe.each(MODELS)('select under %s', (model) => {
  it('with default and nothing ready takes the default; a ready case wins over default', () => {
    const { log } = runWith(model, (h) => {
      const a = new Chan('a', 1);
      const b = new Chan('b', 1);
      return [one('t', gen('t', function* () {
        let r = (yield select([{ recv: a }, { recv: b }], true)) as SelectResult;
        h.mark(`index ${r.index}`);
        yield send(b, 'v');
        r = (yield select([{ recv: a }, { recv: b }], true)) as SelectResult;
        h.mark(`index ${r.index} ${String(r.value)} ${r.ok}`);
        r = (yield select([{ recv: a }, { send: a, value: 'w' }], true)) as SelectResult;
        h.mark(`index ${r.index}; a holds ${a.len}`);
      }))];
    });
    expect(log.map(([, w]) => w)).toEqual(['index -1', 'index 1 v true', 'index 1; a holds 1']);
  });

  it('blocks on all cases; the first channel to fire wins and the others are withdrawn', () => {
    let a: Chan | null = null;
    const { log } = runWith(model, (h) => {
      a = new Chan('a', 1);
      const b = new Chan('b', 0);
      return [
        one('t', gen('t', function* () {
          const r = (yield select([{ recv: a! }, { recv: b }])) as SelectResult;
          h.mark(`case ${r.index} ${String(r.value)}`);
        })),
        one('s', gen('s', function* () {
          yield compute(ms(1));
          yield send(b, 'x');
          // t no longer waits on a: this send goes into a's buffer.
          yield send(a!, 'late');
          h.mark('s done');
        })),
      ];
    });
    expect(log).toEqual([
      [1, 's done'],
      [1, 'case 1 x'],
    ]);
    expect(a!.len).toBe(1);
    expect(a!.recvq.size).toBe(0);
  });

  it('the poll order among ready cases is random, uniform, and fixed by the seed', () => {
    // 300 selects between two always-ready channels; the chosen indices are a function of
    // the seed alone. Each index is expected 150 times (sd ≈ 8.7): 5 sd gives [107, 193].
    const picks = (seed: number): number[] => {
      const out: number[] = [];
      runWith(
        model,
        () => {
          const a = new Chan('a', 300);
          const b = new Chan('b', 300);
          return [one('t', gen('t', function* () {
            for (let i = 0; i < 300; i++) {
              yield send(a, i);
              yield send(b, i);
            }
            for (let i = 0; i < 300; i++) out.push(((yield select([{ recv: a }, { recv: b }])) as SelectResult).index);
          }))];
        },
        { seed },
      );
      return out;
    };
    const p1 = picks(1);
    expect(picks(1)).toEqual(p1);
    const p2 = picks(2);
    expect(p2).not.toEqual(p1);
    for (const p of [p1, p2]) {
      const ones = p.filter((x) => x === 1).length;
      expect(ones).toBeGreaterThanOrEqual(107);
      expect(ones).toBeLessThanOrEqual(193);
    }
  });
});

describe('mutex', () => {
  // a (cpu0) and b (cpu1) on 2 CPUs; a takes the lock at 0 and b blocks on it.
  function contention(starvation: boolean, rounds: number) {
    const mu = new Mutex('mu', starvation);
    const out = runWith(
      'threads',
      (h) => [
        one('a', gen('a', function* () {
          for (let i = 0; i < rounds; i++) {
            yield lock(mu);
            yield compute(ms(0.5));
            yield unlock(mu);
          }
          h.mark('a done');
        })),
        one('b', gen('b', function* () {
          yield lock(mu);
          h.mark('b locked');
          yield compute(ms(0.5));
          yield unlock(mu);
        })),
      ],
      { cpus: 2 },
    );
    return { ...out, mu };
  }

  it('normal mode: the unlocker re-locks before the woken waiter runs (barging)', () => {
    // Without starvation mode a, which re-locks in the same instant it unlocks, wins every
    // round; b, woken at each unlock, finds the lock taken and waits again at the head.
    // b gets the lock only when a exits at 6 × 0.5 = 3.
    const { log, mu } = contention(false, 6);
    expect(log).toEqual([
      [3, 'a done'],
      [3, 'b locked'],
    ]);
    expect(mu.handoffs).toBe(0);
  });

  it('starvation mode: after waiting > 1 ms the waiter gets the lock handed over', () => {
    // b woken at 0.5, 1.0 (waited exactly 1: not more), 1.5: waited 1.5 > 1 with the lock
    // held → starvation mode. a's unlock at 2.0 hands the lock to b directly (b waited 2.0
    // and no one else waits → the mode ends). a's next lock at 2.0 waits; b unlocks at 2.5;
    // a's remaining 2 rounds: 2.5–3.0, 3.0–3.5.
    const { log, mu } = contention(true, 6);
    expect(log).toEqual([
      [2, 'b locked'],
      [3.5, 'a done'],
    ]);
    expect(mu.handoffs).toBe(1);
    expect(mu.starving).toBe(false);
  });

  it('unlock of an unlocked mutex panics', () => {
    const mu = new Mutex('m');
    const { result } = runWith('threads', () => [one('t', gen('t', function* () {
      yield unlock(mu);
    }))]);
    expect(result.outcome).toBe('panic');
    expect(result.panic).toBe('panic: sync: unlock of unlocked mutex m [task 1 t]');
  });
});

describe.each(MODELS)('WaitGroup and spawn under %s', (model) => {
  it('Wait returns when the last Done brings the counter to 0', () => {
    // 4 CPUs: main adds 3, spawns workers of 1, 2, 3 ms, waits; released at 3.
    const { log, result } = runWith(
      model,
      (h) => {
        const wg = new WaitGroup('wg');
        const worker = (d: number): Program =>
          gen(`w${d}`, function* () {
            yield compute(ms(d));
            h.mark(`w${d} done`);
            yield wgDone(wg);
          });
        return [one('main', gen('main', function* () {
          yield wgAdd(wg, 3);
          for (const d of [1, 2, 3]) yield spawn(worker(d));
          yield wgWait(wg);
          h.mark('main released');
        }))];
      },
      { cpus: 4 },
    );
    expect(log).toEqual([
      [1, 'w1 done'],
      [2, 'w2 done'],
      [3, 'w3 done'],
      [3, 'main released'],
    ]);
    expect(result.tasks.created).toBe(1);
    expect(result.outcome).toBe('completed');
  });

  it('a negative counter panics', () => {
    const { result } = runWith(model, () => {
      const wg = new WaitGroup('wg');
      return [one('t', gen('t', function* () {
        yield wgDone(wg);
      }))];
    });
    expect(result.panic).toBe('panic: sync: negative WaitGroup counter (wg) [task 1 t]');
  });
});

describe('spawn costs', () => {
  const parent = (h: H): SourceSpec[] => [
    one('parent', gen('parent', function* () {
      for (let i = 1; i <= 2; i++) {
        yield spawn(gen(`c${i}`, function* () {
          yield compute(ms(2));
          h.mark(`c${i} done`);
        }));
      }
      yield compute(ms(1));
      h.mark('parent done');
    })),
  ];

  it('threads: the creator pays the thread-creation cost for each spawn', () => {
    // threadCreate 1, 1 CPU fifo: parent 0–1 (create c1), 1–2 (create c2), 2–3 work;
    // c1 3–5, c2 5–7. Three threads.
    const { log, result } = runWith('threads', parent, { costs: { threadCreate: ms(1) } });
    expect(log).toEqual([
      [3, 'parent done'],
      [5, 'c1 done'],
      [7, 'c2 done'],
    ]);
    expect(result.threads.created).toBe(3);
  });

  it('pool: submitting a task costs nothing and creates no thread', () => {
    // pool:1: parent 0–1, then c1 1–3, c2 3–5 on the same worker.
    const { log, result } = runWith('pool:1', parent, { costs: { threadCreate: ms(1) } });
    expect(log).toEqual([
      [1, 'parent done'],
      [3, 'c1 done'],
      [5, 'c2 done'],
    ]);
    expect(result.threads.created).toBe(1);
  });

  it('threads: a task arriving from outside pays the creation cost on its own new thread', () => {
    // Batch at 5: the new thread spends 1 creating itself, then computes 1 → done at 7.
    const { log } = runWith(
      'threads',
      (h) => [
        {
          kind: 'batch',
          name: 'late',
          count: 1,
          at: ms(5),
          program: gen('late', function* () {
            yield compute(ms(1));
            h.mark('late done');
          }),
        },
      ],
      { costs: { threadCreate: ms(1) } },
    );
    expect(log).toEqual([[7, 'late done']]);
  });
});

describe('deadlock detection', () => {
  it('tasks blocked forever end the run with outcome deadlock, listing who waits on what', () => {
    const { result } = runWith('threads', () => {
      const c = new Chan('c', 0);
      const mu = new Mutex('mu');
      return [
        one('r', gen('r', function* () {
          yield recv(c);
        })),
        one('locker', gen('locker', function* () {
          yield lock(mu);
          yield lock(mu);
        })),
      ];
    });
    expect(result.outcome).toBe('deadlock');
    expect(result.deadlock?.blocked).toEqual([
      { task: 1, name: 'r', reason: 'chan receive', on: 'c', where: 'thread 1 waiting (chan receive)' },
      { task: 2, name: 'locker', reason: 'sync.Mutex.Lock', on: 'mu', where: 'thread 2 waiting (sync.Mutex.Lock)' },
    ]);
  });

  it('pool:1 deadlocks where threads do not: the parent holds the only worker waiting for its child', () => {
    const build = (): SourceSpec[] => {
      const c = new Chan('c', 0);
      return [
        one('parent', gen('parent', function* () {
          yield spawn(gen('child', function* () {
            yield send(c, 1);
          }));
          yield recv(c);
        })),
      ];
    };
    expect(runWith('threads', build).result.outcome).toBe('completed');
    expect(runWith('pool:2', build).result.outcome).toBe('completed');
    const pool = runWith('pool:1', build).result;
    expect(pool.outcome).toBe('deadlock');
    expect(pool.deadlock?.blocked).toEqual([
      { task: 1, name: 'parent', reason: 'chan receive', on: 'c', where: 'on worker 0 (thread 1 waiting)' },
      { task: 2, name: 'child', reason: 'runnable', on: '', where: 'queued, waiting for a pool worker' },
    ]);
  });
});
