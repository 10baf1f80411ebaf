/**
 * The simulated twins in validation/scenarios/ (docs/validation.md): each loads, and the
 * figures docs/validation.md puts next to the real runtime's are the ones the model gives.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulate } from '../src/sim.js';
import { MemorySink, type TraceEvent } from '../src/trace/events.js';
import { loadScenario } from '../src/workload/scenario.js';

const dir = 'validation/scenarios';

function variant(file: string, name: string): ReturnType<typeof loadScenario>['variants'][number] {
  const loaded = loadScenario(readFileSync(file, 'utf8'), file);
  const v = loaded.variants.find((x) => x.name === name);
  if (v === undefined) throw new Error(`${file}: no variant ${name}`);
  return v;
}

describe('validation scenarios', () => {
  it('every file in validation/scenarios loads', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBe(4);
    for (const f of files) expect(() => loadScenario(readFileSync(`${dir}/${f}`, 'utf8'), `${dir}/${f}`)).not.toThrow();
  });

  it('go-blocking: a handoff takes two sysmon loops, or three when the new M starts after the next look', () => {
    const file = `${dir}/go-blocking.yaml`;
    // Retakes of P0, from the trace: one handoff from one to the next.
    const handoffs = (name: string): { period: number[]; lastStart: number; threads: number } => {
      const v = variant(file, name);
      const sink = new MemorySink();
      const r = simulate(v.config, { trace: sink });
      const retakes = sink.events.filter((e: TraceEvent) => e.k === 'pstate' && e.p === 0 && e.from === 'Psyscall' && e.to === 'Pidle').map((e) => e.t);
      const period = new Set<number>();
      for (let i = 1; i < retakes.length; i++) period.add(retakes[i]! - retakes[i - 1]!);
      const go = r.go as { goroutineSchedLatencyNs: { max: number }; maxThreads: number };
      return { period: [...period].sort((a, b) => a - b), lastStart: go.goroutineSchedLatencyNs.max, threads: go.maxThreads };
    };
    // sysmon's loop: usleep(20µs) + the 108µs timer slack + its 500ns of work = 128.5µs, and
    // a P is retaken at the second look that sees it in the same syscall: two loops per
    // handoff, plus one 1.1µs context switch of sysmon's thread (its CPU ran the new M).
    const def = handoffs('syscall');
    expect(def.threads).toBe(1002);
    expect(def.period).toEqual([2 * 128_500 + 1_100]);
    expect(Math.round(def.lastStart / 1e5) / 10).toBe(128.7);
    // A 170µs thread creation (as measured in validation/go/handoff) starts the new M after
    // sysmon's next look: three loops per handoff.
    const slow = handoffs('syscall-newm-170us');
    expect(slow.threads).toBe(1002);
    expect(slow.period).toEqual([3 * 128_500 + 1_100, 3 * 128_500 + 2 * 1_100]);
    expect(Math.round(slow.lastStart / 1e5) / 10).toBe(193);
  });
});
