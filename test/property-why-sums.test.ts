/**
 * Property test: the plain-words "why" texts add up. Over random small workloads, every cause
 * text the OS timeline (timeline.ts) and the Go runtime's GoWhy (go-why.ts) tell is parsed back
 * and its numbers are checked against the interval it explains:
 *
 * OS thread, Runnable ("no free hardware thread for W: queued on cpu N …[; meanwhile …][;
 * throttled Z: …][; moved …]", "waited X", "dispatched at once"):
 * - W + Z = the interval's length (W, Z absent = 0; W is the time queued, Z the time parked
 *   by throttling: the two partition the interval);
 * - "waited X" alone: X = the length; "dispatched at once": the length is 0;
 * - the "meanwhile" part (what its CPU ran while it was queued) fits in W: "ran T for X" and
 *   "K turns of other threads for X": X ≤ W and K ≥ 1; "ran T for R, then … for Y": R + Y ≤ W.
 * OS thread, Running: "on cpu N: switch-in S (context switch) then ran R": S + R = the length;
 * "on cpu N: ran R": R = the length (N = the interval's cpu); "ran R until the run ended": R +
 * the switch-in time (extraNs) = the length.
 * OS thread, Waiting: "woken by T, running on cpu N" exactly when a thread's code ended the wait
 * (T its waker, never the sleeper); no text for a timer's or a device's wake-up.
 * Goroutine, Grunnable (from the gstate to Grunnable to the gstate leaving it):
 * "waited T: no idle P for A (…[; for S of it …])[; a P was idle for B of it (…)][; then its
 * M's search and switch took C]": A + B + C = T = the length, S ≤ A; "waited T: taken at once;
 * its M's search and switch took C": C = T = the length; "run at once": the length is 0.
 * Goroutine, netpoll wake-up (Gwaiting → Grunnable with late > 0): "IO ready X before netpoll
 * returned it (…)": X ≤ the Gwaiting interval's length.
 *
 * Durations are printed by formatDuration (3 decimals of ns, us, ms or s: integer ns below 1 us,
 * exact ns in us, rounded to the nearest 1 us in ms and 1 ms in s). Each parsed duration
 * carries its rounding bound, half of its printed step (0 for ns and us, 500 ns for ms, 500 us
 * for s), and a sum is checked within the sum of its terms' bounds, nothing more.
 *
 * Every shape of text is counted, and each must have been seen, so the test cannot pass
 * vacuously.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration as engineFormatDuration } from '../src/engine/time.js';
import { Simulation, type SimConfig } from '../src/sim.js';
import type { TraceEvent, TraceSink } from '../src/trace/events.js';
import { GoWhy } from '../src/trace/go-why.js';
import { formatDuration, OsTimeline, type ThreadInterval } from '../src/trace/timeline.js';
import { background, build, costs, osArb, pattern, simConfig } from './property-gen.js';

// ---------------------------------------------------------------- durations

/** A duration read back from formatDuration's text: its value and how far the true value may be from it. */
interface Dur {
  text: string;
  ns: number;
  /** The rounding bound: half of the printed step, in whole ns (the true value is an integer). */
  err: number;
}

const DUR = String.raw`(?:0|-?\d+(?:\.\d{1,3})?(?:ns|us|ms|s))`;
const UNIT: Record<string, number> = { ns: 1, us: 1_000, ms: 1_000_000, s: 1_000_000_000 };

