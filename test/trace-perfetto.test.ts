/**
 * Perfetto export: a tiny run written as JSON and as protobuf, read back and checked against
 * the importer rules (uint32 ids, no pid 0, tids unique across processes, a name for every
 * thread, non-overlapping slices per lane, numeric counters) and against the exact slices,
 * scheduler events and explanations of the run. The file side (temp file, rename, gzip,
 * no file on abort) is checked through TraceFile.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { TraceFile, traceFormatOf, traceMetaOf } from '../src/node/trace-file.js';
import { simulate, type SimConfig } from '../src/sim.js';
import type { TraceMeta } from '../src/trace/encoder.js';
import { PerfettoSink } from '../src/trace/perfetto.js';
import { JsonEncoder } from '../src/trace/perfetto-json.js';
import { ProtoEncoder } from '../src/trace/perfetto-proto.js';
import { pbDecode, pbPacked, pbString, type PbField } from '../src/trace/protowire.js';
import { MemorySink } from '../src/trace/events.js';
import { OsTimeline, type CauseTexts, type ThreadInterval } from '../src/trace/timeline.js';

const MS = 1_000_000;
const US = 1_000;
const ZERO = { contextSwitch: 0, wakeupIpi: 0, threadCreate: 0, syscall: 0, timerSlack: 0 };

/** Two CPU-bound threads of 15 ms on one CPU, round robin with a 10 ms slice, 1 us switches. */
function twoHogs(): SimConfig {
  return {
    name: 'two-hogs',
    seed: 1,
    machine: { cpus: 1, costs: { ...ZERO, contextSwitch: 1 * US } },
    os: { policy: 'rr', params: { quantum: 10 * MS }, exactSliceEnd: true, balanceIntervalNs: 0 },
    model: 'threads',
    workload: { sources: [{ kind: 'batch', name: 'hog', count: 2, program: [{ compute: 15 * MS }] }] },
  };
}

/** One thread: compute 1 ms, IO 2 ms, compute 1 ms. */
function ioThread(): SimConfig {
  return {
    name: 'io',
    seed: 1,
    machine: { cpus: 1, costs: { ...ZERO, contextSwitch: 1 * US } },
    os: { policy: 'cfs', balanceIntervalNs: 0 },
    model: 'threads',
    workload: { sources: [{ kind: 'batch', name: 'io', count: 1, program: [{ compute: 1 * MS }, { io: 2 * MS }, { compute: 1 * MS }] }] },
  };
}

function collect(config: SimConfig, format: 'json' | 'proto', why = true): { text: string; bytes: Uint8Array } {
  const parts: Array<string | Uint8Array> = [];
  const w = { write: (c: string | Uint8Array) => parts.push(typeof c === 'string' ? c : c.slice()) };
  const meta: TraceMeta = traceMetaOf(config);
  const enc = format === 'json' ? new JsonEncoder(w) : new ProtoEncoder(w);
  simulate(config, { trace: new PerfettoSink(enc, meta, { why }) });
  // Both encoders hand out byte chunks (a character's UTF-8 may span two of them).
  expect(parts.every((p) => p instanceof Uint8Array)).toBe(true);
  const n = parts.reduce((a, p) => a + (p as Uint8Array).length, 0);
  const bytes = new Uint8Array(n);
  let off = 0;
  for (const p of parts as Uint8Array[]) {
    bytes.set(p, off);
    off += p.length;
  }
  if (format === 'json') return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), bytes: new Uint8Array() };
  return { text: '', bytes };
}

// ------------------------------------------------------------------ JSON

interface JsonEvent {
  ph: string;
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  name: string;
  args?: Record<string, unknown>;
}

/**
 * Rules of Perfetto's JSON reader on the raw text: a string ends at the first quote not
 * preceded by a backslash, so an escaped backslash before a closing quote (`\\"`) would run
 * the string on (schedlab writes backslashes as \u005c); nothing may follow the closing brace.
 */
function checkJsonText(text: string): void {
  expect(text.includes('\\\\"'), 'an escaped backslash before a quote').toBe(false);
  expect(text.endsWith('}'), 'bytes after the closing brace').toBe(true);
}

/** A counter as Perfetto names its track ("<name> <argument>") and its value. */
function counterOf(e: JsonEvent): [string, unknown] {
  const [key, value] = Object.entries(e.args!)[0]!;
  return [`${e.name} ${key}`, value];
}

/** Checks the JSON importer rules; returns thread names by tid. */
function checkJsonRules(events: JsonEvent[]): Map<number, string> {
  const names = new Map<number, string>();
  const tidPid = new Map<number, number>();
  for (const e of events) {
    expect(Number.isInteger(e.pid) && e.pid > 0 && e.pid < 2 ** 32, `pid ${e.pid}`).toBe(true);
    if (e.tid !== undefined) {
      expect(Number.isInteger(e.tid) && e.tid > 0 && e.tid < 2 ** 32, `tid ${e.tid}`).toBe(true);
      const p = tidPid.get(e.tid);
      if (p !== undefined) expect(p, `tid ${e.tid} under two pids`).toBe(e.pid);
      tidPid.set(e.tid, e.pid);
    }
    if (e.ph === 'M' && e.name === 'thread_name') names.set(e.tid!, e.args!.name as string);
    if (e.ph === 'C') for (const v of Object.values(e.args!)) expect(typeof v).toBe('number');
  }
  for (const tid of tidPid.keys()) expect(names.has(tid), `thread_name for tid ${tid}`).toBe(true);
  // X slices on one lane never overlap (so they need no nesting).
  const lanes = new Map<string, JsonEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X') continue;
    const k = `${e.pid}/${e.tid}`;
    lanes.set(k, [...(lanes.get(k) ?? []), e]);
  }
  const ns = (us: number): number => Math.round(us * 1000);
  for (const [k, xs] of lanes) {
    xs.sort((a, b) => a.ts! - b.ts!);
    for (let i = 1; i < xs.length; i++) expect(ns(xs[i]!.ts!) >= ns(xs[i - 1]!.ts!) + ns(xs[i - 1]!.dur!), `overlap on ${k}`).toBe(true);
  }
  return names;
}

