/**
 * The engine: event order (time, phase, seq), cancel and reschedule, run limits, the seeded
 * random streams (pinned outputs) and duration parsing/formatting.
 */
import { describe, expect, it } from 'vitest';
import { Engine, Phase } from '../src/engine/engine.js';
import { EventQueue, SimEvent, type EventHandler } from '../src/engine/event-queue.js';
import { hash32, Rng } from '../src/engine/rng.js';
import { DurationError, formatDuration, parseDuration } from '../src/engine/time.js';

const nop: EventHandler = { fire: () => undefined };

describe('EventQueue order', () => {
  it('pops by time, then phase, then insertion order', () => {
    const q = new EventQueue();
    // [time, phase, label]; inserted in this order.
    const spec: Array<[number, number, string]> = [
      [5, 2, 'a'],
      [5, 0, 'b'],
      [1, 3, 'c'],
      [5, 2, 'd'],
      [5, 0, 'e'],
      [0, 5, 'f'],
      [1, 3, 'g'],
      [9, 0, 'h'],
      [5, 1, 'i'],
    ];
    for (const [t, phase, label] of spec) q.schedule(new SimEvent(nop, 0, label, phase), t);
    const out: string[] = [];
    for (let t = q.peekTime(), e = q.pop(); e !== undefined; t = q.peekTime(), e = q.pop()) out.push(`${t}/${e.phase}/${e.arg as string}`);
    expect(out).toEqual(['0/5/f', '1/3/c', '1/3/g', '5/0/b', '5/0/e', '5/1/i', '5/2/a', '5/2/d', '9/0/h']);
  });

  it('keeps a total order over many random insertions (checked against a sort)', () => {
    const q = new EventQueue();
    const rng = new Rng(7);
    const evs: SimEvent[] = [];
    const timeOf = new Map<SimEvent, number>();
    const at = (e: SimEvent, t: number): void => {
      timeOf.set(e, t);
      q.schedule(e, t);
      expect(q.timeOf(e)).toBe(t);
    };
    for (let i = 0; i < 2000; i++) {
      const e = new SimEvent(nop, 0, i, rng.int(4));
      evs.push(e);
      at(e, rng.int(50));
    }
    // Cancel every 7th, reschedule every 5th (a reschedule takes a new seq).
    let order = 0;
    const seqOf = new Map<SimEvent, number>();
    for (const e of evs) seqOf.set(e, order++);
    for (let i = 0; i < evs.length; i += 7) expect(q.cancel(evs[i]!)).toBe(true);
    for (let i = 0; i < evs.length; i += 5) {
      if (i % 7 === 0) continue;
      at(evs[i]!, rng.int(50));
      seqOf.set(evs[i]!, order++);
    }
    const expected = evs
      .filter((_, i) => i % 7 !== 0)
      .sort((x, y) => timeOf.get(x)! - timeOf.get(y)! || x.phase - y.phase || seqOf.get(x)! - seqOf.get(y)!);
    const got: SimEvent[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) got.push(e);
    expect(got.map((e) => e.arg)).toEqual(expected.map((e) => e.arg));
    expect(q.size).toBe(0);
  });

  it('cancel removes a queued event once; queued/pos track membership', () => {
    const q = new EventQueue();
    const a = new SimEvent(nop, 0, 'a');
    const b = new SimEvent(nop, 0, 'b');
    q.schedule(a, 10);
    q.schedule(b, 20);
    expect(a.queued).toBe(true);
    expect(q.cancel(a)).toBe(true);
    expect(a.queued).toBe(false);
    expect(q.cancel(a)).toBe(false);
    expect(q.size).toBe(1);
    expect(q.pop()).toBe(b);
    expect(b.queued).toBe(false);
    expect(q.pop()).toBeUndefined();
  });

  it('schedule of a queued event moves it (reschedule) instead of duplicating it', () => {
    const q = new EventQueue();
    const a = new SimEvent(nop, 0, 'a');
    const b = new SimEvent(nop, 0, 'b');
    q.schedule(a, 10);
    q.schedule(b, 20);
    q.schedule(a, 30);
    expect(q.size).toBe(2);
    expect(q.pop()).toBe(b);
    expect(q.timeOf(a)).toBe(30);
    expect(q.peekTime()).toBe(30);
    expect(q.pop()).toBe(a);
    expect(q.timeOf(a)).toBeNaN();
    // Moving earlier works too, and a same-time reschedule goes behind earlier insertions.
    const c = new SimEvent(nop, 0, 'c');
    const d = new SimEvent(nop, 0, 'd');
    q.schedule(c, 5);
    q.schedule(d, 5);
    q.schedule(c, 5);
    expect(q.pop()).toBe(d);
    expect(q.pop()).toBe(c);
  });
});