function parseDur(text: string): Dur {
  if (text === '0') return { text, ns: 0, err: 0 };
  const m = /^(-?)(\d+)(?:\.(\d{1,3}))?(ns|us|ms|s)$/.exec(text);
  if (m === null) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  const unit = UNIT[m[4]!]!;
  const frac = m[3] ?? '';
  if (unit === 1 && frac !== '') throw new Error(`fractional ns: ${text}`);
  // formatDuration writes thousandths of the unit: a step of unit / 1000 ns (1 for us, 1000 for ms, …).
  const step = unit === 1 ? 1 : unit / 1000;
  const ns = (Number(m[2]) * unit + (frac === '' ? 0 : (Number(frac) * unit) / 10 ** frac.length)) * (m[1] === '-' ? -1 : 1);
  // Rounded to the nearest step: an integer true value is at most floor(step / 2) away (0 when the step is 1 ns).
  const err = Math.floor(step / 2);
  // The parser reads back what formatDuration writes: the value read prints as the same text.
  if (formatDuration(ns) !== text) throw new Error(`duration ${text} reads as ${ns} ns, which prints as ${formatDuration(ns)}`);
  return { text, ns, err };
}

class Inconsistent extends Error {}

/** Every duration a cause tells is ≥ 0. */
function nonNegative(parts: Dur[], what: string, ctx: () => string): void {
  for (const d of parts) if (d.ns < 0) throw new Inconsistent(`${what}: negative duration ${d.text}\n${ctx()}`);
}

/** How many sums and bounds were checked with a rounded term (ms or s), i.e. with a non-zero tolerance. */
let roundedChecks = 0;

/** Σ parts = total, within the parts' rounding. */
function sumIs(parts: Dur[], total: number, what: string, ctx: () => string): void {
  nonNegative(parts, what, ctx);
  if (parts.some((d) => d.err > 0)) roundedChecks++;
  const sum = parts.reduce((a, d) => a + d.ns, 0);
  const err = parts.reduce((a, d) => a + d.err, 0);
  if (Math.abs(sum - total) > err) {
    throw new Inconsistent(`${what}: ${parts.map((d) => d.text).join(' + ')} = ${sum} ns (±${err}), expected ${total} ns\n${ctx()}`);
  }
}

/** Σ parts ≤ bound (plus the rounding of both sides). */
function sumAtMost(parts: Dur[], bound: Dur | number, what: string, ctx: () => string): void {
  nonNegative(parts, what, ctx);
  const sum = parts.reduce((a, d) => a + d.ns, 0);
  if (parts.some((d) => d.err > 0) || (typeof bound !== 'number' && bound.err > 0)) roundedChecks++;
  const b = typeof bound === 'number' ? { ns: bound, err: 0, text: `${bound}ns` } : bound;
  const err = parts.reduce((a, d) => a + d.err, 0) + b.err;
  if (sum - err > b.ns) throw new Inconsistent(`${what}: ${parts.map((d) => d.text).join(' + ')} = ${sum} ns > ${b.text} = ${b.ns} ns (±${err})\n${ctx()}`);
}

// ---------------------------------------------------------------- shapes seen

type Counts = Map<string, number>;
const count = (c: Counts, shape: string): void => {
  c.set(shape, (c.get(shape) ?? 0) + 1);
};

// ---------------------------------------------------------------- OS texts

const LABEL = String.raw`T\d+ \S+`;
const RUNNABLE_RE = new RegExp(
  '^' +
    // W and where it queued
    `(?:no free hardware thread for (?<w>${DUR}): queued(?: on cpu (?<qcpu>\\d+))?(?: with ${LABEL} \\(running\\))?(?:(?: and| with) (?<ahead>\\d+) queued threads?)?` +
    // what its CPU ran meanwhile
    `(?:; meanwhile (?:its cpu ran (?:(?<k>\\d+) turns of other threads for (?<kx>${DUR})|${LABEL} for (?<r>${DUR})(?:, then (?:(?<k2>\\d+) turns of other threads|${LABEL}) for (?<y>${DUR}))?)|the cpus it was queued on were busy for (?<mx>${DUR})))?)?` +
    // throttled
    `(?:(?:; )?throttled (?<z>${DUR}): group \\S+ used its CPU quota for the period)?` +
    // moves (at most 3)
    `(?<moves>(?:(?:; )?moved cpu \\d+ → cpu \\d+ \\([^)]*\\)){0,3})` +
    '$',
);
const WAITED_RE = new RegExp(`^waited (?<x>${DUR})$`);
const RUNNING_RE = new RegExp(`^on cpu (?<cpu>\\d+): (?:switch-in (?<s>${DUR}) \\(context switch\\) then ran (?<r1>${DUR})|ran (?<r2>${DUR}))$`);
const AT_END_RE = new RegExp(`^ran (?<r>${DUR}) until the run ended$`);

