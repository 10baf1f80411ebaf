/**
 * The Perfetto trace sink: lays a run out as tracks and streams it through an encoder
 * (protobuf .pftrace or JSON) as the run goes. It keeps O(threads + CPUs + goroutines) state
 * and never the event stream.
 *
 * Layout (docs/tracing.md):
 * - Perfetto's native "CPU N" scheduling tracks and per-thread state tracks, from
 *   sched_switch / sched_waking events (protobuf only);
 * - "Hardware threads": one lane per CPU with the context-switch slices ("switch → T3
 *   worker-0") and, in JSON (which has no native CPU tracks), the OS thread running on it
 *   ("T3 worker-0"); plus per-CPU counters of queued threads;
 * - the OS-thread process: one track per OS thread with its Running / Runnable / Waiting
 *   intervals; each slice's details hold `why` (the kernel's reason for entering the state),
 *   `cause` (what it waited for or what it ran, in plain words) and `next` (why it left).
 *   Without the why texts, in protobuf, only the Waiting slices (named by what the thread
 *   waits for): Running and Runnable are on Perfetto's native thread-state track;
 * - "Scheduler counters": throttling per bandwidth group (the number of CPUs on which the
 *   group has used up its runtime and waits for the next period);
 * - for the Go model: "Go Ps" (the goroutine each P runs, P status, steals), "Go Ms" (what
 *   each M does), "Goroutines" (each goroutine's states, syscalls, netpoll waits, with why)
 *   and counters (run-queue lengths, live goroutines, spinning Ms, idle Ps, threads).
 */
import { LA_CAUSE, LA_G, LA_M, LA_NEXT, LA_P, LA_TID, LA_WHY, laneArgsObject, newLaneArgs, wakingCpu, type Args, type LaneArgs, type TextSource, type TraceEncoder, type TraceMeta, type TrackKind, type TrackSpec } from './encoder.js';
import type { TraceEvent, TraceSink } from './events.js';
import { GoWhy } from './go-why.js';
import { OsTimeline, StringOut, type ThreadInterval } from './timeline.js';

export interface PerfettoOptions {
  /** Put the plain-words explanations in the event details (default true). */
  why?: boolean;
}

interface Lane {
  track: TrackSpec;
  start: number;
  name: string;
  /** The open slice's arguments, refilled at each openLane (one object per lane, not per slice). */
  a: LaneArgs;
  open: boolean;
}

interface GState {
  lane: Lane;
  state: string;
  why: string;
  p: number;
  m: number;
}

type GoEvent = Extract<TraceEvent, { k: 'g' | 'gstate' | 'pstate' | 'prun' | 'mstate' | 'steal' | 'runq' | 'grunq' | 'gcounts' | 'decision' }>;

interface HeldWake {
  at: number;
  tid: number;
  cpu: number;
  isNew: boolean;
  waker: number;
  wakerCpu: number;
}

