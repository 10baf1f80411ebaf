/**
 * Program operations — the same meaning in every execution model (see PRODUCT.md):
 *
 * - compute(d): burn d of CPU; progresses only while the task's thread is on a CPU.
 * - io(d): a network-style wait. threads/pool: the OS thread blocks; go: the goroutine parks
 *   in the netpoller and its M runs other goroutines.
 * - syscall(d): a blocking system call (file IO, cgo): blocks the OS thread in every model;
 *   under go the P is handed off (entersyscall / sysmon retake / exitsyscall).
 * - sleep(d): a timed wait (d ≤ 0 returns at once and is not a yield, as time.Sleep).
 * - yield(): sched_yield / runtime.Gosched.
 * - spawn(program): a new task (the `go` statement; a new thread; a pool submission).
 * - channels (send, recv, close, select with optional default), mutex lock/unlock, WaitGroup
 *   add/done/wait.
 *
 * Programs are sources of these ops: TypeScript generator functions (`function*` yielding ops
 * built by the helpers below) or op lists compiled from scenario files.
 */
import type { Dur } from './dist.js';
import type { Chan } from './chan.js';
import type { Mutex } from './mutex.js';
import type { WaitGroup } from './waitgroup.js';
import type { Program } from './program.js';

export type SelectCase = { send: Chan; value?: unknown } | { recv: Chan };

export type Op =
  | { op: 'compute'; d: Dur }
  | { op: 'io'; d: Dur }
  | { op: 'syscall'; d: Dur }
  | { op: 'sleep'; d: Dur }
  | { op: 'yield' }
  | { op: 'spawn'; program: Program; name?: string }
  | { op: 'send'; ch: Chan; value?: unknown }
  | { op: 'recv'; ch: Chan }
  | { op: 'close'; ch: Chan }
  | { op: 'select'; cases: SelectCase[]; default: boolean }
  | { op: 'lock'; mu: Mutex }
  | { op: 'unlock'; mu: Mutex }
  | { op: 'wgAdd'; wg: WaitGroup; n: number }
  | { op: 'wgWait'; wg: WaitGroup };

export type OpName = Op['op'];

/** Result of a receive: the value and whether it came from a send (false: closed channel). */
export interface RecvResult {
  value: unknown;
  ok: boolean;
}

/** Result of a select: the index of the case that ran (-1: default), and for receives the value. */
export interface SelectResult {
  index: number;
  value: unknown;
  ok: boolean;
}

// ---- helpers for generator programs: `yield compute(ms(2))` ----
export const compute = (d: Dur): Op => ({ op: 'compute', d });
export const io = (d: Dur): Op => ({ op: 'io', d });
export const syscall = (d: Dur): Op => ({ op: 'syscall', d });
export const sleep = (d: Dur): Op => ({ op: 'sleep', d });
export const yieldOp = (): Op => ({ op: 'yield' });
export const spawn = (program: Program, name?: string): Op => (name === undefined ? { op: 'spawn', program } : { op: 'spawn', program, name });
export const send = (ch: Chan, value?: unknown): Op => ({ op: 'send', ch, value });
export const recv = (ch: Chan): Op => ({ op: 'recv', ch });
export const close = (ch: Chan): Op => ({ op: 'close', ch });
export const select = (cases: SelectCase[], withDefault = false): Op => ({ op: 'select', cases, default: withDefault });
export const lock = (mu: Mutex): Op => ({ op: 'lock', mu });
export const unlock = (mu: Mutex): Op => ({ op: 'unlock', mu });
export const wgAdd = (wg: WaitGroup, n = 1): Op => ({ op: 'wgAdd', wg, n });
export const wgDone = (wg: WaitGroup): Op => ({ op: 'wgAdd', wg, n: -1 });
export const wgWait = (wg: WaitGroup): Op => ({ op: 'wgWait', wg });
