/**
 * A hardware thread as the kernel sees it: what runs on it, its run queue, and its two events
 * (the current burst or switch, and the next slice check). `phase` says what the CPU does now:
 * 'idle', 'switching' (paying the context-switch cost before `curr` starts), or 'running'.
 */
import type { SimEvent } from '../engine/event-queue.js';
import type { Nanos } from '../engine/time.js';
import type { RunQueue } from './policy/types.js';
import type { Thread } from './thread.js';

export type CpuPhase = 'idle' | 'switching' | 'running';

export class Cpu {
  curr: Thread | null = null;
  phase: CpuPhase = 'idle';
  /** The thread that last ran here: switching back to it costs nothing. */
  last: Thread | null = null;
  /** Preemption requested while it could not happen yet (during a switch, or inside the body). */
  needResched = false;
  needReschedWhy = '';
  /**
   * The next slice check (Kernel.armSlice): its time and the insertion number reserved for it
   * when it was decided. While `slicePending`, the check is decided but kept out of the event
   * queue, because the thread's current burst ends first (or its body is still running).
   */
  sliceAt: Nanos = 0;
  sliceSeq = 0;
  slicePending = false;
  /** When the current phase began. */
  since: Nanos = 0;
  idleNs: Nanos = 0;
  switchNs: Nanos = 0;
  runNs: Nanos = 0;
  switches = 0;

  constructor(
    readonly id: number,
    readonly rq: RunQueue,
    /** Switch done / burst done / interrupted. */
    readonly ev: SimEvent,
    /** Slice check (the tick that could preempt `curr`). */
    readonly sliceEv: SimEvent,
  ) {}

  /** No thread on it and none queued. */
  get idle(): boolean {
    return this.curr === null && this.rq.nr === 0;
  }

  /** Threads on this CPU: the running one plus the queued ones (Linux's nr_running). */
  get nrRunning(): number {
    return this.rq.nr + (this.curr !== null ? 1 : 0);
  }
}
