/**
 * `aekit denoise MODEL IN --out OUT` (see cli/denoise.ts's help): images from files run through an image model
 * and written back as PNGs at the model's size and channels. IN is one image file or a folder read with the
 * image-folder reader's listing and decoding, so a folder's images reach the model exactly as `--data IN` would
 * bring them (same channel conversion, same area resize, rounded to bytes the same way).
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { decodeImage, encodePng, listImageFolder, noGrad, type RasterImage, type SourceImage, tensor } from '../src/index.js';
import { resizeArea, toChannels } from '../src/data/image-pixels.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { intArg } from './args.js';
import { prepareOutputDir } from './safety.js';
import { UsageError } from './errors.js';
import { loadBundle, type ModelBundle } from './model-data.js';

/** What a model that takes images from files needs known: its image size and channels, and its data's range. */
interface ImageModel {
  bundle: ModelBundle;
  width: number;
  height: number;
  channels: 1 | 3;
  /** The data's value range: 8-bit pixel values 0..255 map onto it linearly. */
  lo: number;
  hi: number;
}

function imageModel(path: string): ImageModel {
  const bundle = loadBundle(path);
  const { info } = bundle;
  if (info.kind !== 'image') {
    throw new Error(`${path}: the model was trained on ${info.kind} data (${info.source}), not images; denoise its kind of data with 'aekit denoise ${path} --data SPEC'`);
  }
  if (!info.valueRange) {
    throw new Error(`${path}: the model was trained on images without a fixed value range (${info.source}), so 8-bit image files have no defined meaning for it; use 'aekit denoise ${path} --data SPEC'`);
  }
  const [height, width, c] = info.sampleShape;
  return { bundle, width, height, channels: c === 3 ? 3 : 1, lo: info.valueRange[0], hi: info.valueRange[1] };
}

/** Bytes of an image file, decoded (PNG or JPEG); every failure is one line naming the file. */
function readImage(path: string): SourceImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `input image not found: ${path}` : `cannot read image file ${path}: ${(e as Error).message}`);
  }
  return decodeImage(bytes, path);
}

/** Area-averaged values back to bytes, round half up (as the image-folder reader stores resized images). */
function toBytes(v: Float32Array): Uint8Array {
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const b = Math.floor(v[i] + 0.5);
    out[i] = b < 0 ? 0 : b > 255 ? 255 : b;
  }
  return out;
}

/**
 * The image centred on a canvas of the model's aspect ratio, the margin filled with the mean colour of the
 * image's border pixels (the best guess of its background), so a drawing keeps its proportions.
 */
function padToAspect(px: Uint8Array, w: number, h: number, c: number, m: ImageModel): { data: Float32Array; width: number; height: number } {
  // Exact integer comparison of the two ratios: w / h against m.width / m.height.
  const [W, H] = w * m.height > h * m.width ? [w, Math.round((w * m.height) / m.width)] : [Math.round((h * m.width) / m.height), h];
  if (W === w && H === h) return { data: Float32Array.from(px), width: w, height: h };
  const fill = new Float64Array(c);
  let count = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (y !== 0 && y !== h - 1 && x !== 0 && x !== w - 1) continue;
      for (let k = 0; k < c; k++) fill[k] += px[(y * w + x) * c + k];
      count++;
    }
  }
  const out = new Float32Array(W * H * c);
  for (let i = 0; i < W * H; i++) for (let k = 0; k < c; k++) out[i * c + k] = fill[k] / count;
  const x0 = Math.floor((W - w) / 2), y0 = Math.floor((H - h) / 2);
  for (let y = 0; y < h; y++) out.set(px.subarray(y * w * c, (y + 1) * w * c), ((y0 + y) * W + x0) * c);
  return { data: out, width: W, height: H };
}

/** An image file's pixels at the model's size and channels, as 8-bit values. */
function modelPixels(img: SourceImage, m: ImageModel, pad: boolean): Uint8Array {
  const px = toChannels(img.data, img.width, img.height, img.channels, m.channels);
  const src = pad ? padToAspect(px, img.width, img.height, m.channels, m) : { data: px, width: img.width, height: img.height };
  if (!pad && img.width === m.width && img.height === m.height) return px;
  return toBytes(resizeArea(src.data, src.width, src.height, m.channels, m.width, m.height));
}

