/**
 * Chrome JSON Trace Event Format encoder (opens in ui.perfetto.dev and legacy viewers).
 *
 * Mapping, following Perfetto's JSON importer rules (docs/tracing.md):
 * - a group or the OS-thread process becomes a process (pid = SYNTHETIC_ID_BASE + track id);
 *   a lane becomes a thread of it (tid = SYNTHETIC_ID_BASE + track id); an OS thread keeps
 *   its own tid, so tids are unique across processes and never 0;
 * - slices are complete events (`X`) written when they end, in microseconds with exactly three
 *   decimals (integer nanoseconds, no float noise); lanes never overlap, so slices never need
 *   to nest;
 * - a counter is a `C` event on its group's process; Perfetto names its track "<name> <argument>",
 *   so the track's name is split at its first space ("cpu0" with argument "queued threads");
 * - every process and thread gets `process_name`/`thread_name` and a sort index.
 * Scheduler events (sched_switch/waking) have no JSON form here: the CPU lanes carry the same
 * information as slices. The protobuf format (.pftrace) adds Perfetto's native CPU tracks.
 *
 * Output: events are written as UTF-8 straight into a reused byte buffer and handed out in
 * chunks (ChunkWriter: valid during the call), with the fixed parts of each track's events
 * built once. Building one string for the whole chunk instead (a rope of many small strings)
 * made the writer's own UTF-8 conversion cost about twice the encoding.
 */
import { LA_CAUSE, LA_G, LA_M, LA_NEXT, LA_P, LA_TID, LA_WHY, SYNTHETIC_ID_BASE, usString, type Args, type LaneArgs, type ChunkWriter, type PrevState, type StateIndex, type TextSource, type TraceEncoder, type TraceMeta, type TrackSpec } from './encoder.js';
import { PbWriter } from './protowire.js';
import { putDecimal, StringOut } from './timeline.js';

const FLUSH_AT = 1 << 18;

/**
 * JSON.stringify(v), with every escaped backslash written as \u005c: Perfetto's JSON reader
 * ends a string at the first quote not preceded by a backslash, so a string whose last
 * character is a backslash (written `\\"`) would run on and fail the whole import.
 */
export function jsonText(v: unknown): string {
  const s = JSON.stringify(v);
  return s.includes('\\') ? s.replace(/\\\\/g, '\\u005c') : s;
}

/** How many distinct names and recurring argument values keep their JSON quoting. */
const MAX_QUOTED = 100_000;

export class JsonEncoder implements TraceEncoder {
  readonly nativeSched = false;
  private readonly out = new PbWriter(FLUSH_AT * 2);
  private first = true;
  private meta: TraceMeta | null = null;
  /** pid of each track (the process it shows under). */
  private readonly pidOf = new Map<number, number>();
  /** By track id: `"pid":P,"tid":T,"ts":` (slices and instants). */
  private readonly where: string[] = [];
  /** By track id: a counter's `{"ph":"C","pid":P,"ts":` and `,"name":"…","args":{"value":`. */
  private readonly counterHead: string[] = [];
  private readonly counterName: string[] = [];
  /** JSON.stringify of names and recurring string values (why, next), by string. */
  private readonly quoted = new Map<string, string>();
  /** By track id: the last name written there and its quoting (lanes repeat names). */
  private readonly lastName: string[] = [];
  private readonly lastQuoted: string[] = [];
  private readonly text = new StringOut();
  /** The first lane's `"pid":P,"tid":T,"ts":` (the run's global instant names it: Perfetto's reader wants a thread). */
  private firstWhere = '';
  /** laneSlice: no argument written yet (argKey). */
  private firstArg = true;

  constructor(private readonly sink: ChunkWriter) {}

  /** Starts the next event: a comma and a newline after the first. */
  private next(): PbWriter {
    const o = this.out;
    o.ensure(2);
    if (!this.first) o.buf[o.len++] = 0x2c; // ,
    o.buf[o.len++] = 0x0a;
    this.first = false;
    return o;
  }

  private done(): void {
    if (this.out.len >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.out.len > 0) {
      this.sink.write(this.out.bytes());
      this.out.reset();
    }
  }

