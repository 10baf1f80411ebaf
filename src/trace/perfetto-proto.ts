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
const DA_STRING_IID = 17;
/** Argument values longer than this are written inline. */
const INTERN_VALUE_MAX_LEN = 160;
/** At most this many distinct argument values are interned (the table stays small). */
const MAX_INTERNED_VALUES = 4096;
/**
 * Values of one argument are interned while they recur: after the first TRIAL string values
 * of an argument name, it stays interned only if at most 1 in 4 of them was new (the reasons
 * `why` and `next` recur; a `cause` text is nearly always new, so looking it up would only
 * cost a hash of its whole text and fill the table).
 */
const TRIAL = 256;
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

interface ArgName {
  /** debug_annotation_names iid (0: written inline). */
  iid: number;
  /** Its string values are looked up in the interning table. */
  internValues: boolean;
  /** String values seen during the trial, and how many of them were new. */
  tried: number;
  fresh: number;
}

export class ProtoEncoder implements TraceEncoder {
  readonly nativeSched = true;
  /** The output: whole packets are written in place and flushed in chunks. */
  private readonly out: PbWriter = new PbWriter(FLUSH_AT * 2);
  private readonly names = new Map<string, number>();
  private readonly argNames = new Map<string, ArgName>();
  private readonly values = new Map<string, number>();
  /** Interned entries first used by the packet being written: [kind field, iid, text]. */
  private readonly newIds: Array<[number, number, string]> = [];
  private pid = 0;

  constructor(private readonly sink: ChunkWriter) {}

  /** Starts Trace.packet (field 1). */
  private packet(): PbWriter {
    this.out.begin(1);
    return this.out;
  }

  private endPacket(): void {
    this.out.end();
    if (this.out.len >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.out.len > 0) {
      this.sink.write(this.out.bytes().slice());
      this.out.reset();
    }
  }

  begin(_meta: TraceMeta): void {
    // An empty first packet on the sequence clears incremental state.
    const p = this.packet();
    p.uint(P_SEQ_ID, 1);
    p.uint(P_SEQ_FLAGS, SEQ_CLEARED);
    p.bool(P_FIRST_ON_SEQ, true);
    this.endPacket();
  }

  track(spec: TrackSpec): void {
    const p = this.packet();
    p.begin(P_TRACK_DESCRIPTOR);
    p.uint(TD_UUID, spec.id);
    if (spec.parent !== 0) p.uint(TD_PARENT, spec.parent);
    if (spec.kind === 'process') {
      this.pid = SYNTHETIC_ID_BASE + spec.id;
      p.begin(TD_PROCESS);
      p.uint(1, this.pid);
      p.string(6, spec.name);
      p.end();
    } else if (spec.kind === 'thread') {
      p.begin(TD_THREAD);
      p.uint(1, this.pid);
      p.uint(2, spec.tid!);
      p.string(5, spec.name);
      p.end();
    } else {
      p.string(TD_NAME, spec.name);
      if (spec.kind === 'counter') {
        p.begin(TD_COUNTER);
        if (spec.unit !== undefined) p.string(6, spec.unit);
        p.end();
      }
    }
    if (spec.kind === 'group' || spec.kind === 'process') p.uint(TD_CHILD_ORDERING, CHILD_ORDERING_EXPLICIT);
    if (spec.parent !== 0 && spec.kind !== 'thread') p.uint(TD_RANK, spec.rank);
    p.end();
    this.endPacket();
    if (spec.kind === 'process') this.processTree(this.pid, spec.name, -1, '');
    if (spec.kind === 'thread') this.processTree(-1, '', spec.tid!, spec.name);
  }

  private processTree(pid: number, pname: string, tid: number, tname: string): void {
    const p = this.packet();
    p.uint(P_TIMESTAMP, 0);
    p.begin(P_PROCESS_TREE);
    if (pid >= 0) {
      p.begin(1);
      p.uint(1, pid);
      p.uint(2, 1);
      p.string(3, pname);
      p.end();
    } else {
      p.begin(2);
      p.uint(1, tid);
      p.string(2, tname);
      p.uint(3, this.pid);
      p.end();
    }
    p.end();
    this.endPacket();
  }

  private intern(map: Map<string, number>, kind: number, text: string, max = MAX_INTERNED): number {
    let iid = map.get(text);
    if (iid === undefined) {
      if (map.size >= max) return 0;
      iid = map.size + 1;
      map.set(text, iid);
      this.newIds.push([kind, iid, text]);
    }
    return iid;
  }

  /** An argument name's interning state (its own iid is assigned on first use). */
  private argName(key: string): ArgName {
    let a = this.argNames.get(key);
    if (a === undefined) {
      a = { iid: 0, internValues: true, tried: 0, fresh: 0 };
      if (this.argNames.size < MAX_INTERNED) {
        a.iid = this.argNames.size + 1;
        this.newIds.push([3, a.iid, key]);
      }
      this.argNames.set(key, a);
    }
    return a;
  }

