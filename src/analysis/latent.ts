/**
 * Looking at a latent space (MISSION §4, "dimensionality reduction for visualization"):
 *
 *   const codes = model.encode(test);                               // Tensor [n, k]
 *   const p = latentProjection(codes, { method: 'umap', seed: 1 });  // n x 2 points
 *   const { svg, png } = await latentScatter(p, test.labels!);       // coloured by digit, with a legend
 *   writeProjectorTsv('out', codes, test.labels!);                   // for projector.tensorflow.org
 *
 * Projection:
 *   - codes of width 2 are plotted as they are (`method: 'direct'`, axes z1 and z2), whatever was asked;
 *   - wider codes go through PCA (our src/analysis/pca.ts: the two leading principal components, axes
 *     labelled with the share of the codes' variance they carry) or UMAP (the `umap-js` package). UMAP is
 *     seeded: umap-js takes a `random` function, and we hand it one drawn from our own Rng, so the same codes
 *     and seed always give the same picture (umap-js falls back to Math.random only when none is given);
 *   - codes of width 1 have no second axis to plot: an error says so.
 *
 * Embedding Projector files (TensorFlow's projector, https://projector.tensorflow.org, "Load"):
 *   - vectors.tsv: one code per line, its values tab-separated, no header;
 *   - metadata.tsv: a header row `label<TAB>index`, then one line per code: its label and its row number.
 *     The projector reads the first metadata line as a header only when it contains a tab (a one-column file
 *     is taken to be all labels, header line included, which then no longer matches the vector count), so
 *     the file carries a second column, the sample's index, to make the `label` header count. Data without
 *     labels gives other columns instead (an id, the index, a reconstruction error): `projectorMetadataTable`
 *     takes any columns, and insists on two or more for the same reason.
 *
 * Colours: by label (a legend of classes), by a score (a continuous colour scale, e.g. each sample's
 * reconstruction error), or none (one colour), for data without labels.
 */
import { UMAP } from 'umap-js';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import type { TopLevelSpec } from 'vega-lite';
import { type ScatterPoint, scatterSvg, vegaLiteToSvg } from '../viz/chart.js';
import { svgToPng } from '../viz/svg-png.js';
import { PCA } from './pca.js';

export type ProjectionMethod = 'pca' | 'umap';

/** Codes: a Tensor [n, k], rows of numbers, or a flat row-major array with `dim` values per code. */
export type CodeInput = Tensor | readonly (readonly number[])[] | Float32Array | Float64Array;

export interface LatentProjectionOptions {
  /** How codes wider than 2 are brought down to 2-D (default 'pca'). Codes of width 2 are never projected. */
  method?: ProjectionMethod;
  /** UMAP's seed (default 0). PCA needs none. */
  seed?: number;
  /** Values per code, for a flat typed-array input. */
  dim?: number;
  /** UMAP's neighbourhood size (default 15, capped at n - 1). */
  nNeighbors?: number;
  /** UMAP's minimum distance between embedded points (default 0.1). */
  minDist?: number;
  /** UMAP's optimisation epochs (default: umap-js's, 500 below 10000 points, else 200). */
  nEpochs?: number;
}

export interface LatentProjection {
  /** n x 2 points, row-major: point i is (points[2i], points[2i + 1]). */
  points: Float64Array;
  n: number;
  /** The width of the codes that were projected. */
  codeDim: number;
  /** 'direct' when the codes were already 2-D. */
  method: 'direct' | ProjectionMethod;
  /** Axis titles for a plot, e.g. ['PC1 (41.2 %)', 'PC2 (18.0 %)']. */
  axes: [string, string];
  /** PCA only: the share of the codes' total variance along each of the two axes. */
  explainedVarianceRatio?: [number, number];
}