/** 8-bit pixels through the model (into the data's units, preprocessed, reconstructed, and back) to 8-bit pixels. */
function denoisePixels(m: ImageModel, px: Uint8Array, name: string): Uint8Array {
  const { bundle, lo, hi } = m;
  const units = Float32Array.from(px, (v) => lo + (v / 255) * (hi - lo));
  const x = bundle.preprocessing.transform(units);
  const y = noGrad(() => bundle.model.reconstruct(tensor(x, [1, ...bundle.model.inputShape])).toTypedArray());
  const back = bundle.preprocessing.inverse(y);
  const out = new Uint8Array(back.length);
  for (let i = 0; i < back.length; i++) {
    const v = ((back[i] - lo) / (hi - lo)) * 255;
    // A black pixel in place of NaN would be a wrong image written as if it were right.
    if (!Number.isFinite(v)) throw new Error(`${name}: the model's output holds ${back[i]} (its weights overflow on this image, or the file is damaged); nothing written for it`);
    out[i] = v > 0 ? (v >= 255 ? 255 : Math.round(v)) : 0;
  }
  return out;
}

/** Nearest-neighbour enlargement of interleaved pixels by an integer factor. */
function upscale(img: RasterImage, f: number): RasterImage {
  if (f === 1) return img;
  const { width: w, height: h, channels: c } = img;
  const W = w * f, H = h * f;
  const data = new Uint8Array(W * H * c);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const s = (Math.floor(y / f) * w + Math.floor(x / f)) * c;
      data.set(img.data.subarray(s, s + c), (y * W + x) * c);
    }
  }
  return { width: W, height: H, channels: c, data };
}

/** Mean of the outer ring of grey or RGB pixels, in [0, 1] (to guess a light background). */
function borderMean(px: Uint8Array, w: number, h: number, c: number): number {
  let s = 0, n = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (y !== 0 && y !== h - 1 && x !== 0 && x !== w - 1) continue;
      for (let k = 0; k < c; k++) s += px[(y * w + x) * c + k];
      n += c;
    }
  }
  return s / n / 255;
}

interface ImageValues { out?: string; scale?: string; invert?: boolean; json?: boolean }

async function runFile(modelPath: string, input: string, v: ImageValues): Promise<number> {
  if (v.out === undefined) throw new UsageError("'aekit denoise MODEL IN.png' needs --out OUT.png (see 'aekit denoise --help')");
  const scale = intArg('scale', v.scale ?? '1');
  if (isFolder(v.out)) throw new UsageError(`--out ${v.out} is a folder: give the PNG file to write (a folder of images goes to a folder)`);
  const m = imageModel(modelPath);
  const img = readImage(input);
  const colour = img.channels >= 3;
  const invert = v.invert ?? false;
  let px = toChannels(img.data, img.width, img.height, img.channels, m.channels);
  const dark = ['mnist', 'fashion-mnist'].includes(m.bundle.info.source);
  if (dark && !invert && !v.json && borderMean(px, img.width, img.height, m.channels) > 0.5) {
    process.stderr.write(`aekit: note: ${input} looks like a dark drawing on a light background; MNIST models expect the opposite (try --invert)\n`);
  }
  if (invert) px = px.map((b) => 255 - b);
  let out = denoisePixels(m, modelPixels({ ...img, channels: m.channels, data: px }, m, true), input);
  if (invert) out = out.map((b) => 255 - b);
  const result = upscale({ width: m.width, height: m.height, channels: m.channels, data: out }, scale);
  writeFileAtomic(v.out, encodePng(result));
  if (v.json) {
    process.stdout.write(`${JSON.stringify({
      model: modelPath, kind: m.bundle.header.kind, input, inputSize: [img.width, img.height], colour, modelSize: [m.width, m.height],
      channels: m.channels, inverted: invert, output: v.out, outputSize: [result.width, result.height],
    })}\n`);
  } else {
    const conversion = colour && m.channels === 1 ? 'colour, converted to grey' : !colour && m.channels === 3 ? 'grey, made RGB' : colour ? 'colour' : 'grey';
    process.stdout.write(
      `read ${input} (${img.width}x${img.height}, ${conversion}), resized to ${m.width}x${m.height}\n` +
        `wrote ${v.out} (${result.width}x${result.height}${scale > 1 ? `, ${m.width}x${m.height} enlarged ${scale}x` : ''})\n`,
    );
  }
  return 0;
}