export class PerfettoSink implements TraceSink {
  private nextId = 1;
  private readonly timeline: OsTimeline;
  readonly why: boolean;
  private readonly osProcess: TrackSpec;
  private readonly hwGroup: TrackSpec;
  private readonly counterGroup: TrackSpec;
  private readonly cpuLanes: TrackSpec[] = [];
  private readonly cpuQueued: TrackSpec[] = [];
  private readonly threadTracks: Array<TrackSpec | undefined> = [];
  private readonly throttleTracks = new Map<string, TrackSpec>();
  /** Per bandwidth group, the number of CPUs it is throttled on. */
  private readonly throttledCpus = new Map<string, number>();
  /** Counter values set at the current instant, written when time moves on (last value wins). */
  private readonly pendingTracks: TrackSpec[] = [];
  private nPending = 0;
  /** By track id: 1 while in pendingTracks[0..nPending). */
  private readonly pendingFlag: number[] = [];
  /** By track id: the value set at this instant, and the value last written. */
  private readonly pendingValue: number[] = [];
  private readonly writtenValue: number[] = [];
  private lastT = 0;
  private threadRank = 0;
  // ---- Go ----
  private goGroups: { ps: TrackSpec; ms: TrackSpec; gs: TrackSpec; counters: TrackSpec; decisions: TrackSpec } | null = null;
  private readonly pLanes: Lane[] = [];
  private readonly pStatus: Lane[] = [];
  private readonly pRunq: TrackSpec[] = [];
  private readonly mLanes: Lane[] = [];
  /** By goroutine id. */
  private readonly gStates: Array<GState | undefined> = [];
  /** "G12", the P lanes' slice name for a goroutine, by id (built once). */
  private readonly gNames: string[] = [];
  private readonly goCounters = new Map<string, TrackSpec>();
  private closed = false;
  /** Live goroutines and idle Ps derived from g/gstate/pstate events until the model reports gcounts. */
  private liveGs = 0;
  private idlePs = 0;
  private gcountsSeen = false;
  private readonly seenP: boolean[] = [];
  private readonly goWhy = new GoWhy();
  /** A lane's cause text, built for an encoder without laneSlice. */
  private readonly causeText = new StringOut();
  private readonly waitNames = new Map<string, string>();
  /** The last Waiting slice's why and name (the same wait recurs: no lookup). */
  private lastWaitWhy: string | null = null;
  private lastWaitName = '';
  private readonly migrateNames: string[] = [];
  /** By cpu, the time of its last sched_switch; by tid, the last time it left a cpu. */
  private readonly lastSwitchAt: number[] = [];
  private readonly lastOutAt: number[] = [];
  /** By cpu, the time of the last wake-up written on it. */
  private readonly lastWakeAt: number[] = [];
  /**
   * By cpu, a wake-up kept at its instant and not written yet (tid 0: none). Held back so that
   * a wake-up of the same instant that may go 1 ns earlier is written before it (a
   * compact_sched column's times never go back): one thread waking two at once, the first of
   * which had only just left its cpu, must not keep the second at its switch-in's instant.
   */
  private readonly held: HeldWake[] = [];
  /**
   * The time at which closeLane ends and openLane starts a Go lane's slice (the event being
   * handled, or the end of the run): a field, since a time past 2^31 ns passed as an argument
   * to a call that is not inlined is boxed, a heap number per call.
   */
  private laneT = 0;
  /** The encoder writes state slices itself (TraceEncoder.stateSlice): causes are not built as strings. */
  private readonly direct: boolean;

  constructor(
    private readonly enc: TraceEncoder,
    readonly meta: TraceMeta,
    options: PerfettoOptions = {},
  ) {
    this.why = options.why ?? true;
    this.direct = enc.stateSlice !== undefined;
    enc.begin(meta);
    this.hwGroup = this.track('group', 'Hardware threads', 0, 1);
    for (let i = 0; i < meta.cpus; i++) {
      this.cpuLanes.push(this.track('slices', `cpu${i}`, this.hwGroup.id, 2 * i));
      this.cpuQueued.push(this.track('counter', `cpu${i} queued threads`, this.hwGroup.id, 2 * i + 1, 'threads'));
    }
    this.counterGroup = this.track('group', 'Scheduler counters', 0, 2);
    this.osProcess = this.track('process', `${meta.scenario} (OS threads)`, 0, 3);
    this.timeline = new OsTimeline(
      {
        thread: (_t, tid, name) => {
          this.threadTracks[tid] = this.track('thread', name, this.osProcess.id, this.threadRank++, undefined, tid);
        },
        interval: (iv) => {
          this.threadInterval(iv);
        },
        cpuSlice: (cpu, kind, tid, start, end, text) => {
          // With native CPU tracks, what runs is shown there; the lane keeps the switches.
          if (kind === 'run' && this.enc.nativeSched) return;
          const lane = this.cpuLanes[cpu];
          if (lane === undefined) return;
          if (this.enc.sliceArg !== undefined) this.enc.sliceArg(lane, start, end, text, 'tid', tid);
          else this.enc.slice(lane, start, end, text, { tid });
        },
        schedSwitch: (t, cpu, prevTid, prevState, nextTid) => {
          // A wake-up held on this cpu is written first: Perfetto names as a wake-up's waker
          // the thread running on its cpu where it is read.
          const h = this.held[cpu];
          if (h !== undefined && h.tid !== 0) this.releaseHeld(cpu);
          this.lastSwitchAt[cpu] = t;
          if (prevTid > 0) this.lastOutAt[prevTid] = t;
          this.enc.schedSwitch(t, cpu, prevTid, this.timeline.threadName(prevTid), prevState, nextTid, this.timeline.threadName(nextTid));
        },
        schedWaking: (t, tid, cpu, isNew, waker, wakerCpu) => {
          const col = wakingCpu(cpu, wakerCpu);
          const at = this.wakingAt(t, tid, wakerCpu, col);
          const h = this.held[col];
          if (h !== undefined && h.tid !== 0) {
            if (at < h.at) {
              this.putWaking(at, tid, cpu, isNew, waker, wakerCpu, col);
              return;
            }
            this.releaseHeld(col);
          }
          if (at === t && !isNew) this.hold(col, at, tid, cpu, isNew, waker, wakerCpu);
          else this.putWaking(at, tid, cpu, isNew, waker, wakerCpu, col);
        },
        queued: (cpu, n) => {
          const tr = this.cpuQueued[cpu];
          if (tr !== undefined) this.setCounter(tr, n);
        },
        throttle: (t, group, cpu, on) => {
          let tr = this.throttleTracks.get(group);
          if (tr === undefined) {
            tr = this.track('counter', `throttled: ${group}`, this.counterGroup.id, 1 + this.throttleTracks.size, 'cpus');
            this.throttleTracks.set(group, tr);
          }
          const n = (this.throttledCpus.get(group) ?? 0) + (on ? 1 : -1);
          this.throttledCpus.set(group, n);
          this.setCounter(tr, n);
          void t;
          void cpu;
        },
        migrate: (t, tid, from, to, why) => {
          const lane = this.cpuLanes[to];
          if (lane === undefined) return;
          // Names repeat (a thread moves between the same CPUs): built once per (thread, CPU).
          const key = tid * meta.cpus + from;
          let name = this.migrateNames[key];
          if (name === undefined && key < 1 << 20) name = this.migrateNames[key] = `migrate T${tid} from cpu${from}`;
          this.enc.instant(lane, t, name ?? `migrate T${tid} from cpu${from}`, this.why ? { tid, from, to, why } : null);
        },
      },
      !this.why ? 'none' : this.direct ? 'on-demand' : 'strings',
      // Without the why texts, Running and Runnable are on the native thread-state track.
      !this.why && enc.nativeSched ? 'waiting' : 'all',
    );
  }