/** The codes as one flat float64 array plus their count and width, checked finite. */
export function codeMatrix(codes: CodeInput, dim?: number): { data: Float64Array; n: number; dim: number } {
  let data: Float64Array;
  let n: number;
  let d: number;
  if (codes instanceof Tensor) {
    if (codes.ndim !== 2) throw new Error(`codes must be a 2-D tensor [samples, codeSize], got shape [${codes.shape.join(', ')}]`);
    [n, d] = codes.shape;
    data = Float64Array.from(codes.toTypedArray());
  } else if (codes instanceof Float32Array || codes instanceof Float64Array) {
    if (dim === undefined || !Number.isSafeInteger(dim) || dim <= 0) {
      throw new Error(`a flat code array needs dim, the values per code (a positive integer), got ${String(dim)}`);
    }
    if (codes.length % dim !== 0) throw new Error(`a flat array of ${codes.length} values is not a whole number of codes of ${dim} values`);
    n = codes.length / dim;
    d = dim;
    data = Float64Array.from(codes);
  } else if (Array.isArray(codes)) {
    n = codes.length;
    d = n > 0 && Array.isArray(codes[0]) ? codes[0].length : 0;
    data = new Float64Array(n * d);
    codes.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== d) {
        throw new Error(`code ${i} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${d} (the width of code 0)`);
      }
      for (let j = 0; j < d; j++) data[i * d + j] = row[j];
    });
  } else {
    throw new Error('codes must be a Tensor [n, k], an array of rows, or a Float32Array/Float64Array with dim');
  }
  if (n === 0 || d === 0) throw new Error('no codes to project');
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`code ${Math.floor(bad / d)}, value ${bad % d} is ${data[bad]} (codes must be finite numbers)`);
  return { data, n, dim: d };
}

const pct = (r: number): string => `${(100 * r).toFixed(1)} %`;

/** The codes as 2-D points, for a scatter plot (see the module comment). */
export function latentProjection(codes: CodeInput, opts: LatentProjectionOptions = {}): LatentProjection {
  const method = opts.method ?? 'pca';
  if (method !== 'pca' && method !== 'umap') throw new Error(`projection method must be 'pca' or 'umap', got '${String(method)}'`);
  const { data, n, dim } = codeMatrix(codes, opts.dim);
  if (dim === 1) throw new Error('the codes have 1 value each: a 2-D scatter needs codes of at least 2 values');
  if (dim === 2) return { points: data, n, codeDim: 2, method: 'direct', axes: ['z1', 'z2'] };

  if (method === 'pca') {
    if (n < 2) throw new Error(`PCA of the codes needs at least 2 of them, got ${n}`);
    const pca = new PCA().fit(data, { components: 2, dim });
    const ratio = pca.explainedVarianceRatio;
    return {
      points: pca.transform(data), n, codeDim: dim, method: 'pca',
      axes: [`PC1 (${pct(ratio[0])})`, `PC2 (${pct(ratio[1])})`],
      explainedVarianceRatio: [ratio[0], ratio[1]],
    };
  }

  if (n < 3) throw new Error(`UMAP of the codes needs at least 3 of them, got ${n}`);
  const seed = opts.seed ?? 0;
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
  const rng = new Rng(seed);
  const nNeighbors = Math.min(opts.nNeighbors ?? 15, n - 1);
  if (!Number.isInteger(nNeighbors) || nNeighbors < 2) throw new Error(`nNeighbors must be an integer >= 2, got ${String(opts.nNeighbors)}`);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors,
    minDist: opts.minDist ?? 0.1,
    ...(opts.nEpochs !== undefined ? { nEpochs: opts.nEpochs } : {}),
    random: () => rng.next(),
  });
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(data.subarray(i * dim, (i + 1) * dim)));
  const embedding = umap.fit(rows);
  const points = new Float64Array(n * 2);
  embedding.forEach((p, i) => {
    points[2 * i] = p[0];
    points[2 * i + 1] = p[1];
  });
  return { points, n, codeDim: dim, method: 'umap', axes: ['UMAP 1', 'UMAP 2'] };
}

