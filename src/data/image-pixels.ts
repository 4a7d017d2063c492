/**
 * Pixel-level helpers for 8-bit images, shared by the Node image-folder reader (image-folder.ts), the browser
 * (canvas ImageData) and viz/resize.ts. Browser-safe: no `node:*`, no decoder libraries.
 *
 * Layout everywhere: NHWC for one image, i.e. row-major with the channels of a pixel adjacent, pixel (x, y)
 * channel k at `data[(y * width + x) * channels + k]`.
 */

/** One 8-bit image as the data layer hands it on: 1 = grey, 3 = RGB. */
export interface Image8 {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

// ITU-R BT.601 luma, the weights MNIST-style grey data sets and Pillow's convert('L') use, so a colour image
// made grey here looks like one converted by the usual tools.
const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;

function checkSize(width: number, height: number, channels: number, length: number, where: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new Error(`${where}: width and height must be integers, got ${width}x${height}`);
  }
  if (width === 0 || height === 0) throw new Error(`${where}: the image is empty (${width}x${height} pixels)`);
  if (!Number.isInteger(channels) || channels < 1) {
    throw new Error(`${where}: channels must be a positive integer, got ${channels}`);
  }
  const want = width * height * channels;
  if (length !== want) {
    throw new Error(`${where}: data has ${length} values but ${width}x${height}x${channels} needs ${want}`);
  }
}

/**
 * Converts interleaved 8-bit pixels with `srcChannels` (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) to `channels`
 * (1 or 3): grey -> RGB by replication, RGB -> grey by BT.601 luma, rounded. Always returns a new array.
 *
 * Alpha is composited over BLACK (value * alpha / 255, so fully transparent -> 0) and then dropped: models see
 * no alpha channel, and a transparent background has to become some colour. Black is what MNIST-like data
 * (light strokes on a 0 background) expects, and a PNG of a digit drawn on a transparent canvas then looks
 * like an MNIST digit rather than a white square. Compositing happens before the luma so each result is
 * rounded once.
 */
export function toChannels(
  pixels: Uint8Array, width: number, height: number, srcChannels: 1 | 2 | 3 | 4, channels: 1 | 3,
): Uint8Array {
  if (srcChannels !== 1 && srcChannels !== 2 && srcChannels !== 3 && srcChannels !== 4) {
    throw new Error(`toChannels: source channels must be 1, 2, 3 or 4, got ${String(srcChannels)}`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`toChannels: channels must be 1 or 3, got ${String(channels)}`);
  checkSize(width, height, srcChannels, pixels.length, 'toChannels');
  const n = width * height;
  const out = new Uint8Array(n * channels);
  if (srcChannels === channels) {
    out.set(pixels);
    return out;
  }
  for (let i = 0; i < n; i++) {
    const p = i * srcChannels;
    let r: number, g: number, b: number;
    if (srcChannels <= 2) {
      r = g = b = pixels[p];
    } else {
      r = pixels[p];
      g = pixels[p + 1];
      b = pixels[p + 2];
    }
    const a = srcChannels === 2 || srcChannels === 4 ? pixels[p + srcChannels - 1] : 255;
    if (channels === 1) {
      // Grey sources skip the weighted sum so their values survive exactly (0.299 + 0.587 + 0.114 is 1 only
      // up to rounding).
      const y = srcChannels <= 2 ? r : LUMA_R * r + LUMA_G * g + LUMA_B * b;
      out[i] = Math.round((y * a) / 255);
    } else {
      const q = i * 3;
      out[q] = Math.round((r * a) / 255);
      out[q + 1] = Math.round((g * a) / 255);
      out[q + 2] = Math.round((b * a) / 255);
    }
  }
  return out;
}

/** A canvas ImageData (non-premultiplied RGBA) as a grey or RGB Image8, alpha composited over black. */
export function fromImageData(
  img: { width: number; height: number; data: Uint8ClampedArray | Uint8Array }, channels: 1 | 3,
): Image8 {
  const { width, height, data } = img;
  // ImageData holds a Uint8ClampedArray; a Uint8Array view of the same bytes avoids a copy.
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.length);
  return { width, height, channels, data: toChannels(bytes, width, height, 4, channels) };
}

