/**
 * The OS-layer timeline: turns the kernel's trace events into closed intervals — each OS
 * thread's Running / Runnable / Waiting intervals and each hardware thread's switch and run
 * slices — and says in plain words why each interval happened and what it waited for.
 *
 * It is the one place where "why" is derived, so the Perfetto trace (event details) and
 * `schedlab explain` tell the same story. Everything it needs is in the event stream; it keeps
 * O(threads + CPUs) state, never the stream itself.
 *
 * Attribution of a Runnable interval (a thread ready but not on a CPU):
 * - waiting for a CPU: on which CPU's queue, how many were ahead when it was queued (the one
 *   running there and those queued), and what that CPU did meanwhile (how many turns of other
 *   threads it ran and for how long, and the time it spent switching);
 * - throttled: parked because its bandwidth group used its quota for the period;
 * - moved: migrations between queues (idle pull, periodic balance).
 * The switch-in cost that follows a Runnable interval (context switch, wake-up IPI) is told on
 * the Running interval, since the kernel counts the switch as running time of the new thread.
 */
import type { ThreadState } from '../os/thread.js';
import type { PrevState } from './encoder.js';
import type { TraceEvent } from './events.js';

export type IntervalState = 'running' | 'runnable' | 'waiting';

export interface ThreadInterval {
  tid: number;
  state: IntervalState;
  start: number;
  end: number;
  /** Running: the CPU; Runnable: the queue it ended on (-1 unknown); Waiting: -1. */
  cpu: number;
  /** The kernel's reason for entering this state. */
  why: string;
  /** Plain-words account of the interval (what it waited for, what it ran). */
  cause: string;
  /** The kernel's reason for leaving it ('' if the run ended first). */
  next: string;
  /** Runnable: time spent throttled; Running: switch-in time. */
  extraNs: number;
  /** Runnable: ns of other threads' CPU time on its queue's CPU meanwhile. */
  othersNs: number;
}

export interface TimelineHandler {
  thread?(t: number, tid: number, name: string, group: string | null): void;
  /** A closed interval; `iv` is reused for the next one: copy what you keep. */
  interval?(iv: ThreadInterval): void;
  cpuSlice?(cpu: number, kind: 'switch' | 'run', tid: number, start: number, end: number, text: string): void;
  schedSwitch?(t: number, cpu: number, prevTid: number, prevState: PrevState, nextTid: number): void;
  schedWaking?(t: number, tid: number, cpu: number, isNew: boolean): void;
  /** The number of threads queued (Runnable, not throttled) on `cpu` changed. */
  queued?(t: number, cpu: number, n: number): void;
  throttle?(t: number, group: string, on: boolean): void;
  migrate?(t: number, tid: number, from: number, to: number, why: string): void;
}

interface TState {
  tid: number;
  name: string;
  /** "T3 worker-0" (built once). */
  label: string;
  group: string | null;
  state: ThreadState;
  since: number;
  why: string;
  /** Queue CPU while Runnable (-1: unknown). */
  qcpu: number;
  /** Runnable but parked by throttling. */
  parked: boolean;
  // ---- current Runnable interval ----
  segCpu: number;
  segStart: number;
  segBusy0: number;
  segTurns0: number;
  waitNs: number;
  othersNs: number;
  othersTurns: number;
  /** The last other thread its queue's CPU switched to while it waited. */
  othersLast: number;
  throttledNs: number;
  throttledSince: number;
  enqCpu: number;
  enqAhead: number;
  enqRunning: number;
  moves: string[];
  // ---- current Running interval ----
  switchNs: number;
  switchLabel?: string;
  /** "on cpu 1: switch-in 1.1us (context switch) then ran " for runCpu and runSwitchNs. */
  runPrefix: string;
  runCpu: number;
  runSwitchNs: number;
}

const enum Lane {
  None = 0,
  Switch = 1,
  Run = 2,
}

interface CState {
  tid: number;
  lane: Lane;
  laneStart: number;
  busyClosed: number;
  turns: number;
  /** The thread of the latest switch (turn). */
  lastTid: number;
  queued: number;
  /** Thread that left this CPU at the current instant, not yet replaced (sched_switch prev). */
  prevTid: number;
  prevState: PrevState;
}