  /** One TrackEvent packet at `t`, with the interned data it introduces. */
  private trackEvent(t: number, type: number, trackId: number, name: string | null, args: Args | null): void {
    const p = this.packet();
    p.uint(P_TIMESTAMP, t);
    p.uint(P_SEQ_ID, 1);
    p.begin(P_TRACK_EVENT);
    p.uint(TE_TYPE, type);
    p.uint(TE_TRACK, trackId);
    if (name !== null) {
      const iid = this.intern(this.names, 2, name);
      if (iid > 0) p.uint(TE_NAME_IID, iid);
      else p.string(TE_NAME, name);
    }
    if (args !== null) {
      for (const key in args) {
        const v = args[key]!;
        p.begin(TE_DEBUG);
        const a = this.argName(key);
        if (a.iid > 0) p.uint(DA_NAME_IID, a.iid);
        else p.string(10, key);
        if (typeof v === 'string') {
          let vid = 0;
          if (a.internValues && v.length <= INTERN_VALUE_MAX_LEN) {
            const before = this.values.size;
            vid = this.intern(this.values, 29, v, MAX_INTERNED_VALUES);
            if (a.tried < TRIAL) {
              a.tried++;
              if (this.values.size !== before || vid === 0) a.fresh++;
              if (a.tried === TRIAL && a.fresh * 4 > TRIAL) a.internValues = false;
            }
          }
          if (vid > 0) p.uint(DA_STRING_IID, vid);
          else p.string(DA_STRING, v);
        } else if (Number.isInteger(v)) p.uint(DA_INT, v);
        else p.double(DA_DOUBLE, v);
        p.end();
      }
    }
    p.end();
    const ids = this.newIds;
    if (ids.length > 0) {
      p.begin(P_INTERNED);
      for (let i = 0; i < ids.length; i++) {
        const [kind, iid, text] = ids[i]!;
        p.begin(kind);
        p.uint(1, iid);
        p.string(2, text);
        p.end();
      }
      p.end();
      ids.length = 0;
    }
    p.uint(P_SEQ_FLAGS, SEQ_NEEDS);
    this.endPacket();
  }

  slice(track: TrackSpec, start: number, end: number, name: string, args: Args | null): void {
    this.trackEvent(start, TYPE_BEGIN, track.id, name, args);
    this.trackEvent(end, TYPE_END, track.id, null, null);
  }

  instant(track: TrackSpec, t: number, name: string, args: Args | null): void {
    this.trackEvent(t, TYPE_INSTANT, track.id, name, args);
  }

  counter(track: TrackSpec, t: number, value: number): void {
    const p = this.packet();
    p.uint(P_TIMESTAMP, t);
    p.uint(P_SEQ_ID, 1);
    p.begin(P_TRACK_EVENT);
    p.uint(TE_TYPE, TYPE_COUNTER);
    p.uint(TE_TRACK, track.id);
    if (Number.isInteger(value)) p.uint(TE_COUNTER, value);
    else p.double(TE_DCOUNTER, value);
    p.end();
    p.uint(P_SEQ_FLAGS, SEQ_NEEDS);
    this.endPacket();
  }

  /** Starts an ftrace packet with one event; returns with the event's payload message open. */
  private ftrace(cpu: number, t: number, pid: number, field: number): PbWriter {
    const p = this.packet();
    p.begin(P_FTRACE);
    p.uint(FB_CPU, cpu);
    p.begin(FB_EVENT);
    p.uint(FE_TS, t);
    p.uint(FE_PID, pid);
    p.begin(field);
    return p;
  }

  private endFtrace(): void {
    const p = this.out;
    p.end();
    p.end();
    p.end();
    this.endPacket();
  }

  schedSwitch(t: number, cpu: number, prevTid: number, prevComm: string, prevState: PrevState, nextTid: number, nextComm: string): void {
    const s = this.ftrace(cpu, t, prevTid, FE_SCHED_SWITCH);
    s.string(1, prevTid === 0 ? `swapper/${cpu}` : prevComm);
    s.uint(2, prevTid);
    s.uint(3, PRIO);
    s.uint(4, prevTid === 0 ? 0 : PREV_STATE[prevState]);
    s.string(5, nextTid === 0 ? `swapper/${cpu}` : nextComm);
    s.uint(6, nextTid);
    s.uint(7, PRIO);
    this.endFtrace();
  }

  schedWaking(t: number, tid: number, comm: string, targetCpu: number, isNew: boolean): void {
    // Woken from interrupt context (no waker thread is named): common pid 0 on the target CPU.
    const s = this.ftrace(targetCpu, t, 0, isNew ? FE_SCHED_WAKEUP_NEW : FE_SCHED_WAKING);
    s.string(1, comm);
    s.uint(2, tid);
    s.uint(3, PRIO);
    s.uint(4, 1);
    s.uint(5, targetCpu);
    this.endFtrace();
  }

  end(_endNs: number): void {
    this.flush();
  }
}
