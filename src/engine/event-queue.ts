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
 *
 * The sort keys live in the heap itself, in two Float64Arrays parallel to the array of events,
 * not on the event objects: times and keys pass 2^31 early in a run, and V8 keeps such numbers
 * in object fields as separate heap boxes, so comparing two events through their fields would
 * load four extra objects. Sifting reads only the typed arrays, and writes `pos` of the events
 * it moves. An event's own time is read from the heap too (`timeOf`).
 */
import { InvariantError } from './assert.js';

export interface EventHandler {
  fire(ev: SimEvent): void;
}

export class SimEvent {
  /** Heap index, or -1 when the event is not queued (its time: EventQueue.timeOf). */
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
  /** The heap: events, and their (time, key) in parallel arrays; n entries used. */
  private a: SimEvent[] = [];
  private tk = new Float64Array(64);
  private kk = new Float64Array(64);
  private n = 0;
  private seq = 0;

  get size(): number {
    return this.n;
  }

  peek(): SimEvent | undefined {
    return this.n > 0 ? this.a[0] : undefined;
  }

  /** Time `ev` is queued for (NaN when it is not queued). */
  timeOf(ev: SimEvent): number {
    return ev.pos >= 0 ? this.tk[ev.pos]! : NaN;
  }

  /** Time of the earliest event (Infinity when empty). */
  peekTime(): number {
    return this.n > 0 ? this.tk[0]! : Infinity;
  }

  /** Queues `ev` at time `t`; if it is already queued it is moved (a reschedule). */
  schedule(ev: SimEvent, t: number): void {
    const key = ev.phase * PHASE_SHIFT + this.seq++;
    let i = ev.pos;
    if (i >= 0) {
      // Move in place: the new key is (t, a newer seq), so it only rises unless t is earlier.
      const earlier = t < this.tk[i]!;
      this.tk[i] = t;
      this.kk[i] = key;
      if (earlier) this.up(i, ev);
      else this.down(i, ev, i);
      return;
    }
    i = this.n++;
    if (i === this.tk.length) this.grow();
    this.tk[i] = t;
    this.kk[i] = key;
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

  /**
   * Queues (or moves) `ev` at time `t` with an insertion number from reserveSeq(). The same
   * body as schedule(), written out twice on purpose: a shared helper taking (t, key) would
   * box both doubles on every call it is not inlined into.
   */
  scheduleReserved(ev: SimEvent, t: number, seq: number): void {
    const key = ev.phase * PHASE_SHIFT + seq;
    let i = ev.pos;
    if (i >= 0) {
      const earlier = t < this.tk[i]!;
      this.tk[i] = t;
      this.kk[i] = key;
      if (earlier) this.up(i, ev);
      else this.down(i, ev, i);
      return;
    }
    i = this.n++;
    if (i === this.tk.length) this.grow();
    this.tk[i] = t;
    this.kk[i] = key;
    this.up(i, ev);
  }

  /*
   * The sift functions take the moving entry's key from a slot of the key arrays (`src`), not
   * as arguments: a double passed to a call that is not inlined is boxed, one allocation per
   * heap operation.
   */

  private grow(): void {
    const tk = new Float64Array(this.tk.length * 2);
    const kk = new Float64Array(this.kk.length * 2);
    tk.set(this.tk);
    kk.set(this.kk);
    this.tk = tk;
    this.kk = kk;
  }

  /** Removes `ev` if it is queued; returns whether it was. */
  cancel(ev: SimEvent): boolean {
    if (ev.pos < 0) return false;
    this.remove(ev);
    return true;
  }

  pop(): SimEvent | undefined {
    const n = this.n;
    if (n === 0) return undefined;
    const a = this.a;
    const top = a[0]!;
    top.pos = -1;
    this.n = n - 1;
    // Slots past n keep stale references to events that their owners hold anyway.
    if (n > 1) this.down(0, a[n - 1]!, n - 1);
    return top;
  }

  clear(): void {
    for (let i = 0; i < this.n; i++) this.a[i]!.pos = -1;
    this.a = [];
    this.n = 0;
  }

  private remove(ev: SimEvent): void {
    const a = this.a;
    const i = ev.pos;
    if (a[i] !== ev) throw new InvariantError('EventQueue.remove: event is not where its index says');
    ev.pos = -1;
    const last = --this.n;
    const x = a[last]!;
    if (x === ev) return;
    // Put the last entry into the hole and restore the heap in whichever direction it needs.
    const tk = this.tk;
    const kk = this.kk;
    if (i > 0) {
      const p = (i - 1) >> 1;
      const t = tk[last]!;
      const tp = tk[p]!;
      if (t < tp || (t === tp && kk[last]! < kk[p]!)) {
        tk[i] = t;
        kk[i] = kk[last]!;
        this.up(i, x);
        return;
      }
    }
    this.down(i, x, last);
  }

  /** Sifts `x`, whose key is already in slot i, up from i. */
  private up(i: number, x: SimEvent): void {
    const a = this.a;
    const tk = this.tk;
    const kk = this.kk;
    const t = tk[i]!;
    const k = kk[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const tp = tk[p]!;
      if (t > tp || (t === tp && k > kk[p]!)) break;
      const ap = a[p]!;
      a[i] = ap;
      tk[i] = tp;
      kk[i] = kk[p]!;
      ap.pos = i;
      i = p;
    }
    a[i] = x;
    tk[i] = t;
    kk[i] = k;
    x.pos = i;
  }

  /** Sifts `x`, whose key is in slot src (src ≥ i, or unused), down from the hole at i. */
  private down(i: number, x: SimEvent, src: number): void {
    const a = this.a;
    const tk = this.tk;
    const kk = this.kk;
    const t = tk[src]!;
    const k = kk[src]!;
    const n = this.n;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      let tc = tk[c]!;
      let kc = kk[c]!;
      const r = c + 1;
      if (r < n) {
        const tr = tk[r]!;
        if (tr < tc || (tr === tc && kk[r]! < kc)) {
          c = r;
          tc = tr;
          kc = kk[r]!;
        }
      }
      if (t < tc || (t === tc && k < kc)) break;
      const ac = a[c]!;
      a[i] = ac;
      tk[i] = tc;
      kk[i] = kc;
      ac.pos = i;
      i = c;
    }
    a[i] = x;
    tk[i] = t;
    kk[i] = k;
    x.pos = i;
  }
}
