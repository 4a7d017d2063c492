/**
 * `aekit compress MODEL --out FILE.aekc`: stores images as their 8-bit quantized codes (src/analysis/compress.ts,
 * file format src/io/aekc.ts) and reports bytes per image, ratios against raw pixels and PNG, and PSNR.
 * `aekit compress --cross`: the seeds' "data-specific" claim made measurable: an MNIST model and a Fashion-MNIST
 * model (loaded or trained here) each compress both test sets; prints the 2x2 table.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  Autoencoder, type Dataset, getBackend, loadMnist, saveModel,
} from '../src/index.js';
import {
  type CodecModel, type CompressionReport, compressWithReport, crossCompressionTable, crossDatasetCompression,
  PNG_BASELINE,
} from '../src/analysis/compress.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { loadFashionMnist } from '../src/data/fashion.js';
import { choiceArg, intArg, intListArg, parseCommand, positionals, positiveArg } from './args.js';
import { UsageError } from './errors.js';
import { layerSizes, loadDenseMnistModel, MNIST_PIXELS, MNIST_SIDE } from './mnist.js';
import { TrainProgress } from './progress.js';

export const DATA_SETS = ['mnist', 'fashion'] as const;
export type DataName = (typeof DATA_SETS)[number];
export const SPLITS = ['test', 'train'] as const;
export type SplitName = (typeof SPLITS)[number];
const DATA_TITLE: Record<DataName, string> = { mnist: 'MNIST', fashion: 'Fashion-MNIST' };
export const IMAGE_SHAPE = [MNIST_SIDE, MNIST_SIDE];

export const help = `Usage: aekit compress MODEL --out FILE.aekc [options]
       aekit compress --cross [options]

Compresses images with MODEL (a model file 'aekit train' writes, any --model): each image is stored
as its code, every code value quantized to one byte against its dimension's min and max over the
batch (both kept in the file, 8 bytes per dimension). Reports the bytes per image (file size / images),
the compression ratio against raw 8-bit pixels (784 bytes) and against PNG, and the PSNR of the
images decompressed from the file. 'aekit decompress MODEL FILE.aekc' reads it back.

PNG baseline: ${PNG_BASELINE};
'x PNG stack' compares with one PNG of all the images stacked, divided by their number.
PSNR: mean over images of 10 log10(1 / MSE), pixels in [0, 1].

Options:
  --out FILE           the .aekc file to write (required without --cross)
  --data NAME          mnist (default) or fashion (Fashion-MNIST, from the fashion-mnist package)
  --split NAME         test (default) or train
  --limit N            compress the first N images of the split (default all: 10000 test, 60000 train)
  --json               print the report as one JSON line on stdout (and nothing else)
  -h, --help           show this help

Cross-dataset (--cross): autoencoders are lossy and data-specific. A model trained on MNIST and one
trained on Fashion-MNIST each compress both test sets; prints bytes/image, the ratios and PSNR of
the four pairs, and the 2x2 PSNR table. Each model is loaded if given, else trained here: 784-LIST-N-
LIST-784, ReLU hidden layers and code, sigmoid output, BCE loss, Adam (progress on stderr).
  --mnist-model FILE   the MNIST model (default: train one)
  --fashion-model FILE the Fashion-MNIST model (default: train one)
  --limit N            test images of each data set (default all 10000)
  --hidden LIST        trained models' encoder hidden sizes (default 256)
  --latent N           trained models' code size (default 32)
  --epochs N           (default 5)
  --batch-size N       (default 256)
  --lr X               Adam learning rate (default 0.001)
  --train-limit N      training images of each data set (default all 60000)
  --seed N             weights and shuffling (default 0)
  --save-dir DIR       save the trained models as DIR/mnist.safetensors and DIR/fashion.safetensors
  --json               one JSON line {"rows": [...], "models": {...}} on stdout

Fashion-MNIST's package merges the official sets (7000 images per class); aekit's test split is the
last 1000 images of each class, the train split the 6000 before them, classes interleaved.
`;

const options = {
  out: { type: 'string' },
  data: { type: 'string' },
  split: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  cross: { type: 'boolean' },
  'mnist-model': { type: 'string' },
  'fashion-model': { type: 'string' },
  hidden: { type: 'string' },
  latent: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  'train-limit': { type: 'string' },
  seed: { type: 'string' },
  'save-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The first `limit` images of a split of MNIST or Fashion-MNIST (both 28x28, uint8 scaled to [0, 1]). */