  /** Writes `ns` in microseconds as usString does (three decimals unless whole). */
  private us(ns: number): void {
    const o = this.out;
    if (!(ns >= 0 && ns <= Number.MAX_SAFE_INTEGER) || !Number.isInteger(ns)) {
      o.utf8(usString(ns));
      return;
    }
    o.ensure(24);
    const b = o.buf;
    const whole = Math.floor(ns / 1000);
    const frac = ns - whole * 1000;
    let p = putDecimal(b, o.len, whole);
    if (frac !== 0) {
      b[p++] = 0x2e;
      b[p++] = 0x30 + Math.floor(frac / 100);
      b[p++] = 0x30 + (Math.floor(frac / 10) % 10);
      b[p++] = 0x30 + (frac % 10);
    }
    o.len = p;
  }

  private int(n: number): void {
    const o = this.out;
    if (Number.isInteger(n) && n >= 0 && n <= Number.MAX_SAFE_INTEGER) {
      o.ensure(20);
      o.len = putDecimal(o.buf, o.len, n);
    } else o.utf8(jsonText(n));
  }

  /** jsonText(s), kept for strings that recur. */
  private quote(s: string): string {
    let q = this.quoted.get(s);
    if (q === undefined) {
      q = jsonText(s);
      if (this.quoted.size < MAX_QUOTED) this.quoted.set(s, q);
    }
    return q;
  }

  /** The quoted name of an event on a track. */
  private quoteName(trackId: number, name: string): string {
    if (this.lastName[trackId] === name) return this.lastQuoted[trackId]!;
    const q = this.quote(name);
    this.lastName[trackId] = name;
    this.lastQuoted[trackId] = q;
    return q;
  }

  begin(meta: TraceMeta): void {
    this.meta = meta;
    this.out.utf8('{"traceEvents":[');
  }

  private meta1(json: string): void {
    this.next().utf8(json);
    this.done();
  }

  track(spec: TrackSpec): void {
    const own = SYNTHETIC_ID_BASE + spec.id;
    const name = jsonText(spec.name);
    if (spec.kind === 'group' || spec.kind === 'process') {
      this.pidOf.set(spec.id, own);
      this.meta1(`{"ph":"M","pid":${own},"name":"process_name","args":{"name":${name}}}`);
      this.meta1(`{"ph":"M","pid":${own},"name":"process_sort_index","args":{"sort_index":${spec.id}}}`);
      return;
    }
    let pid = this.pidOf.get(spec.parent);
    if (pid === undefined) {
      // A top-level track (no group above it): a process of its own, named as the track.
      pid = own;
      this.meta1(`{"ph":"M","pid":${own},"name":"process_name","args":{"name":${name}}}`);
      this.meta1(`{"ph":"M","pid":${own},"name":"process_sort_index","args":{"sort_index":${spec.id}}}`);
    }
    this.pidOf.set(spec.id, pid);
    if (spec.kind === 'counter') {
      // Perfetto names a counter track "<name> <argument>": "cpu0" with "queued threads" reads
      // as the track's own name ("cpu0 queued threads value" otherwise).
      const sp = spec.name.indexOf(' ');
      const [head, key] = sp > 0 ? [spec.name.slice(0, sp), spec.name.slice(sp + 1)] : [spec.name, 'value'];
      this.counterHead[spec.id] = `{"ph":"C","pid":${pid},"ts":`;
      this.counterName[spec.id] = `,"name":${jsonText(head)},"args":{${jsonText(key)}:`;
      return;
    }
    const tid = spec.kind === 'thread' ? spec.tid! : own;
    this.where[spec.id] = `"pid":${pid},"tid":${tid},"ts":`;
    if (this.firstWhere === '') this.firstWhere = this.where[spec.id]!;
    this.meta1(`{"ph":"M","pid":${pid},"tid":${tid},"name":"thread_name","args":{"name":${name}}}`);
    this.meta1(`{"ph":"M","pid":${pid},"tid":${tid},"name":"thread_sort_index","args":{"sort_index":${spec.rank}}}`);
  }

  /** `{"ph":"X",<where>ts,"dur":d,"name":n` (the caller adds the arguments and the brace). */
  private sliceHead(track: TrackSpec, start: number, end: number, name: string): PbWriter {
    const o = this.next();
    o.utf8('{"ph":"X",');
    o.utf8(this.where[track.id]!);
    this.us(start);
    o.utf8(',"dur":');
    this.us(end - start);
    o.utf8(',"name":');
    o.utf8(this.quoteName(track.id, name));
    return o;
  }

  slice(track: TrackSpec, start: number, end: number, name: string, args: Args | null): void {
    const o = this.sliceHead(track, start, end, name);
    if (args !== null) {
      o.utf8(',"args":');
      o.utf8(jsonText(args));
    }
    o.utf8('}');
    this.done();
  }

