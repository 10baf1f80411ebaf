/**
 * Channels and select with Go's semantics (runtime/chan.go, runtime/select.go):
 *
 * - send: to a waiting receiver directly (even on a buffered channel); else into the buffer if
 *   there is room; else park on sendq. Send on a closed channel panics.
 * - recv: from a waiting sender (unbuffered: its value; buffered and full: the buffer head, and
 *   the sender's value goes to the tail); else from the buffer; else, if closed, the zero
 *   value with ok=false; else park on recvq.
 * - close: readies every receiver (ok=false) and every sender (which panics), in Go's order:
 *   the gList is popped last-in first-out, so the last queued sender is readied first and the
 *   first queued receiver last (and, under go, ends in runnext).
 * - select: cases polled in a uniformly random order (inside-out Fisher–Yates, as selectgo's
 *   pollorder); the first ready case wins; with default and nothing ready, default; else one
 *   waiter per case is queued (in channel order, selectgo's lockorder), and the first
 *   operation to complete one of them wins and removes the others.
 * - nil channels block forever; a select with no channels and no default blocks forever.
 */
import { ProgramPanic, type SyncContext } from './sync.js';
import type { Task } from './task.js';
import { Sudog, WaitQ } from './waitq.js';
import type { RecvResult, SelectCase, SelectResult } from './ops.js';

let chanIds = 0;

export class Chan {
  readonly id: number;
  readonly buf: unknown[] = [];
  closed = false;
  readonly recvq = new WaitQ();
  readonly sendq = new WaitQ();
  /** Number of sends that completed (for metrics). */
  sends = 0;
  constructor(
    readonly name: string,
    readonly cap: number,
    id?: number,
  ) {
    this.id = id ?? ++chanIds;
  }
  get len(): number {
    return this.buf.length;
  }
}

/** One select waiting on several channels; `done` once a case has fired. */
export class SelectWait {
  done = false;
  readonly sudogs: Sudog[] = [];
  constructor(readonly task: Task) {}
}

/** The result delivered to a parked sender when its channel is closed. */
export const SEND_ON_CLOSED = Symbol('send on closed channel');

function finishSelect(s: Sudog): void {
  const sel = s.sel;
  if (sel === null) return;
  sel.done = true;
  for (const o of sel.sudogs) if (o !== s) o.q?.remove(o);
  sel.task.sel = null;
}

function deliverRecv(ctx: SyncContext, s: Sudog, value: unknown, ok: boolean): void {
  s.task.result = s.sel !== null ? ({ index: s.caseIndex, value, ok } satisfies SelectResult) : ({ value, ok } satisfies RecvResult);
  finishSelect(s);
  ctx.ready(s.task, ctx.current, false);
}

function deliverSend(ctx: SyncContext, s: Sudog, closed: boolean): void {
  if (closed) s.task.result = SEND_ON_CLOSED;
  else s.task.result = s.sel !== null ? ({ index: s.caseIndex, value: undefined, ok: true } satisfies SelectResult) : undefined;
  finishSelect(s);
  ctx.ready(s.task, ctx.current, false);
}

/** Returns true if the send completed, false if the task must park. */
export function chanSend(ctx: SyncContext, task: Task, c: Chan | null, value: unknown): boolean {
  if (c === null) {
    task.waitReason = 'chan send (nil chan)';
    return false;
  }
  if (c.closed) throw new ProgramPanic(`send on closed channel ${c.name}`, task);
  const r = c.recvq.dequeue();
  if (r !== null) {
    c.sends++;
    deliverRecv(ctx, r, value, true);
    return true;
  }
  if (c.buf.length < c.cap) {
    c.sends++;
    c.buf.push(value);
    return true;
  }
  c.sendq.enqueue(new Sudog(task, value, null, 0));
  task.waitReason = 'chan send';
  task.waitOn = c.name;
  return false;
}

/** Returns true with task.result set if the receive completed, false if the task must park. */
export function chanRecv(ctx: SyncContext, task: Task, c: Chan | null): boolean {
  if (c === null) {
    task.waitReason = 'chan receive (nil chan)';
    return false;
  }
  const v = tryRecv(ctx, c);
  if (v !== null) {
    task.result = v;
    return true;
  }
  c.recvq.enqueue(new Sudog(task, undefined, null, 0));
  task.waitReason = 'chan receive';
  task.waitOn = c.name;
  return false;
}

