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
import { LA_CAUSE, LA_G, LA_M, LA_NEXT, LA_P, LA_TID, LA_WHY, SYNTHETIC_ID_BASE, wakingCpu, type Args, type LaneArgs, type ChunkWriter, type Lit, type PrevState, type StateIndex, type TextOut, type TextSource, type TraceEncoder, type TraceMeta, type TrackSpec } from './encoder.js';
import { PbWriter, putVarint, varintSize } from './protowire.js';
import { putDecimal, putDuration } from './timeline.js';

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
 * of an argument name, it stays interned only if at most half of them were new (the reasons
 * `why` and `next` recur, although each thread's first ones at start-up are new; a `cause`
 * text is nearly always new, so looking it up would only cost a hash of its whole text and
 * fill the table).
 */
const TRIAL = 1024;
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
const FE_SCHED_WAKEUP_NEW = 114;
/** FtraceEventBundle.compact_sched and its packed columns (ftrace_event_bundle.proto). */
const FB_COMPACT_SCHED = 4;
const CS_SWITCH_TS = 1;
const CS_SWITCH_PREV_STATE = 2;
const CS_SWITCH_NEXT_PID = 3;
const CS_SWITCH_NEXT_PRIO = 4;
const CS_INTERN_TABLE = 5;
const CS_SWITCH_NEXT_COMM = 6;
const CS_WAKING_TS = 7;
const CS_WAKING_PID = 8;
const CS_WAKING_CPU = 9;
const CS_WAKING_PRIO = 10;
const CS_WAKING_COMM = 11;
const CS_WAKING_FLAGS = 12;
/**
 * A sched_waking's common_flags: TRACE_FLAG_HARDIRQ for a wake-up by a timer or a device (no
 * thread's code woke it), which Perfetto shows as "Woken by: Interrupt"; 0 for one by the
 * thread running on the event's cpu, which Perfetto names as the waker.
 */
const FLAG_HARDIRQ = 0x08;
/** Events per CPU batch (one ftrace packet each). */
const BATCH_EVENTS = 1024;
const PRIO = 120;
/** Linux 4.4 prev_state bits (Perfetto's default decoding when no kernel version is given). */
const PREV_STATE: Record<PrevState, number> = { R: 0, 'R+': 0x800, S: 1, D: 2, X: 0x10 };
/** Sequence flags. */
const SEQ_CLEARED = 1;
const SEQ_NEEDS = 2;
/** Interning stops growing past this many names (later ones are written inline). */
const MAX_INTERNED = 200_000;
const FLUSH_AT = 1 << 18;
/** sliceArg's name cache size (a power of two). */
const VALUE_NAMES = 1024;
const utf8 = new TextEncoder();

/**
 * One CPU's sched_switch and sched_waking events in FtraceEventBundle.CompactSched form:
 * packed columns (timestamps as deltas from the previous one of the same kind in the batch,
 * the first from 0) and a table of comms the events point into.
 */
class CompactBatch {
  n = 0;
  /** Switches and wake-ups in the batch (their prio columns, and the wake-ups' cpu, repeat one value: written at the flush). */
  nSw = 0;
  nWk = 0;
  readonly swTs = new PbWriter(1024);
  readonly swState = new PbWriter(256);
  readonly swPid = new PbWriter(256);
  readonly swComm = new PbWriter(256);
  swLast = 0;
  readonly wkTs = new PbWriter(1024);
  readonly wkPid = new PbWriter(256);
  readonly wkComm = new PbWriter(256);
  /** Each wake-up's target cpu and common_flags (the batch is the waker's cpu). */
  readonly wkCpu = new PbWriter(256);
  readonly wkFlags = new PbWriter(256);
  wkLast = 0;
  /** The comm table (UTF-8) and, by tid, the name and index of its entry. */
  readonly table: Uint8Array[] = [];
  readonly tids: number[] = [];
  readonly tidName: Array<string | undefined> = [];
  readonly tidIdx: number[] = [];
}

/**
 * Writes the head of a BEGIN packet at `p` (room known): Trace.packet {timestamp, sequence,
 * track_event {type, track, name_iid, …}}, with 2 bytes left for the packet's length (at
 * p + 1) and for the event's (at p + 7 + the timestamp's varint size); returns the position
 * after it, where the event's arguments go.
 */
function beginHead(b: Uint8Array, p: number, t: number, trackId: number, nameIid: number): number {
  b[p++] = 0x0a; // Trace.packet
  p += 2;
  b[p++] = P_TIMESTAMP << 3;
  p = putVarint(b, p, t);
  b[p++] = P_SEQ_ID << 3;
  b[p++] = 1;
  b[p++] = (P_TRACK_EVENT << 3) | 2;
  p += 2;
  b[p++] = TE_TYPE << 3;
  b[p++] = TYPE_BEGIN;
  b[p++] = TE_TRACK << 3;
  p = putVarint(b, p, trackId);
  b[p++] = TE_NAME_IID << 3;
  return putVarint(b, p, nameIid);
}