function ivText(iv: ThreadInterval): string {
  return `T${iv.tid} ${iv.state} [${iv.start}, ${iv.end}) = ${iv.end - iv.start} ns, cpu ${iv.cpu}, extraNs ${iv.extraNs}, othersNs ${iv.othersNs}: ${JSON.stringify(iv.cause)}`;
}

const WOKEN_RE = new RegExp(`^woken by T(?<tid>\\d+) \\S+, running on cpu (?<cpu>\\d+)$`);

function checkOsInterval(iv: ThreadInterval, c: Counts): void {
  if (iv.state === 'waiting') {
    // Ended by a thread's code: the text names that thread (never the sleeper); by a timer or a
    // device, or at the run's end: no text.
    if (iv.waker === 0) {
      expect(iv.cause, ivText(iv)).toBe('');
      return;
    }
    const m = WOKEN_RE.exec(iv.cause);
    expect(m, ivText(iv)).not.toBeNull();
    expect(Number(m!.groups!.tid), ivText(iv)).toBe(iv.waker);
    expect(iv.waker, ivText(iv)).not.toBe(iv.tid);
    count(c, 'waiting: woken by T, running on cpu N');
    return;
  }
  const len = iv.end - iv.start;
  const ctx = (): string => ivText(iv);
  const text = iv.cause;
  if (iv.state === 'running') {
    let m = RUNNING_RE.exec(text);
    if (m !== null) {
      const g = m.groups!;
      expect(Number(g.cpu), ctx()).toBe(iv.cpu);
      if (g.s !== undefined) {
        sumIs([parseDur(g.s), parseDur(g.r1!)], len, 'Running: switch-in S + ran R = length', ctx);
        count(c, 'running: switch-in S then ran R');
      } else {
        sumIs([parseDur(g.r2!)], len, 'Running: ran R = length', ctx);
        count(c, 'running: ran R');
      }
      return;
    }
    m = AT_END_RE.exec(text);
    if (m !== null) {
      // The switch-in time is not in this text: extraNs tells it.
      sumIs([parseDur(m.groups!.r!), { text: `${iv.extraNs}ns (switch-in)`, ns: iv.extraNs, err: 0 }], len, 'Running at the end: ran R + switch-in = length', ctx);
      count(c, 'running: ran R until the run ended');
      return;
    }
    throw new Inconsistent(`unknown Running text\n${ctx()}`);
  }
  // Runnable
  if (text === 'dispatched at once') {
    if (len !== 0) throw new Inconsistent(`"dispatched at once" for a Runnable interval of ${len} ns\n${ctx()}`);
    count(c, 'runnable: dispatched at once');
    return;
  }
  const wm = WAITED_RE.exec(text);
  if (wm !== null) {
    sumIs([parseDur(wm.groups!.x!)], len, 'Runnable: waited X = length', ctx);
    count(c, 'runnable: waited X');
    return;
  }
  const m = RUNNABLE_RE.exec(text);
  if (m === null || text === '') throw new Inconsistent(`unknown Runnable text\n${ctx()}`);
  const g = m.groups!;
  const w = g.w !== undefined ? parseDur(g.w) : null;
  const z = g.z !== undefined ? parseDur(g.z) : null;
  if (w === null && z === null) {
    // Only moves: nothing says how long it waited.
    throw new Inconsistent(`Runnable text without a duration (${len} ns)\n${ctx()}`);
  }
  // Queued and throttled partition the interval.
  sumIs([w, z].filter((d): d is Dur => d !== null), len, 'Runnable: queued W + throttled Z = length', ctx);
  if (w !== null) {
    count(c, 'runnable: no free hardware thread for W');
    // Not a claim of the text, only counted: whether its CPU was busy for all of W.
    const meanwhile = [g.kx, g.r, g.y, g.mx].filter((x): x is string => x !== undefined).map(parseDur);
    const busy = meanwhile.reduce((a, d) => a + d.ns, 0);
    const err = meanwhile.reduce((a, d) => a + d.err, 0) + w.err;
    count(c, Math.abs(busy - w.ns) <= err ? '(info) meanwhile part = W' : '(info) meanwhile part < W');
    if (g.mx !== undefined) {
      // Moved while queued: the busy time of the CPUs it was queued on, no thread named.
      if (g.moves === '') throw new Inconsistent(`Runnable: "the cpus it was queued on" without a move\n${ctx()}`);
      sumAtMost([parseDur(g.mx)], w, 'Runnable: "the cpus it was queued on were busy for X" within W', ctx);
      count(c, 'runnable: moved, meanwhile the cpus were busy for X');
    } else if (g.kx !== undefined) {
      sumAtMost([parseDur(g.kx)], w, 'Runnable: "K turns of other threads for X" within W', ctx);
      count(c, 'runnable: meanwhile K turns of other threads for X');
      // A positive time in zero turns: the text fails to name the thread its CPU ran (fixed in timeline.ts).
      if (Number(g.k) < 1) throw new Inconsistent(`Runnable: "${g.k} turns of other threads"\n${ctx()}`);
    } else if (g.y !== undefined) {
      sumAtMost([parseDur(g.r!), parseDur(g.y)], w, 'Runnable: "ran T for R, then … for Y": R + Y within W', ctx);
      if (g.k2 !== undefined && Number(g.k2) < 1) throw new Inconsistent(`Runnable: "then ${g.k2} turns of other threads"\n${ctx()}`);
      count(c, g.k2 !== undefined ? 'runnable: meanwhile ran T for R, then K turns for Y' : 'runnable: meanwhile ran T for R, then T for Y');
    } else if (g.r !== undefined) {
      sumAtMost([parseDur(g.r)], w, 'Runnable: "ran T for X" within W', ctx);
      count(c, 'runnable: meanwhile ran T for X');
    } else count(c, 'runnable: W without meanwhile');
  }
  if (z !== null) count(c, w !== null ? 'runnable: W and throttled Z' : 'runnable: throttled Z only');
  if (g.moves !== '') count(c, 'runnable: moved');
}

