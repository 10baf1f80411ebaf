/**
 * The engine: virtual time, the event queue and the run loop. It knows nothing about
 * scheduling; hardware, the OS layer and the execution models arm events on it.
 *
 * A run ends when the queue is empty, when a subsystem calls `stop()` (for example when every
 * task has finished), or at a limit (simulated time or event count). A run stopped by a limit
 * is marked `truncated`, and `stopReason` says which limit.
 */
import { EventQueue, SimEvent } from './event-queue.js';
import type { Nanos } from './time.js';

/** Same-instant ordering: lower phases run first. */
export const Phase = {
  /** Hardware: a CPU finishes a burst or a context switch. */
  Cpu: 0,
  /** Timer and IO completions that wake threads. */
  Wake: 1,
  /** Scheduler ticks, slice expiry, bandwidth refills, load balancing. */
  Tick: 2,
  /** New work arriving from outside (open arrivals). */
  Arrival: 3,
  /** Runtime monitors (Go's sysmon). */
  Monitor: 4,
  /** Observation only (schedtrace sampling); never changes state. */
  Observe: 5,
} as const;

export interface RunLimits {
  /** Stop before simulated time passes this (ns). */
  timeNs?: Nanos;
  /** Stop after this many events. */
  events?: number;
}

export type StopReason = 'done' | 'idle' | 'time-limit' | 'event-limit' | 'deadlock' | 'stopped';

export class Engine {
  now: Nanos = 0;
  events = 0;
  readonly queue = new EventQueue();
  stopReason: StopReason = 'idle';
  private stopping = false;
  /** Called after every event when set (the whole-state invariant check in tests). */
  afterEvent: (() => void) | null = null;

  event(h: SimEvent['h'], kind: number, arg: unknown = null, phase = 0): SimEvent {
    return new SimEvent(h, kind, arg, phase);
  }

  /** Arms `ev` at absolute time `t` (moving it if already armed). */
  at(ev: SimEvent, t: Nanos): void {
    if (t < this.now) throw new Error(`Engine.at: time ${t} is before now ${this.now}`);
    this.queue.schedule(ev, t);
  }

  /** Time `ev` is armed for (NaN when it is not armed). */
  timeOf(ev: SimEvent): Nanos {
    return this.queue.timeOf(ev);
  }

  /** An insertion number for an event to be armed later with atReserved (see EventQueue). */
  reserveSeq(): number {
    return this.queue.reserveSeq();
  }

  /** Arms `ev` at `t` with an insertion number taken earlier by reserveSeq(). */
  atReserved(ev: SimEvent, t: Nanos, seq: number): void {
    if (t < this.now) throw new Error(`Engine.atReserved: time ${t} is before now ${this.now}`);
    this.queue.scheduleReserved(ev, t, seq);
  }

  /** Arms `ev` after `delay` ns. */
  after(ev: SimEvent, delay: Nanos): void {
    this.queue.schedule(ev, this.now + delay);
  }

  cancel(ev: SimEvent): boolean {
    return this.queue.cancel(ev);
  }

  /** Ends the run after the current event; `reason` is reported as the stop reason. */
  stop(reason: StopReason = 'stopped'): void {
    this.stopping = true;
    this.stopReason = reason;
  }

  get truncated(): boolean {
    return this.stopReason === 'time-limit' || this.stopReason === 'event-limit';
  }

  run(limits: RunLimits = {}): StopReason {
    const q = this.queue;
    const maxT = limits.timeNs ?? Number.MAX_SAFE_INTEGER;
    const maxEvents = limits.events ?? Number.MAX_SAFE_INTEGER;
    const check = this.afterEvent;
    this.stopping = false;
    this.stopReason = 'idle';
    for (;;) {
      const t = q.peekTime();
      if (t === Infinity) {
        this.stopReason = 'idle';
        break;
      }
      if (t > maxT) {
        this.now = maxT;
        this.stopReason = 'time-limit';
        break;
      }
      if (this.events >= maxEvents) {
        this.stopReason = 'event-limit';
        break;
      }
      const ev = q.pop()!;
      this.now = t;
      this.events++;
      ev.h.fire(ev);
      if (check !== null) check();
      if (this.stopping) break;
    }
    return this.stopReason;
  }
}
