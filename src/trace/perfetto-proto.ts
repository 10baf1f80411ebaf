/**
 * Perfetto's native protobuf trace format (.pftrace): a `Trace` message, i.e. a sequence of
 * `TracePacket`s (field 1 of Trace), each written as soon as it is complete.
 *
 * What is written (field numbers from perfetto/protos/perfetto/trace/…):
 * - TrackDescriptor packets (TracePacket.track_descriptor = 60) for every group, lane, counter,
 *   the OS-thread process (ProcessDescriptor) and each OS thread (ThreadDescriptor), with
 *   parent_uuid for the hierarchy and child_ordering/sibling_order_rank for a stable order;
 * - TrackEvent packets (track_event = 11): SLICE_BEGIN/SLICE_END pairs, INSTANT and COUNTER,
 *   with event names and argument names interned per sequence (interned_data = 12) and
 *   arguments as debug annotations;
 * - ftrace packets (ftrace_events = 1, one FtraceEventBundle per CPU burst) with
 *   sched_switch / sched_waking / sched_wakeup_new events, so Perfetto builds its native "CPU N"
 *   scheduling tracks and per-thread state tracks (Running / Runnable / Runnable (Preempted) /
 *   Sleeping / Uninterruptible Sleep) exactly as for a Linux trace;
 * - ProcessTree packets (process_tree = 2) naming the process and each thread.
 * Timestamps are the simulated integer nanoseconds. All TrackEvent packets use one packet
 * sequence (trusted_packet_sequence_id 1) whose first packet clears incremental state.
 */
import { SYNTHETIC_ID_BASE, type Args, type ChunkWriter, type PrevState, type TraceEncoder, type TraceMeta, type TrackSpec } from './encoder.js';
import { PbWriter } from './protowire.js';

// TracePacket fields.
const P_FTRACE = 1;
const P_PROCESS_TREE = 2;
const P_TIMESTAMP = 8;
const P_SEQ_ID = 10;
const P_TRACK_EVENT = 11;
const P_INTERNED = 12;
const P_SEQ_FLAGS = 13;
const P_TRACK_DESCRIPTOR = 60;
const P_FIRST_ON_SEQ = 87;
// TrackEvent fields and types.
const TE_DEBUG = 4;
const TE_TYPE = 9;
const TE_NAME_IID = 10;
const TE_TRACK = 11;
const TE_NAME = 23;
const TE_COUNTER = 30;
const TE_DCOUNTER = 44;
const TYPE_BEGIN = 1;
const TYPE_END = 2;
const TYPE_INSTANT = 3;
const TYPE_COUNTER = 4;
// DebugAnnotation.
const DA_NAME_IID = 1;
const DA_INT = 4;
const DA_DOUBLE = 5;
const DA_STRING = 6;
// TrackDescriptor.
const TD_UUID = 1;
const TD_NAME = 2;
const TD_PROCESS = 3;
const TD_THREAD = 4;
const TD_PARENT = 5;
const TD_COUNTER = 8;
const TD_CHILD_ORDERING = 11;
const TD_RANK = 12;
const CHILD_ORDERING_EXPLICIT = 3;
// FtraceEventBundle / FtraceEvent / sched events.
const FB_CPU = 1;
const FB_EVENT = 2;
const FE_TS = 1;
const FE_PID = 2;
const FE_SCHED_SWITCH = 4;
const FE_SCHED_WAKING = 20;
const FE_SCHED_WAKEUP_NEW = 114;
const PRIO = 120;
/** Linux 4.4 prev_state bits (Perfetto's default decoding when no kernel version is given). */
const PREV_STATE: Record<PrevState, number> = { R: 0, 'R+': 0x800, S: 1, D: 2, X: 0x10 };
/** Sequence flags. */
const SEQ_CLEARED = 1;
const SEQ_NEEDS = 2;
/** Interning stops growing past this many names (later ones are written inline). */
const MAX_INTERNED = 200_000;
const FLUSH_AT = 1 << 16;

