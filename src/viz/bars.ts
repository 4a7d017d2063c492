/**
 * A horizontal bar chart of one number per named item: per-feature reconstruction errors of a tabular model
 * (which columns the model rebuilds well), or per-feature contributions to an anomaly score.
 */
import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from './chart.js';
import { svgToPng } from './svg-png.js';

export interface BarChartOptions {
  title?: string;
  /** The value axis title. */
  xLabel?: string;
  /** Show only the `top` largest values (default: all), largest first. */
  top?: number;
  /** PNG width in pixels (default 900). */
  pngWidth?: number;
}

/** Bars of `values` labelled by `names`, largest first; non-finite values are drawn as 0 and named in the label. */
export async function barChart(names: readonly string[], values: ArrayLike<number>, opts: BarChartOptions = {}): Promise<{ svg: string; png: Uint8Array }> {
  if (names.length !== values.length) throw new Error(`barChart: ${names.length} names but ${values.length} values`);
  if (names.length === 0) throw new Error('barChart: nothing to draw');
  let rows = names.map((name, i) => ({ name: Number.isFinite(values[i]) ? name : `${name} (${values[i]})`, value: Number.isFinite(values[i]) ? values[i] : 0 }));
  rows.sort((a, b) => b.value - a.value);
  if (opts.top !== undefined) rows = rows.slice(0, opts.top);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: 420,
    height: { step: 16 },
    config: { font: 'sans-serif', background: 'white', axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' } },
    data: { values: rows },
    mark: { type: 'bar', color: '#4c78a8' },
    encoding: {
      y: { field: 'name', type: 'nominal', sort: null, title: null, axis: { labelLimit: 220 } },
      x: { field: 'value', type: 'quantitative', title: opts.xLabel ?? 'value' },
    },
  } as unknown as TopLevelSpec;
  const svg = await vegaLiteToSvg(spec);
  return { svg, png: svgToPng(svg, { width: opts.pngWidth ?? 900 }) };
}
