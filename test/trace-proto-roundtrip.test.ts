/**
 * The protobuf encoder against what the Perfetto sink asked it to write, on a run long enough
 * to exercise every path of the encoder (interning tables growing, argument values interned or
 * written inline after the trial, timestamps past 2^31 ns, many output chunks): the trace is
 * decoded with the schema-free reader, interned names and strings are resolved as Perfetto
 * resolves them (per sequence, from the packet that introduces them on), BEGIN/END pairs are
 * joined into slices, and the result must equal, call for call, the slices, instants,
 * counters and scheduler events the sink handed to the encoder.
 */
import { describe, expect, it } from 'vitest';
import { traceMetaOf } from '../src/node/trace-file.js';
import { simulate, type SimConfig } from '../src/sim.js';
import { laneArgsObject, type Args, type ChunkWriter, type LaneArgs, type PrevState, type StateIndex, type TextSource, type TraceEncoder, type TraceMeta, type TrackSpec } from '../src/trace/encoder.js';
import { PerfettoSink } from '../src/trace/perfetto.js';
import { ProtoEncoder } from '../src/trace/perfetto-proto.js';
import { pbDecode, pbDouble, pbPacked, pbString, type PbField } from '../src/trace/protowire.js';
import { StringOut } from '../src/trace/timeline.js';

/** rr, 64 threads on 4 CPUs (64 distinct creation reasons at start-up), compute bursts and IO waits (an idle CPU's switch-in has prev_state R); runs past 2^31 ns. */
function busy(events: number): SimConfig {
  return {
    name: 'roundtrip',
    seed: 7,
    machine: { cpus: 4 },
    os: { policy: 'rr' },
    model: 'threads',
    limits: { events },
    workload: {
      sources: [
        {
          kind: 'batch',
          name: 'w',
          count: 64,
          program: [{ repeat: 'forever', do: [{ compute: { dist: 'exponential', mean: 5_000_000 } }, { io: { dist: 'exponential', mean: 25_000_000 } }] }],
        },
      ],
    },
  };
}

/**
 * Forwards every call to the protobuf encoder and records it in a canonical text form: a
 * state slice or a one-argument slice as the `slice` call it stands for (its cause text
 * rendered as a string), so both paths of the encoder are checked against the same form.
 */
class Recorder implements TraceEncoder {
  readonly nativeSched = true;
  readonly calls: string[] = [];
  /** Calls that came through the direct paths (stateSlice, sliceArg). */
  direct = 0;
  stateSlice?: TraceEncoder['stateSlice'];
  sliceArg?: TraceEncoder['sliceArg'];
  laneSlice?: TraceEncoder['laneSlice'];
  /** Calls that came through laneSlice. */
  lanes = 0;
  constructor(
    private readonly inner: ProtoEncoder,
    directPaths = true,
    lanePath = directPaths,
  ) {
    if (directPaths) {
      this.stateSlice = (track: TrackSpec, state: StateIndex, start: number, end: number, name: string, why: string, cause: TextSource | null, next: string, cpu: number): void => {
        const args: Args = { why };
        if (cause !== null) {
          const text = new StringOut();
          cause.writeText(text);
          args.cause = text.text;
        }
        if (next !== '') args.next = next;
        if (cpu >= 0) args.cpu = cpu;
        this.calls.push(`slice ${track.id} ${start}-${end} ${name} ${JSON.stringify(args)}`);
        this.direct++;
        this.inner.stateSlice(track, state, start, end, name, why, cause, next, cpu);
      };
      if (lanePath) this.laneSlice = (track: TrackSpec, start: number, end: number, name: string, a: LaneArgs | null): void => {
        const args = a === null ? {} : laneArgsObject(a);
        if (a?.causeSrc != null) {
          const text = new StringOut();
          a.causeSrc.writeText(text);
          args.cause = text.text;
        }
        this.calls.push(`slice ${track.id} ${start}-${end} ${name} ${JSON.stringify(args)}`);
        this.direct++;
        this.lanes++;
        this.inner.laneSlice(track, start, end, name, a);
      };
      this.sliceArg = (track: TrackSpec, start: number, end: number, name: string, key: string, value: number): void => {
        this.calls.push(`slice ${track.id} ${start}-${end} ${name} ${JSON.stringify({ [key]: value })}`);
        this.direct++;
        this.inner.sliceArg(track, start, end, name, key, value);
      };
    }
  }
  begin(meta: TraceMeta): void {
    this.inner.begin(meta);
  }
  track(spec: TrackSpec): void {
    this.inner.track(spec);
  }
  slice(track: TrackSpec, start: number, end: number, name: string, args: Args | null): void {
    this.calls.push(`slice ${track.id} ${start}-${end} ${name} ${JSON.stringify(args ?? {})}`);
    this.inner.slice(track, start, end, name, args);
  }
  instant(track: TrackSpec, t: number, name: string, args: Args | null): void {
    this.calls.push(`instant ${track.id} ${t} ${name} ${JSON.stringify(args ?? {})}`);
    this.inner.instant(track, t, name, args);
  }
  counter(track: TrackSpec, t: number, value: number): void {
    this.calls.push(`counter ${track.id} ${t} ${value}`);
    this.inner.counter(track, t, value);
  }
  schedSwitch(t: number, cpu: number, prevTid: number, prevComm: string, prevState: PrevState, nextTid: number, nextComm: string): void {
    this.calls.push(`switch ${t} cpu${cpu} ${prevTid} ${prevTid === 0 ? `swapper/${cpu}` : prevComm} ${prevTid === 0 ? 'R' : prevState} -> ${nextTid} ${nextTid === 0 ? `swapper/${cpu}` : nextComm}`);
    this.inner.schedSwitch(t, cpu, prevTid, prevComm, prevState, nextTid, nextComm);
  }
  schedWaking(t: number, tid: number, comm: string, targetCpu: number, isNew: boolean, waker: number, wakerCpu: number): void {
    const by = wakerCpu >= 0 ? `by ${isNew ? `${waker} ` : ''}on cpu${wakerCpu}` : isNew ? 'by none' : 'by irq';
    this.calls.push(`${isNew ? 'wakeup_new' : 'waking'} ${t} ${tid} ${comm} cpu${targetCpu} ${by}`);
    this.inner.schedWaking(t, tid, comm, targetCpu, isNew, waker, wakerCpu);
  }
  end(endNs: number): void {
    this.inner.end(endNs);
  }
}

