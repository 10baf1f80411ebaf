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
import { Lit, type PrevState, type TextOut, type TextSource } from './encoder.js';
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
  /**
   * Plain-words account of a Running or Runnable interval (what it waited for, what it ran),
   * or of a Waiting one ended by a thread (who woke it: `waker`); '' for other Waiting ones
   * (their state, why and length say it all) and unless the timeline builds strings (CauseTexts).
   */
  cause: string;
  /** Waiting: the thread whose code ended the wait (0: a timer, a device, or the run's end). */
  waker: number;
  /** The kernel's reason for leaving it ('' if the run ended first). */
  next: string;
  /** Runnable: time spent throttled; Running: switch-in time. */
  extraNs: number;
  /** Runnable: ns of other threads' CPU time on its queue's CPU meanwhile (0 when no cause texts are told). */
  othersNs: number;
}

/** A TextOut that builds a string. */
export class StringOut implements TextOut {
  text = '';
  str(s: string): void {
    this.text += s;
  }
  lit(l: Lit): void {
    this.text += l.text;
  }
  int(n: number): void {
    this.text += n;
  }
  dur(ns: number): void {
    this.text += formatDuration(ns);
  }
  /** The text so far; starts a new one. */
  take(): string {
    const t = this.text;
    this.text = '';
    return t;
  }
}

/**
 * How the timeline tells the `cause` of an interval: 'strings' in `ThreadInterval.cause`;
 * 'on-demand' only when the handler asks (OsTimeline.writeText during its `interval` call,
 * `cause` is then ''); 'none' never (the cheapest trace without explanations).
 */
export type CauseTexts = 'strings' | 'on-demand' | 'none';

export interface TimelineHandler {
  thread?(t: number, tid: number, name: string, group: string | null): void;
  /** A closed interval; `iv` is reused for the next one: copy what you keep. */
  interval?(iv: ThreadInterval): void;
  cpuSlice?(cpu: number, kind: 'switch' | 'run', tid: number, start: number, end: number, text: string): void;
  schedSwitch?(t: number, cpu: number, prevTid: number, prevState: PrevState, nextTid: number): void;
  /**
   * tid becomes Runnable on `cpu` (isNew: created). waker, wakerCpu: the thread whose code woke
   * or created it and its cpu; 0 and -1 for a timer or a device (interrupt context) or no creator.
   */
  schedWaking?(t: number, tid: number, cpu: number, isNew: boolean, waker: number, wakerCpu: number): void;
  /**
   * The number of threads queued (Runnable, not throttled) on `cpu` changed, now (no time
   * argument: this runs at almost every event, and a time past 2^31 ns passed to a call that
   * is not inlined is boxed).
   */
  queued?(cpu: number, n: number): void;
  /** The group is throttled (on) or unthrottled on `cpu`. */
  throttle?(t: number, group: string, cpu: number, on: boolean): void;
  migrate?(t: number, tid: number, from: number, to: number, why: string): void;
}

interface TState {
  tid: number;
  name: string;
  /** "T3 worker-0" (built once, with its UTF-8). */
  label: Lit;
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
  /** Of othersNs: the rest of the turn of enqRunning, the thread running when it was queued. */
  restNs: number;
  /** The next segment is the first of this Runnable interval. */
  segFirst: boolean;
  /** restNs is settled by its CPU's next switch (in that CPU's restWaiters). */
  restPending: boolean;
  /**
   * Moved to another CPU's queue while Runnable, and othersNs / othersTurns when it first was:
   * if either grew after, what ran meanwhile is no longer one CPU's story.
   */
  movedQueued: boolean;
  movedOthersNs: number;
  movedOthersTurns: number;
  throttledNs: number;
  throttledSince: number;
  enqCpu: number;
  enqAhead: number;
  enqRunning: number;
  /** When it joined its current CPU queue (a counter: order within an instant). */
  qSeq: number;
  /**
   * Queued on an idle CPU that dispatches one of the threads ahead of it at the same instant:
   * that thread's first switch is the start of the "running" thread's turn, not the end.
   */
  restSkip: boolean;
  /** Migrations while Runnable, as told in the cause ("moved cpu 1 → cpu 3 (idle pull)"), at most 3. */
  moves: Lit[];
  // ---- current Running interval ----
  switchNs: number;
  switchLabel?: string;
  // ---- pieces of cause texts naming this thread, built on first use ----
  /** " with T3 worker-0 (running)" */
  withRunning: Lit | null;
  /** "; meanwhile its cpu ran T3 worker-0 for " */
  ranFor: Lit | null;
  /** ", then T3 worker-0 for " (built on first use). */
  thenFor: Lit | null;
}