  private track(kind: TrackKind, name: string, parent: number, rank: number, unit?: string, tid?: number): TrackSpec {
    const spec: TrackSpec = { id: this.nextId++, kind, name, parent, rank };
    if (unit !== undefined) spec.unit = unit;
    if (tid !== undefined) spec.tid = tid;
    this.enc.track(spec);
    return spec;
  }

  private threadInterval(iv: ThreadInterval): void {
    if (iv.end <= iv.start) return;
    // Without the why texts, a Running or Runnable slice would only repeat what Perfetto's
    // native thread-state track (from sched_switch / sched_waking) already shows for the same
    // thread; the Waiting slices stay, since they name what the thread waits for.
    if (!this.why && iv.state !== 'waiting' && this.enc.nativeSched) return;
    const tr = this.threadTracks[iv.tid];
    if (tr === undefined) return;
    let name: string = iv.state === 'running' ? 'Running' : 'Runnable';
    if (iv.state === 'waiting') {
      if (iv.why === this.lastWaitWhy) name = this.lastWaitName;
      else {
        const known = this.waitNames.get(iv.why);
        if (known !== undefined) name = known;
        else {
          name = `Waiting: ${iv.why}`;
          if (this.waitNames.size < 10_000) this.waitNames.set(iv.why, name);
        }
        this.lastWaitWhy = iv.why;
        this.lastWaitName = name;
      }
    }
    let args: Args | null = null;
    if (this.why) {
      if (this.direct) {
        const waiting = iv.state === 'waiting';
        this.enc.stateSlice!(tr, waiting ? 2 : iv.state === 'running' ? 0 : 1, iv.start, iv.end, name, iv.why, waiting && iv.waker === 0 ? null : this.timeline, iv.next, iv.cpu);
        return;
      }
      args = { why: iv.why };
      if (iv.state !== 'waiting' || iv.waker > 0) args.cause = iv.cause;
      if (iv.next !== '') args.next = iv.next;
      if (iv.cpu >= 0) args.cpu = iv.cpu;
    }
    this.enc.slice(tr, iv.start, iv.end, name, args);
  }

