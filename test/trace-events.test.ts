/**
 * Trace event objects: every event the core emits — refilled or built per event, OS layer,
 * tasks and Go runtime — has the same fields in the same order (so all of them share one
 * hidden class and a sink's loads stay monomorphic), and MemorySink keeps only each kind's
 * own fields.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulate, type SimConfig } from '../src/sim.js';
import { EVENT_FIELDS, MemorySink, newEvent, traceEvent, type TraceEvent, type TraceKind } from '../src/trace/events.js';
import { loadScenario } from '../src/workload/scenario.js';

/** Records each event's key list and kind as emitted (before any copy). */
class KeySink {
  readonly keyLists = new Set<string>();
  readonly kinds = new Set<TraceKind>();
  emit(ev: TraceEvent): void {
    this.keyLists.add(Object.keys(ev).join(','));
    this.kinds.add(ev.k);
  }
}

const ALL_KEYS = 'k,t,tid,name,group,from,to,cpu,why,what,on,n,task,parent,op,detail,g,p,m,victim,round,runnext,live,spinning,idleP,threads,subject,text,late,polled,waker,wakerCpu';

/** Threads under a CPU quota with periodic balancing: thread, tstate, cpu, migrate, throttle, task, taskEnd. */
const threads: SimConfig = {
  name: 'shapes',
  seed: 3,
  machine: { cpus: 4 },
  os: { policy: 'cfs', balanceIntervalNs: 4_000_000, bandwidth: { quotaNs: 2_000_000, periodNs: 5_000_000 } },
  model: 'threads',
  workload: {
    sources: [
      { kind: 'batch', name: 'a', count: 12, program: [{ repeat: 4, do: [{ compute: { dist: 'exponential', mean: 900_000 } }, { io: { dist: 'exponential', mean: 300_000 } }] }] },
      { kind: 'batch', name: 'b', count: 2, program: [{ compute: 3_000_000 }], at: 1_000_000 },
    ],
  },
};

/** go:4 with 256 goroutines in bursts and netpoll waits: steals happen. */
const goSteal: SimConfig = {
  name: 'shapes-go',
  seed: 1,
  machine: { cpus: 4 },
  os: { policy: 'cfs' },
  model: 'go:4',
  limits: { events: 100_000 },
  workload: { sources: [{ kind: 'batch', name: 'g', count: 256, program: [{ repeat: 'forever', do: [{ compute: { dist: 'exponential', mean: 50_000 } }, { io: { dist: 'exponential', mean: 200_000 } }] }] }] },
};

describe('trace event objects', () => {
  it('share one field list, in one order, whatever their kind', () => {
    const go = loadScenario(readFileSync('examples/go-work-stealing.yaml', 'utf8'), 'go-work-stealing.yaml').config;
    const sink = new KeySink();
    simulate(threads, { trace: sink });
    simulate(go, { trace: sink });
    simulate(goSteal, { trace: sink });
    expect([...sink.kinds].sort()).toEqual(['cpu', 'decision', 'g', 'gcounts', 'grunq', 'gstate', 'gtake', 'migrate', 'mstate', 'prun', 'pstate', 'runq', 'steal', 'task', 'taskEnd', 'thread', 'throttle', 'tstate']);
    expect([...sink.keyLists]).toEqual([ALL_KEYS]);
  });

  it('newEvent and traceEvent build that shape; MemorySink keeps each kind’s fields only', () => {
    expect(Object.keys(newEvent('prun')).join(',')).toBe(ALL_KEYS);
    const ev = traceEvent({ k: 'migrate', t: 5, tid: 3, from: 1, to: 2, why: 'idle pull' });
    expect(Object.keys(ev).join(',')).toBe(ALL_KEYS);
    const mem = new MemorySink();
    mem.emit(ev);
    mem.emit(traceEvent({ k: 'throttle', t: 7, group: 'g', cpu: 1, on: true }));
    expect(mem.events).toEqual([
      { k: 'migrate', t: 5, tid: 3, from: 1, to: 2, why: 'idle pull' },
      { k: 'throttle', t: 7, group: 'g', cpu: 1, on: true },
    ]);
    expect(Object.keys(mem.events[0]!)).toEqual(EVENT_FIELDS.migrate);
  });

  it('MemorySink copies: a refilled event changed after emit does not change what it kept', () => {
    const mem = new MemorySink();
    const ev = newEvent('runq');
    ev.t = 1;
    ev.p = 0;
    ev.n = 4;
    mem.emit(ev);
    ev.t = 2;
    ev.n = 5;
    mem.emit(ev);
    expect(mem.events).toEqual([
      { k: 'runq', t: 1, p: 0, n: 4 },
      { k: 'runq', t: 2, p: 0, n: 5 },
    ]);
  });
});