describe('Perfetto JSON export', () => {
  const { text } = collect(twoHogs(), 'json');
  const doc = JSON.parse(text) as { traceEvents: JsonEvent[]; otherData: Record<string, unknown> };
  const events = doc.traceEvents;

  it('follows the importer rules', () => {
    const names = checkJsonRules(events);
    expect([...names.values()]).toEqual(['cpu0', 'hog#1', 'hog#2']);
    checkJsonText(text);
    // The run's parameters: in otherData, which Perfetto skips, and in a global instant at 0.
    const run = { tool: 'schedlab', scenario: 'two-hogs', seed: 1, model: 'threads', policy: 'rr', cpus: 1, endNs: 30_004_000 };
    expect(doc.otherData).toEqual(run);
    expect(events.filter((e) => e.ph === 'i' && (e as { s?: string }).s === 'g').map((e) => [e.ts, e.name, e.args])).toEqual([[0, 'schedlab run', run]]);
    // Counter tracks read as Perfetto names them ("<name> <argument>"), with no " value".
    expect([...new Set(events.filter((e) => e.ph === 'C').map((e) => counterOf(e)[0]))]).toEqual(['cpu0 queued threads']);
    // Split at the first space: the event's name and its one argument.
    expect([...new Set(events.filter((e) => e.ph === 'C').map((e) => `${e.name}|${Object.keys(e.args!).join(',')}`))]).toEqual(['cpu0|queued threads']);
  });

  it('shows the hardware thread lane with switches and runs, exactly', () => {
    const cpuTid = [...events].find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args!.name === 'cpu0')!.tid;
    const lane = events.filter((e) => e.ph === 'X' && e.tid === cpuTid).map((e) => [e.ts, e.dur, e.name]);
    expect(lane).toEqual([
      [0, 1, 'switch → T1 hog#1'],
      [1, 9999, 'T1 hog#1'],
      [10000, 1, 'switch → T2 hog#2'],
      [10001, 9999, 'T2 hog#2'],
      [20000, 1, 'switch → T1 hog#1'],
      [20001, 5001, 'T1 hog#1'],
      [25002, 1, 'switch → T2 hog#2'],
      [25003, 5001, 'T2 hog#2'],
    ]);
  });

  it('gives every OS thread its states with why, cause and next', () => {
    const t2 = events.filter((e) => e.ph === 'X' && e.tid === 2).map((e) => [e.ts, e.dur, e.name, e.args]);
    expect(t2).toEqual([
      [
        0,
        10000,
        'Runnable',
        {
          why: 'created on cpu 0 (no idle cpu; least loaded, 1 thread)',
          cause: 'no free hardware thread for 10ms: queued on cpu 0 with T1 hog#1 (running); meanwhile its cpu ran T1 hog#1 for 10ms',
          next: 'dispatched on cpu 0',
          cpu: 0,
        },
      ],
      [10000, 10000, 'Running', { why: 'dispatched on cpu 0', cause: 'on cpu 0: switch-in 1us (context switch) then ran 9.999ms', next: 'preempted: time slice expired', cpu: 0 }],
      [
        20000,
        5002,
        'Runnable',
        {
          why: 'preempted: time slice expired',
          cause: 'no free hardware thread for 5.002ms: queued on cpu 0 with T1 hog#1 (running); meanwhile its cpu ran T1 hog#1 for 5.002ms',
          next: 'dispatched on cpu 0',
          cpu: 0,
        },
      ],
      [25002, 5002, 'Running', { why: 'dispatched on cpu 0', cause: 'on cpu 0: switch-in 1us (context switch) then ran 5.001ms', next: 'exit', cpu: 0 }],
    ]);
  });

  it('counts queued threads per CPU', () => {
    const c = events.filter((e) => e.ph === 'C' && counterOf(e)[0] === 'cpu0 queued threads').map((e) => [e.ts, counterOf(e)[1]]);
    // Changes within one instant are coalesced (a preemption requeues one thread and
    // dispatches another at the same time), and unchanged values are not repeated.
    expect(c).toEqual([
      [0, 1],
      [25002, 0],
    ]);
  });

  it('leaves the details out when asked to', () => {
    const bare = JSON.parse(collect(twoHogs(), 'json', false).text) as { traceEvents: JsonEvent[] };
    const t2 = bare.traceEvents.filter((e) => e.ph === 'X' && e.tid === 2);
    expect(t2.map((e) => [e.name, e.args])).toEqual([
      ['Runnable', undefined],
      ['Running', undefined],
      ['Runnable', undefined],
      ['Running', undefined],
    ]);
  });

  it('writes a long run as byte chunks of one valid document, with quotes and non-ASCII in names', () => {
    const name = 'w"ö→\\';
    const cfg: SimConfig = {
      ...ioThread(),
      // Ends in a backslash: the run's parameters end a string with it.
      name: `quoted ${name}`,
      machine: { cpus: 2, costs: { ...ZERO, contextSwitch: 1 * US } },
      limits: { events: 8_000 },
      workload: { sources: [{ kind: 'batch', name, count: 6, program: [{ repeat: 'forever', do: [{ compute: 300 * US }, { io: 500 * US }] }] }] },
    };
    const parts: Uint8Array[] = [];
    const enc = new JsonEncoder({ write: (c) => parts.push((c as Uint8Array).slice()) });
    simulate(cfg, { trace: new PerfettoSink(enc, traceMetaOf(cfg)) });
    // Several chunks (256 KB each): a multi-byte character may be split between two.
    expect(parts.length).toBeGreaterThanOrEqual(3);
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.length;
    }
    const text = new TextDecoder('utf-8', { fatal: true }).decode(all);
    // Backslashes are written as \u005c, so Perfetto's reader ends a string that ends in one right.
    checkJsonText(text);
    expect(text.includes('"scenario":"quoted w\\"ö→\\u005c"')).toBe(true);
    expect(text.includes('\\\\')).toBe(false);
    const doc = JSON.parse(text) as { traceEvents: JsonEvent[] };
    const names = checkJsonRules(doc.traceEvents);
    expect([...names.values()].filter((n) => n.startsWith('w'))).toEqual([1, 2, 3, 4, 5, 6].map((i) => `${name}#${i}`));
    // The cause texts name the threads with the same characters.
    const causes = doc.traceEvents.filter((e) => e.ph === 'X' && e.name === 'Runnable').map((e) => e.args!.cause as string);
    expect(causes.some((c) => c.includes(`T2 ${name}#2`))).toBe(true);
    // Lane names carry the arrow and the name: "switch → T3 w"ö→\#3".
    expect(doc.traceEvents.some((e) => e.ph === 'X' && e.name === `switch → T3 ${name}#3`)).toBe(true);
  });

  it('names the wait of a blocked thread and its wake-up', () => {
    const ev = (JSON.parse(collect(ioThread(), 'json').text) as { traceEvents: JsonEvent[] }).traceEvents;
    const t1 = ev.filter((e) => e.ph === 'X' && e.tid === 1).map((e) => [e.ts, e.dur, e.name, e.args]);
    // A Waiting slice has no cause text: its name, why and length say it all (explain prints none either).
    expect(t1).toEqual([
      [0, 1001, 'Running', { why: 'dispatched on cpu 0', cause: 'on cpu 0: switch-in 1us (context switch) then ran 1ms', next: 'IO wait', cpu: 0 }],
      [1001, 2000, 'Waiting: IO wait', { why: 'IO wait', next: 'timer: IO wait done; placed on its previous cpu 0 (idle)' }],
      [3001, 1000, 'Running', { why: 'dispatched on cpu 0', cause: 'on cpu 0: ran 1ms', next: 'exit', cpu: 0 }],
    ]);
  });
});

