/** Loading the editor's text the way the CLI does (same loader, same validation, same overrides). */
import { loadScenario, ScenarioError, type LoadedScenario, type LocatedIssue, type Override } from '../../src/workload/scenario.js';

export interface RunOptions {
  seed?: number;
  model?: string;
}

/** --seed and --model, as the CLI applies them (after the file and its variants). */
export function overridesOf(o: RunOptions): Override[] {
  const out: Override[] = [];
  if (o.seed !== undefined) out.push({ path: 'seed', value: o.seed, label: `seed ${o.seed}` });
  if (o.model !== undefined && o.model !== '') out.push({ path: 'model', value: o.model, label: `model ${o.model}` });
  return out;
}

export type Checked = { ok: true; scenario: LoadedScenario } | { ok: false; issues: LocatedIssue[] };

export function check(text: string, file: string, o: RunOptions): Checked {
  try {
    return { ok: true, scenario: loadScenario(text, file, { overrides: overridesOf(o) }) };
  } catch (e) {
    if (e instanceof ScenarioError) return { ok: false, issues: e.issues };
    return { ok: false, issues: [{ where: file, path: '', message: e instanceof Error ? e.message : String(e) }] };
  }
}
