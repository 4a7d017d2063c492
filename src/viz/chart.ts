/**
 * Charts: Vega-Lite spec -> Vega -> SVG string (headless, `renderer: 'none'`, no DOM, no canvas); svg-png.ts
 * turns them into PNG bytes.
 *
 * Everything is deterministic: the same data and options give the same SVG string.
 *
 * Caveat: Vega's runtime compiles its (here library-generated) expressions with `Function`; we never call
 * eval/new Function ourselves and never pass user-written expressions to Vega. A strict-CSP browser build
 * would need the `vega-interpreter` package (not installed) with `parse(spec, undefined, { ast: true })`.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { svgToPng } from './svg-png.js';

/** Vega's "tableau10" colours, listed explicitly so series colours never depend on Vega's defaults. */
const PALETTE10 = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];
/** Vega's "tableau20", used when there are more than 10 categories (cycled beyond 20). */
const PALETTE20 = [
  '#4c78a8', '#9ecae9', '#f58518', '#ffbf79', '#54a24b', '#88d27a', '#b79a20', '#f2cf5b', '#439894', '#83bcb6',
  '#e45756', '#ff9d98', '#79706e', '#bab0ac', '#d67195', '#fcbfd2', '#b279a2', '#d6a5c9', '#9e765f', '#d8b5a5',
];

function palette(n: number): string[] {
  const base = n <= PALETTE10.length ? PALETTE10 : PALETTE20;
  return Array.from({ length: n }, (_, i) => base[i % base.length]);
}

const BASE_CONFIG = {
  font: 'sans-serif',
  background: 'white',
  title: { fontSize: 14 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' },
  legend: { labelFontSize: 11, titleFontSize: 11, symbolStrokeWidth: 2.5 },
} as const;

/** Compile a Vega-Lite spec and render it headlessly to an SVG string. */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const quiet = vega.logger(vega.None);
  const vg = compile(spec, { logger: quiet }).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none', logger: quiet, logLevel: vega.None });
  try {
    return renumberDefIds(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * Vega numbers clip paths and gradients with process-wide counters ("clip14" on the 5th chart), which
 * would make identical charts differ. Renumber them per SVG, in order of first appearance, in one pass.
 */
function renumberDefIds(svg: string): string {
  const map = new Map<string, string>();
  const counters = new Map<string, number>();
  return svg.replace(/(id="|url\(#|href="#)((clip|gradient_|p_gradient_)(\d+))(?=[")])/g, (_m, lead: string, id: string, prefix: string) => {
    let next = map.get(id);
    if (next === undefined) {
      const n = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, n);
      next = `${prefix}${n}`;
      map.set(id, next);
    }
    return lead + next;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Line charts

export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

export interface LineChartSpec {
  title?: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  /** Logarithmic y axis. Points with y <= 0 cannot be placed on it and are dropped. Default false. */
  logY?: boolean;
  /** Plot-area size in SVG pixels (axes, titles and legend come on top). Defaults 480 x 280. */
  width?: number;
  height?: number;
  /** Draw a dot at every data point. Default: only when the longest series has <= 40 points (so a
   * one-epoch history still shows something; a single point makes no line). */
  points?: boolean;
}

function checkSeries(series: LineSeries[], where: string): void {
  if (!Array.isArray(series)) throw new Error(`${where}: series must be an array`);
  const seen = new Set<string>();
  for (const s of series) {
    if (typeof s.name !== 'string' || s.name === '') throw new Error(`${where}: every series needs a non-empty name`);
    if (seen.has(s.name)) throw new Error(`${where}: duplicate series name "${s.name}"`);
    seen.add(s.name);
    if (s.x.length !== s.y.length) {
      throw new Error(`${where}: series "${s.name}" has ${s.x.length} x values but ${s.y.length} y values`);
    }
  }
}

/** For values that are all equal, a domain around that value; otherwise undefined (let Vega decide). */
function padDegenerate(vs: number[], log: boolean): [number, number] | undefined {
  if (vs.length === 0) return undefined;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of vs) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo !== hi) return undefined;
  if (log) return [lo / 2, lo * 2];
  const d = lo === 0 ? 1 : Math.abs(lo) / 2;
  return [lo - d, lo + d];
}

/**
 * Line chart as an SVG string: one coloured line per series, legend on the right in series order.
 * Points whose x or y is NaN or +-Infinity are dropped (with logY also y <= 0); the line is drawn straight
 * across the gap. A series left with no points still renders (it just has nothing to draw).
 */
export async function lineChartSvg(spec: LineChartSpec): Promise<string> {
  checkSeries(spec.series, 'lineChartSvg');
  const logY = spec.logY ?? false;
  const values: { x: number; y: number; series: string }[] = [];
  let longest = 0;
  let allIntX = true;
  for (const s of spec.series) {
    longest = Math.max(longest, s.x.length);
    for (let i = 0; i < s.x.length; i++) {
      const x = Number(s.x[i]);
      const y = Number(s.y[i]);
      if (!Number.isFinite(x) || !Number.isFinite(y) || (logY && y <= 0)) continue;
      if (!Number.isInteger(x)) allIntX = false;
      values.push({ x, y, series: s.name });
    }
  }
  const names = spec.series.map((s) => s.name);
  const points = spec.points ?? longest <= 40;
  // A single distinct value makes a zero-width domain (Vega then labels it like "0.300000"): pad it.
  const xDomain = padDegenerate(values.map((v) => v.x), false);
  const yDomain = padDegenerate(values.map((v) => v.y), logY);
  const vl = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(spec.title ? { title: spec.title } : {}),
    width: spec.width ?? 480,
    height: spec.height ?? 280,
    config: BASE_CONFIG,
    data: { values },
    mark: { type: 'line', strokeWidth: 2, clip: true, ...(points ? { point: { size: 30 } } : {}) },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: spec.xLabel,
        scale: { zero: false, nice: false, padding: 10, ...(xDomain ? { domain: xDomain } : {}) },
        axis: allIntX ? { tickMinStep: 1, format: 'd' } : {},
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: spec.yLabel,
        scale: { ...(logY ? { type: 'log', nice: false, padding: 10 } : { zero: false }), ...(yDomain ? { domain: yDomain } : {}) },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: names, range: palette(names.length) },
        legend: { orient: 'right' },
      },
      order: { field: 'x', type: 'quantitative' },
    },
  } as unknown as TopLevelSpec;
  return vegaLiteToSvg(vl);
}