  /**
   * The time to write a wake-up at t: 1 ns earlier when that changes nothing else. Perfetto
   * sorts sched events by time alone (switches and wake-ups in separate queues), so a wake-up
   * at the instant the thread is switched in may be read after the switch, and then dropped
   * as spurious: no Runnable state, no "Woken by". 1 ns earlier it is read first, as the
   * kernel's try_to_wake_up comes before the switch. Kept at t when 1 ns earlier would reach
   * back to the last switch of the waker's cpu (wakerCpu; Perfetto takes the thread running
   * there as the waker; -1: an interrupt's wake-up, whose cpu names no waker), to when the
   * thread left its cpu (it would not be asleep yet), or to before a wake-up already written
   * on the cpu it is recorded on, `cpu` (a compact_sched column's times never go back).
   */
  private wakingAt(t: number, tid: number, wakerCpu: number, cpu: number): number {
    const early = t - 1;
    return (wakerCpu >= 0 && (this.lastSwitchAt[wakerCpu] ?? -1) >= early) || (this.lastOutAt[tid] ?? -1) >= early || (this.lastWakeAt[cpu] ?? -1) > early ? t : early;
  }

  private putWaking(at: number, tid: number, cpu: number, isNew: boolean, waker: number, wakerCpu: number, col: number): void {
    this.lastWakeAt[col] = at;
    this.enc.schedWaking(at, tid, this.timeline.threadName(tid), cpu, isNew, waker, wakerCpu);
  }

  private hold(col: number, at: number, tid: number, cpu: number, isNew: boolean, waker: number, wakerCpu: number): void {
    let h = this.held[col];
    if (h === undefined) h = this.held[col] = { at: 0, tid: 0, cpu: 0, isNew: false, waker: 0, wakerCpu: 0 };
    h.at = at;
    h.tid = tid;
    h.cpu = cpu;
    h.isNew = isNew;
    h.waker = waker;
    h.wakerCpu = wakerCpu;
  }

  /** Writes the wake-up held on column `col`. */
  private releaseHeld(col: number): void {
    const h = this.held[col]!;
    const tid = h.tid;
    h.tid = 0;
    this.putWaking(h.at, tid, h.cpu, h.isNew, h.waker, h.wakerCpu, col);
  }

  private setCounter(tr: TrackSpec, v: number): void {
    if (this.pendingFlag[tr.id] !== 1) {
      this.pendingFlag[tr.id] = 1;
      this.pendingTracks[this.nPending++] = tr;
    }
    this.pendingValue[tr.id] = v;
  }

  /**
   * Writes the counters that changed at instant `lastT` (in order of first change,
   * deterministic). The time is read from the field, not passed: a time past 2^31 passed to a
   * call that is not inlined is boxed, one allocation per instant.
   */
  private flushCounters(): void {
    const n = this.nPending;
    if (n === 0) return;
    const t = this.lastT;
    // The list is reused (a count, not a truncation: this runs at almost every instant).
    const list = this.pendingTracks;
    for (let i = 0; i < n; i++) {
      const tr = list[i]!;
      const v = this.pendingValue[tr.id]!;
      this.pendingFlag[tr.id] = 0;
      if (this.writtenValue[tr.id] === v) continue;
      this.writtenValue[tr.id] = v;
      this.enc.counter(tr, t, v);
    }
    this.nPending = 0;
  }

  emit(ev: TraceEvent): void {
    if (ev.t !== this.lastT) {
      this.flushCounters();
      this.lastT = ev.t;
    }
    // The most frequent kinds first: a switch on strings compares them in order.
    switch (ev.k) {
      case 'tstate':
        // Left its CPU (its sched_switch out is written when the CPU's next thread starts).
        if (ev.from === 'running') this.lastOutAt[ev.tid] = ev.t;
        this.timeline.emit(ev);
        return;
      case 'cpu':
        this.timeline.emit(ev);
        return;
      case 'gstate':
      case 'mstate':
      case 'prun':
      case 'runq':
        this.goEvent(ev);
        return;
      case 'thread':
      case 'migrate':
      case 'throttle':
        this.timeline.emit(ev);
        return;
      case 'runnable':
      case 'task':
      case 'taskEnd':
      case 'op':
        return;
      case 'g':
      case 'pstate':
      case 'steal':
      case 'grunq':
      case 'gcounts':
      case 'decision':
        this.goEvent(ev);
        return;
      case 'gtake':
        // Only for the causes of Grunnable intervals.
        if (this.why) this.goWhy.emit(ev);
        return;
    }
  }

  // ---------------------------------------------------------------- Go

