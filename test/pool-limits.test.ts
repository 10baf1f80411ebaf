/**
 * The pool model's bounds on zero-time work (review finding B1) and the two C7 findings.
 *
 * A pool worker takes a task from the queue for free, so a program that spawns itself used to
 * keep one worker in one event for ever: no event was counted, so the run's limits never
 * applied, and every task was new, so the runner's per-task "no progress" guard never fired.
 * Now a worker goes on in a new event at the same instant after 64 tasks taken in one event
 * (so the limits see the work), and panics after 1,000,000 tasks in a row that take no time.
 *
 * Every in-process run here has a tripwire trace sink that throws once far more tasks have
 * been created than the run may create: with the fix reverted these tests fail, not hang.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detailLines } from '../src/metrics/report.js';
import { simulate, type RunResult, type SimConfig } from '../src/sim.js';
import type { TraceEvent, TraceSink } from '../src/trace/events.js';
import type { OpSpec, SourceSpec } from '../src/workload/spec.js';

/** A trace sink that throws once more than `max` tasks have been created. */
function tripwire(max: number): TraceSink {
  let tasks = 0;
  return {
    why: false,
    emit(ev: TraceEvent): void {
      if (ev.k === 'task' && ++tasks > max) throw new Error(`tripwire: more than ${max} tasks created; the run does not stop`);
    },
  };
}

function cfg(over: Partial<SimConfig> & { sources: SourceSpec[]; programs?: Record<string, OpSpec[]> }): SimConfig {
  const { sources, programs, ...rest } = over;
  return {
    name: 'pool-limits',
    seed: 1,
    machine: { cpus: 1 },
    os: { policy: 'cfs' },
    model: 'pool:1',
    workload: programs !== undefined ? { sources, programs } : { sources },
    ...rest,
  };
}

/** The review's program: every task spawns one more of itself and ends, taking no time. */
const SELF_SPAWN = { job: [{ spawn: 'job' }] as OpSpec[] };
const selfSpawnBatch: SourceSpec = { kind: 'batch', name: 'job', count: 60, program: 'job' };

describe('pool: a program that spawns itself stops at the limits', () => {
  it('the review case (pool:4 on 2 CPUs, events 1000, time 10ms) is truncated at the event limit', () => {
    const config = cfg({
      machine: { cpus: 2 },
      model: 'pool:4',
      limits: { events: 1000, timeNs: 10_000_000 },
      sources: [selfSpawnBatch],
      programs: SELF_SPAWN,
    });
    const r = simulate(config, { trace: tripwire(100_000), check: true });
    expect(r.outcome).toBe('truncated');
    expect(r.stopReason).toBe('event-limit');
    expect(r.events).toBe(1000);
    // Time stands still after the first context switch (1.1 µs): no task takes any.
    expect(r.simulatedNs).toBe(1100);
    expect(r.panic).toBeUndefined();
    // 64 tasks per event; the two workers on the two CPUs share the events.
    expect(r.tasks.created).toBe(60);
    expect(r.tasks.spawned.created).toBe(64_000);
    expect(r.pool).toEqual({ workers: 4, maxQueued: 60, tasksPerWorker: [32_000, 32_000, 0, 0] });
    // The invariant check and the trace do not change the result.
    expect(simulate(config)).toEqual(r);
  });

  it('without an event limit, a worker panics after 1,000,000 tasks in a row that take no time', { timeout: 120_000 }, () => {
    const r = simulate(cfg({ sources: [selfSpawnBatch], programs: SELF_SPAWN, limits: { timeNs: 10_000_000 } }), { trace: tripwire(1_200_000) });
    expect(r.outcome).toBe('panic');
    expect(r.panic).toBe('panic: no progress: pool worker 0 ran 1000000 tasks in a row without any taking time (tasks that only spawn more tasks?) [task 1000000 job]');
    expect(r.simulatedNs).toBe(1100);
    // 1,000,000 tasks, 64 per event.
    expect(r.events).toBe(15_625);
    expect(detailLines(r, undefined, false)).toEqual([
      'panic: no progress: pool worker 0 ran 1000000 tasks in a row without any taking time (tasks that only spawn more tasks?) [task 1000000 job]',
    ]);
  });

  it('the review command line ends with the same truncated outcome', { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'schedlab-pool-'));
    const file = join(dir, 'sw.yaml');
    writeFileSync(file, 'name: sw\nmachine: { cpus: 2 }\nos: { policy: cfs }\nmodel: pool:4\nprograms:\n  job:\n    - compute: 1ms\n    - io: exp(4ms)\nworkload:\n  - batch: 60\n    name: job\n    program: job\n');
    const args = ['bin/schedlab.js', 'run', file, '--model', 'pool:4', '--set', 'programs.job=[{spawn: job}]', '--set', 'limits.events=1000', '--set', 'limits.time=10ms', '--json'];
    // In a child process with a timeout: with the fix reverted it would never end.
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
    const r = JSON.parse(out) as RunResult;
    expect([r.outcome, r.stopReason, r.events, r.simulatedNs, r.tasks.spawned.created]).toEqual(['truncated', 'event-limit', 1000, 1100, 64_000]);
  });
});

