/**
 * Determinism: every example in examples/ (every variant) run twice gives a byte-identical
 * JSON result and an identical trace (hashed event by event), including a run with the
 * whole-state check on, which must not change anything either.
 */
import { createHash, type Hash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Simulation } from '../src/sim.js';
import type { TraceEvent, TraceSink } from '../src/trace/events.js';
import { loadScenario } from '../src/workload/scenario.js';

class HashSink implements TraceSink {
  private readonly h: Hash = createHash('sha256');
  n = 0;
  emit(ev: TraceEvent): void {
    this.h.update(JSON.stringify(ev));
    this.h.update('\n');
    this.n++;
  }
  digest(): string {
    return this.h.digest('hex');
  }
}

const files = readdirSync('examples')
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml') || f.endsWith('.json'))
  .sort();

describe('determinism', () => {
  it('finds the examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
  });

  it.each(files)('%s: twice → identical results and traces', (f) => {
    const text = readFileSync(`examples/${f}`, 'utf8');
    const s = loadScenario(text, f);
    expect(JSON.stringify(loadScenario(text, f).config)).toBe(JSON.stringify(s.config));
    const configs = s.variants.length > 0 ? s.variants.map((v) => v.config) : [s.config];
    configs.forEach((config, i) => {
      const runs = [0, 1].map(() => {
        const sink = new HashSink();
        const result = new Simulation(config, { trace: sink }).run();
        return { json: JSON.stringify(result), hash: sink.digest(), n: sink.n };
      });
      expect(runs[1]!.json).toBe(runs[0]!.json);
      expect(runs[1]!.hash).toBe(runs[0]!.hash);
      expect(runs[0]!.n).toBeGreaterThan(0);
      // An untraced run agrees too (checked on the first variant, to keep the suite fast).
      if (i === 0) expect(JSON.stringify(new Simulation(config).run())).toBe(runs[0]!.json);
    });
  });

  it('a run in slices (runInterruptible, the CLI\'s traced runs) is the same run, event for event', async () => {
    // Every variant of two examples (threads, pool and go; runs that end done, at the time limit
    // and at the event limit), in slices of 7 events: the same result and the same trace.
    for (const f of ['seed-concurrency-vs-parallelism.yaml', 'go-work-stealing.yaml']) {
      const s = loadScenario(readFileSync(`examples/${f}`, 'utf8'), f);
      const configs = [...s.variants.map((v) => v.config), { ...s.config, limits: { events: 1000 } }, { ...s.config, limits: { timeNs: 2_000_000 } }];
      for (const config of configs) {
        const whole = new HashSink();
        const a = JSON.stringify(new Simulation(config, { trace: whole }).run());
        const sliced = new HashSink();
        let pauses = 0;
        const r = await new Simulation(config, { trace: sliced }).runInterruptible(7, () => Promise.resolve(++pauses < 0));
        expect(JSON.stringify(r)).toBe(a);
        expect(sliced.digest()).toBe(whole.digest());
        // A pause after every slice of 7 that did not end the run (the last may end exactly at a slice's end).
        expect(pauses).toBeGreaterThanOrEqual(Math.floor((r!.events - 1) / 7));
        expect(pauses).toBeLessThanOrEqual(Math.floor(r!.events / 7));
      }
    }
  });

  it('a run in slices stops at the first pause that asks, and says so with null', async () => {
    const f = 'go-work-stealing.yaml';
    const s = loadScenario(readFileSync(`examples/${f}`, 'utf8'), f);
    expect(new Simulation(s.config).run().events).toBeGreaterThan(1000);
    const sim = new Simulation(s.config);
    let pauses = 0;
    expect(await sim.runInterruptible(100, () => Promise.resolve(++pauses === 3))).toBe(null);
    expect(sim.engine.events).toBe(300);
  });

  it('the whole-state check changes nothing (small example)', () => {
    const f = 'seed-concurrency-vs-parallelism.yaml';
    const s = loadScenario(readFileSync(`examples/${f}`, 'utf8'), f);
    for (const v of s.variants) {
      expect(JSON.stringify(new Simulation(v.config, { check: true }).run())).toBe(JSON.stringify(new Simulation(v.config).run()));
    }
  });
});
