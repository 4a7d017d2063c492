/**
 * `aekit denoise MODEL`: how well a model cleans noisy MNIST test digits (mean PSNR and SSIM of the noisy
 * inputs and of the model's outputs, both against the clean images), plus a noisy / denoised / clean figure.
 * `aekit denoise MODEL in.png --out out.png`: one image of the user's, resized to the model's input
 * (src/viz/resize.ts), run through the model, written back as a PNG.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  addNoise, Autoencoder, ConvAutoencoder, type Dataset, decodePng, DenoisingAutoencoder, denoisingFigure, encodePng, imageQuality, loadMnist, loadModelFile,
  noGrad, type NoiseSpec, StackedAutoencoder, type Tensor, tensor, toGray01, VAE,
} from '../src/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { borderMean, fitSquare, type GrayImage, grayToRaster, squareSide, upscaleNearest } from '../src/viz/resize.js';
import { intArg, parseCommand } from './args.js';
import { UsageError } from './errors.js';
import { FIGURE_SCALE, loadMnistModel, MNIST_PIXELS, MNIST_SIDE, type MnistModel } from './mnist.js';
import { noiseArg, noiseLabel } from './presets.js';

export const help = `Usage: aekit denoise MODEL [options]
       aekit denoise MODEL IN.png --out OUT.png [--scale N] [--invert]

With MODEL alone: corrupts MNIST test digits with --noise (seeded), runs them through MODEL and
reports the mean PSNR (dB) and SSIM of the noisy inputs and of the denoised outputs, both measured
against the clean digits; writes denoise.png (rows: noisy, denoised, clean) to --out.

With an image: reads IN.png (grey or colour; colour is converted to grey with Rec. 601 luma, alpha
is ignored), pads it to a square with its border's mean grey, resizes it to the model's input
(28x28 for MNIST models) by area averaging, runs it through MODEL and writes the output as a grey
PNG of the model's size (times --scale). MNIST models expect a light digit on a dark background.

Options (test set):
  --noise SPEC        gaussian:F, masking:P or salt-and-pepper:P (default: the noise a denoising
                      model was trained with; gaussian:0.5 for other models)
  --limit N           use the first N test images (default all 10000)
  --seed N            seed of the noise (default 0)
  --out DIR           output folder for denoise.png, created if needed (default ./aekit-out)
  --json              print one JSON line {"model","kind","noise","testSamples","psnrNoisy",
                      "psnrDenoised","ssimNoisy","ssimDenoised",...,"files"}
Options (one image):
  --out FILE.png      where to write the denoised image (required)
  --scale N           enlarge the output N times, nearest neighbour (default 1)
  --invert            invert the grey levels going in and coming out (for dark digits on light paper)
  --json              print one JSON line {"model","input","inputSize","output","outputSize",...}
  -h, --help          show this help
`;

const options = {
  noise: { type: 'string' },
  limit: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  scale: { type: 'string' },
  invert: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type AnyAutoencoder = Autoencoder | VAE | StackedAutoencoder | ConvAutoencoder;

/** The model's outputs for `x` [n, d], 1000 images at a time, without an autograd graph. */
function reconstructAll(model: AnyAutoencoder, x: Tensor): Tensor {
  const [n, d] = x.shape;
  const v = x.toTypedArray();
  const out = new Float32Array(n * d);
  noGrad(() => {
    for (let s = 0; s < n; s += 1000) {
      const e = Math.min(n, s + 1000);
      out.set(model.reconstruct(tensor(v.subarray(s * d, e * d), [e - s, d])).toTypedArray(), s * d);
    }
  });
  return tensor(out, [n, d]);
}

export interface DenoisingRun {
  noisy: Tensor;
  denoised: Tensor;
  clean: Tensor;
  psnrNoisy: number;
  psnrDenoised: number;
  ssimNoisy: number;
  ssimDenoised: number;
  mseNoisy: number;
  mseDenoised: number;
}