/** A receive that does not block: the result, or null if it would block. */
function tryRecv(ctx: SyncContext, c: Chan): RecvResult | null {
  const s = c.sendq.dequeue();
  if (s !== null) {
    let value: unknown;
    if (c.cap === 0) value = s.value;
    else {
      value = c.buf.shift();
      c.buf.push(s.value);
    }
    c.sends++;
    deliverSend(ctx, s, false);
    return { value, ok: true };
  }
  if (c.buf.length > 0) return { value: c.buf.shift(), ok: true };
  if (c.closed) return { value: undefined, ok: false };
  return null;
}

export function chanClose(ctx: SyncContext, task: Task, c: Chan | null): void {
  if (c === null) throw new ProgramPanic('close of nil channel', task);
  if (c.closed) throw new ProgramPanic(`close of closed channel ${c.name}`, task);
  c.closed = true;
  // Dequeue in queue order; a select's first entry to be dequeued wins it (the selectDone CAS
  // in dequeue), so a select waiting twice on this channel is woken by its first entry.
  const glist: Array<[Sudog, boolean]> = [];
  const claimed = new Set<SelectWait>();
  const take = (s: Sudog, isRecv: boolean): void => {
    if (s.sel !== null) {
      if (s.sel.done || claimed.has(s.sel)) return;
      claimed.add(s.sel);
    }
    glist.push([s, isRecv]);
  };
  for (let s = c.recvq.dequeue(); s !== null; s = c.recvq.dequeue()) take(s, true);
  for (let s = c.sendq.dequeue(); s !== null; s = c.sendq.dequeue()) take(s, false);
  // Go pushes each onto a gList and pops from its head: last pushed is readied first.
  for (let i = glist.length - 1; i >= 0; i--) {
    const [s, isRecv] = glist[i]!;
    if (isRecv) deliverRecv(ctx, s, undefined, false);
    else deliverSend(ctx, s, true);
  }
}

/**
 * selectgo. Returns true with task.result (a SelectResult) set if a case or default ran,
 * false if the task must park.
 */
export function chanSelect(ctx: SyncContext, task: Task, cases: SelectCase[], withDefault: boolean): boolean {
  // pollorder: inside-out Fisher–Yates over the non-nil cases.
  const order: number[] = [];
  for (let i = 0; i < cases.length; i++) {
    const cs = cases[i]!;
    const ch = 'send' in cs ? cs.send : cs.recv;
    if ((ch as Chan | null) === null) continue;
    // SIM: one seeded stream for the run's selects; the runtime uses each M's cheaprand.
    const j = ctx.selectRng.int(order.length + 1);
    order.push(order[j]!);
    order[j] = i;
  }
  for (const i of order) {
    const cs = cases[i]!;
    if ('recv' in cs) {
      const v = tryRecv(ctx, cs.recv);
      if (v !== null) {
        task.result = { index: i, value: v.value, ok: v.ok } satisfies SelectResult;
        return true;
      }
    } else {
      const c = cs.send;
      if (c.closed) throw new ProgramPanic(`send on closed channel ${c.name}`, task);
      const r = c.recvq.dequeue();
      if (r !== null) {
        c.sends++;
        deliverRecv(ctx, r, cs.value, true);
        task.result = { index: i, value: undefined, ok: true } satisfies SelectResult;
        return true;
      }
      if (c.buf.length < c.cap) {
        c.sends++;
        c.buf.push(cs.value);
        task.result = { index: i, value: undefined, ok: true } satisfies SelectResult;
        return true;
      }
    }
  }
  if (withDefault) {
    task.result = { index: -1, value: undefined, ok: false } satisfies SelectResult;
    return true;
  }
  if (order.length === 0) {
    task.waitReason = 'select (no cases)';
    return false;
  }
  // Pass 2: enqueue on every channel, in lock order (by channel id).
  const sel = new SelectWait(task);
  const lockorder = [...order].sort((a, b) => chanOf(cases[a]!).id - chanOf(cases[b]!).id || a - b);
  for (const i of lockorder) {
    const cs = cases[i]!;
    const s = new Sudog(task, 'send' in cs ? cs.value : undefined, sel, i);
    sel.sudogs.push(s);
    if ('send' in cs) cs.send.sendq.enqueue(s);
    else cs.recv.recvq.enqueue(s);
  }
  task.sel = sel;
  task.waitReason = 'select';
  task.waitOn = lockorder.map((i) => chanOf(cases[i]!).name).join(', ');
  return false;
}

function chanOf(cs: SelectCase): Chan {
  return 'send' in cs ? cs.send : cs.recv;
}
