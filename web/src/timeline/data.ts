/**
 * The timeline's data: the tracks of the Perfetto layout (src/trace/perfetto.ts decides them:
 * hardware threads, OS threads, Go Ps, Ms and goroutines, counters), each with its slices in
 * sorted typed arrays, built once in the worker and transferred to the page.
 *
 * Every slice has a state class (running, runnable, ...) and a colour. For the level-of-detail
 * summary the track keeps, per class present on it, the prefix sums of slice durations
 * (cum[k][i] = total duration of class-k slices before index i), so the time each class covers
 * in any window is two look-ups: drawing a pixel column that holds thousands of slices costs
 * O(classes), not O(slices).
 */
import type { TrackSpec } from '../../../src/trace/encoder.js';

export const enum Cls {
  Running = 0,
  Runnable = 1,
  Waiting = 2,
  Switch = 3,
  Syscall = 4,
  Idle = 5,
  Other = 6,
}
export const CLASS_COUNT = 7;
export const CLASS_NAMES = ['running', 'runnable', 'waiting', 'switch', 'syscall', 'idle', 'other'] as const;

/** Class colours (CSS hex), in Cls order. */
export const CLASS_COLORS = ['#2f9e44', '#f08c00', '#b8c2cc', '#e03131', '#9c36b5', '#dee2e6', '#4c6ef5'];

/** Colours of entities (an OS thread on a CPU lane, a goroutine on a P lane), by id. */
export const ENTITY_COLORS = [
  '#1c7ed6', '#37b24d', '#f59f00', '#ae3ec9', '#0ca678', '#e8590c', '#4263eb', '#74b816',
  '#d6336c', '#1098ad', '#f76707', '#7048e8', '#2b8a3e', '#c2255c', '#1971c2', '#5c940d',
];

/** Palette index of a class colour / an entity colour. */
export const classColor = (c: Cls): number => c;
export const entityColor = (id: number): number => CLASS_COUNT + (((id % ENTITY_COLORS.length) + ENTITY_COLORS.length) % ENTITY_COLORS.length);
export const PALETTE = [...CLASS_COLORS, ...ENTITY_COLORS];

/** A track (its identity is the encoder's TrackSpec) with its slices or counter samples. */
export interface TrackData extends TrackSpec {
  // ---- slices (kinds 'slices' and 'thread') ----
  n: number;
  start: Float64Array;
  end: Float64Array;
  /** Index into TimelineData.strings. */
  label: Int32Array;
  color: Uint8Array;
  cls: Uint8Array;
  /** The classes present on this track, and cum[k] (length n + 1) for each of them. */
  classes: number[];
  cum: Float64Array[];
  // ---- instants ----
  ni: number;
  it: Float64Array;
  iname: Int32Array;
  // ---- counter ----
  nc: number;
  ct: Float64Array;
  cv: Float64Array;
  cmax: number;
}

export interface TimelineData {
  endNs: number;
  strings: string[];
  tracks: TrackData[];
  slices: number;
}

/** The state class of a slice, from its name and the track it is on. */
export function classify(name: string): Cls {
  switch (name) {
    case 'Running':
    case 'Grunning':
    case 'Prunning':
      return Cls.Running;
    case 'Runnable':
    case 'Grunnable':
      return Cls.Runnable;
    case 'Gwaiting':
      return Cls.Waiting;
    case 'Gsyscall':
    case 'Psyscall':
      return Cls.Syscall;
    case 'Pidle':
      return Cls.Idle;
  }
  if (name.startsWith('Waiting')) return Cls.Waiting;
  if (name.startsWith('switch')) return Cls.Switch;
  if (/^[TG]\d+/.test(name)) return Cls.Running;
  return Cls.Other;
}

/** A growable slice/instant/counter store for one track (worker side). */
export class TrackBuilder {
  n = 0;
  start = new Float64Array(8);
  end = new Float64Array(8);
  label = new Int32Array(8);
  color = new Uint8Array(8);
  cls = new Uint8Array(8);
  sorted = true;
  ni = 0;
  it = new Float64Array(0);
  iname = new Int32Array(0);
  nc = 0;
  ct = new Float64Array(0);
  cv = new Float64Array(0);
  cmax = 0;

  constructor(readonly spec: Omit<TrackData, 'n' | 'start' | 'end' | 'label' | 'color' | 'cls' | 'classes' | 'cum' | 'ni' | 'it' | 'iname' | 'nc' | 'ct' | 'cv' | 'cmax'>) {}

  addSlice(start: number, end: number, label: number, color: number, cls: Cls): void {
    const i = this.n;
    if (i === this.start.length) {
      const cap = i * 2;
      this.start = grow(this.start, cap);
      this.end = grow(this.end, cap);
      this.label = grow(this.label, cap);
      this.color = grow(this.color, cap);
      this.cls = grow(this.cls, cap);
    }
    if (i > 0 && start < this.end[i - 1]!) this.sorted = false;
    this.start[i] = start;
    this.end[i] = end;
    this.label[i] = label;
    this.color[i] = color;
    this.cls[i] = cls;
    this.n = i + 1;
  }

