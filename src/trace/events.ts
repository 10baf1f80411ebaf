/**
 * Trace events: the one vocabulary in which the core reports what happened. The simulation
 * builds these objects only when a sink is attached (`sink !== null`), so an untraced run pays
 * one null check per hook. Metrics that every run needs are kept by the core itself (counters
 * and samples on threads, CPUs and the Go runtime), not derived from this stream, so the
 * cheapest run stays cheap; exporters (Perfetto, schedtrace, explain) consume this stream.
 *
 * Times are integer nanoseconds. `why` fields carry the rule that made a decision, in the
 * words of the rule (for example "quantum expired", "wake-up preemption (vruntime lead 3.2ms >
 * wakeup_granularity 1ms)", "findRunnable: runnext"), so explanations need no re-derivation.
 */
import type { ThreadState } from '../os/thread.js';

export type TraceEvent =
  // ---- OS layer ----
  | { k: 'thread'; t: number; tid: number; name: string; group: string | null }
  /**
   * cpu: where the thread is (or is queued). waker: for a wake-up, the thread whose running
   * code woke it, and wakerCpu the cpu it ran on; for a creation, the creating thread and its
   * cpu; 0 and -1 when no thread did it (a timer or a device: interrupt context) and for
   * every other change.
   */
  | { k: 'tstate'; t: number; tid: number; from: ThreadState; to: ThreadState; cpu: number; why: string; waker: number; wakerCpu: number }
  | { k: 'cpu'; t: number; cpu: number; tid: number; what: 'switch' | 'run' | 'idle' }
  | { k: 'migrate'; t: number; tid: number; from: number; to: number; why: string }
  /** The bandwidth group is throttled (on) or unthrottled on one CPU: its share there ran out of runtime. */
  | { k: 'throttle'; t: number; group: string; cpu: number; on: boolean }
  | { k: 'runnable'; t: number; cpu: number; n: number }
  // ---- tasks (programs) ----
  | { k: 'task'; t: number; task: number; name: string; parent: number }
  | { k: 'taskEnd'; t: number; task: number }
  | { k: 'op'; t: number; task: number; op: string; detail: string }
  // ---- Go runtime ----
  | { k: 'g'; t: number; g: number; name: string; parent: number }
  /**
   * late: for a goroutine made runnable by the netpoller, how long its IO had been ready
   * (ns; -1 otherwise); polled: whether an M was blocked in netpoll when the IO became ready.
   */
  | { k: 'gstate'; t: number; g: number; from: string; to: string; p: number; m: number; why: string; late: number; polled: boolean }
  /**
   * findRunnable (or another path of schedule) took G for M to run: it is off every queue and
   * runs once the M has paid its search and switch costs (why texts only: sinks that keep them).
   */
  | { k: 'gtake'; t: number; g: number; m: number }
  | { k: 'pstate'; t: number; p: number; from: string; to: string; m: number; why: string }
  | { k: 'prun'; t: number; p: number; g: number; m: number }
  | { k: 'mstate'; t: number; m: number; tid: number; what: string; p: number; why: string }
  | { k: 'steal'; t: number; p: number; victim: number; n: number; round: number; runnext: boolean }
  | { k: 'runq'; t: number; p: number; n: number }
  | { k: 'grunq'; t: number; n: number }
  | { k: 'gcounts'; t: number; live: number; spinning: number; idleP: number; threads: number }
  | { k: 'decision'; t: number; subject: string; text: string };

export type TraceKind = TraceEvent['k'];
export type EventOf<K extends TraceKind> = Extract<TraceEvent, { k: K }>;

/** Each kind's fields, in the order of its type above (what MemorySink copies). */
export const EVENT_FIELDS: { readonly [K in TraceKind]: ReadonlyArray<keyof EventOf<K>> } = {
  thread: ['k', 't', 'tid', 'name', 'group'],
  tstate: ['k', 't', 'tid', 'from', 'to', 'cpu', 'why', 'waker', 'wakerCpu'],
  cpu: ['k', 't', 'cpu', 'tid', 'what'],
  migrate: ['k', 't', 'tid', 'from', 'to', 'why'],
  throttle: ['k', 't', 'group', 'cpu', 'on'],
  runnable: ['k', 't', 'cpu', 'n'],
  task: ['k', 't', 'task', 'name', 'parent'],
  taskEnd: ['k', 't', 'task'],
  op: ['k', 't', 'task', 'op', 'detail'],
  g: ['k', 't', 'g', 'name', 'parent'],
  gstate: ['k', 't', 'g', 'from', 'to', 'p', 'm', 'why', 'late', 'polled'],
  gtake: ['k', 't', 'g', 'm'],
  pstate: ['k', 't', 'p', 'from', 'to', 'm', 'why'],
  prun: ['k', 't', 'p', 'g', 'm'],
  mstate: ['k', 't', 'm', 'tid', 'what', 'p', 'why'],
  steal: ['k', 't', 'p', 'victim', 'n', 'round', 'runnext'],
  runq: ['k', 't', 'p', 'n'],
  grunq: ['k', 't', 'n'],
  gcounts: ['k', 't', 'live', 'spinning', 'idleP', 'threads'],
  decision: ['k', 't', 'subject', 'text'],
};