// ---------------------------------------------------------------- Go texts

const GO_RE = new RegExp(
  `^waited (?<t>${DUR}): ` +
    `(?:taken at once; its M's search and switch took (?<c0>${DUR})` +
    `|(?:no idle P for (?<a>${DUR}) \\(every P was held by an M(?<sys>\\)|, at least one in a syscall and not yet retaken by sysmon\\)|; for (?<s>${DUR}) of it at least one was in a syscall and not yet retaken by sysmon\\)))?` +
    `(?:(?:; )?a P was idle for (?<b>${DUR}) of it \\(no M had taken it yet: M creation, wake-up or spinning delay\\))?` +
    `(?:; then its M's search and switch took (?<c>${DUR}))?)$`,
);
const NETPOLL_RE = new RegExp(`^IO ready (?<x>${DUR}) before netpoll returned it \\((?<why>an M blocked in netpoll had to wake|no M was blocked in netpoll: it waited for one to poll)\\)$`);

function checkGoRunnable(g: number, start: number, end: number, text: string, c: Counts): void {
  const len = end - start;
  const ctx = (): string => `G${g} Grunnable [${start}, ${end}) = ${len} ns: ${JSON.stringify(text)}`;
  if (text === 'run at once') {
    if (len !== 0) throw new Inconsistent(`"run at once" for a Grunnable interval of ${len} ns\n${ctx()}`);
    count(c, 'go: run at once');
    return;
  }
  const m = GO_RE.exec(text);
  if (m === null) throw new Inconsistent(`unknown Go text\n${ctx()}`);
  const x = m.groups!;
  const t = parseDur(x.t!);
  sumIs([t], len, 'Go: waited T = length', ctx);
  if (x.c0 !== undefined) {
    sumIs([parseDur(x.c0)], len, 'Go: taken at once, search and switch C = length', ctx);
    count(c, 'go: taken at once; search and switch C');
    return;
  }
  const parts: Dur[] = [];
  if (x.a !== undefined) {
    const a = parseDur(x.a);
    parts.push(a);
    count(c, 'go: no idle P for A');
    if (x.s !== undefined) {
      sumAtMost([parseDur(x.s)], a, 'Go: in a syscall for S of A', ctx);
      count(c, 'go: …for S of it at least one was in a syscall');
    } else if (x.sys !== ')') count(c, 'go: …at least one in a syscall (all of A)');
  }
  if (x.b !== undefined) {
    parts.push(parseDur(x.b));
    count(c, 'go: a P was idle for B');
  }
  if (x.c !== undefined) {
    parts.push(parseDur(x.c));
    count(c, 'go: then search and switch C');
  }
  if (parts.length === 0) throw new Inconsistent(`Go text without parts\n${ctx()}`);
  sumIs(parts, len, 'Go: A + B + C = length', ctx);
}

