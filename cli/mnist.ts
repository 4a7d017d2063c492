/** What several commands share: loading an MNIST model, measuring it on a test set, drawing its figure. */
import { existsSync, statSync } from 'node:fs';
import {
  Autoencoder, bce, ConvAutoencoder, type Dataset, type Inputs, loadModelFile, noGrad, reconstructionFigure, type RasterImage,
  reshape, splitBatch, StackedAutoencoder, type Tensor, tensor, VAE,
} from '../src/index.js';

export const MNIST_PIXELS = 784;
export const MNIST_SIDE = 28;
/** Upscale factor of the reconstruction figures: 28 px digits are too small to judge at 1:1. */
export const FIGURE_SCALE = 4;

/**
 * What the MNIST commands need of a model: every Autoencoder (sparse, denoising and contractive ones are
 * subclasses), the VAE (reconstructions decode the posterior mean, codes are posterior means), the
 * StackedAutoencoder and the ConvAutoencoder, which are Modules of their own with the same encode/reconstruct
 * surface. A dense model's sizes are in its config; a convolutional one's come from its shapes: see
 * inputDimOf/latentDimOf/modelLayers.
 */
export type MnistModel = Autoencoder | VAE | StackedAutoencoder | ConvAutoencoder;
/** The dense kinds, whose config has inputDim/hidden/latentDim (what `compress` needs). */
export type DenseMnistModel = Exclude<MnistModel, ConvAutoencoder>;

/** Values per input image. */
export function inputDimOf(model: MnistModel): number {
  return model instanceof ConvAutoencoder ? model.config.inputShape.reduce((a, b) => a * b, 1) : model.config.inputDim;
}

/** Values per code (a convolutional code's feature map counted flat: 4x4x8 -> 128). */
export function latentDimOf(model: MnistModel): number {
  return model instanceof ConvAutoencoder ? model.latentShape.reduce((a, b) => a * b, 1) : model.config.latentDim;
}

/** "784-256-128-256-784", or for a convolutional model "28x28x1-conv16-8-8-4x4x8-conv8-8-16v-28x28x1". */
export function modelLayers(model: MnistModel): string {
  if (!(model instanceof ConvAutoencoder)) return layerSizes(model.config);
  const c = model.config;
  const stages = (l: typeof c.encoder): string => l.map((s) => `${s.filters}${s.padding === 'valid' ? 'v' : ''}`).join('-');
  const shape = (d: readonly number[]): string => d.join('x');
  return `${shape(c.inputShape)}-conv${stages(c.encoder)}-${shape(model.latentShape)}-conv${stages(c.decoder)}-${shape(c.inputShape)}`;
}

/** Loads a model file that holds an autoencoder of some kind and checks it reads 28x28 images. */
export function loadMnistModel(path: string): MnistModel {
  // readFileSync's ENOENT message is cryptic for a user; say plainly what is missing.
  if (!existsSync(path)) throw new Error(`model file not found: ${path}`);
  if (statSync(path).isDirectory()) throw new Error(`${path} is a directory, not a model file`);
  const { model, header } = loadModelFile(path);
  if (!(model instanceof Autoencoder || model instanceof VAE || model instanceof StackedAutoencoder || model instanceof ConvAutoencoder)) {
    if (header.kind === 'SequenceAutoencoder') throw new Error(`${path}: holds a sequence autoencoder; this command reads the MNIST image models 'aekit train' writes`);
    throw new Error(`${path}: holds a model of kind '${header.kind}', not an autoencoder (this command reads the models 'aekit train' writes)`);
  }
  if (model instanceof ConvAutoencoder && model.config.inputShape.join('x') !== '28x28x1') {
    throw new Error(`${path}: the model takes ${model.config.inputShape.join('x')} images, but MNIST images are 28x28x1`);
  }
  if (inputDimOf(model) !== MNIST_PIXELS) {
    throw new Error(`${path}: the model takes ${inputDimOf(model)} inputs, but MNIST images have ${MNIST_PIXELS} pixels`);
  }
  return model;
}

/** loadMnistModel for the commands that need a dense model's sizes (compress): a convolutional one is refused. */
export function loadDenseMnistModel(path: string, command: string): DenseMnistModel {
  const model = loadMnistModel(path);
  if (model instanceof ConvAutoencoder) {
    throw new Error(`${path}: holds a convolutional autoencoder; 'aekit ${command}' works with the dense kinds (autoencoder, deep, stacked, sparse, denoising, contractive, vae)`);
  }
  return model;
}

/** "784-256-128-256-784", the layer widths from input to reconstruction. */
export function layerSizes(c: { inputDim: number; hidden?: readonly number[]; latentDim: number }): string {
  const enc = [c.inputDim, ...(c.hidden ?? []), c.latentDim];
  return [...enc, ...enc.slice(0, -1).reverse()].join('-');
}

/** A model's reconstructions as [n, 784] whatever its own output shape (a ConvAutoencoder gives [n, 28, 28, 1]). */
export function flatImages(t: Tensor): Tensor {
  return t.ndim === 2 ? t : reshape(t, [t.shape[0], t.shape.slice(1).reduce((a, b) => a * b, 1)]);
}

/** Reconstructions of `ds` in chunks of 1000, so 10000 images never need one huge batch; f sees each chunk. */
function forChunks(model: MnistModel, ds: Dataset, f: (recon: Tensor, x: Tensor, n: number) => void): void {
  noGrad(() => {
    for (let s = 0; s < ds.length; s += 1000) {
      const part = ds.slice(s, Math.min(ds.length, s + 1000));
      const x = tensor(part.toFloat32(), [part.length, MNIST_PIXELS]);
      f(flatImages(model.reconstruct(x)), x, part.length);
    }
  });
}

/**
 * Mean squared reconstruction error per pixel. Models that have reconstructionError use it, so `train`,
 * `eval` and a script calling the library all report the same number; the VAE gets the same formula here.
 */
export function reconstructionMse(model: MnistModel, ds: Dataset): number {
  if (!(model instanceof VAE)) return model.reconstructionError(ds);
  let total = 0;
  forChunks(model, ds, (r, x) => {
    const a = r.toTypedArray(), b = x.toTypedArray();
    for (let i = 0; i < a.length; i++) total += (a[i] - b[i]) ** 2;
  });
  return total / (ds.length * MNIST_PIXELS);
}

/** Test-set MSE and BCE of the reconstructions. */
export function testMetrics(model: MnistModel, ds: Dataset): { mse: number; bce: number } {
  const mse = reconstructionMse(model, ds);
  let total = 0;
  forChunks(model, ds, (r, x, n) => { total += bce(r, x).item() * n; });
  return { mse, bce: total / ds.length };
}

/** `count` test digits from `offset` (top row) over their reconstructions (bottom row). */
export function reconstructionImage(model: { reconstruct(x: Inputs): Tensor }, ds: Dataset, offset: number, count: number, scale = FIGURE_SCALE): RasterImage {
  const part = ds.slice(offset, offset + count);
  const originals = splitBatch(part.toFloat32(), MNIST_PIXELS);
  const recon = splitBatch(model.reconstruct(part).toTypedArray(), MNIST_PIXELS);
  return reconstructionFigure(originals, recon, MNIST_SIDE, MNIST_SIDE, scale);
}
