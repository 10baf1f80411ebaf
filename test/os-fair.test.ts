/**
 * Exact-sequence tests for the fair policies, cfs and eevdf, on small cases. Expected values
 * are derived by hand from the formulas in the policy headers (src/os/policy/cfs.ts, eevdf.ts)
 * — the derivation is in each comment, in ms unless marked ns. One CPU, zero costs, explicit
 * parameters (so Linux's CPU-count scaling does not enter).
 *
 * CFS: latency 6, min_granularity 0.75 (sched_nr_latency 8), wakeup_granularity 1.
 *   new thread: v = min_vruntime + sched_slice(with it)·1024/w           (START_DEBIT)
 *   woken:      v = max(v, min_vruntime − latency/2)                        (GENTLE_FAIR_SLEEPERS)
 *   tick: preempt when ran ≥ slice (exact ends) / ran > slice (at a tick), or after
 *         min_granularity when v − v_leftmost > slice; wake-up: v_curr − v_woken > gran·1024/w.
 *   ties in vruntime go to the thread queued first.
 * EEVDF: base slice 3 (vslice 3 at nice 0).
 *   V = Σw·v/Σw over queued + curr; eligible: v ≤ V; pick: earliest deadline among eligible.
 *   new: v = V, d = v + vslice/2; woken: v = V − vlag·(W+w)/W, d = v + vslice;
 *   at its deadline curr gets d = v + vslice and is preempted if anyone is queued.
 */
import { describe, expect, it } from 'vitest';
import { NICE_TO_WEIGHT } from '../src/os/policy/types.js';
import { batch, exits, ms, rig, run, runs, states } from './support.js';

const runsMs = (ev: Parameters<typeof runs>[0], cpu = 0): Array<[number, number]> => runs(ev, cpu).map(([t, tid]) => [t / 1e6, tid]);
const exitsMs = (ev: Parameters<typeof exits>[0]): Record<number, number> => Object.fromEntries([...exits(ev)].map(([k, v]) => [k, v / 1e6]));
const cfs = (gran = 1) => ({ policy: 'cfs', params: { latency: ms(6), minGranularity: ms(0.75), wakeupGranularity: ms(gran) } });
const eevdf = (runToParity = true) => ({ policy: 'eevdf', params: { baseSlice: ms(3), runToParity } });