  private go(): NonNullable<PerfettoSink['goGroups']> {
    if (this.goGroups === null) {
      this.goGroups = {
        ps: this.track('group', 'Go Ps', 0, 4),
        counters: this.track('group', 'Go scheduler counters', 0, 5),
        ms: this.track('group', 'Go Ms', 0, 6),
        gs: this.track('group', 'Goroutines', 0, 7),
        decisions: this.track('slices', 'Go scheduler decisions', 0, 8),
      };
    }
    return this.goGroups;
  }

  /**
   * Lane `i` of a kind (P, P status, M), its track made on first use (with those below it). A
   * P's lane and status lane are made together, in rank order (P0, P0 status, P1, …): the
   * JSON trace's lanes are threads, which Perfetto lists by tid, that is by track id.
   */
  private lane(kind: 'p' | 'pstatus' | 'm', i: number): Lane {
    const list = kind === 'p' ? this.pLanes : kind === 'pstatus' ? this.pStatus : this.mLanes;
    const l = list[i];
    if (l !== undefined) return l;
    const g = this.go();
    const made = (track: TrackSpec): Lane => ({ track, start: 0, name: '', a: newLaneArgs(), open: false });
    if (kind === 'm') {
      while (list.length <= i) list.push(made(this.track('slices', `M${list.length}`, g.ms.id, list.length)));
    } else {
      while (list.length <= i) {
        const n = this.pLanes.length;
        this.pLanes.push(made(this.track('slices', `P${n}`, g.ps.id, 3 * n)));
        this.pStatus.push(made(this.track('slices', `P${n} status`, g.ps.id, 3 * n + 1)));
      }
    }
    return list[i]!;
  }

  /**
   * Ends the lane's open slice at `t`, with `cause` (unless null) and `next` (unless null)
   * after the arguments it opened with (none without the why texts).
   */
  private closeLane(l: Lane, next: string | null = null, cause: TextSource | null = null): void {
    if (!l.open) return;
    const t = this.laneT;
    l.open = false;
    if (t <= l.start) return;
    if (!this.why) {
      this.enc.slice(l.track, l.start, t, l.name, null);
      return;
    }
    const a = l.a;
    if (cause !== null) {
      a.has |= LA_CAUSE;
      if (this.enc.laneSlice !== undefined) a.causeSrc = cause;
      else {
        cause.writeText(this.causeText);
        a.cause = this.causeText.take();
        a.causeSrc = null;
      }
    }
    if (next !== null) {
      a.has |= LA_NEXT;
      a.next = next;
    }
    if (this.enc.laneSlice !== undefined) this.enc.laneSlice(l.track, l.start, t, l.name, a);
    else this.enc.slice(l.track, l.start, t, l.name, laneArgsObject(a));
  }

  /** Opens a slice on the lane; the caller fills in its arguments (the returned LaneArgs, `has` cleared). */
  private openLane(l: Lane, name: string): LaneArgs {
    l.open = true;
    l.start = this.laneT;
    l.name = name;
    l.a.has = 0;
    l.a.causeSrc = null;
    return l.a;
  }

  private goCounter(key: string, name: string, v: number, rank: number, unit: string): void {
    let tr = this.goCounters.get(key);
    if (tr === undefined) {
      tr = this.track('counter', name, this.go().counters.id, rank, unit);
      this.goCounters.set(key, tr);
    }
    this.setCounter(tr, v);
  }

