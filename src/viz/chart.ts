/**
 * Charts: Vega-Lite spec -> Vega -> SVG string (headless, `renderer: 'none'`, no DOM, no canvas), and
 * SVG -> PNG bytes with resvg (native rasteriser, no browser).
 *
 * Everything is deterministic: the same data and options give the same SVG string and the same PNG bytes
 * (on one machine; PNG bytes depend on the font that is found, see below).
 *
 * Fonts. Vega writes `font-family="sans-serif"` and resvg needs real font files to draw text. svgToPng
 * resolves fonts once per process, in this order:
 *   1. `opts.fontFiles`, if given (only those are loaded; resvg falls back to them for `sans-serif`);
 *   2. a known sans-serif font at a standard path: DejaVu Sans (Debian/Ubuntu/Fedora/Arch/Alpine paths),
 *      Liberation Sans, then Arial on macOS/Windows. Only those files are loaded (`loadSystemFonts: false`):
 *      fast, and the output does not change when unrelated fonts are installed;
 *   3. otherwise all system fonts (`loadSystemFonts: true`), after checking with a tiny probe render that
 *      text actually comes out;
 *   4. if even that draws nothing (e.g. a slim container with no fonts at all), a small built-in stroke font:
 *      every `<text>` element is replaced by an equivalent stroked `<path>` before rasterising, so axis
 *      labels, titles and legends stay legible. It covers printable ASCII (plus the U+2212 minus and the
 *      U+2026 ellipsis Vega emits); any other character is drawn as a box.
 * `chartFontInfo()` says which of these was chosen; `svgToPng(svg, { font: 'builtin' })` forces step 4.
 * The SVG itself always keeps real `<text>` (searchable, resizable); only the PNG path is affected.
 *
 * Caveat: Vega's runtime compiles its (here library-generated) expressions with `Function`; we never call
 * eval/new Function ourselves and never pass user-written expressions to Vega. A strict-CSP browser build
 * would need the `vega-interpreter` package (not installed) with `parse(spec, undefined, { ast: true })`.
 */
import { existsSync } from 'node:fs';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

// ---------------------------------------------------------------------------------------------------------
// Vega glue

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

// ---------------------------------------------------------------------------------------------------------
// SVG -> PNG

export type FontSource = 'files' | 'system' | 'builtin';

export interface FontInfo {
  source: FontSource;
  /** Family used for sans-serif text ('files' source only). */
  family?: string;
  /** Font files loaded ('files' source only). */
  files?: string[];
}

export interface SvgToPngOptions {
  /** Output width in pixels; height follows the SVG's aspect ratio. Default: the SVG's own width. */
  width?: number;
  /** Background painted under the SVG. Default 'white' (Vega charts also paint their own). */
  background?: string;
  /** Font files to use instead of the automatic choice (see the module comment). */
  fontFiles?: string[];
  /** 'builtin' forces the built-in stroke font (text converted to paths). Default 'auto'. */
  font?: 'auto' | 'builtin';
}

