/**
 * The event queue: an indexed binary min-heap with a total order on (time, phase, seq).
 *
 * - `time` is integer nanoseconds.
 * - `phase` orders events that fall on the same nanosecond by kind (a burst that completes
 *   is handled before a timer that fires at the same instant, and so on; see `Phase`).
 * - `seq` is the insertion counter, so equal (time, phase) events run first-in first-out.
 *
 * Phase and seq are packed into one number, `key = phase * 2^44 + seq` (2^44 ≈ 1.7e13 events
 * before seq could reach the phase bits; runs stop long before that), so a comparison is two
 * number compares.
 *
 * Events are objects that their owners allocate once and re-arm: a CPU owns its "burst done"
 * event, a thread its wake-up timer. `pos` is the index in the heap (-1 when not queued), which
 * makes cancel and reschedule O(log n) without lazy-deletion garbage.
 */
import { InvariantError } from './assert.js';

export interface EventHandler {
  fire(ev: SimEvent): void;
}

export class SimEvent {
  t = 0;
  key = 0;
  /** Heap index, or -1 when the event is not queued. */
  pos = -1;
  constructor(
    public h: EventHandler,
    /** Owner-defined discriminator (for example "burst done" vs "slice expired"). */
    public kind: number,
    /** Owner-defined payload. */
    public arg: unknown = null,
    public phase: number = 0,
  ) {}
  get queued(): boolean {
    return this.pos >= 0;
  }
}

const PHASE_SHIFT = 17592186044416; // 2^44

export class EventQueue {
  private a: SimEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.a.length;
  }

  peek(): SimEvent | undefined {
    return this.a[0];
  }

  /** Queues `ev` at time `t`; if it is already queued it is moved (a reschedule). */
  schedule(ev: SimEvent, t: number): void {
    if (ev.pos >= 0) {
      // Move in place: the new key is (t, a fresh seq), so it only rises unless t is earlier.
      const earlier = t < ev.t;
      ev.t = t;
      ev.key = ev.phase * PHASE_SHIFT + this.seq++;
      if (earlier) this.up(ev.pos, ev);
      else this.down(ev.pos, ev);
      return;
    }
    ev.t = t;
    ev.key = ev.phase * PHASE_SHIFT + this.seq++;
    const a = this.a;
    const i = a.length;
    a.push(ev);
    this.up(i, ev);
  }

  /**
   * Takes the next insertion number now, for an event its owner will queue later with
   * scheduleReserved. The event then sorts exactly as if it had been queued now, so an owner
   * may keep an event out of the heap while it cannot be the next to fire.
   */
  reserveSeq(): number {
    return this.seq++;
  }

  /** Queues (or moves) `ev` at time `t` with an insertion number from reserveSeq(). */
  scheduleReserved(ev: SimEvent, t: number, seq: number): void {
    if (ev.pos >= 0) {
      // Move in place; the reserved seq is newer than the one it is queued with.
      const earlier = t < ev.t;
      ev.t = t;
      ev.key = ev.phase * PHASE_SHIFT + seq;
      if (earlier) this.up(ev.pos, ev);
      else this.down(ev.pos, ev);
      return;
    }
    ev.t = t;
    ev.key = ev.phase * PHASE_SHIFT + seq;
    const a = this.a;
    const i = a.length;
    a.push(ev);
    this.up(i, ev);
  }

  /** Removes `ev` if it is queued; returns whether it was. */
  cancel(ev: SimEvent): boolean {
    if (ev.pos < 0) return false;
    this.remove(ev);
    return true;
  }

  pop(): SimEvent | undefined {
    const a = this.a;
    const n = a.length;
    if (n === 0) return undefined;
    const top = a[0]!;
    top.pos = -1;
    const last = a.pop()!;
    if (n > 1) this.down(0, last);
    return top;
  }

  clear(): void {
    for (const e of this.a) e.pos = -1;
    this.a = [];
  }

  private remove(ev: SimEvent): void {
    const a = this.a;
    const i = ev.pos;
    if (a[i] !== ev) throw new InvariantError('EventQueue.remove: event is not where its index says');
    ev.pos = -1;
    const last = a.pop()!;
    if (last === ev) return;
    // Put `last` into the hole and restore the heap in whichever direction it needs.
    if (i > 0 && before(last, a[(i - 1) >> 1]!)) this.up(i, last);
    else this.down(i, last);
  }

  private up(i: number, x: SimEvent): void {
    const a = this.a;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const ap = a[p]!;
      if (!before(x, ap)) break;
      a[i] = ap;
      ap.pos = i;
      i = p;
    }
    a[i] = x;
    x.pos = i;
  }

  private down(i: number, x: SimEvent): void {
    const a = this.a;
    const n = a.length;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      let ac = a[c]!;
      const r = c + 1;
      if (r < n) {
        const ar = a[r]!;
        if (before(ar, ac)) {
          c = r;
          ac = ar;
        }
      }
      if (!before(ac, x)) break;
      a[i] = ac;
      ac.pos = i;
      i = c;
    }
    a[i] = x;
    x.pos = i;
  }
}

function before(x: SimEvent, y: SimEvent): boolean {
  return x.t < y.t || (x.t === y.t && x.key < y.key);
}
