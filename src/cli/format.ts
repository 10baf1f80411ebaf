/**
 * Text output of the CLI: the resolved-scenario header, the summary table of one run, and the
 * one-row-per-variant table. Every figure is formatted without the locale, so the output of a
 * scenario and seed is the same byte for byte on every machine.
 */
import Table from 'cli-table3';
import { createColors } from 'picocolors';
import { formatDuration } from '../engine/time.js';
import type { Summary } from '../metrics/stats.js';
import type { RunResult, SimConfig } from '../sim.js';
import { describeConfig } from '../workload/scenario-describe.js';
import { groupDigits } from '../workload/scenario-text.js';

export type Colors = ReturnType<typeof createColors>;

export function colors(enabled: boolean): Colors {
  return createColors(enabled);
}

export const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
export const int = (n: number): string => groupDigits(n);
export const dur = (ns: number): string => formatDuration(ns);

export function rate(x: number): string {
  return `${groupDigits(Number(x.toFixed(2)))}/s`;
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

function pcts(s: Summary): string {
  return `p50 ${dur(s.p50)}  p90 ${dur(s.p90)}  p99 ${dur(s.p99)}  max ${dur(s.max)}`;
}

function outcomeText(r: RunResult, c: Colors): string {
  switch (r.outcome) {
    case 'completed':
      return c.green('completed');
    case 'truncated':
      return c.yellow(`truncated (${r.stopReason === 'event-limit' ? 'event limit' : 'time limit'} reached)`);
    case 'deadlock':
      return c.red('deadlock');
    case 'panic':
      return c.red('panic');
    case 'idle':
      return c.yellow('idle (nothing left to run, tasks unfinished)');
    default:
      return String(r.outcome);
  }
}

/** The summary table of one run. */
export function summaryTable(r: RunResult, c: Colors): string {
  const t = table();
  t.push(
    ['outcome', outcomeText(r, c)],
    ['simulated time', dur(r.simulatedNs)],
    ['events', int(r.events)],
    ['CPU', `utilization ${pct(r.cpus.utilization)}, switching ${pct(r.cpus.switchingShare)} (${r.cpus.count} CPU${r.cpus.count === 1 ? '' : 's'})`],
    ['context switches', `${int(r.contextSwitches.voluntary)} voluntary, ${int(r.contextSwitches.involuntary)} involuntary`],
    ['threads', `${int(r.threads.created)} created, ${int(r.threads.maxLive)} max live`],
    ['tasks', tasksText(r)],
    ['throughput', `${rate(r.tasks.throughputPerSec).slice(0, -2)} tasks/s`],
    ['task latency', pcts(r.tasks.latencyNs)],
    ['sched latency', pcts(r.schedLatencyNs)],
  );
  if (r.tasks.bySource.length > 1) {
    r.tasks.bySource.forEach((b, i) => t.push([i === 0 ? 'by source' : '', `${b.name}: ${int(b.completed)} of ${int(b.created)}, latency ${pcts(b.latencyNs)}`]));
  }
  if (r.bandwidth) {
    t.push(['bandwidth', `${dur(r.bandwidth.quotaNs)} per ${dur(r.bandwidth.periodNs)}: throttled in ${int(r.bandwidth.throttledPeriods)} of ${int(r.bandwidth.periods)} periods, ${dur(r.bandwidth.throttledNs)} in total`]);
  }
  if (r.tasks.completionOrder) t.push(['completion order', orderText(r.tasks.completionOrder)]);
  let s = t.toString() + '\n';
  s += details(r, c, '');
  return s;
}

function tasksText(r: RunResult): string {
  let s = `${int(r.tasks.completed)} completed of ${int(r.tasks.created)} created`;
  const sp = r.tasks.spawned;
  if (sp.created > 0) s += `; spawned ${int(sp.completed)} completed of ${int(sp.created)}`;
  return s;
}

export function orderText(order: readonly number[], max = 40): string {
  const shown = order.slice(0, max).join(' ');
  return order.length > max ? `${shown} ... (${order.length} tasks)` : shown;
}

/** Deadlock, panic and (unless `withModel` is false) model-specific figures, after a table. */
export function details(r: RunResult, c: Colors, prefix: string, withModel = true): string {
  let s = '';
  if (r.panic !== undefined) s += `${prefix}${c.red('panic')}: ${r.panic}\n`;
  if (r.deadlock) {
    const b = r.deadlock.blocked;
    s += `${prefix}${c.red('deadlock')}: ${b.length} task${b.length === 1 ? '' : 's'} blocked forever\n`;
    for (const t of b.slice(0, 10)) s += `  task ${t.task} (${t.name}): ${t.reason}${t.on !== '' ? ` on ${t.on}` : ''}${t.where !== '' ? `, ${t.where}` : ''}\n`;
    if (b.length > 10) s += `  ... and ${b.length - 10} more\n`;
  }
  for (const [label, m] of [
    ['pool', r.pool],
    ['go', r.go],
  ] as const) {
    if (m === undefined || !withModel) continue;
    const parts = Object.entries(m)
      .filter(([, v]) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
      .map(([k, v]) => `${k} ${typeof v === 'number' ? int(v) : String(v)}`);
    if (parts.length > 0) s += `${prefix}${label}: ${parts.join(', ')}\n`;
  }
  return s;
}

/** The note printed when a run stopped at a limit. */
export function truncationNote(r: RunResult, config: SimConfig): string | null {
  if (!r.truncated) return null;
  if (r.stopReason === 'event-limit') {
    const n = config.limits?.events ?? r.events;
    return `the run was cut short at the event limit (${int(n)} events, at ${dur(r.simulatedNs)} simulated); the figures cover only that part. Raise the limit, e.g. --set limits.events=${n * 4}`;
  }
  const t = config.limits?.timeNs ?? r.simulatedNs;
  return `the run was cut short at the time limit (${dur(t)}); the figures cover only that part. Raise the limit, e.g. --set limits.time=${dur(t * 4)}`;
}

export interface VariantRow {
  name: string;
  result: RunResult;
}

/** One row per variant with the key figures (details of the models: see --json). */
export function variantTable(rows: readonly VariantRow[], c: Colors): string {
  const showOutcome = rows.some((r) => r.result.outcome !== 'completed');
  const head = ['variant', ...(showOutcome ? ['outcome'] : []), 'simulated', 'CPU', 'switching', 'switches vol/invol', 'threads', 'task p50', 'task p99', 'sched p99', 'sched max'];
  const t = table(head.map((h) => c.bold(h)));
  for (const { name, result: r } of rows) {
    t.push([
      name,
      ...(showOutcome ? [outcomeText(r, c)] : []),
      dur(r.simulatedNs),
      pct(r.cpus.utilization),
      pct(r.cpus.switchingShare),
      `${int(r.contextSwitches.voluntary)}/${int(r.contextSwitches.involuntary)}`,
      int(r.threads.created),
      dur(r.tasks.latencyNs.p50),
      dur(r.tasks.latencyNs.p99),
      dur(r.schedLatencyNs.p99),
      dur(r.schedLatencyNs.max),
    ]);
  }
  let s = t.toString() + '\n';
  for (const { name, result } of rows) s += details(result, c, `${name}: `, false);
  return s;
}