describe('EventQueue reserved insertion numbers', () => {
  it('an event queued later with a reserved seq sorts as if it had been queued at reservation', () => {
    const q = new EventQueue();
    const a = new SimEvent(nop, 0, 'a');
    const b = new SimEvent(nop, 0, 'b');
    const c = new SimEvent(nop, 0, 'c');
    q.schedule(a, 10);
    const seq = q.reserveSeq(); // b's place: after a, before c
    q.schedule(c, 10);
    q.scheduleReserved(b, 10, seq);
    expect([q.pop(), q.pop(), q.pop()].map((e) => e!.arg)).toEqual(['a', 'b', 'c']);
  });

  it('scheduleReserved moves a queued event in place, earlier or later', () => {
    const q = new EventQueue();
    const evs = Array.from({ length: 20 }, (_, i) => new SimEvent(nop, 0, i));
    const time = evs.map((_, i) => (i * 7) % 13);
    const seq = evs.map((_, i) => i);
    evs.forEach((e, i) => q.schedule(e, time[i]!));
    // Move 5 to time 0 and 0 to time 100, each with a newly reserved seq (20, 21).
    q.scheduleReserved(evs[5]!, 0, q.reserveSeq());
    q.scheduleReserved(evs[0]!, 100, q.reserveSeq());
    time[5] = 0;
    seq[5] = 20;
    time[0] = 100;
    seq[0] = 21;
    const expected = evs.map((_, i) => i).sort((x, y) => time[x]! - time[y]! || seq[x]! - seq[y]!);
    const out: unknown[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.arg);
    expect(out).toEqual(expected);
    expect(out.slice(0, 2)).toEqual([13, 5]);
  });
});