export interface LatentScatterOptions {
  title?: string;
  /** Legend title (default 'digit'). */
  legendTitle?: string;
  /** PNG width in pixels (default 1000). */
  pngWidth?: number;
  /** Dot area in square SVG pixels (default: 16 up to 2000 points, smaller for more). */
  pointSize?: number;
}

/** What colours the points: their labels (a legend of classes), a score (a continuous scale), or nothing. */
export type LatentColors =
  | { by: 'label'; labels: ArrayLike<number | string> }
  | { by: 'score'; scores: ArrayLike<number>; title?: string }
  | { by: 'none' };

function isColors(c: ArrayLike<number | string> | LatentColors): c is LatentColors {
  return typeof c === 'object' && c !== null && 'by' in c;
}

/**
 * The projection as a scatter, SVG and PNG: coloured by label with a legend (given labels, or
 * `{ by: 'label', labels }`), by a score on a continuous scale (`{ by: 'score', scores }`), or in one colour
 * (`{ by: 'none' }`).
 */
export async function latentScatter(
  p: LatentProjection, colors: ArrayLike<number | string> | LatentColors, opts: LatentScatterOptions = {},
): Promise<{ svg: string; png: Uint8Array }> {
  const c: LatentColors = isColors(colors) ? colors : { by: 'label', labels: colors };
  const how = p.method === 'direct' ? '2-D codes' : p.method === 'pca' ? `PCA of ${p.codeDim}-D codes` : `UMAP of ${p.codeDim}-D codes`;
  const title = opts.title ?? `Latent space (${how}, ${p.n} points)`;
  const pointSize = opts.pointSize ?? (p.n <= 2000 ? 16 : p.n <= 5000 ? 9 : 5);
  let svg: string;
  if (c.by === 'label') {
    if (c.labels.length !== p.n) throw new Error(`latentScatter: ${p.n} points but ${c.labels.length} labels`);
    const pts: ScatterPoint[] = [];
    for (let i = 0; i < p.n; i++) pts.push({ x: p.points[2 * i], y: p.points[2 * i + 1], label: String(c.labels[i]) });
    svg = await scatterSvg(pts, { title, xLabel: p.axes[0], yLabel: p.axes[1], legendTitle: opts.legendTitle ?? 'digit', pointSize, opacity: 0.6 });
  } else {
    if (c.by === 'score' && c.scores.length !== p.n) throw new Error(`latentScatter: ${p.n} points but ${c.scores.length} scores`);
    svg = await unlabelledScatterSvg(p, c, title, pointSize);
  }
  return { svg, png: svgToPng(svg, { width: opts.pngWidth ?? 1000 }) };
}

/** A scatter in one colour, or coloured by a score on a continuous scale (viridis: ordered, legible in grey). */
async function unlabelledScatterSvg(p: LatentProjection, c: LatentColors, title: string, pointSize: number): Promise<string> {
  const values: { x: number; y: number; score?: number }[] = [];
  for (let i = 0; i < p.n; i++) {
    const x = p.points[2 * i], y = p.points[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (c.by === 'score') {
      const score = c.scores[i];
      if (!Number.isFinite(score)) throw new Error(`latentScatter: score ${i} is ${score}`);
      values.push({ x, y, score });
    } else values.push({ x, y });
  }
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 420,
    height: 420,
    // As scatterSvg's charts look (viz/chart.ts), so both kinds of plot sit well side by side.
    config: {
      font: 'sans-serif', background: 'white', title: { fontSize: 14 },
      axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' }, legend: { labelFontSize: 11, titleFontSize: 11 },
    },
    data: { values },
    mark: { type: 'circle', size: pointSize, opacity: 0.6, ...(c.by === 'none' ? { color: '#4c78a8' } : {}) },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: p.axes[0], scale: { zero: false, padding: 8 } },
      y: { field: 'y', type: 'quantitative', title: p.axes[1], scale: { zero: false, padding: 8 } },
      ...(c.by === 'score'
        ? { color: { field: 'score', type: 'quantitative', title: c.title ?? 'score', scale: { scheme: 'viridis' }, legend: { orient: 'right' } } }
        : {}),
    },
  } as unknown as TopLevelSpec;
  return vegaLiteToSvg(spec);
}

