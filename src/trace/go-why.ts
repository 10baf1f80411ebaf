/**
 * Why a goroutine waited while Grunnable, from the Go runtime's events: for how long every P
 * was busy (no idle P: it had to wait for a P to finish or be preempted), and for how long a
 * P sat idle while it waited (the runtime had not yet woken or spun up an M to take it: the
 * wake-up / spinning delay). Used by the Perfetto sink and by `schedlab explain`, so both say
 * the same. O(1) per event: one running integral of "some P is idle" over time.
 */
import type { TraceEvent } from './events.js';
import { formatDuration } from './timeline.js';

export class GoWhy {
  private idleP = 0;
  private readonly seenP: boolean[] = [];
  /** ∫ [idleP > 0] dt up to `mark`. */
  private idleTime = 0;
  private mark = 0;
  private readonly since = new Map<number, { t: number; idle0: number }>();

  private advance(t: number): void {
    if (this.idleP > 0) this.idleTime += t - this.mark;
    this.mark = t;
  }

  /** Feed every Go event (pstate and gstate are used). */
  emit(ev: TraceEvent): void {
    if (ev.k === 'pstate') {
      this.advance(ev.t);
      if (this.seenP[ev.p] !== true) {
        this.seenP[ev.p] = true;
        if (ev.from === 'Pidle') this.idleP++;
      }
      if (ev.from !== ev.to) {
        if (ev.to === 'Pidle') this.idleP++;
        else if (ev.from === 'Pidle') this.idleP--;
      }
    } else if (ev.k === 'gstate') {
      this.advance(ev.t);
      if (ev.to === 'Grunnable') this.since.set(ev.g, { t: ev.t, idle0: this.idleTime });
    }
  }

  /**
   * The cause text of the Grunnable interval goroutine `g` leaves at `t` ('' if it was not
   * runnable). Call before emit() of the gstate event that ends it.
   */
  leaveRunnable(g: number, t: number): string {
    const s = this.since.get(g);
    if (s === undefined) return '';
    this.since.delete(g);
    this.advance(t);
    const total = t - s.t;
    if (total === 0) return 'run at once';
    const idle = this.idleTime - s.idle0;
    const busy = total - idle;
    const parts: string[] = [];
    if (busy > 0) parts.push(`no idle P for ${formatDuration(busy)} (every P was running goroutines)`);
    if (idle > 0) parts.push(`a P was idle for ${formatDuration(idle)} of it (no M had taken it yet: wake-up / spinning delay)`);
    return `waited ${formatDuration(total)}: ${parts.join('; ')}`;
  }
}
