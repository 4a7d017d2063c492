/**
 * What a compressed sample is compared against: the lossless ways the same samples are usually stored.
 *
 * Images: each image as its own 8-bit PNG file at its own size and channels (encodePng: pngjs, deflate level
 * 9, adaptive filters), the mean size of those files. That is how single images are stored and sent; every
 * PNG file carries about 60 bytes of fixed overhead (signature, IHDR, IDAT and IEND framing, zlib header and
 * checksum), a lot next to a 28x28 image, so `stack` also gives one PNG of all the images stacked vertically
 * divided by n, where the overhead is shared (a fairer lossless baseline for a whole batch).
 *
 * Tables and sequences: each row as CSV text, its values in the data's own units written with the fewest
 * digits that read back as the same float32 (so a value read from "5.1" is written "5.1" again, the text a
 * CSV file of the data would hold), comma-separated, one line per sample, without the header, the ids or the
 * labels (the .aekc's ids are counted apart); and `deflate`, the CSV text of all rows deflated at level 9 (zlib,
 * PNG's own compressor) divided by n: the general-purpose lossless baseline, as the PNG stack is for images.
 * The raw baseline is float32: 4 bytes per value.
 */
import { deflateSync } from 'node:zlib';
import { encodePng, type Channels } from '../viz/png.js';

export const PNG_BASELINE = 'each image as its own 8-bit PNG file at its own size and channels (pngjs, deflate level 9, adaptive filters), mean size';
export const CSV_BASELINE = 'each row as CSV text of its values in the data\'s units (shortest decimal that reads back as the same float32), mean size; and all rows\' CSV deflated at level 9 (zlib), / n';

/** Height, width and channels of one image for PNG, or null when the shape is not an image PNG can hold. */
export function pngGeometry(shape: readonly number[]): { height: number; width: number; channels: Channels } | null {
  if (shape.length === 2) return { height: shape[0], width: shape[1], channels: 1 };
  if (shape.length === 3 && (shape[2] === 1 || shape[2] === 3 || shape[2] === 4)) return { height: shape[0], width: shape[1], channels: shape[2] as Channels };
  return null;
}

/** Display values in [0, 1] (clamped) as 8-bit pixels: round(v * 255), as the PNG writer and the grids map them. */
export function toBytes(v: ArrayLike<number>, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  for (let i = start; i < end; i++) {
    const x = v[i];
    out[i - start] = x <= 0 ? 0 : x >= 1 ? 255 : Math.round(x * 255);
  }
  return out;
}

/**
 * Mean size of each image as its own 8-bit PNG file and, `stack`, one PNG of all of them stacked vertically
 * divided by n. `display` holds n images of `shape` with values in [0, 1]; null for shapes PNG cannot hold.
 */
export function pngBaseline(display: ArrayLike<number>, n: number, shape: readonly number[]): { perImage: number; stack: number } | null {
  const geo = pngGeometry(shape);
  if (!geo || n === 0) return null;
  const size = geo.height * geo.width * geo.channels;
  let total = 0;
  for (let i = 0; i < n; i++) total += encodePng({ ...geo, data: toBytes(display, i * size, (i + 1) * size) }).length;
  const stack = encodePng({ width: geo.width, height: geo.height * n, channels: geo.channels, data: toBytes(display, 0, n * size) }).length;
  return { perImage: total / n, stack: stack / n };
}

/** The shortest decimal text that reads back (as float32) to the float32 `v`: 5.1 for Math.fround(5.1); '' for NaN. */
export function shortestFloat32(v: number): string {
  if (Number.isNaN(v)) return ''; // a missing cell is an empty one
  if (!Number.isFinite(v)) return String(v);
  const f = Math.fround(v);
  for (let p = 1; p < 9; p++) {
    const s = String(Number(f.toPrecision(p)));
    if (Math.fround(Number(s)) === f) return s;
  }
  return String(Number(f.toPrecision(9))); // 9 significant digits always round-trip a float32
}

/** Mean bytes of each sample as one CSV line, and of all the lines deflated at level 9, per sample (see the module comment). */
export function csvBaseline(values: ArrayLike<number>, n: number, size: number): { perSample: number; deflate: number } {
  if (n === 0) return { perSample: 0, deflate: 0 };
  const lines: string[] = new Array(n);
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const cells: string[] = new Array(size);
    for (let j = 0; j < size; j++) cells[j] = shortestFloat32(values[i * size + j]);
    lines[i] = `${cells.join(',')}\n`;
    bytes += lines[i].length; // digits, signs, 'e', '.', ',' and '\n' are one UTF-8 byte each
  }
  const deflated = deflateSync(Buffer.from(lines.join(''), 'latin1'), { level: 9 }).length;
  return { perSample: bytes / n, deflate: deflated / n };
}
