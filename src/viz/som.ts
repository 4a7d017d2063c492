/**
 * Pictures of a self-organizing map, as RasterImages for encodePng / writePng:
 *   - uMatrixImage: the U-matrix in grey, one square of `scale` pixels per node. Dark = far from its
 *     neighbours (a border between clusters), light = close (the inside of a cluster), min..max stretched.
 *   - labelMapImage: each node coloured by its majority label (a fixed 10-colour palette) with the label
 *     written on it as a pixel-font digit; nodes that win no sample stay light grey.
 * Both take plain arrays (row-major over the grid), not the SOM itself, so any map can be drawn.
 */
import type { RasterImage } from './png.js';

export interface SomImageOptions {
  /** Pixels per node side (default 24). */
  scale?: number;
}

/** Vega's tableau10, the same colours as chart.ts's scatter plots, so a digit has one colour in every figure. */
export const LABEL_PALETTE: readonly (readonly [number, number, number])[] = [
  [0x4c, 0x78, 0xa8], [0xf5, 0x85, 0x18], [0xe4, 0x57, 0x56], [0x72, 0xb7, 0xb2], [0x54, 0xa2, 0x4b],
  [0xee, 0xca, 0x3b], [0xb2, 0x79, 0xa2], [0xff, 0x9d, 0xa6], [0x9d, 0x75, 0x5d], [0xba, 0xb0, 0xac],
];

const EMPTY_NODE = [235, 235, 235] as const;
const CELL_BORDER = 255;

/** 3x5 pixel glyphs of the digits 0-9, one string of 15 bits per digit, row by row. */
const DIGITS = [
  '111101101101111', '010110010010111', '111001111100111', '111001111001111', '101101111001001',
  '111100111001111', '111100111101111', '111001001001001', '111101111101111', '111101111001111',
];

function checkGrid(what: string, n: number, rows: number, cols: number, scale: number): void {
  for (const [k, v] of [['rows', rows], ['cols', cols], ['scale', scale]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${what}: ${k} must be a positive integer, got ${v}`);
  }
  if (n !== rows * cols) throw new Error(`${what}: got ${n} values for a ${rows}x${cols} map (${rows * cols} nodes)`);
}

/** The U-matrix (e.g. `som.uMatrix()`) as a 1-channel grey image of (cols*scale) x (rows*scale) pixels. */
export function uMatrixImage(values: ArrayLike<number>, rows: number, cols: number, opts: SomImageOptions = {}): RasterImage {
  const scale = opts.scale ?? 24;
  checkGrid('uMatrixImage', values.length, rows, cols, scale);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new Error(`uMatrixImage: node ${i} has U-value ${v} (did training diverge?)`);
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const width = cols * scale, height = rows * scale;
  const data = new Uint8Array(width * height);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // A flat U-matrix (one node, or identical distances) has no contrast to stretch: show mid grey.
      const g = hi > lo ? Math.round(255 * (1 - (values[r * cols + c] - lo) / (hi - lo))) : 128;
      for (let y = 0; y < scale; y++) data.fill(g, (r * scale + y) * width + c * scale, (r * scale + y) * width + (c + 1) * scale);
    }
  }
  return { width, height, channels: 1, data };
}

/**
 * The label map (e.g. `som.labelMap(data, labels)`, -1 for empty nodes) as an RGB image: cells of
 * `scale` pixels separated by 1-pixel white lines, labels 0-9 drawn as digits (other labels are coloured
 * palette[label mod 10] without a digit).
 */
export function labelMapImage(labels: ArrayLike<number>, rows: number, cols: number, opts: SomImageOptions = {}): RasterImage {
  const scale = opts.scale ?? 24;
  checkGrid('labelMapImage', labels.length, rows, cols, scale);
  const width = cols * scale, height = rows * scale;
  const data = new Uint8Array(width * height * 3).fill(CELL_BORDER);
  const put = (x: number, y: number, rgb: readonly number[]): void => {
    const o = (y * width + x) * 3;
    data[o] = rgb[0];
    data[o + 1] = rgb[1];
    data[o + 2] = rgb[2];
  };
  const g = Math.max(1, Math.floor(scale / 8)); // glyph pixel size: a 3x5 digit fills about 40% of the cell
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const label = labels[r * cols + c];
      if (!Number.isInteger(label) || label < -1) throw new Error(`labelMapImage: node ${r * cols + c} has label ${label} (expected -1 or a class index)`);
      const fill = label < 0 ? EMPTY_NODE : LABEL_PALETTE[label % LABEL_PALETTE.length];
      const x0 = c * scale, y0 = r * scale;
      const inner = scale > 2 ? scale - 1 : scale; // leave the right and bottom pixel as a border line
      for (let y = 0; y < inner; y++) for (let x = 0; x < inner; x++) put(x0 + x, y0 + y, fill);
      if (label < 0 || label > 9 || 5 * g > inner) continue;
      // Dark ink on light colours, white ink on dark ones (ITU-R BT.601 luma).
      const ink = 0.299 * fill[0] + 0.587 * fill[1] + 0.114 * fill[2] > 150 ? [0, 0, 0] : [255, 255, 255];
      const gx = x0 + Math.floor((inner - 3 * g) / 2), gy = y0 + Math.floor((inner - 5 * g) / 2);
      const bits = DIGITS[label];
      for (let i = 0; i < 15; i++) {
        if (bits[i] !== '1') continue;
        const px = gx + (i % 3) * g, py = gy + Math.floor(i / 3) * g;
        for (let y = 0; y < g; y++) for (let x = 0; x < g; x++) put(px + x, py + y, ink);
      }
    }
  }
  return { width, height, channels: 3, data };
}
