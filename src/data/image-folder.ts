/**
 * Folders of PNG and JPEG images as one NHWC byte array (Node only: reads files, decodes with pngjs and
 * jpeg-js; the pixel conversions it uses are in image-pixels.ts, which the browser shares).
 *
 * Layout: either the images sit directly in the folder (unlabelled), or there is one sub-folder per class
 * (dir/cat/*.png, dir/dog/*.jpg), the label being the class folder's index in the sorted class names, as
 * torchvision's ImageFolder does. Files and folders are sorted by UTF-16 code units, not by locale, so the
 * sample order (and with it every seeded split and shuffle) is the same on every machine.
 *
 * Not handled: EXIF orientation (a phone photo stored sideways is read sideways, as Pillow does by default),
 * colour profiles and PNG gamma (the stored values are used as they are), animated images (first frame).
 */
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { AekitError, type AekitErrorCode } from '../errors.js';
import { resizeArea, toBytes, toChannels } from './image-pixels.js';

/** A decoded image in the channels its file stores: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA; 8 bits, NHWC. */
export interface SourceImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

/** A folder of images as one array: `data` is n x height x width x channels bytes (NHWC). */
export interface ImageSet {
  n: number;
  height: number;
  width: number;
  channels: 1 | 3;
  data: Uint8Array;
  /** Class index per image (class-folder layout), or null for a flat folder. */
  labels: Int32Array | null;
  /** Sorted class folder names (all of them, also when `limit` keeps only some classes), or null. */
  classNames: string[] | null;
  /** Each image's path relative to the folder, '/'-separated, in sample order. */
  ids: string[];
  /** Files and dot-folders that were not read (dotfiles, other extensions), relative paths; the caller reports them. */
  skipped: string[];
}

/** What listImageFolder finds: the image files in sample order, without reading them. */
export interface ImageFolderListing {
  ids: string[];
  labels: Int32Array | null;
  classNames: string[] | null;
  skipped: string[];
}

export interface ImageFolderOptions {
  /** [width, height]: every image is area-resized to it. Without it all images must have the same size. */
  size?: [number, number];
  /** 'auto' (default): 1 if every image is grey (with or without alpha), else 3. */
  channels?: 1 | 3 | 'auto';
  /** Keep only the first `limit` files, in sample order. */
  limit?: number;
}

const IMAGE_EXTENSIONS = /\.(png|jpe?g)$/i;
const EXTENSIONS_TEXT = '.png, .jpg, .jpeg';

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A library's error message on one line (pngjs and jpeg-js messages are terse but not always single-line). */
function reason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
}

function startsWith(bytes: Uint8Array, sig: number[], at = 0): boolean {
  return bytes.length >= at + sig.length && sig.every((v, i) => bytes[at + i] === v);
}

const ascii = (s: string): number[] => [...s].map((ch) => ch.charCodeAt(0));

/** The formats people most often feed by mistake, so the error can say what the file is. */
function otherFormat(bytes: Uint8Array): string | null {
  if (startsWith(bytes, ascii('GIF8'))) return 'GIF';
  if (startsWith(bytes, ascii('BM'))) return 'BMP';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'WebP';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0]) || startsWith(bytes, [0x4d, 0x4d, 0, 0x2a])) return 'TIFF';
  if (startsWith(bytes, ascii('ftyp'), 4)) return 'HEIC/AVIF (ISO media)';
  return null;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/**
 * pngjs always hands back 8-bit RGBA (grey replicated, palettes looked up, 16-bit samples scaled by
 * floor(v * 255 / 65535 + 0.5), a tRNS colour made alpha 0). The header's colour type says how many of those
 * channels carry information, so grey files stay 1 channel (2 with alpha) instead of being treated as colour.
 * Palette images count as colour even when the palette happens to be grey.
 */