describe('Perfetto export of the Go model', () => {
  const cfg: SimConfig = { ...ioThread(), name: 'go-io', model: 'go:1', workload: { sources: [{ kind: 'batch', name: 'req', count: 4, program: [{ compute: 1 * MS }, { io: 4 * MS }] }] } };
  const doc = JSON.parse(collect(cfg, 'json').text) as { traceEvents: JsonEvent[] };
  const events = doc.traceEvents;
  const names = checkJsonRules(events);
  const procNames = new Map(events.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => [e.pid, e.args!.name as string]));
  const tidOf = (name: string): number => [...names].find(([, n]) => n === name)![0];

  it('adds P, M and goroutine lanes and Go counters', () => {
    expect([...procNames.values()]).toEqual(['Hardware threads', 'Scheduler counters', 'go-io (OS threads)', 'Go Ps', 'Go scheduler counters', 'Go Ms', 'Goroutines', 'Go scheduler decisions']);
    // Every process an event is in has a name (none shows as "Process 1500000000").
    for (const e of events) if (e.ph !== 'M') expect(procNames.has(e.pid)).toBe(true);
    for (const n of ['P0', 'P0 status', 'G1 req', 'G2 req', 'G3 req', 'G4 req', 'M0', 'M0', 'sysmon']) expect([...names.values()]).toContain(n);
    const counters = new Set(events.filter((e) => e.ph === 'C').map((e) => counterOf(e)[0]));
    expect(counters.has('P0 runq')).toBe(true);
    // Derived from the goroutine and P events: 4 goroutines end one by one; P0 idles in between.
    const series = (name: string): unknown[] => events.filter((e) => e.ph === 'C' && counterOf(e)[0] === name).map((e) => counterOf(e)[1]);
    expect(series('live goroutines')).toEqual([4, 3, 2, 1, 0]);
    expect(series('idle Ps')[0]).toBe(0);
    expect(new Set(series('idle Ps'))).toEqual(new Set([0, 1]));
  });

  it('lists a P\'s lanes in rank order by tid, as Perfetto lists the threads of a JSON process', () => {
    const two = JSON.parse(collect({ ...cfg, model: 'go:2', machine: { ...cfg.machine, cpus: 2 } }, 'json').text) as { traceEvents: JsonEvent[] };
    const meta = two.traceEvents.filter((e) => e.ph === 'M');
    const ps = meta.find((e) => e.name === 'process_name' && e.args!.name === 'Go Ps')!.pid;
    const lanes = meta.filter((e) => e.name === 'thread_name' && e.pid === ps).sort((a, b) => a.tid! - b.tid!);
    expect(lanes.map((e) => e.args!.name)).toEqual(['P0', 'P0 status', 'P1', 'P1 status']);
  });

  it('shows each goroutine state with the runtime reason', () => {
    const g1 = events.filter((e) => e.ph === 'X' && e.tid === tidOf('G1 req')).map((e) => e.name);
    // The last Grunning (exit right after the IO) takes no time and is not drawn.
    expect(g1).toEqual(['Grunnable', 'Grunning', 'Gwaiting', 'Grunnable']);
    const waiting = events.find((e) => e.ph === 'X' && e.tid === tidOf('G1 req') && e.name === 'Gwaiting')!;
    // Returned by the M blocked in netpoll as the IO completed, 1 µs late: the only CPU had
    // last run sysmon (woken from its deep sleep by another goroutine's read after netpoll), so
    // the M's thread pays a switch to get back on it.
    expect(waiting.args).toEqual({ why: 'IO wait (netpoll)', cause: 'IO ready 1us before netpoll returned it (an M blocked in netpoll had to wake)', next: 'netpoll: IO ready', p: 0, m: 0 });
    // G1 waited for P0 while G4 ran it (GOMAXPROCS 1): the wait is attributed to no idle P.
    const runnable = events.find((e) => e.ph === 'X' && e.tid === tidOf('G1 req') && e.name === 'Grunnable')!;
    expect(runnable.args!.cause).toMatch(/^waited [0-9.]+(ms|us): no idle P for [0-9.]+(ms|us) \(every P was held by an M\)$/);
    const p0 = events.filter((e) => e.ph === 'X' && e.tid === tidOf('P0')).map((e) => e.name);
    expect(p0.slice(0, 4)).toEqual(['G4', 'G1', 'G2', 'G3']);
  });

  it('tells, on a Gwaiting slice, how long the IO was ready before netpoll returned the goroutine', () => {
    // The one P runs a 30 ms hog; nobody is blocked in netpoll, so the IO ready at 1 ms waits for sysmon's netpoll.
    const hog: SimConfig = { ...cfg, name: 'go-hog', workload: { sources: [{ kind: 'batch', name: 'hog', count: 1, program: [{ compute: 30 * MS }] }, { kind: 'batch', name: 'io', count: 1, program: [{ io: 1 * MS }, { compute: 10 * US }] }] } };
    const evs = (JSON.parse(collect(hog, 'json').text) as { traceEvents: JsonEvent[] }).traceEvents;
    const tids = checkJsonRules(evs);
    const io = [...tids].find(([, n]) => n === 'G2 io')![0];
    const waiting = evs.filter((e) => e.ph === 'X' && e.tid === io && e.name === 'Gwaiting');
    expect(waiting.map((e) => e.args)).toEqual([
      {
        why: 'IO wait (netpoll)',
        cause: 'IO ready 9.186ms before netpoll returned it (no M was blocked in netpoll: it waited for one to poll)',
        next: 'netpoll: IO ready (injectglist)',
        p: 0,
        m: 0,
      },
    ]);
  });

  it('writes the lanes through laneSlice as slice() would, byte for byte', () => {
    const many: SimConfig = { ...cfg, model: 'go:2', limits: { events: 5_000 }, workload: { sources: [{ kind: 'batch', name: 'req', count: 16, program: [{ repeat: 'forever', do: [{ compute: 300 * US }, { io: 1 * MS }] }] }] } };
    const text = (lanes: boolean): string => {
      const parts: Uint8Array[] = [];
      const enc = new JsonEncoder({ write: (c) => parts.push((c as Uint8Array).slice()) });
      // Shadowing the method: the sink then builds an arguments object per lane slice.
      if (!lanes) (enc as { laneSlice?: unknown }).laneSlice = undefined;
      simulate(many, { trace: new PerfettoSink(enc, traceMetaOf(many)) });
      return Buffer.concat(parts).toString('utf8');
    };
    const a = text(true);
    expect(a).toBe(text(false));
    // Every lane argument shows up, in the lanes' order.
    for (const shape of ['"args":{"g":', '"args":{"why":', ',"p":', ',"m":', ',"tid":', ',"cause":"waited ', ',"next":']) expect(a.includes(shape), shape).toBe(true);
  });

  it('encodes the same run as protobuf', () => {
    const pk = packets(collect(cfg, 'proto').bytes);
    const trackNames = pk.filter((p) => p.get(60) !== undefined && sub(p.get(60)).has(2)).map((p) => pbString(sub(p.get(60)).get(2)![0]!.data));
    expect(trackNames).toContain('Goroutines');
    expect(trackNames).toContain('G1 req');
  });
});