  private goEvent(ev: GoEvent): void {
    const g = this.go();
    this.laneT = ev.t;
    switch (ev.k) {
      case 'gstate': {
        const s = this.gStates[ev.g];
        // The cause of a Grunnable interval: told by goWhy (its writeText) as the lane closes.
        // (Without the why texts there are no causes, and a lane slice has no arguments.)
        // A Gwaiting interval the netpoller ended late: how long its IO had been ready.
        const cause = this.why && (ev.from === 'Grunnable' ? this.goWhy.closeRunnable(ev.g, ev.t) : ev.late > 0 && this.goWhy.closeWaiting(ev)) ? this.goWhy : null;
        if (this.why) this.goWhy.emit(ev);
        if (s === undefined) return;
        this.closeLane(s.lane, ev.why, cause);
        s.state = ev.to;
        if (ev.to === 'Gdead') {
          if (!this.gcountsSeen) this.goCounter('live', 'live goroutines', --this.liveGs, 1, 'goroutines');
          return;
        }
        const a = this.openLane(s.lane, ev.to);
        if (!this.why) return;
        a.has = LA_WHY | (ev.p >= 0 ? LA_P : 0) | (ev.m >= 0 ? LA_M : 0);
        a.why = ev.why;
        a.p = ev.p;
        a.m = ev.m;
        return;
      }
      case 'prun': {
        const l = this.pLanes[ev.p] ?? this.lane('p', ev.p);
        this.closeLane(l);
        if (ev.g > 0) {
          const a = this.openLane(l, (this.gNames[ev.g] ??= `G${ev.g}`));
          a.has = LA_G | LA_M;
          a.g = ev.g;
          a.m = ev.m;
        }
        return;
      }
      case 'mstate': {
        const l = this.mLanes[ev.m] ?? this.lane('m', ev.m);
        this.closeLane(l, ev.why);
        const a = this.openLane(l, ev.what);
        a.has = LA_WHY | LA_TID | (ev.p >= 0 ? LA_P : 0);
        a.why = ev.why;
        a.tid = ev.tid;
        a.p = ev.p;
        return;
      }
      case 'runq': {
        let tr = this.pRunq[ev.p];
        if (tr === undefined) {
          while (this.pRunq.length <= ev.p) {
            const i = this.pRunq.length;
            this.pRunq.push(this.track('counter', `P${i} runq`, g.ps.id, 3 * i + 2, 'goroutines'));
          }
          tr = this.pRunq[ev.p]!;
        }
        this.setCounter(tr, ev.n);
        return;
      }
      case 'pstate': {
        if (this.why) this.goWhy.emit(ev);
        if (!this.gcountsSeen && this.seenP[ev.p] !== true) {
          // A P starts in the state its first change leaves.
          this.seenP[ev.p] = true;
          if (ev.from === 'Pidle') this.idlePs++;
        }
        if (!this.gcountsSeen && ev.from !== ev.to) {
          if (ev.to === 'Pidle') this.idlePs++;
          else if (ev.from === 'Pidle') this.idlePs--;
          this.goCounter('idleP', 'idle Ps', this.idlePs, 3, 'Ps');
        }
        const l = this.lane('pstatus', ev.p);
        this.closeLane(l, ev.why);
        const a = this.openLane(l, ev.to);
        a.has = LA_WHY | (ev.m >= 0 ? LA_M : 0);
        a.why = ev.why;
        a.m = ev.m;
        return;
      }
      case 'steal': {
        const l = this.lane('p', ev.p);
        this.enc.instant(l.track, ev.t, `steal ${ev.n} from P${ev.victim}`, { victim: ev.victim, n: ev.n, round: ev.round, runnext: ev.runnext ? 1 : 0 });
        return;
      }
      case 'grunq':
        this.goCounter('grunq', 'global runq', ev.n, 0, 'goroutines');
        return;
      case 'gcounts':
        this.gcountsSeen = true;
        this.goCounter('live', 'live goroutines', ev.live, 1, 'goroutines');
        this.goCounter('spinning', 'spinning Ms', ev.spinning, 2, 'threads');
        this.goCounter('idleP', 'idle Ps', ev.idleP, 3, 'Ps');
        this.goCounter('threads', 'threads (Ms)', ev.threads, 4, 'threads');
        return;
      case 'g': {
        if (!this.gcountsSeen) this.goCounter('live', 'live goroutines', ++this.liveGs, 1, 'goroutines');
        const lane: Lane = { track: this.track('slices', `G${ev.g} ${ev.name}`, g.gs.id, ev.g), start: ev.t, name: '', a: newLaneArgs(), open: false };
        this.gStates[ev.g] = { lane, state: '', why: '', p: -1, m: -1 };
        return;
      }
      case 'decision':
        this.enc.instant(g.decisions, ev.t, ev.text.length > 60 ? `${ev.text.slice(0, 57)}...` : ev.text, { subject: ev.subject, text: ev.text });
        return;
    }
  }

  close(endNs: number): void {
    if (this.closed) return;
    this.closed = true;
    this.flushCounters();
    this.timeline.finish(endNs);
    for (let col = 0; col < this.held.length; col++) if (this.held[col] !== undefined && this.held[col]!.tid !== 0) this.releaseHeld(col);
    this.lastT = endNs;
    this.flushCounters();
    this.laneT = endNs;
    for (const l of this.pLanes) this.closeLane(l);
    for (const l of this.pStatus) this.closeLane(l);
    for (const l of this.mLanes) this.closeLane(l);
    for (const s of this.gStates) if (s !== undefined) this.closeLane(s.lane);
    this.enc.end(endNs);
  }
}