export function loadImages(data: DataName, split: SplitName, limit?: number): Dataset {
  return data === 'mnist' ? loadMnist(split, { limit }) : loadFashionMnist({ split, limit });
}

export function describeImages(data: DataName, split: SplitName, n: number): string {
  return `${n} ${DATA_TITLE[data]} ${split} images (${IMAGE_SHAPE.join('x')})`;
}

/** The report's lines for people (the JSON carries the same numbers). */
export function reportLines(r: CompressionReport): string {
  const f = (v: number, d = 2): string => (Number.isFinite(v) ? v.toFixed(d) : String(v));
  const png = r.pngBytesPerImage === null || r.ratioVsPng === null
    ? 'vs PNG      - (images are not 2-D)\n'
    : `vs PNG      ${f(r.ratioVsPng, 1)}x smaller than PNG (${f(r.pngBytesPerImage, 1)} bytes per image, each its own PNG file)\n` +
      `            ${f(r.ratioVsPngStack!, 1)}x smaller than one PNG of all ${r.n} images stacked (${f(r.pngStackBytesPerImage!, 1)} bytes per image)\n`;
  return `bytes/image ${f(r.bytesPerImage)} (${r.dim} code bytes + ${r.overheadBytes} bytes of header and min/max shared by the ${r.n} images)\n` +
    `vs raw      ${f(r.ratioVsRaw, 1)}x smaller than ${r.rawBytesPerImage} raw 8-bit pixels\n` + png +
    `PSNR        ${f(r.psnr)} dB (with float codes ${f(r.psnrUnquantized)} dB: 8-bit codes cost ${f(r.psnrUnquantized - r.psnr, 3)} dB)\n`;
}

function dataArg(value: string | undefined): DataName {
  return choiceArg('data', value ?? 'mnist', DATA_SETS);
}

