/**
 * `aekit denoise MODEL [--data SPEC]`: how well a model cleans corrupted samples of its kind of data (PSNR and
 * SSIM for images, MSE for any data, of the noisy inputs and of the model's outputs, both against the clean
 * samples), plus a noisy / denoised / clean figure for images.
 * `aekit denoise MODEL IN --out OUT`: one image file, or a folder of them, run through the model and written
 * back as PNGs (cli/denoise-images.ts).
 * Every model kind goes through AutoencoderModel only: the default noise is `model.trainingNoise`.
 */
import { join, resolve } from 'node:path';
import {
  addNoise, Dataset, denoisingFigure, encodePng, imageQuality, meanSquaredError, type NoiseSpec, type Tensor, tensor,
} from '../src/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { shapeSize } from '../src/models/model.js';
import { intArg, parseCommand } from './args.js';
import { prepareOutputDir } from './safety.js';
import { DATA_HELP, DATA_OPTIONS, readDataArgs } from './data-args.js';
import { runImages } from './denoise-images.js';
import { UsageError } from './errors.js';
import { figureScale, type Trained } from './figures.js';
import { loadBundle, type ModelData, openForModel } from './model-data.js';
import { noiseArg, noiseLabel } from './noise-arg.js';
import { reconstructAll } from './samples.js';

export const help = `Usage: aekit denoise MODEL [--data SPEC] [options]
       aekit denoise MODEL IN --out OUT [--scale N] [--invert]

With MODEL alone: corrupts the evaluation samples (the test split of the model's own data, or of
--data SPEC; all samples when the data has no test split) with --noise (seeded), runs them through
MODEL, and measures the noisy inputs and the denoised outputs against the clean samples: the MSE
(in the model's units, as 'aekit eval' reports it) for any data, tables too; for images also the
mean PSNR (dB, over the data's value range: 0-255 for 8-bit images) and, for grey images, the mean
SSIM. For images it writes denoise.png (rows: noisy, denoised, clean) to --out.
The noise is added to what the model is fed (after preprocessing); Gaussian noise is clipped to
[0, 1] only when those values lie in [0, 1] (8-bit images, minmax-scaled data).

With IN, an image file (PNG or JPEG) or a folder of them (flat, or one sub-folder per class, as
--data reads them): each image is converted to the model's channels (colour kept for an RGB model,
made grey with Rec. 601 luma for a grey one; alpha composited over black), resized to the model's
image size by area averaging, run through MODEL, and written as a PNG of the model's size:
  one file      OUT is the PNG to write. A non-square image is first padded to the model's aspect
                ratio with its border's mean colour (a digit keeps its proportions). MNIST models
                expect a light digit on a dark background (see --invert).
  a folder      OUT is a folder (created; not IN itself nor inside IN): OUT/<same relative path>.png
                for every image, read exactly as '--data IN' reads them for this model (no padding).
                Each file is written atomically as it is done; an unreadable image stops the run
                with one line naming it, and the outputs written before it are kept.
The output is the model's resolution: it is not enlarged back to the input's size (that would add
no detail, only pixels); --json lists every input's own size.

Options (evaluation samples):
  --noise SPEC        gaussian:F, masking:P or salt-and-pepper:P (default: the noise the model was
                      trained with; gaussian:0.5 for other models)
  --test-limit N              the first N test samples (where there is no test split: --limit N)
  --seed N            seed of the noise (and of --validation-split) (default 0)
  --out DIR           output folder for denoise.png, created if needed (default ./aekit-out)
  --json              print one JSON line {"model","kind","data","noise","seed","samples",
                      "psnrNoisy","psnrDenoised","ssimNoisy","ssimDenoised","mseNoisy","mseDenoised",
                      ...,"files"} (PSNR and SSIM are null where they do not apply)
${DATA_HELP}Options (images from files):
  --out FILE.png | DIR   where to write (required)
  --scale N           one file: enlarge the output N times, nearest neighbour (default 1)
  --invert            one file: invert the values going in and coming out (dark digits on light paper)
  --json              print one JSON line {"model","input","inputSize","output","outputSize",...};
                      for a folder {"model","input","output","images","modelSize","files":[...]}
  -h, --help          show this help
`;