describe('pool: zero-time tasks of a finite workload', () => {
  const emptyTasks = (count: number): SimConfig => cfg({ sources: [{ kind: 'batch', name: 'job', count, program: [] }] });

  it('up to 64 tasks run in one event, as before', () => {
    const r = simulate(emptyTasks(64), { trace: tripwire(64) });
    expect([r.outcome, r.events, r.simulatedNs]).toEqual(['completed', 1, 1100]);
    expect(r.contextSwitches).toEqual({ voluntary: 1, involuntary: 0, total: 1 });
  });

  it('more go on in new events at the same instant: same outcome and times, more events', () => {
    const r = simulate(emptyTasks(1000), { trace: tripwire(1000), check: true });
    expect(r.outcome).toBe('completed');
    expect(r.tasks.completed).toBe(1000);
    expect(r.simulatedNs).toBe(1100);
    expect(r.tasks.latencyNs.max).toBe(1100);
    // The first event (the worker's switch-in) and 15 more: ceil(1000 / 64) = 16.
    expect(r.events).toBe(16);
    // Going on in a new event is no switch: only the final block ("workload done") counts.
    expect(r.contextSwitches).toEqual({ voluntary: 1, involuntary: 0, total: 1 });
    expect(r.pool).toEqual({ workers: 1, maxQueued: 1000, tasksPerWorker: [1000] });
    expect(simulate(emptyTasks(1000))).toEqual(r);
  });
});

describe('C7: endless zero-time loops', () => {
  it('a panic reads "panic:" once', () => {
    const r = simulate(cfg({ model: 'threads', sources: [{ kind: 'batch', name: 'job', count: 1, program: [{ repeat: 'forever', do: [{ compute: 0 }] }] }] }));
    expect(r.outcome).toBe('panic');
    expect(r.panic).toBe('panic: no progress: 1000000 operations ran without any taking time (an endless loop of zero-time operations?) [task 1 job]');
    expect(detailLines(r)).toEqual(['panic: no progress: 1000000 operations ran without any taking time (an endless loop of zero-time operations?) [task 1 job]']);
  });

  it('a fatal runtime error keeps its own words after "panic:"', () => {
    const r = { panic: 'runtime: program exceeds 50-thread limit\nfatal error: thread exhaustion' } as RunResult;
    expect(detailLines(r)).toEqual(['panic: runtime: program exceeds 50-thread limit\nfatal error: thread exhaustion']);
  });

  it('a workload built in code with an empty forever loop is refused before it runs', () => {
    const empty = cfg({ sources: [{ kind: 'batch', name: 'job', count: 1, program: [{ compute: 1000 }, { repeat: 'forever', do: [] }] }] });
    expect(() => simulate(empty, { trace: tripwire(10) })).toThrow(
      new Error('repeat forever: the body runs no op (an empty list, or only empty or 0-times repeats); a forever loop needs at least one op to repeat'),
    );
  });
});

describe('go: goroutines that take no time, run back to back', () => {
  const ZERO_GO = { goroutineSwitch: 0, goStatement: 0, stealProbe: 0, netpoll: 0, asyncPreempt: 0, sysmonLoop: 0, syncOp: 0 };

  it('a program that spawns itself under go:2 with zero Go costs stops at the event limit (it overflowed the stack)', () => {
    const config = cfg({ machine: { cpus: 2 }, model: 'go:2', go: { costs: ZERO_GO }, limits: { events: 1000 }, sources: [selfSpawnBatch], programs: SELF_SPAWN });
    const r = simulate(config, { trace: tripwire(1_000_000), check: true });
    expect(r.outcome).toBe('truncated');
    expect(r.stopReason).toBe('event-limit');
    expect(r.events).toBe(1000);
    expect(r.panic).toBeUndefined();
  });

  it('a finite batch of such goroutines: the same times as one event would give, in more events', () => {
    const config = cfg({ model: 'go:1', go: { costs: ZERO_GO }, sources: [{ kind: 'batch', name: 'g', count: 5000, program: [{ compute: 0 }] }] });
    const r = simulate(config, { check: true });
    expect(r.outcome).toBe('completed');
    expect(r.tasks.completed).toBe(5000);
    // Every goroutine ends at the instant the first one starts.
    expect(r.tasks.latencyNs.max).toBe(r.tasks.latencyNs.p50);
  });
});
