/**
 * The run's figures: the same rows as the CLI's summary table (src/metrics/report.ts), the
 * variant table, and a bar chart comparing the variants on one metric (plain SVG).
 */
import { useState } from 'preact/hooks';
import { detailLines, dur, int, pct, summaryRows, truncationNote, variantTableRows } from '../../src/metrics/report.js';
import type { RunResult, SimConfig } from '../../src/sim.js';

export function Summary({ result, config, name }: { result: RunResult; config: SimConfig; name: string | null }) {
  const rows = summaryRows(result);
  const lines = detailLines(result);
  const note = truncationNote(result, config);
  return (
    <div id="summary" class="summary" data-outcome={result.outcome}>
      <h3>
        {name !== null ? `variant ${name}` : result.scenario} · seed {result.seed} · {result.model} · {result.policy}
      </h3>
      <table class="figures">
        <tbody>
          {rows.map(([k, v], i) => (
            <tr key={i} data-key={k}>
              <th>{k}</th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {lines.length > 0 && <pre class="details-lines">{lines.join('\n')}</pre>}
      {note !== null && <p class="note">note: {note}</p>}
    </div>
  );
}

export interface VariantResult {
  name: string;
  result: RunResult;
}

interface Metric {
  label: string;
  get(r: RunResult): number;
  text(v: number): string;
}

const METRICS: Record<string, Metric> = {
  taskP50: { label: 'task latency p50', get: (r) => r.tasks.latencyNs.p50, text: dur },
  taskP99: { label: 'task latency p99', get: (r) => r.tasks.latencyNs.p99, text: dur },
  schedP99: { label: 'sched latency p99', get: (r) => r.schedLatencyNs.p99, text: dur },
  simulated: { label: 'simulated time', get: (r) => r.simulatedNs, text: dur },
  cpu: { label: 'CPU utilization', get: (r) => r.cpus.utilization, text: pct },
  switching: { label: 'CPU share switching', get: (r) => r.cpus.switchingShare, text: pct },
  switches: { label: 'context switches', get: (r) => r.contextSwitches.total, text: int },
  threads: { label: 'threads created', get: (r) => r.threads.created, text: int },
  throughput: { label: 'throughput (tasks/s)', get: (r) => r.tasks.throughputPerSec, text: (v) => int(Math.round(v)) },
};

export function Variants({ rows, selected, onPick }: { rows: readonly VariantResult[]; selected: string | null; onPick: (name: string) => void }) {
  const [metric, setMetric] = useState('taskP99');
  const table = variantTableRows(rows);
  const m = METRICS[metric]!;
  const values = rows.map((r) => m.get(r.result));
  const max = Math.max(1e-12, ...values);
  const barH = 20;
  const labelW = 130;
  const w = 460;
  const h = rows.length * (barH + 6) + 8;
  return (
    <div id="variants" class="variants" data-count={rows.length}>
      <div class="vtable-wrap">
      <table class="vtable">
        <thead>
          <tr>
            {table.head.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((cells, i) => (
            <tr key={i} class={rows[i]!.name === selected ? 'sel' : ''} data-variant={rows[i]!.name} onClick={() => onPick(rows[i]!.name)} title="show this variant on the timeline">
              {cells.map((c, j) => (
                <td key={j}>{c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      </div>
      <div class="chart-wrap">
      <div class="chart-head">
        <label>
          compare{' '}
          <select id="chart-metric" value={metric} onChange={(e) => setMetric((e.currentTarget).value)}>
            {Object.entries(METRICS).map(([k, v]) => (
              <option key={k} value={k}>
                {v.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <svg id="chart" class="chart" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${m.label} by variant`}>
        {rows.map((r, i) => {
          const v = values[i]!;
          const bw = Math.max(1, ((w - labelW - 90) * v) / max);
          const y = 4 + i * (barH + 6);
          return (
            <g key={r.name}>
              <text x={labelW - 6} y={y + barH / 2 + 4} text-anchor="end" class="bar-label">
                {r.name}
              </text>
              <rect x={labelW} y={y} width={bw} height={barH} class={r.name === selected ? 'bar sel' : 'bar'} />
              <text x={labelW + bw + 5} y={y + barH / 2 + 4} class="bar-value">
                {m.text(v)}
              </text>
            </g>
          );
        })}
      </svg>
      </div>
    </div>
  );
}