  addInstant(t: number, name: number): void {
    if (this.ni === this.it.length) {
      const cap = Math.max(8, this.ni * 2);
      this.it = grow(this.it, cap);
      this.iname = grow(this.iname, cap);
    }
    this.it[this.ni] = t;
    this.iname[this.ni++] = name;
  }

  addCounter(t: number, v: number): void {
    if (this.nc === this.ct.length) {
      const cap = Math.max(8, this.nc * 2);
      this.ct = grow(this.ct, cap);
      this.cv = grow(this.cv, cap);
    }
    this.ct[this.nc] = t;
    this.cv[this.nc++] = v;
    if (v > this.cmax) this.cmax = v;
  }

  /** The state classes present on this track. */
  presentClasses(): number[] {
    const seen = new Uint8Array(CLASS_COUNT);
    for (let i = 0; i < this.n; i++) seen[this.cls[i]!] = 1;
    const present: number[] = [];
    for (let k = 0; k < CLASS_COUNT; k++) if (seen[k] === 1) present.push(k);
    return present;
  }

  /** Elements this track takes from a Pool: [f64, i32, u8]. */
  poolNeeds(classes: number): [number, number, number] {
    return [2 * this.n + classes * (this.n + 1) + this.ni + 2 * this.nc, this.n + this.ni, 2 * this.n];
  }

  /**
   * The finished track: its arrays cut from `pool` (so a whole timeline is a few buffers to
   * transfer), sorted by start, with prefix sums; `order` maps sorted → insertion index.
   */
  finish(pool: Pool = new Pool(...this.poolNeeds(CLASS_COUNT))): { track: TrackData; order: Int32Array | null } {
    const n = this.n;
    let idx: Int32Array | null = null;
    if (!this.sorted) {
      idx = new Int32Array(n);
      for (let i = 0; i < n; i++) idx[i] = i;
      const s0 = this.start;
      idx.sort((a, b) => s0[a]! - s0[b]! || a - b);
    }
    const start = pool.f64(n);
    const end = pool.f64(n);
    const label = pool.i32(n);
    const color = pool.u8(n);
    const cls = pool.u8(n);
    for (let i = 0; i < n; i++) {
      const j = idx !== null ? idx[i]! : i;
      start[i] = this.start[j]!;
      end[i] = this.end[j]!;
      label[i] = this.label[j]!;
      color[i] = this.color[j]!;
      cls[i] = this.cls[j]!;
    }
    const present = this.presentClasses();
    const slot = new Int8Array(CLASS_COUNT).fill(-1);
    present.forEach((k, j) => (slot[k] = j));
    const cum = present.map(() => pool.f64(n + 1));
    const acc = new Float64Array(present.length);
    for (let i = 0; i < n; i++) {
      const j = slot[cls[i]!]!;
      acc[j] = acc[j]! + (end[i]! - start[i]!);
      for (let q = 0; q < present.length; q++) cum[q]![i + 1] = acc[q]!;
    }
    const it = pool.f64(this.ni);
    it.set(this.it.subarray(0, this.ni));
    const iname = pool.i32(this.ni);
    iname.set(this.iname.subarray(0, this.ni));
    const ct = pool.f64(this.nc);
    ct.set(this.ct.subarray(0, this.nc));
    const cv = pool.f64(this.nc);
    cv.set(this.cv.subarray(0, this.nc));
    const track: TrackData = { ...this.spec, n, start, end, label, color, cls, classes: present, cum, ni: this.ni, it, iname, nc: this.nc, ct, cv, cmax: this.cmax };
    return { track, order: idx };
  }
}

/** Typed arrays cut from three buffers sized in advance. */
export class Pool {
  private readonly F: Float64Array;
  private readonly I: Int32Array;
  private readonly U: Uint8Array;
  private fo = 0;
  private io = 0;
  private uo = 0;
  constructor(f64: number, i32: number, u8: number) {
    this.F = new Float64Array(f64);
    this.I = new Int32Array(i32);
    this.U = new Uint8Array(u8);
  }
  f64(n: number): Float64Array {
    const a = this.F.subarray(this.fo, this.fo + n);
    this.fo += n;
    return a;
  }
  i32(n: number): Int32Array {
    const a = this.I.subarray(this.io, this.io + n);
    this.io += n;
    return a;
  }
  u8(n: number): Uint8Array {
    const a = this.U.subarray(this.uo, this.uo + n);
    this.uo += n;
    return a;
  }
  get buffers(): ArrayBuffer[] {
    return [this.F.buffer as ArrayBuffer, this.I.buffer as ArrayBuffer, this.U.buffer as ArrayBuffer];
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}

/** The distinct buffers of a timeline's tracks, for a transfer list. */
export function timelineBuffers(tracks: readonly TrackData[]): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const t of tracks) for (const a of [t.start, t.end, t.label, t.color, t.cls, t.it, t.iname, t.ct, t.cv, ...t.cum]) set.add(a.buffer as ArrayBuffer);
  return [...set];
}

/** Index of the first element of sorted `a[lo, hi)` that is > x (or >= x with `orEqual`). */
export function search(a: Float64Array, x: number, lo: number, hi: number, orEqual: boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid]!;
    if (v < x || (!orEqual && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
