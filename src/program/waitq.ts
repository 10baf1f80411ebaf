/**
 * Wait queues of "sudogs" (a task waiting on a channel, as Go's runtime names them): a doubly
 * linked FIFO so a select that completes on one channel can remove its entries from the others
 * in O(1).
 */
import type { Task } from './task.js';
import type { SelectWait } from './chan.js';

export class Sudog {
  prev: Sudog | null = null;
  next: Sudog | null = null;
  q: WaitQ | null = null;
  constructor(
    readonly task: Task,
    /** Value to send (send waiters). */
    readonly value: unknown,
    /** The select this entry belongs to, if any. */
    readonly sel: SelectWait | null,
    readonly caseIndex: number,
  ) {}
}

export class WaitQ {
  head: Sudog | null = null;
  tail: Sudog | null = null;
  size = 0;

  enqueue(s: Sudog): void {
    s.q = this;
    s.prev = this.tail;
    s.next = null;
    if (this.tail !== null) this.tail.next = s;
    else this.head = s;
    this.tail = s;
    this.size++;
  }

  pushFront(s: Sudog): void {
    s.q = this;
    s.next = this.head;
    s.prev = null;
    if (this.head !== null) this.head.prev = s;
    else this.tail = s;
    this.head = s;
    this.size++;
  }

  remove(s: Sudog): void {
    if (s.q !== this) return;
    if (s.prev !== null) s.prev.next = s.next;
    else this.head = s.next;
    if (s.next !== null) s.next.prev = s.prev;
    else this.tail = s.prev;
    s.prev = s.next = null;
    s.q = null;
    this.size--;
  }

  dequeue(): Sudog | null {
    const s = this.head;
    if (s === null) return null;
    this.remove(s);
    return s;
  }

  *[Symbol.iterator](): IterableIterator<Sudog> {
    for (let s = this.head; s !== null; s = s.next) yield s;
  }
}
