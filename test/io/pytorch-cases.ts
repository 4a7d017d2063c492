/**
 * The models the PyTorch tests export: every autoencoder kind, every activation somewhere, float32 and float64,
 * random values in every tensor (biases too), with data info and preprocessing where a model file has them.
 */
import type { DataInfo } from '../../src/data/info.js';
import { Preprocessing } from '../../src/data/preprocess.js';
import type { DType } from '../../src/kernels/types.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { ContractiveAutoencoder } from '../../src/models/contractive.js';
import { ConvAutoencoder } from '../../src/models/conv-autoencoder.js';
import { DenoisingAutoencoder } from '../../src/models/denoising.js';
import type { AutoencoderModel } from '../../src/models/model.js';
import { SequenceAutoencoder } from '../../src/models/sequence-autoencoder.js';
import { SparseAutoencoder } from '../../src/models/sparse.js';
import { StackedAutoencoder } from '../../src/models/stacked.js';
import { VAE } from '../../src/models/vae.js';
import type { Module } from '../../src/nn/module.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';

export interface PyTorchCase {
  name: string;
  model: AutoencoderModel;
  data: DataInfo;
  preprocessing: Preprocessing | null;
}

/** Every tensor of `m` drawn from N(0, 0.5) (seeded), so no value is a default. */
export function randomize<M extends Module>(m: M, seed: number): M {
  const rng = new Rng(seed);
  for (const [, t] of m.namedTensors()) for (let i = 0; i < t.size; i++) t.data[t.offset + i] = rng.normal(0, 0.5);
  return m;
}

const tabular = (d: number): DataInfo => ({
  kind: 'tabular', sampleShape: [d], source: 'rows.csv', featureNames: Array.from({ length: d }, (_, j) => `f${j}`),
  classNames: null, valueRange: null, columns: { label: null, id: null, features: Array.from({ length: d }, (_, j) => `f${j}`) }, window: null,
});
const image = (shape: number[]): DataInfo => ({ kind: 'image', sampleShape: shape, source: 'images/', featureNames: null, classNames: ['a', 'b'], valueRange: [0, 255], columns: null, window: null });
const sequence = (t: number, f: number): DataInfo => ({
  kind: 'sequence', sampleShape: [t, f], source: 'series.csv', featureNames: Array.from({ length: f }, (_, j) => `s${j}`), classNames: null,
  valueRange: null, columns: { label: null, id: null, features: Array.from({ length: f }, (_, j) => `s${j}`) }, window: { size: t, stride: 1 },
});

/** A per-feature affine map with non-trivial values; `fill` for data with missing cells. */
export function prep(period: number, fill = false): Preprocessing {
  const shift = Float64Array.from({ length: period }, (_, j) => 0.3 * j - 0.1);
  const scale = Float64Array.from({ length: period }, (_, j) => 1.5 + 0.7 * j);
  return new Preprocessing({ method: 'minmax', shift, scale, fill: fill ? Float64Array.from({ length: period }, (_, j) => 0.25 * j) : null });
}

export function pytorchCases(): PyTorchCase[] {
  const c = (name: string, model: AutoencoderModel, data: DataInfo, preprocessing: Preprocessing | null): PyTorchCase => ({ name, model: randomize(model, name.length * 31 + 7), data, preprocessing });
  return [
    c('Autoencoder', new Autoencoder({ inputDim: 6, hidden: [5, 4], latentDim: 3, activation: 'leakyRelu', latentActivation: 'elu', outputActivation: 'softplus', seed: 1 }), tabular(6), prep(6, true)),
    c('Autoencoder float64', new Autoencoder({ inputDim: 5, hidden: [4], latentDim: 2, activation: 'tanh', dtype: 'float64' as DType, seed: 2 }), tabular(5), null),
    c('SparseAutoencoder', new SparseAutoencoder({ inputDim: 6, hidden: [4], latentDim: 3, activation: 'relu', latentActivation: 'sigmoid', outputActivation: 'linear', sparsity: { l1: 1e-3, kl: { rho: 0.05, beta: 2 } }, seed: 3 }), tabular(6), prep(6)),
    c('DenoisingAutoencoder', new DenoisingAutoencoder({ inputDim: 6, hidden: [5], latentDim: 2, activation: 'tanh', outputActivation: 'softmax', noise: { type: 'gaussian', factor: 0.3 }, seed: 4 }), tabular(6), null),
    c('ContractiveAutoencoder', new ContractiveAutoencoder({ inputDim: 6, latentDim: 3, lambda: 0.1, outputActivation: 'sigmoid', seed: 5 }), tabular(6), prep(6)),
    c('VAE', new VAE({ inputDim: 6, hidden: [5, 4], latentDim: 2, activation: 'elu', seed: 6 }), tabular(6), prep(6)),
    c('VAE mse', new VAE({ inputDim: 6, hidden: [], latentDim: 3, reconstruction: 'mse', outputActivation: 'linear', beta: 0.5, seed: 7 }), tabular(6), null),
    c('StackedAutoencoder', new StackedAutoencoder({ inputDim: 6, hidden: [5, 4], latentDim: 3, activation: 'relu', latentActivation: 'linear', seed: 8 }), tabular(6), prep(6)),
    c('StackedAutoencoder tied', new StackedAutoencoder({ inputDim: 6, hidden: [4], latentDim: 3, activation: 'tanh', tiedWeights: true, seed: 9 }), tabular(6), null),
    // 12x8 images, pool [3, 2]: the second pool pads 4 rows to 6, one above and one below (Keras's 'same' split);
    // kernels of even size ('same' pads the odd one at the bottom/right) and a 'valid' stage.
    c('ConvAutoencoder', new ConvAutoencoder({
      inputShape: [12, 8, 2], pool: [3, 2], activation: 'elu', outputActivation: 'softmax',
      encoder: [4, { filters: 3, kernelSize: 2, activation: 'relu' }], decoder: [{ filters: 3, kernelSize: [2, 3] }, { filters: 2, padding: 'valid', kernelSize: [3, 1], activation: 'tanh' }], seed: 10,
    }), image([12, 8, 2]), prep(2)),
    c('ConvAutoencoder denoising', ConvAutoencoder.preset('keras-blog', { inputShape: [16, 16, 1], encoder: [4, 2], decoder: [2, 4], seed: 11, noise: { type: 'gaussian', factor: 0.5, clip: true } }), image([16, 16, 1]), new Preprocessing({ method: 'scale', shift: new Float64Array(1), scale: Float64Array.of(255), fill: null })),
    c('SequenceAutoencoder', new SequenceAutoencoder({ inputDim: 2, timesteps: 5, units: 4, latentDim: 3, seed: 12 }), sequence(5, 2), prep(2, true)),
    c('SequenceAutoencoder no bottleneck', new SequenceAutoencoder({ inputDim: 1, timesteps: 4, units: 3, seed: 13 }), sequence(4, 1), null),
  ];
}

/** n samples of the model's input shape, uniform in [0, 1), in the model's dtype. */
export function inputsFor(model: AutoencoderModel, n: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const shape = [n, ...model.inputShape];
  const size = shape.reduce((a, b) => a * b, 1);
  const dtype = (model.modelConfig().config as { dtype?: DType }).dtype ?? 'float32';
  return tensor(Array.from({ length: size }, () => rng.uniform(0, 1)), shape, { dtype });
}
