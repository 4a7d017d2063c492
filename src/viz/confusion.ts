/**
 * Confusion-matrix figure: a heat map (rows: true class, columns: predicted class) with the count written in
 * every cell, rendered Vega-Lite -> SVG -> PNG like the other charts.
 *
 * Cells are coloured by the ROW fraction (count / samples of that true class, i.e. per-class recall on the
 * diagonal) rather than the raw count, so a class with few test samples is as readable as a large one; the
 * text is the raw count. Text is white on dark cells and black on light ones (chosen here in the data, so the
 * spec needs no Vega expression).
 */
import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from './chart.js';
import { svgToPng } from './svg-png.js';

export interface ConfusionImageOptions {
  /** Class names, in row/column order (default "0", "1", ...). */
  labels?: readonly string[];
  title?: string;
  /** Side of one cell in SVG pixels (default 36). */
  cellSize?: number;
  /** Width of the PNG in pixels (default 720; the SVG is scaled, text included). */
  pngWidth?: number;
}

function checkMatrix(m: readonly (readonly number[])[]): number {
  const k = m.length;
  if (k === 0) throw new Error('confusionMatrixImage: the matrix is empty');
  m.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== k) throw new Error(`confusionMatrixImage: row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries, expected ${k} (a square matrix)`);
    row.forEach((v, j) => {
      if (!Number.isInteger(v) || v < 0) throw new Error(`confusionMatrixImage: entry [${i}][${j}] is ${v}; counts must be non-negative integers`);
    });
  });
  return k;
}

/** The Vega-Lite spec of the heat map (exported for tests and for callers who render it themselves). */
export function confusionMatrixSpec(matrix: readonly (readonly number[])[], opts: ConfusionImageOptions = {}): TopLevelSpec {
  const k = checkMatrix(matrix);
  const labels = opts.labels ? [...opts.labels] : matrix.map((_, i) => String(i));
  if (labels.length !== k) throw new Error(`confusionMatrixImage: ${labels.length} labels for a ${k}x${k} matrix`);
  if (new Set(labels).size !== k) throw new Error('confusionMatrixImage: labels must be distinct');
  const cell = opts.cellSize ?? 36;
  const values: { truth: string; predicted: string; count: number; fraction: number; textColor: string }[] = [];
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, j) => {
      const fraction = total ? count / total : 0;
      values.push({ truth: labels[i], predicted: labels[j], count, fraction, textColor: fraction > 0.5 ? 'white' : 'black' });
    });
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: cell * k,
    height: cell * k,
    config: {
      font: 'sans-serif', background: 'white', title: { fontSize: 14 }, view: { stroke: null },
      axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', domain: false, ticks: false },
    },
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', sort: labels, title: 'predicted class', axis: { labelAngle: 0, orient: 'top' } },
      y: { field: 'truth', type: 'ordinal', sort: labels, title: 'true class' },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: { field: 'fraction', type: 'quantitative', title: 'row fraction', scale: { domain: [0, 1], range: ['#f7fbff', '#08306b'] } },
        },
      },
      {
        mark: { type: 'text', fontSize: Math.max(8, Math.round(cell / 3.3)) },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          // An identity mapping spelled out (vega-lite's `scale: null` fails to compile in this layered spec).
          color: { field: 'textColor', type: 'nominal', scale: { domain: ['black', 'white'], range: ['black', 'white'] }, legend: null },
        },
      },
    ],
  } as unknown as TopLevelSpec;
}

/** The heat map as an SVG string and PNG bytes. */
export async function confusionMatrixImage(matrix: readonly (readonly number[])[], opts: ConfusionImageOptions = {}): Promise<{ svg: string; png: Uint8Array }> {
  const svg = await vegaLiteToSvg(confusionMatrixSpec(matrix, opts));
  return { svg, png: svgToPng(svg, { width: opts.pngWidth ?? 720 }) };
}
