/**
 * A drawing made MNIST-like, the way the MNIST digits themselves were made (LeCun, Bottou, Bengio & Haffner,
 * 1998, and the MNIST page): the ink's bounding box is scaled so its longer side is 20 px, keeping its aspect
 * ratio, with anti-aliasing; then it is placed in a 28 x 28 field so that the centre of mass of the pixel
 * intensities sits at the field's centre. A model trained on MNIST only ever saw digits framed like that, so a
 * drawing framed any other way (small, in a corner, stretched) would score as an anomaly for the wrong reason.
 *
 * Pure: no DOM. The page hands in the canvas as a grey image with ink high (e.g. its alpha channel, or
 * 1 - luminance for dark ink on white), of any size and any positive scale (0..1 or 0..255).
 */
import { resizeArea, type GrayImage } from '../../src/viz/resize.js';

/** The side of an MNIST image. */
export const MNIST_SIDE = 28;
/** The pixel (by index, x and y) MNIST puts a digit's centre of mass on (see preprocessDrawing). */
export const MNIST_CENTRE = 14;
/** The longer side of the digit's box inside it. */
export const MNIST_BOX = 20;

export interface DrawPreprocessOptions {
  /**
   * A pixel is ink (for the bounding box) when it exceeds this fraction of the drawing's maximum. Default
   * 0.05: low enough to keep a brush's soft edge inside the box, high enough that a stray faint pixel does
   * not stretch it.
   */
  threshold?: number;
}

/**
 * The drawing as a 28 x 28 MNIST sample (row-major, values in [0, 1], ink high), or null when there is no ink.
 *
 * Intensities are divided by the drawing's maximum: MNIST strokes reach full intensity, and the caller need
 * not know the canvas's scale. The centre of mass is taken in pixel indices and moved to pixel (14, 14), by a
 * whole-pixel shift (rounded, so it lands within half a pixel): that is MNIST's own convention, measured on its
 * 70,000 digits, whose centres of mass all lie in [13.5, 14.5] by index (half a pixel right of and below the
 * field's geometric middle, 13.5). Whatever a lopsided digit pushes past the field's edge is cut off.
 */
export function preprocessDrawing(drawing: GrayImage, opts: DrawPreprocessOptions = {}): Float32Array | null {
  const { width: w, height: h, data } = drawing;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0 || data.length !== w * h) {
    throw new Error(`preprocessDrawing: expected a non-empty width x height image, got ${w}x${h} with ${data.length} values`);
  }
  const threshold = opts.threshold ?? 0.05;
  if (!(threshold >= 0 && threshold < 1)) throw new Error(`preprocessDrawing: threshold must be in [0, 1), got ${threshold}`);

  let max = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) throw new Error(`preprocessDrawing: pixel ${i % w},${Math.floor(i / w)} is ${v}`);
    if (v > max) max = v;
  }
  if (max === 0) return null; // nothing drawn (negative values are no ink either)

  // The ink's bounding box [x0, x1) x [y0, y1).
  const cut = threshold * max;
  let x0 = w, x1 = 0, y0 = h, y1 = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (data[y * w + x] > cut) {
        if (x < x0) x0 = x;
        if (x >= x1) x1 = x + 1;
        if (y < y0) y0 = y;
        if (y >= y1) y1 = y + 1;
      }
    }
  }
  const bw = x1 - x0;
  const bh = y1 - y0;
  const crop = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) crop[y * bw + x] = Math.max(0, data[(y0 + y) * w + x0 + x]) / max;
  }

  // Longer side to 20, the other in proportion (at least one pixel, so a straight stroke stays a line).
  const long = Math.max(bw, bh);
  const sw = Math.max(1, Math.round((bw * MNIST_BOX) / long));
  const sh = Math.max(1, Math.round((bh * MNIST_BOX) / long));
  const box = resizeArea({ width: bw, height: bh, data: crop }, sw, sh).data;

  // Centre of mass of the box, in pixel indices (see above).
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const v = box[y * sw + x];
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  const centre = MNIST_CENTRE;
  const ox = Math.round(centre - mx / mass);
  const oy = Math.round(centre - my / mass);

  const out = new Float32Array(MNIST_SIDE * MNIST_SIDE);
  for (let y = 0; y < sh; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= MNIST_SIDE) continue;
    for (let x = 0; x < sw; x++) {
      const tx = x + ox;
      if (tx < 0 || tx >= MNIST_SIDE) continue;
      // Area averaging never leaves the source's range; the clamp only absorbs float rounding.
      out[ty * MNIST_SIDE + tx] = Math.min(1, Math.max(0, box[y * sw + x]));
    }
  }
  return out;
}
