/**
 * Image files dropped on the page as samples: what the CLI's image-folder reader (src/data/image-folder.ts)
 * does for a folder on disk, for files held in memory. The browser decodes (createImageBitmap, in the worker);
 * everything after the pixels is `imagesToSource`, a pure function the Node tests call with hand-made RGBA.
 *
 * Layout, as the CLI reads a folder: names are paths ('pets/cats/1.png' when a folder is dropped). The folder
 * every file shares is the dropped folder itself; below it, either the images sit directly (unlabelled) or there
 * is one sub-folder per class, the label being the class's index in the sorted folder names (torchvision's
 * ImageFolder rule). Sorting is by UTF-16 code units, folder first, then file, so the sample order (and the
 * seeded split after it) is the one `aekit` gives the same folder. One class folder alone is the dropped folder
 * (nothing tells them apart) and gives no labels; a single class carries no information anyway.
 *
 * Where the page differs from the CLI, because the browser decodes: it reads every format the browser does
 * (WebP, GIF, BMP too; the CLI reads PNG and JPEG), and "grey" means every pixel has R = G = B (the CLI asks
 * the PNG header, so an RGB file of grey pixels is colour there). A model file records its channels and
 * size, and `aekit eval` converts any folder to those, so a model trained here still reads the same folder.
 */
import { type DataSource, fromImageData, imageSamples } from '../../src/browser.js';
// The multi-channel area resize the CLI's folder reader uses (browser.ts exports viz/resize.ts's grey one
// under the same name).
import { resizeArea, toBytes } from '../../src/data/image-pixels.js';

/** The formats the browser decodes (by extension, as the CLI picks files by extension). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.bmp'];

/** A decoded image: non-premultiplied RGBA bytes, as canvas ImageData holds them. */
export interface RgbaImage {
  /** The file's name: a path inside the dropped folder, '/'-separated. */
  name: string;
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

export interface ImageLayout {
  /** The folder every file is in ('' when the names have none): the data's source, as the CLI's folder spec. */
  root: string;
  /** The files' names in sample order. */
  order: string[];
  /** Label per file in `order`, or null without class folders. */
  labels: Int32Array | null;
  classNames: string[] | null;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const isImageName = (name: string): boolean => IMAGE_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));

/** The layout of image files from their names (see the module comment); a layout the CLI refuses fails the same way. */
export function imageLayout(names: readonly string[]): ImageLayout {
  if (names.length === 0) throw new Error('no image files');
  const seen = new Set<string>();
  const twice = names.find((n) => seen.has(n) || !seen.add(n));
  if (twice !== undefined) throw new Error(`${twice} is given twice`);
  const parts = names.map((n) => n.replace(/^\/+/, '').split('/'));
  // The longest folder path every file shares: the dropped folder.
  let common = parts[0].length - 1;
  for (const p of parts) {
    common = Math.min(common, p.length - 1);
    for (let k = 0; k < common; k++) if (p[k] !== parts[0][k]) common = k;
  }
  const root = parts[0].slice(0, common).join('/');
  const rel = parts.map((p) => p.slice(common));
  const where = root ? `folder ${root}` : 'the dropped files';
  const flat = rel.filter((r) => r.length === 1);
  const nested = rel.filter((r) => r.length > 1);
  if (flat.length && nested.length) {
    throw new Error(
      `${where} has both images (e.g. ${flat[0][0]}) and sub-folders (e.g. ${nested[0][0]}/): put the images either ` +
        'directly in the folder (unlabelled) or in one sub-folder per class, not both',
    );
  }
  const deep = rel.find((r) => r.length > 2);
  if (deep) {
    throw new Error(`${[root, ...deep].filter(Boolean).join('/')} is in a folder inside class folder ${deep[0]}/: only one level of class folders is read (<folder>/<class>/<image>)`);
  }
  const index = rel.map((r, i) => ({ cls: r.length === 2 ? r[0] : '', file: r[r.length - 1], name: names[i] }));
  index.sort((a, b) => byCodeUnits(a.cls, b.cls) || byCodeUnits(a.file, b.file));
  if (!nested.length) return { root, order: index.map((e) => e.name), labels: null, classNames: null };
  const classNames = [...new Set(index.map((e) => e.cls))];
  const label = new Map(classNames.map((c, i) => [c, i]));
  return { root, order: index.map((e) => e.name), labels: Int32Array.from(index, (e) => label.get(e.cls)!), classNames };
}

