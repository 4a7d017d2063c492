/** What several commands share: loading an MNIST model, measuring it on a test set, drawing its figure. */
import { existsSync, statSync } from 'node:fs';
import {
  type Autoencoder, type AutoencoderConfig, bce, type Dataset, loadAutoencoder, noGrad, reconstructionFigure,
  type RasterImage, splitBatch, tensor,
} from '../src/index.js';

export const MNIST_PIXELS = 784;
export const MNIST_SIDE = 28;
/** Upscale factor of the reconstruction figures: 28 px digits are too small to judge at 1:1. */
export const FIGURE_SCALE = 4;

/** Loads an autoencoder file and checks it reads 28x28 images, the only data these commands feed it. */
export function loadMnistModel(path: string): Autoencoder {
  // readFileSync's ENOENT message is cryptic for a user; say plainly what is missing.
  if (!existsSync(path)) throw new Error(`model file not found: ${path}`);
  if (statSync(path).isDirectory()) throw new Error(`${path} is a directory, not a model file`);
  const model = loadAutoencoder(path);
  if (model.config.inputDim !== MNIST_PIXELS) {
    throw new Error(`${path}: the model takes ${model.config.inputDim} inputs, but MNIST images have ${MNIST_PIXELS} pixels`);
  }
  return model;
}

/** "784-256-128-256-784", the layer widths from input to reconstruction. */
export function layerSizes(c: Pick<AutoencoderConfig, 'inputDim' | 'hidden' | 'latentDim'>): string {
  const enc = [c.inputDim, ...(c.hidden ?? []), c.latentDim];
  return [...enc, ...enc.slice(0, -1).reverse()].join('-');
}

/**
 * Test-set MSE and BCE of the reconstructions, in chunks so 10000 images never need a full-size autograd
 * graph. MSE comes from the model's own reconstructionError so `train` and `eval` report the same number.
 */
export function testMetrics(model: Autoencoder, ds: Dataset): { mse: number; bce: number } {
  const mse = model.reconstructionError(ds);
  let total = 0;
  noGrad(() => {
    for (let s = 0; s < ds.length; s += 1000) {
      const part = ds.slice(s, Math.min(ds.length, s + 1000));
      const x = tensor(part.toFloat32(), [part.length, MNIST_PIXELS]);
      total += bce(model.reconstruct(x), x).item() * part.length;
    }
  });
  return { mse, bce: total / ds.length };
}

/** `count` test digits from `offset` (top row) over their reconstructions (bottom row). */
export function reconstructionImage(model: Autoencoder, ds: Dataset, offset: number, count: number, scale = FIGURE_SCALE): RasterImage {
  const part = ds.slice(offset, offset + count);
  const originals = splitBatch(part.toFloat32(), MNIST_PIXELS);
  const recon = splitBatch(model.reconstruct(part).toTypedArray(), MNIST_PIXELS);
  return reconstructionFigure(originals, recon, MNIST_SIDE, MNIST_SIDE, scale);
}