const STATE: Record<number, PrevState> = { 0: 'R', 0x800: 'R+', 1: 'S', 2: 'D', 0x10: 'X' };

function fields(data: Uint8Array | null): Map<number, PbField[]> {
  const m = new Map<number, PbField[]>();
  for (const f of pbDecode(data!)) m.set(f.field, [...(m.get(f.field) ?? []), f]);
  return m;
}


function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

/** Decodes the trace into the same canonical calls, resolving interned data per sequence. */
function decode(bytes: Uint8Array): { calls: string[]; stats: { internedValues: number; inlineValues: number; packets: number; ftracePackets: number; byKey: Map<string, { interned: number; inline: number }> } } {
  const calls: string[] = [];
  const names = new Map<number, string>();
  const argNames = new Map<number, string>();
  const values = new Map<number, string>();
  const open = new Map<number, { ts: number; name: string; args: Args }>();
  const lastNext = new Map<number, [number, string]>();
  /** By "ts tid", a creation's sched_wakeup_new: its cpu, the flags and target of the sched_waking that goes with it. */
  const created = new Map<string, [number, number, number]>();
  const stats = { internedValues: 0, inlineValues: 0, packets: 0, ftracePackets: 0, byKey: new Map<string, { interned: number; inline: number }>() };
  const keyStats = (k: string): { interned: number; inline: number } => {
    let x = stats.byKey.get(k);
    if (x === undefined) stats.byKey.set(k, (x = { interned: 0, inline: 0 }));
    return x;
  };
  const table: Record<number, Map<number, string>> = { 2: names, 3: argNames, 29: values };
  for (const top of pbDecode(bytes)) {
    check(top.field === 1, 'not a Trace.packet');
    stats.packets++;
    const p = fields(top.data);
    const flags = p.get(13)?.[0]!.num ?? 0;
    if (flags & 1) for (const t of Object.values(table)) t.clear();
    const interned = p.get(12);
    if (interned !== undefined) {
      for (const [kind, entries] of fields(interned[0]!.data)) {
        for (const e of entries) {
          const x = fields(e.data);
          const iid = x.get(1)![0]!.num;
          check(!table[kind]!.has(iid), `iid ${iid} of kind ${kind} defined twice`);
          table[kind]!.set(iid, pbString(x.get(2)![0]!.data));
        }
      }
    }
    const te = p.get(11);
    if (te !== undefined) {
      check(p.get(10)?.[0]!.num === 1, 'TrackEvent packet not on sequence 1');
      const e = fields(te[0]!.data);
      const ts = p.get(8)![0]!.num;
      const type = e.get(9)![0]!.num;
      const track = e.get(11)![0]!.num;
      const resolve = (iid: number, t: Map<number, string>): string => {
        // An interned reference needs the sequence's incremental state.
        check((flags & 2) === 2, 'interned reference without SEQ_NEEDS_INCREMENTAL_STATE');
        check(t.has(iid), `unknown iid ${iid}`);
        return t.get(iid)!;
      };
      let name = '';
      if (e.has(10)) name = resolve(e.get(10)![0]!.num, names);
      else if (e.has(23)) name = pbString(e.get(23)![0]!.data);
      const args: Args = {};
      for (const da of e.get(4) ?? []) {
        const d = fields(da.data);
        const key = d.has(1) ? resolve(d.get(1)![0]!.num, argNames) : pbString(d.get(10)![0]!.data);
        if (d.has(17)) {
          args[key] = resolve(d.get(17)![0]!.num, values);
          stats.internedValues++;
          keyStats(key).interned++;
        } else if (d.has(6)) {
          args[key] = pbString(d.get(6)![0]!.data);
          stats.inlineValues++;
          keyStats(key).inline++;
        } else if (d.has(4)) args[key] = d.get(4)![0]!.num;
        else args[key] = pbDouble(d.get(5)![0]!.data);
      }
      if (type === 1) {
        check(!open.has(track), `BEGIN on track ${track} inside an open slice`);
        open.set(track, { ts, name, args });
      } else if (type === 2) {
        const b = open.get(track)!;
        open.delete(track);
        calls.push(`slice ${track} ${b.ts}-${ts} ${b.name} ${JSON.stringify(b.args)}`);
      } else if (type === 3) calls.push(`instant ${track} ${ts} ${name} ${JSON.stringify(args)}`);
      else if (type === 4) calls.push(`counter ${track} ${ts} ${e.has(30) ? e.get(30)![0]!.num : pbDouble(e.get(44)![0]!.data)}`);
    }
    const ft = p.get(1);
    if (ft !== undefined) {
      stats.ftracePackets++;
      const bundle = fields(ft[0]!.data);
      const cpu = bundle.get(1)![0]!.num;
      for (const ev of bundle.get(2) ?? []) {
        const fe = fields(ev.data);
        const ts = fe.get(1)![0]!.num;
        check(fe.has(114), 'only sched_wakeup_new is written as a plain ftrace event');
        const s = fields(fe.get(114)![0]!.data);
        // Recorded in the creating thread's context (common_pid, on its cpu); pid 0: no creator.
        const creator = fe.get(2)![0]!.num;
        const target = s.get(5)![0]!.num;
        check(creator !== 0 || target === cpu, 'a creation by no thread is not on its target cpu');
        calls.push(`wakeup_new ${ts} ${s.get(2)![0]!.num} ${pbString(s.get(1)![0]!.data)} cpu${target} ${creator !== 0 ? `by ${creator} on cpu${cpu}` : 'by none'}`);
        // A sched_waking follows on the same cpu (hardirq when no thread created it).
        created.set(`${ts} ${s.get(2)![0]!.num} ${cpu}`, [cpu, creator !== 0 ? 0 : 8, target]);
      }
      const cs = bundle.get(4);
      if (cs !== undefined) {
        // compact_sched: the previous thread of a switch is the CPU's last next thread, as
        // Perfetto infers it; the recorder has the real one, so this checks the inference.
        const c = fields(cs[0]!.data);
        const table = (c.get(5) ?? []).map((f) => pbString(f.data));
        const col = (f: number): number[] => (c.get(f) ?? []).flatMap((x) => pbPacked(x.data));
        const [ts, state, pid, prio, comm] = [1, 2, 3, 4, 6].map(col) as [number[], number[], number[], number[], number[]];
        check(state.length === ts.length && pid.length === ts.length && prio.length === ts.length && comm.length === ts.length, 'switch columns differ in length');
        let t = 0;
        for (let i = 0; i < ts.length; i++) {
          t += ts[i]!;
          check(prio[i] === 120 && comm[i]! < table.length, 'bad switch entry');
          const prev = lastNext.get(cpu);
          if (prev === undefined) {
            // A cpu's first switch, which Perfetto skips (no previous thread), is to the idle task.
            check(state[i] === 0 && pid[i] === 0 && table[comm[i]!] === `swapper/${cpu}`, `cpu${cpu}: first switch to ${pid[i]}`);
            lastNext.set(cpu, [0, `swapper/${cpu}`]);
            continue;
          }
          calls.push(`switch ${t} cpu${cpu} ${prev[0]} ${prev[1]} ${STATE[state[i]!]} -> ${pid[i]} ${table[comm[i]!]}`);
          lastNext.set(cpu, [pid[i]!, table[comm[i]!]!]);
        }
        const [wts, wpid, wcpu, wprio, wcomm, wflags] = [7, 8, 9, 10, 11, 12].map(col) as [number[], number[], number[], number[], number[], number[]];
        check(wpid.length === wts.length && wcpu.length === wts.length && wprio.length === wts.length && wcomm.length === wts.length && wflags.length === wts.length, 'waking columns differ in length');
        t = 0;
        for (let i = 0; i < wts.length; i++) {
          t += wts[i]!;
          check(wprio[i] === 120 && wcomm[i]! < table.length && (wflags[i] === 0 || wflags[i] === 8), 'bad waking entry');
          // Flags 0: woken by the thread running on the batch's cpu; 8 (hardirq): by a timer or
          // a device, on the target cpu.
          check(wflags[i] === 0 || wcpu[i] === cpu, 'an interrupt wake-up not on its target cpu');
          const creation = created.get(`${t} ${wpid[i]} ${cpu}`);
          if (creation !== undefined) {
            check(creation[0] === cpu && creation[1] === wflags[i] && creation[2] === wcpu[i], `T${wpid[i]}: its creation's sched_waking differs from its sched_wakeup_new`);
            created.delete(`${t} ${wpid[i]} ${cpu}`);
            continue;
          }
          calls.push(`waking ${t} ${wpid[i]} ${table[wcomm[i]!]} cpu${wcpu[i]} ${wflags[i] === 0 ? `by on cpu${cpu}` : 'by irq'}`);
        }
      }
    }
  }
  check(open.size === 0, 'unterminated slices');
  check(created.size === 0, `sched_wakeup_new without its sched_waking: ${[...created.keys()].join(', ')}`);
  return { calls, stats };
}

