/**
 * What a trace exporter writes, independent of the file format: tracks (lanes) arranged in
 * groups, slices on them, instants, counters, and Linux-style scheduler events (which
 * Perfetto turns into its native CPU and thread-state tracks). The Perfetto sink
 * (perfetto.ts) decides the layout; an encoder (perfetto-proto.ts, perfetto-json.ts) writes it
 * as a stream of chunks through a ChunkWriter, so no whole trace is ever held in memory and
 * the core needs no Node API.
 */

/**
 * Where encoded chunks go (the Node side writes them to a file; tests collect them). A
 * Uint8Array chunk is a view of the encoder's buffer, valid only during the call: the encoder
 * reuses the buffer for the next chunk, so a writer that keeps chunks must copy them.
 */
export interface ChunkWriter {
  write(chunk: Uint8Array | string): void;
}

/**
 * group: a named container of tracks; process: the container of OS-thread tracks; thread: one
 * OS thread's track (tid = schedlab thread id); slices: a lane of non-overlapping slices;
 * counter: a numeric series.
 */
export type TrackKind = 'group' | 'process' | 'thread' | 'slices' | 'counter';

export interface TrackSpec {
  /** Unique, > 0, assigned by the sink in order of creation. */
  id: number;
  kind: TrackKind;
  name: string;
  /** Containing group or process (0: top level). */
  parent: number;
  /** Order among its siblings (lower first). */
  rank: number;
  /** OS thread id (thread tracks). */
  tid?: number;
  /** Counter unit, shown by viewers that support it ("threads", "goroutines"). */
  unit?: string;
}

/** Event arguments, shown in the viewer's details panel. Keys keep insertion order. */
export type Args = Record<string, string | number>;

/** Which fields of a LaneArgs are present (bits). */
export const LA_G = 1;
export const LA_WHY = 2;
export const LA_TID = 4;
export const LA_P = 8;
export const LA_M = 16;
export const LA_CAUSE = 32;
export const LA_NEXT = 64;

/**
 * The arguments of a Go lane slice (goroutine, P, P status, M) without an object per slice:
 * the fields whose bits are set in `has`, in this order — g, why, tid, p, m, cause, next — the
 * order in which the lanes name them. The sink refills one per lane. The cause is `causeSrc`
 * when that is not null (written by its writeText during the laneSlice call, as a state
 * slice's is), else the `cause` string.
 */
export interface LaneArgs {
  has: number;
  g: number;
  why: string;
  tid: number;
  p: number;
  m: number;
  cause: string;
  causeSrc: TextSource | null;
  next: string;
}

export function newLaneArgs(): LaneArgs {
  return { has: 0, g: 0, why: '', tid: 0, p: 0, m: 0, cause: '', causeSrc: null, next: '' };
}

/** The arguments object a LaneArgs with a `cause` string (no causeSrc) stands for (keys in its order). */
export function laneArgsObject(a: LaneArgs): Args {
  const o: Args = {};
  const h = a.has;
  if (h & LA_G) o.g = a.g;
  if (h & LA_WHY) o.why = a.why;
  if (h & LA_TID) o.tid = a.tid;
  if (h & LA_P) o.p = a.p;
  if (h & LA_M) o.m = a.m;
  if (h & LA_CAUSE) o.cause = a.cause;
  if (h & LA_NEXT) o.next = a.next;
  return o;
}

/**
 * Where a plain-words text goes, piece by piece: into a string (StringOut in timeline.ts), or
 * straight into a trace's output buffer (the protobuf encoder). One renderer (OsTimeline's)
 * serves both, so no string is built for a text that is only copied into a trace.
 */
export interface TextOut {
  /** Appends a string. */
  str(s: string): void;
  /** Appends a constant piece (its UTF-8 is ready). */
  lit(l: Lit): void;
  /** Appends an integer in decimal. */
  int(n: number): void;
  /** Appends a duration as formatDuration writes it. */
  dur(ns: number): void;
}

