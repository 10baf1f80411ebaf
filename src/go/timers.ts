/**
 * Per-P timers (runtime/time.go, Go 1.23+ design): each P keeps a heap of timers ordered by
 * `when`. time.Sleep adds one to the current P's heap after the goroutine has parked
 * (resetForSleep). Timers run only when someone checks that heap: the P's own findRunnable
 * (step 3), a thief in the last round of stealWork, or after the blocked netpoller wakes at
 * the earliest `when` over all Ps. A fired sleep timer readies its goroutine into runnext of
 * the P that ran it (goroutineReady → goready).
 *
 * SIM: a binary heap instead of the runtime's 4-ary heap (same order: (when, insertion)); no
 * zombie/modified timers (the model never stops or resets a timer before it fires).
 */
import type { Nanos } from '../engine/time.js';
import type { G } from './runtime2.js';

// The heap holds the sleeping Gs themselves, keyed by (sleepUntil, timerSeq): no timer objects.
type Timer = G;

const before = (a: Timer, b: Timer): boolean => a.sleepUntil < b.sleepUntil || (a.sleepUntil === b.sleepUntil && a.timerSeq < b.timerSeq);

export class TimerHeap {
  private readonly a: Timer[] = [];
  private seq = 0;

  get size(): number {
    return this.a.length;
  }

  /** The earliest `when`, or 0 when empty (the runtime's wakeTime convention). */
  wakeTime(): Nanos {
    return this.a.length === 0 ? 0 : this.a[0]!.sleepUntil;
  }

  /** Adds gp's sleep timer (gp.sleepUntil is its `when`); returns true if it is now the earliest. */
  add(gp: G): boolean {
    gp.timerSeq = this.seq++;
    const t: Timer = gp;
    const a = this.a;
    let i = a.length;
    a.push(t);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(t, a[p]!)) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = t;
    return i === 0;
  }

  /** Removes and returns the Gs of every timer with when ≤ now, earliest first. */
  expired(now: Nanos, out: G[]): void {
    const a = this.a;
    while (a.length > 0 && a[0]!.sleepUntil <= now) {
      out.push(a[0]!);
      const last = a.pop()!;
      if (a.length === 0) break;
      let i = 0;
      const n = a.length;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && before(a[c + 1]!, a[c]!)) c++;
        if (!before(a[c]!, last)) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
  }

  /** Gs with pending timers (for checks and deadlock reports). */
  *gs(): IterableIterator<G> {
    yield* this.a;
  }
}