function decodePng(bytes: Uint8Array): SourceImage {
  // The IHDR chunk comes first (PNG spec 5.6): width and height at bytes 16 and 20.
  if (bytes.length >= 24 && String.fromCharCode(...bytes.subarray(12, 16)) === 'IHDR') {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkPixels(view.getUint32(16), view.getUint32(20), PNG_PIXELS_PER_BYTE, bytes.length);
  }
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  const { width, height, colorType } = png;
  const rgba = png.data;
  const grey = colorType === 0 || colorType === 4;
  // `alpha` is set for colour types 4 and 6 and for a tRNS chunk (one transparent colour or palette alpha).
  const channels = ((grey ? 1 : 3) + (png.alpha ? 1 : 0)) as 1 | 2 | 3 | 4;
  const n = width * height;
  const data = new Uint8Array(n * channels);
  if (channels === 4) {
    data.set(rgba.subarray(0, n * 4));
  } else {
    for (let i = 0; i < n; i++) {
      const p = i * 4;
      const q = i * channels;
      data[q] = rgba[p];
      if (channels === 2) {
        data[q + 1] = rgba[p + 3];
      } else if (channels === 3) {
        data[q + 1] = rgba[p + 1];
        data[q + 2] = rgba[p + 2];
      }
    }
  }
  return { width, height, channels, data };
}

/**
 * The most pixels one byte of a file can hold: deflate expands at most 1032:1 and a 1-bit PNG packs 8 pixels a
 * byte; a baseline JPEG block needs at least 2 bits (a DC code and an end of block) per 64 pixels, 256 a byte.
 * A header claiming more pixels than that is corrupt, and is refused before the decoder allocates for it.
 */
const PNG_PIXELS_PER_BYTE = 8 * 1032;
const JPEG_PIXELS_PER_BYTE = 256;

class TooLarge extends Error {}

function checkPixels(width: number, height: number, perByte: number, fileBytes: number): void {
  if (width * height > perByte * fileBytes) {
    throw new TooLarge(`the header says ${width}x${height} pixels, more than a ${fileBytes}-byte file can hold (corrupt header)`);
  }
}

const JPEG_CODINGS: Record<number, string> = {
  0xc3: 'lossless', 0xc5: 'hierarchical', 0xc6: 'hierarchical progressive', 0xc7: 'hierarchical lossless',
  0xc9: 'arithmetic-coded', 0xca: 'arithmetic-coded progressive', 0xcb: 'arithmetic-coded lossless',
  0xcd: 'hierarchical arithmetic-coded', 0xce: 'hierarchical arithmetic-coded', 0xcf: 'hierarchical arithmetic-coded',
};

/**
 * The frame header (SOF) of a JPEG. jpeg-js's decode does not report the number of components (it expands
 * grey to RGB and converts Adobe CMYK silently), so it is read here.
 */
function jpegFrame(b: Uint8Array): { marker: number; precision: number; components: number; width: number; height: number } {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) throw new Error(`no JPEG marker at byte ${i} (corrupt header)`);
    const m = b[i + 1];
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) {
      i += 2; // markers without a length field
      continue;
    }
    if (m === 0xd9 || m === 0xda) break;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (i + 9 >= b.length) break;
      return { marker: m, precision: b[i + 4], components: b[i + 9], height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8] };
    }
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  throw new Error('no frame header (SOF) before the image data (truncated or corrupt)');
}

function decodeJpegImage(bytes: Uint8Array): SourceImage {
  const frame = jpegFrame(bytes);
  const coding = JPEG_CODINGS[frame.marker];
  if (coding) throw new Error(`${coding} JPEG, which jpeg-js cannot decode: re-save it as a baseline JPEG or a PNG`);
  if (frame.precision !== 8) throw new Error(`${frame.precision}-bit JPEG; only 8-bit JPEGs are supported`);
  if (frame.components === 4) {
    throw new Error('CMYK (4-component) JPEG; only grey and RGB JPEGs are supported: convert it to RGB');
  }
  if (frame.components !== 1 && frame.components !== 3) {
    throw new Error(`JPEG with ${frame.components} colour components; only grey (1) and RGB (3) are supported`);
  }
  checkPixels(frame.width, frame.height, JPEG_PIXELS_PER_BYTE, bytes.length);
  // jpeg-js truncates its YCbCr -> RGB result where libjpeg rounds, so its colour values run about half a level
  // below Pillow's (test/fixtures/data/images/README.md); too small to matter for training, so it is left.
  const img = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: false });
  const { width, height } = img;
  if (frame.components === 3) return { width, height, channels: 3, data: img.data };
  // Grey: jpeg-js wrote Y three times per pixel.
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = img.data[i * 3];
  return { width, height, channels: 1, data };
}

