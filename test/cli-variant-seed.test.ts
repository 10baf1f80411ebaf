/**
 * Two CLI behaviours: `--set` with `--variant` is applied to (and checked against) the chosen
 * variant only; `sweep --vary seed=...` runs each listed seed (and refuses `--seeds N` with it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planSweep } from '../src/node/sweep.js';
import { loadScenario, parseSetFlag, ScenarioError } from '../src/workload/scenario.js';

const file = 'examples/seed-context-switching.yaml';
const text = readFileSync(file, 'utf8');

describe('--set with --variant', () => {
  it('applies to the chosen variant only', () => {
    // os.policy=eevdf leaves rr-10's `quantum` on the wrong policy: an error for every variant
    // that sets it, but not when only cfs-100 is built.
    const set = [parseSetFlag('os.policy=eevdf')];
    expect(() => loadScenario(text, file, { overrides: set })).toThrow(ScenarioError);
    const one = loadScenario(text, file, { overrides: set, only: 'cfs-100' });
    expect(one.variants.map((v) => v.name)).toEqual(['cfs-100']);
    expect(one.variants[0]!.config.os.policy).toBe('eevdf');
  });
});

describe('sweep --vary seed', () => {
  const sweepText = readFileSync('examples/seed-unpredictable.yaml', 'utf8');
  it('runs each listed seed once', () => {
    const plan = planSweep({ text: sweepText, file: 'seed-unpredictable.yaml', vary: [{ path: 'seed', values: ['1', '2', '7'] }], seeds: 1, overrides: [], metric: 'simulatedNs' });
    expect(plan.points.map((p) => p.seed)).toEqual([1, 2, 7]);
    expect(plan.points.map((p) => p.config.seed)).toEqual([1, 2, 7]);
    expect(plan.seeds).toEqual([1, 2, 7]);
  });
  it('refuses --seeds N with it', () => {
    expect(() => planSweep({ text: sweepText, file: 'seed-unpredictable.yaml', vary: [{ path: 'seed', values: ['1', '2'] }], seeds: 3, overrides: [], metric: 'simulatedNs' })).toThrow(
      '--vary seed=... and --seeds 3 both choose seeds: use one of them',
    );
  });
});
