/**
 * `schedlab explain`: the story of one thread, task or goroutine, compared as exact text on a
 * small scenario (two CPU-bound threads on one CPU, round robin, then an IO wait).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { explainFile } from '../src/cli/explain.js';
import { UsageError } from '../src/cli/trace-options.js';
import { cliRun } from './cli-support.js';

const dir = mkdtempSync(join(tmpdir(), 'schedlab-explain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'two-hogs.yaml');
writeFileSync(
  file,
  `name: two-hogs
machine: {cpus: 1, costs: {contextSwitch: 1us, wakeupIpi: 0ns, threadCreate: 0ns, syscall: 0ns, timerSlack: 0ns}}
os: {policy: rr, quantum: 10ms, exactSliceEnd: true, balanceInterval: 0ns}
workload:
  - batch: 2
    name: hog
    program: [{compute: 15ms}, {io: 2ms}, {compute: 1ms}]
`,
);

describe('explain', () => {
  it('tells counts the same below and past the 1,024 whose text pieces are built once', () => {
    const many = join(dir, 'many-hogs.yaml');
    writeFileSync(
      many,
      `name: many-hogs
machine: {cpus: 1, costs: {contextSwitch: 1us, wakeupIpi: 0ns, threadCreate: 0ns, syscall: 0ns, timerSlack: 0ns}}
os: {policy: rr, quantum: 10ms, exactSliceEnd: true, balanceInterval: 0ns}
workload:
  - batch: 1100
    name: hog
    program: [{compute: 1ms}]
`,
    );
    // Thread N waited behind T1 (running) and N - 2 queued threads, while the CPU ran the rest
    // of T1's turn, then the N - 2 turns of T2 … T(N-1), each 1ms plus a 1us switch.
    const waited = (tid: number): string | undefined =>
      explainFile(many, { thread: String(tid) })
        .split('\n')
        .find((l) => l.includes('waited:'))
        ?.trim();
    expect(waited(5)).toBe('waited: no free hardware thread for 4.004ms: queued on cpu 0 with T1 hog#1 (running) and 3 queued threads; meanwhile its cpu ran T1 hog#1 for 1.001ms, then 3 turns of other threads for 3.003ms');
    expect(waited(3)).toBe('waited: no free hardware thread for 2.002ms: queued on cpu 0 with T1 hog#1 (running) and 1 queued thread; meanwhile its cpu ran T1 hog#1 for 1.001ms, then T2 hog#2 for 1.001ms');
    expect(waited(2)).toBe('waited: no free hardware thread for 1.001ms: queued on cpu 0 with T1 hog#1 (running); meanwhile its cpu ran T1 hog#1 for 1.001ms');
    expect(waited(1100)).toBe(
      'waited: no free hardware thread for 1.1s: queued on cpu 0 with T1 hog#1 (running) and 1098 queued threads; meanwhile its cpu ran T1 hog#1 for 1.001ms, then 1098 turns of other threads for 1.099s',
    );
  });

  it('names the thread that runs next as running, for a thread queued while its CPU switched to it', () => {
    // Three hogs of 15 ms on one CPU, a 10 ms quantum (the 1 us switch-in included). At 10 ms
    // T1's quantum ends: it is queued behind T2 and T3 while the CPU runs nothing, and T2 is
    // dispatched at that instant. So T1 waited with T2 running and T3 queued; T2's whole turn
    // (10 ms) is the running thread's, then T3's (10 ms) follows. At 20 ms T2 is queued the
    // same way, with T3 running and T1 queued: T3's turn, then T1's last 5.002 ms. (T2's first
    // wait, from its creation behind the running T1, was always told so.)
    const three = join(dir, 'three-hogs.yaml');
    writeFileSync(three, readFileSync(file, 'utf8').replace('batch: 2', 'batch: 3').replace('{compute: 15ms}, {io: 2ms}, {compute: 1ms}', '{compute: 15ms}'));
    const waited = (tid: number): string[] =>
      explainFile(three, { thread: String(tid) })
        .split('\n')
        .filter((l) => l.includes('waited:'))
        .map((l) => l.trim());
    expect(waited(1)).toEqual(['waited: no free hardware thread for 20ms: queued on cpu 0 with T2 hog#2 (running) and 1 queued thread; meanwhile its cpu ran T2 hog#2 for 10ms, then T3 hog#3 for 10ms']);
    expect(waited(2)).toEqual([
      'waited: no free hardware thread for 10ms: queued on cpu 0 with T1 hog#1 (running); meanwhile its cpu ran T1 hog#1 for 10ms',
      'waited: no free hardware thread for 15.002ms: queued on cpu 0 with T3 hog#3 (running) and 1 queued thread; meanwhile its cpu ran T3 hog#3 for 10ms, then T1 hog#1 for 5.002ms',
    ]);
  });

  it('tells the whole story of a thread', () => {
    expect(explainFile(file, { thread: '2' })).toBe(
      [
        'scenario two-hogs, seed 1, model threads, policy rr, 1 hardware thread',
        'thread 2 (hog#2)',
        '           0  Runnable for 10ms',
        '              why: created on cpu 0 (no idle cpu; least loaded, 1 thread)',
        '              waited: no free hardware thread for 10ms: queued on cpu 0 with T1 hog#1 (running); meanwhile its cpu ran T1 hog#1 for 10ms',
        '              then: dispatched on cpu 0',
        '        10ms  Running for 10ms',
        '              why: dispatched on cpu 0',
        '              on cpu 0: switch-in 1us (context switch) then ran 9.999ms',
        '              then: preempted: time slice expired',
        '        20ms  Runnable for 5.002ms',
        '              why: preempted: time slice expired',
        '              waited: no free hardware thread for 5.002ms: queued on cpu 0 with T1 hog#1 (running); meanwhile its cpu ran T1 hog#1 for 5.002ms',
        '              then: dispatched on cpu 0',
        '    25.002ms  Running for 5.002ms',
        '              why: dispatched on cpu 0',
        '              on cpu 0: switch-in 1us (context switch) then ran 5.001ms',
        '              then: IO wait',
        '    30.004ms  Waiting (IO wait) for 2ms',
        '              why: IO wait',
        '              then: timer: IO wait done; placed on its previous cpu 0 (idle)',
        '    32.004ms  Running for 1.001ms',
        '              why: dispatched on cpu 0',
        '              on cpu 0: switch-in 1us (context switch) then ran 1ms',
        '              then: exit',
        'totals (thread): running 16.003ms in 3 turns, runnable 15.002ms, waiting 2ms; preempted 1×, blocked 1×; run ended at 33.005ms',
        '',
      ].join('\n'),
    );
  });

  it('tells only the interval covering --at', () => {
    expect(explainFile(file, { thread: '1', at: '12ms' })).toBe(
      [
        'scenario two-hogs, seed 1, model threads, policy rr, 1 hardware thread',
        'thread 1 (hog#1)',
        'at 12ms:',
        '        10ms  Runnable for 10ms',
        '              why: preempted: time slice expired',
        '              waited: no free hardware thread for 10ms: queued on cpu 0 with T2 hog#2 (running); meanwhile its cpu ran T2 hog#2 for 10ms',
        '              then: dispatched on cpu 0',
        'totals (thread): running 16.003ms in 3 turns, runnable 13.002ms, waiting 2ms; preempted 1×, blocked 1×; run ended at 33.005ms',
        '',
      ].join('\n'),
    );
  });

  it('binds a task to its thread, and under go to its goroutine', () => {
    const t = explainFile(file, { task: '2', at: '31ms' });
    expect(t.split('\n').slice(1, 4)).toEqual(['task 2 (hog#2)', '  created at 0, finished at 33.005ms (latency 33.005ms)', '  runs on its own OS thread T2: its story follows']);
    const g = explainFile(file, { task: '2', model: 'go:1', at: '20ms' });
    expect(g.split('\n').slice(0, 4)).toEqual(['scenario two-hogs, seed 1, model go:1, policy rr, 1 hardware thread', 'task 2 (hog)', '  created at 0, finished at 31.011ms (latency 31.011ms)', '  runs as goroutine G2: its story follows']);
    // A pool task has no thread or goroutine of its own: no totals of one.
    expect(explainFile(file, { task: '2', model: 'pool:1' })).toBe(
      [
        'scenario two-hogs, seed 1, model pool:1, policy rr, 1 hardware thread',
        'task 2 (hog)',
        '  created at 0, finished at 36.001ms (latency 36.001ms)',
        '  runs on a pool worker: the trace does not bind pool tasks to workers; see --thread for a worker',
        'run ended at 36.001ms',
        '',
      ].join('\n'),
    );
  });

  it('tells a goroutine story with the runtime reasons and the P and M it ran on', () => {
    const g = explainFile(file, { goroutine: '2', model: 'go:1' });
    expect(g).toContain('G');
    expect(g).toContain('why: findRunnable: runnext (inherits the time slice)');
    expect(g).toContain('on P0, M0 (OS thread T1)');
    expect(g).toContain('then: IO wait (netpoll)');
    // Its IO was ready at 18.003ms, but the one P ran the other hog and no M was blocked in
    // netpoll: sysmon's netpoll found it at 20.002ms.
    expect(g).toContain(
      [
        '    15.003ms  Gwaiting for 4.999ms',
        '              why: IO wait (netpoll)',
        '              IO ready 2.999ms before netpoll returned it (no M was blocked in netpoll: it waited for one to poll)',
        '              then: netpoll: IO ready (injectglist)',
      ].join('\n'),
    );
    // Grunnable intervals are attributed: here one P, busy with the other goroutines.
    expect(g).toMatch(/waited: no idle P for [0-9.]+(ms|us) \(every P was held by an M\)/);
  });

  it('says when the subject does not exist, and rejects bad flags', () => {
    expect(() => explainFile(file, { thread: '9' })).toThrow(new UsageError('--thread 9: no OS thread 9 in this run of two-hogs (seed 1, model threads): the run had OS threads T1–T2'));
    expect(() => explainFile(file, { task: '3', seed: '5' })).toThrow(new UsageError('--task 3: no task 3 in this run of two-hogs (seed 5, model threads): the run had tasks 1–2'));
    // Under go:1 each of the two tasks is a goroutine: G1 and G2.
    expect(() => explainFile(file, { goroutine: '40', model: 'go:1' })).toThrow(/^--goroutine 40: no goroutine 40 in this run of two-hogs \(seed 1, model go:1\): the run had goroutines G1–G2$/);
    // The subject exists: no error.
    expect(explainFile(file, { goroutine: '2', model: 'go:1' })).toContain('goroutine 2 (hog');
    expect(() => explainFile(file, {})).toThrow(UsageError);
    expect(() => explainFile(file, { thread: '1', task: '1' })).toThrow('give exactly one of --thread T, --task N, --goroutine G');
    expect(() => explainFile(file, { thread: 'x' })).toThrow('--thread x: an id is a whole number ≥ 1');
    expect(() => explainFile(file, { thread: '1', at: '12' })).toThrow('--at 12:');
    expect(() => explainFile(file, { goroutine: '1' })).toThrow('--goroutine: the model is threads');
    expect(() => explainFile(join(dir, 'missing.yaml'), { thread: '1' })).toThrow('missing.yaml: no such file');
  });
});

describe('explain on the command line', () => {
  it('takes an example by name, as run does, and prints to the command line\'s output', async () => {
    const examples = join(dir, 'examples');
    mkdirSync(examples);
    writeFileSync(join(examples, 'two-hogs.yaml'), readFileSync(file, 'utf8'));
    const r = await cliRun(['explain', 'two-hogs', '--thread', '2'], { examplesDir: examples });
    expect(r).toEqual({ code: 0, out: explainFile(file, { thread: '2' }), err: '' });
    expect(await cliRun(['explain', examples, '--thread', '1'])).toEqual({ code: 2, out: '', err: `${examples}: is a directory (expected a scenario file, .yaml or .json)\n` });
  });

  it('names what a thread queued behind only while it waited on one CPU: a move mid-wait gives the CPUs\' busy time', () => {
    const costs = '{contextSwitch: 0ns, wakeupIpi: 0ns, threadCreate: 0ns, syscall: 0ns, timerSlack: 0ns}';
    // An idle pull moves c#3 as cpu 1 frees up and runs it at once: all its wait was behind a#1 on cpu 0.
    const pulled = join(dir, 'pulled.yaml');
    writeFileSync(
      pulled,
      `name: pulled\nmachine: {cpus: 2, costs: ${costs}}\nos: {policy: fifo, balanceInterval: 0ns}\nworkload:\n` +
        '  - {batch: 1, name: a, program: [{compute: 10ms}]}\n  - {batch: 1, name: b, program: [{compute: 3ms}]}\n  - {batch: 1, at: 1ms, name: c, program: [{compute: 1ms}]}\n',
    );
    expect(explainFile(pulled, { thread: '3' })).toContain(
      'waited: no free hardware thread for 2ms: queued on cpu 0 with T1 a#1 (running); meanwhile its cpu ran T1 a#1 for 2ms; moved cpu 0 → cpu 1 (idle pull)',
    );
    // The periodic balance at 2ms moves w#1 from cpu 0 (behind hog#4) to cpu 1 (behind hog#5),
    // where it waits until 10.3ms: neither hog ran all of it.
    const balanced = join(dir, 'balanced.yaml');
    writeFileSync(
      balanced,
      `name: balanced\nmachine: {cpus: 2, costs: ${costs}}\nos: {policy: fifo, balanceInterval: 2ms}\nworkload:\n` +
        '  - {batch: 1, name: w, program: [{compute: 100us}, {sleep: 1ms}, {compute: 1ms}]}\n  - {batch: 1, name: x, program: [{compute: 100us}]}\n' +
        '  - {batch: 1, at: 150us, name: v, program: [{compute: 100us}, {sleep: 1ms}, {compute: 1ms}]}\n  - {batch: 2, at: 300us, name: hog, program: [{compute: 10ms}]}\n',
    );
    expect(explainFile(balanced, { thread: '1' })).toContain(
      'waited: no free hardware thread for 9.2ms: queued on cpu 0 with T4 hog#4 (running); meanwhile the cpus it was queued on were busy for 9.2ms; moved cpu 0 → cpu 1 (periodic load balance)',
    );
    // v#3 stayed on cpu 0 the whole time.
    expect(explainFile(balanced, { thread: '3' })).toContain('queued on cpu 0 with T4 hog#4 (running) and 1 queued thread; meanwhile its cpu ran T4 hog#4 for 9.05ms');
  });

  it('names the thread whose code ended a wait, and not for a timer\'s or a device\'s wake-up', () => {
    // T2 sends to T1 (blocked in recv) from cpu 1, twice; T1's IO wait ends by a device.
    const chan = join(dir, 'chan.yaml');
    writeFileSync(
      chan,
      'name: chan\nmachine: {cpus: 2, costs: {contextSwitch: 1us, wakeupIpi: 0ns, threadCreate: 0ns, syscall: 0ns, timerSlack: 0ns}}\nos: {policy: cfs, balanceInterval: 0ns}\n' +
        'channels: {c: 0}\nworkload:\n  - {batch: 1, name: cons, program: [{recv: c}, {io: 1ms}, {recv: c}]}\n  - {batch: 1, name: prod, program: [{compute: 2ms}, {send: c}, {compute: 2ms}, {send: c}]}\n',
    );
    expect(explainFile(chan, { thread: '1' })).toBe(
      [
        'scenario chan, seed 1, model threads, policy cfs, 2 hardware threads',
        'thread 1 (cons#1)',
        '           0  Running for 1us',
        '              why: dispatched on cpu 0',
        '              on cpu 0: switch-in 1us (context switch) then ran 0',
        '              then: chan receive',
        '         1us  Waiting (chan receive) for 2ms',
        '              why: chan receive',
        '              woken by T2 prod#2, running on cpu 1',
        '              then: readied by task 2; placed on its previous cpu 0 (idle)',
        '     2.001ms  Waiting (IO wait) for 1ms',
        '              why: IO wait',
        '              then: timer: IO wait done; placed on its previous cpu 0 (idle)',
        '     3.001ms  Waiting (chan receive) for 1ms',
        '              why: chan receive',
        '              woken by T2 prod#2, running on cpu 1',
        '              then: readied by task 2; placed on its previous cpu 0 (idle)',
        'totals (thread): running 1us in 4 turns, runnable 0, waiting 4ms; preempted 0×, blocked 3×; run ended at 4.001ms',
        '',
      ].join('\n'),
    );
  });
});