// ------------------------------------------------------------------ protobuf

interface Packet {
  fields: PbField[];
  get(n: number): PbField | undefined;
}

function packets(bytes: Uint8Array): Packet[] {
  return pbDecode(bytes).map((f) => {
    expect(f.field).toBe(1);
    const fields = pbDecode(f.data!);
    return { fields, get: (n: number) => fields.find((x) => x.field === n) };
  });
}

/** TracePacket.process_tree. */
const PROCESS_TREE = 2;

function sub(f: PbField | undefined): Map<number, PbField[]> {
  const m = new Map<number, PbField[]>();
  for (const x of pbDecode(f!.data!)) m.set(x.field, [...(m.get(x.field) ?? []), x]);
  return m;
}

/**
 * The scheduler events of a protobuf trace as [ts, cpu, text], in time order (stable): plain
 * FtraceEvents (sched_wakeup_new) and compact_sched batches, whose switches name only the next
 * thread — the previous one is the CPU's last next thread, as Perfetto reads them (0 at first).
 */
function schedEvents(pk: Packet[]): Array<[number, number, string]> {
  const out: Array<[number, number, string]> = [];
  /** By cpu, the last switch's next thread, as Perfetto keeps it. */
  const lastNext = new Map<number, number>();
  const nums = (f: PbField[] | undefined): number[] => (f ?? []).flatMap((x) => pbPacked(x.data));
  for (const p of pk) {
    const b = p.get(1);
    if (b === undefined) continue;
    const bundle = sub(b);
    const cpu = bundle.get(1)![0]!.num;
    for (const e of bundle.get(2) ?? []) {
      const fe = sub(e);
      const ts = fe.get(1)![0]!.num;
      if (fe.has(114)) {
        // Recorded in the creating thread's context: its tid is the event's common pid.
        const s = sub(fe.get(114)![0]);
        const by = fe.get(2)![0]!.num;
        out.push([ts, cpu, `new ${s.get(2)![0]!.num} -> cpu ${s.get(5)![0]!.num}${by !== 0 ? ` by ${by}` : ''}`]);
      } else throw new Error('unexpected ftrace event');
    }
    const cs = bundle.get(4);
    if (cs === undefined) continue;
    const c = sub(cs[0]);
    const table = (c.get(5) ?? []).map((f) => pbString(f.data));
    const [ts, state, pid, prio, comm] = [1, 2, 3, 4, 6].map((f) => nums(c.get(f)));
    let t = 0;
    for (let i = 0; i < ts!.length; i++) {
      t += ts![i]!;
      expect(prio![i]).toBe(120);
      if (!lastNext.has(cpu)) {
        // Perfetto skips a cpu's first switch (it has no previous thread): a switch to the idle task.
        expect([state![i], pid![i], table[comm![i]!]]).toEqual([0, 0, `swapper/${cpu}`]);
        lastNext.set(cpu, 0);
        continue;
      }
      out.push([t, cpu, `${lastNext.get(cpu)}(${state![i]}) -> ${pid![i]} ${table[comm![i]!]}`]);
      lastNext.set(cpu, pid![i]!);
    }
    const [wts, wpid, wcpu, wprio, wcomm, wflags] = [7, 8, 9, 10, 11, 12].map((f) => nums(c.get(f)));
    t = 0;
    for (let i = 0; i < wts!.length; i++) {
      t += wts![i]!;
      expect(wprio![i]).toBe(120);
      // common_flags 8 (hardirq): Perfetto's "Woken by: Interrupt"; 0: by the thread running on this cpu.
      out.push([t, cpu, `waking ${wpid![i]} ${table[wcomm![i]!]} -> cpu ${wcpu![i]}${wflags![i] === 8 ? ' (irq)' : wflags![i] === 0 ? '' : ` (flags ${wflags![i]})`}`]);
    }
  }
  return out.map((x, i) => [x, i] as const).sort((a, b) => a[0][0] - b[0][0] || a[1] - b[1]).map(([x]) => x);
}