/** 9 significant digits round-trip a float32 exactly, without the noise digits of its float64 form. */
const num = (v: number): string => String(Number(v.toPrecision(9)));

/** vectors.tsv: one code per line, values tab-separated, no header; every line ends with '\n'. */
export function projectorVectorsTsv(codes: CodeInput, dim?: number): string {
  return vectorsTsv(codeMatrix(codes, dim));
}

function vectorsTsv({ data, n, dim: d }: { data: Float64Array; n: number; dim: number }): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const row: string[] = [];
    for (let j = 0; j < d; j++) row.push(num(data[i * d + j]));
    lines.push(row.join('\t'));
  }
  return `${lines.join('\n')}\n`;
}

/** metadata.tsv: header `label<TAB>index`, then each code's label and row number (see the module comment). */
export function projectorMetadataTsv(labels: ArrayLike<number | string>): string {
  return projectorMetadataTable([{ name: 'label', values: labels }, { name: 'index', values: Array.from({ length: labels.length }, (_, i) => i) }]);
}

/** One metadata column: a header name and one value per code. */
export interface ProjectorColumn {
  name: string;
  values: ArrayLike<number | string>;
}

/** metadata.tsv from any columns (two or more, so the projector reads the header as one; see the module comment). */
export function projectorMetadataTable(columns: readonly ProjectorColumn[]): string {
  if (columns.length < 2) throw new Error(`projector metadata needs at least 2 columns (the projector reads a one-column header as a label), got ${columns.length}`);
  const n = columns[0].values.length;
  const cell = (v: number | string, what: string): string => {
    const s = String(v);
    if (/[\t\r\n]/.test(s)) throw new Error(`${what} contains a tab or a line break, which a TSV cell cannot hold`);
    return s;
  };
  const lines = [columns.map((c) => cell(c.name, `column name ${JSON.stringify(c.name)}`)).join('\t')];
  for (const c of columns) if (c.values.length !== n) throw new Error(`projector metadata: column ${JSON.stringify(c.name)} has ${c.values.length} values, expected ${n}`);
  for (let i = 0; i < n; i++) lines.push(columns.map((c) => cell(c.values[i], `${c.name} ${i}`)).join('\t'));
  return `${lines.join('\n')}\n`;
}

export interface ProjectorFiles {
  vectors: string;
  metadata: string;
}

const isColumns = (m: ArrayLike<number | string> | readonly ProjectorColumn[]): m is readonly ProjectorColumn[] =>
  Array.isArray(m) && m.length > 0 && typeof m[0] === 'object' && m[0] !== null;

/**
 * Writes `dir/vectors.tsv` and `dir/metadata.tsv` (atomically; `dir` must exist) for the TensorFlow Embedding
 * Projector. The metadata is labels (written as `label<TAB>index`) or columns of your own; either must pair
 * up with the codes.
 */
export function writeProjectorTsv(
  dir: string,
  codes: CodeInput,
  metadata: ArrayLike<number | string> | readonly ProjectorColumn[],
  opts: { dim?: number; vectorsFile?: string; metadataFile?: string } = {},
): ProjectorFiles {
  const m = codeMatrix(codes, opts.dim);
  const rows = isColumns(metadata) ? metadata[0].values.length : metadata.length;
  if (rows !== m.n) throw new Error(`writeProjectorTsv: ${m.n} codes but ${rows} ${isColumns(metadata) ? 'metadata rows' : 'labels'}`);
  const meta = isColumns(metadata) ? projectorMetadataTable(metadata) : projectorMetadataTsv(metadata);
  const vectors = vectorsTsv(m);
  const files = { vectors: join(dir, opts.vectorsFile ?? 'vectors.tsv'), metadata: join(dir, opts.metadataFile ?? 'metadata.tsv') };
  writeFileAtomic(files.vectors, vectors);
  writeFileAtomic(files.metadata, meta);
  return files;
}