const options = {
  ...DATA_OPTIONS,
  noise: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  scale: { type: 'string' },
  invert: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Gaussian noise on inputs in [0, 1] is clipped to [0, 1] (the Keras example's np.clip); elsewhere there is no such range. */
const inUnitRange = (v: ArrayLike<number>): boolean => {
  for (let i = 0; i < v.length; i++) if (!(v[i] >= 0 && v[i] <= 1)) return false;
  return true;
};

/** The noise to test with: --noise, else the model's training noise, else gaussian:0.5; Gaussian clipping as the data allows. */
export function resolveNoise(base: NoiseSpec | null, cleanInputs: ArrayLike<number>): NoiseSpec {
  const spec = base ?? { type: 'gaussian', factor: 0.5, clip: true };
  return spec.type === 'gaussian' ? { ...spec, clip: inUnitRange(cleanInputs) } : spec;
}

/**
 * Image values as fractions of the data's range, where PSNR and SSIM are measured (PSNR over range 1 there is
 * PSNR over the data's own range, 255 for 8-bit images). When the preprocessing is exactly that map (8-bit
 * images scaled by 1/255), the model's values are used as they are, so MNIST numbers carry no round trip.
 */
export interface UnitScale {
  of(modelValues: Float32Array): Float32Array;
  /** The data-unit range the fractions are of. */
  lo: number;
  hi: number;
}

export function unitScale(t: Trained, cleanInputs: Float32Array): UnitScale {
  const p = t.preprocessing;
  let lo: number, hi: number;
  if (t.info.valueRange) [lo, hi] = t.info.valueRange;
  else {
    // No fixed range (float images from an .npy): the clean samples' own min and max stand for it.
    const units = p.inverse(cleanInputs);
    lo = Infinity; hi = -Infinity;
    for (const v of units) { if (v < lo) lo = v; if (v > hi) hi = v; }
    if (!(hi > lo)) hi = lo + 1;
  }
  if (lo === 0 && p.period === 1 && p.shift[0] === 0 && p.scale[0] === hi) return { of: (v) => v, lo, hi };
  return { of: (v) => p.inverse(v).map((u) => (u - lo) / (hi - lo)), lo, hi };
}

/** The model's outputs for `x` (n flat model inputs, noisy ones included), in chunks (samples.ts). */
function reconstructFlat(t: Trained, x: Float32Array, n: number): Float32Array {
  return reconstructAll(t.model, Dataset.fromTyped(x, n, t.model.inputShape));
}

export interface DenoisingRun {
  samples: number;
  noise: NoiseSpec;
  /** Model-space values, flat: n x sample size. */
  noisy: Float32Array;
  denoised: Float32Array;
  clean: Float32Array;
  /** Images only: the three as fractions of the data's range (what PSNR, SSIM and the figure use). */
  images: { noisy: Float32Array; denoised: Float32Array; clean: Float32Array; scale: UnitScale } | null;
  psnrNoisy: number | null;
  psnrDenoised: number | null;
  ssimNoisy: number | null;
  ssimDenoised: number | null;
  mseNoisy: number;
  mseDenoised: number;
}

/**
 * A metric that came out NaN (or an infinite MSE) means the model's outputs are not finite numbers: an error,
 * never a number to report. An infinite PSNR is a result: the two images are identical.
 */
function finite<T extends number | null>(name: string, v: T): T {
  if (v !== null && (Number.isNaN(v) || (name === 'MSE' && !Number.isFinite(v)))) {
    throw new Error(`denoising gave ${Number.isNaN(v) ? 'a NaN' : 'an infinite'} ${name}: the model's outputs are not finite numbers on these samples (its weights overflow, or the file is damaged)`);
  }
  return v;
}

/** Corrupts `input` (model space) once with `noise` (seeded), denoises it, and measures both against the clean samples. */
export function denoiseSamples(t: Trained, input: Dataset, noise: NoiseSpec, seed: number): DenoisingRun {
  const n = input.length;
  if (n === 0) throw new Error('there are no samples to denoise');
  const d = shapeSize(t.model.inputShape);
  const clean = input.toFloat32();
  const flat = (v: Float32Array): Tensor => tensor(v, [n, d]);
  const noisy = addNoise(flat(clean), noise, seed).toTypedArray() as Float32Array;
  const denoised = reconstructFlat(t, noisy, n);
  const mseNoisy = finite('MSE', meanSquaredError(flat(noisy), flat(clean)));
  const mseDenoised = finite('MSE', meanSquaredError(flat(denoised), flat(clean)));
  const run: DenoisingRun = {
    samples: n, noise, noisy, denoised, clean, images: null,
    psnrNoisy: null, psnrDenoised: null, ssimNoisy: null, ssimDenoised: null, mseNoisy, mseDenoised,
  };
  if (t.info.kind !== 'image') return run;
  const [height, width, channels] = t.info.sampleShape;
  const scale = unitScale(t, clean);
  const images = { noisy: scale.of(noisy), denoised: scale.of(denoised), clean: scale.of(clean), scale };
  // SSIM is the grey-image index (scikit-image's 7x7 window): colour images, or smaller ones, get PSNR only.
  const size = channels === 1 && height >= 7 && width >= 7 ? { height, width } : {};
  const before = imageQuality(flat(images.noisy), flat(images.clean), size);
  const after = imageQuality(flat(images.denoised), flat(images.clean), size);
  return {
    ...run, images,
    psnrNoisy: finite('PSNR', before.psnr), psnrDenoised: finite('PSNR', after.psnr),
    ssimNoisy: finite('SSIM', before.ssim ?? null), ssimDenoised: finite('SSIM', after.ssim ?? null),
  };
}

/** Rows noisy / denoised / clean of the first 10 images, at the data's own size and channels. */
export function denoiseFigure(t: Trained, r: DenoisingRun): Uint8Array {
  if (!r.images) throw new Error('a denoising figure needs images');
  const [height, width, c] = t.info.sampleShape;
  const { noisy, denoised, clean } = r.images;
  const d = height * width * c;
  const rows = (v: Float32Array): Tensor => tensor(v, [r.samples, d]);
  return encodePng(denoisingFigure(rows(noisy), rows(denoised), rows(clean), {
    count: 10, height, width, channels: c === 3 ? 3 : 1, scale: figureScale(t.info),
  }));
}


/** "the test split of mnist", "all 200 samples of readings.csv": where the evaluation samples come from. */
export function evaluationSource(md: ModelData): string {
  return md.test ? (md.testSource ?? `the test split of ${md.spec}`) : `the samples of ${md.spec} (it has no test split)`;
}

/** "1 sample", "40 samples". */
export const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const fixed = (x: number | null, digits: number): string => (x === null ? '-' : Number.isFinite(x) ? x.toFixed(digits) : String(x));

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('denoise', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (given.length === 0) throw new UsageError("'aekit denoise' needs MODEL (see 'aekit denoise --help')");
  if (given.length > 2) throw new UsageError(`unexpected argument '${given[2]}' for 'aekit denoise' (see 'aekit denoise --help')`);
  const seed = intArg('seed', values.seed ?? '0', 0);
  const req = readDataArgs(values, seed);
  const [path, images] = given;
  if (images !== undefined) {
    for (const flag of ['noise', 'seed'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} is for the evaluation samples ('aekit denoise MODEL'), not for images from files`);
    }
    if (req.given.length) throw new UsageError(`--${req.given[0]} is for the evaluation samples ('aekit denoise MODEL'): images from files are read at the model's size`);
    return runImages(path, images, values);
  }
  for (const flag of ['scale', 'invert'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} is for one image ('aekit denoise MODEL IN.png --out OUT.png')`);
  }
  const noiseFlag = values.noise === undefined ? undefined : noiseArg(values.noise);
  const out = resolve(values.out ?? 'aekit-out');
  const bundle = loadBundle(path);
  const md = await openForModel(bundle, req);
  for (const note of md.notes) process.stderr.write(`aekit: ${note}\n`);
  const input = md.evalInput;
  const noise = resolveNoise(noiseFlag ?? bundle.model.trainingNoise, input.toFloat32());
  prepareOutputDir(out);

  const r = denoiseSamples(bundle, input, noise, seed);
  const files: string[] = [];
  if (r.images) {
    files.push(join(out, 'denoise.png'));
    writeFileAtomic(files[0], denoiseFigure(bundle, r));
  }
  const result = {
    model: path,
    kind: bundle.header.kind,
    data: md.spec,
    dataKind: md.info.kind,
    evaluated: evaluationSource(md),
    noise: noiseLabel(noise),
    clip: noise.type === 'gaussian' ? noise.clip ?? true : null,
    seed,
    samples: r.samples,
    testSamples: r.samples,
    psnrNoisy: r.psnrNoisy,
    psnrDenoised: r.psnrDenoised,
    psnrRange: r.images ? [r.images.scale.lo, r.images.scale.hi] : null,
    ssimNoisy: r.ssimNoisy,
    ssimDenoised: r.ssimDenoised,
    mseNoisy: r.mseNoisy,
    mseDenoised: r.mseDenoised,
    files,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const f = (x: number | null, d: number): string => fixed(x, d).padStart(9);
    const e = (x: number): string => x.toPrecision(4).padStart(11);
    const image = r.images !== null;
    process.stdout.write(
      `noise ${result.noise}${noise.type === 'gaussian' && !result.clip ? ' (not clipped)' : ''} (seed ${seed}) on ${count(r.samples, 'sample')} of ${md.spec} ` +
        `(${result.evaluated}); measured against the clean samples\n` +
        (image ? `           PSNR dB      SSIM         MSE\n` : `                   MSE\n`) +
        `noisy    ${image ? `${f(r.psnrNoisy, 2)} ${f(r.ssimNoisy, 4)} ` : ''}${e(r.mseNoisy)}\n` +
        `denoised ${image ? `${f(r.psnrDenoised, 2)} ${f(r.ssimDenoised, 4)} ` : ''}${e(r.mseDenoised)}\n` +
        (image ? `wrote ${files[0]} (rows: noisy, denoised, clean)\n` : ''),
    );
  }
  return 0;
}