/**
 * Decodes PNG or JPEG bytes, recognised by their signature (the name is only used in messages), to 8-bit
 * pixels in the file's own channels. Any failure is an Error whose one-line message starts with `name`.
 */
export function decodeImage(bytes: Uint8Array, name: string): SourceImage {
  if (bytes.length === 0) throw new AekitError(`${name}: the file is empty (0 bytes)`, 'E_TRUNCATED');
  let kind: 'PNG' | 'JPEG';
  if (startsWith(bytes, PNG_SIGNATURE)) kind = 'PNG';
  else if (startsWith(bytes, JPEG_SIGNATURE)) kind = 'JPEG';
  else {
    const other = otherFormat(bytes);
    if (other) throw new AekitError(`${name}: a ${other} file; only PNG and JPEG are supported (convert it to PNG)`, 'E_UNSUPPORTED');
    const head = [...bytes.subarray(0, 8)].map((v) => v.toString(16).padStart(2, '0')).join(' ');
    throw new AekitError(`${name}: not a PNG or JPEG file (it starts with bytes ${head}, which match neither signature)`);
  }
  let img: SourceImage;
  try {
    img = kind === 'PNG' ? decodePng(bytes) : decodeJpegImage(bytes);
  } catch (e) {
    // pngjs and jpeg-js throw plain Errors for corrupt data; TypeErrors and RangeErrors from inside them are
    // corrupt data too, since the header sizes were bounded before decoding.
    const code: AekitErrorCode = e instanceof TooLarge ? 'E_TOO_LARGE' : /unsupported|only|cannot decode/i.test(reason(e)) ? 'E_UNSUPPORTED' : 'E_FORMAT';
    throw new AekitError(`${name}: cannot decode ${kind}: ${reason(e)}`, code, { cause: e });
  }
  if (img.width <= 0 || img.height <= 0) throw new AekitError(`${name}: ${kind} has no pixels (${img.width}x${img.height})`);
  return img;
}

/** A directory entry's kind, following symlinks; a dangling link counts as a file, so reading it fails loudly. */
function entryKind(dir: string, e: Dirent): 'dir' | 'file' {
  if (e.isDirectory()) return 'dir';
  if (!e.isSymbolicLink()) return 'file';
  try {
    return statSync(join(dir, e.name)).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'file';
  }
}

