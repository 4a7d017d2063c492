/**
 * The export matrix's models and data: one small model of every kind (random weights, every tensor jittered
 * so no bias is zero), on real inputs in the data's own units with a fitted preprocessing: MNIST digits
 * (0..255, scaled), random colour images (min-max per channel), random table rows and sequences with missing
 * cells (standardized, NaN filled). Each case gives aekit's own outputs for every part it exports, computed as
 * the CLI computes them (preprocessing.apply, the model's reconstruct/encode/decode, preprocessing.inverse; the
 * detector's scores, decide and probability).
 */
import { AnomalyDetector } from '../../src/analysis/anomaly.js';
import { noGrad } from '../../src/autograd/mode.js';
import { Dataset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { Preprocessing } from '../../src/data/preprocess.js';
import type { ExportableModel } from '../../src/io/onnx/export.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { ContractiveAutoencoder } from '../../src/models/contractive.js';
import { ConvAutoencoder } from '../../src/models/conv-autoencoder.js';
import { DenoisingAutoencoder } from '../../src/models/denoising.js';
import { MLP } from '../../src/models/mlp.js';
import type { AutoencoderModel } from '../../src/models/model.js';
import { Perceptron } from '../../src/models/perceptron.js';
import { RNNRegressor } from '../../src/models/rnn.js';
import { SequenceAutoencoder } from '../../src/models/sequence-autoencoder.js';
import { SparseAutoencoder } from '../../src/models/sparse.js';
import { StackedAutoencoder } from '../../src/models/stacked.js';
import { VAE } from '../../src/models/vae.js';
import { Conv2D, Conv2DTranspose } from '../../src/nn/conv.js';
import { Dense, Sequential } from '../../src/nn/dense.js';
import type { Module } from '../../src/nn/module.js';
import { AvgPool2D, MaxPool2D } from '../../src/nn/pool.js';
import { Flatten, Reshape, UpSampling2D } from '../../src/nn/reshape.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor } from '../../src/tensor/tensor.js';

/** One part's expected outputs: output name -> values (flat), and the inputs to feed (raw data, or codes). */
export interface PartCase {
  feed: Record<string, { data: Float32Array; dims: number[] }>;
  expected: Record<string, ArrayLike<number>>;
}

export interface ExportCase {
  name: string;
  model: ExportableModel;
  prep: Preprocessing | null;
  /** The data's sample shape, as the model file would keep it (only a Sequential's graph uses it). */
  sample?: number[];
  parts: Record<string, () => PartCase>;
  /** The detector, whose own decide/probability check the score part. */
  detector?: AnomalyDetector;
}

/** Adds seeded noise to every tensor of `m` (biases start at zero: a wrong bias order would go unseen). */
function jitter<M extends Module>(m: M, seed: number, scale = 0.05): M {
  const rng = new Rng(seed);
  for (const [, t] of m.namedTensors()) for (let i = 0; i < t.size; i++) t.data[t.offset + i] += scale * rng.normal();
  m.eval();
  return m;
}

/** Raw rows [n, f] with column j ~ N(10 j, (j + 1)^2) and about 5% missing cells (NaN). */
function tableRows(n: number, f: number, seed: number, missing = true): Dataset {
  const rng = new Rng(seed);
  const v = Float32Array.from({ length: n * f }, (_, i) => (missing && rng.uniform(0, 1) < 0.05 ? NaN : 10 * (i % f) + ((i % f) + 1) * rng.normal()));
  return Dataset.fromTyped(v, n, [f], { missing: true });
}

/** Raw sequences [n, t, f]: each step a row as tableRows makes them. */
function sequences(n: number, t: number, f: number, seed: number, missing = true): Dataset {
  return Dataset.fromTyped(tableRows(n * t, f, seed, missing).values as Float32Array, n, [t, f], { missing: true });
}

/** MNIST test digits in their own units (uint8 0..255), [n, 28, 28, 1]. */
function digits(n: number): Dataset {
  const m = loadMnist('test', { limit: n, flat: false });
  return Dataset.fromTyped(m.values, n, [28, 28, 1]);
}

/** Random colour images [n, h, w, 3], channel c in [0, 100 (c + 1)). */
function colourImages(n: number, h: number, w: number, seed: number): Dataset {
  const rng = new Rng(seed);
  return Dataset.fromTyped(Float32Array.from({ length: n * h * w * 3 }, (_, i) => rng.uniform(0, 100 * ((i % 3) + 1))), n, [h, w, 3]);
}

const flat = (t: { toTypedArray(): ArrayLike<number> }): Float32Array => Float32Array.from(t.toTypedArray());
const dims = (n: number, shape: readonly number[]): number[] => [n, ...shape];

/** The cases of an autoencoder: full, encoder (the VAE: mean and log-variance), decoder. */
function aeCase(name: string, model: AutoencoderModel, raw: Dataset, prep: Preprocessing | null): ExportCase {
  const input = (prep ? prep.apply(raw) : raw).reshape(model.inputShape);
  const units = (v: Float32Array): Float32Array => (prep ? prep.inverse(v) : v);
  const feed = { input: { data: raw.toFloat32(), dims: dims(raw.length, model.inputShape) } };
  const codes = (): Record<string, Float32Array> => noGrad((): Record<string, Float32Array> => {
    if (model instanceof VAE) {
      const p = model.posterior(tensor(input.toFloat32(), [input.length, input.sampleSize]));
      return { code_mean: flat(model.encode(input)), code_log_var: flat(p.logVar) };
    }
    return { code: flat(model.encode(input)) };
  });
  return {
    name, model, prep,
    parts: {
      full: () => ({ feed, expected: { reconstruction: units(noGrad(() => flat(model.reconstruct(input)))) } }),
      encoder: () => ({ feed, expected: codes() }),
      decoder: () => {
        const code = Object.values(codes())[0];
        return { feed: { code: { data: code, dims: dims(raw.length, model.codeShape) } }, expected: { reconstruction: units(noGrad(() => flat(model.decode(Dataset.fromTyped(code, raw.length, model.codeShape))))) } };
      },
    },
  };
}

/** A detector's cases: the autoencoder's parts through its scaler, and score. */
function detectorCase(name: string, det: AnomalyDetector, raw: Dataset, prep: Preprocessing): ExportCase {
  const ae = det.autoencoder;
  const input = prep.apply(raw).reshape(ae.inputShape);
  const feed = { input: { data: raw.toFloat32(), dims: dims(raw.length, ae.inputShape) } };
  const space = det.modelSpace(input);
  const code = (): Float32Array => noGrad(() => flat(ae.encode(space)));
  const back = (r: Float32Array): Float32Array => prep.inverse(det.scaler ? det.scaler.inverseRows(r) : r);
  return {
    name, model: det, prep, detector: det,
    parts: {
      full: () => ({ feed, expected: { reconstruction: prep.inverse(flat(det.reconstruct(input))) } }),
      encoder: (): PartCase => ({ feed, expected: ae instanceof VAE ? { code_mean: code(), code_log_var: noGrad(() => flat(ae.posterior(tensor(space.toFloat32(), [space.length, space.sampleSize])).logVar)) } : { code: code() } }),
      decoder: () => {
        const c = code();
        return { feed: { code: { data: c, dims: dims(raw.length, ae.codeShape) } }, expected: { reconstruction: back(noGrad(() => flat(ae.decode(Dataset.fromTyped(c, raw.length, ae.codeShape))))) } };
      },
      score: () => {
        const scores = det.scores(input);
        return { feed, expected: { reconstruction_error: scores, is_anomaly: det.decide(scores), anomaly_probability: det.probability(scores) } };
      },
    },
  };
}

/** A network that is not an autoencoder: its forward pass. */
function netCase(name: string, model: Module & ExportableModel, raw: Dataset, prep: Preprocessing | null): ExportCase {
  const input = prep ? prep.apply(raw) : raw;
  return {
    name, model, prep,
    parts: { full: () => ({ feed: { input: { data: raw.toFloat32(), dims: dims(raw.length, raw.sampleShape) } }, expected: { output: noGrad(() => flat(model.forward(tensor(input.toFloat32(), dims(input.length, input.sampleShape))))) } }) },
  };
}

export async function exportCases(): Promise<ExportCase[]> {
  const table = tableRows(40, 6, 1);
  const tablePrep = Preprocessing.fit(table, 'standardize', 6);
  const mnist = digits(24);
  const mnistPrep = Preprocessing.scaleBy(255);
  const rows = mnist.reshape([784]);
  const colour = colourImages(5, 10, 6, 2);
  const colourPrep = Preprocessing.fit(colour, 'minmax', 3);
  const seqs = sequences(12, 7, 2, 3);
  const seqPrep = Preprocessing.fit(seqs, 'standardize', 2);
  const cases: ExportCase[] = [
    aeCase('Autoencoder (table, elu, linear out)', jitter(new Autoencoder({ inputDim: 6, hidden: [5], latentDim: 3, activation: 'elu', outputActivation: 'linear', seed: 1 }), 11), table, tablePrep),
    aeCase('Autoencoder (MNIST, float64)', jitter(new Autoencoder({ inputDim: 784, hidden: [32], latentDim: 8, dtype: 'float64', seed: 2 }), 12), rows, mnistPrep),
    aeCase('SparseAutoencoder (MNIST)', jitter(new SparseAutoencoder({ inputDim: 784, hidden: [24], latentDim: 6, latentActivation: 'sigmoid', sparsity: { kl: { rho: 0.05, beta: 3 } }, seed: 3 }), 13), rows, mnistPrep),
    aeCase('DenoisingAutoencoder (MNIST, tanh)', jitter(new DenoisingAutoencoder({ inputDim: 784, hidden: [20], latentDim: 5, activation: 'tanh', noise: { type: 'gaussian', factor: 0.5 }, seed: 4 }), 14), rows, mnistPrep),
    aeCase('ContractiveAutoencoder (table)', jitter(new ContractiveAutoencoder({ inputDim: 6, latentDim: 4, lambda: 0.1, outputActivation: 'linear', seed: 5 }), 15), table, tablePrep),
    aeCase('VAE (MNIST)', jitter(new VAE({ inputDim: 784, hidden: [32], latentDim: 4, seed: 6 }), 16), rows, mnistPrep),
    aeCase('VAE (table, mse, no hidden)', jitter(new VAE({ inputDim: 6, latentDim: 2, reconstruction: 'mse', outputActivation: 'linear', seed: 7 }), 17), table, tablePrep),
    aeCase('StackedAutoencoder (tied, table)', jitter(new StackedAutoencoder({ inputDim: 6, hidden: [5, 4], latentDim: 2, tiedWeights: true, activation: 'leakyRelu', outputActivation: 'linear', seed: 8 }), 18), table, tablePrep),
    aeCase('StackedAutoencoder (MNIST, softplus)', jitter(new StackedAutoencoder({ inputDim: 784, hidden: [16], latentDim: 4, activation: 'softplus', seed: 9 }), 19), rows, mnistPrep),
    aeCase('ConvAutoencoder (MNIST, keras-blog)', jitter(ConvAutoencoder.preset('keras-blog', { seed: 10 }), 20), mnist, mnistPrep),
    aeCase('ConvAutoencoder (10x6x3, odd sizes)', jitter(new ConvAutoencoder({ inputShape: [10, 6, 3], encoder: [4, { filters: 5, kernelSize: [3, 2], activation: 'leakyRelu' }], decoder: [4, { filters: 4, kernelSize: 2, padding: 'valid' }], pool: 2, outputActivation: 'linear', outputKernelSize: [3, 1], seed: 11 }), 21), colour, colourPrep),
    aeCase('SequenceAutoencoder (latent 3)', jitter(new SequenceAutoencoder({ inputDim: 2, timesteps: 7, units: 5, latentDim: 3, seed: 12 }), 22), seqs, seqPrep),
    aeCase('SequenceAutoencoder (code = h)', jitter(new SequenceAutoencoder({ inputDim: 2, timesteps: 7, units: 4, seed: 13 }), 23), seqs, seqPrep),
  ];
  const det = async (name: string, ae: AutoencoderModel, raw: Dataset, prep: Preprocessing, standardize: boolean): Promise<ExportCase> => {
    const d = new AnomalyDetector(ae, { standardize, threshold: { contamination: 0.2 } });
    const x = prep.apply(raw).reshape(ae.inputShape);
    await d.fit(x.slice(0, Math.ceil(x.length / 2)), { train: false, calibrationData: x.slice(Math.ceil(x.length / 2), x.length) });
    return detectorCase(name, d, raw, prep);
  };
  cases.push(
    await det('AnomalyDetector (Autoencoder, table)', jitter(new Autoencoder({ inputDim: 6, hidden: [4], latentDim: 2, outputActivation: 'linear', seed: 14 }), 24), table, tablePrep, false),
    await det('AnomalyDetector (ConvAutoencoder, standardize)', jitter(ConvAutoencoder.preset('keras-blog', { seed: 15 }), 25), mnist, mnistPrep, true),
    await det('AnomalyDetector (VAE, MNIST)', jitter(new VAE({ inputDim: 784, hidden: [16], latentDim: 3, seed: 16 }), 26), rows, mnistPrep, false),
    await det('AnomalyDetector (SequenceAutoencoder)', jitter(new SequenceAutoencoder({ inputDim: 2, timesteps: 7, units: 4, latentDim: 2, seed: 17 }), 27), seqs, seqPrep, false),
  );
  const plainTable = tableRows(16, 6, 4, false);
  const seqRaw = sequences(9, 11, 2, 5, false);
  const convSeq = new Sequential([
    new Conv2D({ inChannels: 1, filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }, { rng: new Rng(1) }),
    new MaxPool2D({ poolSize: 2 }),
    new Conv2DTranspose({ inChannels: 3, filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }, { rng: new Rng(2) }),
    new AvgPool2D({ poolSize: 3, strides: 2, padding: 'same' }),
    new Conv2DTranspose({ inChannels: 2, filters: 2, kernelSize: 2, strides: 3, padding: 'valid', activation: 'elu' }, { rng: new Rng(3) }),
    new UpSampling2D({ size: [1, 2] }),
    new Conv2D({ inChannels: 2, filters: 4, kernelSize: [2, 3], strides: [2, 1], padding: 'valid', activation: 'softmax' }, { rng: new Rng(4) }),
    new Flatten(),
    new Reshape({ targetShape: [-1, 4] }),
    new Flatten(),
  ]);
  const everyActivation = new Sequential((['sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'linear', 'softplus', 'softmax'] as const).map((a, i) => new Dense({ inputDim: 6, units: 6, activation: a }, { rng: new Rng(30 + i) })));
  cases.push(
    netCase('Perceptron', jitter(new Perceptron({ inputDim: 6, outputDim: 2, seed: 18 }), 28), plainTable, tablePrep),
    netCase('MLP (softmax)', jitter(new MLP({ sizes: [6, 5, 3], activation: 'tanh', outputActivation: 'softmax', seed: 19 }), 29), plainTable, tablePrep),
    netCase('RNNRegressor', jitter(new RNNRegressor({ inputDim: 2, units: 5, outputDim: 2, seed: 20 }), 30), seqRaw, null),
    netCase('Sequential (every activation)', jitter(everyActivation, 31), plainTable, null),
    netCase('Sequential (conv, pools, transposed, reshape)', jitter(convSeq, 32), mnist, mnistPrep),
    { ...netCase('Sequential (conv..., image size from the data)', convSeq, mnist, mnistPrep), sample: [28, 28, 1] },
  );
  return cases;
}
