/**
 * Image grids: lay out small float images (e.g. MNIST digits and their reconstructions) as one RGB raster
 * ready for encodePng / writePng.
 *
 * Input images are flat arrays of `height * width * channels` numbers, row-major and channel-interleaved
 * (HWC), nominally in [0, 1]. Pixel mapping:
 *   - finite values are clamped to [0, 1] and mapped to round(v * 255);
 *   - NaN and +-Infinity are NOT clamped: the whole pixel is painted `nanColor` (default pure red,
 *     [255, 0, 0]) so a diverged model or a bug is visible at a glance instead of hiding as black or white.
 *     (For colour inputs that may legitimately be red, pass another nanColor, e.g. [255, 0, 255].)
 * The output is always 3-channel RGB, so that nanColor can stand out from grey images.
 *
 * Layout: cells of (width*scale) x (height*scale) pixels (nearest-neighbour upscaling), `gap` pixels between
 * neighbouring cells, `margin` pixels around the whole grid, everything not covered by an image filled with
 * the `background` grey. Rows may have different lengths: the grid is as wide as the longest row and short
 * rows are padded with background. Output size:
 *   W = 2*margin + cols*width*scale + (cols-1)*gap,   H = 2*margin + rows*height*scale + (rows-1)*gap.
 */
import type { RasterImage } from './png.js';

/** Anything indexable with numbers: Float32Array, Float64Array, number[] (a tensor's dense data, say). */
export type ImageData = ArrayLike<number>;

export interface GridStyle {
  /** Integer nearest-neighbour upscale factor, >= 1. Default 4. */
  scale?: number;
  /** Pixels between neighbouring cells, >= 0. Default 2. */
  gap?: number;
  /** Pixels around the whole grid, >= 0. Default 0. */
  margin?: number;
  /** Grey level in [0, 1] for gaps, margin and empty cells. Default 0.5 (mid grey, distinct from both the
   * black background and the white strokes of MNIST-like digits). */
  background?: number;
  /** RGB bytes used for pixels holding NaN or +-Infinity. Default [255, 0, 0]. */
  nanColor?: readonly [number, number, number];
}

export interface GridOptions extends GridStyle {
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** 1 (grey) or 3 (RGB, interleaved). Default 1. */
  channels?: 1 | 3;
}

export const GRID_DEFAULTS = { scale: 4, gap: 2, margin: 0, background: 0.5, nanColor: [255, 0, 0] } as const;

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`imageGrid: ${name} must be an integer >= ${min}, got ${v}`);
}

function isList(v: unknown): boolean {
  return Array.isArray(v);
}

function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
}

/**
 * Lay out `rows` of images as one RGB raster (see the module comment for value mapping and layout).
 * Throws if an image does not have exactly height*width*channels values, naming its row and column.
 */
export function imageGrid(rows: readonly (readonly ImageData[])[], opts: GridOptions): RasterImage {
  const h = opts.height;
  const w = opts.width;
  const c = opts.channels ?? 1;
  const scale = opts.scale ?? GRID_DEFAULTS.scale;
  const gap = opts.gap ?? GRID_DEFAULTS.gap;
  const margin = opts.margin ?? GRID_DEFAULTS.margin;
  const bg = opts.background ?? GRID_DEFAULTS.background;
  const nan = opts.nanColor ?? GRID_DEFAULTS.nanColor;
  checkInt('height', h, 1);
  checkInt('width', w, 1);
  if (c !== 1 && c !== 3) throw new Error(`imageGrid: channels must be 1 or 3, got ${String(c)}`);
  checkInt('scale', scale, 1);
  checkInt('gap', gap, 0);
  checkInt('margin', margin, 0);
  if (!(bg >= 0 && bg <= 1)) throw new Error(`imageGrid: background must be a grey level in [0, 1], got ${bg}`);
  if (nan.length !== 3 || nan.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) {
    throw new Error(`imageGrid: nanColor must be three integers in 0..255, got [${nan.join(', ')}]`);
  }
  if (!isList(rows)) throw new Error('imageGrid: rows must be an array of rows (arrays of images)');

  const size = h * w * c;
  let cols = 0;
  rows.forEach((row, r) => {
    if (!isList(row)) throw new Error(`imageGrid: row ${r} is not an array of images`);
    cols = Math.max(cols, row.length);
    row.forEach((img, k) => {
      if (img == null || typeof img.length !== 'number') {
        throw new Error(`imageGrid: image ${k} of row ${r} is not an array of numbers`);
      }
      if (img.length !== size) {
        throw new Error(
          `imageGrid: image ${k} of row ${r} has ${img.length} values, expected ${size} ` +
            `(height ${h} x width ${w} x channels ${c})`,
        );
      }
    });
  });
  if (rows.length === 0 || cols === 0) throw new Error('imageGrid: no images to lay out');

  const cellW = w * scale;
  const cellH = h * scale;
  const W = 2 * margin + cols * cellW + (cols - 1) * gap;
  const H = 2 * margin + rows.length * cellH + (rows.length - 1) * gap;
  const out = new Uint8Array(W * H * 3).fill(toByte(bg));
  const px = [0, 0, 0];

  rows.forEach((row, r) => {
    const y0 = margin + r * (cellH + gap);
    row.forEach((img, k) => {
      const x0 = margin + k * (cellW + gap);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const src = (y * w + x) * c;
          let bad = false;
          for (let ch = 0; ch < 3; ch++) {
            const v = img[src + (c === 1 ? 0 : ch)];
            if (!Number.isFinite(v)) bad = true;
            px[ch] = toByte(v);
          }
          const r0 = bad ? nan[0] : px[0];
          const g0 = bad ? nan[1] : px[1];
          const b0 = bad ? nan[2] : px[2];
          for (let dy = 0; dy < scale; dy++) {
            let o = ((y0 + y * scale + dy) * W + x0 + x * scale) * 3;
            for (let dx = 0; dx < scale; dx++, o += 3) {
              out[o] = r0;
              out[o + 1] = g0;
              out[o + 2] = b0;
            }
          }
        }
      }
    });
  });
  return { width: W, height: H, channels: 3, data: out };
}

/**
 * The classic autoencoder figure: originals in the top row, their reconstructions directly below.
 * `originals[i]` and `reconstructions[i]` must pair up (same count); each image has h*w*channels values.
 */
export function reconstructionFigure(
  originals: readonly ImageData[],
  reconstructions: readonly ImageData[],
  h: number,
  w: number,
  scale: number = GRID_DEFAULTS.scale,
  style: Omit<GridOptions, 'height' | 'width' | 'scale'> = {},
): RasterImage {
  if (originals.length !== reconstructions.length) {
    throw new Error(
      `reconstructionFigure: ${originals.length} originals but ${reconstructions.length} reconstructions; ` +
        'they must pair up one to one',
    );
  }
  if (originals.length === 0) throw new Error('reconstructionFigure: no images');
  return imageGrid([originals, reconstructions], { ...style, height: h, width: w, scale });
}

/**
 * Split a flat batch (n images stored back to back, e.g. a dense [n, h*w] tensor's data) into n views of
 * `size` values each, without copying. Handy for feeding imageGrid from a batch.
 */
export function splitBatch(data: Float32Array | Float64Array, size: number): (Float32Array | Float64Array)[] {
  if (!Number.isInteger(size) || size <= 0) throw new Error(`splitBatch: size must be a positive integer, got ${size}`);
  if (data.length % size !== 0) {
    throw new Error(`splitBatch: ${data.length} values are not a whole number of images of ${size} values`);
  }
  const out: (Float32Array | Float64Array)[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}