describe('cfs', () => {
  it('two nice-0 hogs alternate in 3 ms slices (latency 6 / 2 runnable), exact slice ends', () => {
    // t1 new: v = 0 + 6 (alone: slice 6) = 6; min_vruntime 6; picked.
    // t2 new: slice with 2 runnable = 3 → v = 6 + 3 = 9.
    // t1 runs: slice 3 → preempted at 3, v = 9; tie with t2 (9) → t2 (queued first).
    // From then on each runs 3 and ties go to the one that waited: A B A B …
    // t1 has 20: 6 turns (18) by 33, then 36–38 → exits 38; t2 36 → 38–40 → exits 40.
    const { result, events } = run({ os: { ...cfs(), exactSliceEnd: true }, workload: { sources: [batch('h', 2, [{ compute: ms(20) }])] } });
    const expected: Array<[number, number]> = [];
    for (let k = 0; k < 13; k++) expected.push([3 * k, (k % 2) + 1]);
    expected.push([38, 2]);
    expect(runsMs(events)).toEqual(expected);
    expect(exitsMs(events)).toEqual({ 1: 38, 2: 40 });
    expect(result.contextSwitches.involuntary).toBe(12);
  });

  it('two nice-0 hogs at HZ=1000: the 3 ms slice is noticed at the first tick after it (4 ms)', () => {
    // ran > 3 is first true at the tick at 4: t1 0–4 (v 10), t2 4–8 (v 13), t1 8–12 (v 14)…
    // 4 ms turns: t1 done after 5 turns at 36, t2 at 40.
    const { events } = run({ os: { ...cfs(), hz: 1000 }, workload: { sources: [batch('h', 2, [{ compute: ms(20) }])] } });
    expect(runsMs(events)).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36].map((t, k) => [t, (k % 2) + 1]));
    expect(exitsMs(events)).toEqual({ 1: 36, 2: 40 });
  });

  it('the slice is latency/nr down to min_granularity: 4 hogs get 1.5 ms, 10 hogs 0.75 ms', () => {
    // 4 hogs of 3: v at creation t1 6, t2 6+3 = 9, t3 6+2 = 8, t4 6+1.5 = 7.5.
    // t1 0–1.5 (v 7.5) | t4 (7.5, queued before t1) 1.5–3 | t1 3–4.5 done
    // t3 (8) now 3 runnable → slice 2: 4.5–6.5 | t2 (9, queued first) 6.5–8.5 | t4 (9) 8.5–10 done
    // t3 (10) 10–11 done | t2 11–12 done.
    const four = run({ os: { ...cfs(), exactSliceEnd: true }, workload: { sources: [batch('h', 4, [{ compute: ms(3) }])] } });
    expect(runsMs(four.events)).toEqual([
      [0, 1],
      [1.5, 4],
      [3, 1],
      [4.5, 3],
      [6.5, 2],
      [8.5, 4],
      [10, 3],
      [11, 2],
    ]);
    // 10 hogs of 3: more than sched_nr_latency (8) runnable → period 10 × 0.75, slice 0.75.
    // Creation v: t1 6, t2 9, t3 8, t4 7.5, t5 7.2, t6 7, t7 6+6/7, t8 6.75 (8 runnable: 6/8),
    // t9 and t10 6.75 (period nr·0.75, slice 0.75). t1 runs 0–0.75 → v 6.75, behind t8–t10.
    // Picks: t1, t8, t9, t10, t1, t7 (6.857), t6 (7), t5 (7.2), t4 (7.5, queued at creation,
    // before t8–t10 and t1 which reached 7.5 later), each for exactly 0.75.
    const ten = run({ os: { ...cfs(), exactSliceEnd: true }, workload: { sources: [batch('h', 10, [{ compute: ms(3) }])] } });
    expect(runsMs(ten.events).slice(0, 9)).toEqual([1, 8, 9, 10, 1, 7, 6, 5, 4].map((tid, k) => [0.75 * k, tid]));
    // While ≥ 9 threads are runnable every turn is exactly min_granularity.
    const starts = runs(ten.events).map(([t]) => t);
    for (let k = 1; k < 20; k++) expect(starts[k]! - starts[k - 1]!).toBe(ms(0.75));
    expect(ten.result.simulatedNs).toBe(ms(30));
  });

  it('a sleeper waking every 6 ms preempts the hogs at once (GENTLE_FAIR_SLEEPERS credit > wakeup granularity)', () => {
    // h1, h2: hogs; s: 4 × (sleep 5, compute 1). Creation: h1 v 6; h2 v 6+3 = 9; s v 6+2 = 8.
    // 0–2 h1 (3 runnable: slice 2) → v 8; s (8, queued before h1) picked at 2 and sleeps till 7.
    // 2–5 h1 (2 runnable: slice 3) → v 11; 5 h2 (9).
    // 7: s wakes; h2 v 11, min_vruntime 11 → s v = max(8, 11−3) = 8; 11−8 = 3 > 1 → preempt.
    // 7–8 s (v 9), sleeps till 13 | 8–11 h1 (11 → 14) | 11 h2 (11)
    // 13: s wakes, h2 v 13 = min_vruntime → s v = max(9, 10) = 10; 13−10 = 3 > 1 → preempt.
    // 13–14 s | 14 h2 (13) slice 3 → 17 | 17 h1 (14) | 19 s wakes → v = max(11, 16−3) = 13 → preempt
    // 19–20 s | 20 h2 (16, queued before h1's 16) | 23 h1 | 25 s preempts | 26 s done, h1.
    const { events } = run({
      os: { ...cfs(), exactSliceEnd: true },
      limits: { timeNs: ms(26) },
      workload: { sources: [batch('h', 2, [{ compute: ms(30) }]), batch('s', 1, [{ repeat: 4, do: [{ sleep: ms(5) }, { compute: ms(1) }] }])] },
    });
    expect(runsMs(events)).toEqual([
      [0, 1],
      [2, 3],
      [2, 1],
      [5, 2],
      [7, 3],
      [8, 1],
      [11, 2],
      [13, 3],
      [14, 2],
      [17, 1],
      [19, 3],
      [20, 2],
      [23, 1],
      [25, 3],
      [26, 1],
    ]);
    // The sleeper never waits: every wake-up is followed by its run at the same instant.
    const s = states(events, 3);
    const wakes = s.filter(([, to, why]) => to === 'runnable' && why.startsWith('timer'));
    expect(wakes.map(([t]) => t / 1e6)).toEqual([7, 13, 19, 25]);
    for (const [t] of wakes) expect(s.some(([u, to]) => u === t && to === 'running')).toBe(true);
    const why = states(events, 2).find(([t]) => t === ms(7))!;
    expect(why[2]).toBe('preempted: wake-up preemption by thread 3 (timer: sleep done)');
  });

  it('wake-up granularity decides between preemption at the wake-up and at the next tick', () => {
    // HZ=250. h: hog; s: sleep 97, compute 1. h v 6, s v 9; h 0–4 (ran 4 > 3 at the tick at 4).
    // s picked at 4, sleeps till 101. h alone: min_vruntime = h's v = 10 + 97 = 107 at 101.
    // s woken: v = max(9, 107 − 3) = 104; lead 107 − 104 = 3.
    //  granularity 1: 3 > 1 → s preempts at 101 and runs 101–102.
    //  granularity 4: no wake-up preemption; h's slice (3, with 2 runnable) is long used up,
    //  so the next tick (104) preempts it: s runs 104–105.
    for (const [gran, at] of [
      [1, 101],
      [4, 104],
    ] as const) {
      const { events } = run({
        os: { ...cfs(gran), hz: 250 },
        workload: { sources: [batch('h', 1, [{ compute: ms(200) }]), batch('s', 1, [{ sleep: ms(97) }, { compute: ms(1) }])] },
      });
      expect(runsMs(events), `granularity ${gran}`).toEqual([
        [0, 1],
        [4, 2],
        [4, 1],
        [at, 2],
        [at + 1, 1],
      ]);
      const pre = states(events, 1).find(([t]) => t === ms(at))!;
      expect(pre[2]).toBe(gran === 1 ? 'preempted: wake-up preemption by thread 2 (timer: sleep done)' : 'preempted: time slice expired');
    }
  });

  it('nice 0 vs nice 5: exact first slices, and CPU shares 1024 : 335 over time', () => {
    // Weights 1024 and 335 (Σ 1359). a created alone: v 6e6 ns. b: slice 6e6·335/1359 =
    // 1479028 ns, vslice 1479028·1024/335 = 4520969 → v 10520969.
    // a runs its slice 6e6·1024/1359 = 4520971 ns → v 10520971; b (smaller v) runs.
    // b: slice 1479028, but after min_granularity (750000) its v lead over a,
    // 750000·1024/335 − 2 = 2292535, exceeds the slice → preempted at 5270971.
    // a: 4520971 more → 9791942 (v 15041942). b: v 12813506, lead −2228436; preempted when the
    // lead exceeds 1479028: after ceil((1479028+2228436+1)·335/1024) = 1212892 ns → 11004834.
    const r = rig({ policy: 'cfs', params: cfs().params });
    const hog = [{ c: 1e12 }];
    const a = r.spawn('a', hog);
    const b = r.spawn('b', hog, { nice: 5 });
    r.run(ms(600));
    expect(runs(r.sink.events).slice(0, 5)).toEqual([
      [0, 1],
      [4520971, 2],
      [5270971, 1],
      [9791942, 2],
      [11004834, 1],
    ]);
    // Over 600 ms the shares follow the weights: 1024/1359 = 75.35 %. Slices are whole
    // turns, so allow 0.5 % (3 ms of 600).
    expect(NICE_TO_WEIGHT[25]).toBe(335);
    expect(a.runningNs + b.runningNs).toBe(ms(600));
    expect(Math.abs(a.runningNs / ms(600) - 1024 / 1359)).toBeLessThan(0.005);
  });

  it('BASE_SLICE: a nice-19 thread gets at least min_granularity, and a new one starts far behind', () => {
    // a nice 0, b nice 19 (weight 15). a created alone: v 6e6. b: its share of the period,
    // 6e6·15/1039 = 86621 ns, is raised to min_granularity 750000; its START_DEBIT vslice is
    // 750000·1024/15 = 51.2e6 → v 57.2e6. a's slice: 6e6·1024/1039 = 5913378 ns; a is
    // re-picked after each slice until its v passes b's: after 9 slices (6e6 + 9·5913378 =
    // 59.22e6 > 57.2e6), at 53220402 ns. b then runs 750000 ns (its slice, not 86621).
    // When a's slice ends and a is still the leftmost, schedule() picks it again: no context
    // switch happens or is counted (Linux counts one only when next != prev). By 60 ms the
    // only switches are a → b at 53.22 ms and b → a at 53.97 ms.
    const r = rig({ policy: 'cfs', params: cfs().params });
    const a = r.spawn('a', [{ c: 1e12 }]);
    const b = r.spawn('b', [{ c: 1e12 }], { nice: 19 });
    r.run(ms(60));
    expect(runs(r.sink.events)).toEqual([
      [0, 1],
      [53220402, 2],
      [53970402, 1],
    ]);
    expect([a.nivcsw, b.nivcsw, r.kernel.nivcsw]).toEqual([1, 1, 2]);
    expect(r.kernel.schedLatency.n).toBe(3);
  });

  it('migration keeps vruntime relative to min_vruntime as it was before the removal (idle pull)', () => {
    // 2 CPUs. cpu0: a, b (placed there); cpu1: c (5 ms). At 5 cpu1 goes idle and pulls a.
    // cpu0: a created alone v 6; b v 6 + 3 = 9. a runs 0–3 (slice 3) → v 9, min_vruntime 9;
    // b (9, queued first) runs from 3. At 5: b's v = 11, a (9) queued; min_vruntime =
    // max(9, min(11, 9)) = 9 → a detached as 9 − 9 = 0 (not 9 − 11: the pick does not move
    // min_vruntime past the thread it removes).
    // cpu1: c created alone v 6, ran 5 → 11 = min_vruntime. a placed at 0 + 11 = 11.
    const r = rig({ policy: 'cfs', params: cfs().params, cpus: 2 });
    const a = r.spawn('a', [{ c: ms(20) }], { cpu: 0 });
    r.spawn('b', [{ c: ms(20) }], { cpu: 0 });
    r.spawn('c', [{ c: ms(5) }], { cpu: 1 });
    r.run(ms(5));
    expect(a.cpu?.id).toBe(1);
    expect(a.vruntime).toBe(ms(11));
    expect(r.kernel.migrations).toBe(1);
    expect(r.sink.events.filter((e) => e.k === 'migrate')).toEqual([{ k: 'migrate', t: ms(5), tid: 1, from: 0, to: 1, why: 'idle pull' }]);
  });
});

