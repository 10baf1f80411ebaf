/**
 * Text output of the CLI: the resolved-scenario header, the summary table of one run, and the
 * one-row-per-variant table. The rows themselves come from src/metrics/report.ts (shared with
 * the web playground); every figure is formatted without the locale, so the output of a
 * scenario and seed is the same byte for byte on every machine.
 */
import Table from 'cli-table3';
import { createColors } from 'picocolors';
import { detailLines, summaryRows, variantTableRows, type VariantRow } from '../metrics/report.js';
import type { RunResult, SimConfig } from '../sim.js';
import { describeConfig } from '../workload/scenario-describe.js';

export { dur, int, orderText, pct, rate, truncationNote, type VariantRow } from '../metrics/report.js';

export type Colors = ReturnType<typeof createColors>;

export function colors(enabled: boolean): Colors {
  return createColors(enabled);
}

function table(head: string[] = []): Table.Table {
  return new Table({ head, style: { head: [], border: [], compact: true } });
}

/** "scenario  name (file), seed 1" and the describeConfig rows, label-aligned. */
export function header(config: SimConfig, file: string, c: Colors, variants: ReadonlyArray<{ name: string; set: Record<string, unknown> }> = []): string {
  const rows: Array<[string, string]> = [['scenario', `${config.name} (${file}), seed ${config.seed >>> 0}`], ...describeConfig(config)];
  variants.forEach((v, i) => {
    const sets = Object.entries(v.set)
      .map(([k, val]) => `${k}=${valueText(val)}`)
      .join(' ');
    rows.push([i === 0 ? 'variants' : '', `${v.name}${sets !== '' ? `: ${sets}` : ''}`]);
  });
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${c.bold(k.padEnd(w))}  ${v}`).join('\n') + '\n';
}

/** A --set style value: plain words as they are, anything else as JSON. */
function valueText(v: unknown): string {
  if (typeof v === 'string' && /^[A-Za-z0-9_.:/()-]+$/.test(v)) return v;
  return JSON.stringify(v) ?? 'null';
}

/** The summary table of one run. */
export function summaryTable(r: RunResult, c: Colors): string {
  const t = table();
  t.push(...summaryRows(r, c));
  let s = t.toString() + '\n';
  s += details(r, c, '');
  return s;
}

/** Deadlock, panic and (unless `withModel` is false) model-specific figures, after a table. */
export function details(r: RunResult, c: Colors, prefix: string, withModel = true): string {
  return detailLines(r, c, withModel)
    .map((l) => (l.startsWith('  ') ? `${l}\n` : `${prefix}${l}\n`))
    .join('');
}

/** One row per variant with the key figures (details of the models: see --json). */
export function variantTable(rows: readonly VariantRow[], c: Colors): string {
  const v = variantTableRows(rows, c);
  const t = table(v.head.map((h) => c.bold(h)));
  t.push(...v.rows);
  let s = t.toString() + '\n';
  for (const { name, result } of rows) s += details(result, c, `${name}: `, false);
  return s;
}