/** Known sans-serif fonts: [family, regular file, bold file (optional)]. First existing regular file wins. */
const FONT_CANDIDATES: [string, string, string?][] = [
  ['DejaVu Sans', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  ['DejaVu Sans', '/usr/share/fonts/dejavu/DejaVuSans.ttf', '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf'],
  ['DejaVu Sans', '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf', '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf'],
  ['DejaVu Sans', '/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf'],
  ['DejaVu Sans', '/usr/share/fonts/ttf-dejavu/DejaVuSans.ttf', '/usr/share/fonts/ttf-dejavu/DejaVuSans-Bold.ttf'],
  ['DejaVu Sans', '/usr/local/share/fonts/DejaVuSans.ttf', '/usr/local/share/fonts/DejaVuSans-Bold.ttf'],
  ['Liberation Sans', '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf'],
  ['Liberation Sans', '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf', '/usr/share/fonts/liberation-sans/LiberationSans-Bold.ttf'],
  ['Liberation Sans', '/usr/share/fonts/liberation/LiberationSans-Regular.ttf', '/usr/share/fonts/liberation/LiberationSans-Bold.ttf'],
  ['Arial', '/System/Library/Fonts/Supplemental/Arial.ttf', '/System/Library/Fonts/Supplemental/Arial Bold.ttf'],
  ['Arial', '/Library/Fonts/Arial.ttf', '/Library/Fonts/Arial Bold.ttf'],
  ['Arial', 'C:\\Windows\\Fonts\\arial.ttf', 'C:\\Windows\\Fonts\\arialbd.ttf'],
];

function filesFont(family: string, files: string[]): ResvgRenderOptions['font'] {
  return {
    loadSystemFonts: false,
    fontFiles: files,
    defaultFontFamily: family,
    sansSerifFamily: family,
    serifFamily: family,
    monospaceFamily: family,
  };
}

/** True if resvg draws any pixel for a one-letter text with these font options. */
function textRenders(font: ResvgRenderOptions['font']): boolean {
  const probe =
    '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24">' +
    '<text x="2" y="20" font-family="sans-serif" font-size="20" fill="#000">H</text></svg>';
  try {
    const px = new Resvg(probe, { font, logLevel: 'off' }).render().pixels;
    for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
  } catch {
    /* treat a failing font setup like a missing one */
  }
  return false;
}

let cachedAuto: { info: FontInfo; font?: ResvgRenderOptions['font'] } | undefined;

function resolveAutoFont(): { info: FontInfo; font?: ResvgRenderOptions['font'] } {
  if (cachedAuto) return cachedAuto;
  for (const [family, regular, bold] of FONT_CANDIDATES) {
    if (!existsSync(regular)) continue;
    const files = bold && existsSync(bold) ? [regular, bold] : [regular];
    const font = filesFont(family, files);
    if (textRenders(font)) return (cachedAuto = { info: { source: 'files', family, files }, font });
  }
  const system = { loadSystemFonts: true };
  if (textRenders(system)) return (cachedAuto = { info: { source: 'system' }, font: system });
  return (cachedAuto = { info: { source: 'builtin' } });
}

/** Which fonts svgToPng uses by default on this machine (resolved once, then cached). */
export function chartFontInfo(): FontInfo {
  return { ...resolveAutoFont().info };
}

/**
 * Rasterise an SVG string to PNG bytes with resvg. Deterministic for a given SVG, options and font.
 * `opts.width` scales the whole drawing (text included) to that many pixels wide.
 */
export function svgToPng(svg: string, opts: SvgToPngOptions = {}): Uint8Array {
  if (opts.width !== undefined && (!Number.isInteger(opts.width) || opts.width <= 0 || opts.width > 16384)) {
    throw new Error(`svgToPng: width must be an integer in 1..16384, got ${opts.width}`);
  }
  let font: ResvgRenderOptions['font'];
  let builtin = opts.font === 'builtin';
  if (!builtin) {
    if (opts.fontFiles && opts.fontFiles.length > 0) {
      for (const f of opts.fontFiles) if (!existsSync(f)) throw new Error(`svgToPng: font file not found: ${f}`);
      font = { loadSystemFonts: false, fontFiles: opts.fontFiles };
    } else {
      const auto = resolveAutoFont();
      font = auto.font;
      builtin = auto.info.source === 'builtin';
    }
  }
  const source = builtin ? textToPaths(svg) : svg;
  const options: ResvgRenderOptions = {
    background: opts.background ?? 'white',
    fitTo: opts.width ? { mode: 'width', value: opts.width } : { mode: 'original' },
    font: font ?? { loadSystemFonts: false },
    shapeRendering: 2,
    textRendering: 1,
    logLevel: 'off',
  };
  const png = new Resvg(source, options).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

// ---------------------------------------------------------------------------------------------------------
// Built-in stroke font (fallback when no font file can be found)
//
// Glyphs are polylines on a small grid: x from 0 to the glyph's advance width `w`, y from -6 (cap height)
// through -4 (x-height) to 0 (baseline) and 2 (descender). Path data uses only absolute M/L (and Z), so a
// glyph is placed by shifting and scaling its coordinate pairs. Drawn with round caps, so 'M a L a'-style
// tiny segments make dots.

const GLYPHS: Record<string, [number, string]> = {
  ' ': [2, ''],
  '0': [4, 'M1,-6L3,-6L4,-5L4,-1L3,0L1,0L0,-1L0,-5ZM3.6,-5.4L0.4,-0.6'],
  '1': [4, 'M1,-5L2,-6L2,0M1,0L3,0'],
  '2': [4, 'M0,-5L1,-6L3,-6L4,-5L4,-4L0,0L4,0'],
  '3': [4, 'M0,-6L4,-6L2,-4L3,-4L4,-3L4,-1L3,0L1,0L0,-1'],
  '4': [4, 'M3,0L3,-6L0,-2L4,-2'],
  '5': [4, 'M4,-6L0,-6L0,-3L3,-3L4,-2L4,-1L3,0L0,0'],
  '6': [4, 'M3,-6L2,-6L0,-4L0,-1L1,0L3,0L4,-1L4,-2L3,-3L0,-3'],
  '7': [4, 'M0,-6L4,-6L1,0'],
  '8': [4, 'M1,-3L0,-4L0,-5L1,-6L3,-6L4,-5L4,-4L3,-3L1,-3L0,-2L0,-1L1,0L3,0L4,-1L4,-2L3,-3'],
  '9': [4, 'M4,-3L1,-3L0,-4L0,-5L1,-6L3,-6L4,-5L4,-2L2,0L1,0'],
  A: [4, 'M0,0L0,-4L2,-6L4,-4L4,0M0,-2L4,-2'],
  B: [4, 'M0,0L0,-6L3,-6L4,-5L4,-4L3,-3L0,-3M3,-3L4,-2L4,-1L3,0L0,0'],
  C: [4, 'M4,-5L3,-6L1,-6L0,-5L0,-1L1,0L3,0L4,-1'],
  D: [4, 'M0,0L0,-6L2,-6L4,-4L4,-2L2,0Z'],
  E: [4, 'M4,-6L0,-6L0,0L4,0M0,-3L3,-3'],
  F: [4, 'M4,-6L0,-6L0,0M0,-3L3,-3'],
  G: [4, 'M4,-5L3,-6L1,-6L0,-5L0,-1L1,0L3,0L4,-1L4,-3L2,-3'],
  H: [4, 'M0,-6L0,0M4,-6L4,0M0,-3L4,-3'],
  I: [2, 'M0,-6L2,-6M1,-6L1,0M0,0L2,0'],
  J: [4, 'M4,-6L4,-1L3,0L1,0L0,-1'],
  K: [4, 'M0,-6L0,0M4,-6L0,-2M1,-3L4,0'],
  L: [4, 'M0,-6L0,0L4,0'],
  M: [5, 'M0,0L0,-6L2.5,-3L5,-6L5,0'],
  N: [4, 'M0,0L0,-6L4,0L4,-6'],
  O: [4, 'M1,-6L3,-6L4,-5L4,-1L3,0L1,0L0,-1L0,-5Z'],
  P: [4, 'M0,0L0,-6L3,-6L4,-5L4,-4L3,-3L0,-3'],
  Q: [4, 'M1,-6L3,-6L4,-5L4,-1L3,0L1,0L0,-1L0,-5ZM2.5,-1.5L4,0'],
  R: [4, 'M0,0L0,-6L3,-6L4,-5L4,-4L3,-3L0,-3M2,-3L4,0'],
  S: [4, 'M4,-5L3,-6L1,-6L0,-5L0,-4L1,-3L3,-3L4,-2L4,-1L3,0L1,0L0,-1'],
  T: [4, 'M0,-6L4,-6M2,-6L2,0'],
  U: [4, 'M0,-6L0,-1L1,0L3,0L4,-1L4,-6'],
  V: [4, 'M0,-6L2,0L4,-6'],
  W: [5, 'M0,-6L1,0L2.5,-4L4,0L5,-6'],
  X: [4, 'M0,-6L4,0M4,-6L0,0'],
  Y: [4, 'M0,-6L2,-3L4,-6M2,-3L2,0'],
  Z: [4, 'M0,-6L4,-6L0,0L4,0'],
  a: [4, 'M0.5,-4L3,-4L4,-3L4,0M4,-2.5L1,-2.5L0,-1.5L0,-0.8L0.8,0L3,0L4,-1'],
  b: [4, 'M0,-6L0,0M0,-3L1,-4L3,-4L4,-3L4,-1L3,0L1,0L0,-1'],
  c: [4, 'M4,-3L3,-4L1,-4L0,-3L0,-1L1,0L3,0L4,-1'],
  d: [4, 'M4,-6L4,0M4,-3L3,-4L1,-4L0,-3L0,-1L1,0L3,0L4,-1'],
  e: [4, 'M0,-2L4,-2L4,-3L3,-4L1,-4L0,-3L0,-1L1,0L3.5,0'],
  f: [3, 'M3,-6L2,-6L1,-5L1,0M0,-4L3,-4'],
  g: [4, 'M4,-4L4,1L3,2L1,2L0,1.5M4,-3L3,-4L1,-4L0,-3L0,-1L1,0L3,0L4,-1'],
  h: [4, 'M0,-6L0,0M0,-3L1,-4L3,-4L4,-3L4,0'],
  i: [1, 'M0.5,-4L0.5,0M0.5,-5.8L0.5,-5.5'],
  j: [2, 'M1.5,-4L1.5,1L0.5,2L0,2M1.5,-5.8L1.5,-5.5'],
  k: [3.5, 'M0,-6L0,0M0,-1.5L3,-4M1,-2.5L3.5,0'],
  l: [1.5, 'M0.5,-6L0.5,-0.5L1,0L1.5,0'],
  m: [5, 'M0,0L0,-4M0,-3L1,-4L1.5,-4L2.5,-3L2.5,0M2.5,-3L3.5,-4L4,-4L5,-3L5,0'],
  n: [4, 'M0,0L0,-4M0,-3L1,-4L3,-4L4,-3L4,0'],
  o: [4, 'M1,-4L3,-4L4,-3L4,-1L3,0L1,0L0,-1L0,-3Z'],
  p: [4, 'M0,-4L0,2M0,-3L1,-4L3,-4L4,-3L4,-1L3,0L1,0L0,-1'],
  q: [4, 'M4,-4L4,2M4,-3L3,-4L1,-4L0,-3L0,-1L1,0L3,0L4,-1'],
  r: [3, 'M0,0L0,-4M0,-2.5L1.5,-4L3,-4'],
  s: [4, 'M4,-3.5L3.5,-4L0.5,-4L0,-3.5L0,-2.5L0.5,-2L3.5,-2L4,-1.5L4,-0.5L3.5,0L0.5,0L0,-0.5'],
  t: [3, 'M1,-6L1,-1L2,0L3,0M0,-4L3,-4'],
  u: [4, 'M0,-4L0,-1L1,0L3,0L4,-1M4,-4L4,0'],
  v: [4, 'M0,-4L2,0L4,-4'],
  w: [5, 'M0,-4L1,0L2.5,-3L4,0L5,-4'],
  x: [4, 'M0,-4L4,0M4,-4L0,0'],
  y: [4, 'M0,-4L2,0M4,-4L2,0L1,2L0,2'],
  z: [4, 'M0,-4L4,-4L0,0L4,0'],
  '.': [1, 'M0.5,-0.3L0.5,0'],
  ',': [1.5, 'M1,-0.5L1,0L0.5,1'],
  ':': [1, 'M0.5,-3.3L0.5,-3M0.5,-0.3L0.5,0'],
  ';': [1.5, 'M1,-3.3L1,-3M1,-0.5L1,0L0.5,1'],
  '-': [3, 'M0,-2.5L3,-2.5'],
  '\u2212': [4, 'M0,-2.5L4,-2.5'],
  '+': [4, 'M0,-2.5L4,-2.5M2,-4.5L2,-0.5'],
  '=': [4, 'M0,-3.5L4,-3.5M0,-1.5L4,-1.5'],
  _: [4, 'M0,1L4,1'],
  '(': [2, 'M2,-6.5L1,-5L1,0L2,1.5'],
  ')': [2, 'M0,-6.5L1,-5L1,0L0,1.5'],
  '[': [2, 'M2,-6.5L1,-6.5L1,1.5L2,1.5'],
  ']': [2, 'M0,-6.5L1,-6.5L1,1.5L0,1.5'],
  '{': [2.5, 'M2.5,-6.5L1.5,-6.5L1,-6L1,-3.5L0,-2.5L1,-1.5L1,1L1.5,1.5L2.5,1.5'],
  '}': [2.5, 'M0,-6.5L1,-6.5L1.5,-6L1.5,-3.5L2.5,-2.5L1.5,-1.5L1.5,1L1,1.5L0,1.5'],
  '/': [3, 'M0,1L3,-6.5'],
  '\\': [3, 'M0,-6.5L3,1'],
  '|': [1, 'M0.5,-6.5L0.5,1.5'],
  "'": [1, 'M0.5,-6L0.5,-4.5'],
  '"': [2.5, 'M0.5,-6L0.5,-4.5M2,-6L2,-4.5'],
  '`': [1.5, 'M0,-6L1,-5'],
  '!': [1, 'M0.5,-6L0.5,-2M0.5,-0.3L0.5,0'],
  '?': [4, 'M0,-5L1,-6L3,-6L4,-5L4,-4L2,-2.5L2,-1.5M2,-0.3L2,0'],
  '<': [3.5, 'M3.5,-5L0,-2.5L3.5,0'],
  '>': [3.5, 'M0,-5L3.5,-2.5L0,0'],
  '*': [4, 'M2,-5L2,-1M0.3,-4L3.7,-2M0.3,-2L3.7,-4'],
  '#': [4.5, 'M1.5,-6L1.5,0M3,-6L3,0M0,-4L4.5,-4M0,-2L4.5,-2'],
  '%': [4, 'M0,0L4,-6M0.5,-6L1,-5.5L0.5,-5L0,-5.5ZM3.5,-1L4,-0.5L3.5,0L3,-0.5Z'],
  '^': [4, 'M0,-4L2,-6L4,-4'],
  '~': [4, 'M0,-2.5L1,-3.5L3,-2.5L4,-3.5'],
  '&': [4, 'M4,0L1,-4L1,-5L2,-6L3,-5L3,-4L0,-2L0,-1L1,0L2,0L4,-2'],
  $: [4, 'M4,-5L3,-6L1,-6L0,-5L0,-4L1,-3L3,-3L4,-2L4,-1L3,0L1,0L0,-1M2,-7L2,1'],
  '@': [5, 'M3.5,-2L3.5,-4L1.5,-4L1.5,-2L3.5,-2L5,-2L5,-5L4,-6L1,-6L0,-5L0,-1L1,0L4,0'],
  '\u2026': [4, 'M0.5,-0.3L0.5,0M2,-0.3L2,0M3.5,-0.3L3.5,0'],
};
const MISSING_GLYPH: [number, string] = [4, 'M0,-6L4,-6L4,0L0,0Z'];

/** Grid units per font-size unit: cap height (6 units) is ~0.7 em. */
const UNIT = 0.7 / 6;
const LETTER_GAP = 1.4;

const fmt = (v: number): string => String(Math.round(v * 100) / 100);

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (m, e: string) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'quot') return '"';
    if (k === 'apos') return "'";
    const code = k.startsWith('#x') ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10);
    return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/** Path data for `text` in the stroke font, baseline at y=0, starting at x=0, for a given font size. */