const TIMER_RE = new RegExp(`^timer fired (?<x>${DUR}) late \\(`);

/** The runtime's reason for a sleep's end, "timer fired X late (…)": X ≤ the Gwaiting interval's length. */
function checkTimer(g: number, start: number, end: number, why: string, c: Counts): void {
  const m = TIMER_RE.exec(why);
  if (m === null) return;
  const ctx = (): string => `G${g} Gwaiting [${start}, ${end}) = ${end - start} ns, why: ${JSON.stringify(why)}`;
  sumAtMost([parseDur(m.groups!.x!)], end - start, 'timer: fired X late within the Gwaiting interval', ctx);
  count(c, 'go: timer fired X late');
}

function checkNetpoll(g: number, start: number, end: number, text: string, c: Counts): void {
  const ctx = (): string => `G${g} Gwaiting [${start}, ${end}) = ${end - start} ns: ${JSON.stringify(text)}`;
  const m = NETPOLL_RE.exec(text);
  if (m === null) throw new Inconsistent(`unknown netpoll text\n${ctx()}`);
  sumAtMost([parseDur(m.groups!.x!)], end - start, 'netpoll: IO ready X within the Gwaiting interval', ctx);
  count(c, m.groups!.why!.startsWith('an M') ? 'go: IO ready X (an M blocked in netpoll)' : 'go: IO ready X (no M in netpoll)');
}

// ---------------------------------------------------------------- the sink

/** Runs the OS timeline and GoWhy over a run's events, as ExplainSink does, and checks every text. */
class CheckSink implements TraceSink {
  private readonly timeline: OsTimeline;
  private readonly goWhy = new GoWhy();
  /** By goroutine: its state and since when. */
  private readonly gState = new Map<number, { state: string; since: number }>();

  constructor(private readonly counts: Counts) {
    this.timeline = new OsTimeline({ interval: (iv) => checkOsInterval(iv, counts) });
  }