describe('Perfetto protobuf export', () => {
  const { bytes } = collect(twoHogs(), 'proto');
  const pk = packets(bytes);

  it('starts a packet sequence that clears incremental state', () => {
    expect(pk[0]!.get(10)!.num).toBe(1);
    expect(pk[0]!.get(13)!.num).toBe(1);
    expect(pk[0]!.get(87)!.num).toBe(1);
  });

  it('describes the tracks: groups, lanes, counters, the process and its threads', () => {
    const tracks = pk
      .filter((p) => p.get(60) !== undefined)
      .map((p) => {
        const d = sub(p.get(60));
        const uuid = d.get(1)![0]!.num;
        const parent = d.get(5)?.[0]!.num ?? 0;
        if (d.has(3)) {
          const pd = sub(d.get(3)![0]);
          return [uuid, parent, 'process', pd.get(1)![0]!.num, pbString(pd.get(6)![0]!.data)];
        }
        if (d.has(4)) {
          const td = sub(d.get(4)![0]);
          return [uuid, parent, 'thread', td.get(1)![0]!.num, td.get(2)![0]!.num, pbString(td.get(5)![0]!.data)];
        }
        return [uuid, parent, d.has(8) ? 'counter' : 'track', pbString(d.get(2)![0]!.data)];
      });
    expect(tracks).toEqual([
      [1, 0, 'track', 'Hardware threads'],
      [2, 1, 'track', 'cpu0'],
      [3, 1, 'counter', 'cpu0 queued threads'],
      [4, 0, 'track', 'Scheduler counters'],
      [5, 0, 'process', 1_500_000_005, 'two-hogs (OS threads)'],
      [6, 5, 'thread', 1_500_000_005, 1, 'hog#1'],
      [7, 5, 'thread', 1_500_000_005, 2, 'hog#2'],
    ]);
    // The ProcessTree binds the sched events' tids to that process: threads only (a Process
    // entry would make Perfetto create its ppid as a process and rename ours after its cmdline).
    const entry = (x: PbField): [number, string, number] => {
      const t = sub(x);
      return [t.get(1)![0]!.num, pbString(t.get(2)![0]!.data), t.get(3)![0]!.num];
    };
    const tree = pk.filter((p) => p.get(PROCESS_TREE) !== undefined).map((p) => [...sub(p.get(PROCESS_TREE))].map(([f, xs]) => [f, xs.map(entry)]));
    expect(tree).toEqual([
      [[2, [[1, 'hog#1', 1_500_000_005]]]],
      [[2, [[2, 'hog#2', 1_500_000_005]]]],
    ]);
  });

  it('writes sched_switch and wake-ups for native CPU tracks, exactly', () => {
    // A creation is a sched_wakeup_new (Perfetto's raw table) and a sched_waking (its Runnable
    // state), here in interrupt context: no thread created them.
    expect(schedEvents(pk)).toEqual([
      [0, 0, 'new 1 -> cpu 0'],
      [0, 0, 'waking 1 hog#1 -> cpu 0 (irq)'],
      [0, 0, 'new 2 -> cpu 0'],
      [0, 0, '0(0) -> 1 hog#1'],
      [0, 0, 'waking 2 hog#2 -> cpu 0 (irq)'],
      [10 * MS, 0, '1(2048) -> 2 hog#2'],
      [20 * MS, 0, '2(2048) -> 1 hog#1'],
      [25_002_000, 0, '1(16) -> 2 hog#2'],
      [30_004_000, 0, '2(16) -> 0 swapper/0'],
    ]);
    // Switches and wake-ups go in compact_sched batches per CPU, each with its comm table. The
    // first one opens with the cpu's first switch (to the idle task), which Perfetto skips,
    // and ends early: a switch at the instant of a wake-up in the batch starts a new one, so
    // that the wake-up is read first.
    const compact = pk.filter((p) => p.get(1) !== undefined && sub(p.get(1)).has(4)).map((p) => sub(sub(p.get(1)).get(4)![0]));
    expect(compact.map((c) => c.get(5)!.map((f) => pbString(f.data)))).toEqual([
      ['swapper/0', 'hog#1'],
      ['hog#1', 'hog#2', 'swapper/0'],
    ]);
  });

  it('writes a wake-up from a wait as sched_waking', () => {
    expect(schedEvents(packets(collect(ioThread(), 'proto').bytes))).toEqual([
      [0, 0, 'new 1 -> cpu 0'],
      [0, 0, 'waking 1 io#1 -> cpu 0 (irq)'],
      [0, 0, '0(0) -> 1 io#1'],
      [1_001_000, 0, '1(1) -> 0 swapper/0'],
      // Written 1 ns before the switch-in it causes, so that Perfetto reads it first.
      [3_000_999, 0, 'waking 1 io#1 -> cpu 0 (irq)'],
      [3_001_000, 0, '0(0) -> 1 io#1'],
      [4_001_000, 0, '1(16) -> 0 swapper/0'],
    ]);
  });

  it('names the waker as Perfetto reads it: a wake-up on the waking thread\'s cpu, a creation in its creator\'s context', () => {
    // T2 computes 2ms on cpu 1, creates T3 and sends to T1, blocked in recv on cpu 0.
    const config: SimConfig = {
      name: 'wakers',
      seed: 1,
      machine: { cpus: 2, costs: { ...ZERO, contextSwitch: 1 * US } },
      os: { policy: 'cfs', balanceIntervalNs: 0 },
      model: 'threads',
      workload: {
        channels: [{ name: 'c', cap: 0 }],
        programs: { helper: [{ compute: 1 * MS }] },
        sources: [
          { kind: 'batch', name: 'cons', count: 1, program: [{ recv: 'c' }, { compute: 1 * MS }] },
          { kind: 'batch', name: 'prod', count: 1, program: [{ compute: 2 * MS }, { spawn: 'helper', count: 1 }, { send: 'c' }] },
        ],
      },
    };
    // Perfetto takes the waker of a sched_waking as the thread running on the cpu it was
    // recorded on (here T2 on cpu 1, not cpu 0 where T1 is placed), and marks one with the
    // hardirq flag as woken by an interrupt (the IO wake-up above); a sched_wakeup_new's
    // common pid is its creator.
    expect(schedEvents(packets(collect(config, 'proto').bytes))).toEqual([
      [0, 0, 'new 1 -> cpu 0'],
      [0, 0, 'waking 1 cons#1 -> cpu 0 (irq)'],
      [0, 1, 'new 2 -> cpu 1'],
      [0, 1, 'waking 2 prod#2 -> cpu 1 (irq)'],
      [0, 0, '0(0) -> 1 cons#1'],
      [0, 1, '0(0) -> 2 prod#2'],
      [1 * US, 0, '1(1) -> 0 swapper/0'],
      // At 2.001ms, written 1 ns early (Perfetto reads them before the switches they cause).
      [2_000_999, 1, 'new 3 -> cpu 0 by 2'],
      [2_000_999, 1, 'waking 3 helper#3 -> cpu 0'],
      [2_000_999, 1, 'waking 1 cons#1 -> cpu 0'],
      [2_001_000, 0, '0(0) -> 3 helper#3'],
      // T2 exits; cpu 1 pulls T1 from cpu 0's queue.
      [2_001_000, 1, '2(16) -> 1 cons#1'],
      [3_002_000, 0, '3(16) -> 0 swapper/0'],
      [3_002_000, 1, '1(16) -> 0 swapper/1'],
    ]);
    // The Waiting slice's details name the same waker, in both formats (the JSON trace has no
    // native wake-ups); a wait ended by a timer or a device has no cause (ioThread's).
    const doc = JSON.parse(collect(config, 'json').text) as { traceEvents: JsonEvent[] };
    const waits = (d: { traceEvents: JsonEvent[] }): Array<[number | undefined, string, unknown]> =>
      d.traceEvents.filter((e) => e.ph === 'X' && e.name.startsWith('Waiting')).map((e) => [e.tid, e.name, e.args?.cause]);
    expect(waits(doc)).toEqual([[1, 'Waiting: chan receive', 'woken by T2 prod#2, running on cpu 1']]);
    // The same through slice() with an arguments object, as for an encoder without stateSlice
    // (the playground's).
    const parts: Uint8Array[] = [];
    const plain = new JsonEncoder({ write: (c) => parts.push((c as Uint8Array).slice()) });
    (plain as { stateSlice?: unknown }).stateSlice = undefined;
    simulate(config, { trace: new PerfettoSink(plain, traceMetaOf(config)) });
    const viaSlice = JSON.parse(Buffer.concat(parts).toString('utf8')) as { traceEvents: JsonEvent[] };
    expect(waits(viaSlice)).toEqual(waits(doc));
    expect(waits(JSON.parse(collect(ioThread(), 'json').text) as { traceEvents: JsonEvent[] })).toEqual([[1, 'Waiting: IO wait', undefined]]);
  });

  it('writes slices as interned BEGIN/END pairs with debug annotations', () => {
    const names = new Map<number, string>();
    const argNames = new Map<number, string>();
    const values = new Map<number, string>();
    const slices: Array<[number, number, string, string]> = [];
    const open = new Map<number, { ts: number; name: string; why: string }>();
    for (const p of pk) {
      const inter = p.get(12);
      if (inter !== undefined) {
        const m = sub(inter);
        for (const en of m.get(2) ?? []) {
          const x = sub(en);
          names.set(x.get(1)![0]!.num, pbString(x.get(2)![0]!.data));
        }
        for (const en of m.get(3) ?? []) {
          const x = sub(en);
          argNames.set(x.get(1)![0]!.num, pbString(x.get(2)![0]!.data));
        }
        for (const en of m.get(29) ?? []) {
          const x = sub(en);
          values.set(x.get(1)![0]!.num, pbString(x.get(2)![0]!.data));
        }
      }
      const te = p.get(11);
      if (te === undefined) continue;
      expect(p.get(10)!.num).toBe(1);
      expect(p.get(13)!.num).toBe(2);
      const e = sub(te);
      const type = e.get(9)![0]!.num;
      const track = e.get(11)![0]!.num;
      const ts = p.get(8)!.num;
      if (type === 1) {
        let why = '';
        for (const da of e.get(4) ?? []) {
          const d = sub(da);
          // Recurring values are interned (string_value_iid = 17), others inline (string_value = 6).
          if (argNames.get(d.get(1)![0]!.num) === 'why') why = d.has(17) ? values.get(d.get(17)![0]!.num)! : pbString(d.get(6)![0]!.data);
        }
        expect(open.has(track)).toBe(false);
        open.set(track, { ts, name: names.get(e.get(10)![0]!.num)!, why });
      } else if (type === 2) {
        const b = open.get(track)!;
        open.delete(track);
        if (track === 7) slices.push([b.ts, ts, b.name, b.why]);
      }
    }
    expect(open.size).toBe(0);
    expect(slices).toEqual([
      [0, 10 * MS, 'Runnable', 'created on cpu 0 (no idle cpu; least loaded, 1 thread)'],
      [10 * MS, 20 * MS, 'Running', 'dispatched on cpu 0'],
      [20 * MS, 25_002_000, 'Runnable', 'preempted: time slice expired'],
      [25_002_000, 30_004_000, 'Running', 'dispatched on cpu 0'],
    ]);
  });

  it('without the why texts keeps only the Waiting slices on OS-thread tracks (Running / Runnable are native)', () => {
    const bare = packets(collect(ioThread(), 'proto', false).bytes);
    const names = new Map<number, string>();
    const threadTracks = new Set<number>();
    const slices: Array<[number, number, string, number]> = [];
    const open = new Map<number, [number, string, number]>();
    for (const p of bare) {
      const td = p.get(60);
      if (td !== undefined && sub(td).has(4)) threadTracks.add(sub(td).get(1)![0]!.num);
      const inter = p.get(12);
      if (inter !== undefined) for (const en of sub(inter).get(2) ?? []) names.set(sub(en).get(1)![0]!.num, pbString(sub(en).get(2)![0]!.data));
      const te = p.get(11);
      if (te === undefined) continue;
      const e = sub(te);
      const track = e.get(11)![0]!.num;
      if (!threadTracks.has(track)) continue;
      if (e.get(9)![0]!.num === 1) open.set(track, [p.get(8)!.num, names.get(e.get(10)![0]!.num)!, e.get(4)?.length ?? 0]);
      else if (e.get(9)![0]!.num === 2) {
        const [ts, name, nargs] = open.get(track)!;
        slices.push([ts, p.get(8)!.num, name, nargs]);
      }
    }
    expect(threadTracks.size).toBe(1);
    expect(slices).toEqual([[1_001_000, 3_001_000, 'Waiting: IO wait', 0]]);
    // With the texts, the same track has all three intervals: Running with why, cause, next
    // and cpu; Waiting with why and next (no cause text: its name, why and length say it all).
    const full = packets(collect(ioThread(), 'proto', true).bytes).filter((p) => p.get(11) !== undefined && sub(p.get(11)).get(9)![0]!.num === 1 && threadTracks.has(sub(p.get(11)).get(11)![0]!.num));
    expect(full.map((p) => [p.get(8)?.num ?? 0, sub(p.get(11)).get(4)?.length ?? 0])).toEqual([
      [0, 4],
      [1_001_000, 2],
      [3_001_000, 4],
    ]);
  });

  it('writes counters as TYPE_COUNTER values', () => {
    const values: Array<[number, number]> = [];
    for (const p of pk) {
      const te = p.get(11);
      if (te === undefined) continue;
      const e = sub(te);
      if (e.get(9)![0]!.num === 4 && e.get(11)![0]!.num === 3) values.push([p.get(8)!.num, e.get(30)?.[0]!.num ?? -1]);
    }
    expect(values).toEqual([
      [0, 1],
      [25_002_000, 0],
    ]);
  });
});

