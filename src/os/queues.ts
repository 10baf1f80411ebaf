/**
 * Run-queue data structures shared by the policies: a FIFO ring of threads (fifo, rr, and the
 * pool model's task queue use the same idea) and an indexed binary heap of threads with a
 * policy-supplied order (cfs by vruntime, eevdf by virtual deadline). Both keep each thread's
 * position in `Thread.qpos`, so removing an arbitrary queued thread (migration, throttling) is
 * cheap, and both break ties by insertion sequence (`Thread.qseq`) so order is total.
 */
import { InvariantError } from '../engine/assert.js';
import type { Thread } from './thread.js';

/** FIFO queue of threads with O(1) push/shift and O(n) removal from the middle (rare). */
export class ThreadRing {
  private buf: (Thread | null)[] = new Array<Thread | null>(16).fill(null);
  private head = 0;
  private n = 0;

  get size(): number {
    return this.n;
  }

  push(t: Thread): void {
    if (this.n === this.buf.length) this.grow();
    this.buf[(this.head + this.n) & (this.buf.length - 1)] = t;
    this.n++;
  }

  unshift(t: Thread): void {
    if (this.n === this.buf.length) this.grow();
    this.head = (this.head - 1) & (this.buf.length - 1);
    this.buf[this.head] = t;
    this.n++;
  }

  shift(): Thread | null {
    if (this.n === 0) return null;
    const t = this.buf[this.head]!;
    this.buf[this.head] = null;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.n--;
    return t;
  }

  peek(): Thread | null {
    return this.n === 0 ? null : this.buf[this.head]!;
  }

  at(i: number): Thread {
    return this.buf[(this.head + i) & (this.buf.length - 1)]!;
  }

  remove(t: Thread): boolean {
    const mask = this.buf.length - 1;
    for (let i = 0; i < this.n; i++) {
      if (this.buf[(this.head + i) & mask] === t) {
        for (let j = i; j < this.n - 1; j++) {
          this.buf[(this.head + j) & mask] = this.buf[(this.head + j + 1) & mask]!;
        }
        this.buf[(this.head + this.n - 1) & mask] = null;
        this.n--;
        return true;
      }
    }
    return false;
  }

  *[Symbol.iterator](): IterableIterator<Thread> {
    for (let i = 0; i < this.n; i++) yield this.at(i);
  }

  private grow(): void {
    const old = this.buf;
    const nb = new Array<Thread | null>(old.length * 2).fill(null);
    for (let i = 0; i < this.n; i++) nb[i] = old[(this.head + i) & (old.length - 1)]!;
    this.buf = nb;
    this.head = 0;
  }
}

/** Indexed min-heap of threads; `less` must be a strict total order (tie-break on qseq). */
export class ThreadHeap {
  readonly a: Thread[] = [];
  constructor(private readonly less: (x: Thread, y: Thread) => boolean) {}

  get size(): number {
    return this.a.length;
  }

  peek(): Thread | null {
    return this.a.length === 0 ? null : this.a[0]!;
  }

  push(t: Thread): void {
    if (t.qpos >= 0) throw new InvariantError(`ThreadHeap.push: thread ${t.id} is already queued`);
    this.a.push(t);
    this.up(this.a.length - 1, t);
  }

  pop(): Thread | null {
    const a = this.a;
    if (a.length === 0) return null;
    const top = a[0]!;
    top.qpos = -1;
    const last = a.pop()!;
    if (a.length > 0) this.down(0, last);
    return top;
  }

  remove(t: Thread): void {
    const a = this.a;
    const i = t.qpos;
    if (!(i >= 0 && a[i] === t)) throw new InvariantError(`ThreadHeap.remove: thread ${t.id} is not in this heap`);
    t.qpos = -1;
    const last = a.pop()!;
    if (last === t) return;
    if (i > 0 && this.less(last, a[(i - 1) >> 1]!)) this.up(i, last);
    else this.down(i, last);
  }

  /** Re-establishes order after t's key changed. */
  update(t: Thread): void {
    this.remove(t);
    this.push(t);
  }

  private up(i: number, x: Thread): void {
    const a = this.a;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const ap = a[p]!;
      if (!this.less(x, ap)) break;
      a[i] = ap;
      ap.qpos = i;
      i = p;
    }
    a[i] = x;
    x.qpos = i;
  }

  private down(i: number, x: Thread): void {
    const a = this.a;
    const n = a.length;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      let ac = a[c]!;
      const r = c + 1;
      if (r < n && this.less(a[r]!, ac)) {
        c = r;
        ac = a[r]!;
      }
      if (!this.less(ac, x)) break;
      a[i] = ac;
      ac.qpos = i;
      i = c;
    }
    a[i] = x;
    x.qpos = i;
  }
}