/** Every pixel has equal red, green and blue (alpha aside). */
function isGrey(data: Uint8ClampedArray | Uint8Array): boolean {
  for (let p = 0; p < data.length; p += 4) if (data[p] !== data[p + 1] || data[p] !== data[p + 2]) return false;
  return true;
}


/**
 * Decoded images as samples [n, h, w, c] in bytes: grey (1 channel) when every image is, else RGB; alpha
 * composited over black (fromImageData); each resized by area averaging to `side` x `side`, or else to the
 * first image's size (in sample order). Labels and sample order from the names (imageLayout).
 */
export function imagesToSource(images: readonly RgbaImage[], side?: number): DataSource {
  if (side !== undefined && !(Number.isSafeInteger(side) && side > 0)) throw new Error(`the image side must be a positive integer, got ${side}`);
  const layout = imageLayout(images.map((im) => im.name));
  const byName = new Map(images.map((im) => [im.name, im]));
  const ordered = layout.order.map((name) => byName.get(name)!);
  for (const im of ordered) {
    if (im.data.length !== im.width * im.height * 4 || im.width <= 0 || im.height <= 0) {
      throw new Error(`${im.name}: ${im.data.length} bytes of pixels do not make a ${im.width}x${im.height} RGBA image`);
    }
  }
  const channels = ordered.every((im) => isGrey(im.data)) ? 1 : 3;
  const width = side ?? ordered[0].width;
  const height = side ?? ordered[0].height;
  const size = width * height * channels;
  const data = new Uint8Array(ordered.length * size);
  const resized: string[] = [];
  ordered.forEach((im, k) => {
    const img = fromImageData(im, channels);
    let pixels = img.data;
    if (im.width !== width || im.height !== height) {
      pixels = toBytes(resizeArea(pixels, im.width, im.height, channels, width, height));
      resized.push(`${im.name} (${im.width}x${im.height})`);
    }
    data.set(pixels, k * size);
  });
  const source = layout.root || `${ordered.length} image file${ordered.length === 1 ? '' : 's'}`;
  const src = imageSamples({
    n: ordered.length, height, width, channels, data, labels: layout.labels, classNames: layout.classNames,
    ids: layout.root ? layout.order.map((n) => n.replace(/^\/+/, '').slice(layout.root.length + 1)) : layout.order,
  }, source);
  if (resized.length) {
    src.notes.push(`${resized.length} of ${ordered.length} images resized to ${width}x${height}: ${resized.slice(0, 3).join(', ')}${resized.length > 3 ? ` and ${resized.length - 3} more` : ''}`);
  }
  return src;
}

/**
 * Decodes image bytes with the browser's decoders (a Web Worker has createImageBitmap and OffscreenCanvas).
 * The stored values are kept: no colour-space conversion, no premultiplied alpha (the CLI ignores colour
 * profiles and gamma too).
 */
export async function decodeImage(name: string, bytes: ArrayBuffer): Promise<RgbaImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch (e) {
    throw new Error(`${name}: the browser cannot decode it as an image (${(e as Error).message || 'unknown format or corrupt file'})`);
  }
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error(`${name}: no 2-D canvas in this browser to read the pixels with`);
    ctx.drawImage(bitmap, 0, 0);
    const { width, height, data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return { name, width, height, data };
  } finally {
    bitmap.close();
  }
}