  /**
   * The same bytes as slice(track, start, end, name, {why, cause, next, cpu}) (`cause` left
   * out when null, `next` when '', `cpu` when < 0), without the arguments object; `why` and
   * `next` recur and keep their quoting.
   */
  stateSlice(track: TrackSpec, _state: StateIndex, start: number, end: number, name: string, why: string, cause: TextSource | null, next: string, cpu: number): void {
    const o = this.sliceHead(track, start, end, name);
    o.utf8(',"args":{"why":');
    o.utf8(this.quote(why));
    if (cause !== null) {
      cause.writeText(this.text);
      o.utf8(',"cause":');
      o.utf8(jsonText(this.text.take()));
    }
    if (next !== '') {
      o.utf8(',"next":');
      o.utf8(this.quote(next));
    }
    if (cpu >= 0) {
      o.utf8(',"cpu":');
      this.int(cpu);
    }
    o.utf8('}}');
    this.done();
  }

  /** The same bytes as slice(track, start, end, name, laneArgsObject(a)), without the object. */
  laneSlice(track: TrackSpec, start: number, end: number, name: string, a: LaneArgs | null): void {
    if (a === null) {
      this.slice(track, start, end, name, null);
      return;
    }
    const o = this.sliceHead(track, start, end, name);
    o.utf8(',"args":{');
    const h = a.has;
    this.firstArg = true;
    if (h & LA_G) {
      this.argKey('"g":');
      this.int(a.g);
    }
    if (h & LA_WHY) {
      this.argKey('"why":');
      o.utf8(this.quote(a.why));
    }
    if (h & LA_TID) {
      this.argKey('"tid":');
      this.int(a.tid);
    }
    if (h & LA_P) {
      this.argKey('"p":');
      this.int(a.p);
    }
    if (h & LA_M) {
      this.argKey('"m":');
      this.int(a.m);
    }
    if (h & LA_CAUSE) {
      this.argKey('"cause":');
      if (a.causeSrc !== null) a.causeSrc.writeText(this.text);
      o.utf8(jsonText(a.causeSrc !== null ? this.text.take() : a.cause));
    }
    if (h & LA_NEXT) {
      this.argKey('"next":');
      o.utf8(this.quote(a.next));
    }
    o.utf8('}}');
    this.done();
  }

  /** Writes an argument's `"key":` (given quoted, with its colon), after a comma unless it is the first. */
  private argKey(key: string): void {
    if (this.firstArg) this.firstArg = false;
    else this.out.utf8(',');
    this.out.utf8(key);
  }

  instant(track: TrackSpec, t: number, name: string, args: Args | null): void {
    const o = this.next();
    o.utf8('{"ph":"i","s":"t",');
    o.utf8(this.where[track.id]!);
    this.us(t);
    o.utf8(',"name":');
    o.utf8(this.quoteName(track.id, name));
    if (args !== null) {
      o.utf8(',"args":');
      o.utf8(jsonText(args));
    }
    o.utf8('}');
    this.done();
  }

  counter(track: TrackSpec, t: number, value: number): void {
    const o = this.next();
    o.utf8(this.counterHead[track.id]!);
    this.us(t);
    o.utf8(this.counterName[track.id]!);
    if (Number.isInteger(value) && value >= 0 && value <= Number.MAX_SAFE_INTEGER) this.int(value);
    else o.utf8(`${value}`);
    o.utf8('}}');
    this.done();
  }

  schedSwitch(_t: number, _cpu: number, _prevTid: number, _prevComm: string, _prevState: PrevState, _nextTid: number, _nextComm: string): void {
    // Shown through the CPU lanes.
  }

  schedWaking(_t: number, _tid: number, _comm: string, _targetCpu: number, _isNew: boolean, _waker: number, _wakerCpu: number): void {
    // Shown through the thread-state slices.
  }

  end(endNs: number): void {
    const m = this.meta!;
    const run = { tool: 'schedlab', scenario: m.scenario, seed: m.seed, model: m.model, policy: m.policy, cpus: m.cpus, endNs };
    // Perfetto reads only traceEvents: the run's parameters also go in a global instant at 0.
    if (this.firstWhere !== '') this.next().utf8(`{"ph":"i","s":"g",${this.firstWhere}0,"name":"schedlab run","args":${jsonText(run)}}`);
    // No newline after the closing brace: Perfetto's reader fails on bytes after it.
    this.out.utf8(`\n],\n"otherData":${jsonText(run)}}`);
    this.flush();
  }
}