describe('Engine', () => {
  function recorder(engine: Engine, log: string[]): EventHandler {
    return { fire: (ev) => void log.push(`${engine.now}:${ev.arg as string}`) };
  }

  it('runs events in (time, phase, seq) order and advances now', () => {
    const e = new Engine();
    const log: string[] = [];
    const h = recorder(e, log);
    e.at(e.event(h, 0, 'tick', Phase.Tick), 10);
    e.at(e.event(h, 0, 'wake', Phase.Wake), 10);
    e.at(e.event(h, 0, 'cpu', Phase.Cpu), 10);
    e.at(e.event(h, 0, 'early', Phase.Observe), 3);
    expect(e.run()).toBe('idle');
    expect(log).toEqual(['3:early', '10:cpu', '10:wake', '10:tick']);
    expect(e.events).toBe(4);
    expect(e.now).toBe(10);
    expect(e.truncated).toBe(false);
  });

  it('cancel prevents a pending event from firing; after() is relative to now', () => {
    const e = new Engine();
    const log: string[] = [];
    const h = recorder(e, log);
    const burst = e.event(h, 0, 'burst');
    const preempt: EventHandler = {
      fire: () => {
        log.push(`${e.now}:preempt`);
        expect(e.cancel(burst)).toBe(true);
        e.after(burst, 7);
      },
    };
    e.at(burst, 20);
    e.at(e.event(preempt, 0, null), 5);
    e.run();
    expect(log).toEqual(['5:preempt', '12:burst']);
  });

  it('refuses to schedule in the past', () => {
    const e = new Engine();
    const h: EventHandler = { fire: () => e.at(e.event(nop, 0), 1) };
    e.at(e.event(h, 0), 5);
    expect(() => e.run()).toThrow(/before now/);
  });

  it('a time limit stops before the first later event and marks the run truncated', () => {
    const e = new Engine();
    const log: string[] = [];
    const ev = e.event({ fire: () => void (log.push(String(e.now)), e.after(ev, 10)) }, 0);
    e.at(ev, 0);
    expect(e.run({ timeNs: 35 })).toBe('time-limit');
    expect(log).toEqual(['0', '10', '20', '30']);
    expect(e.now).toBe(35);
    expect(e.truncated).toBe(true);
    expect(e.stopReason).toBe('time-limit');
  });

  it('an event at exactly the time limit still runs', () => {
    const e = new Engine();
    const log: number[] = [];
    e.at(e.event({ fire: () => void log.push(e.now) }, 0), 35);
    expect(e.run({ timeNs: 35 })).toBe('idle');
    expect(log).toEqual([35]);
    expect(e.truncated).toBe(false);
  });

  it('an event limit stops after that many events and marks the run truncated', () => {
    const e = new Engine();
    const ev = e.event({ fire: () => e.after(ev, 1) }, 0);
    e.at(ev, 0);
    expect(e.run({ events: 100 })).toBe('event-limit');
    expect(e.events).toBe(100);
    expect(e.now).toBe(99);
    expect(e.truncated).toBe(true);
  });

  it('stop() ends the run after the current event with its reason, not truncated', () => {
    const e = new Engine();
    let n = 0;
    const ev = e.event({ fire: () => (++n === 3 ? e.stop('done') : e.after(ev, 1)) }, 0);
    e.at(ev, 0);
    expect(e.run()).toBe('done');
    expect(n).toBe(3);
    expect(e.truncated).toBe(false);
  });

  it('afterEvent runs after every event', () => {
    const e = new Engine();
    const seen: number[] = [];
    e.afterEvent = () => void seen.push(e.now);
    for (const t of [3, 1, 2]) e.at(e.event(nop, 0), t);
    e.run();
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe('Rng', () => {
  it('is xoshiro128** (reference vector for state 1,2,3,4)', () => {
    const r = new Rng(0);
    Object.assign(r as unknown as Record<string, number>, { a: 1, b: 2, c: 3, d: 4 });
    const out = Array.from({ length: 10 }, () => r.nextU32());
    // The published first outputs of xoshiro128** from state {1, 2, 3, 4}.
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804]);
  });

  it('pins the first 8 outputs for a few seeds (splitmix32 seeding)', () => {
    // These were cross-checked against an independent BigInt implementation of splitmix32 +
    // xoshiro128**; any change here changes every seeded run.
    const golden: Record<number, number[]> = {
      0: [1789933344, 44971166, 2521387044, 3848737593, 1138324114, 749234105, 1899511038, 1995189375],
      1: [393288148, 2174103013, 3814759091, 2092745082, 1865176206, 2179171167, 3207394750, 2858353069],
      42: [660444221, 3652823732, 77672526, 910233633, 2297337756, 3786072677, 3123505064, 1891482476],
      0xdeadbeef: [3842467093, 879304004, 3694663928, 2788030634, 934155191, 702880729, 3422146658, 169081873],
    };
    for (const [seed, want] of Object.entries(golden)) {
      const r = new Rng(Number(seed));
      expect(Array.from({ length: 8 }, () => r.nextU32())).toEqual(want);
    }
  });

  it('forks by name from the seed, not the position', () => {
    const a = new Rng(1);
    const f1 = a.fork('steal');
    a.nextU32();
    a.nextU32();
    const f2 = a.fork('steal');
    const x = Array.from({ length: 4 }, () => f1.nextU32());
    expect(Array.from({ length: 4 }, () => f2.nextU32())).toEqual(x);
    expect(x).toEqual([4090785679, 1347040292, 3356334092, 3010795943]);
    expect(hash32('steal', 1)).toBe(3359940471);
    // Different names give different streams.
    expect(new Rng(1).fork('workload').nextU32()).not.toBe(x[0]);
  });

  it('nextFloat is in [0,1) and int(n) in [0,n) and roughly uniform', () => {
    const r = new Rng(3);
    const counts = new Array<number>(10).fill(0);
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < 20000; i++) {
      const f = r.nextFloat();
      lo = Math.min(lo, f);
      hi = Math.max(hi, f);
      counts[r.int(10)]!++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    // 2000 expected per bucket; 5 standard deviations (≈ 212) is a safe deterministic bound.
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(212);
    expect(r.int(1)).toBe(0);
    expect(r.int(0)).toBe(0);
  });
});

describe('durations', () => {
  it('parses units to integer nanoseconds', () => {
    const cases: Array<[string, number]> = [
      ['0', 0],
      ['10ms', 10_000_000],
      ['250us', 250_000],
      ['250µs', 250_000],
      ['250μs', 250_000],
      ['1.5s', 1_500_000_000],
      ['7ns', 7],
      [' 3 ms ', 3_000_000],
      ['2m', 120_000_000_000],
      ['1h', 3_600_000_000_000],
      ['0.0004ms', 400],
      ['1e3us', 1_000_000],
      ['1.0000004us', 1_000],
      ['10MS', 10_000_000],
    ];
    for (const [text, ns] of cases) expect(parseDuration(text), text).toBe(ns);
  });

  it('rejects what is not a duration with a message saying what is allowed', () => {
    expect(() => parseDuration('10')).toThrow(DurationError);
    expect(() => parseDuration('10')).toThrow(/no unit.*"10ms"/);
    expect(() => parseDuration('-1ms')).toThrow(/negative/);
    expect(() => parseDuration('5 parsecs')).toThrow(/unknown time unit "parsecs"/);
    expect(() => parseDuration('fast')).toThrow(/not a duration/);
    expect(() => parseDuration('')).toThrow(DurationError);
    expect(() => parseDuration('1e300s')).toThrow(/too large/);
  });

  it('formats for people', () => {
    const cases: Array<[number, string]> = [
      [0, '0'],
      [750, '750ns'],
      [12_500, '12.5us'],
      [10_000_000, '10ms'],
      [1_234_000_000, '1.234s'],
      [1_000, '1us'],
      [999_999, '999.999us'],
      [-2_000_000, '-2ms'],
      [Infinity, 'Infinity'],
    ];
    for (const [ns, text] of cases) expect(formatDuration(ns), String(ns)).toBe(text);
  });

  it('format then parse round-trips whole units', () => {
    for (const ns of [1, 999, 1_000, 1_500, 2_000_000, 3_250_000_000]) expect(parseDuration(formatDuration(ns))).toBe(ns);
  });
});