// ------------------------------------------------------------------ files

describe('OsTimeline options', () => {
  const events = (() => {
    const m = new MemorySink();
    const cfg = ioThread();
    cfg.workload.sources = [{ kind: 'batch', name: 'w', count: 6, program: [{ repeat: 4, do: [{ compute: 1 * MS }, { io: 2 * MS }] }] }];
    simulate(cfg, { trace: m });
    return m.events;
  })();
  const intervals = (texts: CauseTexts, which: 'all' | 'waiting'): ThreadInterval[] => {
    const out: ThreadInterval[] = [];
    const tl = new OsTimeline({ interval: (iv) => out.push({ ...iv }) }, texts, which);
    for (const e of events) tl.emit(e);
    tl.finish(1_000 * MS);
    return out;
  };

  it('hands out only the Waiting intervals when asked, the same ones', () => {
    const all = intervals('strings', 'all');
    const waiting = intervals('strings', 'waiting');
    expect(all.some((iv) => iv.state === 'running') && all.some((iv) => iv.state === 'runnable')).toBe(true);
    expect(waiting.length).toBeGreaterThan(20);
    expect(waiting).toEqual(all.filter((iv) => iv.state === 'waiting'));
  });

  it('tells causes as strings, on demand, or not at all, the same intervals', () => {
    const all = intervals('strings', 'all');
    // Every Running and Runnable interval has its text; a Waiting one has none (its state, why
    // and length say it all).
    expect(all.some((iv) => iv.state === 'waiting')).toBe(true);
    expect(all.every((iv) => (iv.cause !== '') === (iv.state !== 'waiting'))).toBe(true);
    const bare = (ivs: ThreadInterval[]): unknown[] => ivs.map((iv) => [iv.tid, iv.state, iv.start, iv.end, iv.cpu, iv.why, iv.next, iv.extraNs]);
    for (const texts of ['on-demand', 'none'] as const) {
      const other = intervals(texts, 'all');
      expect(other.every((iv) => iv.cause === '')).toBe(true);
      expect(bare(other)).toEqual(bare(all));
    }
  });
});