/** For each output index along one axis: the source indices it covers and their weights (summing to 1). */
function axisWeights(src: number, dst: number): { index: Int32Array; weight: Float64Array }[] {
  const scale = src / dst;
  const out: { index: Int32Array; weight: Float64Array }[] = [];
  for (let o = 0; o < dst; o++) {
    const lo = o * scale;
    const hi = (o + 1) * scale;
    const first = Math.floor(lo);
    const last = Math.min(src - 1, Math.ceil(hi) - 1);
    const index: number[] = [];
    const weight: number[] = [];
    for (let i = first; i <= last; i++) {
      const w = Math.min(hi, i + 1) - Math.max(lo, i);
      // Float error in o * scale can leave a sliver of a neighbouring pixel; it carries no real area.
      if (w > 1e-12) {
        index.push(i);
        weight.push(w / scale);
      }
    }
    out.push({ index: Int32Array.from(index), weight: Float64Array.from(weight) });
  }
  return out;
}

/**
 * Area-averaging resize, each channel separately: output pixel (x, y) covers the source rectangle
 * [x * sx, (x + 1) * sx) x [y * sy, (y + 1) * sy), sx = width / newWidth, sy = height / newHeight, and is the
 * mean of the source over it, each source pixel weighted by the area it shares with that rectangle. This is
 * OpenCV's INTER_AREA; Pillow's BOX filter agrees at integer ratios only (at fractional ones it weights a
 * source pixel 1 or 0 by where its centre falls). Fractional areas matter for ratios like 100 -> 28, the
 * mean of the image is kept, and results never leave the source's [min, max], so nothing overshoots.
 * Enlarging gives blocky pixels with blended seams.
 *
 * Separable, rows first, with the intermediate in float64 so the result is rounded once, to float32. The
 * values are not rounded or clamped to bytes: callers that want 8 bits round half up (values are already in
 * range).
 */
export function resizeArea(
  data: Uint8Array | Float32Array, width: number, height: number, channels: number, newWidth: number, newHeight: number,
): Float32Array {
  checkSize(width, height, channels, data.length, 'resizeArea');
  if (!Number.isInteger(newWidth) || !Number.isInteger(newHeight) || newWidth <= 0 || newHeight <= 0) {
    throw new Error(`resizeArea: the target size must be positive integers, got ${newWidth}x${newHeight}`);
  }
  if (width === newWidth && height === newHeight) return Float32Array.from(data);
  const c = channels;
  const wx = axisWeights(width, newWidth);
  const wy = axisWeights(height, newHeight);
  const mid = new Float64Array(height * newWidth * c);
  for (let y = 0; y < height; y++) {
    const srcRow = y * width * c;
    const midRow = y * newWidth * c;
    for (let x = 0; x < newWidth; x++) {
      const { index, weight } = wx[x];
      for (let k = 0; k < c; k++) {
        let acc = 0;
        for (let j = 0; j < index.length; j++) acc += weight[j] * data[srcRow + index[j] * c + k];
        mid[midRow + x * c + k] = acc;
      }
    }
  }
  const rowLen = newWidth * c;
  const out = new Float32Array(newHeight * rowLen);
  for (let y = 0; y < newHeight; y++) {
    const { index, weight } = wy[y];
    for (let i = 0; i < rowLen; i++) {
      let acc = 0;
      for (let j = 0; j < index.length; j++) acc += weight[j] * mid[index[j] * rowLen + i];
      out[y * rowLen + i] = acc;
    }
  }
  return out;
}

/** Area-averaged values back to bytes: round half up, clamped (they are in range already, but float error). */
export function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.floor(values[i] + 0.5);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}