/** Writes `n` (< 2^14) at `at` as a 2-byte varint, as PbWriter.open2/close2 reserve it. */
function put2(b: Uint8Array, at: number, n: number): void {
  b[at] = (n & 0x7f) | 0x80;
  b[at + 1] = n >>> 7;
}

/** Writes a debug annotation {name_iid, string_value_iid} at `p` (room known); returns the position after it. */
function debugIid(b: Uint8Array, p: number, nameIid: number, valueIid: number): number {
  b[p++] = (TE_DEBUG << 3) | 2;
  const at = p++;
  b[p++] = DA_NAME_IID << 3;
  p = putVarint(b, p, nameIid);
  b[p++] = 0x88; // string_value_iid = 17: key 136 as a varint
  b[p++] = 0x01;
  p = putVarint(b, p, valueIid);
  b[at] = p - at - 1;
  return p;
}

/** Writes a debug annotation {name_iid, int_value} at `p` (room known; 0 ≤ v < 2^53, so < 128 bytes); returns the position after it. */
function debugInt(b: Uint8Array, p: number, nameIid: number, v: number): number {
  b[p++] = (TE_DEBUG << 3) | 2;
  const at = p++;
  b[p++] = DA_NAME_IID << 3;
  p = putVarint(b, p, nameIid);
  b[p++] = DA_INT << 3;
  p = putVarint(b, p, v);
  b[at] = p - at - 1;
  return p;
}