describe('eevdf', () => {
  it('two nice-0 hogs: 1.5 ms first (half a vslice for new threads), then 3 ms turns', () => {
    // a new: V 0 → v 0, d 1.5. b new: V 0 → v 0, d 1.5; a is protected (RUN_TO_PARITY).
    // a reaches d at 1.5 → d 4.5, preempted. V = (1.5+0)/2: b eligible, d 1.5 → b 1.5–3 (d 4.5).
    // Tie at d 4.5 → a (queued first) 3–6 (d 7.5), b 6–9, … a: 1.5 + 3·6 = 19.5 at 36, 39–39.5 done.
    const { events } = run({ os: { ...eevdf(), exactSliceEnd: true }, workload: { sources: [batch('h', 2, [{ compute: ms(20) }])] } });
    const expected: Array<[number, number]> = [
      [0, 1],
      [1.5, 2],
    ];
    for (let k = 0; k < 13; k++) expected.push([3 + 3 * k, (k % 2) + 1]);
    expected.push([39.5, 2]);
    expect(runsMs(events)).toEqual(expected);
    expect(exitsMs(events)).toEqual({ 1: 39.5, 2: 40 });
  });

  it('without RUN_TO_PARITY a new thread with an equal deadline preempts at once (ties go to the queued thread)', () => {
    // a new (v 0, d 1.5) is picked; b new (v 0, d 1.5): pick_eevdf prefers b over curr a on a
    // tie → a is preempted as soon as its switch-in completes, at 0. Then b 0–1.5 (d 4.5),
    // a 1.5–3 (d 4.5), b 3–6, a 6–9, … b done 39.5, a 40.
    const { events, result } = run({ os: { ...eevdf(false), exactSliceEnd: true }, workload: { sources: [batch('h', 2, [{ compute: ms(20) }])] } });
    const expected: Array<[number, number]> = [
      [0, 1],
      [0, 2],
      [1.5, 1],
    ];
    for (let k = 0; k < 13; k++) expected.push([3 + 3 * k, 2 - (k % 2)]);
    expected.push([39.5, 1]);
    expect(runsMs(events)).toEqual(expected);
    expect(exitsMs(events)).toEqual({ 1: 40, 2: 39.5 });
    expect(result.contextSwitches.involuntary).toBe(15);
  });

  it('lag: a sleeper keeps its lag, is placed before V on waking, and preempts an ineligible curr', () => {
    // h: hog. s: compute 1, sleep 2, compute 1.
    // h 0–1.5 (d → 4.5); s (v 0, d 1.5) 1.5–2.5 → v 1. s sleeps: V = (1.5 + 1)/2 = 1.25 → vlag 0.25.
    // h runs 2.5–… At 4.5 s wakes: h v = 3.5 = V (alone). lag = 0.25·(1024+1024)/1024 = 0.5 →
    // s v = 3.0, d = 6.0. Now V = (3.5+3)/2 = 3.25 < h's 3.5: h is not eligible, so no
    // protection; s is eligible → preempts at 4.5, runs 4.5–5.5, exits. h resumes, done at 32.
    const r = rig({ policy: 'eevdf', params: eevdf().params });
    r.spawn('h', [{ c: ms(30) }]);
    let lagAtSleep = NaN;
    const s = r.spawn('s', [{ c: ms(1) }, { s: ms(2) }, (t) => (lagAtSleep = t.vlag), { c: ms(1) }]);
    let placed: [number, number] = [NaN, NaN];
    r.engine.at(
      r.engine.event({ fire: () => (placed = [s.vruntime, s.deadline]) }, 0, null, 5),
      ms(4.5),
    );
    r.run();
    expect(runs(r.sink.events).map(([t, tid]) => [t / 1e6, tid])).toEqual([
      [0, 1],
      [1.5, 2],
      [2.5, 1],
      [4.5, 2],
      [5.5, 1],
    ]);
    expect(lagAtSleep).toBe(ms(0.25));
    expect(placed).toEqual([ms(3), ms(6)]);
    expect(exitsMs(r.sink.events)).toEqual({ 1: 32, 2: 5.5 });
  });

  it('lag travels with a thread moved by the periodic balance (taken while V still counts it)', () => {
    // 2 CPUs, balance every 4 ms. cpu0: a, b, d; cpu1: c.
    // cpu0: a 0–1.5 (v 1.5, d 4.5), b 1.5–3 (v 1.5, d 4.5), d from 3 (v 0, d 1.5).
    // cpu1: c alone, its deadline renewed at 1.5 (no one to preempt for), v 4 at 4 ms.
    // 4 ms: cpu0 runs 3 threads, cpu1 1 → move one. d's v = 1 → V(cpu0) = (1.5+1.5+1)/3 =
    // 1333333 ns (floor); a and b are not eligible, so the earliest deadline (a, queued first)
    // goes. a's lag = 1333333 − 1500000 = −166667 ns.
    // On cpu1: V = c's v = 4e6; lag·(1024+1024)/1024 = −333334 → a's v = 4333334, d = 7333334.
    const r = rig({ policy: 'eevdf', params: eevdf().params, cpus: 2, balanceIntervalNs: ms(4) });
    const a = r.spawn('a', [{ c: ms(20) }], { cpu: 0 });
    r.spawn('b', [{ c: ms(20) }], { cpu: 0 });
    r.spawn('d', [{ c: ms(20) }], { cpu: 0 });
    r.spawn('c', [{ c: ms(20) }], { cpu: 1 });
    r.run(ms(4));
    expect(r.sink.events.filter((e) => e.k === 'migrate')).toEqual([{ k: 'migrate', t: ms(4), tid: 1, from: 0, to: 1, why: 'periodic load balance' }]);
    expect(a.vlag).toBe(-166667);
    expect(a.vruntime).toBe(4333334);
    expect(a.deadline).toBe(7333334);
  });

  it('nice 0 vs nice 5 share the CPU by weight', () => {
    // vruntime advances 1024/w per ns, and the pick keeps vruntimes close: over 600 ms the
    // nice-0 thread gets 1024/1359 = 75.35 % (± 0.5 %, whole slices).
    const r = rig({ policy: 'eevdf', params: eevdf().params });
    const a = r.spawn('a', [{ c: 1e12 }]);
    r.spawn('b', [{ c: 1e12 }], { nice: 5 });
    r.run(ms(600));
    expect(Math.abs(a.runningNs / ms(600) - 1024 / 1359)).toBeLessThan(0.005);
  });

  it('yield moves the deadline one vslice later', () => {
    // a: yield at once, then compute. b: compute. a new (v 0, d 1.5), b (v 0, d 1.5).
    // a yields at 0: d 4.5 → b (d 1.5) runs 0–1.5 (d 4.5); tie at 4.5 → a (queued first).
    const r = rig({ policy: 'eevdf', params: eevdf().params });
    const a = r.spawn('a', ['y', { c: ms(3) }]);
    r.spawn('b', [{ c: ms(3) }]);
    r.run();
    expect(runs(r.sink.events).map(([t, tid]) => [t / 1e6, tid])).toEqual([
      [0, 1],
      [0, 2],
      [1.5, 1],
      [4.5, 2],
    ]);
    expect(a.nivcsw).toBe(1);
  });
});

describe('nice values of background threads', () => {
  it('a background hog at nice 19 barely slows a workload task; at nice −5 it takes 3/4 of the CPU', () => {
    // cfs, 1 CPU: the task (nice 0, weight 1024) computes 100 ms next to a hog that never
    // stops. Its share is 1024 / (1024 + w_hog), so it finishes at 100 ms · (1024 + w)/1024:
    // nice 19 (w 15): 101.46 ms; nice 0: 200 ms; nice −5 (w 3121): 404.79 ms. Whole slices
    // and the creation order (the hog is created first) allow 1 % (2 % at nice 0).
    for (const [nice, end, tol] of [
      [19, 101.46, 0.01],
      [0, 200, 0.02],
      [-5, 404.79, 0.01],
    ] as const) {
      const { result } = run({
        os: { policy: 'cfs', exactSliceEnd: true },
        workload: {
          sources: [batch('t', 1, [{ compute: ms(100) }])],
          background: [{ name: 'hog', count: 1, nice, program: [{ repeat: Infinity, do: [{ compute: ms(1000) }] }] }],
        },
      });
      expect(Math.abs(result.simulatedNs / 1e6 - end), `nice ${nice}`).toBeLessThanOrEqual(end * tol);
    }
  });
});