function splitArg(value: string | undefined): SplitName {
  return choiceArg('split', value ?? 'test', SPLITS);
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('compress', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const crossOnly = (['mnist-model', 'fashion-model', 'hidden', 'latent', 'epochs', 'batch-size', 'lr', 'train-limit', 'seed', 'save-dir'] as const)
    .filter((k) => values[k] !== undefined);
  if (values.cross) {
    for (const k of ['out', 'data', 'split'] as const) {
      if (values[k] !== undefined) throw new UsageError(`--${k} does not apply to 'aekit compress --cross' (it compresses both test sets; see 'aekit compress --help')`);
    }
    positionals('compress', given, []);
    return cross(values);
  }
  if (crossOnly.length) throw new UsageError(`--${crossOnly[0]} only applies with --cross (see 'aekit compress --help')`);
  const [modelPath] = positionals('compress', given, ['MODEL']);
  if (values.out === undefined) throw new UsageError("'aekit compress' needs --out FILE.aekc (see 'aekit compress --help')");
  const data = dataArg(values.data);
  const split = splitArg(values.split);
  const limit = values.limit === undefined ? undefined : intArg('limit', values.limit);
  const model = loadDenseMnistModel(modelPath, 'compress');
  const images = loadImages(data, split, limit);
  const { report, bytes } = compressWithReport({
    model, images, name: `${data} ${split}`, imageShape: IMAGE_SHAPE, source: { data, split, count: images.length },
  });
  writeFileAtomic(values.out, bytes);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ file: values.out, modelFile: modelPath, kind: model.modelConfig().kind, data, split, ...report })}\n`);
  } else {
    process.stdout.write(
      `model       ${modelPath} (${model.modelConfig().kind} ${layerSizes(model.config)}, fingerprint ${report.model})\n` +
        `images      ${describeImages(data, split, images.length)}\n` +
        `wrote       ${values.out} (${bytes.length} bytes)\n${reportLines(report)}`,
    );
  }
  return 0;
}

interface TrainSettings {
  hidden: number[];
  latent: number;
  epochs: number;
  batchSize: number;
  lr: number;
  trainLimit?: number;
  seed: number;
}

async function trainModel(data: DataName, s: TrainSettings): Promise<Autoencoder> {
  const train = loadImages(data, 'train', s.trainLimit);
  const model = new Autoencoder({
    inputDim: MNIST_PIXELS, hidden: s.hidden, latentDim: s.latent, activation: 'relu', outputActivation: 'sigmoid', seed: s.seed,
  });
  const backend = getBackend();
  process.stderr.write(
    `aekit: training a ${layerSizes(model.config)} autoencoder on ${train.length} ${DATA_TITLE[data]} training images: bce, adam lr ${s.lr}, ` +
      `batch ${s.batchSize}, ${s.epochs} epochs, seed ${s.seed}, backend ${backend.name}\n`,
  );
  await model.fit(train, {
    epochs: s.epochs, batchSize: s.batchSize, optimizer: 'adam', lr: s.lr, loss: 'bce', seed: s.seed,
    callbacks: [new TrainProgress(s.epochs)],
  });
  return model;
}

async function cross(values: Record<string, string | boolean | undefined>): Promise<number> {
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const limit = str('limit') === undefined ? undefined : intArg('limit', str('limit')!);
  const settings: TrainSettings = {
    hidden: intListArg('hidden', str('hidden') ?? '256'),
    latent: intArg('latent', str('latent') ?? '32'),
    epochs: intArg('epochs', str('epochs') ?? '5'),
    batchSize: intArg('batch-size', str('batch-size') ?? '256'),
    lr: positiveArg('lr', str('lr') ?? '0.001'),
    trainLimit: str('train-limit') === undefined ? undefined : intArg('train-limit', str('train-limit')!),
    seed: intArg('seed', str('seed') ?? '0', 0),
  };
  const saveDir = str('save-dir');
  // Check every given model file before minutes of training.
  const given: Partial<Record<DataName, CodecModel>> = {};
  for (const data of DATA_SETS) {
    const path = str(`${data}-model`);
    if (path !== undefined) given[data] = loadDenseMnistModel(path, 'compress');
  }
  if (saveDir !== undefined) mkdirSync(saveDir, { recursive: true });
  const models: Record<string, CodecModel> = {};
  const modelInfo: Record<string, Record<string, unknown>> = {};
  for (const data of DATA_SETS) {
    const path = str(`${data}-model`);
    if (given[data]) {
      models[data] = given[data]!;
      modelInfo[data] = { file: path, layers: layerSizes(given[data]!.config) };
      continue;
    }
    const model = await trainModel(data, settings);
    models[data] = model;
    modelInfo[data] = {
      trained: { data, epochs: settings.epochs, batchSize: settings.batchSize, lr: settings.lr, loss: 'bce', optimizer: 'adam', seed: settings.seed, trainImages: settings.trainLimit ?? 60000 },
      layers: layerSizes(model.config),
    };
    if (saveDir !== undefined) {
      const file = join(saveDir, `${data}.safetensors`);
      saveModel(file, model, { data: DATA_TITLE[data], epochs: settings.epochs, loss: 'bce', optimizer: 'adam', lr: settings.lr });
      modelInfo[data].file = file;
      process.stderr.write(`aekit: wrote ${file}\n`);
    }
  }
  const datasets: Record<string, Dataset> = {};
  for (const data of DATA_SETS) datasets[data] = loadImages(data, 'test', limit);
  const rows = crossDatasetCompression({ models, datasets, imageShape: IMAGE_SHAPE });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ rows, models: modelInfo, pngBaseline: PNG_BASELINE })}\n`);
  } else {
    const describe = (d: DataName): string => {
      const m = modelInfo[d];
      return `${d.padEnd(8)} ${String(m.layers)} ${m.file ? `(${String(m.file)})` : ''}${m.trained ? ' trained here' : ''}`;
    };
    process.stdout.write(
      `models (by training data):\n  ${describe('mnist')}\n  ${describe('fashion')}\n` +
        `data: the test split of each (${datasets.mnist.length} MNIST, ${datasets.fashion.length} Fashion-MNIST images)\n\n` +
        crossCompressionTable(rows) +
        `\nx raw: against 784 raw 8-bit pixels; x PNG: against each image as its own PNG file; x PNG stack: against\n` +
        `one PNG of all the images stacked. Bytes per image do not depend on the data: the code is the code.\n`,
    );
  }
  return 0;
}
