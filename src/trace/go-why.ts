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
  /** By goroutine id: when it became Grunnable (-1: it is not) and idleTime then. */
  private readonly sinceT: number[] = [];
  private readonly sinceIdle: number[] = [];

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
      if (ev.to === 'Grunnable') {
        while (this.sinceT.length <= ev.g) {
          this.sinceT.push(-1);
          this.sinceIdle.push(0);
        }
        this.sinceT[ev.g] = ev.t;
        this.sinceIdle[ev.g] = this.idleTime;
      }
    }
  }

  /**
   * The cause text of the Grunnable interval goroutine `g` leaves at `t` ('' if it was not
   * runnable). Call before emit() of the gstate event that ends it.
   */
  leaveRunnable(g: number, t: number): string {
    const since = g < this.sinceT.length ? this.sinceT[g]! : -1;
    if (since < 0) return '';
    this.sinceT[g] = -1;
    this.advance(t);
    const total = t - since;
    if (total === 0) return 'run at once';
    const idle = this.idleTime - this.sinceIdle[g]!;
    const busy = total - idle;
    let text = `waited ${formatDuration(total)}: `;
    if (busy > 0) text += `no idle P for ${formatDuration(busy)} (every P was running goroutines)`;
    if (idle > 0) text += `${busy > 0 ? '; ' : ''}a P was idle for ${formatDuration(idle)} of it (no M had taken it yet: wake-up / spinning delay)`;
    return text;
  }
}
