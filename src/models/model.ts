/**
 * The one autoencoder interface. Every kind (Autoencoder and its sparse, denoising and contractive variants,
 * VAE, StackedAutoencoder, ConvAutoencoder, SequenceAutoencoder) implements it, and the uses (analysis/, the
 * CLI) see models only through it: no unions of classes, no instanceof chains. A capability a use needs
 * (outputs in [0, 1] for cross-entropy, a training corruption for denoising) is a field here, not a class test.
 */
import type { Inputs } from '../data/inputs.js';
import type { NoiseSpec } from '../data/noise.js';
import type { ActivationName } from '../nn/activations.js';
import { Module } from '../nn/module.js';
import { mapRows, rowErrors } from './batched.js';
import { reshape } from '../tensor/ops.js';
import { fmtShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

export interface AutoencoderModel extends Module {
  /** One input sample: [features] for dense kinds, [height, width, channels] (conv), [timesteps, features] (sequence). */
  readonly inputShape: readonly number[];
  /** One code: [latentDim], or a feature map [h, w, c] for the conv kind. */
  readonly codeShape: readonly number[];
  /** The reconstruction's activation: 'sigmoid' outputs lie in (0, 1) (data scaled to [0, 1]); 'linear' any value. */
  readonly outputActivation: ActivationName;
  /** The corruption a denoising kind trains with (its default for `denoise`), or null. */
  readonly trainingNoise: NoiseSpec | null;
  /** Codes [n, ...codeShape]. Inputs are samples of inputShape, or flat rows of the same size. */
  encode(x: Inputs): Tensor;
  /** Reconstructions [n, ...] from codes (given in codeShape or flat). */
  decode(codes: Inputs): Tensor;
  /** decode(encode(x)); a VAE decodes its posterior mean (no sampling). */
  reconstruct(x: Inputs): Tensor;
  /** Mean squared error of the reconstructions: over everything ('mean', default) or one mean per sample. */
  reconstructionError(x: Inputs, opts: { reduce: 'perSample' }): Float32Array;
  reconstructionError(x: Inputs, opts?: { reduce?: 'mean' }): number;
  /** The model file's kind and config (io/kinds.ts builds the model back from them). */
  modelConfig(): { kind: string; config: object };
  /** A one-line description of the layers, e.g. "784-256-128-256-784" or "28x28x1-conv16-8-8-4x4x8-...". */
  architecture(): string;
  /** Trains the model to reconstruct `data`; each kind documents its options (train/fit.ts's FitOptions at least). */
  fit(data: Inputs, opts?: object): Promise<unknown>;
}

/**
 * A batch as rows [n, d] for a dense model: samples of any shape with d values each (images [n, 28, 28, 1] read
 * as rows of 784 pixels) are viewed flat; anything else is an error naming the model and both shapes.
 */
export function rowsOf(x: Tensor, d: number, who: string): Tensor {
  if (x.ndim >= 2 && shapeSize(x.shape.slice(1)) === d) return x.ndim === 2 ? x : reshape(x, [x.shape[0], d]);
  throw new Error(`${who} expects input of shape [batch, ${d}], got ${fmtShape(x.shape)}`);
}

/**
 * What the dense kinds (Autoencoder and its variants, VAE, StackedAutoencoder) share of the interface: their
 * shapes and description come from one config, and a batch of any sample shape is read as rows.
 */
export abstract class DenseAutoencoderBase extends Module {
  abstract readonly config: { inputDim: number; hidden: readonly number[]; latentDim: number; outputActivation: ActivationName };

  get inputShape(): readonly number[] {
    return [this.config.inputDim];
  }

  get codeShape(): readonly number[] {
    return [this.config.latentDim];
  }

  get outputActivation(): ActivationName {
    return this.config.outputActivation;
  }

  /** Null: trained on clean inputs (DenoisingAutoencoder overrides this). */
  get trainingNoise(): NoiseSpec | null {
    return null;
  }

  architecture(): string {
    return denseArchitecture(this.config.inputDim, this.config.hidden, this.config.latentDim);
  }

  /** The batch as rows [n, inputDim] (see rowsOf). */
  protected checkInput(x: Tensor): Tensor {
    return rowsOf(x, this.config.inputDim, this.constructor.name);
  }

  /** r = g(f(x)) in batches, [n, inputDim] (a VAE decodes its posterior mean: its forward). */
  reconstruct(x: Inputs): Tensor {
    return mapRows(this, x, this.config.inputDim, this.config.inputDim, (b) => this.forward(b), 'reconstruct');
  }

  /** Mean squared reconstruction error over all samples and features, or one mean per sample. */
  reconstructionError(x: Inputs, opts?: { reduce?: 'mean' }): number;
  reconstructionError(x: Inputs, opts: { reduce: 'perSample' }): Float32Array;
  reconstructionError(x: Inputs, opts: { reduce?: 'mean' | 'perSample' } = {}): number | Float32Array {
    const reduce = opts.reduce ?? 'mean';
    if (reduce !== 'mean' && reduce !== 'perSample') throw new Error(`reduce must be 'mean' or 'perSample', got '${String(reduce)}'`);
    const per = rowErrors(this, x, this.config.inputDim, (xb) => this.forward(xb));
    return reduce === 'perSample' ? per : meanOf(per);
  }
}

/** Values per sample of a shape. */
export const shapeSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** "784-256-128-256-784": a dense autoencoder's widths from input to reconstruction. */
export function denseArchitecture(inputDim: number, hidden: readonly number[], latentDim: number): string {
  const enc = [inputDim, ...hidden, latentDim];
  return [...enc, ...enc.slice(0, -1).reverse()].join('-');
}

/** Per-sample means of squared differences of two packed arrays of n samples. */
export function perSampleSquaredError(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float32Array {
  const d = n ? a.length / n : 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) s += (a[j] - b[j]) ** 2;
    out[i] = s / d;
  }
  return out;
}

/** The mean of per-sample errors (NaN for none), as every kind's reconstructionError reports it. */
export function meanOf(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return v.length ? s / v.length : NaN;
}
