/**
 * The figures of a run as labelled text: the rows of the CLI's summary table and variant table,
 * the model details, and the truncation note. The CLI (src/cli/format.ts) draws them as
 * terminal tables; the web playground shows the same rows, so both print the same figures,
 * byte for byte. No locale: the same run gives the same text on every machine.
 */
import { formatDuration } from '../engine/time.js';
import type { RunResult, SimConfig } from '../sim.js';
import { groupDigits } from '../workload/scenario-text.js';
import type { Summary } from './stats.js';

/** Colours for the few words that have one (the CLI passes picocolors; the web, none). */
export interface Paint {
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
}

const id = (s: string): string => s;
export const NO_PAINT: Paint = { green: id, yellow: id, red: id };

export const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
export const int = (n: number): string => groupDigits(n);
export const dur = (ns: number): string => formatDuration(ns);

export function rate(x: number): string {
  return `${groupDigits(Number(x.toFixed(2)))}/s`;
}

export function pcts(s: Summary): string {
  return `p50 ${dur(s.p50)}  p90 ${dur(s.p90)}  p99 ${dur(s.p99)}  max ${dur(s.max)}`;
}

export function outcomeText(r: RunResult, c: Paint = NO_PAINT): string {
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

/** The rows [label, value] of the summary table of one run. */
export function summaryRows(r: RunResult, c: Paint = NO_PAINT): Array<[string, string]> {
  const rows: Array<[string, string]> = [
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
  ];
  if (r.tasks.bySource.length > 1) {
    r.tasks.bySource.forEach((b, i) => rows.push([i === 0 ? 'by source' : '', `${b.name}: ${int(b.completed)} of ${int(b.created)}, latency ${pcts(b.latencyNs)}`]));
  }
  if (r.bandwidth) {
    rows.push(['bandwidth', `${dur(r.bandwidth.quotaNs)} per ${dur(r.bandwidth.periodNs)}: throttled in ${int(r.bandwidth.throttledPeriods)} of ${int(r.bandwidth.periods)} periods, ${dur(r.bandwidth.throttledNs)} in total`]);
  }
  if (r.tasks.completionOrder) rows.push(['completion order', orderText(r.tasks.completionOrder)]);
  return rows;
}

const PANIC_PREFIX = 'panic: ';

/** Deadlock, panic and (unless `withModel` is false) model-specific figures, one line each. */
export function detailLines(r: RunResult, c: Paint = NO_PAINT, withModel = true): string[] {
  const out: string[] = [];
  if (r.panic !== undefined) {
    // A program's panic already reads "panic: …" (Go's words); a fatal runtime error does not.
    const text = r.panic.startsWith(PANIC_PREFIX) ? r.panic.slice(PANIC_PREFIX.length) : r.panic;
    out.push(`${c.red('panic')}: ${text}`);
  }
  if (r.deadlock) {
    const b = r.deadlock.blocked;
    out.push(`${c.red('deadlock')}: ${b.length} task${b.length === 1 ? '' : 's'} blocked forever`);
    for (const t of b.slice(0, 10)) out.push(`  task ${t.task} (${t.name}): ${t.reason}${t.on !== '' ? ` on ${t.on}` : ''}${t.where !== '' ? `, ${t.where}` : ''}`);
    if (b.length > 10) out.push(`  ... and ${b.length - 10} more`);
  }
  for (const [label, m] of [
    ['pool', r.pool],
    ['go', r.go],
  ] as const) {
    if (m === undefined || !withModel) continue;
    const parts = Object.entries(m)
      .filter(([, v]) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
      .map(([k, v]) => `${k} ${typeof v === 'number' ? int(v) : String(v)}`);
    if (parts.length > 0) out.push(`${label}: ${parts.join(', ')}`);
  }
  return out;
}

/** The note for a run stopped at a limit, or null. */
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

/** The variant table: its header and one row of cells per variant. */
export function variantTableRows(rows: readonly VariantRow[], c: Paint = NO_PAINT): { head: string[]; rows: string[][] } {
  const showOutcome = rows.some((r) => r.result.outcome !== 'completed');
  const head = ['variant', ...(showOutcome ? ['outcome'] : []), 'simulated', 'CPU', 'switching', 'switches vol/invol', 'threads', 'task p50', 'task p99', 'sched p99', 'sched max'];
  const cells = rows.map(({ name, result: r }) => [
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
  return { head, rows: cells };
}