export class ProtoEncoder implements TraceEncoder {
  private readonly out: PbWriter = new PbWriter(FLUSH_AT * 2);
  private readonly pkt = new PbWriter(1024);
  private readonly sub = new PbWriter(512);
  private readonly sub2 = new PbWriter(256);
  private readonly interned = new PbWriter(256);
  private readonly names = new Map<string, number>();
  private readonly argNames = new Map<string, number>();
  private pid = 0;
  private firstOnSeq = true;

  constructor(private readonly sink: ChunkWriter) {}

  /** Appends the finished `pkt` as Trace.packet (field 1). */
  private flushPacket(): void {
    this.out.message(1, this.pkt);
    this.pkt.reset();
    if (this.out.len >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.out.len > 0) {
      this.sink.write(this.out.bytes().slice());
      this.out.reset();
    }
  }

  begin(meta: TraceMeta): void {
    // An empty first packet on the sequence clears incremental state.
    const p = this.pkt;
    p.uint(P_SEQ_ID, 1);
    p.uint(P_SEQ_FLAGS, SEQ_CLEARED);
    p.bool(P_FIRST_ON_SEQ, true);
    this.firstOnSeq = false;
    this.flushPacket();
    void meta;
  }

  track(spec: TrackSpec): void {
    const d = this.sub;
    d.reset();
    d.uint(TD_UUID, spec.id);
    if (spec.parent !== 0) d.uint(TD_PARENT, spec.parent);
    if (spec.kind === 'process') {
      this.pid = SYNTHETIC_ID_BASE + spec.id;
      const pd = this.sub2;
      pd.reset();
      pd.uint(1, this.pid);
      pd.string(6, spec.name);
      d.message(TD_PROCESS, pd);
    } else if (spec.kind === 'thread') {
      const td = this.sub2;
      td.reset();
      td.uint(1, this.pid);
      td.uint(2, spec.tid!);
      td.string(5, spec.name);
      d.message(TD_THREAD, td);
    } else {
      d.string(TD_NAME, spec.name);
      if (spec.kind === 'counter') {
        const cd = this.sub2;
        cd.reset();
        if (spec.unit !== undefined) cd.string(6, spec.unit);
        d.message(TD_COUNTER, cd);
      }
    }
    if (spec.kind === 'group' || spec.kind === 'process') d.uint(TD_CHILD_ORDERING, CHILD_ORDERING_EXPLICIT);
    if (spec.parent !== 0 && spec.kind !== 'thread') d.uint(TD_RANK, spec.rank);
    this.pkt.message(P_TRACK_DESCRIPTOR, d);
    this.flushPacket();
    if (spec.kind === 'process') this.processTree(0, this.pid, spec.name, -1, '');
    if (spec.kind === 'thread') this.processTree(0, -1, '', spec.tid!, spec.name);
  }

  private processTree(t: number, pid: number, pname: string, tid: number, tname: string): void {
    const pt = this.sub;
    pt.reset();
    const e = this.sub2;
    e.reset();
    if (pid >= 0) {
      e.uint(1, pid);
      e.uint(2, 1);
      e.string(3, pname);
      pt.message(1, e);
    } else {
      e.uint(1, tid);
      e.string(2, tname);
      e.uint(3, this.pid);
      pt.message(2, e);
    }
    this.pkt.uint(P_TIMESTAMP, t);
    this.pkt.message(P_PROCESS_TREE, pt);
    this.flushPacket();
  }