const utf8 = new TextEncoder();

/** A piece of text written again and again, with its UTF-8 bytes, encoded once. */
export class Lit {
  readonly bytes: Uint8Array;
  constructor(readonly text: string) {
    this.bytes = utf8.encode(text);
  }
}

/** A text written on request (the `cause` of the interval an OsTimeline is handing out). */
export interface TextSource {
  writeText(out: TextOut): void;
}

/** Linux sched_switch prev_state, as Perfetto colours it. */
export type PrevState = 'R' | 'R+' | 'S' | 'D' | 'X';

export interface TraceMeta {
  scenario: string;
  seed: number;
  model: string;
  policy: string;
  cpus: number;
}

/** An OS thread's interval state in TraceEncoder.stateSlice: 0 Running, 1 Runnable, 2 Waiting. */
export type StateIndex = 0 | 1 | 2;

export interface TraceEncoder {
  /** The format has native scheduler tracks (sched_switch): CPU lanes then only need the switches. */
  readonly nativeSched: boolean;
  begin(meta: TraceMeta): void;
  track(spec: TrackSpec): void;
  /** A finished slice [start, end) on a slices or thread track (written when it ends). */
  slice(track: TrackSpec, start: number, end: number, name: string, args: Args | null): void;
  /**
   * Optional, the same as `slice(track, start, end, name, {why, cause, next, cpu})` for an OS
   * thread's state slice, with `next` left out when '' and `cpu` when < 0, and the `cause`
   * text written by `cause.writeText` during the call (left out when `cause` is null: a
   * Waiting slice): an encoder that has it gets no arguments object and no cause string per
   * slice (the sink builds them for one that has not). `state` is the interval's state
   * (StateIndex: the encoder may key caches on it; a Waiting slice's name varies with its why).
   */
  stateSlice?(track: TrackSpec, state: StateIndex, start: number, end: number, name: string, why: string, cause: TextSource | null, next: string, cpu: number): void;
  /** Optional, the same as `slice(track, start, end, name, args && laneArgsObject(args))` without the object. */
  laneSlice?(track: TrackSpec, start: number, end: number, name: string, args: LaneArgs | null): void;
  /** Optional, the same as `slice(track, start, end, name, {[key]: value})` without the object. */
  sliceArg?(track: TrackSpec, start: number, end: number, name: string, key: string, value: number): void;
  instant(track: TrackSpec, t: number, name: string, args: Args | null): void;
  counter(track: TrackSpec, t: number, value: number): void;
  /** cpu switches from prev (0: idle) to next (0: idle). */
  schedSwitch(t: number, cpu: number, prevTid: number, prevComm: string, prevState: PrevState, nextTid: number, nextComm: string): void;
  /**
   * tid becomes runnable on targetCpu (isNew: a new thread's first wake-up), woken or created
   * by thread `waker` running on wakerCpu (0 and -1: from interrupt context, or no creator).
   */
  schedWaking(t: number, tid: number, comm: string, targetCpu: number, isNew: boolean, waker: number, wakerCpu: number): void;
  end(endNs: number): void;
}

/**
 * The cpu a wake-up or creation is recorded on, as the kernel records it: the cpu of the thread
 * whose code did it, or, with no such thread (a timer, a device; -1), the target cpu.
 */
export function wakingCpu(targetCpu: number, wakerCpu: number): number {
  return wakerCpu >= 0 ? wakerCpu : targetCpu;
}

/** Formats integer ns as microseconds with exactly 3 decimals ("12.345"), no float noise. */
export function usString(ns: number): string {
  const whole = Math.trunc(ns / 1000);
  const frac = ns - whole * 1000;
  return frac === 0 ? `${whole}` : `${whole}.${String(frac).padStart(3, '0')}`;
}

/** Base for synthetic process ids and lane thread ids, far above any OS thread id. */
export const SYNTHETIC_ID_BASE = 1_500_000_000;
