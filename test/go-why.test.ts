/**
 * GoWhy, the cause of a goroutine's Grunnable interval, on a hand-made event sequence with
 * exact times: how long no P was idle, how much of that a P sat in a syscall (held by a
 * blocked M, not yet retaken), and how long a P was idle with no M to take it.
 */
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../src/trace/events.js';
import { GoWhy } from '../src/trace/go-why.js';

const pstate = (t: number, p: number, from: string, to: string): TraceEvent => ({ k: 'pstate', t, p, from, to, m: -1, why: '' });
const gstate = (t: number, g: number, from: string, to: string): TraceEvent => ({ k: 'gstate', t, g, from, to, p: -1, m: -1, why: '' }) as unknown as TraceEvent;

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
      'waited 40us: no idle P for 30us (every P was held by an M; for 20us of it at least one was in a syscall and not yet retaken by sysmon); a P was idle for 10us of it (no M had taken it yet: wake-up / spinning delay)',
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
});
