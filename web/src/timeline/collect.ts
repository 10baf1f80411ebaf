/**
 * A TraceEncoder that, instead of writing a file, fills the timeline's typed arrays. It sits
 * behind the same PerfettoSink that writes `schedlab run --trace`, so the playground shows the
 * very tracks, slice names and "why" details of the Perfetto trace.
 *
 * Slice details (the `why`, `cause` and `next` texts) stay in the worker and are sent on
 * request. They are kept up to a memory budget; past it, a detail is recomputed by replaying
 * the run (the simulation is deterministic, so the replay is the same run).
 */
import type { Args, PrevState, TraceEncoder, TraceMeta, TrackSpec } from '../../../src/trace/encoder.js';
import { classify, classColor, Cls, entityColor, Pool, TrackBuilder, type TimelineData, type TrackData } from './data.js';

/** Characters of detail text kept in the worker: enough for every slice of a small or medium run; retaining much more slows big runs down (garbage collection of the kept strings). */
export const ARGS_BUDGET_CHARS = 3_000_000;

export class TimelineEncoder implements TraceEncoder {
  /** CPU lanes carry their run slices (as in the JSON trace). */
  readonly nativeSched = false;
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  private readonly builders: Array<TrackBuilder | undefined> = [];
  private readonly specs: TrackSpec[] = [];
  /** Per track: details of each slice (insertion order) and of each instant. */
  private readonly args: Array<Array<Args | null> | undefined> = [];
  private readonly iargs: Array<Array<Args | null> | undefined> = [];
  private chars = 0;
  /** True once the budget ran out: later details are replayed on request. */
  dropped = false;
  private endNs = 0;
  slices = 0;
  /** Per track, sorted index → insertion index (null: already in order). */
  private orders: Array<Int32Array | null> = [];

  constructor(private readonly budget = ARGS_BUDGET_CHARS) {}

  intern(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, i);
    }
    return i;
  }

  begin(_meta: TraceMeta): void {}

  track(spec: TrackSpec): void {
    this.specs.push(spec);
    const s: ConstructorParameters<typeof TrackBuilder>[0] = { id: spec.id, kind: spec.kind, name: spec.name, parent: spec.parent, rank: spec.rank };
    if (spec.tid !== undefined) s.tid = spec.tid;
    if (spec.unit !== undefined) s.unit = spec.unit;
    this.builders[spec.id] = new TrackBuilder(s);
  }

  private keep(list: Array<Array<Args | null> | undefined>, id: number, args: Args | null): void {
    let a = list[id];
    if (a === undefined) list[id] = a = [];
    if (args !== null && !this.dropped) {
      let n = 0;
      for (const k in args) {
        const v = args[k]!;
        n += k.length + (typeof v === 'string' ? v.length : 8);
      }
      this.chars += n;
      if (this.chars > this.budget) this.dropped = true;
    }
    a.push(this.dropped ? null : args);
  }

  slice(track: TrackSpec, start: number, end: number, name: string, args: Args | null): void {
    if (end <= start) return;
    const b = this.builders[track.id];
    if (b === undefined) return;
    const cls = classify(name);
    let color = classColor(cls);
    if (cls === Cls.Running && args !== null) {
      if (typeof args.tid === 'number' && name.startsWith('T')) color = entityColor(args.tid);
      else if (typeof args.g === 'number' && name.startsWith('G')) color = entityColor(args.g);
    }
    b.addSlice(start, end, this.intern(name), color, cls);
    this.keep(this.args, track.id, args);
    this.slices++;
  }

  instant(track: TrackSpec, t: number, name: string, args: Args | null): void {
    const b = this.builders[track.id];
    if (b === undefined) return;
    b.addInstant(t, this.intern(name));
    this.keep(this.iargs, track.id, args);
  }

  counter(track: TrackSpec, t: number, value: number): void {
    this.builders[track.id]?.addCounter(t, value);
  }

  schedSwitch(_t: number, _cpu: number, _prevTid: number, _prevComm: string, _prevState: PrevState, _nextTid: number, _nextComm: string): void {}

  schedWaking(_t: number, _tid: number, _comm: string, _targetCpu: number, _isNew: boolean): void {}

  end(endNs: number): void {
    this.endNs = endNs;
  }

  /** The finished timeline (call once, after the run). */
  finish(): TimelineData {
    const tracks: TrackData[] = [];
    this.orders = [];
    const need = [0, 0, 0];
    for (const spec of this.specs) {
      const b = this.builders[spec.id]!;
      const [f, i, u] = b.poolNeeds(b.presentClasses().length);
      need[0]! += f;
      need[1]! += i;
      need[2]! += u;
    }
    const pool = new Pool(need[0]!, need[1]!, need[2]!);
    for (const spec of this.specs) {
      const b = this.builders[spec.id]!;
      const { track, order } = b.finish(pool);
      tracks.push(track);
      this.orders[spec.id] = order;
      this.builders[spec.id] = undefined;
    }
    return { endNs: this.endNs, strings: this.strings, tracks, slices: this.slices };
  }

  /** Details of slice `index` (sorted order) on `track`, or of instant -1 - index; undefined if dropped. */
  details(track: number, index: number): Args | null | undefined {
    if (index < 0) return this.iargs[track]?.[-1 - index] ?? null;
    const order = this.orders[track];
    const i = order != null ? order[index]! : index;
    const a = this.args[track]?.[i];
    if (a === null && this.dropped) return undefined;
    return a ?? null;
  }
}

/** A TraceEncoder that only catches the details of one slice (for a replay). */
export class FindSliceEncoder implements TraceEncoder {
  readonly nativeSched = false;
  found: Args | null | undefined = undefined;
  constructor(
    private readonly trackId: number,
    private readonly from: number,
    private readonly to: number,
  ) {}
  begin(): void {}
  track(): void {}
  slice(track: TrackSpec, start: number, end: number, _name: string, args: Args | null): void {
    if (track.id === this.trackId && start === this.from && end === this.to && this.found === undefined) this.found = args;
  }
  instant(track: TrackSpec, t: number, _name: string, args: Args | null): void {
    if (track.id === this.trackId && t === this.from && this.to === this.from && this.found === undefined) this.found = args;
  }
  counter(): void {}
  schedSwitch(): void {}
  schedWaking(): void {}
  end(): void {}
}
