/**
 * SVG charts for sweeps and comparisons: a Vega-Lite spec compiled by vega-lite 6.4.3 and
 * rendered headless by vega 6.4.0 (renderer 'none' → toSVG; no DOM, no canvas). The spec is
 * also returned, so the CLI writes it next to the SVG (*.vl.json) for re-use in other tools.
 * Rendering is deterministic: the same data give a byte-identical SVG.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export interface LinePoint {
  x: string;
  series: string;
  mean: number;
  min: number;
  max: number;
  n: number;
}

/**
 * Metric vs the first varied parameter: one line per value of the second (if any), points at
 * the mean over seeds, and a min–max bar where several seeds ran.
 */
export function lineSpec(opts: { title: string; xTitle: string; xOrder: string[]; yTitle: string; seriesTitle: string | null; points: LinePoint[] }): TopLevelSpec {
  const color = opts.seriesTitle !== null ? { color: { field: 'series', type: 'nominal' as const, title: opts.seriesTitle, legend: { titleLimit: 400 } } } : {};
  const x = { field: 'x', type: 'ordinal' as const, sort: opts.xOrder, title: opts.xTitle, axis: { labelAngle: 0 } };
  const spread = opts.points.some((p) => p.n > 1);
  const line = {
    mark: { type: 'line' as const, point: true },
    encoding: { x, y: { field: 'mean', type: 'quantitative' as const, title: opts.yTitle, scale: { zero: false } }, ...color },
  };
  const bars = {
    mark: { type: 'rule' as const, strokeWidth: 2, opacity: 0.5 },
    encoding: { x, y: { field: 'min', type: 'quantitative' as const }, y2: { field: 'max' }, ...color },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    width: 480,
    height: 300,
    data: { values: opts.points as unknown as Array<Record<string, unknown>> },
    layer: spread ? [bars, line] : [line],
  };
}

export interface Bar {
  model: string;
  metric: string;
  value: number;
}

/** Grouped bars: one panel per metric, one bar per model. */
export function barSpec(opts: { title: string; bars: Bar[]; modelOrder: string[]; metricOrder: string[] }): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    data: { values: opts.bars as unknown as Array<Record<string, unknown>> },
    facet: { field: 'metric', type: 'nominal', sort: opts.metricOrder, title: null, header: { labelFontWeight: 'bold' } },
    columns: 3,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 160,
      height: 140,
      mark: 'bar',
      encoding: {
        x: { field: 'model', type: 'nominal', sort: opts.modelOrder, title: null, axis: { labelAngle: 0 } },
        y: { field: 'value', type: 'quantitative', title: null },
        color: { field: 'model', type: 'nominal', sort: opts.modelOrder, legend: null },
      },
    },
  };
}