/** Corrupts `data` once with `noise` (seeded), denoises it with `model`, and measures both against the clean images. */
export function denoiseTestSet(model: MnistModel, data: Dataset, noise: NoiseSpec, seed: number): DenoisingRun {
  const clean = tensor(data.toFloat32(), [data.length, MNIST_PIXELS]);
  const noisy = addNoise(clean, noise, seed);
  const denoised = reconstructAll(model, noisy);
  const size = { height: MNIST_SIDE, width: MNIST_SIDE };
  const before = imageQuality(noisy, clean, size);
  const after = imageQuality(denoised, clean, size);
  return {
    noisy, denoised, clean,
    psnrNoisy: before.psnr, psnrDenoised: after.psnr,
    ssimNoisy: before.ssim!, ssimDenoised: after.ssim!,
    mseNoisy: before.mse, mseDenoised: after.mse,
  };
}

/** The noise to test with: --noise, else a denoising model's own, else gaussian:0.5. */
export function defaultNoise(model: MnistModel): NoiseSpec {
  if (model instanceof DenoisingAutoencoder) return model.noise;
  if (model instanceof ConvAutoencoder && model.config.noise) return model.config.noise;
  return { type: 'gaussian', factor: 0.5, clip: true };
}

/** Any autoencoder-like model whose input is a square image (not only MNIST's 784). */
function loadImageModel(path: string): { model: AnyAutoencoder; side: number; kind: string } {
  if (!existsSync(path)) throw new Error(`model file not found: ${path}`);
  if (statSync(path).isDirectory()) throw new Error(`${path} is a directory, not a model file`);
  const { model, header } = loadModelFile(path);
  if (!(model instanceof Autoencoder || model instanceof VAE || model instanceof StackedAutoencoder || model instanceof ConvAutoencoder)) {
    throw new Error(`${path}: holds a model of kind '${header.kind}', not an autoencoder`);
  }
  if (model instanceof ConvAutoencoder) {
    const [h, w, c] = model.config.inputShape;
    if (h !== w || c !== 1) throw new Error(`${path}: the model takes ${h}x${w}x${c} images; 'aekit denoise' works with square grey images`);
    return { model, side: h, kind: header.kind };
  }
  const side = squareSide(model.config.inputDim, `${path}: the model input`);
  return { model, side, kind: header.kind };
}