function readFolder(dir: string, what: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => byCodeUnits(a.name, b.name));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${what} ${dir} does not exist`);
    if (code === 'ENOTDIR') throw new Error(`${what} ${dir} is not a folder`);
    throw new Error(`cannot read ${what} ${dir}: ${reason(e)}`);
  }
}

/** The images of a folder in sample order (see the module comment for the layout), without reading them. */
export function listImageFolder(dir: string): ImageFolderListing {
  const skipped: string[] = [];
  const images: string[] = [];
  const folders: string[] = [];
  for (const e of readFolder(dir, 'image folder')) {
    const kind = entryKind(dir, e);
    if (e.name.startsWith('.')) skipped.push(kind === 'dir' ? `${e.name}/` : e.name);
    else if (kind === 'dir') folders.push(e.name);
    else if (IMAGE_EXTENSIONS.test(e.name)) images.push(e.name);
    else skipped.push(e.name);
  }
  if (images.length > 0 && folders.length > 0) {
    throw new Error(
      `image folder ${dir} has both images (e.g. ${images[0]}) and sub-folders (e.g. ${folders[0]}/): ` +
        'put the images either directly in the folder (unlabelled) or in one sub-folder per class, not both',
    );
  }
  if (folders.length === 0) {
    if (images.length === 0) {
      const others = skipped.length > 0 ? `only other files, e.g. ${skipped[0]}` : 'nothing in it';
      throw new Error(`image folder ${dir} has no images (${EXTENSIONS_TEXT}): ${others}`);
    }
    return { ids: images, labels: null, classNames: null, skipped };
  }
  const ids: string[] = [];
  const labels: number[] = [];
  folders.forEach((cls, label) => {
    const classDir = join(dir, cls);
    let count = 0;
    for (const e of readFolder(classDir, 'class folder')) {
      const kind = entryKind(classDir, e);
      const id = `${cls}/${e.name}`;
      if (e.name.startsWith('.')) {
        skipped.push(kind === 'dir' ? `${id}/` : id);
      } else if (kind === 'dir') {
        throw new Error(
          `${join(classDir, e.name)} is a folder inside class folder ${cls}/: only one level of class folders is ` +
            `read (${dir}/<class>/<image>)`,
        );
      } else if (IMAGE_EXTENSIONS.test(e.name)) {
        ids.push(id);
        labels.push(label);
        count++;
      } else {
        skipped.push(id);
      }
    }
    if (count === 0) throw new Error(`class folder ${classDir} has no images (${EXTENSIONS_TEXT})`);
  });
  return { ids, labels: Int32Array.from(labels), classNames: folders, skipped };
}

function checkOptions(opts: ImageFolderOptions): void {
  const { size, channels, limit } = opts;
  if (size !== undefined) {
    const ok = Array.isArray(size) && size.length === 2 && size.every((v) => Number.isInteger(v) && v > 0);
    if (!ok) throw new Error(`image size must be [width, height] in positive integers, got ${JSON.stringify(size)}`);
  }
  if (channels !== undefined && channels !== 1 && channels !== 3 && channels !== 'auto') {
    throw new Error(`channels must be 1, 3 or 'auto', got ${JSON.stringify(channels)}`);
  }
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new Error(`limit must be a positive integer, got ${String(limit)}`);
  }
}


/** Grey images already stored, replicated into an RGB copy (exact, and it commutes with the resize). */
function greyToRgb(grey: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(grey.length * 3);
  for (let i = 0; i < pixels; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = grey[i];
  return out;
}

/**
 * Reads a folder of PNG/JPEG images (layout in the module comment) into one NHWC byte array. Alpha is
 * composited over black; with `size`, each image is converted to the output channels and then area-resized.
 */
export function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): ImageSet {
  checkOptions(opts);
  const listing = listImageFolder(dir);
  const n = Math.min(listing.ids.length, opts.limit ?? Infinity);
  const ids = listing.ids.slice(0, n);
  const want = opts.channels ?? 'auto';
  let width = 0;
  let height = 0;
  // With 'auto', images are stored grey until the first colour one; then the grey ones so far are replicated.
  let channels: 1 | 3 = want === 'auto' ? 1 : want;
  let data: Uint8Array = new Uint8Array(0);
  for (let k = 0; k < n; k++) {
    const path = join(dir, ids[k]);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new Error(`cannot read image file ${path}: ${reason(e)}`);
    }
    const img = decodeImage(bytes, path);
    if (k === 0) {
      [width, height] = opts.size ?? [img.width, img.height];
    } else if (!opts.size && (img.width !== width || img.height !== height)) {
      throw new Error(
        `${path} is ${img.width}x${img.height} but ${join(dir, ids[0])} is ${width}x${height}: images of ` +
          `different sizes need a common size to be resized to (--image-size WxH)`,
      );
    }
    const grey = img.channels <= 2;
    if (k === 0) {
      if (want === 'auto') channels = grey ? 1 : 3;
      data = new Uint8Array(n * height * width * channels);
    } else if (want === 'auto' && channels === 1 && !grey) {
      data = greyToRgb(data, k * width * height);
      channels = 3;
    }
    let pixels: Uint8Array = toChannels(img.data, img.width, img.height, img.channels, channels);
    if (img.width !== width || img.height !== height) {
      pixels = toBytes(resizeArea(pixels, img.width, img.height, channels, width, height));
    }
    data.set(pixels, k * pixels.length);
  }
  return {
    n, height, width, channels, data,
    labels: listing.labels ? listing.labels.slice(0, n) : null,
    classNames: listing.classNames,
    ids,
    skipped: listing.skipped,
  };
}
