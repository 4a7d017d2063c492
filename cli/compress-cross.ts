/**
 * `aekit compress --cross`: an MNIST model and a Fashion-MNIST model (loaded, or trained here) each compress
 * both test sets, and the 2x2 PSNR table shows each is good on its own data only ("data-specific").
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CodecModel, crossCompressionTable, crossDatasetCompression, PNG_BASELINE } from '../src/analysis/compression.js';
import { Autoencoder, type DataInfo, type Dataset, getBackend, openData, Preprocessing, saveModel } from '../src/index.js';
import { intArg, intListArg, positionals, positiveArg } from './args.js';
import { DATA_OPTIONS } from './data-args.js';
import { UsageError } from './errors.js';
import { loadBundle } from './model-data.js';
import { TrainProgress } from './progress.js';

const DATA_SETS = { mnist: { spec: 'mnist', title: 'MNIST' }, fashion: { spec: 'fashion-mnist', title: 'Fashion-MNIST' } } as const;
type DataName = keyof typeof DATA_SETS;
const NAMES = Object.keys(DATA_SETS) as DataName[];
const PIXELS = 784;

export const CROSS_OPTIONS = {
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
} as const;

export const CROSS_HELP = `Cross-dataset (--cross): autoencoders are lossy and data-specific. A model trained on MNIST and one
trained on Fashion-MNIST each compress both test sets; prints bytes/image, the ratios and PSNR of
the four pairs, and the 2x2 PSNR table. Each model is loaded if given (any kind that reads 28x28
grey images scaled to [0, 1], as 'aekit train' feeds them), else trained here: 784-LIST-N-LIST-784,
ReLU hidden layers and code, sigmoid output, BCE loss, Adam (progress on stderr).
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

interface TrainSettings {
  hidden: number[];
  latent: number;
  epochs: number;
  batchSize: number;
  lr: number;
  trainLimit?: number;
  seed: number;
}

/** 8-bit images as every MNIST model is fed them: [0, 1], one row of 784 values. */
const SCALE = Preprocessing.scaleBy(255);
const asInput = (d: Dataset): Dataset => SCALE.apply(d).reshape([PIXELS]);

async function trainModel(name: DataName, s: TrainSettings): Promise<{ model: Autoencoder; info: DataInfo }> {
  const opened = await openData(DATA_SETS[name].spec, s.trainLimit === undefined ? {} : { limit: s.trainLimit });
  const train = asInput(opened.train);
  const model = new Autoencoder({
    inputDim: PIXELS, hidden: s.hidden, latentDim: s.latent, activation: 'relu', outputActivation: 'sigmoid', seed: s.seed,
  });
  const backend = getBackend();
  process.stderr.write(
    `aekit: training a ${model.architecture()} autoencoder on ${train.length} ${DATA_SETS[name].title} training images: bce, adam lr ${s.lr}, ` +
      `batch ${s.batchSize}, ${s.epochs} epochs, seed ${s.seed}, backend ${backend.name}\n`,
  );
  await model.fit(train, {
    epochs: s.epochs, batchSize: s.batchSize, optimizer: 'adam', lr: s.lr, loss: 'bce', seed: s.seed,
    callbacks: [new TrainProgress(s.epochs)],
  });
  return { model, info: opened.info };
}

/** A given model, checked to read what --cross feeds it. */
function givenModel(path: string): CodecModel {
  const b = loadBundle(path);
  const shape = b.model.inputShape.join('x');
  if (shape !== String(PIXELS) && shape !== '28x28x1') throw new Error(`${path}: --cross compares models of 28x28 grey images, but this one takes [${b.model.inputShape.join(', ')}]`);
  const p = b.preprocessing;
  if (!(p.period === 1 && p.shift[0] === 0 && p.scale[0] === 255)) {
    throw new Error(`${path}: --cross feeds images scaled to [0, 1], but this model was trained with '${p.method}' preprocessing`);
  }
  return b.model;
}

export async function cross(values: Record<string, string | boolean | undefined>, given: string[]): Promise<number> {
  for (const k of ['out', 'split', 'no-ids', ...Object.keys(DATA_OPTIONS).filter((f) => f !== 'limit')]) {
    if (values[k] !== undefined) throw new UsageError(`--${k} does not apply to 'aekit compress --cross' (it compresses both test sets; see 'aekit compress --help')`);
  }
  positionals('compress', given, []);
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
  const loaded: Partial<Record<DataName, CodecModel>> = {};
  for (const name of NAMES) {
    const path = str(`${name}-model`);
    if (path !== undefined) loaded[name] = givenModel(path);
  }
  if (saveDir !== undefined) mkdirSync(saveDir, { recursive: true });
  const models: Record<string, CodecModel> = {};
  const modelInfo: Record<string, Record<string, unknown>> = {};
  for (const name of NAMES) {
    const path = str(`${name}-model`);
    if (loaded[name]) {
      models[name] = loaded[name]!;
      modelInfo[name] = { file: path, layers: loaded[name]!.architecture() };
      continue;
    }
    const { model, info } = await trainModel(name, settings);
    models[name] = model;
    const trained = { data: name, epochs: settings.epochs, batchSize: settings.batchSize, lr: settings.lr, loss: 'bce', optimizer: 'adam', seed: settings.seed, trainImages: settings.trainLimit ?? 60000 };
    modelInfo[name] = { trained, layers: model.architecture() };
    if (saveDir !== undefined) {
      const file = join(saveDir, `${name}.safetensors`);
      const dataRequest = { spec: DATA_SETS[name].spec, ...(settings.trainLimit !== undefined ? { limit: settings.trainLimit } : {}) };
      saveModel(file, model, { data: DATA_SETS[name].title, epochs: settings.epochs, loss: 'bce', optimizer: 'adam', lr: settings.lr, dataRequest }, { data: info, preprocessing: SCALE });
      modelInfo[name].file = file;
      process.stderr.write(`aekit: wrote ${file}\n`);
    }
  }
  const datasets: Record<string, Dataset> = {};
  for (const name of NAMES) {
    const test = (await openData(DATA_SETS[name].spec, limit === undefined ? {} : { testLimit: limit })).test!;
    datasets[name] = asInput(test);
  }
  const rows = crossDatasetCompression({ models, datasets });
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
        `\nx raw: against ${PIXELS} raw 8-bit pixels; x PNG: against each image as its own PNG file; x PNG stack: against\n` +
        `one PNG of all the images stacked. Bytes per image do not depend on the data: the code is the code.\n`,
    );
  }
  return 0;
}