/** True when `inner` is `outer` or lies inside it. */
function within(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

async function runFolder(modelPath: string, input: string, v: ImageValues): Promise<number> {
  if (v.out === undefined) throw new UsageError("'aekit denoise MODEL FOLDER' needs --out DIR, a folder for the denoised images (see 'aekit denoise --help')");
  for (const flag of ['scale', 'invert'] as const) {
    if (v[flag] !== undefined) throw new UsageError(`--${flag} is for one image file; a folder's images are read as '--data ${input}' reads them`);
  }
  const inDir = resolve(input), outDir = resolve(v.out);
  if (within(outDir, inDir)) throw new UsageError(`--out ${v.out} is ${outDir === inDir ? 'the input folder itself' : 'inside the input folder'}: the denoised images would mix with the originals; give another folder`);
  const m = imageModel(modelPath);
  const listing = listImageFolder(input);
  // a.png and a.jpg would both become a.png: say so before anything is written.
  const outputs = listing.ids.map((id) => id.replace(/\.(png|jpe?g)$/i, '.png'));
  const seen = new Map<string, string>();
  listing.ids.forEach((id, i) => {
    const key = outputs[i].toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) throw new Error(`${join(input, other)} and ${join(input, id)} would both be written as ${join(v.out!, outputs[i])}: rename one of them`);
    seen.set(key, id);
  });
  if (listing.skipped.length && !v.json) {
    const s = listing.skipped;
    process.stderr.write(`aekit: ${input}: not images, not read: ${s.slice(0, 5).join(', ')}${s.length > 5 ? ` and ${s.length - 5} more` : ''}\n`);
  }
  prepareOutputDir(outDir);
  const files: string[] = [];
  const sizes: [number, number][] = [];
  let resized = 0;
  for (let i = 0; i < listing.ids.length; i++) {
    const target = join(v.out, outputs[i]);
    try {
      const file = join(input, listing.ids[i]);
      const img = readImage(file);
      if (img.width !== m.width || img.height !== m.height) resized++;
      sizes.push([img.width, img.height]);
      const out = denoisePixels(m, modelPixels(img, m, false), file);
      mkdirSync(dirname(target), { recursive: true });
      writeFileAtomic(target, encodePng({ width: m.width, height: m.height, channels: m.channels, data: out }));
    } catch (e) {
      const kept = files.length ? `; the ${files.length} image${files.length === 1 ? '' : 's'} before it ${files.length === 1 ? 'was' : 'were'} written to ${v.out}` : '';
      throw new Error(`${(e as Error).message} (image ${i + 1} of ${listing.ids.length}; stopped${kept})`);
    }
    files.push(target);
  }
  const what = `${m.width}x${m.height} ${m.channels === 3 ? 'RGB' : 'grey'}`;
  if (v.json) {
    process.stdout.write(`${JSON.stringify({
      model: modelPath, kind: m.bundle.header.kind, input, output: v.out, images: files.length, modelSize: [m.width, m.height],
      channels: m.channels, resized, inputSizes: sizes, skipped: listing.skipped, files,
    })}\n`);
  } else {
    process.stdout.write(
      `denoised ${files.length} image${files.length === 1 ? '' : 's'} of ${input}${resized ? ` (${resized} resized to ${m.width}x${m.height})` : ''}\n` +
        `wrote ${files.length} ${what} PNG${files.length === 1 ? '' : 's'} under ${v.out}, with the same relative paths\n`,
    );
  }
  return 0;
}

/** Whether `path` is an existing folder (a missing path is not: the reader or the writer reports it). */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** IN is a folder or one image file. */
export async function runImages(modelPath: string, input: string, v: ImageValues): Promise<number> {
  return isFolder(input) ? runFolder(modelPath, input, v) : runFile(modelPath, input, v);
}