/** The constant pieces of the cause texts. */
const L_ON_CPU = new Lit('on cpu ');
const L_SWITCH_IN = new Lit(': switch-in ');
const L_CONTEXT_SWITCH_THEN_RAN = new Lit(' (context switch) then ran ');
const L_COLON_RAN = new Lit(': ran ');
const L_FOR = new Lit(' for ');
const L_WOKEN_BY = new Lit('woken by ');
const L_RUNNING_ON_CPU = new Lit(', running on cpu ');
const L_RAN_FOR_END = new Lit('ran ');
const L_UNTIL_THE_RUN_ENDED = new Lit(' until the run ended');
const L_DISPATCHED_AT_ONCE = new Lit('dispatched at once');
const L_NO_FREE_HARDWARE_THREAD_FOR = new Lit('no free hardware thread for ');
const L_COLON_QUEUED = new Lit(': queued');
const L_QUEUED_ON_CPU = new Lit(': queued on cpu ');
const L_WITH = new Lit(' with ');
const L_RUNNING = new Lit(' (running)');
const L_AND = new Lit(' and ');
const L_QUEUED_THREADS = new Lit(' queued threads');
const L_MEANWHILE_ITS_CPU_RAN = new Lit('; meanwhile its cpu ran ');
const L_MEANWHILE_CPUS_BUSY = new Lit('; meanwhile the cpus it was queued on were busy for ');
const L_TURNS_OF_OTHER_THREADS_FOR = new Lit(' turns of other threads for ');
const L_THEN = new Lit(', then ');
const L_SEMICOLON = new Lit('; ');
const L_THROTTLED = new Lit('throttled ');
const L_COLON_GROUP = new Lit(': group ');
const L_USED_ITS_CPU_QUOTA_FOR_THE_PERIOD = new Lit(' used its CPU quota for the period');
const L_WAITED = new Lit('waited ');
/** How many CPUs, counts and wait reasons get joined pieces (OsTimeline.litQueuedOnCpu…). */
const PIECE_CACHE = 1024;

/** Which text tells the cause of the interval being closed (OsTimeline.writeText). */
const enum Cause {
  Runnable = 0,
  Running = 1,
  RunningAtEnd = 2,
  /** No text: a Waiting interval's name, why and length tell all there is ("blocked: IO wait for 2ms" would repeat them). */
  None = 3,
  /** A Waiting interval ended by a thread's code: "woken by T2 prod#2, running on cpu 1" (a timer's or a device's wake-up says so in its `next`). */
  Woken = 4,
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
  /**
   * With cause texts: threads queued on this CPU during its current turn, whose restNs (how
   * much longer the running thread ran) the next switch settles.
   */
  restWaiters: TState[];
  /**
   * With cause texts: threads queued at instant `idleEnqT` while this CPU ran no thread and
   * others were queued ahead of them (a preempted thread, the preemptor next): when the CPU
   * dispatches one of those at that instant, it is the thread they were queued with, running.
   */
  idleEnq: TState[];
  idleEnqT: number;
  queued: number;
  /** Thread that left this CPU at the current instant, not yet replaced (sched_switch prev). */
  prevTid: number;
  prevState: PrevState;
}

/** formatDuration's parts, set by splitDuration (no object per call). */
let durNeg = false;
let durWhole = 0;
/** Thousandths (0–999) and how many digits of them are written (0–3, trailing zeros dropped). */
let durFrac = 0;
let durFracDigits = 0;
/** '' (zero), 'ns', 'us', 'ms' or 's'. */
let durSuffix = '';

/**
 * Splits integer nanoseconds as formatDuration writes them ("0", "750ns", "12.5us", "10ms",
 * "1.234s"), with integer arithmetic only (it runs for every interval of a traced run).
 */
function splitDuration(ns: number): void {
  durNeg = ns < 0;
  durFrac = 0;
  durFracDigits = 0;
  if (ns === 0) {
    durWhole = 0;
    durSuffix = '';
    return;
  }
  const a = ns < 0 ? -ns : ns;
  if (a < 1000) {
    durWhole = a;
    durSuffix = 'ns';
    return;
  }
  let unit: number;
  if (a < 1_000_000) {
    unit = 1000;
    durSuffix = 'us';
  } else if (a < 1_000_000_000) {
    unit = 1_000_000;
    durSuffix = 'ms';
  } else {
    unit = 1_000_000_000;
    durSuffix = 's';
  }
  const step = unit / 1000;
  const rem = a % step;
  // Exact halves round as toFixed does (by the binary value of a / unit); others to nearest.
  const milli = rem * 2 === step ? Math.round(Number((a / unit).toFixed(3)) * 1000) : Math.round((a - rem) / step) + (rem * 2 > step ? 1 : 0);
  durWhole = Math.floor(milli / 1000);
  const frac = milli - durWhole * 1000;
  if (frac === 0) return;
  if (frac % 100 === 0) {
    durFrac = frac / 100;
    durFracDigits = 1;
  } else if (frac % 10 === 0) {
    durFrac = frac / 10;
    durFracDigits = 2;
  } else {
    durFrac = frac;
    durFracDigits = 3;
  }
}

/**
 * Formats integer nanoseconds as formatDuration does ("0", "750ns", "12.5us", "10ms",
 * "1.234s"), with integer arithmetic only (it runs for every interval of a traced run).
 */