export function strokeTextPath(text: string, fontSize: number): { d: string; width: number } {
  const u = fontSize * UNIT;
  let pen = 0;
  let d = '';
  const chars = [...text];
  chars.forEach((ch, i) => {
    const [w, path] = GLYPHS[ch] ?? MISSING_GLYPH;
    if (path) {
      d += path.replace(/(-?\d*\.?\d+),(-?\d*\.?\d+)/g, (_m, x: string, y: string) => `${fmt(pen + Number(x) * u)},${fmt(Number(y) * u)}`);
    }
    pen += w * u + (i < chars.length - 1 ? LETTER_GAP * u : 0);
  });
  return { d, width: pen };
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}="([^"]*)"`).exec(attrs);
  return m ? m[1] : undefined;
}

/**
 * Replace every `<text>` element of a (Vega-generated) SVG by a stroked path in the built-in font, keeping
 * its transform, x/y, anchor, size, weight, fill and opacity. Handles plain-text content and simple
 * `<tspan>` lines (their dy/x are honoured approximately: each tspan starts a new line).
 */
export function textToPaths(svg: string): string {
  return svg.replace(/<text\b([^>]*?)(\/>|>([\s\S]*?)<\/text>)/g, (_m, attrs: string, _end: string, body?: string) => {
    if (!body) return '';
    const size = parseFloat(attr(attrs, 'font-size') ?? '') || 11;
    const anchor = attr(attrs, 'text-anchor') ?? 'start';
    const weight = attr(attrs, 'font-weight') ?? 'normal';
    const bold = weight === 'bold' || Number(weight) >= 600;
    const fill = attr(attrs, 'fill') ?? '#000';
    const transform = attr(attrs, 'transform');
    const opacity = attr(attrs, 'opacity');
    const fillOpacity = attr(attrs, 'fill-opacity');
    const x0 = parseFloat(attr(attrs, 'x') ?? '0') || 0;
    const y0 = parseFloat(attr(attrs, 'y') ?? '0') || 0;
    const lines: { text: string; dy: number }[] = [];
    if (/<tspan\b/.test(body)) {
      body.replace(/<tspan\b([^>]*)>([\s\S]*?)<\/tspan>/g, (_t, a: string, t: string) => {
        lines.push({ text: decodeEntities(t.replace(/<[^>]*>/g, '')), dy: parseFloat(attr(a, 'dy') ?? '0') || 0 });
        return '';
      });
    } else {
      lines.push({ text: decodeEntities(body.replace(/<[^>]*>/g, '')), dy: 0 });
    }
    let d = '';
    let y = y0;
    for (const line of lines) {
      y += line.dy;
      const { d: ld, width } = strokeTextPath(line.text, size);
      const shift = anchor === 'middle' ? -width / 2 : anchor === 'end' ? -width : 0;
      d += ld.replace(/(-?\d*\.?\d+),(-?\d*\.?\d+)/g, (_q, px: string, py: string) => `${fmt(Number(px) + x0 + shift)},${fmt(Number(py) + y)}`);
    }
    if (!d) return '';
    const sw = fmt(size * (bold ? 0.13 : 0.09));
    return (
      `<path${transform ? ` transform="${transform}"` : ''} d="${d}" fill="none" stroke="${fill}" stroke-width="${sw}" ` +
      `stroke-linecap="round" stroke-linejoin="round"${opacity ? ` opacity="${opacity}"` : ''}` +
      `${fillOpacity ? ` stroke-opacity="${fillOpacity}"` : ''}/>`
    );
  });
}
