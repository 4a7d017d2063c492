/**
 * Resampling grey images (values in [0, 1], row-major Float32Array) to a model's input size, e.g. a user's
 * PNG to the 28 x 28 of an MNIST model (`aekit denoise MODEL in.png`).
 *
 * The resampling is AREA AVERAGING (a box filter over each output pixel's footprint): output pixel (x, y)
 * covers the source rectangle [x * sx, (x + 1) * sx) x [y * sy, (y + 1) * sy), sx = srcW / dstW and
 * sy = srcH / dstH, and takes the mean of the source over it, each source pixel weighted by the area it
 * shares with that rectangle (so fractional ratios such as 100 -> 28 are exact, not nearest-pixel). It is
 * separable: rows first, then columns (data/image-pixels.ts holds it, for any number of channels, so the
 * image-folder reader resizes the same way). It preserves the image's mean and never leaves [min, max] of the
 * source, so nothing overshoots (unlike bicubic). When enlarging, each output pixel lies inside one source
 * pixel or straddles two, so it gives blocky pixels with blended seams, which is what a 28-px digit should
 * look like anyway.
 *
 * Non-square images: `fitSquare` first pads the shorter side (centred) with the mean of the image's border
 * pixels, the best guess of its background, so a digit keeps its proportions instead of being stretched.
 */
import { resizeArea as resizeChannels } from '../data/image-pixels.js';
import type { RasterImage } from './png.js';

/** A one-channel image of values nominally in [0, 1]. */
export interface GrayImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** Throws a descriptive error unless `img` is a well-formed, non-empty GrayImage. */
export function checkGrayImage(img: GrayImage, where = 'image'): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new Error(`${where}: width and height must be integers, got ${width}x${height}`);
  }
  if (width === 0 || height === 0) throw new Error(`${where}: the image is empty (${width}x${height} pixels)`);
  if (!(data instanceof Float32Array)) throw new Error(`${where}: data must be a Float32Array`);
  if (data.length !== width * height) throw new Error(`${where}: data has ${data.length} values but ${width}x${height} needs ${width * height}`);
}

/** Area-averaging resize of a grey image to width x height (see the module comment and data/image-pixels.ts). */
export function resizeArea(img: GrayImage, width: number, height: number): GrayImage {
  checkGrayImage(img, 'resizeArea');
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`resizeArea: the target size must be positive integers, got ${width}x${height}`);
  }
  return { width, height, data: resizeChannels(img.data, img.width, img.height, 1, width, height) };
}

/** Mean of the pixels on the image's outer edge. */
export function borderMean(img: GrayImage): number {
  checkGrayImage(img, 'borderMean');
  const { width: w, height: h, data } = img;
  let s = 0;
  let n = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (y === 0 || y === h - 1 || x === 0 || x === w - 1) {
        s += data[y * w + x];
        n++;
      }
    }
  }
  return s / n;
}

/** The image centred on a square canvas of side max(width, height), the new margin filled with `fill`. */
export function padToSquare(img: GrayImage, fill = borderMean(img)): GrayImage {
  checkGrayImage(img, 'padToSquare');
  const { width: w, height: h, data } = img;
  if (w === h) return { width: w, height: h, data: Float32Array.from(data) };
  const side = Math.max(w, h);
  const out = new Float32Array(side * side).fill(fill);
  const x0 = Math.floor((side - w) / 2);
  const y0 = Math.floor((side - h) / 2);
  for (let y = 0; y < h; y++) out.set(data.subarray(y * w, (y + 1) * w), (y0 + y) * side + x0);
  return { width: side, height: side, data: out };
}

/** Any grey image as side x side: padded to a square (border mean), then area-averaged. */
export function fitSquare(img: GrayImage, side: number): GrayImage {
  return resizeArea(padToSquare(img), side, side);
}

/**
 * The side of the square image a flat input of `size` values holds (784 -> 28), or an error saying it is
 * not a square image size.
 */
export function squareSide(size: number, what = 'the model input'): number {
  const side = Math.round(Math.sqrt(size));
  if (!Number.isSafeInteger(size) || size <= 0 || side * side !== size) {
    throw new Error(`${what} has ${size} values, which is not a square image (side x side pixels)`);
  }
  return side;
}

/** Integer nearest-neighbour enlargement (each pixel becomes factor x factor). */
export function upscaleNearest(img: GrayImage, factor: number): GrayImage {
  checkGrayImage(img, 'upscaleNearest');
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`upscaleNearest: factor must be an integer >= 1, got ${factor}`);
  if (factor === 1) return { width: img.width, height: img.height, data: Float32Array.from(img.data) };
  const W = img.width * factor;
  const H = img.height * factor;
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const row = Math.floor(y / factor) * img.width;
    for (let x = 0; x < W; x++) out[y * W + x] = img.data[row + Math.floor(x / factor)];
  }
  return { width: W, height: H, data: out };
}

/** An 8-bit grey RasterImage (for encodePng): values clamped to [0, 1], NaN as 0, rounded to 0..255. */
export function grayToRaster(img: GrayImage): RasterImage {
  checkGrayImage(img, 'grayToRaster');
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = img.data[i];
    data[i] = v > 0 ? (v >= 1 ? 255 : Math.round(v * 255)) : 0;
  }
  return { width: img.width, height: img.height, channels: 1, data };
}