/**
 * Formats integer nanoseconds as formatDuration does ("0", "750ns", "12.5us", "10ms",
 * "1.234s"), with integer arithmetic only (it runs for every interval of a traced run).
 */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0';
  const a = ns < 0 ? -ns : ns;
  if (a < 1000) return `${ns}ns`;
  let unit: number;
  let suffix: string;
  if (a < 1_000_000) {
    unit = 1000;
    suffix = 'us';
  } else if (a < 1_000_000_000) {
    unit = 1_000_000;
    suffix = 'ms';
  } else {
    unit = 1_000_000_000;
    suffix = 's';
  }
  const step = unit / 1000;
  const rem = a % step;
  // Exact halves round as toFixed does (by the binary value of a / unit); others to nearest.
  const milli = rem * 2 === step ? Math.round(Number((a / unit).toFixed(3)) * 1000) : Math.round((a - rem) / step) + (rem * 2 > step ? 1 : 0);
  const whole = Math.floor(milli / 1000);
  const frac = milli - whole * 1000;
  let text: string;
  if (frac === 0) text = `${whole}`;
  else if (frac % 100 === 0) text = `${whole}.${frac / 100}`;
  else if (frac % 10 === 0) text = `${whole}.${frac < 100 ? '0' : ''}${frac / 10}`;
  else text = `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
  return ns < 0 ? `-${text}${suffix}` : `${text}${suffix}`;
}

function label(tid: number, name: string): string {
  return `T${tid} ${name}`;
}

export class OsTimeline {
  private readonly threads: Array<TState | undefined> = [];
  private readonly cpus: CState[] = [];
  private readonly throttled = new Set<string>();
  /** Runnable threads per group (for throttling). */
  private readonly groupRunnable = new Map<string, Set<TState>>();

  /**
   * @param words build the plain-words `cause` texts (false: leave them empty, for the
   *   cheapest trace without explanations).
   */
  constructor(
    private readonly h: TimelineHandler,
    private readonly words = true,
  ) {}

  private cpu(id: number): CState {
    let c = this.cpus[id];
    while (c === undefined) {
      this.cpus.push({ tid: 0, lane: Lane.None, laneStart: 0, busyClosed: 0, turns: 0, lastTid: 0, queued: 0, prevTid: -1, prevState: 'R' });
      c = this.cpus[id];
    }
    return c;
  }

  private busy(c: CState, t: number): number {
    return c.busyClosed + (c.lane !== Lane.None ? t - c.laneStart : 0);
  }

  threadName(tid: number): string {
    return this.threads[tid]?.name ?? `thread ${tid}`;
  }

  emit(ev: TraceEvent): void {
    switch (ev.k) {
      case 'thread': {
        const s: TState = {
          tid: ev.tid,
          name: ev.name,
          label: label(ev.tid, ev.name),
          group: ev.group,
          state: 'runnable',
          since: ev.t,
          why: 'created',
          qcpu: -1,
          parked: false,
          segCpu: -1,
          segStart: ev.t,
          segBusy0: 0,
          segTurns0: 0,
          waitNs: 0,
          othersNs: 0,
          othersTurns: 0,
          othersLast: 0,
          throttledNs: 0,
          throttledSince: 0,
          enqCpu: -1,
          enqAhead: 0,
          enqRunning: 0,
          moves: [],
          switchNs: 0,
          runPrefix: '',
          runCpu: -1,
          runSwitchNs: -1,
        };
        this.threads[ev.tid] = s;
        this.h.thread?.(ev.t, ev.tid, ev.name, ev.group);
        return;
      }
      case 'tstate':
        this.tstate(ev.t, ev.tid, ev.from, ev.to, ev.cpu, ev.why);
        return;
      case 'cpu':
        this.cpuEvent(ev.t, ev.cpu, ev.tid, ev.what);
        return;
      case 'migrate': {
        const s = this.threads[ev.tid];
        if (s === undefined) return;
        this.h.migrate?.(ev.t, ev.tid, ev.from, ev.to, ev.why);
        if (s.state !== 'runnable' || s.parked) {
          s.qcpu = ev.to;
          return;
        }
        this.endSegment(s, ev.t);
        this.dequeue(s, ev.t);
        if (s.moves.length < 3) s.moves.push(`moved cpu ${ev.from} → cpu ${ev.to} (${ev.why})`);
        s.qcpu = ev.to;
        this.enqueue(s, ev.t);
        this.startSegment(s, ev.t);
        return;
      }
      case 'throttle': {
        this.h.throttle?.(ev.t, ev.group, ev.on);
        if (ev.on) this.throttled.add(ev.group);
        else this.throttled.delete(ev.group);
        const set = this.groupRunnable.get(ev.group);
        if (set === undefined) return;
        for (const s of set) {
          if (ev.on && !s.parked) {
            this.endSegment(s, ev.t);
            this.dequeue(s, ev.t);
            s.parked = true;
            s.throttledSince = ev.t;
          } else if (!ev.on && s.parked) {
            s.parked = false;
            s.throttledNs += ev.t - s.throttledSince;
            this.enqueue(s, ev.t);
            this.startSegment(s, ev.t);
          }
        }
        return;
      }
      case 'runnable':
      case 'task':
      case 'taskEnd':
      case 'op':
      case 'g':
      case 'gstate':
      case 'pstate':
      case 'prun':
      case 'mstate':
      case 'steal':
      case 'runq':
      case 'grunq':
      case 'gcounts':
      case 'decision':
        return;
    }
  }

  // ---------------------------------------------------------------- queues

  private enqueue(s: TState, t: number): void {
    if (s.qcpu < 0) return;
    const c = this.cpu(s.qcpu);
    c.queued++;
    this.h.queued?.(t, s.qcpu, c.queued);
  }

  private dequeue(s: TState, t: number): void {
    if (s.qcpu < 0) return;
    const c = this.cpu(s.qcpu);
    c.queued--;
    this.h.queued?.(t, s.qcpu, c.queued);
  }

  private startSegment(s: TState, t: number): void {
    s.segCpu = s.qcpu;
    s.segStart = t;
    if (s.qcpu >= 0) {
      const c = this.cpu(s.qcpu);
      s.segBusy0 = this.busy(c, t);
      s.segTurns0 = c.turns;
    }
  }

  private endSegment(s: TState, t: number): void {
    if (s.segCpu < 0) return;
    const c = this.cpu(s.segCpu);
    s.waitNs += t - s.segStart;
    s.othersNs += this.busy(c, t) - s.segBusy0;
    if (c.turns !== s.segTurns0) s.othersLast = c.lastTid;
    s.othersTurns += c.turns - s.segTurns0;
    s.segCpu = -1;
  }

  /** A thread becomes Runnable (queued on `cpu`, or parked if its group is throttled). */
  private becomeRunnable(s: TState, t: number, cpu: number): void {
    s.qcpu = cpu;
    s.waitNs = 0;
    s.othersNs = 0;
    s.othersTurns = 0;
    s.othersLast = 0;
    s.throttledNs = 0;
    if (s.moves.length > 0) s.moves = [];
    s.segCpu = -1;
    s.enqCpu = cpu;
    if (cpu >= 0) {
      const c = this.cpu(cpu);
      s.enqAhead = c.queued;
      s.enqRunning = c.tid;
    } else {
      s.enqAhead = 0;
      s.enqRunning = 0;
    }
    if (s.group !== null) {
      let set = this.groupRunnable.get(s.group);
      if (set === undefined) this.groupRunnable.set(s.group, (set = new Set()));
      set.add(s);
    }
    if (s.group !== null && this.throttled.has(s.group)) {
      s.parked = true;
      s.throttledSince = t;
    } else {
      s.parked = false;
      this.enqueue(s, t);
      this.startSegment(s, t);
    }
  }

  private leaveRunnable(s: TState, t: number): void {
    if (s.parked) {
      s.throttledNs += t - s.throttledSince;
      s.parked = false;
    } else {
      this.endSegment(s, t);
      this.dequeue(s, t);
    }
    if (s.group !== null) this.groupRunnable.get(s.group)?.delete(s);
  }

  // ---------------------------------------------------------------- states

  private tstate(t: number, tid: number, from: ThreadState, to: ThreadState, cpu: number, why: string): void {
    const s = this.threads[tid];
    if (s === undefined) return;
    if (from === 'runnable' && to === 'runnable') {
      // Creation: the thread is Runnable from now on.
      s.since = t;
      s.why = why;
      this.becomeRunnable(s, t, cpu);
      this.h.schedWaking?.(t, tid, cpu >= 0 ? cpu : 0, true);
      return;
    }
    // Close the current interval.
    if (from === 'runnable') {
      this.leaveRunnable(s, t);
      this.closeInterval(s, t, 'runnable', s.qcpu >= 0 ? s.qcpu : cpu, this.runnableCause(s, t), why, s.throttledNs, s.othersNs);
    } else if (from === 'running') {
      const c = this.cpu(cpu);
      this.closeLane(c, cpu, t);
      c.tid = 0;
      c.prevTid = tid;
      c.prevState = to === 'runnable' ? (why === 'sched_yield' ? 'R' : 'R+') : to === 'waiting' ? (isDiskWait(why) ? 'D' : 'S') : 'X';
      let text = '';
      if (this.words) {
        const ran = t - s.since - s.switchNs;
        // The prefix repeats (same CPU, same switch cost): built once per thread while it does.
        if (s.runCpu !== cpu || s.runSwitchNs !== s.switchNs) {
          s.runCpu = cpu;
          s.runSwitchNs = s.switchNs;
          const sw = s.switchNs > 0 ? `switch-in ${formatDuration(s.switchNs)} (context switch) then ` : '';
          s.runPrefix = `on cpu ${cpu}: ${sw}ran `;
        }
        text = s.runPrefix + formatDuration(Math.max(0, ran));
      }
      this.closeInterval(s, t, 'running', cpu, text, why, s.switchNs, 0);
    } else if (from === 'waiting') {
      this.closeInterval(s, t, 'waiting', -1, this.words ? `blocked: ${s.why} for ${formatDuration(t - s.since)}` : '', why, 0, 0);
    }
    // Open the next one.
    s.state = to;
    s.since = t;
    s.why = why;
    if (to === 'running') {
      const c = this.cpu(cpu);
      s.switchNs = 0;
      if (c.prevTid !== tid) this.h.schedSwitch?.(t, cpu, c.prevTid > 0 ? c.prevTid : 0, c.prevState, tid);
      c.prevTid = -1;
      c.tid = tid;
    } else if (to === 'runnable') {
      this.becomeRunnable(s, t, cpu);
      if (from === 'waiting') this.h.schedWaking?.(t, tid, cpu, false);
    }
  }

  private closeInterval(s: TState, end: number, state: IntervalState, cpu: number, cause: string, next: string, extraNs: number, othersNs: number): void {
    const h = this.h;
    if (h.interval === undefined) return;
    // One object, refilled for every interval (a traced run closes millions of them).
    const iv = this.iv;
    iv.tid = s.tid;
    iv.state = state;
    iv.start = s.since;
    iv.end = end;
    iv.cpu = cpu;
    iv.why = s.why;
    iv.cause = cause;
    iv.next = next;
    iv.extraNs = extraNs;
    iv.othersNs = othersNs;
    h.interval(iv);
  }

  private readonly iv: ThreadInterval = { tid: 0, state: 'running', start: 0, end: 0, cpu: -1, why: '', cause: '', next: '', extraNs: 0, othersNs: 0 };

  private runnableCause(s: TState, t: number): string {
    if (!this.words) return '';
    const total = t - s.since;
    if (total === 0) return 'dispatched at once';
    const parts: string[] = [];
    if (s.waitNs > 0) {
      let ahead: string;
      if (s.enqCpu < 0) ahead = 'queued';
      else {
        const who: string[] = [];
        if (s.enqRunning > 0) who.push(`${label(s.enqRunning, this.threadName(s.enqRunning))} (running)`);
        if (s.enqAhead > 0) who.push(`${s.enqAhead} queued thread${s.enqAhead === 1 ? '' : 's'}`);
        ahead = `queued on cpu ${s.enqCpu}${who.length > 0 ? ` with ${who.join(' and ')}` : ''}`;
      }
      let meanwhile = '';
      if (s.othersTurns === 0 && s.enqRunning > 0 && s.othersNs > 0) {
        meanwhile = `; meanwhile its cpu ran ${label(s.enqRunning, this.threadName(s.enqRunning))} for ${formatDuration(s.othersNs)}`;
      } else if (s.othersTurns === 1 && s.othersLast > 0) {
        meanwhile = `; meanwhile its cpu ran ${label(s.othersLast, this.threadName(s.othersLast))} for ${formatDuration(s.othersNs)}`;
      } else if (s.othersTurns > 0 || s.othersNs > 0) {
        meanwhile = `; meanwhile its cpu ran ${s.othersTurns} turns of other threads for ${formatDuration(s.othersNs)}`;
      }
      parts.push(`no free hardware thread for ${formatDuration(s.waitNs)}: ${ahead}${meanwhile}`);
    }
    if (s.throttledNs > 0) parts.push(`throttled ${formatDuration(s.throttledNs)}: group ${s.group ?? '?'} used its CPU quota for the period`);
    for (const m of s.moves) parts.push(m);
    return parts.length > 0 ? parts.join('; ') : `waited ${formatDuration(total)}`;
  }

  // ---------------------------------------------------------------- CPU lanes

  private closeLane(c: CState, cpu: number, t: number): void {
    if (c.lane === Lane.None) return;
    const kind = c.lane === Lane.Switch ? 'switch' : 'run';
    if (t > c.laneStart) {
      const s = this.threads[c.tid];
      const name = s !== undefined ? (kind === 'switch' ? (s.switchLabel ??= `switch → ${s.label}`) : s.label) : `T${c.tid}`;
      this.h.cpuSlice?.(cpu, kind, c.tid, c.laneStart, t, name);
    }
    c.busyClosed += t - c.laneStart;
    c.lane = Lane.None;
  }

  private cpuEvent(t: number, cpu: number, tid: number, what: 'switch' | 'run' | 'idle'): void {
    const c = this.cpu(cpu);
    if (what === 'switch') {
      this.closeLane(c, cpu, t);
      c.tid = tid;
      c.lane = Lane.Switch;
      c.laneStart = t;
      c.turns++;
      c.lastTid = tid;
    } else if (what === 'run') {
      const s = this.threads[tid];
      if (s !== undefined && c.lane === Lane.Switch) s.switchNs = t - c.laneStart;
      this.closeLane(c, cpu, t);
      c.tid = tid;
      c.lane = Lane.Run;
      c.laneStart = t;
    } else {
      this.closeLane(c, cpu, t);
      if (c.prevTid > 0) this.h.schedSwitch?.(t, cpu, c.prevTid, c.prevState, 0);
      c.prevTid = -1;
      c.tid = 0;
    }
  }

  /** Closes every open interval and lane at the end of the run. */
  finish(t: number): void {
    for (let i = 0; i < this.cpus.length; i++) this.closeLane(this.cpus[i]!, i, t);
    for (const s of this.threads) {
      if (s === undefined || s.state === 'exited') continue;
      if (s.state === 'runnable') {
        this.leaveRunnable(s, t);
        this.closeInterval(s, t, 'runnable', s.qcpu, this.runnableCause(s, t), '', s.throttledNs, s.othersNs);
      } else if (s.state === 'running') {
        this.closeInterval(s, t, 'running', this.findCpu(s.tid), `ran ${formatDuration(t - s.since - s.switchNs)} until the run ended`, '', s.switchNs, 0);
      } else {
        this.closeInterval(s, t, 'waiting', -1, `blocked: ${s.why} until the run ended`, '', 0, 0);
      }
      s.state = 'exited';
    }
  }

  private findCpu(tid: number): number {
    for (let i = 0; i < this.cpus.length; i++) if (this.cpus[i]!.tid === tid) return i;
    return -1;
  }
}

/** Waits that Linux shows as uninterruptible (D): blocking system calls such as file IO. */
function isDiskWait(why: string): boolean {
  return why === 'syscall';
}