/** Writes texts straight into the output buffer, as UTF-8 (the `cause` texts of state slices). */
class BufferText implements TextOut {
  constructor(private readonly w: PbWriter) {}
  str(s: string): void {
    this.w.utf8(s);
  }
  lit(l: Lit): void {
    // TypedArray.set: faster than a byte loop even for a few bytes (measured).
    const w = this.w;
    const src = l.bytes;
    w.ensure(src.length);
    w.buf.set(src, w.len);
    w.len += src.length;
  }
  int(n: number): void {
    const w = this.w;
    w.ensure(24);
    if (n < 0) {
      w.buf[w.len++] = 0x2d;
      n = -n;
    }
    w.len = putDecimal(w.buf, w.len, n);
  }
  dur(ns: number): void {
    const w = this.w;
    w.ensure(48);
    w.len = putDuration(w.buf, w.len, ns);
  }
}

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
  /** UTF-8 comm bytes by tid, and the idle task's name by CPU. */
  private readonly comms: Array<{ name: string; bytes: Uint8Array } | undefined> = [];
  private readonly swappers: Uint8Array[] = [];
  /** Per CPU: sched_switch / sched_waking events not yet written (compact_sched). */
  private readonly batches: Array<CompactBatch | undefined> = [];
  /** By track id: the last event name written there and its iid (lanes repeat names). */
  private readonly lastName: string[] = [];
  private readonly lastNameIid: number[] = [];
  /**
   * By track id: the last interned argument value written there and its iid. A thread's slice
   * ends with `next`, the same text as the `why` of its next slice: found without a lookup.
   */
  private readonly lastValue: string[] = [];
  private readonly lastValueIid: number[] = [];
  /**
   * By track id · 3 + StateIndex: a state slice's last name and `next` and their iids. A
   * thread's slices cycle through Running, Runnable and Waiting, so the last one of the track
   * (lastName, lastValue) is nearly always another state's; the last one of the same state
   * nearly always recurs ("IO wait", "dispatched on cpu 2"): found without a table lookup.
   */
  private readonly stName: string[] = [];
  private readonly stNameIid: number[] = [];
  private readonly stNext: string[] = [];
  private readonly stNextIid: number[] = [];
  /** sliceArg's names by value & (VALUE_NAMES - 1), and their iids. */
  private readonly vName: string[] = [];
  private readonly vNameIid: number[] = [];
  private readonly text = new BufferText(this.out);
  /** The argument names of state slices, once used. */
  private aWhy: ArgName | null = null;
  private aCause: ArgName | null = null;
  private aNext: ArgName | null = null;
  private aCpu: ArgName | null = null;
  /** The argument names of Go lane slices (laneSlice), once used. */
  private aG: ArgName | null = null;
  private aTid: ArgName | null = null;
  private aP: ArgName | null = null;
  private aM: ArgName | null = null;
  /** sliceArg's last argument name. */
  private lastKey = '';
  /**
   * shortEvent's timestamp, passed in this field: a time past 2^31 ns passed as an argument to
   * a call that is not inlined is boxed (a heap number per call); a double field is updated
   * in place.
   */
  private ts = 0;
  private lastKeyArg: ArgName | null = null;

  /** @param maxValues how many distinct argument values are interned at most (tests make it small). */
  constructor(
    private readonly sink: ChunkWriter,
    private readonly maxValues = MAX_INTERNED_VALUES,
  ) {}

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
      // A view of the buffer, not a copy: the writer consumes it during the call (ChunkWriter).
      this.sink.write(this.out.bytes());
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
    if (spec.kind === 'thread') this.processTree(spec.tid!, spec.name);
  }

  /**
   * ProcessTree {threads: [{tid, name, tgid}]}: binds the thread of the sched events (by tid) to
   * the process of the track descriptors. No Process entry: Perfetto would create its parent
   * (ppid) as a process of its own and take the name from the first word of its cmdline,
   * replacing the ProcessDescriptor's "<scenario> (OS threads)".
   */
  private processTree(tid: number, tname: string): void {
    const p = this.packet();
    p.uint(P_TIMESTAMP, 0);
    p.begin(P_PROCESS_TREE);
    p.begin(2);
    p.uint(1, tid);
    p.string(2, tname);
    p.uint(3, this.pid);
    p.end();
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

  /**
   * One TrackEvent packet at `t` (BEGIN or INSTANT), with the interned data it introduces.
   * Nested messages that cannot reach 128 bytes get a one-byte length; those with inline
   * texts the two-byte redundant length.
   */
  private trackEvent(t: number, type: number, trackId: number, name: string, args: Args | null): void {
    const p = this.out;
    const big = args !== null;
    const pk = big ? p.open2(1) : p.open1(1);
    const te = this.eventHead(t, type, trackId, name, big);
    if (args !== null) {
      for (const key in args) this.arg(this.argName(key), key, args[key]!, trackId);
    }
    if (big) p.close2(te);
    else p.close1(te);
    this.eventTail(pk, big);
  }

  /** Timestamp, sequence, and the TrackEvent's start: type, track, name; returns where the TrackEvent's length goes. */
  private eventHead(t: number, type: number, trackId: number, name: string, big: boolean, iid = this.nameIid(trackId, name)): number {
    const p = this.out;
    p.uint(P_TIMESTAMP, t);
    p.uint(P_SEQ_ID, 1);
    const te = big ? p.open2(P_TRACK_EVENT) : p.open1(P_TRACK_EVENT);
    p.uint(TE_TYPE, type);
    p.uint(TE_TRACK, trackId);
    if (iid > 0) p.uint(TE_NAME_IID, iid);
    else p.string(TE_NAME, name);
    return te;
  }

  /** The iid of an event name on a track (0: written inline). */
  private nameIid(trackId: number, name: string): number {
    if (this.lastName[trackId] === name) return this.lastNameIid[trackId]!;
    const iid = this.intern(this.names, 2, name);
    this.lastName[trackId] = name;
    this.lastNameIid[trackId] = iid;
    return iid;
  }

  /** The interned data the packet introduced, the sequence flags, and the packet's length. */
  private eventTail(pk: number, big: boolean): void {
    const p = this.out;
    const ids = this.newIds;
    if (ids.length > 0) {
      const at = p.open2(P_INTERNED);
      for (let i = 0; i < ids.length; i++) {
        const [kind, iid, text] = ids[i]!;
        const en = p.open2(kind);
        p.uint(1, iid);
        p.string(2, text);
        p.close2(en);
      }
      p.close2(at);
      ids.length = 0;
    }
    p.uint(P_SEQ_FLAGS, SEQ_NEEDS);
    if (big) p.close2(pk);
    else p.close1(pk);
    if (p.len >= FLUSH_AT) this.flush();
  }

  /** The iid of a string value of argument `a` on a track (0: written inline), interned while its values recur. */
  private valueIid(a: ArgName, v: string, trackId: number): number {
    if (v === this.lastValue[trackId]) return this.lastValueIid[trackId]!;
    if (!a.internValues || v.length > INTERN_VALUE_MAX_LEN) return 0;
    const before = this.values.size;
    const vid = this.intern(this.values, 29, v, this.maxValues);
    if (a.tried < TRIAL) {
      a.tried++;
      if (this.values.size !== before || vid === 0) a.fresh++;
      if (a.tried === TRIAL && a.fresh * 2 > TRIAL) a.internValues = false;
    }
    if (vid > 0) {
      this.lastValue[trackId] = v;
      this.lastValueIid[trackId] = vid;
    }
    return vid;
  }

  /** One argument (a debug annotation) of an event on track `trackId`. */
  private arg(a: ArgName, key: string, v: string | number, trackId: number): void {
    this.writeArg(a, key, v, typeof v === 'string' ? this.valueIid(a, v, trackId) : 0);
  }

  /** One argument whose value's iid is known (0: inline, or a number). */
  private writeArg(a: ArgName, key: string, v: string | number, vid: number): void {
    const p = this.out;
    const inline = typeof v === 'string' && vid === 0;
    const da = inline ? p.open2(TE_DEBUG) : p.open1(TE_DEBUG);
    if (a.iid > 0) p.uint(DA_NAME_IID, a.iid);
    else p.string(10, key);
    if (typeof v === 'string') {
      if (vid > 0) p.uint(DA_STRING_IID, vid);
      else p.string(DA_STRING, v);
    } else if (Number.isInteger(v)) p.uint(DA_INT, v);
    else p.double(DA_DOUBLE, v);
    if (inline) p.close2(da);
    else p.close1(da);
  }

  /**
   * A TrackEvent packet of fixed shape, written byte by byte with exact one-byte lengths:
   * timestamp, sequence, {type, track[, field `key` = `value`]}, sequence flags. SLICE_END
   * (key 0: no field), COUNTER (counter_value), or a BEGIN with nothing but its name_iid.
   */
  private shortEvent(type: number, trackId: number, key: number, value: number): void {
    const t = this.ts;
    const o = this.out;
    o.ensure(48);
    const b = o.buf;
    let p = o.len;
    b[p] = 0x0a; // Trace.packet
    // The packet's and the event's lengths (each < 128) are filled in once their ends are known.
    const pk = p + 1;
    p += 2;
    b[p++] = P_TIMESTAMP << 3;
    p = putVarint(b, p, t);
    b[p++] = P_SEQ_ID << 3;
    b[p++] = 1;
    b[p++] = (P_TRACK_EVENT << 3) | 2;
    const te = p++;
    b[p++] = TE_TYPE << 3;
    b[p++] = type;
    b[p++] = TE_TRACK << 3;
    p = putVarint(b, p, trackId);
    if (key > 0) {
      p = putVarint(b, p, key);
      p = putVarint(b, p, value);
    }
    b[te] = p - te - 1;
    b[p++] = P_SEQ_FLAGS << 3;
    b[p++] = SEQ_NEEDS;
    b[pk] = p - pk - 1;
    o.len = p;
    if (p >= FLUSH_AT) this.flush();
  }

  slice(track: TrackSpec, start: number, end: number, name: string, args: Args | null): void {
    const id = track.id;
    if (args === null) {
      const iid = this.nameIid(id, name);
      if (iid > 0 && this.newIds.length === 0) {
        // A BEGIN with an interned name and nothing else (a Waiting slice without the why
        // texts, most of all): the bytes trackEvent writes, with exact one-byte lengths.
        this.ts = start;
        this.shortEvent(TYPE_BEGIN, id, TE_NAME_IID << 3, iid);
        this.ts = end;
        this.shortEvent(TYPE_END, id, 0, 0);
        return;
      }
    }
    this.trackEvent(start, TYPE_BEGIN, id, name, args);
    this.ts = end;
    this.shortEvent(TYPE_END, id, 0, 0);
  }

  /**
   * slice(track, start, end, name, {why, cause, next, cpu}) written without the object: `cause`
   * goes straight into the output buffer (always inline: it is nearly always new); a null
   * `cause` (a Waiting slice) is left out.
   */
  stateSlice(track: TrackSpec, state: StateIndex, start: number, end: number, name: string, why: string, cause: TextSource | null, next: string, cpu: number): void {
    const id = track.id;
    const k = id * 3 + state;
    // Interned first, in the order the packet names them (new entries go in its interned data).
    let nameIid: number;
    if (this.stName[k] === name) nameIid = this.stNameIid[k]!;
    else {
      nameIid = this.nameIid(id, name);
      this.stName[k] = name;
      this.stNameIid[k] = nameIid;
    }
    const aWhy = (this.aWhy ??= this.argName('why'));
    const whyIid = this.valueIid(aWhy, why, id);
    const aCause = cause !== null ? (this.aCause ??= this.argName('cause')) : null;
    const aNext = next !== '' ? (this.aNext ??= this.argName('next')) : null;
    let nextIid = 1;
    if (aNext !== null) {
      if (this.stNext[k] === next && aNext.internValues) nextIid = this.stateNextHit(aNext, id, next, this.stNextIid[k]!);
      else {
        nextIid = this.valueIid(aNext, next, id);
        if (nextIid > 0) {
          this.stNext[k] = next;
          this.stNextIid[k] = nextIid;
        }
      }
    }
    const aCpu = cpu >= 0 ? (this.aCpu ??= this.argName('cpu')) : null;
    if (nameIid === 0 || whyIid === 0 || nextIid === 0 || aWhy.iid === 0 || (aCause !== null && aCause.iid === 0) || (aNext !== null && aNext.iid === 0) || (aCpu !== null && aCpu.iid === 0)) {
      this.stateSliceInline(track, start, end, name, nameIid, why, whyIid, cause, next, nextIid, cpu);
      return;
    }
    // Everything but the cause text is a small number: written byte by byte, as protobuf
    // encodes TracePacket {timestamp, sequence, track_event {type, track, name_iid,
    // debug_annotations…}, sequence_flags} (field keys below), with the lengths of the packet,
    // the event and the cause as 2-byte varints, the others exact.
    const o = this.out;
    o.ensure(128);
    let b = o.buf;
    let p = o.len;
    const pk = p + 1;
    const te = pk + 6 + varintSize(start);
    p = beginHead(b, p, start, id, nameIid);
    p = debugIid(b, p, aWhy.iid, whyIid);
    if (aCause !== null) {
      b[p++] = (TE_DEBUG << 3) | 2;
      const da = p;
      p += 2;
      b[p++] = DA_NAME_IID << 3;
      p = putVarint(b, p, aCause.iid);
      b[p++] = (DA_STRING << 3) | 2;
      const text = p;
      o.len = p + 2;
      cause!.writeText(this.text);
      o.close2(text);
      o.close2(da);
      o.ensure(64);
      b = o.buf;
      p = o.len;
    }
    if (aNext !== null) p = debugIid(b, p, aNext.iid, nextIid);
    if (aCpu !== null) p = debugInt(b, p, aCpu.iid, cpu);
    o.len = p;
    o.close2(te);
    this.eventTail(pk, true);
    this.ts = end;
    this.shortEvent(TYPE_END, id, 0, 0);
  }

  /**
   * A state slice's `next` found in stNext: what valueIid would have done for it, without the
   * lookup — it becomes the track's last value, and it counts in the argument's interning trial
   * unless it was the last value already (the same trial, so the same trace bytes).
   */
  private stateNextHit(a: ArgName, trackId: number, next: string, iid: number): number {
    if (next !== this.lastValue[trackId]) {
      if (a.tried < TRIAL) {
        a.tried++;
        if (a.tried === TRIAL && a.fresh * 2 > TRIAL) a.internValues = false;
      }
      this.lastValue[trackId] = next;
      this.lastValueIid[trackId] = iid;
    }
    return iid;
  }

  /**
   * stateSlice through the general writers, with the iids already looked up (0: inline; an
   * argument name or value is not interned when its table is full, or a value is long).
   */
  private stateSliceInline(track: TrackSpec, start: number, end: number, name: string, nameIid: number, why: string, whyIid: number, cause: TextSource | null, next: string, nextIid: number, cpu: number): void {
    const p = this.out;
    const id = track.id;
    const pk = p.open2(1);
    p.uint(P_TIMESTAMP, start);
    p.uint(P_SEQ_ID, 1);
    const te = p.open2(P_TRACK_EVENT);
    p.uint(TE_TYPE, TYPE_BEGIN);
    p.uint(TE_TRACK, id);
    if (nameIid > 0) p.uint(TE_NAME_IID, nameIid);
    else p.string(TE_NAME, name);
    this.writeArg(this.aWhy!, 'why', why, whyIid);
    if (cause !== null) {
      const a = this.aCause!;
      const da = p.open2(TE_DEBUG);
      if (a.iid > 0) p.uint(DA_NAME_IID, a.iid);
      else p.string(10, 'cause');
      const text = p.open2(DA_STRING);
      cause.writeText(this.text);
      p.close2(text);
      p.close2(da);
    }
    if (next !== '') this.writeArg(this.aNext!, 'next', next, nextIid);
    if (cpu >= 0) this.writeArg(this.aCpu!, 'cpu', cpu, 0);
    p.close2(te);
    this.eventTail(pk, true);
    this.ts = end;
    this.shortEvent(TYPE_END, id, 0, 0);
  }

  /**
   * slice(track, start, end, name, laneArgsObject(a)) without the object: the same calls in
   * the same order (argument names interned on first use, string values through valueIid).
   */
  laneSlice(track: TrackSpec, start: number, end: number, name: string, a: LaneArgs | null): void {
    if (a === null) {
      this.slice(track, start, end, name, null);
      return;
    }
    const id = track.id;
    const h = a.has;
    // Interned first, in the order the general path looks them up (eventHead's name, then each
    // argument's name and string value in turn): new entries go in this packet's interned data.
    const nameIid = this.nameIid(id, name);
    const aG = h & LA_G ? (this.aG ??= this.argName('g')) : null;
    const aWhy = h & LA_WHY ? (this.aWhy ??= this.argName('why')) : null;
    const whyIid = aWhy !== null ? this.valueIid(aWhy, a.why, id) : 0;
    const aTid = h & LA_TID ? (this.aTid ??= this.argName('tid')) : null;
    const aP = h & LA_P ? (this.aP ??= this.argName('p')) : null;
    const aM = h & LA_M ? (this.aM ??= this.argName('m')) : null;
    const aCause = h & LA_CAUSE ? (this.aCause ??= this.argName('cause')) : null;
    // A cause told by a TextSource is always inline, as a state slice's (nearly always new).
    const causeSrc = a.causeSrc;
    const causeIid = aCause !== null && causeSrc === null ? this.valueIid(aCause, a.cause, id) : 0;
    const aNext = h & LA_NEXT ? (this.aNext ??= this.argName('next')) : null;
    const nextIid = aNext !== null ? this.valueIid(aNext, a.next, id) : 0;
    const o = this.out;
    let pk: number;
    let te: number;
    if (nameIid > 0) {
      // The head as eventHead writes it (2-byte packet and event lengths), byte by byte.
      o.ensure(64);
      pk = o.len + 1;
      te = pk + 6 + varintSize(start);
      o.len = beginHead(o.buf, o.len, start, id, nameIid);
    } else {
      pk = o.open2(1);
      te = this.eventHead(start, TYPE_BEGIN, id, name, true, 0);
    }
    // Each argument as writeArg writes it: a small number or an interned string byte by byte,
    // anything else (an inline text, a negative number, a name not interned) through writeArg.
    if (aG !== null) this.laneInt(aG, 'g', a.g);
    if (aWhy !== null) this.laneStr(aWhy, 'why', a.why, whyIid);
    if (aTid !== null) this.laneInt(aTid, 'tid', a.tid);
    if (aP !== null) this.laneInt(aP, 'p', a.p);
    if (aM !== null) this.laneInt(aM, 'm', a.m);
    if (aCause !== null) {
      if (causeSrc !== null) this.inlineText(aCause, 'cause', causeSrc);
      else this.laneStr(aCause, 'cause', a.cause, causeIid);
    }
    if (aNext !== null) this.laneStr(aNext, 'next', a.next, nextIid);
    o.close2(te);
    this.eventTail(pk, true);
    this.ts = end;
    this.shortEvent(TYPE_END, id, 0, 0);
  }

  /** A text argument written by `src` straight into the output (2-byte lengths, as writeArg gives an inline string). */
  private inlineText(an: ArgName, key: string, src: TextSource): void {
    const p = this.out;
    const da = p.open2(TE_DEBUG);
    if (an.iid > 0) p.uint(DA_NAME_IID, an.iid);
    else p.string(10, key);
    const text = p.open2(DA_STRING);
    src.writeText(this.text);
    p.close2(text);
    p.close2(da);
  }

  /** A lane slice's integer argument: the bytes writeArg writes for it. */
  private laneInt(an: ArgName, key: string, v: number): void {
    if (an.iid === 0 || !(v >= 0 && v < 0x80000000) || !Number.isInteger(v)) {
      this.writeArg(an, key, v, 0);
      return;
    }
    const o = this.out;
    o.ensure(24);
    o.len = debugInt(o.buf, o.len, an.iid, v);
  }

  /** A lane slice's string argument with its value's iid (0: inline): the bytes writeArg writes for it. */
  private laneStr(an: ArgName, key: string, v: string, vid: number): void {
    if (an.iid === 0 || vid === 0) {
      this.writeArg(an, key, v, vid);
      return;
    }
    const o = this.out;
    o.ensure(24);
    o.len = debugIid(o.buf, o.len, an.iid, vid);
  }

  /** slice(track, start, end, name, {[key]: value}) without the object. */
  sliceArg(track: TrackSpec, start: number, end: number, name: string, key: string, value: number): void {
    const id = track.id;
    // A lane's names vary with the thread switched to, the same text for the same value:
    // found by the value (low bits) before the track's last name and the table.
    const vk = value & (VALUE_NAMES - 1);
    let iid: number;
    if (this.vName[vk] === name) iid = this.vNameIid[vk]!;
    else {
      iid = this.nameIid(id, name);
      this.vName[vk] = name;
      this.vNameIid[vk] = iid;
    }
    let a = this.lastKeyArg;
    if (key !== this.lastKey || a === null) {
      a = this.lastKeyArg = this.argName(key);
      this.lastKey = key;
    }
    if (iid > 0 && a.iid > 0 && this.newIds.length === 0 && Number.isInteger(value) && value >= 0) {
      // The bytes of the general path below (2-byte packet and event lengths, as for any
      // event with arguments), written at once: {ts, seq, {BEGIN, track, name_iid, {key_iid, int}}, flags}.
      const o = this.out;
      o.ensure(64);
      const b = o.buf;
      let p = o.len;
      const pk = p + 1;
      const te = pk + 6 + varintSize(start);
      p = beginHead(b, p, start, id, iid);
      p = debugInt(b, p, a.iid, value);
      put2(b, te, p - te - 2);
      b[p++] = P_SEQ_FLAGS << 3;
      b[p++] = SEQ_NEEDS;
      put2(b, pk, p - pk - 2);
      o.len = p;
      this.ts = end;
      this.shortEvent(TYPE_END, id, 0, 0);
      return;
    }
    const o = this.out;
    const pk = o.open2(1);
    const te = this.eventHead(start, TYPE_BEGIN, id, name, true);
    this.writeArg(a, key, value, 0);
    o.close2(te);
    this.eventTail(pk, true);
    this.ts = end;
    this.shortEvent(TYPE_END, id, 0, 0);
  }

  instant(track: TrackSpec, t: number, name: string, args: Args | null): void {
    this.trackEvent(t, TYPE_INSTANT, track.id, name, args);
  }

  counter(track: TrackSpec, t: number, value: number): void {
    if (Number.isInteger(value) && value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
      this.ts = t;
      this.shortEvent(TYPE_COUNTER, track.id, TE_COUNTER << 3, value);
      return;
    }
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

  /** The UTF-8 bytes of a thread's comm (cached per tid while its name stays the same). */
  private comm(tid: number, name: string): Uint8Array {
    const c = this.comms[tid];
    if (c !== undefined && c.name === name) return c.bytes;
    const bytes = utf8.encode(name);
    this.comms[tid] = { name, bytes };
    return bytes;
  }

  private swapper(cpu: number): Uint8Array {
    return (this.swappers[cpu] ??= utf8.encode(`swapper/${cpu}`));
  }

  /**
   * Writes the head of one ftrace packet — TracePacket {ftrace_events: FtraceEventBundle {cpu,
   * event: FtraceEvent {timestamp, pid, <field>: {…}}}} — with exact lengths for a payload of
   * `payload` bytes, and room for the payload; returns where the payload goes.
   */
  private ftraceHead(cpu: number, t: number, pid: number, field: number, payload: number): number {
    const fe = 2 + varintSize(t) + varintSize(pid) + varintSize(field << 3) + varintSize(payload) + payload;
    const bundle = 1 + varintSize(cpu) + 1 + varintSize(fe) + fe;
    const o = this.out;
    o.ensure(bundle + 12);
    const buf = o.buf;
    let p = o.len;
    buf[p++] = 0x0a;
    p = putVarint(buf, p, 1 + varintSize(bundle) + bundle);
    buf[p++] = (P_FTRACE << 3) | 2;
    p = putVarint(buf, p, bundle);
    buf[p++] = FB_CPU << 3;
    p = putVarint(buf, p, cpu);
    buf[p++] = (FB_EVENT << 3) | 2;
    p = putVarint(buf, p, fe);
    buf[p++] = FE_TS << 3;
    p = putVarint(buf, p, t);
    buf[p++] = FE_PID << 3;
    p = putVarint(buf, p, pid);
    p = putVarint(buf, p, (field << 3) | 2);
    return putVarint(buf, p, payload);
  }

  /**
   * The cpu's batch. Its first one starts with a switch to the idle task at `t`, the time of
   * the cpu's first event: Perfetto reads a compact_sched switch's previous thread from the
   * cpu's last one, so it skips each cpu's first switch (counting it in its
   * compact_sched_switch_skipped stat) and drops the wake-ups recorded on a cpu before it. The
   * first real switch then opens the cpu's first slice, from the idle task.
   */
  private batch(cpu: number, t: number): CompactBatch {
    let b = this.batches[cpu];
    if (b !== undefined) return b;
    while (this.batches.length <= cpu) this.batches.push(undefined);
    b = this.batches[cpu] = new CompactBatch();
    b.swTs.varint(t);
    b.swLast = t;
    b.swState.varint(0);
    b.swPid.varint(0);
    b.nSw++;
    b.swComm.varint(this.commIndex(b, cpu, 0, ''));
    b.n++;
    return b;
  }

  /** The index of a thread's comm in the batch's intern table (tid 0: the CPU's idle task). */
  private commIndex(b: CompactBatch, cpu: number, tid: number, comm: string): number {
    if (tid === 0) comm = ''; // the idle task is always swapper/N, whatever the caller names it
    if (b.tidName[tid] === comm) return b.tidIdx[tid]!;
    b.tidName[tid] = comm;
    b.tidIdx[tid] = b.table.length;
    b.tids.push(tid);
    b.table.push(tid === 0 ? this.swapper(cpu) : this.comm(tid, comm));
    return b.table.length - 1;
  }

  schedSwitch(t: number, cpu: number, prevTid: number, _prevComm: string, prevState: PrevState, nextTid: number, nextComm: string): void {
    // compact_sched keeps only the next thread: Perfetto takes the previous one from the
    // CPU's last switch (which our stream always matches, see the round-trip test).
    let b = this.batch(cpu, t);
    if (b.wkTs.len > 0 && b.wkLast === t) {
      // Perfetto reads a batch's switches before its wake-ups: a wake-up at this same instant
      // must come first (it makes the thread Runnable before it runs), so it goes out now.
      this.flushBatch(cpu);
      b = this.batch(cpu, t);
    }
    b.swTs.varint(t - b.swLast);
    b.swLast = t;
    b.swState.varint(prevTid === 0 ? 0 : PREV_STATE[prevState]);
    b.swPid.varint(nextTid);
    b.nSw++;
    b.swComm.varint(this.commIndex(b, cpu, nextTid, nextComm));
    if (++b.n >= BATCH_EVENTS) this.flushBatch(cpu);
  }

  schedWaking(t: number, tid: number, comm: string, targetCpu: number, isNew: boolean, waker: number, wakerCpu: number): void {
    // A creation is a sched_wakeup_new, as the kernel writes it, which Perfetto keeps only in
    // its raw events table; the sched_waking that follows it gives the thread its Runnable
    // state from its creation, with its creator as the waker (a creation by no thread, such as
    // an arrival from outside, reads as an interrupt's).
    if (isNew) this.wakeupNew(t, tid, comm, targetCpu, waker, wakerCpu);
    // As the kernel records it: on the cpu of the thread whose code woke it (Perfetto names
    // the thread running there as the waker), or, woken by a timer or a device, in interrupt
    // context on the target cpu (SIM: the interrupt is taken where the thread will run).
    const cpu = wakingCpu(targetCpu, wakerCpu);
    const b = this.batch(cpu, t);
    b.wkTs.varint(t - b.wkLast);
    b.wkLast = t;
    b.wkPid.varint(tid);
    b.wkCpu.varint(targetCpu);
    b.wkFlags.varint(wakerCpu >= 0 ? 0 : FLAG_HARDIRQ);
    b.nWk++;
    b.wkComm.varint(this.commIndex(b, cpu, tid, comm));
    if (++b.n >= BATCH_EVENTS) this.flushBatch(cpu);
  }

  /**
   * A new thread's first wake-up, as a plain sched_wakeup_new event (compact_sched has none),
   * recorded as wake_up_new_task does: in the creating thread's context (common_pid), on its
   * cpu (pid 0 on the target cpu when no thread created it).
   */
  private wakeupNew(t: number, tid: number, comm: string, targetCpu: number, creator: number, creatorCpu: number): void {
    const name = this.comm(tid, comm);
    // comm 1, pid 2, prio 3, success 4, target_cpu 5.
    const payload = 1 + varintSize(name.length) + name.length + 1 + varintSize(tid) + 2 + 2 + 1 + varintSize(targetCpu);
    let p = this.ftraceHead(wakingCpu(targetCpu, creatorCpu), t, creatorCpu >= 0 ? creator : 0, FE_SCHED_WAKEUP_NEW, payload);
    const b = this.out.buf;
    b[p++] = (1 << 3) | 2;
    p = putVarint(b, p, name.length);
    for (let i = 0; i < name.length; i++) b[p++] = name[i]!;
    b[p++] = 2 << 3;
    p = putVarint(b, p, tid);
    b[p++] = 3 << 3;
    b[p++] = PRIO;
    b[p++] = 4 << 3;
    b[p++] = 1;
    b[p++] = 5 << 3;
    p = putVarint(b, p, targetCpu);
    this.out.len = p;
    if (p >= FLUSH_AT) this.flush();
  }

  /** Writes one CPU's batch as TracePacket {ftrace_events {cpu, compact_sched {…}}} and empties it. */
  private flushBatch(cpu: number): void {
    const b = this.batches[cpu];
    if (b === undefined || b.n === 0) return;
    const o = this.out;
    const pk = o.open2(1);
    const fb = o.open2(P_FTRACE);
    o.uint(FB_CPU, cpu);
    const cs = o.open2(FB_COMPACT_SCHED);
    for (const name of b.table) {
      o.tag(CS_INTERN_TABLE, 2);
      o.varint(name.length);
      o.raw(name, name.length);
    }
    this.column(CS_SWITCH_TS, b.swTs);
    this.column(CS_SWITCH_PREV_STATE, b.swState);
    this.column(CS_SWITCH_NEXT_PID, b.swPid);
    this.repeated(CS_SWITCH_NEXT_PRIO, PRIO, b.nSw);
    this.column(CS_SWITCH_NEXT_COMM, b.swComm);
    this.column(CS_WAKING_TS, b.wkTs);
    this.column(CS_WAKING_PID, b.wkPid);
    this.column(CS_WAKING_CPU, b.wkCpu);
    this.repeated(CS_WAKING_PRIO, PRIO, b.nWk);
    this.column(CS_WAKING_COMM, b.wkComm);
    this.column(CS_WAKING_FLAGS, b.wkFlags);
    o.close2(cs);
    o.close2(fb);
    o.close2(pk);
    for (const tid of b.tids) b.tidName[tid] = undefined;
    b.tids.length = 0;
    b.table.length = 0;
    b.swLast = 0;
    b.wkLast = 0;
    b.n = 0;
    b.nSw = 0;
    b.nWk = 0;
    if (o.len >= FLUSH_AT) this.flush();
  }

  /** A packed column of the batch (if it has values), emptied for the next batch. */
  private column(field: number, w: PbWriter): void {
    if (w.len > 0) this.out.message(field, w);
    w.reset();
  }

  /** A packed column of `count` copies of `v` (none if count is 0). */
  private repeated(field: number, v: number, count: number): void {
    if (count === 0) return;
    const o = this.out;
    const size = varintSize(v);
    o.tag(field, 2);
    o.varint(count * size);
    o.ensure(count * size);
    const b = o.buf;
    let p = o.len;
    for (let i = 0; i < count; i++) p = putVarint(b, p, v);
    o.len = p;
  }

  end(_endNs: number): void {
    for (let cpu = 0; cpu < this.batches.length; cpu++) this.flushBatch(cpu);
    this.flush();
  }
}
