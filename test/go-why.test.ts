/**
 * GoWhy, the cause of a goroutine's Grunnable interval, on a hand-made event sequence with
 * exact times: how long no P was idle, how much of that a P sat in a syscall (held by a
 * blocked M, not yet retaken), how long a P was idle with no M to take it, and how long the M
 * that took it spent on its search and switch costs; and, for a wait the netpoller ended, how
 * long the IO had been ready.
 */
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../src/trace/events.js';
import { GoWhy } from '../src/trace/go-why.js';

const pstate = (t: number, p: number, from: string, to: string): TraceEvent => ({ k: 'pstate', t, p, from, to, m: -1, why: '' });
const gstate = (t: number, g: number, from: string, to: string, late = -1, polled = false): TraceEvent => ({ k: 'gstate', t, g, from, to, p: -1, m: -1, why: '', late, polled });
const gtake = (t: number, g: number): TraceEvent => ({ k: 'gtake', t, g, m: 0 });

function cause(events: TraceEvent[], g: number, leaveAt: number): string {
  const w = new GoWhy();
  for (const ev of events) w.emit(ev);
  return w.leaveRunnable(g, leaveAt);
}

describe('GoWhy', () => {
  const start = [pstate(0, 0, 'Pidle', 'Prunning'), pstate(0, 1, 'Pidle', 'Prunning'), gstate(0, 5, 'Gwaiting', 'Grunnable')];

  it('every P held by an M, running goroutines', () => {
    expect(cause(start, 5, 40_000)).toBe('waited 40us: no idle P for 40us (every P was held by an M)');
  });

  it('part of it with a P in a syscall, then a P idle that no M had taken', () => {
    const evs = [...start, pstate(10_000, 0, 'Prunning', 'Psyscall'), pstate(30_000, 0, 'Psyscall', 'Pidle')];
    expect(cause(evs, 5, 40_000)).toBe(
      'waited 40us: no idle P for 30us (every P was held by an M; for 20us of it at least one was in a syscall and not yet retaken by sysmon); a P was idle for 10us of it (no M had taken it yet: M creation, wake-up or spinning delay)',
    );
  });

  it('all of it with a P in a syscall', () => {
    const evs = [pstate(0, 0, 'Pidle', 'Prunning'), pstate(0, 1, 'Pidle', 'Psyscall'), gstate(0, 5, 'Gwaiting', 'Grunnable')];
    expect(cause(evs, 5, 7_000)).toBe('waited 7us: no idle P for 7us (every P was held by an M, at least one in a syscall and not yet retaken by sysmon)');
  });

  it('run at once, and nothing for a goroutine that was not runnable', () => {
    expect(cause(start, 5, 0)).toBe('run at once');
    expect(cause(start, 6, 10)).toBe('');
  });

  it('the part after an M took it is its search and switch costs, not a wait for a P', () => {
    // P1 goes idle at 10us and stays idle: before the take that is "no M had taken it yet";
    // after the take at 30us, the idle P no longer matters.
    const evs = [...start, pstate(10_000, 1, 'Prunning', 'Pidle'), gtake(30_000, 5)];
    expect(cause(evs, 5, 34_500)).toBe(
      'waited 34.5us: no idle P for 10us (every P was held by an M); a P was idle for 20us of it (no M had taken it yet: M creation, wake-up or spinning delay); then its M\'s search and switch took 4.5us',
    );
    expect(cause([...start, gtake(0, 5)], 5, 1_245)).toBe('waited 1.245us: taken at once; its M\'s search and switch took 1.245us');
    // A take of an earlier runnable interval does not count for the next one.
    expect(cause([...start, gtake(0, 5), gstate(500, 5, 'Grunnable', 'Grunning'), gstate(600, 5, 'Grunning', 'Grunnable')], 5, 2_600)).toBe('waited 2us: no idle P for 2us (every P was held by an M)');
  });

  it('a wait the netpoller ended: how long the IO had been ready, with or without an M blocked in netpoll', () => {
    const w = new GoWhy();
    expect(w.leaveWaiting({ from: 'Gwaiting', late: 2_000, polled: true })).toBe("IO ready 2us before netpoll returned it (an M blocked in netpoll had to wake)");
    expect(w.leaveWaiting({ from: 'Gwaiting', late: 10_225_699, polled: false })).toBe(
      'IO ready 10.226ms before netpoll returned it (no M was blocked in netpoll: it waited for one to poll)',
    );
    // Returned at once, or not a netpoll wake-up: nothing to tell.
    expect(w.leaveWaiting({ from: 'Gwaiting', late: 0, polled: true })).toBe('');
    expect(w.leaveWaiting({ from: 'Gwaiting', late: -1, polled: false })).toBe('');
    // closeRunnable after closeWaiting tells the runnable interval again.
    for (const ev of start) w.emit(ev);
    expect(w.closeWaiting({ from: 'Gwaiting', late: 5, polled: true })).toBe(true);
    expect(w.leaveRunnable(5, 3_000)).toBe('waited 3us: no idle P for 3us (every P was held by an M)');
  });
});