  /** Starts a TrackEvent packet at `t`; interns `name` if new. Returns the TrackEvent writer. */
  private trackEvent(t: number, type: number, trackId: number, name: string | null, args: Args | null): void {
    const te = this.sub;
    te.reset();
    const inter = this.interned;
    inter.reset();
    te.uint(TE_TYPE, type);
    te.uint(TE_TRACK, trackId);
    if (name !== null) {
      let iid = this.names.get(name);
      if (iid === undefined && this.names.size < MAX_INTERNED) {
        iid = this.names.size + 1;
        this.names.set(name, iid);
        const en = this.sub2;
        en.reset();
        en.uint(1, iid);
        en.string(2, name);
        inter.message(2, en);
      }
      if (iid !== undefined) te.uint(TE_NAME_IID, iid);
      else te.string(TE_NAME, name);
    }
    if (args !== null) {
      for (const key of Object.keys(args)) {
        let iid = this.argNames.get(key);
        if (iid === undefined) {
          iid = this.argNames.size + 1;
          this.argNames.set(key, iid);
          const en = this.sub2;
          en.reset();
          en.uint(1, iid);
          en.string(2, key);
          inter.message(3, en);
        }
        const da = this.sub2;
        da.reset();
        da.uint(DA_NAME_IID, iid);
        const v = args[key]!;
        if (typeof v === 'string') da.string(DA_STRING, v);
        else if (Number.isInteger(v)) da.uint(DA_INT, v);
        else da.double(DA_DOUBLE, v);
        te.message(TE_DEBUG, da);
      }
    }
    const p = this.pkt;
    p.uint(P_TIMESTAMP, t);
    p.uint(P_SEQ_ID, 1);
    p.message(P_TRACK_EVENT, te);
    if (inter.len > 0) p.message(P_INTERNED, inter);
    p.uint(P_SEQ_FLAGS, this.firstOnSeq ? SEQ_CLEARED : SEQ_NEEDS);
    this.flushPacket();
  }

  slice(track: TrackSpec, start: number, end: number, name: string, args: Args | null): void {
    this.trackEvent(start, TYPE_BEGIN, track.id, name, args);
    this.trackEvent(end, TYPE_END, track.id, null, null);
  }

  instant(track: TrackSpec, t: number, name: string, args: Args | null): void {
    this.trackEvent(t, TYPE_INSTANT, track.id, name, args);
  }

  counter(track: TrackSpec, t: number, value: number): void {
    const te = this.sub;
    te.reset();
    te.uint(TE_TYPE, TYPE_COUNTER);
    te.uint(TE_TRACK, track.id);
    if (Number.isInteger(value)) te.uint(TE_COUNTER, value);
    else te.double(TE_DCOUNTER, value);
    const p = this.pkt;
    p.uint(P_TIMESTAMP, t);
    p.uint(P_SEQ_ID, 1);
    p.message(P_TRACK_EVENT, te);
    p.uint(P_SEQ_FLAGS, SEQ_NEEDS);
    this.flushPacket();
  }

  private ftrace(cpu: number, t: number, pid: number, field: number, ev: PbWriter): void {
    const fe = this.sub;
    fe.reset();
    fe.uint(FE_TS, t);
    fe.uint(FE_PID, pid);
    fe.message(field, ev);
    const b = this.interned;
    b.reset();
    b.uint(FB_CPU, cpu);
    b.message(FB_EVENT, fe);
    this.pkt.message(P_FTRACE, b);
    this.flushPacket();
  }

  schedSwitch(t: number, cpu: number, prevTid: number, prevComm: string, prevState: PrevState, nextTid: number, nextComm: string): void {
    const s = this.sub2;
    s.reset();
    s.string(1, prevTid === 0 ? `swapper/${cpu}` : prevComm);
    s.uint(2, prevTid);
    s.uint(3, PRIO);
    s.uint(4, prevTid === 0 ? 0 : PREV_STATE[prevState]);
    s.string(5, nextTid === 0 ? `swapper/${cpu}` : nextComm);
    s.uint(6, nextTid);
    s.uint(7, PRIO);
    this.ftrace(cpu, t, prevTid, FE_SCHED_SWITCH, s);
  }

  schedWaking(t: number, tid: number, comm: string, targetCpu: number, isNew: boolean): void {
    const s = this.sub2;
    s.reset();
    s.string(1, comm);
    s.uint(2, tid);
    s.uint(3, PRIO);
    s.uint(4, 1);
    s.uint(5, targetCpu);
    // Woken from interrupt context (no waker thread is named): common pid 0 on the target CPU.
    this.ftrace(targetCpu, t, 0, isNew ? FE_SCHED_WAKEUP_NEW : FE_SCHED_WAKING, s);
  }

  end(_endNs: number): void {
    this.flush();
  }
}