/**
 * An object with every field of every kind, always in this order: every event the core emits
 * is one of these, so all of them share one hidden class and a sink's `ev.k`, `ev.t`… are
 * monomorphic loads. With a literal per kind (17 shapes) every load in a sink's dispatch was
 * megamorphic: measured, about a third of what a Go trace without the why texts cost beyond
 * building its events.
 */
function blank(): Record<string, unknown> {
  return { k: '', t: 0, tid: 0, name: '', group: null, from: '', to: '', cpu: 0, why: '', what: '', on: false, n: 0, task: 0, parent: 0, op: '', detail: '', g: 0, p: 0, m: 0, victim: 0, round: 0, runnext: false, live: 0, spinning: 0, idleP: 0, threads: 0, subject: '', text: '', late: -1, polled: false, waker: 0, wakerCpu: -1 };
}

/** A reusable event object of kind `k` (the core refills it for each event of that kind). */
export function newEvent<K extends TraceKind>(k: K): EventOf<K> {
  const o = blank();
  o.k = k;
  return o as EventOf<K>;
}

/** `e` as an event object of the one shape (for the core's infrequent events, built per event). */
export function traceEvent<E extends TraceEvent>(e: E): E {
  return Object.assign(blank(), e);
}

export type TStateEvent = Extract<TraceEvent, { k: 'tstate' }>;
export type CpuEvent = Extract<TraceEvent, { k: 'cpu' }>;
export type GStateEvent = Extract<TraceEvent, { k: 'gstate' }>;
export type PRunEvent = Extract<TraceEvent, { k: 'prun' }>;
export type PStateEvent = Extract<TraceEvent, { k: 'pstate' }>;
export type MStateEvent = Extract<TraceEvent, { k: 'mstate' }>;
export type GTakeEvent = Extract<TraceEvent, { k: 'gtake' }>;
export type RunqEvent = Extract<TraceEvent, { k: 'runq' }>;
export type GRunqEvent = Extract<TraceEvent, { k: 'grunq' }>;
export type GCountsEvent = Extract<TraceEvent, { k: 'gcounts' }>;

export interface TraceSink {
  /**
   * One event. The core may refill the same object for its next event of that kind once
   * emit returns (it does so for the most frequent ones, to allocate nothing per event):
   * a sink copies what it keeps, as MemorySink does.
   */
  emit(ev: TraceEvent): void;
  /**
   * false: the sink drops the plain-words reasons (`why` texts), so the core may leave out
   * the ones it would build only for them (it still sends the reasons its rules are named by).
   */
  readonly why?: boolean;
  /** Called once when the run ends. */
  close?(endNs: number): void;
}

/** Keeps every event in memory (tests, explain, the web timeline): a copy of each. */
export class MemorySink implements TraceSink {
  readonly events: TraceEvent[] = [];
  emit(ev: TraceEvent): void {
    // The kind's own fields only (an event object carries every kind's: newEvent).
    const o: Record<string, unknown> = {};
    const src = ev as unknown as Record<string, unknown>;
    for (const key of EVENT_FIELDS[ev.k] as readonly string[]) o[key] = src[key];
    this.events.push(o as TraceEvent);
  }
}

/** Fans one stream out to several sinks. */
export class TeeSink implements TraceSink {
  readonly why: boolean;
  constructor(private readonly sinks: TraceSink[]) {
    this.why = sinks.some((s) => s.why !== false);
  }
  emit(ev: TraceEvent): void {
    for (const s of this.sinks) s.emit(ev);
  }
  close(endNs: number): void {
    for (const s of this.sinks) s.close?.(endNs);
  }
}