/** Reads a PNG file into a grey image, with one clear error line for every way it can fail. */
function readPngGray(path: string): { gray: GrayImage; colour: boolean } {
  if (!existsSync(path)) throw new Error(`input image not found: ${path}`);
  if (statSync(path).isDirectory()) throw new Error(`${path} is a directory, not a PNG image`);
  const bytes = readFileSync(path);
  if (bytes.length === 0) throw new Error(`${path} is empty (0 bytes), not a PNG image`);
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || sig.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${path} is not a PNG image (it does not start with the PNG signature; convert it to PNG first)`);
  }
  let img;
  try {
    img = decodePng(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  if (img.width === 0 || img.height === 0) throw new Error(`${path}: the image is empty (${img.width}x${img.height} pixels)`);
  let colour = false;
  for (let i = 0; i < img.data.length && !colour; i += 4) colour = img.data[i] !== img.data[i + 1] || img.data[i] !== img.data[i + 2];
  return { gray: { width: img.width, height: img.height, data: toGray01(img) }, colour };
}

async function runImage(modelPath: string, input: string, v: { out?: string; scale?: string; invert?: boolean; json?: boolean }): Promise<number> {
  if (v.out === undefined) throw new UsageError("'aekit denoise MODEL IN.png' needs --out OUT.png (see 'aekit denoise --help')");
  const scale = intArg('scale', v.scale ?? '1');
  const { model, side, kind } = loadImageModel(modelPath);
  const { gray, colour } = readPngGray(input);
  const invert = v.invert ?? false;
  if (!invert && borderMean(gray) > 0.5 && !v.json) {
    process.stderr.write(`aekit: note: ${input} looks like a dark drawing on a light background; MNIST models expect the opposite (try --invert)\n`);
  }
  const flip = (img: GrayImage): GrayImage => ({ ...img, data: img.data.map((x) => 1 - x) });
  const fitted = fitSquare(invert ? flip(gray) : gray, side);
  let out: Float32Array = new Float32Array(0);
  noGrad(() => {
    out = Float32Array.from(model.reconstruct(tensor(fitted.data, [1, side * side])).toTypedArray());
  });
  let result: GrayImage = { width: side, height: side, data: out };
  if (invert) result = flip(result);
  result = upscaleNearest(result, scale);
  writeFileAtomic(v.out, encodePng(grayToRaster(result)));
  if (v.json) {
    process.stdout.write(`${JSON.stringify({
      model: modelPath, kind, input, inputSize: [gray.width, gray.height], colour, modelSize: [side, side], inverted: invert,
      output: v.out, outputSize: [result.width, result.height],
    })}\n`);
  } else {
    process.stdout.write(
      `read ${input} (${gray.width}x${gray.height}, ${colour ? 'colour, converted to grey' : 'grey'}), resized to ${side}x${side}\n` +
        `wrote ${v.out} (${result.width}x${result.height}${scale > 1 ? `, ${side}x${side} enlarged ${scale}x` : ''})\n`,
    );
  }
  return 0;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('denoise', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (given.length === 0) throw new UsageError("'aekit denoise' needs MODEL (see 'aekit denoise --help')");
  if (given.length > 2) throw new UsageError(`unexpected argument '${given[2]}' for 'aekit denoise' (see 'aekit denoise --help')`);
  const [path, image] = given;
  if (image !== undefined) {
    for (const flag of ['noise', 'limit', 'seed'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} is for the test-set mode ('aekit denoise MODEL'), not for one image`);
    }
    return runImage(path, image, values);
  }
  for (const flag of ['scale', 'invert'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} is for one image ('aekit denoise MODEL IN.png --out OUT.png')`);
  }

  const limit = values.limit === undefined ? undefined : intArg('limit', values.limit);
  const seed = intArg('seed', values.seed ?? '0', 0);
  const noiseFlag = values.noise === undefined ? undefined : noiseArg(values.noise);
  const out = resolve(values.out ?? 'aekit-out');
  const model = loadMnistModel(path);
  const noise = noiseFlag ?? defaultNoise(model);
  const test = loadMnist('test', { limit });
  mkdirSync(out, { recursive: true });

  const r = denoiseTestSet(model, test, noise, seed);
  const figure = join(out, 'denoise.png');
  writeFileAtomic(figure, encodePng(denoisingFigure(r.noisy, r.denoised, r.clean, { count: 10, scale: FIGURE_SCALE })));
  const result = {
    model: path,
    kind: model.modelConfig().kind,
    noise: noiseLabel(noise),
    seed,
    testSamples: test.length,
    psnrNoisy: r.psnrNoisy,
    psnrDenoised: r.psnrDenoised,
    ssimNoisy: r.ssimNoisy,
    ssimDenoised: r.ssimDenoised,
    mseNoisy: r.mseNoisy,
    mseDenoised: r.mseDenoised,
    files: [figure],
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const f = (x: number, d: number): string => x.toFixed(d).padStart(9);
    process.stdout.write(
      `noise ${result.noise} (seed ${seed}) on ${test.length} MNIST test images; measured against the clean images\n` +
        `           PSNR dB      SSIM\n` +
        `noisy    ${f(r.psnrNoisy, 2)} ${f(r.ssimNoisy, 4)}\n` +
        `denoised ${f(r.psnrDenoised, 2)} ${f(r.ssimDenoised, 4)}\n` +
        `wrote ${figure} (rows: noisy, denoised, clean)\n`,
    );
  }
  return 0;
}