function run(cfg: SimConfig, why: boolean, directPaths = true, maxValues?: number, lanePath = directPaths): { recorded: string[]; bytes: Uint8Array; chunks: number; direct: number; lanes: number } {
  const parts: Uint8Array[] = [];
  const w: ChunkWriter = { write: (c) => parts.push((c as Uint8Array).slice()) };
  const rec = new Recorder(new ProtoEncoder(w, maxValues), directPaths, lanePath);
  simulate(cfg, { trace: new PerfettoSink(rec, traceMetaOf(cfg), { why }) });
  const n = parts.reduce((a, p) => a + p.length, 0);
  const bytes = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    bytes.set(p, off);
    off += p.length;
  }
  return { recorded: rec.calls, bytes, chunks: parts.length, direct: rec.direct, lanes: rec.lanes };
}

describe('protobuf round trip on a long run', () => {
  it('decodes to exactly the slices, counters and scheduler events written, with why texts', () => {
    const { recorded, bytes, chunks, direct } = run(busy(20_000), true);
    const { calls, stats } = decode(bytes);
    // The state slices and CPU-lane slices took the direct paths (no arguments object).
    expect(direct).toBeGreaterThan(15_000);
    // Causes with non-ASCII text (a migration's arrow) went through the UTF-8 path.
    expect(recorded.some((c) => c.includes('"cause":') && c.includes('moved cpu') && c.includes('→'))).toBe(true);
    expect(chunks).toBeGreaterThan(2);
    expect(recorded.length).toBeGreaterThan(25_000);
    // Past 2^31 ns: the 64-bit varint path.
    expect(recorded.some((c) => / (\d+)-(\d+) /.exec(c) !== null && Number(/ (\d+)-/.exec(c)![1]) > 2 ** 31)).toBe(true);
    // The recurring reasons are interned; the plain-words causes, nearly all distinct, inline.
    expect(stats.internedValues).toBeGreaterThan(10_000);
    expect(stats.inlineValues).toBeGreaterThan(5_000);
    expect(stats.byKey.get('why')!.inline).toBe(0);
    expect(stats.byKey.get('next')!.inline).toBe(0);
    // The causes, written straight into the output, are never interned.
    const cause = stats.byKey.get('cause')!;
    expect(cause.interned).toBe(0);
    expect(cause.inline).toBeGreaterThan(5_000);
    expect(calls.sort()).toEqual([...recorded].sort());
    // Switches and wake-ups go in batches: far fewer ftrace packets than events.
    const schedCalls = recorded.filter((c) => c.startsWith('switch') || c.startsWith('waking')).length;
    expect(stats.ftracePackets).toBeLessThan(schedCalls / 20);
  });

  it('reads the same through the direct paths as through slice() with argument objects', () => {
    // The sink builds the cause strings itself for an encoder without stateSlice: the trace
    // must tell the same slices, with the same texts, either way.
    const cfg = busy(6_000);
    const direct = run(cfg, true, true);
    const plain = run(cfg, true, false);
    expect(direct.direct).toBeGreaterThan(4_000);
    expect(plain.direct).toBe(0);
    expect(direct.recorded).toEqual(plain.recorded);
    const a = decode(direct.bytes);
    const b = decode(plain.bytes);
    expect(a.calls).toEqual(b.calls);
    expect(a.calls.sort()).toEqual([...direct.recorded].sort());
    // Not the same bytes: the plain path interns the first causes during its trial.
    expect(b.stats.byKey.get('cause')!.interned).toBeGreaterThan(0);
    expect(a.stats.byKey.get('cause')!.interned).toBe(0);
  });

  it('writes state slices whose reasons are not interned (value table full) in full', () => {
    const { recorded, bytes, direct } = run(busy(6_000), true, true, 8);
    const { calls, stats } = decode(bytes);
    expect(direct).toBeGreaterThan(4_000);
    // Past the 8 interned values, reasons are written inline.
    expect(stats.byKey.get('why')!.inline).toBeGreaterThan(1_000);
    expect(stats.byKey.get('next')!.inline).toBeGreaterThan(1_000);
    expect(stats.byKey.get('why')!.interned).toBeGreaterThan(0);
    expect(calls.sort()).toEqual([...recorded].sort());
  });

  it('writes the Go lanes (goroutines, Ps, P status, Ms) through laneSlice as through slice()', () => {
    // 64 goroutines on go:4 with compute bursts and IO waits: every lane kind, with
    // goroutine causes (Grunnable) and netpoll waits.
    const cfg: SimConfig = { ...busy(12_000), name: 'go-roundtrip', model: 'go:4', os: { policy: 'cfs' } };
    const direct = run(cfg, true, true);
    const plain = run(cfg, true, true, undefined, false);
    expect(direct.lanes).toBeGreaterThan(3_000);
    expect(plain.lanes).toBe(0);
    expect(direct.recorded).toEqual(plain.recorded);
    const { calls, stats } = decode(direct.bytes);
    expect(calls.sort()).toEqual([...direct.recorded].sort());
    expect(decode(plain.bytes).calls.sort()).toEqual([...plain.recorded].sort());
    // Not the same bytes: through laneSlice a goroutine's cause is written by its TextSource,
    // always inline; through slice() the first causes are interned during the value trial.
    expect(stats.byKey.get('cause')!.interned).toBe(0);
    expect(stats.byKey.get('cause')!.inline).toBeGreaterThan(1_000);
    expect(decode(plain.bytes).stats.byKey.get('cause')!.interned).toBeGreaterThan(0);
    // Every argument of the lanes, in the lanes' order.
    for (const shape of ['{"why":', '{"g":', ',"p":', ',"m":', ',"tid":', ',"cause":"waited ', ',"next":']) expect(direct.recorded.some((c) => c.includes(shape)), shape).toBe(true);
    // Without the why texts the lanes carry no arguments (the CPU lanes' switch slices keep their tid).
    const bare = run(cfg, false, true).recorded.filter((c) => c.startsWith('slice') && !c.endsWith(' {}'));
    expect(bare.length).toBeGreaterThan(100);
    expect(bare.filter((c) => !/ switch → T\d+ [^{]*\{"tid":\d+\}$/.test(c))).toEqual([]);
  });

  it('decodes to exactly what was written without why texts', () => {
    const { recorded, bytes } = run(busy(10_000), false);
    const { calls, stats } = decode(bytes);
    // No text arguments at all: slices and the migration instants carry none.
    expect(recorded.filter((c) => c.startsWith('instant') && c.includes(' migrate T')).length).toBeGreaterThan(100);
    expect(stats.inlineValues).toBe(0);
    expect(stats.internedValues).toBe(0);
    expect(calls.sort()).toEqual([...recorded].sort());
  });
});