// ---------------------------------------------------------------------------------------------------------
// Loss chart

export interface LossHistory {
  epoch: number[];
  trainLoss: number[];
  valLoss?: number[];
}

export interface LossChartOptions {
  title?: string;
  /** 'auto' (default): log scale when every finite loss is > 0 and they span at least a factor of 10. */
  logY?: boolean | 'auto';
  /** Width of the PNG in pixels (the SVG is scaled to fit, text included). Default 1000. */
  pngWidth?: number;
  /** Plot-area size in SVG pixels. Defaults 480 x 280. */
  width?: number;
  height?: number;
  yLabel?: string;
}

/** Log scale helps once losses span an order of magnitude; a linear axis reads better otherwise. */
function autoLog(ys: number[][]): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const y of ys) {
    for (const v of y) {
      if (!Number.isFinite(v)) continue;
      if (v <= 0) return false;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return hi >= lo && hi / lo >= 10;
}

/**
 * Training curve: train loss (and validation loss, if given) per epoch, with a legend ("train",
 * "validation"). Non-finite losses (a diverged epoch) are dropped rather than crashing the plot.
 */
export async function lossChart(history: LossHistory, opts: LossChartOptions = {}): Promise<{ svg: string; png: Uint8Array }> {
  const { epoch, trainLoss, valLoss } = history;
  if (trainLoss.length !== epoch.length) {
    throw new Error(`lossChart: ${epoch.length} epochs but ${trainLoss.length} train losses`);
  }
  if (valLoss && valLoss.length !== epoch.length) {
    throw new Error(`lossChart: ${epoch.length} epochs but ${valLoss.length} validation losses`);
  }
  const series: LineSeries[] = [{ name: 'train', x: epoch, y: trainLoss }];
  if (valLoss) series.push({ name: 'validation', x: epoch, y: valLoss });
  const logY = opts.logY === undefined || opts.logY === 'auto' ? autoLog(series.map((s) => s.y as number[])) : opts.logY;
  const svg = await lineChartSvg({
    title: opts.title ?? 'Loss per epoch',
    xLabel: 'epoch',
    yLabel: opts.yLabel ?? (logY ? 'loss (log scale)' : 'loss'),
    series,
    logY,
    width: opts.width,
    height: opts.height,
  });
  return { svg, png: svgToPng(svg, { width: opts.pngWidth ?? 1000 }) };
}

// ---------------------------------------------------------------------------------------------------------
// Scatter plots (latent spaces)

export interface ScatterPoint {
  x: number;
  y: number;
  label: string;
}

export interface ScatterOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Legend title. Default none. */
  legendTitle?: string;
  /** Plot-area size in SVG pixels. Defaults 420 x 420. */
  width?: number;
  height?: number;
  /** Dot area in square pixels. Default 16. */
  pointSize?: number;
  /** Dot opacity. Default 0.7. */
  opacity?: number;
}

/** Labels sort numerically when they all look like numbers ("2" before "10"), else lexicographically. */
function sortLabels(labels: string[]): string[] {
  const numeric = labels.every((l) => l.trim() !== '' && Number.isFinite(Number(l)));
  return numeric ? [...labels].sort((a, b) => Number(a) - Number(b)) : [...labels].sort();
}

/**
 * Scatter plot coloured by label, with a legend (e.g. a 2-D latent space coloured by digit class).
 * Points with a non-finite coordinate are dropped. Drawing order follows the input order.
 */
export async function scatterSvg(points: readonly ScatterPoint[], opts: ScatterOptions = {}): Promise<string> {
  if (!Array.isArray(points)) throw new Error('scatterSvg: points must be an array');
  const values: ScatterPoint[] = [];
  const labels = new Set<string>();
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const label = String(p.label);
    labels.add(label);
    values.push({ x: p.x, y: p.y, label });
  }
  const domain = sortLabels([...labels]);
  const vl = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: opts.width ?? 420,
    height: opts.height ?? 420,
    config: BASE_CONFIG,
    data: { values },
    mark: { type: 'circle', size: opts.pointSize ?? 16, opacity: opts.opacity ?? 0.7 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xLabel ?? 'z1', scale: { zero: false, padding: 8 } },
      y: { field: 'y', type: 'quantitative', title: opts.yLabel ?? 'z2', scale: { zero: false, padding: 8 } },
      color: {
        field: 'label',
        type: 'nominal',
        title: opts.legendTitle ?? null,
        scale: { domain, range: palette(domain.length) },
        legend: { orient: 'right', symbolOpacity: 1 },
      },
    },
  } as unknown as TopLevelSpec;
  return vegaLiteToSvg(vl);
}
