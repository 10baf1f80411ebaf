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
 * - a counter is a `C` event on its group's process, named after the track, with one numeric
 *   argument `value`;
 * - every process and thread gets `process_name`/`thread_name` and a sort index.
 * Scheduler events (sched_switch/waking) have no JSON form here: the CPU lanes carry the same
 * information as slices. The protobuf format (.pftrace) adds Perfetto's native CPU tracks.
 */
import { SYNTHETIC_ID_BASE, usString, type Args, type ChunkWriter, type PrevState, type TraceEncoder, type TraceMeta, type TrackSpec } from './encoder.js';

const FLUSH_AT = 1 << 16;

export class JsonEncoder implements TraceEncoder {
  readonly nativeSched = false;
  private buf = '';
  private first = true;
  private meta: TraceMeta | null = null;
  /** pid of each track (the process it shows under). */
  private readonly pidOf = new Map<number, number>();

  constructor(private readonly out: ChunkWriter) {}

  private emit(json: string): void {
    this.buf += this.first ? `\n${json}` : `,\n${json}`;
    this.first = false;
    if (this.buf.length >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.buf.length > 0) {
      this.out.write(this.buf);
      this.buf = '';
    }
  }

  begin(meta: TraceMeta): void {
    this.meta = meta;
    this.buf = '{"traceEvents":[';
  }

  track(spec: TrackSpec): void {
    const own = SYNTHETIC_ID_BASE + spec.id;
    const name = JSON.stringify(spec.name);
    if (spec.kind === 'group' || spec.kind === 'process') {
      this.pidOf.set(spec.id, own);
      this.emit(`{"ph":"M","pid":${own},"name":"process_name","args":{"name":${name}}}`);
      this.emit(`{"ph":"M","pid":${own},"name":"process_sort_index","args":{"sort_index":${spec.id}}}`);
      return;
    }
    const pid = this.pidOf.get(spec.parent) ?? SYNTHETIC_ID_BASE;
    this.pidOf.set(spec.id, pid);
    if (spec.kind === 'counter') return;
    const tid = spec.kind === 'thread' ? spec.tid! : own;
    this.emit(`{"ph":"M","pid":${pid},"tid":${tid},"name":"thread_name","args":{"name":${name}}}`);
    this.emit(`{"ph":"M","pid":${pid},"tid":${tid},"name":"thread_sort_index","args":{"sort_index":${spec.rank}}}`);
  }

  private tidOf(track: TrackSpec): number {
    return track.kind === 'thread' ? track.tid! : SYNTHETIC_ID_BASE + track.id;
  }

  slice(track: TrackSpec, start: number, end: number, name: string, args: Args | null): void {
    const a = args !== null ? `,"args":${JSON.stringify(args)}` : '';
    this.emit(
      `{"ph":"X","pid":${this.pidOf.get(track.id)!},"tid":${this.tidOf(track)},"ts":${usString(start)},"dur":${usString(end - start)},"name":${JSON.stringify(name)}${a}}`,
    );
  }

  instant(track: TrackSpec, t: number, name: string, args: Args | null): void {
    const a = args !== null ? `,"args":${JSON.stringify(args)}` : '';
    this.emit(`{"ph":"i","s":"t","pid":${this.pidOf.get(track.id)!},"tid":${this.tidOf(track)},"ts":${usString(t)},"name":${JSON.stringify(name)}${a}}`);
  }

  counter(track: TrackSpec, t: number, value: number): void {
    this.emit(`{"ph":"C","pid":${this.pidOf.get(track.id)!},"ts":${usString(t)},"name":${JSON.stringify(track.name)},"args":{"value":${value}}}`);
  }

  schedSwitch(_t: number, _cpu: number, _prevTid: number, _prevComm: string, _prevState: PrevState, _nextTid: number, _nextComm: string): void {
    // Shown through the CPU lanes.
  }

  schedWaking(_t: number, _tid: number, _comm: string, _targetCpu: number, _isNew: boolean): void {
    // Shown through the thread-state slices.
  }

  end(endNs: number): void {
    const m = this.meta!;
    const other = JSON.stringify({ tool: 'schedlab', scenario: m.scenario, seed: m.seed, model: m.model, policy: m.policy, cpus: m.cpus, endNs });
    this.buf += `\n],\n"otherData":${other}}\n`;
    this.flush();
  }
}
