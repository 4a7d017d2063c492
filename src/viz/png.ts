/**
 * PNG encoding/decoding for 8-bit raster images (pngjs, pure JS: no native code, no DOM).
 *
 * A `RasterImage` is row-major, channel-interleaved bytes: pixel (x, y) channel k lives at
 * `data[(y * width + x) * channels + k]`. 1 channel = grey, 3 = RGB, 4 = RGBA.
 *
 * Encoding is deterministic: same image -> same bytes (fixed deflate level, no timestamps or text chunks).
 */
import { PNG, type ColorType } from 'pngjs';
import { writeFileAtomic } from '../io/atomic.js';

export type Channels = 1 | 3 | 4;

export interface RasterImage {
  width: number;
  height: number;
  channels: Channels;
  data: Uint8Array;
}

/** What decodePng returns: always expanded to 8-bit RGBA, whatever the file's own colour type. */
export interface DecodedImage extends RasterImage {
  channels: 4;
}

const COLOR_TYPE: Record<Channels, ColorType> = { 1: 0, 3: 2, 4: 6 };

/** Throws a descriptive error unless `img` is a well-formed RasterImage. */
export function checkRasterImage(img: RasterImage, where = 'image'): void {
  const { width, height, channels, data } = img;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new Error(`${where}: width and height must be positive integers, got ${width}x${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new Error(`${where}: channels must be 1, 3 or 4, got ${String(channels)}`);
  }
  if (!(data instanceof Uint8Array)) throw new Error(`${where}: data must be a Uint8Array`);
  const want = width * height * channels;
  if (data.length !== want) {
    throw new Error(
      `${where}: data has ${data.length} bytes but ${width}x${height}x${channels} needs ${want}`,
    );
  }
}

/** Encode an 8-bit grey (1), RGB (3) or RGBA (4) image as PNG bytes; the PNG keeps the same colour type. */
export function encodePng(img: RasterImage): Uint8Array {
  checkRasterImage(img, 'encodePng');
  const colorType = COLOR_TYPE[img.channels];
  const png = new PNG({ width: img.width, height: img.height });
  // pngjs reads `data` in the layout given by inputColorType (1, 3 or 4 bytes per pixel).
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const out = PNG.sync.write(png, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: img.channels === 4,
    bitDepth: 8,
    deflateLevel: 9,
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Decode PNG bytes (any colour type / bit depth pngjs supports) to 8-bit RGBA. */
export function decodePng(bytes: Uint8Array): DecodedImage {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`decodePng: not a readable PNG (${(e as Error).message})`);
  }
  const data = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  return { width: png.width, height: png.height, channels: 4, data: new Uint8Array(data) };
}

/** Encode `img` and write it to `path` atomically (temp file + rename). */
export function writePng(path: string, img: RasterImage): void {
  writeFileAtomic(path, encodePng(img));
}

/**
 * Grey values in [0, 1] (Float32Array of width*height) from any RasterImage, e.g. a decoded PNG given to
 * `aekit denoise`. RGB is reduced with Rec. 601 luma (0.299 R + 0.587 G + 0.114 B); alpha is ignored.
 */
export function toGray01(img: RasterImage): Float32Array {
  checkRasterImage(img, 'toGray01');
  const n = img.width * img.height;
  const c = img.channels;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * c;
    out[i] = c === 1 ? img.data[o] / 255 : (0.299 * img.data[o] + 0.587 * img.data[o + 1] + 0.114 * img.data[o + 2]) / 255;
  }
  return out;
}