  emit(ev: TraceEvent): void {
    if (ev.k === 'gstate') {
      const prev = this.gState.get(ev.g);
      if (ev.from === 'Grunnable') {
        // Before GoWhy sees the event that ends the interval, as ExplainSink does.
        const text = this.goWhy.leaveRunnable(ev.g, ev.t);
        if (prev === undefined || prev.state !== 'Grunnable') throw new Error(`G${ev.g} leaves Grunnable at ${ev.t} without having entered it`);
        checkGoRunnable(ev.g, prev.since, ev.t, text, this.counts);
      } else if (ev.late > 0) {
        const text = this.goWhy.leaveWaiting(ev);
        if (prev === undefined || prev.state !== 'Gwaiting') throw new Error(`G${ev.g} leaves Gwaiting at ${ev.t} without having entered it`);
        checkNetpoll(ev.g, prev.since, ev.t, text, this.counts);
      }
      if (ev.from === 'Gwaiting' && prev !== undefined && prev.state === 'Gwaiting') checkTimer(ev.g, prev.since, ev.t, ev.why, this.counts);
      this.goWhy.emit(ev);
      this.gState.set(ev.g, { state: ev.to, since: ev.t });
    } else if (ev.k === 'pstate' || ev.k === 'gtake') this.goWhy.emit(ev);
    else this.timeline.emit(ev);
  }

  close(endNs: number): void {
    this.timeline.finish(endNs);
  }
}

// ---------------------------------------------------------------- workloads

function runChecked(config: SimConfig, counts: Counts): void {
  try {
    new Simulation(config, { trace: new CheckSink(counts) }).run();
  } catch (e) {
    if (e instanceof Inconsistent) throw new Error(`${e.message}\nconfig: ${JSON.stringify(config)}`, { cause: e });
    throw e;
  }
}

function report(name: string, counts: Counts): void {
  counts.set('(info) checks with a rounded (ms, s) term', roundedChecks);
  roundedChecks = 0;
  const lines = [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => `  ${String(v).padStart(7)}  ${k}`);
  console.log(`${name}: texts checked by shape\n${lines.join('\n')}`);
}

const RUNS = Number(process.env.PROP_RUNS ?? 400);
const seedFor = (fixed: number): number => (process.env.PROP_SEED !== undefined ? Number(process.env.PROP_SEED) + fixed : fixed);

// ---------------------------------------------------------------- properties

