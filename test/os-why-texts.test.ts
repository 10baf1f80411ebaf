/**
 * The kernel's reason texts (WhyTexts): built once and handed out as the same string objects
 * (a trace sink interns them by identity), through caches keyed by the last reason and by
 * array rows. Every cached path must give exactly the text built from scratch, whatever the
 * order of the calls.
 */
import { describe, expect, it } from 'vitest';
import { WhyTexts } from '../src/os/kernel.js';

function placementFromScratch(cpu: number, prev: number, idle: boolean): string {
  if (prev < 0) return idle ? `placed on cpu ${cpu} (idle)` : `placed on cpu ${cpu}`;
  if (cpu !== prev) return `placed on idle cpu ${cpu} (its previous cpu ${prev} is busy)`;
  return idle ? `placed on its previous cpu ${prev} (idle)` : `placed on its previous cpu ${prev} (no idle cpu)`;
}

describe('WhyTexts', () => {
  it('gives a wake-up reason joined with its placement, the same object on every repeat', () => {
    const w = new WhyTexts();
    const whys = ['timer: IO wait done', 'woken by T3 worker', 'timer: sleep done'];
    const seen = new Map<string, string>();
    let calls = 0;
    // Reasons interleaved and repeated (the last-reason cache hits and misses), every CPU,
    // previous CPU (-1: never ran) and idle flag.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4 * 5 * 2 * whys.length; i++) {
        const why = whys[(i + round) % whys.length]!;
        const cpu = i % 4;
        const prev = (Math.floor(i / 4) % 5) - 1;
        const idle = Math.floor(i / 20) % 2 === 0;
        const text = w.woken(why, cpu, prev, idle);
        expect(text).toBe(`${why}; ${placementFromScratch(cpu, prev, idle)}`);
        const key = `${why}|${cpu}|${prev}|${idle}`;
        const first = seen.get(key);
        if (first === undefined) seen.set(key, text);
        else expect(Object.is(first, text), key).toBe(true);
        calls++;
      }
    }
    expect(calls).toBe(360);
    expect(seen.size).toBe(whys.length * 4 * 5 * 2);
  });

  it('gives timer and dispatch texts, the same object on every repeat', () => {
    const w = new WhyTexts();
    const a = w.timerDone('IO wait');
    expect(a).toBe('timer: IO wait done');
    expect(w.timerDone('sleep')).toBe('timer: sleep done');
    // Back to the first reason: from the table, not the last-reason cache.
    expect(Object.is(w.timerDone('IO wait'), a)).toBe(true);
    expect(Object.is(w.timerDone('IO wait'), a)).toBe(true);
    expect(w.dispatched(3)).toBe('dispatched on cpu 3');
    expect(Object.is(w.dispatched(3), w.dispatched(3))).toBe(true);
  });
});