export function formatDuration(ns: number): string {
  splitDuration(ns);
  const whole = durNeg ? `-${durWhole}` : `${durWhole}`;
  if (durFracDigits === 0) return whole + durSuffix;
  const f = durFracDigits === 3 ? (durFrac < 10 ? '00' : durFrac < 100 ? '0' : '') : durFracDigits === 2 && durFrac < 10 ? '0' : '';
  return `${whole}.${f}${durFrac}${durSuffix}`;
}

/**
 * Writes formatDuration(ns) as ASCII bytes at `p` of `b` (room for 40 bytes known); returns
 * the position after it.
 */
export function putDuration(b: Uint8Array, p: number, ns: number): number {
  if (ns >= 1000 && ns < 1_000_000) {
    // Microseconds (most waits and bursts): exact, 32-bit integer arithmetic.
    const whole = (ns / 1000) | 0;
    p = putDecimal(b, p, whole);
    return putMilli(b, p, ns - whole * 1000, 0x75);
  }
  splitDuration(ns);
  if (durNeg) b[p++] = 0x2d;
  p = putDecimal(b, p, durWhole);
  if (durFracDigits > 0) {
    b[p++] = 0x2e;
    const f = durFrac;
    if (durFracDigits === 3) {
      b[p++] = 0x30 + Math.floor(f / 100);
      b[p++] = 0x30 + (Math.floor(f / 10) % 10);
      b[p++] = 0x30 + (f % 10);
    } else if (durFracDigits === 2) {
      b[p++] = 0x30 + Math.floor(f / 10);
      b[p++] = 0x30 + (f % 10);
    } else b[p++] = 0x30 + f;
  }
  const sfx = durSuffix;
  for (let i = 0; i < sfx.length; i++) b[p++] = sfx.charCodeAt(i);
  return p;
}

/** Writes thousandths `frac` (0–999) as ".5", ".25", ".125" (nothing for 0), then `unit` and 's'. */
function putMilli(b: Uint8Array, p: number, frac: number, unit: number): number {
  if (frac !== 0) {
    b[p++] = 0x2e;
    const d1 = (frac / 100) | 0;
    const r = frac - d1 * 100;
    const d2 = (r / 10) | 0;
    const d3 = r - d2 * 10;
    b[p++] = 0x30 + d1;
    if (r !== 0) {
      b[p++] = 0x30 + d2;
      if (d3 !== 0) b[p++] = 0x30 + d3;
    }
  }
  b[p++] = unit;
  b[p++] = 0x73;
  return p;
}