describe('trace files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'schedlab-trace-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('picks the format from the extension', () => {
    expect(traceFormatOf('a.pftrace')).toEqual({ format: 'proto', gzip: false });
    expect(traceFormatOf('a.perfetto-trace.gz')).toEqual({ format: 'proto', gzip: true });
    expect(traceFormatOf('A.JSON.GZ')).toEqual({ format: 'json', gzip: true });
    expect(() => traceFormatOf('a.txt')).toThrow('trace file "a.txt": unknown extension (allowed: .pftrace, .perfetto-trace, .json, each optionally followed by .gz)');
  });

  it('writes through a temporary file and renames it on commit', async () => {
    for (const name of ['t.json', 't.json.gz', 't.pftrace']) {
      const path = join(dir, name);
      const cfg = twoHogs();
      const tf = new TraceFile(path, traceMetaOf(cfg));
      simulate(cfg, { trace: tf.sink });
      await tf.commit();
      let data = readFileSync(path);
      if (name.endsWith('.gz')) data = gunzipSync(data);
      if (name.includes('.json')) {
        const doc = JSON.parse(data.toString('utf8')) as { traceEvents: JsonEvent[] };
        checkJsonRules(doc.traceEvents);
        expect(doc.traceEvents.filter((e) => e.ph === 'X').length).toBe(15);
      } else {
        expect(Buffer.compare(data, Buffer.from(collect(cfg, 'proto').bytes))).toBe(0);
      }
    }
    expect(readdirSync(dir).sort()).toEqual(['t.json', 't.json.gz', 't.pftrace']);
  });

  it('leaves nothing behind on abort', () => {
    const path = join(dir, 'aborted.pftrace');
    const tf = new TraceFile(path, traceMetaOf(twoHogs()));
    tf.abort();
    expect(readdirSync(dir).filter((f) => f.includes('aborted'))).toEqual([]);
  });
});