describe('the why texts add up', () => {
  it('parses durations back as formatDuration writes them, with its rounding', () => {
    expect(parseDur('0')).toEqual({ text: '0', ns: 0, err: 0 });
    expect(parseDur('750ns')).toEqual({ text: '750ns', ns: 750, err: 0 });
    expect(parseDur('1.245us')).toEqual({ text: '1.245us', ns: 1245, err: 0 });
    expect(parseDur('10.226ms')).toEqual({ text: '10.226ms', ns: 10_226_000, err: 500 });
    expect(parseDur('1.5s')).toEqual({ text: '1.5s', ns: 1_500_000_000, err: 500_000 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5_000_000_000 }), (ns) => {
        const d = parseDur(formatDuration(ns));
        expect(Math.abs(d.ns - ns)).toBeLessThanOrEqual(d.err);
      }),
      { numRuns: 2000, seed: 77 },
    );
    // The timeline's integer formatDuration writes what the engine's (toFixed) one does, exact halves included.
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -5_000_000_000, max: 5_000_000_000 }), fc.integer({ min: 0, max: 5_000_000 }).map((k) => k * 1000 + 500)), (ns) => {
        expect(formatDuration(ns)).toBe(engineFormatDuration(ns));
      }),
      { numRuns: 2000, seed: 78 },
    );
  });

  it('a thread parked as it woke is told queued behind what its CPU ran when the refill queued it (not "0 turns")', () => {
    // T2 a#1 uses the quota (0–1 ms), sleeps and wakes at 1.5 ms into its throttled group; noise#1
    // (no group) takes the CPU at 1.8 ms and keeps it. At the 2 ms refill T2 is queued behind it
    // until the run ends at 6 ms. The text named no thread ("queued on cpu 0; meanwhile its cpu
    // ran 0 turns of other threads for 4ms": the CPU was idle when T2 woke).
    const texts: string[] = [];
    const timeline = new OsTimeline({ interval: (iv) => void (iv.tid === 2 && iv.state === 'runnable' && iv.end > iv.start && texts.push(iv.cause)) });
    const config: SimConfig = {
      name: 'parked-at-wake',
      seed: 1,
      machine: { cpus: 1, costs: { contextSwitch: 0, wakeupIpi: 0, threadCreate: 0, syscall: 0, timerSlack: 0 } },
      os: { policy: 'fifo', exactSliceEnd: true, balanceIntervalNs: 0, bandwidth: { quotaNs: 1_000_000, periodNs: 2_000_000 } },
      model: 'threads',
      limits: { timeNs: 6_000_000 },
      workload: {
        sources: [{ kind: 'batch', name: 'a', count: 1, program: [{ compute: 1_000_000 }, { sleep: 500_000 }, { compute: 1_000_000 }] }],
        background: [{ name: 'noise', count: 1, program: [{ sleep: 1_800_000 }, { compute: 5_000_000 }] }],
      },
    };
    new Simulation(config, { trace: { emit: (ev) => timeline.emit(ev), close: (t) => timeline.finish(t) } }).run();
    expect(texts).toEqual(['no free hardware thread for 4ms: queued on cpu 0 with T1 noise#1 (running); meanwhile its cpu ran T1 noise#1 for 4ms; throttled 500us: group workload used its CPU quota for the period']);
  });

  it('OS threads (threads, pool:N; fifo, rr, cfs, eevdf; with and without bandwidth): Runnable and Running causes', () => {
    const counts: Counts = new Map();
    roundedChecks = 0;
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 3 }),
        background,
        osArb,
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('threads', 'threads', 'pool:1', 'pool:2', 'pool:3'),
        costs,
        fc.integer({ min: 0, max: 1000 }),
        (ps, bg, os, cpus, model, c, seed) => runChecked(simConfig('why-sums', os, cpus, model, c, build(ps, bg), seed), counts),
      ),
      { numRuns: RUNS, seed: seedFor(20270311) },
    );
    report('OS', counts);
    expect(counts.get('(info) checks with a rounded (ms, s) term')).toBeGreaterThan(0);
    for (const shape of [
      'runnable: dispatched at once',
      'runnable: no free hardware thread for W',
      'runnable: meanwhile ran T for X',
      'runnable: meanwhile ran T for R, then T for Y',
      'runnable: meanwhile ran T for R, then K turns for Y',
      'runnable: meanwhile K turns of other threads for X',
      'runnable: W and throttled Z',
      'runnable: throttled Z only',
      'runnable: moved',
      'runnable: moved, meanwhile the cpus were busy for X',
      'running: switch-in S then ran R',
      'running: ran R',
      'running: ran R until the run ended',
      'waiting: woken by T, running on cpu N',
    ]) {
      expect(counts.get(shape) ?? 0, shape).toBeGreaterThan(0);
    }
  });

  it('goroutines (go:P): Grunnable causes and netpoll lateness, and the OS texts of their Ms', () => {
    const counts: Counts = new Map();
    roundedChecks = 0;
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 3 }),
        background,
        osArb,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        costs,
        fc.integer({ min: 0, max: 1000 }),
        (ps, bg, os, cpus, procs, c, seed) => runChecked(simConfig('why-sums', os, cpus, `go:${procs}`, c, build(ps, bg), seed), counts),
      ),
      { numRuns: RUNS, seed: seedFor(20270312) },
    );
    report('Go', counts);
    expect(counts.get('(info) checks with a rounded (ms, s) term')).toBeGreaterThan(0);
    for (const shape of [
      'go: run at once',
      'go: taken at once; search and switch C',
      'go: no idle P for A',
      'go: …for S of it at least one was in a syscall',
      'go: …at least one in a syscall (all of A)',
      'go: a P was idle for B',
      'go: then search and switch C',
      'go: IO ready X (an M blocked in netpoll)',
      'go: IO ready X (no M in netpoll)',
      'go: timer fired X late',
      'runnable: no free hardware thread for W',
      'running: switch-in S then ran R',
    ]) {
      expect(counts.get(shape) ?? 0, shape).toBeGreaterThan(0);
    }
  });
});