/** Writes a non-negative integer (< 2^53) in decimal at `p` (room known); returns the position after it. */
export function putDecimal(b: Uint8Array, p: number, n: number): number {
  if (n < 10) {
    b[p] = 0x30 + n;
    return p + 1;
  }
  if (n < 0x80000000) {
    let v = n | 0;
    let digits = 2;
    for (let x = 100; x <= v && digits < 10; x *= 10) digits++;
    const end = p + digits;
    let q = end;
    while (v >= 10) {
      const d = (v / 10) | 0;
      b[--q] = 0x30 + (v - d * 10);
      v = d;
    }
    b[q - 1] = 0x30 + v;
    return end;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let q = p + digits;
  const end = q;
  while (n >= 10) {
    const d = Math.floor(n / 10);
    b[--q] = 0x30 + (n - d * 10);
    n = d;
  }
  b[q - 1] = 0x30 + n;
  return end;
}

function label(tid: number, name: string): string {
  return `T${tid} ${name}`;
}

export class OsTimeline implements TextSource {
  private readonly threads: Array<TState | undefined> = [];
  private readonly cpus: CState[] = [];
  /** Per bandwidth group, the CPUs it is throttled on. */
  private readonly throttled = new Map<string, Set<number>>();
  /** The last qSeq given: the order in which threads joined CPU queues. */
  private qSeqNext = 0;
  /** Runnable threads per group (for throttling). */
  private readonly groupRunnable = new Map<string, Set<TState>>();

  /**
   * The time of the event being handled (of `finish` at the end). The methods below read it
   * here rather than take it as an argument: a time past 2^31 ns passed to a call that is not
   * inlined is boxed, an allocation per call, and a traced run makes millions of them.
   */
  private t = 0;

  /** The interval being handed out: which text tells its cause, and what that text reads. */
  private causeKind = Cause.Runnable;
  private causeOf: TState | null = null;
  private causeT = 0;
  private causeCpu = -1;
  /** The waker of the Waiting interval being closed, and its cpu (Cause.Woken). */
  private causeWaker = 0;
  private causeWakerCpu = -1;
  private readonly strings = new StringOut();
  /**
   * Constant runs of the cause texts joined with the small numbers inside them, built once per
   * CPU or count (a text is copied in fewer, longer pieces): ": queued on cpu N", "on cpu N: ran
   * ", "on cpu N: switch-in ", " and K queued threads", " with K queued threads", "; meanwhile
   * its cpu ran K turns of other threads for ". Indexes up to PIECE_CACHE; larger ones are
   * written piece by piece (the same text).
   */
  private readonly litQueuedOnCpu: Lit[] = [];
  private readonly litOnCpuRan: Lit[] = [];
  private readonly litOnCpuSwitchIn: Lit[] = [];
  private readonly litAndQueued: Lit[] = [];
  private readonly litWithQueued: Lit[] = [];
  private readonly litTurns: Lit[] = [];
  private readonly litThenTurns: Lit[] = [];
  /** Migration texts by from · PIECE_CACHE + to, then by reason (moveLit). */
  private readonly litMoves = new Map<number, Map<string, Lit>>();

  /** `interval` is called for Waiting intervals only. */
  private readonly waitingOnly: boolean;

  /**
   * @param texts how the plain-words `cause` texts are told (CauseTexts): 'none' for the
   *   cheapest trace without explanations.
   * @param intervals which intervals go to the handler's `interval`: all, or only the
   *   Waiting ones (a trace whose native thread-state track shows Running and Runnable).
   */
  constructor(
    private readonly h: TimelineHandler,
    private readonly texts: CauseTexts = 'strings',
    intervals: 'all' | 'waiting' = 'all',
  ) {
    this.waitingOnly = intervals === 'waiting';
  }

  private cpu(id: number): CState {
    let c = this.cpus[id];
    while (c === undefined) {
      this.cpus.push({ tid: 0, lane: Lane.None, laneStart: 0, busyClosed: 0, turns: 0, lastTid: 0, restWaiters: [], idleEnq: [], idleEnqT: -1, queued: 0, prevTid: -1, prevState: 'R' });
      c = this.cpus[id];
    }
    return c;
  }

  private busy(c: CState): number {
    return c.busyClosed + (c.lane !== Lane.None ? this.t - c.laneStart : 0);
  }

  threadName(tid: number): string {
    const s = this.threads[tid];
    if (s !== undefined) return s.name;
    // tid 0 (idle) on every switch to or from idle: one string, not one per switch.
    return tid === 0 ? 'thread 0' : `thread ${tid}`;
  }

  emit(ev: TraceEvent): void {
    this.t = ev.t;
    switch (ev.k) {
      case 'tstate':
        this.tstate(ev.tid, ev.from, ev.to, ev.cpu, ev.why, ev.waker, ev.wakerCpu);
        return;
      case 'cpu':
        this.cpuEvent(ev.cpu, ev.tid, ev.what);
        return;
      case 'thread': {
        const s: TState = {
          tid: ev.tid,
          name: ev.name,
          label: new Lit(label(ev.tid, ev.name)),
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
          restNs: 0,
          segFirst: false,
          restPending: false,
          movedQueued: false,
          movedOthersNs: 0,
          movedOthersTurns: 0,
          throttledNs: 0,
          throttledSince: 0,
          enqCpu: -1,
          enqAhead: 0,
          enqRunning: 0,
          qSeq: 0,
          restSkip: false,
          moves: [],
          switchNs: 0,
          withRunning: null,
          ranFor: null,
          thenFor: null,
        };
        this.threads[ev.tid] = s;
        this.h.thread?.(ev.t, ev.tid, ev.name, ev.group);
        return;
      }
      case 'migrate': {
        const s = this.threads[ev.tid];
        if (s === undefined) return;
        this.h.migrate?.(ev.t, ev.tid, ev.from, ev.to, ev.why);
        if (s.state !== 'runnable' || s.parked) {
          s.qcpu = ev.to;
          return;
        }
        this.endSegment(s);
        this.dequeue(s);
        if (!s.movedQueued) {
          s.movedQueued = true;
          s.movedOthersNs = s.othersNs;
          s.movedOthersTurns = s.othersTurns;
        }
        if (s.moves.length < 3 && this.texts !== 'none') s.moves.push(this.moveLit(ev.from, ev.to, ev.why));
        s.qcpu = ev.to;
        if (this.isThrottled(s.group, ev.to)) {
          // Moved onto a CPU where its group is throttled: it waits there, parked.
          s.parked = true;
          s.throttledSince = ev.t;
          return;
        }
        this.enqueue(s);
        this.startSegment(s);
        return;
      }
      case 'throttle': {
        this.h.throttle?.(ev.t, ev.group, ev.cpu, ev.on);
        let cpus = this.throttled.get(ev.group);
        if (cpus === undefined) this.throttled.set(ev.group, (cpus = new Set()));
        if (ev.on) cpus.add(ev.cpu);
        else cpus.delete(ev.cpu);
        const set = this.groupRunnable.get(ev.group);
        if (set === undefined) return;
        for (const s of set) {
          if (s.qcpu !== ev.cpu) continue;
          if (ev.on && !s.parked) {
            this.endSegment(s);
            this.dequeue(s);
            s.parked = true;
            s.throttledSince = ev.t;
          } else if (!ev.on && s.parked) {
            s.parked = false;
            s.throttledNs += ev.t - s.throttledSince;
            if (s.waitNs === 0 && s.moves.length === 0 && s.qcpu >= 0) {
              // Parked as it became Runnable: it is queued only now, behind what its CPU has now.
              s.enqCpu = s.qcpu;
              this.snapshotQueue(s, this.cpu(s.qcpu));
              s.segFirst = true;
            }
            this.enqueue(s);
            this.startSegment(s);
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
      case 'gtake':
      case 'decision':
        return;
    }
  }

  // ---------------------------------------------------------------- queues

  /** What a thread being queued on `c` finds there: the running thread and how many are queued. */
  private snapshotQueue(s: TState, c: CState): void {
    s.enqAhead = c.queued;
    s.enqRunning = c.tid;
    if (c.tid === 0 && c.queued > 0 && this.texts !== 'none') {
      if (c.idleEnqT !== this.t) {
        c.idleEnq.length = 0;
        c.idleEnqT = this.t;
      }
      c.idleEnq.push(s);
    }
  }

  /**
   * CPU `cpu` dispatches `x`. Threads queued there at this instant while it ran nothing, with
   * `x` already queued ahead of them (a thread preempted by `x`, or put back as `x` is picked),
   * were queued with `x` running: the cause says so, and `x`'s turn is the running thread's
   * rest, not one of the turns that followed.
   */
  private nowRunning(c: CState, cpu: number, x: TState): void {
    const w = c.idleEnq;
    if (c.idleEnqT === this.t) {
      for (let i = 0; i < w.length; i++) {
        const s = w[i]!;
        if (s === x || s.state !== 'runnable' || s.parked || s.qcpu !== cpu || s.enqCpu !== cpu) continue;
        if (s.enqRunning !== 0 || s.enqAhead === 0 || s.waitNs !== 0 || s.qSeq <= x.qSeq) continue;
        s.enqRunning = x.tid;
        s.enqAhead--;
        s.segTurns0++;
        s.restSkip = s.restPending;
      }
    }
    w.length = 0;
  }

  private enqueue(s: TState): void {
    if (s.qcpu < 0) return;
    s.qSeq = ++this.qSeqNext;
    const c = this.cpu(s.qcpu);
    c.queued++;
    this.h.queued?.(s.qcpu, c.queued);
  }

  private dequeue(s: TState): void {
    if (s.qcpu < 0) return;
    const c = this.cpu(s.qcpu);
    c.queued--;
    this.h.queued?.(s.qcpu, c.queued);
  }

  private startSegment(s: TState): void {
    // What a CPU did while a thread waited on its queue is told only in the cause texts.
    if (this.texts === 'none') return;
    s.segCpu = s.qcpu;
    s.segStart = this.t;
    if (s.qcpu >= 0) {
      const c = this.cpu(s.qcpu);
      s.segBusy0 = this.busy(c);
      s.segTurns0 = c.turns;
      // The first segment, on the CPU it was queued on: the running thread's rest is told apart.
      if (s.segFirst && s.qcpu === s.enqCpu && !s.restPending) {
        s.restPending = true;
        c.restWaiters.push(s);
      }
    }
    s.segFirst = false;
  }

  private endSegment(s: TState): void {
    if (s.segCpu < 0) return;
    const c = this.cpu(s.segCpu);
    s.waitNs += this.t - s.segStart;
    const busy = this.busy(c);
    if (s.restPending) {
      // No switch since it was queued: the running thread ran all of this segment.
      s.restNs = busy - s.segBusy0;
      s.restPending = false;
    }
    s.othersNs += busy - s.segBusy0;
    if (c.turns !== s.segTurns0) s.othersLast = c.lastTid;
    s.othersTurns += c.turns - s.segTurns0;
    s.segCpu = -1;
  }

  /** A thread becomes Runnable (queued on `cpu`, or parked if its group is throttled). */
  private becomeRunnable(s: TState, cpu: number): void {
    s.qcpu = cpu;
    s.waitNs = 0;
    s.othersNs = 0;
    s.othersTurns = 0;
    s.othersLast = 0;
    s.restNs = 0;
    s.segFirst = true;
    s.movedQueued = false;
    s.throttledNs = 0;
    if (s.moves.length > 0) s.moves.length = 0;
    s.segCpu = -1;
    s.enqCpu = cpu;
    if (cpu >= 0) this.snapshotQueue(s, this.cpu(cpu));
    else {
      s.enqAhead = 0;
      s.enqRunning = 0;
    }
    if (s.group !== null) {
      let set = this.groupRunnable.get(s.group);
      if (set === undefined) this.groupRunnable.set(s.group, (set = new Set()));
      set.add(s);
    }
    if (this.isThrottled(s.group, cpu)) {
      s.parked = true;
      s.throttledSince = this.t;
    } else {
      s.parked = false;
      this.enqueue(s);
      this.startSegment(s);
    }
  }

  private isThrottled(group: string | null, cpu: number): boolean {
    if (group === null) return false;
    const cpus = this.throttled.get(group);
    return cpus !== undefined && cpus.has(cpu);
  }

  private leaveRunnable(s: TState): void {
    if (s.parked) {
      s.throttledNs += this.t - s.throttledSince;
      s.parked = false;
    } else {
      this.endSegment(s);
      this.dequeue(s);
    }
    if (s.group !== null) this.groupRunnable.get(s.group)?.delete(s);
  }

  // ---------------------------------------------------------------- states

  private tstate(tid: number, from: ThreadState, to: ThreadState, cpu: number, why: string, waker: number, wakerCpu: number): void {
    const t = this.t;
    const s = this.threads[tid];
    if (s === undefined) return;
    if (from === 'runnable' && to === 'runnable') {
      // Creation: the thread is Runnable from now on.
      s.since = t;
      s.why = why;
      this.becomeRunnable(s, cpu);
      this.h.schedWaking?.(t, tid, cpu >= 0 ? cpu : 0, true, waker, wakerCpu);
      return;
    }
    // Close the current interval.
    if (from === 'runnable') {
      this.leaveRunnable(s);
      this.closeInterval(s, 'runnable', s.qcpu >= 0 ? s.qcpu : cpu, Cause.Runnable, why, s.throttledNs, s.othersNs);
    } else if (from === 'running') {
      const c = this.cpu(cpu);
      this.closeLane(c, cpu);
      c.tid = 0;
      c.prevTid = tid;
      c.prevState = to === 'runnable' ? (why === 'sched_yield' ? 'R' : 'R+') : to === 'waiting' ? (isDiskWait(why) ? 'D' : 'S') : 'X';
      this.closeInterval(s, 'running', cpu, Cause.Running, why, s.switchNs, 0);
    } else if (from === 'waiting') {
      this.causeWaker = waker;
      this.causeWakerCpu = wakerCpu;
      this.closeInterval(s, 'waiting', -1, waker > 0 ? Cause.Woken : Cause.None, why, 0, 0);
    }
    // Open the next one.
    s.state = to;
    s.since = t;
    s.why = why;
    if (to === 'running') {
      const c = this.cpu(cpu);
      s.switchNs = 0;
      if (c.idleEnq.length > 0) this.nowRunning(c, cpu, s);
      if (c.prevTid !== tid) this.h.schedSwitch?.(t, cpu, c.prevTid > 0 ? c.prevTid : 0, c.prevState, tid);
      c.prevTid = -1;
      c.tid = tid;
    } else if (to === 'runnable') {
      this.becomeRunnable(s, cpu);
      if (from === 'waiting') this.h.schedWaking?.(t, tid, cpu, false, waker, wakerCpu);
    }
  }

  /** Closes the current interval of `s` at the current time. */
  private closeInterval(s: TState, state: IntervalState, cpu: number, cause: Cause, next: string, extraNs: number, othersNs: number): void {
    const h = this.h;
    if (h.interval === undefined || (this.waitingOnly && state !== 'waiting')) return;
    const end = this.t;
    this.causeKind = cause;
    this.causeOf = s;
    this.causeT = end;
    this.causeCpu = cpu;
    // One object, refilled for every interval (a traced run closes millions of them).
    const iv = this.iv;
    iv.tid = s.tid;
    iv.state = state;
    iv.start = s.since;
    iv.end = end;
    iv.cpu = cpu;
    iv.why = s.why;
    iv.cause = '';
    iv.waker = cause === Cause.Woken ? this.causeWaker : 0;
    if (this.texts === 'strings' && cause !== Cause.None) {
      this.writeText(this.strings);
      iv.cause = this.strings.take();
    }
    iv.next = next;
    iv.extraNs = extraNs;
    iv.othersNs = othersNs;
    h.interval(iv);
    this.causeOf = null;
  }

  /**
   * Writes the plain-words cause of the interval being handed to `interval` (call it from
   * there; the same text as ThreadInterval.cause when the timeline builds strings).
   */
  writeText(out: TextOut): void {
    const s = this.causeOf;
    if (s === null) return;
    const t = this.causeT;
    switch (this.causeKind) {
      case Cause.Runnable:
        this.runnableCause(s, out);
        return;
      case Cause.Running: {
        const cpu = this.causeCpu;
        if (s.switchNs > 0) {
          if (cpu >= 0 && cpu < PIECE_CACHE) out.lit((this.litOnCpuSwitchIn[cpu] ??= new Lit(`on cpu ${cpu}: switch-in `)));
          else {
            out.lit(L_ON_CPU);
            out.int(cpu);
            out.lit(L_SWITCH_IN);
          }
          out.dur(s.switchNs);
          out.lit(L_CONTEXT_SWITCH_THEN_RAN);
        } else if (cpu >= 0 && cpu < PIECE_CACHE) out.lit((this.litOnCpuRan[cpu] ??= new Lit(`on cpu ${cpu}: ran `)));
        else {
          out.lit(L_ON_CPU);
          out.int(cpu);
          out.lit(L_COLON_RAN);
        }
        out.dur(Math.max(0, t - s.since - s.switchNs));
        return;
      }
      case Cause.RunningAtEnd:
        out.lit(L_RAN_FOR_END);
        out.dur(t - s.since - s.switchNs);
        out.lit(L_UNTIL_THE_RUN_ENDED);
        return;
      case Cause.Woken:
        out.lit(L_WOKEN_BY);
        this.writeLabel(this.causeWaker, out);
        out.lit(L_RUNNING_ON_CPU);
        out.int(this.causeWakerCpu);
        return;
      case Cause.None:
        return;
    }
  }

  /** "moved cpu 1 → cpu 3 (idle pull)", built once per (from, to, why) with its UTF-8 (it has a non-ASCII arrow). */
  private moveLit(from: number, to: number, why: string): Lit {
    const key = from < PIECE_CACHE && to < PIECE_CACHE ? from * PIECE_CACHE + to : -1;
    let byWhy = key >= 0 ? this.litMoves.get(key) : undefined;
    let l = byWhy?.get(why);
    if (l === undefined) {
      l = new Lit(`moved cpu ${from} → cpu ${to} (${why})`);
      if (key >= 0 && this.litMoves.size < PIECE_CACHE * 4) {
        if (byWhy === undefined) this.litMoves.set(key, (byWhy = new Map<string, Lit>()));
        byWhy.set(why, l);
      }
    }
    return l;
  }

  /** "T3 worker-0" for a thread id. */
  private writeLabel(tid: number, out: TextOut): void {
    const x = this.threads[tid];
    if (x !== undefined) out.lit(x.label);
    else out.str(label(tid, this.threadName(tid)));
  }

  /** " with T3 worker-0 (running)" */
  private writeWithRunning(tid: number, out: TextOut): void {
    const x = this.threads[tid];
    if (x !== undefined) out.lit((x.withRunning ??= new Lit(` with ${x.label.text} (running)`)));
    else {
      out.lit(L_WITH);
      this.writeLabel(tid, out);
      out.lit(L_RUNNING);
    }
  }

  /** "; meanwhile its cpu ran T3 worker-0 for " */
  private writeRanFor(tid: number, out: TextOut): void {
    const x = this.threads[tid];
    if (x !== undefined) out.lit((x.ranFor ??= new Lit(`; meanwhile its cpu ran ${x.label.text} for `)));
    else {
      out.lit(L_MEANWHILE_ITS_CPU_RAN);
      this.writeLabel(tid, out);
      out.lit(L_FOR);
    }
  }

  private readonly iv: ThreadInterval = { tid: 0, state: 'running', start: 0, end: 0, cpu: -1, why: '', cause: '', waker: 0, next: '', extraNs: 0, othersNs: 0 };

  private runnableCause(s: TState, out: TextOut): void {
    const t = this.causeT;
    const total = t - s.since;
    if (total === 0) {
      out.lit(L_DISPATCHED_AT_ONCE);
      return;
    }
    let first = true;
    if (s.waitNs > 0) {
      first = false;
      out.lit(L_NO_FREE_HARDWARE_THREAD_FOR);
      out.dur(s.waitNs);
      const cpu = s.enqCpu;
      if (cpu < 0) out.lit(L_COLON_QUEUED);
      else {
        if (cpu < PIECE_CACHE) out.lit((this.litQueuedOnCpu[cpu] ??= new Lit(`: queued on cpu ${cpu}`)));
        else {
          out.lit(L_QUEUED_ON_CPU);
          out.int(cpu);
        }
        if (s.enqRunning > 0) this.writeWithRunning(s.enqRunning, out);
        const k = s.enqAhead;
        if (k > 0) {
          if (k < PIECE_CACHE) {
            const list = s.enqRunning > 0 ? this.litAndQueued : this.litWithQueued;
            out.lit((list[k] ??= new Lit(`${s.enqRunning > 0 ? ' and ' : ' with '}${k} queued thread${k === 1 ? '' : 's'}`)));
          } else {
            out.lit(s.enqRunning > 0 ? L_AND : L_WITH);
            out.int(k);
            out.lit(L_QUEUED_THREADS);
          }
        }
      }
      if (s.movedQueued && (s.othersNs !== s.movedOthersNs || s.othersTurns !== s.movedOthersTurns)) {
        // It waited on two or more CPUs' queues in turn: no one thread or count of turns tells it.
        if (s.othersNs > 0) {
          out.lit(L_MEANWHILE_CPUS_BUSY);
          out.dur(s.othersNs);
        }
      } else if (s.othersTurns === 0 && s.enqRunning > 0 && s.othersNs > 0) {
        this.writeRanFor(s.enqRunning, out);
        out.dur(s.othersNs);
      } else if (s.othersTurns > 0 && s.enqRunning > 0 && s.restNs > 0) {
        // The rest of the running thread's turn, then the turns that followed.
        this.writeRanFor(s.enqRunning, out);
        out.dur(s.restNs);
        const k = s.othersTurns;
        if (k === 1 && s.othersLast > 0) {
          const x = this.threads[s.othersLast];
          if (x !== undefined) out.lit((x.thenFor ??= new Lit(`, then ${x.label.text} for `)));
          else {
            out.lit(L_THEN);
            this.writeLabel(s.othersLast, out);
            out.lit(L_FOR);
          }
        } else if (k < PIECE_CACHE) out.lit((this.litThenTurns[k] ??= new Lit(`, then ${k} turns of other threads for `)));
        else {
          out.lit(L_THEN);
          out.int(k);
          out.lit(L_TURNS_OF_OTHER_THREADS_FOR);
        }
        out.dur(s.othersNs - s.restNs);
      } else if (s.othersTurns === 1 && s.othersLast > 0) {
        this.writeRanFor(s.othersLast, out);
        out.dur(s.othersNs);
      } else if (s.othersTurns > 0 || s.othersNs > 0) {
        const k = s.othersTurns;
        if (k < PIECE_CACHE) out.lit((this.litTurns[k] ??= new Lit(`; meanwhile its cpu ran ${k} turns of other threads for `)));
        else {
          out.lit(L_MEANWHILE_ITS_CPU_RAN);
          out.int(k);
          out.lit(L_TURNS_OF_OTHER_THREADS_FOR);
        }
        out.dur(s.othersNs);
      }
    }
    if (s.throttledNs > 0) {
      if (!first) out.lit(L_SEMICOLON);
      first = false;
      out.lit(L_THROTTLED);
      out.dur(s.throttledNs);
      out.lit(L_COLON_GROUP);
      out.str(s.group ?? '?');
      out.lit(L_USED_ITS_CPU_QUOTA_FOR_THE_PERIOD);
    }
    for (const m of s.moves) {
      if (!first) out.lit(L_SEMICOLON);
      first = false;
      out.lit(m);
    }
    if (first) {
      out.lit(L_WAITED);
      out.dur(total);
    }
  }

  // ---------------------------------------------------------------- CPU lanes

  private closeLane(c: CState, cpu: number): void {
    const t = this.t;
    if (c.lane === Lane.None) return;
    const kind = c.lane === Lane.Switch ? 'switch' : 'run';
    if (t > c.laneStart) {
      const s = this.threads[c.tid];
      const name = s !== undefined ? (kind === 'switch' ? (s.switchLabel ??= `switch → ${s.label.text}`) : s.label.text) : `T${c.tid}`;
      this.h.cpuSlice?.(cpu, kind, c.tid, c.laneStart, t, name);
    }
    c.busyClosed += t - c.laneStart;
    c.lane = Lane.None;
  }

  private cpuEvent(cpu: number, tid: number, what: 'switch' | 'run' | 'idle'): void {
    const t = this.t;
    const c = this.cpu(cpu);
    if (what === 'switch') {
      this.closeLane(c, cpu);
      c.tid = tid;
      c.lane = Lane.Switch;
      c.laneStart = t;
      // The threads queued during the turn that ends here: that turn's rest is now known.
      const w = c.restWaiters;
      if (w.length > 0) {
        let kept = 0;
        for (let i = 0; i < w.length; i++) {
          const x = w[i]!;
          if (x.restSkip) {
            // This switch starts the turn of the thread it was queued with (nowRunning).
            x.restSkip = false;
            w[kept++] = x;
          } else if (x.restPending && x.segCpu === cpu) {
            x.restNs = c.busyClosed - x.segBusy0;
            x.restPending = false;
          }
        }
        w.length = kept;
      }
      c.turns++;
      c.lastTid = tid;
    } else if (what === 'run') {
      const s = this.threads[tid];
      if (s !== undefined && c.lane === Lane.Switch) s.switchNs = t - c.laneStart;
      this.closeLane(c, cpu);
      c.tid = tid;
      c.lane = Lane.Run;
      c.laneStart = t;
    } else {
      this.closeLane(c, cpu);
      if (c.prevTid > 0) this.h.schedSwitch?.(t, cpu, c.prevTid, c.prevState, 0);
      c.prevTid = -1;
      c.tid = 0;
    }
  }

  /** Closes every open interval and lane at the end of the run. */
  finish(t: number): void {
    this.t = t;
    for (let i = 0; i < this.cpus.length; i++) this.closeLane(this.cpus[i]!, i);
    for (const s of this.threads) {
      if (s === undefined || s.state === 'exited') continue;
      if (s.state === 'runnable') {
        this.leaveRunnable(s);
        this.closeInterval(s, 'runnable', s.qcpu, Cause.Runnable, '', s.throttledNs, s.othersNs);
      } else if (s.state === 'running') {
        this.closeInterval(s, 'running', this.findCpu(s.tid), Cause.RunningAtEnd, '', s.switchNs, 0);
      } else {
        this.closeInterval(s, 'waiting', -1, Cause.None, '', 0, 0);
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
